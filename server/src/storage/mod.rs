//! Storage: what the five APIs keep, behind one narrow interface.
//!
//! The interface speaks in the domain's terms (users, tenants,
//! organisations, credentials, profile documents), not in SQL, so that a
//! PostgreSQL backend is a second implementation of [`Store`] and no API
//! code changes. SQLite ([`sqlite::SqliteStore`]) is the default.
//!
//! A profile is stored per (API, user) as the vendor-shaped JSON document the
//! API's handlers maintain, with a sequence number that grows by one per
//! change. Updates are compare-and-swap on that sequence: a handler loads the
//! profile, validates and applies the change in memory, and saves it only if
//! nobody saved in between. Validation therefore never runs inside a write
//! transaction, and a rejected request writes nothing.

pub mod sqlite;

use chrono::{DateTime, Utc};
use serde_json::Value;
use uuid::Uuid;

/// The five APIs, as stored (the `api` column).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Api {
    Ctechnology,
    Cl2c,
    Exante,
    Ctrlhub,
    Zitadel,
}

impl Api {
    pub const ALL: [Api; 5] = [
        Api::Ctechnology,
        Api::Cl2c,
        Api::Exante,
        Api::Ctrlhub,
        Api::Zitadel,
    ];

    /// The short name used in the database, on the command line and in
    /// `spec/<name>.yaml`.
    pub fn name(self) -> &'static str {
        match self {
            Api::Ctechnology => "ctechnology",
            Api::Cl2c => "cl2c",
            Api::Exante => "exante",
            Api::Ctrlhub => "ctrlhub",
            Api::Zitadel => "zitadel",
        }
    }

    pub fn from_name(name: &str) -> Option<Api> {
        Api::ALL.into_iter().find(|api| api.name() == name)
    }
}

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

/// Why a storage call failed.
#[derive(Debug)]
pub enum StoreError {
    /// Someone saved the profile since it was loaded; reload and retry.
    Conflict,
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
            StoreError::Conflict => write!(f, "the profile changed concurrently"),
            StoreError::NotFound(what) => write!(f, "not found: {what}"),
            StoreError::Duplicate(what) => write!(f, "already exists: {what}"),
            StoreError::Backend(why) => write!(f, "storage failed: {why}"),
        }
    }
}

impl std::error::Error for StoreError {}

/// Everything the APIs and the command line need from storage.
///
/// When adding a backend: implement this trait, and run the storage tests
/// in `sqlite.rs` against it (they only use this interface).
pub trait Store: Send + Sync + 'static {
    fn create_user(
        &self,
        username: &str,
        email: &str,
        email_confirmed: bool,
    ) -> Result<User, StoreError>;
    fn user(&self, id: Uuid) -> Result<Option<User>, StoreError>;
    fn user_id_by_name(&self, username: &str) -> Result<Option<Uuid>, StoreError>;
    fn user_count(&self) -> Result<u64, StoreError>;

    fn create_organisation(&self, name: &str, slug: &str) -> Result<Organisation, StoreError>;
    fn add_member(&self, organisation: Uuid, user: Uuid) -> Result<(), StoreError>;
    /// The user's organisations, by name.
    fn organisations_of(&self, user: Uuid) -> Result<Vec<Organisation>, StoreError>;
    fn create_team(&self, organisation: Uuid, name: &str) -> Result<Team, StoreError>;
    fn add_team_member(&self, team: Uuid, user: Uuid) -> Result<(), StoreError>;
    fn teams_of(&self, user: Uuid) -> Result<Vec<Team>, StoreError>;

    fn add_credential(&self, credential: &Credential) -> Result<(), StoreError>;
    fn credential(&self, api: Api, key_id: &str) -> Result<Option<Credential>, StoreError>;

    /// The user's profile in `api`; a fresh, empty one (sequence 0) if none
    /// was saved yet.
    fn profile(&self, api: Api, user: Uuid) -> Result<Profile, StoreError>;
    /// Saves `document` as the user's profile if its sequence is still
    /// `expected_sequence`, in one transaction; returns the saved profile.
    fn save_profile(
        &self,
        api: Api,
        user: Uuid,
        expected_sequence: u64,
        document: &Value,
    ) -> Result<Profile, StoreError>;
}
