//! The `server` command as a user runs it: serving a subset of the APIs, an
//! address already in use, and the credentials `user add` prints.

use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;

use server::serve::start_one;
use server::storage::Api;
use server::storage::sqlite::SqliteStore;

/// A fresh database path in its own temporary directory.
fn temporary_database() -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("server-cli-{}", uuid::Uuid::new_v4()));
    std::fs::create_dir_all(&dir).unwrap_or_else(|e| panic!("{e}"));
    dir.join("db.sqlite")
}

/// `server --db <db> serve --api <api> --listen <api>=<address>` with the
/// admin listener on a free port, its listing on a pipe.
fn spawn_serve(db: &std::path::Path, api: &str, address: &str) -> Child {
    Command::new(env!("CARGO_BIN_EXE_server"))
        .arg("--db")
        .arg(db)
        .args([
            "serve",
            "--api",
            api,
            "--listen",
            &format!("{api}={address}"),
        ])
        .args(["--admin", "127.0.0.1:0"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot start the server: {e}"))
}

#[tokio::test]
async fn an_address_in_use_is_an_error_naming_the_api_and_the_address() {
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap_or_else(|e| panic!("{e}"));
    let address: SocketAddr = taken.local_addr().unwrap_or_else(|e| panic!("{e}"));
    let store = SqliteStore::in_memory().unwrap_or_else(|e| panic!("{e}"));
    let registration = Api::Zitadel.descriptor();
    let log = slog::Logger::root(slog::Discard, slog::o!());
    let Err(message) = start_one(registration, Arc::new(store), address, &log) else {
        panic!("started on an address in use");
    };
    assert!(message.starts_with("zitadel: "), "{message}");
    assert!(message.contains(&address.to_string()), "{message}");
    assert!(message.contains("in use"), "{message}");
    assert!(message.contains("--listen zitadel="), "{message}");
}

/// `serve --api zitadel` starts ZITADEL only, so a second instance for
/// another API does not collide with this one's defaults.
#[test]
fn serve_api_starts_only_the_named_api() {
    let db = temporary_database();
    let mut child = spawn_serve(&db, "zitadel", "127.0.0.1:0");
    let stdout = child.stdout.take().unwrap_or_else(|| panic!("no stdout"));
    // The listing ends where the demo user's block begins.
    let listing: Vec<String> = BufReader::new(stdout)
        .lines()
        .map_while(Result::ok)
        .take_while(|line| !line.is_empty())
        .collect();
    let _ = child.kill();
    let _ = child.wait();
    let _ = std::fs::remove_dir_all(db.parent().unwrap_or(&db));
    assert_eq!(listing.len(), 3, "{listing:?}");
    assert!(listing[0].starts_with("database: "), "{listing:?}");
    assert!(listing[1].starts_with("zitadel "), "{listing:?}");
    assert!(listing[2].starts_with("admin "), "{listing:?}");
}

/// A reader that has gone away before the server prints its addresses (a
/// script that read what it needed and closed the pipe, `server serve |
/// head -1`) does not stop the server: it goes on answering on the address
/// it was given. (The fuzz command read the API's address and closed the
/// pipe; the server then died printing the admin line, and the fuzz run
/// found nothing listening.)
#[test]
fn serve_keeps_serving_when_its_stdout_is_closed() {
    let db = temporary_database();
    let port = crate::node::free_port();
    let mut child = spawn_serve(&db, "zitadel", &format!("127.0.0.1:{port}"));
    // Closed at once, long before the server has opened its database.
    drop(child.stdout.take());
    let started = std::time::Instant::now();
    let mut listening = false;
    while !listening && started.elapsed() < std::time::Duration::from_secs(20) {
        listening = std::net::TcpStream::connect(("127.0.0.1", port)).is_ok();
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    // The banner is written once the APIs listen; give it time to fail.
    std::thread::sleep(std::time::Duration::from_millis(500));
    let exited = child.try_wait().unwrap_or_else(|e| panic!("{e}"));
    let answered = std::net::TcpStream::connect(("127.0.0.1", port)).is_ok();
    let _ = child.kill();
    let _ = child.wait();
    let _ = std::fs::remove_dir_all(db.parent().unwrap_or(&db));
    assert!(listening, "the server never listened on 127.0.0.1:{port}");
    assert_eq!(exited, None, "the server exited when its stdout was closed");
    assert!(answered, "nothing listens on 127.0.0.1:{port} any more");
}

/// Ctrl-Hub's path names the caller's own user id; `user add` says which.
#[test]
fn user_add_prints_the_user_id_ctrl_hubs_path_needs() {
    let db = temporary_database();
    let output = Command::new(env!("CARGO_BIN_EXE_server"))
        .arg("--db")
        .arg(&db)
        .args(["user", "add", "alice", "--email", "alice@example.com"])
        .output()
        .unwrap_or_else(|e| panic!("cannot run the server: {e}"));
    let _ = std::fs::remove_dir_all(db.parent().unwrap_or(&db));
    let text = String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success(), "{text}");
    let id = text
        .lines()
        .next()
        .and_then(|line| line.split_once('('))
        .and_then(|(_, rest)| rest.strip_suffix(')'))
        .unwrap_or_else(|| panic!("no user id in {text}"));
    let ctrlhub = text
        .lines()
        .find(|line| line.trim_start().starts_with("ctrlhub"))
        .unwrap_or_else(|| panic!("no Ctrl-Hub line in {text}"));
    assert!(
        ctrlhub.contains(&format!("/v3/users/{id}")),
        "the Ctrl-Hub line does not name the path with the id: {text}"
    );
}

/// SIGTERM (what `docker stop` sends) stops a serving server cleanly and
/// promptly: every front drains (1 s for connections without a request),
/// then the servers and the store close; exit status 0.
#[cfg(unix)]
#[test]
fn sigterm_stops_the_server_cleanly() {
    let db = temporary_database();
    let mut child = spawn_serve(&db, "exante", "127.0.0.1:0");
    let stdout = child.stdout.take().unwrap_or_else(|| panic!("no stdout"));
    let mut lines = BufReader::new(stdout).lines().map_while(Result::ok);
    let listening = lines.any(|line| line.starts_with("exante "));
    let _ = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status();
    let started = std::time::Instant::now();
    let status = loop {
        if let Ok(Some(status)) = child.try_wait() {
            break Some(status);
        }
        if started.elapsed() > std::time::Duration::from_secs(8) {
            let _ = child.kill();
            let _ = child.wait();
            break None;
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    };
    let _ = std::fs::remove_dir_all(db.parent().unwrap_or(&db));
    assert!(listening, "the server never listed its address");
    assert!(
        status.is_some_and(|s| s.success()),
        "not stopped cleanly within 8 s: {status:?}"
    );
}

/// `--log-format json` writes one JSON object per line, for log shippers,
/// with the fields of the terminal format: the time, the level, the
/// message, and the request line's fields.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn json_logs_are_one_object_per_line_with_the_request_fields() {
    let dir = crate::node::scratch_dir("json-log");
    let db = dir.join("db.sqlite").display().to_string();
    let stderr = dir.join("stderr.log");
    let mut node = crate::node::ServerProcess::start(
        &[],
        &db,
        &[
            "--api",
            "exante",
            "--listen",
            "exante=127.0.0.1:0",
            "--log-format",
            "json",
        ],
        &stderr,
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let answer = reqwest::Client::new()
        .patch(format!("{}/api/user", node.urls["exante"]))
        .header("content-type", "application/json")
        .body("{}")
        .send()
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(answer.status(), 401);
    // Stopped as an operator stops it: the log is buffered and written out
    // on stop, the request's line included.
    node.terminate();
    assert_eq!(
        node.exited_cleanly(std::time::Duration::from_secs(10)),
        Some(true)
    );
    let log = std::fs::read_to_string(&stderr).unwrap_or_default();
    let _ = std::fs::remove_dir_all(&dir);
    let records: Vec<serde_json::Value> = log
        .lines()
        .filter(|line| !line.trim().is_empty())
        .map(|line| serde_json::from_str(line).unwrap_or_else(|e| panic!("not JSON ({e}): {line}")))
        .collect();
    for record in &records {
        for key in ["ts", "level", "msg"] {
            assert!(record.get(key).is_some(), "no {key}: {record}");
        }
    }
    let request = records
        .iter()
        .find(|r| r["msg"] == "request completed")
        .unwrap_or_else(|| panic!("no request line in {log}"));
    assert_eq!(request["response_code"], 401, "{request}");
    assert_eq!(request["uri"], "/api/user", "{request}");
    assert_eq!(request["api"], "exante", "{request}");
    assert!(request.get("hdr_x_forwarded_for").is_some(), "{request}");
    assert!(
        records.iter().any(|r| r["msg"] == "descriptor limits"),
        "{log}"
    );
}
