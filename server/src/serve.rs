//! Starting the APIs: one dropshot server per API (dropshot cannot merge
//! two API traits into one server), all sharing one store.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::sync::Arc;

use dropshot::{ConfigDropshot, HandlerTaskMode, HttpServer, ServerBuilder};
use serde_json::Value;

use crate::apis::documents::{self, Documents};
use crate::apis::{ApiContext, Descriptor, REQUEST_BODY_MAX_BYTES, descriptors, spec_json};
use crate::auth::Verifier;
use crate::front::{ApiShape, Front, Limits};
use crate::metrics::Metrics;
use crate::storage::{Api, Store};

/// One running API: its front on the API's address, and its dropshot
/// server behind it on an ephemeral loopback port (`front.rs` says why).
pub struct RunningApi {
    pub api: Api,
    /// Where clients connect.
    pub front: Front,
    /// dropshot's server, reached through the front only.
    pub server: HttpServer<ApiContext>,
}

impl RunningApi {
    /// The API's address, the front's.
    pub fn local_addr(&self) -> SocketAddr {
        self.front.local_addr()
    }

    pub fn base_url(&self) -> String {
        format!("http://{}", self.local_addr())
    }

    /// Stops the front (which drains: every request that reached it gets an
    /// answer), then dropshot's server.
    pub async fn stop(self) -> Result<(), String> {
        self.front.stop().await;
        self.server.close().await
    }
}

/// The address each API listens on by default.
pub fn default_listen() -> BTreeMap<Api, SocketAddr> {
    descriptors()
        .map(|d| (d.api, SocketAddr::from(([127, 0, 0, 1], d.default_port))))
        .collect()
}

/// Starts every registered API on its address in `listen` (an API missing
/// from `listen` is not started), each counting in `metrics`.
pub fn start_all(
    store: Arc<dyn Store>,
    listen: &BTreeMap<Api, SocketAddr>,
    limits: &Limits,
    metrics: &Metrics,
    log: &slog::Logger,
) -> Result<Vec<RunningApi>, String> {
    descriptors()
        .filter_map(|descriptor| {
            let address = *listen.get(&descriptor.api)?;
            Some(start_one_observed(
                descriptor,
                Arc::clone(&store),
                address,
                limits,
                metrics,
                log,
            ))
        })
        .collect()
}

/// Starts one API with the default [`Limits`].
pub fn start_one(
    descriptor: &'static Descriptor,
    store: Arc<dyn Store>,
    address: SocketAddr,
    log: &slog::Logger,
) -> Result<RunningApi, String> {
    start_one_with(descriptor, store, address, &Limits::default(), log)
}

/// Starts one API with `limits`, counting in metrics of its own.
pub fn start_one_with(
    descriptor: &'static Descriptor,
    store: Arc<dyn Store>,
    address: SocketAddr,
    limits: &Limits,
    log: &slog::Logger,
) -> Result<RunningApi, String> {
    start_one_observed(descriptor, store, address, limits, &Metrics::new(), log)
}

/// Starts one API: its dropshot server on an ephemeral loopback port, then
/// its front on `address`, counting in `metrics`. Needs a tokio runtime.
pub fn start_one_observed(
    descriptor: &'static Descriptor,
    store: Arc<dyn Store>,
    address: SocketAddr,
    limits: &Limits,
    metrics: &Metrics,
    log: &slog::Logger,
) -> Result<RunningApi, String> {
    let name = descriptor.api.name();
    let mut description = (descriptor.description)().map_err(|e| format!("{name}: {e}"))?;
    documents::register(&mut description).map_err(|e| format!("{name}: {e}"))?;
    let spec: Value = spec_json(descriptor.spec_yaml).map_err(|e| format!("{name}: {e}"))?;
    let api_metrics = metrics.api(descriptor);
    let context = ApiContext {
        verifier: Arc::new(Verifier::new(Arc::clone(&store)).observed(api_metrics.clone())),
        store,
        documents: Arc::new(Documents::new(spec)),
    };
    let config = ConfigDropshot {
        bind_address: SocketAddr::from(([127, 0, 0, 1], 0)),
        default_request_body_max_bytes: REQUEST_BODY_MAX_BYTES,
        // The client's address, which the front passes on: dropshot sees
        // the front as the peer.
        log_headers: vec!["x-forwarded-for".to_string()],
        // The handler runs in the connection's task rather than in a task of
        // its own per request (dropshot's default, `Detached`): one spawn and
        // one cross-task wake-up less per request. A handler is then
        // cancelled when its connection closes early: when the client went
        // away from the front, or the front's cap closed the connection just
        // as its request was sent. That is safe because every handler
        // changes state only through one `update_profile`, and a change
        // reaches the store as one message that it applies whole or not at
        // all (`Store::apply`): a cancelled request has either been applied
        // (its answer is lost with its client) or not at all.
        default_handler_task_mode: HandlerTaskMode::CancelOnDisconnect,
        ..Default::default()
    };
    let log = log.new(slog::o!("api" => name));
    let server = ServerBuilder::new(description, context, log.clone())
        .config(config)
        .start()
        .map_err(|e| format!("{name}: cannot start: {e}"))?;
    let front = Front::start(
        address,
        server.local_addr(),
        limits.clone(),
        ApiShape {
            error_body: descriptor.error_body,
            allow: descriptor.operation.method,
        },
        api_metrics,
        log,
    )
    .map_err(|e| cannot_listen(name, address, &e))?;
    Ok(RunningApi {
        api: descriptor.api,
        front,
        server,
    })
}

/// Why `api` cannot listen on `address`, with what to do about it.
fn cannot_listen(api: &str, address: SocketAddr, error: &std::io::Error) -> String {
    match error.kind() {
        std::io::ErrorKind::AddrInUse => format!(
            "{api}: cannot listen on {address}: the address is in use (is another server \
             running?); give {api} another address with --listen {api}=<address>, or serve \
             only some APIs with --api <name>"
        ),
        std::io::ErrorKind::AddrNotAvailable => format!(
            "{api}: cannot listen on {address}: no interface of this machine has that address"
        ),
        std::io::ErrorKind::PermissionDenied => format!(
            "{api}: cannot listen on {address}: permission denied (ports below 1024 need privileges)"
        ),
        _ => format!("{api}: cannot listen on {address}: {error}"),
    }
}

/// The OpenAPI document dropshot derives from `api`'s trait.
pub fn derived_openapi(api: Api) -> Result<Value, String> {
    let descriptor = api.descriptor();
    let spec = spec_json(descriptor.spec_yaml)?;
    let title = spec
        .pointer("/info/title")
        .and_then(Value::as_str)
        .unwrap_or(api.name())
        .to_string();
    let version = spec
        .pointer("/info/version")
        .and_then(Value::as_str)
        .and_then(|v| semver::Version::parse(v).ok())
        .unwrap_or(semver::Version::new(0, 0, 0));
    let description = (descriptor.stub_description)()?;
    description
        .openapi(title, version)
        .json()
        .map_err(|e| format!("{}: cannot render the derived document: {e}", api.name()))
}
