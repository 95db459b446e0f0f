//! The admin listener (`serve --admin <address>`, default 127.0.0.1:8100):
//! what a load balancer, a service manager or Kubernetes probes, and what
//! Prometheus scrapes. It is apart from the five APIs' addresses, so none
//! of them gains a path its vendor does not have.
//!
//! - `GET /healthz`: 200 while the process serves;
//! - `GET /readyz`: 200 when the store answers and the node is not
//!   stopping; 503 otherwise, with the reason in the body;
//! - `GET /metrics`: [`Metrics`] in the Prometheus text format.
//!
//! Plain text answers; any other path is 404, any other method 405.

use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use http::header::{ALLOW, CONTENT_TYPE};
use http::{Method, Request, Response, StatusCode};
use http_body_util::Full;
use hyper::body::{Bytes, Incoming};
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::net::TcpListener;
use tokio::sync::watch;
use tokio::task::JoinSet;
use uuid::Uuid;

use crate::metrics::Metrics;
use crate::storage::Store;

/// The admin listener's default address: loopback, as metrics and probes
/// are for the machine's own agents unless the operator says otherwise.
pub const DEFAULT_ADDRESS: &str = "127.0.0.1:8100";

/// How long `/readyz` waits for the store before calling it not ready.
pub const STORE_PROBE_TIMEOUT: Duration = Duration::from_secs(2);

/// The media type of `/metrics` (prometheus-client writes OpenMetrics
/// text, which Prometheus reads).
const METRICS_MEDIA_TYPE: &str = "application/openmetrics-text; version=1.0.0; charset=utf-8";

/// What the admin listener answers from.
struct State {
    store: Arc<dyn Store>,
    metrics: Metrics,
    /// Set at the stop signal: `/readyz` answers 503 from then on.
    stopping: AtomicBool,
}

/// A running admin listener.
pub struct Admin {
    local_addr: SocketAddr,
    state: Arc<State>,
    stop: watch::Sender<bool>,
    serving: tokio::task::JoinHandle<()>,
}

impl Admin {
    /// Listens on `address`. Needs a tokio runtime.
    pub async fn start(
        address: SocketAddr,
        store: Arc<dyn Store>,
        metrics: Metrics,
        log: slog::Logger,
    ) -> Result<Admin, String> {
        let listener = TcpListener::bind(address).await.map_err(|e| {
            format!("admin: cannot listen on {address}: {e}; give it another address with --admin <address>")
        })?;
        let local_addr = listener
            .local_addr()
            .map_err(|e| format!("admin: no local address: {e}"))?;
        slog::info!(log, "admin listening"; "address" => %local_addr);
        let state = Arc::new(State {
            store,
            metrics,
            stopping: AtomicBool::new(false),
        });
        let (stop, stopped) = watch::channel(false);
        let serving = tokio::spawn(accept_loop(listener, Arc::clone(&state), stopped, log));
        Ok(Admin {
            local_addr,
            state,
            stop,
            serving,
        })
    }

    pub fn local_addr(&self) -> SocketAddr {
        self.local_addr
    }

    /// The node is stopping: `/readyz` answers 503 from now on, while
    /// `/healthz` and `/metrics` go on.
    pub fn stopping(&self) {
        self.state.stopping.store(true, Ordering::SeqCst);
    }

    /// Closes the listener and its connections.
    pub async fn stop(self) {
        let _ = self.stop.send(true);
        let _ = self.serving.await;
    }
}

async fn accept_loop(
    listener: TcpListener,
    state: Arc<State>,
    mut stopped: watch::Receiver<bool>,
    log: slog::Logger,
) {
    let mut connections = JoinSet::new();
    loop {
        tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => {
                    let state = Arc::clone(&state);
                    let service = hyper::service::service_fn(move |request| {
                        let state = Arc::clone(&state);
                        async move { Ok::<_, Infallible>(answer(&state, &request).await) }
                    });
                    let mut builder = hyper::server::conn::http1::Builder::new();
                    // A probe that stalls must not hold a connection for
                    // ever; probes and scrapes send their head at once.
                    builder
                        .timer(TokioTimer::new())
                        .header_read_timeout(Duration::from_secs(10));
                    let connection = builder.serve_connection(TokioIo::new(stream), service);
                    connections.spawn(async move {
                        let _ = connection.await;
                    });
                }
                Err(e) => {
                    slog::warn!(log, "admin: cannot accept a connection"; "error" => %e);
                    tokio::time::sleep(Duration::from_millis(10)).await;
                }
            },
            _ = stopped.changed() => break,
        }
        while connections.try_join_next().is_some() {}
    }
    connections.shutdown().await;
}

async fn answer(state: &State, request: &Request<Incoming>) -> Response<Full<Bytes>> {
    let path = request.uri().path();
    let known = matches!(path, "/healthz" | "/readyz" | "/metrics");
    if !known {
        return text(StatusCode::NOT_FOUND, format!("no such path: {path}\n"));
    }
    if request.method() != Method::GET && request.method() != Method::HEAD {
        let mut answer = text(
            StatusCode::METHOD_NOT_ALLOWED,
            format!("{path} answers GET only\n"),
        );
        answer
            .headers_mut()
            .insert(ALLOW, http::HeaderValue::from_static("GET, HEAD"));
        return answer;
    }
    match path {
        "/healthz" => text(StatusCode::OK, "serving\n".to_string()),
        "/readyz" => match readiness(state).await {
            Ok(()) => text(StatusCode::OK, "ready\n".to_string()),
            Err(why) => text(
                StatusCode::SERVICE_UNAVAILABLE,
                format!("not ready: {why}\n"),
            ),
        },
        _ => match state.metrics.encode() {
            Ok(encoded) => {
                let mut answer = text(StatusCode::OK, encoded);
                answer.headers_mut().insert(
                    CONTENT_TYPE,
                    http::HeaderValue::from_static(METRICS_MEDIA_TYPE),
                );
                answer
            }
            Err(e) => text(StatusCode::INTERNAL_SERVER_ERROR, format!("{e}\n")),
        },
    }
}

/// Why the node is not ready, if it is not: it is stopping, or its store
/// does not answer a read within [`STORE_PROBE_TIMEOUT`].
async fn readiness(state: &State) -> Result<(), String> {
    if state.stopping.load(Ordering::SeqCst) {
        return Err("the node is stopping".to_string());
    }
    // The cheapest read each backend has: an indexed lookup of a user
    // that does not exist.
    match tokio::time::timeout(STORE_PROBE_TIMEOUT, state.store.user(Uuid::nil())).await {
        Ok(Ok(_)) => Ok(()),
        Ok(Err(e)) => Err(format!("the store does not answer: {e}")),
        Err(_) => Err(format!(
            "the store did not answer within {} s",
            STORE_PROBE_TIMEOUT.as_secs()
        )),
    }
}

fn text(status: StatusCode, body: String) -> Response<Full<Bytes>> {
    let mut answer = Response::new(Full::new(Bytes::from(body)));
    *answer.status_mut() = status;
    answer.headers_mut().insert(
        CONTENT_TYPE,
        http::HeaderValue::from_static("text/plain; charset=utf-8"),
    );
    answer
}
