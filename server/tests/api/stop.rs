//! A stop that drops nothing (issue 20), on a whole `server` process:
//! SIGTERM turns `/readyz` to 503 at once, every API keeps serving for
//! `--drain-delay`, then the stop answers every request that reached the
//! server (a 503 in the API's format with `Connection: close` once the APIs
//! stop), and nothing acknowledged is lost.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use server::storage::sqlite::SqliteStore;
use server::storage::{Api, Store};
use tokio::io::AsyncWriteExt;
use tokio::net::TcpStream;

use crate::connections::{RawReply, exante_update_with, read_reply};
use crate::node::{ServerProcess, add_user_token, scratch_dir};

const CLIENTS: usize = 64;
const DRAIN_DELAY: Duration = Duration::from_secs(2);

/// One answer a client got: when its request was sent, after the signal
/// (`None` before it), and the answer.
type Seen = (Option<Duration>, RawReply);

/// A first name no other request sends (Exante's names are letters only).
fn letters(mut n: usize) -> String {
    let mut name = String::from("N");
    loop {
        name.push(char::from(b'a' + (n % 26) as u8));
        n /= 26;
        if n == 0 {
            return name;
        }
    }
}

#[cfg(unix)]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_turns_readiness_off_at_once_serves_through_the_drain_delay_and_answers_every_request()
 {
    let dir = scratch_dir("stop");
    let db = dir.join("db.sqlite").display().to_string();
    let token = add_user_token(&db, "alice", "exante");
    let mut node = ServerProcess::start(
        &[],
        &db,
        &[
            "--api",
            "exante",
            "--listen",
            "exante=127.0.0.1:0",
            "--drain-delay",
            &DRAIN_DELAY.as_secs().to_string(),
        ],
        &dir.join("stderr.log"),
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let address = node.address("exante");
    let signalled: Arc<Mutex<Option<Instant>>> = Arc::default();

    let mut clients = tokio::task::JoinSet::new();
    for client in 0..CLIENTS {
        let (token, signalled) = (token.clone(), Arc::clone(&signalled));
        clients.spawn(async move {
            let mut stream = TcpStream::connect(address)
                .await
                .unwrap_or_else(|e| panic!("client {client}: cannot connect: {e}"));
            let mut seen: Vec<Seen> = Vec::new();
            loop {
                let sent_after = signalled
                    .lock()
                    .unwrap_or_else(|e| e.into_inner())
                    .map(|at| at.elapsed());
                let request = exante_update_with(&token, &letters(client * 10_000 + seen.len()));
                if let Err(e) = stream.write_all(&request).await {
                    return Err(format!("client {client}: the connection closed under a request: {e}"));
                }
                let Some(reply) = read_reply(&mut stream).await else {
                    return Err(format!(
                        "client {client}: request {} (sent {sent_after:?} after the signal) got no answer",
                        seen.len() + 1
                    ));
                };
                let last = reply.closes();
                seen.push((sent_after, reply));
                if last {
                    return Ok(seen);
                }
                // Some clients pause, so that the stop finds connections
                // without a request on them too.
                if client % 4 == 0 {
                    tokio::time::sleep(Duration::from_millis(50)).await;
                }
            }
        });
    }
    let admin = reqwest::Client::new();
    let readyz = format!("{}/readyz", node.admin);
    let ready = admin.get(&readyz).send().await.map(|r| r.status().as_u16());
    assert_eq!(ready.ok(), Some(200));
    tokio::time::sleep(Duration::from_millis(500)).await;

    *signalled.lock().unwrap_or_else(|e| e.into_inner()) = Some(Instant::now());
    let signal_at = Instant::now();
    node.terminate();
    // Not ready at once: polled until it says so.
    let not_ready_after = loop {
        let status = admin
            .get(&readyz)
            .send()
            .await
            .map(|r| r.status().as_u16())
            .ok();
        if status == Some(503) {
            break signal_at.elapsed();
        }
        assert!(
            signal_at.elapsed() < Duration::from_secs(1),
            "/readyz still {status:?} 1 s after SIGTERM"
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    };

    let mut answered = Vec::new();
    while let Some(joined) = clients.join_next().await {
        let seen = joined
            .unwrap_or_else(|e| panic!("{e}"))
            .unwrap_or_else(|e| panic!("{e}"));
        answered.extend(seen);
    }
    let exited = node.exited_cleanly(Duration::from_secs(15));

    let served_while_draining = answered
        .iter()
        .filter(|(sent, reply)| {
            reply.status == 200
                && sent.is_some_and(|after| {
                    after > Duration::from_millis(200) && after < DRAIN_DELAY / 2
                })
        })
        .count();
    let acknowledged = answered.iter().filter(|(_, r)| r.status == 200).count();
    let unavailable = answered.iter().filter(|(_, r)| r.status == 503).count();
    eprintln!(
        "{} requests answered ({acknowledged} × 200, {unavailable} × 503); /readyz 503 \
         {not_ready_after:?} after SIGTERM; {served_while_draining} served in the drain delay",
        answered.len()
    );
    for (_, reply) in &answered {
        match reply.status {
            200 => {}
            503 => {
                // Exante's own error body, and the connection closes.
                assert_eq!(reply.body["status"], "error", "{reply:?}");
                assert_eq!(reply.body["status_code"], 503, "{reply:?}");
                assert!(reply.closes(), "{reply:?}");
            }
            _ => panic!("unexpected answer {reply:?}"),
        }
    }
    assert!(
        served_while_draining > 0,
        "nothing was served during the drain delay"
    );
    assert!(unavailable > 0, "no request arrived once the APIs stopped");
    assert_eq!(exited, Some(true), "the server did not exit 0 within 15 s");

    // Every acknowledged update is stored: the profile's sequence counts them.
    let store = SqliteStore::open(std::path::Path::new(&db)).unwrap_or_else(|e| panic!("{e}"));
    let alice = store
        .user_id_by_name("alice")
        .await
        .unwrap_or_else(|e| panic!("{e}"))
        .unwrap_or_else(|| panic!("no alice"));
    let stored = store
        .profile(Api::Exante, alice)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(stored.sequence, acknowledged as u64);
    drop(store);
    let _ = std::fs::remove_dir_all(&dir);
}
