//! CL2C's "Update Profile": `PUT /v1/cl2c/user`, with `tenant` and
//! `X-API-Key` headers; 400s as RFC 7807 problem details, other errors in
//! the vendor's default error body.

pub mod api;
pub mod errors;
pub mod handlers;
pub mod validation;

use super::{DemoCredentials, Registration};
use crate::storage::Api;

pub fn registration() -> Registration {
    Registration {
        api: Api::Cl2c,
        default_port: 8102,
        spec_yaml: include_str!("../../../../spec/cl2c.yaml"),
        description: || {
            api::cl2c_api_mod::api_description::<handlers::Cl2cImpl>().map_err(|e| e.to_string())
        },
        stub_description: || api::cl2c_api_mod::stub_api_description().map_err(|e| e.to_string()),
        demo_curl,
        error_body: errors::error_body,
        allow: "PUT",
    }
}

/// `value` as one single-quoted shell word (a tenant is chosen by the
/// operator and may contain a quote).
fn shell_quoted(value: &str) -> String {
    format!("'{}'", value.replace('\'', r"'\''"))
}

/// The seed's example request, exactly as the vendor's page shows it.
fn demo_curl(base_url: &str, credentials: &DemoCredentials) -> String {
    let tenant = credentials.tenant.as_deref().unwrap_or_default();
    format!(
        "curl -X PUT '{base_url}/v1/cl2c/user' -H 'Content-Type: application/json' \
         -H {} -H 'X-API-Key: {}' \
         --data-raw '{{\"id\": \"string\", \"firstName\": \"John\", \"lastName\": \"Doe\", \
         \"phoneNumber\": \"+1234567890\", \"pushToken\": \"push_token_example\"}}'",
        shell_quoted(&format!("tenant: {tenant}")),
        credentials.token
    )
}
