//! Exante's "Update current user profile": `PATCH /api/user`.

pub mod api;
pub mod errors;
pub mod handlers;
pub mod validation;

use super::{DemoCredentials, Registration};
use crate::storage::Api;

pub fn registration() -> Registration {
    Registration {
        api: Api::Exante,
        default_port: 8103,
        spec_yaml: include_str!("../../../../spec/exante.yaml"),
        description: || {
            api::exante_api_mod::api_description::<handlers::ExanteImpl>()
                .map_err(|e| e.to_string())
        },
        stub_description: || api::exante_api_mod::stub_api_description().map_err(|e| e.to_string()),
        demo_curl,
        error_body: errors::error_body,
        allow: "PATCH",
    }
}

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

/// The seed's curl line, with the local server's address and the demo
/// user's token.
fn demo_curl(base_url: &str, credentials: &DemoCredentials) -> String {
    format!(
        "curl --request PATCH \\\n  --url {base_url}/api/user \\\n  \
         --header 'Authorization: Bearer {}' \\\n  \
         --header 'Content-Type: application/json' \\\n  --data '\n{DEMO_BODY}\n'",
        credentials.token
    )
}
