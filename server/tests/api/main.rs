//! The server's behaviour per API, over HTTP against the real server
//! (in-process, ephemeral port, SQLite in a temporary directory), and
//! several server processes on one PostgreSQL database (`multinode`).

mod cl2c;
mod cli;
mod cli_help;
mod connections;
mod contention;
mod ctechnology;
mod ctrlhub;
mod derived_openapi;
mod exante;
mod harness;
mod multinode;
mod postgres_outage;
mod robustness;
mod seed_requests;
mod zitadel;
