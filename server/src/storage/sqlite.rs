//! The embedded SQLite backend (the default).
//!
//! Durability: WAL journal with `synchronous = FULL`. A profile save is
//! acknowledged (returns `Ok`) only after the COMMIT of the transaction
//! holding it has returned, and in WAL mode with `FULL` SQLite syncs the WAL
//! to disk (fsync) before COMMIT returns. So an acknowledged update survives
//! `kill -9` of the server, and also an OS crash or a power loss, as far as
//! the disk honours fsync.
//!
//! Why not `synchronous = NORMAL`: in WAL mode it skips that sync; a
//! committed transaction is then in the OS page cache, which survives
//! `kill -9` of the process (the kernel still writes it out) but not a power
//! loss or a kernel crash, after which the last transactions can be rolled
//! back (the database stays consistent). The stronger promise is kept, and
//! its cost, one fsync per commit, is shared by group commit (see
//! [`SqliteStore::save_profile`]): no save is acknowledged before its own
//! transaction is synced.
//!
//! The schema is created and migrated on open (`PRAGMA user_version`).

use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError, TryLockError};

use chrono::{DateTime, SecondsFormat, Utc};
use rusqlite::config::DbConfig;
use rusqlite::{Connection, OptionalExtension, TransactionBehavior, params};
use serde_json::Value;
use uuid::Uuid;

use super::{Api, Credential, Organisation, Profile, Store, StoreError, Team, User};

/// Each entry migrates the schema from version `index` to `index + 1`.
///
/// When changing the schema: append a migration; never edit one that has
/// shipped, since databases in the field have already run it.
const MIGRATIONS: &[&str] = &[
    r#"
    CREATE TABLE users (
        id              TEXT PRIMARY KEY,
        username        TEXT NOT NULL UNIQUE,
        email           TEXT NOT NULL,
        email_confirmed INTEGER NOT NULL,
        created_at      TEXT NOT NULL
    );
    CREATE TABLE organisations (
        id         TEXT PRIMARY KEY,
        name       TEXT NOT NULL,
        slug       TEXT NOT NULL UNIQUE,
        created_at TEXT NOT NULL
    );
    CREATE TABLE memberships (
        organisation_id TEXT NOT NULL REFERENCES organisations(id),
        user_id         TEXT NOT NULL REFERENCES users(id),
        PRIMARY KEY (organisation_id, user_id)
    );
    CREATE TABLE teams (
        id              TEXT PRIMARY KEY,
        organisation_id TEXT NOT NULL REFERENCES organisations(id),
        name            TEXT NOT NULL
    );
    CREATE TABLE team_members (
        team_id TEXT NOT NULL REFERENCES teams(id),
        user_id TEXT NOT NULL REFERENCES users(id),
        PRIMARY KEY (team_id, user_id)
    );
    CREATE TABLE credentials (
        api           TEXT NOT NULL,
        key_id        TEXT NOT NULL,
        user_id       TEXT NOT NULL REFERENCES users(id),
        tenant        TEXT,
        secret_sha256 BLOB NOT NULL,
        PRIMARY KEY (api, key_id)
    );
    CREATE TABLE profiles (
        api        TEXT NOT NULL,
        user_id    TEXT NOT NULL REFERENCES users(id),
        document   TEXT NOT NULL,
        sequence   INTEGER NOT NULL,
        created_at TEXT NOT NULL,
        changed_at TEXT NOT NULL,
        PRIMARY KEY (api, user_id)
    );
"#,
    // A user's organisations and teams are looked up on every request of
    // three APIs; without these the lookup scans every membership.
    r#"
    CREATE INDEX memberships_by_user ON memberships (user_id);
    CREATE INDEX team_members_by_user ON team_members (user_id);
"#,
];

/// How many read-only connections a file database gets. Reads are short
/// (one indexed lookup); a few connections keep them from queueing behind
/// each other, and none of them waits for a commit.
const READERS: usize = 4;

/// A SQLite database file (or `:memory:`).
///
/// Concurrency: one writer connection (SQLite allows one writer at a time
/// anyway) and, for a file database, `READERS` read-only connections.
/// WAL lets the readers read the last committed state while the writer
/// writes and syncs, so reads (credential checks, profile loads) never wait
/// for a commit. Profile saves — the one write on the request path — are
/// group-committed, see [`SqliteStore::save_profile`].
pub struct SqliteStore {
    /// The only connection that writes.
    writer: Mutex<Connection>,
    /// Profile saves waiting for the next group commit.
    commits: Mutex<Commits>,
    /// Signalled when a group commit has finished.
    committed: Condvar,
    /// Read-only connections; empty for an in-memory database, whose reads
    /// use `writer` (every connection to `:memory:` is a database of its
    /// own).
    readers: Vec<Mutex<Connection>>,
    next_reader: AtomicUsize,
}

/// The group commit's state.
#[derive(Default)]
struct Commits {
    /// Saves waiting for the next commit.
    queue: Vec<Arc<PendingSave>>,
    /// A thread is committing a batch (outside this lock).
    running: bool,
}

/// One profile save, queued for a group commit.
struct PendingSave {
    api: Api,
    user: Uuid,
    expected_sequence: u64,
    /// The document, encoded before queueing (outside any lock).
    text: String,
    /// Set by the committing thread before it signals `committed`.
    outcome: Mutex<Option<Result<Saved, StoreError>>>,
}

/// What a committed save stored, besides the document.
struct Saved {
    sequence: u64,
    created_at: DateTime<Utc>,
    changed_at: DateTime<Utc>,
}

impl PendingSave {
    fn settled(&self) -> bool {
        self.outcome.lock().map_or(true, |o| o.is_some())
    }

    fn settle(&self, outcome: Result<Saved, StoreError>) {
        if let Ok(mut slot) = self.outcome.lock() {
            *slot = Some(outcome);
        }
    }
}

/// A batch being committed. Dropping it ends the commit: a save it left
/// unsettled (only if committing panicked) fails, and the waiting savers
/// are woken, one of them to commit what was queued meanwhile.
struct RunningCommit<'a> {
    store: &'a SqliteStore,
    batch: Vec<Arc<PendingSave>>,
}

impl Drop for RunningCommit<'_> {
    fn drop(&mut self) {
        for save in &self.batch {
            if !save.settled() {
                save.settle(Err(backend("the commit did not finish")));
            }
        }
        self.store.commits().running = false;
        self.store.committed.notify_all();
    }
}

fn poisoned<T>(_: T) -> StoreError {
    backend("a previous storage call panicked")
}

fn backend(e: impl std::fmt::Display) -> StoreError {
    StoreError::Backend(e.to_string())
}

/// Now, at the precision stored (milliseconds), so that what a call returns
/// equals what a later read returns.
fn now() -> DateTime<Utc> {
    let millis = Utc::now().timestamp_millis();
    DateTime::from_timestamp_millis(millis).unwrap_or_else(Utc::now)
}

fn timestamp(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::Millis, true)
}

fn parse_timestamp(text: &str) -> rusqlite::Result<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(text)
        .map(|t| t.with_timezone(&Utc))
        .map_err(|e| {
            rusqlite::Error::FromSqlConversionFailure(0, rusqlite::types::Type::Text, Box::new(e))
        })
}

fn parse_uuid(text: &str) -> rusqlite::Result<Uuid> {
    Uuid::parse_str(text).map_err(|e| {
        rusqlite::Error::FromSqlConversionFailure(0, rusqlite::types::Type::Text, Box::new(e))
    })
}

fn unique_violation(e: &rusqlite::Error) -> bool {
    matches!(
        e,
        rusqlite::Error::SqliteFailure(f, _) if f.extended_code == rusqlite::ffi::SQLITE_CONSTRAINT_UNIQUE
            || f.extended_code == rusqlite::ffi::SQLITE_CONSTRAINT_PRIMARYKEY
    )
}

impl SqliteStore {
    /// Opens (creating and migrating as needed) the database at `path`.
    pub fn open(path: &Path) -> Result<Self, StoreError> {
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir)
                .map_err(|e| backend(format!("cannot create {}: {e}", dir.display())))?;
        }
        let open = || {
            Connection::open(path)
                .map_err(|e| backend(format!("cannot open {}: {e}", path.display())))
        };
        let mut store = Self::init(open()?)?;
        // Opened after `init`, so the schema and the WAL mode are in place.
        for _ in 0..READERS {
            let reader = open()?;
            stable_plans(&reader)?;
            reader
                .execute_batch(
                    "PRAGMA query_only = ON;
                     PRAGMA busy_timeout = 5000;",
                )
                .map_err(backend)?;
            store.readers.push(Mutex::new(reader));
        }
        Ok(store)
    }

    /// A private in-memory database, for tests.
    pub fn in_memory() -> Result<Self, StoreError> {
        Self::init(Connection::open_in_memory().map_err(backend)?)
    }

    fn init(mut connection: Connection) -> Result<Self, StoreError> {
        stable_plans(&connection)?;
        // See the module comment for why these two settings make a saved
        // update durable.
        connection
            .execute_batch(
                "PRAGMA journal_mode = WAL;
                 PRAGMA synchronous = FULL;
                 PRAGMA foreign_keys = ON;
                 PRAGMA busy_timeout = 5000;",
            )
            .map_err(backend)?;
        let version: i64 = connection
            .query_row("PRAGMA user_version", [], |row| row.get(0))
            .map_err(backend)?;
        let version = usize::try_from(version).map_err(backend)?;
        if version > MIGRATIONS.len() {
            return Err(backend(format!(
                "the database is at schema version {version}, newer than this server ({})",
                MIGRATIONS.len()
            )));
        }
        for (index, migration) in MIGRATIONS.iter().enumerate().skip(version) {
            let tx = connection.transaction().map_err(backend)?;
            tx.execute_batch(migration).map_err(backend)?;
            let next = i64::try_from(index + 1).map_err(backend)?;
            tx.pragma_update(None, "user_version", next)
                .map_err(backend)?;
            tx.commit().map_err(backend)?;
        }
        Ok(SqliteStore {
            writer: Mutex::new(connection),
            commits: Mutex::new(Commits::default()),
            committed: Condvar::new(),
            readers: Vec::new(),
            next_reader: AtomicUsize::new(0),
        })
    }

    /// The writer connection.
    fn write(&self) -> Result<MutexGuard<'_, Connection>, StoreError> {
        self.writer.lock().map_err(poisoned)
    }

    /// A connection to read with: a free reader if there is one, else the
    /// next one in turn (the writer for an in-memory database).
    fn read(&self) -> Result<MutexGuard<'_, Connection>, StoreError> {
        let count = self.readers.len();
        if count == 0 {
            return self.write();
        }
        let first = self.next_reader.fetch_add(1, Ordering::Relaxed);
        for offset in 0..count {
            match self.readers[(first + offset) % count].try_lock() {
                Ok(reader) => return Ok(reader),
                Err(TryLockError::WouldBlock) => continue,
                Err(TryLockError::Poisoned(e)) => return Err(poisoned(e)),
            }
        }
        self.readers[first % count].lock().map_err(poisoned)
    }

    /// The group commit's state. It is consistent at every unlock, so a
    /// panic elsewhere while it was held does not make it unusable.
    fn commits(&self) -> MutexGuard<'_, Commits> {
        self.commits.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// Commits `batch` in one transaction, so one WAL sync covers every save in
/// it, and settles each save's outcome. Each save runs in a savepoint of its
/// own: whatever makes one save fail (a conflict, a missing user, a row it
/// cannot read) undoes that save alone, and the others are committed. Only
/// a failure of the transaction itself (BEGIN, COMMIT, a rollback SQLite
/// forced) fails the whole batch, and then none of it is stored.
fn commit_batch(connection: &mut Connection, batch: &[Arc<PendingSave>]) {
    match try_commit(connection, batch) {
        Ok(outcomes) => {
            for (save, outcome) in batch.iter().zip(outcomes) {
                save.settle(outcome);
            }
        }
        Err(e) => fail_all(
            batch,
            &format!("group commit of {} saves: {e}", batch.len()),
        ),
    }
}

/// Settles every save of `batch` as failed with `why`.
fn fail_all(batch: &[Arc<PendingSave>], why: &str) {
    for save in batch {
        save.settle(Err(StoreError::Backend(why.to_string())));
    }
}

fn try_commit(
    connection: &mut Connection,
    batch: &[Arc<PendingSave>],
) -> Result<Vec<Result<Saved, StoreError>>, StoreError> {
    // IMMEDIATE takes the write lock up front, so the sequence reads and
    // the writes below cannot interleave with another writer.
    let mut tx = connection
        .transaction_with_behavior(TransactionBehavior::Immediate)
        .map_err(backend)?;
    let mut outcomes = Vec::with_capacity(batch.len());
    for save in batch {
        let mut savepoint = tx.savepoint().map_err(backend)?;
        let outcome = write_one(&savepoint, save);
        // A save that failed is undone to its savepoint; if even that
        // fails, the transaction cannot be trusted and the batch fails.
        if outcome.is_err() {
            savepoint.rollback().map_err(backend)?;
        }
        savepoint.commit().map_err(backend)?;
        outcomes.push(outcome);
        // A failure that ended the transaction (SQLite rolls back on some
        // errors) must not let later saves commit one by one.
        if tx.is_autocommit() {
            return Err(backend("the transaction was rolled back"));
        }
    }
    // With `synchronous = FULL` this returns once the WAL is synced.
    tx.commit().map_err(backend)?;
    Ok(outcomes)
}

/// Keeps each cached statement's query plan fixed (SQLite's query planner
/// stability guarantee). Without it, SQLite (built with STAT4) re-prepares
/// some statements whenever a bound value changes, which made the
/// memberships lookup of every request cost a fresh parse and plan.
fn stable_plans(connection: &Connection) -> Result<(), StoreError> {
    connection
        .set_db_config(DbConfig::SQLITE_DBCONFIG_ENABLE_QPSG, true)
        .map(drop)
        .map_err(backend)
}

/// One compare-and-swap save, inside the batch's transaction.
fn write_one(connection: &Connection, save: &PendingSave) -> Result<Saved, StoreError> {
    let (api, user) = (save.api.name(), save.user.to_string());
    let current: Option<(i64, String)> = connection
        .prepare_cached("SELECT sequence, created_at FROM profiles WHERE api = ?1 AND user_id = ?2")
        .map_err(backend)?
        .query_row(params![api, user], |row| Ok((row.get(0)?, row.get(1)?)))
        .optional()
        .map_err(backend)?;
    let now = now();
    let (sequence, created_at) = match current {
        Some((sequence, created_at)) => (
            u64::try_from(sequence).map_err(backend)?,
            parse_timestamp(&created_at).map_err(backend)?,
        ),
        None => (0, now),
    };
    if sequence != save.expected_sequence {
        return Err(StoreError::Conflict);
    }
    let next = sequence + 1;
    connection
        .prepare_cached(
            "INSERT INTO profiles (api, user_id, document, sequence, created_at, changed_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)
             ON CONFLICT (api, user_id) DO UPDATE SET
                 document = excluded.document, sequence = excluded.sequence, changed_at = excluded.changed_at",
        )
        .map_err(backend)?
        .execute(params![
            api,
            user,
            save.text,
            i64::try_from(next).map_err(backend)?,
            timestamp(created_at),
            timestamp(now)
        ])
        .map_err(|e| match &e {
            rusqlite::Error::SqliteFailure(f, _)
                if f.extended_code == rusqlite::ffi::SQLITE_CONSTRAINT_FOREIGNKEY =>
            {
                StoreError::NotFound(format!("user {}", save.user))
            }
            _ => backend(e),
        })?;
    Ok(Saved {
        sequence: next,
        created_at,
        changed_at: now,
    })
}

fn user_from_row(row: &rusqlite::Row<'_>) -> rusqlite::Result<User> {
    Ok(User {
        id: parse_uuid(&row.get::<_, String>(0)?)?,
        username: row.get(1)?,
        email: row.get(2)?,
        email_confirmed: row.get(3)?,
        created_at: parse_timestamp(&row.get::<_, String>(4)?)?,
    })
}

fn organisation_from_row(row: &rusqlite::Row<'_>) -> rusqlite::Result<Organisation> {
    Ok(Organisation {
        id: parse_uuid(&row.get::<_, String>(0)?)?,
        name: row.get(1)?,
        slug: row.get(2)?,
        created_at: parse_timestamp(&row.get::<_, String>(3)?)?,
    })
}

impl Store for SqliteStore {
    fn create_user(
        &self,
        username: &str,
        email: &str,
        email_confirmed: bool,
    ) -> Result<User, StoreError> {
        let user = User {
            id: Uuid::new_v4(),
            username: username.to_string(),
            email: email.to_string(),
            email_confirmed,
            created_at: now(),
        };
        self.write()?
            .execute(
                "INSERT INTO users (id, username, email, email_confirmed, created_at) VALUES (?1, ?2, ?3, ?4, ?5)",
                params![user.id.to_string(), user.username, user.email, user.email_confirmed, timestamp(user.created_at)],
            )
            .map_err(|e| {
                if unique_violation(&e) {
                    StoreError::Duplicate(format!("username {username}"))
                } else {
                    backend(e)
                }
            })?;
        Ok(user)
    }

    fn user(&self, id: Uuid) -> Result<Option<User>, StoreError> {
        self.read()?
            .query_row(
                "SELECT id, username, email, email_confirmed, created_at FROM users WHERE id = ?1",
                [id.to_string()],
                user_from_row,
            )
            .optional()
            .map_err(backend)
    }

    fn user_id_by_name(&self, username: &str) -> Result<Option<Uuid>, StoreError> {
        let id: Option<String> = self
            .read()?
            .query_row(
                "SELECT id FROM users WHERE username = ?1",
                [username],
                |row| row.get(0),
            )
            .optional()
            .map_err(backend)?;
        id.map(|id| Uuid::parse_str(&id).map_err(backend))
            .transpose()
    }

    fn user_count(&self) -> Result<u64, StoreError> {
        let count: i64 = self
            .read()?
            .query_row("SELECT COUNT(*) FROM users", [], |row| row.get(0))
            .map_err(backend)?;
        u64::try_from(count).map_err(backend)
    }

    fn create_organisation(&self, name: &str, slug: &str) -> Result<Organisation, StoreError> {
        let organisation = Organisation {
            id: Uuid::new_v4(),
            name: name.to_string(),
            slug: slug.to_string(),
            created_at: now(),
        };
        self.write()?
            .execute(
                "INSERT INTO organisations (id, name, slug, created_at) VALUES (?1, ?2, ?3, ?4)",
                params![
                    organisation.id.to_string(),
                    name,
                    slug,
                    timestamp(organisation.created_at)
                ],
            )
            .map_err(|e| {
                if unique_violation(&e) {
                    StoreError::Duplicate(format!("organisation slug {slug}"))
                } else {
                    backend(e)
                }
            })?;
        Ok(organisation)
    }

    fn add_member(&self, organisation: Uuid, user: Uuid) -> Result<(), StoreError> {
        self.write()?
            .execute(
                "INSERT OR IGNORE INTO memberships (organisation_id, user_id) VALUES (?1, ?2)",
                params![organisation.to_string(), user.to_string()],
            )
            .map(drop)
            .map_err(backend)
    }

    fn organisations_of(&self, user: Uuid) -> Result<Vec<Organisation>, StoreError> {
        let connection = self.read()?;
        let mut statement = connection
            .prepare_cached(
                "SELECT o.id, o.name, o.slug, o.created_at FROM organisations o
                 JOIN memberships m ON m.organisation_id = o.id
                 WHERE m.user_id = ?1 ORDER BY o.name, o.id",
            )
            .map_err(backend)?;
        let rows = statement
            .query_map([user.to_string()], organisation_from_row)
            .map_err(backend)?;
        rows.collect::<Result<_, _>>().map_err(backend)
    }

    fn create_team(&self, organisation: Uuid, name: &str) -> Result<Team, StoreError> {
        let team = Team {
            id: Uuid::new_v4(),
            organisation_id: organisation,
            name: name.to_string(),
        };
        self.write()?
            .execute(
                "INSERT INTO teams (id, organisation_id, name) VALUES (?1, ?2, ?3)",
                params![team.id.to_string(), organisation.to_string(), name],
            )
            .map_err(backend)?;
        Ok(team)
    }

    fn add_team_member(&self, team: Uuid, user: Uuid) -> Result<(), StoreError> {
        self.write()?
            .execute(
                "INSERT OR IGNORE INTO team_members (team_id, user_id) VALUES (?1, ?2)",
                params![team.to_string(), user.to_string()],
            )
            .map(drop)
            .map_err(backend)
    }

    fn teams_of(&self, user: Uuid) -> Result<Vec<Team>, StoreError> {
        let connection = self.read()?;
        let mut statement = connection
            .prepare_cached(
                "SELECT t.id, t.organisation_id, t.name FROM teams t
                 JOIN team_members m ON m.team_id = t.id
                 WHERE m.user_id = ?1 ORDER BY t.name, t.id",
            )
            .map_err(backend)?;
        let rows = statement
            .query_map([user.to_string()], |row| {
                Ok(Team {
                    id: parse_uuid(&row.get::<_, String>(0)?)?,
                    organisation_id: parse_uuid(&row.get::<_, String>(1)?)?,
                    name: row.get(2)?,
                })
            })
            .map_err(backend)?;
        rows.collect::<Result<_, _>>().map_err(backend)
    }

    fn add_credential(&self, credential: &Credential) -> Result<(), StoreError> {
        self.write()?
            .execute(
                "INSERT INTO credentials (api, key_id, user_id, tenant, secret_sha256) VALUES (?1, ?2, ?3, ?4, ?5)",
                params![
                    credential.api.name(),
                    credential.key_id,
                    credential.user_id.to_string(),
                    credential.tenant,
                    credential.secret_sha256.as_slice()
                ],
            )
            .map(drop)
            .map_err(|e| {
                if unique_violation(&e) {
                    StoreError::Duplicate(format!("credential {}", credential.key_id))
                } else {
                    backend(e)
                }
            })
    }

    fn credential(&self, api: Api, key_id: &str) -> Result<Option<Credential>, StoreError> {
        let connection = self.read()?;
        let mut statement = connection
            .prepare_cached("SELECT user_id, tenant, secret_sha256 FROM credentials WHERE api = ?1 AND key_id = ?2")
            .map_err(backend)?;
        statement
            .query_row(params![api.name(), key_id], |row| {
                let hash: Vec<u8> = row.get(2)?;
                let secret_sha256 = <[u8; 32]>::try_from(hash.as_slice()).map_err(|e| {
                    rusqlite::Error::FromSqlConversionFailure(
                        2,
                        rusqlite::types::Type::Blob,
                        Box::new(e),
                    )
                })?;
                Ok(Credential {
                    key_id: key_id.to_string(),
                    api,
                    user_id: parse_uuid(&row.get::<_, String>(0)?)?,
                    tenant: row.get(1)?,
                    secret_sha256,
                })
            })
            .optional()
            .map_err(backend)
    }

    fn profile(&self, api: Api, user: Uuid) -> Result<Profile, StoreError> {
        let connection = self.read()?;
        let mut statement = connection
            .prepare_cached(
                "SELECT document, sequence, created_at, changed_at FROM profiles WHERE api = ?1 AND user_id = ?2",
            )
            .map_err(backend)?;
        let found = statement
            .query_row(params![api.name(), user.to_string()], |row| {
                let document: String = row.get(0)?;
                Ok((
                    document,
                    row.get::<_, i64>(1)?,
                    row.get::<_, String>(2)?,
                    row.get::<_, String>(3)?,
                ))
            })
            .optional()
            .map_err(backend)?;
        match found {
            None => {
                let now = now();
                Ok(Profile {
                    document: Value::Object(Default::default()),
                    sequence: 0,
                    created_at: now,
                    changed_at: now,
                })
            }
            Some((document, sequence, created_at, changed_at)) => Ok(Profile {
                document: serde_json::from_str(&document).map_err(backend)?,
                sequence: u64::try_from(sequence).map_err(backend)?,
                created_at: parse_timestamp(&created_at).map_err(backend)?,
                changed_at: parse_timestamp(&changed_at).map_err(backend)?,
            }),
        }
    }

    // Group commit: the save is queued. If no commit is running, this
    // thread runs one: it takes every queued save, commits them in one
    // transaction (one WAL sync), settles each one's outcome and signals.
    // Otherwise it waits for the running commit to end, and then either its
    // save was in that batch (settled: committed and synced, or failed) or
    // it is still queued and a new commit starts. Saves that arrive while a
    // commit is syncing thus share the next sync; none is acknowledged
    // before the sync of its own transaction.
    fn save_profile(
        &self,
        api: Api,
        user: Uuid,
        expected_sequence: u64,
        document: &Value,
    ) -> Result<Profile, StoreError> {
        let pending = Arc::new(PendingSave {
            api,
            user,
            expected_sequence,
            text: serde_json::to_string(document).map_err(backend)?,
            outcome: Mutex::new(None),
        });
        let mut commits = self.commits();
        commits.queue.push(Arc::clone(&pending));
        while !pending.settled() {
            if commits.running {
                commits = self
                    .committed
                    .wait(commits)
                    .unwrap_or_else(PoisonError::into_inner);
                continue;
            }
            commits.running = true;
            let running = RunningCommit {
                store: self,
                batch: std::mem::take(&mut commits.queue),
            };
            drop(commits);
            match self.write() {
                Ok(mut connection) => commit_batch(&mut connection, &running.batch),
                Err(e) => fail_all(&running.batch, &e.to_string()),
            }
            drop(running);
            commits = self.commits();
        }
        drop(commits);
        let outcome = pending
            .outcome
            .lock()
            .map_err(|_| backend("a previous storage call panicked"))?
            .take()
            .unwrap_or_else(|| Err(backend("a queued save was not committed")));
        outcome.map(|saved| Profile {
            document: document.clone(),
            sequence: saved.sequence,
            created_at: saved.created_at,
            changed_at: saved.changed_at,
        })
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn store() -> SqliteStore {
        SqliteStore::in_memory().unwrap_or_else(|e| panic!("{e}"))
    }

    #[test]
    fn a_saved_profile_is_read_back_with_its_sequence() -> Result<(), StoreError> {
        let store = store();
        let user = store.create_user("ada", "ada@example.com", true)?;
        let fresh = store.profile(Api::Zitadel, user.id)?;
        assert_eq!((fresh.sequence, fresh.document.clone()), (0, json!({})));
        let saved = store.save_profile(Api::Zitadel, user.id, 0, &json!({"firstName": "Ada"}))?;
        assert_eq!(saved.sequence, 1);
        let again =
            store.save_profile(Api::Zitadel, user.id, 1, &json!({"firstName": "Ada L."}))?;
        assert_eq!(again.sequence, 2);
        assert_eq!(again.created_at, saved.created_at);
        let read = store.profile(Api::Zitadel, user.id)?;
        assert_eq!(
            (read.sequence, read.document),
            (2, json!({"firstName": "Ada L."}))
        );
        Ok(())
    }

    #[test]
    fn a_stale_save_is_a_conflict_and_changes_nothing() -> Result<(), StoreError> {
        let store = store();
        let user = store.create_user("ada", "ada@example.com", true)?;
        store.save_profile(Api::Exante, user.id, 0, &json!({"firstname": "Ada"}))?;
        assert!(matches!(
            store.save_profile(Api::Exante, user.id, 0, &json!({"firstname": "Eve"})),
            Err(StoreError::Conflict)
        ));
        assert_eq!(
            store.profile(Api::Exante, user.id)?.document,
            json!({"firstname": "Ada"})
        );
        Ok(())
    }

    #[test]
    fn profiles_are_kept_per_api() -> Result<(), StoreError> {
        let store = store();
        let user = store.create_user("ada", "ada@example.com", true)?;
        store.save_profile(Api::Cl2c, user.id, 0, &json!({"firstName": "Ada"}))?;
        assert_eq!(store.profile(Api::Ctechnology, user.id)?.sequence, 0);
        Ok(())
    }

    #[test]
    fn a_username_is_unique() -> Result<(), StoreError> {
        let store = store();
        store.create_user("ada", "ada@example.com", true)?;
        assert!(matches!(
            store.create_user("ada", "x@example.com", true),
            Err(StoreError::Duplicate(_))
        ));
        Ok(())
    }

    #[test]
    fn memberships_and_teams_are_listed() -> Result<(), StoreError> {
        let store = store();
        let user = store.create_user("ada", "ada@example.com", true)?;
        let org = store.create_organisation("Analytical Engines", "analytical-engines")?;
        store.add_member(org.id, user.id)?;
        let team = store.create_team(org.id, "Difference")?;
        store.add_team_member(team.id, user.id)?;
        assert_eq!(store.organisations_of(user.id)?, [org]);
        assert_eq!(store.teams_of(user.id)?, [team]);
        Ok(())
    }

    #[test]
    fn a_credential_is_found_by_api_and_key_id() -> Result<(), StoreError> {
        let store = store();
        let user = store.create_user("ada", "ada@example.com", true)?;
        let credential = Credential {
            key_id: "k1".to_string(),
            api: Api::Cl2c,
            user_id: user.id,
            tenant: Some("acme".to_string()),
            secret_sha256: [7; 32],
        };
        store.add_credential(&credential)?;
        assert_eq!(store.credential(Api::Cl2c, "k1")?, Some(credential));
        assert_eq!(store.credential(Api::Exante, "k1")?, None);
        Ok(())
    }

    #[test]
    fn a_reopened_database_keeps_every_saved_update() -> Result<(), StoreError> {
        let dir = std::env::temp_dir().join(format!("profile-store-{}", Uuid::new_v4()));
        let path = dir.join("db.sqlite");
        let user_id = {
            let store = SqliteStore::open(&path)?;
            let user = store.create_user("ada", "ada@example.com", true)?;
            store.save_profile(Api::Ctrlhub, user.id, 0, &json!({"a": 1}))?;
            user.id
        };
        let store = SqliteStore::open(&path)?;
        assert_eq!(
            store.profile(Api::Ctrlhub, user_id)?.document,
            json!({"a": 1})
        );
        let _ = std::fs::remove_dir_all(dir);
        Ok(())
    }

    #[test]
    fn concurrent_saves_are_each_committed_once() -> Result<(), StoreError> {
        let dir = std::env::temp_dir().join(format!("profile-store-{}", Uuid::new_v4()));
        let store = Arc::new(SqliteStore::open(&dir.join("db.sqlite"))?);
        let users = (0..8)
            .map(|i| store.create_user(&format!("u{i}"), "u@example.com", true))
            .collect::<Result<Vec<_>, _>>()?;
        // Eight writers, each saving its own profile 25 times, load then
        // save, as the handlers do: every save must succeed and count once.
        let writers: Vec<_> = users
            .iter()
            .map(|user| {
                let (store, id) = (Arc::clone(&store), user.id);
                std::thread::spawn(move || -> Result<(), StoreError> {
                    for n in 0..25 {
                        let current = store.profile(Api::Exante, id)?;
                        store.save_profile(Api::Exante, id, current.sequence, &json!({"n": n}))?;
                    }
                    Ok(())
                })
            })
            .collect();
        for writer in writers {
            writer
                .join()
                .unwrap_or_else(|_| panic!("a writer panicked"))?;
        }
        for user in &users {
            let profile = store.profile(Api::Exante, user.id)?;
            assert_eq!((profile.sequence, profile.document), (25, json!({"n": 24})));
        }
        // Two saves of the same sequence, at once: exactly one wins.
        let barrier = Arc::new(std::sync::Barrier::new(2));
        let racers: Vec<_> = (0..2)
            .map(|n| {
                let (store, barrier, id) = (Arc::clone(&store), Arc::clone(&barrier), users[0].id);
                std::thread::spawn(move || {
                    barrier.wait();
                    store.save_profile(Api::Exante, id, 25, &json!({"racer": n}))
                })
            })
            .collect();
        let outcomes: Vec<_> = racers
            .into_iter()
            .map(|r| r.join().unwrap_or_else(|_| panic!("a racer panicked")))
            .collect();
        assert_eq!(outcomes.iter().filter(|o| o.is_ok()).count(), 1);
        assert!(
            outcomes
                .iter()
                .any(|o| matches!(o, Err(StoreError::Conflict)))
        );
        assert_eq!(store.profile(Api::Exante, users[0].id)?.sequence, 26);
        drop(store);
        let _ = std::fs::remove_dir_all(dir);
        Ok(())
    }

    #[test]
    fn a_save_for_a_missing_user_fails_alone() -> Result<(), StoreError> {
        let store = store();
        let user = store.create_user("ada", "ada@example.com", true)?;
        assert!(matches!(
            store.save_profile(Api::Cl2c, Uuid::new_v4(), 0, &json!({})),
            Err(StoreError::NotFound(_))
        ));
        store.save_profile(Api::Cl2c, user.id, 0, &json!({"firstName": "Ada"}))?;
        assert_eq!(store.profile(Api::Cl2c, user.id)?.sequence, 1);
        Ok(())
    }

    fn pending(api: Api, user: Uuid, expected_sequence: u64, document: Value) -> Arc<PendingSave> {
        Arc::new(PendingSave {
            api,
            user,
            expected_sequence,
            text: document.to_string(),
            outcome: Mutex::new(None),
        })
    }

    /// One group commit holding a save for a missing user, a conflicting
    /// save, a save whose stored row cannot be read, and two good saves:
    /// each failure stays with its own save, and the good ones are stored.
    #[test]
    fn each_save_of_a_group_commit_fails_alone() -> Result<(), StoreError> {
        let store = store();
        let good = store.create_user("ada", "ada@example.com", true)?;
        let conflicting = store.create_user("bob", "bob@example.com", true)?;
        let unreadable = store.create_user("eve", "eve@example.com", true)?;
        store.save_profile(Api::Cl2c, conflicting.id, 0, &json!({"firstName": "Bob"}))?;
        store
            .write()?
            .execute(
                "INSERT INTO profiles VALUES ('cl2c', ?1, '{}', 1, 'not a time', 'not a time')",
                params![unreadable.id.to_string()],
            )
            .map_err(backend)?;
        let batch = [
            pending(Api::Cl2c, Uuid::new_v4(), 0, json!({"firstName": "Nobody"})),
            pending(Api::Cl2c, good.id, 0, json!({"firstName": "Ada"})),
            pending(
                Api::Cl2c,
                conflicting.id,
                0,
                json!({"firstName": "Mallory"}),
            ),
            pending(Api::Cl2c, unreadable.id, 1, json!({"firstName": "Eve"})),
            pending(Api::Exante, good.id, 0, json!({"firstname": "Ada"})),
        ];
        commit_batch(&mut *store.write()?, &batch);
        let outcomes: Vec<String> = batch
            .iter()
            .map(|save| match save.outcome.lock().map(|mut o| o.take()) {
                Ok(Some(Ok(saved))) => format!("saved {}", saved.sequence),
                Ok(Some(Err(StoreError::NotFound(_)))) => "not found".into(),
                Ok(Some(Err(StoreError::Conflict))) => "conflict".into(),
                Ok(Some(Err(StoreError::Backend(_)))) => "backend".into(),
                other => format!("unexpected {:?}", other.map(|o| o.is_some())),
            })
            .collect();
        assert_eq!(
            outcomes,
            ["not found", "saved 1", "conflict", "backend", "saved 1"]
        );
        assert_eq!(
            store.profile(Api::Cl2c, good.id)?.document,
            json!({"firstName": "Ada"})
        );
        assert_eq!(store.profile(Api::Exante, good.id)?.sequence, 1);
        assert_eq!(
            store.profile(Api::Cl2c, conflicting.id)?.document,
            json!({"firstName": "Bob"})
        );
        Ok(())
    }

    /// What the durability promise rests on: a WAL journal synced at every
    /// commit (`synchronous = FULL` is 2). `kill -9` alone cannot tell FULL
    /// from NORMAL, since the OS keeps what a killed process wrote.
    #[test]
    fn a_file_database_syncs_its_wal_at_every_commit() -> Result<(), StoreError> {
        let dir = std::env::temp_dir().join(format!("sqlite-pragmas-{}", Uuid::new_v4()));
        let store = SqliteStore::open(&dir.join("db.sqlite"))?;
        let (journal, synchronous): (String, i64) = {
            let writer = store.write()?;
            let journal = writer
                .query_row("PRAGMA journal_mode", [], |row| row.get(0))
                .map_err(backend)?;
            let synchronous = writer
                .query_row("PRAGMA synchronous", [], |row| row.get(0))
                .map_err(backend)?;
            (journal, synchronous)
        };
        drop(store);
        let _ = std::fs::remove_dir_all(dir);
        assert_eq!((journal.as_str(), synchronous), ("wal", 2));
        Ok(())
    }

    /// Set for the child process of the kill -9 test: its database.
    const KILL_CHILD_DB: &str = "PROFILE_STORE_KILL_CHILD_DB";
    const KILL_CHILD_TEST: &str = "storage::sqlite::tests::kill_child_saves_until_killed";
    const KILL_CHILD_USERS: usize = 8;

    /// The child half of [`an_acknowledged_save_survives_kill_9`]; does
    /// nothing when run on its own. Saves from several threads at once (so
    /// that saves are group-committed) and prints each acknowledged save.
    #[test]
    fn kill_child_saves_until_killed() -> Result<(), StoreError> {
        use std::io::Write;
        let Some(path) = std::env::var_os(KILL_CHILD_DB) else {
            return Ok(());
        };
        let store = Arc::new(SqliteStore::open(Path::new(&path))?);
        let threads: Vec<_> = (0..KILL_CHILD_USERS)
            .map(|i| {
                let store = Arc::clone(&store);
                std::thread::spawn(move || -> Result<(), StoreError> {
                    let user = store
                        .user_id_by_name(&format!("u{i}"))?
                        .ok_or_else(|| backend("no user"))?;
                    for n in 0u64.. {
                        store.save_profile(Api::Zitadel, user, n, &json!({ "n": n }))?;
                        let mut out = std::io::stdout().lock();
                        let _ = writeln!(out, "acked {i} {n}");
                        let _ = out.flush();
                    }
                    Ok(())
                })
            })
            .collect();
        for thread in threads {
            let _ = thread.join();
        }
        Ok(())
    }

    #[test]
    fn an_acknowledged_save_survives_kill_9() -> Result<(), StoreError> {
        use std::io::{BufRead, BufReader, Read};
        let dir = std::env::temp_dir().join(format!("profile-store-{}", Uuid::new_v4()));
        let path = dir.join("db.sqlite");
        let users = {
            let store = SqliteStore::open(&path)?;
            (0..KILL_CHILD_USERS)
                .map(|i| store.create_user(&format!("u{i}"), "u@example.com", true))
                .collect::<Result<Vec<_>, _>>()?
        };
        let exe = std::env::current_exe().map_err(backend)?;
        let mut child = std::process::Command::new(exe)
            .args([
                KILL_CHILD_TEST,
                "--exact",
                "--nocapture",
                "--test-threads=1",
            ])
            .env(KILL_CHILD_DB, &path)
            .stdout(std::process::Stdio::piped())
            .spawn()
            .map_err(backend)?;
        let stdout = child.stdout.take().ok_or_else(|| backend("no stdout"))?;
        let mut reader = BufReader::new(stdout);
        let mut acked = vec![None::<u64>; KILL_CHILD_USERS];
        let mut record = |line: &str| {
            let mut words = line.split_whitespace();
            if let (Some("acked"), Some(Ok(i)), Some(Ok(n))) = (
                words.next(),
                words.next().map(str::parse::<usize>),
                words.next().map(str::parse::<u64>),
            ) && i < KILL_CHILD_USERS
            {
                acked[i] = acked[i].max(Some(n));
            }
        };
        let mut seen = 0;
        let mut line = String::new();
        while seen < 300 {
            line.clear();
            if reader.read_line(&mut line).map_err(backend)? == 0 {
                break;
            }
            if line.starts_with("acked ") {
                seen += 1;
            }
            record(line.as_str());
        }
        // SIGKILL: no destructor, no clean close of the database.
        child.kill().map_err(backend)?;
        let _ = child.wait();
        // Acknowledgements already in the pipe count too.
        let mut rest = String::new();
        let _ = reader.read_to_string(&mut rest);
        rest.lines().for_each(&mut record);
        assert!(seen >= 300, "the child acknowledged only {seen} saves");
        let store = SqliteStore::open(&path)?;
        for (user, acked) in users.iter().zip(acked) {
            let Some(acked) = acked else { continue };
            let profile = store.profile(Api::Zitadel, user.id)?;
            // Save n was made at sequence n and stored sequence n + 1; one
            // more may have committed unacknowledged before the kill.
            assert!(
                profile.sequence > acked,
                "{}: acknowledged save {acked} lost (sequence {})",
                user.username,
                profile.sequence
            );
        }
        drop(store);
        let _ = std::fs::remove_dir_all(dir);
        Ok(())
    }
}
