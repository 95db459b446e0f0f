//! One API on a fresh database, with two users to attack each other's
//! data, and sending it raw HTTP.

use std::sync::Arc;

use profile_test_server::{TestServer, TestServerBuilder};
use reqwest::Method;
use serde_json::Value;
use server::apis::{DemoCredentials, Descriptor};
use server::front::Limits;
use server::identity::NewUser;
use server::serve::{RunningApi, start_one};
use server::storage::{Api, Store};

/// What the tests that loop over every API need to know about one API
/// beyond its descriptor (`Api::descriptor`), stated in that API's own test
/// file as `PROFILE` and found through `crate::profile`, which the registry
/// expands: a test that loops over APIs never matches on their names.
pub struct ApiProfile {
    /// A valid body for alice that sets a name field to `name` (letters
    /// only); its first member is a plain string.
    pub named_body: fn(&TestApi, &str) -> String,
    /// Whether `reply` is in the API's error format for its status.
    pub is_error_body: fn(&Reply) -> bool,
    /// The status of a body in a wrong media type, or without one: 415, or
    /// 400 where the vendor's stack answers so.
    pub wrong_media_type: u16,
    /// The status of a body over the limit: 413, or 400 where the vendor's
    /// gateway answers so.
    pub too_large: u16,
    /// Writer `writer`'s change of alice's profile to `value`: even writers
    /// change one part of the profile and odd writers another, where the
    /// API merges, so that a lost update would show.
    pub concurrent_change: fn(&TestApi, usize, &str, usize) -> Value,
}

/// One API running on its own database, started by the test server crate
/// (the one way the tests start a server), with its two users: alice, the
/// caller, and bob, to attack each other's data.
pub struct TestApi {
    pub api: Api,
    pub store: Arc<dyn Store>,
    /// The caller.
    pub alice: NewUser,
    /// Another user, for cross-user and cross-tenant attempts.
    pub bob: NewUser,
    pub client: reqwest::Client,
    server: TestServer,
}

/// A response as the tests look at it.
#[derive(Debug)]
pub struct Reply {
    pub status: u16,
    pub content_type: String,
    /// The `Allow` header (a 405 must send one).
    pub allow: Option<String>,
    /// The `x-request-id` header every answer carries.
    pub request_id: Option<String>,
    pub body: Value,
}

impl TestApi {
    /// The headers that carry `user`'s credential for this API (with the
    /// tenant, where the API has one), as the descriptor places them.
    pub fn credential_headers(&self, user: &NewUser) -> Vec<(&'static str, String)> {
        self.api
            .descriptor()
            .credentials
            .headers(&self.token(user), Some(&user.tenant))
    }

    /// The operation's method.
    pub fn method(&self) -> Method {
        self.api
            .descriptor()
            .operation
            .method()
            .unwrap_or_else(|e| panic!("{}: {e}", self.api))
    }

    /// The operation's path for alice.
    pub fn path(&self) -> String {
        self.api
            .descriptor()
            .operation
            .path_for(&self.alice.user.id)
    }

    pub async fn start(api: Api) -> TestApi {
        Self::start_with(api, &Limits::default()).await
    }

    /// Starts `api` with its front set to `limits`.
    pub async fn start_with(api: Api, limits: &Limits) -> TestApi {
        Self::started(TestServer::builder().api(api).limits(limits.clone()))
    }

    /// Starts `api` on the store `open` makes from a database path in a
    /// fresh temporary directory (a store with a small writer queue, say).
    pub async fn start_on<S: Store>(
        api: Api,
        limits: &Limits,
        open: impl FnOnce(&std::path::Path) -> Result<S, server::storage::StoreError> + 'static,
    ) -> TestApi {
        Self::started(
            TestServer::builder()
                .api(api)
                .limits(limits.clone())
                .store_with(open),
        )
    }

    fn started(builder: TestServerBuilder) -> TestApi {
        let server = builder.start().unwrap_or_else(|e| panic!("{e}"));
        let api = match server.started().first() {
            Some(&api) => api,
            None => panic!("the test server started no API"),
        };
        TestApi {
            api,
            store: Arc::clone(server.store()),
            alice: server.alice().clone(),
            bob: server.bob().clone(),
            client: reqwest::Client::new(),
            server,
        }
    }

    /// The running API: its address.
    pub fn running(&self) -> &RunningApi {
        self.server
            .running(self.api)
            .unwrap_or_else(|e| panic!("{e}"))
    }

    /// `user`'s token for this API.
    pub fn token(&self, user: &NewUser) -> String {
        user.tokens
            .iter()
            .find(|(api, _)| *api == self.api)
            .map(|(_, token)| token.clone())
            .unwrap_or_else(|| panic!("no {} token", self.api.name()))
    }

    /// Sends `body` (raw bytes) to `path` with `headers`.
    pub async fn send(
        &self,
        method: Method,
        path: &str,
        headers: &[(&str, &str)],
        body: Option<&str>,
    ) -> Reply {
        self.send_bytes(method, path, headers, body.map(|b| b.as_bytes().to_vec()))
            .await
    }

    /// Sends `body` as raw bytes (which need not be UTF-8).
    pub async fn send_bytes(
        &self,
        method: Method,
        path: &str,
        headers: &[(&str, &str)],
        body: Option<Vec<u8>>,
    ) -> Reply {
        let mut request = self
            .client
            .request(method, format!("{}{path}", self.running().base_url()));
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        if let Some(body) = body {
            request = request.body(body);
        }
        let response = request
            .send()
            .await
            .unwrap_or_else(|e| panic!("request failed: {e}"));
        let status = response.status().as_u16();
        let content_type = response
            .headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_string();
        let allow = response
            .headers()
            .get("allow")
            .and_then(|v| v.to_str().ok())
            .map(str::to_string);
        let request_id = response
            .headers()
            .get("x-request-id")
            .and_then(|v| v.to_str().ok())
            .map(str::to_string);
        let text = response.text().await.unwrap_or_default();
        let body = serde_json::from_str(&text).unwrap_or(Value::String(text));
        Reply {
            status,
            content_type,
            allow,
            request_id,
            body,
        }
    }

    /// Sends `body` without a length (`Transfer-Encoding: chunked`, one
    /// chunk), as a streaming client does: the server cannot refuse it from
    /// a declared `Content-Length` and must count while reading. Written by
    /// hand on a plain TCP connection, so that nothing adds a length.
    pub async fn send_chunked(
        &self,
        method: Method,
        path: &str,
        headers: &[(&str, &str)],
        body: &str,
    ) -> Reply {
        let address = self.running().local_addr();
        let mut request = format!(
            "{method} {path} HTTP/1.1\r\nhost: {address}\r\ntransfer-encoding: chunked\r\nconnection: close\r\n"
        );
        for (name, value) in headers {
            request.push_str(&format!("{name}: {value}\r\n"));
        }
        request.push_str(&format!("\r\n{:x}\r\n{body}\r\n0\r\n\r\n", body.len()));
        self.send_raw(request.as_bytes(), false).await
    }

    /// Sends `request`, raw HTTP/1.1 bytes, on a new connection, then (if
    /// `half_close`) shuts the connection's sending side, as a client that
    /// has nothing more to send does; reads the answer to the end.
    pub async fn send_raw(&self, request: &[u8], half_close: bool) -> Reply {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        let address = self.running().local_addr();
        let mut stream = tokio::net::TcpStream::connect(address)
            .await
            .unwrap_or_else(|e| panic!("cannot connect to {address}: {e}"));
        // The server may answer and close before it has read everything.
        let _ = stream.write_all(request).await;
        if half_close {
            let _ = stream.shutdown().await;
        }
        let mut raw = Vec::new();
        let _ = stream.read_to_end(&mut raw).await;
        let text = String::from_utf8_lossy(&raw);
        let (head, payload) = text
            .split_once("\r\n\r\n")
            .unwrap_or_else(|| panic!("no HTTP response: {text}"));
        let status = head
            .split(' ')
            .nth(1)
            .and_then(|code| code.parse().ok())
            .unwrap_or_else(|| panic!("no status in {head}"));
        let header = |wanted: &str| {
            head.lines()
                .filter_map(|line| line.split_once(':'))
                .find(|(name, _)| name.trim().eq_ignore_ascii_case(wanted))
                .map(|(_, value)| value.trim().to_string())
        };
        let payload = match header("transfer-encoding") {
            Some(encoding) if encoding.eq_ignore_ascii_case("chunked") => dechunk(payload),
            _ => payload.to_string(),
        };
        Reply {
            status,
            content_type: header("content-type").unwrap_or_default(),
            allow: header("allow"),
            request_id: header("x-request-id"),
            body: serde_json::from_str(&payload).unwrap_or(Value::String(payload)),
        }
    }

    /// The user's stored profile document and sequence for this API.
    pub fn stored(&self, user: &NewUser) -> (Value, u64) {
        let profile = profile_test_server::block_on(self.store.profile(self.api, user.user.id))
            .unwrap_or_else(|e| panic!("{e}"))
            .unwrap_or_else(|e| panic!("{e}"));
        (profile.document, profile.sequence)
    }
}

/// The payload of a chunked HTTP/1.1 body.
fn dechunk(mut text: &str) -> String {
    let mut out = String::new();
    while let Some((size, rest)) = text.split_once("\r\n") {
        let size = usize::from_str_radix(size.trim(), 16).unwrap_or(0);
        if size == 0 || rest.len() < size {
            break;
        }
        out.push_str(&rest[..size]);
        text = rest[size..].trim_start_matches("\r\n");
    }
    out
}

/// Starts `registration` on `store` on an ephemeral port, and returns it
/// with the ready-to-paste curl line the server prints for `demo` (the
/// seed page's own request).
pub fn start_with_demo_line(
    registration: &'static Descriptor,
    store: &Arc<dyn Store>,
    demo: &NewUser,
) -> (RunningApi, String) {
    let log = slog::Logger::root(slog::Discard, slog::o!());
    let running = start_one(
        registration,
        Arc::clone(store),
        "127.0.0.1:0".parse().unwrap_or_else(|e| panic!("{e}")),
        &log,
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let token = demo
        .tokens
        .iter()
        .find(|(api, _)| *api == registration.api)
        .map(|(_, token)| token.clone())
        .unwrap_or_default();
    let credentials = DemoCredentials {
        user_id: demo.user.id,
        token,
        tenant: Some(demo.tenant.clone()),
    };
    let line = registration.demo_curl(&running.base_url(), &credentials);
    (running, line)
}

/// Runs a shell command line (a curl line) and returns its standard
/// output. curl blocks, so it runs off the runtime, which must keep
/// answering it: call this from a test with two worker threads.
pub async fn run_shell(command: String) -> String {
    let output = tokio::task::spawn_blocking(move || {
        std::process::Command::new("sh")
            .arg("-c")
            .arg(command)
            .output()
    })
    .await
    .unwrap_or_else(|e| panic!("the shell task failed: {e}"))
    .unwrap_or_else(|e| panic!("cannot run sh: {e}"));
    String::from_utf8_lossy(&output.stdout).into_owned()
}
