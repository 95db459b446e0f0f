//! Database failover (issue 20): two server nodes on a primary with a
//! synchronous standby, through a multi-host URL with
//! `target_session_attrs=read-write`. Writers run on both nodes; the
//! primary is stopped (immediate: as if lost) and the standby promoted.
//! Checked: no acknowledged update is lost (ZITADEL answers each update's
//! sequence: a lost one would be handed out again), both nodes answer
//! updates again within a few seconds by themselves, and in between every
//! answer is a 503 in the API's own format (ZITADEL and Exante).
//!
//! The clusters are this test's own (`initdb`, `pg_basebackup`, `pg_ctl`
//! from PostgreSQL's binaries), run as `nobody` when the test runs as root,
//! as `profile_test_server::postgres` does. Skipped (loudly) without
//! PostgreSQL, never under `CI=true`.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::json;
use tokio::io::AsyncWriteExt;
use tokio::net::TcpStream;

use crate::connections::{RawReply, read_reply};
use crate::node::{ServerProcess, scratch_dir};

/// How long the writers run before the primary is lost, and after both
/// nodes answer again.
const BEFORE: Duration = Duration::from_millis(1500);
const AFTER: Duration = Duration::from_millis(1500);
/// How long after the loss the writers surely are through the switch.
const SWITCH: Duration = Duration::from_secs(3);
/// The promise: updates are answered again within this of the loss.
const RECOVERY_BOUND: Duration = Duration::from_secs(10);

/// PostgreSQL's binaries: `pg_config --bindir`, else the newest under
/// `/usr/lib/postgresql`.
fn bindir() -> Option<PathBuf> {
    let from_config = Command::new("pg_config")
        .arg("--bindir")
        .output()
        .ok()
        .filter(|o| o.status.success())
        .map(|o| PathBuf::from(String::from_utf8_lossy(&o.stdout).trim()));
    let from_lib = || {
        let mut found: Vec<PathBuf> = std::fs::read_dir("/usr/lib/postgresql")
            .ok()?
            .filter_map(|entry| entry.ok().map(|e| e.path().join("bin")))
            .collect();
        found.sort();
        found.pop()
    };
    from_config
        .or_else(from_lib)
        .filter(|dir| dir.join("pg_basebackup").exists() && dir.join("pg_ctl").exists())
}

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|out| String::from_utf8_lossy(&out.stdout).trim() == "0")
}

/// Two clusters in one directory, stopped and removed when dropped.
struct Clusters {
    bindir: PathBuf,
    dir: PathBuf,
    as_root: bool,
    primary_port: u16,
    standby_port: u16,
}

impl Clusters {
    fn data(&self, which: &str) -> PathBuf {
        self.dir.join(which)
    }

    /// `program` from PostgreSQL's binaries with `args`, as `nobody` when
    /// root; fails the test with its output.
    fn run(&self, program: &str, args: &[&str]) -> String {
        let binary = self.bindir.join(program);
        let mut command = if self.as_root {
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
                .arg(&binary);
            command
        } else {
            Command::new(&binary)
        };
        let output = command
            .current_dir(&self.dir)
            .args(args)
            .output()
            .unwrap_or_else(|e| panic!("cannot run {program}: {e}"));
        let text = format!(
            "{}{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        );
        assert!(output.status.success(), "{program} {args:?}: {text}");
        text
    }

    /// Starts the cluster in `which` on `port`.
    fn start(&self, which: &str, port: u16) {
        let data = self.data(which).display().to_string();
        let log = self.dir.join(format!("{which}.log")).display().to_string();
        let options = format!(
            "-p {port} -c listen_addresses=127.0.0.1 -c unix_socket_directories={} \
             -c fsync=off -c max_connections=100",
            self.dir.display()
        );
        self.run(
            "pg_ctl",
            &[
                "-D", &data, "-l", &log, "-o", &options, "-w", "-t", "60", "start",
            ],
        );
    }

    fn url(&self, port: u16) -> String {
        format!("postgres://postgres@127.0.0.1:{port}/postgres")
    }
}

impl Drop for Clusters {
    fn drop(&mut self) {
        for which in ["primary", "standby"] {
            let data = self.data(which);
            if data.join("postmaster.pid").exists() {
                let _ = Command::new(self.bindir.join("pg_ctl"))
                    .args(["-D"])
                    .arg(&data)
                    .args(["-m", "immediate", "stop"])
                    .output();
                // As root the clusters are nobody's; pg_ctl stop then
                // refuses, so stop them as their owner.
                if self.as_root {
                    let _ = Command::new("setpriv")
                        .args(["--reuid=nobody", "--regid=nogroup", "--clear-groups", "--"])
                        .arg(self.bindir.join("pg_ctl"))
                        .arg("-D")
                        .arg(&data)
                        .args(["-m", "immediate", "stop"])
                        .output();
                }
            }
        }
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// One SQL query's first column, as text, from a thread of its own.
fn query(url: &str, sql: &str) -> Result<Vec<String>, String> {
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
            let rows = client.simple_query(&sql).await.map_err(|e| e.to_string());
            drop(client);
            let _ = driver.await;
            Ok(rows?
                .into_iter()
                .filter_map(|message| match message {
                    tokio_postgres::SimpleQueryMessage::Row(row) => row.get(0).map(str::to_string),
                    _ => None,
                })
                .collect())
        })
    })
    .join()
    .map_err(|_| "the query thread panicked".to_string())?
}

/// A primary with a synchronous standby (`pg_basebackup -R`, the standby
/// named in `synchronous_standby_names`), both running, the standby
/// streaming in sync; `None` (with a notice) when there is no PostgreSQL.
fn primary_and_standby() -> Option<Clusters> {
    let Some(bindir) = bindir() else {
        assert!(
            std::env::var("CI").as_deref() != Ok("true"),
            "PostgreSQL (initdb, pg_ctl, pg_basebackup) is needed under CI=true"
        );
        eprintln!("SKIPPED: no PostgreSQL binaries (pg_config --bindir, /usr/lib/postgresql)");
        return None;
    };
    let dir = scratch_dir("failover-pg");
    let as_root = is_root();
    if as_root {
        let chown = Command::new("chown").arg("nobody:").arg(&dir).status();
        assert!(
            chown.is_ok_and(|s| s.success()),
            "cannot chown {}",
            dir.display()
        );
    }
    let clusters = Clusters {
        bindir,
        dir,
        as_root,
        primary_port: crate::node::free_port(),
        standby_port: crate::node::free_port(),
    };
    let primary = clusters.data("primary").display().to_string();
    clusters.run(
        "initdb",
        &[
            "-D",
            &primary,
            "-U",
            "postgres",
            "--auth=trust",
            "--no-sync",
            "-E",
            "UTF8",
            "--locale=C",
        ],
    );
    // initdb's pg_hba.conf trusts replication from 127.0.0.1 already.
    append(
        &clusters.data("primary").join("postgresql.conf"),
        "wal_level = replica\nmax_wal_senders = 4\nsynchronous_standby_names = 'standby'\n",
    );
    clusters.start("primary", clusters.primary_port);
    let standby = clusters.data("standby").display().to_string();
    let port = clusters.primary_port.to_string();
    clusters.run(
        "pg_basebackup",
        &[
            "-h",
            "127.0.0.1",
            "-p",
            &port,
            "-U",
            "postgres",
            "-D",
            &standby,
            "-R",
            "-X",
            "stream",
            "--no-sync",
        ],
    );
    // The standby's name, for synchronous_standby_names (a later line
    // overrides the one pg_basebackup -R wrote). Once promoted it has no
    // standby of its own: without clearing the setting it copied from the
    // primary, every commit on it would wait for one that never comes.
    append(
        &clusters.data("standby").join("postgresql.auto.conf"),
        &format!(
            "primary_conninfo = 'host=127.0.0.1 port={port} user=postgres application_name=standby'\n\
             synchronous_standby_names = ''\n"
        ),
    );
    clusters.start("standby", clusters.standby_port);
    let primary_url = clusters.url(clusters.primary_port);
    let started = Instant::now();
    loop {
        let state = query(
            &primary_url,
            "SELECT sync_state FROM pg_stat_replication WHERE application_name = 'standby'",
        );
        if state.as_ref().is_ok_and(|s| s.iter().any(|v| v == "sync")) {
            break;
        }
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "the standby is not in sync: {state:?}"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    Some(clusters)
}

fn append(path: &Path, text: &str) {
    use std::io::Write;
    let mut file = std::fs::OpenOptions::new()
        .append(true)
        .open(path)
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    file.write_all(text.as_bytes())
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
}

/// One request's raw HTTP/1.1 bytes: `method path` with a JSON body and
/// a bearer token, keep-alive.
fn request(method: &str, path: &str, token: &str, body: &str) -> Vec<u8> {
    format!(
        "{method} {path} HTTP/1.1\r\nhost: test\r\nauthorization: Bearer {token}\r\n\
         content-type: application/json\r\ncontent-length: {}\r\n\r\n{body}",
        body.len()
    )
    .into_bytes()
}

/// Letters only (Exante's names), a different name for each `n`.
fn name(mut n: usize) -> String {
    let mut name = String::from("N");
    loop {
        name.push(char::from(b'a' + (n % 26) as u8));
        n /= 26;
        if n == 0 {
            return name;
        }
    }
}

/// What one writer saw: each answer with when it came.
type Answers = Vec<(Instant, RawReply)>;

/// Sends updates of one profile through `address` until `until` says
/// stop, reconnecting when the server closes the connection.
async fn writer(
    address: std::net::SocketAddr,
    api: &'static str,
    token: String,
    until: Arc<Mutex<Option<Instant>>>,
) -> Result<Answers, String> {
    let mut answers = Answers::new();
    let mut stream: Option<TcpStream> = None;
    for n in 0.. {
        let stop_at = *until.lock().unwrap_or_else(|e| e.into_inner());
        if stop_at.is_some_and(|at| Instant::now() >= at) {
            break;
        }
        let bytes = match api {
            "zitadel" => {
                let body = json!({
                    "firstName": name(n),
                    "lastName": "Lovelace",
                    "displayName": "Ada Lovelace",
                })
                .to_string();
                request("PUT", "/auth/v1/users/me/profile", &token, &body)
            }
            _ => {
                let body = json!({ "firstname": name(n) }).to_string();
                request("PATCH", "/api/user", &token, &body)
            }
        };
        let mut open = match stream.take() {
            Some(open) => open,
            None => TcpStream::connect(address)
                .await
                .map_err(|e| format!("{api}: cannot connect: {e}"))?,
        };
        open.write_all(&bytes)
            .await
            .map_err(|e| format!("{api}: the connection closed under a request: {e}"))?;
        let reply = read_reply(&mut open)
            .await
            .ok_or_else(|| format!("{api}: request {n} got no answer"))?;
        if !reply.closes() {
            stream = Some(open);
        }
        let unavailable = reply.status == 503;
        answers.push((Instant::now(), reply));
        if unavailable {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
    Ok(answers)
}

/// Whether `reply` is a 503 in `api`'s own error format.
fn unavailable_in_format(api: &str, reply: &RawReply) -> bool {
    reply.status == 503
        && match api {
            // ZITADEL: a gRPC status, code 14 (UNAVAILABLE).
            "zitadel" => reply.body["code"] == 14 && reply.body["message"].is_string(),
            _ => reply.body["status"] == "error" && reply.body["status_code"] == 503,
        }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_promoted_standby_takes_over_with_no_acknowledged_update_lost() {
    let Some(clusters) = tokio::task::spawn_blocking(primary_and_standby)
        .await
        .unwrap_or_else(|e| panic!("{e}"))
    else {
        return;
    };
    let url = format!(
        "postgres://postgres@127.0.0.1:{},127.0.0.1:{}/postgres?target_session_attrs=read-write",
        clusters.primary_port, clusters.standby_port
    );
    let logs = scratch_dir("failover-nodes");
    let nodes: Vec<ServerProcess> = (0..2)
        .map(|index| {
            ServerProcess::start(
                &[],
                &url,
                &[
                    "--api",
                    "zitadel",
                    "--listen",
                    "zitadel=127.0.0.1:0",
                    "--api",
                    "exante",
                    "--listen",
                    "exante=127.0.0.1:0",
                ],
                &logs.join(format!("node{index}.log")),
            )
            .unwrap_or_else(|e| panic!("{e}"))
        })
        .collect();
    // One user per writer: each writer's profile sees its updates in order.
    let tokens = |api: &'static str| {
        let url = url.clone();
        move |index: usize| crate::node::add_user_token(&url, &format!("{api}{index}"), api)
    };

    let until: Arc<Mutex<Option<Instant>>> = Arc::default();
    let mut writers = tokio::task::JoinSet::new();
    let mut index = 0;
    for node in &nodes {
        for api in ["zitadel", "exante"] {
            let token = tokens(api)(index);
            index += 1;
            let (address, until) = (node.address(api), Arc::clone(&until));
            writers.spawn(async move { (api, writer(address, api, token, until).await) });
        }
    }
    tokio::time::sleep(BEFORE).await;

    // The primary is lost: stopped at once, no shutdown checkpoint, its
    // connections cut. Then the standby is promoted.
    let lost_at = Instant::now();
    let primary = clusters.data("primary").display().to_string();
    let standby = clusters.data("standby").display().to_string();
    tokio::task::block_in_place(|| {
        clusters.run("pg_ctl", &["-D", &primary, "-m", "immediate", "stop"]);
        clusters.run("pg_ctl", &["-D", &standby, "-w", "promote"]);
    });
    let promoted_after = lost_at.elapsed();
    // The writers go on through the switch, and for a while after it.
    tokio::time::sleep((lost_at + SWITCH).saturating_duration_since(Instant::now())).await;
    *until.lock().unwrap_or_else(|e| e.into_inner()) = Some(Instant::now() + AFTER);

    let mut acknowledged_total = 0;
    let mut unavailable_total = 0;
    let mut gaps = Vec::new();
    while let Some(joined) = writers.join_next().await {
        let (api, answers) = joined.unwrap_or_else(|e| panic!("{e}"));
        let answers = answers.unwrap_or_else(|e| panic!("{e}"));
        let mut sequences = Vec::new();
        let mut first_503: Option<Instant> = None;
        let mut back: Option<Instant> = None;
        for (at, reply) in &answers {
            match reply.status {
                200 => {
                    acknowledged_total += 1;
                    if first_503.is_some() && back.is_none() {
                        back = Some(*at);
                    }
                    if api == "zitadel" {
                        let sequence: u64 = reply.body["details"]["sequence"]
                            .as_str()
                            .and_then(|s| s.parse().ok())
                            .unwrap_or_else(|| panic!("no sequence: {reply:?}"));
                        sequences.push(sequence);
                    }
                }
                503 => {
                    unavailable_total += 1;
                    assert!(
                        unavailable_in_format(api, reply),
                        "{api}: a 503 not in the API's format: {reply:?}"
                    );
                    first_503.get_or_insert(*at);
                }
                _ => panic!("{api}: unexpected answer {reply:?}"),
            }
        }
        let after: Vec<(u128, u16)> = answers
            .iter()
            .filter(|(at, _)| *at > lost_at)
            .map(|(at, reply)| (at.duration_since(lost_at).as_millis(), reply.status))
            .collect();
        eprintln!(
            "{api}: {} answers, after the loss (ms, status): {:?}",
            answers.len(),
            after
                .iter()
                .step_by(after.len() / 20 + 1)
                .collect::<Vec<_>>()
        );
        // Answered again after the loss, within the bound: the first 200
        // after the first 503 (none: the switch cost this writer nothing).
        assert!(
            answers
                .iter()
                .any(|(at, reply)| reply.status == 200 && *at > lost_at + SWITCH),
            "{api}: no update answered after the failover"
        );
        let back_after = match (first_503, back) {
            (Some(_), Some(back)) => back.saturating_duration_since(lost_at),
            _ => Duration::ZERO,
        };
        assert!(
            back_after < RECOVERY_BOUND,
            "{api}: answered again only {back_after:?} after the loss"
        );
        gaps.push((api, back_after));
        // No acknowledged update lost: had the new primary missed one,
        // its sequence would have been handed out again.
        let count = sequences.len();
        sequences.sort_unstable();
        sequences.dedup();
        assert_eq!(
            sequences.len(),
            count,
            "{api}: a sequence was acknowledged twice"
        );
    }
    eprintln!(
        "failover: standby promoted {promoted_after:?} after the primary was lost; \
         {acknowledged_total} updates acknowledged, {unavailable_total} answered 503; \
         answered again after {gaps:?}"
    );
    drop(nodes);
    let _ = std::fs::remove_dir_all(&logs);
}
