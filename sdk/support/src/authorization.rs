//! The credential of every API whose spec puts its secret in the
//! `Authorization` header as `<scheme> <secret>`: c.technology's
//! `Token <key>`, Exante's and ZITADEL's `Bearer <token>`. Each of those
//! SDKs' `Credentials` wraps one [`AuthorizationCredentials`] and names its
//! constructor after the vendor's word for the secret (`api_key`, `bearer`,
//! `access_token`); the header, its redaction and the environment variable
//! are handled here, once.

use reqwest::header::{AUTHORIZATION, HeaderValue};

use crate::credentials::{
    EnvCredentialsError, InvalidCredentials, REDACTED, env_var, from_variable, secret_header,
};
use crate::glue::Authenticate;

/// `Authorization: <scheme> <secret>`, built once and marked sensitive.
#[derive(Clone)]
pub struct AuthorizationCredentials {
    scheme: &'static str,
    authorization: HeaderValue,
}

impl AuthorizationCredentials {
    /// The header value `<scheme> <secret>`; give the secret alone.
    pub fn new(scheme: &'static str, secret: &str) -> Result<Self, InvalidCredentials> {
        Ok(AuthorizationCredentials {
            scheme,
            authorization: secret_header("Authorization", &format!("{scheme} {secret}"))?,
        })
    }

    /// The secret in the environment variable `variable`, which must be set
    /// and not empty; a refusal names the variable, never its value.
    pub fn from_env(
        scheme: &'static str,
        variable: &'static str,
    ) -> Result<Self, EnvCredentialsError> {
        let secret = env_var(variable)?;
        from_variable(variable, Self::new(scheme, &secret))
    }

    /// The scheme word, e.g. `Bearer`.
    pub fn scheme(&self) -> &'static str {
        self.scheme
    }
}

impl std::fmt::Debug for AuthorizationCredentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AuthorizationCredentials")
            .field("scheme", &self.scheme)
            .field("secret", &REDACTED)
            .finish()
    }
}

impl Authenticate for AuthorizationCredentials {
    fn authenticate(&self, request: &mut reqwest::Request) {
        request
            .headers_mut()
            .insert(AUTHORIZATION, self.authorization.clone());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request() -> reqwest::Request {
        let url = reqwest::Url::parse("http://127.0.0.1/").unwrap_or_else(|e| panic!("{e}"));
        reqwest::Request::new(reqwest::Method::PUT, url)
    }

    #[test]
    fn the_secret_is_sent_after_its_scheme_and_marked_sensitive() {
        let credentials =
            AuthorizationCredentials::new("Token", "k3y").unwrap_or_else(|e| panic!("{e}"));
        let mut request = request();
        credentials.authenticate(&mut request);
        let sent = request.headers().get(AUTHORIZATION);
        assert_eq!(sent.and_then(|v| v.to_str().ok()), Some("Token k3y"));
        assert!(sent.is_some_and(HeaderValue::is_sensitive));
    }

    #[test]
    fn debug_names_the_scheme_and_never_the_secret() {
        let credentials =
            AuthorizationCredentials::new("Bearer", "s3cr3t").unwrap_or_else(|e| panic!("{e}"));
        let text = format!("{credentials:?}");
        assert!(text.contains("Bearer") && text.contains(REDACTED), "{text}");
        assert!(!text.contains("s3cr3t"), "{text}");
    }

    #[test]
    fn a_secret_a_header_cannot_carry_is_refused_naming_the_header() {
        let refused = AuthorizationCredentials::new("Bearer", "a\nb").err();
        assert_eq!(
            refused,
            Some(InvalidCredentials {
                header: "Authorization"
            })
        );
    }
}
