//! ZITADEL's credential: an OAuth2 access token, sent as a bearer token.
//!
//! The spec declares the OAuth2 authorization-code flow (scope `openid`) the
//! vendor requires; obtaining the token is the caller's OAuth2 client's job.
//! A personal access token is sent the same way. progenitor ignores
//! security schemes (rule `security-by-hooks`), so `authenticate` below puts
//! `Authorization: Bearer <token>` on every request.

use sdk_support::{AuthorizationCredentials, EnvCredentialsError, InvalidCredentials};

/// Where [`Credentials::from_env`] reads the access token.
pub const ACCESS_TOKEN_VARIABLE: &str = "ZITADEL_ACCESS_TOKEN";

/// The access token, sent as `Authorization: Bearer …`, marked
/// sensitive; `Debug` never shows it.
#[derive(Clone, Debug)]
pub struct Credentials(AuthorizationCredentials);

impl Credentials {
    /// An access token from the authorization-code flow with scope
    /// `openid`, or a personal access token. Give the token alone.
    pub fn access_token(token: &str) -> Result<Self, InvalidCredentials> {
        AuthorizationCredentials::new("Bearer", token).map(Credentials)
    }

    /// The access token in the environment variable [`ACCESS_TOKEN_VARIABLE`].
    pub fn from_env() -> Result<Self, EnvCredentialsError> {
        AuthorizationCredentials::from_env("Bearer", ACCESS_TOKEN_VARIABLE).map(Credentials)
    }
}

impl sdk_support::Authenticate for Credentials {
    fn authenticate(&self, request: &mut reqwest::Request) {
        self.0.authenticate(request);
    }
}
