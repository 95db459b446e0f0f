//! ZITADEL's error body: a gRPC status (`code`, `message`, `details`), the
//! same for every error status. [`Code`] names the codes, so code matches
//! `Some(Code::FailedPrecondition)` rather than `Some(9)`.

use sdk_support::{ErrorBody, documented};
use serde_json::Value;

use crate::StatusCode;
use crate::types::RpcStatus;

/// What an SDK call fails with; `send().await?` converts into it.
pub type Error = sdk_support::Error<RpcStatus>;

/// The gRPC status codes ZITADEL answers with (google.rpc.Code).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Code {
    Cancelled,
    Unknown,
    /// A field failed validation (HTTP 400).
    InvalidArgument,
    DeadlineExceeded,
    NotFound,
    AlreadyExists,
    PermissionDenied,
    ResourceExhausted,
    /// The request is valid but cannot be applied now, e.g. nothing
    /// changed (`Errors.User.Profile.NotChanged`, HTTP 400).
    FailedPrecondition,
    Aborted,
    OutOfRange,
    Unimplemented,
    Internal,
    Unavailable,
    DataLoss,
    /// The access token is missing, expired or invalid (HTTP 401).
    Unauthenticated,
}

const CODES: [(i32, Code, &str); 16] = [
    (1, Code::Cancelled, "CANCELLED"),
    (2, Code::Unknown, "UNKNOWN"),
    (3, Code::InvalidArgument, "INVALID_ARGUMENT"),
    (4, Code::DeadlineExceeded, "DEADLINE_EXCEEDED"),
    (5, Code::NotFound, "NOT_FOUND"),
    (6, Code::AlreadyExists, "ALREADY_EXISTS"),
    (7, Code::PermissionDenied, "PERMISSION_DENIED"),
    (8, Code::ResourceExhausted, "RESOURCE_EXHAUSTED"),
    (9, Code::FailedPrecondition, "FAILED_PRECONDITION"),
    (10, Code::Aborted, "ABORTED"),
    (11, Code::OutOfRange, "OUT_OF_RANGE"),
    (12, Code::Unimplemented, "UNIMPLEMENTED"),
    (13, Code::Internal, "INTERNAL"),
    (14, Code::Unavailable, "UNAVAILABLE"),
    (15, Code::DataLoss, "DATA_LOSS"),
    (16, Code::Unauthenticated, "UNAUTHENTICATED"),
];

impl Code {
    /// The code for a number ZITADEL sends; `None` for 0 (`OK`, never an
    /// error) and numbers gRPC does not define.
    pub fn from_number(number: i32) -> Option<Code> {
        CODES
            .iter()
            .find(|(n, ..)| *n == number)
            .map(|(_, code, _)| *code)
    }

    /// The number on the wire.
    pub fn number(self) -> i32 {
        CODES
            .iter()
            .find(|(_, c, _)| *c == self)
            .map_or(2, |(n, ..)| *n)
    }

    /// The gRPC name, e.g. `FAILED_PRECONDITION`.
    pub fn name(self) -> &'static str {
        CODES
            .iter()
            .find(|(_, c, _)| *c == self)
            .map_or("UNKNOWN", |(.., name)| name)
    }
}

impl std::fmt::Display for Code {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} ({})", self.name(), self.number())
    }
}

impl RpcStatus {
    /// The `code` field as a [`Code`], when it is one (the field itself
    /// stays the number sent).
    pub fn code(&self) -> Option<Code> {
        self.code.and_then(Code::from_number)
    }
}

/// A gRPC status body with `code` and nothing else, e.g. for a mock:
/// `then.client_error(400, &Code::FailedPrecondition.into())`.
impl From<Code> for RpcStatus {
    fn from(code: Code) -> Self {
        RpcStatus {
            code: Some(code.number()),
            details: Vec::new(),
            message: None,
        }
    }
}

impl RpcStatus {
    /// A gRPC status body with `code` and `message`, e.g. for a mock:
    /// `RpcStatus::with_message(Code::FailedPrecondition, "Profile not changed")`.
    pub fn with_message(code: Code, message: &str) -> Self {
        RpcStatus {
            message: Some(message.to_string()),
            ..RpcStatus::from(code)
        }
    }
}

impl ErrorBody for RpcStatus {
    fn decode(_status: StatusCode, body: &Value) -> Option<Self> {
        documented(body)
    }

    fn summary(&self) -> String {
        let code = match (RpcStatus::code(self), self.code) {
            (Some(code), _) => code.to_string(),
            (None, Some(number)) => format!("code {number}"),
            (None, None) => "no code".to_string(),
        };
        match &self.message {
            Some(message) => format!("{code}: {message}"),
            None => code,
        }
    }
}
