//! The contract: c.technology's operation as a dropshot API trait, mirroring
//! `spec/ctechnology.yaml`.
//!
//! When changing the API: change `spec/ctechnology.yaml` first, then this
//! file to match; the conformance suite compares the two.
//!
//! Every optional field "may be absent, never null" unless the spec marks it
//! nullable: `default` + `skip_serializing_if` keep it out of the answer when
//! unset, `schemars(with = "T")` keeps `nullable` out of the document, and
//! [`present`](crate::apis::fields::present) refuses an explicit null in a request (the spec's types do not
//! admit one). Fields that the spec marks nullable are `Option<Option<T>>`
//! where "absent" and "null" differ. Fields whose spec property is a plain
//! `$ref` carry no doc comment, because a description would make schemars
//! wrap the reference in `allOf`.

use dropshot::{HttpResponseOk, RequestContext};
use super::errors::ErrorResponse;
use crate::apis::body::JsonBody;
use super::types::{UserProfileResponse, UserProfileUpdate};

#[dropshot::api_description]
pub trait CtechnologyApi {
    type Context;

    /// Update user profile
    ///
    /// Updates the profile (name, address, locale, display preferences, app
    /// settings, notification choices) of the user the API key belongs to,
    /// and returns the updated profile. Fields left out of the body are left
    /// unchanged.
    #[endpoint {
        method = PUT,
        path = "/api/v2.2/me",
        operation_id = "updateUserProfile",
        tags = ["User"],
    }]
    async fn update_user_profile(
        rqctx: RequestContext<Self::Context>,
        body: JsonBody<UserProfileUpdate>,
    ) -> Result<HttpResponseOk<UserProfileResponse>, ErrorResponse>;
}
