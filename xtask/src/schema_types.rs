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

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use quote::ToTokens;

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

fn compact(tokens: impl ToTokens) -> String {
    tokens
        .to_token_stream()
        .to_string()
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect()
}

/// The `with = "…"` or `schema_with = "…"` of a `#[schemars(…)]`.
fn override_of(attr: &syn::Attribute) -> Option<Override> {
    if !attr.path().is_ident("schemars") {
        return None;
    }
    let text = compact(&attr.meta);
    let value = |key: &str| {
        let start = text.find(&format!("{key}=\""))? + key.len() + 2;
        let end = text[start..].find('"')? + start;
        Some(text[start..end].to_string())
    };
    if let Some(f) = value("schema_with") {
        return Some(Override::SchemaWith(f));
    }
    // `with=` not preceded by `schema_`.
    let at = text.match_indices("with=\"").find(|(i, _)| {
        let before = &text[..*i];
        before.ends_with('(') || before.ends_with(',')
    })?;
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

/// The line of `field` inside `struct name` in `text` (1-based), for the
/// message; 0 when not found.
fn line_of(text: &str, name: &str, field: &str) -> usize {
    let mut inside = false;
    for (i, line) in text.lines().enumerate() {
        let trimmed = line.trim_start();
        if trimmed.contains(&format!("struct {name} "))
            || trimmed.ends_with(&format!("struct {name}"))
        {
            inside = true;
        } else if inside
            && (trimmed.starts_with(&format!("pub {field}:"))
                || trimmed.starts_with(&format!("{field}:"))
                || trimmed.starts_with(&format!("pub(crate) {field}:")))
        {
            return i + 1;
        }
    }
    0
}

/// Every field whose schemars override documents another type than its own.
pub fn check_sources(sources: &[Source]) -> Vec<String> {
    let mut files = Vec::new();
    for source in sources {
        match syn::parse_file(&source.text) {
            Ok(file) => files.push((source, file)),
            Err(e) => return vec![format!("{}: cannot parse: {e}", source.path)],
        }
    }
    let mut functions = BTreeMap::new();
    let mut enums = BTreeSet::new();
    for (_, file) in &files {
        for item in &file.items {
            match item {
                syn::Item::Fn(f) => {
                    functions.insert(f.sig.ident.to_string(), compact(&f.block));
                }
                syn::Item::Enum(e) => {
                    enums.insert(e.ident.to_string());
                }
                _ => {}
            }
        }
    }
    let mut failures = Vec::new();
    for (source, file) in &files {
        for item in &file.items {
            let syn::Item::Struct(item) = item else {
                continue;
            };
            let serialized = item
                .attrs
                .iter()
                .filter(|a| a.path().is_ident("derive"))
                .any(|a| compact(&a.meta).contains("Serialize"));
            for field in &item.fields {
                let Some(ident) = &field.ident else {
                    continue;
                };
                let ty = compact(&field.ty);
                for attr in &field.attrs {
                    let Some(over) = override_of(attr) else {
                        continue;
                    };
                    if is_value(&ty) && !serialized {
                        continue;
                    }
                    let (ok, attribute, documented) = match &over {
                        Override::With(w) => (
                            ty == *w || ty == format!("Option<{w}>"),
                            format!("with = \"{w}\""),
                            format!("`{w}`"),
                        ),
                        Override::SchemaWith(f) => {
                            let base = without_option(&ty);
                            let short = base.rsplit("::").next().unwrap_or(base);
                            let admits = match instance_type(&functions, f, 3).as_deref() {
                                Some("Integer") => INTEGERS.contains(&short),
                                Some("Number") => {
                                    INTEGERS.contains(&short) || matches!(short, "f32" | "f64")
                                }
                                Some("Boolean") => short == "bool",
                                Some("String") => {
                                    matches!(short, "String" | "Uuid" | "NaiveDate")
                                        || short.starts_with("DateTime<")
                                        || enums.contains(short)
                                }
                                _ => false,
                            };
                            let kind = instance_type(&functions, f, 3)
                                .map(|k| k.to_lowercase())
                                .unwrap_or_else(|| "no type this check can read".to_string());
                            (admits, format!("schema_with = \"{f}\""), kind)
                        }
                    };
                    if !ok {
                        failures.push(format!(
                            "{}:{}: `{}.{ident}` is `{ty}` but `#[schemars({attribute})]` \
                             documents {documented}, so the derived document does not say \
                             what the server {}; make the field's type and the override agree",
                            source.path,
                            line_of(&source.text, &item.ident.to_string(), &ident.to_string()),
                            item.ident,
                            if serialized { "sends" } else { "reads" }
                        ));
                    }
                }
            }
        }
    }
    failures
}
