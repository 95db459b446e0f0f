//! Exante's error body: `{status, status_code, message, errors}`, the same
//! for every error status; `errors` maps a field to its messages.

use sdk_support::{ErrorBody, documented};
use serde_json::Value;

use crate::StatusCode;
use crate::types::ErrorResponse;

/// What an SDK call fails with; `send().await?` converts into it.
pub type Error = sdk_support::Error<ErrorResponse>;

impl ErrorBody for ErrorResponse {
    fn decode(_status: StatusCode, body: &Value) -> Option<Self> {
        documented(body)
    }

    fn summary(&self) -> String {
        let mut text = format!("{} ({}): {}", self.status, self.status_code, self.message);
        let mut fields: Vec<_> = self.errors.iter().collect();
        fields.sort();
        for (field, messages) in fields {
            text.push_str(&format!("; {field}: {}", messages.join(", ")));
        }
        text
    }
}
