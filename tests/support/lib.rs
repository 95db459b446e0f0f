//! Test support: a local HTTP listener that records what an SDK sends.

pub mod recording_server;

/// The README, so that `cargo test` compiles and runs any Rust example in it
/// as a doctest. Only those blocks matter here; the rest is prose, which
/// rustdoc need not check as documentation.
#[doc = include_str!("../../README.md")]
#[allow(rustdoc::all)]
pub mod readme {}

/// `docs/sdk.md`, whose Rust examples ("Using an SDK") are compiled and run
/// as doctests, so that the page cannot drift from the crates.
#[doc = include_str!("../../docs/sdk.md")]
#[allow(rustdoc::all)]
pub mod sdk_page {}

/// `docs/server.md`, for any Rust example it holds.
#[doc = include_str!("../../docs/server.md")]
#[allow(rustdoc::all)]
pub mod server_page {}

/// `docs/checking-a-spec-against-the-vendor.md`, so that `cargo test`
/// compiles its Rust examples and runs the in-process proxy one.
#[doc = include_str!("../../docs/checking-a-spec-against-the-vendor.md")]
#[allow(rustdoc::all)]
pub mod checking_a_spec_against_the_vendor {}
