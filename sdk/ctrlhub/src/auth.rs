//! Ctrl-Hub's credential and media type.
//!
//! The credential is a session token in the `X-Session-Token` header (the
//! spec's `SessionToken` API-key scheme), which progenitor ignores (rule
//! `security-by-hooks`).
//!
//! The media type is JSON:API's `application/vnd.api+json`, for the request
//! and every response. progenitor refuses it, so the generator is given
//! `application/json` (rule `vendor-json-media-type`) and sends that;
//! `authenticate` below puts the spec's media type back on the wire, in
//! `Content-Type` and `Accept`, after the generated code has set its own.
//! Default client headers could not do this: the generated code's
//! per-request headers would override them.

use reqwest::header::{ACCEPT, CONTENT_TYPE, HeaderName, HeaderValue};
use sdk_support::{
    EnvCredentialsError, InvalidCredentials, REDACTED, env_var, from_variable, secret_header,
};

/// Where [`Credentials::from_env`] reads the session token.
pub const SESSION_TOKEN_VARIABLE: &str = "CTRLHUB_SESSION_TOKEN";

/// The JSON:API media type, on every request and response.
pub const JSON_API: &str = "application/vnd.api+json";

const X_SESSION_TOKEN: HeaderName = HeaderName::from_static("x-session-token");

/// The session token sent as `X-Session-Token`.
#[derive(Clone)]
pub struct Credentials {
    session_token: HeaderValue,
}

impl Credentials {
    /// A Ctrl-Hub session token.
    pub fn session_token(token: &str) -> Result<Self, InvalidCredentials> {
        Ok(Credentials {
            session_token: secret_header("X-Session-Token", token)?,
        })
    }

    /// The session token in the environment variable
    /// [`SESSION_TOKEN_VARIABLE`].
    pub fn from_env() -> Result<Self, EnvCredentialsError> {
        let token = env_var(SESSION_TOKEN_VARIABLE)?;
        from_variable(SESSION_TOKEN_VARIABLE, Self::session_token(&token))
    }
}

impl std::fmt::Debug for Credentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Credentials")
            .field("session_token", &REDACTED)
            .finish()
    }
}

impl sdk_support::Authenticate for Credentials {
    fn authenticate(&self, request: &mut reqwest::Request) {
        let has_body = request.body().is_some();
        let headers = request.headers_mut();
        headers.insert(X_SESSION_TOKEN, self.session_token.clone());
        headers.insert(ACCEPT, HeaderValue::from_static(JSON_API));
        if has_body {
            headers.insert(CONTENT_TYPE, HeaderValue::from_static(JSON_API));
        }
    }
}
