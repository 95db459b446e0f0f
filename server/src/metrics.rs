//! What an operator watches on a node, served by the admin listener at
//! `/metrics` in the Prometheus text format (`crate::admin`).
//!
//! One [`Metrics`] per running server: its own registry, so that two servers
//! in one process (the tests) never count each other's requests. Each API
//! gets an [`ApiMetrics`] with its label already chosen; the front counts
//! requests and connections in one place each, the credential cache counts
//! its hits and misses, and the store registers what it knows (the SQLite
//! writer's queue, batches and commits; the PostgreSQL pool) through
//! [`crate::storage::Store::register_metrics`]. Every name starts with
//! `profile_`; the list, with what each means, is in docs/deploy.md.

use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{Histogram, exponential_buckets};
use prometheus_client::registry::Registry;

use crate::apis::documents::{REFERENCE_PATH, SPEC_PATH};
use crate::apis::{Descriptor, Operation};
use crate::storage::Store;

/// The prefix of every metric's name.
pub const PREFIX: &str = "profile";

/// A request's labels.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct RequestLabels {
    pub api: &'static str,
    /// The API's `operationId` for the request's method and path;
    /// `openapi` or `docs` for the served spec and reference page;
    /// `other` for anything else (a 404, a 405).
    pub operation: &'static str,
    pub status: u16,
}

/// Labels of a metric kept per API.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct ApiLabels {
    pub api: &'static str,
}

/// Why the front closed a connection itself.
#[derive(Clone, Copy, Debug, Hash, PartialEq, Eq)]
pub enum Closed {
    /// No request head completed within the header-read timeout.
    HeaderReadTimeout,
    /// No request within the idle timeout.
    IdleTimeout,
    /// The body did not arrive within the body-read timeout (a 408).
    BodyReadTimeout,
    /// Closed for a newer connection at the cap.
    Cap,
}

impl Closed {
    fn label(self) -> &'static str {
        match self {
            Closed::HeaderReadTimeout => "header_read_timeout",
            Closed::IdleTimeout => "idle_timeout",
            Closed::BodyReadTimeout => "body_read_timeout",
            Closed::Cap => "cap",
        }
    }
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct ClosedLabels {
    api: &'static str,
    reason: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct CacheLabels {
    api: &'static str,
    /// `hit`: the credential was known and fresh; `miss`: it was read
    /// from the store.
    result: &'static str,
}

type LatencyFamily = Family<ApiLabels, Histogram, fn() -> Histogram>;

/// Request latencies from 0.5 ms to about 16 s, doubling.
fn latency_histogram() -> Histogram {
    Histogram::new(exponential_buckets(0.0005, 2.0, 16))
}

/// The metrics of one running server. Cloning shares them.
#[derive(Clone)]
pub struct Metrics {
    inner: Arc<Inner>,
}

struct Inner {
    registry: Mutex<Registry>,
    requests: Family<RequestLabels, Counter>,
    latency: LatencyFamily,
    in_flight: Family<ApiLabels, Gauge>,
    connections_open: Family<ApiLabels, Gauge>,
    connections_closed: Family<ClosedLabels, Counter>,
    store_busy: Family<ApiLabels, Counter>,
    credential_cache: Family<CacheLabels, Counter>,
}

impl Default for Metrics {
    fn default() -> Self {
        Metrics::new()
    }
}

impl Metrics {
    pub fn new() -> Metrics {
        let mut registry = Registry::with_prefix(PREFIX);
        let inner = Inner {
            requests: Family::default(),
            latency: LatencyFamily::new_with_constructor(latency_histogram),
            in_flight: Family::default(),
            connections_open: Family::default(),
            connections_closed: Family::default(),
            store_busy: Family::default(),
            credential_cache: Family::default(),
            registry: Mutex::new(Registry::default()),
        };
        registry.register(
            "requests",
            "Requests answered, by API, operation and status",
            inner.requests.clone(),
        );
        registry.register(
            "request_duration_seconds",
            "Time from a request's complete head to the end of its answer's head, by API",
            inner.latency.clone(),
        );
        registry.register(
            "requests_in_flight",
            "Requests being answered now, by API",
            inner.in_flight.clone(),
        );
        registry.register(
            "connections_open",
            "Client connections open at the front, by API",
            inner.connections_open.clone(),
        );
        registry.register(
            "connections_closed",
            "Client connections the front closed itself, by API and reason \
             (header_read_timeout, idle_timeout, body_read_timeout, cap)",
            inner.connections_closed.clone(),
        );
        registry.register(
            "store_busy_answers",
            "Requests the API answered 503 because the store was busy (a full queue, \
             an exhausted pool, a database that cannot be reached), by API",
            inner.store_busy.clone(),
        );
        registry.register(
            "credential_cache",
            "Credential checks, by API and result: hit (known and fresh) or miss (read from the store)",
            inner.credential_cache.clone(),
        );
        let inner = Inner {
            registry: Mutex::new(registry),
            ..inner
        };
        Metrics {
            inner: Arc::new(inner),
        }
    }

    /// Adds what `store` measures (see [`Store::register_metrics`]).
    pub fn register_store(&self, store: &dyn Store) {
        store.register_metrics(&mut self.registry());
    }

    /// The handles one API counts with.
    pub fn api(&self, descriptor: &'static Descriptor) -> ApiMetrics {
        let api = descriptor.api;
        let labels = ApiLabels { api: api.name() };
        let inner = &self.inner;
        // Every reason at zero from the start, so that a rate over it
        // exists before the first close.
        for why in [
            Closed::HeaderReadTimeout,
            Closed::IdleTimeout,
            Closed::BodyReadTimeout,
            Closed::Cap,
        ] {
            let _ = inner.connections_closed.get_or_create(&ClosedLabels {
                api: api.name(),
                reason: why.label(),
            });
        }
        ApiMetrics {
            api: api.name(),
            metrics: self.clone(),
            operation: Route::of(&descriptor.operation),
            latency: inner.latency.get_or_create_owned(&labels),
            in_flight: inner.in_flight.get_or_create_owned(&labels),
            connections_open: inner.connections_open.get_or_create_owned(&labels),
            store_busy: inner.store_busy.get_or_create_owned(&labels),
            cache_hits: inner.credential_cache.get_or_create_owned(&CacheLabels {
                api: api.name(),
                result: "hit",
            }),
            cache_misses: inner.credential_cache.get_or_create_owned(&CacheLabels {
                api: api.name(),
                result: "miss",
            }),
        }
    }

    /// Everything, in the Prometheus text format.
    pub fn encode(&self) -> Result<String, String> {
        let mut text = String::new();
        prometheus_client::encoding::text::encode(&mut text, &self.registry())
            .map_err(|e| format!("cannot encode the metrics: {e}"))?;
        Ok(text)
    }

    fn registry(&self) -> std::sync::MutexGuard<'_, Registry> {
        // Registering and encoding leave the registry whole if either
        // panics, so a poisoned lock is still usable.
        self.inner
            .registry
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }
}

/// One API's handles into [`Metrics`]. Cloning shares them.
#[derive(Clone)]
pub struct ApiMetrics {
    api: &'static str,
    metrics: Metrics,
    operation: Route,
    latency: Histogram,
    in_flight: Gauge,
    connections_open: Gauge,
    store_busy: Counter,
    cache_hits: Counter,
    cache_misses: Counter,
}

impl ApiMetrics {
    /// A request has started; it stays in flight until the guard is dropped.
    pub fn request_started(&self) -> InFlight {
        self.in_flight.inc();
        InFlight {
            gauge: self.in_flight.clone(),
        }
    }

    /// A request was answered with `status` after `elapsed`.
    pub fn answered(&self, method: &str, path: &str, status: u16, elapsed: Duration) {
        let labels = RequestLabels {
            api: self.api,
            operation: self.operation.label(method, path),
            status,
        };
        self.metrics.inner.requests.get_or_create(&labels).inc();
        self.latency.observe(elapsed.as_secs_f64());
    }

    /// The API answered 503 for a busy store.
    pub fn store_busy(&self) {
        self.store_busy.inc();
    }

    pub fn connection_opened(&self) {
        self.connections_open.inc();
    }

    /// A connection closed; `why` says why when the front closed it itself.
    pub fn connection_closed(&self, why: Option<Closed>) {
        self.connections_open.dec();
        if let Some(why) = why {
            self.closed(why);
        }
    }

    /// The front closed (or will close) a connection for `why`.
    pub fn closed(&self, why: Closed) {
        let labels = ClosedLabels {
            api: self.api,
            reason: why.label(),
        };
        self.metrics
            .inner
            .connections_closed
            .get_or_create(&labels)
            .inc();
    }

    /// A credential check found the credential cached and fresh (`true`)
    /// or read it from the store (`false`).
    pub fn credential_cache(&self, hit: bool) {
        if hit {
            self.cache_hits.inc();
        } else {
            self.cache_misses.inc();
        }
    }
}

/// Keeps a request counted in flight until dropped.
pub struct InFlight {
    gauge: Gauge,
}

impl Drop for InFlight {
    fn drop(&mut self) {
        self.gauge.dec();
    }
}

/// The API's operation, to label a request by operation (a bounded set)
/// rather than by its path (Ctrl-Hub's holds a user id).
#[derive(Clone)]
struct Route {
    /// The template's segments; `None` stands for a `{parameter}`.
    segments: Vec<Option<&'static str>>,
    method: &'static str,
    operation_id: &'static str,
}

impl Route {
    fn of(operation: &Operation) -> Route {
        Route {
            segments: operation
                .path
                .split('/')
                .map(|s| (!s.starts_with('{')).then_some(s))
                .collect(),
            method: operation.method,
            operation_id: operation.operation_id,
        }
    }

    /// The operation id when `method` and `path` are the operation's;
    /// `openapi` and `docs` for the documents every API serves; `other`
    /// for anything else (a 404, a 405).
    fn label(&self, method: &str, path: &str) -> &'static str {
        match path {
            SPEC_PATH => return "openapi",
            REFERENCE_PATH => return "docs",
            _ => {}
        }
        let mut segments = path.split('/');
        let same_path = self
            .segments
            .iter()
            .all(|want| match (want, segments.next()) {
                (Some(literal), Some(got)) => *literal == got,
                (None, Some(got)) => !got.is_empty(),
                (_, None) => false,
            })
            && segments.next().is_none();
        if same_path && method.eq_ignore_ascii_case(self.method) {
            self.operation_id
        } else {
            "other"
        }
    }
}

#[cfg(test)]
mod tests {
    use super::Route;
    use crate::apis::Operation;

    #[test]
    fn a_request_is_labelled_with_the_operation_of_its_method_and_path_template() {
        let route = Route::of(&Operation {
            operation_id: "updateUser",
            method: "PUT",
            path: "/v3/users/{user_id}",
            media_type: "application/json",
        });
        assert_eq!(route.label("PUT", "/v3/users/42"), "updateUser");
        assert_eq!(route.label("GET", "/v3/users/42"), "other");
        assert_eq!(route.label("PUT", "/v3/users/"), "other");
        assert_eq!(route.label("PUT", "/v3/users/42/x"), "other");
        assert_eq!(route.label("PUT", "/v3/users"), "other");
        assert_eq!(route.label("GET", "/openapi.json"), "openapi");
    }
}
