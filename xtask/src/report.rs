//! Where each failure points, and the report in the formats CI reads.
//!
//! A failure's [`Site`] is a file and, when known, a JSON pointer into it
//! (a spec), a line (a generated file, a Rust source) or a text to find (an
//! allowance's entry). [`resolve_sites`] turns pointers and texts into
//! `LINE:COLUMN` once the checks are done, reading each file at most once
//! and only when something failed. The table prints `file:line:column`
//! before each failure; `--format github` prints GitHub Actions annotations
//! and `--format json` one object per failure.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use serde_json::{Value, json};

use crate::gate::SpecReport;
use crate::yaml_position::Positions;

/// The place a failure is about.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Site {
    /// Relative to the workspace root.
    pub file: PathBuf,
    /// A JSON pointer into `file` (a YAML spec).
    pub pointer: Option<String>,
    /// A text whose first line in `file` is the place.
    pub needle: Option<String>,
    /// 1-based, once known.
    pub line: Option<usize>,
    pub column: Option<usize>,
}

impl Site {
    /// The whole file.
    pub fn file(file: impl AsRef<Path>) -> Self {
        Site {
            file: file.as_ref().to_path_buf(),
            ..Site::default()
        }
    }

    /// A JSON pointer in a YAML file.
    pub fn pointer(file: impl AsRef<Path>, pointer: &str) -> Self {
        Site {
            pointer: Some(pointer.to_string()),
            ..Site::file(file)
        }
    }

    /// A line of a file.
    pub fn line(file: impl AsRef<Path>, line: usize) -> Self {
        Site {
            line: Some(line),
            column: Some(1),
            ..Site::file(file)
        }
    }

    /// The first line of a file containing `needle`.
    pub fn needle(file: impl AsRef<Path>, needle: &str) -> Self {
        Site {
            needle: Some(needle.to_string()),
            ..Site::file(file)
        }
    }

    /// The `path:LINE:` or bare relative `path` a message starts with
    /// (after an optional `api: `), if any.
    pub fn at_line_prefix(message: &str) -> Option<Self> {
        let first = message.split_whitespace().find(|t| t.contains('/'))?;
        let mut parts = first.trim_end_matches(':').split(':');
        let path = parts.next()?;
        let looks_like_file = [".rs", ".yaml", ".lock", ".toml"]
            .iter()
            .any(|ext| path.ends_with(ext))
            && !path.starts_with('/');
        if !looks_like_file {
            return None;
        }
        Some(match parts.next().and_then(|l| l.parse().ok()) {
            Some(line) => Site::line(path, line),
            None => Site::file(path),
        })
    }

    /// `file:line:column`, `file:line` or `file`.
    pub fn location(&self) -> Option<String> {
        let file = self.file.display();
        Some(match (self.line, self.column) {
            (Some(line), Some(column)) => format!("{file}:{line}:{column}"),
            (Some(line), None) => format!("{file}:{line}"),
            _ => file.to_string(),
        })
    }
}

/// Fills in the line and column of every failure's site in `report`.
pub fn resolve_sites(root: &Path, report: &mut SpecReport) {
    if report.passed() {
        return;
    }
    let mut texts: BTreeMap<PathBuf, Option<String>> = BTreeMap::new();
    let mut positions: BTreeMap<PathBuf, (Option<Positions>, Option<Value>)> = BTreeMap::new();
    for outcome in [
        &mut report.spec_valid,
        &mut report.examples_valid,
        &mut report.sdk_fresh,
        &mut report.semver,
        &mut report.server,
    ] {
        for site in outcome.sites.values_mut() {
            if site.line.is_some() {
                continue;
            }
            let text = texts
                .entry(site.file.clone())
                .or_insert_with(|| std::fs::read_to_string(root.join(&site.file)).ok());
            let Some(text) = text else {
                continue;
            };
            if let Some(pointer) = &site.pointer {
                let (tree, doc) = positions.entry(site.file.clone()).or_insert_with(|| {
                    (
                        Positions::of(text),
                        serde_saphyr::from_str::<Value>(text).ok(),
                    )
                });
                let pointer = doc
                    .as_ref()
                    .map(|doc| through_refs(doc, pointer))
                    .unwrap_or_else(|| pointer.clone());
                if let Some(at) = tree.as_ref().and_then(|t| t.locate(&pointer)) {
                    site.line = usize::try_from(at.line).ok();
                    site.column = usize::try_from(at.column).ok();
                }
            } else if let Some(needle) = &site.needle
                && let Some((i, line)) = text.lines().enumerate().find(|(_, l)| l.contains(needle))
            {
                site.line = Some(i + 1);
                site.column = line.find(needle).map(|c| c + 1);
            }
        }
    }
}

/// `pointer` with every `$ref` on its way followed, so that a place inside
/// a referenced schema is named where it is written
/// (`/paths/…/schema/properties/x` → `/components/schemas/S/properties/x`).
pub fn through_refs(doc: &Value, pointer: &str) -> String {
    let mut at = String::new();
    for segment in pointer.split('/').skip(1) {
        let key = segment.replace("~1", "/").replace("~0", "~");
        let here = doc.pointer(&at);
        let target = here
            .filter(|v| v.get(&key).is_none() && !v.is_array())
            .and_then(|v| v.get("$ref"))
            .and_then(Value::as_str)
            .and_then(|r| r.strip_prefix('#'));
        if let Some(target) = target {
            at = target.to_string();
        }
        at.push('/');
        at.push_str(segment);
    }
    at
}

/// One failure as the machine formats report it.
fn entries(reports: &[SpecReport]) -> Vec<Value> {
    let mut out = Vec::new();
    for report in reports {
        for (check, failure, site) in report.sited_failures() {
            out.push(json!({
                "api": report.name,
                "column": check,
                "severity": "error",
                "file": site.map(|s| s.file.display().to_string()).unwrap_or_else(|| report.path.clone()),
                "line": site.and_then(|s| s.line),
                "col": site.and_then(|s| s.column),
                "pointer": site.and_then(|s| s.pointer.clone()),
                "message": failure.trim(),
            }));
        }
    }
    out
}

/// `--format json`: every failure, and each spec's verdict per column.
pub fn render_json(reports: &[SpecReport]) -> String {
    let specs: Vec<Value> = reports
        .iter()
        .map(|r| {
            let columns: serde_json::Map<String, Value> = r
                .outcomes()
                .into_iter()
                .map(|(check, o)| {
                    (
                        check.to_string(),
                        json!({ "passed": o.passed(), "note": o.note, "failures": o.failures.len() }),
                    )
                })
                .collect();
            json!({ "api": r.name, "spec": r.path, "passed": r.passed(), "columns": columns })
        })
        .collect();
    let report = json!({
        "passed": reports.iter().all(SpecReport::passed),
        "specs": specs,
        "findings": entries(reports),
    });
    format!(
        "{}\n",
        serde_json::to_string_pretty(&report).unwrap_or_default()
    )
}

/// GitHub's workflow-command escaping of a property value or message.
fn escape(text: &str, property: bool) -> String {
    let mut out = text
        .replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A");
    if property {
        out = out.replace(':', "%3A").replace(',', "%2C");
    }
    out
}

/// `--format github`: one `::error` annotation per failure, on its file and
/// line where known, then the summary line.
pub fn render_github(reports: &[SpecReport]) -> String {
    let mut out = String::new();
    for entry in entries(reports) {
        let mut properties = vec![format!(
            "file={}",
            escape(entry["file"].as_str().unwrap_or_default(), true)
        )];
        if let Some(line) = entry["line"].as_u64() {
            properties.push(format!("line={line}"));
        }
        if let Some(col) = entry["col"].as_u64() {
            properties.push(format!("col={col}"));
        }
        properties.push(format!(
            "title={}",
            escape(
                &format!(
                    "{} {}",
                    entry["api"].as_str().unwrap_or_default(),
                    entry["column"].as_str().unwrap_or_default()
                ),
                true
            )
        ));
        let _ = writeln!(
            out,
            "::error {}::{}",
            properties.join(","),
            escape(entry["message"].as_str().unwrap_or_default(), false)
        );
    }
    let failed = reports.iter().filter(|r| !r.passed()).count();
    let _ = writeln!(out, "{failed} of {} specs fail", reports.len());
    out
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::{Site, through_refs};

    #[test]
    fn a_pointer_through_a_ref_is_named_where_the_schema_is_written() {
        let doc = json!({
            "paths": { "/p": { "put": { "schema": { "$ref": "#/components/schemas/S" } } } },
            "components": { "schemas": { "S": { "properties": { "x": { "maxLength": 2 } } } } }
        });
        assert_eq!(
            through_refs(&doc, "/paths/~1p/put/schema/properties/x/maxLength"),
            "/components/schemas/S/properties/x/maxLength"
        );
        assert_eq!(through_refs(&doc, "/paths/~1p/put"), "/paths/~1p/put");
    }

    #[test]
    fn a_message_starting_with_a_file_and_line_is_sited_there() {
        assert_eq!(
            Site::at_line_prefix("exante: server/src/apis/exante/api.rs:106: `A.b` is …"),
            Some(Site::line("server/src/apis/exante/api.rs", 106))
        );
        assert_eq!(
            Site::at_line_prefix("spec/released/zitadel/1.0.0.yaml changed after it was released"),
            Some(Site::file("spec/released/zitadel/1.0.0.yaml"))
        );
        assert_eq!(
            Site::at_line_prefix("x-rule r at /components/schemas/S"),
            None
        );
    }
}
