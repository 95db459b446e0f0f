//! What the five SDKs' hand-written layers share, so that each behaves and
//! reads the same:
//!
//! - [`Error`]: the one error shape, keeping status, headers and the body
//!   (decoded when documented, raw otherwise), with [`ErrorBody`] the
//!   per-API part;
//! - [`ClientBuilder`]: timeouts, `User-Agent`, root certificates and a
//!   checked base URL;
//! - [`exchange::execute`]: every request's `tracing` span and event, and
//!   keeping undocumented error responses whole ([`undocumented`]);
//! - [`some`]: plain values for optional request fields;
//! - [`sdk_client!`]: the glue each SDK crate invokes once;
//! - credentials: [`AuthorizationCredentials`] (`Authorization: <scheme>
//!   <secret>`, for every SDK whose spec puts its secret there),
//!   [`secret_header`], [`env_var`] and their errors.

pub mod authorization;
pub mod builder;
pub mod credentials;
pub mod error;
pub mod exchange;
pub mod glue;
pub mod plain;
pub mod undocumented;

pub use authorization::AuthorizationCredentials;
pub use builder::{
    BuildError, ClientBuilder, DEFAULT_CONNECT_TIMEOUT, DEFAULT_READ_TIMEOUT, DEFAULT_TIMEOUT, Sdk,
};
pub use credentials::{
    EnvCredentialsError, InvalidCredentials, REDACTED, env_var, from_variable, secret_header,
};
pub use error::{Error, ErrorBody, documented};
pub use glue::Authenticate;
pub use plain::{Plain, some};
