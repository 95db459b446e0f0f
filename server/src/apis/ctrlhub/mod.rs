//! Ctrl-Hub's "Update a User": `PUT /v3/users/{user_id}`, a JSON:API
//! endpoint (`application/vnd.api+json` both ways) authenticated by a
//! session token in `X-Session-Token`.

pub mod api;
pub mod errors;
pub mod handlers;
pub mod media;
pub mod validation;

use super::{DemoCredentials, Registration};
use crate::storage::Api;

pub fn registration() -> Registration {
    Registration {
        api: Api::Ctrlhub,
        default_port: 8104,
        spec_yaml: include_str!("../../../../spec/ctrlhub.yaml"),
        description: || {
            api::ctrlhub_api_mod::api_description::<handlers::CtrlhubImpl>()
                .map_err(|e| e.to_string())
        },
        stub_description: || {
            api::ctrlhub_api_mod::stub_api_description().map_err(|e| e.to_string())
        },
        demo_curl,
        error_body: errors::error_body,
        allow: "PUT",
    }
}

/// The seed page's example request. Two placeholders of the page are filled
/// in so that the request succeeds: the user id (in the path and in
/// `data.id`, which must match) is the demo user's, and `data.type` is
/// "users" (the page shows `"<string>"`; the spec's example says "users").
fn demo_curl(base_url: &str, credentials: &DemoCredentials) -> String {
    let user_id = credentials.user_id;
    format!(
        "curl --request PUT --url '{base_url}/v3/users/{user_id}' \
         --header 'Content-Type: application/vnd.api+json' \
         --header 'X-Session-Token: {token}' \
         --data '{{\"data\": {{\"id\": \"{user_id}\", \"type\": \"users\", \"attributes\": {{\"profile\": {{\
         \"address\": {{\"area\": \"Central London\", \"country_code\": \"GB\", \"county\": \"Greater London\", \
         \"name\": \"The Shard\", \"number\": \"32A\", \"postcode\": \"SE1 9SG\", \"street\": \"London Bridge Street\", \
         \"town\": \"London\", \"what3words\": \"spark.dizzy.ramp\"}}, \
         \"contact\": {{\"landline\": \"020 3728 5000\", \"mobile\": \"07700 900456\"}}, \
         \"personal\": {{\"dob\": \"1985-06-15T00:00:00.000Z\", \"first_name\": \"Charlotte\", \"last_name\": \"Thompson\"}}, \
         \"settings\": {{\"preferred_language\": \"en-GB\", \"timezone\": \"Europe/London\"}}, \
         \"work\": {{\"cscs\": \"GBCSCS789\", \"eusr\": \"GBEUSR012\", \"occupation\": \"Senior Software Engineer\", \
         \"start_date\": \"2018-03-15T00:00:00.000Z\"}}}}}}}}}}'",
        token = credentials.token
    )
}
