//! What the PostgreSQL store measures: its connection pool, read from the
//! pool at each scrape, and the database errors its calls met. Read at
//! `/metrics` (`crate::metrics`).

use deadpool_postgres::Pool;
use prometheus_client::collector::Collector;
use prometheus_client::encoding::{DescriptorEncoder, EncodeMetric};
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::gauge::ConstGauge;
use prometheus_client::registry::Registry;

use super::StoreError;

/// The pool's metrics. Cloning shares them.
#[derive(Clone, Debug)]
pub struct PoolMetrics {
    pool: Pool,
    errors: Counter,
}

impl PoolMetrics {
    pub fn new(pool: Pool) -> PoolMetrics {
        PoolMetrics {
            pool,
            errors: Counter::default(),
        }
    }

    /// Counts `outcome` if it is a database error: a busy or unreachable
    /// database, or a failed statement (not a missing or duplicate row,
    /// which are answers).
    pub fn record<T>(&self, outcome: &Result<T, StoreError>) {
        if matches!(outcome, Err(StoreError::Busy | StoreError::Backend(_))) {
            self.errors.inc();
        }
    }

    pub fn register(&self, registry: &mut Registry) {
        registry.register(
            "postgres_errors",
            "Database calls that failed: busy, unreachable, timed out or refused",
            self.errors.clone(),
        );
        registry.register_collector(Box::new(PoolStatus {
            pool: self.pool.clone(),
        }));
    }
}

/// The pool's state, read at each scrape.
#[derive(Debug)]
struct PoolStatus {
    pool: Pool,
}

impl Collector for PoolStatus {
    fn encode(&self, mut encoder: DescriptorEncoder) -> Result<(), std::fmt::Error> {
        let status = self.pool.status();
        let gauges = [
            (
                "postgres_pool_size",
                "Connections the pool holds now",
                status.size,
            ),
            (
                "postgres_pool_available",
                "Connections in the pool that are idle",
                status.available,
            ),
            (
                "postgres_pool_max_size",
                "Connections the pool may hold",
                status.max_size,
            ),
            (
                "postgres_pool_waiters",
                "Calls waiting for a connection",
                status.waiting,
            ),
        ];
        for (name, help, value) in gauges {
            let gauge = ConstGauge::new(i64::try_from(value).unwrap_or(i64::MAX));
            let metric = encoder.encode_descriptor(name, help, None, gauge.metric_type())?;
            gauge.encode(metric)?;
        }
        Ok(())
    }
}
