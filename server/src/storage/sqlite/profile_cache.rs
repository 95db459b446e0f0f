//! The writer's copy of the profiles it wrote last, so that a busy user's
//! next change is decided without reading and parsing the stored document
//! again.
//!
//! Only the writer thread writes profiles in this process, so what it
//! wrote is what is stored, with two exceptions, both handled here:
//! - Another process (or another connection) may write the same file (a
//!   second `server`, `server user remove`). SQLite's `PRAGMA data_version`
//!   changes, as seen by this connection, exactly when another connection
//!   has committed a change to the file; the writer reads it at the start of
//!   every batch, inside the batch's IMMEDIATE transaction (so no other
//!   writer can commit until this batch ends), and forgets everything when
//!   it has changed. Another process's write is therefore never missed.
//! - A batch that does not commit (its transaction failed) and a job run
//!   between batches (`remove_user` deletes profiles) make the copy stale:
//!   the writer forgets everything after either.
//!
//! The copy is bounded: past [`CAPACITY`] profiles it is emptied and fills
//! again with whoever is busy.

use std::collections::HashMap;

use rusqlite::Connection;
use uuid::Uuid;

use crate::storage::{Api, Profile, StoreError};

/// The most profiles kept: a few MiB of documents, far more than the users
/// whose updates overlap at any moment.
pub const CAPACITY: usize = 16 * 1024;

/// The profiles the writer wrote, valid for one `data_version`.
#[derive(Default)]
pub struct ProfileCache {
    /// `PRAGMA data_version` when the copy was last known to be current.
    version: Option<i64>,
    profiles: HashMap<(Api, Uuid), Profile>,
}

impl ProfileCache {
    /// Called at the start of a batch, inside its transaction: forgets
    /// everything if another connection has committed since the last batch.
    pub fn check(&mut self, connection: &Connection) -> Result<(), StoreError> {
        let version: i64 = connection
            .query_row("PRAGMA data_version", [], |row| row.get(0))
            .map_err(|e| StoreError::Backend(format!("cannot read data_version: {e}")))?;
        if self.version != Some(version) {
            self.profiles.clear();
            self.version = Some(version);
        }
        Ok(())
    }

    /// The profile as this writer last wrote it, if it is kept.
    pub fn get(&self, api: Api, user: Uuid) -> Option<&Profile> {
        self.profiles.get(&(api, user))
    }

    /// Keeps `profile` as the stored profile of (`api`, `user`), once it is
    /// written in the batch's transaction.
    pub fn keep(&mut self, api: Api, user: Uuid, profile: Profile) {
        if self.profiles.len() >= CAPACITY && !self.profiles.contains_key(&(api, user)) {
            self.profiles.clear();
        }
        self.profiles.insert((api, user), profile);
    }

    /// Forgets everything (a batch that did not commit, or a job that may
    /// have changed profiles).
    pub fn forget(&mut self) {
        self.profiles.clear();
        self.version = None;
    }
}
