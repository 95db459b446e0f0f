//! Exante's credential: an auth token sent as `Authorization: Bearer <token>`.
//!
//! The spec's `BearerAuth` is an HTTP bearer scheme; progenitor ignores
//! security schemes (rule `security-by-hooks`), so `authenticate` below puts
//! the header on every request.

use reqwest::header::{AUTHORIZATION, HeaderValue};
use sdk_support::{
    EnvCredentialsError, InvalidCredentials, REDACTED, env_var, from_variable, secret_header,
};

/// Where [`Credentials::from_env`] reads the auth token.
pub const TOKEN_VARIABLE: &str = "EXANTE_AUTH_TOKEN";

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

    /// The auth token in the environment variable [`TOKEN_VARIABLE`].
    pub fn from_env() -> Result<Self, EnvCredentialsError> {
        let token = env_var(TOKEN_VARIABLE)?;
        from_variable(TOKEN_VARIABLE, Self::bearer(&token))
    }
}

impl std::fmt::Debug for Credentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Credentials")
            .field("token", &REDACTED)
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
