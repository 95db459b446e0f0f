//! The request log, written in batches.
//!
//! dropshot logs a line (or more) per request. Its own loggers write each
//! line with a write call of its own (stderr is unbuffered; its file logger
//! writes through a `LineWriter`), which under load is a system call per
//! line on the logging thread. This log formats the same lines into a
//! buffer instead, and writes the buffer out in one call when it fills,
//! every [`FLUSH_INTERVAL`], and when the log is dropped (the server
//! stopping), so no line is lost on a clean stop and none waits longer than
//! the interval to appear.
//!
//! Formatting runs off the request path on slog-async's thread, as with
//! dropshot's loggers; the lines and their format are unchanged: the
//! terminal format on stderr for `server serve` (without colours, which
//! need the terminal itself as the writer), one JSON object per line on
//! stderr for `serve --log-format json`, bunyan JSON for a file (the
//! bench).

use std::io::{BufWriter, Write};
use std::path::Path;
use std::sync::mpsc::{RecvTimeoutError, SyncSender, sync_channel};
use std::sync::{Arc, Mutex, PoisonError};
use std::thread::JoinHandle;
use std::time::Duration;

use slog::{Drain, Level, Logger};

/// The longest a logged line waits in the buffer.
pub const FLUSH_INTERVAL: Duration = Duration::from_millis(100);

/// How much is buffered before a write (a few hundred lines).
const BUFFER_BYTES: usize = 64 * 1024;

/// Where the lines go, shared by the formatting drain and the flusher.
type Sink = Arc<Mutex<BufWriter<Box<dyn Write + Send>>>>;

/// The buffer, as the formatters see it: writes go into the buffer, and a
/// formatter's flush after each line does nothing (the flusher and
/// [`RequestLog`]'s drop write the buffer out).
#[derive(Clone)]
struct Buffered(Sink);

impl Write for Buffered {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .write(bytes)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// A logger whose lines are written in batches; dropping it writes out
/// every line logged before.
pub struct RequestLog {
    logger: Logger,
    sink: Sink,
    /// Ends slog-async's thread once it has formatted every queued line.
    formatter: Option<slog_async::AsyncGuard>,
    /// The flusher thread and what stops it.
    flusher: Option<(SyncSender<()>, JoinHandle<()>)>,
}

impl RequestLog {
    /// The terminal format on stderr, at info level (what `server serve`
    /// logs).
    pub fn stderr() -> Result<RequestLog, String> {
        let sink = sink(std::io::stderr());
        let decorator = slog_term::PlainDecorator::new(Buffered(Arc::clone(&sink)));
        // As in every format here, a line that cannot be written is
        // dropped: `fuse` would panic the formatting thread, and with it
        // every later line.
        let drain = slog_term::FullFormat::new(decorator).build().ignore_res();
        RequestLog::start(sink, drain)
    }

    /// One JSON object per line on stderr (`ts`, `level`, `msg` and every
    /// field, slog's own JSON format), at info level, each record carrying
    /// `name` (what `server serve --log-format json` logs).
    pub fn stderr_json(name: &str) -> Result<RequestLog, String> {
        let sink = sink(std::io::stderr());
        // A record that cannot be written is dropped: a log that cannot be
        // written must not stop the server.
        let drain = slog_json::Json::new(Buffered(Arc::clone(&sink)))
            .add_default_keys()
            .build()
            .ignore_res();
        let mut log = RequestLog::start(sink, drain)?;
        log.logger = log.logger.new(slog::o!("name" => name.to_string()));
        Ok(log)
    }

    /// Bunyan JSON lines appended to the file at `path`, at info level (as
    /// dropshot's file logger writes them).
    pub fn file(path: &Path, name: &'static str) -> Result<RequestLog, String> {
        let file = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(path)
            .map_err(|e| format!("cannot open the log {}: {e}", path.display()))?;
        let sink = sink(file);
        let drain = slog_bunyan::with_name(name, Buffered(Arc::clone(&sink)))
            .build()
            .ignore_res();
        RequestLog::start(sink, drain)
    }

    fn start<D>(sink: Sink, drain: D) -> Result<RequestLog, String>
    where
        D: Drain<Ok = (), Err = slog::Never> + Send + 'static,
    {
        let drain = slog::LevelFilter::new(drain, Level::Info).fuse();
        // dropshot's queue size: a burst beyond it is dropped (and the
        // number dropped reported), never waited for by a request.
        let (drain, formatter) = slog_async::Async::new(drain)
            .chan_size(1024)
            .build_with_guard();
        // After the guard has ended the formatting thread, a line logged by
        // a server still closing is dropped rather than a panic.
        let logger = Logger::root(drain.ignore_res(), slog::o!());
        let (stop, stopped) = sync_channel::<()>(1);
        let flushed = Arc::clone(&sink);
        let flusher = std::thread::Builder::new()
            .name("request-log".into())
            .spawn(move || {
                while let Err(RecvTimeoutError::Timeout) = stopped.recv_timeout(FLUSH_INTERVAL) {
                    write_out(&flushed);
                }
            })
            .map_err(|e| format!("cannot start the request log's flusher: {e}"))?;
        Ok(RequestLog {
            logger,
            sink,
            formatter: Some(formatter),
            flusher: Some((stop, flusher)),
        })
    }

    /// The logger to give dropshot.
    pub fn logger(&self) -> &Logger {
        &self.logger
    }
}

/// A buffer of [`BUFFER_BYTES`] in front of `writer`.
fn sink(writer: impl Write + Send + 'static) -> Sink {
    Arc::new(Mutex::new(BufWriter::with_capacity(
        BUFFER_BYTES,
        Box::new(writer),
    )))
}

/// Writes out what is buffered. A log that cannot be written loses lines,
/// never requests, so a failure is ignored here.
fn write_out(sink: &Sink) {
    let _ = sink.lock().unwrap_or_else(PoisonError::into_inner).flush();
}

impl Drop for RequestLog {
    /// Formats every line still queued, stops the flusher, and writes the
    /// buffer out.
    fn drop(&mut self) {
        drop(self.formatter.take());
        if let Some((stop, flusher)) = self.flusher.take() {
            let _ = stop.send(());
            let _ = flusher.join();
        }
        write_out(&self.sink);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn temp_log() -> std::path::PathBuf {
        std::env::temp_dir().join(format!("request-log-{}.log", uuid::Uuid::new_v4()))
    }

    fn lines(path: &Path) -> usize {
        std::fs::read_to_string(path).map_or(0, |text| text.lines().count())
    }

    /// Lines reach the file within a few flush intervals while the log runs,
    /// and every line is written when it stops.
    #[test]
    fn lines_are_written_on_the_timer_and_on_stop() -> Result<(), String> {
        let path = temp_log();
        let log = RequestLog::file(&path, "test")?;
        for n in 0..3 {
            slog::info!(log.logger(), "request"; "n" => n);
        }
        let mut waited = Duration::ZERO;
        while lines(&path) < 3 && waited < FLUSH_INTERVAL * 50 {
            std::thread::sleep(FLUSH_INTERVAL);
            waited += FLUSH_INTERVAL;
        }
        assert_eq!(lines(&path), 3, "not written while running");
        for n in 3..500 {
            slog::info!(log.logger(), "request"; "n" => n);
        }
        drop(log);
        assert_eq!(lines(&path), 500, "lost on stop");
        let _ = std::fs::remove_file(&path);
        Ok(())
    }
}
