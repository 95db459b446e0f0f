//! Ctrl-Hub's error body: a JSON:API error document, whose `errors` each
//! carry a `title`, a `detail`, a `code` and the JSON pointer of the member
//! at fault.

use sdk_support::{ErrorBody, documented};
use serde_json::Value;

use crate::StatusCode;
use crate::types::ErrorDocument;

/// What an SDK call fails with; `send().await?` converts into it.
pub type Error = sdk_support::Error<ErrorDocument>;

impl ErrorBody for ErrorDocument {
    fn decode(_status: StatusCode, body: &Value) -> Option<Self> {
        // A JSON:API error document is one with `errors`.
        body.get("errors")?;
        documented(body)
    }

    fn summary(&self) -> String {
        let errors: Vec<String> = self
            .errors
            .iter()
            .map(|error| {
                let mut text = [&error.title, &error.detail]
                    .into_iter()
                    .flatten()
                    .cloned()
                    .collect::<Vec<_>>()
                    .join(": ");
                if let Some(pointer) = error.source.as_ref().and_then(|s| s.pointer.as_ref()) {
                    text.push_str(&format!(" (at {pointer})"));
                }
                if let Some(code) = &error.code {
                    text.push_str(&format!(" [{code}]"));
                }
                text
            })
            .collect();
        if errors.is_empty() {
            "an error document without errors".to_string()
        } else {
            errors.join("; ")
        }
    }
}
