//! The SDK-built request values both SDK suites send: each API's spec
//! request example ("the seed"), built through the SDK's builders, and the
//! small helpers that build it. `sdk_wire` sends them to a recording
//! listener, `sdk_server` to the real server; one copy here keeps the two
//! suites sending the same request.
//!
//! Where the suites need a different value (an id the server must know),
//! the builder takes it as a parameter and says why.

pub mod cl2c;
pub mod ctechnology;
pub mod ctrlhub;
pub mod exante;
pub mod zitadel;

/// `builder` built into `T`; a builder the SDK refuses is a test bug.
pub fn built<T, B>(builder: B) -> T
where
    B: TryInto<T>,
    B::Error: std::fmt::Display,
{
    builder.try_into().unwrap_or_else(|e| panic!("{e}"))
}
