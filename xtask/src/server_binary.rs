//! The server's derived OpenAPI documents, as `cargo xtask check` reads
//! them: `server openapi <api>` for each API.
//!
//! Cargo is asked once to build the server and say where its executable is
//! (`--message-format=json`); the executable is then run once per API.
//! Running `cargo run` per API instead cost a cargo start and freshness
//! check each time, most of the gate's time.

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

/// Builds the server under `root` if needed and returns its executable.
pub fn build(root: &Path) -> Result<PathBuf, String> {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let output = Command::new(cargo)
        .args([
            "build",
            "--quiet",
            "--package",
            "server",
            "--bin",
            "server",
            "--message-format=json-render-diagnostics",
        ])
        .current_dir(root)
        .output()
        .map_err(|e| format!("cannot run cargo to build the server: {e}"))?;
    if !output.status.success() {
        return Err(format!(
            "the server does not build: {}",
            String::from_utf8_lossy(&output.stderr).trim()
        ));
    }
    executable(&String::from_utf8_lossy(&output.stdout))
        .ok_or_else(|| "cargo named no server executable".to_string())
}

/// The `executable` of the server's binary artifact among cargo's JSON
/// messages.
pub fn executable(messages: &str) -> Option<PathBuf> {
    messages
        .lines()
        .filter_map(|line| serde_json::from_str::<Value>(line).ok())
        .filter(|m| m["reason"] == "compiler-artifact" && m["target"]["name"] == "server")
        .find_map(|m| m["executable"].as_str().map(PathBuf::from))
}

/// `server openapi <api>`, parsed.
pub fn derived_document(executable: &Path, api: &str) -> Result<Value, String> {
    let output = Command::new(executable)
        .args(["openapi", api])
        .output()
        .map_err(|e| format!("cannot run {}: {e}", executable.display()))?;
    if !output.status.success() {
        return Err(String::from_utf8_lossy(&output.stderr).trim().to_string());
    }
    serde_json::from_slice(&output.stdout)
        .map_err(|e| format!("`server openapi {api}` did not print JSON: {e}"))
}

#[cfg(test)]
mod tests {
    use std::path::PathBuf;

    use super::executable;

    #[test]
    fn the_executable_is_read_from_cargos_messages() {
        let messages = concat!(
            r#"{"reason":"compiler-artifact","target":{"name":"reference"},"executable":null}"#,
            "\n",
            r#"{"reason":"compiler-artifact","target":{"name":"server"},"executable":"/t/debug/server"}"#,
            "\n",
            r#"{"reason":"build-finished","success":true}"#,
        );
        assert_eq!(executable(messages), Some(PathBuf::from("/t/debug/server")));
        assert_eq!(executable(r#"{"reason":"build-finished"}"#), None);
    }
}
