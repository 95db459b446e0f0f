//! For every API: the demo curl line the server prints — the seed's own
//! example request — succeeds when run with the real `curl`, its response
//! validates against the spec's schema for that status, and the update
//! survives a restart.

use std::sync::Arc;

use serde_json::Value;
use server::apis::{descriptors, spec_json};
use server::identity::add_user;
use server::storage::Store;
use server::storage::sqlite::SqliteStore;

use crate::harness::{run_shell, start_with_demo_line};

/// The 2xx response schema and media type the spec documents for the
/// operation (each spec has exactly one operation).
fn success_response(spec: &Value) -> (String, Value) {
    for item in spec["paths"]
        .as_object()
        .into_iter()
        .flat_map(|p| p.values())
    {
        for op in item.as_object().into_iter().flat_map(|m| m.values()) {
            for (status, response) in op["responses"].as_object().into_iter().flatten() {
                if status.starts_with('2')
                    && let Some((media, content)) = response["content"]
                        .as_object()
                        .and_then(|c| c.iter().next())
                {
                    return (media.clone(), content["schema"].clone());
                }
            }
        }
    }
    panic!("the spec documents no 2xx response body")
}

// Two workers: curl runs in a blocking task while the server answers it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_seed_request_succeeds_validates_and_survives_a_restart() {
    let all: Vec<_> = descriptors().collect();
    assert_eq!(all.len(), 5, "all five APIs are registered");
    let dir = std::env::temp_dir().join(format!("server-seed-{}", uuid::Uuid::new_v4()));
    let path = dir.join("db.sqlite");
    let mut stored = Vec::new();
    {
        let store: Arc<dyn Store> =
            Arc::new(SqliteStore::open(&path).unwrap_or_else(|e| panic!("{e}")));
        let demo = add_user(
            store.as_ref(),
            "demo",
            "demo@example.com",
            Some("demo-tenant"),
        )
        .await
        .unwrap_or_else(|e| panic!("{e}"));
        for registration in &all {
            let name = registration.api.name();
            let (running, line) = start_with_demo_line(registration, &store, &demo);
            // -s: quiet; -w: the status and content type after the body.
            let command = format!("{line} -s -w '\\n%{{http_code}} %{{content_type}}'");
            let text = run_shell(command).await;
            let (body, trailer) = text
                .rsplit_once('\n')
                .unwrap_or_else(|| panic!("{name}: no curl output: {text}"));
            let (status, content_type) = trailer.split_once(' ').unwrap_or((trailer, ""));
            assert!(status.starts_with('2'), "{name}: {status} {body}\n{line}");
            let spec = spec_json(registration.spec_yaml).unwrap_or_else(|e| panic!("{e}"));
            let (media, schema) = success_response(&spec);
            assert!(
                content_type.starts_with(&media),
                "{name}: sent {content_type}, the spec says {media}"
            );
            let body: Value = serde_json::from_str(body)
                .unwrap_or_else(|e| panic!("{name}: not JSON ({e}): {body}"));
            let problems = xtask::examples::check_instance(&spec, &schema, &body, "response");
            assert!(
                problems.is_empty(),
                "{name}: the response does not match the spec: {problems:?}\n{body}"
            );
            let profile = store
                .profile(registration.api, demo.user.id)
                .await
                .unwrap_or_else(|e| panic!("{e}"));
            assert_eq!(profile.sequence, 1, "{name}: the update is stored");
            stored.push((registration.api, profile.document));
            running
                .server
                .close()
                .await
                .unwrap_or_else(|e| panic!("{e}"));
        }
    }
    // A new process would open the same file: every acknowledged update is there.
    let reopened = SqliteStore::open(&path).unwrap_or_else(|e| panic!("{e}"));
    let user = reopened
        .user_id_by_name("demo")
        .await
        .unwrap_or_else(|e| panic!("{e}"))
        .unwrap_or_else(|| panic!("demo user lost"));
    for (api, document) in stored {
        let profile = reopened
            .profile(api, user)
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            (profile.sequence, profile.document),
            (1, document),
            "{}",
            api.name()
        );
    }
    let _ = std::fs::remove_dir_all(dir);
}
