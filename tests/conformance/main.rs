//! The conformance suite, built as one test binary.
//!
//! - `crate_semver`: each SDK crate's public Rust API listed, its version
//!   held to it and to its spec, the dependency lines in the docs.
//! - `gate`: `cargo xtask check` run as a test, so that `cargo test` fails on
//!   drift even when nobody ran the xtask, plus the gate's own behaviour on
//!   specs and generated files mutated in memory.
//! - `server_drift`: the gate's server column on specs and derived documents
//!   mutated in memory: each drift names its API, pointer and both values.
//! - `sdk_wire`: each SDK against a local recording listener: auth headers,
//!   media types, method, path, body, and error decoding by status.
//! - `sdk_server`: each SDK against the running server, every response checked against the spec.
//! - `seed_requests`: the SDK-built request examples both SDK suites send.
//! - `reference_page`: each API's rendered reference page (`/docs`).
//! - `proxy`: `cargo xtask proxy` and `verify` against the server and a
//!   deliberately wrong upstream.
//! - `reference_page_browser`: the served page as a headless Chromium shows it.

mod crate_semver;
mod gate;
mod proxy;
mod reference_page;
mod reference_page_browser;
pub mod sdk_server;
mod sdk_wire;
mod seed_requests;
mod semver_cases;
mod server_drift;
