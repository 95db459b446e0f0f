//! The project's own tooling, behind `cargo xtask`.
//!
//! - `generate`: specs → progenitor → `sdk/<api>/src/generated_sdk.rs`.
//! - `check`: the drift gate. Each spec is valid OpenAPI 3.0.3, its examples
//!   match its schemas, and its checked-in generated code is what the spec
//!   generates today.
//!
//! It is a library as well as a binary so that `cargo test` runs the very same
//! gate (see `tests/`), and CI fails on drift even if nobody runs the xtask.

pub mod codegen;
pub mod compat;
pub mod conformance;
pub mod examples;
pub mod gate;
pub mod generator_view;
pub mod mocks;
pub mod prose;
pub mod release;
pub mod spec;
pub mod validate;

use std::path::PathBuf;

/// The workspace root: the parent of this crate's directory.
pub fn workspace_root() -> PathBuf {
    let manifest = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    manifest.parent().map(PathBuf::from).unwrap_or(manifest)
}
