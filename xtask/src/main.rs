//! `cargo xtask <command>`; see `xtask/src/lib.rs`.

use std::process::ExitCode;

const USAGE: &str = "usage: cargo xtask <command>

commands:
  generate   regenerate every SDK's generated code from spec/*.yaml
  check      fail when a spec is invalid, an example does not match its
             schema, checked-in generated code is stale, or a spec changed
             more than its version says since its last release
  release <api>
             freeze spec/<api>.yaml as released (spec/released/<api>/)";

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
        ["release", api] => {
            let result = xtask::spec::discover(&root).and_then(|specs| {
                let spec = specs
                    .iter()
                    .find(|s| s.name == *api)
                    .ok_or_else(|| format!("no spec/{api}.yaml"))?;
                xtask::release::release(&root, spec)
            });
            match result {
                Ok(line) => {
                    println!("{line}");
                    ExitCode::SUCCESS
                }
                Err(e) => {
                    eprintln!("cargo xtask release: {e}");
                    ExitCode::FAILURE
                }
            }
        }
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
