//! Three server processes on one PostgreSQL database (issue 12): the same
//! guarantees across nodes as on one.
//!
//! 32 clients update ZITADEL profiles through all three nodes for a few
//! seconds: one profile that all 32 update, and three that a third of the
//! requests each go to. Mid-run one node is killed with -9 and a token that
//! every node has cached is revoked with `server token revoke`. Then:
//! every acknowledged update has a sequence of its own (none lost, none
//! applied to a stale profile), the stored sequence counts exactly the
//! acknowledged updates (plus at most the requests whose answer the kill
//! cut off), no request was answered 409, every surviving node continues
//! from the latest state, and every node refused the revoked token within
//! one second.
//!
//! Skipped (loudly) without PostgreSQL, never under `CI=true`; see
//! `profile_test_server::postgres`.

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use profile_test_server::postgres::fresh_database;
use serde_json::{Value, json};
use server::identity::{NewUser, add_user};
use server::storage::postgres::PostgresStore;
use server::storage::{Api, Store};

const PATH: &str = "/auth/v1/users/me/profile";
const CLIENTS: usize = 32;
const NODES: usize = 3;
/// How long the clients send updates.
const RUN: Duration = Duration::from_secs(3);
/// When, into the run, one node is killed and the token revoked.
const KILL_AT: Duration = Duration::from_millis(1000);
const REVOKE_AT: Duration = Duration::from_millis(1500);
/// The promise: a revoked token is refused by every node within this.
const REVOCATION_BOUND: Duration = Duration::from_secs(1);

/// One `server` process serving every API on ephemeral ports.
struct Node {
    child: Child,
    /// Its ZITADEL API's base URL.
    zitadel: String,
}

impl Node {
    fn start(database: &str) -> Node {
        let mut command = Command::new(env!("CARGO_BIN_EXE_server"));
        command.args(["--db", database, "serve", "--admin", "127.0.0.1:0"]);
        for &api in Api::ALL {
            command
                .arg("--listen")
                .arg(format!("{}=127.0.0.1:0", api.name()));
        }
        let mut child = command
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start a node: {e}"));
        let stdout = child
            .stdout
            .take()
            .unwrap_or_else(|| panic!("no stdout from the node"));
        // The node prints one line per API once it listens: "<api> <url> …".
        let (found, address) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                let mut words = line.split_whitespace();
                if words.next() == Some("zitadel")
                    && let Some(url) = words.next()
                {
                    let _ = found.send(url.to_string());
                }
            }
        });
        let zitadel = address
            .recv_timeout(Duration::from_secs(30))
            .unwrap_or_else(|e| panic!("the node did not start listening: {e}"));
        Node { child, zitadel }
    }
}

impl Drop for Node {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn token(user: &NewUser) -> String {
    user.tokens
        .iter()
        .find(|(api, _)| *api == Api::Zitadel)
        .map(|(_, token)| token.clone())
        .unwrap_or_else(|| panic!("no ZITADEL token"))
}

/// A body no earlier request sent, so that every update changes the profile
/// (ZITADEL refuses one that changes nothing).
fn body(first_name: &str) -> String {
    json!({
        "firstName": first_name,
        "lastName": "Lovelace",
        "displayName": "Ada Lovelace",
        "gender": "GENDER_UNSPECIFIED"
    })
    .to_string()
}

/// A PUT of `body` through `node` as `token`: the status and the sequence
/// the update was stored with, or `None` if no answer came.
async fn update(
    client: &reqwest::Client,
    node: &str,
    token: &str,
    body: String,
) -> Option<(u16, Option<u64>)> {
    let response = client
        .put(format!("{node}{PATH}"))
        .bearer_auth(token)
        .header("content-type", "application/json")
        .body(body)
        .send()
        .await
        .ok()?;
    let status = response.status().as_u16();
    let answer: Value = response.json().await.ok()?;
    let sequence = answer
        .pointer("/details/sequence")
        .and_then(Value::as_str)
        .and_then(|s| s.parse().ok());
    Some((status, sequence))
}

/// What the clients saw for one profile.
#[derive(Default, Debug)]
struct Outcomes {
    /// The sequence of each acknowledged (200) update, with its first name.
    acknowledged: Vec<(u64, String)>,
    /// Requests with no answer (cut off by the kill): applied or not.
    unanswered: u64,
    /// Every other status, counted.
    other: BTreeMap<u16, u64>,
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn three_nodes_on_one_database_lose_nothing_and_share_revocation() {
    let Some(database) = fresh_database() else {
        return;
    };
    let store = PostgresStore::connect(&database)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let new_user = async |name: &str| {
        add_user(&store, name, &format!("{name}@example.com"), None)
            .await
            .unwrap_or_else(|e| panic!("{e}"))
    };
    // Profile 0 is the one all 32 clients update; 1-3 share the rest.
    let mut users: Vec<NewUser> = Vec::with_capacity(4);
    for i in 0..4 {
        users.push(new_user(&format!("user{i}")).await);
    }
    let victim = new_user("victim").await;
    let tokens: Arc<Vec<String>> = Arc::new(users.iter().map(token).collect());

    let nodes: Vec<Node> = {
        let starting: Vec<_> = (0..NODES)
            .map(|_| {
                let database = database.clone();
                std::thread::spawn(move || Node::start(&database))
            })
            .collect();
        starting
            .into_iter()
            .map(|node| {
                node.join()
                    .unwrap_or_else(|_| panic!("a node failed to start"))
            })
            .collect()
    };
    let urls: Arc<Vec<String>> = Arc::new(nodes.iter().map(|n| n.zitadel.clone()).collect());
    let killed = Arc::new(AtomicBool::new(false));
    let outcomes: Arc<Vec<Mutex<Outcomes>>> =
        Arc::new((0..users.len()).map(|_| Mutex::default()).collect());
    let started = Instant::now();

    let mut clients = tokio::task::JoinSet::new();
    for client_index in 0..CLIENTS {
        let (urls, tokens, killed, outcomes) = (
            Arc::clone(&urls),
            Arc::clone(&tokens),
            Arc::clone(&killed),
            Arc::clone(&outcomes),
        );
        clients.spawn(async move {
            let client = reqwest::Client::builder()
                .timeout(Duration::from_secs(10))
                .build()
                .unwrap_or_else(|e| panic!("{e}"));
            let mut n = 0usize;
            while started.elapsed() < RUN {
                // Every other request to the profile all clients share.
                let user = if n.is_multiple_of(2) {
                    0
                } else {
                    1 + client_index % 3
                };
                // Every client goes through every node, in turn; the killed
                // node is left out once it is known dead.
                let alive = if killed.load(Ordering::SeqCst) {
                    NODES - 1
                } else {
                    NODES
                };
                let node = &urls[(client_index + n) % alive];
                let first_name = format!("c{client_index}n{n}");
                let answer = update(&client, node, &tokens[user], body(&first_name)).await;
                let mut seen = outcomes[user].lock().unwrap_or_else(|e| e.into_inner());
                match answer {
                    Some((200, Some(sequence))) => seen.acknowledged.push((sequence, first_name)),
                    Some((status, _)) => *seen.other.entry(status).or_default() += 1,
                    None => seen.unanswered += 1,
                }
                n += 1;
            }
        });
    }

    // The victim's token is used through every node until each refuses it.
    let victim_token = token(&victim);
    let revocation = {
        let urls = Arc::clone(&urls);
        let database = database.clone();
        tokio::spawn(async move {
            let client = reqwest::Client::new();
            let mut n = 0;
            // Cached on every node before the revocation.
            while started.elapsed() < REVOKE_AT {
                for node in urls.iter() {
                    let answer = update(&client, node, &victim_token, body(&format!("v{n}"))).await;
                    n += 1;
                    // No answer: the node was killed.
                    assert!(
                        matches!(answer, Some((200, _)) | None),
                        "the victim's token before revocation: {answer:?}"
                    );
                }
            }
            let revoke = tokio::task::spawn_blocking(move || {
                Command::new(env!("CARGO_BIN_EXE_server"))
                    .args(["--db", &database, "token", "revoke", &victim_token])
                    .output()
            });
            let output = revoke
                .await
                .unwrap_or_else(|e| panic!("{e}"))
                .unwrap_or_else(|e| panic!("cannot run token revoke: {e}"));
            assert!(output.status.success(), "token revoke: {output:?}");
            let revoked_at = Instant::now();
            let victim_token = token(&victim);
            let mut refused_after = Vec::new();
            for node in urls.iter().take(NODES - 1) {
                loop {
                    let answer = update(&client, node, &victim_token, body(&format!("v{n}"))).await;
                    n += 1;
                    if matches!(answer, Some((401, _))) {
                        refused_after.push(revoked_at.elapsed());
                        break;
                    }
                    assert!(
                        revoked_at.elapsed() < REVOCATION_BOUND * 2,
                        "{node} still accepts the revoked token: {answer:?}"
                    );
                    tokio::time::sleep(Duration::from_millis(10)).await;
                }
            }
            refused_after
        })
    };

    tokio::time::sleep(KILL_AT.saturating_sub(started.elapsed())).await;
    killed.store(true, Ordering::SeqCst);
    let mut nodes = nodes;
    let mut dead = nodes.pop().unwrap_or_else(|| panic!("no node to kill"));
    // SIGKILL: no clean stop, requests in flight are cut off.
    dead.child
        .kill()
        .unwrap_or_else(|e| panic!("cannot kill a node: {e}"));
    let _ = dead.child.wait();

    while let Some(joined) = clients.join_next().await {
        joined.unwrap_or_else(|e| panic!("a client failed: {e}"));
    }
    let refused_after = revocation.await.unwrap_or_else(|e| panic!("{e}"));
    let elapsed = started.elapsed();

    let outcomes: Vec<Outcomes> = Arc::try_unwrap(outcomes)
        .unwrap_or_else(|_| panic!("clients still hold the outcomes"))
        .into_iter()
        .map(|m| m.into_inner().unwrap_or_else(|e| e.into_inner()))
        .collect();
    let acknowledged: usize = outcomes.iter().map(|o| o.acknowledged.len()).sum();
    eprintln!(
        "{acknowledged} updates acknowledged by {NODES} nodes in {elapsed:?} ({:.0}/s); \
         revoked token refused by each surviving node after {refused_after:?}",
        acknowledged as f64 / elapsed.as_secs_f64()
    );
    for (user, seen) in users.iter().zip(&outcomes) {
        eprintln!(
            "{}: {} acknowledged, {} unanswered, other statuses {:?}",
            user.user.username,
            seen.acknowledged.len(),
            seen.unanswered,
            seen.other
        );
    }
    // However slow the machine, each profile saw concurrent updates.
    assert!(
        outcomes.iter().all(|o| o.acknowledged.len() >= 2),
        "too few updates: {outcomes:?}"
    );

    for (index, (user, seen)) in users.iter().zip(&outcomes).enumerate() {
        let name = &user.user.username;
        assert!(
            !seen.other.contains_key(&409),
            "{name}: 409 answered: {:?}",
            seen.other
        );
        assert!(
            seen.other.keys().all(|status| *status == 503),
            "{name}: unexpected statuses {:?}",
            seen.other
        );
        // No two acknowledged updates share a sequence: each was applied to
        // the profile the one before it stored, whichever node took it.
        let mut sequences: Vec<u64> = seen.acknowledged.iter().map(|(s, _)| *s).collect();
        sequences.sort_unstable();
        sequences.dedup();
        assert_eq!(
            sequences.len(),
            seen.acknowledged.len(),
            "{name}: two acknowledged updates got the same sequence"
        );
        // The stored sequence counts every acknowledged update, plus at
        // most the ones whose answer the kill cut off.
        let stored = store
            .profile(Api::Zitadel, user.user.id)
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        let acked = seen.acknowledged.len() as u64;
        assert!(
            acked <= stored.sequence && stored.sequence <= acked + seen.unanswered,
            "{name}: stored sequence {}, {acked} acknowledged, {} unanswered",
            stored.sequence,
            seen.unanswered
        );
        // The last acknowledged update is what is stored, unless an
        // unanswered one came after it.
        if let Some((last, first_name)) = seen.acknowledged.iter().max()
            && *last == stored.sequence
        {
            assert_eq!(stored.document["firstName"], json!(first_name), "{name}");
        }
        // Every surviving node continues from the latest state.
        let client = reqwest::Client::new();
        let mut expected = stored.sequence;
        for node in &nodes {
            expected += 1;
            let answer = update(
                &client,
                &node.zitadel,
                &tokens[index],
                body(&format!("after-{expected}")),
            )
            .await;
            assert_eq!(
                answer,
                Some((200, Some(expected))),
                "{name} through {}",
                node.zitadel
            );
        }
    }

    assert_eq!(refused_after.len(), NODES - 1);
    for (node, after) in nodes.iter().zip(&refused_after) {
        assert!(
            *after < REVOCATION_BOUND,
            "{} accepted the revoked token for {after:?}",
            node.zitadel
        );
    }
}
