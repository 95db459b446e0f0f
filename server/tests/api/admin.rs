//! The admin listener (issue 20): `/healthz`, `/readyz` with its reasons,
//! and `/metrics` scraped and read with a parser of the Prometheus text
//! format (the `prometheus-parse` crate), not with our own reading.

use std::sync::Arc;
use std::time::Duration;

use profile_test_server::postgres::{OutageProxy, fresh_database};
use prometheus_parse::{Scrape, Value as Sample};
use server::admin::Admin;
use server::front::Limits;
use server::identity::{NewUser, add_user};
use server::metrics::Metrics;
use server::serve::{RunningApi, start_one_observed};
use server::storage::postgres::PostgresStore;
use server::storage::sqlite::SqliteStore;
use server::storage::{Api, Store};

use crate::node::scratch_dir;

/// One Exante API and an admin listener sharing one server's metrics.
struct Observed {
    running: RunningApi,
    admin: Admin,
    alice: NewUser,
    /// Exante's update operation, as its spec names it.
    operation: String,
    dir: std::path::PathBuf,
}

impl Drop for Observed {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

async fn observed(store: Arc<dyn Store>, dir: std::path::PathBuf) -> Observed {
    let metrics = Metrics::new();
    metrics.register_store(store.as_ref());
    let alice = add_user(store.as_ref(), "alice", "alice@example.com", None)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let descriptor = Api::Exante.descriptor();
    let operation = descriptor.operation.operation_id.to_string();
    let log = slog::Logger::root(slog::Discard, slog::o!());
    let any_port = "127.0.0.1:0".parse().unwrap_or_else(|e| panic!("{e}"));
    let running = start_one_observed(
        descriptor,
        Arc::clone(&store),
        any_port,
        &Limits::default(),
        &metrics,
        &log,
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let admin = Admin::start(any_port, store, metrics, log)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    Observed {
        running,
        admin,
        alice,
        operation,
        dir,
    }
}

impl Observed {
    async fn update(&self, client: &reqwest::Client, token: &str) -> u16 {
        client
            .patch(format!("{}/api/user", self.running.base_url()))
            .bearer_auth(token)
            .header("content-type", "application/json")
            .body(r#"{"firstname":"Ada"}"#)
            .send()
            .await
            .unwrap_or_else(|e| panic!("{e}"))
            .status()
            .as_u16()
    }

    /// `GET` (or `method`) on the admin listener: status and body.
    async fn admin(&self, method: reqwest::Method, path: &str) -> (u16, String) {
        let response = reqwest::Client::new()
            .request(method, format!("http://{}{path}", self.admin.local_addr()))
            .send()
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        let status = response.status().as_u16();
        (status, response.text().await.unwrap_or_default())
    }

    async fn scrape(&self) -> Scrape {
        let (status, text) = self.admin(reqwest::Method::GET, "/metrics").await;
        assert_eq!(status, 200, "{text}");
        Scrape::parse(text.lines().map(|line| Ok(line.to_string())))
            .unwrap_or_else(|e| panic!("not the Prometheus text format: {e}\n{text}"))
    }
}

/// The value of the sample `metric` with exactly these labels among its
/// own (a histogram: its count of observations).
fn value(scrape: &Scrape, metric: &str, labels: &[(&str, &str)]) -> Option<f64> {
    scrape
        .samples
        .iter()
        .filter(|sample| sample.metric == metric)
        .find(|sample| {
            labels
                .iter()
                .all(|(name, value)| sample.labels.get(name) == Some(*value))
        })
        .map(|sample| match &sample.value {
            Sample::Counter(v) | Sample::Gauge(v) | Sample::Untyped(v) => *v,
            Sample::Histogram(buckets) => buckets
                .iter()
                .map(|bucket| bucket.count)
                .fold(0.0, f64::max),
            Sample::Summary(_) => f64::NAN,
        })
}

fn sqlite(name: &str) -> (Arc<dyn Store>, std::path::PathBuf) {
    let dir = scratch_dir(name);
    let store = SqliteStore::open(&dir.join("db.sqlite")).unwrap_or_else(|e| panic!("{e}"));
    (Arc::new(store), dir)
}

#[tokio::test]
async fn metrics_count_requests_connections_the_writer_and_the_credential_cache() {
    let (store, dir) = sqlite("metrics");
    let t = observed(store, dir).await;
    let token = t
        .alice
        .tokens
        .iter()
        .find(|(api, _)| *api == Api::Exante)
        .map(|(_, token)| token.clone())
        .unwrap_or_else(|| panic!("no Exante token"));
    let client = reqwest::Client::new();
    for _ in 0..3 {
        assert_eq!(t.update(&client, &token).await, 200);
    }
    // Alice's key id with another secret.
    let last = if token.ends_with('a') { "b" } else { "a" };
    let wrong = format!("{}{last}", &token[..token.len() - 1]);
    assert_eq!(t.update(&client, &wrong).await, 401);
    let spec = client
        .get(format!("{}/openapi.json", t.running.base_url()))
        .send()
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(spec.status(), 200);
    let _ = spec.bytes().await;

    let scrape = t.scrape().await;
    let requests = |operation: &str, status: &str| {
        value(
            &scrape,
            "profile_requests_total",
            &[
                ("api", "exante"),
                ("operation", operation),
                ("status", status),
            ],
        )
    };
    assert_eq!(requests(&t.operation, "200"), Some(3.0), "{scrape:?}");
    assert_eq!(requests(&t.operation, "401"), Some(1.0), "{scrape:?}");
    assert_eq!(requests("openapi", "200"), Some(1.0), "{scrape:?}");
    // Five answers, five latencies.
    assert_eq!(
        value(
            &scrape,
            "profile_request_duration_seconds_count",
            &[("api", "exante")]
        ),
        Some(5.0)
    );
    assert_eq!(
        value(&scrape, "profile_requests_in_flight", &[("api", "exante")]),
        Some(0.0)
    );
    // The client keeps its connection open.
    assert!(
        value(&scrape, "profile_connections_open", &[("api", "exante")])
            .is_some_and(|open| open >= 1.0),
        "{scrape:?}"
    );
    assert_eq!(
        value(
            &scrape,
            "profile_store_busy_answers_total",
            &[("api", "exante")]
        ),
        Some(0.0)
    );
    // The writer committed the three changes, in however many batches.
    assert_eq!(
        value(&scrape, "profile_sqlite_batch_size_sum", &[]),
        Some(3.0)
    );
    assert!(
        value(&scrape, "profile_sqlite_commit_duration_seconds_count", &[])
            .is_some_and(|commits| (1.0..=3.0).contains(&commits)),
        "{scrape:?}"
    );
    assert_eq!(
        value(&scrape, "profile_sqlite_writer_queue_depth", &[]),
        Some(0.0)
    );
    // Four credential checks: the first reads the store; the wrong
    // token's key id is alice's, so it is a hit or a miss as well.
    let cache = |result| {
        value(
            &scrape,
            "profile_credential_cache_total",
            &[("api", "exante"), ("result", result)],
        )
        .unwrap_or(0.0)
    };
    assert!(cache("miss") >= 1.0, "{scrape:?}");
    assert_eq!(cache("hit") + cache("miss"), 4.0, "{scrape:?}");
    for name in [
        "profile_requests",
        "profile_request_duration_seconds",
        "profile_connections_closed",
        "profile_sqlite_batch_size",
    ] {
        assert!(scrape.docs.contains_key(name), "no HELP for {name}");
    }
}

#[tokio::test]
async fn readiness_is_503_with_the_reason_once_the_node_is_stopping() {
    let (store, dir) = sqlite("readiness");
    let t = observed(store, dir).await;
    assert_eq!(
        t.admin(reqwest::Method::GET, "/readyz").await,
        (200, "ready\n".to_string())
    );
    assert_eq!(t.admin(reqwest::Method::GET, "/healthz").await.0, 200);
    t.admin.stopping();
    let (status, reason) = t.admin(reqwest::Method::GET, "/readyz").await;
    assert_eq!(status, 503);
    assert!(reason.contains("stopping"), "{reason}");
    // Alive and observable while it stops.
    assert_eq!(t.admin(reqwest::Method::GET, "/healthz").await.0, 200);
    assert_eq!(t.admin(reqwest::Method::GET, "/metrics").await.0, 200);
    assert_eq!(t.admin(reqwest::Method::GET, "/other").await.0, 404);
    assert_eq!(t.admin(reqwest::Method::POST, "/readyz").await.0, 405);
}

/// A node whose database cannot be reached is not ready, and says so; it
/// is ready again once the database is back, by itself.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn readiness_is_503_while_the_database_cannot_be_reached() {
    let Some(database) = fresh_database() else {
        return;
    };
    let proxy = OutageProxy::start(&database)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let store = PostgresStore::connect(proxy.url())
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let t = observed(Arc::new(store), scratch_dir("readiness-pg")).await;
    assert_eq!(t.admin(reqwest::Method::GET, "/readyz").await.0, 200);
    proxy.cut().await;
    let (status, reason) = t.admin(reqwest::Method::GET, "/readyz").await;
    assert_eq!(status, 503, "{reason}");
    assert!(reason.contains("store"), "{reason}");
    proxy.restore();
    let mut ready = (0, String::new());
    for _ in 0..50 {
        ready = t.admin(reqwest::Method::GET, "/readyz").await;
        if ready.0 == 200 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(
        ready.0, 200,
        "not ready after the database came back: {ready:?}"
    );
    let scrape = t.scrape().await;
    assert!(
        value(&scrape, "profile_postgres_errors_total", &[]).is_some_and(|errors| errors >= 1.0),
        "{scrape:?}"
    );
    assert!(
        value(&scrape, "profile_postgres_pool_size", &[]).is_some(),
        "{scrape:?}"
    );
}
