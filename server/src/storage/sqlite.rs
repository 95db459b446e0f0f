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
//! its cost, one fsync per commit, is shared by group commit: the writer
//! thread applies every change waiting for it in one transaction (see
//! [`SqliteStore`]); no change is answered before its transaction is synced.
//!
//! The schema is created and migrated on open (`PRAGMA user_version`).

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::Path;
use std::sync::mpsc::{Receiver, SyncSender, TrySendError, sync_channel};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;

use chrono::{DateTime, SecondsFormat, Utc};
use rusqlite::config::DbConfig;
use rusqlite::{Connection, OptionalExtension, TransactionBehavior, params};
use serde_json::Value;
use uuid::Uuid;

use super::writer_metrics::WriterMetrics;
use super::{
    Api, Applied, Credential, Current, Organisation, Pending, Profile, ProfileChange, Reads, Store,
    StoreError, Team, User,
};

mod writer_cache;

use writer_cache::WriterCache;

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

/// How many read-only connections (each on a thread of its own) a file
/// database gets. Reads are short (one indexed lookup); a few connections
/// keep them from queueing behind each other, and none of them waits for a
/// commit.
const READERS: usize = 4;

/// How many reads may wait for a reader thread. Beyond it a read is
/// answered [`StoreError::Busy`] at once, as a change is beyond
/// [`QUEUE_CAPACITY`]. Reads are rare on the request path (a credential
/// once per [`crate::auth::CREDENTIAL_TTL`] per token), so a full queue
/// means the readers are stuck, not busy.
const READ_QUEUE_CAPACITY: usize = 1024;

/// How many changes and jobs may wait for the writer (besides the up to
/// `BATCH_MAX` it has taken into the batch it is applying; command-line
/// jobs share the queue and wait for room). Beyond it a change is refused
/// at once ([`StoreError::Busy`], a 503) rather than queued: a backlog the
/// writer cannot clear only adds latency to every request behind it. At
/// the measured rate of a few thousand commits a second with dozens of
/// changes each, 1,024 waiting changes are well under a second of work.
pub const QUEUE_CAPACITY: usize = 1024;

/// The most changes applied in one transaction; what is left waits for the
/// next one. It bounds how long one commit holds the changes at its front.
const BATCH_MAX: usize = 256;

/// A SQLite database file (or a private in-memory one, for tests).
///
/// Concurrency: one writer thread owns the only connection that writes
/// (SQLite allows one writer at a time anyway) and, for a file database,
/// `READERS` reader threads, each with a read-only connection, serve reads
/// from one queue. WAL lets the readers read the last committed state while
/// the writer writes and syncs, so reads (credential checks) never wait for
/// a commit. Every call is handed to one of these threads and answered
/// through a oneshot channel, so no call blocks the async worker that
/// awaits it.
///
/// Profile changes ([`Store::apply`]) go to the writer through a bounded
/// queue, without blocking the caller, and each is answered directly (a
/// oneshot channel) once the transaction holding it is synced. The writer
/// takes every change waiting for it into one transaction, so changes that
/// arrive while it syncs share the next sync (group commit); one change's
/// failure undoes that change alone (see `commit_changes`).
/// Other writes (users, credentials: the command line's) run on the same
/// thread, between transactions.
pub struct SqliteStore {
    /// The writer's queue. `None` only while the store is being dropped.
    jobs: Option<SyncSender<Job>>,
    writer: Option<JoinHandle<()>>,
    /// The reader threads' queue. `None` for an in-memory database, whose
    /// reads run on the writer (every connection to `:memory:` is a
    /// database of its own), and while the store is being dropped.
    reads: Option<SyncSender<Read>>,
    readers: Vec<JoinHandle<()>>,
    /// The writer's queue, batches and commits, for `/metrics`.
    metrics: WriterMetrics,
}

/// A read, run on a reader thread's connection.
type Read = Box<dyn FnOnce(&Connection) + Send>;

/// What the writer thread is asked to do.
enum Job {
    /// A profile change, group-committed with the others waiting.
    Change(QueuedChange),
    /// Anything else that needs the write connection, run on its own
    /// between transactions.
    Run(Box<dyn FnOnce(&mut Connection) + Send>),
}

/// A change waiting for the writer, with where to send its answer.
struct QueuedChange {
    change: ProfileChange,
    reply: tokio::sync::oneshot::Sender<Result<Applied, StoreError>>,
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
        Self::open_with_queue(path, QUEUE_CAPACITY)
    }

    /// [`open`](Self::open) with a writer queue of `capacity` changes (at
    /// least 1): how many may wait before the store answers
    /// [`StoreError::Busy`].
    pub fn open_with_queue(path: &Path, capacity: usize) -> Result<Self, StoreError> {
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir)
                .map_err(|e| backend(format!("cannot create {}: {e}", dir.display())))?;
        }
        let open = || {
            Connection::open(path)
                .map_err(|e| backend(format!("cannot open {}: {e}", path.display())))
        };
        let mut writer = open()?;
        prepare_writer(&mut writer)?;
        // Opened after the writer is ready, so the schema and the WAL mode
        // are in place.
        let mut readers = Vec::with_capacity(READERS);
        for _ in 0..READERS {
            let reader = open()?;
            stable_plans(&reader)?;
            reader
                .execute_batch(
                    "PRAGMA query_only = ON;
                     PRAGMA busy_timeout = 5000;",
                )
                .map_err(backend)?;
            readers.push(reader);
        }
        Self::start(writer, readers, capacity)
    }

    /// A private in-memory database, for tests.
    pub fn in_memory() -> Result<Self, StoreError> {
        let mut writer = Connection::open_in_memory().map_err(backend)?;
        prepare_writer(&mut writer)?;
        Self::start(writer, Vec::new(), QUEUE_CAPACITY)
    }

    fn start(
        writer: Connection,
        readers: Vec<Connection>,
        capacity: usize,
    ) -> Result<Self, StoreError> {
        let (jobs, queue) = sync_channel(capacity.max(1));
        let metrics = WriterMetrics::default();
        let writer_metrics = metrics.clone();
        let writer = std::thread::Builder::new()
            .name("sqlite-writer".into())
            .spawn(move || run_writer(writer, &queue, &writer_metrics))
            .map_err(|e| backend(format!("cannot start the writer thread: {e}")))?;
        let mut store = SqliteStore {
            jobs: Some(jobs),
            writer: Some(writer),
            reads: None,
            readers: Vec::new(),
            metrics,
        };
        if readers.is_empty() {
            return Ok(store);
        }
        let (reads, queue) = sync_channel(READ_QUEUE_CAPACITY);
        let queue = Arc::new(Mutex::new(queue));
        store.reads = Some(reads);
        for connection in readers {
            let queue = Arc::clone(&queue);
            let reader = std::thread::Builder::new()
                .name("sqlite-reader".into())
                .spawn(move || run_reader(&connection, &queue))
                .map_err(|e| backend(format!("cannot start a reader thread: {e}")))?;
            store.readers.push(reader);
        }
        Ok(store)
    }

    /// Runs `operation` on the writer thread, outside any transaction of
    /// the group commit (the command line's writes, and reads of an
    /// in-memory database), and awaits its answer.
    async fn on_writer<T: Send + 'static>(
        &self,
        operation: impl FnOnce(&mut Connection) -> Result<T, StoreError> + Send + 'static,
    ) -> Result<T, StoreError> {
        // The writer would wait for itself: a change (which runs on the
        // writer) must not call the store, and this says so instead of
        // hanging every request for good.
        let on_writer_thread = self
            .writer
            .as_ref()
            .is_some_and(|writer| writer.thread().id() == std::thread::current().id());
        if on_writer_thread {
            return Err(backend(
                "the store was called from inside a change, on its own writer thread",
            ));
        }
        let (reply, answer) = tokio::sync::oneshot::channel();
        let job = Job::Run(Box::new(move |connection| {
            let _ = reply.send(operation(connection));
        }));
        let jobs = self.jobs.as_ref().ok_or_else(writer_stopped)?;
        match jobs.try_send(job) {
            Ok(()) => {}
            // Changes fill the queue: this job waits for room, as it did
            // when the command line called the store synchronously, but on
            // a thread of its own, so that the caller's async worker is not
            // blocked. (Rare: only setup and the command line get here.)
            Err(TrySendError::Full(job)) => {
                let jobs = jobs.clone();
                std::thread::Builder::new()
                    .name("sqlite-job".into())
                    .spawn(move || {
                        let _ = jobs.send(job);
                    })
                    .map_err(|e| backend(format!("cannot queue a job for the writer: {e}")))?;
            }
            Err(TrySendError::Disconnected(_)) => return Err(writer_stopped()),
        }
        answer.await.map_err(|_| writer_stopped())?
    }

    /// Runs `read` on a reader thread (on the writer thread for an
    /// in-memory database) and awaits its answer.
    async fn read<T: Send + 'static>(
        &self,
        read: impl FnOnce(&Connection) -> Result<T, StoreError> + Send + 'static,
    ) -> Result<T, StoreError> {
        let Some(reads) = &self.reads else {
            return self.on_writer(move |connection| read(connection)).await;
        };
        let (reply, answer) = tokio::sync::oneshot::channel();
        let job: Read = Box::new(move |connection| {
            let _ = reply.send(read(connection));
        });
        match reads.try_send(job) {
            Ok(()) => {}
            Err(TrySendError::Full(_)) => return Err(StoreError::Busy),
            Err(TrySendError::Disconnected(_)) => return Err(readers_stopped()),
        }
        answer.await.map_err(|_| readers_stopped())?
    }
}

impl Drop for SqliteStore {
    /// Closing the queue ends the writer once it has applied every change
    /// already queued; waiting for it means a store that was dropped has
    /// answered every change it took.
    fn drop(&mut self) {
        drop(self.reads.take());
        for reader in self.readers.drain(..) {
            // A read cannot hold the store (reads are the store's own
            // closures), so this never waits for itself.
            if reader.thread().id() != std::thread::current().id() {
                let _ = reader.join();
            }
        }
        drop(self.jobs.take());
        if let Some(writer) = self.writer.take() {
            // Dropped on the writer itself (a change held the last
            // reference): the thread ends on its own once the queue is
            // drained; joining it here would wait for itself.
            if writer.thread().id() != std::thread::current().id() {
                let _ = writer.join();
            }
        }
    }
}

/// `SQLITE_BUSY` (another process kept the write lock past the busy
/// timeout) is [`StoreError::Busy`], a 503; anything else is a backend
/// failure.
fn busy_or_backend(e: rusqlite::Error) -> StoreError {
    match e.sqlite_error_code() {
        Some(rusqlite::ErrorCode::DatabaseBusy) => StoreError::Busy,
        _ => backend(e),
    }
}

fn writer_stopped() -> StoreError {
    backend("the storage writer stopped or failed before answering")
}

fn readers_stopped() -> StoreError {
    backend("the storage read stopped or failed before answering")
}

/// A reader thread: takes reads from the shared queue, one at a time, until
/// the store is dropped. A read that panics fails alone (its caller gets an
/// error as its reply channel is dropped); the thread goes on.
fn run_reader(connection: &Connection, queue: &Mutex<Receiver<Read>>) {
    loop {
        // The lock is held while waiting, so one idle reader waits on the
        // queue and the others on the lock; each read is taken by one.
        let next = match queue.lock() {
            Ok(queue) => queue.recv(),
            Err(_) => return,
        };
        let Ok(read) = next else { return };
        let _ = catch_unwind(AssertUnwindSafe(|| read(connection)));
    }
}

/// Sets up the connection that writes: durability settings, then the
/// schema's migrations.
fn prepare_writer(connection: &mut Connection) -> Result<(), StoreError> {
    stable_plans(connection)?;
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
    migrate(connection)
}

fn migrate(connection: &mut Connection) -> Result<(), StoreError> {
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
    Ok(())
}

/// The writer thread: waits for work, then takes every change waiting (up
/// to [`BATCH_MAX`]) into one transaction, and runs other jobs between
/// transactions, in the order they were queued. Ends when the store is
/// dropped, after the last queued job.
///
/// Every other request needs this thread, so a panic in one batch (a bug:
/// a change's own panic is caught in [`apply_one`]) must not end it: the
/// batch's open transaction is rolled back as it unwinds, its callers get
/// an error (their reply channels are dropped), and the thread goes on.
fn run_writer(mut connection: Connection, queue: &Receiver<Job>, metrics: &WriterMetrics) {
    let mut batch = Vec::with_capacity(BATCH_MAX);
    let mut cache = WriterCache::default();
    while let Ok(first) = queue.recv() {
        let mut next = Some(first);
        while let Some(job) = next {
            match job {
                Job::Change(change) => {
                    metrics.taken();
                    batch.push(change);
                    if batch.len() == BATCH_MAX {
                        commit_guarded(&mut connection, &mut cache, &mut batch, metrics);
                    }
                }
                Job::Run(operation) => {
                    commit_guarded(&mut connection, &mut cache, &mut batch, metrics);
                    // A job may change anything the writer knows
                    // (`remove_user`, `add_member`, ...).
                    cache.forget();
                    let _ = catch_unwind(AssertUnwindSafe(|| operation(&mut connection)));
                }
            }
            next = queue.try_recv().ok();
        }
        commit_guarded(&mut connection, &mut cache, &mut batch, metrics);
    }
}

/// [`commit_changes`], surviving a panic (see [`run_writer`]), measured.
fn commit_guarded(
    connection: &mut Connection,
    cache: &mut WriterCache,
    batch: &mut Vec<QueuedChange>,
    metrics: &WriterMetrics,
) {
    let (changes, started) = (batch.len(), std::time::Instant::now());
    if catch_unwind(AssertUnwindSafe(|| {
        commit_changes(connection, cache, batch)
    }))
    .is_err()
    {
        batch.clear();
        cache.forget();
    }
    if changes > 0 {
        metrics.committed(changes, started.elapsed());
    }
}

/// Applies `batch` in one transaction, so one WAL sync covers every change
/// in it, and then answers each. Whatever makes one change fail (its own
/// refusal, a missing user, a row it cannot read) undoes that change alone,
/// and the others are committed: a change writes at most one statement, the
/// last thing it does, and SQLite undoes a failed statement by itself (its
/// default ABORT conflict resolution) while the transaction goes on, so no
/// savepoint per change is needed. (Should a change ever write twice, give
/// it a savepoint.) Only a failure of the transaction itself (BEGIN,
/// COMMIT, an error after which SQLite rolled the transaction back) fails
/// the whole batch, and then none of it is stored.
/// Nothing is answered before the commit, so no caller sees a state that
/// may yet be rolled back.
fn commit_changes(
    connection: &mut Connection,
    cache: &mut WriterCache,
    batch: &mut Vec<QueuedChange>,
) {
    if batch.is_empty() {
        return;
    }
    let changes = std::mem::take(batch);
    let (changes, replies): (Vec<_>, Vec<_>) =
        changes.into_iter().map(|q| (q.change, q.reply)).unzip();
    let outcome = apply_all(connection, cache, changes);
    if outcome.is_err() {
        // Nothing of the batch was stored, but the cache kept its writes.
        cache.forget();
    }
    match outcome {
        Ok(outcomes) => {
            for (reply, outcome) in replies.into_iter().zip(outcomes) {
                let _ = reply.send(outcome);
            }
        }
        // Another process held the database's write lock past the busy
        // timeout: nothing was stored, and the same request may be retried.
        Err(StoreError::Busy) => {
            for reply in replies {
                let _ = reply.send(Err(StoreError::Busy));
            }
        }
        Err(e) => {
            let why = format!("group commit of {} changes: {e}", replies.len());
            for reply in replies {
                let _ = reply.send(Err(StoreError::Backend(why.clone())));
            }
        }
    }
}

fn apply_all(
    connection: &mut Connection,
    cache: &mut WriterCache,
    changes: Vec<ProfileChange>,
) -> Result<Vec<Result<Applied, StoreError>>, StoreError> {
    // IMMEDIATE takes the write lock up front, so no other process's
    // writer can interleave with the reads and writes below.
    let tx = connection
        .transaction_with_behavior(TransactionBehavior::Immediate)
        .map_err(busy_or_backend)?;
    // Under that lock: has another connection written since the last batch?
    cache.check(&tx)?;
    let mut outcomes = Vec::with_capacity(changes.len());
    for change in changes {
        outcomes.push(apply_one(&tx, cache, change));
        // A failure that ended the transaction (SQLite rolls back on some
        // errors: a full disk, an I/O error) must not let later changes
        // commit one by one, outside it.
        if tx.is_autocommit() {
            return Err(backend("the transaction was rolled back"));
        }
    }
    // With `synchronous = FULL` this returns once the WAL is synced.
    tx.commit().map_err(busy_or_backend)?;
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

/// One change, inside the batch's transaction: read what it is decided on
/// (from the writer's cache when it is kept there), run it,
/// store its result.
fn apply_one(
    connection: &Connection,
    cache: &mut WriterCache,
    change: ProfileChange,
) -> Result<Applied, StoreError> {
    let ProfileChange {
        api,
        user,
        reads: Reads {
            account,
            organisations,
            teams,
        },
        change,
    } = change;
    let profile = match cache.profile(api, user) {
        Some(kept) => kept.clone(),
        None => read_profile(connection, api, user)?,
    };
    let account = if account {
        Some(match cache.account(user) {
            Some(kept) => kept.clone(),
            None => {
                let read = read_user(connection, user)?
                    .ok_or_else(|| StoreError::NotFound(format!("user {user}")))?;
                cache.keep_account(read.clone());
                read
            }
        })
    } else {
        None
    };
    let organisations = if organisations {
        match cache.organisations(user) {
            Some(kept) => kept.to_vec(),
            None => {
                let read = read_organisations(connection, user)?;
                cache.keep_organisations(user, read.clone());
                read
            }
        }
    } else {
        Vec::new()
    };
    let teams = if teams {
        match cache.teams(user) {
            Some(kept) => kept.to_vec(),
            None => {
                let read = read_teams(connection, user)?;
                cache.keep_teams(user, read.clone());
                read
            }
        }
    } else {
        Vec::new()
    };
    let current = Current {
        profile: &profile,
        account: account.as_ref(),
        organisations: &organisations,
        teams: &teams,
    };
    // A change that panics fails alone, like one that returns an error; the
    // writer thread, which every other change needs, carries on.
    let decided = catch_unwind(AssertUnwindSafe(|| change(&current)))
        .map_err(|_| backend("the change panicked"))??;
    let (profile, saved) = match decided {
        None => (profile, false),
        Some(document) => {
            let written = write_profile(connection, api, user, &profile, document)?;
            cache.keep_profile(api, user, written.clone());
            (written, true)
        }
    };
    Ok(Applied {
        profile,
        saved,
        account,
        organisations,
        teams,
    })
}

/// Stores `document` as the profile after `current`, one sequence later.
fn write_profile(
    connection: &Connection,
    api: Api,
    user: Uuid,
    current: &Profile,
    document: Value,
) -> Result<Profile, StoreError> {
    let text = serde_json::to_string(&document).map_err(backend)?;
    let changed_at = now();
    let sequence = current.sequence + 1;
    connection
        .prepare_cached(
            "INSERT INTO profiles (api, user_id, document, sequence, created_at, changed_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)
             ON CONFLICT (api, user_id) DO UPDATE SET
                 document = excluded.document, sequence = excluded.sequence, changed_at = excluded.changed_at",
        )
        .map_err(backend)?
        .execute(params![
            api.name(),
            user.to_string(),
            text,
            i64::try_from(sequence).map_err(backend)?,
            timestamp(current.created_at),
            timestamp(changed_at)
        ])
        .map_err(|e| match &e {
            rusqlite::Error::SqliteFailure(f, _)
                if f.extended_code == rusqlite::ffi::SQLITE_CONSTRAINT_FOREIGNKEY =>
            {
                StoreError::NotFound(format!("user {user}"))
            }
            _ => backend(e),
        })?;
    Ok(Profile {
        document,
        sequence,
        created_at: current.created_at,
        changed_at,
    })
}

/// The stored profile, or a fresh one (sequence 0, created now).
fn read_profile(connection: &Connection, api: Api, user: Uuid) -> Result<Profile, StoreError> {
    let found = connection
        .prepare_cached(
            "SELECT document, sequence, created_at, changed_at FROM profiles WHERE api = ?1 AND user_id = ?2",
        )
        .map_err(backend)?
        .query_row(params![api.name(), user.to_string()], |row| {
            Ok((
                row.get::<_, String>(0)?,
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

fn read_user(connection: &Connection, id: Uuid) -> Result<Option<User>, StoreError> {
    connection
        .prepare_cached(
            "SELECT id, username, email, email_confirmed, created_at FROM users WHERE id = ?1",
        )
        .map_err(backend)?
        .query_row([id.to_string()], user_from_row)
        .optional()
        .map_err(backend)
}

fn read_organisations(
    connection: &Connection,
    user: Uuid,
) -> Result<Vec<Organisation>, StoreError> {
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

fn read_teams(connection: &Connection, user: Uuid) -> Result<Vec<Team>, StoreError> {
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

#[async_trait::async_trait]
impl Store for SqliteStore {
    async fn create_user(
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
        let row = user.clone();
        self.on_writer(move |connection| {
            connection
                .execute(
                    "INSERT INTO users (id, username, email, email_confirmed, created_at) VALUES (?1, ?2, ?3, ?4, ?5)",
                    params![row.id.to_string(), row.username, row.email, row.email_confirmed, timestamp(row.created_at)],
                )
                .map_err(|e| {
                    if unique_violation(&e) {
                        StoreError::Duplicate(format!("username {}", row.username))
                    } else {
                        backend(e)
                    }
                })
        }).await?;
        Ok(user)
    }

    async fn user(&self, id: Uuid) -> Result<Option<User>, StoreError> {
        self.read(move |connection| read_user(connection, id)).await
    }

    async fn user_id_by_name(&self, username: &str) -> Result<Option<Uuid>, StoreError> {
        let username = username.to_string();
        let id: Option<String> = self
            .read(move |connection| {
                connection
                    .query_row(
                        "SELECT id FROM users WHERE username = ?1",
                        [username],
                        |row| row.get(0),
                    )
                    .optional()
                    .map_err(backend)
            })
            .await?;
        id.map(|id| Uuid::parse_str(&id).map_err(backend))
            .transpose()
    }

    async fn user_count(&self) -> Result<u64, StoreError> {
        let count: i64 = self
            .read(|connection| {
                connection
                    .query_row("SELECT COUNT(*) FROM users", [], |row| row.get(0))
                    .map_err(backend)
            })
            .await?;
        u64::try_from(count).map_err(backend)
    }

    async fn create_organisation(
        &self,
        name: &str,
        slug: &str,
    ) -> Result<Organisation, StoreError> {
        let organisation = Organisation {
            id: Uuid::new_v4(),
            name: name.to_string(),
            slug: slug.to_string(),
            created_at: now(),
        };
        let row = organisation.clone();
        self.on_writer(move |connection| {
            connection
                .execute(
                    "INSERT INTO organisations (id, name, slug, created_at) VALUES (?1, ?2, ?3, ?4)",
                    params![row.id.to_string(), row.name, row.slug, timestamp(row.created_at)],
                )
                .map_err(|e| {
                    if unique_violation(&e) {
                        StoreError::Duplicate(format!("organisation slug {}", row.slug))
                    } else {
                        backend(e)
                    }
                })
        }).await?;
        Ok(organisation)
    }

    async fn add_member(&self, organisation: Uuid, user: Uuid) -> Result<(), StoreError> {
        self.on_writer(move |connection| {
            connection
                .execute(
                    "INSERT OR IGNORE INTO memberships (organisation_id, user_id) VALUES (?1, ?2)",
                    params![organisation.to_string(), user.to_string()],
                )
                .map(drop)
                .map_err(backend)
        })
        .await
    }

    async fn organisations_of(&self, user: Uuid) -> Result<Vec<Organisation>, StoreError> {
        self.read(move |connection| read_organisations(connection, user))
            .await
    }

    async fn create_team(&self, organisation: Uuid, name: &str) -> Result<Team, StoreError> {
        let team = Team {
            id: Uuid::new_v4(),
            organisation_id: organisation,
            name: name.to_string(),
        };
        let row = team.clone();
        self.on_writer(move |connection| {
            connection
                .execute(
                    "INSERT INTO teams (id, organisation_id, name) VALUES (?1, ?2, ?3)",
                    params![
                        row.id.to_string(),
                        row.organisation_id.to_string(),
                        row.name
                    ],
                )
                .map(drop)
                .map_err(backend)
        })
        .await?;
        Ok(team)
    }

    async fn add_team_member(&self, team: Uuid, user: Uuid) -> Result<(), StoreError> {
        self.on_writer(move |connection| {
            connection
                .execute(
                    "INSERT OR IGNORE INTO team_members (team_id, user_id) VALUES (?1, ?2)",
                    params![team.to_string(), user.to_string()],
                )
                .map(drop)
                .map_err(backend)
        })
        .await
    }

    async fn teams_of(&self, user: Uuid) -> Result<Vec<Team>, StoreError> {
        self.read(move |connection| read_teams(connection, user))
            .await
    }

    async fn add_credential(&self, credential: &Credential) -> Result<(), StoreError> {
        let row = credential.clone();
        self.on_writer(move |connection| {
            connection
                .execute(
                    "INSERT INTO credentials (api, key_id, user_id, tenant, secret_sha256) VALUES (?1, ?2, ?3, ?4, ?5)",
                    params![
                        row.api.name(),
                        row.key_id,
                        row.user_id.to_string(),
                        row.tenant,
                        row.secret_sha256.as_slice()
                    ],
                )
                .map(drop)
                .map_err(|e| {
                    if unique_violation(&e) {
                        StoreError::Duplicate(format!("credential {}", row.key_id))
                    } else {
                        backend(e)
                    }
                })
        }).await
    }

    async fn credential(&self, api: Api, key_id: &str) -> Result<Option<Credential>, StoreError> {
        let key_id = key_id.to_string();
        self.read(move |connection| {
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
                        key_id: key_id.clone(),
                        api,
                        user_id: parse_uuid(&row.get::<_, String>(0)?)?,
                        tenant: row.get(1)?,
                        secret_sha256,
                    })
                })
                .optional()
                .map_err(backend)
        }).await
    }

    async fn revoke_credential(&self, key_id: &str) -> Result<u64, StoreError> {
        let key_id = key_id.to_string();
        self.on_writer(move |connection| {
            let removed = connection
                .execute("DELETE FROM credentials WHERE key_id = ?1", [key_id])
                .map_err(backend)?;
            u64::try_from(removed).map_err(backend)
        })
        .await
    }

    async fn remove_user(&self, username: &str) -> Result<(), StoreError> {
        let username = username.to_string();
        self.on_writer(move |connection| {
            let tx = connection.transaction().map_err(backend)?;
            let id: Option<String> = tx
                .query_row(
                    "SELECT id FROM users WHERE username = ?1",
                    [&username],
                    |row| row.get(0),
                )
                .optional()
                .map_err(backend)?;
            let id = id.ok_or_else(|| StoreError::NotFound(format!("user {username}")))?;
            // Everything that references the user first (the foreign keys
            // have no ON DELETE CASCADE in this schema).
            for table in ["credentials", "profiles", "memberships", "team_members"] {
                tx.execute(&format!("DELETE FROM {table} WHERE user_id = ?1"), [&id])
                    .map_err(backend)?;
            }
            tx.execute("DELETE FROM users WHERE id = ?1", [&id])
                .map_err(backend)?;
            tx.commit().map_err(backend)
        })
        .await
    }

    async fn profile(&self, api: Api, user: Uuid) -> Result<Profile, StoreError> {
        self.read(move |connection| read_profile(connection, api, user))
            .await
    }

    fn apply(&self, change: ProfileChange) -> Pending<Applied> {
        let (reply, answer) = tokio::sync::oneshot::channel();
        let Some(jobs) = &self.jobs else {
            return Box::pin(std::future::ready(Err(writer_stopped())));
        };
        // Counted before it is sent, so that the writer's count of what it
        // took never runs ahead of it; taken back if it was not queued.
        self.metrics.queued();
        let queued = jobs.try_send(Job::Change(QueuedChange { change, reply }));
        if queued.is_err() {
            self.metrics.taken();
        }
        match queued {
            Ok(()) => Box::pin(async move { answer.await.map_err(|_| writer_stopped())? }),
            Err(TrySendError::Full(_)) => Box::pin(std::future::ready(Err(StoreError::Busy))),
            Err(TrySendError::Disconnected(_)) => {
                Box::pin(std::future::ready(Err(writer_stopped())))
            }
        }
    }

    fn register_metrics(&self, registry: &mut prometheus_client::registry::Registry) {
        self.metrics.register(registry);
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;
    use std::sync::mpsc::channel;

    use serde_json::json;

    use super::*;
    use crate::storage::contract::{change, put};

    fn temp_dir(label: &str) -> std::path::PathBuf {
        std::env::temp_dir().join(format!("profile-store-{label}-{}", Uuid::new_v4()))
    }

    /// A file database in its own temporary directory, removed on drop.
    struct TempStore {
        store: Option<Arc<SqliteStore>>,
        dir: std::path::PathBuf,
    }

    impl TempStore {
        fn open(capacity: usize) -> Result<Self, StoreError> {
            let dir = temp_dir("file");
            let store = SqliteStore::open_with_queue(&dir.join("db.sqlite"), capacity)?;
            Ok(TempStore {
                store: Some(Arc::new(store)),
                dir,
            })
        }

        fn store(&self) -> Arc<SqliteStore> {
            self.store
                .clone()
                .unwrap_or_else(|| panic!("the store was dropped"))
        }
    }

    impl Drop for TempStore {
        fn drop(&mut self) {
            drop(self.store.take());
            let _ = std::fs::remove_dir_all(&self.dir);
        }
    }

    mod in_memory {
        crate::store_contract_tests!(std::sync::Arc::new(
            super::SqliteStore::in_memory().unwrap_or_else(|e| panic!("{e}"))
        ));
    }

    /// The same promises on a file database, where reads use the reader
    /// connections and every commit is synced.
    mod file {
        use std::sync::{LazyLock, Mutex};

        // Each test's directory, kept until the process ends (the store is
        // moved into the test, which cannot remove it afterwards).
        static DIRS: LazyLock<Mutex<Vec<super::TempStore>>> = LazyLock::new(Default::default);

        fn make() -> std::sync::Arc<super::SqliteStore> {
            let temp =
                super::TempStore::open(super::QUEUE_CAPACITY).unwrap_or_else(|e| panic!("{e}"));
            let store = temp.store();
            if let Ok(mut dirs) = DIRS.lock() {
                dirs.push(temp);
            }
            store
        }

        crate::store_contract_tests!(make());
    }

    /// Holds the writer thread inside a change until released, so that
    /// what is queued meanwhile is applied in one batch.
    struct HeldWriter {
        release: std::sync::mpsc::Sender<()>,
        held: Pending<Applied>,
    }

    fn hold_writer(store: &SqliteStore, user: Uuid) -> Result<HeldWriter, StoreError> {
        let (started, running) = channel();
        let (release, released) = channel::<()>();
        let held = store.apply(ProfileChange {
            api: Api::Ctechnology,
            user,
            reads: Reads::default(),
            change: Box::new(move |_| {
                let _ = started.send(());
                let _ = released.recv();
                Ok(None)
            }),
        });
        running
            .recv()
            .map_err(|_| backend("the holding change never ran"))?;
        Ok(HeldWriter { release, held })
    }

    #[tokio::test]
    async fn a_reopened_database_keeps_every_saved_update() -> Result<(), StoreError> {
        let dir = temp_dir("reopen");
        let path = dir.join("db.sqlite");
        let user_id = {
            let store = SqliteStore::open(&path)?;
            let user = store.create_user("ada", "ada@example.com", true).await?;
            put(&store, Api::Ctrlhub, user.id, json!({"a": 1})).await?;
            user.id
        };
        let store = SqliteStore::open(&path)?;
        assert_eq!(
            store.profile(Api::Ctrlhub, user_id).await?.document,
            json!({"a": 1})
        );
        drop(store);
        let _ = std::fs::remove_dir_all(dir);
        Ok(())
    }

    /// One group commit holding a change for a missing user, a refused
    /// change, a change whose stored row cannot be read, and two good
    /// changes: each failure stays with its own change, and the good ones
    /// are stored.
    #[tokio::test]
    async fn each_change_of_a_group_commit_fails_alone() -> Result<(), StoreError> {
        let temp = TempStore::open(QUEUE_CAPACITY)?;
        let store = temp.store();
        let good = store.create_user("ada", "ada@example.com", true).await?;
        let refused = store.create_user("bob", "bob@example.com", true).await?;
        let unreadable = store.create_user("eve", "eve@example.com", true).await?;
        let unreadable_id = unreadable.id.to_string();
        store
            .on_writer(move |connection| {
                connection
                .execute(
                    "INSERT INTO profiles VALUES ('cl2c', ?1, '{}', 1, 'not a time', 'not a time')",
                    params![unreadable_id],
                )
                .map(drop)
                .map_err(backend)
            })
            .await?;
        let held = hold_writer(&store, good.id)?;
        let outcomes = [
            put(
                &*store,
                Api::Cl2c,
                Uuid::new_v4(),
                json!({"firstName": "Nobody"}),
            ),
            put(&*store, Api::Cl2c, good.id, json!({"firstName": "Ada"})),
            change(&*store, Api::Cl2c, refused.id, |_| {
                Err(StoreError::Duplicate("refused".into()))
            }),
            put(
                &*store,
                Api::Cl2c,
                unreadable.id,
                json!({"firstName": "Eve"}),
            ),
            put(&*store, Api::Exante, good.id, json!({"firstname": "Ada"})),
        ];
        let _ = held.release.send(());
        held.held.await?;
        let mut described = Vec::new();
        for outcome in outcomes {
            described.push(match outcome.await {
                Ok(applied) => format!("saved {}", applied.profile.sequence),
                Err(StoreError::NotFound(_)) => "not found".into(),
                Err(StoreError::Duplicate(_)) => "refused".into(),
                Err(StoreError::Backend(_)) => "backend".into(),
                Err(StoreError::Busy) => "busy".into(),
            });
        }
        assert_eq!(
            described,
            ["not found", "saved 1", "refused", "backend", "saved 1"]
        );
        assert_eq!(
            store.profile(Api::Cl2c, good.id).await?.document,
            json!({"firstName": "Ada"})
        );
        assert_eq!(store.profile(Api::Exante, good.id).await?.sequence, 1);
        assert_eq!(store.profile(Api::Cl2c, refused.id).await?.sequence, 0);
        Ok(())
    }

    /// The writer keeps the profiles it wrote, but a change written by
    /// another connection to the same file (another process) in between is
    /// never missed: the next change is decided on it, not on the copy.
    #[tokio::test]
    async fn a_write_by_another_process_is_never_missed() -> Result<(), StoreError> {
        let temp = TempStore::open(QUEUE_CAPACITY)?;
        let store = temp.store();
        let other = SqliteStore::open(&temp.dir.join("db.sqlite"))?;
        let user = store.create_user("ada", "ada@example.com", true).await?;
        let add_one = |document: &Value| {
            let n = document.get("n").and_then(Value::as_u64).unwrap_or(0);
            Ok(Some(json!({ "n": n + 1 })))
        };
        for _ in 0..3 {
            change(&*store, Api::Exante, user.id, add_one).await?;
            change(&other, Api::Exante, user.id, add_one).await?;
        }
        let applied = change(&*store, Api::Exante, user.id, add_one).await?;
        assert_eq!(
            (applied.profile.sequence, applied.profile.document),
            (7, json!({"n": 7}))
        );
        Ok(())
    }

    /// A user removed between two changes (a job on the writer, which may
    /// change profiles) is not brought back by the kept copy.
    #[tokio::test]
    async fn a_removed_user_is_not_revived_by_the_writers_copy() -> Result<(), StoreError> {
        let temp = TempStore::open(QUEUE_CAPACITY)?;
        let store = temp.store();
        let user = store.create_user("ada", "ada@example.com", true).await?;
        put(&*store, Api::Zitadel, user.id, json!({"a": 1})).await?;
        store.remove_user("ada").await?;
        let gone = put(&*store, Api::Zitadel, user.id, json!({"a": 2})).await;
        assert!(matches!(gone, Err(StoreError::NotFound(_))), "{gone:?}");
        let again = store.create_user("ada", "ada@example.com", true).await?;
        let fresh = put(&*store, Api::Zitadel, again.id, json!({"b": 1})).await?;
        assert_eq!(fresh.profile.sequence, 1);
        Ok(())
    }

    /// A change that reads the account and memberships, as Ctrl-Hub's does.
    fn with_reads(store: &dyn Store, user: Uuid, n: u64) -> Pending<Applied> {
        store.apply(ProfileChange {
            api: Api::Ctrlhub,
            user,
            reads: Reads {
                account: true,
                organisations: true,
                teams: true,
            },
            change: Box::new(move |_| Ok(Some(json!({ "n": n })))),
        })
    }

    /// The writer keeps the memberships it read, but one added between two
    /// changes (a job on the writer) is seen by the next change.
    #[tokio::test]
    async fn a_membership_added_between_changes_is_seen_by_the_next() -> Result<(), StoreError> {
        let temp = TempStore::open(QUEUE_CAPACITY)?;
        let store = temp.store();
        let user = store.create_user("ada", "ada@example.com", true).await?;
        let before = with_reads(&*store, user.id, 1).await?;
        assert!(before.organisations.is_empty() && before.teams.is_empty());
        let organisation = store.create_organisation("Acme", "acme").await?;
        store.add_member(organisation.id, user.id).await?;
        let team = store.create_team(organisation.id, "Red").await?;
        store.add_team_member(team.id, user.id).await?;
        let after = with_reads(&*store, user.id, 2).await?;
        assert_eq!(after.organisations, vec![organisation]);
        assert_eq!(after.teams, vec![team]);
        assert_eq!(
            after.account.map(|a| a.email),
            Some("ada@example.com".into())
        );
        Ok(())
    }

    /// A membership another process adds to the same file between two
    /// changes is seen by the next change, not hidden by the writer's copy.
    #[tokio::test]
    async fn a_membership_added_by_another_process_is_never_missed() -> Result<(), StoreError> {
        let temp = TempStore::open(QUEUE_CAPACITY)?;
        let store = temp.store();
        let other = SqliteStore::open(&temp.dir.join("db.sqlite"))?;
        let user = store.create_user("ada", "ada@example.com", true).await?;
        let before = with_reads(&*store, user.id, 1).await?;
        assert!(before.organisations.is_empty());
        let organisation = other.create_organisation("Acme", "acme").await?;
        other.add_member(organisation.id, user.id).await?;
        let after = with_reads(&*store, user.id, 2).await?;
        assert_eq!(after.organisations, vec![organisation]);
        Ok(())
    }

    /// A full queue refuses at once (never blocks the caller, never grows),
    /// and takes changes again as soon as the writer has caught up.
    #[tokio::test]
    async fn a_full_queue_is_busy_and_recovers() -> Result<(), StoreError> {
        let temp = TempStore::open(2)?;
        let store = temp.store();
        let user = store.create_user("ada", "ada@example.com", true).await?;
        let held = hold_writer(&store, user.id)?;
        let queued = [
            put(&*store, Api::Zitadel, user.id, json!({"n": 1})),
            put(&*store, Api::Zitadel, user.id, json!({"n": 2})),
        ];
        let refused = put(&*store, Api::Zitadel, user.id, json!({"n": 3})).await;
        assert!(matches!(refused, Err(StoreError::Busy)), "{refused:?}");
        let _ = held.release.send(());
        held.held.await?;
        for outcome in queued {
            outcome.await?;
        }
        put(&*store, Api::Zitadel, user.id, json!({"n": 4})).await?;
        let stored = store.profile(Api::Zitadel, user.id).await?;
        assert_eq!((stored.sequence, stored.document), (3, json!({"n": 4})));
        Ok(())
    }

    /// Dropping the store answers every change it took before it closes.
    #[tokio::test]
    async fn a_dropped_store_answers_every_change_it_took() -> Result<(), StoreError> {
        let temp = TempStore::open(QUEUE_CAPACITY)?;
        let store = temp.store();
        let user = store.create_user("ada", "ada@example.com", true).await?;
        let pending: Vec<_> = (0..50)
            .map(|n| put(&*store, Api::Exante, user.id, json!({ "n": n })))
            .collect();
        drop(store);
        drop(temp);
        for outcome in pending {
            outcome.await?;
        }
        Ok(())
    }

    /// A change that calls the store gets an error instead of waiting for
    /// the writer it runs on, which would hang every later request.
    #[tokio::test]
    async fn a_change_that_calls_the_store_fails_instead_of_deadlocking() -> Result<(), StoreError>
    {
        let store = Arc::new(SqliteStore::in_memory()?);
        let user = store.create_user("ada", "ada@example.com", true).await?;
        let inner = Arc::clone(&store);
        let outcome = change(&*store, Api::Zitadel, user.id, move |_| {
            // A change is synchronous, so calling the async store from one
            // takes a runtime of its own to block on.
            let runtime = tokio::runtime::Builder::new_current_thread()
                .build()
                .map_err(backend)?;
            runtime.block_on(inner.user(user.id))?;
            Ok(Some(json!({"never": "stored"})))
        })
        .await;
        assert!(
            matches!(outcome, Err(StoreError::Backend(_))),
            "{outcome:?}"
        );
        put(&*store, Api::Zitadel, user.id, json!({"a": 1})).await?;
        assert_eq!(store.profile(Api::Zitadel, user.id).await?.sequence, 1);
        Ok(())
    }

    /// Another process holding the write lock past the busy timeout is a
    /// busy store (503, retry), not a server failure (500).
    #[test]
    fn sqlite_busy_is_a_busy_store() {
        let busy = rusqlite::Error::SqliteFailure(
            rusqlite::ffi::Error::new(rusqlite::ffi::SQLITE_BUSY),
            None,
        );
        assert!(matches!(busy_or_backend(busy), StoreError::Busy));
        let other = rusqlite::Error::SqliteFailure(
            rusqlite::ffi::Error::new(rusqlite::ffi::SQLITE_IOERR),
            None,
        );
        assert!(matches!(busy_or_backend(other), StoreError::Backend(_)));
    }

    /// A job that panics on the writer thread fails alone; the thread, which
    /// every later request needs, carries on.
    #[tokio::test]
    async fn the_writer_survives_a_panicking_job() -> Result<(), StoreError> {
        let store = SqliteStore::in_memory()?;
        let failed = store
            .on_writer(|_| -> Result<(), StoreError> { panic!("a bug") })
            .await;
        assert!(matches!(failed, Err(StoreError::Backend(_))));
        let user = store.create_user("ada", "ada@example.com", true).await?;
        put(&store, Api::Exante, user.id, json!({"a": 1})).await?;
        assert_eq!(store.profile(Api::Exante, user.id).await?.sequence, 1);
        Ok(())
    }

    /// What the durability promise rests on: a WAL journal synced at every
    /// commit (`synchronous = FULL` is 2). `kill -9` alone cannot tell FULL
    /// from NORMAL, since the OS keeps what a killed process wrote.
    #[tokio::test]
    async fn a_file_database_syncs_its_wal_at_every_commit() -> Result<(), StoreError> {
        let temp = TempStore::open(QUEUE_CAPACITY)?;
        let (journal, synchronous): (String, i64) = temp
            .store()
            .on_writer(|writer| {
                let journal = writer
                    .query_row("PRAGMA journal_mode", [], |row| row.get(0))
                    .map_err(backend)?;
                let synchronous = writer
                    .query_row("PRAGMA synchronous", [], |row| row.get(0))
                    .map_err(backend)?;
                Ok((journal, synchronous))
            })
            .await?;
        assert_eq!((journal.as_str(), synchronous), ("wal", 2));
        Ok(())
    }

    /// Set for the child process of the kill -9 test: its database.
    const KILL_CHILD_DB: &str = "PROFILE_STORE_KILL_CHILD_DB";
    const KILL_CHILD_TEST: &str = "storage::sqlite::tests::kill_child_saves_until_killed";
    const KILL_CHILD_USERS: usize = 8;

    /// The child half of [`an_acknowledged_save_survives_kill_9`]; does
    /// nothing when run on its own. Saves from several tasks at once (so
    /// that saves are group-committed) and prints each acknowledged save.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn kill_child_saves_until_killed() -> Result<(), StoreError> {
        use std::io::Write;
        let Some(path) = std::env::var_os(KILL_CHILD_DB) else {
            return Ok(());
        };
        let store = Arc::new(SqliteStore::open(Path::new(&path))?);
        let mut tasks = tokio::task::JoinSet::new();
        for i in 0..KILL_CHILD_USERS {
            let store = Arc::clone(&store);
            tasks.spawn(async move {
                let user = store
                    .user_id_by_name(&format!("u{i}"))
                    .await?
                    .ok_or_else(|| backend("no user"))?;
                for n in 0u64.. {
                    put(&*store, Api::Zitadel, user, json!({ "n": n })).await?;
                    let mut out = std::io::stdout().lock();
                    let _ = writeln!(out, "acked {i} {n}");
                    let _ = out.flush();
                }
                Ok::<_, StoreError>(())
            });
        }
        while tasks.join_next().await.is_some() {}
        Ok(())
    }

    #[tokio::test]
    async fn an_acknowledged_save_survives_kill_9() -> Result<(), StoreError> {
        use std::io::{BufRead, BufReader, Read};
        let dir = temp_dir("kill");
        let path = dir.join("db.sqlite");
        let users = {
            let store = SqliteStore::open(&path)?;
            let mut users = Vec::with_capacity(KILL_CHILD_USERS);
            for i in 0..KILL_CHILD_USERS {
                users.push(
                    store
                        .create_user(&format!("u{i}"), "u@example.com", true)
                        .await?,
                );
            }
            users
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
            let profile = store.profile(Api::Zitadel, user.id).await?;
            // Save n stored sequence n + 1; one more may have committed
            // unacknowledged before the kill.
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
