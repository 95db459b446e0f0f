//! c.technology's update: authenticate the `Token <key>` header, decode (which
//! is where every rule of the spec is enforced, see `validation.rs`), merge
//! the request into the latest stored profile in the store's write, and
//! answer from what was stored plus the user's identity.
//!
//! Choices where the spec is silent, made here:
//! - PUT is a partial update, as the operation's description says: a field
//!   left out of the body keeps its stored value.
//! - Nested objects (`settings_webapp`, `settings_nativeapp` and the two
//!   sidebar filters inside `settings_webapp`) are merged field by field, at
//!   every depth, instead of replacing the stored object: a client that
//!   sends `{"settings_webapp": {"main_role": "PROFESSIONAL"}}` means to
//!   change the role, not to forget the theme and the sidebar filters. This
//!   is the same rule as for the top level, applied all the way down.
//! - `profile_picture_id: null` clears the picture (stored as null, answered
//!   as null). Null for any other field is refused (400): the spec does not
//!   allow it, and reading it as "leave unchanged" would hide the mistake.
//! - A request that changes nothing (including `{}`) is answered with the
//!   stored profile and writes nothing, so the sequence counts only real
//!   changes and repeating a PUT is harmless.
//! - Fields outside the spec (such as `id` or `email`) are ignored, as the
//!   spec's schema does not forbid additional properties; they are never
//!   stored, because only the decoded request is merged.
//! - `id` and `email` are the user's own (the users table); the profile
//!   never stores them.
//! - `profile_picture_url` is derived: null when the user has no picture
//!   (`profile_picture_id` never set or null), as the spec describes it, and
//!   absent when a picture id is set, because this server hosts no images
//!   and so has no URL to give.
//! - A value the spec does not allow is a 400, not a 422: every rule is
//!   checked while decoding, where dropshot's own refusals (malformed JSON)
//!   are 400 too, so one status covers "the body is wrong" consistently.
//! - The body is decoded before the handler runs (dropshot's extractor
//!   runs first), so a malformed body, a refused value or a wrong media
//!   type is answered 400 / 415 even when the key is also missing or
//!   wrong; a well-formed body with a bad key is a 401. The same holds for
//!   the ZITADEL reference. What a refusal reveals is the schema, which is
//!   public anyway (`/openapi.json`).

use dropshot::{HttpResponseOk, RequestContext};
use serde_json::Value;
use uuid::Uuid;

use super::api::CtechnologyApi;
use super::types::{ApiHeaderSingle, PermissionVia, UserProfile, UserProfileResponse, UserProfileUpdate};
use super::errors::{API_VERSION, ErrorResponse};
use crate::apis::body::JsonBody;
use crate::apis::{ApiContext, authenticate, authorization, headers, repeated, update_profile};
use crate::auth::AuthError;
use crate::storage::{Api, Applied, Reads, Store, StoreError, User};

/// The implementation of [`CtechnologyApi`].
pub enum CtechnologyImpl {}

/// Merges `patch` into `target` field by field: objects on both sides are
/// merged recursively, anything else in `patch` (a value or a null)
/// replaces what was there. Fields absent from `patch` are untouched.
fn merge(target: &mut Value, patch: Value) {
    match (target, patch) {
        (Value::Object(target), Value::Object(patch)) => {
            for (key, value) in patch {
                match target.get_mut(&key) {
                    Some(existing) if existing.is_object() && value.is_object() => {
                        merge(existing, value);
                    }
                    _ => {
                        target.insert(key, value);
                    }
                }
            }
        }
        (target, patch) => *target = patch,
    }
}

/// What was stored, and whose it is.
struct Stored {
    document: Value,
    user: User,
}

/// Merges `patch` into the latest stored profile and reads the account, in
/// one storage call; a request that changes nothing writes nothing.
async fn save(store: &dyn Store, user: Uuid, patch: Value) -> Result<Stored, StoreError> {
    let reads = Reads {
        account: true,
        ..Reads::default()
    };
    let updated = update_profile(store, Api::Ctechnology, user, reads, move |current| {
        let mut merged = current.profile.document.clone();
        merge(&mut merged, patch);
        let changed = merged != current.profile.document;
        Ok((changed.then_some(merged), ()))
    })
    .await?;
    let Applied {
        profile, account, ..
    } = updated.applied;
    Ok(Stored {
        document: profile.document,
        user: account.ok_or_else(|| StoreError::NotFound(format!("user {user}")))?,
    })
}

/// The answer's `data`: the stored document (which has the request's
/// shape) with the user's identity and the derived picture URL.
#[allow(deprecated)] // The deprecated company fields are still part of the profile.
fn user_profile(user: &User, stored: UserProfileUpdate) -> UserProfile {
    let profile_picture_url = match stored.profile_picture_id {
        Some(Some(_)) => None,
        Some(None) | None => Some(None),
    };
    UserProfile {
        id: Some(user.id.to_string()),
        email: Some(user.email.clone()),
        first_name: stored.first_name,
        last_name: stored.last_name,
        address_country_code: stored.address_country_code,
        address_street: stored.address_street,
        address_city: stored.address_city,
        address_zip: stored.address_zip,
        profile_picture_url,
        measurement_units: stored.measurement_units,
        settings_webapp: stored.settings_webapp,
        settings_nativeapp: stored.settings_nativeapp,
        may_use_email_for_marketing: stored.may_use_email_for_marketing,
        profile_picture_id: stored.profile_picture_id,
        primary_locale: stored.primary_locale.map(Some),
        time_format: stored.time_format,
        notification_new_message: stored.notification_new_message,
        notification_new_news_article: stored.notification_new_news_article,
        ecosystem_timestamp_last_news_read: stored.ecosystem_timestamp_last_news_read,
        company_name: stored.company_name,
        company_tel: stored.company_tel,
    }
}

/// The success header: the caller may update this profile because it is
/// their own ("me"), not through an organisation.
fn success_header() -> ApiHeaderSingle {
    ApiHeaderSingle {
        api_version: Some(API_VERSION.to_string()),
        status: Some("success".to_string()),
        message: Some("User profile updated.".to_string()),
        permission_via: Some(vec![PermissionVia {
            permission: Some("user:update".to_string()),
            via: Some("me".to_string()),
            organization_id: None,
        }]),
    }
}

impl CtechnologyApi for CtechnologyImpl {
    type Context = ApiContext;

    async fn update_user_profile(
        rqctx: RequestContext<Self::Context>,
        body: JsonBody<UserProfileUpdate>,
    ) -> Result<HttpResponseOk<UserProfileResponse>, ErrorResponse> {
        let context = rqctx.context();
        let log = &rqctx.log;
        let request_headers = headers(&rqctx);
        if !request_headers.contains_key(http::header::AUTHORIZATION) {
            return Err(ErrorResponse::missing_credentials());
        }
        if repeated(request_headers, http::header::AUTHORIZATION.as_str()) {
            return Err(ErrorResponse::repeated_credentials());
        }
        let token =
            authorization(request_headers, "Token").ok_or_else(ErrorResponse::wrong_scheme)?;
        let principal = authenticate(context, Api::Ctechnology, Some(token))
            .await
            .map_err(|e| match e {
                AuthError::Invalid => ErrorResponse::invalid_token(),
                AuthError::Store(StoreError::Busy) => ErrorResponse::unavailable(),
                AuthError::Store(e) => {
                    slog::error!(log, "checking the token failed"; "error" => %e);
                    ErrorResponse::internal()
                }
            })?;

        // Serialising the decoded request leaves out every absent field and
        // every field outside the spec; what remains is exactly the change.
        let patch = serde_json::to_value(body.into_inner()).map_err(|e| {
            slog::error!(log, "cannot re-encode the request"; "error" => %e);
            ErrorResponse::internal()
        })?;
        let user = principal.user_id;
        let stored = save(context.store.as_ref(), user, patch)
            .await
            .map_err(|e| match e {
                StoreError::Busy => ErrorResponse::unavailable(),
                other => {
                    slog::error!(log, "saving the profile failed"; "error" => %other);
                    ErrorResponse::internal()
                }
            })?;
        let document: UserProfileUpdate = serde_json::from_value(stored.document).map_err(|e| {
            slog::error!(log, "the stored profile does not decode"; "error" => %e);
            ErrorResponse::internal()
        })?;
        Ok(HttpResponseOk(UserProfileResponse {
            header: success_header(),
            data: user_profile(&stored.user, document),
        }))
    }
}
