//! "Is this a valid OpenAPI 3.0.3 document?"
//!
//! Three layers, each catching what the one before cannot:
//! 1. the official OpenAPI 3.0 JSON Schema (OAI, 2021-09-28), vendored under
//!    `xtask/schemas/`, checks the document's structure;
//! 2. `openapiv3`, the model progenitor reads, must accept it;
//! 3. rules the JSON Schema cannot state: `openapi` is exactly 3.0.3, every
//!    `$ref` resolves, operation ids are unique, path templates and path
//!    parameters agree, security requirements name declared schemes, and no
//!    keyword sits beside a `$ref` (OpenAPI 3.0 ignores it there, so writing
//!    one is always a mistake), and no description holds a bare HTML tag
//!    (`crate::prose`).

use std::collections::BTreeSet;
use std::sync::OnceLock;

use openapi_walk::{escape, operations, pointer, resolve};
use serde_json::Value;

use crate::spec::{ApiSpec, Problem};

const OAS_30_SCHEMA: &str = include_str!("../schemas/oas-3.0-2021-09-28.json");

fn oas_validator() -> Result<&'static jsonschema::Validator, String> {
    static VALIDATOR: OnceLock<Result<jsonschema::Validator, String>> = OnceLock::new();
    VALIDATOR
        .get_or_init(|| {
            let schema: Value = serde_json::from_str(OAS_30_SCHEMA)
                .map_err(|e| format!("vendored OpenAPI 3.0 schema is not JSON: {e}"))?;
            jsonschema::options()
                .with_draft(jsonschema::Draft::Draft4)
                .build(&schema)
                .map_err(|e| format!("vendored OpenAPI 3.0 schema does not compile: {e}"))
        })
        .as_ref()
        .map_err(Clone::clone)
}

/// Returns every structural problem of the spec; empty means valid.
pub fn validate_openapi(spec: &ApiSpec) -> Vec<Problem> {
    let doc = &spec.doc;
    let mut problems = Vec::new();

    match doc.get("openapi").and_then(Value::as_str) {
        Some("3.0.3") => {}
        Some(other) => problems.push(Problem::new(
            "/openapi",
            format!("must be \"3.0.3\", found \"{other}\""),
        )),
        None => problems.push(Problem::new("/openapi", "missing")),
    }

    match oas_validator() {
        Ok(validator) => {
            for error in validator.iter_errors(doc) {
                problems.push(Problem::new(
                    error.instance_path().to_string(),
                    format!("not valid OpenAPI 3.0: {error}"),
                ));
            }
        }
        Err(e) => problems.push(Problem::new("", e)),
    }

    if let Err(e) = serde_json::from_value::<openapiv3::OpenAPI>(doc.clone()) {
        problems.push(Problem::new(
            "",
            format!("not readable as an OpenAPI 3.0 model: {e}"),
        ));
    }

    check_refs(doc, doc, &mut String::new(), &mut problems);
    check_operations(doc, &mut problems);
    problems.extend(crate::prose::check_prose(doc));
    problems
}

/// Every `$ref` must point at something, and must stand alone.
fn check_refs(doc: &Value, value: &Value, at: &mut String, problems: &mut Vec<Problem>) {
    match value {
        Value::Object(map) => {
            if let Some(target) = map.get("$ref") {
                match target.as_str() {
                    Some(t) if t.starts_with('#') => {
                        if doc.pointer(&t[1..]).is_none() {
                            problems.push(Problem::new(
                                at.clone(),
                                format!("$ref \"{t}\" points at nothing"),
                            ));
                        }
                    }
                    Some(t) => problems.push(Problem::new(
                        at.clone(),
                        format!("$ref \"{t}\" is not local; specs must be self-contained"),
                    )),
                    None => problems.push(Problem::new(at.clone(), "$ref is not a string")),
                }
                let siblings: Vec<&str> = map
                    .keys()
                    .map(String::as_str)
                    .filter(|k| *k != "$ref")
                    .collect();
                // Inside `properties` a key literally named "$ref" would be a
                // field name, but no spec here has one, so any sibling is the
                // OpenAPI 3.0 trap: the sibling is silently ignored.
                if !siblings.is_empty() {
                    problems.push(Problem::new(
                        at.clone(),
                        format!(
                            "{} beside $ref is ignored by OpenAPI 3.0; wrap the reference in allOf",
                            siblings.join(", ")
                        ),
                    ));
                }
            }
            for (key, child) in map {
                let len = at.len();
                at.push('/');
                at.push_str(&escape(key));
                check_refs(doc, child, at, problems);
                at.truncate(len);
            }
        }
        Value::Array(items) => {
            for (i, child) in items.iter().enumerate() {
                let len = at.len();
                at.push_str(&format!("/{i}"));
                check_refs(doc, child, at, problems);
                at.truncate(len);
            }
        }
        _ => {}
    }
}

fn check_operations(doc: &Value, problems: &mut Vec<Problem>) {
    let schemes: BTreeSet<&str> = doc
        .pointer("/components/securitySchemes")
        .and_then(Value::as_object)
        .map(|m| m.keys().map(String::as_str).collect())
        .unwrap_or_default();
    if let Some(reqs) = doc.get("security") {
        check_security(reqs, "/security", &schemes, problems);
    }

    let mut ids = BTreeSet::new();
    for operation in operations(doc) {
        let (path, at, op) = (operation.path, operation.pointer(), operation.operation);
        match op.get("operationId").and_then(Value::as_str) {
            Some(id) if !ids.insert(id.to_string()) => problems.push(Problem::new(
                format!("{at}/operationId"),
                format!("operationId \"{id}\" is used twice"),
            )),
            Some(_) => {}
            None => problems.push(Problem::new(
                at.clone(),
                "operationId is missing; the SDK method is named after it",
            )),
        }

        if let Some(reqs) = op.get("security") {
            check_security(reqs, &format!("{at}/security"), &schemes, problems);
        }

        let templated: BTreeSet<String> = path
            .split('{')
            .skip(1)
            .filter_map(|s| s.split('}').next())
            .map(str::to_string)
            .collect();
        let path_item = doc.pointer(&pointer(["paths", path]));
        let declared: BTreeSet<String> = path_item
            .and_then(|item| item.get("parameters"))
            .into_iter()
            .chain(op.get("parameters"))
            .filter_map(Value::as_array)
            .flatten()
            .map(|p| resolve(doc, p))
            .filter(|p| p.get("in").and_then(Value::as_str) == Some("path"))
            .filter_map(|p| p.get("name").and_then(Value::as_str))
            .map(str::to_string)
            .collect();
        for name in templated.difference(&declared) {
            problems.push(Problem::new(
                at.clone(),
                format!("path template names {{{name}}} but no path parameter declares it"),
            ));
        }
        for name in declared.difference(&templated) {
            problems.push(Problem::new(
                at.clone(),
                format!("path parameter \"{name}\" does not appear in the path template"),
            ));
        }
    }
}

fn check_security(reqs: &Value, at: &str, schemes: &BTreeSet<&str>, problems: &mut Vec<Problem>) {
    for (i, req) in reqs.as_array().into_iter().flatten().enumerate() {
        for name in req.as_object().into_iter().flat_map(|m| m.keys()) {
            if !schemes.contains(name.as_str()) {
                problems.push(Problem::new(
                    format!("{at}/{i}/{}", escape(name)),
                    format!("security requirement names \"{name}\", which components.securitySchemes does not declare"),
                ));
            }
        }
    }
}
