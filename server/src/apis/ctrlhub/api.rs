//! The contract: Ctrl-Hub's operation as a dropshot API trait, mirroring
//! `spec/ctrlhub.yaml` (type names are the spec's component names).
//!
//! When changing the API: change `spec/ctrlhub.yaml` first, then this file
//! to match; the conformance suite compares the two.
//!
//! Every optional field "may be absent, never null" (the spec marks nothing
//! nullable): `#[serde(default, skip_serializing_if = "Option::is_none")]`
//! keeps null out of responses, and `#[schemars(with = "T")]` keeps
//! `nullable` out of the derived document.

use dropshot::RequestContext;
use super::errors::JsonApiError;
use super::media::{JsonApi, JsonApiBody, JsonApiPath};
use super::types::{UserDocument, UserPath, UserUpdateDocument};

#[dropshot::api_description]
pub trait CtrlhubApi {
    type Context;

    /// Update a User
    ///
    /// Update the profile of the user identified by `user_id`. The request
    /// and the response are JSON:API documents (media type
    /// application/vnd.api+json); the response carries the user and, in
    /// `included`, related resources.
    #[endpoint {
        method = PUT,
        path = "/v3/users/{user_id}",
        operation_id = "updateUser",
        tags = ["Users"],
    }]
    async fn update_user(
        rqctx: RequestContext<Self::Context>,
        path: JsonApiPath<UserPath>,
        body: JsonApiBody<UserUpdateDocument>,
    ) -> Result<JsonApi<UserDocument>, JsonApiError>;
}
