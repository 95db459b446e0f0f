//! c.technology's error body: the `{header}` envelope, whose `status` and
//! `message` say what went wrong, the same for every error status.

use sdk_support::{ErrorBody, documented};
use serde_json::Value;

use crate::StatusCode;
use crate::types::ErrorResponse;

/// What an SDK call fails with; `send().await?` converts into it.
pub type Error = sdk_support::Error<ErrorResponse>;

impl ErrorBody for ErrorResponse {
    fn decode(_status: StatusCode, body: &Value) -> Option<Self> {
        // `header` is the envelope's only member and required, so an object
        // without it is not this body.
        body.get("header")?;
        documented(body)
    }

    fn summary(&self) -> String {
        let header = &self.header;
        match (&header.status, &header.message) {
            (Some(status), Some(message)) => format!("{status}: {message}"),
            (Some(status), None) => status.clone(),
            (None, Some(message)) => message.clone(),
            (None, None) => "no status or message in the error header".to_string(),
        }
    }
}
