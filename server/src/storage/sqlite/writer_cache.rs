//! What the writer knows without asking SQLite: the profiles it wrote last,
//! and the accounts and memberships it read for earlier changes, so that a
//! busy user's next change is decided without reading and parsing them
//! again. A change reads up to four rows besides its own write (profile,
//! account, organisations, teams), all on the one writer thread that every
//! change waits for.
//!
//! Only the writer thread writes in this process (profiles in its batches,
//! users, credentials and memberships in its jobs), so what it knows is
//! what is stored, with three exceptions, all handled here:
//! - Another process (or another connection) may write the same file (a
//!   second `server`, `server user remove`). SQLite's `PRAGMA data_version`
//!   changes, as seen by this connection, exactly when another connection
//!   has committed a change to the file; the writer reads it at the start of
//!   every batch, inside the batch's IMMEDIATE transaction (so no other
//!   writer can commit until this batch ends), and forgets everything when
//!   it has changed. Another process's write is therefore never missed.
//! - A batch that does not commit (its transaction failed) makes the
//!   profiles it wrote stale; the writer forgets everything after it.
//! - A job run between batches may change anything (`remove_user` deletes
//!   profiles, `add_member` changes memberships, `create_user` adds an
//!   account): the writer forgets everything after each.
//!
//! The copy is bounded: past [`CAPACITY`] users it is emptied and fills
//! again with whoever is busy.

use std::collections::HashMap;

use rusqlite::Connection;
use uuid::Uuid;

use crate::storage::{Api, Organisation, Profile, StoreError, Team, User};

/// The most profiles (and, separately, users' accounts and memberships)
/// kept: a few MiB, far more than the users whose updates overlap at any
/// moment.
pub const CAPACITY: usize = 16 * 1024;

/// What the writer knows, valid for one `data_version`.
#[derive(Default)]
pub struct WriterCache {
    /// `PRAGMA data_version` when the copy was last known to be current.
    version: Option<i64>,
    profiles: HashMap<(Api, Uuid), Profile>,
    accounts: HashMap<Uuid, User>,
    organisations: HashMap<Uuid, Vec<Organisation>>,
    teams: HashMap<Uuid, Vec<Team>>,
}

impl WriterCache {
    /// Called at the start of a batch, inside its transaction: forgets
    /// everything if another connection has committed since the last batch.
    pub fn check(&mut self, connection: &Connection) -> Result<(), StoreError> {
        let version: i64 = connection
            .query_row("PRAGMA data_version", [], |row| row.get(0))
            .map_err(|e| StoreError::Backend(format!("cannot read data_version: {e}")))?;
        if self.version != Some(version) {
            self.clear();
            self.version = Some(version);
        }
        Ok(())
    }

    /// The profile as this writer last wrote it, if it is kept.
    pub fn profile(&self, api: Api, user: Uuid) -> Option<&Profile> {
        self.profiles.get(&(api, user))
    }

    /// Keeps `profile` as the stored profile of (`api`, `user`), once it is
    /// written in the batch's transaction.
    pub fn keep_profile(&mut self, api: Api, user: Uuid, profile: Profile) {
        bounded(&mut self.profiles, (api, user)).insert((api, user), profile);
    }

    /// `user`'s account, if it is kept.
    pub fn account(&self, user: Uuid) -> Option<&User> {
        self.accounts.get(&user)
    }

    /// Keeps `account` as read in this batch's transaction.
    pub fn keep_account(&mut self, account: User) {
        bounded(&mut self.accounts, account.id).insert(account.id, account);
    }

    /// `user`'s organisations, if they are kept.
    pub fn organisations(&self, user: Uuid) -> Option<&[Organisation]> {
        self.organisations.get(&user).map(Vec::as_slice)
    }

    /// Keeps `user`'s organisations as read in this batch's transaction.
    pub fn keep_organisations(&mut self, user: Uuid, organisations: Vec<Organisation>) {
        bounded(&mut self.organisations, user).insert(user, organisations);
    }

    /// `user`'s teams, if they are kept.
    pub fn teams(&self, user: Uuid) -> Option<&[Team]> {
        self.teams.get(&user).map(Vec::as_slice)
    }

    /// Keeps `user`'s teams as read in this batch's transaction.
    pub fn keep_teams(&mut self, user: Uuid, teams: Vec<Team>) {
        bounded(&mut self.teams, user).insert(user, teams);
    }

    /// Forgets everything (a batch that did not commit, or a job that may
    /// have changed anything).
    pub fn forget(&mut self) {
        self.clear();
        self.version = None;
    }

    fn clear(&mut self) {
        self.profiles.clear();
        self.accounts.clear();
        self.organisations.clear();
        self.teams.clear();
    }
}

/// `map`, emptied first if it is full and `key` is not in it.
fn bounded<K: std::hash::Hash + Eq, V>(map: &mut HashMap<K, V>, key: K) -> &mut HashMap<K, V> {
    if map.len() >= CAPACITY && !map.contains_key(&key) {
        map.clear();
    }
    map
}
