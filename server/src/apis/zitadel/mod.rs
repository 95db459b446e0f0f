//! ZITADEL's "Update My Profile": `PUT /auth/v1/users/me/profile`.

pub mod api;
pub mod errors;
pub mod handlers;
pub mod validation;

use super::{DemoCredentials, Registration};
use crate::storage::Api;

pub fn registration() -> Registration {
    Registration {
        api: Api::Zitadel,
        default_port: 8105,
        spec_yaml: include_str!("../../../../spec/zitadel.yaml"),
        description: || {
            api::zitadel_api_mod::api_description::<handlers::ZitadelImpl>()
                .map_err(|e| e.to_string())
        },
        stub_description: || {
            api::zitadel_api_mod::stub_api_description().map_err(|e| e.to_string())
        },
        demo_curl,
        error_body: errors::error_body,
        allow: "PUT",
    }
}

fn demo_curl(base_url: &str, credentials: &DemoCredentials) -> String {
    format!(
        "curl -X PUT '{base_url}/auth/v1/users/me/profile' -H 'Content-Type: application/json' \
         -H 'Accept: application/json' -H 'Authorization: Bearer {}' \
         --data-raw '{{\"firstName\": \"Minnie\", \"lastName\": \"Mouse\", \"nickName\": \"Minnie\", \
         \"displayName\": \"Minnie Mouse\", \"preferredLanguage\": \"en\", \"gender\": \"GENDER_UNSPECIFIED\"}}'",
        credentials.token
    )
}
