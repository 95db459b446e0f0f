//! Storage: what the five APIs keep, behind one narrow interface.
//!
//! The interface speaks in the domain's terms (users, tenants,
//! organisations, credentials, profile documents), not in SQL, so that a
//! PostgreSQL backend is a second implementation of [`Store`] and no API
//! code changes. SQLite ([`sqlite::SqliteStore`]) is the default.
//!
//! A profile is stored per (API, user) as the vendor-shaped JSON document the
//! API's handlers maintain, with a sequence number that grows by one per
//! saved change. A handler never writes a document it computed from an
//! earlier read: it hands the store a [`ProfileChange`], a function of the
//! current profile, and the store runs it on the latest stored profile
//! inside the transaction that saves its result ([`Store::apply`]).
//! Concurrent updates of one profile are therefore applied one after the
//! other, each to what the previous one stored: none is lost and none is
//! refused for having raced another. The SQLite backend runs changes on its
//! one writer thread; the PostgreSQL backend ([`postgres::PostgresStore`],
//! `--db postgres://…`, for several nodes on one database) runs the changes
//! waiting on a node in one transaction with the profiles' rows locked
//! (`SELECT … FOR UPDATE`). Both group-commit: one sync covers every change
//! of a batch.

#[cfg(test)]
#[macro_use]
pub mod contract;
#[cfg(feature = "postgres")]
pub mod pool_metrics;
#[cfg(feature = "postgres")]
pub mod postgres;
pub mod sqlite;
pub mod writer_metrics;

use std::future::Future;
use std::pin::Pin;

use chrono::{DateTime, Utc};
use serde_json::Value;
use uuid::Uuid;

/// The API a row belongs to (the `api` column holds [`Api::name`]).
pub use crate::registry::Api;

/// A user account, shared by every API.
#[derive(Clone, Debug, PartialEq)]
pub struct User {
    pub id: Uuid,
    pub username: String,
    pub email: String,
    pub email_confirmed: bool,
    pub created_at: DateTime<Utc>,
}

/// An organisation a user may belong to (Exante organisations, Ctrl-Hub
/// organisations, ZITADEL's resource owner).
#[derive(Clone, Debug, PartialEq)]
pub struct Organisation {
    pub id: Uuid,
    pub name: String,
    pub slug: String,
    pub created_at: DateTime<Utc>,
}

/// A team inside an organisation (Ctrl-Hub).
#[derive(Clone, Debug, PartialEq)]
pub struct Team {
    pub id: Uuid,
    pub organisation_id: Uuid,
    pub name: String,
}

/// A stored credential. The secret itself is never stored: only its
/// SHA-256, which [`crate::auth`] compares in constant time.
#[derive(Clone, Debug, PartialEq)]
pub struct Credential {
    /// The public half of the token, used to find this row.
    pub key_id: String,
    pub api: Api,
    pub user_id: Uuid,
    /// CL2C: the tenant this key belongs to.
    pub tenant: Option<String>,
    pub secret_sha256: [u8; 32],
}

/// A profile document with its change history summary.
#[derive(Clone, Debug, PartialEq)]
pub struct Profile {
    pub document: Value,
    /// 0 before the first save; +1 per saved change.
    pub sequence: u64,
    pub created_at: DateTime<Utc>,
    pub changed_at: DateTime<Utc>,
}

/// What a change reads besides the profile. It is read in the same storage
/// call, so a rule that depends on it (Exante's membership of the default
/// organisation) is decided on the same state the change is applied to, and
/// a request makes one storage call, not several.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Reads {
    /// The user's account.
    pub account: bool,
    /// The user's organisations, by name.
    pub organisations: bool,
    /// The user's teams, by name.
    pub teams: bool,
}

/// What a change is decided on, read in the transaction that applies it.
pub struct Current<'a> {
    /// The latest stored profile (a fresh one, sequence 0, if none is).
    pub profile: &'a Profile,
    /// The account, if [`Reads::account`] asked for it.
    pub account: Option<&'a User>,
    /// Empty unless [`Reads::organisations`] asked for them.
    pub organisations: &'a [Organisation],
    /// Empty unless [`Reads::teams`] asked for them.
    pub teams: &'a [Team],
}

/// Computes the document to store from the current profile: `Some` saves
/// it (the sequence grows by one), `None` keeps the profile as stored, an
/// error stores nothing and is the caller's answer. It runs at most once
/// (not at all when the store answers an error first, such as
/// [`StoreError::Busy`]), inside the store's write transaction, so it must
/// be quick and must not call the store (the SQLite store refuses a call
/// from its writer thread rather than deadlock).
pub type Change = Box<dyn FnOnce(&Current<'_>) -> Result<Option<Value>, StoreError> + Send>;

/// A change to one user's profile in one API.
pub struct ProfileChange {
    pub api: Api,
    pub user: Uuid,
    pub reads: Reads,
    pub change: Change,
}

/// What [`Store::apply`] did.
#[derive(Clone, Debug, PartialEq)]
pub struct Applied {
    /// The profile as stored after the change.
    pub profile: Profile,
    /// Whether the change saved a document (false: it kept the profile).
    pub saved: bool,
    /// As asked in [`Reads`], read in the same transaction.
    pub account: Option<User>,
    pub organisations: Vec<Organisation>,
    pub teams: Vec<Team>,
}

/// A storage call's answer, to be awaited.
pub type Pending<T> = Pin<Box<dyn Future<Output = Result<T, StoreError>> + Send + 'static>>;

/// Why a storage call failed.
#[derive(Debug)]
pub enum StoreError {
    /// The store takes no more changes for now (its queue is full): the
    /// request is answered 503, never queued without bound.
    Busy,
    /// The referenced row does not exist.
    NotFound(String),
    /// A uniqueness rule was broken (e.g. a username taken).
    Duplicate(String),
    /// The backend failed; the message is for logs, not for clients.
    Backend(String),
}

impl std::fmt::Display for StoreError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            StoreError::Busy => write!(f, "the store is busy; retry shortly"),
            StoreError::NotFound(what) => write!(f, "not found: {what}"),
            StoreError::Duplicate(what) => write!(f, "already exists: {what}"),
            StoreError::Backend(why) => write!(f, "storage failed: {why}"),
        }
    }
}

impl std::error::Error for StoreError {}

/// Everything the APIs and the command line need from storage.
///
/// Every method is asynchronous and may be called on an async worker: a
/// backend never blocks the caller's thread (the SQLite store hands its
/// work to its own threads, the PostgreSQL store runs on the caller's
/// runtime). The trait is object-safe through `async_trait` (boxed
/// futures), since the server holds its store as `Arc<dyn Store>`.
///
/// When adding a backend: implement this trait, and run the contract tests
/// of `contract.rs` against it with `store_contract_tests!` (they use only
/// this interface).
#[async_trait::async_trait]
pub trait Store: Send + Sync + 'static {
    async fn create_user(
        &self,
        username: &str,
        email: &str,
        email_confirmed: bool,
    ) -> Result<User, StoreError>;
    async fn user(&self, id: Uuid) -> Result<Option<User>, StoreError>;
    async fn user_id_by_name(&self, username: &str) -> Result<Option<Uuid>, StoreError>;
    async fn user_count(&self) -> Result<u64, StoreError>;

    async fn create_organisation(&self, name: &str, slug: &str)
    -> Result<Organisation, StoreError>;
    async fn add_member(&self, organisation: Uuid, user: Uuid) -> Result<(), StoreError>;
    /// The user's organisations, by name.
    async fn organisations_of(&self, user: Uuid) -> Result<Vec<Organisation>, StoreError>;
    async fn create_team(&self, organisation: Uuid, name: &str) -> Result<Team, StoreError>;
    async fn add_team_member(&self, team: Uuid, user: Uuid) -> Result<(), StoreError>;
    async fn teams_of(&self, user: Uuid) -> Result<Vec<Team>, StoreError>;

    async fn add_credential(&self, credential: &Credential) -> Result<(), StoreError>;
    async fn credential(&self, api: Api, key_id: &str) -> Result<Option<Credential>, StoreError>;
    /// Deletes the credentials with this key id (in whichever API issued
    /// it) and returns how many there were. Nodes that cached one refuse it
    /// once their cache entry expires ([`crate::auth::CREDENTIAL_TTL`]).
    async fn revoke_credential(&self, key_id: &str) -> Result<u64, StoreError>;
    /// Deletes the user `username` with everything that is theirs:
    /// credentials, profiles, memberships. [`StoreError::NotFound`] if there
    /// is no such user.
    async fn remove_user(&self, username: &str) -> Result<(), StoreError>;

    /// The user's profile in `api`; a fresh, empty one (sequence 0) if none
    /// was saved yet.
    async fn profile(&self, api: Api, user: Uuid) -> Result<Profile, StoreError>;

    /// Applies `change` to the latest stored profile and saves its result,
    /// atomically: the change is decided on the profile it is applied to,
    /// and is answered only once what it saved is durable. Changes to one
    /// profile are applied one at a time, in the order the store takes
    /// them. The store takes the change when this is called (the returned
    /// future only waits for the answer), so several may be queued before
    /// any is awaited. Never blocks: a store that cannot take the change
    /// now answers [`StoreError::Busy`] at once.
    ///
    /// When implementing a backend: make sure that one change's failure
    /// never undoes or fails another's (both backends batch changes into one
    /// transaction: a failing change writes nothing, and only a failure of
    /// the transaction itself fails the batch).
    fn apply(&self, change: ProfileChange) -> Pending<Applied>;

    /// Adds what this store measures (its queue, its pool) to `registry`,
    /// for the admin listener's `/metrics`. A store that measures nothing
    /// adds nothing.
    fn register_metrics(&self, _registry: &mut prometheus_client::registry::Registry) {}
}
