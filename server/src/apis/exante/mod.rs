//! Exante's "Update current user profile": `PATCH /api/user`.

pub mod api;
pub mod errors;
pub mod handlers;
pub mod types;
pub mod validation;

use super::{CredentialPlace, Credentials, Descriptor, Operation};
use crate::registry::Api;

/// What Exante is; see [`Descriptor`].
pub static DESCRIPTOR: Descriptor = Descriptor {
    api: Api::Exante,
    title: "Exante",
    default_port: 8103,
    credentials: Credentials {
        place: CredentialPlace::Authorization { scheme: "Bearer" },
        tenant_header: None,
        token_prefix: "ex_live_",
    },
    operation: Operation {
        operation_id: "updateCurrentUser",
        method: "PATCH",
        path: "/api/user",
        media_type: "application/json",
    },
    example_body: DEMO_BODY,
    spec_yaml: include_str!("../../../../spec/exante.yaml"),
    error_body: errors::error_body,
    description: || {
            api::exante_api_mod::api_description::<handlers::ExanteImpl>()
                .map_err(|e| e.to_string())
        },
    stub_description: || api::exante_api_mod::stub_api_description().map_err(|e| e.to_string()),
};

/// The body the demo line sends: the seed's example request in the form
/// the spec gives it, with two departures that keep it succeeding when
/// pasted. The seed's `"<string>"` placeholders for firstname and lastname
/// break the letters-only rule, so the spec's "Jane" / "Doe" replace them.
/// The seed's `default_organization` (3c90c3cc-…) names no organisation
/// the demo user belongs to, and the demo credentials do not carry the
/// user's own organisation, so the field is left out rather than sent to
/// be refused by the membership rule.
pub const DEMO_BODY: &str = r#"{
  "firstname": "Jane",
  "lastname": "Doe",
  "timezone": "America/New_York",
  "settings": {}
}"#;
