//! Exante's credential: an auth token sent as `Authorization: Bearer <token>`.
//!
//! The spec's `BearerAuth` is an HTTP bearer scheme; progenitor ignores
//! security schemes (rule `security-by-hooks`), so `authenticate` below puts
//! the header on every request.

use sdk_support::{AuthorizationCredentials, EnvCredentialsError, InvalidCredentials};

/// Where [`Credentials::from_env`] reads the auth token.
pub const TOKEN_VARIABLE: &str = "EXANTE_AUTH_TOKEN";

/// The auth token, sent as `Authorization: Bearer …`, marked
/// sensitive; `Debug` never shows it.
#[derive(Clone, Debug)]
pub struct Credentials(AuthorizationCredentials);

impl Credentials {
    /// An Exante auth token (they look like `ex_live_…`). Give the token
    /// alone; `Bearer ` is added here.
    pub fn bearer(token: &str) -> Result<Self, InvalidCredentials> {
        AuthorizationCredentials::new("Bearer", token).map(Credentials)
    }

    /// The auth token in the environment variable [`TOKEN_VARIABLE`].
    pub fn from_env() -> Result<Self, EnvCredentialsError> {
        AuthorizationCredentials::from_env("Bearer", TOKEN_VARIABLE).map(Credentials)
    }
}

impl sdk_support::Authenticate for Credentials {
    fn authenticate(&self, request: &mut reqwest::Request) {
        self.0.authenticate(request);
    }
}
