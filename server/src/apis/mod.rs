//! The five APIs. Each lives in its own module, split the same way:
//! - `api.rs`: the `#[dropshot::api_description]` trait and its request and
//!   response types — the server's statement of the spec, compared with
//!   `spec/<api>.yaml` by the conformance suite. No behaviour here.
//! - `errors.rs`: the vendor's error body, and how dropshot's own errors
//!   (bad JSON, wrong media type, oversized body) are rendered in it.
//! - `validation.rs`: every rule the spec states that a type cannot.
//! - `handlers.rs`: the implementation: authenticate, validate, hand the
//!   change to the store (applied to the latest profile in its write), answer
//!   from what was stored.

pub mod body;
pub mod descriptor;
pub mod documents;
pub mod fields;

// One module per API, declared from the registry (`crate::registry`), the
// one list of APIs: adding an API adds a line there, not here.
macro_rules! declare_api_modules {
    ($($module:ident $variant:ident,)*) => {
        $(pub mod $module;)*
    };
}
crate::for_each_api!(declare_api_modules);

pub use descriptor::{
    CredentialPlace, Credentials, DemoCredentials, Descriptor, ErrorBody, Operation,
};

use std::sync::{Arc, Mutex, PoisonError};

use dropshot::RequestContext;
use http::HeaderMap;
use serde_json::Value;
use uuid::Uuid;

use crate::auth::{AuthError, Principal, Verifier};
use crate::registry::Api;
use crate::storage::{Applied, Current, ProfileChange, Reads, Store, StoreError};

/// What every handler can reach.
#[derive(Clone)]
pub struct ApiContext {
    pub store: Arc<dyn Store>,
    /// Checks tokens; keeps the credentials it has read.
    pub verifier: Arc<Verifier>,
    /// This API's spec and reference page (`documents.rs`).
    pub documents: Arc<documents::Documents>,
}

/// The largest request body each API accepts. The documented bodies are a
/// few hundred bytes (Ctrl-Hub's, the largest, about 1 KiB); 64 KiB leaves
/// room for generous free-form `settings` while refusing abuse.
pub const REQUEST_BODY_MAX_BYTES: usize = 64 * 1024;

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

/// Checks `token` for `api` (see [`Verifier::verify`]).
pub async fn authenticate(
    context: &ApiContext,
    api: Api,
    token: Option<&str>,
) -> Result<Principal, AuthError> {
    let token = token.ok_or(AuthError::Invalid)?;
    context.verifier.verify(api, token).await
}

/// The request's headers.
pub fn headers<C: dropshot::ServerContext>(rqctx: &RequestContext<C>) -> &HeaderMap {
    rqctx.request.headers()
}

/// Every API's descriptor, in the registry's order.
pub fn descriptors() -> impl Iterator<Item = &'static Descriptor> {
    Api::ALL.iter().map(|api| api.descriptor())
}

/// Turns the spec's YAML into the JSON document served at `/openapi.json`.
pub fn spec_json(yaml: &str) -> Result<Value, String> {
    serde_saphyr::from_str(yaml).map_err(|e| format!("embedded spec is not valid YAML: {e}"))
}

/// The outcome of [`update_profile`]: what the store did, and the verdict
/// the decision returned with it.
pub struct Updated<T> {
    pub applied: Applied,
    pub verdict: T,
}

/// The one way every API changes a profile. `decide` runs inside the
/// store's write, on the latest stored profile and what `reads` asks for
/// (see [`Store::apply`]), and returns the document to store (`None` keeps
/// the profile as it is) with a verdict for the caller, such as the
/// rule it refused the change by. Concurrent updates are applied one after
/// the other, never refused for having raced, so no API answers 409 for
/// contention; a store too busy to take the change answers
/// [`StoreError::Busy`], which every API sends as 503.
pub async fn update_profile<T: Send + 'static>(
    store: &dyn Store,
    api: Api,
    user: Uuid,
    reads: Reads,
    decide: impl FnOnce(&Current<'_>) -> Result<(Option<Value>, T), StoreError> + Send + 'static,
) -> Result<Updated<T>, StoreError> {
    // The change is a boxed `FnOnce` returning only the document, so the
    // verdict comes back through this slot; it is filled exactly when the
    // change ran, which `apply` returning `Ok` implies.
    let verdict = Arc::new(Mutex::new(None));
    let slot = Arc::clone(&verdict);
    let applied = store
        .apply(ProfileChange {
            api,
            user,
            reads,
            change: Box::new(move |current| {
                let (document, verdict) = decide(current)?;
                *slot.lock().unwrap_or_else(PoisonError::into_inner) = Some(verdict);
                Ok(document)
            }),
        })
        .await?;
    let verdict = verdict
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .take()
        .ok_or_else(|| StoreError::Backend("the change was applied without a verdict".into()))?;
    Ok(Updated { applied, verdict })
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::storage::sqlite::SqliteStore;

    async fn store_with_user() -> (SqliteStore, Uuid) {
        let store = SqliteStore::in_memory().unwrap_or_else(|e| panic!("{e}"));
        let user = store
            .create_user("ada", "ada@example.com", true)
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        (store, user.id)
    }

    /// The decision's verdict reaches the caller with what was stored.
    #[tokio::test]
    async fn the_verdict_comes_back_with_the_stored_profile() -> Result<(), StoreError> {
        let (store, user) = store_with_user().await;
        let updated = update_profile(&store, Api::Exante, user, Reads::default(), |current| {
            let mut next = current.profile.document.clone();
            next["b"] = json!(2);
            Ok((Some(next), "saved on purpose"))
        })
        .await?;
        assert_eq!(updated.verdict, "saved on purpose");
        assert!(updated.applied.saved);
        assert_eq!(updated.applied.profile.document, json!({"b": 2}));
        Ok(())
    }

    /// A decision that refuses keeps the profile and says why.
    #[tokio::test]
    async fn a_refusing_decision_stores_nothing() -> Result<(), StoreError> {
        let (store, user) = store_with_user().await;
        let updated = update_profile(&store, Api::Zitadel, user, Reads::default(), |_| {
            Ok((None, Err::<(), _>("not a member")))
        })
        .await?;
        assert_eq!(updated.verdict, Err("not a member"));
        assert!(!updated.applied.saved);
        assert_eq!(store.profile(Api::Zitadel, user).await?.sequence, 0);
        Ok(())
    }
}
