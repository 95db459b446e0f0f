//! Test support: a local HTTP listener that records what an SDK sends.

pub mod recording_server;

/// The README, so that `cargo test` compiles and runs its Rust examples
/// ("Using an SDK") as doctests. Only those blocks matter here; the rest is
/// prose, which rustdoc need not check as documentation.
#[doc = include_str!("../../README.md")]
#[allow(rustdoc::all)]
pub mod readme {}

/// docs/sdk.md, the SDK guide, so that its Rust examples run as doctests
/// too.
#[doc = include_str!("../../docs/sdk.md")]
#[allow(rustdoc::all)]
pub mod sdk_guide {}
