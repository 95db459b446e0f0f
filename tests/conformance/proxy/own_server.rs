//! The proxy in front of this project's own server: the seed requests and
//! each documented error of each API pass it without a violation. A
//! request outside the spec that the server refuses (a missing credential,
//! a body breaking its schema, a wrong method) is reported as *refused*,
//! not as a violation; the server's answer is still checked.

use profile_test_server::TestServer;
use serde_json::{Value, json};
use server::storage::Api;

use super::{Proxied, violations};
use crate::sdk_server::test_server::every_seed_request;

#[tokio::test]
async fn every_apis_seed_request_through_its_sdk_passes_the_proxy_without_a_finding() {
    let server = TestServer::start_all().unwrap_or_else(|e| panic!("{e}"));
    let mut proxies = Vec::new();
    for &api in Api::ALL {
        let upstream = server.base_url(api).unwrap_or_else(|e| panic!("{e}"));
        proxies.push((api, Proxied::start(api.name(), upstream, None).await));
    }
    every_seed_request(&server, |api| {
        proxies
            .iter()
            .find(|(a, _)| *a == api)
            .map(|(_, p)| p.url())
            .unwrap_or_else(|| panic!("no proxy for {}", api.name()))
    })
    .await;
    for (api, proxy) in &mut proxies {
        let (exchange, verdict) = proxy.next().await;
        assert_eq!(exchange.response.status, 200, "{}", api.name());
        assert!(
            verdict.findings.is_empty(),
            "{}: {:#?}",
            api.name(),
            verdict.findings
        );
    }
}

/// One request sent raw through the proxy, and the status the server must
/// answer it with.
struct Case {
    name: &'static str,
    method: String,
    path: String,
    headers: Vec<(&'static str, String)>,
    body: Vec<u8>,
    /// The status the vendor's API answers this with.
    status: u16,
    /// The request breaks the spec: the proxy reports it refused.
    outside_spec: bool,
}

/// How every case of one API is addressed: the operation's path for the
/// caller, the credential and media type headers, the seed body.
struct Request {
    method: String,
    path: String,
    media_type: &'static str,
    /// The tenant header, for an API with one.
    tenant: Option<(&'static str, String)>,
    token: String,
    credentials: server::apis::Credentials,
    seed: Value,
}

impl Request {
    fn of(api: Api, server: &TestServer) -> Request {
        let descriptor = api.descriptor();
        let operation = &descriptor.operation;
        let user = server.user_id();
        let seed = serde_json::from_str(&descriptor.example_body_for(&user))
            .unwrap_or_else(|e| panic!("{}: the example body: {e}", api.name()));
        Request {
            method: operation.method.to_string(),
            path: operation.path_for(&user),
            media_type: operation.media_type,
            tenant: descriptor.credentials.tenant(Some(server.tenant())),
            token: server
                .token(api)
                .unwrap_or_else(|e| panic!("{e}"))
                .to_string(),
            credentials: descriptor.credentials,
            seed,
        }
    }

    /// The headers of a request presenting `token`.
    fn with(&self, token: &str) -> Vec<(&'static str, String)> {
        let mut headers = self.without_credential();
        headers.push(self.credentials.credential_header(token));
        headers
    }

    /// The headers of a request presenting no credential (but its tenant).
    fn without_credential(&self) -> Vec<(&'static str, String)> {
        let mut headers = vec![
            ("Content-Type", self.media_type.to_string()),
            ("Accept", self.media_type.to_string()),
        ];
        headers.extend(self.tenant.clone());
        headers
    }

    /// `body` sent the operation's way with the caller's credential.
    fn case(&self, name: &'static str, body: Value, status: u16, outside_spec: bool) -> Case {
        Case {
            name,
            method: self.method.clone(),
            path: self.path.clone(),
            headers: self.with(&self.token),
            body: body.to_string().into_bytes(),
            status,
            outside_spec,
        }
    }

    /// The seed with `field` (a JSON pointer) set to `value`.
    fn seed_with(&self, field: &str, value: Value) -> Value {
        let mut body = self.seed.clone();
        match body.pointer_mut(field) {
            Some(slot) => *slot = value,
            None => panic!("the seed has no {field}: {}", self.seed),
        }
        body
    }
}

/// The statuses `api` answers a body in another media type and a body over
/// the size limit with: the server's own (415, 413) unless the vendor's
/// error model has no such status (ZITADEL's gRPC codes map both to 400;
/// CL2C documents a media type error as its 400 problem details).
fn refusal_statuses(api: Api) -> (u16, u16) {
    match api {
        Api::Zitadel => (400, 400),
        Api::Cl2c => (400, 413),
        _ => (415, 413),
    }
}

/// The cases every API has, from its descriptor: a wrong and a missing
/// credential, the body in another media type, malformed JSON, a body over
/// the server's 64 KiB limit and another method, all refused, and then the
/// seed, accepted. The refusals come first so that none of them can be
/// answered by a rule about the stored profile (ZITADEL's "not changed" is
/// a 400 too): a refusal the server failed to make would store the seed and
/// answer 200.
fn common_cases(api: Api, request: &Request) -> Vec<Case> {
    let (wrong_media_type, too_large_status) = refusal_statuses(api);
    let seed = request.seed.to_string().into_bytes();
    let other_method = if request.method == "PATCH" {
        "PUT"
    } else {
        "PATCH"
    };
    // The seed after 70 KiB of blank space is the same JSON value, so the
    // request is within the spec: only the server's size limit refuses it.
    let mut too_large = vec![b' '; 70 * 1024];
    too_large.extend_from_slice(&seed);
    // The mistake a caller makes: plain JSON to a JSON:API operation, and
    // text to a JSON one.
    let other_media_type = if request.media_type == "application/json" {
        "text/plain"
    } else {
        "application/json"
    };
    let mut in_another_media_type = request.with(&request.token);
    for (name, value) in &mut in_another_media_type {
        if *name == "Content-Type" {
            *value = other_media_type.to_string();
        }
    }
    let raw = |name, headers, body, status, outside_spec| Case {
        name,
        method: request.method.clone(),
        path: request.path.clone(),
        headers,
        body,
        status,
        outside_spec,
    };
    vec![
        raw(
            "wrong credential",
            request.with(&format!("{}0", request.token)),
            seed.clone(),
            401,
            false,
        ),
        raw(
            "no credential",
            request.without_credential(),
            seed.clone(),
            401,
            true,
        ),
        raw(
            "wrong media type",
            in_another_media_type,
            seed.clone(),
            wrong_media_type,
            true,
        ),
        raw(
            "malformed JSON",
            request.with(&request.token),
            b"{\"".to_vec(),
            400,
            true,
        ),
        raw(
            "too large",
            request.with(&request.token),
            too_large,
            too_large_status,
            false,
        ),
        Case {
            method: other_method.to_string(),
            ..raw(
                "wrong method",
                request.with(&request.token),
                seed,
                405,
                true,
            )
        },
        request.case("seed", request.seed.clone(), 200, false),
    ]
}

/// The documented errors only `api` has, sent after [`common_cases`] (so
/// the seed is already stored).
fn own_cases(api: Api, request: &Request) -> Vec<Case> {
    match api {
        Api::Zitadel => vec![
            request.case(
                "not changed (FAILED_PRECONDITION)",
                request.seed.clone(),
                400,
                false,
            ),
            request.case(
                "invalid argument",
                request.seed_with("/firstName", json!("")),
                400,
                true,
            ),
        ],
        Api::Exante => vec![
            request.case(
                "not an IANA time zone (x-rule)",
                json!({ "timezone": "Mars/Olympus" }),
                422,
                false,
            ),
            request.case(
                "not a member organisation (x-rule)",
                json!({ "default_organization": "3c90c3cc-0d44-4b50-8888-8dd25736052a" }),
                422,
                false,
            ),
            request.case(
                "firstname not alphabetic",
                json!({ "firstname": "J4ne" }),
                422,
                true,
            ),
        ],
        Api::Cl2c => {
            let mut another_tenant =
                request.case("another tenant", request.seed.clone(), 401, false);
            for (name, value) in &mut another_tenant.headers {
                if name.eq_ignore_ascii_case("tenant") {
                    *value = "another-tenant".to_string();
                }
            }
            vec![
                request.case(
                    "first name empty (problem details)",
                    request.seed_with("/firstName", json!("")),
                    400,
                    true,
                ),
                request.case(
                    "phone number not E.164 (x-rule)",
                    request.seed_with("/phoneNumber", json!("0123")),
                    400,
                    true,
                ),
                another_tenant,
            ]
        }
        Api::Ctechnology => vec![request.case(
            "measurement units not an enum value",
            json!({ "measurement_units": "furlongs" }),
            400,
            true,
        )],
        Api::Ctrlhub => {
            let other = uuid::Uuid::new_v4().to_string();
            let other_id = request.seed_with("/data/id", json!(other));
            vec![
                request.case(
                    "data.id is not the path's (x-rule)",
                    other_id.clone(),
                    409,
                    false,
                ),
                Case {
                    path: format!("/v3/users/{other}"),
                    ..request.case("an unknown user id", other_id, 404, false)
                },
                Case {
                    path: "/v3/users/not-a-uuid".to_string(),
                    ..request.case("path id not a UUID", request.seed.clone(), 400, true)
                },
            ]
        }
        // An API added by `cargo xtask new-api` has no cases of its own here
        // until its author writes them: the test says so, rather than
        // passing on the common cases alone.
        #[allow(unreachable_patterns)]
        other => panic!(
            "{other}: write its documented errors in own_cases \
             (tests/conformance/proxy/own_server.rs)"
        ),
    }
}

/// Sends every case of `api` through the proxy; what went wrong, each
/// failure named after its case: a status other than the case's, a refused
/// finding where none was due (or none where one was), a violation.
async fn documented_error_failures(api: Api) -> Vec<String> {
    let server = TestServer::start(api).unwrap_or_else(|e| panic!("{e}"));
    let upstream = server.base_url(api).unwrap_or_else(|e| panic!("{e}"));
    let mut proxy = Proxied::start(api.name(), upstream, None).await;
    let client = reqwest::Client::new();
    let mut failures = Vec::new();
    let request = Request::of(api, &server);
    let mut cases = common_cases(api, &request);
    cases.extend(own_cases(api, &request));
    for case in cases {
        let name = format!("{} {}", api.name(), case.name);
        let method =
            reqwest::Method::from_bytes(case.method.as_bytes()).unwrap_or_else(|e| panic!("{e}"));
        let mut sent = client.request(method, format!("{}{}", proxy.url(), case.path));
        for (header, value) in &case.headers {
            sent = sent.header(*header, value);
        }
        let response = sent
            .body(case.body.clone())
            .send()
            .await
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        let status = response.status().as_u16();
        let body = response.bytes().await.unwrap_or_default();
        let (exchange, verdict) = proxy.next().await;
        assert_eq!(exchange.response.body.0, body.to_vec(), "{name}");
        if status != case.status {
            failures.push(format!(
                "{name}: answered {status}, not {}: {}",
                case.status,
                String::from_utf8_lossy(&body)
            ));
        }
        let refused: Vec<String> = verdict
            .findings
            .iter()
            .filter(|f| f.refused)
            .map(ToString::to_string)
            .collect();
        if refused.is_empty() == case.outside_spec {
            failures.push(format!(
                "{name}: expected {} refused request finding, found {refused:#?}",
                if case.outside_spec { "a" } else { "no" }
            ));
        }
        let found = violations(&verdict);
        if !found.is_empty() {
            failures.push(format!("{name} ({status}):\n{found}"));
        }
    }
    failures
}

/// Every API in turn, each on a server of its own; the failures of all of
/// them are reported together, so one API's failure hides no other's.
#[tokio::test]
async fn every_apis_documented_errors_pass_the_proxy_without_a_violation() {
    let mut failures = Vec::new();
    for &api in Api::ALL {
        failures.extend(documented_error_failures(api).await);
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
