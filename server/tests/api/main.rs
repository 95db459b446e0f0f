//! The server's behaviour per API, over HTTP against the real server
//! (in-process, ephemeral port, SQLite in a temporary directory).

mod cl2c;
mod cli;
mod connections;
mod ctechnology;
mod ctrlhub;
mod exante;
mod harness;
mod robustness;
mod seed_requests;
mod zitadel;
