//! `cargo xtask fuzz`: Schemathesis (`--checks all`, positive and negative
//! data) against a fresh server with its own credentials, one API at a time.
//!
//! Schemathesis is pinned ([`SCHEMATHESIS_VERSION`]) and installed on first
//! use into a virtual environment under `target/` (Python 3 with `venv`;
//! PyPI must be reachable). Each API runs against its own `server serve
//! --api <name>` on a fresh database, so the request counts are the
//! server's own (one log line per request).
//!
//! What Schemathesis cannot know is configured here, explicitly:
//! - the rules a JSON Schema cannot state, which the specs mark with an
//!   `x-rule` extension, become fixed valid values in the document handed
//!   to Schemathesis (the "fuzz view"): an `enum` of values that satisfy
//!   the rule for the fuzz user, and the same values in the examples
//!   ([`rule_values`]; an `x-rule` it does not know fails the run, so a new
//!   rule needs a decision here);
//! - where each API's credential goes, and which path parameters and
//!   tenant header name the caller, come from the server's own descriptor
//!   of the API, through `server user add --json`: Ctrl-Hub's `user_id`
//!   path parameter is the fuzz user's own id (any other id is a 403 or a
//!   404, which positive data cannot aim for); CL2C's `tenant` is a header
//!   parameter of its spec, fixed to the fuzz user's tenant there; every
//!   API's secret (CL2C's `X-API-Key` included) goes in a header (`-H`),
//!   which Schemathesis's `ignored_auth` check knows to replace. A spec
//!   whose API the server does not implement fails the run;
//! - one named failure filter (`xtask/fuzz/hooks.py`): ZITADEL answers an
//!   update that changes nothing with 400 FAILED_PRECONDITION ("not
//!   changed"), a documented vendor behaviour that repeated positive
//!   examples trigger.
//!
//! A clean run reports zero failures; any failure is real.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitCode, Stdio};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

/// The Schemathesis release the configuration below was written for.
pub const SCHEMATHESIS_VERSION: &str = "4.32.5";

const USAGE: &str = "usage: cargo xtask fuzz [--api <name>]... [--max-examples N] [--seed N]";

/// What one run is asked to do.
struct Options {
    apis: Vec<String>,
    max_examples: u32,
    seed: Option<u64>,
}

fn parse(args: &[&str]) -> Result<Options, String> {
    let mut options = Options {
        apis: Vec::new(),
        max_examples: 100,
        seed: None,
    };
    let mut args = args.iter();
    while let Some(arg) = args.next() {
        let mut value = |name: &str| {
            args.next()
                .map(|v| v.to_string())
                .ok_or_else(|| format!("{name} needs a value"))
        };
        match *arg {
            "--api" => options.apis.push(value("--api")?),
            "--max-examples" => {
                options.max_examples = value("--max-examples")?
                    .parse()
                    .map_err(|e| format!("--max-examples: {e}"))?;
            }
            "--seed" => {
                options.seed = Some(
                    value("--seed")?
                        .parse()
                        .map_err(|e| format!("--seed: {e}"))?,
                );
            }
            other => return Err(format!("unknown option {other}\n{USAGE}")),
        }
    }
    Ok(options)
}

/// The fuzz user and what each API's requests carry for them, as
/// `server user add --json` prints them (from each API's descriptor).
#[derive(Debug, Default, serde::Deserialize)]
struct FuzzUser {
    user_id: String,
    organisations: Vec<String>,
    /// API name to the user's credential for it.
    credentials: std::collections::BTreeMap<String, FuzzCredential>,
}

/// One API's credential, placed as the server's descriptor says.
#[derive(Debug, Default, serde::Deserialize)]
struct FuzzCredential {
    /// The header that carries the token: `[name, value]`.
    credential: (String, String),
    /// The header naming the tenant, for an API with one.
    tenant: Option<(String, String)>,
    /// The path's parameters, by name.
    path_parameters: std::collections::BTreeMap<String, String>,
}

impl FuzzUser {
    /// The user's credential for `api`. A spec whose API the server does
    /// not implement has none: that fails the run rather than fuzzing
    /// without credentials.
    fn credential(&self, api: &str) -> Result<&FuzzCredential, String> {
        self.credentials.get(api).ok_or_else(|| {
            format!(
                "the server implements no API {api} (`server user add --json` gave it no \
                 credential): spec/{api}.yaml has no server yet"
            )
        })
    }

    /// The organisation a rule may name.
    fn organisation(&self) -> Result<&str, String> {
        self.organisations
            .first()
            .map(String::as_str)
            .ok_or_else(|| "the fuzz user belongs to no organisation".to_string())
    }
}

/// Reads `server user add --json`'s output.
fn parse_user(text: &str) -> Result<FuzzUser, String> {
    serde_json::from_str(text)
        .map_err(|e| format!("cannot read `server user add --json`'s output ({e}):\n{text}"))
}

/// Valid values for a rule the spec marks with `x-rule`, for the fuzz user;
/// `None` when the schema states the rule itself (nothing to fix).
fn rule_values(rule: &str, user: &FuzzUser) -> Result<Option<Vec<Value>>, String> {
    match rule {
        // A few zones of the IANA database, one with no DST, one per
        // hemisphere.
        "iana-time-zone" => Ok(Some(vec![
            json!("UTC"),
            json!("Europe/London"),
            json!("America/New_York"),
            json!("Australia/Sydney"),
        ])),
        "member-organization" => Ok(Some(vec![json!(user.organisation()?)])),
        "id-matches-path" => Ok(Some(vec![json!(user.user_id)])),
        // The schema's pattern is the rule.
        "e164-phone-number" => Ok(None),
        other => Err(format!(
            "x-rule `{other}` has no fuzz configuration: add its valid values to \
             xtask/src/fuzz.rs (rule_values)"
        )),
    }
}

/// The document Schemathesis is given for `api`: the spec with every
/// `x-rule` fixed to valid values, examples included, and (per API) the
/// parameters it cannot guess.
fn fuzz_view(api: &str, spec: &Value, user: &FuzzUser) -> Result<Value, String> {
    let mut view = spec.clone();
    // Property name to its fixed value, for the examples.
    let mut fixed: Vec<(String, Value)> = Vec::new();
    fix_rules(&mut view, None, user, &mut fixed)?;
    for (name, value) in &fixed {
        replace_in_examples(&mut view, name, value);
    }
    let credential = user.credential(api)?;
    for (name, value) in &credential.path_parameters {
        fix_parameter(&mut view, name, value);
    }
    if let Some((name, tenant)) = &credential.tenant {
        fix_parameter(&mut view, name, tenant);
    }
    Ok(view)
}

/// Adds an `enum` of valid values to every schema with a known `x-rule`.
fn fix_rules(
    value: &mut Value,
    property: Option<&str>,
    user: &FuzzUser,
    fixed: &mut Vec<(String, Value)>,
) -> Result<(), String> {
    match value {
        Value::Object(object) => {
            let rule = object.get("x-rule").and_then(Value::as_str);
            if let Some(values) = rule.map(|r| rule_values(r, user)).transpose()?.flatten() {
                if let (Some(name), Some(first)) = (property, values.first()) {
                    fixed.push((name.to_string(), first.clone()));
                    object.insert("example".into(), first.clone());
                }
                object.insert("enum".into(), Value::Array(values));
            }
            let is_properties = property == Some("\u{0}properties");
            for (key, child) in object.iter_mut() {
                let next = if is_properties {
                    Some(key.as_str())
                } else if key == "properties" {
                    Some("\u{0}properties")
                } else {
                    None
                };
                fix_rules(child, next, user, fixed)?;
            }
            Ok(())
        }
        Value::Array(items) => items
            .iter_mut()
            .try_for_each(|item| fix_rules(item, None, user, fixed)),
        _ => Ok(()),
    }
}

/// Sets `name` to `value` wherever an `example`/`examples` value holds an
/// object member of that name (a request example naming a non-member
/// organisation would be refused, and counted as a failure).
fn replace_in_examples(value: &mut Value, name: &str, replacement: &Value) {
    fn set_members(value: &mut Value, name: &str, replacement: &Value) {
        match value {
            Value::Object(object) => {
                for (key, child) in object.iter_mut() {
                    if key == name && child.is_string() {
                        *child = replacement.clone();
                    } else {
                        set_members(child, name, replacement);
                    }
                }
            }
            Value::Array(items) => items
                .iter_mut()
                .for_each(|item| set_members(item, name, replacement)),
            _ => {}
        }
    }
    match value {
        Value::Object(object) => {
            for (key, child) in object.iter_mut() {
                if key == "example" || key == "examples" {
                    set_members(child, name, replacement);
                } else {
                    replace_in_examples(child, name, replacement);
                }
            }
        }
        Value::Array(items) => items
            .iter_mut()
            .for_each(|item| replace_in_examples(item, name, replacement)),
        _ => {}
    }
}

/// Fixes every parameter called `name` to `value` (schema `enum`, example).
fn fix_parameter(value: &mut Value, name: &str, fixed: &str) {
    match value {
        Value::Object(object) => {
            let matches = object
                .get("name")
                .and_then(Value::as_str)
                .is_some_and(|n| n.eq_ignore_ascii_case(name))
                && object.contains_key("in");
            if matches {
                object.insert("example".into(), json!(fixed));
                object.remove("examples");
                if let Some(schema) = object.get_mut("schema").and_then(Value::as_object_mut) {
                    schema.insert("enum".into(), json!([fixed]));
                    schema.remove("example");
                }
            }
            for child in object.values_mut() {
                fix_parameter(child, name, fixed);
            }
        }
        Value::Array(items) => items
            .iter_mut()
            .for_each(|item| fix_parameter(item, name, fixed)),
        _ => {}
    }
}

/// The credential header `-H` sends for `api`. CL2C's key is also a header
/// parameter of its spec: sent with `-H`, it is the one Schemathesis knows
/// to be the credential (its `ignored_auth` check replaces it), which a
/// fixed parameter value would not be.
fn credential_header(api: &str, user: &FuzzUser) -> Result<String, String> {
    let (name, value) = &user.credential(api)?.credential;
    Ok(format!("{name}: {value}"))
}

/// The virtual environment's `st`, installed at the pinned version if
/// missing or another version.
fn schemathesis(root: &Path) -> Result<PathBuf, String> {
    let venv = root.join("target").join("schemathesis-venv");
    let st = venv.join("bin").join("st");
    let installed = Command::new(&st)
        .arg("--version")
        .output()
        .ok()
        .map(|o| String::from_utf8_lossy(&o.stdout).to_string())
        .is_some_and(|v| v.trim().ends_with(SCHEMATHESIS_VERSION));
    if installed {
        return Ok(st);
    }
    println!(
        "installing schemathesis=={SCHEMATHESIS_VERSION} into {}",
        venv.display()
    );
    let python = std::env::var("PYTHON").unwrap_or_else(|_| "python3".to_string());
    run(Command::new(&python).args(["-m", "venv"]).arg(&venv)).map_err(|e| {
        format!("{e} (needs Python 3 with the venv module; set PYTHON to choose one)")
    })?;
    run(Command::new(venv.join("bin").join("pip"))
        .args(["install", "--quiet", "--disable-pip-version-check"])
        .arg(format!("schemathesis=={SCHEMATHESIS_VERSION}")))?;
    Ok(st)
}

fn run(command: &mut Command) -> Result<String, String> {
    let output = command
        .output()
        .map_err(|e| format!("cannot run {command:?}: {e}"))?;
    if output.status.success() {
        Ok(String::from_utf8_lossy(&output.stdout).to_string())
    } else {
        Err(format!(
            "{command:?} failed:\n{}{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        ))
    }
}

/// A server process this run started; killed (by its own handle) when
/// dropped.
struct Server(Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Starts `server serve --api <api>` on a free loopback port; returns it and
/// its base URL.
fn start_server(
    server: &Path,
    db: &Path,
    api: &str,
    log: &Path,
) -> Result<(Server, String), String> {
    let log_file = std::fs::File::create(log).map_err(|e| format!("{}: {e}", log.display()))?;
    let mut child = Command::new(server)
        .arg("--db")
        .arg(db)
        .args([
            "serve",
            "--api",
            api,
            "--listen",
            &format!("{api}=127.0.0.1:0"),
            // A free port: another server on this machine may hold the
            // admin listener's default.
            "--admin",
            "127.0.0.1:0",
        ])
        .stdout(Stdio::piped())
        .stderr(log_file)
        .spawn()
        .map_err(|e| format!("cannot start the server: {e}"))?;
    let stdout = child.stdout.take().ok_or("no server output")?;
    let server = Server(child);
    // Only the address is read; the pipe then closes, and the rest of the
    // listing meets a closed pipe, which `serve` ignores (the server test
    // `serve_keeps_serving_when_its_stdout_is_closed`).
    let url = BufReader::new(stdout)
        .lines()
        .map_while(Result::ok)
        .find_map(|line| {
            let mut words = line.split_whitespace();
            (words.next() == Some(api))
                .then(|| words.next().map(str::to_string))
                .flatten()
        })
        .ok_or_else(|| {
            format!(
                "{api}: the server printed no address (log: {})",
                log.display()
            )
        })?;
    Ok((server, url))
}

/// One API's result.
struct Outcome {
    api: String,
    requests: usize,
    seconds: f64,
    passed: bool,
    summary: String,
}

/// `cargo xtask fuzz …`.
pub fn main(root: &Path, args: &[&str]) -> ExitCode {
    match fuzz(root, args) {
        Ok(outcomes) => {
            println!("\napi          requests   seconds   result");
            for o in &outcomes {
                println!(
                    "{:<12} {:>8}   {:>7.1}   {}",
                    o.api,
                    o.requests,
                    o.seconds,
                    if o.passed {
                        "0 failures".to_string()
                    } else {
                        format!("FAILED: {}", o.summary)
                    }
                );
            }
            if outcomes.iter().all(|o| o.passed) {
                ExitCode::SUCCESS
            } else {
                ExitCode::FAILURE
            }
        }
        Err(e) => {
            eprintln!("cargo xtask fuzz: {e}");
            ExitCode::FAILURE
        }
    }
}

fn fuzz(root: &Path, args: &[&str]) -> Result<Vec<Outcome>, String> {
    let options = parse(args)?;
    let specs = crate_spec_discover(root)?;
    let selected: Vec<&(String, Value)> = if options.apis.is_empty() {
        specs.iter().collect()
    } else {
        options
            .apis
            .iter()
            .map(|name| {
                specs
                    .iter()
                    .find(|(n, _)| n == name)
                    .ok_or_else(|| format!("no spec/{name}.yaml"))
            })
            .collect::<Result<_, _>>()?
    };
    let st = schemathesis(root)?;
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    run(Command::new(&cargo)
        .args(["build", "--quiet", "--package", "server"])
        .current_dir(root))?;
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| root.join("target"));
    let server = target.join("debug").join("server");
    let work = target.join("fuzz");
    let _ = std::fs::remove_dir_all(&work);
    std::fs::create_dir_all(&work).map_err(|e| format!("{}: {e}", work.display()))?;
    let db = work.join("fuzz.sqlite");
    let added = run(Command::new(&server).arg("--db").arg(&db).args([
        "user",
        "add",
        "fuzz",
        "--email",
        "fuzz@example.com",
        "--tenant",
        "fuzz-tenant",
        "--json",
    ]))?;
    let user = parse_user(&added)?;
    let hooks = root.join("xtask").join("fuzz");

    let mut outcomes = Vec::new();
    for (api, spec) in selected {
        let view = fuzz_view(api, spec, &user)?;
        let document = work.join(format!("{api}.json"));
        let text = serde_json::to_string_pretty(&view).map_err(|e| e.to_string())?;
        std::fs::write(&document, text).map_err(|e| format!("{}: {e}", document.display()))?;
        let log = work.join(format!("{api}.log"));
        let (running, url) = start_server(&server, &db, api, &log)?;

        let mut command = Command::new(&st);
        command
            .arg("run")
            .arg(&document)
            .args(["--url", &url, "--checks", "all", "--mode", "all"])
            .args(["--max-examples", &options.max_examples.to_string()])
            .args(["--phases", "examples,coverage,fuzzing"])
            .args(["--workers", "1", "--no-color"])
            .env("PYTHONPATH", &hooks)
            .env("SCHEMATHESIS_HOOKS", "hooks")
            .env("FUZZ_API", api)
            .current_dir(&work);
        if let Some(seed) = options.seed {
            command.args(["--seed", &seed.to_string()]);
        }
        command.args(["--header", &credential_header(api, &user)?]);
        println!(
            "\n== {api}: {url}\nby hand, with `{} --db {} serve --api {api} --listen {api}={}` running:\n  {}",
            server.display(),
            db.display(),
            url.trim_start_matches("http://"),
            shell_line(&command)
        );
        let started = Instant::now();
        let output = command
            .output()
            .map_err(|e| format!("cannot run schemathesis: {e}"))?;
        let seconds = started.elapsed().as_secs_f64();
        drop(running);
        std::thread::sleep(Duration::from_millis(100));
        let stdout = String::from_utf8_lossy(&output.stdout);
        print!("{stdout}");
        eprint!("{}", String::from_utf8_lossy(&output.stderr));
        let requests = std::fs::read_to_string(&log)
            .map(|text| {
                text.lines()
                    .filter(|l| l.contains("request completed"))
                    .count()
            })
            .unwrap_or(0);
        let summary = stdout
            .lines()
            .rev()
            .find(|l| l.contains(" in ") && l.contains('='))
            .unwrap_or_default()
            .trim_matches(|c| c == '=' || c == ' ')
            .to_string();
        outcomes.push(Outcome {
            api: api.clone(),
            requests,
            seconds,
            passed: output.status.success(),
            summary,
        });
    }
    Ok(outcomes)
}

/// `command` as a line to paste into a POSIX shell.
fn shell_line(command: &Command) -> String {
    let quote = |text: &str| {
        if text
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_./=:,@".contains(c))
        {
            text.to_string()
        } else {
            format!("'{}'", text.replace('\'', r"'\''"))
        }
    };
    let mut words = Vec::new();
    if let Some(dir) = command.get_current_dir() {
        words.push(format!("cd {} &&", quote(&dir.to_string_lossy())));
    }
    for (name, value) in command.get_envs() {
        if let Some(value) = value {
            words.push(format!(
                "{}={}",
                name.to_string_lossy(),
                quote(&value.to_string_lossy())
            ));
        }
    }
    words.push(quote(&command.get_program().to_string_lossy()));
    words.extend(command.get_args().map(|a| quote(&a.to_string_lossy())));
    words.join(" ")
}

/// Every spec by API name, as JSON.
fn crate_spec_discover(root: &Path) -> Result<Vec<(String, Value)>, String> {
    Ok(xtask::spec::discover(root)?
        .into_iter()
        .map(|spec| (spec.name, spec.doc))
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn user() -> FuzzUser {
        parse_user(
            r#"{"user_id": "00000000-0000-4000-8000-000000000001",
                "organisations": ["00000000-0000-4000-8000-000000000002"],
                "credentials": {
                  "cl2c": {"credential": ["X-API-Key", "cl2c_key"], "tenant": ["tenant", "fuzz-tenant"],
                           "path_parameters": {}},
                  "exante": {"credential": ["Authorization", "Bearer ex_1"], "tenant": null,
                             "path_parameters": {}}
                }}"#,
        )
        .unwrap_or_else(|e| panic!("{e}"))
    }

    #[test]
    fn the_line_to_run_by_hand_quotes_what_the_shell_would_split() {
        let mut command = Command::new("st");
        command
            .args(["run", "--header", "Authorization: Token it's"])
            .env("FUZZ_API", "zitadel");
        assert_eq!(
            shell_line(&command),
            r"FUZZ_API=zitadel st run --header 'Authorization: Token it'\''s'"
        );
    }

    #[test]
    fn an_api_the_server_does_not_implement_fails_the_run() {
        let Err(message) = fuzz_view("acme", &json!({}), &user()) else {
            panic!("fuzzed an API without credentials");
        };
        assert!(message.contains("implements no API acme"), "{message}");
        assert!(credential_header("acme", &user()).is_err());
    }

    #[test]
    fn a_rule_becomes_an_enum_and_its_examples_follow() {
        let spec = json!({
            "paths": {"/x": {"patch": {"requestBody": {"content": {"application/json": {
                "schema": {"properties": {
                    "default_organization": {"type": "string", "x-rule": "member-organization"}
                }},
                "example": {"default_organization": "3c90c3cc-0d44-4b50-8888-8dd25736052a"}
            }}}}}}
        });
        let view = fuzz_view("exante", &spec, &user()).unwrap_or_else(|e| panic!("{e}"));
        let media = &view["paths"]["/x"]["patch"]["requestBody"]["content"]["application/json"];
        let organisation = json!(user().organisations[0]);
        assert_eq!(
            media["schema"]["properties"]["default_organization"]["enum"],
            json!([organisation])
        );
        assert_eq!(media["example"]["default_organization"], organisation);
    }

    #[test]
    fn an_unknown_rule_fails_the_run() {
        let spec = json!({"properties": {"a": {"x-rule": "something-new"}}});
        assert!(fuzz_view("exante", &spec, &user()).is_err());
    }

    #[test]
    fn cl2c_tenant_is_a_fixed_header_parameter_and_its_key_a_header() {
        let spec = json!({"parameters": [
            {"name": "tenant", "in": "header", "schema": {"type": "string"}},
            {"name": "X-API-Key", "in": "header", "schema": {"type": "string"}}
        ]});
        let view = fuzz_view("cl2c", &spec, &user()).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            view["parameters"][0]["schema"]["enum"],
            json!(["fuzz-tenant"])
        );
        assert_eq!(view["parameters"][1]["schema"].get("enum"), None);
        let header = credential_header("cl2c", &user()).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(header, "X-API-Key: cl2c_key");
    }
}
