//! `Client::builder`: documented default timeouts, `User-Agent`, a base URL
//! checked when the client is built; plain values for optional fields; the
//! tracing hook. Shown on ZITADEL's SDK; the builder is the same code in all
//! five (`sdk_support::ClientBuilder`).

use std::sync::{Arc, Mutex};
use std::time::Duration;

use conformance::recording_server::{RecordingServer, Reply};
use serde_json::json;
use zitadel_sdk::{BuildError, Client, Credentials, Error, Timeout, some, types};

use crate::seed_requests::zitadel::seed;

fn credentials() -> Credentials {
    Credentials::access_token("s3cr3t-token").unwrap_or_else(|e| panic!("{e}"))
}

fn ok() -> Reply {
    Reply::json(
        200,
        "application/json",
        json!({ "details": { "sequence": "2" } }),
    )
}

async fn send(client: &Client) -> Result<types::UpdateMyProfileResponse, Error> {
    let response = client
        .auth_service_update_my_profile()
        .body(seed())
        .send()
        .await?;
    Ok(response.into_inner())
}

#[tokio::test]
async fn the_default_user_agent_is_the_crate_and_its_version() {
    let server = RecordingServer::start(ok()).await;
    let client = Client::builder(server.url(), credentials())
        .build()
        .unwrap_or_else(|e| panic!("{e}"));
    send(&client).await.unwrap_or_else(|e| panic!("{e}"));
    let manifest = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../sdk/zitadel/Cargo.toml"),
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let version = xtask::gate::package_version(&manifest).unwrap_or_else(|| panic!("no version"));
    assert_eq!(
        server.only_request().header("user-agent"),
        format!("zitadel-sdk/{version}")
    );
}

#[tokio::test]
async fn the_user_agent_can_be_replaced() {
    let server = RecordingServer::start(ok()).await;
    let client = Client::builder(server.url(), credentials())
        .user_agent("my-app/2.1")
        .build()
        .unwrap_or_else(|e| panic!("{e}"));
    send(&client).await.unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(server.only_request().header("user-agent"), "my-app/2.1");
}

#[test]
fn a_base_url_without_a_scheme_is_refused_when_the_client_is_built() {
    match Client::builder("127.0.0.1:8105", credentials()).build() {
        Err(error @ BuildError::BaseUrl { .. }) => {
            let text = error.to_string();
            assert!(text.contains("\"127.0.0.1:8105\""), "{text}");
            assert!(text.contains("http://"), "{text}");
        }
        Err(other) => panic!("expected a base URL error, got {other}"),
        Ok(_) => panic!("a base URL without a scheme was accepted"),
    }
    for refused in [
        "localhost:8105",
        "ftp://example.com",
        "http://example.com/?a=1",
        "",
    ] {
        assert!(
            matches!(
                Client::builder(refused, credentials()).build(),
                Err(BuildError::BaseUrl { .. })
            ),
            "{refused:?} was accepted"
        );
    }
}

#[tokio::test]
async fn a_trailing_slash_on_the_base_url_does_not_double_the_path() {
    let server = RecordingServer::start(ok()).await;
    let client = Client::builder(&format!("{}/", server.url()), credentials())
        .build()
        .unwrap_or_else(|e| panic!("{e}"));
    send(&client).await.unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(server.only_request().path, "/auth/v1/users/me/profile");
}

#[test]
fn the_default_timeouts_are_the_documented_ones() {
    assert_eq!(
        sdk_support::DEFAULT_CONNECT_TIMEOUT,
        Duration::from_secs(10)
    );
    assert_eq!(sdk_support::DEFAULT_READ_TIMEOUT, Duration::from_secs(30));
    assert_eq!(sdk_support::DEFAULT_TIMEOUT, Duration::from_secs(60));
}

#[tokio::test]
async fn a_read_timeout_ends_a_request_the_server_does_not_answer() {
    let server = RecordingServer::start(ok().after(Duration::from_secs(5))).await;
    let client = Client::builder(server.url(), credentials())
        .read_timeout(Duration::from_millis(200))
        .build()
        .unwrap_or_else(|e| panic!("{e}"));
    let started = std::time::Instant::now();
    match send(&client).await {
        Err(error @ Error::Communication { .. }) => {
            assert_eq!(
                error.timeout(),
                Some(Timeout::Read(Duration::from_millis(200)))
            );
            assert!(
                error.to_string().contains("the read timeout (200ms) fired"),
                "{error}"
            );
        }
        other => panic!("expected a timeout, got {other:?}"),
    }
    assert!(started.elapsed() < Duration::from_secs(4));
}

#[tokio::test]
async fn a_read_timeout_while_the_body_arrives_is_the_read_timeout() {
    let server = RecordingServer::start(ok().stalling_body(Duration::from_secs(5))).await;
    let client = Client::builder(server.url(), credentials())
        .read_timeout(Duration::from_millis(200))
        .build()
        .unwrap_or_else(|e| panic!("{e}"));
    match send(&client).await {
        Err(error) => {
            assert_eq!(
                error.timeout(),
                Some(Timeout::Read(Duration::from_millis(200))),
                "{error}"
            );
        }
        other => panic!("expected a timeout, got {other:?}"),
    }
}

#[tokio::test]
async fn a_connect_timeout_is_the_connect_timeout() {
    // A listener whose accept queue is full: the kernel drops further
    // connection attempts, so connecting hangs until the timeout.
    let socket = tokio::net::TcpSocket::new_v4().unwrap_or_else(|e| panic!("{e}"));
    socket
        .bind("127.0.0.1:0".parse().unwrap_or_else(|e| panic!("{e}")))
        .unwrap_or_else(|e| panic!("{e}"));
    let listener = socket.listen(0).unwrap_or_else(|e| panic!("{e}"));
    let address = listener.local_addr().unwrap_or_else(|e| panic!("{e}"));
    let mut queued = Vec::new();
    for _ in 0..4 {
        if let Ok(Ok(stream)) = tokio::time::timeout(
            Duration::from_millis(200),
            tokio::net::TcpStream::connect(address),
        )
        .await
        {
            queued.push(stream);
        }
    }
    let client = Client::builder(&format!("http://{address}"), credentials())
        .connect_timeout(Duration::from_millis(300))
        .build()
        .unwrap_or_else(|e| panic!("{e}"));
    match send(&client).await {
        Err(error) => {
            assert_eq!(
                error.timeout(),
                Some(Timeout::Connect(Some(Duration::from_millis(300)))),
                "{error}"
            );
            assert!(
                error
                    .to_string()
                    .contains("the connect timeout (300ms) fired"),
                "{error}"
            );
        }
        other => panic!("expected a timeout, got {other:?}"),
    }
    drop(queued);
}

#[tokio::test]
async fn a_timeout_of_a_client_not_made_by_the_builder_is_read_or_total() {
    let server = RecordingServer::start(ok().after(Duration::from_secs(5))).await;
    let http = zitadel_sdk::reqwest::Client::builder()
        .timeout(Duration::from_millis(200))
        .build()
        .unwrap_or_else(|e| panic!("{e}"));
    let client = Client::new_with_client(server.url(), http, credentials().into());
    match send(&client).await {
        Err(error) => assert_eq!(error.timeout(), Some(Timeout::ReadOrTotal), "{error}"),
        other => panic!("expected a timeout, got {other:?}"),
    }
}

#[tokio::test]
async fn a_total_timeout_ends_a_slow_request() {
    let server = RecordingServer::start(ok().after(Duration::from_secs(5))).await;
    let client = Client::builder(server.url(), credentials())
        .timeout(Duration::from_millis(200))
        .build()
        .unwrap_or_else(|e| panic!("{e}"));
    match send(&client).await {
        Err(error @ Error::Communication { .. }) => {
            assert_eq!(
                error.timeout(),
                Some(Timeout::Total(Duration::from_millis(200)))
            );
            assert!(
                error
                    .to_string()
                    .contains("the total timeout (200ms) fired"),
                "{error}"
            );
        }
        other => panic!("expected a timeout, got {other:?}"),
    }
}

#[test]
fn extra_root_certificates_and_the_insecure_mode_are_explicit_options() {
    // A self-signed certificate (CN=localhost), as a private CA would give.
    let pem = include_bytes!("localhost-cert.pem");
    let certificate =
        zitadel_sdk::reqwest::Certificate::from_pem(pem).unwrap_or_else(|e| panic!("{e}"));
    Client::builder("https://localhost:8443", credentials())
        .add_root_certificate(certificate)
        .build()
        .unwrap_or_else(|e| panic!("{e}"));
    Client::builder("https://localhost:8443", credentials())
        .danger_accept_invalid_certificates()
        .build()
        .unwrap_or_else(|e| panic!("{e}"));
}

#[tokio::test]
async fn an_optional_field_takes_a_plain_value() {
    let server = RecordingServer::start(ok()).await;
    let client = Client::new(server.url(), credentials().into());
    let body = seed().nick_name(some("Min")).preferred_language(some("de"));
    client
        .auth_service_update_my_profile()
        .body(body)
        .send()
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let sent = server.only_request().json();
    assert_eq!(sent["nickName"], "Min");
    assert_eq!(sent["preferredLanguage"], "de");
}

#[tokio::test]
async fn a_refused_optional_value_names_its_field() {
    let server = RecordingServer::start(ok()).await;
    let client = Client::new(server.url(), credentials().into());
    let body = seed().nick_name(some(&"x".repeat(300)));
    let result: Result<_, Error> = client
        .auth_service_update_my_profile()
        .body(body)
        .send()
        .await
        .map_err(Into::into);
    match result {
        Err(Error::InvalidRequest(message)) => {
            assert!(message.contains("nick_name"), "{message}");
        }
        other => panic!("expected an invalid request, got {other:?}"),
    }
}

/// Every span and event field recorded on this thread while a test ran, as
/// `name=value`. The subscriber is global, forwarding to the thread's
/// recorder: a scoped (`set_default`) subscriber can miss events when other
/// test threads hit the same call sites first (tracing caches each call
/// site's interest globally).
#[derive(Clone, Default)]
struct Recorder {
    fields: Arc<Mutex<Vec<String>>>,
}

thread_local! {
    static RECORDER: std::cell::RefCell<Option<Recorder>> = const { std::cell::RefCell::new(None) };
}

struct ThreadRecorders;

struct Visitor<'a>(&'a mut Vec<String>);

impl tracing::field::Visit for Visitor<'_> {
    fn record_debug(&mut self, field: &tracing::field::Field, value: &dyn std::fmt::Debug) {
        self.0.push(format!("{}={value:?}", field.name()));
    }
}

impl Recorder {
    /// Records what this thread traces from now on.
    fn install() -> Recorder {
        static GLOBAL: std::sync::Once = std::sync::Once::new();
        GLOBAL.call_once(|| {
            let _ = tracing::subscriber::set_global_default(ThreadRecorders);
        });
        let recorder = Recorder::default();
        RECORDER.with(|current| *current.borrow_mut() = Some(recorder.clone()));
        recorder
    }

    fn text(&self) -> String {
        self.fields.lock().map(|f| f.join(" ")).unwrap_or_default()
    }
}

fn record(visit: impl FnOnce(&mut Visitor<'_>)) {
    RECORDER.with(|current| {
        if let Some(recorder) = current.borrow().as_ref()
            && let Ok(mut fields) = recorder.fields.lock()
        {
            visit(&mut Visitor(&mut fields));
        }
    });
}

impl tracing::Subscriber for ThreadRecorders {
    fn enabled(&self, _: &tracing::Metadata<'_>) -> bool {
        true
    }
    fn new_span(&self, span: &tracing::span::Attributes<'_>) -> tracing::span::Id {
        record(|v| span.record(v));
        tracing::span::Id::from_u64(1)
    }
    fn record(&self, _: &tracing::span::Id, values: &tracing::span::Record<'_>) {
        record(|v| values.record(v));
    }
    fn record_follows_from(&self, _: &tracing::span::Id, _: &tracing::span::Id) {}
    fn event(&self, event: &tracing::Event<'_>) {
        record(|v| event.record(v));
    }
    fn enter(&self, _: &tracing::span::Id) {}
    fn exit(&self, _: &tracing::span::Id) {}
}

#[tokio::test]
async fn each_request_is_traced_with_operation_status_duration_and_request_id_never_a_secret() {
    let recorder = Recorder::install();
    let server = RecordingServer::start(ok().with_header("X-Request-Id", "req-42")).await;
    let client = Client::new(server.url(), credentials().into());
    send(&client).await.unwrap_or_else(|e| panic!("{e}"));
    let text = recorder.text();
    for expected in [
        "api=\"zitadel\"",
        "operation=\"auth_service_update_my_profile\"",
        "method=PUT",
        "path=\"/auth/v1/users/me/profile\"",
        "status=200",
        "duration_ms=",
        "request_id=\"req-42\"",
    ] {
        assert!(text.contains(expected), "{expected} missing from: {text}");
    }
    assert!(!text.contains("s3cr3t-token"), "{text}");
    assert!(!text.to_lowercase().contains("authorization"), "{text}");
}
