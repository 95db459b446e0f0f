//! Starting the APIs: one dropshot server per API (dropshot cannot merge
//! two API traits into one server), all sharing one store.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::sync::Arc;

use dropshot::{ConfigDropshot, HttpServer, ServerBuilder};
use serde_json::Value;

use crate::apis::{ApiContext, REQUEST_BODY_MAX_BYTES, Registration, registrations, spec_json};
use crate::auth::Verifier;
use crate::storage::{Api, Store};

/// One running API.
pub struct RunningApi {
    pub api: Api,
    pub server: HttpServer<ApiContext>,
}

impl RunningApi {
    pub fn base_url(&self) -> String {
        format!("http://{}", self.server.local_addr())
    }
}

/// The address each API listens on by default.
pub fn default_listen() -> BTreeMap<Api, SocketAddr> {
    registrations()
        .into_iter()
        .map(|r| (r.api, SocketAddr::from(([127, 0, 0, 1], r.default_port))))
        .collect()
}

/// Starts every registered API on its address in `listen` (an API missing
/// from `listen` is not started).
pub fn start_all(
    store: Arc<dyn Store>,
    listen: &BTreeMap<Api, SocketAddr>,
    log: &slog::Logger,
) -> Result<Vec<RunningApi>, String> {
    registrations()
        .into_iter()
        .filter_map(|registration| {
            let address = *listen.get(&registration.api)?;
            Some(start_one(&registration, Arc::clone(&store), address, log))
        })
        .collect()
}

/// Starts one API.
pub fn start_one(
    registration: &Registration,
    store: Arc<dyn Store>,
    address: SocketAddr,
    log: &slog::Logger,
) -> Result<RunningApi, String> {
    let name = registration.api.name();
    let description = (registration.description)().map_err(|e| format!("{name}: {e}"))?;
    let spec_document: Value =
        spec_json(registration.spec_yaml).map_err(|e| format!("{name}: {e}"))?;
    let context = ApiContext {
        verifier: Arc::new(Verifier::new(Arc::clone(&store))),
        store,
        spec_document: Arc::new(spec_document),
    };
    let config = ConfigDropshot {
        bind_address: address,
        default_request_body_max_bytes: REQUEST_BODY_MAX_BYTES,
        ..Default::default()
    };
    let server = ServerBuilder::new(description, context, log.new(slog::o!("api" => name)))
        .config(config)
        .start()
        .map_err(|e| format!("{name}: cannot listen on {address}: {e}"))?;
    Ok(RunningApi {
        api: registration.api,
        server,
    })
}

/// The OpenAPI document dropshot derives from `api`'s trait.
pub fn derived_openapi(api: Api) -> Result<Value, String> {
    let registration = crate::apis::registration(api)
        .ok_or_else(|| format!("{} is not implemented", api.name()))?;
    let spec = spec_json(registration.spec_yaml)?;
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
    let description = (registration.stub_description)()?;
    description
        .openapi(title, version)
        .json()
        .map_err(|e| format!("{}: cannot render the derived document: {e}", api.name()))
}
