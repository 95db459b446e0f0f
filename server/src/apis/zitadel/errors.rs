//! ZITADEL's error body: the gRPC status `{code, message, details}` its
//! gateway sends, with the HTTP status the gateway maps the code to.

use dropshot::{ErrorStatusCode, HttpError, HttpResponseError};
use schemars::JsonSchema;
use serde::Serialize;
use serde_json::{Map, Value};

/// gRPC status codes used here (google.rpc.Code).
pub mod code {
    pub const INVALID_ARGUMENT: i32 = 3;
    pub const DEADLINE_EXCEEDED: i32 = 4;
    pub const NOT_FOUND: i32 = 5;
    pub const PERMISSION_DENIED: i32 = 7;
    pub const RESOURCE_EXHAUSTED: i32 = 8;
    pub const FAILED_PRECONDITION: i32 = 9;
    pub const ABORTED: i32 = 10;
    pub const UNIMPLEMENTED: i32 = 12;
    pub const INTERNAL: i32 = 13;
    pub const UNAVAILABLE: i32 = 14;
    pub const UNAUTHENTICATED: i32 = 16;
}

/// A protobuf `Any` in JSON form. Its fields are optional in the spec (as in
/// the vendor's rpcStatus), so they are "may be absent, never null" here
/// even though the server always fills `@type`.
#[derive(Clone, Debug, Serialize, JsonSchema)]
pub struct ProtobufAny {
    #[serde(rename = "@type", default, skip_serializing_if = "Option::is_none")]
    #[schemars(with = "String")]
    pub type_url: Option<String>,
    #[serde(flatten)]
    pub fields: Map<String, Value>,
}

/// The gRPC status body; every field optional in the spec, as above.
#[derive(Clone, Debug, Serialize, JsonSchema)]
#[schemars(rename = "RpcStatus")]
pub struct RpcStatus {
    /// The HTTP status this error is sent with; not part of the body.
    #[serde(skip)]
    #[schemars(skip)]
    pub http_status: u16,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(with = "i32")]
    pub code: Option<i32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(with = "String")]
    pub message: Option<String>,
    /// Left out when empty ("may be absent"; a `default: []` would be
    /// documented otherwise).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub details: Vec<ProtobufAny>,
}

impl RpcStatus {
    pub fn new(http_status: u16, code: i32, message: impl Into<String>) -> Self {
        RpcStatus {
            http_status,
            code: Some(code),
            message: Some(message.into()),
            details: Vec::new(),
        }
    }

    /// 400 INVALID_ARGUMENT naming the offending field, in the wording of the
    /// vendor's generated validators.
    pub fn invalid_argument(message: impl Into<String>) -> Self {
        Self::new(400, code::INVALID_ARGUMENT, message)
    }

    pub fn unauthenticated() -> Self {
        Self::new(
            401,
            code::UNAUTHENTICATED,
            "Errors.Token.Invalid: missing or invalid access token",
        )
    }

    /// 503 UNAVAILABLE, the code gRPC gives a transient condition: the
    /// store takes no more changes for now (its queue is full); nothing was
    /// saved, and the same request may be sent again.
    pub fn unavailable() -> Self {
        Self::new(
            503,
            code::UNAVAILABLE,
            "Errors.Internal.Unavailable: the service is busy; nothing was saved, retry shortly",
        )
    }

    pub fn internal(why: impl std::fmt::Display) -> Self {
        Self::new(500, code::INTERNAL, format!("Errors.Internal: {why}"))
    }

    /// An error detail carrying the vendor's message id.
    pub fn with_error_id(mut self, id: &str, message: &str) -> Self {
        let mut fields = Map::new();
        fields.insert("id".into(), Value::String(id.into()));
        fields.insert("message".into(), Value::String(message.into()));
        self.details.push(ProtobufAny {
            type_url: Some("type.googleapis.com/zitadel.v1.ErrorDetail".into()),
            fields,
        });
        self
    }
}

impl std::fmt::Display for RpcStatus {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} (code {}): {}",
            self.http_status,
            self.code.unwrap_or_default(),
            self.message.as_deref().unwrap_or_default()
        )
    }
}

impl HttpResponseError for RpcStatus {
    fn status_code(&self) -> ErrorStatusCode {
        http::StatusCode::from_u16(self.http_status)
            .ok()
            .and_then(|s| ErrorStatusCode::from_status(s).ok())
            .unwrap_or(ErrorStatusCode::INTERNAL_SERVER_ERROR)
    }
}

/// dropshot's own errors (malformed JSON, wrong media type, a body over the
/// limit, an unknown method) in ZITADEL's shape, with the gRPC code its
/// gateway would use for that HTTP status. Its gateway answers a wrong
/// media type and an oversized body as any unreadable request: HTTP 400,
/// INVALID_ARGUMENT.
impl From<HttpError> for RpcStatus {
    fn from(error: HttpError) -> Self {
        let status = match error.status_code.as_status() {
            http::StatusCode::PAYLOAD_TOO_LARGE | http::StatusCode::UNSUPPORTED_MEDIA_TYPE => {
                http::StatusCode::BAD_REQUEST
            }
            other => other,
        };
        let grpc = match status.as_u16() {
            400 | 413 | 415 => code::INVALID_ARGUMENT,
            401 => code::UNAUTHENTICATED,
            403 => code::PERMISSION_DENIED,
            404 => code::NOT_FOUND,
            405 => code::UNIMPLEMENTED,
            409 => code::ABORTED,
            429 => code::RESOURCE_EXHAUSTED,
            503 => code::UNAVAILABLE,
            _ => code::INTERNAL,
        };
        RpcStatus::new(status.as_u16(), grpc, error.external_message)
    }
}

/// An error the front answers itself, as a gRPC status: UNAVAILABLE for a
/// 503 (the server is stopping), DEADLINE_EXCEEDED for a 408 (the body did
/// not arrive in time).
pub fn error_body(status: http::StatusCode, message: &str) -> (&'static str, Vec<u8>) {
    let grpc = match status.as_u16() {
        408 => code::DEADLINE_EXCEEDED,
        // What ZITADEL's gateway answers for a method the path does not
        // serve, whichever method it is.
        405 => code::UNIMPLEMENTED,
        503 => code::UNAVAILABLE,
        400 => code::INVALID_ARGUMENT,
        _ => code::INTERNAL,
    };
    let body = serde_json::to_vec(&RpcStatus::new(status.as_u16(), grpc, message));
    ("application/json", body.unwrap_or_default())
}
