//! "Will this description render as written?"
//!
//! OpenAPI descriptions are CommonMark, and so are the doc comments
//! progenitor makes of them. A vendor page's placeholder such as `<string>`
//! written bare is an HTML tag to every Markdown renderer: Swagger UI and
//! Redoc drop it from the page, and rustdoc refuses it (`invalid-html-tags`,
//! an error with `-D warnings`). The specs quote vendor pages often, so a
//! bare tag is an easy slip; this check finds it with its JSON pointer
//! before the generated SDK's docs fail to build.
//!
//! What is checked: every `description` and `summary` string in the
//! document, outside code spans. Example values and defaults are data, not
//! prose, and are skipped, as are `x-` extensions.

use openapi_walk::escape;
use serde_json::Value;

use crate::spec::Problem;

/// Keys whose values are data (a property may be called "description").
const DATA: [&str; 4] = ["example", "default", "enum", "value"];

/// Every bare HTML tag in a description or summary of `doc`.
pub fn check_prose(doc: &Value) -> Vec<Problem> {
    let mut problems = Vec::new();
    walk(doc, &mut String::new(), &mut problems);
    problems
}

fn walk(value: &Value, at: &mut String, problems: &mut Vec<Problem>) {
    let children: Box<dyn Iterator<Item = (String, &Value)>> = match value {
        Value::Object(map) => Box::new(map.iter().map(|(k, v)| (k.clone(), v))),
        Value::Array(items) => Box::new(items.iter().enumerate().map(|(i, v)| (i.to_string(), v))),
        _ => return,
    };
    let in_object = value.is_object();
    for (key, child) in children {
        let len = at.len();
        at.push('/');
        at.push_str(&escape(&key));
        match child {
            Value::String(text) if in_object && (key == "description" || key == "summary") => {
                if let Some(tag) = bare_html_tag(text) {
                    problems.push(Problem::new(
                        at.clone(),
                        format!(
                            "{tag} is an HTML tag to Markdown renderers (Swagger UI hides it, \
                             rustdoc refuses it); write it in a code span: `{tag}`"
                        ),
                    ));
                }
            }
            _ if in_object && (DATA.contains(&key.as_str()) || key.starts_with("x-")) => {}
            _ => walk(child, at, problems),
        }
        at.truncate(len);
    }
}

/// The first bare HTML tag (`<name …>` or `</name>`) outside code spans.
fn bare_html_tag(text: &str) -> Option<String> {
    let prose = without_code_spans(text);
    let bytes = prose.as_bytes();
    for (start, _) in prose.match_indices('<') {
        let mut end = start + 1;
        if bytes.get(end) == Some(&b'/') {
            end += 1;
        }
        if !bytes.get(end).is_some_and(u8::is_ascii_alphabetic) {
            continue;
        }
        while bytes
            .get(end)
            .is_some_and(|b| b.is_ascii_alphanumeric() || *b == b'-')
        {
            end += 1;
        }
        // A tag name ends at `>`, `/` or a space; anything else (`:` of
        // `<https://…>`, `@` of `<a@b.c>`) is an autolink or plain text.
        match bytes.get(end) {
            Some(b'>') => return Some(prose[start..=end].to_string()),
            Some(b'/' | b' ' | b'\t' | b'\n') => {
                let close = prose[end..].find('>')?;
                return Some(prose[start..=end + close].to_string());
            }
            _ => {}
        }
    }
    None
}

/// `text` with every code span (a run of backticks up to the next run of
/// the same length, as CommonMark defines it) blanked out.
fn without_code_spans(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(open) = rest.find('`') {
        out.push_str(&rest[..open]);
        let run = rest[open..].bytes().take_while(|b| *b == b'`').count();
        let fence = &rest[open..open + run];
        let after = &rest[open + run..];
        match find_run(after, run) {
            Some(close) => {
                out.push(' ');
                rest = &after[close + run..];
            }
            // An unclosed run is literal backticks.
            None => {
                out.push_str(fence);
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

/// Where the next run of exactly `len` backticks starts in `text`.
fn find_run(text: &str, len: usize) -> Option<usize> {
    let bytes = text.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'`' {
            let run = bytes[i..].iter().take_while(|b| **b == b'`').count();
            if run == len {
                return Some(i);
            }
            i += run;
        } else {
            i += 1;
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::{bare_html_tag, check_prose};

    #[test]
    fn a_bare_placeholder_is_a_tag() {
        assert_eq!(
            bare_html_tag(r#"The page shows "<string>" here."#).as_deref(),
            Some("<string>")
        );
        assert_eq!(bare_html_tag("a </b> c").as_deref(), Some("</b>"));
        assert_eq!(
            bare_html_tag(r#"see <a href="x">"#).as_deref(),
            Some(r#"<a href="x">"#)
        );
    }

    #[test]
    fn code_spans_autolinks_and_comparisons_are_not_tags() {
        for text in [
            "The page shows `\"<string>\"` here.",
            "Sent as ``Token <key>`` on the wire.",
            "See <https://example.com/docs>.",
            "Mail <someone@example.com>.",
            "1 < 2 and 3 > 2; a <= b.",
            "An unclosed ` backtick is literal, and so is 2 <3.",
        ] {
            assert_eq!(bare_html_tag(text), None, "{text}");
        }
    }

    #[test]
    fn descriptions_and_summaries_are_checked_examples_are_not() {
        let doc = json!({
            "info": { "description": "ok" },
            "paths": { "/p": { "put": {
                "summary": "Update <user>",
                "requestBody": { "content": { "application/json": {
                    "example": { "description": "<string>" },
                    "schema": { "properties": {
                        "description": { "type": "string", "description": "Its <b>name</b>." }
                    } }
                } } }
            } } }
        });
        let pointers: Vec<String> = check_prose(&doc).into_iter().map(|p| p.pointer).collect();
        assert_eq!(
            pointers,
            [
                "/paths/~1p/put/requestBody/content/application~1json/schema/properties/description/description",
                "/paths/~1p/put/summary",
            ]
        );
    }
}
