//! The contract: Exante's operation as a dropshot API trait, mirroring
//! `spec/exante.yaml`.
//!
//! When changing the API: change `spec/exante.yaml` first, then this file
//! to match; the conformance suite compares the two.

use dropshot::{HttpResponseOk, RequestContext};
use super::errors::ErrorResponse;
use crate::apis::body::JsonBody;
use super::types::{UserProfileResponse, UserProfileUpdate};

#[dropshot::api_description]
pub trait ExanteApi {
    type Context;

    /// Update current user profile
    ///
    /// Update the authenticated user's profile. Only the fields present in
    /// the request body change; fields absent from the body keep their
    /// stored values.
    #[endpoint {
        method = PATCH,
        path = "/api/user",
        operation_id = "updateCurrentUser",
        tags = ["User"],
    }]
    async fn update_current_user(
        rqctx: RequestContext<Self::Context>,
        body: JsonBody<UserProfileUpdate>,
    ) -> Result<HttpResponseOk<UserProfileResponse>, ErrorResponse>;
}
