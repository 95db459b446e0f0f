//! `cargo xtask new-api <name>`: everything a sixth API needs, from the spec
//! an API designer wrote at `spec/<name>.yaml`.
//!
//! What it writes, each in a file of the new API's own:
//! - the SDK crate `sdk/<name>/`: `Cargo.toml`, `lib.rs`, `auth.rs` (from
//!   the spec's `securitySchemes`), `errors.rs` (the spec's error body), an
//!   example, and the generated client and mocks (`cargo xtask generate`);
//! - the server module `server/src/apis/<name>/`: `mod.rs` (the API's
//!   descriptor), `api.rs` (a first draft of the trait and its types, the
//!   types generated from the spec's schemas), `errors.rs`, `handlers.rs`
//!   (authenticate, validate, store, answer) and `validation.rs` (a `TODO`
//!   per `x-rule`);
//! - `server/allowances/<name>.yaml` and `server/rules/<name>.yaml`;
//! - `server/tests/api/<name>.rs`: the API's test profile and its example
//!   request, sent for real.
//!
//! It then adds the API's line to the registry (`server/src/registry.rs`),
//! the one existing file it edits. The workspace builds; `cargo xtask
//! check` then names what is left for a person: the rules to implement and
//! test, and the differences between the draft and the spec to fix or
//! justify as allowances. `docs/adding-an-api.md` walks through it.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use serde_json::Value;

use openapi_walk::{escape, operations, resolve};

use crate::spec::ApiSpec;

/// The file that lists every API (see `server/src/registry.rs`).
pub const REGISTRY: &str = "server/src/registry.rs";

/// Where the registry's list ends: the new line goes before it.
const REGISTRY_END: &str = "        }\n    };\n}";

/// What the scaffold reads from a spec.
#[derive(Debug)]
pub struct NewApi {
    /// `spec/<name>.yaml`'s stem: the module, crate and command-line name.
    pub name: String,
    /// The registry's variant, e.g. `Acme`.
    pub variant: String,
    pub title: String,
    pub version: String,
    pub operation: OperationFacts,
    pub credential: CredentialFacts,
    /// The default port: the first one after every registered API's.
    pub port: u16,
    /// `(rule, pointer)` of every `x-rule` in the spec.
    pub rules: Vec<(String, String)>,
    /// The component name of the error body, if the spec has one.
    pub error_schema: Option<String>,
    /// The spec's example request body, as JSON.
    pub example: Value,
    spec: ApiSpec,
}

/// The spec's one operation.
#[derive(Debug)]
pub struct OperationFacts {
    pub operation_id: String,
    /// Upper case, e.g. `PATCH`.
    pub method: String,
    pub path: String,
    pub media_type: String,
    pub summary: String,
    pub description: String,
    pub tags: Vec<String>,
    /// The component names of the request and the success response bodies.
    pub request_schema: String,
    pub response_schema: String,
    /// The success status: 200, 201 or 204.
    pub status: u16,
}

/// Where the spec's security scheme puts the credential.
#[derive(Debug, PartialEq)]
pub enum CredentialFacts {
    /// `Authorization: <scheme> <token>` (`http` bearer, OAuth2).
    Authorization { scheme: String },
    /// An `apiKey` in a header of its own.
    Header { name: String },
}

/// Reads `spec/<name>.yaml` and what the registry already holds.
pub fn plan(root: &Path, name: &str) -> Result<NewApi, String> {
    if !name.starts_with(|c: char| c.is_ascii_lowercase())
        || !name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit())
    {
        return Err(format!(
            "{name}: an API's name is lower-case letters and digits, starting with a letter \
             (it names the module, the crate and the spec file)"
        ));
    }
    let relative = PathBuf::from("spec").join(format!("{name}.yaml"));
    let text = std::fs::read_to_string(root.join(&relative)).map_err(|e| {
        format!(
            "{}: {e}; write the API's spec there first",
            relative.display()
        )
    })?;
    let spec = ApiSpec::from_yaml(name, &relative, &text)?;
    let registry =
        std::fs::read_to_string(root.join(REGISTRY)).map_err(|e| format!("{REGISTRY}: {e}"))?;
    let registered = registered_apis(&registry);
    if registered.iter().any(|(module, _)| module == name) {
        return Err(format!("{name} is already in {REGISTRY}"));
    }
    for existing in [
        format!("sdk/{name}"),
        format!("server/src/apis/{name}"),
        format!("server/tests/api/{name}.rs"),
    ] {
        if root.join(&existing).exists() {
            return Err(format!(
                "{existing} exists already; new-api writes only files that do not"
            ));
        }
    }
    let doc = &spec.doc;
    let title = text_at(doc, "/info/title").unwrap_or_else(|| name.to_string());
    let version = text_at(doc, "/info/version").unwrap_or_else(|| "0.1.0".to_string());
    let operation = operation_facts(doc)?;
    let credential = credential_facts(doc)?;
    let example = request_example(doc, &operation)?;
    let port = next_port(root, &registered)?;
    let mut rules = Vec::new();
    collect_rules(doc, String::new(), &mut rules);
    let error_schema = error_schema(doc);
    Ok(NewApi {
        variant: pascal_case(name),
        name: name.to_string(),
        title,
        version,
        operation,
        credential,
        port,
        rules,
        error_schema,
        example,
        spec,
    })
}

/// Writes every file of the new API and adds its line to the registry;
/// returns the files written, relative to `root` (the registry, which is
/// edited, not written, is not among them: see [`NewApi::registry_line`]).
pub fn scaffold(root: &Path, api: &NewApi) -> Result<Vec<PathBuf>, String> {
    let mut written = Vec::new();
    for (path, text) in files(api)? {
        write_new(&root.join(&path), &text)?;
        written.push(path);
    }
    let registry_path = root.join(REGISTRY);
    let registry =
        std::fs::read_to_string(&registry_path).map_err(|e| format!("{REGISTRY}: {e}"))?;
    let updated = with_registry_line(&registry, &api.name, &api.variant)?;
    std::fs::write(&registry_path, updated).map_err(|e| format!("{REGISTRY}: {e}"))?;
    Ok(written)
}

/// `registry` with `module Variant,` added at the end of the list.
pub fn with_registry_line(registry: &str, module: &str, variant: &str) -> Result<String, String> {
    let end = registry
        .find(REGISTRY_END)
        .ok_or_else(|| format!("{REGISTRY}: cannot find the end of the list in `for_each_api!`"))?;
    let mut updated = registry.to_string();
    updated.insert_str(
        end,
        &format!("            {}\n", registry_line(module, variant)),
    );
    Ok(updated)
}

/// An API's entry in the registry's list: `acme Acme,`.
fn registry_line(module: &str, variant: &str) -> String {
    format!("{module} {variant},")
}

impl NewApi {
    /// The line [`scaffold`] adds to the registry for this API.
    pub fn registry_line(&self) -> String {
        registry_line(&self.name, &self.variant)
    }
}

/// The `(module, Variant)` pairs the registry lists.
pub fn registered_apis(registry: &str) -> Vec<(String, String)> {
    let Some(start) = registry.find("$then! {") else {
        return Vec::new();
    };
    let end = registry[start..]
        .find(REGISTRY_END)
        .map_or(registry.len(), |e| start + e);
    registry[start + "$then! {".len()..end]
        .lines()
        .filter_map(|line| {
            let mut words = line.trim().trim_end_matches(',').split_whitespace();
            Some((words.next()?.to_string(), words.next()?.to_string()))
        })
        .collect()
}

/// Every file the new API consists of, with its text.
pub fn files(api: &NewApi) -> Result<Vec<(PathBuf, String)>, String> {
    let name = &api.name;
    let server = PathBuf::from("server/src/apis").join(name);
    let sdk = PathBuf::from("sdk").join(name);
    Ok(vec![
        (sdk.join("Cargo.toml"), sdk_cargo_toml(api)),
        (sdk.join("src/lib.rs"), sdk_lib(api)),
        (sdk.join("src/auth.rs"), sdk_auth(api)),
        (sdk.join("src/errors.rs"), sdk_errors(api)),
        (
            sdk.join(format!("examples/update_{name}_profile.rs")),
            sdk_example(api),
        ),
        (server.join("mod.rs"), server_mod(api)?),
        (server.join("api.rs"), server_api(api)),
        (server.join("types.rs"), server_types_file(api)?),
        (server.join("errors.rs"), server_errors(api)),
        (server.join("handlers.rs"), server_handlers(api)),
        (server.join("validation.rs"), server_validation(api)),
        (
            PathBuf::from(format!("server/allowances/{name}.yaml")),
            allowances(api),
        ),
        (
            PathBuf::from(format!("server/rules/{name}.yaml")),
            rules_file(api),
        ),
        (
            PathBuf::from(format!("server/tests/api/{name}.rs")),
            server_tests(api),
        ),
    ])
}

/// What is left for a person after the scaffold, in the order to do it.
pub fn next_steps(api: &NewApi) -> String {
    let name = &api.name;
    let mut out = String::new();
    let _ = writeln!(out, "next:");
    let _ = writeln!(
        out,
        "  1. cargo build --workspace  # the workspace builds with the new API"
    );
    let _ = writeln!(
        out,
        "  2. cargo xtask check        # names what is left for {name}:"
    );
    for (rule, pointer) in &api.rules {
        let _ = writeln!(
            out,
            "       rule {rule} ({pointer}): enforce it in server/src/apis/{name}/validation.rs, \
             test it in server/tests/api/{name}.rs, list it in server/rules/{name}.yaml"
        );
    }
    let _ = writeln!(
        out,
        "       each difference between server/src/apis/{name}/api.rs and the spec: fix the \
         draft, or justify it in server/allowances/{name}.yaml"
    );
    let _ = writeln!(
        out,
        "  3. cargo xtask release {name}  # when the API is done (docs/releasing.md)"
    );
    out
}

fn write_new(path: &Path, text: &str) -> Result<(), String> {
    if path.exists() {
        return Err(format!("{} exists already", path.display()));
    }
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    }
    std::fs::write(path, text).map_err(|e| format!("{}: {e}", path.display()))
}

fn text_at(doc: &Value, pointer: &str) -> Option<String> {
    doc.pointer(pointer)
        .and_then(Value::as_str)
        .map(str::to_string)
}

/// The one operation, with its bodies named by their components.
fn operation_facts(doc: &Value) -> Result<OperationFacts, String> {
    let all = operations(doc);
    let [only] = all.as_slice() else {
        return Err(format!(
            "the spec has {} operations; new-api scaffolds an API with exactly one (the \
             update), as every API here has",
            all.len()
        ));
    };
    let (path, method, pointer, op) = (only.path, only.method, only.pointer(), only.operation);
    let content = op
        .pointer("/requestBody/content")
        .map(|c| resolve(doc, c))
        .and_then(Value::as_object)
        .ok_or_else(|| format!("{pointer}: the operation has no request body"))?;
    let (media_type, media) = content
        .iter()
        .next()
        .ok_or_else(|| format!("{pointer}/requestBody/content is empty"))?;
    let request_schema = component_name(media.get("schema")).ok_or_else(|| {
        format!("{pointer}: the request body's schema must be a $ref to a component")
    })?;
    let responses = op
        .get("responses")
        .and_then(Value::as_object)
        .ok_or_else(|| format!("{pointer}: no responses"))?;
    let (status, response) = responses
        .iter()
        .find(|(status, _)| status.starts_with('2'))
        .ok_or_else(|| format!("{pointer}: no 2xx response"))?;
    let status: u16 = status
        .parse()
        .map_err(|_| format!("{pointer}/responses/{status}: not a status"))?;
    if ![200, 201, 204].contains(&status) {
        return Err(format!(
            "{pointer}: success status {status}; the draft handles 200, 201 and 204"
        ));
    }
    let response_schema = resolve(doc, response)
        .get("content")
        .and_then(Value::as_object)
        .and_then(|c| c.values().next())
        .and_then(|media| component_name(media.get("schema")))
        .unwrap_or_default();
    let operation_id = op
        .get("operationId")
        .and_then(Value::as_str)
        .ok_or_else(|| format!("{pointer}: no operationId"))?;
    let text = |key: &str| {
        op.get(key)
            .and_then(Value::as_str)
            .unwrap_or_default()
            .trim()
            .to_string()
    };
    Ok(OperationFacts {
        operation_id: operation_id.to_string(),
        method: method.to_uppercase(),
        path: path.to_string(),
        media_type: media_type.clone(),
        summary: text("summary"),
        description: text("description"),
        tags: op
            .get("tags")
            .and_then(Value::as_array)
            .map(|tags| {
                tags.iter()
                    .filter_map(Value::as_str)
                    .map(str::to_string)
                    .collect()
            })
            .unwrap_or_default(),
        request_schema,
        response_schema,
        status,
    })
}

/// `#/components/schemas/Name` → `Name`.
fn component_name(schema: Option<&Value>) -> Option<String> {
    schema?
        .get("$ref")?
        .as_str()?
        .strip_prefix("#/components/schemas/")
        .map(str::to_string)
}

/// The credential the operation requires, from its security requirement (or
/// the document's) and the scheme it names.
fn credential_facts(doc: &Value) -> Result<CredentialFacts, String> {
    let operation_security = operations(doc)
        .first()
        .and_then(|op| op.operation.get("security").cloned());
    let security = operation_security
        .or_else(|| doc.get("security").cloned())
        .unwrap_or(Value::Null);
    let scheme_name = security
        .as_array()
        .and_then(|requirements| requirements.first())
        .and_then(Value::as_object)
        .and_then(|requirement| requirement.keys().next())
        .ok_or("the operation requires no security scheme; every API here authenticates")?;
    let scheme = doc
        .pointer(&format!("/components/securitySchemes/{scheme_name}"))
        .map(|s| resolve(doc, s))
        .ok_or_else(|| format!("security scheme {scheme_name} is not declared"))?;
    match scheme.get("type").and_then(Value::as_str) {
        Some("apiKey") if scheme.get("in").and_then(Value::as_str) == Some("header") => {
            let name = scheme
                .get("name")
                .and_then(Value::as_str)
                .ok_or_else(|| format!("security scheme {scheme_name} has no name"))?;
            Ok(CredentialFacts::Header {
                name: name.to_string(),
            })
        }
        Some("http") => {
            let scheme = scheme
                .get("scheme")
                .and_then(Value::as_str)
                .unwrap_or("bearer");
            let mut chars = scheme.chars();
            let capitalised = chars
                .next()
                .map(|c| c.to_uppercase().chain(chars).collect())
                .unwrap_or_default();
            Ok(CredentialFacts::Authorization {
                scheme: capitalised,
            })
        }
        Some("oauth2" | "openIdConnect") => Ok(CredentialFacts::Authorization {
            scheme: "Bearer".to_string(),
        }),
        other => Err(format!(
            "security scheme {scheme_name} ({other:?}) is not one new-api can scaffold: an \
             apiKey in a header, http (bearer) or oauth2"
        )),
    }
}

/// The request example of the spec (the media type's `example`, or the
/// schema's), or the required properties' examples.
fn request_example(doc: &Value, operation: &OperationFacts) -> Result<Value, String> {
    let media_pointer = operations(doc)
        .first()
        .map(|op| op.pointer())
        .unwrap_or_default();
    let media = doc.pointer(&format!(
        "{media_pointer}/requestBody/content/{}",
        escape(&operation.media_type)
    ));
    let schema = doc.pointer(&format!("/components/schemas/{}", operation.request_schema));
    media
        .and_then(|m| m.get("example"))
        .or_else(|| schema.and_then(|s| s.get("example")))
        .cloned()
        .ok_or_else(|| {
            format!(
                "{media_pointer}/requestBody: no example; give the request body an `example` \
                 (the demo line, the tests and the bench send it)"
            )
        })
}

/// Every `x-rule`, with the pointer of the schema that states it.
fn collect_rules(value: &Value, at: String, out: &mut Vec<(String, String)>) {
    match value {
        Value::Object(map) => {
            if let Some(rule) = map.get("x-rule").and_then(Value::as_str) {
                out.push((rule.to_string(), at.clone()));
            }
            for (key, child) in map {
                collect_rules(child, format!("{at}/{}", escape(key)), out);
            }
        }
        Value::Array(items) => {
            for (i, child) in items.iter().enumerate() {
                collect_rules(child, format!("{at}/{i}"), out);
            }
        }
        _ => {}
    }
}

/// The component the operation's error responses (4xx, 5xx, `default`)
/// share, if they name one.
fn error_schema(doc: &Value) -> Option<String> {
    let operation = operations(doc).into_iter().next()?.operation;
    let responses = operation.get("responses")?.as_object()?;
    responses
        .iter()
        .filter(|(status, _)| !status.starts_with('2'))
        .find_map(|(_, response)| {
            let media = resolve(doc, response)
                .get("content")?
                .as_object()?
                .values()
                .next()?
                .clone();
            component_name(media.get("schema"))
        })
}

/// The first port after the highest default port of the registered APIs,
/// read from their descriptors.
fn next_port(root: &Path, registered: &[(String, String)]) -> Result<u16, String> {
    let mut highest = 8100;
    for (module, _) in registered {
        let path = root.join(format!("server/src/apis/{module}/mod.rs"));
        let text =
            std::fs::read_to_string(&path).map_err(|e| format!("{}: {e}", path.display()))?;
        if let Some(port) = text
            .lines()
            .find_map(|line| line.trim().strip_prefix("default_port: "))
            .and_then(|rest| rest.trim_end_matches(',').parse::<u16>().ok())
        {
            highest = highest.max(port);
        }
    }
    Ok(highest + 1)
}

/// `acme2` → `Acme2`.
fn pascal_case(name: &str) -> String {
    let mut chars = name.chars();
    chars
        .next()
        .map(|c| c.to_ascii_uppercase().to_string() + chars.as_str())
        .unwrap_or_default()
}

/// `updateMyEntry` → `update_my_entry`.
fn snake_case(name: &str) -> String {
    let mut out = String::new();
    for (i, c) in name.chars().enumerate() {
        if c.is_ascii_uppercase() {
            if i > 0 && !out.ends_with('_') {
                out.push('_');
            }
            out.push(c.to_ascii_lowercase());
        } else if c.is_ascii_alphanumeric() {
            out.push(c);
        } else {
            out.push('_');
        }
    }
    out
}

/// The Rust type progenitor and typify name a component: `Entry_update`
/// → `EntryUpdate`.
fn type_name(component: &str) -> String {
    component
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|part| !part.is_empty())
        .map(pascal_case)
        .collect()
}

fn sdk_cargo_toml(api: &NewApi) -> String {
    let name = &api.name;
    let version = &api.version;
    format!(
        r#"[package]
name = "{name}-sdk"
# The crate's own version, which moves with its public Rust API and with its
# spec (docs/sdk.md, "Versions"); it starts at the spec's. The spec version
# it implements is `SPEC_VERSION` in src/lib.rs.
version = "{version}"
description = "Rust SDK for spec/{name}.yaml, generated by progenitor."
edition.workspace = true
rust-version.workspace = true
license.workspace = true
publish.workspace = true

[features]
# Typed httpmock mocks, one per operation (`mock::MockServerExt`), generated
# from the same spec as the client: for testing code that uses this SDK.
mock = ["dep:httpmock", "dep:regex"]

[dependencies]
chrono.workspace = true
httpmock = {{ workspace = true, optional = true }}
progenitor-client.workspace = true
regex = {{ workspace = true, optional = true }}
sdk-support = {{ path = "../support", version = "0.2.0" }}
regress.workspace = true
reqwest.workspace = true
serde.workspace = true
serde_json.workspace = true
uuid.workspace = true

[dev-dependencies]
tokio.workspace = true

[lints]
workspace = true
"#
    )
}

fn sdk_lib(api: &NewApi) -> String {
    let NewApi {
        name,
        title,
        operation,
        version,
        ..
    } = api;
    let error_body = error_body_type(api);
    let (method, path, summary) = (&operation.method, &operation.path, &operation.summary);
    format!(
        r#"//! Rust SDK for {title}'s "{summary}": `{method} {path}`.
//!
//! The client code is generated by progenitor from `spec/{name}.yaml` (see
//! `generated_sdk.rs`, never edited by hand). This hand-written layer adds
//! what the generator cannot say:
//! - [`Credentials`]: the credential the spec's security scheme names, sent
//!   on every request, never printed;
//! - [`Error`]: the spec's error body, typed, with its HTTP status and
//!   headers; a body that is not the documented one is kept as received;
//! - [`Client::builder`]: timeouts, `User-Agent`, certificates, a checked
//!   base URL.
//!
//! Scaffolded by `cargo xtask new-api {name}`: write this page as the other
//! SDKs' (an example of the update, the errors a caller handles, a mock
//! test) once the API is done.

pub mod auth;
pub mod errors;
#[rustfmt::skip]
#[allow(clippy::all, clippy::pedantic, clippy::unwrap_used, clippy::expect_used, unused, missing_docs)]
mod generated_sdk;
#[cfg(feature = "mock")]
#[path = "generated_mock.rs"]
#[rustfmt::skip]
#[allow(clippy::all, clippy::pedantic, clippy::unwrap_used, clippy::expect_used, unused, missing_docs)]
pub mod mock;

pub use auth::Credentials;
pub use errors::Error;
pub use generated_sdk::{{Client, ClientInfo, ResponseValue, builder, types}};
#[cfg(feature = "mock")]
pub use httpmock;
pub use progenitor_client::Error as ProgenitorError;
pub use reqwest::{{self, StatusCode}};
pub use sdk_support::{{
    BuildError, ClientContext, EnvCredentialsError, InvalidCredentials, Operation, Timeout, optional,
    some,
}};

/// The version of `spec/{name}.yaml` (its `info.version`) this crate
/// implements.
pub const SPEC_VERSION: &str = "{version}";

/// Configures a [`Client`]; made by [`Client::builder`].
pub type ClientBuilder = sdk_support::ClientBuilder<Client>;

sdk_support::sdk_client!(api: "{name}", title: {title:?}, error_body: {error_body});
"#
    )
}

/// The SDK's error body type: the spec's error component, or the raw JSON.
fn error_body_type(api: &NewApi) -> String {
    match &api.error_schema {
        Some(component) => format!("types::{}", type_name(component)),
        None => "errors::UndocumentedError".to_string(),
    }
}

fn sdk_auth(api: &NewApi) -> String {
    let variable = format!("{}_TOKEN", api.name.to_uppercase());
    let (description, header_name, value) = match &api.credential {
        CredentialFacts::Authorization { scheme } => (
            format!("a token sent as `Authorization: {scheme} <token>`"),
            "Authorization".to_string(),
            format!("&format!(\"{scheme} {{token}}\")"),
        ),
        CredentialFacts::Header { name } => (
            format!("a key sent in the `{name}` header"),
            name.clone(),
            "token".to_string(),
        ),
    };
    let title = &api.title;
    format!(
        r#"//! {title}'s credential: {description}, as the spec's
//! `securitySchemes` say. progenitor ignores security schemes, so
//! `authenticate` below puts it on every request.

use reqwest::header::{{HeaderName, HeaderValue}};
use sdk_support::{{
    EnvCredentialsError, InvalidCredentials, REDACTED, env_var, from_variable, secret_header,
}};

/// Where [`Credentials::from_env`] reads the token.
pub const TOKEN_VARIABLE: &str = "{variable}";

/// The header the credential is sent in.
const HEADER: &str = "{header_name}";

/// The token, as the header value it is sent as.
#[derive(Clone)]
pub struct Credentials {{
    value: HeaderValue,
}}

impl Credentials {{
    /// The token, given alone.
    pub fn token(token: &str) -> Result<Self, InvalidCredentials> {{
        Ok(Credentials {{
            value: secret_header(HEADER, {value})?,
        }})
    }}

    /// The token in the environment variable [`TOKEN_VARIABLE`].
    pub fn from_env() -> Result<Self, EnvCredentialsError> {{
        let token = env_var(TOKEN_VARIABLE)?;
        from_variable(TOKEN_VARIABLE, Self::token(&token))
    }}
}}

impl std::fmt::Debug for Credentials {{
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {{
        f.debug_struct("Credentials")
            .field("token", &REDACTED)
            .finish()
    }}
}}

impl sdk_support::Authenticate for Credentials {{
    fn authenticate(&self, request: &mut reqwest::Request) {{
        request
            .headers_mut()
            .insert(HeaderName::from_static("{header_lower}"), self.value.clone());
    }}
}}
"#,
        header_lower = header_name.to_ascii_lowercase()
    )
}

fn sdk_errors(api: &NewApi) -> String {
    let title = &api.title;
    match &api.error_schema {
        Some(component) => {
            let body = type_name(component);
            format!(
                r#"//! {title}'s error body, `{component}` in the spec.

use sdk_support::{{ErrorBody, documented}};
use serde_json::Value;

use crate::StatusCode;
use crate::types::{body};

/// What an SDK call fails with; `send().await?` converts into it.
pub type Error = sdk_support::Error<{body}>;

impl ErrorBody for {body} {{
    fn decode(_status: StatusCode, body: &Value) -> Option<Self> {{
        documented(body)
    }}

    fn summary(&self) -> String {{
        // TODO(new-api): say what a person reads first, as the other SDKs do.
        serde_json::to_string(self).unwrap_or_default()
    }}
}}
"#
            )
        }
        None => format!(
            r#"//! {title}'s spec documents no error body: errors are kept as received.

use sdk_support::ErrorBody;
use serde_json::Value;

use crate::StatusCode;

/// What an SDK call fails with; `send().await?` converts into it.
pub type Error = sdk_support::Error<UndocumentedError>;

/// An error body the spec does not describe, as JSON.
#[derive(Clone, Debug)]
pub struct UndocumentedError(pub Value);

impl ErrorBody for UndocumentedError {{
    fn decode(_status: StatusCode, body: &Value) -> Option<Self> {{
        Some(UndocumentedError(body.clone()))
    }}

    fn summary(&self) -> String {{
        self.0.to_string()
    }}
}}
"#
        ),
    }
}

fn sdk_example(api: &NewApi) -> String {
    let name = &api.name;
    let method = snake_case(&api.operation.operation_id);
    let body = type_name(&api.operation.request_schema);
    let example = serde_json::to_string(&api.example).unwrap_or_default();
    let variable = format!("{}_TOKEN", name.to_uppercase());
    format!(
        r##"//! Sends the spec's example request with this SDK:
//!
//! ```sh
//! {variable}=<token> cargo run -p {name}-sdk --example update_{name}_profile [base URL]
//! ```

use {name}_sdk::{{Client, Credentials, types}};

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn std::error::Error>> {{
    let base_url = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "http://127.0.0.1:{port}".to_string());
    let client = Client::builder(&base_url, Credentials::from_env()?).build()?;
    let body: types::{body} = serde_json::from_str(r#"{example}"#)?;
    let answer = client.{method}().body(body).send().await?;
    println!("{{:#?}}", answer.into_inner());
    Ok(())
}}
"##,
        port = api.port
    )
}

fn server_mod(api: &NewApi) -> Result<String, String> {
    let NewApi {
        name,
        variant,
        title,
        operation,
        ..
    } = api;
    let credential = match &api.credential {
        CredentialFacts::Authorization { scheme } => {
            format!("CredentialPlace::Authorization {{ scheme: \"{scheme}\" }}")
        }
        CredentialFacts::Header { name } => {
            format!("CredentialPlace::Header {{ name: \"{name}\" }}")
        }
    };
    let example = serde_json::to_string(&api.example).map_err(|e| e.to_string())?;
    Ok(format!(
        r##"//! {title}'s "{summary}": `{method} {path}`.
//!
//! Scaffolded by `cargo xtask new-api {name}` from `spec/{name}.yaml`.

pub mod api;
pub mod errors;
pub mod handlers;
pub mod types;
pub mod validation;

use super::{{CredentialPlace, Credentials, Descriptor, Operation}};
use crate::registry::Api;

/// What {title} is; see [`Descriptor`].
pub static DESCRIPTOR: Descriptor = Descriptor {{
    api: Api::{variant},
    title: "{title}",
    default_port: {port},
    credentials: Credentials {{
        place: {credential},
        tenant_header: None,
        token_prefix: "{name}_",
    }},
    operation: Operation {{
        operation_id: "{operation_id}",
        method: "{method}",
        path: "{path}",
        media_type: "{media_type}",
    }},
    example_body: EXAMPLE_BODY,
    spec_yaml: include_str!("../../../../spec/{name}.yaml"),
    error_body: errors::error_body,
    description: || {{
        api::{name}_api_mod::api_description::<handlers::{variant}Impl>().map_err(|e| e.to_string())
    }},
    stub_description: || api::{name}_api_mod::stub_api_description().map_err(|e| e.to_string()),
}};

/// The spec's example request.
pub const EXAMPLE_BODY: &str = r#"{example}"#;
"##,
        summary = operation.summary,
        method = operation.method,
        path = operation.path,
        port = api.port,
        operation_id = operation.operation_id,
        media_type = operation.media_type,
    ))
}

/// The first draft of `types.rs`: the spec's schemas as Rust types (typify,
/// the generator progenitor uses, with `JsonSchema` derived so that dropshot
/// documents them).
fn server_types_file(api: &NewApi) -> Result<String, String> {
    let types = server_types(&api.spec)?;
    Ok(format!(
        r#"//! The types of `api.rs`'s trait, each mirroring its schema in
//! `spec/{name}.yaml`.
//!
//! A first draft, generated by `cargo xtask new-api {name}` from the spec's
//! schemas (patterns left to `validation.rs`). `cargo xtask check` lists
//! where they still differ from the spec; from here on they are
//! hand-written.

#![allow(clippy::all, missing_docs)]

{types}"#,
        name = api.name
    ))
}

/// The first draft of `api.rs`: the trait with the one operation.
fn server_api(api: &NewApi) -> String {
    let operation = &api.operation;
    let request = type_name(&operation.request_schema);
    let (response_type, answer) = match operation.status {
        201 => (
            format!(
                "HttpResponseCreated<{}>",
                type_name(&operation.response_schema)
            ),
            "HttpResponseCreated",
        ),
        204 => (
            "HttpResponseUpdatedNoContent".to_string(),
            "HttpResponseUpdatedNoContent",
        ),
        _ => (
            format!("HttpResponseOk<{}>", type_name(&operation.response_schema)),
            "HttpResponseOk",
        ),
    };
    let tags = operation
        .tags
        .iter()
        .map(|t| format!("{t:?}"))
        .collect::<Vec<_>>()
        .join(", ");
    let doc_lines = [
        operation.summary.as_str(),
        "",
        operation.description.as_str(),
    ]
    .iter()
    .flat_map(|text| {
        text.lines()
            .chain(if text.is_empty() { Some("") } else { None })
    })
    .map(|line| format!("    /// {line}").trim_end().to_string())
    .collect::<Vec<_>>()
    .join("\n");
    let NewApi { name, variant, .. } = api;
    let function = snake_case(&operation.operation_id);
    let mut used = vec![request.clone()];
    if operation.status != 204 {
        used.push(type_name(&operation.response_schema));
    }
    used.sort();
    used.dedup();
    let used = used.join(", ");
    format!(
        r#"//! The contract: {title}'s operation as a dropshot API trait, mirroring
//! `spec/{name}.yaml`; its types are in `types.rs`.
//!
//! When changing the API: change `spec/{name}.yaml` first, then this file
//! to match; `cargo xtask check` compares the two.
//!
//! A first draft, scaffolded by `cargo xtask new-api {name}`: `cargo xtask
//! check` lists where it still differs from the spec.

use dropshot::{{{answer}, RequestContext}};

use super::errors::ApiError;
use super::types::{{{used}}};
use crate::apis::body::JsonBody;

#[dropshot::api_description]
pub trait {variant}Api {{
    type Context;

{doc_lines}
    #[endpoint {{
        method = {method},
        path = "{path}",
        operation_id = "{operation_id}",
        tags = [{tags}],
    }}]
    async fn {function}(
        rqctx: RequestContext<Self::Context>,
        body: JsonBody<{request}>,
    ) -> Result<{response_type}, ApiError>;
}}
"#,
        title = api.title,
        method = operation.method,
        path = operation.path,
        operation_id = operation.operation_id,
    )
}

/// The spec's component schemas as Rust types, with `JsonSchema` derived.
/// `pattern` is taken out first: typify would check it with the `regress`
/// crate, which the server does not use; the rule goes to `validation.rs`
/// instead, and the gate names the difference until it is there.
fn server_types(spec: &ApiSpec) -> Result<String, String> {
    let mut schemas: BTreeMap<String, Value> = spec
        .doc
        .pointer("/components/schemas")
        .and_then(Value::as_object)
        .map(|map| map.clone().into_iter().collect())
        .unwrap_or_default();
    for schema in schemas.values_mut() {
        without_patterns(schema);
    }
    let definitions = schemas
        .into_iter()
        .map(|(name, schema)| {
            let schema: schemars::schema::Schema = serde_json::from_value(rewrite_refs(schema))
                .map_err(|e| format!("components/schemas/{name}: {e}"))?;
            Ok((name, schema))
        })
        .collect::<Result<Vec<_>, String>>()?;
    let mut settings = typify::TypeSpaceSettings::default();
    settings.with_derive("schemars::JsonSchema".to_string());
    let mut space = typify::TypeSpace::new(&settings);
    space
        .add_ref_types(definitions)
        .map_err(|e| format!("cannot turn the spec's schemas into Rust types: {e}"))?;
    let file: syn::File = syn::parse2(space.to_stream())
        .map_err(|e| format!("the generated types do not parse: {e}"))?;
    Ok(prettyplease::unparse(&file))
}

/// OpenAPI's `#/components/schemas/X` as JSON Schema's `#/definitions/X`,
/// where typify looks them up.
fn rewrite_refs(mut schema: Value) -> Value {
    fn walk(value: &mut Value) {
        match value {
            Value::Object(map) => {
                if let Some(Value::String(target)) = map.get_mut("$ref")
                    && let Some(name) = target.strip_prefix("#/components/schemas/")
                {
                    *target = format!("#/definitions/{name}");
                }
                map.remove("example");
                map.retain(|key, _| !key.starts_with("x-"));
                map.values_mut().for_each(walk);
            }
            Value::Array(items) => items.iter_mut().for_each(walk),
            _ => {}
        }
    }
    walk(&mut schema);
    schema
}

fn without_patterns(value: &mut Value) {
    match value {
        Value::Object(map) => {
            if map.get("pattern").is_some_and(Value::is_string) {
                map.remove("pattern");
            }
            map.values_mut().for_each(without_patterns);
        }
        Value::Array(items) => items.iter_mut().for_each(without_patterns),
        _ => {}
    }
}

fn server_errors(api: &NewApi) -> String {
    let title = &api.title;
    format!(
        r#"//! {title}'s error body.
//!
//! A first draft, scaffolded by `cargo xtask new-api {name}`: a status and a
//! message. TODO(new-api): render the vendor's error body as the spec
//! documents it for each status (see the other APIs' `errors.rs`);
//! `cargo xtask check` lists the differences until then.

use dropshot::{{ErrorStatusCode, HttpError, HttpResponseError}};
use schemars::JsonSchema;
use serde::Serialize;

/// The error body.
#[derive(Clone, Debug, Serialize, JsonSchema)]
pub struct ApiError {{
    #[serde(skip)]
    pub status: u16,
    /// What went wrong.
    pub message: String,
}}

impl ApiError {{
    pub fn new(status: u16, message: impl Into<String>) -> Self {{
        ApiError {{
            status,
            message: message.into(),
        }}
    }}
}}

impl std::fmt::Display for ApiError {{
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {{
        write!(f, "{{}}: {{}}", self.status, self.message)
    }}
}}

impl HttpResponseError for ApiError {{
    fn status_code(&self) -> ErrorStatusCode {{
        ErrorStatusCode::from_u16(self.status).unwrap_or(ErrorStatusCode::INTERNAL_SERVER_ERROR)
    }}
}}

/// dropshot's own errors (malformed JSON, a wrong media type, a body over
/// the limit) in this API's body, with their status.
impl From<HttpError> for ApiError {{
    fn from(error: HttpError) -> Self {{
        ApiError::new(error.status_code.as_u16(), error.external_message)
    }}
}}

/// An error the server answers outside the handler (a 405, a 503 while
/// stopping), in this API's body.
pub fn error_body(status: http::StatusCode, message: &str) -> (&'static str, Vec<u8>) {{
    let body = serde_json::to_vec(&ApiError::new(status.as_u16(), message));
    ("application/json", body.unwrap_or_default())
}}
"#,
        name = api.name
    )
}

fn server_handlers(api: &NewApi) -> String {
    let NewApi {
        name,
        variant,
        title,
        operation,
        ..
    } = api;
    let function = snake_case(&operation.operation_id);
    let request = type_name(&operation.request_schema);
    let (response_type, answer) = match operation.status {
        201 => (
            format!(
                "HttpResponseCreated<types::{}>",
                type_name(&operation.response_schema)
            ),
            "HttpResponseCreated(answer)".to_string(),
        ),
        204 => (
            "HttpResponseUpdatedNoContent".to_string(),
            "{ let _ = answer; HttpResponseUpdatedNoContent() }".to_string(),
        ),
        _ => (
            format!(
                "HttpResponseOk<types::{}>",
                type_name(&operation.response_schema)
            ),
            "HttpResponseOk(answer)".to_string(),
        ),
    };
    let answer_type = match operation.status {
        204 => "serde_json::Value".to_string(),
        _ => format!("types::{}", type_name(&operation.response_schema)),
    };
    let responses = match operation.status {
        201 => "HttpResponseCreated",
        204 => "HttpResponseUpdatedNoContent",
        _ => "HttpResponseOk",
    };
    format!(
        r#"//! {title}'s update: authenticate, validate, hand the change to the
//! store (applied to the latest profile in its write), answer from what was
//! stored.
//!
//! A first draft, scaffolded by `cargo xtask new-api {name}`: the stored
//! profile is the request body merged over the last one, and the answer is
//! that profile read as the response type. TODO(new-api): what the vendor
//! stores and answers (see the other APIs' `handlers.rs`).

use dropshot::{{{responses}, RequestContext}};
use serde_json::Value;

use super::DESCRIPTOR;
use super::api::{variant}Api;
use super::errors::ApiError;
use super::{{types, validation}};
use crate::apis::body::JsonBody;
use crate::apis::{{ApiContext, authenticate, headers, update_profile}};
use crate::auth::AuthError;
use crate::storage::{{Reads, StoreError}};

/// The implementation of [`{variant}Api`].
pub enum {variant}Impl {{}}

fn auth_error(error: AuthError) -> ApiError {{
    match error {{
        AuthError::Invalid => ApiError::new(401, "The credential is missing or unknown."),
        AuthError::Store(e) => store_error(e),
    }}
}}

fn store_error(error: StoreError) -> ApiError {{
    match error {{
        StoreError::Busy => ApiError::new(503, "The service is busy; nothing was saved. Retry shortly."),
        _ => ApiError::new(500, "Internal server error."),
    }}
}}

/// `update`'s members written over `stored`'s.
fn merged(stored: &Value, update: Value) -> Value {{
    let mut next = stored.as_object().cloned().unwrap_or_default();
    if let Value::Object(update) = update {{
        next.extend(update);
    }}
    Value::Object(next)
}}

impl {variant}Api for {variant}Impl {{
    type Context = ApiContext;

    async fn {function}(
        rqctx: RequestContext<Self::Context>,
        body: JsonBody<types::{request}>,
    ) -> Result<{response_type}, ApiError> {{
        let context = rqctx.context();
        let token = DESCRIPTOR.credentials.presented(headers(&rqctx));
        let principal = authenticate(context, DESCRIPTOR.api, token)
            .await
            .map_err(auth_error)?;
        let update = body.into_inner();
        validation::validate(&update).map_err(|message| ApiError::new(400, message))?;
        let update = serde_json::to_value(&update)
            .map_err(|e| ApiError::new(500, format!("cannot encode the update: {{e}}")))?;
        let updated = update_profile(
            context.store.as_ref(),
            DESCRIPTOR.api,
            principal.user_id,
            Reads::default(),
            move |current| Ok((Some(merged(&current.profile.document, update)), ())),
        )
        .await
        .map_err(store_error)?;
        let answer: {answer_type} = serde_json::from_value(updated.applied.profile.document)
            .map_err(|e| {{
                ApiError::new(
                    501,
                    format!("the answer is not written yet (server/src/apis/{name}/handlers.rs): {{e}}"),
                )
            }})?;
        Ok({answer})
    }}
}}
"#
    )
}

fn server_validation(api: &NewApi) -> String {
    let request = type_name(&api.operation.request_schema);
    let mut checks = String::new();
    for (rule, pointer) in &api.rules {
        let _ = writeln!(
            checks,
            "    // TODO(rule {rule}): enforce the rule at {pointer}, answer it in the API's\n    \
             // error body, test it in server/tests/api/{name}.rs and list it in\n    \
             // server/rules/{name}.yaml.",
            name = api.name
        );
    }
    if checks.is_empty() {
        checks.push_str("    // The spec states no `x-rule`.\n");
    }
    format!(
        r#"//! Every rule the spec states that a type cannot (its `x-rule`s, and
//! patterns): one check each, named after the rule.

use super::types::{request};

/// Checks what the types cannot; the message names the failing field.
pub fn validate(update: &{request}) -> Result<(), String> {{
    let _ = update;
{checks}    Ok(())
}}
"#
    )
}

fn allowances(api: &NewApi) -> String {
    let name = &api.name;
    format!(
        r#"# Where dropshot cannot say what spec/{name}.yaml says. Each entry names the
# exact difference (JSON pointer in the spec, the spec's value, the server
# document's value), why it cannot be expressed, the runtime test that shows
# the server doing what the spec says (in this API's own test file,
# server/tests/api/{name}.rs), and what that test shows (`shows`). `cargo xtask
# check` fails on a difference no entry covers and on an entry that covers
# nothing; it prints each difference to fix or to justify here.
[]
"#
    )
}

fn rules_file(api: &NewApi) -> String {
    let name = &api.name;
    format!(
        r#"# The rules spec/{name}.yaml states in `x-rule`, each with the test in
# server/tests/api/{name}.rs that shows the server enforcing it; see
# cl2c.yaml for the format. `cargo xtask check` fails on a rule without an
# entry and on an entry whose rule the spec no longer states.
[]
"#
    )
}

fn server_tests(api: &NewApi) -> String {
    let NewApi {
        name,
        variant,
        title,
        ..
    } = api;
    let first_text = api
        .example
        .as_object()
        .and_then(|m| {
            m.iter()
                .find(|(_, v)| v.is_string())
                .map(|(k, _)| k.clone())
        })
        .unwrap_or_default();
    format!(
        r#"//! {title} over HTTP against the real server: the spec's example, and
//! one case per documented rule (TODO(new-api): one test per rule, named
//! after it).

use serde_json::{{Value, json}};
use server::storage::Api;

use crate::harness::{{ApiProfile, TestApi}};

/// What the tests that loop over every API need to know about {title}.
pub static PROFILE: ApiProfile = ApiProfile {{
    named_body: |_, name| {{
        let mut body: Value = serde_json::from_str(server::apis::{name}::EXAMPLE_BODY)
            .unwrap_or_else(|e| panic!("{{e}}"));
        body["{first_text}"] = json!(name);
        body.to_string()
    }},
    is_error_body: |reply| {{
        reply.content_type == "application/json" && reply.body["message"].is_string()
    }},
    wrong_media_type: 415,
    too_large: 413,
    concurrent_change: |_, _, value, _| {{
        let mut body: Value = serde_json::from_str(server::apis::{name}::EXAMPLE_BODY)
            .unwrap_or_else(|e| panic!("{{e}}"));
        body["{first_text}"] = json!(value);
        body
    }},
}};

#[tokio::test]
async fn the_specs_example_request_is_accepted_and_stored() {{
    let t = TestApi::start(Api::{variant}).await;
    let headers = t.credential_headers(&t.alice);
    let mut sent: Vec<(&str, &str)> = headers.iter().map(|(n, v)| (*n, v.as_str())).collect();
    sent.push(("content-type", Api::{variant}.descriptor().operation.media_type));
    let reply = t
        .send(t.method(), &t.path(), &sent, Some(server::apis::{name}::EXAMPLE_BODY))
        .await;
    assert!(reply.status < 300, "{{reply:?}}");
    assert_eq!(t.stored(&t.alice).1, 1);
}}
"#
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    const REGISTRY_TEXT: &str = "macro_rules! for_each_api {\n    ($then:ident) => {\n        $then! {\n            ctechnology Ctechnology,\n            zitadel Zitadel,\n        }\n    };\n}\n";

    #[test]
    fn the_registry_line_goes_at_the_end_of_the_list() {
        let updated =
            with_registry_line(REGISTRY_TEXT, "acme", "Acme").unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            registered_apis(&updated),
            [
                ("ctechnology", "Ctechnology"),
                ("zitadel", "Zitadel"),
                ("acme", "Acme")
            ]
            .map(|(m, v)| (m.to_string(), v.to_string()))
        );
    }

    #[test]
    fn names_are_cased_as_rust_wants_them() {
        assert_eq!(pascal_case("acme2"), "Acme2");
        assert_eq!(snake_case("updateMyEntry"), "update_my_entry");
        assert_eq!(
            snake_case("AuthService_UpdateMyProfile"),
            "auth_service_update_my_profile"
        );
        assert_eq!(type_name("Entry_update"), "EntryUpdate");
    }

    #[test]
    fn a_name_that_is_not_a_rust_identifier_is_refused() {
        let root = std::env::temp_dir();
        for name in ["Acme", "1acme", "ac-me", ""] {
            let Err(message) = plan(&root, name) else {
                panic!("{name} accepted");
            };
            assert!(
                message.contains("lower-case letters and digits"),
                "{message}"
            );
        }
    }
}
