//! The types of `api.rs`'s trait: the request, response and parameter
//! types, each mirroring its schema in `spec/exante.yaml`, with the helpers
//! that tell schemars how to document them. No behaviour beyond
//! (de)serialising.

use std::collections::BTreeMap;
use chrono::{DateTime, Utc};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use uuid::Uuid;
/// The spec's integers carry no `format`; a Rust integer type would add one
/// (`int64`, `uint16`), which the spec does not say.
pub(crate) fn plain_integer(_: &mut schemars::r#gen::SchemaGenerator) -> schemars::schema::Schema {
    schemars::schema::SchemaObject {
        instance_type: Some(schemars::schema::InstanceType::Integer.into()),
        ..Default::default()
    }
    .into()
}

// Each field is kept as the raw JSON value the client sent, so that
// validation can name every failing field at once (a wrong type included)
// and tell an absent field from one sent as `null`. The body itself must be
// a JSON object (decoding goes through a map, which refuses arrays and
// scalars); the schema attributes state the spec's types, which
// `validation.rs` enforces. `skip_serializing_if` has no effect on decoding:
// it keeps schemars from documenting a `default: null` the spec does not
// have.
/// Fields of the current user's profile to change. Every field is optional
/// (PATCH): only the fields present change.
#[derive(Clone, Debug, Default, Deserialize, JsonSchema)]
#[serde(from = "Map<String, Value>")]
pub struct UserProfileUpdate {
    /// Alphabetic characters only (ASCII letters). Required string length:
    /// 1 - 64.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(
        with = "String",
        length(min = 1, max = 64),
        regex(pattern = r"^[A-Za-z]+$")
    )]
    pub firstname: Option<Value>,
    /// Alphabetic characters only (ASCII letters). Required string length:
    /// 1 - 64.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(
        with = "String",
        length(min = 1, max = 64),
        regex(pattern = r"^[A-Za-z]+$")
    )]
    pub lastname: Option<Value>,
    /// Valid IANA timezone identifier.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(with = "String")]
    pub timezone: Option<Value>,
    /// UID of the organization to set as default. User must be a member of
    /// this organization.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(with = "Uuid")]
    pub default_organization: Option<Value>,
    /// Key-value pairs of user settings, merged into the stored settings.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(with = "Map<String, Value>")]
    pub settings: Option<Value>,
}

impl From<Map<String, Value>> for UserProfileUpdate {
    /// Keeps each documented field as sent (`Some(Value::Null)` for an
    /// explicit null); other keys are ignored, as the spec's object is open.
    fn from(mut body: Map<String, Value>) -> Self {
        UserProfileUpdate {
            firstname: body.remove("firstname"),
            lastname: body.remove("lastname"),
            timezone: body.remove("timezone"),
            default_organization: body.remove("default_organization"),
            settings: body.remove("settings"),
        }
    }
}

/// The user's active company.
#[derive(Clone, Debug, Serialize, JsonSchema)]
pub struct ActiveCompany {
    /// UID of the company.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(with = "Uuid")]
    pub uid: Option<Uuid>,
    /// Name of the company.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(with = "String")]
    pub name: Option<String>,
    /// Identifier of the company's owner.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(with = "String")]
    pub owner_id: Option<String>,
    /// Maximum number of documents of the company.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(schema_with = "plain_integer")]
    pub max_documents: Option<i64>,
}

/// An organization the user is a member of.
#[derive(Clone, Debug, Serialize, JsonSchema)]
pub struct Organization {
    /// UID of the organization.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(with = "Uuid")]
    pub uid: Option<Uuid>,
    /// Name of the organization.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(with = "String")]
    pub name: Option<String>,
    /// UID of the company the organization belongs to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(with = "Uuid")]
    pub company_uid: Option<Uuid>,
}

/// The current user's profile after the update.
#[derive(Clone, Debug, Default, Serialize, JsonSchema)]
pub struct User {
    /// Identifier of the user.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(with = "String")]
    pub id: Option<String>,
    /// UID of the user.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(with = "Uuid")]
    pub uid: Option<Uuid>,
    /// First name of the user.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(with = "String")]
    pub firstname: Option<String>,
    /// Last name of the user.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(with = "String")]
    pub lastname: Option<String>,
    /// Full name of the user: firstname and lastname joined by one space.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(with = "String")]
    pub fullname: Option<String>,
    /// Email address of the user.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(with = "String")]
    pub email: Option<String>,
    /// IANA timezone identifier set by the user.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(with = "String")]
    pub timezone: Option<String>,
    /// Default timezone of the user.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(with = "String")]
    pub default_timezone: Option<String>,
    /// Avatar of the user.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(with = "String")]
    pub avatar: Option<String>,
    /// UID of the user's default organization.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(with = "Uuid")]
    pub default_organization: Option<Uuid>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(with = "ActiveCompany")]
    pub active_company: Option<ActiveCompany>,
    /// Organizations the user is a member of.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(with = "Vec<Organization>")]
    pub organizations: Option<Vec<Organization>>,
    /// Permissions the user holds in the default organization.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(with = "Vec<String>")]
    pub permissions_in_default_organization: Option<Vec<String>>,
    /// Features available to the user, as key-value pairs.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(with = "Map<String, Value>")]
    pub features: Option<Map<String, Value>>,
    /// When the user was first seen.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(with = "DateTime<Utc>")]
    pub first_seen: Option<DateTime<Utc>>,
    /// When the user was last seen.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(with = "DateTime<Utc>")]
    pub last_seen: Option<DateTime<Utc>>,
    /// Key-value pairs of user settings.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(with = "Map<String, Value>")]
    pub settings: Option<Map<String, Value>>,
}

/// Payload of the response.
#[derive(Clone, Debug, Serialize, JsonSchema)]
pub struct UserProfileResponseData {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(with = "User")]
    pub user: Option<User>,
}

/// Response envelope.
#[derive(Clone, Debug, Serialize, JsonSchema)]
pub struct UserProfileResponse {
    /// Outcome of the request.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(with = "String")]
    pub status: Option<String>,
    /// HTTP status code of the response.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(schema_with = "plain_integer")]
    pub status_code: Option<i64>,
    /// Human-readable result message.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(with = "String")]
    pub message: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(with = "UserProfileResponseData")]
    pub data: Option<UserProfileResponseData>,
}

/// Field name to its error messages (the `errors` member of the error
/// body).
pub type FieldErrors = BTreeMap<String, Vec<String>>;

