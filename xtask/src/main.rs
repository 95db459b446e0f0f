//! `cargo xtask <command>`; see `xtask/src/lib.rs`.

use std::process::ExitCode;

const USAGE: &str = "usage: cargo xtask <command>

commands:
  generate   regenerate every SDK's generated code from spec/*.yaml
  check      fail when a spec is invalid, an example does not match its
             schema, or checked-in generated code is stale";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let root = xtask::workspace_root();
    match args
        .iter()
        .map(String::as_str)
        .collect::<Vec<_>>()
        .as_slice()
    {
        ["generate"] => match xtask::gate::generate_workspace(&root) {
            Ok(out) => {
                print!("{out}");
                ExitCode::SUCCESS
            }
            Err(out) => {
                eprint!("{out}");
                ExitCode::FAILURE
            }
        },
        ["check"] => match xtask::gate::check_workspace(&root) {
            Ok(reports) => {
                print!("{}", xtask::gate::render(&reports));
                if reports.iter().all(|r| r.passed()) {
                    ExitCode::SUCCESS
                } else {
                    ExitCode::FAILURE
                }
            }
            Err(e) => {
                eprintln!("cargo xtask check: {e}");
                ExitCode::FAILURE
            }
        },
        ["help"] | ["--help"] | ["-h"] => {
            println!("{USAGE}");
            ExitCode::SUCCESS
        }
        _ => {
            eprintln!("{USAGE}");
            ExitCode::from(2)
        }
    }
}
