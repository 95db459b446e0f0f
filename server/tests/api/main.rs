//! The server's behaviour per API, over HTTP against the real server
//! (in-process, ephemeral port, SQLite in a temporary directory), and
//! several server processes on one PostgreSQL database (`multinode`).

mod admin;
mod cl2c;
mod cli;
mod connections;
mod contention;
mod ctechnology;
mod ctrlhub;
mod descriptors;
mod exante;
mod harness;
mod multinode;
mod node;
mod postgres_outage;
mod robustness;
mod seed_requests;
mod stop;
mod zitadel;
