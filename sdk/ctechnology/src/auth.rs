//! c.technology's credential: an API key sent as `Authorization: Token <key>`.
//!
//! The spec's `TokenAuth` scheme is an API key in the `Authorization` header
//! whose value is the literal word `Token`, a space, and the key (not
//! `Bearer`). progenitor ignores security schemes (rule `security-by-hooks`),
//! so the `pre` hook below puts the header on every request.

use reqwest::header::{AUTHORIZATION, HeaderValue};
use sdk_support::{InvalidCredentials, REDACTED, secret_header};

use crate::Client;

/// The API key, as the `Authorization` header value it is sent as.
#[derive(Clone)]
pub struct Credentials {
    authorization: HeaderValue,
}

impl Credentials {
    /// The key received after logging in or created on the developer
    /// dashboard. Give the key alone; `Token ` is added here.
    pub fn api_key(key: &str) -> Result<Self, InvalidCredentials> {
        Ok(Credentials {
            authorization: secret_header("Authorization", &format!("Token {key}"))?,
        })
    }
}

impl std::fmt::Debug for Credentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Credentials")
            .field("api_key", &REDACTED)
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
