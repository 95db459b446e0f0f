//! CL2C's credentials: a tenant id and an API key that belongs to it.
//!
//! The spec declares them twice, as the `tenant` and `X-API-Key` header
//! parameters and as two API-key security schemes required together. The
//! generator view drops both (rules `credential-headers` and
//! `security-by-hooks`), so that callers give them once, here, instead of on
//! every call; `authenticate` below puts them on every request.

use reqwest::header::{HeaderName, HeaderValue};
use sdk_support::{EnvCredentialsError, InvalidCredentials, REDACTED, env_var, secret_header};

/// Where [`Credentials::from_env`] reads the tenant id.
pub const TENANT_VARIABLE: &str = "CL2C_TENANT";
/// Where [`Credentials::from_env`] reads the API key.
pub const API_KEY_VARIABLE: &str = "CL2C_API_KEY";

/// The `tenant` + `X-API-Key` pair sent on every request.
#[derive(Clone)]
pub struct Credentials {
    tenant: HeaderValue,
    api_key: HeaderValue,
}

impl Credentials {
    /// The tenant id and the API key issued for that tenant.
    pub fn new(tenant: &str, api_key: &str) -> Result<Self, InvalidCredentials> {
        let tenant =
            HeaderValue::from_str(tenant).map_err(|_| InvalidCredentials { header: "tenant" })?;
        // The tenant id names who is calling, it grants nothing on its own,
        // so it stays readable in logs; the key does not.
        let api_key = secret_header("X-API-Key", api_key)?;
        Ok(Credentials { tenant, api_key })
    }

    /// The tenant id and API key in the environment variables
    /// [`TENANT_VARIABLE`] and [`API_KEY_VARIABLE`].
    pub fn from_env() -> Result<Self, EnvCredentialsError> {
        let tenant = env_var(TENANT_VARIABLE)?;
        let api_key = env_var(API_KEY_VARIABLE)?;
        Self::new(&tenant, &api_key).map_err(|reason| EnvCredentialsError::Invalid {
            variable: if reason.header == "tenant" {
                TENANT_VARIABLE
            } else {
                API_KEY_VARIABLE
            },
            reason,
        })
    }

    /// The tenant these credentials act for.
    pub fn tenant(&self) -> &str {
        self.tenant.to_str().unwrap_or_default()
    }
}

impl std::fmt::Debug for Credentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Credentials")
            .field("tenant", &self.tenant)
            .field("api_key", &REDACTED)
            .finish()
    }
}

const TENANT: HeaderName = HeaderName::from_static("tenant");
const X_API_KEY: HeaderName = HeaderName::from_static("x-api-key");

impl sdk_support::Authenticate for Credentials {
    fn authenticate(&self, request: &mut reqwest::Request) {
        let headers = request.headers_mut();
        headers.insert(TENANT, self.tenant.clone());
        headers.insert(X_API_KEY, self.api_key.clone());
    }
}
