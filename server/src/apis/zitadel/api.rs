//! The contract: ZITADEL's operation as a dropshot API trait, mirroring
//! `spec/zitadel.yaml`.
//!
//! When changing the API: change `spec/zitadel.yaml` first, then this file
//! to match; the conformance suite compares the two.

use dropshot::{HttpResponseOk, RequestContext};
use super::errors::RpcStatus;
use crate::apis::body::JsonBody;
use super::types::{UpdateMyProfileRequest, UpdateMyProfileResponse};

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
        body: JsonBody<UpdateMyProfileRequest>,
    ) -> Result<HttpResponseOk<UpdateMyProfileResponse>, RpcStatus>;
}
