//! ZITADEL's credential: an OAuth2 access token, sent as a bearer token.
//!
//! The spec declares the OAuth2 authorization-code flow (scope `openid`) the
//! vendor requires; obtaining the token is the caller's OAuth2 client's job.
//! A personal access token is sent the same way. progenitor ignores
//! security schemes (rule `security-by-hooks`), so the `pre` hook below puts
//! `Authorization: Bearer <token>` on every request.

use reqwest::header::{AUTHORIZATION, HeaderValue};
use sdk_support::{InvalidCredentials, REDACTED, secret_header};

use crate::Client;

/// The access token, as the `Authorization` header value it is sent as.
#[derive(Clone)]
pub struct Credentials {
    authorization: HeaderValue,
}

impl Credentials {
    /// An access token from the authorization-code flow with scope
    /// `openid`, or a personal access token. Give the token alone.
    pub fn access_token(token: &str) -> Result<Self, InvalidCredentials> {
        Ok(Credentials {
            authorization: secret_header("Authorization", &format!("Bearer {token}"))?,
        })
    }
}

impl std::fmt::Debug for Credentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Credentials")
            .field("access_token", &REDACTED)
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
