//! The contract: ZITADEL's operation as a dropshot API trait, mirroring
//! `spec/zitadel.yaml`.
//!
//! When changing the API: change `spec/zitadel.yaml` first, then this file
//! to match; the conformance suite compares the two.

use chrono::{DateTime, Utc};
use dropshot::{HttpResponseOk, RequestContext, TypedBody};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::errors::RpcStatus;

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
#[derive(Clone, Debug, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct UpdateMyProfileRequest {
    /// The user's given name. Non-empty and <= 200 characters.
    #[schemars(length(min = 1, max = 200))]
    pub first_name: String,
    /// The user's family name. Non-empty and <= 200 characters.
    #[schemars(length(min = 1, max = 200))]
    pub last_name: String,
    /// The user's nickname. <= 200 characters.
    #[serde(default)]
    #[schemars(with = "String", length(max = 200))]
    pub nick_name: Option<String>,
    /// The name shown for the user. Non-empty and <= 200 characters.
    #[schemars(length(min = 1, max = 200))]
    pub display_name: String,
    /// The user's preferred language, as a language tag. <= 10 characters.
    #[serde(default)]
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
#[derive(Clone, Debug, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct ObjectDetails {
    /// The sequence of the user's last change: a uint64 sent as a string.
    #[schemars(schema_with = "uint64_as_string")]
    pub sequence: String,
    pub creation_date: DateTime<Utc>,
    pub change_date: DateTime<Utc>,
    /// The organization the user belongs to.
    pub resource_owner: String,
}

/// The result of the profile update.
#[derive(Clone, Debug, Serialize, JsonSchema)]
pub struct UpdateMyProfileResponse {
    pub details: ObjectDetails,
}

#[dropshot::api_description]
pub trait ZitadelApi {
    type Context;

    /// Update My Profile
    ///
    /// Change the profile information of the authenticated user.
    #[endpoint {
        method = PUT,
        path = "/auth/v1/users/me/profile",
        operation_id = "AuthService_UpdateMyProfile",
        tags = ["User Profile"],
    }]
    async fn update_my_profile(
        rqctx: RequestContext<Self::Context>,
        body: TypedBody<UpdateMyProfileRequest>,
    ) -> Result<HttpResponseOk<UpdateMyProfileResponse>, RpcStatus>;

    /// The hand-written spec of this API (`spec/zitadel.yaml`) as JSON.
    #[endpoint { method = GET, path = "/openapi.json", unpublished = true }]
    async fn spec_document(
        rqctx: RequestContext<Self::Context>,
    ) -> Result<HttpResponseOk<serde_json::Value>, RpcStatus>;

    // The operation's path answers other methods in ZITADEL's error shape;
    // dropshot's router would answer them in its own.
    #[endpoint { method = GET, path = "/auth/v1/users/me/profile", unpublished = true }]
    async fn profile_get(
        rqctx: RequestContext<Self::Context>,
    ) -> Result<HttpResponseOk<()>, RpcStatus>;
    #[endpoint { method = POST, path = "/auth/v1/users/me/profile", unpublished = true }]
    async fn profile_post(
        rqctx: RequestContext<Self::Context>,
    ) -> Result<HttpResponseOk<()>, RpcStatus>;
    #[endpoint { method = PATCH, path = "/auth/v1/users/me/profile", unpublished = true }]
    async fn profile_patch(
        rqctx: RequestContext<Self::Context>,
    ) -> Result<HttpResponseOk<()>, RpcStatus>;
    #[endpoint { method = DELETE, path = "/auth/v1/users/me/profile", unpublished = true }]
    async fn profile_delete(
        rqctx: RequestContext<Self::Context>,
    ) -> Result<HttpResponseOk<()>, RpcStatus>;
}
