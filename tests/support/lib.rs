//! Test support: a local HTTP listener that records what an SDK sends.

pub mod recording_server;
