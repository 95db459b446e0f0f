//! CL2C's error bodies, typed by status as `spec/cl2c.yaml` documents them:
//! `400` carries ASP.NET's `ValidationProblemDetails` (as
//! `application/problem+json` or `application/json`), every other error
//! status carries CL2C's default error body.
//!
//! progenitor allows one error type per operation, so the generator view
//! hands it one untyped JSON body (rule `error-bodies-by-status`) and this
//! module picks the type by status. Both bodies consist of optional fields
//! only, so decoding by shape would accept either for either; the status is
//! what tells them apart, and the two are never confused.

use sdk_support::{ErrorBody, documented};
use serde_json::Value;

use crate::StatusCode;
use crate::types::{ErrorResponse, ValidationProblemDetails};

/// What an SDK call fails with; `send().await?` converts into it.
pub type Error = sdk_support::Error<ErrorDetails>;

/// The documented error body of a response, by its status.
#[derive(Clone, Debug, PartialEq)]
pub enum ErrorDetails {
    /// `400`: the request failed validation; `errors` maps each field to
    /// its messages.
    Validation(ValidationProblemDetails),
    /// Any other `4xx`/`5xx`: CL2C's default error body.
    Default(ErrorResponse),
}

impl ErrorDetails {
    /// The body as the JSON CL2C sends, e.g. for a mock, whose error
    /// responses take JSON (progenitor sees one untyped error body for
    /// CL2C's two): `then.client_error(400, &details.to_json())`.
    pub fn to_json(&self) -> serde_json::Value {
        let encoded = match self {
            ErrorDetails::Validation(problem) => serde_json::to_value(problem),
            ErrorDetails::Default(body) => serde_json::to_value(body),
        };
        // Both are plain data types whose serialisation cannot fail.
        encoded.unwrap_or_default()
    }

    /// Problem details for a `400` whose `errors` name `field` with
    /// `message`, as CL2C's validation answers.
    pub fn validation(title: &str, field: &str, message: &str) -> Self {
        ErrorDetails::Validation(ValidationProblemDetails {
            detail: None,
            errors: [(field.to_string(), vec![message.to_string()])].into(),
            instance: None,
            status: Some(400),
            title: Some(title.to_string()),
            type_: None,
            extra: serde_json::Map::new(),
        })
    }
}

/// The members problem details declare; any others land in its `extra` map,
/// so they do not make a body problem details.
const PROBLEM_DETAILS_MEMBERS: [&str; 6] =
    ["type", "title", "status", "detail", "instance", "errors"];

impl ErrorBody for ErrorDetails {
    fn decode(status: StatusCode, body: &Value) -> Option<Self> {
        if status == StatusCode::BAD_REQUEST {
            let object = body.as_object()?;
            if !PROBLEM_DETAILS_MEMBERS
                .iter()
                .any(|m| object.contains_key(*m))
            {
                return None;
            }
            documented(body).map(ErrorDetails::Validation)
        } else {
            documented(body).map(ErrorDetails::Default)
        }
    }

    fn summary(&self) -> String {
        match self {
            ErrorDetails::Validation(problem) => {
                let mut text = problem
                    .title
                    .clone()
                    .unwrap_or_else(|| "validation failed".to_string());
                let mut fields: Vec<_> = problem.errors.iter().collect();
                fields.sort();
                for (field, messages) in fields {
                    text.push_str(&format!("; {field}: {}", messages.join(", ")));
                }
                text
            }
            ErrorDetails::Default(body) => {
                let mut text = if body.messages.is_empty() {
                    "no message".to_string()
                } else {
                    body.messages.join("; ")
                };
                if let Some(id) = &body.error_id {
                    text.push_str(&format!(" (error id {id})"));
                }
                text
            }
        }
    }
}
