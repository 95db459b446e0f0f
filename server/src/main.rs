//! `server`: serves the five profile APIs; see `server --help`.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::net::SocketAddr;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use clap::{Parser, Subcommand};
use server::admin::Admin;
use server::apis::{DemoCredentials, descriptors};
use server::front::Limits;
use server::identity::{add_user, issue_all};
use server::logging::{LogFormat, logger};
use server::metrics::Metrics;
use server::open_files::{raise_soft_limit, size_caps};
use server::serve::{default_listen, derived_openapi, start_all};
use server::storage::postgres::PostgresStore;
use server::storage::sqlite::SqliteStore;
use server::storage::{Api, Store};

/// mimalloc, not the system allocator. Under load, glibc's malloc and free
/// took nearly a quarter of the server threads' CPU time (perf, 32
/// connections): a request allocates many small blocks across the front,
/// dropshot, the handler and the SQLite writer, and many are freed on
/// another thread than the one that allocated them, where glibc's arenas
/// take a lock. Measured in the bench (docs/benchmarks.md, "a fourth
/// pass"), which uses this allocator too, so that it measures what ships.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[derive(Parser)]
#[command(name = "server", about = "Serves the five profile APIs on SQLite.")]
struct Cli {
    /// The database: a SQLite file (created and migrated on first start),
    /// or a PostgreSQL URL, postgres://user:password@host:port/dbname
    /// (migrated on start; any number of servers may share it).
    #[arg(long, global = true, default_value = "data/profiles.sqlite", value_parser = parse_db)]
    db: Database,
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// Serve the APIs: every one, unless --api names some (the default
    /// command).
    Serve {
        /// Where an API listens, as <api>=<address>; repeatable. Default:
        /// the API's own port on 127.0.0.1 (`server describe` lists them).
        #[arg(long = "listen", value_parser = parse_listen)]
        listen: Vec<(Api, SocketAddr)>,
        /// Serve only this API; repeatable (default: every API). Another
        /// instance can then serve the others, or the same API elsewhere.
        #[arg(long = "api", value_name = "API", value_parser = parse_api)]
        apis: Vec<Api>,
        /// Issue fresh demo credentials and print a curl line per API (done
        /// anyway when the database has no users).
        #[arg(long)]
        demo: bool,
        #[command(flatten)]
        limits: LimitFlags,
        #[command(flatten)]
        operations: OperationFlags,
    },
    /// Print the OpenAPI document dropshot derives from an API's trait.
    Openapi { api: String },
    /// Print what each API is (its descriptor): address, credentials,
    /// operation and example request, as JSON.
    Describe,
    /// Manage users.
    User {
        #[command(subcommand)]
        command: UserCommand,
    },
    /// Manage tokens.
    Token {
        #[command(subcommand)]
        command: TokenCommand,
    },
}

#[derive(Subcommand)]
enum TokenCommand {
    /// Revoke a token: every server on this database refuses it within
    /// half a second.
    Revoke {
        /// The token's key id (the 12 hex digits after its prefix), or the
        /// whole token.
        key: String,
    },
}

/// The connection limits (`server::front::Limits`), per API.
#[derive(clap::Args)]
struct LimitFlags {
    /// Seconds from the first byte of a request head to its end; a slower
    /// head closes the connection.
    #[arg(long, value_name = "SECONDS", value_parser = parse_seconds,
          default_value_t = Limits::default().header_read.as_secs_f64())]
    header_read_timeout: f64,
    /// Seconds for the whole request body after its head; a slower body is
    /// answered 408.
    #[arg(long, value_name = "SECONDS", value_parser = parse_seconds,
          default_value_t = Limits::default().body_read.as_secs_f64())]
    body_read_timeout: f64,
    /// Seconds a connection may stay open without a request.
    #[arg(long, value_name = "SECONDS", value_parser = parse_seconds,
          default_value_t = Limits::default().idle.as_secs_f64())]
    idle_timeout: f64,
    /// Open connections per API; at the cap, a new connection closes the
    /// one that has waited longest for its client. Default 512, lowered
    /// when the limit on open files cannot hold 512 for every API; a value
    /// given here that it cannot hold stops the start.
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..))]
    max_connections: Option<u32>,
}

impl LimitFlags {
    /// The limits, with the cap per API that the descriptor budget allows.
    fn limits(&self, max_connections: usize) -> Limits {
        Limits {
            header_read: Duration::from_secs_f64(self.header_read_timeout),
            body_read: Duration::from_secs_f64(self.body_read_timeout),
            idle: Duration::from_secs_f64(self.idle_timeout),
            max_connections,
            ..Limits::default()
        }
    }
}

/// How a node is run among others: its admin listener, its stop, its log.
#[derive(clap::Args)]
struct OperationFlags {
    /// Where the admin listener serves /healthz, /readyz and /metrics
    /// (apart from every API's address).
    #[arg(long, value_name = "ADDRESS", default_value = server::admin::DEFAULT_ADDRESS)]
    admin: SocketAddr,
    /// Seconds every API keeps serving after SIGTERM or Ctrl-C, while
    /// /readyz answers 503, so that a load balancer stops sending here
    /// before the APIs stop (set it above the balancer's health-check
    /// interval times its unhealthy threshold).
    #[arg(long, value_name = "SECONDS", default_value_t = 0.0, value_parser = parse_delay)]
    drain_delay: f64,
    /// The log's format: terminal lines, or one JSON object per line.
    #[arg(long, value_enum, default_value = "terminal")]
    log_format: LogFormat,
}

fn parse_delay(text: &str) -> Result<f64, String> {
    let seconds: f64 = text.parse().map_err(|e| format!("{text}: {e}"))?;
    if seconds.is_finite() && (0.0..=3_600.0).contains(&seconds) {
        Ok(seconds)
    } else {
        Err(format!("{text}: expected seconds from 0 to 3600"))
    }
}

fn parse_seconds(text: &str) -> Result<f64, String> {
    let seconds: f64 = text.parse().map_err(|e| format!("{text}: {e}"))?;
    if seconds.is_finite() && seconds > 0.0 && seconds <= 86_400.0 {
        Ok(seconds)
    } else {
        Err(format!("{text}: expected seconds above 0, at most 86400"))
    }
}

#[derive(Subcommand)]
enum UserCommand {
    /// Create a user and print a token for each API.
    Add {
        username: String,
        #[arg(long)]
        email: String,
        /// The user's CL2C tenant (default: <username>-tenant).
        #[arg(long)]
        tenant: Option<String>,
        /// Print the user and their credentials as JSON (for programs).
        #[arg(long)]
        json: bool,
    },
    /// Remove a user with their tokens, profiles and memberships.
    Remove { username: String },
}

fn parse_api(name: &str) -> Result<Api, String> {
    Api::from_name(name).ok_or_else(|| {
        let known: Vec<&str> = default_listen().keys().map(|api| api.name()).collect();
        format!("unknown API {name} (one of {})", known.join(", "))
    })
}

fn parse_listen(text: &str) -> Result<(Api, SocketAddr), String> {
    let (api, address) = text.split_once('=').ok_or("expected <api>=<address>")?;
    let api = parse_api(api)?;
    let address = address.parse().map_err(|e| format!("{address}: {e}"))?;
    Ok((api, address))
}

/// Where the data lives: `--db`.
#[derive(Clone)]
enum Database {
    Sqlite(std::path::PathBuf),
    Postgres(String),
}

/// A `postgres://` or `postgresql://` URL is PostgreSQL; anything else is a
/// SQLite file's path.
fn parse_db(text: &str) -> Result<Database, String> {
    if text.starts_with("postgres://") || text.starts_with("postgresql://") {
        Ok(Database::Postgres(text.to_string()))
    } else {
        Ok(Database::Sqlite(text.into()))
    }
}

impl std::fmt::Display for Database {
    /// The database as printed at start: a URL without its password.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Database::Sqlite(path) => write!(f, "{}", path.display()),
            Database::Postgres(url) => {
                // postgres://user:password@host/db → postgres://user:***@host/db
                let Some((scheme, rest)) = url.split_once("://") else {
                    return write!(f, "{url}");
                };
                let (authority, path) = rest.split_at(rest.find('/').unwrap_or(rest.len()));
                match authority.rsplit_once('@') {
                    Some((userinfo, host)) => {
                        let user = userinfo.split(':').next().unwrap_or_default();
                        let hidden = if userinfo.contains(':') { ":***" } else { "" };
                        write!(f, "{scheme}://{user}{hidden}@{host}{path}")
                    }
                    None => write!(f, "{url}"),
                }
            }
        }
    }
}

async fn open(db: &Database) -> Result<Arc<dyn Store>, String> {
    match db {
        Database::Sqlite(path) => SqliteStore::open(path).map(|s| Arc::new(s) as Arc<dyn Store>),
        Database::Postgres(url) => PostgresStore::connect(url)
            .await
            .map(|s| Arc::new(s) as Arc<dyn Store>),
    }
    .map_err(|e| format!("{db}: {e}"))
}

/// Each API's credentials, as its requests carry them, with the path of
/// an API whose path names the caller (Ctrl-Hub's `/v3/users/{user_id}`).
/// Exante's `default_organization` must name one of the user's
/// organisations, so they are printed first.
fn print_tokens(new: &NewUserView) {
    println!("user {} ({})", new.username, new.user_id);
    let ids: Vec<String> = new.organisations.iter().map(|id| id.to_string()).collect();
    println!("organisations: {}", ids.join(", "));
    for (api, credential) in &new.credentials {
        let headers: Vec<String> = credential
            .tenant
            .iter()
            .chain([&credential.credential])
            .map(|(name, value)| format!("{name}: {value}"))
            .collect();
        let path = if credential.path_parameters.is_empty() {
            String::new()
        } else {
            format!("  (path: {}, your own)", credential.path)
        };
        println!("  {:<12} {}{path}", api.name(), headers.join("  "));
    }
}

/// A new user and what each API's requests carry for them: what
/// `user add` prints, and its `--json`.
#[derive(serde::Serialize)]
struct NewUserView {
    username: String,
    user_id: uuid::Uuid,
    tenant: String,
    organisations: Vec<uuid::Uuid>,
    credentials: BTreeMap<Api, CredentialView>,
}

/// One API's credential for a user, placed as the API's descriptor says.
#[derive(serde::Serialize)]
struct CredentialView {
    token: String,
    /// The header that carries the token, as `[name, value]`.
    credential: (&'static str, String),
    /// The header naming the user's tenant, for an API with one.
    tenant: Option<(&'static str, String)>,
    /// The operation's path for this user.
    path: String,
    /// The path's parameters for this user, by name.
    path_parameters: BTreeMap<&'static str, String>,
}

impl NewUserView {
    fn new(
        username: &str,
        user_id: uuid::Uuid,
        tenant: &str,
        organisations: Vec<uuid::Uuid>,
        tokens: &[(Api, String)],
    ) -> NewUserView {
        let credentials = tokens
            .iter()
            .map(|(api, token)| {
                let descriptor = api.descriptor();
                let credentials = &descriptor.credentials;
                let view = CredentialView {
                    token: token.clone(),
                    credential: credentials.credential_header(token),
                    tenant: credentials.tenant(Some(tenant)),
                    path: descriptor.operation.path_for(&user_id),
                    path_parameters: descriptor
                        .operation
                        .path_parameters(&user_id)
                        .into_iter()
                        .collect(),
                };
                (*api, view)
            })
            .collect();
        NewUserView {
            username: username.to_string(),
            user_id,
            tenant: tenant.to_string(),
            organisations,
            credentials,
        }
    }
}

async fn serve(
    db: Database,
    listen: Vec<(Api, SocketAddr)>,
    apis: Vec<Api>,
    demo: bool,
    limit_flags: LimitFlags,
    operations: OperationFlags,
) -> Result<(), String> {
    // Held to the end of `serve`: dropping it writes out the last lines.
    let request_log = logger(operations.log_format, "profile-server")?;
    let log = request_log.logger().clone();
    let mut addresses: BTreeMap<Api, SocketAddr> = default_listen();
    if let Some(stray) = listen
        .iter()
        .find(|(api, _)| !apis.is_empty() && !apis.contains(api))
    {
        return Err(format!(
            "--listen {}=... names an API that --api leaves out",
            stray.0.name()
        ));
    }
    addresses.extend(listen);
    if !apis.is_empty() {
        addresses.retain(|api, _| apis.contains(api));
    }
    // Before the store opens, so that its files and connections count
    // against the raised limit.
    let (soft, hard) = raise_soft_limit()?;
    let budget = size_caps(
        soft,
        hard,
        addresses.len(),
        limit_flags
            .max_connections
            .map(|n| usize::try_from(n).unwrap_or(usize::MAX)),
        Limits::default().max_connections,
    )?;
    slog::info!(log, "descriptor limits";
        "soft" => budget.soft, "hard" => budget.hard, "apis" => addresses.len(),
        "max_connections_per_api" => budget.max_connections,
        "per_connection" => server::open_files::PER_CONNECTION,
        "reserved" => server::open_files::RESERVED);
    let limits = limit_flags.limits(budget.max_connections);
    let store = open(&db).await?;
    let metrics = Metrics::new();
    metrics.register_store(store.as_ref());

    let first_start = store.user_count().await.map_err(|e| e.to_string())? == 0;
    let demo_user = if first_start || demo {
        Some(demo_credentials(store.as_ref()).await?)
    } else {
        None
    };

    let mut signals = StopSignals::listen()?;
    let running = start_all(Arc::clone(&store), &addresses, &limits, &metrics, &log)?;
    let admin = Admin::start(operations.admin, Arc::clone(&store), metrics, log.clone()).await?;
    // Written into one string (`fmt::Write` on a `String` cannot fail) and
    // printed once by `print_banner`.
    let mut banner = String::new();
    let _ = writeln!(banner, "database: {db}");
    for api in &running {
        let url = api.base_url();
        let _ = writeln!(
            banner,
            "{:<12} {url}  (spec: {url}/openapi.json)",
            api.api.name()
        );
    }
    let _ = writeln!(
        banner,
        "{:<12} http://{}  (/healthz /readyz /metrics)",
        "admin",
        admin.local_addr()
    );
    if let Some((user_id, tenant, tokens)) = demo_user {
        let _ = writeln!(
            banner,
            "\ndemo user {user_id} (Ctrl-Hub's path names this id: /v3/users/{user_id}); one curl line per API:"
        );
        for api in &running {
            let Some((_, token)) = tokens.iter().find(|(a, _)| *a == api.api) else {
                continue;
            };
            let credentials = DemoCredentials {
                user_id,
                token: token.clone(),
                tenant: Some(tenant.clone()),
            };
            let curl = api
                .api
                .descriptor()
                .demo_curl(&api.base_url(), &credentials);
            let _ = writeln!(banner, "\n# {}\n{curl}", api.api.name());
        }
    }
    print_banner(&banner);
    // Serve until the process is asked to stop: no server stops on its own,
    // short of a fatal error, which dropshot logs. On Ctrl-C or SIGTERM the
    // servers are closed, so requests in flight are answered and the store is
    // dropped cleanly (SQLite checkpoints its WAL on close), within
    // `STOP_GRACE`; a second signal stops at once. Every acknowledged update
    // is already durable, so this is tidiness, not safety: `kill -9` loses
    // nothing acknowledged either.
    signals.next().await;
    // Not ready from now on, so that a load balancer stops sending here;
    // the APIs serve on for the drain delay, while it notices.
    admin.stopping();
    let drain_delay = Duration::from_secs_f64(operations.drain_delay);
    if !drain_delay.is_zero() {
        slog::info!(log, "stopping: /readyz answers 503; the APIs serve for the drain delay";
            "drain_delay_s" => operations.drain_delay);
        tokio::select! {
            () = tokio::time::sleep(drain_delay) => {}
            _ = signals.next() => {
                slog::warn!(log, "stopping at once (a second signal)");
                return Ok(());
            }
        }
    }
    // Logged, not printed: in the log's own format (one JSON object per
    // line under `--log-format json`) and in order with the lines before it.
    slog::info!(log, "stopping (a second Ctrl-C stops at once)");
    // Every API drains at once: each front answers the requests that reach
    // it meanwhile (503, `Connection: close`) and lets those at the API
    // finish, then its dropshot server closes.
    let close_all = async {
        let mut stopping = tokio::task::JoinSet::new();
        for api in running {
            stopping.spawn(async move { (api.api, api.stop().await) });
        }
        while let Some(stopped) = stopping.join_next().await {
            match stopped {
                Ok((api, Err(e))) => {
                    slog::error!(log, "cannot stop cleanly: {e}"; "api" => api.name());
                }
                Ok((_, Ok(()))) => {}
                Err(e) => slog::error!(log, "a server's stop failed: {e}"),
            }
        }
    };
    tokio::select! {
        () = close_all => {}
        _ = tokio::time::sleep(STOP_GRACE) => {
            slog::warn!(log, "requests still in flight after {STOP_GRACE:?}; stopping");
        }
        _ = signals.next() => slog::warn!(log, "stopping at once (a second signal)"),
    }
    admin.stop().await;
    Ok(())
}

/// How long a stop waits for requests in flight.
const STOP_GRACE: std::time::Duration = std::time::Duration::from_secs(10);

/// Ctrl-C (SIGINT) and SIGTERM, what `docker stop` and service managers
/// send. Both are listened for from `listen`, before the servers start:
/// a failure to listen stops the start, not a running server, and a signal
/// that arrives while they start is not lost (nor does it kill the process
/// with the default action, skipping the clean stop).
struct StopSignals {
    #[cfg(unix)]
    interrupt: tokio::signal::unix::Signal,
    #[cfg(unix)]
    terminate: tokio::signal::unix::Signal,
    #[cfg(windows)]
    ctrl_c: tokio::signal::windows::CtrlC,
}

impl StopSignals {
    fn listen() -> Result<Self, String> {
        #[cfg(unix)]
        {
            use tokio::signal::unix::{SignalKind, signal};
            Ok(StopSignals {
                interrupt: signal(SignalKind::interrupt())
                    .map_err(|e| format!("cannot listen for Ctrl-C: {e}"))?,
                terminate: signal(SignalKind::terminate())
                    .map_err(|e| format!("cannot listen for SIGTERM: {e}"))?,
            })
        }
        #[cfg(windows)]
        {
            Ok(StopSignals {
                ctrl_c: tokio::signal::windows::ctrl_c()
                    .map_err(|e| format!("cannot listen for Ctrl-C: {e}"))?,
            })
        }
    }

    /// Resolves at the next Ctrl-C or (on Unix) SIGTERM.
    async fn next(&mut self) {
        #[cfg(unix)]
        tokio::select! {
            _ = self.interrupt.recv() => {}
            _ = self.terminate.recv() => {}
        }
        #[cfg(windows)]
        self.ctrl_c.recv().await;
    }
}

type DemoUser = (uuid::Uuid, String, Vec<(Api, String)>);

/// The demo user ("demo"), created if missing, with fresh tokens.
async fn demo_credentials(store: &dyn Store) -> Result<DemoUser, String> {
    let tenant = "demo-tenant";
    match add_user(store, "demo", "demo@example.com", Some(tenant)).await {
        Ok(new) => Ok((new.user.id, new.tenant, new.tokens)),
        Err(server::storage::StoreError::Duplicate(_)) => {
            let id = store
                .user_id_by_name("demo")
                .await
                .map_err(|e| e.to_string())?
                .ok_or("demo user vanished")?;
            let tokens = issue_all(store, id, tenant)
                .await
                .map_err(|e| e.to_string())?;
            Ok((id, tenant.to_string(), tokens))
        }
        Err(e) => Err(e.to_string()),
    }
}

fn run(cli: Cli) -> Result<(), String> {
    // No command is `serve` with every default, as clap parses it.
    let command = match cli.command {
        Some(command) => command,
        None => Cli::try_parse_from(["server", "serve"])
            .map_err(|e| e.to_string())?
            .command
            .ok_or("no default command")?,
    };
    match command {
        Command::Serve {
            listen,
            apis,
            demo,
            limits,
            operations,
        } => tokio::runtime::Builder::new_multi_thread()
            .enable_all()
            .build()
            .map_err(|e| format!("cannot start the runtime: {e}"))?
            .block_on(serve(cli.db, listen, apis, demo, limits, operations)),
        Command::Openapi { api } => {
            let api = parse_api(&api)?;
            let document = derived_openapi(api)?;
            let text = serde_json::to_string_pretty(&document).map_err(|e| e.to_string())?;
            println!("{text}");
            Ok(())
        }
        Command::Describe => {
            let all: Vec<_> = descriptors().collect();
            let text = serde_json::to_string_pretty(&all).map_err(|e| e.to_string())?;
            println!("{text}");
            Ok(())
        }
        Command::User {
            command:
                UserCommand::Add {
                    username,
                    email,
                    tenant,
                    json,
                },
        } => command_runtime()?.block_on(async {
            let store = open(&cli.db).await?;
            let new = add_user(store.as_ref(), &username, &email, tenant.as_deref())
                .await
                .map_err(|e| e.to_string())?;
            let organisations: Vec<uuid::Uuid> = store
                .organisations_of(new.user.id)
                .await
                .map_err(|e| e.to_string())?
                .iter()
                .map(|o| o.id)
                .collect();
            let view = NewUserView::new(
                &new.user.username,
                new.user.id,
                &new.tenant,
                organisations,
                &new.tokens,
            );
            if json {
                let text = serde_json::to_string_pretty(&view).map_err(|e| e.to_string())?;
                println!("{text}");
            } else {
                print_tokens(&view);
            }
            Ok(())
        }),
        Command::User {
            command: UserCommand::Remove { username },
        } => command_runtime()?.block_on(async {
            open(&cli.db)
                .await?
                .remove_user(&username)
                .await
                .map_err(|e| e.to_string())?;
            println!("user {username} removed, with their tokens and profiles");
            Ok(())
        }),
        Command::Token {
            command: TokenCommand::Revoke { key },
        } => command_runtime()?.block_on(async {
            let key_id = server::auth::key_id_of(&key)
                .ok_or("expected a key id (12 hex digits) or a whole token")?;
            let revoked = open(&cli.db)
                .await?
                .revoke_credential(key_id)
                .await
                .map_err(|e| e.to_string())?;
            if revoked == 0 {
                return Err(format!("no token has the key id {key_id}"));
            }
            println!("token {key_id} revoked");
            Ok(())
        }),
    }
}

/// The runtime a command other than `serve` runs its storage calls on: one
/// thread is plenty for a handful of calls.
fn command_runtime() -> Result<tokio::runtime::Runtime, String> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| format!("cannot start the runtime: {e}"))
}

/// Writes what `serve` prints at start. A reader that has gone away (a
/// script that read the addresses and closed the pipe, `server serve | head
/// -3`) must not stop the server: `println!` would panic on the closed pipe,
/// so the text is written once and an error is ignored.
fn print_banner(banner: &str) {
    use std::io::Write as _;
    let mut stdout = std::io::stdout().lock();
    let _ = stdout.write_all(banner.as_bytes());
    let _ = stdout.flush();
}

fn main() -> ExitCode {
    match run(Cli::parse()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("server: {e}");
            ExitCode::FAILURE
        }
    }
}

#[cfg(test)]
mod tests {
    use super::{Database, parse_db};

    #[test]
    fn a_postgres_url_is_postgresql_and_anything_else_a_sqlite_file() {
        assert!(matches!(
            parse_db("postgres://u@h/db"),
            Ok(Database::Postgres(_))
        ));
        assert!(matches!(
            parse_db("postgresql://u@h/db"),
            Ok(Database::Postgres(_))
        ));
        assert!(matches!(
            parse_db("data/profiles.sqlite"),
            Ok(Database::Sqlite(_))
        ));
    }

    #[test]
    fn a_printed_database_url_hides_its_password() {
        let shown = |url: &str| parse_db(url).map(|db| db.to_string()).unwrap_or_default();
        assert_eq!(
            shown("postgres://app:s3cret@db.internal:5432/profiles"),
            "postgres://app:***@db.internal:5432/profiles"
        );
        assert_eq!(
            shown("postgres://app@db/profiles"),
            "postgres://app@db/profiles"
        );
        assert_eq!(shown("data/x.sqlite"), "data/x.sqlite");
    }
}
