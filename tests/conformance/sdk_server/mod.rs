//! Each generated SDK against the running server.
//!
//! Every test starts one API of the real server (SQLite in a temporary
//! directory, an ephemeral port) with two users, and sends through the SDK
//! via a recording reverse proxy (`harness`). Every response the SDK
//! received is checked against the hand-written spec (schema for that
//! status and media type, objects closed, `Content-Type` listed), because a
//! typed SDK value hides unknown and missing fields.
//!
//! Per API: the seed's example request and what was stored; one passing and
//! one failing case per documented rule, named after the rule, with the
//! typed SDK error and nothing stored; and each authentication failure.
//! Where the SDK checks a rule itself and refuses to send, the test says so
//! and sends the raw request through the proxy to show that the server
//! refuses it too.

mod cl2c;
mod ctechnology;
mod ctrlhub;
mod exante;
mod harness;
pub mod test_server;
mod zitadel;
