//! Ctrl-Hub's "Update a User": `PUT /v3/users/{user_id}`, a JSON:API
//! endpoint (`application/vnd.api+json` both ways) authenticated by a
//! session token in `X-Session-Token`.

pub mod api;
pub mod errors;
pub mod handlers;
pub mod types;
pub mod media;
pub mod validation;

use super::{CredentialPlace, Credentials, Descriptor, Operation};
use crate::registry::Api;

/// What Ctrl-Hub is; see [`Descriptor`].
pub static DESCRIPTOR: Descriptor = Descriptor {
    api: Api::Ctrlhub,
    title: "Ctrl-Hub",
    default_port: 8104,
    credentials: Credentials {
        place: CredentialPlace::Header { name: "X-Session-Token" },
        tenant_header: None,
        token_prefix: "chs_",
    },
    operation: Operation {
        operation_id: "updateUser",
        method: "PUT",
        path: "/v3/users/{user_id}",
        media_type: media::JSON_API,
    },
    example_body: EXAMPLE_BODY,
    spec_yaml: include_str!("../../../../spec/ctrlhub.yaml"),
    error_body: errors::error_body,
    description: || {
            api::ctrlhub_api_mod::api_description::<handlers::CtrlhubImpl>()
                .map_err(|e| e.to_string())
        },
    stub_description: || {
            api::ctrlhub_api_mod::stub_api_description().map_err(|e| e.to_string())
        },
};

/// The seed page's example request. Two placeholders of the page are filled
/// in so that the request succeeds: the user id (in the path and in
/// `data.id`, which must match) is the caller's own, and `data.type` is
/// "users" (the page shows `"<string>"`; the spec's example says "users").
pub const EXAMPLE_BODY: &str = r#"{"data": {"id": "{user_id}", "type": "users", "attributes": {"profile": {"address": {"area": "Central London", "country_code": "GB", "county": "Greater London", "name": "The Shard", "number": "32A", "postcode": "SE1 9SG", "street": "London Bridge Street", "town": "London", "what3words": "spark.dizzy.ramp"}, "contact": {"landline": "020 3728 5000", "mobile": "07700 900456"}, "personal": {"dob": "1985-06-15T00:00:00.000Z", "first_name": "Charlotte", "last_name": "Thompson"}, "settings": {"preferred_language": "en-GB", "timezone": "Europe/London"}, "work": {"cscs": "GBCSCS789", "eusr": "GBEUSR012", "occupation": "Senior Software Engineer", "start_date": "2018-03-15T00:00:00.000Z"}}}}}"#;
