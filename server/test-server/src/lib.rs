//! The profile APIs server inside your tests.
//!
//! [`TestServer`] starts one API, or all five, in-process on ephemeral
//! loopback ports, on a throwaway SQLite database with two users, alice
//! (the caller) and bob (another user, for cross-user attempts), each with
//! an organisation, a team, a CL2C tenant and a token for every API. It is
//! the one way this repository's tests start a server, and the way an SDK
//! user's tests start one:
//!
//! ```toml
//! [dev-dependencies]
//! profile-test-server = { git = "https://github.com/profile-apis/profile-apis", tag = "zitadel-sdk-v3.0.0" }
//! tokio = { version = "1", features = ["macros", "rt-multi-thread"] }
//! ```
//!
//! Only SQLite is built unless the feature `postgres` asks for the
//! throwaway PostgreSQL cluster (the module `postgres`), which the server's own
//! multi-node tests use.

#[cfg(feature = "postgres")]
pub mod postgres;
mod test_server;

pub use server::front::Limits;
pub use server::identity::NewUser;
pub use server::storage::{Api, Store};
pub use test_server::{NotStarted, TestServer, TestServerBuilder, block_on};
