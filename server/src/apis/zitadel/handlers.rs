//! ZITADEL's update: authenticate the bearer token, validate, refuse an
//! update that changes nothing (as the vendor does), save in one
//! transaction, answer with the stored change's details.

use dropshot::{HttpResponseOk, RequestContext};
use serde_json::{Value, json};
use uuid::Uuid;

use super::api::ZitadelApi;
use super::types::{ObjectDetails, UpdateMyProfileRequest, UpdateMyProfileResponse};
use super::errors::{RpcStatus, code};
use super::validation::validate;
use crate::apis::body::JsonBody;
use crate::apis::{
    ApiContext, authenticate, authorization, headers, update_profile,
};
use crate::auth::AuthError;
use crate::storage::{Api, Applied, Reads, Store, StoreError};

/// The implementation of [`ZitadelApi`].
pub enum ZitadelImpl {}

fn auth_error(error: AuthError) -> RpcStatus {
    match error {
        AuthError::Invalid => RpcStatus::unauthenticated(),
        AuthError::Store(StoreError::Busy) => RpcStatus::unavailable(),
        AuthError::Store(e) => RpcStatus::internal(e),
    }
}

/// The stored form of a profile: the request's fields, with the documented
/// defaults applied, so that equal profiles compare equal.
fn document(request: &UpdateMyProfileRequest) -> Value {
    json!({
        "firstName": request.first_name,
        "lastName": request.last_name,
        "nickName": request.nick_name.clone().unwrap_or_default(),
        "displayName": request.display_name,
        "preferredLanguage": request.preferred_language.clone().unwrap_or_default(),
        "gender": request.gender,
    })
}

/// Saves `document` unless it is the stored profile; a first save always
/// counts as a change. Decided in the store's write, on the profile the
/// change is applied to, so of two identical concurrent updates exactly one
/// is saved and the other is answered "not changed", as in sequence.
async fn save(store: &dyn Store, user: Uuid, document: Value) -> Result<Applied, StoreError> {
    let reads = Reads {
        organisations: true,
        ..Reads::default()
    };
    let updated = update_profile(store, Api::Zitadel, user, reads, move |current| {
        let changed = current.profile.sequence == 0 || current.profile.document != document;
        Ok((changed.then_some(document), ()))
    })
    .await?;
    Ok(updated.applied)
}

impl ZitadelApi for ZitadelImpl {
    type Context = ApiContext;

    async fn update_my_profile(
        rqctx: RequestContext<Self::Context>,
        body: JsonBody<UpdateMyProfileRequest>,
    ) -> Result<HttpResponseOk<UpdateMyProfileResponse>, RpcStatus> {
        let context = rqctx.context();
        let token = authorization(headers(&rqctx), "Bearer");
        let principal = authenticate(context, Api::Zitadel, token)
            .await
            .map_err(auth_error)?;
        let request = body.into_inner();
        validate(&request)?;
        let document = document(&request);
        let user = principal.user_id;
        let applied = save(context.store.as_ref(), user, document)
            .await
            .map_err(|e| match e {
                StoreError::Busy => RpcStatus::unavailable(),
                other => RpcStatus::internal(other),
            })?;
        if !applied.saved {
            return Err(RpcStatus::new(
                400,
                code::FAILED_PRECONDITION,
                "Profile not changed (Errors.User.Profile.NotChanged)",
            )
            .with_error_id("Errors.User.Profile.NotChanged", "Profile not changed"));
        }
        // The resource owner is the user's organisation; a user without one
        // owns themself.
        let resource_owner = applied
            .organisations
            .first()
            .map_or_else(|| user.to_string(), |o| o.id.to_string());
        let profile = applied.profile;
        Ok(HttpResponseOk(UpdateMyProfileResponse {
            details: Some(ObjectDetails {
                sequence: Some(profile.sequence.to_string()),
                creation_date: Some(profile.created_at),
                change_date: Some(profile.changed_at),
                resource_owner: Some(resource_owner),
            }),
        }))
    }
}
