//! The front door of each API: the listener clients connect to, with the
//! connection limits dropshot cannot be given, and a stop that answers every
//! request that reached the server.
//!
//! Why this exists: dropshot 0.18 binds its own listener and serves each
//! connection with hyper's builder inside `HttpServerStarter::start`, set up
//! with nothing but a timer. Neither the builder nor the accept loop is
//! reachable (`ConfigDropshot` has no timeout or connection setting and no
//! hook takes a socket), so a client that sends nothing keeps its socket
//! forever (hyper's 30 s header timeout starts only once the HTTP version
//! has been sniffed from the first bytes), a slow body has no deadline, the
//! number of connections has no cap, and on `close()` hyper drops the idle
//! keep-alive connections at once, so a request already on the wire gets no
//! answer.
//!
//! So each API's dropshot server listens on an ephemeral loopback port, and
//! this front listens on the API's address: it reads each request head and
//! body under [`Limits`], then forwards the complete request over a
//! keep-alive connection of its own (one per client connection) and streams
//! the answer back. What it adds:
//!
//! - a header-read timeout (from the first byte of a request head to its
//!   end), an idle keep-alive timeout (from the end of an answer, or the
//!   connection's start, to the first byte of the next request) and a
//!   body-read timeout (the whole body, from the end of the head): the first
//!   two close the connection, the third answers 408 in the API's error
//!   format;
//! - a cap on open connections: at the cap, a new connection closes the one
//!   that has waited longest for its client (no request head yet, or a body
//!   still arriving); a connection whose request is at the API is never
//!   closed, and when every connection has one the front stops accepting
//!   until one finishes. Stalled clients therefore cannot lock out a client
//!   that sends its request promptly;
//! - a stop ([`Front::stop`]) that stops accepting, lets requests at the API
//!   finish (answered with `Connection: close`), answers any request that
//!   arrives meanwhile on an open connection with a 503 in the API's error
//!   format and `Connection: close`, and closes a connection only once it
//!   has had no request for [`Limits::last_call`].
//!
//! HTTP/1.1 only: an `h2c` prior-knowledge client is not served (dropshot
//! would have served it). The API's log shows the front as the peer; the
//! client's address is in the `x-forwarded-for` the front sets, which the
//! request log includes.

use std::collections::BTreeMap;
use std::convert::Infallible;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::atomic::{AtomicU8, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::Duration;

use http::header::{CONNECTION, CONTENT_LENGTH, CONTENT_TYPE, HOST};
use http::{HeaderValue, Request, Response, StatusCode};
use http_body_util::combinators::BoxBody;
use http_body_util::{BodyExt, Full};
use hyper::body::{Bytes, Incoming};
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpSocket, TcpStream};
use tokio::sync::{Notify, mpsc, watch};
use tokio::task::JoinSet;
use tokio::time::Instant;

use crate::metrics::{ApiMetrics, Closed};

/// The connection limits, each with a `server serve` flag.
#[derive(Clone, Debug)]
pub struct Limits {
    /// From the first byte of a request head to its end (a slow or stalled
    /// head is closed). Default 10 s: a head is a few hundred bytes.
    pub header_read: Duration,
    /// The whole request body, from the end of its head (408 after). Default
    /// 30 s: 64 KiB at 2.2 KB/s, far below any working link.
    pub body_read: Duration,
    /// An open connection with no request (closed after). Default 60 s,
    /// above common client pools' idle timeouts (reqwest and hyper 90 s
    /// excepted: they retry a request a closed idle connection refused).
    pub idle: Duration,
    /// Open connections per API. Default 512: a quarter of a 2,048
    /// descriptor limit per API, with each connection holding two (the
    /// client's and the one to the API).
    pub max_connections: usize,
    /// On stop, how long a connection without a request stays open for one
    /// that may already be on the wire. Default 1 s.
    pub last_call: Duration,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            header_read: Duration::from_secs(10),
            body_read: Duration::from_secs(30),
            idle: Duration::from_secs(60),
            max_connections: 512,
            last_call: Duration::from_secs(1),
        }
    }
}

pub use crate::apis::descriptor::ErrorBody;

/// What the front needs to answer in the API's own shape.
#[derive(Clone, Copy)]
pub struct ApiShape {
    pub error_body: ErrorBody,
    /// The operation's method, for the `Allow` of a 405 on its path.
    pub allow: &'static str,
}

/// The header every answer names its request by (dropshot's).
const REQUEST_ID: &str = "x-request-id";

/// A running front.
pub struct Front {
    local_addr: SocketAddr,
    stop: watch::Sender<bool>,
    accepting: tokio::task::JoinHandle<()>,
}

impl Front {
    /// Listens on `address` and forwards to the API at `api`.
    pub fn start(
        address: SocketAddr,
        api: SocketAddr,
        limits: Limits,
        shape: ApiShape,
        metrics: ApiMetrics,
        log: slog::Logger,
    ) -> std::io::Result<Front> {
        let socket = if address.is_ipv4() {
            TcpSocket::new_v4()?
        } else {
            TcpSocket::new_v6()?
        };
        // As a restarted server must be able to listen again at once while
        // the previous one's connections are in TIME_WAIT.
        #[cfg(unix)]
        socket.set_reuseaddr(true)?;
        socket.bind(address)?;
        // Room for a burst of connections between two accepts.
        let listener = socket.listen(1024)?;
        let local_addr = listener.local_addr()?;
        // dropshot's own "listening" line names its loopback port; this is
        // the address clients use.
        slog::info!(log, "front listening"; "address" => %local_addr, "api_at" => %api);
        let (stop, stopping) = watch::channel(false);
        let shared = Arc::new(Shared {
            api,
            limits,
            shape,
            metrics,
            log,
            stopping,
            connections: Mutex::new(BTreeMap::new()),
            next_id: AtomicU64::new(0),
            slot_freed: Notify::new(),
        });
        let accepting = tokio::spawn(accept_loop(listener, shared));
        Ok(Front {
            local_addr,
            stop,
            accepting,
        })
    }

    pub fn local_addr(&self) -> SocketAddr {
        self.local_addr
    }

    /// Stops accepting and drains (see the module comment); resolves when
    /// every connection is closed.
    pub async fn stop(self) {
        let _ = self.stop.send(true);
        let _ = self.accepting.await;
    }
}

/// What every connection of one front shares.
struct Shared {
    api: SocketAddr,
    limits: Limits,
    shape: ApiShape,
    metrics: ApiMetrics,
    log: slog::Logger,
    stopping: watch::Receiver<bool>,
    /// The open connections, by id, for the cap.
    connections: Mutex<BTreeMap<u64, Arc<Connection>>>,
    next_id: AtomicU64,
    slot_freed: Notify,
}

impl Shared {
    fn connections(&self) -> std::sync::MutexGuard<'_, BTreeMap<u64, Arc<Connection>>> {
        // A panic while holding this lock leaves the map consistent (every
        // operation on it is a single insert, remove or scan).
        self.connections
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    fn stopping(&self) -> bool {
        *self.stopping.borrow()
    }

    /// Makes room for one more connection: `true` when there is room (after
    /// closing the connection that has waited longest for its client, if
    /// needed), `false` when every connection has a request at the API.
    fn make_room(&self) -> bool {
        let mut connections = self.connections();
        if connections.len() < self.limits.max_connections.max(1) {
            return true;
        }
        // The phases move while this looks (the map is locked, the
        // connections are not): a connection chosen here may send its
        // request to the API before it is closed, so the choice is only
        // made when `evict` finds it still short of the API, and the next
        // one is tried otherwise.
        let mut at_api = Vec::new();
        loop {
            let longest_waiting = connections
                .iter()
                .filter(|(id, c)| c.phase() != Phase::AtApi && !at_api.contains(*id))
                .min_by_key(|(_, c)| c.phase_since())
                .map(|(id, c)| (*id, Arc::clone(c)));
            let Some((id, connection)) = longest_waiting else {
                return false;
            };
            if connection.evict() {
                connections.remove(&id);
                connection.wake.notify_one();
                return true;
            }
            at_api.push(id);
        }
    }
}

/// Where a connection is in its request cycle.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u8)]
enum Phase {
    /// No request byte since the last answer (or since it opened).
    Idle = 0,
    /// Bytes of a request head have arrived; its end has not.
    ReadingHead = 1,
    /// The head is in; the body is arriving.
    ReadingBody = 2,
    /// The request is at the API.
    AtApi = 3,
    /// Closed by the cap for a newer connection; no phase follows.
    Evicted = 4,
}

/// One client connection's state, shared by its task, its I/O and its
/// request handler.
struct Connection {
    phase: AtomicU8,
    /// When the current phase began, in milliseconds since `epoch`.
    phase_since: AtomicU64,
    epoch: Instant,
    /// Wakes the connection's task when the cap has closed it. A phase
    /// change does not wake it (see [`serve`]'s loop: it never sleeps
    /// longer than the shortest deadline a phase can start).
    wake: Notify,
}

impl Connection {
    fn new() -> Connection {
        Connection {
            phase: AtomicU8::new(Phase::Idle as u8),
            phase_since: AtomicU64::new(0),
            epoch: Instant::now(),
            wake: Notify::new(),
        }
    }

    fn phase(&self) -> Phase {
        match self.phase.load(Ordering::SeqCst) {
            0 => Phase::Idle,
            1 => Phase::ReadingHead,
            2 => Phase::ReadingBody,
            3 => Phase::AtApi,
            _ => Phase::Evicted,
        }
    }

    fn phase_since(&self) -> Instant {
        self.epoch + Duration::from_millis(self.phase_since.load(Ordering::SeqCst))
    }

    /// Moves to `phase`, unless the cap has closed the connection: `false`
    /// then, and the connection stays [`Phase::Evicted`]. A request must
    /// not be sent to the API when entering [`Phase::AtApi`] fails, since
    /// its connection is about to close and the answer would be lost.
    #[must_use]
    fn enter(&self, phase: Phase) -> bool {
        let since = u64::try_from(self.epoch.elapsed().as_millis()).unwrap_or(u64::MAX);
        self.phase_since.store(since, Ordering::SeqCst);
        self.phase
            .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |current| {
                (current != Phase::Evicted as u8).then_some(phase as u8)
            })
            .is_ok()
    }

    /// Marks the connection closed by the cap, unless its request is at the
    /// API (`false` then): one atomic step, so that a request is never sent
    /// to the API on a connection that is being closed.
    fn evict(&self) -> bool {
        self.phase
            .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |current| {
                (current != Phase::AtApi as u8).then_some(Phase::Evicted as u8)
            })
            .is_ok()
    }

    /// When the connection is to be closed for want of bytes from its
    /// client, if the current phase has such a deadline.
    fn deadline(&self, limits: &Limits) -> Option<Instant> {
        match self.phase() {
            Phase::Idle => Some(self.phase_since() + limits.idle),
            Phase::ReadingHead => Some(self.phase_since() + limits.header_read),
            // The body's deadline is the request handler's (a 408); an
            // evicted connection's loop closes it at once.
            Phase::ReadingBody | Phase::AtApi | Phase::Evicted => None,
        }
    }
}

async fn accept_loop(listener: TcpListener, shared: Arc<Shared>) {
    let mut connections = JoinSet::new();
    let mut stopping = shared.stopping.clone();
    loop {
        if !shared.make_room() {
            // Every connection has a request at the API: accept again when
            // one of them closes.
            tokio::select! {
                () = shared.slot_freed.notified() => continue,
                _ = stopping.changed() => break,
            }
        }
        tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok((stream, peer)) => {
                    admit(&mut connections, stream, peer, &shared);
                }
                // Out of descriptors, or a connection reset before it was
                // accepted: wait a moment rather than spin.
                Err(e) => {
                    slog::warn!(shared.log, "cannot accept a connection"; "error" => %e);
                    tokio::time::sleep(Duration::from_millis(10)).await;
                }
            },
            _ = stopping.changed() => break,
        }
        // Reap finished connections so the set does not grow.
        while connections.try_join_next().is_some() {}
    }
    drain_backlog(listener, &mut connections, &shared);
    while connections.join_next().await.is_some() {}
}

/// Serves a connection just accepted.
fn admit(connections: &mut JoinSet<()>, stream: TcpStream, peer: SocketAddr, shared: &Arc<Shared>) {
    let id = shared.next_id.fetch_add(1, Ordering::SeqCst);
    let connection = Arc::new(Connection::new());
    shared.connections().insert(id, Arc::clone(&connection));
    shared.metrics.connection_opened();
    connections.spawn(serve(stream, peer, id, connection, Arc::clone(shared)));
}

/// On stop, accepts every connection already waiting in the listen backlog
/// before the listener closes: those clients reached the server, and
/// closing the listener would reset them unanswered. Each is served as
/// any connection during the stop (a request on it is answered 503 in the
/// API's format with `Connection: close`). The accepts are made on the
/// socket itself, without waiting for the runtime to report it readable,
/// so none that the kernel holds is missed.
fn drain_backlog(listener: TcpListener, connections: &mut JoinSet<()>, shared: &Arc<Shared>) {
    let listener = match listener.into_std() {
        Ok(listener) => listener,
        Err(e) => {
            slog::warn!(shared.log, "cannot drain the listen backlog"; "error" => %e);
            return;
        }
    };
    let mut drained = 0u64;
    loop {
        match listener.accept() {
            Ok((stream, peer)) => {
                let stream = stream
                    .set_nonblocking(true)
                    .and_then(|()| TcpStream::from_std(stream));
                match stream {
                    Ok(stream) => {
                        drained += 1;
                        admit(connections, stream, peer, shared);
                    }
                    Err(e) => {
                        slog::warn!(shared.log, "cannot serve a connection from the backlog"; "error" => %e);
                    }
                }
            }
            // Nothing more waits (WouldBlock), or no descriptor is left for
            // another: the listener closes on what remains.
            Err(e) => {
                if e.kind() != std::io::ErrorKind::WouldBlock {
                    slog::warn!(shared.log, "stopped draining the listen backlog"; "error" => %e);
                }
                break;
            }
        }
    }
    if drained > 0 {
        slog::info!(shared.log, "connections taken from the listen backlog at stop"; "count" => drained);
    }
}

/// Serves one client connection until it closes, a deadline passes, the cap
/// closes it, or the front's stop has drained it.
async fn serve(
    stream: TcpStream,
    peer: SocketAddr,
    id: u64,
    connection: Arc<Connection>,
    shared: Arc<Shared>,
) {
    let _ = stream.set_nodelay(true);
    let io = Watched {
        inner: stream,
        connection: Arc::clone(&connection),
    };
    let (new_drivers, mut drivers) = mpsc::unbounded_channel();
    let handler = Arc::new(Handler {
        shared: Arc::clone(&shared),
        connection: Arc::clone(&connection),
        forwarded_for: HeaderValue::from_str(&peer.ip().to_string()).ok(),
        api: tokio::sync::Mutex::new(None),
        new_drivers,
    });
    let service = hyper::service::service_fn(move |request| {
        let handler = Arc::clone(&handler);
        async move { Ok::<_, Infallible>(handler.answer(request).await) }
    });
    let mut builder = hyper::server::conn::http1::Builder::new();
    // The front's own deadlines replace hyper's header timeout, which runs
    // from the end of the previous answer and so cannot tell an idle
    // connection from a slow head.
    builder
        .timer(TokioTimer::new())
        .header_read_timeout(None)
        .keep_alive(true);
    let conn = builder.serve_connection(TokioIo::new(io), service);
    tokio::pin!(conn);
    // The connection to the API is driven here, in the client
    // connection's own task, rather than in a task of its own: a request
    // and its answer then cross no task boundary in the front.
    let mut api_driver: Option<ApiDriver> = None;
    let mut stopping = shared.stopping.clone();
    // When the stop began, once it has.
    let mut stop_began: Option<Instant> = None;
    // Why the front closed the connection, if it did.
    let mut closed = None;
    loop {
        if connection.phase() == Phase::Evicted {
            slog::debug!(shared.log, "closed for a newer connection (cap)"; "peer" => %peer);
            closed = Some(Closed::Cap);
            break;
        }
        // Phases change without waking this loop (a wake-up and a new timer
        // for each of a request's four phase changes cost more than the
        // rest of the loop), so it looks again at least as often as the
        // shortest deadline a phase can start: a deadline that begins while
        // it sleeps is then seen, and armed exactly, before it can pass.
        let now = Instant::now();
        let look_again = now + recheck_within(&shared.limits, stop_began);
        let deadline = close_at(&connection, &shared.limits, stop_began)
            .map_or(look_again, |at| at.min(look_again));
        let sleep = tokio::time::sleep_until(deadline);
        tokio::select! {
            _ = conn.as_mut() => break,
            Some(new) = drivers.recv() => api_driver = Some(new),
            _ = async {
                match api_driver.as_mut() {
                    Some(driver) => {
                        let _ = driver.await;
                    }
                    None => std::future::pending().await,
                }
            } => api_driver = None,
            () = connection.wake.notified() => {}
            () = sleep => {
                // A phase change may have moved the deadline; only a
                // deadline that still stands closes the connection.
                let still = close_at(&connection, &shared.limits, stop_began);
                if still.is_some_and(|at| at <= Instant::now()) {
                    slog::debug!(shared.log, "connection closed: deadline";
                        "peer" => %peer, "phase" => ?connection.phase());
                    closed = match (connection.phase(), stop_began) {
                        (Phase::Idle, None) => Some(Closed::IdleTimeout),
                        (Phase::ReadingHead, _) => Some(Closed::HeaderReadTimeout),
                        // The stop's last call is not a limit.
                        _ => None,
                    };
                    break;
                }
            }
            changed = stopping.changed(), if stop_began.is_none() => {
                if changed.is_err() || *stopping.borrow() {
                    stop_began = Some(Instant::now());
                }
            }
        }
    }
    shared.connections().remove(&id);
    shared.metrics.connection_closed(closed);
    shared.slot_freed.notify_one();
}

/// The longest the connection's loop sleeps without looking at its phase:
/// the shortest deadline a phase change can start, and at least a
/// millisecond, so that a limit of zero cannot make it spin.
fn recheck_within(limits: &Limits, stop_began: Option<Instant>) -> Duration {
    let shortest = limits.header_read.min(limits.idle);
    let shortest = if stop_began.is_some() {
        shortest.min(limits.last_call)
    } else {
        shortest
    };
    shortest.max(Duration::from_millis(1))
}

/// When `connection` is to be closed for want of a request. While the front
/// stops, a connection without a request gets [`Limits::last_call`] from
/// the stop or from its last answer, whichever is later (an answer sent
/// during the stop carries `Connection: close`, so hyper closes its
/// connection once it is written, before this).
fn close_at(
    connection: &Connection,
    limits: &Limits,
    stop_began: Option<Instant>,
) -> Option<Instant> {
    match (connection.phase(), stop_began) {
        (Phase::Idle, Some(began)) => Some(began.max(connection.phase_since()) + limits.last_call),
        _ => connection.deadline(limits),
    }
}

/// The client's socket, noting the first byte of each request head.
struct Watched {
    inner: TcpStream,
    connection: Arc<Connection>,
}

impl AsyncRead for Watched {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<std::io::Result<()>> {
        let before = buf.filled().len();
        let polled = Pin::new(&mut self.inner).poll_read(cx, buf);
        if buf.filled().len() > before && self.connection.phase() == Phase::Idle {
            // An evicted connection stays evicted; its loop closes it.
            let _ = self.connection.enter(Phase::ReadingHead);
        }
        polled
    }
}

impl AsyncWrite for Watched {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<std::io::Result<usize>> {
        Pin::new(&mut self.inner).poll_write(cx, buf)
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[std::io::IoSlice<'_>],
    ) -> Poll<std::io::Result<usize>> {
        Pin::new(&mut self.inner).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }
}

type Answer = Response<BoxBody<Bytes, hyper::Error>>;
type ApiConnection = hyper::client::conn::http1::SendRequest<Full<Bytes>>;
/// What drives a connection to the API: polled by the client connection's
/// task ([`serve`]).
type ApiDriver = hyper::client::conn::http1::Connection<TokioIo<TcpStream>, Full<Bytes>>;

/// Answers the requests of one client connection.
struct Handler {
    shared: Arc<Shared>,
    connection: Arc<Connection>,
    /// The client's address as the `x-forwarded-for` sent to the API, made
    /// once per connection rather than per request.
    forwarded_for: Option<HeaderValue>,
    /// The connection to the API, opened at the first request.
    api: tokio::sync::Mutex<Option<ApiConnection>>,
    /// Where a connection to the API, once opened, goes to be driven.
    new_drivers: mpsc::UnboundedSender<ApiDriver>,
}

/// Headers that describe one connection, not the message (RFC 9110 §7.6.1):
/// not forwarded either way. The framing (`transfer-encoding`,
/// `content-length`) is set anew by whoever sends the message on; `expect:
/// 100-continue` was answered by the front, which forwards a complete body;
/// a client's own `x-forwarded-for` is replaced by the front's.
const HOP_BY_HOP: [&str; 10] = [
    "expect",
    "connection",
    "keep-alive",
    "proxy-connection",
    "te",
    "trailer",
    "transfer-encoding",
    "upgrade",
    "content-length",
    "x-forwarded-for",
];

impl Handler {
    async fn answer(&self, request: Request<Incoming>) -> Answer {
        let shared = &self.shared;
        let started = Instant::now();
        let in_flight = shared.metrics.request_started();
        let (method, path) = (request.method().clone(), request.uri().path().to_string());
        let mut answer = if shared.stopping() {
            self.error(
                StatusCode::SERVICE_UNAVAILABLE,
                "The server is stopping; send the request again shortly.",
            )
        } else {
            // Refused only when evicted, which entering `AtApi` checks.
            let _ = self.connection.enter(Phase::ReadingBody);
            self.forward(request).await
        };
        // Read after the request was answered: a request at the API when
        // the stop began is answered, and its connection closes with it.
        if shared.stopping() {
            answer
                .headers_mut()
                .insert(CONNECTION, HeaderValue::from_static("close"));
        }
        let _ = self.connection.enter(Phase::Idle);
        shared.metrics.answered(
            method.as_str(),
            &path,
            answer.status().as_u16(),
            started.elapsed(),
        );
        drop(in_flight);
        answer
    }

    async fn forward(&self, request: Request<Incoming>) -> Answer {
        let (parts, body) = request.into_parts();
        let limits = &self.shared.limits;
        // One byte over the API's limit is enough for it to answer 413 in
        // its own format; the rest is not read.
        let limit = crate::apis::REQUEST_BODY_MAX_BYTES + 1;
        let had_body = parts.headers.contains_key(CONTENT_LENGTH)
            || parts.headers.contains_key(http::header::TRANSFER_ENCODING);
        let (bytes, complete) =
            match tokio::time::timeout(limits.body_read, read_at_most(body, limit)).await {
                Ok(Ok(read)) => read,
                Ok(Err(e)) => {
                    return self.error(
                        StatusCode::BAD_REQUEST,
                        &format!("The request body could not be read: {e}."),
                    );
                }
                Err(_) => {
                    self.shared.metrics.closed(Closed::BodyReadTimeout);
                    let mut answer = self.error(
                        StatusCode::REQUEST_TIMEOUT,
                        &format!(
                            "The request body did not arrive within {} s.",
                            limits.body_read.as_secs_f64()
                        ),
                    );
                    answer
                        .headers_mut()
                        .insert(CONNECTION, HeaderValue::from_static("close"));
                    return answer;
                }
            };
        if !self.connection.enter(Phase::AtApi) {
            // The cap closed this connection for a newer one while the body
            // arrived: the request has not reached the API, so sending it
            // again is safe. The connection's loop closes it at once, so
            // this answer is rarely written.
            let mut answer = self.error(
                StatusCode::SERVICE_UNAVAILABLE,
                "The server closed this connection for a newer one (it is at its connection \
                 limit); the request was not applied; send it again.",
            );
            answer
                .headers_mut()
                .insert(CONNECTION, HeaderValue::from_static("close"));
            return answer;
        }

        // The client's headers are forwarded in their own map, without the
        // hop-by-hop ones (removed in place: no map is rebuilt per request).
        let mut headers = parts.headers;
        for name in HOP_BY_HOP {
            headers.remove(name);
        }
        if had_body || !bytes.is_empty() {
            headers.insert(CONTENT_LENGTH, HeaderValue::from(bytes.len()));
        }
        if let Some(peer) = &self.forwarded_for {
            headers.insert("x-forwarded-for", peer.clone());
        }
        if !headers.contains_key(HOST)
            && let Ok(host) = HeaderValue::from_str(&self.shared.api.to_string())
        {
            headers.insert(HOST, host);
        }
        let mut forwarded = Request::new(Full::new(bytes));
        *forwarded.method_mut() = parts.method;
        // A request line in origin form (`/path?query`, what clients send)
        // is forwarded as it came; an absolute one is cut to its path.
        *forwarded.uri_mut() = if parts.uri.scheme().is_none() && parts.uri.authority().is_none() {
            parts.uri
        } else {
            parts
                .uri
                .path_and_query()
                .map(|p| p.as_str().parse().unwrap_or_default())
                .unwrap_or_default()
        };
        *forwarded.headers_mut() = headers;

        let mut answer = self.answer_from_api(forwarded).await;
        // A body left unread would have to be read to its end before the
        // connection could carry another request: hyper would drain it all
        // (10 MB, or without end). The connection closes instead.
        if !complete {
            answer
                .headers_mut()
                .insert(CONNECTION, HeaderValue::from_static("close"));
        }
        answer
    }

    /// The API's answer to `forwarded`. A 405 is the one answer of
    /// dropshot's own that reaches a client: its router sends it, in its own
    /// shape, for every method the path has no endpoint for. This is the one
    /// place every API's 405 is made, for every method on every path: the
    /// API's error body with the `Allow` RFC 9110 requires, and dropshot's
    /// request id kept.
    async fn answer_from_api(&self, forwarded: Request<Full<Bytes>>) -> Answer {
        // Kept for a 405's message (cheap copies: shared bytes).
        let method = forwarded.method().clone();
        let uri = forwarded.uri().clone();
        let path = uri.path();
        match self.send(forwarded).await {
            Ok(response) if response.status() == StatusCode::METHOD_NOT_ALLOWED => {
                let allow = if crate::apis::documents::is_document(path) {
                    "GET"
                } else {
                    self.shared.shape.allow
                };
                let mut answer = self.error(
                    StatusCode::METHOD_NOT_ALLOWED,
                    &format!("The {method} method is not supported on {path}; it accepts {allow}."),
                );
                let headers = answer.headers_mut();
                headers.insert(http::header::ALLOW, HeaderValue::from_static(allow));
                if let Some(id) = response.headers().get(REQUEST_ID) {
                    headers.insert(REQUEST_ID, id.clone());
                }
                answer
            }
            Ok(response) => {
                // The APIs answer 503 only when their store is busy.
                if response.status() == StatusCode::SERVICE_UNAVAILABLE {
                    self.shared.metrics.store_busy();
                }
                let (mut parts, body) = response.into_parts();
                for name in ["connection", "keep-alive", "transfer-encoding"] {
                    parts.headers.remove(name);
                }
                Response::from_parts(parts, body.boxed())
            }
            Err(e) => {
                slog::error!(self.shared.log, "the API did not answer"; "error" => %e);
                self.error(
                    StatusCode::SERVICE_UNAVAILABLE,
                    "The server cannot answer right now; send the request again shortly.",
                )
            }
        }
    }

    /// Sends `request` on this connection's connection to the API, opening
    /// it (again) when there is none or it has closed.
    async fn send(&self, request: Request<Full<Bytes>>) -> Result<Response<Incoming>, String> {
        let mut api = self.api.lock().await;
        if let Some(open) = api.as_mut()
            && open.ready().await.is_err()
        {
            *api = None;
        }
        let open = match api.as_mut() {
            Some(open) => open,
            None => {
                let stream = TcpStream::connect(self.shared.api)
                    .await
                    .map_err(|e| format!("cannot connect to the API: {e}"))?;
                let _ = stream.set_nodelay(true);
                let (sender, driver) = hyper::client::conn::http1::handshake(TokioIo::new(stream))
                    .await
                    .map_err(|e| format!("cannot talk to the API: {e}"))?;
                self.new_drivers
                    .send(driver)
                    .map_err(|_| "the client's connection has closed".to_string())?;
                api.insert(sender)
            }
        };
        open.send_request(request)
            .await
            .map_err(|e| format!("the API's answer failed: {e}"))
    }

    /// An answer of the front's own in the API's error format, with a
    /// request id of its own as every dropshot answer has (a 405 keeps
    /// dropshot's).
    fn error(&self, status: StatusCode, message: &str) -> Answer {
        let (media_type, body) = (self.shared.shape.error_body)(status, message);
        let mut answer = Response::new(
            Full::new(Bytes::from(body))
                .map_err(|never| match never {})
                .boxed(),
        );
        *answer.status_mut() = status;
        let headers = answer.headers_mut();
        headers.insert(CONTENT_TYPE, HeaderValue::from_static(media_type));
        if let Ok(id) = HeaderValue::from_str(&uuid::Uuid::new_v4().to_string()) {
            headers.insert(REQUEST_ID, id);
        }
        answer
    }
}

/// The body, or its first `limit` bytes when it is longer (then `false`:
/// the rest is not read, and the connection closes after the answer).
/// A body that arrives in one frame (the usual small JSON body) is passed
/// on as received, without a copy.
async fn read_at_most(mut body: Incoming, limit: usize) -> Result<(Bytes, bool), String> {
    let mut first: Option<Bytes> = None;
    let mut out = Vec::new();
    while let Some(frame) = body.frame().await {
        let frame = frame.map_err(|e| e.to_string())?;
        let Ok(data) = frame.into_data() else {
            continue;
        };
        match first.take() {
            None if out.is_empty() => first = Some(data),
            earlier => {
                if let Some(earlier) = earlier {
                    out.extend_from_slice(&earlier);
                }
                out.extend_from_slice(&data);
            }
        }
        let read = first.as_ref().map_or(out.len(), Bytes::len);
        if read >= limit {
            let mut all = first.unwrap_or_else(|| Bytes::from(out));
            all.truncate(limit);
            return Ok((all, false));
        }
    }
    Ok((first.unwrap_or_else(|| Bytes::from(out)), true))
}

#[cfg(test)]
mod tests {
    use super::{Connection, Phase};

    #[test]
    fn a_request_is_not_sent_to_the_api_on_a_connection_the_cap_closed() {
        let connection = Connection::new();
        assert!(connection.enter(Phase::ReadingBody));
        // The cap chose this connection while its body arrived ...
        assert!(connection.evict());
        // ... so the request, now read, must not go to the API.
        assert!(!connection.enter(Phase::AtApi));
        assert_eq!(connection.phase(), Phase::Evicted);
        assert!(
            !connection.enter(Phase::Idle),
            "an evicted connection stays evicted"
        );
    }

    #[test]
    fn the_cap_never_closes_a_connection_whose_request_is_at_the_api() {
        let connection = Connection::new();
        assert!(connection.enter(Phase::AtApi));
        assert!(!connection.evict());
        assert_eq!(connection.phase(), Phase::AtApi);
    }

    #[test]
    fn the_cap_and_a_request_racing_for_one_connection_never_both_win() {
        // Both orders, many times, from two threads: exactly one of the
        // request (entering `AtApi`) and the cap (evicting) wins each time.
        for _ in 0..2_000 {
            let connection = std::sync::Arc::new(Connection::new());
            assert!(connection.enter(Phase::ReadingBody));
            let racer = std::sync::Arc::clone(&connection);
            let request = std::thread::spawn(move || racer.enter(Phase::AtApi));
            let evicted = connection.evict();
            let sent = request
                .join()
                .unwrap_or_else(|_| panic!("the request's thread panicked"));
            assert!(sent != evicted, "sent {sent}, evicted {evicted}");
        }
    }
}
