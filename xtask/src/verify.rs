//! `cargo xtask verify <api> --recording <file>`: a recording checked
//! offline with the proxy's rules ([`crate::exchange_check`]), and what it
//! shows about the API: the operations and statuses seen, the statuses the
//! spec documents that never came, and the statuses that came that the spec
//! does not document.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use serde_json::{Value, json};

use crate::exchange_check::{Checker, Finding, Operation};
use crate::recording::Exchange;

/// One exchange's line: `PUT /auth/v1/users/me/profile 200 12.4 ms`.
pub fn exchange_line(exchange: &Exchange) -> String {
    let query = exchange
        .request
        .query
        .as_ref()
        .map(|q| format!("?{q}"))
        .unwrap_or_default();
    format!(
        "{} {}{query} {} {:.1} ms",
        exchange.request.method,
        exchange.request.path,
        exchange.response.status,
        exchange.timing.upstream_ms + exchange.timing.proxy_ms
    )
}

/// What a recording shows.
#[derive(Debug, Default)]
pub struct Summary {
    pub api: String,
    pub exchanges: usize,
    /// Per documented operation: each status seen, how often.
    pub seen: BTreeMap<Operation, BTreeMap<u16, usize>>,
    /// Per documented operation: each `responses` key seen matched.
    pub keys_seen: BTreeMap<Operation, BTreeMap<String, usize>>,
    /// Every operation the spec documents, with its `responses` keys.
    pub documented: Vec<(Operation, Vec<String>)>,
    /// Per operation: statuses that came that no `responses` key covers.
    pub undocumented: BTreeMap<Operation, BTreeMap<u16, usize>>,
    /// Exchanges the spec has no operation for.
    pub unmatched: usize,
    /// `(line number in the recording, exchange line, finding)`.
    pub findings: Vec<(usize, String, Finding)>,
}

impl Summary {
    /// The violations (findings that are not refusals).
    pub fn violations(&self) -> impl Iterator<Item = &(usize, String, Finding)> {
        self.findings.iter().filter(|(_, _, f)| !f.refused)
    }

    /// No violation.
    pub fn passed(&self) -> bool {
        self.violations().next().is_none()
    }

    /// Per documented operation, the `responses` keys no exchange matched.
    pub fn never_seen(&self) -> Vec<(Operation, Vec<String>)> {
        self.documented
            .iter()
            .map(|(operation, keys)| {
                let seen = self.keys_seen.get(operation);
                let missing = keys
                    .iter()
                    .filter(|key| seen.is_none_or(|seen| !seen.contains_key(*key)))
                    .cloned()
                    .collect();
                (operation.clone(), missing)
            })
            .collect()
    }
}

/// Checks every exchange of a recording against `checker`'s spec. An
/// exchange recorded for another API is an error.
pub fn verify(checker: &Checker, exchanges: &[Exchange]) -> Result<Summary, String> {
    let api = checker.spec().name.clone();
    let mut summary = Summary {
        api: api.clone(),
        documented: checker.documented(),
        ..Summary::default()
    };
    for (i, exchange) in exchanges.iter().enumerate() {
        if exchange.api != api {
            return Err(format!(
                "exchange {} was recorded for {}, not {api}",
                i + 1,
                exchange.api
            ));
        }
        summary.exchanges += 1;
        let verdict = checker.check(exchange);
        let status = exchange.response.status;
        match &verdict.operation {
            Some(operation) => {
                *summary
                    .seen
                    .entry(operation.clone())
                    .or_default()
                    .entry(status)
                    .or_default() += 1;
                match &verdict.documented_as {
                    Some(key) => {
                        *summary
                            .keys_seen
                            .entry(operation.clone())
                            .or_default()
                            .entry(key.clone())
                            .or_default() += 1;
                    }
                    None => {
                        *summary
                            .undocumented
                            .entry(operation.clone())
                            .or_default()
                            .entry(status)
                            .or_default() += 1;
                    }
                }
            }
            None => summary.unmatched += 1,
        }
        let line = exchange_line(exchange);
        for finding in verdict.findings {
            summary.findings.push((i + 1, line.clone(), finding));
        }
    }
    Ok(summary)
}

fn counts(statuses: &BTreeMap<u16, usize>) -> String {
    statuses
        .iter()
        .map(|(status, n)| format!("{status} ×{n}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// The summary as text: each exchange with findings, then the totals.
pub fn render_text(summary: &Summary) -> String {
    let mut out = String::new();
    let mut last = 0;
    for (line, exchange, finding) in &summary.findings {
        if *line != last {
            let _ = writeln!(out, "#{line} {exchange}");
            last = *line;
        }
        let _ = writeln!(out, "  {finding}");
    }
    out + &totals(summary)
}

/// The totals: exchanges, violations, and the statuses seen and not.
fn totals(summary: &Summary) -> String {
    let mut out = String::new();
    let violations = summary.violations().count();
    let refused = summary.findings.len() - violations;
    let _ = writeln!(
        out,
        "{}: {} exchanges, {violations} violations, {refused} refused requests outside the spec",
        summary.api, summary.exchanges
    );
    for (operation, statuses) in &summary.seen {
        let _ = writeln!(out, "  {operation}: seen {}", counts(statuses));
    }
    for (operation, missing) in summary.never_seen() {
        if !missing.is_empty() {
            let _ = writeln!(
                out,
                "  {operation}: documented, never seen: {}",
                missing.join(", ")
            );
        }
    }
    for (operation, statuses) in &summary.undocumented {
        let _ = writeln!(
            out,
            "  {operation}: seen, not documented: {}",
            counts(statuses)
        );
    }
    if summary.unmatched > 0 {
        let _ = writeln!(
            out,
            "  {} exchanges match no documented operation",
            summary.unmatched
        );
    }
    out
}

/// GitHub's workflow-command escaping of a property value or message.
fn escape_github(text: &str, property: bool) -> String {
    let mut out = text
        .replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A");
    if property {
        out = out.replace(':', "%3A").replace(',', "%2C");
    }
    out
}

/// `--format github`: one `::error` annotation per violation on the spec's
/// line (a refusal is a `::notice`), then the text summary.
pub fn render_github(summary: &Summary, spec_file: &str) -> String {
    let mut out = String::new();
    for (line, exchange, finding) in &summary.findings {
        let mut properties = vec![format!("file={}", escape_github(spec_file, true))];
        if let Some(l) = finding.line {
            properties.push(format!("line={l}"));
        }
        if let Some(c) = finding.column {
            properties.push(format!("col={c}"));
        }
        properties.push(format!(
            "title={}",
            escape_github(&format!("{} verify {}", summary.api, finding.rule), true)
        ));
        let level = if finding.refused { "notice" } else { "error" };
        let message = format!(
            "recording #{line} {exchange}: {} {} at #{}: expected {}; came {}",
            finding.side, finding.at, finding.pointer, finding.expected, finding.came
        );
        let _ = writeln!(
            out,
            "::{level} {}::{}",
            properties.join(","),
            escape_github(&message, false)
        );
    }
    out + &totals(summary)
}

/// `--format json`: the summary and every finding.
pub fn render_json(summary: &Summary) -> String {
    let operations: Vec<Value> = summary
        .documented
        .iter()
        .map(|(operation, _)| {
            let statuses = |map: Option<&BTreeMap<u16, usize>>| -> Value {
                map.map(|m| {
                    m.iter()
                        .map(|(s, n)| (s.to_string(), json!(n)))
                        .collect::<serde_json::Map<_, _>>()
                })
                .map(Value::Object)
                .unwrap_or_else(|| json!({}))
            };
            let never: Vec<String> = summary
                .never_seen()
                .into_iter()
                .find(|(o, _)| o == operation)
                .map(|(_, missing)| missing)
                .unwrap_or_default();
            json!({
                "method": operation.method,
                "path": operation.template,
                "seen": statuses(summary.seen.get(operation)),
                "documented_never_seen": never,
                "seen_not_documented": statuses(summary.undocumented.get(operation)),
            })
        })
        .collect();
    let findings: Vec<Value> = summary
        .findings
        .iter()
        .map(|(line, exchange, finding)| {
            let mut value = serde_json::to_value(finding).unwrap_or_default();
            value["recording_line"] = json!(line);
            value["exchange"] = json!(exchange);
            value
        })
        .collect();
    let report = json!({
        "api": summary.api,
        "passed": summary.passed(),
        "exchanges": summary.exchanges,
        "violations": summary.violations().count(),
        "unmatched": summary.unmatched,
        "operations": operations,
        "findings": findings,
    });
    format!(
        "{}\n",
        serde_json::to_string_pretty(&report).unwrap_or_default()
    )
}
