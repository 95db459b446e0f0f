//! The five APIs. Each lives in its own module, split the same way:
//! - `api.rs`: the `#[dropshot::api_description]` trait and its request and
//!   response types — the server's statement of the spec, compared with
//!   `spec/<api>.yaml` by the conformance suite. No behaviour here.
//! - `errors.rs`: the vendor's error body, and how dropshot's own errors
//!   (bad JSON, wrong media type, oversized body) are rendered in it.
//! - `validation.rs`: every rule the spec states that a type cannot.
//! - `handlers.rs`: the implementation: authenticate, load, validate, apply,
//!   save in one transaction, answer from what was stored.

// When adding an API: add its module here and its `registration()` to
// `registrations()` below; nothing else in the server changes.
pub mod body;
pub mod cl2c;
pub mod ctechnology;
pub mod ctrlhub;
pub mod exante;
pub mod fields;
pub mod zitadel;

use std::sync::Arc;

use dropshot::{ApiDescription, HttpError, RequestContext, StubContext};
use http::HeaderMap;
use serde_json::Value;
use uuid::Uuid;

use crate::auth::{AuthError, Principal, Verifier};
use crate::storage::{Api, Profile, Store, StoreError};

/// What every handler can reach.
#[derive(Clone)]
pub struct ApiContext {
    pub store: Arc<dyn Store>,
    /// Checks tokens; keeps the credentials it has read.
    pub verifier: Arc<Verifier>,
    /// This API's hand-written spec as JSON, served at `/openapi.json`.
    pub spec_document: Arc<Value>,
}

/// The largest request body each API accepts. The documented bodies are a
/// few hundred bytes (Ctrl-Hub's, the largest, about 1 KiB); 64 KiB leaves
/// room for generous free-form `settings` while refusing abuse.
pub const REQUEST_BODY_MAX_BYTES: usize = 64 * 1024;

/// The status to send for an error dropshot raised. dropshot answers a body
/// over the limit and an unsupported media type with a plain 400, marking
/// them only by the wording of its message; every API here sends them as
/// 413 and 415, the statuses HTTP defines for them, so that a client can
/// tell them from a field it got wrong. Each API's tests send an oversized
/// body and a wrong media type, so a dropshot upgrade that changes the
/// wording fails them.
pub fn dropshot_status(error: &HttpError) -> http::StatusCode {
    let status = error.status_code.as_status();
    if status != http::StatusCode::BAD_REQUEST {
        return status;
    }
    let message = error.external_message.as_str();
    if message.starts_with("request body exceeded maximum size") {
        http::StatusCode::PAYLOAD_TOO_LARGE
    } else if message.starts_with("unsupported content-type")
        || message.starts_with("expected content type")
    {
        http::StatusCode::UNSUPPORTED_MEDIA_TYPE
    } else {
        status
    }
}

/// A 405 in an API's own error body, with the `Allow` header RFC 9110
/// requires on a 405. The stubs that answer the operation's path for other
/// methods return this plain response because an error type cannot carry a
/// header (and dropshot's router would answer in its own shape).
pub fn method_not_allowed<E: serde::Serialize>(
    body: &E,
    content_type: &str,
    allow: &str,
) -> Result<http::Response<dropshot::Body>, String> {
    let body = serde_json::to_vec(body).map_err(|e| format!("cannot encode a 405: {e}"))?;
    http::Response::builder()
        .status(http::StatusCode::METHOD_NOT_ALLOWED)
        .header(http::header::ALLOW, allow)
        .header(http::header::CONTENT_TYPE, content_type)
        .body(dropshot::Body::from(body))
        .map_err(|e| format!("cannot build a 405: {e}"))
}

/// Runs a storage call off the async executor (SQLite calls block).
pub async fn blocking<T, F>(context: &ApiContext, call: F) -> Result<T, StoreError>
where
    T: Send + 'static,
    F: FnOnce(&dyn Store) -> Result<T, StoreError> + Send + 'static,
{
    let store = Arc::clone(&context.store);
    tokio::task::spawn_blocking(move || call(store.as_ref()))
        .await
        .map_err(|e| StoreError::Backend(format!("storage task failed: {e}")))?
}

/// The value of `Authorization: <scheme> <credential>`, if that is the form
/// of the header (the scheme is matched case-insensitively, as RFC 9110
/// says) and it was sent once (see [`sent_once`]).
pub fn authorization<'h>(headers: &'h HeaderMap, scheme: &str) -> Option<&'h str> {
    let value = sent_once(headers, http::header::AUTHORIZATION.as_str())?
        .to_str()
        .ok()?;
    let (given, credential) = value.split_once(' ')?;
    given
        .eq_ignore_ascii_case(scheme)
        .then_some(credential.trim())
}

/// The value of a header as text, if it was sent once (see [`sent_once`])
/// and is printable.
pub fn header<'h>(headers: &'h HeaderMap, name: &str) -> Option<&'h str> {
    sent_once(headers, name)?.to_str().ok()
}

/// The header's value if it was sent exactly once. A credential header sent
/// twice is no credential: a gateway in front may read the first copy and
/// this server another (or the reverse), and then the two disagree on who
/// is calling. So two copies are refused like a missing header, whichever
/// is valid, instead of picking one.
pub fn sent_once<'h>(headers: &'h HeaderMap, name: &str) -> Option<&'h http::HeaderValue> {
    let mut values = headers.get_all(name).iter();
    let first = values.next()?;
    values.next().is_none().then_some(first)
}

/// Whether header `name` was sent more than once.
pub fn repeated(headers: &HeaderMap, name: &str) -> bool {
    headers.get_all(name).iter().nth(1).is_some()
}

/// Checks `token` for `api`: on the executor when its credential is known,
/// otherwise with the storage lookup off the executor.
pub async fn authenticate(
    context: &ApiContext,
    api: Api,
    token: Option<&str>,
) -> Result<Principal, AuthError> {
    let token = token.ok_or(AuthError::Invalid)?;
    if let Some(outcome) = context.verifier.known(api, token) {
        return outcome;
    }
    let token = token.to_string();
    let verifier = Arc::clone(&context.verifier);
    tokio::task::spawn_blocking(move || verifier.verify(api, &token))
        .await
        .map_err(|e| AuthError::Store(StoreError::Backend(format!("auth task failed: {e}"))))?
}

/// The request's headers.
pub fn headers<C: dropshot::ServerContext>(rqctx: &RequestContext<C>) -> &HeaderMap {
    rqctx.request.headers()
}

/// What the server needs to know about one API.
pub struct Registration {
    pub api: Api,
    /// The default listen port (127.0.0.1).
    pub default_port: u16,
    /// The hand-written spec, served at `/openapi.json`.
    pub spec_yaml: &'static str,
    /// The API with its implementation.
    pub description: fn() -> Result<ApiDescription<ApiContext>, String>,
    /// The API without one: what `server openapi <api>` prints.
    pub stub_description: fn() -> Result<ApiDescription<StubContext>, String>,
    /// A ready-to-paste curl line sending the seed's example request.
    pub demo_curl: fn(base_url: &str, credentials: &DemoCredentials) -> String,
    /// An error in the API's format, for what the front answers itself (a
    /// 503 while stopping, a 408 for a body that does not arrive).
    pub error_body: crate::front::ErrorBody,
    /// The operation's method: the `Allow` of a 405 on its path.
    pub allow: &'static str,
}

/// Everything a demo curl line may need.
pub struct DemoCredentials {
    pub user_id: uuid::Uuid,
    pub token: String,
    /// CL2C's tenant.
    pub tenant: Option<String>,
}

/// Every API the server serves, in a fixed order.
pub fn registrations() -> Vec<Registration> {
    vec![
        ctechnology::registration(),
        cl2c::registration(),
        exante::registration(),
        ctrlhub::registration(),
        zitadel::registration(),
    ]
}

/// The registration of `api`, if the server implements it.
pub fn registration(api: Api) -> Option<Registration> {
    registrations().into_iter().find(|r| r.api == api)
}

/// Turns the spec's YAML into the JSON document served at `/openapi.json`.
pub fn spec_json(yaml: &str) -> Result<Value, String> {
    serde_saphyr::from_str(yaml).map_err(|e| format!("embedded spec is not valid YAML: {e}"))
}

/// How many times an update is retried when another request saved the same
/// profile in between (compare-and-swap on the profile's sequence).
pub const SAVE_ATTEMPTS: usize = 3;

/// The profile after [`update_profile`].
pub struct Updated {
    /// The profile as stored now.
    pub profile: Profile,
    /// Whether this request saved it (false: `change` kept it as it was).
    pub saved: bool,
}

/// The one way every API changes a profile: load `user`'s profile in
/// `api`, let `change` compute the document to store from it (`None` keeps
/// it as stored; an error stops the update), and save with compare-and-swap on its sequence. When
/// another request saved in between, `change` runs again on the newer
/// profile, up to [`SAVE_ATTEMPTS`] times; after that the conflict is the
/// caller's to answer. A blocking call (run it in [`blocking`]).
pub fn update_profile(
    store: &dyn Store,
    api: Api,
    user: Uuid,
    mut change: impl FnMut(&Profile) -> Result<Option<Value>, StoreError>,
) -> Result<Updated, StoreError> {
    for _ in 0..SAVE_ATTEMPTS {
        let current = store.profile(api, user)?;
        let Some(document) = change(&current)? else {
            return Ok(Updated {
                profile: current,
                saved: false,
            });
        };
        match store.save_profile(api, user, current.sequence, &document) {
            Ok(profile) => {
                return Ok(Updated {
                    profile,
                    saved: true,
                });
            }
            Err(StoreError::Conflict) => continue,
            Err(e) => return Err(e),
        }
    }
    Err(StoreError::Conflict)
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::storage::sqlite::SqliteStore;

    fn store_with_user() -> (SqliteStore, Uuid) {
        let store = SqliteStore::in_memory().unwrap_or_else(|e| panic!("{e}"));
        let user = store
            .create_user("ada", "ada@example.com", true)
            .unwrap_or_else(|e| panic!("{e}"));
        (store, user.id)
    }

    /// Another request saves between this one's load and save: the change
    /// is computed again from the newer profile, so neither is lost.
    #[test]
    fn a_concurrent_save_makes_the_change_run_again_on_the_newer_profile() {
        let (store, user) = store_with_user();
        let mut seen = Vec::new();
        let updated = update_profile(&store, Api::Exante, user, |current| {
            seen.push(current.document.clone());
            if seen.len() == 1 {
                store.save_profile(Api::Exante, user, 0, &json!({"a": 1}))?;
            }
            let mut next = current.document.clone();
            next["b"] = json!(2);
            Ok(Some(next))
        })
        .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(seen, [json!({}), json!({"a": 1})]);
        assert!(updated.saved);
        assert_eq!(updated.profile.sequence, 2);
        assert_eq!(updated.profile.document, json!({"a": 1, "b": 2}));
    }

    /// A profile that keeps changing underneath is a conflict after
    /// `SAVE_ATTEMPTS` tries, and this request stores nothing.
    #[test]
    fn a_profile_saved_under_every_attempt_is_a_conflict() {
        let (store, user) = store_with_user();
        let mut attempts = 0;
        let outcome = update_profile(&store, Api::Cl2c, user, |current| {
            attempts += 1;
            store.save_profile(Api::Cl2c, user, current.sequence, &json!({"n": attempts}))?;
            Ok(Some(json!({"mine": true})))
        });
        assert!(matches!(outcome, Err(StoreError::Conflict)));
        assert_eq!(attempts, SAVE_ATTEMPTS);
        let stored = store
            .profile(Api::Cl2c, user)
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(stored.document, json!({"n": SAVE_ATTEMPTS}));
    }

    #[test]
    fn a_change_that_keeps_the_profile_saves_nothing() {
        let (store, user) = store_with_user();
        let updated = update_profile(&store, Api::Zitadel, user, |_| Ok(None))
            .unwrap_or_else(|e| panic!("{e}"));
        assert!(!updated.saved);
        assert_eq!(updated.profile.sequence, 0);
    }
}
