//! The contract: CL2C's operation as a dropshot API trait, mirroring
//! `spec/cl2c.yaml`.
//!
//! When changing the API: change `spec/cl2c.yaml` first, then this file to
//! match; the conformance suite compares the two.

use dropshot::{Header, RequestContext};
use super::errors::Cl2cError;
use super::types::{CredentialHeaders, ProfileBody, ProfileUpdate};

#[dropshot::api_description]
pub trait Cl2cApi {
    type Context;

    /// Update Profile
    ///
    /// This endpoint updates the profile information for the currently
    /// authenticated user. Access to this API requires tenant and API key
    /// headers.
    #[endpoint {
        method = PUT,
        path = "/v1/cl2c/user",
        operation_id = "updateProfile",
        tags = ["User"],
    }]
    async fn update_profile(
        rqctx: RequestContext<Self::Context>,
        headers: Header<CredentialHeaders>,
        body: ProfileBody,
    ) -> Result<ProfileUpdate, Cl2cError>;
}
