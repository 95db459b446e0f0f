//! Does each schemars override document the field's own Rust type?
//!
//! The server's types keep `nullable` and `default: null` out of the derived
//! document with `#[schemars(with = "T")]` and write some schemas by hand with
//! `#[schemars(schema_with = "f")]`. Both replace what schemars would derive
//! from the field's type, so a changed type behind them goes unseen: Exante's
//! `max_documents` turned from `Option<i64>` into `Option<String>` still
//! documented an integer while the handler sent `"100"`, and only the
//! runtime tests noticed. This check reads the server's API sources and
//! fails where the override names another type than the field has:
//! - `with = "W"`: the field is `W` or `Option<W>`;
//! - `schema_with = "f"`: the `InstanceType` that `f` (or a function it
//!   calls) documents admits the field's type, `Option`s removed: integer
//!   ← Rust integers, number ← floats and integers, boolean ← `bool`,
//!   string ← `String`, `Uuid`, `DateTime<…>`, `NaiveDate` or an enum
//!   declared beside it (serde writes unit variants as strings).
//!
//! A `serde_json::Value` field in a type that is only deserialized is
//! accepted: the handler reads such a field by hand and refuses what the
//! documented type does not allow (that is what the API's tests show).
//!
//! The sources are read line by line, as rustfmt writes them (one field,
//! attribute or item head per line), not parsed with `syn`: in the debug
//! build `cargo xtask check` runs, parsing the server's sources took a
//! third of a second, a line scan a few milliseconds.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

/// One parsed source file: its path (for messages) and text.
pub struct Source {
    pub path: String,
    pub text: String,
}

/// Reads every `.rs` file under `server/src/apis/` in `root` that mentions
/// schemars (the overrides and the schema functions they name), sorted.
/// Parsing is the slow part of this check in a debug build, so files that
/// cannot hold an override are not parsed.
pub fn read_server_sources(root: &Path) -> Result<Vec<Source>, String> {
    let mut out = Vec::new();
    let mut dirs = vec![root.join("server/src/apis")];
    while let Some(dir) = dirs.pop() {
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                dirs.push(path);
            } else if path.extension().is_some_and(|e| e == "rs") {
                let text = std::fs::read_to_string(&path)
                    .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
                if !text.contains("schemars") {
                    continue;
                }
                let relative = path.strip_prefix(root).unwrap_or(&path);
                out.push(Source {
                    path: relative.display().to_string(),
                    text,
                });
            }
        }
    }
    out.sort_by(|a, b| a.path.cmp(&b.path));
    Ok(out)
}

/// What a `schemars` attribute overrides.
enum Override {
    With(String),
    SchemaWith(String),
}

fn compact(text: &str) -> String {
    text.chars().filter(|c| !c.is_whitespace()).collect()
}

/// The `with = "…"` or `schema_with = "…"` of a `#[schemars(…)]`'s text.
fn override_of(attribute: &str) -> Option<Override> {
    let text = compact(attribute);
    let text = text.strip_prefix("#[schemars(")?;
    let value = |key: &str| {
        let start = text.find(&format!("{key}=\""))? + key.len() + 2;
        let end = text[start..].find('"')? + start;
        Some(text[start..end].to_string())
    };
    if let Some(f) = value("schema_with") {
        return Some(Override::SchemaWith(f));
    }
    // `with=` at the start or after a comma, not the tail of `schema_with=`.
    let at = text
        .match_indices("with=\"")
        .find(|(i, _)| *i == 0 || text[..*i].ends_with(','))?;
    let start = at.0 + 6;
    let end = text[start..].find('"')? + start;
    Some(Override::With(text[start..end].to_string()))
}

/// `T` with every `Option<…>` layer removed.
fn without_option(ty: &str) -> &str {
    let mut ty = ty;
    while let Some(inner) = ty.strip_prefix("Option<").and_then(|t| t.strip_suffix('>')) {
        ty = inner;
    }
    ty
}

fn is_value(ty: &str) -> bool {
    matches!(without_option(ty), "Value" | "serde_json::Value")
}

const INTEGERS: [&str; 12] = [
    "i8", "i16", "i32", "i64", "i128", "isize", "u8", "u16", "u32", "u64", "u128", "usize",
];

/// The `InstanceType` a schema function documents, following calls to other
/// functions of the server's sources (a few levels deep).
fn instance_type(functions: &BTreeMap<String, String>, name: &str, depth: u8) -> Option<String> {
    let body = functions.get(name)?;
    if let Some(at) = body.find("InstanceType::") {
        let rest = &body[at + "InstanceType::".len()..];
        let end = rest
            .find(|c: char| !c.is_ascii_alphanumeric())
            .unwrap_or(rest.len());
        return Some(rest[..end].to_string());
    }
    if depth == 0 {
        return None;
    }
    functions
        .keys()
        .filter(|callee| *callee != name && body.contains(&format!("{callee}(")))
        .find_map(|callee| instance_type(functions, callee, depth - 1))
}

/// The name after `keyword ` in an item head such as
/// `pub(crate) struct Name {` or `fn name(`.
fn item_name<'l>(line: &'l str, keyword: &str) -> Option<&'l str> {
    let line = line
        .trim_start_matches("pub(crate) ")
        .trim_start_matches("pub(super) ")
        .trim_start_matches("pub ");
    let rest = line.strip_prefix(keyword)?.strip_prefix(' ')?;
    let end = rest
        .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
        .unwrap_or(rest.len());
    (end > 0).then(|| &rest[..end])
}

/// One field with a schemars override.
struct Field {
    file: String,
    line: usize,
    owner: String,
    /// The owner derives `Serialize` (the server sends it).
    serialized: bool,
    name: String,
    ty: String,
    over: Override,
}

/// What the line scan collects from all sources.
#[derive(Default)]
struct Scan {
    functions: BTreeMap<String, String>,
    enums: BTreeSet<String>,
    fields: Vec<Field>,
}

fn scan(sources: &[Source]) -> Scan {
    let mut out = Scan::default();
    for source in sources {
        let lines: Vec<&str> = source.text.lines().collect();
        let mut derive = String::new();
        let mut owner: Option<(String, bool)> = None;
        let mut pending: Option<String> = None;
        let mut i = 0;
        while i < lines.len() {
            let line = lines[i];
            let trimmed = line.trim();
            if line.starts_with('}') {
                owner = None;
            }
            if trimmed.starts_with("#[derive(") {
                derive = trimmed.to_string();
            } else if let Some(name) = item_name(trimmed, "struct") {
                owner = Some((name.to_string(), derive.contains("Serialize")));
                derive.clear();
            } else if let Some(name) = item_name(trimmed, "enum") {
                out.enums.insert(name.to_string());
                derive.clear();
            } else if !line.starts_with(' ')
                && let Some(name) = item_name(trimmed, "fn")
            {
                // A top-level function: its body runs to the closing brace
                // in column 0.
                let mut body = String::new();
                while i < lines.len() && !lines[i].starts_with('}') {
                    body.push_str(lines[i]);
                    i += 1;
                }
                out.functions.insert(name.to_string(), compact(&body));
            } else if owner.is_some() && trimmed.starts_with("#[schemars(") {
                let mut attribute = trimmed.to_string();
                while !attribute.ends_with(")]") && i + 1 < lines.len() {
                    i += 1;
                    attribute.push_str(lines[i].trim());
                }
                pending = Some(attribute);
            } else if let (Some((name, serialized)), Some(attribute)) = (&owner, &pending)
                && !trimmed.starts_with('#')
                && !trimmed.starts_with("//")
                && let Some((field, ty)) = trimmed
                    .trim_start_matches("pub(crate) ")
                    .trim_start_matches("pub ")
                    .split_once(": ")
            {
                if let Some(over) = override_of(attribute) {
                    out.fields.push(Field {
                        file: source.path.clone(),
                        line: i + 1,
                        owner: name.clone(),
                        serialized: *serialized,
                        name: field.to_string(),
                        ty: compact(ty.trim_end_matches(',')),
                        over,
                    });
                }
                pending = None;
            }
            i += 1;
        }
    }
    out
}

/// Every field whose schemars override documents another type than its own.
pub fn check_sources(sources: &[Source]) -> Vec<String> {
    let scan = scan(sources);
    let mut failures = Vec::new();
    for field in &scan.fields {
        let ty = &field.ty;
        if is_value(ty) && !field.serialized {
            continue;
        }
        let (ok, attribute, documented) = match &field.over {
            Override::With(w) => (
                *ty == *w || *ty == format!("Option<{w}>"),
                format!("with = \"{w}\""),
                format!("`{w}`"),
            ),
            Override::SchemaWith(f) => {
                let base = without_option(ty);
                let short = base.rsplit("::").next().unwrap_or(base);
                let kind = instance_type(&scan.functions, f, 3);
                let admits = match kind.as_deref() {
                    Some("Integer") => INTEGERS.contains(&short),
                    Some("Number") => INTEGERS.contains(&short) || matches!(short, "f32" | "f64"),
                    Some("Boolean") => short == "bool",
                    Some("String") => {
                        matches!(short, "String" | "Uuid" | "NaiveDate")
                            || short.starts_with("DateTime<")
                            || scan.enums.contains(short)
                    }
                    _ => false,
                };
                let kind = kind
                    .map(|k| k.to_lowercase())
                    .unwrap_or_else(|| "no type this check can read".to_string());
                (admits, format!("schema_with = \"{f}\""), kind)
            }
        };
        if !ok {
            failures.push(format!(
                "{}:{}: `{}.{}` is `{ty}` but `#[schemars({attribute})]` documents {documented}, \
                 so the derived document does not say what the server {}; make the field's type \
                 and the override agree",
                field.file,
                field.line,
                field.owner,
                field.name,
                if field.serialized { "sends" } else { "reads" }
            ));
        }
    }
    failures
}

#[cfg(test)]
mod tests {
    use super::{Source, check_sources};

    fn source(text: &str) -> Vec<Source> {
        vec![Source {
            path: "server/src/apis/x/api.rs".to_string(),
            text: text.to_string(),
        }]
    }

    const TYPES: &str = r#"
fn plain_integer(_: &mut SchemaGenerator) -> Schema {
    SchemaObject {
        instance_type: Some(InstanceType::Integer.into()),
        ..Default::default()
    }
    .into()
}

#[derive(Clone, Serialize, JsonSchema)]
pub struct Sent {
    /// A count.
    #[serde(default)]
    #[schemars(schema_with = "plain_integer")]
    pub count: Option<i64>,
    #[schemars(
        with = "String",
        length(min = 1)
    )]
    pub name: Option<String>,
}

#[derive(Clone, Deserialize, JsonSchema)]
pub struct Read {
    #[schemars(with = "Uuid")]
    pub organisation: Option<Value>,
}
"#;

    #[test]
    fn overrides_that_document_the_fields_type_pass() {
        assert_eq!(check_sources(&source(TYPES)), Vec::<String>::new());
    }

    #[test]
    fn a_field_type_changed_behind_an_override_is_named_with_its_line() {
        let changed = TYPES
            .replace("pub count: Option<i64>,", "pub count: Option<String>,")
            .replace("pub name: Option<String>,", "pub name: Option<u32>,");
        let failures = check_sources(&source(&changed));
        assert_eq!(failures.len(), 2, "{failures:#?}");
        assert!(
            failures[0].starts_with(
                "server/src/apis/x/api.rs:15: `Sent.count` is `Option<String>` but \
                 `#[schemars(schema_with = \"plain_integer\")]` documents integer"
            ),
            "{}",
            failures[0]
        );
        assert!(
            failures[1].starts_with(
                "server/src/apis/x/api.rs:20: `Sent.name` is `Option<u32>` but \
                 `#[schemars(with = \"String\")]` documents `String`"
            ),
            "{}",
            failures[1]
        );
    }

    #[test]
    fn a_value_in_a_type_only_read_is_checked_by_its_handler_instead() {
        let sent = TYPES.replace(
            "#[derive(Clone, Deserialize, JsonSchema)]",
            "#[derive(Clone, Serialize, JsonSchema)]",
        );
        assert_eq!(check_sources(&source(&sent)).len(), 1);
    }
}
