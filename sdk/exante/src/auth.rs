//! Exante's credential: an auth token sent as `Authorization: Bearer <token>`.
//!
//! The spec's `BearerAuth` is an HTTP bearer scheme; progenitor ignores
//! security schemes (rule `security-by-hooks`), so the `pre` hook below puts
//! the header on every request.

use reqwest::header::{AUTHORIZATION, HeaderValue};
use sdk_support::{InvalidCredentials, REDACTED, secret_header};

use crate::Client;

/// The auth token, as the `Authorization` header value it is sent as.
#[derive(Clone)]
pub struct Credentials {
    authorization: HeaderValue,
}

impl Credentials {
    /// An Exante auth token (they look like `ex_live_…`). Give the token
    /// alone; `Bearer ` is added here.
    pub fn bearer(token: &str) -> Result<Self, InvalidCredentials> {
        Ok(Credentials {
            authorization: secret_header("Authorization", &format!("Bearer {token}"))?,
        })
    }
}

impl std::fmt::Debug for Credentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Credentials")
            .field("token", &REDACTED)
            .finish()
    }
}

impl progenitor_client::ClientHooks<Credentials> for Client {
    async fn pre<E>(
        &self,
        request: &mut reqwest::Request,
        _info: &progenitor_client::OperationInfo,
    ) -> Result<(), progenitor_client::Error<E>> {
        let credentials = progenitor_client::ClientInfo::inner(self);
        request
            .headers_mut()
            .insert(AUTHORIZATION, credentials.authorization.clone());
        Ok(())
    }
}
