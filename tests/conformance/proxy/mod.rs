//! `cargo xtask proxy`, `--record` and `cargo xtask verify`, for real.
//!
//! - `own_server`: the proxy in front of this project's own server (each
//!   API's seed request through its SDK, and each documented error): no
//!   violation.
//! - `wrong_upstream`: the proxy in front of an upstream that breaks each
//!   spec on purpose: each violation at its pointer and line, and every
//!   answer passed through byte for byte.
//! - `recording`: what `--record` writes (no credential reaches the file)
//!   and what `verify` makes of it.
//! - `latency`: the proxy's added latency, printed.

mod latency;
mod own_server;
mod recording;
mod wrong_upstream;

use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use xtask::exchange_check::{Checker, Verdict};
use xtask::proxy::{Proxy, Running, Upstream};
use xtask::recording::Exchange;

/// A proxy for one API started by a test, keeping every checked exchange.
pub struct Proxied {
    /// The API whose spec the proxy checks against.
    api: String,
    pub running: Running,
    checked: Arc<Mutex<Vec<(Exchange, Verdict)>>>,
    taken: usize,
}

impl Proxied {
    /// The proxy for `api` in front of `upstream`, recording to `record`.
    pub async fn start(api: &str, upstream: &str, record: Option<PathBuf>) -> Proxied {
        let root = xtask::workspace_root().unwrap_or_else(|e| panic!("{e}"));
        let checker = Checker::load(&root, api).unwrap_or_else(|e| panic!("{e}"));
        let checked = Arc::new(Mutex::new(Vec::new()));
        let sink = Arc::clone(&checked);
        let running = xtask::proxy::start(
            Proxy {
                checker,
                upstream: Upstream::parse(upstream).unwrap_or_else(|e| panic!("{e}")),
                record,
                on_exchange: Box::new(move |exchange, verdict| {
                    if let Ok(mut all) = sink.lock() {
                        all.push((exchange.clone(), verdict.clone()));
                    }
                }),
            },
            "127.0.0.1:0".parse().unwrap_or_else(|e| panic!("{e}")),
        )
        .await
        .unwrap_or_else(|e| panic!("{e}"));
        Proxied {
            api: api.to_string(),
            running,
            checked,
            taken: 0,
        }
    }

    /// `http://<the proxy>`: the client's base URL.
    pub fn url(&self) -> String {
        self.running.url()
    }

    /// The next exchange the proxy checked (the check runs just after the
    /// answer is handed back, so it is waited for).
    pub async fn next(&mut self) -> (Exchange, Verdict) {
        for _ in 0..2000 {
            let found = match self.checked.lock() {
                Ok(all) => all.get(self.taken).cloned(),
                Err(e) => panic!("{e}"),
            };
            if let Some(found) = found {
                self.taken += 1;
                return found;
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        // An API new to the tests (one `cargo xtask new-api` added) gets
        // here when no test sends it a request yet.
        panic!(
            "{}: the proxy checked no exchange within 20 s (does the test send one?)",
            self.api
        );
    }
}

/// The text of `verdict`'s violations, one per line (empty when none).
pub fn violations(verdict: &Verdict) -> String {
    verdict
        .violations()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join("\n")
}
