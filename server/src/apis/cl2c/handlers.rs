//! CL2C's update: authenticate the tenant and API key, read and validate the
//! body, replace the editable fields (applied to the latest profile in the
//! store's write), answer with the profile as stored.

use dropshot::{Header, RequestContext};
use serde_json::{Map, Value};
use uuid::Uuid;

use super::api::Cl2cApi;
use super::types::{CredentialHeaders, ProfileBody, ProfileUpdate, UpdateProfileRequest, UserProfile};
use super::errors::{Cl2cError, ErrorResponse, ValidationProblemDetails};
use super::validation::validate;
use crate::apis::{
    ApiContext, authenticate, repeated, update_profile,
};
use crate::auth::{AuthError, Principal};
use crate::storage::{Api, Applied, Profile, Reads, Store, StoreError, User};

/// The implementation of [`Cl2cApi`].
pub enum Cl2cImpl {}

/// Checks the key for CL2C and that it belongs to the tenant named in the
/// `tenant` header. Every way of failing (a header missing, an unknown key,
/// a key of another API, a key used with another tenant) gets the same 401.
async fn authenticate_tenant(
    context: &ApiContext,
    headers: CredentialHeaders,
) -> Result<Principal, ErrorResponse> {
    let (Some(tenant), Some(key)) = (headers.tenant, headers.api_key) else {
        return Err(ErrorResponse::unauthorized());
    };
    let principal = authenticate(context, Api::Cl2c, Some(&key))
        .await
        .map_err(|e| match e {
            AuthError::Invalid => ErrorResponse::unauthorized(),
            AuthError::Store(StoreError::Busy) => ErrorResponse::unavailable(),
            AuthError::Store(e) => ErrorResponse::internal(e),
        })?;
    if principal.tenant.as_deref() == Some(tenant.as_str()) {
        Ok(principal)
    } else {
        Err(ErrorResponse::unauthorized())
    }
}

/// The stored form of a profile: exactly the four editable fields, an
/// optional one left out of the request being absent (PUT replaces the
/// profile; leaving a field out clears it). The body's `id` is not stored.
fn document(request: &UpdateProfileRequest) -> Value {
    let mut document = Map::new();
    for (name, value) in [
        ("firstName", &request.first_name),
        ("lastName", &request.last_name),
        ("phoneNumber", &request.phone_number),
        ("pushToken", &request.push_token),
    ] {
        if let Some(value) = value {
            document.insert(name.to_string(), Value::String(value.clone()));
        }
    }
    Value::Object(document)
}

/// Saves `document` as the user's profile and reads the account in the
/// same storage call. A PUT of the profile as it is stored writes nothing
/// (PUT is idempotent; the answer is the same either way).
async fn save(
    store: &dyn Store,
    user: Uuid,
    document: Value,
) -> Result<(User, Profile), StoreError> {
    let reads = Reads {
        account: true,
        ..Reads::default()
    };
    let updated = update_profile(store, Api::Cl2c, user, reads, move |current| {
        let changed = current.profile.sequence == 0 || current.profile.document != document;
        Ok((changed.then_some(document), ()))
    })
    .await?;
    let Applied {
        profile, account, ..
    } = updated.applied;
    let account = account.ok_or_else(|| StoreError::NotFound(format!("user {user}")))?;
    Ok((account, profile))
}

fn text(document: &Value, field: &str) -> Option<String> {
    document.get(field)?.as_str().map(str::to_string)
}

/// The answer, built from the user's account and the stored document.
/// `authValidUpto` is absent because API keys do not expire; `authLocation`
/// because no location is recorded; `walletAddress` because this API offers
/// no way to set one. `pushToken` is stored but not part of the answer.
fn user_profile(user: &User, profile: &Profile) -> UserProfile {
    UserProfile {
        id: Some(user.id),
        user_name: Some(user.username.clone()),
        first_name: text(&profile.document, "firstName"),
        last_name: text(&profile.document, "lastName"),
        email: Some(user.email.clone()),
        email_confirmed: Some(user.email_confirmed),
        authenticated: Some(true),
        auth_valid_upto: None,
        auth_location: None,
        phone_number: text(&profile.document, "phoneNumber"),
        wallet_address: None,
    }
}

impl Cl2cApi for Cl2cImpl {
    type Context = ApiContext;

    async fn update_profile(
        rqctx: RequestContext<Self::Context>,
        headers: Header<CredentialHeaders>,
        body: ProfileBody,
    ) -> Result<ProfileUpdate, Cl2cError> {
        let context = rqctx.context();
        // dropshot's `Header` extractor keeps the last copy of a repeated
        // header; a repeated credential is refused instead (`sent_once`).
        let request_headers = crate::apis::headers(&rqctx);
        if repeated(request_headers, "tenant") || repeated(request_headers, "x-api-key") {
            return Err(ErrorResponse::unauthorized().into());
        }
        let principal = authenticate_tenant(context, headers.into_inner()).await?;
        let request = match body.0 {
            Ok(request) => request,
            // Kestrel, the vendor's server, answers 413 with the default
            // error body.
            Err(e) if e.status_code.as_status() == http::StatusCode::PAYLOAD_TOO_LARGE => {
                return Err(ErrorResponse::payload_too_large().into());
            }
            Err(e) => {
                return Ok(ProfileUpdate::Invalid(
                    ValidationProblemDetails::unreadable(&e.external_message, &rqctx.request_id),
                ));
            }
        };
        if let Err(errors) = validate(&request) {
            return Ok(ProfileUpdate::Invalid(
                ValidationProblemDetails::invalid_fields(errors, &rqctx.request_id),
            ));
        }
        let document = document(&request);
        let user = principal.user_id;
        let (account, profile) =
            save(context.store.as_ref(), user, document)
                .await
                .map_err(|e| match e {
                    StoreError::Busy => ErrorResponse::unavailable(),
                    other => ErrorResponse::internal(other),
                })?;
        Ok(ProfileUpdate::Updated(user_profile(&account, &profile)))
    }
}
