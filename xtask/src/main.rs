//! `cargo xtask <command>`; see `xtask/src/lib.rs`.

use std::process::ExitCode;

mod bench;
mod fuzz;
mod proxy_command;

const USAGE: &str = "usage: cargo xtask <command>

commands:
  generate   regenerate every SDK's generated code from spec/*.yaml
  check [--format table|github|json]
             fail when a spec is invalid, an example does not match its
             schema, checked-in generated code is stale, a spec changed
             more than its version says since its last release, a released
             snapshot changed, an SDK crate's version is too small for
             what changed in its public Rust API or its spec, or the
             server says something else; each
             failure with its file:line:column. `github` prints GitHub
             Actions annotations, `json` a machine-readable report
  new-api <name>
             scaffold everything a new API needs from spec/<name>.yaml (SDK
             crate, server module, tests, allowances, rules) and register it;
             see docs/adding-an-api.md
  release <api>
             freeze spec/<api>.yaml as released (spec/released/<api>/)
             and record the SDK crate's public API as released
             (sdk/<api>/public-api.released.txt)
  changelog <api> [--from V] [--to V|working]
             the classified changes between two versions as Markdown
             (default: the latest release → the working spec), then
             the SDK crate's Rust API changes since its release
  docs       write each spec's reference page (as served at /docs) to
             target/docs/<api>.html, with an index
  compare <spec.yaml> <openapi.json>
             list the semantic differences between a spec and another
             OpenAPI document (e.g. `server openapi <api>` output)
  bench server [--seconds N] [--connections 1,8,32,128] [--apis a,b] …
             load on each API's update: the server against a ceiling
             (release build; see docs/benchmarks.md)
  bench gen [--runs N]
             time `generate` and `check` (median of N runs, default 5)
  fuzz [--api <name>]... [--max-examples N] [--seed N]
             Schemathesis (pinned, installed under target/) against a fresh
             server, every check, positive and negative data
  proxy <api> --upstream <url> [--listen <address>] [--record <file>]
             forward to the real API unchanged and report every request
             and answer that breaks spec/<api>.yaml; --record appends each
             exchange, credentials redacted, as one JSON line
             (default --listen 127.0.0.1:8080)
  verify <api> --recording <file> [--format text|github|json]
             check a recording with the proxy's rules; fails on any
             violation; summarises the operations and statuses seen
  bench proxy [--requests N]
             the latency the proxy adds per exchange (median, p90, p99)";

/// `cargo xtask new-api <name>`: the scaffold, then the SDK's generated
/// code; prints every file written and what is left.
fn new_api(root: &std::path::Path, name: &str) -> Result<String, String> {
    use std::fmt::Write as _;
    let api = xtask::new_api::plan(root, name)?;
    let written = xtask::new_api::scaffold(root, &api)?;
    let mut out = String::new();
    let _ = writeln!(
        out,
        "new API {name} ({}), from spec/{name}.yaml:",
        api.title
    );
    for path in &written {
        let _ = writeln!(out, "  wrote {}", path.display());
    }
    let _ = writeln!(
        out,
        "  added `{}` to {}",
        api.registry_line(),
        xtask::new_api::REGISTRY
    );
    let generated = xtask::gate::generate_workspace(root)?;
    for line in generated
        .lines()
        .filter(|l| l.contains(&format!("sdk/{name}/")))
    {
        let _ = writeln!(out, "  {}", line.trim_start_matches(['✓', ' ']));
    }
    out.push_str(&xtask::new_api::next_steps(&api));
    Ok(out)
}

/// `cargo xtask check`: every check, printed by `render`; fails on any ✗.
fn check(root: &std::path::Path, render: fn(&[xtask::gate::SpecReport]) -> String) -> ExitCode {
    // Built once; an error is reported per API by the server column.
    let server = xtask::server_binary::build(root);
    let derived = |api: &str| {
        let executable = server.as_ref().map_err(Clone::clone)?;
        xtask::server_binary::derived_document(executable, api)
    };
    match xtask::gate::check_workspace(root, &derived) {
        Ok(reports) => {
            print!("{}", render(&reports));
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
    }
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if matches!(args.as_slice(), [a] if ["help", "--help", "-h"].contains(&a.as_str())) {
        println!("{USAGE}");
        return ExitCode::SUCCESS;
    }
    let root = match xtask::workspace_root() {
        Ok(root) => root,
        Err(e) => {
            eprintln!("cargo xtask: {e}");
            return ExitCode::FAILURE;
        }
    };
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
        ["new-api", name] => match new_api(&root, name) {
            Ok(out) => {
                print!("{out}");
                ExitCode::SUCCESS
            }
            Err(e) => {
                eprintln!("cargo xtask new-api: {e}");
                ExitCode::FAILURE
            }
        },
        ["check", options @ ..] => {
            let render: fn(&[xtask::gate::SpecReport]) -> String = match options {
                [] | ["--format", "table"] => xtask::gate::render,
                ["--format", "github"] => xtask::report::render_github,
                ["--format", "json"] => xtask::report::render_json,
                _ => {
                    eprintln!("{USAGE}");
                    return ExitCode::from(2);
                }
            };
            check(&root, render)
        }
        ["changelog", api, options @ ..] => {
            let mut from = None;
            let mut to = None;
            let mut rest = options;
            loop {
                match rest {
                    [] => break,
                    ["--from", v, tail @ ..] => {
                        from = Some(*v);
                        rest = tail;
                    }
                    ["--to", v, tail @ ..] => {
                        to = Some(*v);
                        rest = tail;
                    }
                    _ => {
                        eprintln!("{USAGE}");
                        return ExitCode::from(2);
                    }
                }
            }
            match xtask::changelog::changelog(&root, api, from, to) {
                Ok(markdown) => {
                    print!("{markdown}");
                    ExitCode::SUCCESS
                }
                Err(e) => {
                    eprintln!("cargo xtask changelog: {e}");
                    ExitCode::FAILURE
                }
            }
        }
        ["docs"] => {
            let dir = xtask::docs::docs_dir(&root);
            match xtask::docs::write_docs(&root, &dir) {
                Ok(files) => {
                    for file in files {
                        println!("wrote {}", file.display());
                    }
                    ExitCode::SUCCESS
                }
                Err(e) => {
                    eprintln!("cargo xtask docs: {e}");
                    ExitCode::FAILURE
                }
            }
        }
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
        ["compare", spec_path, document_path] => {
            let load = || -> Result<(serde_json::Value, serde_json::Value), String> {
                let text =
                    std::fs::read_to_string(spec_path).map_err(|e| format!("{spec_path}: {e}"))?;
                let spec = xtask::spec::ApiSpec::from_yaml(
                    "spec",
                    std::path::Path::new(spec_path),
                    &text,
                )?;
                let text = std::fs::read_to_string(document_path)
                    .map_err(|e| format!("{document_path}: {e}"))?;
                let document =
                    serde_json::from_str(&text).map_err(|e| format!("{document_path}: {e}"))?;
                Ok((spec.doc, document))
            };
            match load() {
                Ok((spec, document)) => {
                    let differences = xtask::conformance::compare(&spec, &document);
                    for difference in &differences {
                        println!("{difference}");
                    }
                    println!("{} differences", differences.len());
                    if differences.is_empty() {
                        ExitCode::SUCCESS
                    } else {
                        ExitCode::FAILURE
                    }
                }
                Err(e) => {
                    eprintln!("cargo xtask compare: {e}");
                    ExitCode::FAILURE
                }
            }
        }
        ["bench", "server", options @ ..] => bench::server(&root, options),
        ["bench", "gen", options @ ..] => bench::gen_commands(&root, options),
        ["fuzz", options @ ..] => fuzz::main(&root, options),
        ["proxy", api, options @ ..] => proxy_command::proxy(&root, api, options),
        ["verify", api, options @ ..] => proxy_command::verify(&root, api, options),
        ["bench", "proxy", options @ ..] => proxy_command::bench(&root, options),
        _ => {
            eprintln!("{USAGE}");
            ExitCode::from(2)
        }
    }
}
