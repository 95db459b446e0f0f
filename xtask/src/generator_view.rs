//! The generator view: what progenitor is given instead of the spec.
//!
//! The spec is the source of truth and is never edited to suit a tool. Where
//! it says something progenitor 0.15 cannot take (see
//! `docs/vendors.md`, "What the frameworks cannot say"), a named rule below derives a view
//! progenitor can take, and the SDK's hand-written layer restores the spec's
//! behaviour on the wire. Every rule that fires is reported by
//! `cargo xtask generate` and `cargo xtask check`; a construct progenitor
//! cannot take and no rule handles fails with the spec file and the JSON
//! pointer, so nothing is dropped silently.
//!
//! When adding a rule: give it a name in [`Rule`], say what it does and who
//! restores the behaviour in [`Rule::consequence`], apply it in
//! [`generator_view`], and add a test below that shows it firing.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use openapi_walk::{escape, operations, pointer, resolve};
use serde_json::{Map, Value, json};

use crate::spec::{ApiSpec, Problem};

/// A named adaptation of the spec for the generator.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Rule {
    /// `application/<x>+json` bodies are given to progenitor as
    /// `application/json`: it refuses a `+json` request body and leaves a
    /// `+json` response untyped.
    VendorJsonMediaType,
    /// `security` and `securitySchemes` are removed: progenitor ignores them
    /// and generates nothing for authentication.
    SecurityByHooks,
    /// Header parameters that carry a credential named by the operation's
    /// security scheme are removed: the SDK sends them from its credentials
    /// on every request instead of asking for them on every call.
    CredentialHeaders,
    /// A `default` error response is given as `4XX` + `5XX`: progenitor
    /// counts `default` as a success too, and two success types abort it.
    DefaultErrorAsRanges,
    /// Error responses with different bodies per status are given as one
    /// untyped JSON error body: progenitor allows one error type per
    /// operation; the SDK types the body by status.
    ErrorBodiesByStatus,
    /// A `discriminator` is removed when decoding without it picks the same
    /// variant: progenitor ignores `discriminator` and decodes `oneOf` as an
    /// untagged enum, which is only right when every variant requires the
    /// discriminating property with exactly its one mapped value.
    DiscriminatorAsUntagged,
    /// `additionalProperties: true` beside `properties` is given as
    /// `additionalProperties: {}`: the two mean the same in JSON Schema, but
    /// typify drops the undeclared members for `true` and keeps them, in a
    /// flattened `extra` map, for `{}`.
    OpenObjectKeepsExtras,
    /// A request property that is optional and nullable can be left out but
    /// not sent as `null`: typify has no `Option<Option<T>>`. Nothing is
    /// changed; the limitation is reported where it applies.
    NullableOptionalRequestField,
}

impl Rule {
    pub fn name(self) -> &'static str {
        match self {
            Rule::VendorJsonMediaType => "vendor-json-media-type",
            Rule::SecurityByHooks => "security-by-hooks",
            Rule::CredentialHeaders => "credential-headers",
            Rule::DefaultErrorAsRanges => "default-error-as-ranges",
            Rule::ErrorBodiesByStatus => "error-bodies-by-status",
            Rule::DiscriminatorAsUntagged => "discriminator-as-untagged",
            Rule::OpenObjectKeepsExtras => "open-object-keeps-extras",
            Rule::NullableOptionalRequestField => "nullable-optional-request-field",
        }
    }

    /// Who restores what the rule took away (the media-type rule says more
    /// precisely per place, in `apply_media_rule`).
    pub fn consequence(self) -> &'static str {
        match self {
            Rule::VendorJsonMediaType => "restored on the wire by the SDK",
            Rule::SecurityByHooks => "the SDK's auth.rs sends the credentials on every request",
            Rule::CredentialHeaders => "the SDK's auth.rs sends this header from its credentials",
            Rule::DefaultErrorAsRanges => "the same body is decoded for every 4xx and 5xx status",
            Rule::ErrorBodiesByStatus => {
                "the SDK's errors.rs decodes the body by status into the spec's types"
            }
            Rule::DiscriminatorAsUntagged => {
                "each variant requires its own single value, so untagged decoding picks the variant the discriminator names"
            }
            Rule::OpenObjectKeepsExtras => {
                "undeclared members are kept in the generated type's `extra` map"
            }
            Rule::NullableOptionalRequestField => {
                "known limit: the SDK sends the field or leaves it out, never `null`"
            }
        }
    }
}

/// One application of a rule at one place in the spec.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Adaptation {
    pub rule: Rule,
    /// Where in the spec (JSON pointer).
    pub pointer: String,
    /// What was changed, e.g. `application/vnd.api+json → application/json`.
    pub change: String,
    /// Who restores what was changed, on the wire or in the SDK.
    pub consequence: &'static str,
}

impl fmt::Display for Adaptation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "[{}] {}: {} for generation; {}",
            self.rule.name(),
            self.pointer,
            self.change,
            self.consequence
        )
    }
}

/// Media types progenitor 0.15 takes for request bodies.
const GENERATOR_REQUEST_MEDIA: [&str; 4] = [
    "application/json",
    "application/octet-stream",
    "application/x-www-form-urlencoded",
    "text/plain",
];

/// `application/vnd.api+json` and friends: JSON under another name.
fn is_vendor_json(media: &str) -> bool {
    let essence = media.split(';').next().unwrap_or(media).trim();
    essence.starts_with("application/") && essence.ends_with("+json")
}

fn is_error_status(status: &str) -> bool {
    status == "default" || status.starts_with('4') || status.starts_with('5')
}

/// Derives the generator view of `spec`: the document progenitor is given,
/// and every adaptation made. Fails, listing each place, when the spec uses
/// something progenitor cannot take and no rule covers.
pub fn generator_view(spec: &ApiSpec) -> Result<(Value, Vec<Adaptation>), Vec<Problem>> {
    let mut view = spec.doc.clone();
    let mut adaptations = Vec::new();

    apply_security_rules(&spec.doc, &mut view, &mut adaptations);
    let op_pointers: Vec<String> = operations(&spec.doc)
        .into_iter()
        .map(|operation| operation.pointer())
        .collect();
    for at in &op_pointers {
        apply_media_rule(&spec.doc, &mut view, at, &mut adaptations);
        apply_error_rules(&spec.doc, &mut view, at, &mut adaptations);
    }
    apply_discriminator_rule(&spec.doc, &mut view, &mut adaptations);
    apply_open_object_rule(&mut view, &mut String::new(), &mut adaptations);
    report_nullable_optional_request_fields(&spec.doc, &mut adaptations);

    let problems = unsupported(&view);
    if problems.is_empty() {
        adaptations.sort();
        Ok((view, adaptations))
    } else {
        Err(problems)
    }
}

fn apply_security_rules(doc: &Value, view: &mut Value, out: &mut Vec<Adaptation>) {
    // Header names that a security scheme carries, for `credential-headers`.
    let credential_headers: BTreeMap<String, String> = doc
        .pointer("/components/securitySchemes")
        .and_then(Value::as_object)
        .into_iter()
        .flatten()
        .filter(|(_, s)| {
            s.get("type").and_then(Value::as_str) == Some("apiKey")
                && s.get("in").and_then(Value::as_str) == Some("header")
        })
        .filter_map(|(scheme, s)| {
            let header = s.get("name")?.as_str()?;
            Some((header.to_ascii_lowercase(), scheme.clone()))
        })
        .collect();

    for operation in operations(doc) {
        let (at, op) = (operation.pointer(), operation.operation);
        let required: BTreeSet<&str> = op
            .get("security")
            .or_else(|| doc.get("security"))
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(Value::as_object)
            .flat_map(|req| req.keys().map(String::as_str))
            .collect();
        let Some(params) = op.get("parameters").and_then(Value::as_array) else {
            continue;
        };
        let mut kept = Vec::new();
        for (i, param) in params.iter().enumerate() {
            let resolved = resolve(doc, param);
            let is_header = resolved.get("in").and_then(Value::as_str) == Some("header");
            let name = resolved.get("name").and_then(Value::as_str).unwrap_or("");
            match credential_headers.get(&name.to_ascii_lowercase()) {
                Some(scheme) if is_header && required.contains(scheme.as_str()) => {
                    out.push(Adaptation {
                        rule: Rule::CredentialHeaders,
                        pointer: format!("{at}/parameters/{i}"),
                        change: format!(
                            "header parameter {name} (security scheme {scheme}) removed"
                        ),
                        consequence: Rule::CredentialHeaders.consequence(),
                    });
                }
                _ => kept.push(param.clone()),
            }
        }
        if kept.len() != params.len()
            && let Some(slot) = view.pointer_mut(&format!("{at}/parameters"))
        {
            *slot = Value::Array(kept);
        }
    }

    let mut removed = Vec::new();
    if let Some(obj) = view.as_object_mut()
        && obj.remove("security").is_some()
    {
        removed.push("/security".to_string());
    }
    for operation in operations(doc) {
        let at = operation.pointer();
        if let Some(op) = view.pointer_mut(&at).and_then(Value::as_object_mut)
            && op.remove("security").is_some()
        {
            removed.push(format!("{at}/security"));
        }
    }
    if let Some(components) = view.get_mut("components").and_then(Value::as_object_mut)
        && components.remove("securitySchemes").is_some()
    {
        removed.push("/components/securitySchemes".to_string());
    }
    for pointer in removed {
        out.push(Adaptation {
            rule: Rule::SecurityByHooks,
            change: "removed".to_string(),
            consequence: Rule::SecurityByHooks.consequence(),
            pointer,
        });
    }
}

/// Every (body pointer, content map) of an operation: request and responses.
fn bodies(op_at: &str, op: &Value) -> Vec<String> {
    let mut found = Vec::new();
    if op.get("requestBody").is_some() {
        found.push(format!("{op_at}/requestBody"));
    }
    for status in op
        .get("responses")
        .and_then(Value::as_object)
        .into_iter()
        .flat_map(|m| m.keys())
    {
        found.push(format!("{op_at}/responses/{}", escape(status)));
    }
    found
}

fn apply_media_rule(doc: &Value, view: &mut Value, op_at: &str, out: &mut Vec<Adaptation>) {
    let Some(op) = doc.pointer(op_at) else { return };
    for body_at in bodies(op_at, op) {
        let consequence = if body_at.ends_with("/requestBody") {
            "the SDK's auth.rs restores Content-Type on the wire"
        } else {
            "the SDK's auth.rs restores Accept on the wire and reads the body as JSON"
        };
        let Some(content) = view
            .pointer_mut(&format!("{body_at}/content"))
            .and_then(Value::as_object_mut)
        else {
            continue;
        };
        let vendor: Vec<String> = content
            .keys()
            .filter(|m| is_vendor_json(m))
            .cloned()
            .collect();
        for media in vendor {
            let Some(entry) = content.remove(&media) else {
                continue;
            };
            let pointer = format!("{body_at}/content/{}", escape(&media));
            match content.get("application/json") {
                // The same body listed under both names (CL2C's 400): one
                // entry is enough for the generator.
                Some(existing) if existing.get("schema") == entry.get("schema") => {
                    out.push(Adaptation {
                        rule: Rule::VendorJsonMediaType,
                        pointer,
                        change: format!("{media} merged into application/json (same schema)"),
                        consequence: "progenitor decodes the body whichever of the two media types the server sends",
                    });
                }
                Some(_) => {
                    // Different schemas under two JSON names cannot be one
                    // entry; leave it in place for `unsupported` to report.
                    content.insert(media, entry);
                }
                None => {
                    content.insert("application/json".to_string(), entry);
                    out.push(Adaptation {
                        rule: Rule::VendorJsonMediaType,
                        pointer,
                        change: format!("{media} → application/json"),
                        consequence,
                    });
                }
            }
        }
    }
}

/// The schema of a response's JSON body, after the media rule.
fn json_schema_of(response: &Value) -> Option<&Value> {
    response.pointer("/content/application~1json/schema")
}

fn apply_error_rules(doc: &Value, view: &mut Value, op_at: &str, out: &mut Vec<Adaptation>) {
    let Some(responses) = view
        .pointer(&format!("{op_at}/responses"))
        .and_then(Value::as_object)
        .cloned()
    else {
        return;
    };
    let success_schemas: BTreeSet<String> = responses
        .iter()
        .filter(|(s, _)| !is_error_status(s))
        .filter_map(|(_, r)| json_schema_of(resolve(doc, r)))
        .map(Value::to_string)
        .collect();
    let errors: Vec<(&String, &Value)> = responses
        .iter()
        .filter(|(s, _)| is_error_status(s))
        .map(|(s, r)| (s, resolve(doc, r)))
        .collect();
    let error_schemas: BTreeSet<String> = errors
        .iter()
        .filter_map(|(_, r)| json_schema_of(r))
        .map(Value::to_string)
        .collect();
    let default_differs = errors.iter().any(|(s, r)| {
        s.as_str() == "default"
            && json_schema_of(r)
                .is_some_and(|schema| !success_schemas.contains(&schema.to_string()))
    });

    let replacement: Option<(Rule, Value, String)> = if error_schemas.len() > 1 {
        let statuses: Vec<&str> = errors.iter().map(|(s, _)| s.as_str()).collect();
        Some((
            Rule::ErrorBodiesByStatus,
            json!({
                "description": "Error body, typed by status in the SDK's errors.rs",
                "content": { "application/json": { "schema": {} } }
            }),
            format!(
                "{} error bodies ({}) → one untyped JSON body under 4XX + 5XX",
                error_schemas.len(),
                statuses.join(", ")
            ),
        ))
    } else if default_differs {
        let default = errors
            .iter()
            .find(|(s, _)| s.as_str() == "default")
            .map(|(_, r)| (*r).clone())
            .unwrap_or(Value::Null);
        Some((
            Rule::DefaultErrorAsRanges,
            default,
            "default error response → 4XX + 5XX".to_string(),
        ))
    } else {
        None
    };

    if let Some((rule, body, change)) = replacement {
        let Some(slot) = view
            .pointer_mut(&format!("{op_at}/responses"))
            .and_then(Value::as_object_mut)
        else {
            return;
        };
        let mut kept: Map<String, Value> = slot
            .iter()
            .filter(|(s, _)| !is_error_status(s))
            .map(|(s, r)| (s.clone(), r.clone()))
            .collect();
        kept.insert("4XX".to_string(), body.clone());
        kept.insert("5XX".to_string(), body);
        *slot = kept;
        out.push(Adaptation {
            rule,
            pointer: format!("{op_at}/responses"),
            change,
            consequence: rule.consequence(),
        });
    }
}

fn apply_discriminator_rule(doc: &Value, view: &mut Value, out: &mut Vec<Adaptation>) {
    let Some(schemas) = doc
        .pointer("/components/schemas")
        .and_then(Value::as_object)
    else {
        return;
    };
    for (name, schema) in schemas {
        let Some(property) = schema
            .pointer("/discriminator/propertyName")
            .and_then(Value::as_str)
        else {
            continue;
        };
        let Some(variants) = schema
            .get("oneOf")
            .or_else(|| schema.get("anyOf"))
            .and_then(Value::as_array)
        else {
            continue;
        };
        let mapping = schema
            .pointer("/discriminator/mapping")
            .and_then(Value::as_object);
        // The single value each variant requires for `property`, by $ref.
        let values: Option<Vec<(String, String)>> = variants
            .iter()
            .map(|variant| {
                let target = variant.get("$ref")?.as_str()?.to_string();
                let resolved = resolve(doc, variant);
                let required = resolved.get("required")?.as_array()?;
                if !required.iter().any(|r| r.as_str() == Some(property)) {
                    return None;
                }
                let prop = resolve(
                    doc,
                    resolved.pointer(&format!("/properties/{}", escape(property)))?,
                );
                match prop.get("enum")?.as_array()?.as_slice() {
                    [Value::String(only)] => Some((target, only.clone())),
                    _ => None,
                }
            })
            .collect();
        let Some(values) = values else { continue };
        let distinct: BTreeSet<&String> = values.iter().map(|(_, v)| v).collect();
        let agrees_with_mapping = mapping.is_none_or(|m| {
            m.iter().all(|(value, target)| {
                values
                    .iter()
                    .any(|(t, v)| Some(t.as_str()) == target.as_str() && v == value)
            })
        });
        if distinct.len() != values.len() || !agrees_with_mapping {
            continue;
        }
        let at = format!("/components/schemas/{}", escape(name));
        if let Some(obj) = view.pointer_mut(&at).and_then(Value::as_object_mut) {
            obj.remove("discriminator");
        }
        out.push(Adaptation {
            rule: Rule::DiscriminatorAsUntagged,
            pointer: format!("{at}/discriminator"),
            change: format!(
                "discriminator on `{property}` ({}) removed",
                values
                    .iter()
                    .map(|(_, v)| v.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            consequence: Rule::DiscriminatorAsUntagged.consequence(),
        });
    }
}

/// Rewrites, in place, every `additionalProperties: true` that sits beside
/// `properties` anywhere in the view (a property literally named
/// "properties" cannot confuse this: it would sit under `properties`, where
/// its value is a schema, not a map of schemas next to the flag).
fn apply_open_object_rule(value: &mut Value, at: &mut String, out: &mut Vec<Adaptation>) {
    match value {
        Value::Object(map) => {
            if map.contains_key("properties")
                && map.get("additionalProperties") == Some(&Value::Bool(true))
            {
                map.insert("additionalProperties".to_string(), json!({}));
                out.push(Adaptation {
                    rule: Rule::OpenObjectKeepsExtras,
                    pointer: format!("{at}/additionalProperties"),
                    change: "additionalProperties: true → {}".to_string(),
                    consequence: Rule::OpenObjectKeepsExtras.consequence(),
                });
            }
            for (key, child) in map.iter_mut() {
                let len = at.len();
                at.push('/');
                at.push_str(&escape(key));
                apply_open_object_rule(child, at, out);
                at.truncate(len);
            }
        }
        Value::Array(items) => {
            for (i, child) in items.iter_mut().enumerate() {
                let len = at.len();
                at.push_str(&format!("/{i}"));
                apply_open_object_rule(child, at, out);
                at.truncate(len);
            }
        }
        _ => {}
    }
}

/// Reports each optional, nullable property reachable from a request body.
fn report_nullable_optional_request_fields(doc: &Value, out: &mut Vec<Adaptation>) {
    fn walk(
        doc: &Value,
        schema: &Value,
        at: String,
        seen: &mut BTreeSet<String>,
        out: &mut Vec<Adaptation>,
    ) {
        let (schema, at) = match schema.get("$ref").and_then(Value::as_str) {
            Some(target) => {
                if !seen.insert(target.to_string()) {
                    return;
                }
                (
                    resolve(doc, schema),
                    target.trim_start_matches('#').to_string(),
                )
            }
            None => (schema, at),
        };
        let required: BTreeSet<&str> = schema
            .get("required")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(Value::as_str)
            .collect();
        for (name, prop) in schema
            .get("properties")
            .and_then(Value::as_object)
            .into_iter()
            .flatten()
        {
            let prop_at = format!("{at}/properties/{}", escape(name));
            let nullable = prop.get("nullable") == Some(&Value::Bool(true))
                || resolve(doc, prop).get("nullable") == Some(&Value::Bool(true));
            if nullable && !required.contains(name.as_str()) {
                out.push(Adaptation {
                    rule: Rule::NullableOptionalRequestField,
                    pointer: prop_at.clone(),
                    change: format!("`{name}` (absent or null) is one Option"),
                    consequence: Rule::NullableOptionalRequestField.consequence(),
                });
            }
            walk(doc, prop, prop_at, seen, out);
        }
        for key in ["items", "additionalProperties"] {
            if let Some(sub) = schema.get(key).filter(|s| s.is_object()) {
                walk(doc, sub, format!("{at}/{key}"), seen, out);
            }
        }
        for key in ["allOf", "anyOf", "oneOf"] {
            for (i, sub) in schema
                .get(key)
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .enumerate()
            {
                walk(doc, sub, format!("{at}/{key}/{i}"), seen, out);
            }
        }
    }
    let mut seen = BTreeSet::new();
    for operation in operations(doc) {
        let (at, op) = (operation.pointer(), operation.operation);
        let Some(body) = op.get("requestBody").map(|b| resolve(doc, b)) else {
            continue;
        };
        for (media, content) in body
            .get("content")
            .and_then(Value::as_object)
            .into_iter()
            .flatten()
        {
            if let Some(schema) = content.get("schema") {
                let schema_at = format!("{at}/requestBody/content/{}/schema", escape(media));
                walk(doc, schema, schema_at, &mut seen, out);
            }
        }
    }
}

/// What progenitor cannot take and no rule has adapted, in the view.
pub fn unsupported(view: &Value) -> Vec<Problem> {
    let mut problems = Vec::new();
    if view.get("security").is_some() {
        problems.push(Problem::new(
            "/security",
            "progenitor ignores security requirements",
        ));
    }
    if view.pointer("/components/securitySchemes").is_some() {
        problems.push(Problem::new(
            "/components/securitySchemes",
            "progenitor ignores security schemes",
        ));
    }
    if let Some(paths) = view.get("paths").and_then(Value::as_object) {
        for (path, item) in paths {
            if item.get("$ref").is_some() {
                problems.push(Problem::new(
                    pointer(["paths", path.as_str()]),
                    "progenitor cannot take a $ref path item",
                ));
            }
        }
    }
    if let Some(schemas) = view
        .pointer("/components/schemas")
        .and_then(Value::as_object)
    {
        for (name, schema) in schemas {
            if schema.get("discriminator").is_some() {
                problems.push(Problem::new(
                    format!("/components/schemas/{}/discriminator", escape(name)),
                    "progenitor ignores discriminator, and untagged decoding could pick another variant \
                     (each variant must require the property with exactly its one mapped value)",
                ));
            }
        }
    }
    for operation in operations(view) {
        let (at, op) = (operation.pointer(), operation.operation);
        if op.get("security").is_some() {
            problems.push(Problem::new(
                format!("{at}/security"),
                "progenitor ignores security requirements",
            ));
        }
        if let Some(content) = op
            .get("requestBody")
            .map(|b| resolve(view, b))
            .and_then(|b| b.get("content"))
            .and_then(Value::as_object)
        {
            for media in content.keys() {
                if !GENERATOR_REQUEST_MEDIA.contains(&media.as_str()) {
                    problems.push(Problem::new(
                        format!("{at}/requestBody/content/{}", escape(media)),
                        format!("progenitor cannot send a {media} request body"),
                    ));
                }
            }
            if content.len() > 1 {
                problems.push(Problem::new(
                    format!("{at}/requestBody/content"),
                    "progenitor takes one request media type per operation",
                ));
            }
        }
        let responses = op.get("responses").and_then(Value::as_object);
        let mut success = BTreeSet::new();
        let mut error = BTreeSet::new();
        for (status, response) in responses.into_iter().flatten() {
            let response = resolve(view, response);
            for (media, content) in response
                .get("content")
                .and_then(Value::as_object)
                .into_iter()
                .flatten()
            {
                if is_vendor_json(media) {
                    problems.push(Problem::new(
                        format!(
                            "{at}/responses/{}/content/{}",
                            escape(status),
                            escape(media)
                        ),
                        format!("progenitor leaves a {media} response untyped"),
                    ));
                }
                let schema = content
                    .get("schema")
                    .map(Value::to_string)
                    .unwrap_or_default();
                if status == "default" {
                    // progenitor treats `default` as a success and an error.
                    success.insert(schema.clone());
                    error.insert(schema);
                } else if is_error_status(status) {
                    error.insert(schema);
                } else {
                    success.insert(schema);
                }
            }
        }
        if success.len() > 1 {
            problems.push(Problem::new(
                format!("{at}/responses"),
                "progenitor takes one success body type per operation",
            ));
        }
        if error.len() > 1 {
            problems.push(Problem::new(
                format!("{at}/responses"),
                "progenitor takes one error body type per operation",
            ));
        }
    }
    problems
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::*;

    fn spec(yaml: &str) -> ApiSpec {
        match ApiSpec::from_yaml("test", Path::new("spec/test.yaml"), yaml) {
            Ok(spec) => spec,
            Err(e) => panic!("test spec does not parse: {e}"),
        }
    }

    fn view_of(yaml: &str) -> (Value, Vec<Adaptation>) {
        match generator_view(&spec(yaml)) {
            Ok(view) => view,
            Err(problems) => panic!("unexpected problems: {problems:?}"),
        }
    }

    const BASE: &str = r#"
openapi: 3.0.3
info: {title: t, version: 1.0.0}
paths:
  /things/{id}:
    put:
      operationId: putThing
      parameters:
        - {name: id, in: path, required: true, schema: {type: string}}
      requestBody:
        required: true
        content:
          application/json:
            schema: {type: object}
      responses:
        '200':
          description: ok
          content:
            application/json:
              schema: {type: object, properties: {a: {type: string}}}
"#;

    #[test]
    fn a_spec_progenitor_takes_as_is_needs_no_rule() {
        let (view, adaptations) = view_of(BASE);
        assert!(adaptations.is_empty(), "{adaptations:?}");
        assert_eq!(view, spec(BASE).doc);
    }

    #[test]
    fn vendor_json_media_type_becomes_application_json() {
        let yaml = BASE.replace("application/json", "application/vnd.api+json");
        let (view, adaptations) = view_of(&yaml);
        let media: Vec<_> = adaptations
            .iter()
            .filter(|a| a.rule == Rule::VendorJsonMediaType)
            .collect();
        assert_eq!(media.len(), 2, "request and response: {adaptations:?}");
        assert_eq!(
            media[0].pointer,
            "/paths/~1things~1{id}/put/requestBody/content/application~1vnd.api+json"
        );
        assert_eq!(
            media[0].change,
            "application/vnd.api+json → application/json"
        );
        assert!(
            view.pointer("/paths/~1things~1{id}/put/requestBody/content/application~1json")
                .is_some()
        );
        assert!(
            media[0]
                .to_string()
                .contains("restores Content-Type on the wire"),
            "{}",
            media[0]
        );
    }

    #[test]
    fn vendor_json_media_type_merges_a_duplicate_listing() {
        let yaml = BASE.replace(
            "      responses:\n",
            "      responses:\n        '400':\n          description: bad\n          content:\n            application/problem+json: {schema: {type: object}}\n            application/json: {schema: {type: object}}\n",
        );
        let (view, adaptations) = view_of(&yaml);
        assert!(
            adaptations
                .iter()
                .any(|a| a.rule == Rule::VendorJsonMediaType
                    && a.change
                        == "application/problem+json merged into application/json (same schema)")
        );
        assert!(
            view.pointer(
                "/paths/~1things~1{id}/put/responses/4XX/content/application~1problem+json"
            )
            .is_none()
        );
    }

    #[test]
    fn security_by_hooks_removes_schemes_and_requirements() {
        let yaml = format!(
            "{BASE}security: [{{Key: []}}]\ncomponents:\n  securitySchemes:\n    Key: {{type: apiKey, in: header, name: X-Key}}\n"
        );
        let (view, adaptations) = view_of(&yaml);
        let pointers: Vec<_> = adaptations
            .iter()
            .filter(|a| a.rule == Rule::SecurityByHooks)
            .map(|a| a.pointer.as_str())
            .collect();
        assert_eq!(pointers, ["/components/securitySchemes", "/security"]);
        assert!(view.get("security").is_none());
        assert!(view.pointer("/components/securitySchemes").is_none());
    }

    #[test]
    fn credential_headers_are_removed_only_when_a_required_scheme_names_them() {
        let yaml = BASE.replace(
            "        - {name: id, in: path, required: true, schema: {type: string}}\n",
            "        - {name: id, in: path, required: true, schema: {type: string}}\n        - {name: x-key, in: header, required: true, schema: {type: string}}\n        - {name: X-Trace, in: header, required: false, schema: {type: string}}\n",
        ) + "security: [{Key: []}]\ncomponents:\n  securitySchemes:\n    Key: {type: apiKey, in: header, name: X-Key}\n";
        let (view, adaptations) = view_of(&yaml);
        let removed: Vec<_> = adaptations
            .iter()
            .filter(|a| a.rule == Rule::CredentialHeaders)
            .collect();
        assert_eq!(removed.len(), 1, "{adaptations:?}");
        assert_eq!(removed[0].pointer, "/paths/~1things~1{id}/put/parameters/1");
        let names: Vec<_> = view
            .pointer("/paths/~1things~1{id}/put/parameters")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(|p| p.get("name").and_then(Value::as_str))
            .collect();
        assert_eq!(names, ["id", "X-Trace"], "the unrelated header stays");
    }

    #[test]
    fn default_error_as_ranges_when_default_differs_from_success() {
        let yaml = BASE.to_string()
            + "        default:\n          description: error\n          content:\n            application/json:\n              schema: {type: object, properties: {code: {type: integer}}}\n";
        let (view, adaptations) = view_of(&yaml);
        assert_eq!(adaptations.len(), 1, "{adaptations:?}");
        assert_eq!(adaptations[0].rule, Rule::DefaultErrorAsRanges);
        let responses = view
            .pointer("/paths/~1things~1{id}/put/responses")
            .and_then(Value::as_object);
        let keys: Vec<_> = responses.into_iter().flat_map(|m| m.keys()).collect();
        assert_eq!(keys, ["200", "4XX", "5XX"]);
    }

    #[test]
    fn error_bodies_by_status_when_two_error_schemas_differ() {
        let yaml = BASE.to_string()
            + "        '400':\n          description: bad\n          content:\n            application/json:\n              schema: {type: object, properties: {errors: {type: object}}}\n        default:\n          description: error\n          content:\n            application/json:\n              schema: {type: object, properties: {messages: {type: array}}}\n";
        let (view, adaptations) = view_of(&yaml);
        assert_eq!(adaptations.len(), 1, "{adaptations:?}");
        assert_eq!(adaptations[0].rule, Rule::ErrorBodiesByStatus);
        assert!(
            adaptations[0].change.contains("400, default"),
            "{}",
            adaptations[0].change
        );
        assert_eq!(
            view.pointer(
                "/paths/~1things~1{id}/put/responses/4XX/content/application~1json/schema"
            ),
            Some(&json!({}))
        );
    }

    const ONE_OF: &str = r#"
components:
  schemas:
    Thing:
      oneOf: [{$ref: '#/components/schemas/Cat'}, {$ref: '#/components/schemas/Dog'}]
      discriminator:
        propertyName: kind
        mapping: {cat: '#/components/schemas/Cat', dog: '#/components/schemas/Dog'}
    Cat:
      type: object
      required: [kind]
      properties: {kind: {type: string, enum: [cat]}}
    Dog:
      type: object
      required: [kind]
      properties: {kind: {type: string, enum: [dog]}}
"#;

    #[test]
    fn discriminator_as_untagged_when_each_variant_requires_its_value() {
        let (view, adaptations) = view_of(&format!("{BASE}{ONE_OF}"));
        assert_eq!(adaptations.len(), 1, "{adaptations:?}");
        assert_eq!(adaptations[0].rule, Rule::DiscriminatorAsUntagged);
        assert_eq!(
            adaptations[0].pointer,
            "/components/schemas/Thing/discriminator"
        );
        assert!(
            view.pointer("/components/schemas/Thing/discriminator")
                .is_none()
        );
    }

    #[test]
    fn a_discriminator_untagged_decoding_could_get_wrong_fails() {
        // Dog does not require `kind`: a cat-less body could decode as Dog.
        let yaml = format!("{BASE}{ONE_OF}").replace(
            "    Dog:\n      type: object\n      required: [kind]\n",
            "    Dog:\n      type: object\n",
        );
        let problems = generator_view(&spec(&yaml)).err().unwrap_or_default();
        assert_eq!(problems.len(), 1, "{problems:?}");
        assert_eq!(
            problems[0].pointer,
            "/components/schemas/Thing/discriminator"
        );
    }

    #[test]
    fn open_object_keeps_extras_rewrites_true_beside_properties() {
        let yaml = BASE.replace(
            "schema: {type: object, properties: {a: {type: string}}}",
            "schema: {type: object, properties: {a: {type: string}}, additionalProperties: true}",
        );
        let (view, adaptations) = view_of(&yaml);
        assert_eq!(adaptations.len(), 1, "{adaptations:?}");
        assert_eq!(adaptations[0].rule, Rule::OpenObjectKeepsExtras);
        let at = "/paths/~1things~1{id}/put/responses/200/content/application~1json/schema/additionalProperties";
        assert_eq!(adaptations[0].pointer, at);
        assert_eq!(view.pointer(at), Some(&json!({})));
    }

    #[test]
    fn an_open_object_without_properties_is_left_alone() {
        let (_, adaptations) = view_of(&BASE.replace(
            "schema: {type: object}",
            "schema: {type: object, additionalProperties: true}",
        ));
        assert!(adaptations.is_empty(), "{adaptations:?}");
    }

    #[test]
    fn nullable_optional_request_field_is_reported_and_left_unchanged() {
        let yaml = BASE.replace(
            "schema: {type: object}",
            "schema: {type: object, required: [b], properties: {a: {type: string, nullable: true}, b: {type: string, nullable: true}}}",
        );
        let (view, adaptations) = view_of(&yaml);
        assert_eq!(
            adaptations.len(),
            1,
            "only the optional one: {adaptations:?}"
        );
        assert_eq!(adaptations[0].rule, Rule::NullableOptionalRequestField);
        assert_eq!(
            adaptations[0].pointer,
            "/paths/~1things~1{id}/put/requestBody/content/application~1json/schema/properties/a"
        );
        assert_eq!(view, spec(&yaml).doc);
    }

    #[test]
    fn an_unsupported_construct_without_a_rule_fails_with_its_pointer() {
        let yaml = BASE.replacen("application/json", "application/xml", 1);
        let problems = match generator_view(&spec(&yaml)) {
            Ok(_) => panic!("application/xml request body must be refused"),
            Err(problems) => problems,
        };
        assert_eq!(
            problems,
            [Problem::new(
                "/paths/~1things~1{id}/put/requestBody/content/application~1xml",
                "progenitor cannot send a application/xml request body"
            )]
        );
    }

    #[test]
    fn two_success_bodies_fail_with_the_responses_pointer() {
        let yaml = BASE.to_string()
            + "        '201':\n          description: created\n          content:\n            application/json:\n              schema: {type: string}\n";
        let problems = generator_view(&spec(&yaml)).err().unwrap_or_default();
        assert_eq!(
            problems,
            [Problem::new(
                "/paths/~1things~1{id}/put/responses",
                "progenitor takes one success body type per operation"
            )]
        );
    }
}
