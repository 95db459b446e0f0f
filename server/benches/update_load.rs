//! Load on each API's update operation: the real server (authenticated,
//! validated, durable on a fresh SQLite file) against a *ceiling* server — a
//! dropshot handler on the same route with the same body extractor that
//! answers a fixed response, with no authentication and no storage. The
//! ceiling lives here, not in the product.
//!
//! `cargo xtask bench server [options]`, which is
//! `cargo bench -p server --bench update_load -- [options]`:
//!
//! ```text
//! --seconds <s>        measured seconds per case (default 3)
//! --warmup <s>         unmeasured seconds before each case (default 0.5)
//! --connections <list> comma-separated (default 1,8,32,128)
//! --apis <list>        comma-separated API names (default: all five)
//! --users <n>          users created with add_user (default: max(128, connections))
//! --no-log             the server logs nowhere (default: the info-level request
//!                      log, buffered, to a file, as `server serve` logs to stderr)
//! --keep               keep the database and the log after the run
//! --without-front      drive the server's dropshot servers directly, not
//!                      through their fronts: a measurement of what the front
//!                      costs the real server (the product always serves
//!                      through the front, which enforces the connection
//!                      limits and the stop; docs/server.md)
//! --charts <dir>       where the figures are saved (results-<store>.json)
//!                      and the charts drawn from every store's saved
//!                      figures (throughput.svg, p99.svg); default
//!                      target/bench
//! --only server|ceiling|front
//!                      drive only one of the three (for profiling; the
//!                      others' columns are then zero)
//! --one-profile <n>    also run each API with <n> connections all updating
//!                      one user's profile (default 32; 0 skips the case)
//! --db sqlite|postgres|<postgres:// URL>
//!                      the store (default sqlite). `postgres` starts a
//!                      throwaway PostgreSQL cluster with fsync on (see
//!                      profile_test_server::postgres); a URL must name an
//!                      empty database
//! --nodes <n>          PostgreSQL only: n server nodes, each with its own
//!                      store (pool) and credential cache, in this
//!                      process; connection i goes to node i mod n
//!                      (default 1)
//! ```
//!
//! Besides throughput and latency, which depend on the load generator
//! sharing the two cores, each case reports the CPU time the server side
//! used per answered request (user + system, µs): this process's own
//! rusage (`/proc/self/stat`) minus the load generator's threads
//! (`/proc/self/task/*/stat`) and the main thread, sampled around the case
//! and divided by every request it answered, warm-up included. The ceiling
//! is measured the same way, so their ratio does not depend on how fast the
//! load generator is.
//!
//! Every connection is its own keep-alive HTTP/1.1 connection (one reqwest
//! client each) sending as fast as answers come back, as its own user, with
//! a body that differs from every earlier one (a global counter is part of
//! the values), so that no request is a no-op and nothing can be cached.
//! Every status is checked: a non-2xx answer or a transport failure counts
//! as an error and is shown in the table.

/// The server binary's allocator (`src/main.rs` says why): the bench runs
/// the server in this process, and measures what ships.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[path = "update_load/charts.rs"]
mod charts;

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use dropshot::{
    ApiDescription, Body, ConfigDropshot, Header, HttpError, HttpServer, RequestContext,
    ServerBuilder, TypedBody,
};
use http::Response;
use serde_json::json;
use server::apis::REQUEST_BODY_MAX_BYTES;
use server::front::{ApiShape, Front, Limits};
use server::identity::add_user;
use server::request_log::RequestLog;
use server::serve::{RunningApi, start_one};
use server::storage::postgres::PostgresStore;
use server::storage::sqlite::SqliteStore;
use server::storage::{Api, Store};

// ---------- options ----------

struct Options {
    seconds: f64,
    warmup: f64,
    connections: Vec<usize>,
    apis: Vec<Api>,
    users: Option<usize>,
    log: bool,
    keep: bool,
    without_front: bool,
    only: Option<String>,
    one_profile: usize,
    db: Db,
    nodes: usize,
    /// Where the figures are saved and the charts drawn.
    charts: PathBuf,
}

/// `--db`.
enum Db {
    Sqlite,
    /// A throwaway cluster (`None`) or the given URL.
    Postgres(Option<String>),
}

fn number<T: std::str::FromStr>(flag: &str, value: Option<&String>) -> Result<T, String> {
    value
        .ok_or_else(|| format!("{flag} needs a value"))?
        .parse()
        .map_err(|_| format!("{flag}: not a number"))
}

fn parse_options(args: &[String]) -> Result<Options, String> {
    let mut options = Options {
        seconds: 3.0,
        warmup: 0.5,
        connections: vec![1, 8, 32, 128],
        apis: Api::ALL.to_vec(),
        users: None,
        log: true,
        keep: false,
        without_front: false,
        only: None,
        one_profile: 32,
        db: Db::Sqlite,
        nodes: 1,
        charts: PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
            .parent()
            .map_or_else(|| PathBuf::from("target"), std::path::Path::to_path_buf)
            .join("bench"),
    };
    let mut args = args.iter();
    while let Some(arg) = args.next() {
        match arg.as_str() {
            // `cargo bench` passes `--bench` to every bench binary.
            "--bench" => {}
            "--seconds" => options.seconds = number("--seconds", args.next())?,
            "--warmup" => options.warmup = number("--warmup", args.next())?,
            "--users" => options.users = Some(number("--users", args.next())?),
            "--connections" => {
                let list = args.next().ok_or("--connections needs a value")?;
                options.connections = list
                    .split(',')
                    .map(|n| n.trim().parse().map_err(|_| format!("--connections: {n}")))
                    .collect::<Result<_, _>>()?;
            }
            "--apis" => {
                let list = args.next().ok_or("--apis needs a value")?;
                options.apis = list
                    .split(',')
                    .map(|n| Api::from_name(n.trim()).ok_or_else(|| format!("unknown API {n}")))
                    .collect::<Result<_, _>>()?;
            }
            "--nodes" => options.nodes = number("--nodes", args.next())?,
            "--db" => {
                options.db = match args.next().map(String::as_str) {
                    Some("sqlite") => Db::Sqlite,
                    Some("postgres") => Db::Postgres(None),
                    Some(url)
                        if url.starts_with("postgres://") || url.starts_with("postgresql://") =>
                    {
                        Db::Postgres(Some(url.to_string()))
                    }
                    _ => return Err("--db takes sqlite, postgres or a postgres:// URL".into()),
                }
            }
            "--no-log" => options.log = false,
            "--without-front" => options.without_front = true,
            "--charts" => {
                options.charts = PathBuf::from(args.next().ok_or("--charts needs a directory")?)
            }
            "--one-profile" => options.one_profile = number("--one-profile", args.next())?,
            "--keep" => options.keep = true,
            "--only" => match args.next().map(String::as_str) {
                Some(which @ ("server" | "ceiling" | "front")) => {
                    options.only = Some(which.to_string())
                }
                _ => return Err("--only takes server, ceiling or front".into()),
            },
            other => return Err(format!("unknown option {other}")),
        }
    }
    if !(options.seconds > 0.0 && options.warmup >= 0.0) {
        return Err("--seconds must be positive and --warmup not negative".into());
    }
    if options.connections.contains(&0) || options.connections.is_empty() {
        return Err("--connections: each count must be at least 1".into());
    }
    if options.nodes == 0 || (options.nodes > 1 && matches!(options.db, Db::Sqlite)) {
        return Err("--nodes: at least 1, and more than 1 only with --db postgres".into());
    }
    for &api in &options.apis {
        load_profile_known(api)?;
    }
    Ok(options)
}

// ---------- what is sent ----------

/// A user with their credentials for every API.
struct BenchUser {
    id: uuid::Uuid,
    tenant: String,
    tokens: BTreeMap<Api, String>,
}

impl BenchUser {
    fn token(&self, api: Api) -> &str {
        self.tokens.get(&api).map_or("", String::as_str)
    }
}

/// Makes every body differ from every earlier one.
static SEQUENCE: AtomicU64 = AtomicU64::new(1);

/// `n` as ASCII letters (Exante's names are letters only).
fn letters(mut n: u64) -> String {
    let mut text = String::new();
    loop {
        text.push(char::from(b'a' + (n % 26) as u8));
        n /= 26;
        if n == 0 {
            return text;
        }
    }
}

const TIME_ZONES: [&str; 4] = [
    "Europe/London",
    "America/New_York",
    "Asia/Tokyo",
    "Australia/Sydney",
];

/// Whether this bench has a load profile for `api`: a varied valid body
/// (`request`) and a ceiling endpoint (`start_ceiling`). Method, path,
/// media type and credentials come from the API's descriptor; the bodies
/// and the ceilings are written here per API, so an API added since is
/// refused by name rather than loaded with a body it may refuse.
fn load_profile_known(api: Api) -> Result<(), String> {
    match api {
        Api::Ctechnology | Api::Cl2c | Api::Exante | Api::Ctrlhub | Api::Zitadel => Ok(()),
        // Reachable once a sixth API is registered.
        #[allow(unreachable_patterns)]
        other => Err(format!(
            "{other}: the bench has no load profile for this API yet (a varied body in \
             `request` and a ceiling in `start_ceiling`, server/benches/update_load.rs); \
             leave it out with --apis"
        )),
    }
}

/// One valid update of `user`'s profile in `api`, varied by `n`.
fn request(
    client: &reqwest::Client,
    api: Api,
    base_url: &str,
    user: &BenchUser,
    index: usize,
    n: u64,
) -> reqwest::RequestBuilder {
    let token = user.token(api);
    match api {
        Api::Ctechnology => client
            .put(format!("{base_url}/api/v2.2/me"))
            .header("Authorization", format!("Token {token}"))
            .header("Content-Type", "application/json")
            .body(
                json!({
                    "first_name": format!("Ada{n}"),
                    "last_name": format!("User{index}"),
                    "address_city": format!("City {n}"),
                    "address_zip": format!("{:05}", n % 100_000),
                    "may_use_email_for_marketing": n.is_multiple_of(2),
                    "measurement_units": if n.is_multiple_of(2) { "METRIC" } else { "IMPERIAL" },
                    "settings_webapp": {
                        "main_role": if n.is_multiple_of(2) { "PRIVATE" } else { "PROFESSIONAL" },
                        "private_sidebar_filter_vehicles": { "show_own_vehicles": n.is_multiple_of(3) }
                    }
                })
                .to_string(),
            ),
        Api::Cl2c => client
            .put(format!("{base_url}/v1/cl2c/user"))
            .header("tenant", user.tenant.as_str())
            .header("X-API-Key", token)
            .header("Content-Type", "application/json")
            .body(
                json!({
                    "id": "string",
                    "firstName": format!("John{n}"),
                    "lastName": format!("Doe{index}"),
                    "phoneNumber": format!("+1{:010}", n % 10_000_000_000),
                    "pushToken": format!("push-{n}")
                })
                .to_string(),
            ),
        Api::Exante => client
            .patch(format!("{base_url}/api/user"))
            .header("Authorization", format!("Bearer {token}"))
            .header("Content-Type", "application/json")
            .body(
                json!({
                    "firstname": format!("Jane{}", letters(n)),
                    "lastname": format!("Doe{}", letters(index as u64)),
                    "timezone": TIME_ZONES[(n % 4) as usize],
                    "settings": { "theme": if n.is_multiple_of(2) { "dark" } else { "light" }, "n": n }
                })
                .to_string(),
            ),
        Api::Ctrlhub => client
            .put(format!("{base_url}/v3/users/{}", user.id))
            .header("X-Session-Token", token)
            .header("Content-Type", "application/vnd.api+json")
            .header("Accept", "application/vnd.api+json")
            .body(
                json!({
                    "data": {
                        "id": user.id,
                        "type": "users",
                        "attributes": { "profile": {
                            "personal": {
                                "first_name": format!("Charlotte{n}"),
                                "last_name": format!("Thompson{index}"),
                                "dob": format!("19{:02}-06-15T00:00:00.000Z", n % 100)
                            },
                            "contact": { "mobile": format!("07700 {:06}", n % 1_000_000) },
                            "settings": {
                                "preferred_language": "en-GB",
                                "timezone": TIME_ZONES[(n % 4) as usize]
                            }
                        }}
                    }
                })
                .to_string(),
            ),
        Api::Zitadel => client
            .put(format!("{base_url}/auth/v1/users/me/profile"))
            .header("Authorization", format!("Bearer {token}"))
            .header("Content-Type", "application/json")
            .header("Accept", "application/json")
            .body(
                json!({
                    "firstName": format!("Minnie{n}"),
                    "lastName": format!("Mouse{index}"),
                    "nickName": format!("M{n}"),
                    "displayName": format!("Minnie Mouse {n}"),
                    "preferredLanguage": "en",
                    "gender": if n.is_multiple_of(2) { "GENDER_FEMALE" } else { "GENDER_DIVERSE" }
                })
                .to_string(),
            ),
        // Refused by `load_profile_known` before any load starts.
        #[allow(unreachable_patterns)]
        other => unreachable!("{other} has no load profile"),
    }
}

// ---------- the ceiling ----------

/// The ceiling's context: the answer it gives to every request (a real
/// answer of the server, captured once, so that both send the same bytes).
struct Ceiling {
    content_type: String,
    body: Vec<u8>,
}

fn fixed(rqctx: &RequestContext<Ceiling>) -> Result<Response<Body>, HttpError> {
    let ceiling = rqctx.context();
    Response::builder()
        .status(200)
        .header(http::header::CONTENT_TYPE, ceiling.content_type.as_str())
        .body(Body::from(ceiling.body.clone()))
        .map_err(|e| HttpError::for_internal_error(e.to_string()))
}

mod ceiling {
    use super::*;
    use server::apis::{cl2c, ctechnology, ctrlhub, exante, zitadel};

    #[dropshot::endpoint { method = PUT, path = "/api/v2.2/me" }]
    pub async fn ctechnology_update(
        rqctx: RequestContext<Ceiling>,
        body: TypedBody<ctechnology::types::UserProfileUpdate>,
    ) -> Result<Response<Body>, HttpError> {
        std::hint::black_box(body.into_inner());
        fixed(&rqctx)
    }

    #[dropshot::endpoint { method = PUT, path = "/v1/cl2c/user" }]
    pub async fn cl2c_update(
        rqctx: RequestContext<Ceiling>,
        headers: Header<cl2c::types::CredentialHeaders>,
        body: cl2c::types::ProfileBody,
    ) -> Result<Response<Body>, HttpError> {
        std::hint::black_box(headers.into_inner());
        body.0?;
        fixed(&rqctx)
    }

    #[dropshot::endpoint { method = PATCH, path = "/api/user" }]
    pub async fn exante_update(
        rqctx: RequestContext<Ceiling>,
        body: TypedBody<exante::types::UserProfileUpdate>,
    ) -> Result<Response<Body>, HttpError> {
        std::hint::black_box(body.into_inner());
        fixed(&rqctx)
    }

    #[dropshot::endpoint { method = PUT, path = "/v3/users/{user_id}" }]
    pub async fn ctrlhub_update(
        rqctx: RequestContext<Ceiling>,
        path: ctrlhub::media::JsonApiPath<ctrlhub::types::UserPath>,
        body: ctrlhub::media::JsonApiBody<ctrlhub::types::UserUpdateDocument>,
    ) -> Result<Response<Body>, HttpError> {
        let refused = |_| HttpError::for_bad_request(None, "refused".to_string());
        std::hint::black_box(path.into_inner().map_err(refused)?);
        std::hint::black_box(body.into_inner().map_err(refused)?);
        fixed(&rqctx)
    }

    #[dropshot::endpoint { method = PUT, path = "/auth/v1/users/me/profile" }]
    pub async fn zitadel_update(
        rqctx: RequestContext<Ceiling>,
        body: TypedBody<zitadel::types::UpdateMyProfileRequest>,
    ) -> Result<Response<Body>, HttpError> {
        std::hint::black_box(body.into_inner());
        fixed(&rqctx)
    }
}

fn start_ceiling(
    api: Api,
    answer: Ceiling,
    log: &slog::Logger,
) -> Result<HttpServer<Ceiling>, String> {
    let mut description = ApiDescription::new();
    let registered = match api {
        Api::Ctechnology => description.register(ceiling::ctechnology_update),
        Api::Cl2c => description.register(ceiling::cl2c_update),
        Api::Exante => description.register(ceiling::exante_update),
        Api::Ctrlhub => description.register(ceiling::ctrlhub_update),
        Api::Zitadel => description.register(ceiling::zitadel_update),
        // Refused by `load_profile_known` before any load starts.
        #[allow(unreachable_patterns)]
        other => return Err(format!("{other} has no ceiling")),
    };
    registered.map_err(|e| format!("{}: {e}", api.name()))?;
    let config = ConfigDropshot {
        bind_address: ([127, 0, 0, 1], 0).into(),
        default_request_body_max_bytes: REQUEST_BODY_MAX_BYTES,
        ..Default::default()
    };
    ServerBuilder::new(description, answer, log.clone())
        .config(config)
        .start()
        .map_err(|e| format!("ceiling for {}: {e}", api.name()))
}

// ---------- the load ----------

/// What one case measured.
struct Measured {
    requests: u64,
    /// Every answered request, warm-up included (what the CPU time is
    /// divided by).
    answered: u64,
    /// CPU time of the server side (or of the ceiling) during the case, µs.
    cpu_micros: u64,
    errors: u64,
    /// Every measured request's latency, in microseconds, sorted.
    latencies: Vec<u32>,
    seconds: f64,
    first_error: Option<String>,
}

impl Measured {
    fn per_second(&self) -> f64 {
        self.requests as f64 / self.seconds
    }

    /// The `q` quantile, in milliseconds.
    fn quantile(&self, q: f64) -> f64 {
        if self.latencies.is_empty() {
            return 0.0;
        }
        let rank = ((self.latencies.len() as f64) * q).ceil() as usize;
        let index = rank.clamp(1, self.latencies.len()) - 1;
        f64::from(self.latencies[index]) / 1000.0
    }

    /// Server-side CPU time per answered request, µs.
    fn cpu_per_request(&self) -> f64 {
        self.cpu_micros as f64 / self.answered.max(1) as f64
    }

    fn max(&self) -> f64 {
        self.latencies
            .last()
            .map_or(0.0, |&l| f64::from(l) / 1000.0)
    }
}

/// Drives `base_url` with `connections` connections: `warmup` unmeasured,
/// then `measure` measured.
async fn drive(
    api: Api,
    base_urls: Arc<[Arc<str>]>,
    users: Arc<Vec<BenchUser>>,
    one_profile: bool,
    connections: usize,
    warmup: Duration,
    measure: Duration,
) -> Result<Measured, String> {
    let start = Instant::now();
    let from = start + warmup;
    let until = from + measure;
    let mut tasks = tokio::task::JoinSet::new();
    for index in 0..connections {
        // One client per connection, so that each keeps exactly one
        // keep-alive connection of its own.
        let client = reqwest::Client::builder()
            .http1_only()
            .tcp_nodelay(true)
            .pool_max_idle_per_host(1)
            .build()
            .map_err(|e| format!("cannot build a client: {e}"))?;
        let base_urls = Arc::clone(&base_urls);
        let users = Arc::clone(&users);
        tasks.spawn(async move {
            let base_url = &base_urls[index % base_urls.len()];
            let user = if one_profile {
                &users[0]
            } else {
                &users[index % users.len()]
            };
            let mut latencies = Vec::with_capacity(4096);
            let mut answered = 0u64;
            let mut errors = 0u64;
            let mut first_error = None;
            loop {
                let sent = Instant::now();
                if sent >= until {
                    break;
                }
                let n = SEQUENCE.fetch_add(1, Ordering::Relaxed);
                let outcome = match request(&client, api, base_url, user, index, n).send().await {
                    Ok(response) => {
                        let status = response.status();
                        match response.bytes().await {
                            Ok(_) if status.is_success() => Ok(()),
                            Ok(body) => Err(format!(
                                "{status}: {}",
                                String::from_utf8_lossy(&body[..body.len().min(300)])
                            )),
                            Err(e) => Err(format!("{status}, body unreadable: {e}")),
                        }
                    }
                    Err(e) => Err(format!("transport: {e}")),
                };
                let elapsed = sent.elapsed();
                answered += 1;
                if sent < from {
                    continue;
                }
                latencies.push(u32::try_from(elapsed.as_micros()).unwrap_or(u32::MAX));
                if let Err(e) = outcome {
                    errors += 1;
                    first_error.get_or_insert(e);
                }
            }
            (latencies, answered, errors, first_error)
        });
    }
    let mut measured = Measured {
        requests: 0,
        answered: 0,
        cpu_micros: 0,
        errors: 0,
        latencies: Vec::new(),
        seconds: measure.as_secs_f64(),
        first_error: None,
    };
    while let Some(joined) = tasks.join_next().await {
        let (latencies, answered, errors, first_error) =
            joined.map_err(|e| format!("a connection task failed: {e}"))?;
        measured.requests += latencies.len() as u64;
        measured.answered += answered;
        measured.latencies.extend(latencies);
        measured.errors += errors;
        if measured.first_error.is_none() {
            measured.first_error = first_error;
        }
    }
    // Requests still in flight at the end finish a little after it.
    measured.seconds = (Instant::now() - from).as_secs_f64().max(measured.seconds);
    measured.latencies.sort_unstable();
    Ok(measured)
}

// ---------- CPU time ----------

/// Clock ticks per second in `/proc/*/stat` (USER_HZ, 100 on Linux).
const TICKS_PER_SECOND: u64 = 100;

/// utime + stime, in ticks, from the text of a `/proc/.../stat` file. The
/// command name (field 2) is in parentheses and may hold spaces, so fields
/// are counted after its closing parenthesis: utime and stime are fields
/// 14 and 15, the 12th and 13th after it.
fn stat_ticks(stat: &str) -> Option<u64> {
    let rest = &stat[stat.rfind(')')? + 1..];
    let mut fields = rest.split_whitespace().skip(11);
    let utime: u64 = fields.next()?.parse().ok()?;
    let stime: u64 = fields.next()?.parse().ok()?;
    Some(utime + stime)
}

/// CPU time used so far by everything in this process but the load
/// generator (threads named `load…`) and the main thread (which only waits
/// for the load): the servers, SQLite's writer and the request log. In µs.
/// Threads that ended are still in the process's total, so a server thread
/// that exits is not lost.
fn server_cpu_micros() -> Result<u64, String> {
    let read = |path: &str| std::fs::read_to_string(path).map_err(|e| format!("{path}: {e}"));
    let process = stat_ticks(&read("/proc/self/stat")?).ok_or("unreadable /proc/self/stat")?;
    let main = std::process::id().to_string();
    let mut load = 0;
    let tasks =
        std::fs::read_dir("/proc/self/task").map_err(|e| format!("/proc/self/task: {e}"))?;
    for task in tasks.flatten() {
        let tid = task.file_name().to_string_lossy().into_owned();
        let comm = std::fs::read_to_string(task.path().join("comm")).unwrap_or_default();
        if tid == main || comm.starts_with("load") {
            // A thread may end between listing and reading: it counts as 0.
            let stat = std::fs::read_to_string(task.path().join("stat")).unwrap_or_default();
            load += stat_ticks(&stat).unwrap_or(0);
        }
    }
    Ok(process.saturating_sub(load) * 1_000_000 / TICKS_PER_SECOND)
}

/// The median time of a 4 KiB write + fsync in `dir` (what a commit with
/// `synchronous = FULL` waits for at least once), in ms.
fn fsync_millis(dir: &std::path::Path) -> Result<f64, String> {
    use std::io::Write;
    let path = dir.join("fsync-probe");
    let mut file = std::fs::File::create(&path).map_err(|e| format!("{}: {e}", path.display()))?;
    let block = [0u8; 4096];
    let mut times = Vec::with_capacity(200);
    for _ in 0..200 {
        let started = Instant::now();
        file.write_all(&block).map_err(|e| e.to_string())?;
        file.sync_data().map_err(|e| e.to_string())?;
        times.push(started.elapsed().as_secs_f64() * 1000.0);
    }
    let _ = std::fs::remove_file(&path);
    times.sort_by(f64::total_cmp);
    Ok(times[times.len() / 2])
}

/// One real answer of the server, for the ceiling to repeat.
async fn sample_answer(api: Api, base_url: &str, user: &BenchUser) -> Result<Ceiling, String> {
    let client = reqwest::Client::new();
    let n = SEQUENCE.fetch_add(1, Ordering::Relaxed);
    let response = request(&client, api, base_url, user, 0, n)
        .send()
        .await
        .map_err(|e| format!("{}: {e}", api.name()))?;
    let status = response.status();
    let content_type = response
        .headers()
        .get(http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("application/json")
        .to_string();
    let body = response
        .bytes()
        .await
        .map_err(|e| format!("{}: {e}", api.name()))?
        .to_vec();
    if !status.is_success() {
        return Err(format!(
            "{}: the sample request failed: {status} {}",
            api.name(),
            String::from_utf8_lossy(&body)
        ));
    }
    Ok(Ceiling { content_type, body })
}

// ---------- the run ----------

struct Row {
    api: Api,
    connections: usize,
    /// Every connection updates the same user's profile.
    one_profile: bool,
    server: Measured,
    ceiling: Measured,
    /// The ceiling behind a front of its own.
    fronted: Measured,
}

fn cell(m: &Measured) -> String {
    format!(
        "{:.0} | {:.2} | {:.2} | {:.2} | {} | {:.0}",
        m.per_second(),
        m.quantile(0.50),
        m.quantile(0.99),
        m.max(),
        m.errors,
        m.cpu_per_request()
    )
}

impl Row {
    fn label(&self) -> String {
        if self.one_profile {
            format!("{} (one profile)", self.connections)
        } else {
            self.connections.to_string()
        }
    }

    fn ratio(&self) -> f64 {
        over(self.server.per_second(), self.ceiling.per_second())
    }

    fn cpu_ratio(&self) -> f64 {
        over(
            self.server.cpu_per_request(),
            self.ceiling.cpu_per_request(),
        )
    }
}

/// `part / whole`, with a whole of zero (a case not run) giving a finite
/// ratio rather than a division by zero.
fn over(part: f64, whole: f64) -> f64 {
    part / whole.max(f64::MIN_POSITIVE)
}

fn table(rows: &[Row]) -> String {
    let mut out = String::from(
        "| API | conns | server req/s | p50 ms | p99 ms | max ms | errors | CPU µs/req \
         | ceiling req/s | p50 ms | p99 ms | max ms | errors | CPU µs/req \
         | server/ceiling | CPU server/ceiling |\n\
         |---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|\n",
    );
    for row in rows {
        out.push_str(&format!(
            "| {} | {} | {} | {} | {:.2} | {:.2} |\n",
            row.api.name(),
            row.label(),
            cell(&row.server),
            cell(&row.ceiling),
            row.ratio(),
            row.cpu_ratio(),
        ));
    }
    out
}

/// What the front costs on its own: the ceiling against the same ceiling
/// behind a front (the front's CPU time per request is the difference).
fn front_table(rows: &[Row]) -> String {
    let mut out = String::from(
        "| API | conns | ceiling req/s | p99 ms | CPU µs/req | behind a front req/s | p99 ms \
         | CPU µs/req | front's CPU µs/req | throughput kept |\n\
         |---|--:|--:|--:|--:|--:|--:|--:|--:|--:|\n",
    );
    for row in rows.iter().filter(|r| !r.one_profile) {
        let (alone, fronted) = (&row.ceiling, &row.fronted);
        out.push_str(&format!(
            "| {} | {} | {:.0} | {:.2} | {:.0} | {:.0} | {:.2} | {:.0} | {:.0} | {:.2} |\n",
            row.api.name(),
            row.connections,
            alone.per_second(),
            alone.quantile(0.99),
            alone.cpu_per_request(),
            fronted.per_second(),
            fronted.quantile(0.99),
            fronted.cpu_per_request(),
            fronted.cpu_per_request() - alone.cpu_per_request(),
            over(fronted.per_second(), alone.per_second()),
        ));
    }
    out
}

/// The targets (reported, not enforced): at 32 connections at least half
/// the ceiling's throughput, p99 at most 5 ms, no errors, server CPU per
/// request at most twice the ceiling's; 32 connections on one profile with
/// no errors and within 20 % of the 32-users throughput; one connection's
/// p50 at most the fsync time plus 0.3 ms.
fn targets(rows: &[Row], fsync: f64, without_front: bool) -> String {
    let verdict = |met: bool| if met { "met" } else { "NOT met" };
    let mut out = String::new();
    for row in rows {
        let api = row.api.name();
        let (server, errors) = (&row.server, row.server.errors);
        match (row.connections, row.one_profile) {
            (1, false) => {
                let p50 = server.quantile(0.50);
                out.push_str(&format!(
                    "- {api} @1: p50 {p50:.2} ms (target ≤ fsync {fsync:.2} + 0.30 ms): {}\n",
                    verdict(p50 <= fsync + 0.3)
                ));
            }
            (32, false) => {
                let (ratio, p99, cpu) = (row.ratio(), server.quantile(0.99), row.cpu_ratio());
                out.push_str(&format!(
                    "- {api} @32: ratio {ratio:.2} (target ≥ 0.50), p99 {p99:.2} ms (target ≤ 5 ms), \
                     {errors} errors, CPU {cpu:.2}× the ceiling's (target ≤ 2): {}\n",
                    verdict(ratio >= 0.5 && p99 <= 5.0 && errors == 0 && cpu <= 2.0)
                ));
                // The product always serves through its front, so the
                // ceiling behind a front bounds what any server can reach
                // against the bare ceiling; the same ratios against it say
                // how far the server's own work is from that bound (and mean
                // nothing for a server driven without its front).
                let fronted = &row.fronted;
                if !without_front && fronted.per_second() > 0.0 && server.per_second() > 0.0 {
                    let bound = over(fronted.per_second(), row.ceiling.per_second());
                    let bound_cpu = over(fronted.cpu_per_request(), row.ceiling.cpu_per_request());
                    out.push_str(&format!(
                        "  (the ceiling behind a front, the bound for any server behind one: \
                         ratio {bound:.2}, CPU {bound_cpu:.2}×; the server against it: ratio {:.2}, \
                         CPU {:.2}×)\n",
                        over(server.per_second(), fronted.per_second()),
                        over(server.cpu_per_request(), fronted.cpu_per_request()),
                    ));
                }
            }
            (connections, true) => {
                let spread = rows
                    .iter()
                    .find(|r| r.api == row.api && r.connections == connections && !r.one_profile)
                    .map(|r| over(server.per_second(), r.server.per_second()));
                let within = spread.is_none_or(|s| s >= 0.8);
                out.push_str(&format!(
                    "- {api} @{connections} on one profile: {errors} errors (target 0), \
                     {} of the {connections}-users throughput (target ≥ 0.80): {}\n",
                    spread.map_or("n/a".to_string(), |s| format!("{s:.2}")),
                    verdict(errors == 0 && within)
                ));
            }
            _ => {}
        }
    }
    out
}

/// One store per node: SQLite's file, or a PostgreSQL database that every
/// node's store connects to on its own.
async fn open_stores(
    options: &Options,
    sqlite: &std::path::Path,
) -> Result<Vec<Arc<dyn Store>>, String> {
    let url = match &options.db {
        Db::Sqlite => {
            let store = SqliteStore::open(sqlite).map_err(|e| e.to_string())?;
            return Ok(vec![Arc::new(store)]);
        }
        Db::Postgres(Some(url)) => url.clone(),
        Db::Postgres(None) => profile_test_server::postgres::fresh_durable_database()
            .ok_or("--db postgres: no PostgreSQL found (see the notice above)")?,
    };
    let mut stores: Vec<Arc<dyn Store>> = Vec::with_capacity(options.nodes);
    for _ in 0..options.nodes {
        let store = PostgresStore::connect(&url)
            .await
            .map_err(|e| e.to_string())?;
        stores.push(Arc::new(store));
    }
    Ok(stores)
}

fn run(options: Options) -> Result<(), String> {
    let connections_max = options.connections.iter().copied().max().unwrap_or(1);
    let user_count = options.users.unwrap_or(128).max(connections_max);
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
        .join(format!("update-load-{}", uuid::Uuid::new_v4().simple()));
    std::fs::create_dir_all(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    let db = dir.join("bench.sqlite");
    // The server's request log (buffered, as `server serve` writes it), to
    // a file.
    let request_log = if options.log {
        Some(RequestLog::file(&dir.join("server.log"), "profile-server")?)
    } else {
        None
    };
    let log = request_log.as_ref().map_or_else(
        || slog::Logger::root(slog::Discard, slog::o!()),
        |request_log| request_log.logger().clone(),
    );
    let quiet = slog::Logger::root(slog::Discard, slog::o!());
    let fsync = fsync_millis(&dir)?;
    eprintln!(
        "4 KiB write + fsync in {}: median {fsync:.2} ms",
        dir.display()
    );

    // The servers and the load generator run on separate runtimes (both
    // in this process, sharing the machine's cores).
    let server_runtime = tokio::runtime::Builder::new_multi_thread()
        .thread_name("server")
        .enable_all()
        .build()
        .map_err(|e| format!("cannot start the server runtime: {e}"))?;
    let client_runtime = tokio::runtime::Builder::new_multi_thread()
        .thread_name("load")
        .enable_all()
        .build()
        .map_err(|e| format!("cannot start the load runtime: {e}"))?;

    // Node 0's store creates the users; every node has a store of its own.
    // The stores are opened on the server runtime, which PostgreSQL's
    // connections then run on.
    let stores = server_runtime.block_on(open_stores(&options, &db))?;
    let store = Arc::clone(&stores[0]);
    let created = Instant::now();
    let mut users = Vec::with_capacity(user_count);
    for index in 0..user_count {
        let new = server_runtime
            .block_on(add_user(
                store.as_ref(),
                &format!("bench{index}"),
                &format!("bench{index}@example.com"),
                None,
            ))
            .map_err(|e| e.to_string())?;
        users.push(BenchUser {
            id: new.user.id,
            tenant: new.tenant,
            tokens: new.tokens.into_iter().collect(),
        });
    }
    let users = Arc::new(users);
    eprintln!(
        "{user_count} users created in {:.1} s; {}",
        created.elapsed().as_secs_f64(),
        match options.db {
            Db::Sqlite => format!("database {}", db.display()),
            Db::Postgres(_) => format!("PostgreSQL, {} node(s)", stores.len()),
        }
    );

    let warmup = Duration::from_secs_f64(options.warmup);
    let measure = Duration::from_secs_f64(options.seconds);
    let cases = options.apis.len() * options.connections.len() * 3;
    eprintln!(
        "{cases} cases of {:.1} s (+{:.1} s warm-up): about {:.0} s",
        options.seconds,
        options.warmup,
        cases as f64 * (options.seconds + options.warmup)
    );
    let mut rows = Vec::new();
    for &api in &options.apis {
        let registration = api.descriptor();
        let running: Vec<RunningApi> = stores
            .iter()
            .map(|store| {
                server_runtime.block_on(async {
                    start_one(
                        registration,
                        Arc::clone(store),
                        ([127, 0, 0, 1], 0).into(),
                        &log,
                    )
                })
            })
            .collect::<Result<_, _>>()?;
        let server_urls: Arc<[Arc<str>]> = running
            .iter()
            .map(|r| {
                if options.without_front {
                    Arc::from(format!("http://{}", r.server.local_addr()))
                } else {
                    Arc::from(r.base_url())
                }
            })
            .collect();
        let answer = client_runtime.block_on(sample_answer(api, &server_urls[0], &users[0]))?;
        let ceiling = server_runtime.block_on(async { start_ceiling(api, answer, &quiet) })?;
        let ceiling_url: Arc<[Arc<str>]> =
            Arc::new([Arc::from(format!("http://{}", ceiling.local_addr()))]);
        // The front's own cost: the same ceiling, behind a front of its own.
        let ceiling_front = server_runtime
            .block_on(async {
                Front::start(
                    ([127, 0, 0, 1], 0).into(),
                    ceiling.local_addr(),
                    Limits::default(),
                    ApiShape {
                        error_body: registration.error_body,
                        allow: registration.operation.method,
                    },
                    // Its own registry: the server's counters stay its own.
                    server::metrics::Metrics::new().api(registration),
                    quiet.clone(),
                )
            })
            .map_err(|e| format!("front for the ceiling: {e}"))?;
        let ceiling_front_url: Arc<[Arc<str>]> =
            Arc::new([Arc::from(format!("http://{}", ceiling_front.local_addr()))]);
        let mut cases: Vec<(usize, bool)> =
            options.connections.iter().map(|&c| (c, false)).collect();
        if options.one_profile > 0 {
            cases.push((options.one_profile, true));
        }
        for (connections, one_profile) in cases {
            let measure_one = |url: &Arc<[Arc<str>]>, label: &str| {
                if options.only.as_deref().is_some_and(|only| only != label) {
                    return Ok(Measured {
                        requests: 0,
                        answered: 0,
                        cpu_micros: 0,
                        errors: 0,
                        latencies: Vec::new(),
                        seconds: 1.0,
                        first_error: None,
                    });
                }
                let cpu_before = server_cpu_micros()?;
                let mut measured = client_runtime.block_on(drive(
                    api,
                    Arc::clone(url),
                    Arc::clone(&users),
                    one_profile,
                    connections,
                    warmup,
                    measure,
                ))?;
                measured.cpu_micros = server_cpu_micros()?.saturating_sub(cpu_before);
                eprintln!(
                    "{:<12} {label:<8} {connections:>4} conns{}: {:>8.0} req/s, p99 {:.2} ms, \
                     {:.0} µs CPU/req, {} errors",
                    api.name(),
                    if one_profile { " (one profile)" } else { "" },
                    measured.per_second(),
                    measured.quantile(0.99),
                    measured.cpu_per_request(),
                    measured.errors
                );
                if let Some(e) = &measured.first_error {
                    eprintln!("  first error: {e}");
                }
                Ok::<_, String>(measured)
            };
            let server = measure_one(&server_urls, "server")?;
            let ceiling = measure_one(&ceiling_url, "ceiling")?;
            let fronted = measure_one(&ceiling_front_url, "front")?;
            rows.push(Row {
                api,
                connections,
                one_profile,
                server,
                ceiling,
                fronted,
            });
        }
        server_runtime.block_on(async {
            for node in running {
                let _ = node.server.close().await;
            }
            ceiling_front.stop().await;
            let _ = ceiling.close().await;
        });
    }
    drop(store);
    drop(stores);

    let store = match options.db {
        Db::Sqlite => "SQLite".to_string(),
        Db::Postgres(_) if options.nodes == 1 => "PostgreSQL".to_string(),
        Db::Postgres(_) => format!("PostgreSQL, {} nodes", options.nodes),
    };
    // Its own name and chart series: a measurement without the front never
    // stands in for the product's figures.
    let store = if options.without_front {
        format!("{store}, without the front")
    } else {
        store
    };
    println!(
        "\n{store}; {} s per case after {} s warm-up; {user_count} users; latency in ms; \
         4 KiB fsync median {fsync:.2} ms; server logging {}\n",
        options.seconds,
        options.warmup,
        if options.log {
            "on (info, to a file)"
        } else {
            "off"
        }
    );
    print!("{}", table(&rows));
    println!("\nThe front alone (the ceiling behind a front of its own):\n");
    print!("{}", front_table(&rows));
    println!();
    print!("{}", targets(&rows, fsync, options.without_front));
    let points: Vec<charts::Point> = rows
        .iter()
        .filter(|row| !row.one_profile)
        .map(|row| charts::Point {
            api: row.api.name(),
            connections: row.connections,
            server: (row.server.per_second(), row.server.quantile(0.99)),
            ceiling: (row.ceiling.per_second(), row.ceiling.quantile(0.99)),
            fronted: (row.fronted.per_second(), row.fronted.quantile(0.99)),
        })
        .collect();
    let drawn = charts::save_and_draw(&options.charts, &store, &points)?;
    eprintln!("charts: {}", drawn.join(", "));
    if options.keep {
        eprintln!("kept {}", dir.display());
    } else {
        let _ = std::fs::remove_dir_all(&dir);
    }
    Ok(())
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match parse_options(&args).and_then(run) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("update_load: {e}");
            ExitCode::FAILURE
        }
    }
}
