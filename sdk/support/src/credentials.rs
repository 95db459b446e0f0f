//! Credentials: turning a secret into a header value once, at construction,
//! marked sensitive so that neither reqwest's `Debug` output nor HTTP/2
//! header compression exposes it; and reading one from the environment.

use reqwest::header::HeaderValue;

/// A credential that cannot be sent in an HTTP header (e.g. it contains a
/// newline). Reported when the credentials are built, not on every request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InvalidCredentials {
    /// The header the credential was meant for.
    pub header: &'static str,
}

impl std::fmt::Display for InvalidCredentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "the {} credential contains characters an HTTP header cannot carry",
            self.header
        )
    }
}

impl std::error::Error for InvalidCredentials {}

/// Builds the value of the header `header` from `value`, marked sensitive.
pub fn secret_header(header: &'static str, value: &str) -> Result<HeaderValue, InvalidCredentials> {
    let mut value = HeaderValue::from_str(value).map_err(|_| InvalidCredentials { header })?;
    value.set_sensitive(true);
    Ok(value)
}

/// The `Debug` text of a secret.
pub const REDACTED: &str = "<redacted>";

/// Why `Credentials::from_env()` found no usable credentials. The message
/// names the variable, never its value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EnvCredentialsError {
    /// The variable is not set, is empty, or is not Unicode.
    Missing { variable: &'static str },
    /// The variable is set, but its value cannot be sent in a header.
    Invalid {
        variable: &'static str,
        reason: InvalidCredentials,
    },
}

impl std::fmt::Display for EnvCredentialsError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            EnvCredentialsError::Missing { variable } => {
                write!(f, "the environment variable {variable} is not set")
            }
            EnvCredentialsError::Invalid { variable, reason } => {
                write!(
                    f,
                    "the environment variable {variable} is unusable: {reason}"
                )
            }
        }
    }
}

impl std::error::Error for EnvCredentialsError {}

/// The value of `variable`, which must be set and not empty.
pub fn env_var(variable: &'static str) -> Result<String, EnvCredentialsError> {
    match std::env::var(variable) {
        Ok(value) if !value.trim().is_empty() => Ok(value.trim().to_string()),
        _ => Err(EnvCredentialsError::Missing { variable }),
    }
}

/// Names the variable a refused credential came from.
pub fn from_variable<T>(
    variable: &'static str,
    built: Result<T, InvalidCredentials>,
) -> Result<T, EnvCredentialsError> {
    built.map_err(|reason| EnvCredentialsError::Invalid { variable, reason })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_missing_variable_is_named() {
        let error = env_var("SDK_SUPPORT_TEST_NEVER_SET").err();
        assert_eq!(
            error.map(|e| e.to_string()),
            Some("the environment variable SDK_SUPPORT_TEST_NEVER_SET is not set".to_string())
        );
    }

    #[test]
    fn a_set_variable_is_read() {
        // PATH is set wherever cargo runs.
        assert!(env_var("PATH").is_ok());
    }

    #[test]
    fn an_unusable_value_names_its_variable_not_its_value() {
        let built = secret_header("Authorization", "Bearer s3cr3t\n").map(|_| ());
        let error = from_variable("ZITADEL_ACCESS_TOKEN", built).err();
        let text = error.map(|e| e.to_string()).unwrap_or_default();
        assert!(text.contains("ZITADEL_ACCESS_TOKEN"), "{text}");
        assert!(!text.contains("s3cr3t"), "{text}");
    }
}
