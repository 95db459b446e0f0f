//! Each SDK against a local recording listener: what goes on the wire, and
//! how each documented response comes back. The real server arrives with
//! the server issue; these tests pin the SDK side of the contract.

mod cl2c;
mod client_config;
mod ctechnology;
mod ctrlhub;
mod errors;
mod exante;
mod tls;
mod zitadel;
