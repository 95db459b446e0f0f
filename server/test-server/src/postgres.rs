//! Test support: a throwaway PostgreSQL, one fresh database per test.
//!
//! Used by the storage contract tests and the HTTP tests (so it is part of
//! the library, not of one test binary). The first test that asks starts
//! one cluster for the whole test process, the way omicron's tests start
//! their own CockroachDB:
//!
//! - If `PROFILE_TEST_POSTGRES_URL` is set (a URL whose user may create
//!   databases), that server is used and nothing is started. Test databases
//!   (`profile_test_…`) are left on it.
//! - Otherwise `initdb` and `postgres` are found (on `PATH`, through
//!   `pg_config --bindir`, or under `/usr/lib/postgresql/*/bin`), a cluster
//!   is made in a temporary directory and started on a free loopback port.
//!   `initdb` refuses to run as root, so as root both run as `nobody`
//!   (`setpriv`), in a directory that user owns. The tests' cluster runs
//!   with `fsync = off`: it is thrown away with the process, and a crash of
//!   the machine is not what these tests are about (a node killed with -9
//!   is, and PostgreSQL keeps every commit through that without fsync). The
//!   store's own `synchronous_commit = on` is checked by its own test; the
//!   benchmark's cluster ([`fresh_durable_database`]) syncs.
//!
//! The cluster is removed when the test process ends, however it ends: it
//! runs under a small shell that waits on a pipe from the test process, and
//! when that pipe closes (the process exited, was killed, or panicked) the
//! shell stops PostgreSQL and deletes the directory.
//!
//! With no PostgreSQL at all, [`fresh_database`] prints a loud notice on
//! the terminal (past the test harness's output capture) and returns
//! `None`, and the test skips; under `CI=true` it panics instead, so CI can
//! never pass without having run these tests.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

use uuid::Uuid;

/// The environment variable naming an existing PostgreSQL to test on.
pub const URL_VAR: &str = "PROFILE_TEST_POSTGRES_URL";

/// How long a fresh cluster may take to accept connections.
const START_TIMEOUT: Duration = Duration::from_secs(60);

/// A PostgreSQL server the tests create their databases on.
struct Cluster {
    /// The URL of its maintenance database (`postgres`).
    admin_url: String,
    /// The pipe whose closing stops and removes the cluster; held, never
    /// written, until the process ends.
    _lifeline: Option<Mutex<Child>>,
}

/// The tests' cluster (`fsync = off`), and the benchmark's (`fsync = on`,
/// PostgreSQL's default, so that its figures include the cost of durable
/// commits).
static CLUSTER: OnceLock<Result<Cluster, String>> = OnceLock::new();
static DURABLE_CLUSTER: OnceLock<Result<Cluster, String>> = OnceLock::new();

/// Whether this run is CI's, where these tests must never skip.
fn under_ci() -> bool {
    std::env::var("CI").is_ok_and(|v| v == "true" || v == "1")
}

/// A new, empty database on the test cluster (started on first use), as a
/// URL for [`server::storage::postgres::PostgresStore::connect`]; `None`
/// when there is no PostgreSQL to test on and this is not CI (a notice has
/// been printed). Panics under `CI=true` when there is none.
pub fn fresh_database() -> Option<String> {
    database_on(&CLUSTER, false)
}

/// [`fresh_database`] on a cluster that syncs its commits to disk, for
/// measurements (`cargo xtask bench server --db postgres`).
pub fn fresh_durable_database() -> Option<String> {
    database_on(&DURABLE_CLUSTER, true)
}

fn database_on(cell: &OnceLock<Result<Cluster, String>>, durable: bool) -> Option<String> {
    let cluster = match cell.get_or_init(|| start(durable)) {
        Ok(cluster) => cluster,
        Err(why) => {
            if under_ci() {
                panic!("PostgreSQL tests cannot run under CI=true: {why}");
            }
            notice_skipped(why);
            return None;
        }
    };
    let name = format!("profile_test_{}", Uuid::new_v4().simple());
    if let Err(e) = admin(&cluster.admin_url, &format!("CREATE DATABASE {name}")) {
        panic!("cannot create the test database {name}: {e}");
    }
    Some(with_database(&cluster.admin_url, &name))
}

/// Says, once per process and on the terminal itself (the test harness
/// captures only `print!`/`eprint!`), that PostgreSQL tests are skipped.
fn notice_skipped(why: &str) {
    static SAID: OnceLock<()> = OnceLock::new();
    SAID.get_or_init(|| {
        let _ = writeln!(
            std::io::stderr(),
            "\n\
             !!! PostgreSQL tests SKIPPED: {why}\n\
             !!! Install PostgreSQL 15 (initdb and postgres) or set {URL_VAR}.\n\
             !!! Under CI=true this is a failure, not a skip.\n"
        );
    });
}

/// `url` with its database replaced by `name`.
fn with_database(url: &str, name: &str) -> String {
    let authority_start = url.find("://").map_or(0, |i| i + 3);
    let (base, rest) = match url[authority_start..].find('/') {
        Some(slash) => url.split_at(authority_start + slash),
        None => (url, ""),
    };
    let query = rest.split_once('?').map(|(_, q)| q);
    match query {
        Some(query) => format!("{base}/{name}?{query}"),
        None => format!("{base}/{name}"),
    }
}

/// Runs one SQL statement on `url`, from a thread of its own (so that it
/// can be called from inside a tokio runtime or outside one).
fn admin(url: &str, sql: &str) -> Result<(), String> {
    let (url, sql) = (url.to_string(), sql.to_string());
    std::thread::spawn(move || {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|e| e.to_string())?;
        runtime.block_on(async move {
            let (client, connection) = tokio_postgres::connect(&url, tokio_postgres::NoTls)
                .await
                .map_err(|e| e.to_string())?;
            let driver = tokio::spawn(connection);
            let outcome = client.batch_execute(&sql).await.map_err(|e| e.to_string());
            drop(client);
            let _ = driver.await;
            outcome
        })
    })
    .join()
    .map_err(|_| "the admin thread panicked".to_string())?
}

fn start(durable: bool) -> Result<Cluster, String> {
    if let Ok(url) = std::env::var(URL_VAR) {
        admin(&url, "SELECT 1").map_err(|e| format!("{URL_VAR}={url}: {e}"))?;
        return Ok(Cluster {
            admin_url: url,
            _lifeline: None,
        });
    }
    let bindir = find_bindir().ok_or(
        "no PostgreSQL found (no initdb on PATH, no pg_config, nothing under /usr/lib/postgresql)",
    )?;
    let dir = std::env::temp_dir().join(format!("profile-test-pg-{}", Uuid::new_v4().simple()));
    std::fs::create_dir_all(&dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    let as_root = is_root();
    if as_root {
        run(Command::new("chown").arg("nobody:").arg(&dir))?;
    }
    let data = dir.join("data");
    // Run from the cluster's directory: `nobody` may not be able to enter
    // the test's working directory (a clone under /root).
    run(unprivileged(as_root, &bindir.join("initdb"))
        .current_dir(&dir)
        .arg("-D")
        .arg(&data)
        .args([
            "-U",
            "postgres",
            "--auth=trust",
            "--no-sync",
            "-E",
            "UTF8",
            "--locale=C",
        ]))
    .inspect_err(|_| {
        let _ = std::fs::remove_dir_all(&dir);
    })?;
    let port = free_port()?;
    let lifeline = supervise(as_root, &bindir, &dir, &data, port, durable)?;
    let admin_url = format!("postgres://postgres@127.0.0.1:{port}/postgres");
    let started = Instant::now();
    loop {
        match admin(&admin_url, "SELECT 1") {
            Ok(()) => break,
            Err(e) if started.elapsed() > START_TIMEOUT => {
                let log = std::fs::read_to_string(dir.join("postgres.log")).unwrap_or_default();
                return Err(format!(
                    "the test cluster did not start in {START_TIMEOUT:?}: {e}\n{log}"
                ));
            }
            Err(_) => std::thread::sleep(Duration::from_millis(50)),
        }
    }
    Ok(Cluster {
        admin_url,
        _lifeline: Some(Mutex::new(lifeline)),
    })
}

/// Starts PostgreSQL under a shell that stops it and removes `dir` once
/// its standard input (a pipe held by this process) closes.
fn supervise(
    as_root: bool,
    bindir: &Path,
    dir: &Path,
    data: &Path,
    port: u16,
    durable: bool,
) -> Result<Child, String> {
    let postgres = unprivileged(as_root, &bindir.join("postgres"));
    let mut words: Vec<String> = std::iter::once(postgres.get_program())
        .chain(postgres.get_args())
        .map(|w| w.to_string_lossy().into_owned())
        .collect();
    words.extend([
        "-D".to_string(),
        data.display().to_string(),
        "-p".to_string(),
        port.to_string(),
        "-c".to_string(),
        "listen_addresses=127.0.0.1".to_string(),
        "-c".to_string(),
        format!("unix_socket_directories={}", dir.display()),
        // Each test opens a pool of its own; the multi-node test runs
        // three nodes at once.
        "-c".to_string(),
        "max_connections=400".to_string(),
    ]);
    if !durable {
        words.extend(["-c", "fsync=off", "-c", "full_page_writes=off"].map(String::from));
    }
    // "$@" is PostgreSQL's command line. SIGINT is PostgreSQL's fast
    // shutdown: open transactions are rolled back, then it exits.
    let script = r#"
        trap '' INT
        "$@" > "$CLUSTER_DIR/postgres.log" 2>&1 &
        pg=$!
        read -r _
        kill -INT "$pg" 2>/dev/null
        wait "$pg"
        rm -rf "$CLUSTER_DIR"
    "#;
    Command::new("sh")
        .current_dir(dir)
        .arg("-c")
        .arg(script)
        .arg("sh")
        .args(words)
        .env("CLUSTER_DIR", dir)
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .map_err(|e| format!("cannot start the test cluster: {e}"))
}

/// `program`, run as `nobody` when this process is root. `setpriv` changes
/// user and then executes the program itself (unlike `runuser`, which stays
/// as its parent and does not pass signals on), so stopping the process it
/// starts stops the program.
fn unprivileged(as_root: bool, program: &Path) -> Command {
    if as_root {
        // nobody's group is `nogroup` on Debian, `nobody` elsewhere.
        let group = Command::new("id")
            .args(["-g", "nobody"])
            .output()
            .map(|out| String::from_utf8_lossy(&out.stdout).trim().to_string())
            .unwrap_or_default();
        let mut command = Command::new("setpriv");
        command
            .arg("--reuid=nobody")
            .arg(format!("--regid={group}"))
            .args(["--clear-groups", "--"])
            .arg(program);
        command
    } else {
        Command::new(program)
    }
}

fn run(command: &mut Command) -> Result<(), String> {
    let output = command
        .output()
        .map_err(|e| format!("cannot run {:?}: {e}", command.get_program()))?;
    if output.status.success() {
        Ok(())
    } else {
        Err(format!(
            "{:?} failed ({}): {}{}",
            command.get_program(),
            output.status,
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        ))
    }
}

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|out| String::from_utf8_lossy(&out.stdout).trim() == "0")
}

/// A loopback port nothing listens on right now.
fn free_port() -> Result<u16, String> {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|listener| listener.local_addr())
        .map(|address| address.port())
        .map_err(|e| format!("no free port: {e}"))
}

/// The directory holding `initdb` and `postgres`.
fn find_bindir() -> Option<PathBuf> {
    let has_both = |dir: &Path| dir.join("initdb").is_file() && dir.join("postgres").is_file();
    let on_path = std::env::var_os("PATH").and_then(|path| {
        std::env::split_paths(&path)
            .map(|dir| dir.join("initdb"))
            .find(|initdb| initdb.is_file())
            // A packaged `initdb` on PATH is often a link into the real
            // bindir, next to `postgres`.
            .and_then(|initdb| std::fs::canonicalize(initdb).ok())
            .and_then(|initdb| initdb.parent().map(Path::to_path_buf))
    });
    let from_pg_config = || {
        let output = Command::new("pg_config").arg("--bindir").output().ok()?;
        output
            .status
            .success()
            .then(|| PathBuf::from(String::from_utf8_lossy(&output.stdout).trim()))
    };
    let packaged = || {
        let mut versions: Vec<PathBuf> = std::fs::read_dir("/usr/lib/postgresql")
            .ok()?
            .filter_map(|entry| entry.ok().map(|e| e.path().join("bin")))
            .collect();
        versions.sort();
        versions.pop()
    };
    on_path
        .filter(|dir| has_both(dir))
        .or_else(|| from_pg_config().filter(|dir| has_both(dir)))
        .or_else(|| packaged().filter(|dir| has_both(dir)))
}

/// A TCP proxy in front of a test database that can be cut and restored,
/// as a database that goes down and comes back looks to its clients: cut,
/// every connection through it is closed and new ones are closed as soon
/// as they are accepted (so the client fails at once rather than waiting).
/// Its tasks run on the runtime that started it.
pub struct OutageProxy {
    up: Arc<AtomicBool>,
    url: String,
}

impl OutageProxy {
    /// A proxy to the database at `database_url` (one of
    /// [`fresh_database`]'s), up.
    pub async fn start(database_url: &str) -> std::io::Result<OutageProxy> {
        let config: tokio_postgres::Config = database_url
            .parse()
            .map_err(|e| std::io::Error::other(format!("{database_url}: {e}")))?;
        let port = config.get_ports().first().copied().unwrap_or(5432);
        let target = std::net::SocketAddr::from(([127, 0, 0, 1], port));
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        let proxy_port = listener.local_addr()?.port();
        let up = Arc::new(AtomicBool::new(true));
        let running = Arc::clone(&up);
        tokio::spawn(async move {
            while let Ok((mut client, _)) = listener.accept().await {
                if !running.load(Ordering::SeqCst) {
                    continue;
                }
                let running = Arc::clone(&running);
                tokio::spawn(async move {
                    let Ok(mut server) = tokio::net::TcpStream::connect(target).await else {
                        return;
                    };
                    let forward = tokio::io::copy_bidirectional(&mut client, &mut server);
                    let cut = async {
                        while running.load(Ordering::SeqCst) {
                            tokio::time::sleep(Duration::from_millis(5)).await;
                        }
                    };
                    tokio::select! {
                        _ = forward => {}
                        () = cut => {}
                    }
                });
            }
        });
        Ok(OutageProxy {
            up,
            url: database_url.replace(&format!(":{port}/"), &format!(":{proxy_port}/")),
        })
    }

    /// The database's URL through the proxy.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// The database goes down: every connection is closed, new ones too.
    pub async fn cut(&self) {
        self.up.store(false, Ordering::SeqCst);
        // Long enough for every forwarding task to see it.
        tokio::time::sleep(Duration::from_millis(50)).await;
    }

    /// The database is back.
    pub fn restore(&self) {
        self.up.store(true, Ordering::SeqCst);
    }
}

#[cfg(test)]
mod tests {
    use super::with_database;

    #[test]
    fn a_test_database_url_keeps_everything_but_the_database() {
        assert_eq!(
            with_database("postgres://u:p@h:5432/postgres?sslmode=disable", "t1"),
            "postgres://u:p@h:5432/t1?sslmode=disable"
        );
        assert_eq!(with_database("postgres://h", "t1"), "postgres://h/t1");
    }
}
