//! c.technology's credential: an API key sent as `Authorization: Token <key>`.
//!
//! The spec's `TokenAuth` scheme is an API key in the `Authorization` header
//! whose value is the literal word `Token`, a space, and the key (not
//! `Bearer`). progenitor ignores security schemes (rule `security-by-hooks`),
//! so `authenticate` below puts the header on every request.

use reqwest::header::{AUTHORIZATION, HeaderValue};
use sdk_support::{
    EnvCredentialsError, InvalidCredentials, REDACTED, env_var, from_variable, secret_header,
};

/// Where [`Credentials::from_env`] reads the API key.
pub const API_KEY_VARIABLE: &str = "CTECHNOLOGY_API_KEY";

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

    /// The API key in the environment variable [`API_KEY_VARIABLE`].
    pub fn from_env() -> Result<Self, EnvCredentialsError> {
        let key = env_var(API_KEY_VARIABLE)?;
        from_variable(API_KEY_VARIABLE, Self::api_key(&key))
    }
}

impl std::fmt::Debug for Credentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Credentials")
            .field("api_key", &REDACTED)
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
