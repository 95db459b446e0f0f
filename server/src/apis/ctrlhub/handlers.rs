//! Ctrl-Hub's update. The order of checks, each answered with a JSON:API
//! error document:
//!
//! 1. the session token in `X-Session-Token` (401), before anything about
//!    the request is revealed;
//! 2. the path's `user_id`: a uuid (400), an existing user (404), the
//!    caller (403: a token updates only its own user);
//! 3. the media types: `Accept` (406) and `Content-Type` (415), then the
//!    body: within the size limit (413) and JSON (400);
//! 4. the resource object names this user and type "users" (409, as
//!    JSON:API answers a mismatched `id` or `type`);
//! 5. every field rule (422, one error object per failing member);
//! 6. apply the change to the latest stored profile, in the store's write
//!    (which also reads the account and memberships for the answer), and
//!    answer from what was stored.
//!
//! PUT semantics (the spec is silent; chosen here): the profile sections
//! present in `attributes.profile` replace the stored sections of the same
//! name, whole (a field left out of a sent section is removed); sections
//! left out are kept. `dob` and `start_date` arrive as date-times and are
//! stored as their UTC date, which is what the response gives (a date). An
//! update that leaves the stored profile as it was saves nothing (the
//! sequence does not grow) and answers 200 with the stored state.

use dropshot::RequestContext;
use http::StatusCode;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use uuid::Uuid;

use super::api::CtrlhubApi;
use super::types::{Address, Contact, Governance, IncludedResource, JsonApiObject, Nomenclature, Organisation, OrganisationAttributes, OrganisationMeta, OrganisationRelationships, OrganisationSettings, OrganisationType, Personal, ProfileSettings, RelationshipToMany, ResourceIdentifier, Team, TeamAttributes, TeamType, User, UserAttributes, UserDocument, UserMeta, UserPath, UserProfile, UserProfileUpdate, UserRelationships, UserType, UserUpdateDocument, Work};
use super::errors::JsonApiError;
use super::media::{JsonApi, JsonApiBody, JsonApiPath, check_accept};
use super::validation::{check_identity, validate};
use crate::apis::{ApiContext, authenticate, header, headers, update_profile};
use crate::auth::AuthError;
use crate::storage::{self, Api, Applied, Reads, Store, StoreError};

/// The implementation of [`CtrlhubApi`].
pub enum CtrlhubImpl {}

/// The stored profile document: the sections the user has set, in their
/// response form (dates as dates; `personal.username` is not stored, it is
/// the account's username, added when answering).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
struct StoredDocument {
    #[serde(default)]
    profile: StoredProfile,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
struct StoredProfile {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    address: Option<Address>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    contact: Option<Contact>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    personal: Option<Personal>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    settings: Option<ProfileSettings>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    work: Option<Work>,
}

/// The stored document with the sent sections replacing their stored
/// counterparts (see the module comment).
fn apply(stored: &StoredDocument, update: Option<&UserProfileUpdate>) -> StoredDocument {
    let mut merged = stored.clone();
    let Some(update) = update else {
        return merged;
    };
    if let Some(address) = &update.address {
        merged.profile.address = Some(address.clone());
    }
    if let Some(contact) = &update.contact {
        merged.profile.contact = Some(contact.clone());
    }
    if let Some(personal) = &update.personal {
        merged.profile.personal = Some(Personal {
            first_name: personal.first_name.clone(),
            last_name: personal.last_name.clone(),
            dob: personal.dob.map(|dob| dob.date_naive()),
            username: None,
        });
    }
    if let Some(settings) = &update.settings {
        merged.profile.settings = Some(settings.clone());
    }
    if let Some(work) = &update.work {
        merged.profile.work = Some(Work {
            occupation: work.occupation.clone(),
            cscs: work.cscs.clone(),
            eusr: work.eusr.clone(),
            start_date: work.start_date.map(|date| date.date_naive()),
        });
    }
    merged
}

/// The stored document, decoded from the borrowed value: the writer keeps
/// the latest profile, and cloning its whole `Value` tree per change only to
/// decode it cost a visible share of Ctrl-Hub's CPU (docs/benchmarks.md).
fn decode(document: &Value) -> Result<StoredDocument, StoreError> {
    StoredDocument::deserialize(document)
        .map_err(|e| StoreError::Backend(format!("stored Ctrl-Hub profile is unreadable: {e}")))
}

/// What the answer is built from: all of it read from storage.
struct Stored {
    user: storage::User,
    document: StoredDocument,
    organisations: Vec<storage::Organisation>,
    teams: Vec<storage::Team>,
}

/// Applies the update to the latest stored profile, reading the account
/// and memberships the answer needs in the same storage call; an update
/// that leaves the profile as it was writes nothing.
async fn save(
    store: &dyn Store,
    user: Uuid,
    update: Option<UserProfileUpdate>,
) -> Result<Stored, StoreError> {
    let reads = Reads {
        account: true,
        organisations: true,
        teams: true,
    };
    let updated = update_profile(store, Api::Ctrlhub, user, reads, move |current| {
        let loaded = decode(&current.profile.document)?;
        let merged = apply(&loaded, update.as_ref());
        if merged == loaded {
            return Ok((None, loaded));
        }
        let document = serde_json::to_value(&merged)
            .map_err(|e| StoreError::Backend(format!("cannot encode the profile: {e}")))?;
        Ok((Some(document), merged))
    })
    .await?;
    let Applied {
        account,
        organisations,
        teams,
        ..
    } = updated.applied;
    Ok(Stored {
        user: account.ok_or_else(|| StoreError::NotFound(format!("user {user}")))?,
        // What was stored, as decided in the write: the same value the
        // stored document decodes to, without decoding it again.
        document: updated.verdict,
        organisations,
        teams,
    })
}

fn identifiers<I: IntoIterator<Item = Uuid>>(ids: I, kind: &str) -> RelationshipToMany {
    RelationshipToMany {
        data: Some(
            ids.into_iter()
                .map(|id| ResourceIdentifier {
                    id,
                    type_: kind.to_string(),
                })
                .collect(),
        ),
    }
}

/// An included organisation. The store keeps only its name, slug and
/// creation time; the rest is what an organisation of this server is: not a
/// sandbox, a v3 organisation, active, no custom nomenclature or features,
/// no description (""), never updated since creation. Its relationships are
/// the caller's view: the caller themself and the caller's teams in it (other
/// members are not disclosed); this server has no service accounts or groups.
fn organisation(
    organisation: &storage::Organisation,
    user: Uuid,
    teams: &[storage::Team],
) -> IncludedResource {
    IncludedResource::Organisation(Box::new(Organisation {
        id: organisation.id,
        type_: OrganisationType::Organisations,
        attributes: Some(OrganisationAttributes {
            name: Some(organisation.name.clone()),
            slug: Some(organisation.slug.clone()),
            sandbox: Some(false),
            settings: Some(OrganisationSettings {
                nomenclature: Some(Nomenclature {
                    governance: Some(Governance {
                        schemes: Some(Vec::new()),
                        work_orders: Some(Vec::new()),
                        operations: Some(Vec::new()),
                    }),
                }),
            }),
            description: Some(String::new()),
        }),
        meta: Some(OrganisationMeta {
            v3: Some(true),
            status: Some("active".to_string()),
            created_at: Some(organisation.created_at),
            updated_at: Some(organisation.created_at),
            features: Some(Vec::new()),
        }),
        relationships: Some(OrganisationRelationships {
            users: Some(identifiers([user], "users")),
            service_accounts: Some(identifiers([], "service_accounts")),
            groups: Some(identifiers([], "groups")),
            teams: Some(identifiers(
                teams
                    .iter()
                    .filter(|t| t.organisation_id == organisation.id)
                    .map(|t| t.id),
                "teams",
            )),
        }),
    }))
}

fn team(team: &storage::Team) -> IncludedResource {
    IncludedResource::Team(Team {
        id: team.id,
        type_: TeamType::Teams,
        attributes: Some(TeamAttributes {
            name: Some(team.name.clone()),
        }),
    })
}

/// The answer, built from the account and the stored profile. Every
/// profile section is present (empty when never set), so that the shape
/// does not depend on history; `identities` and `grants` are empty because
/// this server links no external identities and keeps no grants.
fn user_document(stored: Stored) -> UserDocument {
    let user = &stored.user;
    let profile = stored.document.profile;
    let personal = Personal {
        username: Some(user.username.clone()),
        ..profile.personal.unwrap_or_default()
    };
    let included = stored
        .organisations
        .iter()
        .map(|o| organisation(o, user.id, &stored.teams))
        .chain(stored.teams.iter().map(team))
        .collect();
    UserDocument {
        data: User {
            id: user.id,
            type_: UserType::Users,
            attributes: Some(UserAttributes {
                email: Some(user.email.clone()),
                identities: Some(Vec::new()),
                profile: Some(UserProfile {
                    work: Some(profile.work.unwrap_or_default()),
                    personal: Some(personal),
                    contact: Some(profile.contact.unwrap_or_default()),
                    address: Some(profile.address.unwrap_or_default()),
                    settings: Some(profile.settings.unwrap_or_default()),
                }),
            }),
            meta: Some(UserMeta {
                grants: Some(Vec::new()),
            }),
            relationships: Some(UserRelationships {
                organisations: Some(identifiers(
                    stored.organisations.iter().map(|o| o.id),
                    "organisations",
                )),
                teams: Some(identifiers(stored.teams.iter().map(|t| t.id), "teams")),
            }),
        },
        jsonapi: JsonApiObject::v1_0(),
        included: Some(included),
    }
}

fn auth_error(error: AuthError) -> JsonApiError {
    match error {
        AuthError::Invalid => JsonApiError::unauthorized(),
        AuthError::Store(StoreError::Busy) => JsonApiError::unavailable(),
        AuthError::Store(e) => JsonApiError::internal(e),
    }
}

fn store_error(error: StoreError) -> JsonApiError {
    match error {
        StoreError::Busy => JsonApiError::unavailable(),
        other => JsonApiError::internal(other),
    }
}

/// The update itself, in the order of checks of the module comment.
async fn update(
    rqctx: &RequestContext<ApiContext>,
    path: JsonApiPath<UserPath>,
    body: JsonApiBody<UserUpdateDocument>,
) -> Result<UserDocument, JsonApiError> {
    let context = rqctx.context();
    let request_headers = headers(rqctx);
    let token = header(request_headers, "x-session-token");
    let principal = authenticate(context, Api::Ctrlhub, token)
        .await
        .map_err(auth_error)?;

    let user_id = path.into_inner()?.user_id;
    // The caller's own id always names a user (a token belongs to one), so
    // the store is asked only about another id: 404 if nobody has it, else
    // 403. The common case costs no storage call here.
    if principal.user_id != user_id {
        let exists = context
            .store
            .user(user_id)
            .await
            .map_err(store_error)?
            .is_some();
        return Err(if exists {
            JsonApiError::new(
                StatusCode::FORBIDDEN,
                "A session token may update only its own user.",
            )
        } else {
            JsonApiError::new(
                StatusCode::NOT_FOUND,
                format!("No user has the id {user_id}."),
            )
        });
    }

    check_accept(request_headers)?;
    let document = body.into_inner()?;
    check_identity(&document, user_id)?;
    let request = validate(&document)?;

    let profile = request.data.attributes.and_then(|a| a.profile);
    let stored = save(context.store.as_ref(), user_id, profile)
        .await
        .map_err(store_error)?;
    Ok(user_document(stored))
}

/// Logs the cause of a 5xx (the client is told only that it failed) and
/// wraps the outcome for sending.
fn respond<T>(rqctx: &RequestContext<ApiContext>, outcome: Result<T, JsonApiError>) -> JsonApi<T> {
    if let Err(error) = &outcome
        && error.status.is_server_error()
    {
        slog::error!(rqctx.log, "request failed"; "error" => %error);
    }
    JsonApi::new(outcome)
}

// Errors are returned inside `JsonApi` (never as `Err`) so that they are
// sent as application/vnd.api+json; `media.rs` explains why.
impl CtrlhubApi for CtrlhubImpl {
    type Context = ApiContext;

    async fn update_user(
        rqctx: RequestContext<Self::Context>,
        path: JsonApiPath<UserPath>,
        body: JsonApiBody<UserUpdateDocument>,
    ) -> Result<JsonApi<UserDocument>, JsonApiError> {
        let outcome = update(&rqctx, path, body).await;
        Ok(respond(&rqctx, outcome))
    }
}
