//! Exante: `PATCH /api/user`'s request example.

use exante_sdk::types;
use serde_json::{Value, json};
use uuid::Uuid;

pub fn firstname(value: &str) -> Option<types::UserProfileUpdateFirstname> {
    Some(value.parse().unwrap_or_else(|e| panic!("{value:?}: {e}")))
}

pub fn lastname(value: &str) -> Option<types::UserProfileUpdateLastname> {
    Some(value.parse().unwrap_or_else(|e| panic!("{value:?}: {e}")))
}

pub fn object(value: Value) -> serde_json::Map<String, Value> {
    match value {
        Value::Object(map) => map,
        other => panic!("not a JSON object: {other}"),
    }
}

/// The spec's request example with `default_organization` as the default.
/// A parameter because the suites differ: the wire suite sends the
/// example's own 3c90c3cc-…, while the server suite must send an
/// organisation the user belongs to (the example's is nobody's there).
pub fn seed(default_organization: Uuid) -> types::builder::UserProfileUpdate {
    types::UserProfileUpdate::builder()
        .firstname(firstname("Jane"))
        .lastname(lastname("Doe"))
        .timezone(Some("America/New_York".to_string()))
        .default_organization(Some(default_organization))
        .settings(object(json!({})))
}
