//! ZITADEL's credential: an OAuth2 access token, sent as a bearer token.
//!
//! The spec declares the OAuth2 authorization-code flow (scope `openid`) the
//! vendor requires; obtaining the token is the caller's OAuth2 client's job.
//! A personal access token is sent the same way. progenitor ignores
//! security schemes (rule `security-by-hooks`), so `authenticate` below puts
//! `Authorization: Bearer <token>` on every request.

use reqwest::header::{AUTHORIZATION, HeaderValue};
use sdk_support::{
    EnvCredentialsError, InvalidCredentials, REDACTED, env_var, from_variable, secret_header,
};

/// Where [`Credentials::from_env`] reads the access token.
pub const ACCESS_TOKEN_VARIABLE: &str = "ZITADEL_ACCESS_TOKEN";

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

    /// The access token in the environment variable [`ACCESS_TOKEN_VARIABLE`].
    pub fn from_env() -> Result<Self, EnvCredentialsError> {
        let token = env_var(ACCESS_TOKEN_VARIABLE)?;
        from_variable(ACCESS_TOKEN_VARIABLE, Self::access_token(&token))
    }
}

impl std::fmt::Debug for Credentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Credentials")
            .field("access_token", &REDACTED)
            .finish()
    }
}

impl sdk_support::Authenticate for Credentials {
    fn authenticate(&self, request: &mut reqwest::Request) {
        request
            .headers_mut()
            .insert(AUTHORIZATION, self.authorization.clone());
    }
}
