//! What the SQLite writer measures: how many changes wait for it, how many
//! it commits together, and how long each commit takes (the fsync is most
//! of it). Read at `/metrics` (`crate::metrics`).

use std::time::Duration;

use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{Histogram, exponential_buckets};
use prometheus_client::registry::Registry;

/// The writer's metrics. Cloning shares them.
#[derive(Clone)]
pub struct WriterMetrics {
    queue_depth: Gauge,
    batch_size: Histogram,
    commit_seconds: Histogram,
}

impl Default for WriterMetrics {
    fn default() -> Self {
        WriterMetrics {
            queue_depth: Gauge::default(),
            // 1 to 512 changes (the batch is at most `BATCH_MAX`).
            batch_size: Histogram::new(exponential_buckets(1.0, 2.0, 10)),
            // 0.1 ms to about 3 s.
            commit_seconds: Histogram::new(exponential_buckets(0.0001, 2.0, 16)),
        }
    }
}

impl WriterMetrics {
    /// A change joined the writer's queue.
    pub fn queued(&self) {
        self.queue_depth.inc();
    }

    /// The writer took a change off its queue.
    pub fn taken(&self) {
        self.queue_depth.dec();
    }

    /// The writer committed `changes` changes together in `took`.
    pub fn committed(&self, changes: usize, took: Duration) {
        self.batch_size.observe(changes as f64);
        self.commit_seconds.observe(took.as_secs_f64());
    }

    pub fn register(&self, registry: &mut Registry) {
        registry.register(
            "sqlite_writer_queue_depth",
            "Changes waiting for the SQLite writer",
            self.queue_depth.clone(),
        );
        registry.register(
            "sqlite_batch_size",
            "Changes committed together in one SQLite transaction (group commit)",
            self.batch_size.clone(),
        );
        registry.register(
            "sqlite_commit_duration_seconds",
            "Time to apply and commit one batch of changes, fsync included",
            self.commit_seconds.clone(),
        );
    }
}
