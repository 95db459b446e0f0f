//! The walks every tool over an OpenAPI 3.0 document needs, written once:
//! following a local `$ref` to what it names ([`resolve`],
//! [`resolve_naming_ref`]), listing the operations ([`operations`]), and building JSON pointers into the document
//! ([`pointer()`], [`escape`]).
//!
//! The document is the JSON form of the spec (`serde_json::Value`), the
//! common form the drift gate, the compatibility check, the conformance
//! comparison and the reference page all work on. Nothing here judges a
//! document: a `$ref` that leads nowhere is returned as it stands, so that
//! the caller that validates can say so in its own words.

use serde_json::Value;

/// The operation keys of an OpenAPI 3.0 path item, in the order the
/// specification lists them.
pub const HTTP_METHODS: [&str; 8] = [
    "get", "put", "post", "delete", "options", "head", "patch", "trace",
];

/// The longest chain of `$ref`s followed. A chain of references is legal; a
/// cycle of pure references is not, so the walk is bounded rather than
/// trusted.
const MAX_REF_CHAIN: usize = 32;

/// Follows local `$ref`s (`#/components/...`) from `value` to what they name.
///
/// A value without `$ref` is returned as it is. A `$ref` that is not local or
/// names nothing in `doc` stops the walk there, and that `$ref` object is
/// returned.
pub fn resolve<'a>(doc: &'a Value, value: &'a Value) -> &'a Value {
    resolve_naming_ref(doc, value).0
}

/// [`resolve`], also giving the last `$ref` followed (`#/components/...`),
/// or `None` when `value` is not a reference. Comparisons use the name to
/// recognise a pair of schemas they have already compared.
pub fn resolve_naming_ref<'a>(doc: &'a Value, value: &'a Value) -> (&'a Value, Option<&'a str>) {
    let mut current = value;
    let mut name = None;
    for _ in 0..MAX_REF_CHAIN {
        let Some(target) = current.get("$ref").and_then(Value::as_str) else {
            break;
        };
        name = Some(target);
        match target.strip_prefix('#').and_then(|p| doc.pointer(p)) {
            Some(next) => current = next,
            None => break,
        }
    }
    (current, name)
}

/// One operation of a document: a method under a path.
#[derive(Clone, Copy, Debug)]
pub struct Operation<'a> {
    /// The path template as written, e.g. `/v3/users/{user_id}`.
    pub path: &'a str,
    /// The lower-case method key, e.g. `put`.
    pub method: &'a str,
    /// The operation object.
    pub operation: &'a Value,
}

impl Operation<'_> {
    /// The JSON pointer to the operation, e.g. `/paths/~1v1~1user/put`.
    pub fn pointer(&self) -> String {
        pointer(["paths", self.path, self.method])
    }
}

/// Every operation of `doc`: each path item under `paths`, and in it each key
/// that is an HTTP method ([`HTTP_METHODS`]). The order is the order in which
/// `serde_json` keeps an object's keys (sorted, as no crate in the workspace
/// turns on its `preserve_order` feature), so it is the same on every run.
/// Path items that are not objects have no operations.
pub fn operations(doc: &Value) -> Vec<Operation<'_>> {
    doc.get("paths")
        .and_then(Value::as_object)
        .into_iter()
        .flatten()
        .flat_map(|(path, item)| {
            item.as_object()
                .into_iter()
                .flatten()
                .filter(|(method, _)| HTTP_METHODS.contains(&method.as_str()))
                .map(move |(method, operation)| Operation {
                    path,
                    method,
                    operation,
                })
        })
        .collect()
}

/// Escapes one JSON pointer segment (RFC 6901): `~` as `~0`, `/` as `~1`.
pub fn escape(segment: &str) -> String {
    segment.replace('~', "~0").replace('/', "~1")
}

/// Builds a JSON pointer from unescaped segments.
pub fn pointer<I, S>(segments: I) -> String
where
    I: IntoIterator<Item = S>,
    S: AsRef<str>,
{
    segments
        .into_iter()
        .map(|s| format!("/{}", escape(s.as_ref())))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_chain_of_refs_is_followed_to_its_end_and_names_its_last_link() {
        let doc = json!({ "components": { "schemas": {
            "A": { "$ref": "#/components/schemas/B" },
            "B": { "type": "string" },
        }}});
        let start = json!({ "$ref": "#/components/schemas/A" });
        let (target, name) = resolve_naming_ref(&doc, &start);
        assert_eq!(target, &json!({ "type": "string" }));
        assert_eq!(name, Some("#/components/schemas/B"));
    }

    #[test]
    fn a_value_without_ref_is_its_own_target_and_names_no_ref() {
        let doc = json!({});
        let plain = json!({ "type": "integer" });
        assert_eq!(resolve_naming_ref(&doc, &plain), (&plain, None));
    }

    #[test]
    fn a_ref_to_nothing_is_returned_as_written() {
        let doc = json!({ "components": {} });
        let dangling = json!({ "$ref": "#/components/schemas/Missing" });
        let (target, name) = resolve_naming_ref(&doc, &dangling);
        assert_eq!(target, &dangling);
        assert_eq!(name, Some("#/components/schemas/Missing"));
        let remote = json!({ "$ref": "other.yaml#/X" });
        assert_eq!(resolve(&doc, &remote), &remote);
    }

    #[test]
    fn a_cycle_of_refs_ends_instead_of_looping() {
        let doc = json!({ "components": { "schemas": {
            "A": { "$ref": "#/components/schemas/B" },
            "B": { "$ref": "#/components/schemas/A" },
        }}});
        let start = json!({ "$ref": "#/components/schemas/A" });
        let target = resolve(&doc, &start);
        assert!(target.get("$ref").is_some(), "{target}");
    }

    #[test]
    fn operations_are_the_method_keys_of_each_path_item() {
        let doc = json!({ "paths": {
            "/a/{id}": { "parameters": [], "get": { "operationId": "g" }, "put": { "operationId": "p" } },
            "/b": { "summary": "no operations here", "x-trace": {} },
            "/c": "not a path item",
        }});
        let found: Vec<(&str, &str, String)> = operations(&doc)
            .iter()
            .map(|op| (op.path, op.method, op.pointer()))
            .collect();
        assert_eq!(
            found,
            [
                ("/a/{id}", "get", "/paths/~1a~1{id}/get".to_string()),
                ("/a/{id}", "put", "/paths/~1a~1{id}/put".to_string()),
            ]
        );
    }

    #[test]
    fn pointer_segments_escape_tilde_before_slash() {
        assert_eq!(pointer(["paths", "/a~b/c"]), "/paths/~1a~0b~1c");
    }
}
