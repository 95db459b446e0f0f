//! The profile APIs server: one dropshot server per API, one SQLite store.

pub mod admin;
pub mod apis;
pub mod auth;
pub mod front;
pub mod identity;
pub mod logging;
pub mod metrics;
pub mod open_files;
pub mod registry;
pub mod request_log;
pub mod serve;
pub mod storage;
