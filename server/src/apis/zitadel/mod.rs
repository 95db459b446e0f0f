//! ZITADEL's "Update My Profile": `PUT /auth/v1/users/me/profile`.

pub mod api;
pub mod errors;
pub mod handlers;
pub mod types;
pub mod validation;

use super::{CredentialPlace, Credentials, Descriptor, Operation};
use crate::registry::Api;

/// What ZITADEL is; see [`Descriptor`].
pub static DESCRIPTOR: Descriptor = Descriptor {
    api: Api::Zitadel,
    title: "ZITADEL",
    default_port: 8105,
    credentials: Credentials {
        place: CredentialPlace::Authorization { scheme: "Bearer" },
        tenant_header: None,
        token_prefix: "zat_",
    },
    operation: Operation {
        operation_id: "AuthService_UpdateMyProfile",
        method: "PUT",
        path: "/auth/v1/users/me/profile",
        media_type: "application/json",
    },
    example_body: EXAMPLE_BODY,
    spec_yaml: include_str!("../../../../spec/zitadel.yaml"),
    error_body: errors::error_body,
    description: || {
            api::zitadel_api_mod::api_description::<handlers::ZitadelImpl>()
                .map_err(|e| e.to_string())
        },
    stub_description: || {
            api::zitadel_api_mod::stub_api_description().map_err(|e| e.to_string())
        },
};

/// The seed's example request, exactly as the vendor's page shows it.
pub const EXAMPLE_BODY: &str = r#"{"firstName": "Minnie", "lastName": "Mouse", "nickName": "Minnie", "displayName": "Minnie Mouse", "preferredLanguage": "en", "gender": "GENDER_UNSPECIFIED"}"#;
