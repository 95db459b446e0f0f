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
