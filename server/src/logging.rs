//! The server's log: dropshot's terminal format (the default), or one JSON
//! object per line for log shippers (`serve --log-format json`), through
//! slog's own JSON drain. Both carry the same fields: every key-value of a
//! record and of its logger (`api`, `method`, `uri`, `response_code`,
//! `latency_us`, `req_id`, `hdr_x_forwarded_for`, …) with the time, the
//! level and the message.

use slog::Drain;

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

/// The root logger, at level info, named `name`.
pub fn logger(format: LogFormat, name: &str) -> Result<slog::Logger, String> {
    match format {
        LogFormat::Terminal => dropshot::ConfigLogging::StderrTerminal {
            level: dropshot::ConfigLoggingLevel::Info,
        }
        .to_logger(name)
        .map_err(|e| format!("cannot set up logging: {e}")),
        LogFormat::Json => {
            let json = slog_json::Json::new(std::io::stderr())
                .add_default_keys()
                .build();
            // The mutex makes one record one uninterrupted line; a record
            // that cannot be written is dropped, as a log that cannot be
            // written must not stop the server.
            let drain = std::sync::Mutex::new(json)
                .filter_level(slog::Level::Info)
                .ignore_res();
            Ok(slog::Logger::root(
                drain,
                slog::o!("name" => name.to_string()),
            ))
        }
    }
}
