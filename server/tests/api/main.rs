//! The server's behaviour per API, over HTTP against the real server
//! (in-process, ephemeral port, SQLite in a temporary directory).

mod ctechnology;
mod harness;
mod zitadel;
