//! One API of the real server, started by the test server crate (a fresh
//! SQLite file in a temporary directory, alice and bob), behind a recording reverse proxy that every request (SDK or
//! raw) goes through.
//!
//! The SDKs ignore unknown response fields and default missing ones, so a
//! typed value that decodes proves little. The proxy keeps what the SDK was
//! actually given (status, `Content-Type`, raw body bytes), and
//! [`Live::conform`] checks each of those responses against the
//! hand-written spec with the rules `cargo xtask proxy` holds a vendor to
//! (`xtask::exchange_check`): the schema for that operation, that status
//! (or `default` for an error) and that media type, with objects closed (an
//! undocumented field fails), and the `Content-Type` against the media
//! types the spec lists for that status. A response that was never checked
//! fails the test when [`Live`] is dropped.
//!
//! The proxy forces one request per connection (`Connection: close` both
//! ways), so the client's keep-alive pool can never pair a request with
//! another one's response.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use profile_test_server::TestServer;
use serde_json::Value;
use server::identity::NewUser;
use server::storage::{Api, Store};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// One request and the response the client received for it.
#[derive(Clone, Debug)]
pub struct Exchange {
    pub method: String,
    /// The request target, e.g. `/api/user`.
    pub path: String,
    /// The request's headers as the client sent them.
    pub request_headers: Vec<(String, String)>,
    pub request_body: Vec<u8>,
    pub status: u16,
    pub content_type: Option<String>,
    /// The response body as sent (after removing any chunked framing).
    pub body: Vec<u8>,
}

impl Exchange {
    /// The request body as JSON.
    pub fn request_json(&self) -> Value {
        serde_json::from_slice(&self.request_body).unwrap_or_else(|e| {
            panic!(
                "request body is not JSON ({e}): {}",
                String::from_utf8_lossy(&self.request_body)
            )
        })
    }

    /// The response body decoded as the SDK's type `T` for it: what the
    /// SDK would have handed its caller.
    pub fn decoded<T: serde::de::DeserializeOwned>(&self) -> T {
        serde_json::from_slice(&self.body).unwrap_or_else(|e| {
            panic!(
                "the SDK's type does not decode the response ({e}): {}",
                String::from_utf8_lossy(&self.body)
            )
        })
    }

    /// The response body as JSON.
    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap_or_else(|e| {
            panic!(
                "response body is not JSON ({e}): {}",
                String::from_utf8_lossy(&self.body)
            )
        })
    }
}

/// A running API with two users, alice (the caller) and bob, each with an
/// organisation, a team, a CL2C tenant of their own (`tenant-a`,
/// `tenant-b`) and a token for every API.
pub struct Live {
    pub api: Api,
    pub store: Arc<dyn Store>,
    pub alice: NewUser,
    pub bob: NewUser,
    /// The hand-written spec, as the server embeds it.
    pub spec: Value,
    _server: TestServer,
    proxy_url: String,
    exchanges: Arc<Mutex<Vec<Exchange>>>,
    checked: Mutex<usize>,
    proxy: tokio::task::JoinHandle<()>,
    raw: reqwest::Client,
}

impl Live {
    pub async fn start(api: Api) -> Live {
        // The one test server builder, with its two users.
        let started = TestServer::start(api).unwrap_or_else(|e| panic!("{e}"));
        let registration = api.descriptor();
        let spec =
            server::apis::spec_json(registration.spec_yaml).unwrap_or_else(|e| panic!("{e}"));
        let running = started.running(api).unwrap_or_else(|e| panic!("{e}"));
        let upstream = running.server.local_addr();
        let listener = TcpListener::bind("127.0.0.1:0")
            .await
            .unwrap_or_else(|e| panic!("cannot bind the proxy: {e}"));
        let proxy_url = match listener.local_addr() {
            Ok(addr) => format!("http://{addr}"),
            Err(e) => panic!("the proxy has no address: {e}"),
        };
        let exchanges = Arc::new(Mutex::new(Vec::new()));
        let recorded = Arc::clone(&exchanges);
        let proxy = tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                let recorded = Arc::clone(&recorded);
                tokio::spawn(async move {
                    if let Err(e) = relay(stream, upstream, &recorded).await {
                        eprintln!("proxy: {e}");
                    }
                });
            }
        });
        Live {
            api,
            store: Arc::clone(started.store()),
            alice: started.alice().clone(),
            bob: started.bob().clone(),
            spec,
            _server: started,
            proxy_url,
            exchanges,
            checked: Mutex::new(0),
            proxy,
            raw: reqwest::Client::new(),
        }
    }

    /// The proxy's base URL: give this to the SDK.
    pub fn url(&self) -> &str {
        &self.proxy_url
    }

    /// `user`'s token for `api`.
    pub fn token_for(&self, user: &NewUser, api: Api) -> String {
        user.tokens
            .iter()
            .find(|(a, _)| *a == api)
            .map(|(_, token)| token.clone())
            .unwrap_or_else(|| panic!("no {} token", api.name()))
    }

    /// `user`'s token for this API.
    pub fn token(&self, user: &NewUser) -> String {
        self.token_for(user, self.api)
    }

    /// Alice's token for this API with its last character changed.
    pub fn wrong_token(&self) -> String {
        let mut token = self.token(&self.alice);
        let last = token.pop();
        token.push(if last == Some('0') { '1' } else { '0' });
        token
    }

    /// Alice's token for every other API.
    pub fn other_apis_tokens(&self) -> Vec<(Api, String)> {
        self.alice
            .tokens
            .iter()
            .filter(|(api, _)| *api != self.api)
            .cloned()
            .collect()
    }

    /// `user`'s stored profile document and sequence for this API.
    pub fn stored(&self, user: &NewUser) -> (Value, u64) {
        let profile = profile_test_server::block_on(self.store.profile(self.api, user.user.id))
            .unwrap_or_else(|e| panic!("{e}"))
            .unwrap_or_else(|e| panic!("{e}"));
        (profile.document, profile.sequence)
    }

    /// Neither user has anything stored.
    pub fn assert_nothing_stored(&self) {
        assert_eq!(self.stored(&self.alice).1, 0, "nothing may be stored");
        assert_eq!(self.stored(&self.bob).1, 0, "nothing may be stored");
    }

    /// Sends a raw request through the proxy (for what the SDK refuses to
    /// send) and returns what came back, checked against the spec.
    pub async fn raw(
        &self,
        method: reqwest::Method,
        path: &str,
        headers: &[(&str, &str)],
        body: &str,
    ) -> Exchange {
        let mut request = self
            .raw
            .request(method, format!("{}{path}", self.proxy_url));
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        // Raw requests leave credentials out or spoil them on purpose; the
        // marker exempts them from the credential check SDK requests get.
        request = request.header(RAW_MARKER, "1");
        let response = request
            .body(body.to_string())
            .send()
            .await
            .unwrap_or_else(|e| panic!("raw request failed: {e}"));
        // Read it whole, so that the proxy has recorded it.
        let _ = response.bytes().await;
        self.conform_one()
    }

    /// Checks every response recorded since the last check against the
    /// spec, and returns those exchanges.
    pub fn conform(&self) -> Vec<Exchange> {
        let all = match self.exchanges.lock() {
            Ok(all) => all.clone(),
            Err(e) => panic!("recording poisoned: {e}"),
        };
        let mut checked = match self.checked.lock() {
            Ok(checked) => checked,
            Err(e) => panic!("{e}"),
        };
        let fresh = all[*checked..].to_vec();
        *checked = all.len();
        drop(checked);
        let problems: Vec<String> = fresh
            .iter()
            .flat_map(|exchange| {
                let mut found = problems(&self.spec, exchange);
                if !exchange.is_raw() {
                    found.extend(credential_problems(&self.spec, exchange));
                }
                found
            })
            .collect();
        assert!(
            problems.is_empty(),
            "{}: responses that do not conform to the spec:\n{}",
            self.api.name(),
            problems.join("\n")
        );
        fresh
    }

    /// [`Live::conform`], asserting that exactly one request was sent.
    pub fn conform_one(&self) -> Exchange {
        let mut fresh = self.conform();
        match fresh.len() {
            1 => fresh.remove(0),
            n => panic!("expected exactly one request on the wire, got {n}: {fresh:?}"),
        }
    }

    /// Asserts that nothing reached the server since the last check: the
    /// SDK refused to send.
    pub fn assert_nothing_sent(&self) {
        let fresh = self.conform();
        assert!(fresh.is_empty(), "the SDK sent {fresh:?}");
    }
}

impl Live {
    /// Sends `exchange`'s request again once per credential header the
    /// spec's security requirement names, each time without that one
    /// header, and asserts that the server refuses each with 401 and
    /// stores nothing. What the spec calls the credential must be what the
    /// server needs: a scheme renamed in the spec but not in the server
    /// leaves the server accepting a request without the spec's header.
    pub async fn assert_each_credential_is_required(&self, exchange: &Exchange) {
        let failures = self.credentials_not_required(exchange).await;
        assert!(failures.is_empty(), "{}", failures.join("\n"));
    }

    /// What [`Live::assert_each_credential_is_required`] finds wrong.
    pub async fn credentials_not_required(&self, exchange: &Exchange) -> Vec<String> {
        let at = format!("{} {} {}", self.api.name(), exchange.method, exchange.path);
        let Some(placements) = satisfied_requirement(&self.spec, exchange) else {
            return vec![format!(
                "{at}: the request carries no credential where the spec asks for one"
            )];
        };
        if placements.is_empty() {
            return vec![format!("{at}: the spec asks for no credential")];
        }
        let before = (self.stored(&self.alice), self.stored(&self.bob));
        let mut failures = Vec::new();
        for placement in &placements {
            let kept: Vec<(&str, &str)> = exchange
                .request_headers
                .iter()
                .filter(|(name, _)| {
                    !name.eq_ignore_ascii_case(&placement.header)
                        && !["host", "content-length", "connection", RAW_MARKER]
                            .iter()
                            .any(|hop| name.eq_ignore_ascii_case(hop))
                })
                .map(|(n, v)| (n.as_str(), v.as_str()))
                .collect();
            let method = reqwest::Method::from_bytes(exchange.method.as_bytes())
                .unwrap_or_else(|e| panic!("{e}"));
            let body = String::from_utf8_lossy(&exchange.request_body).to_string();
            let reply = self.raw(method, &exchange.path, &kept, &body).await;
            if reply.status != 401 {
                failures.push(format!(
                    "{at}: without {} (security scheme {}) the server answered {}, not 401: {}",
                    placement.header,
                    placement.scheme,
                    reply.status,
                    String::from_utf8_lossy(&reply.body)
                ));
            }
        }
        if (self.stored(&self.alice), self.stored(&self.bob)) != before {
            failures.push(format!(
                "{at}: a request without a credential stored something"
            ));
        }
        failures
    }
}

impl Drop for Live {
    fn drop(&mut self) {
        self.proxy.abort();
        if !std::thread::panicking() {
            // Every response the client got must have been checked.
            self.conform();
        }
    }
}

/// Everything wrong with `exchange`'s answer according to `spec`: the
/// rules `cargo xtask proxy` and `verify` hold a vendor to
/// (`xtask::exchange_check`), on the answer's side (the operation exists;
/// status, media type and body as documented, formats included, objects
/// closed). The request side is left to each test, which sends requests
/// outside the spec on purpose.
fn problems(spec: &Value, exchange: &Exchange) -> Vec<String> {
    use xtask::exchange_check::{Checker, Side};
    use xtask::recording::{Body, Exchange as Recorded, Request, Response, Timing};

    let checker = Checker::from_document(
        "spec",
        std::path::Path::new("the server's spec"),
        spec.clone(),
    );
    let (path, query) = match exchange.path.split_once('?') {
        Some((path, query)) => (path.to_string(), Some(query.to_string())),
        None => (exchange.path.clone(), None),
    };
    let recorded = Recorded {
        api: "spec".into(),
        request: Request {
            method: exchange.method.clone(),
            path,
            query,
            headers: exchange.request_headers.clone(),
            body: Body(exchange.request_body.clone()),
        },
        response: Response {
            status: exchange.status,
            headers: exchange
                .content_type
                .iter()
                .map(|value| ("content-type".to_string(), value.clone()))
                .collect(),
            body: Body(exchange.body.clone()),
        },
        timing: Timing::default(),
    };
    let at = format!(
        "{} {} -> {}",
        exchange.method, exchange.path, exchange.status
    );
    checker
        .check(&recorded)
        .findings
        .iter()
        .filter(|f| f.side == Side::Response || f.rule == "operation")
        .map(|f| {
            format!(
                "{at}: {f}\n  body: {}",
                String::from_utf8_lossy(&exchange.body)
            )
        })
        .collect()
}

/// The header marking a raw request (see [`Live::raw`]).
const RAW_MARKER: &str = "x-conformance-raw";

impl Exchange {
    /// Sent by [`Live::raw`] rather than by an SDK.
    pub fn is_raw(&self) -> bool {
        self.request_headers
            .iter()
            .any(|(name, _)| name.eq_ignore_ascii_case(RAW_MARKER))
    }

    fn request_header(&self, name: &str) -> Option<&str> {
        self.request_headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// Where one security scheme puts its credential on the wire.
#[derive(Clone, Debug)]
struct Placement {
    scheme: String,
    header: String,
    /// The `Authorization` scheme the value starts with (`Bearer`, `Basic`),
    /// if the scheme fixes one.
    prefix: Option<&'static str>,
}

/// Each alternative of the operation's security requirement (its own, or
/// the document's), as the placements it needs together.
fn security_alternatives(spec: &Value, exchange: &Exchange) -> Result<Vec<Vec<Placement>>, String> {
    let operation = operation(spec, &exchange.method, &exchange.path)
        .ok_or_else(|| "the spec has no such operation".to_string())?;
    let requirement = operation
        .get("security")
        .or_else(|| spec.get("security"))
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    requirement
        .iter()
        .map(|alternative| {
            alternative
                .as_object()
                .into_iter()
                .flatten()
                .map(|(name, _)| {
                    let scheme = &spec["components"]["securitySchemes"][name];
                    let kind = scheme["type"].as_str().unwrap_or_default();
                    let http = scheme["scheme"].as_str().unwrap_or_default();
                    let (header, prefix) = match (kind, http.to_ascii_lowercase().as_str()) {
                        ("apiKey", _) if scheme["in"] == "header" => (
                            scheme["name"].as_str().unwrap_or_default().to_string(),
                            None,
                        ),
                        ("http", "bearer") | ("oauth2", _) | ("openIdConnect", _) => {
                            ("Authorization".to_string(), Some("Bearer"))
                        }
                        ("http", "basic") => ("Authorization".to_string(), Some("Basic")),
                        _ => {
                            return Err(format!(
                                "security scheme {name} ({scheme}) is not one this check reads"
                            ));
                        }
                    };
                    Ok(Placement {
                        scheme: name.clone(),
                        header,
                        prefix,
                    })
                })
                .collect()
        })
        .collect()
}

/// True when `exchange` carries a credential where `placement` says: the
/// header is there and, for an `Authorization` scheme, its value names that
/// scheme. The value itself may be empty or wrong (the auth-failure tests
/// send such values on purpose); whether it is accepted is the server's
/// business, checked by those tests.
fn carries(exchange: &Exchange, placement: &Placement) -> bool {
    let Some(value) = exchange.request_header(&placement.header) else {
        return false;
    };
    match placement.prefix {
        None => true,
        Some(prefix) => {
            let scheme = value.split(' ').next().unwrap_or_default();
            scheme.eq_ignore_ascii_case(prefix)
        }
    }
}

/// The first alternative of the security requirement that `exchange`
/// satisfies (empty when the operation needs none).
fn satisfied_requirement(spec: &Value, exchange: &Exchange) -> Option<Vec<Placement>> {
    let alternatives = security_alternatives(spec, exchange).ok()?;
    if alternatives.is_empty() {
        return Some(Vec::new());
    }
    alternatives
        .into_iter()
        .find(|placements| placements.iter().all(|p| carries(exchange, p)))
}

/// A request the SDK sent without its credentials where the spec's
/// `securitySchemes` and `security` put them.
fn credential_problems(spec: &Value, exchange: &Exchange) -> Vec<String> {
    let at = format!("{} {}", exchange.method, exchange.path);
    match security_alternatives(spec, exchange) {
        Err(e) => vec![format!("{at}: {e}")],
        Ok(_) if satisfied_requirement(spec, exchange).is_some() => Vec::new(),
        Ok(alternatives) => {
            let wanted: Vec<String> = alternatives
                .iter()
                .map(|placements| {
                    placements
                        .iter()
                        .map(|p| match p.prefix {
                            Some(prefix) => format!("{}: {prefix} … ({})", p.header, p.scheme),
                            None => format!("{} ({})", p.header, p.scheme),
                        })
                        .collect::<Vec<_>>()
                        .join(" and ")
                })
                .collect();
            let sent: Vec<&str> = exchange
                .request_headers
                .iter()
                .map(|(name, _)| name.as_str())
                .collect();
            vec![format!(
                "{at}: the SDK did not send its credentials where the spec says ({}); it sent \
                 the headers {sent:?}",
                wanted.join(", or ")
            )]
        }
    }
}

/// The spec's operation for `method` on `target` (a path template's
/// `{parameter}` matches any one segment).
fn operation<'s>(spec: &'s Value, method: &str, target: &str) -> Option<&'s Value> {
    let path = target.split('?').next().unwrap_or_default();
    let segments: Vec<&str> = path.split('/').collect();
    spec["paths"]
        .as_object()?
        .iter()
        .find(|(template, _)| {
            let pattern: Vec<&str> = template.split('/').collect();
            pattern.len() == segments.len()
                && pattern
                    .iter()
                    .zip(&segments)
                    .all(|(p, s)| (p.starts_with('{') && p.ends_with('}')) || p == s)
        })
        .and_then(|(_, item)| item.get(method.to_ascii_lowercase()))
}

// ---------- the proxy ----------

/// One parsed HTTP/1.1 message head.
struct Head {
    start_line: String,
    headers: Vec<(String, String)>,
}

impl Head {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// The head again, without the framing headers, with
    /// `Content-Length: length` and `Connection: close`.
    fn rewritten(&self, length: usize) -> Vec<u8> {
        let mut text = format!("{}\r\n", self.start_line);
        for (name, value) in &self.headers {
            let hop = [
                "connection",
                "keep-alive",
                "proxy-connection",
                "transfer-encoding",
                "content-length",
            ];
            if !hop.iter().any(|h| name.eq_ignore_ascii_case(h)) {
                text.push_str(&format!("{name}: {value}\r\n"));
            }
        }
        text.push_str(&format!(
            "content-length: {length}\r\nconnection: close\r\n\r\n"
        ));
        text.into_bytes()
    }
}

fn parse_head(bytes: &[u8]) -> Result<Head, String> {
    let text = std::str::from_utf8(bytes).map_err(|e| format!("head is not UTF-8: {e}"))?;
    let mut lines = text.split("\r\n");
    let start_line = lines.next().unwrap_or_default().to_string();
    let headers = lines
        .filter(|line| !line.is_empty())
        .map(|line| {
            line.split_once(':')
                .map(|(n, v)| (n.trim().to_string(), v.trim().to_string()))
                .ok_or_else(|| format!("malformed header line {line:?}"))
        })
        .collect::<Result<_, _>>()?;
    Ok(Head {
        start_line,
        headers,
    })
}

/// Reads until the end of a message head; returns the head and what was
/// read past it.
async fn read_head(stream: &mut TcpStream) -> Result<(Head, Vec<u8>), String> {
    let mut buffer = Vec::new();
    loop {
        if let Some(at) = buffer.windows(4).position(|w| w == b"\r\n\r\n") {
            let head = parse_head(&buffer[..at])?;
            return Ok((head, buffer[at + 4..].to_vec()));
        }
        let mut chunk = [0u8; 8192];
        let n = stream
            .read(&mut chunk)
            .await
            .map_err(|e| format!("read: {e}"))?;
        if n == 0 {
            return Err("connection closed inside a message head".into());
        }
        buffer.extend_from_slice(&chunk[..n]);
    }
}

/// Decodes a chunked body (trailers ignored).
fn dechunk(mut data: &[u8]) -> Result<Vec<u8>, String> {
    let mut body = Vec::new();
    loop {
        let line_end = data
            .windows(2)
            .position(|w| w == b"\r\n")
            .ok_or("truncated chunk size")?;
        let size_text = std::str::from_utf8(&data[..line_end]).map_err(|e| e.to_string())?;
        let size_text = size_text.split(';').next().unwrap_or_default().trim();
        let size = usize::from_str_radix(size_text, 16).map_err(|e| format!("chunk size: {e}"))?;
        data = &data[line_end + 2..];
        if size == 0 {
            return Ok(body);
        }
        if data.len() < size + 2 {
            return Err("truncated chunk".into());
        }
        body.extend_from_slice(&data[..size]);
        data = &data[size + 2..];
    }
}

/// Relays one request from `client` to `upstream` and the response back,
/// then closes both connections. The exchange is recorded before the
/// response is passed on, so it is there by the time the client has it.
async fn relay(
    mut client: TcpStream,
    upstream: std::net::SocketAddr,
    recorded: &Mutex<Vec<Exchange>>,
) -> Result<(), String> {
    let (head, mut body) = read_head(&mut client).await?;
    if head.header("transfer-encoding").is_some() {
        return Err("chunked request bodies are not supported by this proxy".into());
    }
    let length: usize = head
        .header("content-length")
        .map(|v| v.parse().map_err(|e| format!("content-length: {e}")))
        .transpose()?
        .unwrap_or(0);
    while body.len() < length {
        let mut chunk = [0u8; 8192];
        let n = client
            .read(&mut chunk)
            .await
            .map_err(|e| format!("read: {e}"))?;
        if n == 0 {
            return Err("connection closed inside a request body".into());
        }
        body.extend_from_slice(&chunk[..n]);
    }
    body.truncate(length);
    let mut parts = head.start_line.split(' ');
    let method = parts.next().unwrap_or_default().to_string();
    let path = parts.next().unwrap_or_default().to_string();

    let mut server = TcpStream::connect(upstream)
        .await
        .map_err(|e| format!("connect to the server: {e}"))?;
    let mut request = head.rewritten(body.len());
    request.extend_from_slice(&body);
    server
        .write_all(&request)
        .await
        .map_err(|e| format!("write to the server: {e}"))?;
    // `Connection: close`: the server closes after its response.
    let mut response = Vec::new();
    tokio::time::timeout(Duration::from_secs(20), server.read_to_end(&mut response))
        .await
        .map_err(|_| "the server did not close the connection".to_string())?
        .map_err(|e| format!("read from the server: {e}"))?;
    let at = response
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .ok_or("no response head")?;
    let response_head = parse_head(&response[..at])?;
    let rest = &response[at + 4..];
    let response_body = if response_head
        .header("transfer-encoding")
        .is_some_and(|v| v.to_ascii_lowercase().contains("chunked"))
    {
        dechunk(rest)?
    } else if let Some(length) = response_head.header("content-length") {
        let length: usize = length.parse().map_err(|e| format!("content-length: {e}"))?;
        rest.get(..length)
            .ok_or("truncated response body")?
            .to_vec()
    } else {
        rest.to_vec()
    };
    let status: u16 = response_head
        .start_line
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| format!("bad status line {:?}", response_head.start_line))?;
    let mut forwarded = response_head.rewritten(response_body.len());
    forwarded.extend_from_slice(&response_body);
    let exchange = Exchange {
        method,
        path,
        request_headers: head.headers.clone(),
        request_body: body,
        status,
        content_type: response_head.header("content-type").map(str::to_string),
        body: response_body,
    };
    recorded
        .lock()
        .map_err(|e| format!("recording poisoned: {e}"))?
        .push(exchange);
    client
        .write_all(&forwarded)
        .await
        .map_err(|e| format!("write to the client: {e}"))?;
    let _ = client.shutdown().await;
    Ok(())
}

// ---------- the checker itself ----------

#[cfg(test)]
mod checker {
    use serde_json::json;

    use reqwest::Method;
    use server::storage::Api;

    use super::{Exchange, Live, RAW_MARKER, credential_problems, problems};

    fn exante_spec() -> serde_json::Value {
        let registration = server::storage::Api::Exante.descriptor();
        server::apis::spec_json(registration.spec_yaml).unwrap_or_else(|e| panic!("{e}"))
    }

    fn exchange(status: u16, content_type: Option<&str>, body: serde_json::Value) -> Exchange {
        Exchange {
            method: "PATCH".into(),
            path: "/api/user".into(),
            request_headers: vec![("Authorization".into(), "Bearer t".into())],
            request_body: b"{}".to_vec(),
            status,
            content_type: content_type.map(str::to_string),
            body: body.to_string().into_bytes(),
        }
    }

    fn error_body() -> serde_json::Value {
        json!({ "status": "error", "status_code": 422, "message": "m", "errors": { "f": ["x"] } })
    }

    #[test]
    fn a_documented_response_passes() {
        let spec = exante_spec();
        let ok = json!({ "status": "success", "data": { "user": { "firstname": "J" } } });
        assert!(problems(&spec, &exchange(200, Some("application/json"), ok)).is_empty());
        // Any error status falls back to `default`; parameters are ignored.
        let error = exchange(422, Some("application/json; charset=utf-8"), error_body());
        assert_eq!(problems(&spec, &error), Vec::<String>::new());
    }

    #[test]
    fn an_undocumented_field_fails_though_the_sdk_would_ignore_it() {
        let spec = exante_spec();
        let extra = json!({ "status": "success", "data": { "user": { "nickname": "J" } } });
        assert_eq!(
            problems(&spec, &exchange(200, Some("application/json"), extra)).len(),
            1
        );
    }

    #[test]
    fn a_missing_required_field_or_a_wrong_format_fails() {
        let spec = exante_spec();
        let missing = json!({ "status": "error", "status_code": 401 });
        assert!(!problems(&spec, &exchange(401, Some("application/json"), missing)).is_empty());
        let format = json!({ "data": { "user": { "uid": "not-a-uuid" } } });
        assert!(!problems(&spec, &exchange(200, Some("application/json"), format)).is_empty());
    }

    #[test]
    fn an_unlisted_or_missing_content_type_fails() {
        let spec = exante_spec();
        assert!(!problems(&spec, &exchange(422, Some("text/plain"), error_body())).is_empty());
        assert!(!problems(&spec, &exchange(422, None, error_body())).is_empty());
    }

    #[test]
    fn a_request_without_the_specs_credential_header_fails_the_credential_check() {
        let spec = exante_spec();
        let mut sent = exchange(200, Some("application/json"), json!({}));
        assert_eq!(credential_problems(&spec, &sent), Vec::<String>::new());
        sent.request_headers = vec![("Authorization".into(), "Token t".into())];
        assert_eq!(credential_problems(&spec, &sent).len(), 1);
        sent.request_headers = vec![("X-Token".into(), "Bearer t".into())];
        assert_eq!(credential_problems(&spec, &sent).len(), 1);
    }

    #[tokio::test]
    async fn a_security_scheme_header_renamed_in_the_spec_alone_fails_both_credential_checks() {
        // The corpus case: Ctrl-Hub's `X-Session-Token` renamed `X-Session`
        // in the spec, while the SDK's auth.rs and the server keep the old
        // name.
        let mut t = Live::start(Api::Ctrlhub).await;
        let mut renamed = t.spec.clone();
        renamed["components"]["securitySchemes"]["SessionToken"]["name"] = json!("X-Session");
        let alice = t.alice.user.id;
        let media = "application/vnd.api+json";
        let mut body = t.spec["paths"]["/v3/users/{user_id}"]["put"]["requestBody"]["content"]
            [media]["example"]
            .clone();
        body["data"]["id"] = json!(alice.to_string());
        let token = t.token(&t.alice);
        let headers = [
            ("X-Session-Token", token.as_str()),
            ("X-Session", token.as_str()),
            ("Content-Type", media),
            ("Accept", media),
        ];
        let path = format!("/v3/users/{alice}");
        let mut sent = t.raw(Method::PUT, &path, &headers, &body.to_string()).await;
        assert_eq!(sent.status, 200, "{}", String::from_utf8_lossy(&sent.body));
        sent.request_headers
            .retain(|(name, _)| !name.eq_ignore_ascii_case(RAW_MARKER));

        // What the SDK sends (the old header only) no longer carries the
        // credential where the renamed spec says.
        let mut as_the_sdk_sends = sent.clone();
        as_the_sdk_sends
            .request_headers
            .retain(|(name, _)| !name.eq_ignore_ascii_case("X-Session"));
        assert_eq!(
            credential_problems(&t.spec, &as_the_sdk_sends),
            Vec::<String>::new()
        );
        let problems = credential_problems(&renamed, &as_the_sdk_sends);
        assert_eq!(problems.len(), 1, "{problems:?}");
        assert!(
            problems[0].contains("X-Session (SessionToken)"),
            "{}",
            problems[0]
        );

        // And the server does not need the spec's header.
        t.spec = renamed;
        let failures = t.credentials_not_required(&sent).await;
        assert!(
            failures.iter().any(|f| f.contains(
                "without X-Session (security scheme SessionToken) the server answered 200"
            )),
            "{failures:#?}"
        );
    }

    #[test]
    fn a_body_that_is_not_json_fails() {
        let spec = exante_spec();
        let mut not_json = exchange(401, Some("application/json"), error_body());
        not_json.body = b"Unauthorized".to_vec();
        assert!(!problems(&spec, &not_json).is_empty());
    }
}
