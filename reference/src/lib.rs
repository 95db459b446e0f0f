//! A human reference page for one OpenAPI 3.0 spec, rendered on the server.
//!
//! An API designer reviewing a spec change wants to look at it, not read
//! YAML. [`page`] renders the whole document as one HTML file: servers,
//! authentication, each operation with its parameters, request body and
//! responses per status and media type, each schema with every keyword it
//! has (constraints, `nullable`, `x-rule` …) and every example. It is plain
//! HTML with an inline style sheet: no JavaScript, nothing fetched at run
//! time or build time, so it renders the same offline, in CI and in a
//! headless browser. Each API serves it at `/docs`; `cargo xtask docs`
//! writes the same pages to `target/docs/`.
//!
//! Every keyword is shown, not a chosen few: keywords with structure
//! (`properties`, `items`, `allOf`/`anyOf`/`oneOf`, an object
//! `additionalProperties`) are rendered as nested schemas, a `$ref` as a
//! link to the schema's own section, and every other keyword as
//! `keyword value`, so a constraint added to a spec appears without a change
//! here.

use std::fmt::Write as _;

use openapi_walk::{HTTP_METHODS, pointer, resolve};
use serde_json::{Map, Value};

/// Escapes text for HTML content and attribute values.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            _ => out.push(c),
        }
    }
    out
}

/// An anchor id from arbitrary text.
fn anchor(prefix: &str, text: &str) -> String {
    let slug: String = text
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
        .collect();
    format!("{prefix}-{slug}")
}

/// A description: paragraphs split at blank lines, `code` spans kept.
fn prose(text: &str) -> String {
    let mut out = String::new();
    for paragraph in text.split("\n\n").filter(|p| !p.trim().is_empty()) {
        let mut html = String::new();
        for (i, part) in escape(paragraph.trim()).split('`').enumerate() {
            if i % 2 == 1 {
                let _ = write!(html, "<code>{part}</code>");
            } else {
                html.push_str(part);
            }
        }
        let _ = write!(out, "<p>{html}</p>");
    }
    out
}

fn pretty(value: &Value) -> String {
    serde_json::to_string_pretty(value).unwrap_or_else(|_| value.to_string())
}

/// A scalar or small value as shown beside its keyword.
fn shown(value: &Value) -> String {
    match value {
        Value::String(s) => escape(s),
        other => escape(&other.to_string()),
    }
}

const STYLE: &str = "
body{font:15px/1.5 system-ui,-apple-system,'Segoe UI',sans-serif;margin:0;color:#1b1f24;background:#fff}
header,main{max-width:72rem;margin:0 auto;padding:0 1.5rem}
header{border-bottom:1px solid #d0d7de;padding-bottom:1rem}
h1{margin:1.5rem 0 .25rem}h2{border-bottom:1px solid #d0d7de;padding-bottom:.25rem;margin-top:2.5rem}
h3{margin-top:2rem}h4{margin:1.25rem 0 .5rem}
code,pre{font:13px/1.45 ui-monospace,SFMono-Regular,Menlo,Consolas,monospace}
code{background:#f3f4f6;padding:0 .25em;border-radius:3px}
pre{background:#f6f8fa;border:1px solid #d0d7de;border-radius:6px;padding:.75rem;overflow:auto}
table{border-collapse:collapse;width:100%;margin:.5rem 0}
th,td{border:1px solid #d0d7de;padding:.35rem .5rem;text-align:left;vertical-align:top}
th{background:#f6f8fa}
.method{display:inline-block;min-width:4.5em;text-align:center;border-radius:4px;color:#fff;background:#0969da;font-weight:600;margin-right:.5em}
.method.put{background:#9a6700}.method.patch{background:#8250df}.method.delete{background:#cf222e}.method.post{background:#1a7f37}
.required{color:#cf222e;font-size:.85em;font-weight:600}
ul.keywords{list-style:none;padding:0;margin:.25rem 0}
ul.keywords li{display:inline-block;margin:0 .75rem .25rem 0}
.k{color:#57606a}
.schema{border-left:3px solid #d0d7de;padding-left:.75rem;margin:.5rem 0}
nav ul{columns:2}
";

/// The reference page of `spec`.
pub fn page(spec: &Value) -> String {
    let title = spec
        .pointer("/info/title")
        .and_then(Value::as_str)
        .unwrap_or("API");
    let version = spec
        .pointer("/info/version")
        .and_then(Value::as_str)
        .unwrap_or("");
    let mut out = String::new();
    let _ = write!(
        out,
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>{} {} — reference</title><style>{STYLE}</style></head><body>",
        escape(title),
        escape(version)
    );
    let _ = write!(
        out,
        "<header><h1>{}</h1><p>Version <strong>{}</strong> · OpenAPI {}</p>",
        escape(title),
        escape(version),
        shown(spec.get("openapi").unwrap_or(&Value::Null))
    );
    if let Some(info) = spec.get("info").and_then(Value::as_object) {
        for (key, value) in info {
            match key.as_str() {
                "title" | "version" => {}
                "description" => out.push_str(&prose(value.as_str().unwrap_or_default())),
                _ => {
                    let _ = write!(out, "<p><span class=\"k\">{}</span> ", escape(key));
                    let _ = write!(out, "<code>{}</code></p>", shown(value));
                }
            }
        }
    }
    out.push_str("</header><main>");
    contents(&mut out, spec);
    servers(&mut out, spec);
    security(&mut out, spec);
    operations(&mut out, spec);
    schemas(&mut out, spec);
    other_top_level(&mut out, spec);
    out.push_str("</main></body></html>\n");
    out
}

/// Top-level keys without a section of their own (`tags`, `externalDocs`,
/// extensions), so that nothing the spec says is left off the page.
fn other_top_level(out: &mut String, spec: &Value) {
    const SECTIONS: [&str; 6] = [
        "openapi",
        "info",
        "servers",
        "paths",
        "components",
        "security",
    ];
    let Some(map) = spec.as_object() else {
        return;
    };
    let rest: Vec<(&String, &Value)> = map
        .iter()
        .filter(|(k, _)| !SECTIONS.contains(&k.as_str()))
        .collect();
    if rest.is_empty() {
        return;
    }
    out.push_str("<section id=\"more\"><h2>More</h2>");
    for (key, value) in rest {
        let _ = write!(out, "<h3>{}</h3>", escape(key));
        if let Some(tags) = value.as_array().filter(|_| key == "tags") {
            out.push_str("<ul>");
            for tag in tags {
                let _ = write!(
                    out,
                    "<li><code>{}</code>",
                    shown(tag.get("name").unwrap_or(&Value::Null))
                );
                if let Some(description) = tag.get("description").and_then(Value::as_str) {
                    out.push_str(&prose(description));
                }
                keyword_list(out, tag, &["name", "description"]);
                out.push_str("</li>");
            }
            out.push_str("</ul>");
        } else {
            let _ = write!(out, "<pre>{}</pre>", escape(&pretty(value)));
        }
    }
    out.push_str("</section>");
}

fn contents(out: &mut String, spec: &Value) {
    out.push_str("<nav><h2>Contents</h2><ul>");
    for operation in openapi_walk::operations(spec) {
        let (path, method, op) = (operation.path, operation.method, operation.operation);
        let _ = write!(
            out,
            "<li><a href=\"#{}\">{} {}</a></li>",
            operation_anchor(path, method, op),
            escape(&method.to_uppercase()),
            escape(path)
        );
    }
    for name in spec
        .pointer("/components/schemas")
        .and_then(Value::as_object)
        .into_iter()
        .flatten()
        .map(|(name, _)| name)
    {
        let _ = write!(
            out,
            "<li><a href=\"#{}\">{}</a></li>",
            anchor("schema", name),
            escape(name)
        );
    }
    out.push_str("</ul></nav>");
}

fn servers(out: &mut String, spec: &Value) {
    let Some(servers) = spec.get("servers").and_then(Value::as_array) else {
        return;
    };
    out.push_str("<section id=\"servers\"><h2>Servers</h2><ul>");
    for server in servers {
        let _ = write!(
            out,
            "<li><code>{}</code>",
            shown(server.get("url").unwrap_or(&Value::Null))
        );
        if let Some(description) = server.get("description").and_then(Value::as_str) {
            out.push_str(&prose(description));
        }
        if let Some(variables) = server.get("variables") {
            let _ = write!(
                out,
                "<p class=\"k\">variables</p><pre>{}</pre>",
                escape(&pretty(variables))
            );
        }
        out.push_str("</li>");
    }
    out.push_str("</ul></section>");
}

fn security(out: &mut String, spec: &Value) {
    out.push_str("<section id=\"authentication\"><h2>Authentication</h2>");
    if let Some(schemes) = spec
        .pointer("/components/securitySchemes")
        .and_then(Value::as_object)
    {
        for (name, scheme) in schemes {
            let _ = write!(
                out,
                "<h3 id=\"{}\">{}</h3>",
                anchor("security", name),
                escape(name)
            );
            keyword_list(out, scheme, &["description"]);
            if let Some(description) = scheme.get("description").and_then(Value::as_str) {
                out.push_str(&prose(description));
            }
        }
    }
    if let Some(requirement) = spec.get("security") {
        let _ = write!(
            out,
            "<p>Every operation, unless it says otherwise, requires: {}</p>",
            requirement_text(requirement)
        );
    }
    out.push_str("</section>");
}

/// A security requirement: alternatives joined by "or", schemes of one
/// alternative by "and", each linked to its scheme.
fn requirement_text(requirement: &Value) -> String {
    let alternatives: Vec<String> = requirement
        .as_array()
        .into_iter()
        .flatten()
        .map(|alternative| {
            let schemes: Vec<String> = alternative
                .as_object()
                .into_iter()
                .flatten()
                .map(|(name, scopes)| {
                    let scopes: Vec<String> =
                        scopes.as_array().into_iter().flatten().map(shown).collect();
                    let scopes = if scopes.is_empty() {
                        String::new()
                    } else {
                        format!(" (scopes: <code>{}</code>)", scopes.join("</code>, <code>"))
                    };
                    format!(
                        "<a href=\"#{}\">{}</a>{scopes}",
                        anchor("security", name),
                        escape(name)
                    )
                })
                .collect();
            if schemes.is_empty() {
                "no credentials".to_string()
            } else {
                schemes.join(" and ")
            }
        })
        .collect();
    if alternatives.is_empty() {
        "no credentials".to_string()
    } else {
        alternatives.join(", or ")
    }
}

fn operation_anchor(path: &str, method: &str, op: &Value) -> String {
    match op.get("operationId").and_then(Value::as_str) {
        Some(id) => anchor("op", id),
        None => anchor("op", &format!("{method}{path}")),
    }
}

fn operations(out: &mut String, spec: &Value) {
    out.push_str("<section id=\"operations\"><h2>Operations</h2>");
    for operation in openapi_walk::operations(spec) {
        let (path, method, op) = (operation.path, operation.method, operation.operation);
        let _ = write!(
            out,
            "<article id=\"{}\"><h3><span class=\"method {}\">{}</span><code>{}</code></h3>",
            operation_anchor(path, method, op),
            escape(method),
            escape(&method.to_uppercase()),
            escape(path)
        );
        let item = spec.pointer(&pointer(["paths", path]));
        if let Some(item) = item {
            for key in ["summary", "description"] {
                if let Some(text) = item.get(key).and_then(Value::as_str) {
                    let _ = write!(out, "<p class=\"k\">Path {key}:</p>{}", prose(text));
                }
            }
        }
        if let Some(summary) = op.get("summary").and_then(Value::as_str) {
            let _ = write!(out, "<p><strong>{}</strong></p>", escape(summary));
        }
        if let Some(description) = op.get("description").and_then(Value::as_str) {
            out.push_str(&prose(description));
        }
        keyword_list(
            out,
            op,
            &[
                "summary",
                "description",
                "parameters",
                "requestBody",
                "responses",
                "security",
            ],
        );
        let _ = write!(
            out,
            "<p><span class=\"k\">security</span> {}</p>",
            requirement_text(
                op.get("security")
                    .or_else(|| spec.get("security"))
                    .unwrap_or(&Value::Null)
            )
        );
        parameters(out, spec, op);
        if let Some(item) = item {
            // Parameters of the path item apply to each of its operations.
            parameters(out, spec, item);
            let mut extra = item.clone();
            if let Some(map) = extra.as_object_mut() {
                map.retain(|k, _| {
                    !HTTP_METHODS.contains(&k.as_str())
                        && !["summary", "description", "parameters"].contains(&k.as_str())
                });
            }
            keyword_list(out, &extra, &[]);
        }
        if let Some(body) = op.get("requestBody") {
            let body = resolve(spec, body);
            let required = body.get("required") == Some(&Value::Bool(true));
            let _ = write!(
                out,
                "<h4>Request body{}</h4>",
                if required {
                    " <span class=\"required\">required</span>"
                } else {
                    ""
                }
            );
            if let Some(description) = body.get("description").and_then(Value::as_str) {
                out.push_str(&prose(description));
            }
            content(out, spec, body);
        }
        out.push_str("<h4>Responses</h4>");
        for (status, response) in op
            .get("responses")
            .and_then(Value::as_object)
            .into_iter()
            .flatten()
        {
            let response = resolve(spec, response);
            let _ = write!(
                out,
                "<h4 class=\"status\">Status <code>{}</code></h4>",
                escape(status)
            );
            if let Some(description) = response.get("description").and_then(Value::as_str) {
                out.push_str(&prose(description));
            }
            if let Some(headers) = response.get("headers").and_then(Value::as_object) {
                out.push_str("<table><tr><th>Response header</th><th>Schema</th></tr>");
                for (name, header) in headers {
                    let header = resolve(spec, header);
                    let _ = write!(out, "<tr><td><code>{}</code>", escape(name));
                    keyword_list(out, header, &["schema"]);
                    out.push_str("</td><td>");
                    if let Some(schema) = header.get("schema") {
                        schema_html(out, spec, schema);
                    }
                    out.push_str("</td></tr>");
                }
                out.push_str("</table>");
            }
            content(out, spec, response);
        }
        out.push_str("</article>");
    }
    out.push_str("</section>");
}

fn parameters(out: &mut String, spec: &Value, op: &Value) {
    let Some(parameters) = op.get("parameters").and_then(Value::as_array) else {
        return;
    };
    out.push_str(
        "<h4>Parameters</h4><table><tr><th>Name</th><th>In</th><th>Details</th><th>Schema</th></tr>",
    );
    for parameter in parameters {
        let parameter = resolve(spec, parameter);
        let required = parameter.get("required") == Some(&Value::Bool(true));
        let _ = write!(
            out,
            "<tr><td><code>{}</code>{}</td><td>{}</td><td>",
            shown(parameter.get("name").unwrap_or(&Value::Null)),
            if required {
                " <span class=\"required\">required</span>"
            } else {
                ""
            },
            shown(parameter.get("in").unwrap_or(&Value::Null))
        );
        if let Some(description) = parameter.get("description").and_then(Value::as_str) {
            out.push_str(&prose(description));
        }
        keyword_list(
            out,
            parameter,
            &[
                "name",
                "in",
                "required",
                "description",
                "schema",
                "example",
                "examples",
            ],
        );
        examples(out, parameter);
        out.push_str("</td><td>");
        if let Some(schema) = parameter.get("schema") {
            schema_html(out, spec, schema);
        }
        out.push_str("</td></tr>");
    }
    out.push_str("</table>");
}

/// A body's media types, each with its schema and examples.
fn content(out: &mut String, spec: &Value, holder: &Value) {
    for (media, entry) in holder
        .get("content")
        .and_then(Value::as_object)
        .into_iter()
        .flatten()
    {
        let _ = write!(out, "<p>Media type <code>{}</code></p>", escape(media));
        if let Some(schema) = entry.get("schema") {
            schema_html(out, spec, schema);
        }
        keyword_list(out, entry, &["schema", "example", "examples"]);
        examples(out, entry);
    }
}

/// `example` and each of `examples`, as formatted JSON.
fn examples(out: &mut String, holder: &Value) {
    if let Some(example) = holder.get("example") {
        let _ = write!(
            out,
            "<p class=\"k\">Example</p><pre>{}</pre>",
            escape(&pretty(example))
        );
    }
    for (name, example) in holder
        .get("examples")
        .and_then(Value::as_object)
        .into_iter()
        .flatten()
    {
        let _ = write!(out, "<p class=\"k\">Example <code>{}</code>", escape(name));
        if let Some(summary) = example.get("summary").and_then(Value::as_str) {
            let _ = write!(out, ": {}", escape(summary));
        }
        out.push_str("</p>");
        if let Some(description) = example.get("description").and_then(Value::as_str) {
            out.push_str(&prose(description));
        }
        let value = example.get("value").unwrap_or(example);
        let _ = write!(out, "<pre>{}</pre>", escape(&pretty(value)));
    }
}

/// Every keyword of `holder` not in `skip`, as `keyword value`.
fn keyword_list(out: &mut String, holder: &Value, skip: &[&str]) {
    let Some(map) = holder.as_object() else {
        return;
    };
    let rest: Vec<(&String, &Value)> = map
        .iter()
        .filter(|(k, _)| !skip.contains(&k.as_str()))
        .collect();
    if rest.is_empty() {
        return;
    }
    out.push_str("<ul class=\"keywords\">");
    for (key, value) in rest {
        let value = match value {
            Value::Object(_) | Value::Array(_) if !is_flat(value) => {
                format!("<pre>{}</pre>", escape(&pretty(value)))
            }
            _ => format!("<code>{}</code>", shown(value)),
        };
        let _ = write!(
            out,
            "<li><span class=\"k\">{}</span> {value}</li>",
            escape(key)
        );
    }
    out.push_str("</ul>");
}

/// An array of scalars (an `enum`, a `required` list) fits on one line.
fn is_flat(value: &Value) -> bool {
    value
        .as_array()
        .is_some_and(|items| items.iter().all(|v| !v.is_object() && !v.is_array()))
}

/// Keywords rendered as nested schemas or prose rather than as values.
const STRUCTURAL: [&str; 9] = [
    "properties",
    "items",
    "allOf",
    "anyOf",
    "oneOf",
    "not",
    "description",
    "example",
    "$ref",
];

fn schema_html(out: &mut String, spec: &Value, schema: &Value) {
    if let Some(target) = schema.get("$ref").and_then(Value::as_str) {
        let name = target.rsplit('/').next().unwrap_or(target);
        let _ = write!(
            out,
            "<div class=\"schema\"><span class=\"k\">$ref</span> <a href=\"#{}\">{}</a></div>",
            anchor("schema", name),
            escape(name)
        );
        return;
    }
    let Some(map) = schema.as_object() else {
        let _ = write!(
            out,
            "<div class=\"schema\"><code>{}</code></div>",
            shown(schema)
        );
        return;
    };
    out.push_str("<div class=\"schema\">");
    if let Some(description) = map.get("description").and_then(Value::as_str) {
        out.push_str(&prose(description));
    }
    let mut skip: Vec<&str> = STRUCTURAL.to_vec();
    let additional_is_schema = map
        .get("additionalProperties")
        .is_some_and(Value::is_object);
    if additional_is_schema {
        skip.push("additionalProperties");
    }
    keyword_list(out, schema, &skip);
    if let Some(properties) = map.get("properties").and_then(Value::as_object) {
        properties_table(out, spec, map, properties);
    }
    if additional_is_schema && let Some(additional) = map.get("additionalProperties") {
        out.push_str("<p class=\"k\">additionalProperties</p>");
        schema_html(out, spec, additional);
    }
    if let Some(items) = map.get("items") {
        out.push_str("<p class=\"k\">items</p>");
        schema_html(out, spec, items);
    }
    for key in ["allOf", "anyOf", "oneOf"] {
        for (i, variant) in map
            .get(key)
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .enumerate()
        {
            let _ = write!(out, "<p class=\"k\">{key} [{i}]</p>");
            schema_html(out, spec, variant);
        }
    }
    if let Some(not) = map.get("not") {
        out.push_str("<p class=\"k\">not</p>");
        schema_html(out, spec, not);
    }
    if let Some(example) = map.get("example") {
        let _ = write!(
            out,
            "<p class=\"k\">Example</p><pre>{}</pre>",
            escape(&pretty(example))
        );
    }
    out.push_str("</div>");
}

fn properties_table(
    out: &mut String,
    spec: &Value,
    schema: &Map<String, Value>,
    properties: &Map<String, Value>,
) {
    let required: Vec<&str> = schema
        .get("required")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .collect();
    out.push_str("<table><tr><th>Field</th><th>Schema</th></tr>");
    for (name, property) in properties {
        let _ = write!(
            out,
            "<tr><td><code>{}</code>{}</td><td>",
            escape(name),
            if required.contains(&name.as_str()) {
                " <span class=\"required\">required</span>"
            } else {
                ""
            }
        );
        schema_html(out, spec, property);
        out.push_str("</td></tr>");
    }
    out.push_str("</table>");
}

fn schemas(out: &mut String, spec: &Value) {
    let Some(schemas) = spec
        .pointer("/components/schemas")
        .and_then(Value::as_object)
    else {
        return;
    };
    out.push_str("<section id=\"schemas\"><h2>Schemas</h2>");
    for (name, schema) in schemas {
        let _ = write!(
            out,
            "<article id=\"{}\"><h3>{}</h3>",
            anchor("schema", name),
            escape(name)
        );
        schema_html(out, spec, schema);
        out.push_str("</article>");
    }
    for (kind, title) in [
        ("responses", "Responses"),
        ("parameters", "Parameters"),
        ("requestBodies", "Request bodies"),
        ("headers", "Headers"),
    ] {
        if let Some(items) = spec
            .pointer(&format!("/components/{kind}"))
            .and_then(Value::as_object)
        {
            let _ = write!(out, "<h2>{title}</h2>");
            for (name, item) in items {
                let _ = write!(
                    out,
                    "<h3>{}</h3><pre>{}</pre>",
                    escape(name),
                    escape(&pretty(item))
                );
            }
        }
    }
    out.push_str("</section>");
}
