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
    method: &'static str,
    path: String,
    headers: Vec<(&'static str, String)>,
    body: Vec<u8>,
    status: u16,
    /// The request breaks the spec: the proxy reports it refused.
    outside_spec: bool,
}

/// The spec's request example for `api` (the seed).
fn example(api: Api, pointer: &str) -> Value {
    let root = xtask::workspace_root().unwrap_or_else(|e| panic!("{e}"));
    let checker =
        xtask::exchange_check::Checker::load(&root, api.name()).unwrap_or_else(|e| panic!("{e}"));
    checker
        .spec()
        .doc
        .pointer(pointer)
        .cloned()
        .unwrap_or_else(|| panic!("{}: no {pointer}", api.name()))
}

/// A body over the server's 64 KiB limit, in `field`.
fn too_large(field: &str) -> Vec<u8> {
    json!({ field: "a".repeat(70 * 1024) })
        .to_string()
        .into_bytes()
}

/// Every case of `api`: the seed (accepted), then each documented error,
/// each with the credential `credential` gives, unless the case is about
/// credentials.
fn cases(api: Api, server: &TestServer) -> Vec<Case> {
    let token = server
        .token(api)
        .unwrap_or_else(|e| panic!("{e}"))
        .to_string();
    let wrong = format!("{token}0");
    let json = |value: Value| value.to_string().into_bytes();
    let case = |name,
                method,
                path: &str,
                headers: Vec<(&'static str, String)>,
                body,
                status,
                outside_spec| Case {
        name,
        method,
        path: path.to_string(),
        headers,
        body,
        status,
        outside_spec,
    };
    match api {
        Api::Zitadel => {
            let path = "/auth/v1/users/me/profile";
            let seed = example(
                api,
                "/paths/~1auth~1v1~1users~1me~1profile/put/requestBody/content/application~1json/example",
            );
            let with = |token: &str| {
                vec![
                    ("Authorization", format!("Bearer {token}")),
                    ("Content-Type", "application/json".to_string()),
                ]
            };
            let mut empty_name = seed.clone();
            empty_name["firstName"] = json!("");
            vec![
                case(
                    "seed",
                    "PUT",
                    path,
                    with(&token),
                    json(seed.clone()),
                    200,
                    false,
                ),
                case(
                    "not changed (FAILED_PRECONDITION)",
                    "PUT",
                    path,
                    with(&token),
                    json(seed.clone()),
                    400,
                    false,
                ),
                case(
                    "invalid argument",
                    "PUT",
                    path,
                    with(&token),
                    json(empty_name),
                    400,
                    true,
                ),
                case(
                    "wrong token",
                    "PUT",
                    path,
                    with(&wrong),
                    json(seed.clone()),
                    401,
                    false,
                ),
                case(
                    "no token",
                    "PUT",
                    path,
                    vec![("Content-Type", "application/json".into())],
                    json(seed.clone()),
                    401,
                    true,
                ),
                case(
                    "wrong media type",
                    "PUT",
                    path,
                    vec![
                        ("Authorization", format!("Bearer {token}")),
                        ("Content-Type", "text/plain".into()),
                    ],
                    json(seed.clone()),
                    400,
                    true,
                ),
                case(
                    "malformed JSON",
                    "PUT",
                    path,
                    with(&token),
                    b"{\"firstName\":".to_vec(),
                    400,
                    true,
                ),
                case(
                    "too large",
                    "PUT",
                    path,
                    with(&token),
                    too_large("firstName"),
                    400,
                    true,
                ),
                case(
                    "wrong method",
                    "PATCH",
                    path,
                    with(&token),
                    json(seed),
                    405,
                    true,
                ),
            ]
        }
        Api::Exante => {
            let path = "/api/user";
            let mut seed = example(
                api,
                "/paths/~1api~1user/patch/requestBody/content/application~1json/example",
            );
            // The example's organisation is nobody's on this server.
            if let Some(seed) = seed.as_object_mut() {
                seed.remove("default_organization");
            }
            let with = |token: &str| {
                vec![
                    ("Authorization", format!("Bearer {token}")),
                    ("Content-Type", "application/json".to_string()),
                ]
            };
            vec![
                case(
                    "seed",
                    "PATCH",
                    path,
                    with(&token),
                    json(seed.clone()),
                    200,
                    false,
                ),
                case(
                    "not an IANA time zone (x-rule)",
                    "PATCH",
                    path,
                    with(&token),
                    json(json!({ "timezone": "Mars/Olympus" })),
                    422,
                    false,
                ),
                case(
                    "not a member organisation (x-rule)",
                    "PATCH",
                    path,
                    with(&token),
                    json(json!({ "default_organization": "3c90c3cc-0d44-4b50-8888-8dd25736052a" })),
                    422,
                    false,
                ),
                case(
                    "firstname not alphabetic",
                    "PATCH",
                    path,
                    with(&token),
                    json(json!({ "firstname": "J4ne" })),
                    422,
                    true,
                ),
                case(
                    "wrong token",
                    "PATCH",
                    path,
                    with(&wrong),
                    json(seed.clone()),
                    401,
                    false,
                ),
                case(
                    "no token",
                    "PATCH",
                    path,
                    vec![("Content-Type", "application/json".into())],
                    json(seed.clone()),
                    401,
                    true,
                ),
                case(
                    "wrong media type",
                    "PATCH",
                    path,
                    vec![
                        ("Authorization", format!("Bearer {token}")),
                        ("Content-Type", "text/plain".into()),
                    ],
                    json(seed.clone()),
                    415,
                    true,
                ),
                case(
                    "malformed JSON",
                    "PATCH",
                    path,
                    with(&token),
                    b"{\"firstname\":".to_vec(),
                    400,
                    true,
                ),
                case(
                    "too large",
                    "PATCH",
                    path,
                    with(&token),
                    too_large("firstname"),
                    413,
                    true,
                ),
                case(
                    "wrong method",
                    "PUT",
                    path,
                    with(&token),
                    json(seed),
                    405,
                    true,
                ),
            ]
        }
        Api::Cl2c => {
            let path = "/v1/cl2c/user";
            let seed = example(
                api,
                "/paths/~1v1~1cl2c~1user/put/requestBody/content/application~1json/examples/example-request-body/value",
            );
            let tenant = server.tenant().to_string();
            let with = |tenant: &str, key: &str| {
                vec![
                    ("tenant", tenant.to_string()),
                    ("X-API-Key", key.to_string()),
                    ("Content-Type", "application/json".to_string()),
                ]
            };
            let mut empty_name = seed.clone();
            empty_name["firstName"] = json!("");
            let mut bad_phone = seed.clone();
            bad_phone["phoneNumber"] = json!("0123");
            vec![
                case(
                    "seed",
                    "PUT",
                    path,
                    with(&tenant, &token),
                    json(seed.clone()),
                    200,
                    false,
                ),
                case(
                    "first name empty (problem details)",
                    "PUT",
                    path,
                    with(&tenant, &token),
                    json(empty_name),
                    400,
                    true,
                ),
                case(
                    "phone number not E.164 (x-rule)",
                    "PUT",
                    path,
                    with(&tenant, &token),
                    json(bad_phone),
                    400,
                    true,
                ),
                case(
                    "wrong key",
                    "PUT",
                    path,
                    with(&tenant, &wrong),
                    json(seed.clone()),
                    401,
                    false,
                ),
                case(
                    "another tenant",
                    "PUT",
                    path,
                    with("another-tenant", &token),
                    json(seed.clone()),
                    401,
                    false,
                ),
                case(
                    "no key",
                    "PUT",
                    path,
                    vec![
                        ("tenant", tenant.clone()),
                        ("Content-Type", "application/json".into()),
                    ],
                    json(seed.clone()),
                    401,
                    true,
                ),
                case(
                    "wrong media type",
                    "PUT",
                    path,
                    vec![
                        ("tenant", tenant.clone()),
                        ("X-API-Key", token.clone()),
                        ("Content-Type", "text/plain".into()),
                    ],
                    json(seed.clone()),
                    400,
                    true,
                ),
                case(
                    "malformed JSON",
                    "PUT",
                    path,
                    with(&tenant, &token),
                    b"{\"firstName\":".to_vec(),
                    400,
                    true,
                ),
                case(
                    "too large",
                    "PUT",
                    path,
                    with(&tenant, &token),
                    too_large("firstName"),
                    413,
                    // Within the spec (no maxLength): refused by the server's 64 KiB limit.
                    false,
                ),
                case(
                    "wrong method",
                    "PATCH",
                    path,
                    with(&tenant, &token),
                    json(seed),
                    405,
                    true,
                ),
            ]
        }
        Api::Ctechnology => {
            let path = "/api/v2.2/me";
            let seed = example(
                api,
                "/paths/~1api~1v2.2~1me/put/requestBody/content/application~1json/example",
            );
            let with = |token: &str| {
                vec![
                    ("Authorization", format!("Token {token}")),
                    ("Content-Type", "application/json".to_string()),
                ]
            };
            vec![
                case(
                    "seed",
                    "PUT",
                    path,
                    with(&token),
                    json(seed.clone()),
                    200,
                    false,
                ),
                case(
                    "measurement units not an enum value",
                    "PUT",
                    path,
                    with(&token),
                    json(json!({ "measurement_units": "furlongs" })),
                    400,
                    true,
                ),
                case(
                    "wrong key",
                    "PUT",
                    path,
                    with(&wrong),
                    json(seed.clone()),
                    401,
                    false,
                ),
                case(
                    "no key",
                    "PUT",
                    path,
                    vec![("Content-Type", "application/json".into())],
                    json(seed.clone()),
                    401,
                    true,
                ),
                case(
                    "wrong media type",
                    "PUT",
                    path,
                    vec![
                        ("Authorization", format!("Token {token}")),
                        ("Content-Type", "text/plain".into()),
                    ],
                    json(seed.clone()),
                    415,
                    true,
                ),
                case(
                    "malformed JSON",
                    "PUT",
                    path,
                    with(&token),
                    b"{\"first_name\":".to_vec(),
                    400,
                    true,
                ),
                case(
                    "too large",
                    "PUT",
                    path,
                    with(&token),
                    too_large("first_name"),
                    413,
                    // Within the spec (no maxLength): refused by the server's 64 KiB limit.
                    false,
                ),
                case(
                    "wrong method",
                    "PATCH",
                    path,
                    with(&token),
                    json(seed),
                    405,
                    true,
                ),
            ]
        }
        Api::Ctrlhub => {
            let user = server.user_id();
            let path = format!("/v3/users/{user}");
            let media = "application/vnd.api+json";
            let mut seed = example(
                api,
                "/paths/~1v3~1users~1{user_id}/put/requestBody/content/application~1vnd.api+json/example",
            );
            seed["data"]["id"] = json!(user.to_string());
            let with = |token: &str| {
                vec![
                    ("X-Session-Token", token.to_string()),
                    ("Content-Type", media.to_string()),
                    ("Accept", media.to_string()),
                ]
            };
            let other = uuid::Uuid::new_v4();
            let mut other_id = seed.clone();
            other_id["data"]["id"] = json!(other.to_string());
            let mut unknown = seed.clone();
            unknown["data"]["id"] = json!(other.to_string());
            vec![
                case(
                    "seed",
                    "PUT",
                    &path,
                    with(&token),
                    json(seed.clone()),
                    200,
                    false,
                ),
                case(
                    "data.id is not the path's (x-rule)",
                    "PUT",
                    &path,
                    with(&token),
                    json(other_id),
                    409,
                    false,
                ),
                case(
                    "an unknown user id",
                    "PUT",
                    &format!("/v3/users/{other}"),
                    with(&token),
                    json(unknown),
                    404,
                    false,
                ),
                case(
                    "path id not a UUID",
                    "PUT",
                    "/v3/users/not-a-uuid",
                    with(&token),
                    json(seed.clone()),
                    400,
                    true,
                ),
                case(
                    "wrong token",
                    "PUT",
                    &path,
                    with(&wrong),
                    json(seed.clone()),
                    401,
                    false,
                ),
                case(
                    "no token",
                    "PUT",
                    &path,
                    vec![("Content-Type", media.into())],
                    json(seed.clone()),
                    401,
                    true,
                ),
                case(
                    "wrong media type",
                    "PUT",
                    &path,
                    vec![
                        ("X-Session-Token", token.clone()),
                        ("Content-Type", "application/json".into()),
                    ],
                    json(seed.clone()),
                    415,
                    true,
                ),
                case(
                    "malformed JSON",
                    "PUT",
                    &path,
                    with(&token),
                    b"{\"data\":".to_vec(),
                    400,
                    true,
                ),
                case(
                    "too large",
                    "PUT",
                    &path,
                    with(&token),
                    too_large("data"),
                    413,
                    true,
                ),
                case(
                    "wrong method",
                    "PATCH",
                    &path,
                    with(&token),
                    json(seed),
                    405,
                    true,
                ),
            ]
        }
    }
}

/// Sends every case of `api` through the proxy: each gets its status, and
/// no exchange has a violation.
async fn every_documented_error_passes_without_a_violation(api: Api) {
    let server = TestServer::start(api).unwrap_or_else(|e| panic!("{e}"));
    let upstream = server.base_url(api).unwrap_or_else(|e| panic!("{e}"));
    let mut proxy = Proxied::start(api.name(), upstream, None).await;
    let client = reqwest::Client::new();
    let mut failures = Vec::new();
    for case in cases(api, &server) {
        let method =
            reqwest::Method::from_bytes(case.method.as_bytes()).unwrap_or_else(|e| panic!("{e}"));
        let mut request = client.request(method, format!("{}{}", proxy.url(), case.path));
        for (name, value) in &case.headers {
            request = request.header(*name, value);
        }
        let response = request
            .body(case.body.clone())
            .send()
            .await
            .unwrap_or_else(|e| panic!("{}: {e}", case.name));
        let status = response.status().as_u16();
        let body = response.bytes().await.unwrap_or_default();
        let (exchange, verdict) = proxy.next().await;
        assert_eq!(exchange.response.body.0, body.to_vec(), "{}", case.name);
        if status != case.status {
            failures.push(format!(
                "{}: answered {status}, not {}: {}",
                case.name,
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
                "{}: expected {} refused request finding, found {refused:#?}",
                case.name,
                if case.outside_spec { "a" } else { "no" }
            ));
        }
        let found = violations(&verdict);
        if !found.is_empty() {
            failures.push(format!("{} ({status}):\n{found}", case.name));
        }
    }
    assert!(
        failures.is_empty(),
        "{}:\n{}",
        api.name(),
        failures.join("\n")
    );
}

#[tokio::test]
async fn zitadels_documented_errors_pass_the_proxy_without_a_violation() {
    every_documented_error_passes_without_a_violation(Api::Zitadel).await;
}

#[tokio::test]
async fn exantes_documented_errors_pass_the_proxy_without_a_violation() {
    every_documented_error_passes_without_a_violation(Api::Exante).await;
}

#[tokio::test]
async fn cl2cs_documented_errors_pass_the_proxy_without_a_violation() {
    every_documented_error_passes_without_a_violation(Api::Cl2c).await;
}

#[tokio::test]
async fn ctechnologys_documented_errors_pass_the_proxy_without_a_violation() {
    every_documented_error_passes_without_a_violation(Api::Ctechnology).await;
}

#[tokio::test]
async fn ctrlhubs_documented_errors_pass_the_proxy_without_a_violation() {
    every_documented_error_passes_without_a_violation(Api::Ctrlhub).await;
}
