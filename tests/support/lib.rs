//! Test support: a local HTTP listener that records what an SDK sends.

pub mod recording_server;

/// The README, so that `cargo test` compiles and runs its Rust examples
/// ("Using an SDK") as doctests. Only those blocks matter here; the rest is
/// prose, which rustdoc need not check as documentation.
#[doc = include_str!("../../README.md")]
#[allow(rustdoc::all)]
pub mod readme {}

/// `docs/checking-a-spec-against-the-vendor.md`, so that `cargo test`
/// compiles its Rust examples and runs the in-process proxy one.
#[doc = include_str!("../../docs/checking-a-spec-against-the-vendor.md")]
#[allow(rustdoc::all)]
pub mod checking_a_spec_against_the_vendor {}
