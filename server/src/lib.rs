//! The profile APIs server: one dropshot server per API, one SQLite store.

pub mod apis;
pub mod auth;
pub mod front;
pub mod admin;
pub mod descriptors;
pub mod identity;
pub mod logging;
pub mod metrics;
pub mod reference;
pub mod serve;
pub mod storage;
pub mod testing;
