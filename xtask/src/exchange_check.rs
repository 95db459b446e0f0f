//! The rules an HTTP exchange is held to, shared by `cargo xtask proxy`
//! (live) and `cargo xtask verify` (a recording): does this request and
//! this answer do what `spec/<api>.yaml` says?
//!
//! The request: its path and method are a documented operation; its path,
//! query, header and cookie parameters are there when required and match
//! their schemas; it carries a credential where the security requirement
//! puts it; its body has a listed media type and matches the schema for
//! it. The answer: its status is documented for the operation; its
//! required headers are there and match their schemas; its body has a
//! media type listed for that status and matches the schema for it,
//! formats included. Schemas are checked by [`crate::examples`]'
//! translation and validator, the gate's, so objects are closed: a field
//! the spec does not list is a finding.
//!
//! Each [`Finding`] names the place in the spec it is about (a JSON
//! pointer, through `$ref`s to where the schema is written, and
//! `spec/<api>.yaml:LINE:COLUMN`), what the spec expects there and what
//! came.
//!
//! Two readings are this checker's, stated once here:
//! - **A request outside the spec that the upstream refuses (4xx) is not
//!   a violation**: it is reported as *refused*, because refusing it is
//!   what the spec asks of the API; the answer is still checked. The same
//!   request answered with anything else is a violation: the vendor
//!   accepts what the spec forbids (or fails on it).
//! - **`default` stands for error statuses only** (4xx and 5xx), as the
//!   generator view's `default-error-as-ranges` rule reads it and as the
//!   SDKs decode it: a 2xx or 3xx status that is not listed itself (or by
//!   a range such as `2XX`) is undocumented.

use std::fmt;

use serde_json::Value;

use crate::examples::validator_for;
use crate::recording::{Exchange, header, is_redacted};
use crate::report::through_refs;
use crate::spec::ApiSpec;
use crate::yaml_position::Positions;
use openapi_walk::{HTTP_METHODS, escape, resolve};

/// Which message a finding is about.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Side {
    Request,
    Response,
}

impl fmt::Display for Side {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Side::Request => "request",
            Side::Response => "response",
        })
    }
}

/// One way an exchange departs from the spec.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct Finding {
    pub side: Side,
    /// The rule, e.g. `response-body` (see the module's comment).
    pub rule: &'static str,
    /// Where in the message: a header's name, `/details/sequence` in a
    /// body, a parameter; empty for the message as a whole.
    pub at: String,
    /// The JSON pointer into the spec, where the schema is written.
    pub pointer: String,
    /// `spec/<api>.yaml:LINE:COLUMN` (or the file alone).
    pub location: String,
    pub line: Option<u64>,
    pub column: Option<u64>,
    /// What the spec says there.
    pub expected: String,
    /// What came.
    pub came: String,
    /// A request finding the upstream refused with a 4xx, as the spec
    /// asks: reported, not a violation.
    pub refused: bool,
}

impl fmt::Display for Finding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mark = if self.refused { "refused" } else { "✗" };
        let at = if self.at.is_empty() {
            String::new()
        } else {
            format!(" at {}", self.at)
        };
        write!(
            f,
            "{mark} {} {}{at} (#{})\n    expected: {}\n    came:     {}",
            self.location, self.rule, self.pointer, self.expected, self.came
        )
    }
}

/// The operation an exchange was matched to.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Operation {
    /// Upper case, e.g. `PUT`.
    pub method: String,
    /// The spec's path template, e.g. `/v3/users/{user_id}`.
    pub template: String,
}

impl fmt::Display for Operation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.method, self.template)
    }
}

/// What the rules say about one exchange.
#[derive(Clone, Debug, Default)]
pub struct Verdict {
    /// `None` when the spec documents no such operation.
    pub operation: Option<Operation>,
    /// The `responses` key the status matched (`200`, `4XX`, `default`).
    pub documented_as: Option<String>,
    pub findings: Vec<Finding>,
}

impl Verdict {
    /// The findings that are violations (not refusals).
    pub fn violations(&self) -> impl Iterator<Item = &Finding> {
        self.findings.iter().filter(|f| !f.refused)
    }
}

/// A finding before it is located in the YAML file.
struct Raw {
    side: Side,
    rule: &'static str,
    at: String,
    pointer: String,
    expected: String,
    came: String,
}

/// `spec/<api>.yaml`, ready to check exchanges against.
pub struct Checker {
    spec: ApiSpec,
    positions: Option<Positions>,
}

impl Checker {
    /// Loads `spec/<api>.yaml` under `root`.
    pub fn load(root: &std::path::Path, api: &str) -> Result<Checker, String> {
        let relative = std::path::Path::new("spec").join(format!("{api}.yaml"));
        let text = std::fs::read_to_string(root.join(&relative)).map_err(|e| {
            let known = crate::spec::discover(root)
                .map(|specs| {
                    specs
                        .iter()
                        .map(|s| s.name.clone())
                        .collect::<Vec<_>>()
                        .join(", ")
                })
                .unwrap_or_default();
            format!(
                "no spec {} ({e}); the APIs are: {known}",
                relative.display()
            )
        })?;
        Checker::from_text(api, &relative, &text)
    }

    /// A checker for the spec `text`; `path` is only used in messages.
    pub fn from_text(api: &str, path: &std::path::Path, text: &str) -> Result<Checker, String> {
        Ok(Checker {
            spec: ApiSpec::from_yaml(api, path, text)?,
            positions: Positions::of(text),
        })
    }

    /// A checker for a spec already read into `doc` (the server embeds
    /// its specs): findings then name the file without a line.
    pub fn from_document(api: &str, path: &std::path::Path, doc: Value) -> Checker {
        Checker {
            spec: ApiSpec {
                name: api.to_string(),
                path: path.to_path_buf(),
                doc,
            },
            positions: None,
        }
    }

    /// The spec.
    pub fn spec(&self) -> &ApiSpec {
        &self.spec
    }

    /// Every documented operation with the `responses` keys it lists.
    pub fn documented(&self) -> Vec<(Operation, Vec<String>)> {
        openapi_walk::operations(&self.spec.doc)
            .into_iter()
            .map(|walked| {
                let statuses = resolve(&self.spec.doc, &walked.operation["responses"])
                    .as_object()
                    .map(|r| r.keys().cloned().collect())
                    .unwrap_or_default();
                (
                    Operation {
                        method: walked.method.to_ascii_uppercase(),
                        template: walked.path.to_string(),
                    },
                    statuses,
                )
            })
            .collect()
    }

    /// Holds `exchange` to every rule.
    pub fn check(&self, exchange: &Exchange) -> Verdict {
        let doc = &self.spec.doc;
        let mut raw = Vec::new();
        let mut verdict = Verdict::default();
        match find_operation(doc, &exchange.request.method, &exchange.request.path) {
            Err(finding) => raw.push(finding),
            Ok(matched) => {
                verdict.operation = Some(matched.operation);
                if let Some(op) = doc.pointer(&matched.pointer) {
                    self.check_request(
                        exchange,
                        op,
                        &matched.pointer,
                        &matched.path_parameters,
                        &mut raw,
                    );
                    verdict.documented_as =
                        self.check_response(exchange, op, &matched.pointer, &mut raw);
                }
            }
        }
        let refused = (400..500).contains(&exchange.response.status);
        verdict.findings = raw
            .into_iter()
            .map(|r| {
                let written = through_refs(doc, &r.pointer);
                let at = self.positions.as_ref().and_then(|p| p.locate(&written));
                let file = self.spec.path.display();
                Finding {
                    refused: refused && r.side == Side::Request,
                    side: r.side,
                    rule: r.rule,
                    at: r.at,
                    location: match at {
                        Some(at) => format!("{file}:{}:{}", at.line, at.column),
                        None => file.to_string(),
                    },
                    line: at.map(|a| a.line),
                    column: at.map(|a| a.column),
                    pointer: written,
                    expected: r.expected,
                    came: r.came,
                }
            })
            .collect();
        verdict
    }

    fn check_request(
        &self,
        exchange: &Exchange,
        op: &Value,
        op_pointer: &str,
        path_params: &[(String, String)],
        raw: &mut Vec<Raw>,
    ) {
        let doc = &self.spec.doc;
        let request = &exchange.request;
        // Parameters: the path item's, overridden by the operation's.
        let item_pointer = op_pointer
            .rsplit_once('/')
            .map(|(item, _)| item.to_string())
            .unwrap_or_default();
        let mut parameters: Vec<(String, &Value)> = Vec::new();
        for (owner, list) in [
            (
                item_pointer.as_str(),
                doc.pointer(&format!("{item_pointer}/parameters")),
            ),
            (op_pointer, op.get("parameters")),
        ] {
            for (i, parameter) in list
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .enumerate()
            {
                let resolved = resolve(doc, parameter);
                parameters
                    .retain(|(_, p)| p["name"] != resolved["name"] || p["in"] != resolved["in"]);
                parameters.push((format!("{owner}/parameters/{i}"), resolved));
            }
        }
        for (pointer, parameter) in parameters {
            let name = parameter["name"].as_str().unwrap_or_default();
            let place = parameter["in"].as_str().unwrap_or_default();
            let value = match place {
                "path" => path_params
                    .iter()
                    .find(|(n, _)| n == name)
                    .map(|(_, v)| percent_decode(v)),
                "query" => request.query.as_deref().and_then(|query| {
                    query.split('&').find_map(|pair| {
                        let (n, v) = pair.split_once('=').unwrap_or((pair, ""));
                        (percent_decode(n) == name).then(|| percent_decode(v))
                    })
                }),
                "header" => header(&request.headers, name).map(str::to_string),
                "cookie" => header(&request.headers, "cookie").and_then(|cookies| {
                    cookies.split(';').find_map(|pair| {
                        let (n, v) = pair.trim().split_once('=')?;
                        (n == name).then(|| v.to_string())
                    })
                }),
                _ => None,
            };
            let label = format!("{place} parameter {name}");
            match value {
                None if parameter["required"] == true => raw.push(Raw {
                    side: Side::Request,
                    rule: "parameter",
                    at: label,
                    pointer: format!("{pointer}/required"),
                    expected: "present (required: true)".into(),
                    came: "absent".into(),
                }),
                None => {}
                // A redacted credential: only its presence can be checked.
                Some(value) if is_redacted(&value) => {}
                Some(value) => {
                    if let Some(schema) = parameter.get("schema") {
                        let instance = coerce(doc, schema, &value);
                        for (at, pointer, expected) in
                            self.schema_problems(&format!("{pointer}/schema"), schema, &instance)
                        {
                            raw.push(Raw {
                                side: Side::Request,
                                rule: "parameter",
                                at: format!("{label}{at}"),
                                pointer,
                                expected,
                                came: shown(&instance),
                            });
                        }
                    }
                }
            }
        }
        self.check_credentials(exchange, op, op_pointer, raw);
        // The body.
        let body = &request.body.0;
        let Some(request_body) = op.get("requestBody") else {
            if !body.is_empty() {
                raw.push(Raw {
                    side: Side::Request,
                    rule: "request-body",
                    at: String::new(),
                    pointer: op_pointer.to_string(),
                    expected: "no body (the operation documents no requestBody)".into(),
                    came: format!("{} bytes", body.len()),
                });
            }
            return;
        };
        let body_pointer = format!("{op_pointer}/requestBody");
        let request_body = resolve(doc, request_body);
        if body.is_empty() {
            if request_body["required"] == true {
                raw.push(Raw {
                    side: Side::Request,
                    rule: "request-body",
                    at: String::new(),
                    pointer: format!("{body_pointer}/required"),
                    expected: "a body (required: true)".into(),
                    came: "no body".into(),
                });
            }
            return;
        }
        self.check_body(
            Side::Request,
            header(&request.headers, "content-type"),
            body,
            &request_body["content"],
            &format!("{body_pointer}/content"),
            raw,
        );
    }

    /// The credential rule: one alternative of the security requirement is
    /// carried, each scheme in its header (and with its `Authorization`
    /// scheme word). Whether the value is accepted is the upstream's
    /// business.
    fn check_credentials(
        &self,
        exchange: &Exchange,
        op: &Value,
        op_pointer: &str,
        raw: &mut Vec<Raw>,
    ) {
        let doc = &self.spec.doc;
        let (requirement, requirement_pointer) = match op.get("security") {
            Some(own) => (own, format!("{op_pointer}/security")),
            None => match doc.get("security") {
                Some(global) => (global, "/security".to_string()),
                None => return,
            },
        };
        let alternatives: Vec<Vec<(String, String, Option<&str>)>> = requirement
            .as_array()
            .into_iter()
            .flatten()
            .map(|alternative| {
                alternative
                    .as_object()
                    .into_iter()
                    .flatten()
                    .filter_map(|(name, _)| {
                        let scheme = resolve(
                            doc,
                            doc.pointer(&format!("/components/securitySchemes/{}", escape(name)))?,
                        );
                        let http = scheme["scheme"]
                            .as_str()
                            .unwrap_or_default()
                            .to_ascii_lowercase();
                        let (header, prefix) = match (scheme["type"].as_str()?, http.as_str()) {
                            ("apiKey", _) if scheme["in"] == "header" => {
                                (scheme["name"].as_str()?.to_string(), None)
                            }
                            ("http", "basic") => ("Authorization".to_string(), Some("Basic")),
                            ("http", _) | ("oauth2", _) | ("openIdConnect", _) => {
                                ("Authorization".to_string(), Some("Bearer"))
                            }
                            // Query and cookie keys are parameters to the
                            // server; they are not checked here.
                            _ => return None,
                        };
                        Some((name.clone(), header, prefix))
                    })
                    .collect()
            })
            .collect();
        if alternatives.is_empty() || alternatives.iter().any(Vec::is_empty) {
            return;
        }
        let carried = |(_, name, prefix): &(String, String, Option<&str>)| {
            header(&exchange.request.headers, name).is_some_and(|value| match prefix {
                None => true,
                Some(prefix) => value
                    .split(' ')
                    .next()
                    .is_some_and(|word| word.eq_ignore_ascii_case(prefix)),
            })
        };
        if alternatives
            .iter()
            .any(|placements| placements.iter().all(carried))
        {
            return;
        }
        let wanted: Vec<String> = alternatives
            .iter()
            .map(|placements| {
                placements
                    .iter()
                    .map(|(scheme, name, prefix)| match prefix {
                        Some(prefix) => format!("{name}: {prefix} … ({scheme})"),
                        None => format!("{name} ({scheme})"),
                    })
                    .collect::<Vec<_>>()
                    .join(" and ")
            })
            .collect();
        let sent: Vec<&str> = exchange
            .request
            .headers
            .iter()
            .map(|(name, _)| name.as_str())
            .collect();
        raw.push(Raw {
            side: Side::Request,
            rule: "credential",
            at: String::new(),
            pointer: requirement_pointer,
            expected: wanted.join(", or "),
            came: format!("the headers {}", sent.join(", ")),
        });
    }

    /// Checks the answer; returns the `responses` key its status matched.
    fn check_response(
        &self,
        exchange: &Exchange,
        op: &Value,
        op_pointer: &str,
        raw: &mut Vec<Raw>,
    ) -> Option<String> {
        let doc = &self.spec.doc;
        let response = &exchange.response;
        let responses_pointer = format!("{op_pointer}/responses");
        let responses = resolve(doc, &op["responses"]);
        let status = response.status.to_string();
        let range = format!("{}XX", response.status / 100);
        let key = [status.as_str(), range.as_str()]
            .into_iter()
            .find(|key| responses.get(*key).is_some())
            .map(str::to_string)
            .or_else(|| {
                (response.status >= 400 && responses.get("default").is_some())
                    .then(|| "default".to_string())
            });
        let Some(key) = key else {
            let listed: Vec<&str> = responses
                .as_object()
                .map(|r| r.keys().map(String::as_str).collect())
                .unwrap_or_default();
            raw.push(Raw {
                side: Side::Response,
                rule: "status",
                at: String::new(),
                pointer: responses_pointer,
                expected: format!(
                    "one of {} (`default` stands for 4xx and 5xx only)",
                    listed.join(", ")
                ),
                came: status,
            });
            return None;
        };
        let response_pointer = format!("{responses_pointer}/{}", escape(&key));
        let documented = resolve(doc, &responses[&key]);
        for (name, declared) in documented
            .get("headers")
            .and_then(Value::as_object)
            .into_iter()
            .flatten()
        {
            let declared = resolve(doc, declared);
            let pointer = format!("{response_pointer}/headers/{}", escape(name));
            match header(&response.headers, name) {
                None if declared["required"] == true => raw.push(Raw {
                    side: Side::Response,
                    rule: "response-header",
                    at: name.to_string(),
                    pointer: format!("{pointer}/required"),
                    expected: "present (required: true)".into(),
                    came: "absent".into(),
                }),
                None => {}
                Some(value) if is_redacted(value) => {}
                Some(value) => {
                    if let Some(schema) = declared.get("schema") {
                        let instance = coerce(doc, schema, value);
                        for (at, pointer, expected) in
                            self.schema_problems(&format!("{pointer}/schema"), schema, &instance)
                        {
                            raw.push(Raw {
                                side: Side::Response,
                                rule: "response-header",
                                at: format!("{name}{at}"),
                                pointer,
                                expected,
                                came: shown(&instance),
                            });
                        }
                    }
                }
            }
        }
        let no_body_expected = exchange.request.method.eq_ignore_ascii_case("HEAD")
            || response.status == 204
            || response.status == 304;
        match documented.get("content") {
            Some(content) if !no_body_expected => {
                if response.body.0.is_empty() {
                    let listed: Vec<&str> = content
                        .as_object()
                        .map(|c| c.keys().map(String::as_str).collect())
                        .unwrap_or_default();
                    raw.push(Raw {
                        side: Side::Response,
                        rule: "response-body",
                        at: String::new(),
                        pointer: format!("{response_pointer}/content"),
                        expected: format!("a body ({})", listed.join(", ")),
                        came: "no body".into(),
                    });
                } else {
                    self.check_body(
                        Side::Response,
                        header(&response.headers, "content-type"),
                        &response.body.0,
                        content,
                        &format!("{response_pointer}/content"),
                        raw,
                    );
                }
            }
            Some(_) => {}
            None if !response.body.0.is_empty() => raw.push(Raw {
                side: Side::Response,
                rule: "response-body",
                at: String::new(),
                pointer: response_pointer,
                expected: "no body (the response documents no content)".into(),
                came: format!("{} bytes", response.body.0.len()),
            }),
            None => {}
        }
        Some(key)
    }

    /// A body against `content` (a Media Types map at `content_pointer`):
    /// its `Content-Type` is listed, and a JSON body matches the schema.
    fn check_body(
        &self,
        side: Side,
        content_type: Option<&str>,
        body: &[u8],
        content: &Value,
        content_pointer: &str,
        raw: &mut Vec<Raw>,
    ) {
        let (media_rule, body_rule) = match side {
            Side::Request => ("request-media-type", "request-body"),
            Side::Response => ("response-media-type", "response-body"),
        };
        let listed: Vec<&str> = content
            .as_object()
            .map(|c| c.keys().map(String::as_str).collect())
            .unwrap_or_default();
        let essence = content_type
            .and_then(|value| value.split(';').next())
            .map(|essence| essence.trim().to_ascii_lowercase());
        let matched = essence.as_deref().and_then(|essence| {
            listed
                .iter()
                .find(|media| media.eq_ignore_ascii_case(essence))
                .or_else(|| {
                    listed.iter().find(|media| {
                        media.ends_with("/*") && essence.starts_with(media.trim_end_matches('*'))
                            || **media == "*/*"
                    })
                })
        });
        let Some(media) = matched else {
            raw.push(Raw {
                side,
                rule: media_rule,
                at: "Content-Type".into(),
                pointer: content_pointer.to_string(),
                expected: format!("one of {}", listed.join(", ")),
                came: content_type.map_or_else(|| "no Content-Type".to_string(), str::to_string),
            });
            return;
        };
        let schema_pointer = format!("{content_pointer}/{}/schema", escape(media));
        let Some(schema) = content.get(*media).and_then(|m| m.get("schema")) else {
            return;
        };
        // Only JSON bodies have a schema this checker reads.
        let json = media.ends_with("/json") || media.ends_with("+json");
        if !json {
            return;
        }
        let instance: Value = match serde_json::from_slice(body) {
            Ok(instance) => instance,
            Err(e) => {
                raw.push(Raw {
                    side,
                    rule: body_rule,
                    at: String::new(),
                    pointer: schema_pointer,
                    expected: format!("a JSON body ({media})"),
                    came: format!(
                        "not JSON ({e}): {}",
                        truncated(&String::from_utf8_lossy(body))
                    ),
                });
                return;
            }
        };
        for (at, pointer, expected) in self.schema_problems(&schema_pointer, schema, &instance) {
            let came = instance
                .pointer(at.split(' ').next().unwrap_or_default())
                .map(shown)
                .unwrap_or_else(|| shown(&instance));
            raw.push(Raw {
                side,
                rule: body_rule,
                at,
                pointer,
                expected,
                came,
            });
        }
    }

    /// Every way `instance` breaks `schema` (written at `schema_pointer`):
    /// `(where in the instance, the spec pointer of the keyword, what the
    /// spec says)`.
    fn schema_problems(
        &self,
        schema_pointer: &str,
        schema: &Value,
        instance: &Value,
    ) -> Vec<(String, String, String)> {
        let doc = &self.spec.doc;
        let validator = match validator_for(doc, schema) {
            Ok(validator) => validator,
            Err(e) => return vec![(String::new(), schema_pointer.to_string(), e)],
        };
        validator
            .iter_errors(instance)
            .map(|error| {
                let inside = error.instance_path().to_string();
                let keyword = error.kind().keyword().to_string();
                let (pointer, node) = schema_at(doc, schema_pointer, schema, &inside);
                let node = resolve(doc, node);
                let (pointer, expected) = match node.get(keyword.as_str()) {
                    Some(value) => (
                        format!("{pointer}/{}", escape(&keyword)),
                        format!("{keyword}: {value} ({error})"),
                    ),
                    // A closed object's extra field: the listed properties.
                    None if keyword == "additionalProperties"
                        && node.get("properties").is_some() =>
                    {
                        (
                            format!("{pointer}/properties"),
                            format!("only the listed properties ({error})"),
                        )
                    }
                    None => (pointer, error.to_string()),
                };
                (inside, pointer, expected)
            })
            .collect()
    }
}

/// A request matched to its operation.
struct Matched {
    operation: Operation,
    /// The operation's JSON pointer, e.g. `/paths/~1api~1user/patch`.
    pointer: String,
    /// `(name, value as sent)` of each path template parameter.
    path_parameters: Vec<(String, String)>,
}

/// The operation `method` `path` is; or the finding that the spec
/// documents none.
fn find_operation(doc: &Value, method: &str, path: &str) -> Result<Matched, Raw> {
    let segments: Vec<&str> = path.split('/').collect();
    let paths = doc.get("paths").and_then(Value::as_object);
    let matched = paths.into_iter().flatten().find_map(|(template, item)| {
        let pattern: Vec<&str> = template.split('/').collect();
        if pattern.len() != segments.len() {
            return None;
        }
        let mut parameters = Vec::new();
        for (p, s) in pattern.iter().zip(&segments) {
            match p.strip_prefix('{').and_then(|p| p.strip_suffix('}')) {
                Some(name) if !s.is_empty() => parameters.push((name.to_string(), s.to_string())),
                _ if p == s => {}
                _ => return None,
            }
        }
        Some((template, item, parameters))
    });
    let Some((template, item, parameters)) = matched else {
        let documented: Vec<&str> = paths
            .into_iter()
            .flatten()
            .map(|(template, _)| template.as_str())
            .collect();
        return Err(Raw {
            side: Side::Request,
            rule: "operation",
            at: String::new(),
            pointer: "/paths".into(),
            expected: format!("a documented path ({})", documented.join(", ")),
            came: format!("{method} {path}"),
        });
    };
    let lower = method.to_ascii_lowercase();
    let item_pointer = format!("/paths/{}", escape(template));
    if !HTTP_METHODS.contains(&lower.as_str()) || item.get(&lower).is_none() {
        let documented: Vec<String> = HTTP_METHODS
            .iter()
            .filter(|m| item.get(**m).is_some())
            .map(|m| m.to_ascii_uppercase())
            .collect();
        return Err(Raw {
            side: Side::Request,
            rule: "operation",
            at: String::new(),
            pointer: item_pointer,
            expected: format!(
                "a documented method on {template} ({})",
                documented.join(", ")
            ),
            came: method.to_string(),
        });
    }
    Ok(Matched {
        operation: Operation {
            method: method.to_ascii_uppercase(),
            template: template.clone(),
        },
        pointer: format!("{item_pointer}/{lower}"),
        path_parameters: parameters,
    })
}

/// The schema that describes the instance at `inside` (a JSON pointer into
/// the instance), and its pointer: `schema_pointer` followed down through
/// `properties`, `items`, `additionalProperties` and the branches of
/// `allOf`/`anyOf`/`oneOf`. Where the walk cannot go on, the deepest
/// schema reached (a pointer then lands on the nearest parent, as the
/// gate's do). `$ref`s are followed by [`resolve`] and named where written
/// by [`through_refs`], once the finding is made.
fn schema_at<'d>(
    doc: &'d Value,
    schema_pointer: &str,
    schema: &'d Value,
    inside: &str,
) -> (String, &'d Value) {
    let mut pointer = schema_pointer.to_string();
    let mut node = schema;
    for segment in inside.split('/').skip(1) {
        let segment = segment.replace("~1", "/").replace("~0", "~");
        match descend(doc, node, &segment, 0) {
            Some((relative, child)) => {
                pointer.push_str(&relative);
                node = child;
            }
            None => break,
        }
    }
    (pointer, node)
}

/// One step of [`schema_at`]: the subschema for member or item `segment`.
fn descend<'d>(
    doc: &'d Value,
    node: &'d Value,
    segment: &str,
    depth: usize,
) -> Option<(String, &'d Value)> {
    if depth > 16 {
        return None;
    }
    let node = resolve(doc, node);
    if let Some(child) = node.get("properties").and_then(|p| p.get(segment)) {
        return Some((format!("/properties/{}", escape(segment)), child));
    }
    if segment.parse::<usize>().is_ok()
        && let Some(items) = node.get("items")
    {
        return Some(("/items".into(), items));
    }
    for keyword in ["allOf", "oneOf", "anyOf"] {
        for (i, branch) in node
            .get(keyword)
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .enumerate()
        {
            if let Some((relative, child)) = descend(doc, branch, segment, depth + 1) {
                return Some((format!("/{keyword}/{i}{relative}"), child));
            }
        }
    }
    match node.get("additionalProperties") {
        Some(child) if child.is_object() => Some(("/additionalProperties".into(), child)),
        _ => None,
    }
}

/// A parameter's or header's text as the JSON value its schema's type
/// reads (`"7"` is 7 for an integer); text that does not parse stays text,
/// so the schema reports it.
fn coerce(doc: &Value, schema: &Value, text: &str) -> Value {
    let schema = resolve(doc, schema);
    let parsed = match schema["type"].as_str() {
        Some("integer") => text
            .parse::<i64>()
            .ok()
            .map(Value::from)
            .or_else(|| text.parse::<u64>().ok().map(Value::from)),
        Some("number") => text
            .parse::<f64>()
            .ok()
            .and_then(serde_json::Number::from_f64)
            .map(Value::Number),
        Some("boolean") => text.parse::<bool>().ok().map(Value::Bool),
        Some("array") => Some(Value::Array(
            text.split(',')
                .map(|item| coerce(doc, &schema["items"], item))
                .collect(),
        )),
        _ => None,
    };
    parsed.unwrap_or_else(|| Value::String(text.to_string()))
}

/// `%xx` escapes decoded (and `+` kept: it is a space only in forms).
fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let escaped = (bytes[i] == b'%')
            .then(|| text.get(i + 1..i + 3))
            .flatten()
            .and_then(|hex| u8::from_str_radix(hex, 16).ok());
        match escaped {
            Some(byte) => {
                out.push(byte);
                i += 3;
            }
            None => {
                out.push(bytes[i]);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// A value for a message: compact JSON, cut at 200 characters.
fn shown(value: &Value) -> String {
    truncated(&value.to_string())
}

fn truncated(text: &str) -> String {
    const LIMIT: usize = 200;
    match text.char_indices().nth(LIMIT) {
        Some((cut, _)) => format!("{}…", &text[..cut]),
        None => text.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::{Checker, Verdict, coerce, percent_decode};
    use crate::recording::{Body, Exchange, Request, Response, Timing};
    use serde_json::json;

    const SPEC: &str = r#"openapi: 3.0.3
info: { title: t, version: 1.0.0 }
paths:
  /items/{id}:
    parameters:
      - { name: id, in: path, required: true, schema: { type: integer } }
    put:
      parameters:
        - { name: X-Tenant, in: header, required: true, schema: { type: string, pattern: '^t-' } }
        - { name: limit, in: query, schema: { type: integer, maximum: 10 } }
      security:
        - Key: []
      requestBody:
        required: true
        content:
          application/json:
            schema: { $ref: '#/components/schemas/Item' }
      responses:
        '200':
          description: ok
          headers:
            X-Request-Id: { required: true, schema: { type: string } }
          content:
            application/json:
              schema: { $ref: '#/components/schemas/Item' }
        default:
          description: error
          content:
            application/json:
              schema: { type: object, required: [message], properties: { message: { type: string } } }
components:
  securitySchemes:
    Key: { type: apiKey, in: header, name: X-Key }
  schemas:
    Item:
      type: object
      required: [name]
      properties:
        name:
          type: string
          maxLength: 3
        at: { type: string, format: date-time }
"#;

    fn headers(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(n, v)| (n.to_string(), v.to_string()))
            .collect()
    }

    /// A conforming exchange: `PUT /items/7?limit=3`, answered 200.
    fn exchange() -> Exchange {
        Exchange {
            api: "t".into(),
            request: Request {
                method: "PUT".into(),
                path: "/items/7".into(),
                query: Some("limit=3".into()),
                headers: headers(&[
                    ("x-tenant", "t-1"),
                    ("x-key", "k"),
                    ("content-type", "application/json"),
                ]),
                body: Body(br#"{"name":"abc"}"#.to_vec()),
            },
            response: Response {
                status: 200,
                headers: headers(&[
                    ("content-type", "application/json; charset=utf-8"),
                    ("x-request-id", "r"),
                ]),
                body: Body(br#"{"name":"abc","at":"2024-05-06T07:08:09Z"}"#.to_vec()),
            },
            timing: Timing::default(),
        }
    }

    fn check(exchange: &Exchange) -> Verdict {
        Checker::from_text("t", std::path::Path::new("spec/t.yaml"), SPEC)
            .unwrap_or_else(|e| panic!("{e}"))
            .check(exchange)
    }

    fn rules(verdict: &Verdict) -> Vec<(&'static str, String, bool)> {
        verdict
            .findings
            .iter()
            .map(|f| (f.rule, f.pointer.clone(), f.refused))
            .collect()
    }

    #[test]
    fn a_conforming_exchange_has_no_finding() {
        let verdict = check(&exchange());
        assert!(verdict.findings.is_empty(), "{:#?}", verdict.findings);
        assert_eq!(verdict.documented_as.as_deref(), Some("200"));
    }

    #[test]
    fn a_request_outside_the_spec_that_is_accepted_breaks_every_request_rule_it_meets() {
        let mut sent = exchange();
        sent.request.path = "/items/seven".into();
        sent.request.query = Some("limit=11".into());
        sent.request.headers = headers(&[("content-type", "text/plain")]);
        let op = "/paths/~1items~1{id}/put";
        assert_eq!(
            rules(&check(&sent)),
            vec![
                (
                    "parameter",
                    "/paths/~1items~1{id}/parameters/0/schema/type".to_string(),
                    false
                ),
                ("parameter", format!("{op}/parameters/0/required"), false),
                (
                    "parameter",
                    format!("{op}/parameters/1/schema/maximum"),
                    false
                ),
                ("credential", format!("{op}/security"), false),
                (
                    "request-media-type",
                    format!("{op}/requestBody/content"),
                    false
                ),
            ]
        );
    }

    #[test]
    fn the_same_request_refused_with_a_4xx_is_reported_refused_not_a_violation() {
        let mut sent = exchange();
        sent.request.body = Body(br#"{"name":"abcd"}"#.to_vec());
        sent.response.status = 422;
        sent.response.body = Body(br#"{"message":"too long"}"#.to_vec());
        let verdict = check(&sent);
        assert_eq!(
            rules(&verdict),
            vec![(
                "request-body",
                "/components/schemas/Item/properties/name/maxLength".to_string(),
                true
            )]
        );
        assert_eq!(verdict.violations().count(), 0);
        assert_eq!(verdict.documented_as.as_deref(), Some("default"));
        // The finding is located where `maxLength` is written.
        assert_eq!(verdict.findings[0].location, "spec/t.yaml:41:11");
    }

    #[test]
    fn default_documents_error_statuses_only() {
        let mut sent = exchange();
        sent.response.status = 500;
        sent.response.headers = headers(&[("content-type", "application/json")]);
        sent.response.body = Body(br#"{"message":"down"}"#.to_vec());
        assert!(check(&sent).findings.is_empty());
        sent.response.status = 202;
        assert_eq!(
            rules(&check(&sent)),
            vec![(
                "status",
                "/paths/~1items~1{id}/put/responses".to_string(),
                false
            )]
        );
    }

    #[test]
    fn a_missing_required_response_header_and_a_wrong_format_are_violations() {
        let mut sent = exchange();
        sent.response.headers = headers(&[("content-type", "application/json")]);
        sent.response.body = Body(br#"{"name":"abc","at":"yesterday"}"#.to_vec());
        assert_eq!(
            rules(&check(&sent)),
            vec![
                (
                    "response-header",
                    "/paths/~1items~1{id}/put/responses/200/headers/X-Request-Id/required"
                        .to_string(),
                    false
                ),
                (
                    "response-body",
                    "/components/schemas/Item/properties/at/format".to_string(),
                    false
                ),
            ]
        );
    }

    #[test]
    fn an_undocumented_path_or_method_is_an_operation_finding() {
        let mut sent = exchange();
        sent.request.path = "/other".into();
        assert_eq!(
            rules(&check(&sent)),
            vec![("operation", "/paths".to_string(), false)]
        );
        let mut sent = exchange();
        sent.request.method = "DELETE".into();
        sent.response.status = 405;
        let verdict = check(&sent);
        assert_eq!(
            rules(&verdict),
            vec![("operation", "/paths/~1items~1{id}".to_string(), true)]
        );
        assert_eq!(verdict.operation, None);
    }

    #[test]
    fn a_header_or_parameter_is_read_as_its_schemas_type() {
        let doc = json!({});
        assert_eq!(coerce(&doc, &json!({ "type": "integer" }), "7"), json!(7));
        assert_eq!(coerce(&doc, &json!({ "type": "integer" }), "x"), json!("x"));
        assert_eq!(
            coerce(&doc, &json!({ "type": "boolean" }), "true"),
            json!(true)
        );
        assert_eq!(coerce(&doc, &json!({ "type": "string" }), "7"), json!("7"));
    }

    #[test]
    fn percent_escapes_are_decoded() {
        assert_eq!(percent_decode("a%20b%2Fc%zz"), "a b/c%zz");
    }
}
