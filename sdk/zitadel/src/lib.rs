//! Rust SDK for `spec/zitadel.yaml`.
//!
//! Scaffolded by `cargo xtask generate`. The generated client is in
//! `generated_sdk.rs`; write this API's authentication in `auth.rs`.

pub mod auth;
#[rustfmt::skip]
#[allow(clippy::all, clippy::pedantic, unused, missing_docs)]
mod generated_sdk;

pub use generated_sdk::{Client, ClientInfo, Error, ResponseValue, builder, types};
