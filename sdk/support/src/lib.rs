//! What the five SDKs' hand-written layers share.
//!
//! - [`secret_header`] / [`InvalidCredentials`]: turning a credential into a
//!   header value once, at construction, marked sensitive so that neither
//!   reqwest's `Debug` output nor HTTP/2 header compression exposes it.
//! - [`Error`]: a documented error response typed by its status, for APIs
//!   whose spec gives one error body for every error status.

use reqwest::StatusCode;
use reqwest::header::HeaderValue;

/// A credential that cannot be sent in an HTTP header (e.g. it contains a
/// newline). Reported when the credentials are built, not on every request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InvalidCredentials {
    /// The header the credential was meant for.
    pub header: &'static str,
}

impl std::fmt::Display for InvalidCredentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "the {} credential contains characters an HTTP header cannot carry",
            self.header
        )
    }
}

impl std::error::Error for InvalidCredentials {}

/// Builds the value of the header `header` from `value`, marked sensitive.
pub fn secret_header(header: &'static str, value: &str) -> Result<HeaderValue, InvalidCredentials> {
    let mut value = HeaderValue::from_str(value).map_err(|_| InvalidCredentials { header })?;
    value.set_sensitive(true);
    Ok(value)
}

/// The `Debug` text of a secret.
pub const REDACTED: &str = "<redacted>";

/// What an operation can fail with when its spec documents one error body
/// `B` for every error status.
#[derive(Debug)]
pub enum Error<B> {
    /// A documented error response: its status and its decoded body.
    Api { status: StatusCode, body: B },
    /// No documented error response: the request could not be built or
    /// sent, or a body could not be read or decoded (progenitor's error,
    /// never its `ErrorResponse` variant).
    Client(progenitor_client::Error<B>),
}

impl<B> Error<B> {
    /// The HTTP status, when a response arrived.
    pub fn status(&self) -> Option<StatusCode> {
        match self {
            Error::Api { status, .. } => Some(*status),
            Error::Client(e) => e.status(),
        }
    }

    /// The documented error body, when there is one.
    pub fn body(&self) -> Option<&B> {
        match self {
            Error::Api { body, .. } => Some(body),
            Error::Client(_) => None,
        }
    }
}

impl<B> From<progenitor_client::Error<B>> for Error<B> {
    fn from(error: progenitor_client::Error<B>) -> Self {
        match error {
            progenitor_client::Error::ErrorResponse(response) => Error::Api {
                status: response.status(),
                body: response.into_inner(),
            },
            other => Error::Client(other),
        }
    }
}

impl<B: std::fmt::Debug> std::fmt::Display for Error<B> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Error::Api { status, body } => write!(f, "{status}: {body:?}"),
            Error::Client(e) => write!(f, "{e}"),
        }
    }
}

impl<B: std::fmt::Debug> std::error::Error for Error<B> {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Error::Api { .. } => None,
            Error::Client(e) => e.source(),
        }
    }
}
