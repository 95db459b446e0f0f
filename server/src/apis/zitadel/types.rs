//! The types of `api.rs`'s trait: the request, response and parameter
//! types, each mirroring its schema in `spec/zitadel.yaml`, with the helpers
//! that tell schemars how to document them. No behaviour beyond
//! (de)serialising.

use chrono::{DateTime, Utc};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use crate::apis::fields::present;
/// A user's gender.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Gender {
    #[default]
    GenderUnspecified,
    GenderFemale,
    GenderMale,
    GenderDiverse,
}

/// The new profile of the authenticated user.
#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct UpdateMyProfileRequest {
    /// The user's given name. Non-empty and <= 200 characters.
    #[schemars(length(min = 1, max = 200))]
    pub first_name: String,
    /// The user's family name. Non-empty and <= 200 characters.
    #[schemars(length(min = 1, max = 200))]
    pub last_name: String,
    /// The user's nickname. <= 200 characters.
    // `skip_serializing_if` is what keeps schemars from documenting
    // `default: null` for a defaulted `Option` ("may be absent, never null").
    #[serde(
        default,
        deserialize_with = "present",
        skip_serializing_if = "Option::is_none"
    )]
    #[schemars(with = "String", length(max = 200))]
    pub nick_name: Option<String>,
    /// The name shown for the user. Non-empty and <= 200 characters.
    #[schemars(length(min = 1, max = 200))]
    pub display_name: String,
    /// The user's preferred language, as a language tag. <= 10 characters.
    #[serde(
        default,
        deserialize_with = "present",
        skip_serializing_if = "Option::is_none"
    )]
    #[schemars(with = "String", length(max = 10))]
    pub preferred_language: Option<String>,
    /// The user's gender. Defaults to GENDER_UNSPECIFIED.
    #[serde(default)]
    pub gender: Gender,
}

fn uint64_as_string(_: &mut schemars::r#gen::SchemaGenerator) -> schemars::schema::Schema {
    schemars::schema::SchemaObject {
        instance_type: Some(schemars::schema::InstanceType::String.into()),
        format: Some("uint64".to_string()),
        ..Default::default()
    }
    .into()
}

/// Details of the changed object (the user).
///
/// The server always fills every field, but the spec (like the vendor's page)
/// does not promise them, so they are documented as "may be absent, never
/// null": an `Option` that is always `Some`, skipped when `None`, described
/// as its inner type.
#[derive(Clone, Debug, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct ObjectDetails {
    /// The sequence of the user's last change: a uint64 sent as a string.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(schema_with = "uint64_as_string")]
    pub sequence: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(with = "DateTime<Utc>")]
    pub creation_date: Option<DateTime<Utc>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(with = "DateTime<Utc>")]
    pub change_date: Option<DateTime<Utc>>,
    /// The organization the user belongs to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(with = "String")]
    pub resource_owner: Option<String>,
}

/// The result of the profile update (`details` is optional in the spec).
#[derive(Clone, Debug, Serialize, JsonSchema)]
pub struct UpdateMyProfileResponse {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(with = "ObjectDetails")]
    pub details: Option<ObjectDetails>,
}

