//! Descriptor limits (issue 20): a server started under a limit of 256
//! open files sizes its connection cap to fit, logs the limits, and a
//! prompt update is answered within a second while stalled clients hold
//! more connections than the limit allows; a cap that cannot fit stops the
//! start, naming the flag. The server runs under `prlimit` (util-linux),
//! which sets the limit without code of ours.

use std::process::Command;
use std::time::{Duration, Instant};

use tokio::io::AsyncWriteExt;
use tokio::net::TcpStream;
use tokio::time::timeout;

use crate::connections::{exante_update_with, read_reply};
use crate::node::{ServerProcess, add_user_token, scratch_dir};

const LIMIT: &str = "--nofile=256:256";
const STALLED: usize = 320;

/// Whether `prlimit` can be run; without it the tests skip loudly, except
/// under `CI=true`, where they fail.
fn prlimit_available() -> bool {
    let found = Command::new("prlimit")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    if !found {
        assert!(
            std::env::var("CI").as_deref() != Ok("true"),
            "prlimit (util-linux) is needed under CI=true"
        );
        eprintln!("SKIPPED: prlimit (util-linux) is not installed");
    }
    found
}

#[cfg(target_os = "linux")]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn under_256_descriptors_stalled_clients_cannot_keep_a_prompt_update_waiting() {
    if !prlimit_available() {
        return;
    }
    // This process holds the stalled clients' sockets.
    rlimit::increase_nofile_limit(4096).unwrap_or_else(|e| panic!("{e}"));
    let dir = scratch_dir("descriptors");
    let db = dir.join("db.sqlite").display().to_string();
    let token = add_user_token(&db, "alice", "exante");
    let stderr = dir.join("stderr.log");
    let mut node = ServerProcess::start(
        &["prlimit", LIMIT],
        &db,
        &["--api", "exante", "--listen", "exante=127.0.0.1:0"],
        &stderr,
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let address = node.address("exante");

    let mut stalled = Vec::with_capacity(STALLED);
    for i in 0..STALLED {
        let Ok(mut stream) = TcpStream::connect(address).await else {
            continue;
        };
        let partial: &[u8] = match i % 3 {
            0 => b"",
            1 => b"PATCH /api/user HTTP/1.1\r\nhost: x\r\n",
            _ => b"PATCH /api/user HTTP/1.1\r\nhost: x\r\ncontent-length: 100\r\n\r\n{\"first",
        };
        let _ = stream.write_all(partial).await;
        stalled.push(stream);
    }
    let started = Instant::now();
    let mut prompt = TcpStream::connect(address)
        .await
        .unwrap_or_else(|e| panic!("cannot connect: {e}"));
    let _ = prompt
        .write_all(&exante_update_with(&token, "Prompt"))
        .await;
    let reply = timeout(Duration::from_secs(1), read_reply(&mut prompt))
        .await
        .unwrap_or_else(|_| panic!("no answer within 1 s"));
    let took = started.elapsed();
    drop(stalled);
    // Stopped as an operator stops it: the log is buffered and written
    // out on stop (a killed server loses its last 100 ms of lines).
    node.terminate();
    assert_eq!(node.exited_cleanly(Duration::from_secs(10)), Some(true));
    let log = std::fs::read_to_string(&stderr).unwrap_or_default();
    let _ = std::fs::remove_dir_all(&dir);
    eprintln!("prompt update answered in {took:?} with {STALLED} stalled clients");
    assert_eq!(reply.map(|r| r.status), Some(200));
    let limits = log
        .lines()
        .find(|line| line.contains("descriptor limits"))
        .unwrap_or_else(|| panic!("the limits are not logged: {log}"));
    assert!(
        limits.contains("256") && limits.contains("max_connections_per_api"),
        "{limits}"
    );
}

#[cfg(target_os = "linux")]
#[test]
fn a_connection_cap_that_cannot_fit_the_limit_stops_the_start_naming_the_flag() {
    if !prlimit_available() {
        return;
    }
    let dir = scratch_dir("descriptors-cap");
    let db = dir.join("db.sqlite").display().to_string();
    let started = ServerProcess::start(
        &["prlimit", LIMIT],
        &db,
        &[
            "--api",
            "exante",
            "--listen",
            "exante=127.0.0.1:0",
            "--max-connections",
            "512",
        ],
        &dir.join("stderr.log"),
    );
    let _ = std::fs::remove_dir_all(&dir);
    let Err(message) = started else {
        panic!("the server started with 512 connections under 256 descriptors");
    };
    assert!(message.contains("--max-connections"), "{message}");
    assert!(message.contains("at most 42"), "{message}");
}
