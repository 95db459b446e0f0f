//! What a generated `Client` carries besides its HTTP client (progenitor's
//! "inner" value): the credentials it sends, and the timeouts it was built
//! with.
//!
//! reqwest reports a read timeout and a total timeout with the same error,
//! so only the hook that timed the request, knowing both settings, can say
//! which one fired; the settings live here because the generated `Client`
//! has no other place for them.

use std::time::Duration;

/// The credentials and, when the client was made by
/// [`crate::ClientBuilder`], its timeouts.
#[derive(Clone, Debug)]
pub struct ClientContext<C> {
    credentials: C,
    timeouts: Option<Timeouts>,
}

/// The timeouts a client was built with.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Timeouts {
    pub connect: Duration,
    pub read: Duration,
    pub total: Duration,
}

impl<C> ClientContext<C> {
    /// Credentials and the timeouts of the `reqwest::Client` they go with.
    pub fn new(credentials: C, timeouts: Timeouts) -> Self {
        ClientContext {
            credentials,
            timeouts: Some(timeouts),
        }
    }

    /// The credentials sent on every request.
    pub fn credentials(&self) -> &C {
        &self.credentials
    }

    /// The timeouts, when known.
    pub fn timeouts(&self) -> Option<Timeouts> {
        self.timeouts
    }
}

/// Credentials for a client whose `reqwest::Client` is not the builder's
/// (`Client::new(url, credentials.into())`, `new_with_client`): a timeout
/// is then reported as "the read or the total timeout".
impl<C> From<C> for ClientContext<C> {
    fn from(credentials: C) -> Self {
        ClientContext {
            credentials,
            timeouts: None,
        }
    }
}

/// Which timeout ended a request.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Timeout {
    /// Connecting (TCP and TLS) took longer than the connect timeout.
    Connect(Option<Duration>),
    /// The connection stayed silent longer than the read timeout.
    Read(Duration),
    /// The whole request took longer than the total timeout.
    Total(Duration),
    /// The read or the total timeout: the client's settings are unknown
    /// (it was not made by [`crate::ClientBuilder`]).
    ReadOrTotal,
}

impl Timeout {
    /// Which timeout ended a request that failed with `error` after
    /// `elapsed`, for a client built with `timeouts`.
    pub fn classify(
        error: &reqwest::Error,
        elapsed: Duration,
        timeouts: Option<Timeouts>,
    ) -> Option<Timeout> {
        if !error.is_timeout() {
            return None;
        }
        if error.is_connect() {
            return Some(Timeout::Connect(timeouts.map(|t| t.connect)));
        }
        let Some(timeouts) = timeouts else {
            return Some(Timeout::ReadOrTotal);
        };
        // The hook's clock starts before reqwest's total timer, so a total
        // timeout is seen at or after `total`; a read timeout fires sooner
        // (a read timeout longer than the total never fires).
        if elapsed >= timeouts.total {
            Some(Timeout::Total(timeouts.total))
        } else {
            Some(Timeout::Read(timeouts.read))
        }
    }
}

impl std::fmt::Display for Timeout {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Timeout::Connect(Some(after)) => write!(f, "the connect timeout ({after:?}) fired"),
            Timeout::Connect(None) => write!(f, "the connect timeout fired"),
            Timeout::Read(after) => write!(f, "the read timeout ({after:?}) fired"),
            Timeout::Total(after) => write!(f, "the total timeout ({after:?}) fired"),
            Timeout::ReadOrTotal => write!(
                f,
                "the read or the total timeout fired (the client was not made by \
                 Client::builder, so its settings are unknown)"
            ),
        }
    }
}
