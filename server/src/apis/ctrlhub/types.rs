//! The types of `api.rs`'s trait: the request, response and parameter
//! types, each mirroring its schema in `spec/ctrlhub.yaml`, with the helpers
//! that tell schemars how to document them. No behaviour beyond
//! (de)serialising.

use chrono::{DateTime, NaiveDate, Utc};
use schemars::JsonSchema;
use schemars::r#gen::SchemaGenerator;
use schemars::schema::{InstanceType, Schema, SchemaObject, SubschemaValidation};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use uuid::Uuid;
/// `{type: string, enum: [value]}`, inline as the spec writes the `type`
/// members (a derived enum would be a separate component behind `allOf`).
fn string_enum(value: &str) -> Schema {
    SchemaObject {
        instance_type: Some(InstanceType::String.into()),
        enum_values: Some(vec![Value::String(value.to_string())]),
        ..Default::default()
    }
    .into()
}

fn users_type(_: &mut SchemaGenerator) -> Schema {
    string_enum("users")
}

fn organisations_type(_: &mut SchemaGenerator) -> Schema {
    string_enum("organisations")
}

fn teams_type(_: &mut SchemaGenerator) -> Schema {
    string_enum("teams")
}

// ---------- path ----------

/// The path parameters of `/v3/users/{user_id}`.
#[derive(Clone, Debug, Deserialize, JsonSchema)]
pub struct UserPath {
    /// The unique identifier for the user.
    pub user_id: Uuid,
}

// ---------- request ----------

/// The JSON:API resource type of a user (the spec's only value, "users").
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum UserType {
    Users,
}

/// The user profile to update: a JSON:API document whose primary data is
/// the user resource object.
#[derive(Clone, Debug, Deserialize, JsonSchema)]
pub struct UserUpdateDocument {
    pub data: UserUpdateResource,
}

/// The user resource object to update.
#[derive(Clone, Debug, Deserialize, JsonSchema)]
pub struct UserUpdateResource {
    /// The unique identifier for the user; it must equal the `user_id` path
    /// parameter (x-rule id-matches-path).
    pub id: Uuid,
    /// The JSON:API resource type.
    #[serde(rename = "type")]
    #[schemars(schema_with = "users_type")]
    pub type_: UserType,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(with = "UserUpdateAttributes")]
    pub attributes: Option<UserUpdateAttributes>,
}

/// The attributes of the user to update.
#[derive(Clone, Debug, Deserialize, JsonSchema)]
pub struct UserUpdateAttributes {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(with = "UserProfileUpdate")]
    pub profile: Option<UserProfileUpdate>,
}

/// The sections of the user's profile to update.
#[derive(Clone, Debug, Deserialize, JsonSchema)]
pub struct UserProfileUpdate {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(with = "Address")]
    pub address: Option<Address>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(with = "Contact")]
    pub contact: Option<Contact>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(with = "PersonalUpdate")]
    pub personal: Option<PersonalUpdate>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(with = "ProfileSettings")]
    pub settings: Option<ProfileSettings>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(with = "WorkUpdate")]
    pub work: Option<WorkUpdate>,
}

/// The user's personal details, as sent in an update.
#[derive(Clone, Debug, Deserialize, JsonSchema)]
pub struct PersonalUpdate {
    /// Date of birth: a date-time on the request side; only its (UTC) date
    /// part is kept.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(with = "DateTime<Utc>")]
    pub dob: Option<DateTime<Utc>>,
    /// First name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(with = "String")]
    pub first_name: Option<String>,
    /// Last name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(with = "String")]
    pub last_name: Option<String>,
}

/// The user's work details, as sent in an update.
#[derive(Clone, Debug, Deserialize, JsonSchema)]
pub struct WorkUpdate {
    /// Construction Skills Certification Scheme card number.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(with = "String")]
    pub cscs: Option<String>,
    /// Energy & Utility Skills Register number.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(with = "String")]
    pub eusr: Option<String>,
    /// Occupation (job title).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(with = "String")]
    pub occupation: Option<String>,
    /// Employment start date: a date-time on the request side; only its
    /// (UTC) date part is kept.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(with = "DateTime<Utc>")]
    pub start_date: Option<DateTime<Utc>>,
}

// ---------- shared profile sections ----------

/// The user's address.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Address {
    /// Area or district.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(with = "String")]
    pub area: Option<String>,
    /// Country code.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(with = "String")]
    pub country_code: Option<String>,
    /// County.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(with = "String")]
    pub county: Option<String>,
    /// Building or property name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(with = "String")]
    pub name: Option<String>,
    /// Building or house number.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(with = "String")]
    pub number: Option<String>,
    /// Postcode.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(with = "String")]
    pub postcode: Option<String>,
    /// Street.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(with = "String")]
    pub street: Option<String>,
    /// Town or city.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(with = "String")]
    pub town: Option<String>,
    /// what3words address of the location.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(with = "String")]
    pub what3words: Option<String>,
}

/// The user's contact numbers.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Contact {
    /// Landline telephone number.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(with = "String")]
    pub landline: Option<String>,
    /// Mobile telephone number.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(with = "String")]
    pub mobile: Option<String>,
}

/// The user's preferences.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct ProfileSettings {
    /// Preferred language, as a language tag.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(with = "String")]
    pub preferred_language: Option<String>,
    /// Time zone.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(with = "String")]
    pub timezone: Option<String>,
}

// ---------- response ----------

/// The JSON:API object, describing the server's implementation of JSON:API.
#[derive(Clone, Debug, Serialize, JsonSchema)]
pub struct JsonApiObject {
    /// The version of JSON:API the server implements.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(with = "String")]
    pub version: Option<String>,
}

impl JsonApiObject {
    /// The version this server implements: JSON:API 1.0.
    pub fn v1_0() -> Self {
        JsonApiObject {
            version: Some("1.0".to_string()),
        }
    }
}

/// JSON API response object
#[derive(Clone, Debug, Serialize, JsonSchema)]
pub struct UserDocument {
    pub data: User,
    pub jsonapi: JsonApiObject,
    /// Related resources that can be included when a user is returned
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(with = "Vec<IncludedResource>")]
    pub included: Option<Vec<IncludedResource>>,
}

/// A user.
#[derive(Clone, Debug, Serialize, JsonSchema)]
pub struct User {
    /// The unique identifier for the user.
    pub id: Uuid,
    /// The JSON:API resource type.
    #[serde(rename = "type")]
    #[schemars(schema_with = "users_type")]
    pub type_: UserType,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(with = "UserAttributes")]
    pub attributes: Option<UserAttributes>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(with = "UserMeta")]
    pub meta: Option<UserMeta>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(with = "UserRelationships")]
    pub relationships: Option<UserRelationships>,
}

/// The attributes of the user.
#[derive(Clone, Debug, Serialize, JsonSchema)]
pub struct UserAttributes {
    /// The user's email address.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(with = "String", email)]
    pub email: Option<String>,
    /// The external identities linked to the user.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(with = "Vec<Identity>")]
    pub identities: Option<Vec<Identity>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(with = "UserProfile")]
    pub profile: Option<UserProfile>,
}

/// An external identity linked to the user.
#[derive(Clone, Debug, Serialize, JsonSchema)]
pub struct Identity {
    /// The unique identifier for the identity.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(with = "Uuid")]
    pub id: Option<Uuid>,
    /// The platform the identity belongs to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(with = "String")]
    pub platform: Option<String>,
    /// Free-form metadata about the identity.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(with = "Map<String, Value>")]
    pub meta: Option<Map<String, Value>>,
}

/// The user's profile.
#[derive(Clone, Debug, Serialize, JsonSchema)]
pub struct UserProfile {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(with = "Work")]
    pub work: Option<Work>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(with = "Personal")]
    pub personal: Option<Personal>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(with = "Contact")]
    pub contact: Option<Contact>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(with = "Address")]
    pub address: Option<Address>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(with = "ProfileSettings")]
    pub settings: Option<ProfileSettings>,
}

/// The user's work details.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Work {
    /// Occupation (job title).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(with = "String")]
    pub occupation: Option<String>,
    /// Construction Skills Certification Scheme card number.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(with = "String")]
    pub cscs: Option<String>,
    /// Energy & Utility Skills Register number.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(with = "String")]
    pub eusr: Option<String>,
    /// Employment start date: a date on the response side.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(with = "NaiveDate")]
    pub start_date: Option<NaiveDate>,
}

/// The user's personal details.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Personal {
    /// First name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(with = "String")]
    pub first_name: Option<String>,
    /// Last name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(with = "String")]
    pub last_name: Option<String>,
    /// Date of birth: a date on the response side.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(with = "NaiveDate")]
    pub dob: Option<NaiveDate>,
    /// The user's username.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(with = "String")]
    pub username: Option<String>,
}

/// Meta information about the user.
#[derive(Clone, Debug, Serialize, JsonSchema)]
pub struct UserMeta {
    /// The permission grants held by the user.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(with = "Vec<String>")]
    pub grants: Option<Vec<String>>,
}

/// The resources related to the user.
#[derive(Clone, Debug, Serialize, JsonSchema)]
pub struct UserRelationships {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(with = "RelationshipToMany")]
    pub organisations: Option<RelationshipToMany>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(with = "RelationshipToMany")]
    pub teams: Option<RelationshipToMany>,
}

/// A to-many relationship, as a list of resource identifiers.
#[derive(Clone, Debug, Serialize, JsonSchema)]
pub struct RelationshipToMany {
    /// The identifiers of the related resources.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(with = "Vec<ResourceIdentifier>")]
    pub data: Option<Vec<ResourceIdentifier>>,
}

/// A JSON:API resource identifier object.
#[derive(Clone, Debug, Serialize, JsonSchema)]
pub struct ResourceIdentifier {
    /// The unique identifier of the related resource.
    pub id: Uuid,
    /// The JSON:API resource type of the related resource.
    #[serde(rename = "type")]
    pub type_: String,
}

/// A related resource included in the document, told apart by its `type`.
///
/// Serialized untagged (each variant carries its own `type` member); the
/// schema is written by hand because a derived one would be an `anyOf`
/// without the discriminator, while the spec says `oneOf` + discriminator.
#[derive(Clone, Debug, Serialize)]
#[serde(untagged)]
pub enum IncludedResource {
    // Boxed: an organisation is many times the size of a team.
    Organisation(Box<Organisation>),
    Team(Team),
}

impl JsonSchema for IncludedResource {
    fn schema_name() -> String {
        "IncludedResource".to_string()
    }

    fn json_schema(generator: &mut SchemaGenerator) -> Schema {
        let organisation = generator.subschema_for::<Organisation>();
        let team = generator.subschema_for::<Team>();
        let mut schema = SchemaObject {
            subschemas: Some(Box::new(SubschemaValidation {
                one_of: Some(vec![organisation, team]),
                ..Default::default()
            })),
            ..Default::default()
        };
        schema.extensions.insert(
            "discriminator".to_string(),
            serde_json::json!({
                "propertyName": "type",
                "mapping": {
                    "organisations": "#/components/schemas/Organisation",
                    "teams": "#/components/schemas/Team",
                },
            }),
        );
        schema.into()
    }
}

/// The JSON:API resource type of an organisation.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum OrganisationType {
    Organisations,
}

/// An organisation.
#[derive(Clone, Debug, Serialize, JsonSchema)]
pub struct Organisation {
    /// The unique identifier for the organisation.
    pub id: Uuid,
    /// The JSON:API resource type.
    #[serde(rename = "type")]
    #[schemars(schema_with = "organisations_type")]
    pub type_: OrganisationType,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(with = "OrganisationAttributes")]
    pub attributes: Option<OrganisationAttributes>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(with = "OrganisationMeta")]
    pub meta: Option<OrganisationMeta>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(with = "OrganisationRelationships")]
    pub relationships: Option<OrganisationRelationships>,
}

/// The attributes of the organisation.
#[derive(Clone, Debug, Serialize, JsonSchema)]
pub struct OrganisationAttributes {
    /// The organisation's name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(with = "String")]
    pub name: Option<String>,
    /// The organisation's slug (short URL-safe name).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(with = "String")]
    pub slug: Option<String>,
    /// Whether the organisation is a sandbox organisation.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(with = "bool")]
    pub sandbox: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(with = "OrganisationSettings")]
    pub settings: Option<OrganisationSettings>,
    /// The organisation's description.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(with = "String")]
    pub description: Option<String>,
}

/// The organisation's settings.
#[derive(Clone, Debug, Serialize, JsonSchema)]
pub struct OrganisationSettings {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(with = "Nomenclature")]
    pub nomenclature: Option<Nomenclature>,
}

/// The organisation's own names for entities.
#[derive(Clone, Debug, Serialize, JsonSchema)]
pub struct Nomenclature {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(with = "Governance")]
    pub governance: Option<Governance>,
}

/// The organisation's own names for governance entities.
#[derive(Clone, Debug, Serialize, JsonSchema)]
pub struct Governance {
    /// Names for schemes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(with = "Vec<NomenclatureTerm>")]
    pub schemes: Option<Vec<NomenclatureTerm>>,
    /// Names for work orders.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(with = "Vec<NomenclatureTerm>")]
    pub work_orders: Option<Vec<NomenclatureTerm>>,
    /// Names for operations.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(with = "Vec<NomenclatureTerm>")]
    pub operations: Option<Vec<NomenclatureTerm>>,
}

/// A name for an entity in one language.
#[derive(Clone, Debug, Serialize, JsonSchema)]
pub struct NomenclatureTerm {
    /// The singular form of the name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(with = "String")]
    pub singular: Option<String>,
    /// The plural form of the name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(with = "String")]
    pub plural: Option<String>,
    /// The language of the name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(with = "String")]
    pub language: Option<String>,
}

/// Meta information about the organisation.
#[derive(Clone, Debug, Serialize, JsonSchema)]
pub struct OrganisationMeta {
    /// Whether the organisation is flagged as a v3 organisation.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(with = "bool")]
    pub v3: Option<bool>,
    /// The organisation's status.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(with = "String")]
    pub status: Option<String>,
    /// When the organisation was created.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(with = "DateTime<Utc>")]
    pub created_at: Option<DateTime<Utc>>,
    /// When the organisation was last updated.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(with = "DateTime<Utc>")]
    pub updated_at: Option<DateTime<Utc>>,
    /// The features of the organisation.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(with = "Vec<Feature>")]
    pub features: Option<Vec<Feature>>,
}

/// `type: integer` with no format, as the spec leaves `Feature.limit`
/// (schemars would add `format: int64` for an `i64`).
fn plain_integer(_: &mut SchemaGenerator) -> Schema {
    SchemaObject {
        instance_type: Some(InstanceType::Integer.into()),
        ..Default::default()
    }
    .into()
}

/// A feature of the organisation.
#[derive(Clone, Debug, Serialize, JsonSchema)]
pub struct Feature {
    /// The feature's name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(with = "String")]
    pub name: Option<String>,
    /// Whether the feature is enabled.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(with = "bool")]
    pub enabled: Option<bool>,
    /// The feature's usage limit.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(schema_with = "plain_integer")]
    pub limit: Option<i64>,
}

/// The resources related to the organisation.
#[derive(Clone, Debug, Serialize, JsonSchema)]
pub struct OrganisationRelationships {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(with = "RelationshipToMany")]
    pub users: Option<RelationshipToMany>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(with = "RelationshipToMany")]
    pub service_accounts: Option<RelationshipToMany>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(with = "RelationshipToMany")]
    pub groups: Option<RelationshipToMany>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(with = "RelationshipToMany")]
    pub teams: Option<RelationshipToMany>,
}

/// The JSON:API resource type of a team.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum TeamType {
    Teams,
}

/// A team.
#[derive(Clone, Debug, Serialize, JsonSchema)]
pub struct Team {
    /// The unique identifier for the team.
    pub id: Uuid,
    /// The JSON:API resource type.
    #[serde(rename = "type")]
    #[schemars(schema_with = "teams_type")]
    pub type_: TeamType,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(with = "TeamAttributes")]
    pub attributes: Option<TeamAttributes>,
}

/// The attributes of the team.
#[derive(Clone, Debug, Serialize, JsonSchema)]
pub struct TeamAttributes {
    /// The team's name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(with = "String")]
    pub name: Option<String>,
}

// ---------- the API ----------

