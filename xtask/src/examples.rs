//! "Does every example in the spec validate against its own schema?"
//!
//! An OpenAPI 3.0 Schema Object is not JSON Schema: `nullable` has no JSON
//! Schema meaning, `exclusiveMinimum` is a boolean, and `$ref` siblings are
//! ignored. [`to_json_schema`] translates one so that a JSON Schema validator
//! (the `jsonschema` crate, draft 2020-12, formats asserted) can check
//! examples. The translation is also stricter than OpenAPI in one way: an
//! object that lists `properties` and says nothing about
//! `additionalProperties` is closed, so that a misspelt field in an example is
//! an error instead of passing silently.

use openapi_walk::{escape, operations, resolve};
use serde_json::{Map, Value, json};

use crate::spec::{ApiSpec, Problem};

/// Translates an OpenAPI 3.0 Schema Object (recursively) into JSON Schema
/// 2020-12. Local `$ref`s are kept: the caller validates against a root that
/// carries the translated `components`, so they resolve unchanged.
pub fn to_json_schema(schema: &Value) -> Value {
    let Some(map) = schema.as_object() else {
        return schema.clone();
    };
    if map.contains_key("$ref") {
        // OpenAPI 3.0 ignores every sibling of `$ref`.
        return json!({ "$ref": map["$ref"] });
    }
    let mut out = Map::new();
    for (key, value) in map {
        let translated = match key.as_str() {
            "properties" | "patternProperties" => Value::Object(
                value
                    .as_object()
                    .map(|props| {
                        props
                            .iter()
                            .map(|(k, v)| (k.clone(), to_json_schema(v)))
                            .collect()
                    })
                    .unwrap_or_default(),
            ),
            "items" | "not" => to_json_schema(value),
            "additionalProperties" if value.is_object() => to_json_schema(value),
            "allOf" | "anyOf" | "oneOf" => Value::Array(
                value
                    .as_array()
                    .map(|v| v.iter().map(to_json_schema).collect())
                    .unwrap_or_default(),
            ),
            // Documentation and OpenAPI-only keywords constrain nothing.
            "nullable" | "discriminator" | "xml" | "externalDocs" | "example" | "deprecated"
            | "readOnly" | "writeOnly" | "exclusiveMinimum" | "exclusiveMaximum" => continue,
            k if k.starts_with("x-") => continue,
            _ => value.clone(),
        };
        out.insert(key.clone(), translated);
    }
    // OpenAPI 3.0's boolean `exclusiveMinimum` modifies `minimum`.
    for (flag, bound) in [
        ("exclusiveMinimum", "minimum"),
        ("exclusiveMaximum", "maximum"),
    ] {
        if map.get(flag) == Some(&Value::Bool(true))
            && let Some(limit) = out.remove(bound)
        {
            out.insert(flag.to_string(), limit);
        }
    }
    if out.contains_key("properties") && !out.contains_key("additionalProperties") {
        out.insert("additionalProperties".into(), Value::Bool(false));
    }
    if map.get("nullable") == Some(&Value::Bool(true)) {
        if let Some(enumeration) = out.get_mut("enum").and_then(Value::as_array_mut)
            && !enumeration.contains(&Value::Null)
        {
            enumeration.push(Value::Null);
        }
        return json!({ "anyOf": [ { "type": "null" }, Value::Object(out) ] });
    }
    Value::Object(out)
}

/// A root document that lets translated schemas resolve `#/components/...`.
fn validation_root(doc: &Value, target: &Value) -> Value {
    let schemas: Map<String, Value> = doc
        .pointer("/components/schemas")
        .and_then(Value::as_object)
        .map(|m| {
            m.iter()
                .map(|(k, v)| (k.clone(), to_json_schema(v)))
                .collect()
        })
        .unwrap_or_default();
    json!({
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "components": { "schemas": schemas },
        "allOf": [ to_json_schema(target) ],
    })
}

/// Builds a validator for `schema` (an OpenAPI Schema Object inside `doc`).
pub fn validator_for(doc: &Value, schema: &Value) -> Result<jsonschema::Validator, String> {
    jsonschema::options()
        .with_draft(jsonschema::Draft::Draft202012)
        .should_validate_formats(true)
        // OpenAPI's integer formats, carried as strings by proto3 JSON.
        .with_format("uint64", |s: &str| s.parse::<u64>().is_ok())
        .with_format("int64", |s: &str| s.parse::<i64>().is_ok())
        .with_format("int32", |s: &str| s.parse::<i32>().is_ok())
        .build(&validation_root(doc, schema))
        .map_err(|e| format!("schema does not compile: {e}"))
}

/// Validates `instance` against `schema`; each problem is located at
/// `at` (the example's pointer in the spec) plus the instance path.
pub fn check_instance(doc: &Value, schema: &Value, instance: &Value, at: &str) -> Vec<Problem> {
    match validator_for(doc, schema) {
        Ok(validator) => validator
            .iter_errors(instance)
            .map(|e| {
                let inside = e.instance_path().to_string();
                let shown = if inside.is_empty() {
                    "the example"
                } else {
                    inside.as_str()
                };
                Problem::new(at, format!("{shown}: {e}"))
            })
            .collect(),
        Err(e) => vec![Problem::new(at, e)],
    }
}

/// Every example in the spec paired with the schema it must satisfy:
/// `(pointer of the example, schema, example)`.
pub fn examples(doc: &Value) -> Vec<(String, &Value, &Value)> {
    let mut found = Vec::new();
    // Examples on media types and parameters.
    for operation in operations(doc) {
        let (at, op) = (operation.pointer(), operation.operation);
        for (i, param) in op
            .get("parameters")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .enumerate()
        {
            let param = resolve(doc, param);
            if let Some(schema) = param.get("schema") {
                collect_media(param, schema, &format!("{at}/parameters/{i}"), &mut found);
            }
        }
        let bodies = op
            .get("requestBody")
            .map(|b| (format!("{at}/requestBody"), resolve(doc, b)))
            .into_iter()
            .chain(
                op.get("responses")
                    .and_then(Value::as_object)
                    .into_iter()
                    .flatten()
                    .map(|(status, r)| {
                        (
                            format!("{at}/responses/{}", escape(status)),
                            resolve(doc, r),
                        )
                    }),
            );
        for (body_at, body) in bodies {
            for (media, content) in body
                .get("content")
                .and_then(Value::as_object)
                .into_iter()
                .flatten()
            {
                if let Some(schema) = content.get("schema") {
                    let media_at = format!("{body_at}/content/{}", escape(media));
                    collect_media(content, schema, &media_at, &mut found);
                }
            }
        }
    }
    // Examples inside schemas, wherever they are.
    collect_schema_examples(doc, &mut String::new(), &mut found);
    found
}

fn collect_media<'a>(
    holder: &'a Value,
    schema: &'a Value,
    at: &str,
    found: &mut Vec<(String, &'a Value, &'a Value)>,
) {
    if let Some(example) = holder.get("example") {
        found.push((format!("{at}/example"), schema, example));
    }
    for (name, example) in holder
        .get("examples")
        .and_then(Value::as_object)
        .into_iter()
        .flatten()
    {
        if let Some(value) = example.get("value") {
            found.push((
                format!("{at}/examples/{}/value", escape(name)),
                schema,
                value,
            ));
        }
    }
}

/// Finds `example` keywords on Schema Objects. A schema is recognised by
/// where it sits (under `components/schemas`, `schema`, `properties`,
/// `items`, `allOf`...), so a property that happens to be called "example"
/// is not mistaken for one.
fn collect_schema_examples<'a>(
    value: &'a Value,
    at: &mut String,
    found: &mut Vec<(String, &'a Value, &'a Value)>,
) {
    fn walk_schema<'a>(
        schema: &'a Value,
        at: &mut String,
        found: &mut Vec<(String, &'a Value, &'a Value)>,
    ) {
        let Some(map) = schema.as_object() else {
            return;
        };
        if let Some(example) = map.get("example") {
            found.push((format!("{at}/example"), schema, example));
        }
        let mut child = |key: &str, sub: &'a Value, at: &mut String| {
            let len = at.len();
            at.push('/');
            at.push_str(&escape(key));
            walk_schema(sub, at, found);
            at.truncate(len);
        };
        for key in ["items", "not", "additionalProperties"] {
            if let Some(sub) = map.get(key) {
                child(key, sub, at);
            }
        }
        if let Some(props) = map.get("properties").and_then(Value::as_object) {
            for (name, sub) in props {
                child(&format!("properties/{}", escape(name)), sub, at);
            }
        }
        for key in ["allOf", "anyOf", "oneOf"] {
            for (i, sub) in map
                .get(key)
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .enumerate()
            {
                child(&format!("{key}/{i}"), sub, at);
            }
        }
    }

    // Component schemas, and the `schema` of parameters and media types.
    if let Some(schemas) = value
        .pointer("/components/schemas")
        .and_then(Value::as_object)
    {
        for (name, schema) in schemas {
            let mut here = format!("/components/schemas/{}", escape(name));
            walk_schema(schema, &mut here, found);
        }
    }
    for operation in operations(value) {
        let (op_at, op) = (operation.pointer(), operation.operation);
        let mut inline = Vec::new();
        for (i, p) in op
            .get("parameters")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .enumerate()
        {
            if let Some(s) = p.get("schema") {
                inline.push((format!("{op_at}/parameters/{i}/schema"), s));
            }
        }
        let bodies = op
            .get("requestBody")
            .map(|b| (format!("{op_at}/requestBody"), b))
            .into_iter()
            .chain(
                op.get("responses")
                    .and_then(Value::as_object)
                    .into_iter()
                    .flatten()
                    .map(|(s, r)| (format!("{op_at}/responses/{}", escape(s)), r)),
            );
        for (body_at, body) in bodies {
            for (media, content) in body
                .get("content")
                .and_then(Value::as_object)
                .into_iter()
                .flatten()
            {
                if let Some(s) = content.get("schema") {
                    inline.push((format!("{body_at}/content/{}/schema", escape(media)), s));
                }
            }
        }
        for (mut here, schema) in inline {
            walk_schema(schema, &mut here, found);
        }
    }
    let _ = at;
}

/// Checks every example of the spec; returns the number checked and the
/// problems found.
pub fn validate_examples(spec: &ApiSpec) -> (usize, Vec<Problem>) {
    let found = examples(&spec.doc);
    let problems = found
        .iter()
        .flat_map(|(at, schema, example)| check_instance(&spec.doc, schema, example, at))
        .collect();
    (found.len(), problems)
}
