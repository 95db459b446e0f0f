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
//! **The write path.** Each change is one transaction: the profile's row is
//! created if missing (`INSERT … ON CONFLICT DO NOTHING`) and locked
//! (`SELECT … FOR UPDATE`), the change runs on what that read, the result is
//! written, and COMMIT returns. A concurrent change of the same profile,
//! through this node or any other, waits at the lock and then reads what
//! this one stored: none is lost, none is refused for having raced. Changes
//! of different profiles do not wait for each other.
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
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use deadpool_postgres::{Manager, ManagerConfig, Pool, PoolError, RecyclingMethod, Runtime};
use serde_json::Value;
use tokio::sync::Semaphore;
use tokio_postgres::NoTls;
use tokio_postgres::error::SqlState;
use uuid::Uuid;

use super::pool_metrics::PoolMetrics;
use super::{
    Api, Applied, Credential, Current, Organisation, Pending, Profile, ProfileChange, Store,
    StoreError, Team, User,
};

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

/// Connections per node. A change holds its connection for a few round
/// trips, so 16 keep two cores busy with room for lock waits; N nodes open
/// up to 16·N, well under PostgreSQL's default `max_connections` (100)
/// for a handful of nodes.
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
    /// The pool and the database errors, for `/metrics`.
    metrics: PoolMetrics,
    /// The runtime the store was connected on, where a change taken by
    /// [`Store::apply`] runs (see the module comment).
    handle: tokio::runtime::Handle,
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
        StoreError::Busy
    } else {
        backend(e)
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
        let store = PostgresStore {
            metrics: PoolMetrics::new(pool.clone()),
            pool,
            in_flight: Arc::new(Semaphore::new(in_flight.max(1))),
            handle: tokio::runtime::Handle::try_current()
                .map_err(|e| backend(format!("a PostgreSQL store runs on tokio: {e}")))?,
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

/// One change, in its own transaction (see the module comment).
async fn apply_change(pool: Pool, change: ProfileChange) -> Result<Applied, StoreError> {
    let ProfileChange {
        api,
        user,
        reads,
        change,
    } = change;
    let mut client = pool.get().await.map_err(pool_error)?;
    // Prepared once per connection (the statement cache), outside the
    // transaction, so that nothing below waits for a prepare.
    let insert = client
        .prepare_cached(
            "INSERT INTO profiles (api, user_id, document, sequence, created_at, changed_at)
             VALUES ($1, $2, '{}', 0, $3, $3)
             ON CONFLICT (api, user_id) DO NOTHING",
        )
        .await
        .map_err(pg)?;
    let lock = client
        .prepare_cached(
            "SELECT document, sequence, created_at, changed_at FROM profiles
             WHERE api = $1 AND user_id = $2 FOR UPDATE",
        )
        .await
        .map_err(pg)?;
    let tx = client.transaction().await.map_err(pg)?;
    let (name, created) = (api.name(), now());
    let insert_params: [&(dyn tokio_postgres::types::ToSql + Sync); 3] = [&name, &user, &created];
    let lock_params: [&(dyn tokio_postgres::types::ToSql + Sync); 2] = [&name, &user];
    // Awaited together, these statements are sent together (tokio-postgres
    // pipelines the requests of one connection) and PostgreSQL runs them in
    // the order sent: the row is created if missing, then locked and read,
    // then what the change reads is read, all in one round trip.
    let (inserted, locked, account, organisations, teams) = tokio::join!(
        tx.execute(&insert, &insert_params),
        tx.query_one(&lock, &lock_params),
        async {
            match reads.account {
                true => read_user(&tx, user).await.map(Some),
                false => Ok(None),
            }
        },
        async {
            match reads.organisations {
                true => read_organisations(&tx, user).await,
                false => Ok(Vec::new()),
            }
        },
        async {
            match reads.teams {
                true => read_teams(&tx, user).await,
                false => Ok(Vec::new()),
            }
        },
    );
    // The first failure is the one to report: after it, PostgreSQL refuses
    // the rest of the transaction.
    inserted.map_err(|e| {
        if e.code() == Some(&SqlState::FOREIGN_KEY_VIOLATION) {
            StoreError::NotFound(format!("user {user}"))
        } else {
            pg(e)
        }
    })?;
    let profile = profile_from_row(&locked.map_err(pg)?)?;
    let account = match account? {
        Some(found) => Some(found.ok_or_else(|| StoreError::NotFound(format!("user {user}")))?),
        None => None,
    };
    let (organisations, teams) = (organisations?, teams?);
    let current = Current {
        profile: &profile,
        account: account.as_ref(),
        organisations: &organisations,
        teams: &teams,
    };
    // A change that panics fails alone, like one that returns an error; the
    // transaction is rolled back when it is dropped.
    let decided = catch_unwind(AssertUnwindSafe(|| change(&current)))
        .map_err(|_| backend("the change panicked"))??;
    let (profile, saved) = match decided {
        None => (profile, false),
        Some(document) => {
            let text = serde_json::to_string(&document).map_err(backend)?;
            let changed_at = now();
            let sequence = profile.sequence + 1;
            let update = tx
                .prepare_cached(
                    "UPDATE profiles SET document = $3, sequence = $4, changed_at = $5
                     WHERE api = $1 AND user_id = $2",
                )
                .await
                .map_err(pg)?;
            tx.execute(
                &update,
                &[
                    &api.name(),
                    &user,
                    &text,
                    &sequence_to_db(sequence)?,
                    &changed_at,
                ],
            )
            .await
            .map_err(pg)?;
            let profile = Profile {
                document,
                sequence,
                created_at: profile.created_at,
                changed_at,
            };
            (profile, true)
        }
    };
    // With `synchronous_commit = on`, this returns once the commit is on
    // disk; only then is the change answered.
    tx.commit().await.map_err(pg)?;
    Ok(Applied {
        profile,
        saved,
        account,
        organisations,
        teams,
    })
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

async fn read_user(
    tx: &deadpool_postgres::Transaction<'_>,
    user: Uuid,
) -> Result<Option<User>, StoreError> {
    let statement = tx.prepare_cached(SELECT_USER).await.map_err(pg)?;
    tx.query_opt(&statement, &[&user])
        .await
        .map_err(pg)?
        .as_ref()
        .map(user_from_row)
        .transpose()
}

async fn read_organisations(
    tx: &deadpool_postgres::Transaction<'_>,
    user: Uuid,
) -> Result<Vec<Organisation>, StoreError> {
    let statement = tx.prepare_cached(SELECT_ORGANISATIONS).await.map_err(pg)?;
    let rows = tx.query(&statement, &[&user]).await.map_err(pg)?;
    rows.iter().map(organisation_from_row).collect()
}

async fn read_teams(
    tx: &deadpool_postgres::Transaction<'_>,
    user: Uuid,
) -> Result<Vec<Team>, StoreError> {
    let statement = tx.prepare_cached(SELECT_TEAMS).await.map_err(pg)?;
    let rows = tx.query(&statement, &[&user]).await.map_err(pg)?;
    rows.iter().map(team_from_row).collect()
}

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
        let pool = self.pool.clone();
        let metrics = self.metrics.clone();
        let task = self.handle.spawn(async move {
            let outcome = tokio::time::timeout(CALL_TIMEOUT, apply_change(pool, change))
                .await
                .unwrap_or(Err(StoreError::Busy));
            metrics.record(&outcome);
            drop(permit);
            outcome
        });
        Box::pin(async move {
            task.await
                .map_err(|e| backend(format!("the change did not complete: {e}")))?
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
    use crate::storage::contract::put;
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
