//! Exante's update: authenticate the bearer token, validate every field,
//! check the default organisation's membership and merge the changes into
//! the latest stored profile (both in the store's write), then answer with
//! the user built from what was stored.
//!
//! The stored document holds only what the user chose:
//! `{firstname, lastname, timezone, default_organization, settings}`, each
//! present once set. Everything else in the answer (ids, email, the
//! organisations, timestamps) comes from the user's account and
//! memberships, so it cannot go stale in the profile.

use dropshot::{HttpResponseOk, RequestContext};
use serde_json::{Map, Value};
use uuid::Uuid;

use super::api::ExanteApi;
use super::types::{ActiveCompany, FieldErrors, Organization, User, UserProfileResponse, UserProfileResponseData, UserProfileUpdate};
use super::errors::ErrorResponse;
use super::validation::{Changes, check_membership, validate};
use crate::apis::body::JsonBody;
use crate::apis::{
    ApiContext, authenticate, authorization, headers, update_profile,
};
use crate::auth::AuthError;
use crate::storage::{Api, Applied, Organisation, Profile, Reads, Store, StoreError};

/// The implementation of [`ExanteApi`].
pub enum ExanteImpl {}

/// Not documented by the vendor: the document limit of a company. Nothing
/// here stores documents, so every company reports this fixed limit.
pub const MAX_DOCUMENTS: i64 = 100;

/// Not documented by the vendor: the timezone a user has until they set
/// one.
pub const DEFAULT_TIMEZONE: &str = "UTC";

/// Not documented by the vendor: what a member may do in their default
/// organisation. The only action this server offers is updating the
/// profile.
pub const DEFAULT_ORGANIZATION_PERMISSIONS: [&str; 1] = ["profile:update"];

fn auth_error(error: AuthError) -> ErrorResponse {
    match error {
        AuthError::Invalid => ErrorResponse::unauthenticated(),
        AuthError::Store(StoreError::Busy) => ErrorResponse::unavailable(),
        AuthError::Store(_) => ErrorResponse::server_error(),
    }
}

/// Applies `changes` to a stored document: named fields are replaced; the
/// settings object is merged one level deep (a key present replaces the
/// stored value, a key set to null removes it, other stored keys stay).
pub fn apply(changes: &Changes, document: &Value) -> Value {
    let mut stored = document.as_object().cloned().unwrap_or_default();
    let strings = [
        ("firstname", &changes.firstname),
        ("lastname", &changes.lastname),
        ("timezone", &changes.timezone),
    ];
    for (field, value) in strings {
        if let Some(value) = value {
            stored.insert(field.into(), Value::String(value.clone()));
        }
    }
    if let Some(uid) = changes.default_organization {
        stored.insert(
            "default_organization".into(),
            Value::String(uid.to_string()),
        );
    }
    if let Some(update) = &changes.settings {
        let mut settings = stored
            .get("settings")
            .and_then(Value::as_object)
            .cloned()
            .unwrap_or_default();
        for (key, value) in update {
            if value.is_null() {
                settings.remove(key);
            } else {
                settings.insert(key.clone(), value.clone());
            }
        }
        stored.insert("settings".into(), Value::Object(settings));
    }
    Value::Object(stored)
}

/// Why an update was not saved.
enum Refusal {
    Invalid(FieldErrors),
    Store(StoreError),
}

impl From<StoreError> for Refusal {
    fn from(error: StoreError) -> Self {
        Refusal::Store(error)
    }
}

/// What the answer is built from, all read from storage.
struct Saved {
    account: crate::storage::User,
    organisations: Vec<Organisation>,
    profile: Profile,
}

/// A request that already broke a field rule is refused without queueing
/// for the writer (which could answer 503 under load, not the 422 the
/// request deserves); the membership rule is checked too, on a read, so that
/// the 422 lists every failing field.
async fn refuse(
    context: &ApiContext,
    user: Uuid,
    changes: Changes,
    mut errors: FieldErrors,
) -> Result<Saved, Refusal> {
    let organisations = context.store.organisations_of(user).await?;
    check_membership(&changes, &organisations, &mut errors);
    Err(Refusal::Invalid(errors))
}

/// Checks membership and merges the changes into the latest stored
/// profile, in the store's write: the membership rule is decided on the
/// memberships read in the same transaction. Nothing is written unless
/// every rule passed.
async fn save(
    store: &dyn Store,
    user: Uuid,
    changes: Changes,
    mut errors: FieldErrors,
) -> Result<Saved, Refusal> {
    let reads = Reads {
        account: true,
        organisations: true,
        ..Reads::default()
    };
    let updated = update_profile(store, Api::Exante, user, reads, move |current| {
        check_membership(&changes, current.organisations, &mut errors);
        if !errors.is_empty() {
            return Ok((None, Err(errors)));
        }
        // Every accepted request is saved, even one that changes no field:
        // it is the user being seen, which `last_seen` reports.
        Ok((Some(apply(&changes, &current.profile.document)), Ok(())))
    })
    .await?;
    updated.verdict.map_err(Refusal::Invalid)?;
    let Applied {
        profile,
        account,
        organisations,
        ..
    } = updated.applied;
    Ok(Saved {
        account: account.ok_or_else(|| StoreError::NotFound(format!("user {user}")))?,
        organisations,
        profile,
    })
}

fn text(document: &Value, field: &str) -> Option<String> {
    document
        .get(field)
        .and_then(Value::as_str)
        .map(str::to_string)
}

/// The user as the API shows them, from the stored profile, account and
/// memberships.
fn user_view(saved: &Saved) -> User {
    let document = &saved.profile.document;
    let id = saved.account.id;
    let firstname = text(document, "firstname");
    let lastname = text(document, "lastname");
    let fullname = match (&firstname, &lastname) {
        (Some(first), Some(last)) => Some(format!("{first} {last}")),
        (Some(one), None) | (None, Some(one)) => Some(one.clone()),
        (None, None) => None,
    };
    // A default organisation the user is no longer a member of no longer
    // applies: it is not shown, and grants nothing.
    let default_organisation = text(document, "default_organization")
        .and_then(|uid| Uuid::try_parse(&uid).ok())
        .and_then(|uid| saved.organisations.iter().find(|o| o.id == uid));
    let settings = document
        .get("settings")
        .and_then(Value::as_object)
        .cloned()
        .unwrap_or_default();
    User {
        id: Some(id.to_string()),
        uid: Some(id),
        firstname,
        lastname,
        fullname,
        email: Some(saved.account.email.clone()),
        timezone: text(document, "timezone"),
        default_timezone: Some(DEFAULT_TIMEZONE.to_string()),
        avatar: None,
        default_organization: default_organisation.map(|o| o.id),
        active_company: default_organisation.map(|o| ActiveCompany {
            uid: Some(o.id),
            name: Some(o.name.clone()),
            owner_id: Some(id.to_string()),
            max_documents: Some(MAX_DOCUMENTS),
        }),
        organizations: Some(
            saved
                .organisations
                .iter()
                .map(|o| Organization {
                    uid: Some(o.id),
                    name: Some(o.name.clone()),
                    company_uid: Some(o.id),
                })
                .collect(),
        ),
        permissions_in_default_organization: Some(if default_organisation.is_some() {
            DEFAULT_ORGANIZATION_PERMISSIONS
                .iter()
                .map(|p| p.to_string())
                .collect()
        } else {
            Vec::new()
        }),
        features: Some(Map::new()),
        first_seen: Some(saved.account.created_at),
        last_seen: Some(saved.profile.changed_at),
        settings: Some(settings),
    }
}

impl ExanteApi for ExanteImpl {
    type Context = ApiContext;

    async fn update_current_user(
        rqctx: RequestContext<Self::Context>,
        body: JsonBody<UserProfileUpdate>,
    ) -> Result<HttpResponseOk<UserProfileResponse>, ErrorResponse> {
        let context = rqctx.context();
        let token = authorization(headers(&rqctx), "Bearer");
        let principal = authenticate(context, Api::Exante, token)
            .await
            .map_err(|e| {
                if let AuthError::Store(cause) = &e {
                    slog::error!(rqctx.log, "checking the token failed"; "error" => %cause);
                }
                auth_error(e)
            })?;
        let (changes, errors) = validate(&body.into_inner());
        let user = principal.user_id;
        let outcome = if errors.is_empty() {
            save(context.store.as_ref(), user, changes, errors).await
        } else {
            refuse(context, user, changes, errors).await
        };
        let saved = outcome.map_err(|refusal| match refusal {
            Refusal::Invalid(errors) => ErrorResponse::invalid(errors),
            Refusal::Store(StoreError::Busy) => ErrorResponse::unavailable(),
            Refusal::Store(cause) => {
                slog::error!(rqctx.log, "saving the profile failed"; "error" => %cause);
                ErrorResponse::server_error()
            }
        })?;
        Ok(HttpResponseOk(UserProfileResponse {
            status: Some("success".to_string()),
            status_code: Some(200),
            message: Some("Success".to_string()),
            data: Some(UserProfileResponseData {
                user: Some(user_view(&saved)),
            }),
        }))
    }
}
