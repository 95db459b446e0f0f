//! CL2C's error responses, typed by status as `spec/cl2c.yaml` documents
//! them: `400` carries ASP.NET's `ValidationProblemDetails` (as
//! `application/problem+json` or `application/json`), every other error
//! status carries CL2C's default error body.
//!
//! progenitor allows one error type per operation, so the generator view
//! hands it one untyped JSON body (rule `error-bodies-by-status`) and this
//! module picks the type by status. Both bodies consist of optional fields
//! only, so decoding by shape would accept either for either; the status is
//! what tells them apart, and the two are never confused.

use reqwest::StatusCode;
use serde_json::Value;

use crate::types::{ErrorResponse, ValidationProblemDetails};

/// What `update_profile().send()` can fail with, once converted with
/// `Error::from` (or `?` in a function returning this type).
#[derive(Debug)]
pub enum Error {
    /// `400`: the request failed validation; `body.errors` maps each field
    /// to its messages.
    Validation {
        status: StatusCode,
        body: ValidationProblemDetails,
    },
    /// Any other `4xx`/`5xx`: CL2C's default error body.
    Api {
        status: StatusCode,
        body: ErrorResponse,
    },
    /// An error status whose JSON body is not the one documented for it
    /// (e.g. an intermediary's error); kept whole.
    UndocumentedBody { status: StatusCode, body: Value },
    /// No documented response: the request could not be built or sent, or a
    /// body could not be read or decoded.
    Client(progenitor_client::Error<Value>),
}

impl Error {
    /// The HTTP status, when a response arrived.
    pub fn status(&self) -> Option<StatusCode> {
        match self {
            Error::Validation { status, .. }
            | Error::Api { status, .. }
            | Error::UndocumentedBody { status, .. } => Some(*status),
            Error::Client(e) => e.status(),
        }
    }
}

impl From<progenitor_client::Error<Value>> for Error {
    fn from(error: progenitor_client::Error<Value>) -> Self {
        let progenitor_client::Error::ErrorResponse(response) = error else {
            return Error::Client(error);
        };
        let status = response.status();
        let body = response.into_inner();
        let typed = if status == StatusCode::BAD_REQUEST {
            serde_json::from_value(body.clone()).map(|body| Error::Validation { status, body })
        } else {
            serde_json::from_value(body.clone()).map(|body| Error::Api { status, body })
        };
        typed.unwrap_or(Error::UndocumentedBody { status, body })
    }
}

impl std::fmt::Display for Error {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Error::Validation { status, body } => {
                write!(
                    f,
                    "{status}: {}",
                    body.title.as_deref().unwrap_or("validation failed")
                )?;
                for (field, messages) in &body.errors {
                    write!(f, "; {field}: {}", messages.join(", "))?;
                }
                Ok(())
            }
            Error::Api { status, body } => {
                write!(f, "{status}: {}", body.messages.join("; "))?;
                if let Some(id) = &body.error_id {
                    write!(f, " (error id {id})")?;
                }
                Ok(())
            }
            Error::UndocumentedBody { status, body } => write!(f, "{status}: {body}"),
            Error::Client(e) => write!(f, "{e}"),
        }
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Error::Client(e) => Some(e),
            _ => None,
        }
    }
}
