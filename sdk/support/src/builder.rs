//! `Client::builder(base_url, credentials)`: timeouts, `User-Agent`, extra
//! root certificates or an explicit insecure mode, and a base URL checked
//! when the client is built, not on the first request.

use std::time::Duration;

use reqwest::Url;
use reqwest::header::HeaderValue;

use crate::context::{ClientContext, Timeouts};

/// How long connecting (TCP and TLS) may take, unless set with
/// [`ClientBuilder::connect_timeout`].
pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
/// How long the connection may stay silent while a response is awaited or
/// read, unless set with [`ClientBuilder::read_timeout`].
pub const DEFAULT_READ_TIMEOUT: Duration = Duration::from_secs(30);
/// How long a whole request may take, from sending to the end of the
/// response body, unless set with [`ClientBuilder::timeout`].
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(60);

/// What an SDK's `Client` tells the builder about itself.
pub trait Sdk: Sized {
    /// What every request carries (`Credentials` of the SDK).
    type Credentials;
    /// The default `User-Agent`: `<crate name>/<crate version>`.
    const USER_AGENT: &'static str;
    /// The client from its parts (progenitor's `new_with_client`).
    fn assemble(
        base_url: &str,
        client: reqwest::Client,
        context: ClientContext<Self::Credentials>,
    ) -> Self;
}

/// Why a client could not be built. Each names what was refused.
#[derive(Debug)]
#[non_exhaustive]
pub enum BuildError {
    /// The base URL is not an absolute `http://` or `https://` URL.
    BaseUrl { url: String, reason: String },
    /// The `User-Agent` cannot be sent in a header.
    UserAgent(String),
    /// reqwest refused the configuration (e.g. its TLS setup).
    Client(reqwest::Error),
}

impl std::fmt::Display for BuildError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            BuildError::BaseUrl { url, reason } => write!(f, "base URL {url:?} {reason}"),
            BuildError::UserAgent(agent) => {
                write!(f, "User-Agent {agent:?} cannot be sent in a header")
            }
            BuildError::Client(e) => write!(f, "the HTTP client cannot be built: {e}"),
        }
    }
}

impl std::error::Error for BuildError {}

/// Configures and builds an SDK's `Client`.
#[must_use]
pub struct ClientBuilder<C: Sdk> {
    base_url: String,
    credentials: C::Credentials,
    connect_timeout: Duration,
    read_timeout: Duration,
    timeout: Duration,
    user_agent: Option<String>,
    root_certificates: Vec<reqwest::Certificate>,
    accept_invalid_certificates: bool,
}

impl<C: Sdk> ClientBuilder<C> {
    /// A builder with the documented defaults.
    pub fn new(base_url: &str, credentials: C::Credentials) -> Self {
        ClientBuilder {
            base_url: base_url.to_string(),
            credentials,
            connect_timeout: DEFAULT_CONNECT_TIMEOUT,
            read_timeout: DEFAULT_READ_TIMEOUT,
            timeout: DEFAULT_TIMEOUT,
            user_agent: None,
            root_certificates: Vec::new(),
            accept_invalid_certificates: false,
        }
    }

    /// Connecting (TCP and TLS); default [`DEFAULT_CONNECT_TIMEOUT`].
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = timeout;
        self
    }

    /// Silence on the connection while a response is awaited or read;
    /// default [`DEFAULT_READ_TIMEOUT`].
    pub fn read_timeout(mut self, timeout: Duration) -> Self {
        self.read_timeout = timeout;
        self
    }

    /// A whole request, sending to the end of the body; default
    /// [`DEFAULT_TIMEOUT`].
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// Replaces the default `User-Agent` (`<crate>/<version>`), e.g. with
    /// your application's name.
    pub fn user_agent(mut self, user_agent: &str) -> Self {
        self.user_agent = Some(user_agent.to_string());
        self
    }

    /// Trusts `certificate` as a root too (e.g. a private CA), besides the
    /// platform's roots. Read one with `reqwest::Certificate::from_pem`.
    pub fn add_root_certificate(mut self, certificate: reqwest::Certificate) -> Self {
        self.root_certificates.push(certificate);
        self
    }

    /// Accepts any server certificate, valid or not, so that anyone on the
    /// network path can read and change the traffic, credentials included.
    /// Only for a test server with a self-signed certificate; prefer
    /// [`ClientBuilder::add_root_certificate`].
    pub fn danger_accept_invalid_certificates(mut self) -> Self {
        self.accept_invalid_certificates = true;
        self
    }

    /// Checks the base URL and builds the client.
    pub fn build(self) -> Result<C, BuildError> {
        let base_url = checked_base_url(&self.base_url)?;
        let agent = self.user_agent.as_deref().unwrap_or(C::USER_AGENT);
        let agent =
            HeaderValue::from_str(agent).map_err(|_| BuildError::UserAgent(agent.to_string()))?;
        let mut client = reqwest::Client::builder()
            .connect_timeout(self.connect_timeout)
            .read_timeout(self.read_timeout)
            .timeout(self.timeout)
            .user_agent(agent);
        for certificate in self.root_certificates {
            client = client.add_root_certificate(certificate);
        }
        if self.accept_invalid_certificates {
            client = client.tls_danger_accept_invalid_certs(true);
        }
        let client = client.build().map_err(BuildError::Client)?;
        let timeouts = Timeouts {
            connect: self.connect_timeout,
            read: self.read_timeout,
            total: self.timeout,
        };
        let context = ClientContext::new(self.credentials, timeouts);
        Ok(C::assemble(&base_url, client, context))
    }
}

/// The base URL as the generated code joins paths to it: absolute, `http`
/// or `https`, with a host, no query or fragment, no trailing `/`.
pub fn checked_base_url(url: &str) -> Result<String, BuildError> {
    let refuse = |reason: &str| BuildError::BaseUrl {
        url: url.to_string(),
        reason: reason.to_string(),
    };
    let parsed = Url::parse(url).map_err(|e| {
        refuse(&format!(
            "is not an absolute URL ({e}); write it with its scheme, e.g. http://127.0.0.1:8105"
        ))
    })?;
    if !matches!(parsed.scheme(), "http" | "https") {
        return Err(refuse("must start with http:// or https://"));
    }
    if parsed.host_str().is_none_or(str::is_empty) {
        return Err(refuse("has no host"));
    }
    if parsed.query().is_some() || parsed.fragment().is_some() {
        return Err(refuse("must not have a query or a fragment"));
    }
    Ok(url.trim_end_matches('/').to_string())
}
