//! c.technology's credential: an API key sent as `Authorization: Token <key>`.
//!
//! The spec's `TokenAuth` scheme is an API key in the `Authorization` header
//! whose value is the literal word `Token`, a space, and the key (not
//! `Bearer`). progenitor ignores security schemes (rule `security-by-hooks`),
//! so `authenticate` below puts the header on every request.

use sdk_support::{AuthorizationCredentials, EnvCredentialsError, InvalidCredentials};

/// Where [`Credentials::from_env`] reads the API key.
pub const API_KEY_VARIABLE: &str = "CTECHNOLOGY_API_KEY";

/// The API key, sent as `Authorization: Token …`, marked
/// sensitive; `Debug` never shows it.
#[derive(Clone, Debug)]
pub struct Credentials(AuthorizationCredentials);

impl Credentials {
    /// The key received after logging in or created on the developer
    /// dashboard. Give the key alone; `Token ` is added here.
    pub fn api_key(key: &str) -> Result<Self, InvalidCredentials> {
        AuthorizationCredentials::new("Token", key).map(Credentials)
    }

    /// The API key in the environment variable [`API_KEY_VARIABLE`].
    pub fn from_env() -> Result<Self, EnvCredentialsError> {
        AuthorizationCredentials::from_env("Token", API_KEY_VARIABLE).map(Credentials)
    }
}

impl sdk_support::Authenticate for Credentials {
    fn authenticate(&self, request: &mut reqwest::Request) {
        self.0.authenticate(request);
    }
}
