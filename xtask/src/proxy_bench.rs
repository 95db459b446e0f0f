//! `cargo xtask bench proxy`: the latency the proxy adds per exchange.
//!
//! One in-process upstream answers ZITADEL's update with the spec's own
//! 200 example at once. The same request is sent sequentially, on one
//! keep-alive connection, first straight to the upstream and then through
//! the proxy (checking against `spec/zitadel.yaml`, not recording), and
//! the round trips of each are printed with the difference of their
//! medians: what an SDK's call pays for being checked. The figures are of
//! the build that runs (say `cargo run --release -p xtask -- bench proxy`
//! for an optimised one; the line says which).

use std::convert::Infallible;
use std::fmt::Write as _;
use std::net::SocketAddr;
use std::time::{Duration, Instant};

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper_util::rt::TokioIo;
use serde_json::Value;
use tokio::net::{TcpListener, TcpStream};

use crate::exchange_check::Checker;
use crate::proxy::{Proxy, Upstream};

const PATH: &str = "/auth/v1/users/me/profile";

/// Starts the canned upstream; returns its address.
async fn canned_upstream(body: Bytes) -> Result<SocketAddr, String> {
    let listener = TcpListener::bind("127.0.0.1:0")
        .await
        .map_err(|e| format!("cannot bind the upstream: {e}"))?;
    let address = listener
        .local_addr()
        .map_err(|e| format!("the upstream has no address: {e}"))?;
    tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            let _ = stream.set_nodelay(true);
            let body = body.clone();
            tokio::spawn(async move {
                let service = hyper::service::service_fn(
                    move |request: http::Request<hyper::body::Incoming>| {
                        let body = body.clone();
                        async move {
                            // Read the request whole, as a real server does.
                            let _ = request.into_body().collect().await;
                            let mut response = http::Response::new(Full::new(body));
                            response.headers_mut().insert(
                                "content-type",
                                http::HeaderValue::from_static("application/json"),
                            );
                            Ok::<_, Infallible>(response)
                        }
                    },
                );
                let _ = hyper::server::conn::http1::Builder::new()
                    .serve_connection(TokioIo::new(stream), service)
                    .await;
            });
        }
    });
    Ok(address)
}

/// `requests` sequential round trips to `address` on one connection.
async fn round_trips(
    address: SocketAddr,
    body: &Bytes,
    requests: usize,
) -> Result<Vec<Duration>, String> {
    let stream = TcpStream::connect(address)
        .await
        .map_err(|e| format!("cannot connect to {address}: {e}"))?;
    let _ = stream.set_nodelay(true);
    let (mut sender, connection) = hyper::client::conn::http1::handshake(TokioIo::new(stream))
        .await
        .map_err(|e| format!("HTTP with {address}: {e}"))?;
    tokio::spawn(connection);
    let mut times = Vec::with_capacity(requests);
    for _ in 0..requests {
        let request = http::Request::put(PATH)
            .header("host", address.to_string())
            .header("authorization", "Bearer bench-token")
            .header("content-type", "application/json")
            .body(Full::new(body.clone()))
            .map_err(|e| format!("cannot build the request: {e}"))?;
        let started = Instant::now();
        sender
            .ready()
            .await
            .map_err(|e| format!("the connection to {address} closed: {e}"))?;
        let response = sender
            .send_request(request)
            .await
            .map_err(|e| format!("{address} did not answer: {e}"))?;
        if response.status() != http::StatusCode::OK {
            return Err(format!("{address} answered {}", response.status()));
        }
        response
            .into_body()
            .collect()
            .await
            .map_err(|e| format!("cannot read {address}'s body: {e}"))?;
        times.push(started.elapsed());
    }
    Ok(times)
}

fn quantile(sorted: &[Duration], q: f64) -> f64 {
    // Nearest rank; the index is within bounds for a non-empty slice.
    let rank = ((sorted.len() as f64 * q).ceil() as usize).clamp(1, sorted.len());
    sorted[rank - 1].as_secs_f64() * 1e6
}

/// Runs the benchmark and returns its report.
pub async fn run(checker: Checker, requests: usize) -> Result<String, String> {
    let example = |pointer: &str| -> Result<Bytes, String> {
        checker
            .spec()
            .doc
            .pointer(pointer)
            .map(|v: &Value| Bytes::from(v.to_string()))
            .ok_or_else(|| format!("spec/zitadel.yaml has no {pointer}"))
    };
    let operation = "/paths/~1auth~1v1~1users~1me~1profile/put";
    let request_body = example(&format!(
        "{operation}/requestBody/content/application~1json/example"
    ))?;
    let response_body = example(&format!(
        "{operation}/responses/200/content/application~1json/example"
    ))?;
    let upstream = canned_upstream(response_body).await?;
    let running = crate::proxy::start(
        Proxy {
            checker,
            upstream: Upstream::parse(&format!("http://{upstream}"))?,
            record: None,
            on_exchange: Box::new(|_, verdict| {
                if verdict.violations().next().is_some() {
                    eprintln!("bench proxy: the canned exchange broke the spec: {verdict:?}");
                }
            }),
        },
        "127.0.0.1:0".parse().map_err(|e| format!("{e}"))?,
    )
    .await?;
    // Warm-up: connections, allocator, branch predictors.
    round_trips(upstream, &request_body, requests / 10 + 1).await?;
    round_trips(running.address, &request_body, requests / 10 + 1).await?;
    let mut direct = round_trips(upstream, &request_body, requests).await?;
    let mut proxied = round_trips(running.address, &request_body, requests).await?;
    direct.sort();
    proxied.sort();
    let build = if cfg!(debug_assertions) {
        "debug build"
    } else {
        "release build"
    };
    let mut out = String::new();
    let _ = writeln!(
        out,
        "proxy latency ({build}, {requests} sequential PUTs on one keep-alive connection, ZITADEL's 200 example, checked, not recorded)"
    );
    let _ = writeln!(
        out,
        "{:<10} {:>10} {:>10} {:>10}",
        "µs", "median", "p90", "p99"
    );
    for (name, times) in [("direct", &direct), ("proxied", &proxied)] {
        let _ = writeln!(
            out,
            "{name:<10} {:>10.0} {:>10.0} {:>10.0}",
            quantile(times, 0.5),
            quantile(times, 0.9),
            quantile(times, 0.99)
        );
    }
    let _ = writeln!(
        out,
        "added per exchange (median): {:.0} µs",
        quantile(&proxied, 0.5) - quantile(&direct, 0.5)
    );
    Ok(out)
}
