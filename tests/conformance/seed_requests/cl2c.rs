//! CL2C: `PUT /v1/cl2c/user`'s request example.

use cl2c_sdk::types;
use serde_json::{Value, json};

pub fn phone(value: &str) -> Option<types::UpdateProfileRequestPhoneNumber> {
    Some(value.parse().unwrap_or_else(|e| panic!("{value:?}: {e}")))
}

/// The spec's request example ("example-request-body", the page's).
pub fn seed() -> types::builder::UpdateProfileRequest {
    types::UpdateProfileRequest::builder()
        .id(Some("string".to_string()))
        .first_name("John")
        .last_name(Some("Doe".to_string()))
        .phone_number(phone("+1234567890"))
        .push_token(Some("push_token_example".to_string()))
}

/// `seed()` as it goes on the wire.
pub fn seed_json() -> Value {
    json!({
        "id": "string",
        "firstName": "John",
        "lastName": "Doe",
        "phoneNumber": "+1234567890",
        "pushToken": "push_token_example"
    })
}
