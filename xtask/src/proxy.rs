//! `cargo xtask proxy <api> --upstream <url>`: a validating HTTP/1.1 proxy.
//!
//! Each request is forwarded to the upstream and the upstream's answer is
//! handed back; then both are held to `spec/<api>.yaml` by
//! [`crate::exchange_check`], and the exchange is reported (one line, then
//! one entry per finding) and, with `--record`, appended to a recording
//! with its credentials redacted ([`crate::recording`]).
//!
//! What passes through is not changed, and nothing is added: method,
//! target, headers (names as spelt on the wire, values, repeated headers)
//! and body go to the upstream; status, headers and body come back. hyper
//! is used at the connection level, without its client pool, and its
//! server is told not to add a `Date`. Where hyper does not allow the
//! message to stay byte for byte the same, the proxy says so here:
//! - `Host` is the upstream's authority, as a reverse proxy must send it
//!   for a virtual host (a vendor behind a CDN) to answer.
//! - Headers keep their spelling and the order of their first appearance;
//!   hyper keeps a header's repeated values together (behind the first),
//!   so `A, B, A` is sent as `A, A, B`.
//! - The body is read whole before it is passed on (the checks need it
//!   whole); a chunked body stays chunked, with hyper's chunk sizes.
//! - `--upstream`'s path, if any, is put before the request's path.
//!
//! The upstream connection belongs to the client's connection: a new
//! client connection opens a new upstream connection, and a keep-alive one
//! keeps using its own. When the upstream cannot be reached the client
//! gets a `502` whose plain-text body says why: the one answer that is the
//! proxy's own.

use std::convert::Infallible;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use bytes::Bytes;
use http::header::{HOST, HeaderValue};
use http::{Request as HttpRequest, Response as HttpResponse, StatusCode};
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper::client::conn::http1::SendRequest;
use hyper_util::rt::TokioIo;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::Mutex;

use crate::exchange_check::{Checker, Verdict};
use crate::recording::{self, Body, Exchange, Request, Response, Timing};

/// Where the proxy forwards to, from `--upstream`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Upstream {
    pub https: bool,
    pub host: String,
    pub port: u16,
    /// Put before every request's path; empty or `/…` without a trailing
    /// slash.
    pub base_path: String,
}

impl Upstream {
    /// Reads `http://host[:port][/base]` or `https://…`.
    pub fn parse(url: &str) -> Result<Upstream, String> {
        let refuse = |why: &str| format!("--upstream {url:?}: {why}");
        let (https, rest) = if let Some(rest) = url.strip_prefix("https://") {
            (true, rest)
        } else if let Some(rest) = url.strip_prefix("http://") {
            (false, rest)
        } else {
            return Err(refuse("give an http:// or https:// URL"));
        };
        let (authority, path) = match rest.find('/') {
            Some(at) => rest.split_at(at),
            None => (rest, ""),
        };
        if path.contains('?') || path.contains('#') {
            return Err(refuse("a query or fragment has no meaning here"));
        }
        let default_port = if https { 443 } else { 80 };
        let (host, port) = match authority.rsplit_once(':') {
            Some((host, port)) if !host.ends_with(']') || authority.starts_with('[') => {
                let port = port
                    .parse()
                    .map_err(|_| refuse(&format!("{port:?} is not a port")))?;
                (host, port)
            }
            _ => (authority, default_port),
        };
        if host.is_empty() {
            return Err(refuse("no host"));
        }
        Ok(Upstream {
            https,
            host: host
                .trim_start_matches('[')
                .trim_end_matches(']')
                .to_string(),
            port,
            base_path: path.trim_end_matches('/').to_string(),
        })
    }

    /// The `Host` header's value.
    fn authority(&self) -> String {
        let default_port = if self.https { 443 } else { 80 };
        let host = if self.host.contains(':') {
            format!("[{}]", self.host)
        } else {
            self.host.clone()
        };
        if self.port == default_port {
            host
        } else {
            format!("{host}:{}", self.port)
        }
    }
}

/// What is done with each exchange once it is checked.
pub type OnExchange = Box<dyn Fn(&Exchange, &Verdict) + Send + Sync>;

/// A proxy, configured.
pub struct Proxy {
    pub checker: Checker,
    pub upstream: Upstream,
    /// `--record`: the file each exchange is appended to, redacted.
    pub record: Option<PathBuf>,
    pub on_exchange: OnExchange,
}

/// A proxy accepting connections; it stops when dropped.
pub struct Running {
    pub address: SocketAddr,
    task: tokio::task::JoinHandle<()>,
}

impl Running {
    /// `http://<address>`: give this to the client instead of the vendor's.
    pub fn url(&self) -> String {
        format!("http://{}", self.address)
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// What every connection shares.
struct Shared {
    checker: Checker,
    upstream: Upstream,
    record: Option<PathBuf>,
    on_exchange: OnExchange,
    tls: Option<tokio_rustls::TlsConnector>,
}

/// Starts `proxy` on `listen` (port 0: any free port). Call it inside a
/// Tokio runtime.
pub async fn start(proxy: Proxy, listen: SocketAddr) -> Result<Running, String> {
    let tls = if proxy.upstream.https {
        use rustls_platform_verifier::ConfigVerifierExt as _;
        let mut config = rustls::ClientConfig::with_platform_verifier()
            .map_err(|e| format!("cannot set up TLS: {e}"))?;
        config.alpn_protocols = vec![b"http/1.1".to_vec()];
        Some(tokio_rustls::TlsConnector::from(Arc::new(config)))
    } else {
        None
    };
    let listener = TcpListener::bind(listen)
        .await
        .map_err(|e| format!("cannot listen on {listen}: {e}"))?;
    let address = listener
        .local_addr()
        .map_err(|e| format!("the listener on {listen} has no address: {e}"))?;
    let shared = Arc::new(Shared {
        checker: proxy.checker,
        upstream: proxy.upstream,
        record: proxy.record,
        on_exchange: proxy.on_exchange,
        tls,
    });
    let task = tokio::spawn(async move {
        loop {
            match listener.accept().await {
                Ok((stream, _)) => {
                    tokio::spawn(serve_connection(stream, Arc::clone(&shared)));
                }
                Err(e) => {
                    // Out of descriptors, most likely: wait rather than spin.
                    eprintln!("proxy: accept failed: {e}");
                    tokio::time::sleep(Duration::from_millis(100)).await;
                }
            }
        }
    });
    Ok(Running { address, task })
}

/// The upstream connection of one client connection, opened on first use.
type UpstreamConnection = Arc<Mutex<Option<SendRequest<Full<Bytes>>>>>;

async fn serve_connection(stream: TcpStream, shared: Arc<Shared>) {
    let _ = stream.set_nodelay(true);
    let connection: UpstreamConnection = Arc::new(Mutex::new(None));
    let service = hyper::service::service_fn(move |request| {
        let shared = Arc::clone(&shared);
        let connection = Arc::clone(&connection);
        async move { Ok::<_, Infallible>(relay(request, &shared, &connection).await) }
    });
    let served = hyper::server::conn::http1::Builder::new()
        .preserve_header_case(true)
        .auto_date_header(false)
        .serve_connection(TokioIo::new(stream), service)
        .await;
    if let Err(e) = served
        && !e.is_incomplete_message()
    {
        eprintln!("proxy: client connection: {e}");
    }
}

/// Opens a connection to the upstream (TLS for https).
async fn connect(shared: &Shared) -> Result<SendRequest<Full<Bytes>>, String> {
    let upstream = &shared.upstream;
    let tcp = TcpStream::connect((upstream.host.as_str(), upstream.port))
        .await
        .map_err(|e| format!("cannot connect to {}:{}: {e}", upstream.host, upstream.port))?;
    let _ = tcp.set_nodelay(true);
    let mut builder = hyper::client::conn::http1::Builder::new();
    builder.preserve_header_case(true);
    let sender = match &shared.tls {
        Some(tls) => {
            let name = rustls::pki_types::ServerName::try_from(upstream.host.clone())
                .map_err(|e| format!("{}: not a TLS server name: {e}", upstream.host))?;
            let stream = tls
                .connect(name, tcp)
                .await
                .map_err(|e| format!("TLS with {}: {e}", upstream.host))?;
            let (sender, connection) = builder
                .handshake(TokioIo::new(stream))
                .await
                .map_err(|e| format!("HTTP with {}: {e}", upstream.host))?;
            tokio::spawn(connection);
            sender
        }
        None => {
            let (sender, connection) = builder
                .handshake(TokioIo::new(tcp))
                .await
                .map_err(|e| format!("HTTP with {}: {e}", upstream.host))?;
            tokio::spawn(connection);
            sender
        }
    };
    Ok(sender)
}

/// The headers for the recording and the checks: names lower-case (hyper
/// keeps the wire's spelling only for sending it on), in hyper's order.
fn headers_of(map: &http::HeaderMap) -> Vec<(String, String)> {
    map.iter()
        .map(|(name, value)| {
            (
                name.as_str().to_string(),
                String::from_utf8_lossy(value.as_bytes()).into_owned(),
            )
        })
        .collect()
}

fn bad_gateway(why: &str) -> HttpResponse<Full<Bytes>> {
    let mut response = HttpResponse::new(Full::new(Bytes::from(format!(
        "cargo xtask proxy: {why}\n"
    ))));
    *response.status_mut() = StatusCode::BAD_GATEWAY;
    response.headers_mut().insert(
        "content-type",
        HeaderValue::from_static("text/plain; charset=utf-8"),
    );
    response
}

/// Forwards one request and hands back the answer; the check and the
/// recording run afterwards, on a blocking thread.
async fn relay(
    request: HttpRequest<Incoming>,
    shared: &Arc<Shared>,
    connection: &UpstreamConnection,
) -> HttpResponse<Full<Bytes>> {
    let arrived = Instant::now();
    let started_unix_ms = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
        .unwrap_or_default();
    let (mut parts, body) = request.into_parts();
    let body = match body.collect().await {
        Ok(body) => body.to_bytes(),
        Err(e) => return bad_gateway(&format!("cannot read the request body: {e}")),
    };
    let path = parts.uri.path().to_string();
    let query = parts.uri.query().map(str::to_string);
    let recorded_request = Request {
        method: parts.method.as_str().to_string(),
        path: path.clone(),
        query: query.clone(),
        headers: headers_of(&parts.headers),
        body: Body(body.to_vec()),
    };
    let target = format!(
        "{}{path}{}",
        shared.upstream.base_path,
        query.map(|q| format!("?{q}")).unwrap_or_default()
    );
    parts.uri = match target.parse() {
        Ok(uri) => uri,
        Err(e) => return bad_gateway(&format!("cannot forward {target:?}: {e}")),
    };
    match HeaderValue::from_str(&shared.upstream.authority()) {
        Ok(host) => {
            parts.headers.insert(HOST, host);
        }
        Err(e) => return bad_gateway(&format!("the upstream's host is no header value: {e}")),
    }
    let forwarded = HttpRequest::from_parts(parts, Full::new(body));

    let sent = Instant::now();
    let answer = {
        let mut slot = connection.lock().await;
        let reusable = match slot.as_mut() {
            Some(sender) => sender.ready().await.is_ok(),
            None => false,
        };
        if !reusable {
            match connect(shared).await {
                Ok(sender) => *slot = Some(sender),
                Err(e) => return bad_gateway(&e),
            }
        }
        match slot.as_mut() {
            Some(sender) => sender.send_request(forwarded).await,
            None => return bad_gateway("no upstream connection"),
        }
    };
    let answer = match answer {
        Ok(answer) => answer,
        Err(e) => return bad_gateway(&format!("the upstream did not answer: {e}")),
    };
    let (parts, body) = answer.into_parts();
    let body = match body.collect().await {
        Ok(body) => body.to_bytes(),
        Err(e) => return bad_gateway(&format!("cannot read the upstream's body: {e}")),
    };
    let upstream_time = sent.elapsed();
    let recorded_response = Response {
        status: parts.status.as_u16(),
        headers: headers_of(&parts.headers),
        body: Body(body.to_vec()),
    };
    let response = HttpResponse::from_parts(parts, Full::new(body));
    let proxy_time = arrived.elapsed().saturating_sub(upstream_time);
    let exchange = Exchange {
        api: shared.checker.spec().name.clone(),
        request: recorded_request,
        response: recorded_response,
        timing: Timing {
            started_unix_ms,
            upstream_ms: upstream_time.as_secs_f64() * 1000.0,
            proxy_ms: proxy_time.as_secs_f64() * 1000.0,
        },
    };
    let shared = Arc::clone(shared);
    tokio::task::spawn_blocking(move || {
        let verdict = shared.checker.check(&exchange);
        if let Some(file) = &shared.record {
            let redacted = recording::redact(&shared.checker.spec().doc, &exchange);
            if let Err(e) = recording::append(file, &redacted) {
                eprintln!("proxy: {e}");
            }
        }
        (shared.on_exchange)(&exchange, &verdict);
    });
    response
}

/// Prints each exchange: its line, then one entry per finding.
pub fn print_exchange(exchange: &Exchange, verdict: &Verdict) {
    let mut text = crate::verify::exchange_line(exchange);
    for finding in &verdict.findings {
        text.push_str("\n  ");
        text.push_str(&finding.to_string());
    }
    println!("{text}");
}
