//! "Does the server say what the spec says?"
//!
//! [`compare`] sets the hand-written spec beside the OpenAPI document
//! dropshot derives from the server's API trait and reports every semantic
//! difference. Compared: paths, methods, operation ids, parameters (location,
//! case-folded header name, required, schema), request and response bodies
//! per status and media type, security, and every schema keyword that
//! changes what is valid (type, format, enum, default, required, limits,
//! pattern, items, properties, additionalProperties, nullable — "may be
//! absent" and "may be null" are different things). Ignored: `$ref` names
//! and layout (references are resolved; `allOf: [one]` wrappers unwrapped),
//! ordering, documentation, `info`, `servers`, `tags`, `x-` extensions.
//!
//! Where dropshot cannot say what the spec says, the difference is an
//! [`Allowance`]: one list per API (`server/allowances/<api>.yaml`), each
//! entry naming the pointer and the exact values on both sides, with its
//! reason and the runtime test that proves the server does what the spec
//! says there. An allowance that matches no difference is stale, and fails
//! the check too.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::path::{Component, Path};

use serde_json::{Map, Value};

use openapi_walk::{escape, operations, resolve};

/// One difference between the spec and the server's document.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Difference {
    /// Where, in the spec.
    pub pointer: String,
    /// What the spec says (compact JSON, or `absent`).
    pub spec: String,
    /// What the server says.
    pub server: String,
    /// One plain sentence.
    pub sentence: String,
}

impl fmt::Display for Difference {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}: spec says {}, server says {}. {}",
            self.pointer, self.spec, self.server, self.sentence
        )
    }
}

/// An accepted difference, with why dropshot cannot express it and which
/// runtime test shows the server doing what the spec says.
#[derive(Clone, Debug, PartialEq, Eq, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Allowance {
    pub pointer: String,
    pub spec: String,
    pub server: String,
    pub reason: String,
    /// The test (path::name) proving the runtime behaviour; it lives in the
    /// API's own test file, `server/tests/api/<api>.rs`.
    pub test: String,
    /// What that test shows, in one sentence: the reviewer's check that the
    /// named test is about this difference (any existing test would
    /// otherwise do).
    pub shows: String,
}

/// The one test file an API's allowances and rules may name.
pub fn api_test_file(api: &str) -> String {
    format!("server/tests/api/{api}.rs")
}

/// Checks that `test` names a test in `api`'s own test file that exists,
/// and that `shows` says what it shows.
pub fn check_api_test(root: &Path, api: &str, test: &str, shows: &str) -> Result<(), String> {
    let own = api_test_file(api);
    if !test.starts_with(&format!("{own}::")) {
        return Err(format!(
            "it is not in {api}'s own test file {own}: a test of another API cannot show what \
             this server does"
        ));
    }
    check_test_reference(root, test)?;
    if shows.trim().is_empty() {
        return Err("its `shows` is empty: say what the test shows".to_string());
    }
    Ok(())
}

/// Parses an allowance list.
pub fn parse_allowances(yaml: &str) -> Result<Vec<Allowance>, String> {
    if yaml.trim().is_empty() {
        return Ok(Vec::new());
    }
    serde_saphyr::from_str(yaml).map_err(|e| format!("allowances are not valid: {e}"))
}

/// Checks an allowance's `test` reference, `<file>::<fn name>`: the file is
/// a relative `.rs` path inside the workspace `root` (no `..`, not absolute),
/// it exists, and it contains `fn <name>(`. The error says which part fails.
pub fn check_test_reference(root: &Path, test: &str) -> Result<(), String> {
    let Some((file, name)) = test.split_once("::") else {
        return Err("it is not of the form <file>::<fn name>".to_string());
    };
    let path = Path::new(file);
    let inside = path
        .components()
        .all(|c| matches!(c, Component::Normal(_) | Component::CurDir));
    if file.is_empty() || !inside {
        return Err(format!(
            "{file} is not a relative path inside the workspace"
        ));
    }
    if path.extension().is_none_or(|e| e != "rs") {
        return Err(format!("{file} is not a Rust file"));
    }
    let identifier = name
        .chars()
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
    if !identifier {
        return Err(format!("{name:?} is not a function name"));
    }
    let text = std::fs::read_to_string(root.join(path))
        .map_err(|e| format!("{file} cannot be read: {e}"))?;
    if text.contains(&format!("fn {name}(")) {
        Ok(())
    } else {
        Err(format!("{file} has no `fn {name}(`"))
    }
}

/// Splits differences into the ones no allowance covers, and returns the
/// allowances that covered nothing (stale).
pub fn apply_allowances(
    differences: Vec<Difference>,
    allowances: &[Allowance],
) -> (Vec<Difference>, Vec<Allowance>) {
    let covers = |a: &Allowance, d: &Difference| {
        a.pointer == d.pointer && a.spec == d.spec && a.server == d.server
    };
    let remaining = differences
        .iter()
        .filter(|d| !allowances.iter().any(|a| covers(a, d)))
        .cloned()
        .collect();
    let stale = allowances
        .iter()
        .filter(|a| !differences.iter().any(|d| covers(a, d)))
        .cloned()
        .collect();
    (remaining, stale)
}

fn show(value: Option<&Value>) -> String {
    match value {
        None => "absent".to_string(),
        Some(v) => v.to_string(),
    }
}

/// Keywords that document without constraining.
const IGNORED: [&str; 8] = [
    "description",
    "summary",
    "title",
    "example",
    "examples",
    "externalDocs",
    "deprecated",
    "discriminator",
];

struct Comparer<'a> {
    spec: &'a Value,
    server: &'a Value,
    differences: BTreeSet<Difference>,
    /// (spec schema, server schema) pairs under comparison, against cycles.
    active: BTreeSet<(String, String)>,
}

/// Every semantic difference between `spec` and the server's `derived`
/// document, in a stable order.
pub fn compare(spec: &Value, derived: &Value) -> Vec<Difference> {
    let mut c = Comparer {
        spec,
        server: derived,
        differences: BTreeSet::new(),
        active: BTreeSet::new(),
    };
    c.document();
    c.differences.into_iter().collect()
}

/// A schema with references resolved at the top, `allOf: [one]` unwrapped
/// (its siblings kept), documentation and extensions removed.
fn normalise(doc: &Value, schema: &Value) -> Map<String, Value> {
    let schema = resolve(doc, schema);
    let mut map = schema.as_object().cloned().unwrap_or_default();
    if let Some(Value::Array(parts)) = map.get("allOf").cloned()
        && parts.len() == 1
        && !map.contains_key("properties")
    {
        map.remove("allOf");
        let inner = normalise(doc, &parts[0]);
        for (k, v) in inner {
            map.entry(k).or_insert(v);
        }
    }
    map.retain(|k, v| !IGNORED.contains(&k.as_str()) && !k.starts_with("x-") && !is_default(k, v));
    map
}

/// A keyword written out with the value OpenAPI 3.0 gives it when absent
/// (`nullable: false`, `minLength: 0` …) says nothing, so it is not a
/// difference from a side that leaves it out.
fn is_default(keyword: &str, value: &Value) -> bool {
    match keyword {
        "nullable" | "readOnly" | "writeOnly" | "uniqueItems" | "exclusiveMinimum"
        | "exclusiveMaximum" => value == &Value::Bool(false),
        "minLength" | "minItems" | "minProperties" => value.as_f64() == Some(0.0),
        _ => false,
    }
}

impl Comparer<'_> {
    fn add(
        &mut self,
        pointer: String,
        spec: Option<&Value>,
        server: Option<&Value>,
        sentence: impl Into<String>,
    ) {
        self.differences.insert(Difference {
            pointer,
            spec: show(spec),
            server: show(server),
            sentence: sentence.into(),
        });
    }

    fn document(&mut self) {
        let (spec, server) = (self.spec, self.server);
        self.security_schemes();
        let ops = |doc: &Value| -> BTreeMap<(String, String), Value> {
            operations(doc)
                .into_iter()
                .map(|op| {
                    let key = (op.path.to_string(), op.method.to_string());
                    (key, op.operation.clone())
                })
                .collect()
        };
        let (spec_ops, server_ops) = (ops(spec), ops(server));
        for ((path, method), op) in &spec_ops {
            let at = format!("/paths/{}/{method}", escape(path));
            match server_ops.get(&(path.clone(), method.clone())) {
                None => self.add(
                    at,
                    Some(&Value::String(format!("{} {path}", method.to_uppercase()))),
                    None,
                    "The server does not serve this operation.",
                ),
                Some(server_op) => self.operation(op, server_op, &at),
            }
        }
        for (path, method) in server_ops.keys() {
            if !spec_ops.contains_key(&(path.clone(), method.clone())) {
                self.add(
                    format!("/paths/{}/{method}", escape(path)),
                    None,
                    Some(&Value::String(format!("{} {path}", method.to_uppercase()))),
                    "The server publishes an operation the spec does not have.",
                );
            }
        }
    }

    fn security_schemes(&mut self) {
        // Per scheme, without its documentation, so that an allowance names
        // one scheme and the values that matter.
        let schemes = |doc: &Value| -> BTreeMap<String, Value> {
            doc.pointer("/components/securitySchemes")
                .and_then(Value::as_object)
                .into_iter()
                .flatten()
                .map(|(name, scheme)| {
                    let mut scheme = scheme.as_object().cloned().unwrap_or_default();
                    scheme.remove("description");
                    (name.clone(), Value::Object(scheme))
                })
                .collect()
        };
        let (a, b) = (schemes(self.spec), schemes(self.server));
        for name in a.keys().chain(b.keys()).collect::<BTreeSet<_>>() {
            if a.get(name) != b.get(name) {
                self.add(
                    format!("/components/securitySchemes/{}", escape(name)),
                    a.get(name),
                    b.get(name),
                    format!("The security scheme {name} differs."),
                );
            }
        }
        if self.spec.get("security") != self.server.get("security") {
            self.add(
                "/security".into(),
                self.spec.get("security"),
                self.server.get("security"),
                "The default security requirement differs.",
            );
        }
    }

    fn operation(&mut self, spec_op: &Value, server_op: &Value, at: &str) {
        if spec_op.get("operationId") != server_op.get("operationId") {
            self.add(
                format!("{at}/operationId"),
                spec_op.get("operationId"),
                server_op.get("operationId"),
                "The operation ids differ, so generated clients name the method differently.",
            );
        }
        if spec_op.get("security") != server_op.get("security") {
            self.add(
                format!("{at}/security"),
                spec_op.get("security"),
                server_op.get("security"),
                "The operation's security requirement differs.",
            );
        }
        self.parameters(spec_op, server_op, at);
        self.request_body(spec_op.get("requestBody"), server_op.get("requestBody"), at);
        self.responses(spec_op, server_op, at);
    }

    fn parameters(&mut self, spec_op: &Value, server_op: &Value, at: &str) {
        type Params = BTreeMap<(String, String), (usize, Value)>;
        let collect = |doc: &Value, op: &Value| -> Params {
            let mut out = BTreeMap::new();
            for (i, p) in op
                .get("parameters")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .enumerate()
            {
                let p = resolve(doc, p);
                let location = p
                    .get("in")
                    .and_then(Value::as_str)
                    .unwrap_or_default()
                    .to_string();
                let mut name = p
                    .get("name")
                    .and_then(Value::as_str)
                    .unwrap_or_default()
                    .to_string();
                if location == "header" {
                    name = name.to_ascii_lowercase();
                }
                out.insert((location, name), (i, p.clone()));
            }
            out
        };
        let (spec_params, server_params) =
            (collect(self.spec, spec_op), collect(self.server, server_op));
        for ((location, name), (i, p)) in &spec_params {
            let p_at = format!("{at}/parameters/{i}");
            match server_params.get(&(location.clone(), name.clone())) {
                None => self.add(
                    p_at,
                    Some(&Value::String(format!("{location} parameter {name}"))),
                    None,
                    "The server does not take this parameter.",
                ),
                Some((_, q)) => {
                    let required =
                        |v: &Value| v.get("required").cloned().unwrap_or(Value::Bool(false));
                    if required(p) != required(q) {
                        self.add(
                            format!("{p_at}/required"),
                            Some(&required(p)),
                            Some(&required(q)),
                            format!(
                                "The {location} parameter {name} differs in whether it is required."
                            ),
                        );
                    }
                    if let (Some(a), Some(b)) = (p.get("schema"), q.get("schema")) {
                        self.schema(a, b, &format!("{p_at}/schema"));
                    }
                }
            }
        }
        for (location, name) in server_params.keys() {
            if !spec_params.contains_key(&(location.clone(), name.clone())) {
                self.add(
                    format!("{at}/parameters"),
                    None,
                    Some(&Value::String(format!("{location} parameter {name}"))),
                    "The server takes a parameter the spec does not have.",
                );
            }
        }
    }

    fn request_body(&mut self, spec_body: Option<&Value>, server_body: Option<&Value>, at: &str) {
        let at = format!("{at}/requestBody");
        let (a, b) = (
            spec_body.map(|v| resolve(self.spec, v)),
            server_body.map(|v| resolve(self.server, v)),
        );
        match (a, b) {
            (None, None) => {}
            (Some(_), None) | (None, Some(_)) => self.add(
                at,
                a.map(|_| Value::String("a request body".into())).as_ref(),
                b.map(|_| Value::String("a request body".into())).as_ref(),
                "Only one side takes a request body.",
            ),
            (Some(a), Some(b)) => {
                let required = |v: &Value| v.get("required").cloned().unwrap_or(Value::Bool(false));
                if required(a) != required(b) {
                    self.add(
                        format!("{at}/required"),
                        Some(&required(a)),
                        Some(&required(b)),
                        "The sides differ in whether the request body is required.",
                    );
                }
                self.content(a, b, &at);
            }
        }
    }

    fn content(&mut self, a: &Value, b: &Value, at: &str) {
        self.media_types(a, b, at);
        self.bodies(a, b, at, false);
    }

    /// The media-type lists of a body (request or response) on each side.
    fn media_types(&mut self, a: &Value, b: &Value, at: &str) {
        let media = |v: &Value| -> BTreeSet<String> {
            v.get("content")
                .and_then(Value::as_object)
                .map(|m| m.keys().cloned().collect())
                .unwrap_or_default()
        };
        let (ma, mb) = (media(a), media(b));
        if ma != mb {
            let list =
                |s: &BTreeSet<String>| Value::Array(s.iter().cloned().map(Value::String).collect());
            self.add(
                format!("{at}/content"),
                Some(&list(&ma)),
                Some(&list(&mb)),
                "The media types differ.",
            );
        }
    }

    /// Compares the body schema of each of the spec's media types with the
    /// server's under the same media type or, where the server has no such
    /// key but exactly one media type, with that one: a media type the
    /// server cannot document (an allowance) must not hide its body.
    /// `variants`: the server's body may be an `anyOf`/`oneOf` of the bodies
    /// of several spec statuses (see `responses`).
    fn bodies(&mut self, a: &Value, b: &Value, at: &str, variants: bool) {
        let (Some(ma), Some(mb)) = (
            a.get("content").and_then(Value::as_object),
            b.get("content").and_then(Value::as_object),
        ) else {
            return;
        };
        for (m, x) in ma {
            let y = match (mb.get(m), mb.values().next()) {
                (Some(y), _) => y,
                (None, Some(y)) if mb.len() == 1 => y,
                _ => continue,
            };
            if let (Some(x), Some(y)) = (x.get("schema"), y.get("schema")) {
                let at = format!("{at}/content/{}/schema", escape(m));
                if variants {
                    self.schema_or_variant(x, y, &at);
                } else {
                    self.schema(x, y, &at);
                }
            }
        }
    }

    /// Compares `a` with `b`, or, where `b` is an `anyOf`/`oneOf` of several
    /// schemas and `a` is not, with the variant of `b` it differs from least
    /// (the first, on a tie).
    fn schema_or_variant(&mut self, a: &Value, b: &Value, at: &str) {
        let (x, y) = (normalise(self.spec, a), normalise(self.server, b));
        let alternatives = ["anyOf", "oneOf"];
        let variants = alternatives
            .iter()
            .find_map(|k| y.get(*k).and_then(Value::as_array))
            .filter(|v| v.len() > 1 && !alternatives.iter().any(|k| x.contains_key(*k)));
        let Some(variants) = variants else {
            self.schema(a, b, at);
            return;
        };
        let best = variants
            .iter()
            .map(|variant| {
                let mut trial = Comparer {
                    spec: self.spec,
                    server: self.server,
                    differences: BTreeSet::new(),
                    active: self.active.clone(),
                };
                trial.schema(a, variant, at);
                trial.differences
            })
            .min_by_key(BTreeSet::len)
            .unwrap_or_default();
        self.differences.extend(best);
    }

    fn responses(&mut self, spec_op: &Value, server_op: &Value, at: &str) {
        let statuses = |op: &Value| -> BTreeSet<String> {
            op.get("responses")
                .and_then(Value::as_object)
                .map(|m| m.keys().cloned().collect())
                .unwrap_or_default()
        };
        let (sa, sb) = (statuses(spec_op), statuses(server_op));
        if sa != sb {
            let list =
                |s: &BTreeSet<String>| Value::Array(s.iter().cloned().map(Value::String).collect());
            self.add(
                format!("{at}/responses"),
                Some(&list(&sa)),
                Some(&list(&sb)),
                "The documented response statuses differ.",
            );
        }
        // dropshot documents one error body under `4XX` and `5XX`; where the
        // spec has one error body under `default`, the two bodies must still
        // agree, whatever the allowance for the status keys says.
        let errors_in_spec: Vec<&String> = sa
            .iter()
            .filter(|s| s.as_str() == "default" || s.starts_with('4') || s.starts_with('5'))
            .collect();
        let ranges: Vec<&str> = ["4XX", "5XX"]
            .into_iter()
            .filter(|r| sb.contains(*r) && !sa.contains(*r))
            .collect();
        if errors_in_spec.len() == 1 && errors_in_spec[0] == "default" && !sb.contains("default") {
            for range in &ranges {
                if let (Some(x), Some(y)) = (
                    spec_op.pointer("/responses/default"),
                    server_op.pointer(&format!("/responses/{range}")),
                ) {
                    let (x, y) = (resolve(self.spec, x), resolve(self.server, y));
                    self.content(x, y, &format!("{at}/responses/default"));
                }
            }
        } else if errors_in_spec.len() > 1 {
            // Several spec error bodies (e.g. 400 and default), one server
            // body per range, often an untagged `anyOf` of them: each spec
            // body against the variant it matches, and each status's media
            // types against the range's. dropshot cannot document a media
            // type per status, so a difference there needs an allowance that
            // states both lists; without the comparison, a media type dropped
            // from the spec while the server still sends it went unseen.
            for status in errors_in_spec.into_iter().filter(|s| !sb.contains(*s)) {
                for range in &ranges {
                    let covers = status == "default" || range.starts_with(&status[..1]);
                    let key = format!("/responses/{}", escape(status));
                    if let (true, Some(x), Some(y)) = (
                        covers,
                        spec_op.pointer(&key),
                        server_op.pointer(&format!("/responses/{range}")),
                    ) {
                        let (x, y) = (resolve(self.spec, x), resolve(self.server, y));
                        self.media_types(x, y, &format!("{at}{key}"));
                        self.bodies(x, y, &format!("{at}{key}"), true);
                    }
                }
            }
        }
        for status in sa.intersection(&sb) {
            let key = format!("/responses/{}", escape(status));
            if let (Some(x), Some(y)) = (spec_op.pointer(&key), server_op.pointer(&key)) {
                let (x, y) = (resolve(self.spec, x), resolve(self.server, y));
                self.content(x, y, &format!("{at}{key}"));
            }
        }
    }

    fn schema(&mut self, a: &Value, b: &Value, at: &str) {
        let key = (a.to_string(), b.to_string());
        if (a.get("$ref").is_some() || b.get("$ref").is_some()) && !self.active.insert(key.clone())
        {
            return;
        }
        let (x, y) = (normalise(self.spec, a), normalise(self.server, b));
        let keys: BTreeSet<&String> = x.keys().chain(y.keys()).collect();
        for k in keys {
            match k.as_str() {
                "properties"
                | "items"
                | "allOf"
                | "anyOf"
                | "oneOf"
                | "additionalProperties"
                | "required"
                | "enum" => {}
                "pattern"
                    if matches!(
                        (x.get(k), y.get(k)),
                        (Some(Value::String(p)), Some(Value::String(q)))
                            if crate::pattern::same_meaning(p, q)
                    ) => {}
                _ => {
                    if x.get(k) != y.get(k) {
                        self.add(
                            format!("{at}/{}", escape(k)),
                            x.get(k),
                            y.get(k),
                            format!("The schemas differ in `{k}`."),
                        );
                    }
                }
            }
        }
        let set = |m: &Map<String, Value>, k: &str| -> Option<BTreeSet<String>> {
            m.get(k)
                .and_then(Value::as_array)
                .map(|v| v.iter().map(Value::to_string).collect())
        };
        for k in ["required", "enum"] {
            let (p, q) = (set(&x, k), set(&y, k));
            // An empty `required` list says the same as none.
            let empty = |s: &Option<BTreeSet<String>>| s.as_ref().is_none_or(BTreeSet::is_empty);
            if p != q && !(k == "required" && empty(&p) && empty(&q)) {
                self.add(
                    format!("{at}/{k}"),
                    x.get(k),
                    y.get(k),
                    if k == "required" {
                        "The sides differ in which fields are required.".to_string()
                    } else {
                        "The sides allow different enum values.".to_string()
                    },
                );
            }
        }
        // `additionalProperties` absent and `true` say the same.
        let open = |m: &Map<String, Value>| -> Value {
            match m.get("additionalProperties") {
                None | Some(Value::Bool(true)) => Value::Bool(true),
                Some(v) => v.clone(),
            }
        };
        let (oa, ob) = (open(&x), open(&y));
        match (&oa, &ob) {
            (Value::Object(_), Value::Object(_)) => {
                self.schema(&oa, &ob, &format!("{at}/additionalProperties"));
            }
            _ if oa != ob => self.add(
                format!("{at}/additionalProperties"),
                Some(&oa),
                Some(&ob),
                "The sides differ in whether undeclared fields are allowed.",
            ),
            _ => {}
        }
        let props = |m: &Map<String, Value>| {
            m.get("properties")
                .and_then(Value::as_object)
                .cloned()
                .unwrap_or_default()
        };
        let (pa, pb) = (props(&x), props(&y));
        for (name, sa) in &pa {
            let p_at = format!("{at}/properties/{}", escape(name));
            match pb.get(name) {
                None => self.add(
                    p_at,
                    Some(&Value::String(name.clone())),
                    None,
                    format!("The server's type has no field `{name}`."),
                ),
                Some(sb) => self.schema(sa, sb, &p_at),
            }
        }
        for name in pb.keys().filter(|n| !pa.contains_key(*n)) {
            self.add(
                format!("{at}/properties/{}", escape(name)),
                None,
                Some(&Value::String(name.clone())),
                format!("The server's type has a field `{name}` the spec does not."),
            );
        }
        if let (Some(ia), Some(ib)) = (x.get("items"), y.get("items")) {
            self.schema(ia, ib, &format!("{at}/items"));
        } else if x.get("items").is_some() != y.get("items").is_some() {
            self.add(
                format!("{at}/items"),
                x.get("items"),
                y.get("items"),
                "Only one side describes array items.",
            );
        }
        for k in ["allOf", "anyOf", "oneOf"] {
            let (va, vb) = (
                x.get(k)
                    .and_then(Value::as_array)
                    .cloned()
                    .unwrap_or_default(),
                y.get(k)
                    .and_then(Value::as_array)
                    .cloned()
                    .unwrap_or_default(),
            );
            if va.len() != vb.len() {
                self.add(
                    format!("{at}/{k}"),
                    Some(&Value::from(va.len())),
                    Some(&Value::from(vb.len())),
                    format!("The sides have a different number of `{k}` variants."),
                );
            }
            for (i, (p, q)) in va.iter().zip(vb.iter()).enumerate() {
                self.schema(p, q, &format!("{at}/{k}/{i}"));
            }
        }
        self.active.remove(&key);
    }
}

#[cfg(test)]
mod tests {
    use serde_json::{Value, json};

    use super::compare;

    /// A one-operation document whose request body is `schema`, with
    /// `components` beside it.
    fn doc(schema: Value, components: Value) -> Value {
        json!({
            "paths": { "/p": { "put": {
                "requestBody": { "content": { "application/json": { "schema": schema } } },
                "responses": {}
            } } },
            "components": { "schemas": components }
        })
    }

    fn pointers(spec: Value, server: Value) -> Vec<String> {
        compare(&spec, &server)
            .into_iter()
            .map(|d| d.pointer)
            .collect()
    }

    const BODY: &str = "/paths/~1p/put/requestBody/content/application~1json/schema";

    #[test]
    fn refs_and_a_single_all_of_are_layout_not_differences() {
        let inline = json!({ "type": "string", "enum": ["A", "B"] });
        let spec = doc(
            json!({ "$ref": "#/components/schemas/X" }),
            json!({ "X": inline }),
        );
        let server = doc(
            json!({ "allOf": [{ "$ref": "#/components/schemas/Y" }], "description": "d" }),
            json!({ "Y": inline }),
        );
        assert_eq!(pointers(spec, server), Vec::<String>::new());
    }

    #[test]
    fn required_order_is_ignored_and_empty_required_is_none() {
        let object = |required: Value| {
            json!({ "type": "object", "required": required,
                    "properties": { "a": {}, "b": {} } })
        };
        let (a, b) = (object(json!(["a", "b"])), object(json!(["b", "a"])));
        assert_eq!(
            pointers(doc(a, json!({})), doc(b, json!({}))),
            Vec::<String>::new()
        );
        let empty = json!({ "type": "object", "required": [] });
        let none = json!({ "type": "object" });
        assert_eq!(
            pointers(doc(empty, json!({})), doc(none, json!({}))),
            Vec::<String>::new()
        );
    }

    #[test]
    fn nullable_is_not_the_same_as_may_be_absent() {
        let spec = doc(json!({ "type": "string" }), json!({}));
        let server = doc(json!({ "type": "string", "nullable": true }), json!({}));
        assert_eq!(pointers(spec, server), [format!("{BODY}/nullable")]);
    }

    #[test]
    fn additional_properties_true_is_the_same_as_absent() {
        let spec = doc(json!({ "type": "object" }), json!({}));
        let open = doc(
            json!({ "type": "object", "additionalProperties": true }),
            json!({}),
        );
        let closed = doc(
            json!({ "type": "object", "additionalProperties": false }),
            json!({}),
        );
        assert_eq!(pointers(spec.clone(), open), Vec::<String>::new());
        assert_eq!(
            pointers(spec, closed),
            [format!("{BODY}/additionalProperties")]
        );
    }
}
