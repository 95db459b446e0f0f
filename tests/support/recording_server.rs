//! A minimal HTTP/1.1 listener that records every request and answers each
//! with one canned response.
//!
//! The SDK wire tests need to see exactly what goes on the wire (header
//! names and values, method, path, raw body bytes), which a framework server
//! would normalise away, and they run before any real server exists. One
//! request per connection (`Connection: close`) keeps the parser trivial.

use std::sync::{Arc, Mutex};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// One request as it arrived.
#[derive(Clone, Debug)]
pub struct Recorded {
    pub method: String,
    /// The request target, e.g. `/v1/cl2c/user`.
    pub path: String,
    /// Headers in arrival order, names lower-cased.
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Recorded {
    /// Every value of header `name` (case-insensitive).
    pub fn header_values(&self, name: &str) -> Vec<&str> {
        let name = name.to_ascii_lowercase();
        self.headers
            .iter()
            .filter(|(n, _)| *n == name)
            .map(|(_, v)| v.as_str())
            .collect()
    }

    /// The single value of header `name`; panics (failing the test) if it
    /// is missing or repeated.
    pub fn header(&self, name: &str) -> &str {
        match self.header_values(name).as_slice() {
            [one] => one,
            other => panic!(
                "expected one {name} header, found {other:?} in {:?}",
                self.headers
            ),
        }
    }

    /// The body parsed as JSON.
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body).unwrap_or_else(|e| {
            panic!(
                "request body is not JSON ({e}): {}",
                String::from_utf8_lossy(&self.body)
            )
        })
    }
}

/// The response every request gets.
#[derive(Clone, Debug)]
pub struct Reply {
    pub status: u16,
    pub content_type: String,
    pub body: String,
    /// More response headers, as sent.
    pub headers: Vec<(String, String)>,
    /// How long to wait before answering (for timeouts).
    pub delay: std::time::Duration,
    /// How long to pause after the head and the first byte of the body
    /// (for a timeout while the body arrives).
    pub body_stall: std::time::Duration,
}

impl Reply {
    pub fn json(status: u16, content_type: &str, body: serde_json::Value) -> Self {
        Reply::text(status, content_type, &body.to_string())
    }

    /// Any body, e.g. a proxy's HTML page or nothing at all.
    pub fn text(status: u16, content_type: &str, body: &str) -> Self {
        Reply {
            status,
            content_type: content_type.to_string(),
            body: body.to_string(),
            headers: Vec::new(),
            delay: std::time::Duration::ZERO,
            body_stall: std::time::Duration::ZERO,
        }
    }

    /// The same reply with one more header.
    pub fn with_header(mut self, name: &str, value: &str) -> Self {
        self.headers.push((name.to_string(), value.to_string()));
        self
    }

    /// The same reply with a pause of `stall` after the head and the
    /// body's first byte.
    pub fn stalling_body(mut self, stall: std::time::Duration) -> Self {
        self.body_stall = stall;
        self
    }

    /// The same reply, sent `delay` after the request was read.
    pub fn after(mut self, delay: std::time::Duration) -> Self {
        self.delay = delay;
        self
    }
}

/// A running listener on 127.0.0.1 with an ephemeral port.
pub struct RecordingServer {
    url: String,
    requests: Arc<Mutex<Vec<Recorded>>>,
    task: tokio::task::JoinHandle<()>,
}

impl RecordingServer {
    pub async fn start(reply: Reply) -> Self {
        let listener = match TcpListener::bind("127.0.0.1:0").await {
            Ok(listener) => listener,
            Err(e) => panic!("cannot bind a local port: {e}"),
        };
        let url = match listener.local_addr() {
            Ok(addr) => format!("http://{addr}"),
            Err(e) => panic!("listener has no address: {e}"),
        };
        let requests = Arc::new(Mutex::new(Vec::new()));
        let recorded = Arc::clone(&requests);
        let task = tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                let recorded = Arc::clone(&recorded);
                let reply = reply.clone();
                tokio::spawn(async move {
                    if let Some(request) = serve(stream, &reply).await
                        && let Ok(mut all) = recorded.lock()
                    {
                        all.push(request);
                    }
                });
            }
        });
        RecordingServer {
            url,
            requests,
            task,
        }
    }

    /// `http://127.0.0.1:<port>`
    pub fn url(&self) -> &str {
        &self.url
    }

    /// Every request received so far, in the order they were answered.
    pub fn requests(&self) -> Vec<Recorded> {
        match self.requests.lock() {
            Ok(all) => all.clone(),
            Err(e) => panic!("recording poisoned: {e}"),
        }
    }

    /// The only request received; panics (failing the test) otherwise.
    pub fn only_request(&self) -> Recorded {
        let all = match self.requests.lock() {
            Ok(all) => all.clone(),
            Err(e) => panic!("recording poisoned: {e}"),
        };
        match all.as_slice() {
            [one] => one.clone(),
            other => panic!("expected exactly one request, got {}", other.len()),
        }
    }
}

impl Drop for RecordingServer {
    fn drop(&mut self) {
        self.task.abort();
    }
}

async fn serve(mut stream: TcpStream, reply: &Reply) -> Option<Recorded> {
    let mut buffer = Vec::new();
    let head_end = loop {
        let mut chunk = [0u8; 4096];
        let n = stream.read(&mut chunk).await.ok()?;
        if n == 0 {
            return None;
        }
        buffer.extend_from_slice(&chunk[..n]);
        if let Some(at) = buffer.windows(4).position(|w| w == b"\r\n\r\n") {
            break at;
        }
    };
    let head = String::from_utf8_lossy(&buffer[..head_end]).to_string();
    let mut lines = head.split("\r\n");
    let mut request_line = lines.next()?.split(' ');
    let method = request_line.next()?.to_string();
    let path = request_line.next()?.to_string();
    let headers: Vec<(String, String)> = lines
        .filter_map(|line| line.split_once(':'))
        .map(|(n, v)| (n.trim().to_ascii_lowercase(), v.trim().to_string()))
        .collect();
    let length: usize = headers
        .iter()
        .find(|(n, _)| n == "content-length")
        .and_then(|(_, v)| v.parse().ok())
        .unwrap_or(0);
    let mut body = buffer[head_end + 4..].to_vec();
    while body.len() < length {
        let mut chunk = [0u8; 4096];
        let n = stream.read(&mut chunk).await.ok()?;
        if n == 0 {
            break;
        }
        body.extend_from_slice(&chunk[..n]);
    }
    let extra: String = reply
        .headers
        .iter()
        .map(|(name, value)| format!("{name}: {value}\r\n"))
        .collect();
    let response = format!(
        "HTTP/1.1 {} Reply\r\ncontent-type: {}\r\ncontent-length: {}\r\n{extra}connection: close\r\n\r\n{}",
        reply.status,
        reply.content_type,
        reply.body.len(),
        reply.body
    );
    tokio::time::sleep(reply.delay).await;
    let bytes = response.as_bytes();
    if reply.body_stall.is_zero() || reply.body.is_empty() {
        stream.write_all(bytes).await.ok()?;
    } else {
        let first_body_byte = bytes.len() - reply.body.len() + 1;
        stream.write_all(&bytes[..first_body_byte]).await.ok()?;
        stream.flush().await.ok()?;
        tokio::time::sleep(reply.body_stall).await;
        stream.write_all(&bytes[first_body_byte..]).await.ok()?;
    }
    stream.shutdown().await.ok()?;
    Some(Recorded {
        method,
        path,
        headers,
        body,
    })
}
