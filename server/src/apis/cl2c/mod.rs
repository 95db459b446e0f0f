//! CL2C's "Update Profile": `PUT /v1/cl2c/user`, with `tenant` and
//! `X-API-Key` headers; 400s as RFC 7807 problem details, other errors in
//! the vendor's default error body.

pub mod api;
pub mod errors;
pub mod handlers;
pub mod types;
pub mod validation;

use super::{CredentialPlace, Credentials, Descriptor, Operation};
use crate::registry::Api;

/// What CL2C is; see [`Descriptor`].
pub static DESCRIPTOR: Descriptor = Descriptor {
    api: Api::Cl2c,
    title: "CL2C",
    default_port: 8102,
    credentials: Credentials {
        place: CredentialPlace::Header { name: "X-API-Key" },
        tenant_header: Some("tenant"),
        token_prefix: "cl2c_",
    },
    operation: Operation {
        operation_id: "updateProfile",
        method: "PUT",
        path: "/v1/cl2c/user",
        media_type: "application/json",
    },
    example_body: EXAMPLE_BODY,
    spec_yaml: include_str!("../../../../spec/cl2c.yaml"),
    error_body: errors::error_body,
    description: || {
            api::cl2c_api_mod::api_description::<handlers::Cl2cImpl>().map_err(|e| e.to_string())
        },
    stub_description: || api::cl2c_api_mod::stub_api_description().map_err(|e| e.to_string()),
};

/// The seed's example request, exactly as the vendor's page shows it.
pub const EXAMPLE_BODY: &str = r#"{"id": "string", "firstName": "John", "lastName": "Doe", "phoneNumber": "+1234567890", "pushToken": "push_token_example"}"#;
