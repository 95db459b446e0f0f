//! The command lines of `cargo xtask proxy`, `verify` and `bench proxy`:
//! options read here, the work done by `xtask::proxy`, `xtask::verify` and
//! `xtask::proxy_bench`.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use xtask::exchange_check::Checker;
use xtask::proxy::{Proxy, Upstream};

fn runtime() -> Result<tokio::runtime::Runtime, String> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| format!("cannot start the async runtime: {e}"))
}

/// `cargo xtask proxy <api> --upstream <url> [--listen <address>] [--record <file>]`
pub fn proxy(root: &Path, api: &str, options: &[&str]) -> ExitCode {
    const USAGE: &str =
        "usage: cargo xtask proxy <api> --upstream <url> [--listen <address>] [--record <file>]";
    let mut upstream = None;
    let mut listen = "127.0.0.1:8080";
    let mut record = None;
    let mut rest = options;
    loop {
        match rest {
            [] => break,
            ["--upstream", url, tail @ ..] => {
                upstream = Some(*url);
                rest = tail;
            }
            ["--listen", address, tail @ ..] => {
                listen = address;
                rest = tail;
            }
            ["--record", file, tail @ ..] => {
                record = Some(PathBuf::from(file));
                rest = tail;
            }
            _ => {
                eprintln!("{USAGE}");
                return ExitCode::from(2);
            }
        }
    }
    let Some(upstream) = upstream else {
        eprintln!("cargo xtask proxy: --upstream is required\n{USAGE}");
        return ExitCode::from(2);
    };
    let run = || -> Result<(), String> {
        let checker = Checker::load(root, api)?;
        let upstream = Upstream::parse(upstream)?;
        let listen: SocketAddr = listen.parse().map_err(|e| {
            format!("--listen {listen:?}: {e} (give an address such as 127.0.0.1:8080)")
        })?;
        let spec_path = checker.spec().path.display().to_string();
        let runtime = runtime()?;
        runtime.block_on(async {
            let running = xtask::proxy::start(
                Proxy {
                    checker,
                    upstream: upstream.clone(),
                    record: record.clone(),
                    on_exchange: Box::new(xtask::proxy::print_exchange),
                },
                listen,
            )
            .await?;
            let scheme = if upstream.https { "https" } else { "http" };
            println!(
                "proxying {} → {scheme}://{}:{}{}, checking against {spec_path}{}",
                running.url(),
                upstream.host,
                upstream.port,
                upstream.base_path,
                record
                    .as_ref()
                    .map(|f| format!(", recording to {}", f.display()))
                    .unwrap_or_default()
            );
            // Runs until the process is stopped; each recorded line is
            // written whole as its exchange ends, so stopping loses nothing.
            std::future::pending::<()>().await;
            drop(running);
            Ok(())
        })
    };
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("cargo xtask proxy: {e}");
            ExitCode::FAILURE
        }
    }
}

/// `cargo xtask verify <api> --recording <file> [--format text|github|json]`
pub fn verify(root: &Path, api: &str, options: &[&str]) -> ExitCode {
    const USAGE: &str =
        "usage: cargo xtask verify <api> --recording <file> [--format text|github|json]";
    let mut recording = None;
    let mut format = "text";
    let mut rest = options;
    loop {
        match rest {
            [] => break,
            ["--recording", file, tail @ ..] => {
                recording = Some(PathBuf::from(file));
                rest = tail;
            }
            ["--format", f @ ("text" | "github" | "json"), tail @ ..] => {
                format = f;
                rest = tail;
            }
            _ => {
                eprintln!("{USAGE}");
                return ExitCode::from(2);
            }
        }
    }
    let Some(recording) = recording else {
        eprintln!("cargo xtask verify: --recording is required\n{USAGE}");
        return ExitCode::from(2);
    };
    let run = || -> Result<bool, String> {
        let checker = Checker::load(root, api)?;
        let exchanges = xtask::recording::read(&recording)?;
        let summary = xtask::verify::verify(&checker, &exchanges)?;
        let text = match format {
            "github" => {
                xtask::verify::render_github(&summary, &checker.spec().path.display().to_string())
            }
            "json" => xtask::verify::render_json(&summary),
            _ => xtask::verify::render_text(&summary),
        };
        print!("{text}");
        Ok(summary.passed())
    };
    match run() {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::FAILURE,
        Err(e) => {
            eprintln!("cargo xtask verify: {e}");
            ExitCode::FAILURE
        }
    }
}

/// `cargo xtask bench proxy [--requests N]`
pub fn bench(root: &Path, options: &[&str]) -> ExitCode {
    let requests = match options {
        [] => 2000,
        ["--requests", n] => match n.parse() {
            Ok(n) if n > 0 => n,
            _ => {
                eprintln!("cargo xtask bench proxy: --requests takes a positive number");
                return ExitCode::from(2);
            }
        },
        _ => {
            eprintln!("usage: cargo xtask bench proxy [--requests N]");
            return ExitCode::from(2);
        }
    };
    let run = || -> Result<String, String> {
        let checker = Checker::load(root, "zitadel")?;
        runtime()?.block_on(xtask::proxy_bench::run(checker, requests))
    };
    match run() {
        Ok(report) => {
            print!("{report}");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("cargo xtask bench proxy: {e}");
            ExitCode::FAILURE
        }
    }
}
