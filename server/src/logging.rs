//! The server's log: dropshot's terminal format (the default), or one JSON
//! object per line for log shippers (`serve --log-format json`), through
//! slog's own JSON drain. Both carry the same fields: every key-value of a
//! record and of its logger (`api`, `method`, `uri`, `response_code`,
//! `latency_us`, `req_id`, `hdr_x_forwarded_for`, …) with the time, the
//! level and the message.

use crate::request_log::RequestLog;

/// How log records are written to standard error.
// The command line parses it only when the `cli` feature builds one (the test
// server crate builds the library without it).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "cli", derive(clap::ValueEnum))]
pub enum LogFormat {
    /// Human-readable lines (dropshot's terminal logger).
    Terminal,
    /// One JSON object per line (`ts`, `level`, `msg` and every field).
    Json,
}

/// The root logger, at level info, named `name`, written in batches
/// (`request_log.rs` says why): keep the returned log for as long as the
/// server logs, since dropping it writes out the last lines.
pub fn logger(format: LogFormat, name: &str) -> Result<RequestLog, String> {
    match format {
        LogFormat::Terminal => RequestLog::stderr(),
        LogFormat::Json => RequestLog::stderr_json(name),
    }
}
