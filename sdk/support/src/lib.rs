//! What the five SDKs' hand-written layers share, so that each behaves and
//! reads the same:
//!
//! - [`Error`]: the one error shape, keeping status, headers and the body
//!   (decoded when documented, raw otherwise), with [`ErrorBody`] the
//!   per-API part;
//! - [`ClientBuilder`]: timeouts, `User-Agent`, root certificates and a
//!   checked base URL;
//! - [`exchange::execute`]: every request's `tracing` span and event, and
//!   handing every response that becomes an error, and every failure, to
//!   [`Error`] whole ([`sealed`]);
//! - [`Operation`] and [`ApiInfo`]: the generated table of an API's
//!   operations, which every error names; [`ClientContext`]: what a client
//!   carries, so that a timeout error says which timeout fired;
//! - [`some`] and [`optional`]: plain values for optional request fields;
//! - [`sdk_client!`]: the glue each SDK crate invokes once;
//! - credentials: [`AuthorizationCredentials`] (`Authorization: <scheme>
//!   <secret>`, for every SDK whose spec puts its secret there),
//!   [`secret_header`], [`env_var`] and their errors.

pub mod authorization;
pub mod builder;
pub mod context;
pub mod credentials;
pub mod error;
pub mod exchange;
pub mod glue;
pub mod operation;
pub mod plain;
pub mod sealed;

pub use authorization::AuthorizationCredentials;
pub use builder::{
    BuildError, ClientBuilder, DEFAULT_CONNECT_TIMEOUT, DEFAULT_READ_TIMEOUT, DEFAULT_TIMEOUT, Sdk,
};
pub use context::{ClientContext, Timeout, Timeouts};
pub use credentials::{
    EnvCredentialsError, InvalidCredentials, REDACTED, env_var, from_variable, secret_header,
};
pub use error::{Error, ErrorBody, documented};
pub use glue::Authenticate;
pub use operation::{ApiInfo, Operation};
pub use plain::{OptionalPlain, Plain, optional, some};
