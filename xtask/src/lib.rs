//! The project's own tooling, behind `cargo xtask`.
//!
//! - `generate`: specs → progenitor → `sdk/<api>/src/generated_sdk.rs`.
//! - `check`: the drift gate. Each spec is valid OpenAPI 3.0.3, its examples
//!   match its schemas, and its checked-in generated code is what the spec
//!   generates today.
//!
//! It is a library as well as a binary so that `cargo test` runs the very same
//! gate (see `tests/`), and CI fails on drift even if nobody runs the xtask.

pub mod changelog;
pub mod codegen;
pub mod compat;
pub mod conformance;
pub mod crate_semver;
pub mod docs;
pub mod examples;
pub mod exchange_check;
pub mod gate;
pub mod generator_view;
pub mod mocks;
pub mod new_api;
pub mod operation_table;
pub mod pattern;
pub mod prose;
pub mod proxy;
pub mod proxy_bench;
pub mod public_api;
pub mod recording;
pub mod release;
pub mod release_lock;
pub mod report;
pub mod required_fields;
pub mod rules;
pub mod schema_types;
pub mod server_binary;
pub mod spec;
pub mod validate;
pub mod verify;
pub mod workspace;
pub mod yaml_position;

use std::path::PathBuf;

/// The workspace root: found from the current directory, and refused unless
/// it is the tree this binary was built from (see [`workspace`]).
pub fn workspace_root() -> Result<PathBuf, String> {
    workspace::root()
}
