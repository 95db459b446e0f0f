//! ZITADEL: `PUT /auth/v1/users/me/profile`'s request example.

use serde_json::{Value, json};
use zitadel_sdk::types;

/// The spec's request example.
pub fn seed() -> types::builder::UpdateMyProfileRequest {
    types::UpdateMyProfileRequest::builder()
        .first_name("Minnie")
        .last_name("Mouse")
        .nick_name(Some("Minnie".parse().unwrap_or_else(|e| panic!("{e}"))))
        .display_name("Minnie Mouse")
        .preferred_language(Some("en".parse().unwrap_or_else(|e| panic!("{e}"))))
        .gender(types::Gender::GenderUnspecified)
}

/// `seed()` as it goes on the wire.
pub fn seed_json() -> Value {
    json!({
        "firstName": "Minnie",
        "lastName": "Mouse",
        "nickName": "Minnie",
        "displayName": "Minnie Mouse",
        "preferredLanguage": "en",
        "gender": "GENDER_UNSPECIFIED"
    })
}
