//! What one API is, in one place: its [`Descriptor`].
//!
//! Everything that differs between APIs and is not a handler's own logic is
//! a field here: the default address, where the credential goes and what a
//! token looks like, the operation (method, path, media type), how an error
//! is rendered in the vendor's format, and the example request. The server
//! (storage names, authentication, the demo block, the CLI, the front's
//! own answers), `server describe` (which the fuzz command reads), the
//! bench and every test that loops over APIs derive from it, so a place
//! that does not know an API cannot fall back to a silent default.

use dropshot::{ApiDescription, StubContext};
use http::{HeaderMap, Method, StatusCode};
use serde::Serialize;

use super::ApiContext;
use crate::registry::Api;

/// An error answer in the API's own format: the media type and the body,
/// for a status and a human message.
pub type ErrorBody = fn(StatusCode, &str) -> (&'static str, Vec<u8>);

/// Where a request carries its credential.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "in", rename_all = "snake_case")]
pub enum CredentialPlace {
    /// `Authorization: <scheme> <token>`.
    Authorization { scheme: &'static str },
    /// The token alone in a header of its own.
    Header { name: &'static str },
}

/// How an API authenticates a request.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct Credentials {
    pub place: CredentialPlace,
    /// A second header naming the caller's tenant, which the key must belong
    /// to (CL2C's `tenant`).
    pub tenant_header: Option<&'static str>,
    /// What every token of this API starts with (`<prefix><key id>.<secret>`,
    /// see `auth.rs`): a token of one API is recognisably not another's.
    pub token_prefix: &'static str,
}

impl Credentials {
    /// The token a request presents, if it presents one in this API's place
    /// and form (sent once; see [`super::sent_once`]).
    pub fn presented<'h>(&self, headers: &'h HeaderMap) -> Option<&'h str> {
        match self.place {
            CredentialPlace::Authorization { scheme } => super::authorization(headers, scheme),
            CredentialPlace::Header { name } => super::header(headers, name),
        }
    }

    /// Every header a request needs for `token` (and `tenant`), as
    /// `(name, value)` pairs.
    pub fn headers(&self, token: &str, tenant: Option<&str>) -> Vec<(&'static str, String)> {
        let mut headers = Vec::with_capacity(2);
        headers.extend(self.tenant(tenant));
        headers.push(self.credential_header(token));
        headers
    }

    /// The header that carries `token`.
    pub fn credential_header(&self, token: &str) -> (&'static str, String) {
        match self.place {
            CredentialPlace::Authorization { scheme } => {
                ("Authorization", format!("{scheme} {token}"))
            }
            CredentialPlace::Header { name } => (name, token.to_string()),
        }
    }

    /// The header naming `tenant`, for an API with one.
    pub fn tenant(&self, tenant: Option<&str>) -> Option<(&'static str, String)> {
        Some((self.tenant_header?, tenant?.to_string()))
    }
}

/// The one operation an API has.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct Operation {
    pub operation_id: &'static str,
    /// The method, as the spec writes it (`PUT`).
    pub method: &'static str,
    /// The path template as the spec writes it; `{user_id}` is the caller's
    /// own user id (Ctrl-Hub).
    pub path: &'static str,
    /// The request's and the answer's media type.
    pub media_type: &'static str,
}

impl Operation {
    /// The method, for a client.
    pub fn method(&self) -> Result<Method, http::method::InvalidMethod> {
        Method::from_bytes(self.method.as_bytes())
    }

    /// The path for the user `user_id`.
    pub fn path_for(&self, user_id: &uuid::Uuid) -> String {
        self.path.replace("{user_id}", &user_id.to_string())
    }

    /// The path's parameters for the user `user_id`: the one a path here
    /// can have is `{user_id}`, the caller's own id.
    pub fn path_parameters(&self, user_id: &uuid::Uuid) -> Vec<(&'static str, String)> {
        if self.path.contains("{user_id}") {
            vec![("user_id", user_id.to_string())]
        } else {
            Vec::new()
        }
    }
}

/// What the server needs to know about one API.
#[derive(Serialize)]
pub struct Descriptor {
    pub api: Api,
    /// The vendor's name for people.
    pub title: &'static str,
    /// The default listen port (127.0.0.1).
    pub default_port: u16,
    pub credentials: Credentials,
    pub operation: Operation,
    /// The seed page's example request, made to succeed where the page's
    /// placeholders would not (each API's module says how). `{user_id}` is
    /// the caller's own user id.
    pub example_body: &'static str,
    /// The hand-written spec, served at `/openapi.json`.
    #[serde(skip)]
    pub spec_yaml: &'static str,
    /// An error in the API's format, for what the server answers outside
    /// the handlers (a 405, a 503 while stopping, a 408 for a body that does
    /// not arrive).
    #[serde(skip)]
    pub error_body: ErrorBody,
    /// The API with its implementation.
    #[serde(skip)]
    pub description: fn() -> Result<ApiDescription<ApiContext>, String>,
    /// The API without one: what `server openapi <api>` prints.
    #[serde(skip)]
    pub stub_description: fn() -> Result<ApiDescription<StubContext>, String>,
}

/// Everything a demo request needs: whose it is and the credential.
pub struct DemoCredentials {
    pub user_id: uuid::Uuid,
    pub token: String,
    /// The tenant, for an API with a tenant header.
    pub tenant: Option<String>,
}

impl Descriptor {
    /// The example body for the user `user_id`.
    pub fn example_body_for(&self, user_id: &uuid::Uuid) -> String {
        self.example_body.replace("{user_id}", &user_id.to_string())
    }

    /// A ready-to-paste curl line sending the example request.
    pub fn demo_curl(&self, base_url: &str, credentials: &DemoCredentials) -> String {
        let operation = &self.operation;
        let mut line = format!(
            "curl --request {} \\\n  --url {} \\\n  --header {}",
            operation.method,
            shell_quoted(&format!(
                "{base_url}{}",
                operation.path_for(&credentials.user_id)
            )),
            shell_quoted(&format!("Content-Type: {}", operation.media_type)),
        );
        for (name, value) in self
            .credentials
            .headers(&credentials.token, credentials.tenant.as_deref())
        {
            line.push_str(&format!(
                " \\\n  --header {}",
                shell_quoted(&format!("{name}: {value}"))
            ));
        }
        line.push_str(&format!(
            " \\\n  --data {}",
            shell_quoted(&self.example_body_for(&credentials.user_id))
        ));
        line
    }

    /// The `Allow` header of a 405 on `path`: the operation's method on the
    /// operation's path, `GET` on the spec and reference documents.
    pub fn allow(&self, path: &str) -> &'static str {
        if super::documents::is_document(path) {
            "GET"
        } else {
            self.operation.method
        }
    }
}

/// `value` as one single-quoted shell word.
fn shell_quoted(value: &str) -> String {
    format!("'{}'", value.replace('\'', r"'\''"))
}
