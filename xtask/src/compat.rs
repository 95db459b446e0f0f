//! "Does this spec edit break the people who use the API and its SDK?"
//!
//! [`classify`] compares a released spec with the working one and sorts every
//! difference into four classes:
//! - **breaking**: an existing client on the wire can fail (an operation,
//!   parameter, field or media type removed; a new required request field or
//!   parameter; a request constraint narrowed; a type or format changed; a
//!   response field removed, made optional or nullable; security added or
//!   changed; a success status changed);
//! - **breaking for the Rust SDK**: the wire stays compatible but code built
//!   against the previous generated SDK stops compiling or decoding (a new
//!   enum value in a response breaks an exhaustive `match`; a field that
//!   becomes a plain `T` a caller must now set; a renamed operation or type;
//!   a widened response string limit, which the generated newtype enforces
//!   when decoding);
//! - **compatible**: a new optional request field, a new response field, a
//!   constraint widened, a new operation;
//! - **documentation**: descriptions, summaries, titles, examples, tags.
//!
//! [`check_version`] then says whether the version change is big enough.
//!
//! Direction matters: a schema reached from a request body or parameter is
//! compared as *input* (narrowing breaks), one reached from a response as
//! *output* (widening breaks). A schema used on both sides is compared both
//! ways.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use semver::{Version, VersionReq};
use serde_json::{Map, Value};

use openapi_walk::{escape, operations, resolve, resolve_naming_ref};

/// How much a difference matters to the API's users.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Class {
    Breaking,
    BreakingForSdk,
    Compatible,
    Documentation,
}

impl Class {
    pub fn label(self) -> &'static str {
        match self {
            Class::Breaking => "breaking",
            Class::BreakingForSdk => "breaking for the Rust SDK",
            Class::Compatible => "compatible",
            Class::Documentation => "documentation",
        }
    }
}

/// One classified difference.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Finding {
    pub class: Class,
    /// Where, in the working spec (or in the released one for something
    /// removed).
    pub pointer: String,
    /// One plain sentence.
    pub message: String,
}

impl fmt::Display for Finding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} at {}: {}",
            self.class.label(),
            self.pointer,
            self.message
        )
    }
}

/// Whether a schema is read as input (request) or output (response).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Direction {
    Request,
    Response,
}

struct Classifier<'a> {
    old: &'a Value,
    new: &'a Value,
    findings: BTreeSet<Finding>,
    /// (old $ref, new $ref, direction) pairs already compared, so that a
    /// shared or recursive schema is compared once per direction.
    seen: BTreeSet<(String, String, Direction)>,
}

/// Every difference between `old` and `new`, classified, in a stable order.
pub fn classify(old: &Value, new: &Value) -> Vec<Finding> {
    let mut c = Classifier {
        old,
        new,
        findings: BTreeSet::new(),
        seen: BTreeSet::new(),
    };
    c.documents();
    c.findings.into_iter().collect()
}

/// Keywords that describe without constraining.
const DOC_KEYWORDS: [&str; 6] = [
    "description",
    "summary",
    "title",
    "example",
    "examples",
    "externalDocs",
];

fn obj(value: &Value) -> Map<String, Value> {
    value.as_object().cloned().unwrap_or_default()
}

fn text(value: Option<&Value>) -> String {
    value.map(Value::to_string).unwrap_or_default()
}

/// A keyword's value for a message: `200`, `"uuid"`, or `none`.
fn show(value: Option<&Value>) -> String {
    value
        .map(Value::to_string)
        .unwrap_or_else(|| "none".to_string())
}

/// A path with its template names blanked, so that renaming `{id}` to
/// `{user_id}` is seen as the same operation with a renamed parameter.
fn path_shape(path: &str) -> String {
    let mut out = String::new();
    let mut in_param = false;
    for ch in path.chars() {
        match ch {
            '{' => {
                in_param = true;
                out.push_str("{}");
            }
            '}' => in_param = false,
            _ if !in_param => out.push(ch),
            _ => {}
        }
    }
    out
}

/// A security scheme without its documentation: the scheme's description
/// and each OAuth2 scope's description (the scope names stay: they are what
/// a token must carry).
fn without_scheme_docs(scheme: &Value) -> Value {
    let mut scheme = obj(scheme);
    scheme.remove("description");
    if let Some(flows) = scheme.get_mut("flows").and_then(Value::as_object_mut) {
        for flow in flows.values_mut().filter_map(Value::as_object_mut) {
            if let Some(scopes) = flow.get_mut("scopes") {
                let names: Vec<Value> = obj(scopes).keys().cloned().map(Value::String).collect();
                *scopes = Value::Array(names);
            }
        }
    }
    Value::Object(scheme)
}

/// A server's variables without their descriptions.
fn without_variable_docs(server: &Value) -> Value {
    let mut variables = obj(server.get("variables").unwrap_or(&Value::Null));
    for variable in variables.values_mut().filter_map(Value::as_object_mut) {
        variable.remove("description");
    }
    Value::Object(variables)
}

impl Classifier<'_> {
    fn add(&mut self, class: Class, pointer: impl Into<String>, message: impl Into<String>) {
        self.findings.insert(Finding {
            class,
            pointer: pointer.into(),
            message: message.into(),
        });
    }

    /// Compares documentation keywords of two objects.
    fn docs(&mut self, old: &Value, new: &Value, at: &str, what: &str) {
        for key in DOC_KEYWORDS {
            if old.get(key) != new.get(key) {
                self.add(
                    Class::Documentation,
                    format!("{at}/{key}"),
                    format!("the {key} of {what} changed"),
                );
            }
        }
    }

    fn documents(&mut self) {
        let (old, new) = (self.old, self.new);
        // `info.version` is what the classification is checked against, not
        // a difference in itself.
        let mut old_info = obj(old.get("info").unwrap_or(&Value::Null));
        let mut new_info = obj(new.get("info").unwrap_or(&Value::Null));
        old_info.remove("version");
        new_info.remove("version");
        for key in old_info
            .keys()
            .chain(new_info.keys())
            .collect::<BTreeSet<_>>()
        {
            if old_info.get(key) != new_info.get(key) {
                self.add(
                    Class::Documentation,
                    format!("/info/{}", escape(key)),
                    format!("info.{key} changed"),
                );
            }
        }
        if old.get("tags") != new.get("tags") {
            self.add(
                Class::Documentation,
                "/tags",
                "the tag list or its descriptions changed",
            );
        }
        if old.get("externalDocs") != new.get("externalDocs") {
            self.add(
                Class::Documentation,
                "/externalDocs",
                "externalDocs changed",
            );
        }
        self.servers();
        self.security_schemes();
        self.component_names();
        self.operations();
    }

    fn servers(&mut self) {
        let urls = |doc: &Value| -> Vec<(String, Value)> {
            doc.get("servers")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .map(|s| (text(s.get("url")), s.clone()))
                .collect()
        };
        let (old, new) = (urls(self.old), urls(self.new));
        for (i, (url, server)) in old.iter().enumerate() {
            match new.iter().find(|(u, _)| u == url) {
                None => self.add(
                    Class::Breaking,
                    format!("/servers/{i}"),
                    format!("server {url} was removed: clients configured with it lose their host"),
                ),
                Some((_, now)) if now != server => {
                    let class = if without_variable_docs(now) != without_variable_docs(server) {
                        Class::Compatible
                    } else {
                        Class::Documentation
                    };
                    self.add(
                        class,
                        format!("/servers/{i}"),
                        format!("server {url} changed its description or variables"),
                    );
                }
                Some(_) => {}
            }
        }
        for (i, (url, _)) in new.iter().enumerate() {
            if !old.iter().any(|(u, _)| u == url) {
                // Another host (a staging server) changes nothing for a
                // client of the hosts that were there: the SDK takes its
                // base URL from the caller, and every operation is the same.
                self.add(
                    Class::Documentation,
                    format!("/servers/{i}"),
                    format!("server {url} was added; the existing hosts are unchanged"),
                );
            }
        }
    }

    fn security_schemes(&mut self) {
        let (old, new) = (
            obj(self
                .old
                .pointer("/components/securitySchemes")
                .unwrap_or(&Value::Null)),
            obj(self
                .new
                .pointer("/components/securitySchemes")
                .unwrap_or(&Value::Null)),
        );
        for (name, before) in &old {
            let at = format!("/components/securitySchemes/{}", escape(name));
            match new.get(name) {
                None => {} // Reported through the requirements that used it.
                Some(after) => {
                    if without_scheme_docs(before) != without_scheme_docs(after) {
                        self.add(
                            Class::Breaking,
                            at,
                            format!("security scheme {name} changed how credentials are sent"),
                        );
                    } else if before != after {
                        // Point at the description when it is all that changed,
                        // else at the scheme (a scope's description changed).
                        let only_description = {
                            let (mut a, mut b) = (obj(before), obj(after));
                            a.remove("description");
                            b.remove("description");
                            a == b
                        };
                        let pointer = if only_description {
                            format!("{at}/description")
                        } else {
                            at
                        };
                        self.add(
                            Class::Documentation,
                            pointer,
                            format!("the documentation of security scheme {name} changed"),
                        );
                    }
                }
            }
        }
    }

    /// Renaming or removing a component schema renames or removes a
    /// generated Rust type, even when the wire is unchanged.
    fn component_names(&mut self) {
        let names = |doc: &Value| -> BTreeSet<String> {
            doc.pointer("/components/schemas")
                .and_then(Value::as_object)
                .map(|m| m.keys().cloned().collect())
                .unwrap_or_default()
        };
        let (old, new) = (names(self.old), names(self.new));
        for gone in old.difference(&new) {
            self.add(
                Class::BreakingForSdk,
                format!("/components/schemas/{}", escape(gone)),
                format!("schema {gone} was removed or renamed: the SDK's generated type {gone} disappears"),
            );
        }
        for added in new.difference(&old) {
            self.add(
                Class::Compatible,
                format!("/components/schemas/{}", escape(added)),
                format!("schema {added} was added"),
            );
        }
    }

    fn operations(&mut self) {
        type Op = (String, String, String, Value);
        let ops = |doc: &Value| -> Vec<Op> {
            operations(doc)
                .into_iter()
                .map(|op| {
                    let (path, method) = (op.path.to_string(), op.method.to_string());
                    (path_shape(&path), method, path, op.operation.clone())
                })
                .collect()
        };
        let (old_ops, new_ops) = (ops(self.old), ops(self.new));
        for (shape, method, path, op) in &old_ops {
            let at = format!("/paths/{}/{method}", escape(path));
            match new_ops
                .iter()
                .find(|(s, m, _, _)| s == shape && m == method)
            {
                None => self.add(
                    Class::Breaking,
                    at,
                    format!("operation {} {path} was removed", method.to_uppercase()),
                ),
                Some((_, _, new_path, new_op)) => {
                    let new_at = format!("/paths/{}/{method}", escape(new_path));
                    let path_item = |doc: &Value, p: &str| {
                        doc.pointer(&format!("/paths/{}", escape(p)))
                            .cloned()
                            .unwrap_or(Value::Null)
                    };
                    let (old_item, new_item) =
                        (path_item(self.old, path), path_item(self.new, new_path));
                    let item_at = format!("/paths/{}", escape(new_path));
                    self.docs(&old_item, &new_item, &item_at, &format!("path {new_path}"));
                    self.operation(op, new_op, &old_item, &new_item, &new_at);
                }
            }
        }
        for (shape, method, path, _) in &new_ops {
            if !old_ops.iter().any(|(s, m, _, _)| s == shape && m == method) {
                self.add(
                    Class::Compatible,
                    format!("/paths/{}/{method}", escape(path)),
                    format!("operation {} {path} was added", method.to_uppercase()),
                );
            }
        }
    }

    fn operation(
        &mut self,
        old: &Value,
        new: &Value,
        old_item: &Value,
        new_item: &Value,
        at: &str,
    ) {
        self.docs(old, new, at, "the operation");
        if old.get("operationId") != new.get("operationId") {
            self.add(
                Class::BreakingForSdk,
                format!("{at}/operationId"),
                format!(
                    "operationId changed from {} to {}: the SDK method is renamed",
                    text(old.get("operationId")),
                    text(new.get("operationId"))
                ),
            );
        }
        if old.get("tags") != new.get("tags") {
            self.add(
                Class::Documentation,
                format!("{at}/tags"),
                "the operation's tags changed",
            );
        }
        if old.get("deprecated") != new.get("deprecated") {
            self.add(
                Class::Documentation,
                format!("{at}/deprecated"),
                "the operation's deprecation changed",
            );
        }
        self.security(old, new, at);
        self.parameters(old, new, old_item, new_item, at);
        self.request_body(
            old.get("requestBody"),
            new.get("requestBody"),
            &format!("{at}/requestBody"),
        );
        self.responses(old, new, at);
    }

    fn security(&mut self, old_op: &Value, new_op: &Value, at: &str) {
        let effective = |doc: &Value, op: &Value| -> BTreeSet<String> {
            op.get("security")
                .or_else(|| doc.get("security"))
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .map(|req| {
                    // Normalise each alternative: schemes sorted, scopes sorted.
                    let mut parts: Vec<String> = obj(req)
                        .iter()
                        .map(|(name, scopes)| {
                            let mut s: Vec<String> = scopes
                                .as_array()
                                .into_iter()
                                .flatten()
                                .map(|v| text(Some(v)))
                                .collect();
                            s.sort();
                            format!("{name}[{}]", s.join(","))
                        })
                        .collect();
                    parts.sort();
                    parts.join(" + ")
                })
                .collect()
        };
        let (old, new) = (effective(self.old, old_op), effective(self.new, new_op));
        if old == new {
            return;
        }
        let none = |set: &BTreeSet<String>| set.is_empty() || set.contains("");
        if none(&new) || (!none(&old) && old.is_subset(&new)) {
            self.add(
                Class::Compatible,
                format!("{at}/security"),
                "security requirements were relaxed: every old way to authenticate still works",
            );
        } else {
            self.add(
                Class::Breaking,
                format!("{at}/security"),
                format!(
                    "security requirement changed from [{}] to [{}]",
                    old.into_iter().collect::<Vec<_>>().join(" | "),
                    new.into_iter().collect::<Vec<_>>().join(" | ")
                ),
            );
        }
    }

    fn parameters(
        &mut self,
        old_op: &Value,
        new_op: &Value,
        old_item: &Value,
        new_item: &Value,
        at: &str,
    ) {
        type Param = (String, String, Value, String);
        let collect = |doc: &Value, item: &Value, op: &Value, op_at: &str| -> Vec<Param> {
            let mut out: Vec<Param> = Vec::new();
            let sources = [
                (item.get("parameters"), None),
                (op.get("parameters"), Some(op_at)),
            ];
            for (list, owner) in sources {
                for (i, p) in list
                    .and_then(Value::as_array)
                    .into_iter()
                    .flatten()
                    .enumerate()
                {
                    let p = resolve(doc, p);
                    let location = text(p.get("in")).trim_matches('"').to_string();
                    let mut name = text(p.get("name")).trim_matches('"').to_string();
                    if location == "header" {
                        name = name.to_ascii_lowercase();
                    }
                    let pointer = match owner {
                        Some(op_at) => format!("{op_at}/parameters/{i}"),
                        // Path-level: the operation's pointer minus its method.
                        None => match op_at.rsplit_once('/') {
                            Some((item_at, _method)) => format!("{item_at}/parameters/{i}"),
                            None => format!("/parameters/{i}"),
                        },
                    };
                    // An operation-level parameter overrides a path-level one.
                    out.retain(|(l, n, _, _)| !(l == &location && n == &name));
                    out.push((location, name, p.clone(), pointer));
                }
            }
            out
        };
        let old = collect(self.old, old_item, old_op, at);
        let new = collect(self.new, new_item, new_op, at);
        let required = |p: &Value| p.get("required") == Some(&Value::Bool(true));
        for (location, name, before, old_at) in &old {
            match new.iter().find(|(l, n, _, _)| l == location && n == name) {
                None => {
                    // A path parameter renamed in the template is the same
                    // parameter on the wire, with a new SDK argument name.
                    let renamed = location == "path"
                        && old.iter().filter(|(l, _, _, _)| l == "path").count()
                            == new.iter().filter(|(l, _, _, _)| l == "path").count();
                    if renamed {
                        self.add(
                            Class::BreakingForSdk,
                            old_at.clone(),
                            format!("path parameter {name} was renamed: the SDK's builder method is renamed"),
                        );
                    } else {
                        self.add(
                            Class::Breaking,
                            old_at.clone(),
                            format!("{location} parameter {name} was removed"),
                        );
                    }
                }
                Some((_, _, after, new_at)) => {
                    self.docs(
                        before,
                        after,
                        new_at,
                        &format!("{location} parameter {name}"),
                    );
                    match (required(before), required(after)) {
                        (false, true) => self.add(
                            Class::Breaking,
                            format!("{new_at}/required"),
                            format!("{location} parameter {name} became required"),
                        ),
                        (true, false) => self.add(
                            Class::BreakingForSdk,
                            format!("{new_at}/required"),
                            format!("{location} parameter {name} became optional: its SDK argument changes type"),
                        ),
                        _ => {}
                    }
                    if let (Some(a), Some(b)) = (before.get("schema"), after.get("schema")) {
                        self.schema(a, b, Direction::Request, &format!("{new_at}/schema"));
                    }
                }
            }
        }
        for (location, name, after, new_at) in &new {
            if !old.iter().any(|(l, n, _, _)| l == location && n == name) {
                let renamed_path = location == "path"
                    && old.iter().filter(|(l, _, _, _)| l == "path").count()
                        == new.iter().filter(|(l, _, _, _)| l == "path").count();
                if renamed_path {
                    continue;
                }
                if required(after) {
                    self.add(
                        Class::Breaking,
                        new_at.clone(),
                        format!("new required {location} parameter {name}"),
                    );
                } else {
                    self.add(
                        Class::Compatible,
                        new_at.clone(),
                        format!("new optional {location} parameter {name}"),
                    );
                }
            }
        }
    }

    fn request_body(&mut self, old: Option<&Value>, new: Option<&Value>, at: &str) {
        let required = |b: &Value| b.get("required") == Some(&Value::Bool(true));
        match (old, new) {
            (None, None) => {}
            (Some(_), None) => self.add(Class::Breaking, at, "the request body was removed"),
            (None, Some(b)) => {
                let b = resolve(self.new, b);
                if required(b) {
                    self.add(Class::Breaking, at, "a required request body was added");
                } else {
                    self.add(Class::Compatible, at, "an optional request body was added");
                }
            }
            (Some(a), Some(b)) => {
                let a = resolve(self.old, a);
                let b = resolve(self.new, b);
                self.docs(a, b, at, "the request body");
                if !required(a) && required(b) {
                    self.add(
                        Class::Breaking,
                        format!("{at}/required"),
                        "the request body became required",
                    );
                }
                self.content(a, b, Direction::Request, at);
            }
        }
    }

    fn content(&mut self, old: &Value, new: &Value, direction: Direction, at: &str) {
        let (old_c, new_c) = (
            obj(old.get("content").unwrap_or(&Value::Null)),
            obj(new.get("content").unwrap_or(&Value::Null)),
        );
        for (media, before) in &old_c {
            let media_at = format!("{at}/content/{}", escape(media));
            match new_c.get(media) {
                None => self.add(
                    Class::Breaking,
                    media_at,
                    format!("media type {media} was removed"),
                ),
                Some(after) => {
                    for key in ["example", "examples"] {
                        if before.get(key) != after.get(key) {
                            self.add(
                                Class::Documentation,
                                format!("{media_at}/{key}"),
                                format!("the {key} of {media} changed"),
                            );
                        }
                    }
                    if let (Some(a), Some(b)) = (before.get("schema"), after.get("schema")) {
                        self.schema(a, b, direction, &format!("{media_at}/schema"));
                    }
                }
            }
        }
        for media in new_c.keys() {
            if !old_c.contains_key(media) {
                self.add(
                    Class::Compatible,
                    format!("{at}/content/{}", escape(media)),
                    format!("media type {media} was added"),
                );
            }
        }
    }

    fn responses(&mut self, old_op: &Value, new_op: &Value, at: &str) {
        let (old, new) = (
            obj(old_op.get("responses").unwrap_or(&Value::Null)),
            obj(new_op.get("responses").unwrap_or(&Value::Null)),
        );
        let success = |status: &str| status.starts_with('2') || status == "2XX";
        for (status, before) in &old {
            let status_at = format!("{at}/responses/{}", escape(status));
            match new.get(status) {
                None if success(status) => self.add(
                    Class::Breaking,
                    status_at,
                    format!("success status {status} was removed: clients expecting it get an unexpected response"),
                ),
                None => self.add(Class::Compatible, status_at, format!("error response {status} is no longer documented")),
                Some(after) => {
                    let a = resolve(self.old, before);
                    let b = resolve(self.new, after);
                    self.docs(a, b, &status_at, &format!("response {status}"));
                    self.content(a, b, Direction::Response, &status_at);
                    self.response_headers(a, b, &status_at);
                }
            }
        }
        for status in new.keys() {
            if !old.contains_key(status) {
                self.add(
                    Class::Compatible,
                    format!("{at}/responses/{}", escape(status)),
                    format!("response {status} was added"),
                );
            }
        }
    }

    /// A response's documented headers, read as output: a header a client
    /// may rely on going away (or becoming optional) breaks it, a new one
    /// does not, and its schema narrows or widens like a response field.
    /// Header names are case-insensitive (RFC 9110).
    fn response_headers(&mut self, old: &Value, new: &Value, at: &str) {
        let folded = |response: &Value| -> BTreeMap<String, (String, Value)> {
            obj(response.get("headers").unwrap_or(&Value::Null))
                .into_iter()
                .map(|(name, header)| (name.to_ascii_lowercase(), (name, header)))
                .collect()
        };
        let (old_h, new_h) = (folded(old), folded(new));
        for (key, (name, before)) in &old_h {
            let header_at = format!("{at}/headers/{}", escape(name));
            let Some((_, after)) = new_h.get(key) else {
                self.add(
                    Class::Breaking,
                    header_at,
                    format!("response header {name} was removed"),
                );
                continue;
            };
            let a = resolve(self.old, before);
            let b = resolve(self.new, after);
            self.docs(a, b, &header_at, &format!("response header {name}"));
            let required = |h: &Value| h.get("required").and_then(Value::as_bool) == Some(true);
            if required(a) && !required(b) {
                self.add(
                    Class::Breaking,
                    format!("{header_at}/required"),
                    format!("response header {name} is no longer always sent"),
                );
            }
            if let (Some(x), Some(y)) = (a.get("schema"), b.get("schema")) {
                self.schema(x, y, Direction::Response, &format!("{header_at}/schema"));
            }
        }
        for (key, (name, _)) in &new_h {
            if !old_h.contains_key(key) {
                self.add(
                    Class::Compatible,
                    format!("{at}/headers/{}", escape(name)),
                    format!("response header {name} was added"),
                );
            }
        }
    }

    /// Compares two schemas read in `direction`.
    fn schema(&mut self, old: &Value, new: &Value, direction: Direction, at: &str) {
        let (a, old_ref) = resolve_naming_ref(self.old, old);
        let (b, new_ref) = resolve_naming_ref(self.new, new);
        // Report inside the named schema once, wherever it is used from.
        let at = match &new_ref {
            Some(r) => r.trim_start_matches('#').to_string(),
            None => at.to_string(),
        };
        if old_ref.is_some() || new_ref.is_some() {
            let key = (
                old_ref.unwrap_or_default().to_string(),
                new_ref.unwrap_or_default().to_string(),
                direction,
            );
            if !self.seen.insert(key) {
                return;
            }
        }
        // `allOf: [one]` is how a spec documents a reference at the use site.
        let unwrap = |s: &Value, doc: &Value| -> Value {
            match s.get("allOf").and_then(Value::as_array).map(Vec::as_slice) {
                Some([only]) if s.get("properties").is_none() => {
                    let inner = resolve(doc, only);
                    let mut merged = obj(inner);
                    for (k, v) in obj(s) {
                        if k != "allOf" {
                            merged.insert(k, v);
                        }
                    }
                    Value::Object(merged)
                }
                _ => s.clone(),
            }
        };
        let (a, b) = (unwrap(a, self.old), unwrap(b, self.new));
        self.docs(&a, &b, &at, "this schema");
        self.scalar_keywords(&a, &b, direction, &at);
        self.enumeration(&a, &b, direction, &at);
        self.properties(&a, &b, direction, &at);
        self.additional_properties(&a, &b, direction, &at);
        if let (Some(x), Some(y)) = (a.get("items"), b.get("items")) {
            self.schema(x, y, direction, &format!("{at}/items"));
        }
        self.variants(&a, &b, direction, &at);
    }

    fn scalar_keywords(&mut self, a: &Value, b: &Value, direction: Direction, at: &str) {
        if a.get("type") != b.get("type") {
            self.add(
                Class::Breaking,
                format!("{at}/type"),
                format!(
                    "type changed from {} to {}",
                    show(a.get("type")),
                    show(b.get("type"))
                ),
            );
        }
        if a.get("format") != b.get("format") {
            self.add(
                Class::Breaking,
                format!("{at}/format"),
                format!(
                    "format changed from {} to {}",
                    show(a.get("format")),
                    show(b.get("format"))
                ),
            );
        }
        let nullable = |s: &Value| s.get("nullable") == Some(&Value::Bool(true));
        match (nullable(a), nullable(b), direction) {
            (false, true, Direction::Response) => self.add(
                Class::Breaking,
                format!("{at}/nullable"),
                "a response value became nullable",
            ),
            (false, true, Direction::Request) => self.add(
                Class::Compatible,
                format!("{at}/nullable"),
                "a request value may now be null",
            ),
            (true, false, Direction::Request) => self.add(
                Class::Breaking,
                format!("{at}/nullable"),
                "a request value may no longer be null",
            ),
            (true, false, Direction::Response) => self.add(
                Class::Compatible,
                format!("{at}/nullable"),
                "a response value is no longer null",
            ),
            _ => {}
        }
        if a.get("default") != b.get("default") {
            let class = match direction {
                Direction::Request => Class::Breaking,
                Direction::Response => Class::Documentation,
            };
            self.add(
                class,
                format!("{at}/default"),
                format!(
                    "default changed from {} to {}: an omitted value now means something else",
                    show(a.get("default")),
                    show(b.get("default"))
                ),
            );
        }
        // (keyword, a larger value narrows)
        const LIMITS: [(&str, bool); 8] = [
            ("maxLength", false),
            ("minLength", true),
            ("maximum", false),
            ("minimum", true),
            ("maxItems", false),
            ("minItems", true),
            ("maxProperties", false),
            ("minProperties", true),
        ];
        for (keyword, larger_narrows) in LIMITS {
            // A lower bound of 0 is the default: writing it out limits nothing.
            let bound = |s: &Value| {
                s.get(keyword).and_then(Value::as_f64).filter(|v| {
                    !(matches!(keyword, "minLength" | "minItems" | "minProperties") && *v == 0.0)
                })
            };
            let (x, y) = (bound(a), bound(b));
            let narrowed = match (x, y) {
                (None, Some(_)) => true,
                (Some(_), None) => false,
                (Some(x), Some(y)) if x == y => continue,
                (Some(x), Some(y)) => (y > x) == larger_narrows,
                (None, None) => continue,
            };
            let change = format!(
                "{keyword} changed from {} to {}",
                show(a.get(keyword)),
                show(b.get(keyword))
            );
            self.limit(
                narrowed,
                direction,
                &format!("{at}/{keyword}"),
                keyword,
                &change,
            );
        }
        for keyword in ["pattern", "multipleOf", "x-rule"] {
            let (x, y) = (a.get(keyword), b.get(keyword));
            if x == y {
                continue;
            }
            if keyword == "pattern"
                && let (Some(Value::String(p)), Some(Value::String(q))) = (x, y)
                && crate::pattern::same_meaning(p, q)
            {
                self.add(
                    Class::Documentation,
                    format!("{at}/pattern"),
                    format!(
                        "pattern rewritten from {p:?} to {q:?}, which matches the same strings"
                    ),
                );
                continue;
            }
            // Adding or changing a rule narrows; removing one widens.
            let narrowed = y.is_some();
            let change = format!("{keyword} changed from {} to {}", show(x), show(y));
            if keyword == "x-rule" && direction == Direction::Response {
                self.add(Class::Documentation, format!("{at}/{keyword}"), change);
                continue;
            }
            self.limit(
                narrowed,
                direction,
                &format!("{at}/{keyword}"),
                keyword,
                &change,
            );
        }
        for flag in ["exclusiveMinimum", "exclusiveMaximum", "uniqueItems"] {
            let on = |s: &Value| s.get(flag) == Some(&Value::Bool(true));
            if on(a) != on(b) {
                self.limit(
                    on(b),
                    direction,
                    &format!("{at}/{flag}"),
                    flag,
                    &format!("{flag} became {}", on(b)),
                );
            }
        }
        for flag in ["readOnly", "writeOnly", "deprecated"] {
            if a.get(flag) != b.get(flag) {
                self.add(
                    Class::Documentation,
                    format!("{at}/{flag}"),
                    format!("{flag} changed"),
                );
            }
        }
    }

    /// A constraint changed: narrowing breaks input, widening breaks output
    /// only where the generated SDK enforces the old limit when decoding
    /// (string lengths and patterns become validated newtypes).
    fn limit(
        &mut self,
        narrowed: bool,
        direction: Direction,
        at: &str,
        keyword: &str,
        change: &str,
    ) {
        let enforced_on_decode = matches!(keyword, "maxLength" | "minLength" | "pattern");
        let (class, why) = match (direction, narrowed) {
            (Direction::Request, true) => (
                Class::Breaking,
                "a request constraint was narrowed: values valid before are refused",
            ),
            (Direction::Request, false) => (Class::Compatible, "a request constraint was widened"),
            (Direction::Response, true) => {
                (Class::Compatible, "a response constraint was narrowed")
            }
            (Direction::Response, false) if enforced_on_decode => (
                Class::BreakingForSdk,
                "a response constraint was widened: the generated SDK checks the old limit when decoding",
            ),
            (Direction::Response, false) => {
                (Class::Compatible, "a response constraint was widened")
            }
        };
        self.add(class, at, format!("{change}; {why}"));
    }

    fn enumeration(&mut self, a: &Value, b: &Value, direction: Direction, at: &str) {
        let values = |s: &Value| -> Option<BTreeSet<String>> {
            s.get("enum")
                .and_then(Value::as_array)
                .map(|v| v.iter().map(|x| text(Some(x))).collect())
        };
        let at = format!("{at}/enum");
        match (values(a), values(b), direction) {
            (None, None, _) => {}
            (None, Some(_), Direction::Request) => self.add(Class::Breaking, at, "an enum now restricts a request value"),
            (None, Some(_), Direction::Response) => {
                self.add(Class::BreakingForSdk, at, "an enum now restricts a response value: its SDK type changes from a string to an enum")
            }
            (Some(_), None, _) => self.add(
                Class::BreakingForSdk,
                at,
                "the enum was lifted: the SDK's generated enum becomes a plain string",
            ),
            (Some(old), Some(new), direction) => {
                for gone in old.difference(&new) {
                    let class = match direction {
                        Direction::Request => Class::Breaking,
                        Direction::Response => Class::BreakingForSdk,
                    };
                    self.add(class, at.clone(), format!("enum value {gone} was removed"));
                }
                for added in new.difference(&old) {
                    match direction {
                        Direction::Request => self.add(Class::Compatible, at.clone(), format!("enum value {added} was added to a request value")),
                        Direction::Response => self.add(
                            Class::BreakingForSdk,
                            at.clone(),
                            format!("enum value {added} was added to a response value: an exhaustive match on the SDK's enum no longer compiles, and an old SDK cannot decode it"),
                        ),
                    }
                }
            }
        }
    }

    fn properties(&mut self, a: &Value, b: &Value, direction: Direction, at: &str) {
        let props = |s: &Value| obj(s.get("properties").unwrap_or(&Value::Null));
        let required = |s: &Value| -> BTreeSet<String> {
            s.get("required")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .filter_map(Value::as_str)
                .map(str::to_string)
                .collect()
        };
        let (old_p, new_p, old_r, new_r) = (props(a), props(b), required(a), required(b));
        for (name, before) in &old_p {
            let prop_at = format!("{at}/properties/{}", escape(name));
            match new_p.get(name) {
                None => {
                    let side = match direction {
                        Direction::Request => "request",
                        Direction::Response => "response",
                    };
                    self.add(
                        Class::Breaking,
                        prop_at,
                        format!("{side} field {name} was removed"),
                    );
                }
                Some(after) => {
                    match (old_r.contains(name), new_r.contains(name), direction) {
                        (false, true, Direction::Request) => {
                            self.add(Class::Breaking, format!("{at}/required"), format!("request field {name} became required"))
                        }
                        (true, false, Direction::Request) => self.add(
                            Class::BreakingForSdk,
                            format!("{at}/required"),
                            format!("request field {name} became optional: its SDK field changes from T to Option<T>"),
                        ),
                        (true, false, Direction::Response) => {
                            self.add(Class::Breaking, format!("{at}/required"), format!("response field {name} became optional"))
                        }
                        (false, true, Direction::Response) => self.add(
                            Class::BreakingForSdk,
                            format!("{at}/required"),
                            format!("response field {name} became required: its SDK field changes from Option<T> to T"),
                        ),
                        _ => {}
                    }
                    self.schema(before, after, direction, &prop_at);
                }
            }
        }
        for (name, after) in &new_p {
            if old_p.contains_key(name) {
                continue;
            }
            let prop_at = format!("{at}/properties/{}", escape(name));
            let resolved = resolve(self.new, after);
            let has_default = after.get("default").is_some() || resolved.get("default").is_some();
            // typify generates an optional array, or an object that is only a
            // map, as a plain `Vec`/`Map` with `#[serde(default)]`, not an
            // `Option`: like a field with a default, every struct literal
            // must now name it.
            let is_collection = resolved.get("type") == Some(&Value::String("array".into()))
                || (resolved.get("type") == Some(&Value::String("object".into()))
                    && resolved.get("properties").is_none()
                    && resolved
                        .get("additionalProperties")
                        .is_some_and(|a| a != &Value::Bool(false)));
            let plain_field = has_default || is_collection;
            match (direction, new_r.contains(name)) {
                (Direction::Request, true) => self.add(Class::Breaking, prop_at, format!("new required request field {name}")),
                (Direction::Request, false) if plain_field => self.add(
                    Class::BreakingForSdk,
                    prop_at,
                    format!("new request field {name} is generated as a plain field (it has a default, or is a list or map), which every caller building the struct must now set"),
                ),
                (Direction::Request, false) => self.add(Class::Compatible, prop_at, format!("new optional request field {name}")),
                (Direction::Response, _) => self.add(Class::Compatible, prop_at, format!("new response field {name}")),
            }
        }
    }

    fn additional_properties(&mut self, a: &Value, b: &Value, direction: Direction, at: &str) {
        let closed = |s: &Value| s.get("additionalProperties") == Some(&Value::Bool(false));
        let at_ap = format!("{at}/additionalProperties");
        match (closed(a), closed(b), direction) {
            (false, true, Direction::Request) => self.add(Class::Breaking, at_ap, "unknown request fields are now refused"),
            (true, false, Direction::Request) => self.add(Class::Compatible, at_ap, "unknown request fields are now allowed"),
            (true, false, Direction::Response) => self.add(
                Class::BreakingForSdk,
                at_ap,
                "responses may now carry undeclared fields, which the SDK's generated type refuses (deny_unknown_fields)",
            ),
            (false, true, Direction::Response) => self.add(Class::Compatible, at_ap, "responses no longer carry undeclared fields"),
            _ => {
                if let (Some(x), Some(y)) = (a.get("additionalProperties"), b.get("additionalProperties"))
                    && x.is_object()
                    && y.is_object()
                {
                    self.schema(x, y, direction, &at_ap);
                }
            }
        }
    }

    fn variants(&mut self, a: &Value, b: &Value, direction: Direction, at: &str) {
        for key in ["oneOf", "anyOf", "allOf"] {
            let (x, y) = (
                a.get(key)
                    .and_then(Value::as_array)
                    .cloned()
                    .unwrap_or_default(),
                b.get(key)
                    .and_then(Value::as_array)
                    .cloned()
                    .unwrap_or_default(),
            );
            if x.is_empty() && y.is_empty() {
                continue;
            }
            for (i, (p, q)) in x.iter().zip(y.iter()).enumerate() {
                self.schema(p, q, direction, &format!("{at}/{key}/{i}"));
            }
            let k_at = format!("{at}/{key}");
            if y.len() > x.len() {
                let class = match (key, direction) {
                    ("allOf", Direction::Request) => Class::Breaking,
                    ("allOf", Direction::Response) => Class::Compatible,
                    (_, Direction::Request) => Class::Compatible,
                    (_, Direction::Response) => Class::BreakingForSdk,
                };
                self.add(
                    class,
                    k_at,
                    format!("{key} gained {} variant(s)", y.len() - x.len()),
                );
            } else if y.len() < x.len() {
                let class = match (key, direction) {
                    ("allOf", Direction::Request) => Class::Compatible,
                    ("allOf", Direction::Response) => Class::Breaking,
                    (_, Direction::Request) => Class::Breaking,
                    (_, Direction::Response) => Class::BreakingForSdk,
                };
                self.add(
                    class,
                    k_at,
                    format!("{key} lost {} variant(s)", x.len() - y.len()),
                );
            }
        }
    }
}

/// The smallest version change the findings require.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Bump {
    None,
    Minor,
    Major,
}

pub fn required_bump(findings: &[Finding]) -> Bump {
    if findings
        .iter()
        .any(|f| matches!(f.class, Class::Breaking | Class::BreakingForSdk))
    {
        Bump::Major
    } else if findings.iter().any(|f| f.class == Class::Compatible) {
        Bump::Minor
    } else {
        Bump::None
    }
}

/// Checks the version change from `old` to `new` against the findings,
/// with Cargo's rules: below 1.0 the first non-zero component is the
/// "major" one (0.3 → 0.4 is breaking; 0.3.1 → 0.3.2 is compatible).
/// Returns a one-line verdict, or why the version is not enough.
pub fn check_version(old: &Version, new: &Version, findings: &[Finding]) -> Result<String, String> {
    if new < old {
        return Err(format!("the version went down from {old} to {new}"));
    }
    let caret = VersionReq::parse(&format!("^{old}")).map_err(|e| format!("{old}: {e}"))?;
    // Whether Cargo treats `new` as a semver-incompatible release of `old`.
    let incompatible_release = !caret.matches(new);
    // Whether `new` is at least a feature release of `old`.
    let feature_release = if old.major > 0 {
        (new.major, new.minor) > (old.major, old.minor)
    } else {
        new > old
    };
    let need = required_bump(findings);
    let ok = match need {
        Bump::Major => incompatible_release,
        Bump::Minor => feature_release,
        Bump::None => true,
    };
    let smallest = |bump: Bump| -> String {
        match (bump, old.major, old.minor) {
            (Bump::Major, 0, 0) => format!("{}.{}.{}", 0, 0, old.patch + 1),
            (Bump::Major, 0, m) => format!("0.{}.0", m + 1),
            (Bump::Major, maj, _) => format!("{}.0.0", maj + 1),
            (Bump::Minor, 0, m) => format!("0.{m}.{}", old.patch + 1),
            (Bump::Minor, maj, m) => format!("{maj}.{}.0", m + 1),
            (Bump::None, _, _) => old.to_string(),
        }
    };
    let what = match need {
        Bump::Major => "a breaking release",
        Bump::Minor => "a feature release",
        Bump::None => "no release",
    };
    if ok {
        Ok(format!("{old} → {new}: the changes need {what}"))
    } else {
        Err(format!(
            "{old} → {new} is not enough: the changes need {what} (at least {})",
            smallest(need)
        ))
    }
}
