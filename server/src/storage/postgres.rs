//! The PostgreSQL backend: several server nodes on one database.
//!
//! Selected with `server --db postgres://…`. Every node is stateless apart
//! from its credential cache ([`crate::auth::Verifier`], a short TTL), so
//! any number of them can serve the same database behind a load balancer.
//!
//! **Client and pool.** `tokio-postgres` (the asynchronous half of the
//! `rust-postgres` project, the most used and longest maintained PostgreSQL
//! client in Rust, pure Rust, no C library) with `deadpool-postgres` (its
//! usual pool: bounded size, and a timeout for waiting, connecting and
//! recycling, which is what turns "database down" or "pool exhausted" into
//! a prompt [`StoreError::Busy`] instead of a hang).
//!
//! **Runtime.** The store runs on the runtime it was connected on (the
//! server's): [`Store`] is asynchronous, so a call is the caller's own
//! future, and the pool's connections are driven by tasks of that runtime.
//! There is no runtime of the store's own and no thread hop per call. A
//! store must therefore be used while the runtime it was connected on runs.
//!
//! **The write path** is group commit (`group_commit.rs`): the changes
//! waiting on a node share one transaction, in which each profile's row is
//! created if missing and locked (`SELECT … FOR UPDATE`, in a fixed order),
//! each change runs on the latest profile, the results are written, and
//! COMMIT returns before any change is answered. A concurrent change of the
//! same profile through any other node waits at the lock and then reads
//! what this one stored: none is lost, none is refused for having raced.
//!
//! **Durability.** Every session runs with `synchronous_commit = on`
//! (forced in the connection's options, whatever the server's default), so
//! COMMIT returns only once the commit record is flushed to the WAL on
//! disk, and a change is answered only after its COMMIT returned.
//!
//! **Migrations** run when a store connects, in one transaction holding a
//! transaction-level advisory lock: nodes that start at the same moment
//! apply each migration once, the others wait and then find nothing to do.

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use deadpool_postgres::{Manager, ManagerConfig, Pool, PoolError, RecyclingMethod, Runtime};
use serde_json::Value;
use tokio::sync::{Semaphore, mpsc};
use tokio_postgres::NoTls;
use tokio_postgres::error::SqlState;
use uuid::Uuid;

use super::pool_metrics::PoolMetrics;
use super::{
    Api, Applied, Credential, Organisation, Pending, Profile, ProfileChange, Store, StoreError,
    Team, User,
};

mod group_commit;
mod open_transaction;

/// Each entry migrates the schema from version `index` to `index + 1`
/// (recorded in `schema_migrations`). The meaning is SQLite's schema, in
/// PostgreSQL's native types. A profile document is kept as `text`, not
/// `jsonb`: `jsonb` refuses a string holding U+0000, which JSON allows and a
/// client may send, and the document is only ever read whole.
///
/// When changing the schema: append a migration; never edit one that has
/// shipped, since databases in the field have already run it.
const MIGRATIONS: &[&str] = &[r#"
    CREATE TABLE users (
        id              uuid PRIMARY KEY,
        username        text NOT NULL UNIQUE,
        email           text NOT NULL,
        email_confirmed boolean NOT NULL,
        created_at      timestamptz NOT NULL
    );
    CREATE TABLE organisations (
        id         uuid PRIMARY KEY,
        name       text NOT NULL,
        slug       text NOT NULL UNIQUE,
        created_at timestamptz NOT NULL
    );
    CREATE TABLE memberships (
        organisation_id uuid NOT NULL REFERENCES organisations(id) ON DELETE CASCADE,
        user_id         uuid NOT NULL REFERENCES users(id) ON DELETE CASCADE,
        PRIMARY KEY (organisation_id, user_id)
    );
    CREATE INDEX memberships_by_user ON memberships (user_id);
    CREATE TABLE teams (
        id              uuid PRIMARY KEY,
        organisation_id uuid NOT NULL REFERENCES organisations(id) ON DELETE CASCADE,
        name            text NOT NULL
    );
    CREATE TABLE team_members (
        team_id uuid NOT NULL REFERENCES teams(id) ON DELETE CASCADE,
        user_id uuid NOT NULL REFERENCES users(id) ON DELETE CASCADE,
        PRIMARY KEY (team_id, user_id)
    );
    CREATE INDEX team_members_by_user ON team_members (user_id);
    CREATE TABLE credentials (
        api           text NOT NULL,
        key_id        text NOT NULL,
        user_id       uuid NOT NULL REFERENCES users(id) ON DELETE CASCADE,
        tenant        text,
        secret_sha256 bytea NOT NULL CHECK (length(secret_sha256) = 32),
        PRIMARY KEY (api, key_id)
    );
    CREATE INDEX credentials_by_key_id ON credentials (key_id);
    CREATE TABLE profiles (
        api        text NOT NULL,
        user_id    uuid NOT NULL REFERENCES users(id) ON DELETE CASCADE,
        document   text NOT NULL,
        sequence   bigint NOT NULL,
        created_at timestamptz NOT NULL,
        changed_at timestamptz NOT NULL,
        PRIMARY KEY (api, user_id)
    );
"#];

/// The advisory lock key that serialises migrations across nodes (any
/// fixed number; this one is "profiles" in ASCII).
const MIGRATION_LOCK: i64 = 0x7072_6f66_696c_6573;

/// Connections per node. The changes of a node share one connection per
/// batch, and reads take one each for a round trip, so 16 leave ample room;
/// N nodes open up to 16·N, well under PostgreSQL's default
/// `max_connections` (100) for a handful of nodes.
pub const POOL_SIZE: usize = 16;

/// How long a call waits for a free connection before answering
/// [`StoreError::Busy`]: a node whose pool stays exhausted that long is
/// overloaded, and queueing longer only adds latency.
const POOL_WAIT: Duration = Duration::from_secs(1);

/// How long connecting may take. On one host or a LAN a connection is up in
/// milliseconds; a database that is down refuses at once, one that is
/// unreachable is given this long.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(2);

/// The most any one storage call may take, lock waits included, before it
/// is answered [`StoreError::Busy`]. It bounds what a stalled database
/// (frozen, partitioned) costs a request; PostgreSQL's `statement_timeout`
/// (the same bound, set per session) stops the server-side work too.
pub const CALL_TIMEOUT: Duration = Duration::from_secs(5);

/// How many changes may be in flight on one node. Beyond it a change is
/// refused at once ([`StoreError::Busy`], a 503), as SQLite's full queue
/// is, instead of piling up behind the pool.
pub const IN_FLIGHT_MAX: usize = 1024;

/// A PostgreSQL database, shared by any number of nodes.
pub struct PostgresStore {
    pool: Pool,
    in_flight: Arc<Semaphore>,
    /// The committer's queue ([`group_commit`]), which runs on the runtime
    /// the store was connected on. It is bounded by `in_flight`: a change
    /// is queued only with a permit.
    changes: mpsc::UnboundedSender<group_commit::Waiting>,
    /// The pool and the database errors, for `/metrics`.
    metrics: PoolMetrics,
}

fn backend(e: impl std::fmt::Display) -> StoreError {
    StoreError::Backend(e.to_string())
}

/// What a database error means for the caller. Losing the connection, not
/// reaching the database, a database shutting down or refusing connections,
/// and a statement or lock timeout are conditions that pass: they are
/// [`StoreError::Busy`] (a 503, "retry shortly"). Anything else is a
/// [`StoreError::Backend`] failure.
fn pg(e: tokio_postgres::Error) -> StoreError {
    let passing = e.is_closed()
        || std::error::Error::source(&e).is_some_and(|s| s.is::<std::io::Error>())
        || e.code().is_some_and(|code| {
            let code = code.code();
            // 08: connection exception; 57: operator intervention (shutdown,
            // cannot connect now, statement timeout); 53300: too many
            // connections; 55P03: lock not available; 40: transaction
            // rollback (serialization failure, deadlock).
            code.starts_with("08")
                || code.starts_with("57")
                || code == "53300"
                || code == "55P03"
                || code.starts_with("40")
        });
    if passing {
        return StoreError::Busy;
    }
    // tokio-postgres says only "db error"; what the database said is in
    // the error's source. Its message, not its detail, which may quote
    // stored values.
    match e.as_db_error() {
        Some(db) => backend(format!(
            "{e}: {} (SQLSTATE {})",
            db.message(),
            db.code().code()
        )),
        None => backend(e),
    }
}

fn pool_error(e: PoolError) -> StoreError {
    match e {
        PoolError::Timeout(_) => StoreError::Busy,
        PoolError::Backend(e) => pg(e),
        other => backend(other),
    }
}

/// Now, at millisecond precision, as the SQLite backend stores it, so both
/// backends answer the same timestamps.
fn now() -> DateTime<Utc> {
    let millis = Utc::now().timestamp_millis();
    DateTime::from_timestamp_millis(millis).unwrap_or_else(Utc::now)
}

fn sequence_to_db(sequence: u64) -> Result<i64, StoreError> {
    i64::try_from(sequence).map_err(backend)
}

fn sequence_from_db(sequence: i64) -> Result<u64, StoreError> {
    u64::try_from(sequence).map_err(backend)
}

impl PostgresStore {
    /// Connects to the database at `url` (a libpq-style URL,
    /// `postgres://user:password@host:port/dbname`) and migrates it.
    pub async fn connect(url: &str) -> Result<Self, StoreError> {
        Self::connect_with_limit(url, IN_FLIGHT_MAX).await
    }

    /// [`connect`](Self::connect) taking at most `in_flight` changes at
    /// once (at least 1) before answering [`StoreError::Busy`].
    pub async fn connect_with_limit(url: &str, in_flight: usize) -> Result<Self, StoreError> {
        let mut config: tokio_postgres::Config = url
            .parse()
            .map_err(|e| backend(format!("not a PostgreSQL URL: {e}")))?;
        let timeout_ms = CALL_TIMEOUT.as_millis();
        // See the module comment: durability must not depend on the
        // server's configuration. The timeouts bound server-side work.
        let forced = format!(
            "-c synchronous_commit=on -c statement_timeout={timeout_ms} -c lock_timeout={timeout_ms}"
        );
        let options = match config.get_options() {
            Some(given) if !given.is_empty() => format!("{given} {forced}"),
            _ => forced,
        };
        config
            .options(options)
            .connect_timeout(CONNECT_TIMEOUT)
            .application_name("profile-server");
        let manager = Manager::from_config(
            config,
            NoTls,
            ManagerConfig {
                recycling_method: RecyclingMethod::Fast,
            },
        );
        let pool = Pool::builder(manager)
            .max_size(POOL_SIZE)
            .wait_timeout(Some(POOL_WAIT))
            .create_timeout(Some(CONNECT_TIMEOUT))
            .recycle_timeout(Some(CONNECT_TIMEOUT))
            .runtime(Runtime::Tokio1)
            .build()
            .map_err(backend)?;
        let handle = tokio::runtime::Handle::try_current()
            .map_err(|e| backend(format!("a PostgreSQL store runs on tokio: {e}")))?;
        let (changes, queue) = mpsc::unbounded_channel();
        // The committer ends once the store is dropped and every change it
        // took is answered.
        handle.spawn(group_commit::run(pool.clone(), queue));
        let store = PostgresStore {
            metrics: PoolMetrics::new(pool.clone()),
            pool,
            in_flight: Arc::new(Semaphore::new(in_flight.max(1))),
            changes,
        };
        within_call_timeout(migrate(&store.pool)).await?;
        Ok(store)
    }

    /// Runs one statement on a pooled connection.
    async fn execute(
        &self,
        sql: &'static str,
        on_error: impl FnOnce(tokio_postgres::Error) -> StoreError + Send + 'static,
        bind: impl FnOnce(&mut Params) + Send + 'static,
    ) -> Result<u64, StoreError> {
        let outcome = within_call_timeout(async {
            let client = self.pool.get().await.map_err(pool_error)?;
            let mut params = Params::default();
            bind(&mut params);
            let statement = client.prepare_cached(sql).await.map_err(pg)?;
            client
                .execute(&statement, &params.refs())
                .await
                .map_err(on_error)
        })
        .await;
        self.metrics.record(&outcome);
        outcome
    }

    /// Runs one query on a pooled connection and converts its rows.
    async fn query<T: Send + 'static>(
        &self,
        sql: &'static str,
        bind: impl FnOnce(&mut Params) + Send + 'static,
        convert: impl Fn(&tokio_postgres::Row) -> Result<T, StoreError> + Send + 'static,
    ) -> Result<Vec<T>, StoreError> {
        let outcome = within_call_timeout(async {
            let client = self.pool.get().await.map_err(pool_error)?;
            let mut params = Params::default();
            bind(&mut params);
            let statement = client.prepare_cached(sql).await.map_err(pg)?;
            let rows = client.query(&statement, &params.refs()).await.map_err(pg)?;
            rows.iter().map(convert).collect()
        })
        .await;
        self.metrics.record(&outcome);
        outcome
    }
}

/// `call`, or [`StoreError::Busy`] once it has taken [`CALL_TIMEOUT`] (a
/// stalled database; see [`CALL_TIMEOUT`]).
async fn within_call_timeout<T>(
    call: impl Future<Output = Result<T, StoreError>>,
) -> Result<T, StoreError> {
    tokio::time::timeout(CALL_TIMEOUT, call)
        .await
        .unwrap_or(Err(StoreError::Busy))
}

/// Owned query parameters, bound by the caller of a query.
#[derive(Default)]
struct Params(Vec<Box<dyn tokio_postgres::types::ToSql + Send + Sync>>);

impl Params {
    fn push(&mut self, value: impl tokio_postgres::types::ToSql + Send + Sync + 'static) {
        self.0.push(Box::new(value));
    }

    fn refs(&self) -> Vec<&(dyn tokio_postgres::types::ToSql + Sync)> {
        self.0
            .iter()
            .map(|p| p.as_ref() as &(dyn tokio_postgres::types::ToSql + Sync))
            .collect()
    }
}

/// Applies the migrations this database has not run, under the migration
/// lock (see the module comment).
async fn migrate(pool: &Pool) -> Result<(), StoreError> {
    let mut client = pool.get().await.map_err(pool_error)?;
    let tx = client.transaction().await.map_err(pg)?;
    tx.execute("SELECT pg_advisory_xact_lock($1)", &[&MIGRATION_LOCK])
        .await
        .map_err(pg)?;
    tx.batch_execute(
        "CREATE TABLE IF NOT EXISTS schema_migrations (
             version    integer PRIMARY KEY,
             applied_at timestamptz NOT NULL DEFAULT now()
         )",
    )
    .await
    .map_err(pg)?;
    let row = tx
        .query_one(
            "SELECT COALESCE(MAX(version), 0) FROM schema_migrations",
            &[],
        )
        .await
        .map_err(pg)?;
    let version = usize::try_from(row.get::<_, i32>(0)).map_err(backend)?;
    if version > MIGRATIONS.len() {
        return Err(backend(format!(
            "the database is at schema version {version}, newer than this server ({})",
            MIGRATIONS.len()
        )));
    }
    for (index, migration) in MIGRATIONS.iter().enumerate().skip(version) {
        tx.batch_execute(migration).await.map_err(pg)?;
        let next = i32::try_from(index + 1).map_err(backend)?;
        tx.execute(
            "INSERT INTO schema_migrations (version) VALUES ($1)",
            &[&next],
        )
        .await
        .map_err(pg)?;
    }
    tx.commit().await.map_err(pg)
}

fn profile_from_row(row: &tokio_postgres::Row) -> Result<Profile, StoreError> {
    let document: String = row.try_get(0).map_err(backend)?;
    Ok(Profile {
        document: serde_json::from_str::<Value>(&document).map_err(backend)?,
        sequence: sequence_from_db(row.try_get(1).map_err(backend)?)?,
        created_at: row.try_get(2).map_err(backend)?,
        changed_at: row.try_get(3).map_err(backend)?,
    })
}

fn user_from_row(row: &tokio_postgres::Row) -> Result<User, StoreError> {
    Ok(User {
        id: row.try_get(0).map_err(backend)?,
        username: row.try_get(1).map_err(backend)?,
        email: row.try_get(2).map_err(backend)?,
        email_confirmed: row.try_get(3).map_err(backend)?,
        created_at: row.try_get(4).map_err(backend)?,
    })
}

fn organisation_from_row(row: &tokio_postgres::Row) -> Result<Organisation, StoreError> {
    Ok(Organisation {
        id: row.try_get(0).map_err(backend)?,
        name: row.try_get(1).map_err(backend)?,
        slug: row.try_get(2).map_err(backend)?,
        created_at: row.try_get(3).map_err(backend)?,
    })
}

fn team_from_row(row: &tokio_postgres::Row) -> Result<Team, StoreError> {
    Ok(Team {
        id: row.try_get(0).map_err(backend)?,
        organisation_id: row.try_get(1).map_err(backend)?,
        name: row.try_get(2).map_err(backend)?,
    })
}

const SELECT_USER: &str =
    "SELECT id, username, email, email_confirmed, created_at FROM users WHERE id = $1";
const SELECT_ORGANISATIONS: &str = "SELECT o.id, o.name, o.slug, o.created_at FROM organisations o
     JOIN memberships m ON m.organisation_id = o.id
     WHERE m.user_id = $1 ORDER BY o.name, o.id";
const SELECT_TEAMS: &str = "SELECT t.id, t.organisation_id, t.name FROM teams t
     JOIN team_members m ON m.team_id = t.id
     WHERE m.user_id = $1 ORDER BY t.name, t.id";

/// A unique violation as [`StoreError::Duplicate`] of `what`.
fn duplicate(what: String) -> impl FnOnce(tokio_postgres::Error) -> StoreError {
    move |e| {
        if e.code() == Some(&SqlState::UNIQUE_VIOLATION) {
            StoreError::Duplicate(what)
        } else {
            pg(e)
        }
    }
}

/// A foreign key violation as [`StoreError::NotFound`] of `what`.
fn missing(what: String) -> impl FnOnce(tokio_postgres::Error) -> StoreError {
    move |e| {
        if e.code() == Some(&SqlState::FOREIGN_KEY_VIOLATION) {
            StoreError::NotFound(what)
        } else {
            pg(e)
        }
    }
}

#[async_trait::async_trait]
impl Store for PostgresStore {
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
        self.execute(
            "INSERT INTO users (id, username, email, email_confirmed, created_at)
             VALUES ($1, $2, $3, $4, $5)",
            duplicate(format!("username {username}")),
            move |p| {
                p.push(row.id);
                p.push(row.username);
                p.push(row.email);
                p.push(row.email_confirmed);
                p.push(row.created_at);
            },
        )
        .await?;
        Ok(user)
    }

    async fn user(&self, id: Uuid) -> Result<Option<User>, StoreError> {
        let rows = self
            .query(SELECT_USER, move |p| p.push(id), user_from_row)
            .await?;
        Ok(rows.into_iter().next())
    }

    async fn user_id_by_name(&self, username: &str) -> Result<Option<Uuid>, StoreError> {
        let username = username.to_string();
        let rows = self
            .query(
                "SELECT id FROM users WHERE username = $1",
                move |p| p.push(username),
                |row| row.try_get::<_, Uuid>(0).map_err(backend),
            )
            .await?;
        Ok(rows.into_iter().next())
    }

    async fn user_count(&self) -> Result<u64, StoreError> {
        let rows = self
            .query(
                "SELECT COUNT(*) FROM users",
                |_| {},
                |row| row.try_get::<_, i64>(0).map_err(backend),
            )
            .await?;
        u64::try_from(rows.into_iter().next().unwrap_or(0)).map_err(backend)
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
        self.execute(
            "INSERT INTO organisations (id, name, slug, created_at) VALUES ($1, $2, $3, $4)",
            duplicate(format!("organisation slug {slug}")),
            move |p| {
                p.push(row.id);
                p.push(row.name);
                p.push(row.slug);
                p.push(row.created_at);
            },
        )
        .await?;
        Ok(organisation)
    }

    async fn add_member(&self, organisation: Uuid, user: Uuid) -> Result<(), StoreError> {
        self.execute(
            "INSERT INTO memberships (organisation_id, user_id) VALUES ($1, $2)
             ON CONFLICT DO NOTHING",
            missing(format!("organisation {organisation} or user {user}")),
            move |p| {
                p.push(organisation);
                p.push(user);
            },
        )
        .await
        .map(drop)
    }

    async fn organisations_of(&self, user: Uuid) -> Result<Vec<Organisation>, StoreError> {
        self.query(
            SELECT_ORGANISATIONS,
            move |p| p.push(user),
            organisation_from_row,
        )
        .await
    }

    async fn create_team(&self, organisation: Uuid, name: &str) -> Result<Team, StoreError> {
        let team = Team {
            id: Uuid::new_v4(),
            organisation_id: organisation,
            name: name.to_string(),
        };
        let row = team.clone();
        self.execute(
            "INSERT INTO teams (id, organisation_id, name) VALUES ($1, $2, $3)",
            missing(format!("organisation {organisation}")),
            move |p| {
                p.push(row.id);
                p.push(row.organisation_id);
                p.push(row.name);
            },
        )
        .await?;
        Ok(team)
    }

    async fn add_team_member(&self, team: Uuid, user: Uuid) -> Result<(), StoreError> {
        self.execute(
            "INSERT INTO team_members (team_id, user_id) VALUES ($1, $2)
             ON CONFLICT DO NOTHING",
            missing(format!("team {team} or user {user}")),
            move |p| {
                p.push(team);
                p.push(user);
            },
        )
        .await
        .map(drop)
    }

    async fn teams_of(&self, user: Uuid) -> Result<Vec<Team>, StoreError> {
        self.query(SELECT_TEAMS, move |p| p.push(user), team_from_row)
            .await
    }

    async fn add_credential(&self, credential: &Credential) -> Result<(), StoreError> {
        let row = credential.clone();
        self.execute(
            "INSERT INTO credentials (api, key_id, user_id, tenant, secret_sha256)
             VALUES ($1, $2, $3, $4, $5)",
            duplicate(format!("credential {}", credential.key_id)),
            move |p| {
                p.push(row.api.name());
                p.push(row.key_id);
                p.push(row.user_id);
                p.push(row.tenant);
                p.push(row.secret_sha256.to_vec());
            },
        )
        .await
        .map(drop)
    }

    async fn credential(&self, api: Api, key_id: &str) -> Result<Option<Credential>, StoreError> {
        let key = key_id.to_string();
        let found = key_id.to_string();
        let rows = self
            .query(
                "SELECT user_id, tenant, secret_sha256 FROM credentials
             WHERE api = $1 AND key_id = $2",
                move |p| {
                    p.push(api.name());
                    p.push(key);
                },
                move |row| {
                    let hash: Vec<u8> = row.try_get(2).map_err(backend)?;
                    Ok(Credential {
                        key_id: found.clone(),
                        api,
                        user_id: row.try_get(0).map_err(backend)?,
                        tenant: row.try_get(1).map_err(backend)?,
                        secret_sha256: <[u8; 32]>::try_from(hash.as_slice()).map_err(backend)?,
                    })
                },
            )
            .await?;
        Ok(rows.into_iter().next())
    }

    async fn revoke_credential(&self, key_id: &str) -> Result<u64, StoreError> {
        let key = key_id.to_string();
        self.execute("DELETE FROM credentials WHERE key_id = $1", pg, move |p| {
            p.push(key)
        })
        .await
    }

    async fn remove_user(&self, username: &str) -> Result<(), StoreError> {
        let name = username.to_string();
        // Credentials, profiles and memberships go with the user (ON DELETE
        // CASCADE), in the same statement.
        let removed = self
            .execute("DELETE FROM users WHERE username = $1", pg, move |p| {
                p.push(name)
            })
            .await?;
        if removed == 0 {
            return Err(StoreError::NotFound(format!("user {username}")));
        }
        Ok(())
    }

    async fn profile(&self, api: Api, user: Uuid) -> Result<Profile, StoreError> {
        let rows = self
            .query(
                "SELECT document, sequence, created_at, changed_at FROM profiles
             WHERE api = $1 AND user_id = $2",
                move |p| {
                    p.push(api.name());
                    p.push(user);
                },
                profile_from_row,
            )
            .await?;
        Ok(rows.into_iter().next().unwrap_or_else(|| {
            let now = now();
            Profile {
                document: Value::Object(Default::default()),
                sequence: 0,
                created_at: now,
                changed_at: now,
            }
        }))
    }

    fn apply(&self, change: ProfileChange) -> Pending<Applied> {
        let Ok(permit) = Arc::clone(&self.in_flight).try_acquire_owned() else {
            return Box::pin(std::future::ready(Err(StoreError::Busy)));
        };
        let (reply, answer) = tokio::sync::oneshot::channel();
        let waiting = group_commit::Waiting {
            change,
            reply,
            permit,
        };
        if self.changes.send(waiting).is_err() {
            return Box::pin(std::future::ready(Err(backend(
                "the store's committer has stopped",
            ))));
        }
        let metrics = self.metrics.clone();
        Box::pin(async move {
            let outcome = answer
                .await
                .map_err(|_| backend("the change was dropped before it was answered"))
                .and_then(|outcome| outcome);
            metrics.record(&outcome);
            outcome
        })
    }

    fn register_metrics(&self, registry: &mut prometheus_client::registry::Registry) {
        self.metrics.register(registry);
    }
}

#[cfg(test)]
mod tests {
    use std::time::Instant;

    use serde_json::json;

    use super::*;
    use crate::storage::contract::{change, put};
    use profile_test_server::postgres::{OutageProxy, fresh_database};

    /// A store on a fresh database of the test cluster, or `None` (the
    /// test skips, loudly; never under CI) when there is no PostgreSQL.
    async fn store() -> Option<Arc<PostgresStore>> {
        let url = fresh_database()?;
        Some(Arc::new(
            PostgresStore::connect(&url)
                .await
                .unwrap_or_else(|e| panic!("{url}: {e}")),
        ))
    }

    /// The contract, case by case, on PostgreSQL. A case without a database
    /// passes without running (see `store`).
    mod contract {
        macro_rules! skip_without_postgres {
            () => {
                match super::store().await {
                    Some(store) => store,
                    None => return Ok(()),
                }
            };
        }
        crate::store_contract_tests!(skip_without_postgres!());
    }

    /// Three nodes starting at the same moment on an empty database: each
    /// migration is applied once, and every node ends up on the schema.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn nodes_starting_together_migrate_once() -> Result<(), StoreError> {
        let Some(url) = fresh_database() else {
            return Ok(());
        };
        let started = Instant::now();
        let nodes: Vec<_> = (0..3)
            .map(|_| {
                let url = url.clone();
                tokio::spawn(async move { PostgresStore::connect(&url).await })
            })
            .collect();
        let mut stores = Vec::new();
        for node in nodes {
            stores.push(node.await.map_err(|_| backend("a node panicked"))??);
        }
        eprintln!(
            "three nodes connected and migrated an empty database in {:?}",
            started.elapsed()
        );
        let versions = stores[0]
            .query(
                "SELECT version FROM schema_migrations ORDER BY version",
                |_| {},
                |row| row.try_get::<_, i32>(0).map_err(backend),
            )
            .await?;
        let expected: Vec<i32> = (1..=i32::try_from(MIGRATIONS.len()).map_err(backend)?).collect();
        assert_eq!(versions, expected);
        // And each node works on it.
        for (i, store) in stores.iter().enumerate() {
            store
                .create_user(&format!("node{i}"), "n@example.com", true)
                .await?;
        }
        assert_eq!(stores[2].user_count().await?, 3);
        Ok(())
    }

    /// What the durability promise rests on: every session commits with
    /// `synchronous_commit = on`, even on a server whose default is off.
    #[tokio::test]
    async fn every_session_commits_synchronously() -> Result<(), StoreError> {
        let Some(url) = fresh_database() else {
            return Ok(());
        };
        let store =
            PostgresStore::connect(&format!("{url}?options=-c%20synchronous_commit%3Doff")).await?;
        let setting = store
            .query(
                "SHOW synchronous_commit",
                |_| {},
                |row| row.try_get::<_, String>(0).map_err(backend),
            )
            .await?;
        assert_eq!(setting, ["on"]);
        Ok(())
    }

    /// A node with as many changes in flight as it takes refuses the next
    /// at once, and takes changes again as soon as one is answered.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_node_at_its_in_flight_limit_is_busy_and_recovers() -> Result<(), StoreError> {
        let Some(url) = fresh_database() else {
            return Ok(());
        };
        let store = PostgresStore::connect_with_limit(&url, 1).await?;
        let user = store.create_user("ada", "ada@example.com", true).await?;
        let (started, running) = std::sync::mpsc::channel();
        let (release, released) = std::sync::mpsc::channel::<()>();
        let held = store.apply(ProfileChange {
            api: Api::Cl2c,
            user: user.id,
            reads: Default::default(),
            change: Box::new(move |_| {
                let _ = started.send(());
                let _ = released.recv();
                Ok(Some(json!({"held": true})))
            }),
        });
        running
            .recv()
            .map_err(|_| backend("the holding change never ran"))?;
        let refused = put(&store, Api::Cl2c, user.id, json!({"n": 1})).await;
        assert!(matches!(refused, Err(StoreError::Busy)), "{refused:?}");
        let _ = release.send(());
        held.await?;
        let applied = put(&store, Api::Cl2c, user.id, json!({"n": 2})).await?;
        assert_eq!(applied.profile.sequence, 2);
        Ok(())
    }

    /// Changes queued while the committer is busy share the next
    /// transaction; in it, a change for a missing user, a refused change and
    /// a panicking change each fail alone, and the good changes, two of them
    /// to one profile, are stored one after the other.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn each_change_of_a_group_commit_fails_alone() -> Result<(), StoreError> {
        let Some(store) = store().await else {
            return Ok(());
        };
        let ada = store.create_user("ada", "ada@example.com", true).await?;
        let bob = store.create_user("bob", "bob@example.com", true).await?;
        let (started, running) = std::sync::mpsc::channel();
        let (release, released) = std::sync::mpsc::channel::<()>();
        let held = store.apply(ProfileChange {
            api: Api::Exante,
            user: ada.id,
            reads: Default::default(),
            change: Box::new(move |_| {
                let _ = started.send(());
                let _ = released.recv();
                Ok(None)
            }),
        });
        running
            .recv()
            .map_err(|_| backend("the holding change never ran"))?;
        let add_one = |document: &Value| {
            let n = document.get("n").and_then(Value::as_u64).unwrap_or(0);
            Ok(Some(json!({ "n": n + 1 })))
        };
        let outcomes = [
            put(&*store, Api::Cl2c, Uuid::new_v4(), json!({"n": 1})),
            change(&*store, Api::Cl2c, ada.id, add_one),
            change(&*store, Api::Cl2c, bob.id, |_| {
                Err(StoreError::Duplicate("refused".into()))
            }),
            change(&*store, Api::Cl2c, ada.id, |_| panic!("a bug in a change")),
            change(&*store, Api::Cl2c, ada.id, add_one),
            put(&*store, Api::Zitadel, bob.id, json!({"b": 1})),
        ];
        let _ = release.send(());
        held.await?;
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
            [
                "not found",
                "saved 1",
                "refused",
                "backend",
                "saved 2",
                "saved 1"
            ]
        );
        let stored = store.profile(Api::Cl2c, ada.id).await?;
        assert_eq!((stored.sequence, stored.document), (2, json!({"n": 2})));
        assert_eq!(store.profile(Api::Cl2c, bob.id).await?.sequence, 0);
        assert_eq!(store.profile(Api::Zitadel, bob.id).await?.sequence, 1);
        Ok(())
    }

    /// A batch whose transaction fails in the database stores nothing and
    /// leaves no transaction open on the pooled connection it used: the
    /// pool holds no session idle in a transaction, and the next change to
    /// the same profile is stored. Triggers make it fail at both places it
    /// can. In the first round trip, the profile's row is created (written)
    /// but unreadable, so the batch fails after a write and must roll it
    /// back itself; the UPDATE sent with COMMIT is refused.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_failed_batch_stores_nothing_and_leaves_no_transaction_open() -> Result<(), StoreError>
    {
        let Some(store) = store().await else {
            return Ok(());
        };
        let run = |sql: &'static str| store.execute(sql, pg, |_| {});
        run(
            "CREATE FUNCTION spoil() RETURNS trigger LANGUAGE plpgsql AS $$
             BEGIN
                 IF TG_OP = 'INSERT' THEN
                     NEW.document := 'not json';
                 ELSIF NEW.document LIKE '%boom%' THEN
                     RAISE EXCEPTION 'refused by the test';
                 END IF;
                 RETURN NEW;
             END $$",
        )
        .await?;
        run("CREATE TRIGGER spoil_insert BEFORE INSERT ON profiles
             FOR EACH ROW EXECUTE FUNCTION spoil()")
        .await?;
        run("CREATE TRIGGER refuse_update BEFORE UPDATE ON profiles
             FOR EACH ROW EXECUTE FUNCTION spoil()")
        .await?;
        let ada = store.create_user("ada", "ada@example.com", true).await?;
        let count = |sql: &'static str| {
            store.query(sql, |_| {}, |row| row.try_get::<_, i64>(0).map_err(backend))
        };
        let no_open_transaction = || async {
            // The rollback runs on a task of its own, just after the answer.
            let started = Instant::now();
            loop {
                let open = count(
                    "SELECT count(*) FROM pg_stat_activity
                     WHERE datname = current_database()
                     AND state LIKE 'idle in transaction%'",
                )
                .await?;
                if open == [0] || started.elapsed() > Duration::from_secs(2) {
                    return Ok::<_, StoreError>(open);
                }
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
        };

        let unreadable = put(&*store, Api::Cl2c, ada.id, json!({"n": 1})).await;
        assert!(
            matches!(unreadable, Err(StoreError::Backend(_))),
            "{unreadable:?}"
        );
        assert_eq!(no_open_transaction().await?, [0]);
        assert_eq!(count("SELECT count(*) FROM profiles").await?, [0]);
        run("DROP TRIGGER spoil_insert ON profiles").await?;
        put(&*store, Api::Cl2c, ada.id, json!({"n": 1})).await?;

        let refused = put(&*store, Api::Cl2c, ada.id, json!({"boom": true})).await;
        assert!(
            matches!(&refused, Err(StoreError::Backend(why)) if why.contains("refused by the test")),
            "{refused:?}"
        );
        assert_eq!(no_open_transaction().await?, [0]);

        let applied = put(&*store, Api::Cl2c, ada.id, json!({"n": 2})).await?;
        assert_eq!(applied.profile.sequence, 2);
        let stored = store.profile(Api::Cl2c, ada.id).await?;
        assert_eq!((stored.sequence, stored.document), (2, json!({"n": 2})));
        Ok(())
    }

    /// A batch whose COMMIT is sent but not answered within the call
    /// timeout is Busy (a 503 to retry), like any loss of the database,
    /// although it may yet be stored; sending the change again is safe,
    /// because every change sets the profile to the values it carries. A
    /// deferred trigger holds the first COMMIT a second past the timeout
    /// (PostgreSQL's statement timeout does not cancel a COMMIT's deferred
    /// triggers), and a sequence, which no rollback resets, lets it hold
    /// only that one.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_commit_that_never_answers_is_busy_and_its_retry_stores_the_change()
    -> Result<(), StoreError> {
        let Some(store) = store().await else {
            return Ok(());
        };
        let run = |sql: &'static str| store.execute(sql, pg, |_| {});
        run("CREATE SEQUENCE stalls").await?;
        run(
            "CREATE FUNCTION stall() RETURNS trigger LANGUAGE plpgsql AS $$
             BEGIN
                 IF NEW.document LIKE '%stall%' AND nextval('stalls') = 1 THEN
                     PERFORM pg_sleep(6);
                 END IF;
                 RETURN NULL;
             END $$",
        )
        .await?;
        run(
            "CREATE CONSTRAINT TRIGGER stall_commit AFTER UPDATE ON profiles
             DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION stall()",
        )
        .await?;
        let ada = store.create_user("ada", "ada@example.com", true).await?;
        put(&*store, Api::Zitadel, ada.id, json!({"n": 1})).await?;

        let change = json!({"n": 2, "stall": true});
        let stalled = put(&*store, Api::Zitadel, ada.id, change.clone()).await;
        assert!(matches!(stalled, Err(StoreError::Busy)), "{stalled:?}");
        let retried = put(&*store, Api::Zitadel, ada.id, change.clone()).await?;
        assert_eq!(retried.profile.document, change);
        let stored = store.profile(Api::Zitadel, ada.id).await?;
        // The stalled batch was stored after it was answered, and the retry
        // set the same values again: only the sequence advanced twice.
        assert_eq!((stored.sequence, stored.document), (3, change));
        Ok(())
    }

    /// The database going away and coming back: while it is away, reads and
    /// changes are answered `Busy` (a 503) promptly, never a hang; once it is
    /// back, the same store serves again without a restart.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_database_outage_is_busy_promptly_and_recovers() -> Result<(), StoreError> {
        let Some(url) = fresh_database() else {
            return Ok(());
        };
        let proxy = OutageProxy::start(&url).await.map_err(backend)?;
        let store = PostgresStore::connect(proxy.url()).await?;
        let user = store.create_user("ada", "ada@example.com", true).await?;
        put(&store, Api::Zitadel, user.id, json!({"n": 1})).await?;

        proxy.cut().await;
        let started = Instant::now();
        let write = put(&store, Api::Zitadel, user.id, json!({"n": 2})).await;
        let read = store.user(user.id).await;
        let outage = started.elapsed();
        assert!(matches!(write, Err(StoreError::Busy)), "{write:?}");
        assert!(matches!(read, Err(StoreError::Busy)), "{read:?}");
        assert!(outage < CALL_TIMEOUT, "answered after {outage:?}");
        eprintln!("during the outage, a change and a read were answered Busy in {outage:?}");

        proxy.restore();
        let applied = put(&store, Api::Zitadel, user.id, json!({"n": 3})).await?;
        assert_eq!(applied.profile.sequence, 2);
        assert_eq!(store.user(user.id).await?, Some(user));
        Ok(())
    }
}
