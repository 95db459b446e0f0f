//! PostgreSQL going away under a running server (issue 12): every API
//! answers promptly with 503 in its own documented error format, never a
//! hang or a 500, whether the token is cached or must be read; and serves
//! again by itself when the database is back.
//!
//! Skipped (loudly) without PostgreSQL, never under `CI=true`; see
//! `profile_test_server::postgres`.

use std::sync::Arc;
use std::time::{Duration, Instant};

use profile_test_server::postgres::{OutageProxy, fresh_database};
use serde_json::Value;
use server::apis::{descriptors, spec_json};
use server::auth::CREDENTIAL_TTL;
use server::identity::add_user;
use server::serve::RunningApi;
use server::storage::Store;
use server::storage::postgres::{CALL_TIMEOUT, PostgresStore};

use crate::harness::{run_shell, start_with_demo_line};

/// The schema the spec gives a 503 body: its own, or its 5XX or default
/// error's.
fn unavailable_schema(spec: &Value) -> Option<Value> {
    let operation = spec["paths"]
        .as_object()?
        .values()
        .flat_map(|item| item.as_object().into_iter().flat_map(|m| m.values()))
        .find(|op| op.get("responses").is_some())?;
    ["503", "5XX", "default"].iter().find_map(|status| {
        let content = operation["responses"][*status]["content"].as_object()?;
        content.values().next().map(|c| c["schema"].clone())
    })
}

/// Runs the API's demo curl line (the seed's request) and returns the
/// status, the body, and how long the answer took.
async fn send(line: String) -> (u16, String, Duration) {
    let command = format!("{line} -s -m 30 -w '\\n%{{http_code}}'");
    let started = Instant::now();
    let text = run_shell(command).await;
    let took = started.elapsed();
    let (body, status) = text
        .rsplit_once('\n')
        .unwrap_or_else(|| panic!("no curl output: {text}"));
    (status.parse().unwrap_or(0), body.to_string(), took)
}

// Two workers: curl runs in a blocking task while the servers answer it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_database_outage_is_a_prompt_503_in_every_api_and_passes() {
    let Some(database) = fresh_database() else {
        return;
    };
    let proxy = OutageProxy::start(&database)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let store: Arc<dyn Store> = Arc::new(
        PostgresStore::connect(proxy.url())
            .await
            .unwrap_or_else(|e| panic!("{e}")),
    );
    let demo = add_user(
        store.as_ref(),
        "demo",
        "demo@example.com",
        Some("demo-tenant"),
    )
    .await
    .unwrap_or_else(|e| panic!("{e}"));
    let mut apis: Vec<(String, String, Value, RunningApi)> = Vec::new();
    for registration in descriptors() {
        let (running, line) = start_with_demo_line(registration, &store, &demo);
        let spec = spec_json(registration.spec_yaml).unwrap_or_else(|e| panic!("{e}"));
        apis.push((registration.api.name().to_string(), line, spec, running));
    }

    // Up: each update succeeds, and each node caches the token.
    for (name, line, _, _) in &apis {
        let (status, body, _) = send(line.clone()).await;
        assert!((200..300).contains(&status), "{name}: {status} {body}");
    }

    proxy.cut().await;
    // First with the tokens still cached (only the update needs the
    // database), then once the cache has expired (the token must be read).
    for round in ["cached token", "token read again"] {
        if round == "token read again" {
            tokio::time::sleep(CREDENTIAL_TTL).await;
        }
        for (name, line, spec, _) in &apis {
            let (status, body, took) = send(line.clone()).await;
            assert_eq!(status, 503, "{name}, {round}: {body}");
            assert!(
                took < CALL_TIMEOUT,
                "{name}, {round}: answered after {took:?}"
            );
            let body: Value = serde_json::from_str(&body)
                .unwrap_or_else(|e| panic!("{name}, {round}: not JSON ({e}): {body}"));
            if let Some(schema) = unavailable_schema(spec) {
                let problems = xtask::examples::check_instance(spec, &schema, &body, "response");
                assert!(
                    problems.is_empty(),
                    "{name}, {round}: the 503 is not in the API's format: {problems:?}\n{body}"
                );
            }
        }
    }

    proxy.restore();
    for (name, line, _, _) in &apis {
        let (status, body, _) = send(line.clone()).await;
        // The same request again: 2xx, or the API's own "nothing changed".
        assert!(
            status < 500,
            "{name}: not recovered after the outage: {status} {body}"
        );
    }
    for (_, _, _, running) in apis {
        let _ = running.server.close().await;
    }
}
