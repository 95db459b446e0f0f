//! Hostile clients, on every API alike: bodies with data after the JSON
//! document, bodies without a media type, duplicated credential headers, and
//! the malformed inputs an outside fuzzer found harmless, kept as
//! regressions. Each case asserts the status, that the body is in the API's
//! own error format, and that nothing was stored.

use reqwest::Method;
use serde_json::Value;
use server::storage::Api;

use crate::harness::{Reply, TestApi};

/// What the cases need to know about one API.
struct Target {
    api: Api,
    method: Method,
    /// The operation's path for the caller (Ctrl-Hub's holds the user id).
    path: fn(&TestApi) -> String,
    /// The media type the API reads.
    media_type: &'static str,
    /// A valid request body that sets a name field to `name` (letters only).
    body: fn(&TestApi, &str) -> String,
    /// The caller's credential headers, by name.
    credentials: fn(&TestApi) -> Vec<(&'static str, String)>,
    /// The API's error format for `reply`'s status.
    is_error_body: fn(&Reply) -> bool,
}

const APIS: [Api; 5] = [
    Api::Ctechnology,
    Api::Cl2c,
    Api::Exante,
    Api::Ctrlhub,
    Api::Zitadel,
];

fn target(api: Api) -> Target {
    match api {
        Api::Ctechnology => Target {
            api,
            method: Method::PUT,
            path: |_| "/api/v2.2/me".to_string(),
            media_type: "application/json",
            body: |_, name| format!(r#"{{"first_name":"{name}"}}"#),
            credentials: |t| vec![("authorization", format!("Token {}", t.token(&t.alice)))],
            is_error_body: |reply| {
                reply.content_type == "application/json"
                    && reply.body["header"]["status"] == "error"
                    && reply.body["header"]["message"].is_string()
            },
        },
        Api::Cl2c => Target {
            api,
            method: Method::PUT,
            path: |_| "/v1/cl2c/user".to_string(),
            media_type: "application/json",
            body: |_, name| format!(r#"{{"id":"string","firstName":"{name}"}}"#),
            credentials: |t| {
                vec![
                    ("tenant", t.alice.tenant.clone()),
                    ("X-API-Key", t.token(&t.alice)),
                ]
            },
            // Problem details for a body it cannot read (400), the default
            // error body otherwise.
            is_error_body: |reply| {
                let problem = reply.content_type == "application/problem+json"
                    && reply.body["status"] == reply.status
                    && reply.body["errors"].is_object();
                let default = reply.content_type == "application/json"
                    && reply.body["statusCode"] == reply.status
                    && reply.body["messages"].is_array();
                problem || default
            },
        },
        Api::Exante => Target {
            api,
            method: Method::PATCH,
            path: |_| "/api/user".to_string(),
            media_type: "application/json",
            body: |_, name| format!(r#"{{"firstname":"{name}"}}"#),
            credentials: |t| vec![("authorization", format!("Bearer {}", t.token(&t.alice)))],
            is_error_body: |reply| {
                reply.content_type == "application/json"
                    && reply.body["status"] == "error"
                    && reply.body["status_code"] == reply.status
                    && reply.body["message"].is_string()
            },
        },
        Api::Ctrlhub => Target {
            api,
            method: Method::PUT,
            path: |t| format!("/v3/users/{}", t.alice.user.id),
            media_type: "application/vnd.api+json",
            body: |t, name| {
                format!(
                    r#"{{"data":{{"id":"{}","type":"users","attributes":{{"profile":{{"personal":{{"first_name":"{name}"}}}}}}}}}}"#,
                    t.alice.user.id
                )
            },
            credentials: |t| vec![("x-session-token", t.token(&t.alice))],
            is_error_body: |reply| {
                reply.content_type == "application/vnd.api+json"
                    && reply.body["errors"][0]["status"].as_str()
                        == Some(reply.status.to_string().as_str())
            },
        },
        Api::Zitadel => Target {
            api,
            method: Method::PUT,
            path: |_| "/auth/v1/users/me/profile".to_string(),
            media_type: "application/json",
            body: |_, name| {
                format!(
                    r#"{{"firstName":"{name}","lastName":"Mouse","displayName":"{name} Mouse"}}"#
                )
            },
            credentials: |t| vec![("authorization", format!("Bearer {}", t.token(&t.alice)))],
            is_error_body: |reply| {
                reply.content_type == "application/json"
                    && reply.body["code"].is_i64()
                    && reply.body["message"].is_string()
            },
        },
    }
}

/// One running API and what the cases need to know about it.
struct Probe {
    t: TestApi,
    target: Target,
}

impl Probe {
    async fn start(api: Api) -> Probe {
        Probe {
            t: TestApi::start(api).await,
            target: target(api),
        }
    }

    fn body(&self, name: &str) -> String {
        (self.target.body)(&self.t, name)
    }

    /// Sends `body` with the caller's credentials, `extra` headers and, if
    /// given, `media_type` as the Content-Type.
    async fn send_with(
        &self,
        media_type: Option<&str>,
        extra: &[(&str, &str)],
        body: &str,
    ) -> Reply {
        let credentials = (self.target.credentials)(&self.t);
        let mut headers: Vec<(&str, &str)> = credentials
            .iter()
            .map(|(name, value)| (*name, value.as_str()))
            .collect();
        if let Some(media_type) = media_type {
            headers.push(("content-type", media_type));
        }
        headers.extend_from_slice(extra);
        let path = (self.target.path)(&self.t);
        self.t
            .send(self.target.method.clone(), &path, &headers, Some(body))
            .await
    }

    /// Sends `body` as the API's media type, with the caller's credentials.
    async fn send(&self, body: &str) -> Reply {
        self.send_with(Some(self.target.media_type), &[], body)
            .await
    }

    /// `reply` is `status` in the API's error format, and the caller's
    /// profile was not written.
    fn assert_refused(&self, reply: &Reply, statuses: &[u16], case: &str) {
        let api = self.target.api.name();
        assert!(
            statuses.contains(&reply.status),
            "{api}, {case}: expected one of {statuses:?}, got {reply:?}"
        );
        assert!(
            (self.target.is_error_body)(reply),
            "{api}, {case}: not the API's error format: {reply:?}"
        );
        assert_eq!(
            self.t.stored(&self.t.alice).1,
            0,
            "{api}, {case}: nothing may be stored"
        );
    }

    /// `reply` is a 200 and the profile was written once.
    fn assert_saved(&self, reply: &Reply, case: &str) {
        let api = self.target.api.name();
        assert_eq!(reply.status, 200, "{api}, {case}: {reply:?}");
        assert_eq!(self.t.stored(&self.t.alice).1, 1, "{api}, {case}");
    }
}

/// RFC 8259: a JSON text is one value, with optional whitespace around it.
/// A second document, other text or a NUL after the value is not JSON; taking
/// the first value would store what a gateway that reads the whole body
/// considers invalid.
#[tokio::test]
async fn data_after_the_json_body_is_refused_and_nothing_is_stored() {
    for api in APIS {
        let probe = Probe::start(api).await;
        let first = probe.body("First");
        let cases = [
            (
                "a second document",
                format!("{first}{}", probe.body("Second")),
            ),
            ("trailing text", format!("{first} garbage")),
            ("a trailing NUL", format!("{first}\0")),
            ("a second value after whitespace", format!("{first}\n1")),
        ];
        for (case, body) in cases {
            let reply = probe.send(&body).await;
            probe.assert_refused(&reply, &[400], case);
        }
    }
}

#[tokio::test]
async fn whitespace_after_the_json_body_is_valid() {
    for api in APIS {
        let probe = Probe::start(api).await;
        let body = format!("{} \r\n\t\n", probe.body("First"));
        let reply = probe.send(&body).await;
        probe.assert_saved(&reply, "trailing whitespace");
    }
}

/// A body without a Content-Type is a wrong media type, on every API: 415,
/// or 400 where the vendor's stack answers a wrong media type with 400
/// (CL2C's problem details, ZITADEL's INVALID_ARGUMENT).
#[tokio::test]
async fn a_body_without_a_content_type_is_refused_as_a_wrong_media_type() {
    for api in APIS {
        let probe = Probe::start(api).await;
        let wrong_media_type = match api {
            Api::Cl2c | Api::Zitadel => 400,
            _ => 415,
        };
        let reply = probe.send_with(None, &[], &probe.body("First")).await;
        probe.assert_refused(&reply, &[wrong_media_type], "no Content-Type");
        let reply = probe
            .send_with(Some("text/plain"), &[], &probe.body("First"))
            .await;
        probe.assert_refused(&reply, &[wrong_media_type], "text/plain");
    }
}

/// The credential headers of each API.
fn credential_header_names(api: Api) -> &'static [&'static str] {
    match api {
        Api::Cl2c => &["tenant", "X-API-Key"],
        Api::Ctrlhub => &["x-session-token"],
        _ => &["authorization"],
    }
}

/// Two copies of a credential header are refused, whichever copy is valid:
/// a gateway in front that reads the other copy would otherwise disagree
/// with the server on who is calling.
#[tokio::test]
async fn a_duplicated_credential_header_is_refused() {
    for api in APIS {
        let probe = Probe::start(api).await;
        let credentials = (probe.target.credentials)(&probe.t);
        for name in credential_header_names(api) {
            let Some((_, valid)) = credentials
                .iter()
                .find(|(n, _)| n.eq_ignore_ascii_case(name))
            else {
                panic!("{}: no {name} credential", api.name());
            };
            // The valid copy twice, then with another user's value before and after.
            let other = match (api, *name) {
                (Api::Cl2c, "tenant") => probe.t.bob.tenant.clone(),
                (Api::Ctechnology, _) => format!("Token {}", probe.t.token(&probe.t.bob)),
                (Api::Exante | Api::Zitadel, _) => {
                    format!("Bearer {}", probe.t.token(&probe.t.bob))
                }
                _ => probe.t.token(&probe.t.bob),
            };
            for extra in [valid.as_str(), other.as_str()] {
                let reply = probe
                    .send_with(
                        Some(probe.target.media_type),
                        &[(name, extra)],
                        &probe.body("First"),
                    )
                    .await;
                probe.assert_refused(&reply, &[400, 401], &format!("two {name} headers"));
            }
            assert_eq!(probe.t.stored(&probe.t.bob).1, 0, "{}: bob", api.name());
        }
    }
}

/// The probe itself is sound: the caller's own credentials and body are
/// accepted, so every refusal above is about the one thing each case
/// changes.
#[tokio::test]
async fn the_probe_request_is_accepted_on_every_api() {
    for api in APIS {
        let probe = Probe::start(api).await;
        let reply = probe.send(&probe.body("First")).await;
        probe.assert_saved(&reply, "the probe request");
        assert!(matches!(reply.body, Value::Object(_)), "{reply:?}");
    }
}

impl Probe {
    /// Sends raw `body` bytes as the API's media type.
    async fn send_bytes(&self, body: Vec<u8>) -> Reply {
        let credentials = (self.target.credentials)(&self.t);
        let mut headers: Vec<(&str, &str)> = credentials
            .iter()
            .map(|(name, value)| (*name, value.as_str()))
            .collect();
        headers.push(("content-type", self.target.media_type));
        let path = (self.target.path)(&self.t);
        self.t
            .send_bytes(self.target.method.clone(), &path, &headers, Some(body))
            .await
    }

    /// The probe body with `member` (raw JSON text) added as its first
    /// member: an unknown member, or the kept value it names.
    fn body_with(&self, member: &str) -> String {
        let body = self.body("First");
        format!("{{{member},{}", &body[1..])
    }
}

/// Bodies that are not one well-formed JSON text: 400 on every API.
#[tokio::test]
async fn malformed_bodies_are_refused_and_nothing_is_stored() {
    let deep = format!("{}{}", "[".repeat(10_000), "]".repeat(10_000));
    for api in APIS {
        let probe = Probe::start(api).await;
        let whole = probe.body("First");
        let mut cases: Vec<(&str, Vec<u8>)> = vec![
            (
                "a truncated body",
                whole.as_bytes()[..whole.len() / 2].to_vec(),
            ),
            ("an empty body", Vec::new()),
            (
                "a NUL inside a string",
                whole.replacen("First", "Fi\0rst", 1).into_bytes(),
            ),
            (
                "a lone surrogate",
                whole.replacen("First", "Fi\\ud800rst", 1).into_bytes(),
            ),
            (
                "deep nesting in an unknown member",
                probe
                    .body_with(&format!(r#""unknown":{deep}"#))
                    .into_bytes(),
            ),
        ];
        let mut invalid_utf8 = whole.clone().into_bytes();
        let at = whole.find("First").unwrap_or(0) + 2;
        invalid_utf8.splice(at..at, [0xff, 0xfe]);
        cases.push(("invalid UTF-8", invalid_utf8));
        let mut overlong = whole.clone().into_bytes();
        // An overlong encoding of '/' (0x2F).
        overlong.splice(at..at, [0xc0, 0xaf]);
        cases.push(("overlong UTF-8", overlong));
        for (case, body) in cases {
            let reply = probe.send_bytes(body).await;
            probe.assert_refused(&reply, &[400], case);
        }
    }
}

/// Deep nesting inside a value the API keeps (Exante's free-form
/// `settings`, Ctrl-Hub's document) is refused like any malformed body.
#[tokio::test]
async fn deep_nesting_inside_a_kept_value_is_refused() {
    let deep = format!("{}{}", "{\"a\":".repeat(10_000), "}".repeat(10_000));
    let probe = Probe::start(Api::Exante).await;
    let reply = probe
        .send(&probe.body_with(&format!(r#""settings":{deep}"#)))
        .await;
    probe.assert_refused(&reply, &[400], "deep settings");
    let probe = Probe::start(Api::Ctrlhub).await;
    let body = probe.body("First").replacen("\"First\"", &deep, 1);
    let reply = probe.send(&body).await;
    probe.assert_refused(&reply, &[400], "deep first_name");
}

/// RFC 8259 leaves a repeated member's meaning to the reader, and readers
/// differ (first or last); so no API reads one.
#[tokio::test]
async fn a_member_named_twice_is_refused_on_every_api() {
    for api in APIS {
        let probe = Probe::start(api).await;
        let body = probe.body("First");
        // The body's first member, repeated with another value.
        let first_member = &body[1..body.find(',').unwrap_or(body.len() - 1)];
        let repeated = format!("{{{first_member},{}", &body[1..]);
        let reply = probe.send(&repeated).await;
        probe.assert_refused(&reply, &[400], "a repeated member");
    }
}

/// A body far over the limit (10 MB), with a declared length and without:
/// refused as too large (ZITADEL: 400 INVALID_ARGUMENT, as its gateway).
#[tokio::test]
async fn a_10_mb_body_is_refused_with_and_without_a_length() {
    for api in APIS {
        let probe = Probe::start(api).await;
        let too_large = match api {
            Api::Zitadel => 400,
            _ => 413,
        };
        let huge = probe.body_with(&format!(r#""unknown":"{}""#, "x".repeat(10 << 20)));
        let reply = probe.send(&huge).await;
        probe.assert_refused(&reply, &[too_large], "10 MB with a length");
        let credentials = (probe.target.credentials)(&probe.t);
        let mut headers: Vec<(&str, &str)> = credentials
            .iter()
            .map(|(name, value)| (*name, value.as_str()))
            .collect();
        headers.push(("content-type", probe.target.media_type));
        let path = (probe.target.path)(&probe.t);
        let reply = probe
            .t
            .send_chunked(probe.target.method.clone(), &path, &headers, &huge)
            .await;
        probe.assert_refused(&reply, &[too_large], "10 MB without a length");
    }
}

/// Every credential header, damaged in every way a client or an attacker
/// can damage it: refused (401, or 400 where the API says the header is
/// malformed), in the API's format, nothing stored.
#[tokio::test]
async fn a_damaged_credential_is_refused() {
    let long = "k".repeat(64 * 1024);
    for api in APIS {
        let probe = Probe::start(api).await;
        let credentials = (probe.target.credentials)(&probe.t);
        // Another API's credential, for the same user.
        let foreign_api = if api == Api::Exante {
            Api::Zitadel
        } else {
            Api::Exante
        };
        let foreign = probe
            .t
            .alice
            .tokens
            .iter()
            .find(|(a, _)| *a == foreign_api)
            .map(|(_, token)| token.clone())
            .unwrap_or_else(|| panic!("no {} token", foreign_api.name()));
        for (name, valid) in &credentials {
            let scheme = valid
                .split_once(' ')
                .map(|(scheme, _)| format!("{scheme} "))
                .unwrap_or_default();
            let truncated = &valid[..valid.len() - 1];
            let damaged = [
                ("empty", String::new()),
                ("whitespace only", "   ".to_string()),
                ("truncated", truncated.to_string()),
                ("64 KiB long", format!("{scheme}{long}")),
                ("another API's", format!("{scheme}{foreign}")),
            ];
            for (case, value) in damaged {
                // CL2C's tenant is a name, not a secret: another API's key
                // or a long name is just an unknown tenant.
                let mut headers: Vec<(&str, &str)> = credentials
                    .iter()
                    .filter(|(n, _)| n != name)
                    .map(|(n, v)| (*n, v.as_str()))
                    .collect();
                headers.push((name, value.as_str()));
                headers.push(("content-type", probe.target.media_type));
                let path = (probe.target.path)(&probe.t);
                let reply = probe
                    .t
                    .send(
                        probe.target.method.clone(),
                        &path,
                        &headers,
                        Some(&probe.body("First")),
                    )
                    .await;
                probe.assert_refused(&reply, &[400, 401], &format!("{name}: {case}"));
            }
        }
    }
}

/// A method no endpoint of the path serves (TRACE; OPTIONS outside
/// c.technology, which serves it) is a 405 in the API's format whose
/// `Allow` names the operation's method only (found by Schemathesis:
/// dropshot's router answered in its own shape and listed every stub's
/// method).
#[tokio::test]
async fn a_method_no_endpoint_serves_is_a_405_in_the_apis_format() {
    for api in APIS {
        let probe = Probe::start(api).await;
        let methods: &[&str] = match api {
            Api::Ctechnology => &["TRACE"],
            _ => &["TRACE", "OPTIONS"],
        };
        let path = (probe.target.path)(&probe.t);
        for method in methods {
            let method = Method::from_bytes(method.as_bytes()).unwrap_or_else(|e| panic!("{e}"));
            let reply = probe.t.send(method.clone(), &path, &[], None).await;
            probe.assert_refused(&reply, &[405], method.as_str());
            assert_eq!(
                reply.allow.as_deref(),
                Some(probe.target.method.as_str()),
                "{}: {reply:?}",
                api.name()
            );
        }
    }
}
