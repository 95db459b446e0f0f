//! The spec's `x-rule`s and the server tests that enforce them.
//!
//! An `x-rule` names a rule JSON Schema cannot state (an IANA time zone,
//! membership of an organisation). It is part of the contract, so the
//! server must enforce exactly the rules the spec states: each API lists, in
//! `server/rules/<api>.yaml`, every rule it enforces, where the spec states
//! it, the test in the API's own test file that shows the server enforcing
//! it, and what that test shows. The gate's server column fails on a spec
//! rule without an entry (stated but not shown to be enforced) and on an
//! entry without a spec rule (enforced, and tested, but no longer stated,
//! e.g. a rule deleted from the spec while the server still refuses what it
//! refused).

use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::conformance::check_api_test;
use openapi_walk::escape;

/// One enforced rule.
#[derive(Clone, Debug, PartialEq, Eq, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EnforcedRule {
    /// The `x-rule` value.
    pub rule: String,
    /// The schema carrying it, as a JSON pointer into the spec.
    pub pointer: String,
    /// `server/tests/api/<api>.rs::<fn name>`.
    pub test: String,
    /// What that test shows, in one sentence.
    pub shows: String,
}

/// Where an API's enforced rules are listed, relative to the workspace root.
pub fn rules_file(api: &str) -> PathBuf {
    Path::new("server")
        .join("rules")
        .join(format!("{api}.yaml"))
}

/// Parses a rules list (empty text is no rules).
pub fn parse_rules(yaml: &str) -> Result<Vec<EnforcedRule>, String> {
    if yaml.trim().is_empty() {
        return Ok(Vec::new());
    }
    serde_saphyr::from_str(yaml).map_err(|e| format!("the rules are not valid: {e}"))
}

/// Every `x-rule` in `doc`: `(pointer of the schema carrying it, rule)`, in
/// document order.
pub fn spec_rules(doc: &Value) -> Vec<(String, String)> {
    fn walk(value: &Value, at: &str, out: &mut Vec<(String, String)>) {
        match value {
            Value::Object(map) => {
                if let Some(Value::String(rule)) = map.get("x-rule") {
                    out.push((at.to_string(), rule.clone()));
                }
                for (key, child) in map {
                    walk(child, &format!("{at}/{}", escape(key)), out);
                }
            }
            Value::Array(items) => {
                for (i, child) in items.iter().enumerate() {
                    walk(child, &format!("{at}/{i}"), out);
                }
            }
            _ => {}
        }
    }
    let mut out = Vec::new();
    walk(doc, "", &mut out);
    out
}

/// The spec's rules against the server's list: one failure per rule stated
/// but not listed, per entry no longer stated, and per entry whose test is
/// not in the API's own test file or does not exist.
pub fn check_rules(root: &Path, api: &str, spec: &Value, enforced: &[EnforcedRule]) -> Vec<String> {
    let file = rules_file(api);
    let stated = spec_rules(spec);
    let mut failures = Vec::new();
    for (pointer, rule) in &stated {
        if !enforced
            .iter()
            .any(|e| &e.pointer == pointer && &e.rule == rule)
        {
            failures.push(format!(
                "{api}: x-rule {rule} at {pointer} names no enforcing server test: add it to {} \
                 with the test in server/tests/api/{api}.rs that shows the server enforcing it",
                file.display()
            ));
        }
    }
    for entry in enforced {
        if !stated
            .iter()
            .any(|(pointer, rule)| *pointer == entry.pointer && *rule == entry.rule)
        {
            failures.push(format!(
                "{api}: {} lists x-rule {} at {}, which the spec no longer states, but the \
                 server enforces it ({} shows that): a rule is part of the contract; restore it \
                 in the spec, or stop enforcing it and remove its test and this entry",
                file.display(),
                entry.rule,
                entry.pointer,
                entry.test
            ));
        }
        if let Err(why) = check_api_test(root, api, &entry.test, &entry.shows) {
            failures.push(format!(
                "{api}: x-rule {} in {} names the test {}, which cannot prove it: {why}",
                entry.rule,
                file.display(),
                entry.test
            ));
        }
    }
    failures
}
