//! `cargo xtask bench server|gen`: the benchmarks (see docs/benchmarks.md).
//!
//! - `server [options]` runs the load benchmark of the server's update
//!   operations, `server/benches/update_load.rs`, in a release build; the
//!   options are passed through (`--seconds`, `--connections`, …).
//! - `gen [--runs N]` times `cargo xtask generate` and `cargo xtask check`
//!   as whole processes (this xtask binary, run again), after one warm-up
//!   run each, and prints the median of N runs (default 5).

use std::path::Path;
use std::process::{Command, ExitCode, Stdio};
use std::time::{Duration, Instant};

fn cargo() -> String {
    std::env::var("CARGO").unwrap_or_else(|_| "cargo".into())
}

/// `cargo bench -p server --bench update_load -- <args>`, output inherited.
pub fn server(root: &Path, args: &[&str]) -> ExitCode {
    let status = Command::new(cargo())
        .args([
            "bench",
            "--package",
            "server",
            "--bench",
            "update_load",
            "--",
        ])
        .args(args)
        .current_dir(root)
        .status();
    match status {
        Ok(status) if status.success() => ExitCode::SUCCESS,
        Ok(_) => ExitCode::FAILURE,
        Err(e) => {
            eprintln!("cargo xtask bench server: cannot run cargo: {e}");
            ExitCode::FAILURE
        }
    }
}

/// One run of `xtask <command>` as its own process: its wall time, or why it
/// failed.
fn time_once(xtask: &Path, root: &Path, command: &str) -> Result<Duration, String> {
    let started = Instant::now();
    let output = Command::new(xtask)
        .arg(command)
        .current_dir(root)
        .stdin(Stdio::null())
        .output()
        .map_err(|e| format!("cannot run {}: {e}", xtask.display()))?;
    let elapsed = started.elapsed();
    if output.status.success() {
        Ok(elapsed)
    } else {
        Err(format!(
            "`xtask {command}` failed:\n{}{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        ))
    }
}

fn seconds(duration: Duration) -> String {
    format!("{:.2}", duration.as_secs_f64())
}

/// The middle of `times` (the mean of the two middle ones for an even count).
fn median(times: &mut [Duration]) -> Duration {
    times.sort_unstable();
    match times.len() {
        0 => Duration::ZERO,
        n if n % 2 == 1 => times[n / 2],
        n => (times[n / 2 - 1] + times[n / 2]) / 2,
    }
}

fn parse_runs(args: &[&str]) -> Result<usize, String> {
    match args {
        [] => Ok(5),
        ["--runs", n] => n
            .parse()
            .ok()
            .filter(|&n| n > 0)
            .ok_or_else(|| format!("--runs: {n} is not a positive number")),
        _ => Err("usage: cargo xtask bench gen [--runs N]".into()),
    }
}

/// Times `generate` and `check` and prints a Markdown table.
pub fn gen_commands(root: &Path, args: &[&str]) -> ExitCode {
    let result = parse_runs(args).and_then(|runs| {
        let xtask =
            std::env::current_exe().map_err(|e| format!("cannot find the xtask binary: {e}"))?;
        let specs = spec_count(root);
        let mut table = String::from(
            "| command | specs | runs | median s | min s | max s |\n|---|--:|--:|--:|--:|--:|\n",
        );
        for command in ["generate", "check"] {
            // The warm-up also builds what `check` runs (`server openapi`).
            time_once(&xtask, root, command)?;
            let mut times = (0..runs)
                .map(|_| time_once(&xtask, root, command))
                .collect::<Result<Vec<_>, _>>()?;
            let median = median(&mut times);
            table.push_str(&format!(
                "| `cargo xtask {command}` | {specs} | {runs} | {} | {} | {} |\n",
                seconds(median),
                seconds(times[0]),
                seconds(times[times.len() - 1]),
            ));
        }
        Ok(table)
    });
    match result {
        Ok(table) => {
            print!("{table}");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("cargo xtask bench gen: {e}");
            ExitCode::FAILURE
        }
    }
}

/// How many specs there are (for the table).
fn spec_count(root: &Path) -> usize {
    xtask::spec::discover(root).map_or(0, |specs| specs.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_median_is_the_middle_run() {
        let ms = Duration::from_millis;
        assert_eq!(median(&mut [ms(5), ms(1), ms(3)]), ms(3));
        assert_eq!(
            median(&mut [ms(4), ms(1), ms(3), ms(2)]),
            Duration::from_micros(2500)
        );
        assert_eq!(parse_runs(&[]), Ok(5));
        assert_eq!(parse_runs(&["--runs", "3"]), Ok(3));
        assert!(parse_runs(&["--runs", "0"]).is_err());
    }
}
