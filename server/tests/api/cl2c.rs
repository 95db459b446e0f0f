//! CL2C: `PUT /v1/cl2c/user` with `tenant` + `X-API-Key` headers; 400s as
//! RFC 7807 problem details, every other error status the default body.

use crate::harness::ApiProfile;
use reqwest::Method;
use serde_json::{Value, json};
use server::identity::NewUser;
use server::storage::Api;

use crate::harness::{Reply, TestApi};

/// What the tests that loop over every API need to know about CL2C.
pub static PROFILE: ApiProfile = ApiProfile {
    named_body: |_, name| format!(r#"{{"id":"string","firstName":"{name}"}}"#),
    // Problem details for a body it cannot read (400), the default error
    // body otherwise.
    is_error_body: |reply| {
        let problem = reply.content_type == "application/problem+json"
            && reply.body["status"] == reply.status
            && reply.body["errors"].is_object();
        let default = reply.content_type == "application/json"
            && reply.body["statusCode"] == reply.status
            && reply.body["messages"].is_array();
        problem || default
    },
    wrong_media_type: 400,
    too_large: 413,
    concurrent_change: |_, _, value, _| json!({ "firstName": value }),
};

const PATH: &str = "/v1/cl2c/user";

/// The vendor page's example request body.
fn seed() -> Value {
    json!({
        "id": "string",
        "firstName": "John",
        "lastName": "Doe",
        "phoneNumber": "+1234567890",
        "pushToken": "push_token_example"
    })
}

fn with(field: &str, value: Value) -> Value {
    let mut body = seed();
    body[field] = value;
    body
}

fn without(field: &str) -> Value {
    let mut body = seed();
    body.as_object_mut().map(|b| b.remove(field));
    body
}

/// Sends a raw body with the given tenant and key (either may be left out).
async fn put_raw(
    t: &TestApi,
    tenant: Option<&str>,
    key: Option<&str>,
    content_type: &str,
    body: &str,
) -> Reply {
    let mut headers = vec![("content-type", content_type)];
    if let Some(tenant) = tenant {
        headers.push(("tenant", tenant));
    }
    if let Some(key) = key {
        headers.push(("X-API-Key", key));
    }
    t.send(Method::PUT, PATH, &headers, Some(body)).await
}

/// `user`'s own key and tenant.
async fn put_as(t: &TestApi, user: &NewUser, body: &Value) -> Reply {
    let key = t.token(user);
    put_raw(
        t,
        Some(&user.tenant),
        Some(&key),
        "application/json",
        &body.to_string(),
    )
    .await
}

async fn put(t: &TestApi, body: &Value) -> Reply {
    put_as(t, &t.alice, body).await
}

/// A validation failure: 400 problem details as application/problem+json,
/// naming exactly `fields`, and nothing stored.
fn assert_problem(t: &TestApi, reply: &Reply, fields: &[&str]) {
    assert_eq!(reply.status, 400, "{reply:?}");
    assert_eq!(reply.content_type, "application/problem+json", "{reply:?}");
    let body = &reply.body;
    assert_eq!(body["status"], 400, "{reply:?}");
    assert_eq!(
        body["type"],
        "https://tools.ietf.org/html/rfc9110#section-15.5.1"
    );
    assert_eq!(body["title"], "One or more validation errors occurred.");
    assert!(body["detail"].is_string(), "{reply:?}");
    assert!(
        body["instance"]
            .as_str()
            .is_some_and(|i| i.starts_with("urn:uuid:")),
        "{reply:?}"
    );
    let mut named: Vec<&str> = body["errors"]
        .as_object()
        .unwrap_or_else(|| panic!("errors is not a map: {reply:?}"))
        .keys()
        .map(String::as_str)
        .collect();
    named.sort_unstable();
    assert_eq!(named, fields, "{reply:?}");
    assert_eq!(t.stored(&t.alice).1, 0, "nothing may be stored");
}

/// Any other error: the default body as application/json, with `status`.
fn assert_default_error(reply: &Reply, status: u16) {
    assert_eq!(reply.status, status, "{reply:?}");
    assert_eq!(reply.content_type, "application/json", "{reply:?}");
    let body = &reply.body;
    assert_eq!(body["statusCode"], status, "{reply:?}");
    assert!(
        body["messages"]
            .as_array()
            .is_some_and(|m| !m.is_empty() && m.iter().all(Value::is_string)),
        "{reply:?}"
    );
    assert!(
        matches!(body["source"].as_str(), Some("API Gateway" | "CL2C")),
        "{reply:?}"
    );
    assert!(body["exception"].is_string(), "{reply:?}");
    assert_eq!(
        body["supportMessage"],
        "Please contact support with this error ID."
    );
    let id = body["errorId"].as_str().unwrap_or_default();
    assert!(uuid::Uuid::parse_str(id).is_ok(), "{reply:?}");
    assert!(body.get("errors").is_none(), "{reply:?}");
}

fn assert_unauthorized(t: &TestApi, reply: &Reply) {
    assert_default_error(reply, 401);
    assert_eq!(
        reply.body["messages"],
        json!(["The tenant or API key is missing or invalid."])
    );
    assert_eq!(reply.body["source"], "API Gateway");
    assert_eq!(t.stored(&t.alice).1, 0, "nothing may be stored");
    assert_eq!(t.stored(&t.bob).1, 0, "nothing may be stored");
}

async fn assert_accepted(t: &TestApi, body: Value) {
    let reply = put(t, &body).await;
    assert_eq!(reply.status, 200, "{reply:?}");
}

#[tokio::test]
async fn the_seed_request_updates_the_profile_and_answers_from_storage() {
    let t = TestApi::start(Api::Cl2c).await;
    let reply = put(&t, &seed()).await;
    assert_eq!(reply.status, 200, "{reply:?}");
    assert_eq!(reply.content_type, "application/json");

    let (stored, sequence) = t.stored(&t.alice);
    assert_eq!(sequence, 1);
    // The four editable fields are stored; the body's `id` is not.
    assert_eq!(
        stored,
        json!({
            "firstName": "John",
            "lastName": "Doe",
            "phoneNumber": "+1234567890",
            "pushToken": "push_token_example"
        })
    );
    let user = &t.alice.user;
    assert_eq!(
        reply.body,
        json!({
            "id": user.id.to_string(),
            "userName": user.username,
            "firstName": stored["firstName"],
            "lastName": stored["lastName"],
            "email": user.email,
            "emailConfirmed": user.email_confirmed,
            "authenticated": true,
            "phoneNumber": stored["phoneNumber"]
        }),
        "pushToken is not in the answer; authValidUpto, authLocation and \
         walletAddress are absent, never null"
    );
}

#[tokio::test]
async fn the_body_id_is_ignored_the_key_selects_the_user() {
    let t = TestApi::start(Api::Cl2c).await;
    let reply = put(&t, &with("id", json!(t.bob.user.id.to_string()))).await;
    assert_eq!(reply.status, 200, "{reply:?}");
    assert_eq!(reply.body["id"], t.alice.user.id.to_string());
    assert_eq!(t.stored(&t.alice).1, 1);
    assert_eq!(t.stored(&t.bob).1, 0);
}

#[tokio::test]
async fn put_clears_the_optional_fields_it_leaves_out() {
    let t = TestApi::start(Api::Cl2c).await;
    put(&t, &seed()).await;
    let reply = put(&t, &json!({ "firstName": "Jane" })).await;
    assert_eq!(reply.status, 200, "{reply:?}");
    let (stored, sequence) = t.stored(&t.alice);
    assert_eq!((stored, sequence), (json!({ "firstName": "Jane" }), 2));
    for field in ["lastName", "phoneNumber"] {
        assert!(reply.body.get(field).is_none(), "{field}: {reply:?}");
    }
}

/// No field of the request is nullable in the spec: a null is refused (a
/// client clears a field by leaving it out), naming the field.
#[tokio::test]
async fn null_is_refused_for_every_optional_field() {
    let t = TestApi::start(Api::Cl2c).await;
    for field in ["id", "lastName", "phoneNumber", "pushToken"] {
        let reply = put(&t, &with(field, Value::Null)).await;
        assert_problem(&t, &reply, &["$"]);
        let detail = reply.body["detail"].as_str().unwrap_or_default();
        assert!(
            detail.contains(field) && detail.contains("null is not allowed"),
            "{reply:?}"
        );
    }
}

#[tokio::test]
async fn putting_the_stored_profile_again_writes_nothing() {
    let t = TestApi::start(Api::Cl2c).await;
    let first = put(&t, &seed()).await;
    let second = put(&t, &seed()).await;
    assert_eq!(second.status, 200, "{second:?}");
    assert_eq!(first.body, second.body);
    assert_eq!(t.stored(&t.alice).1, 1);
    // A changed push token alone is a change (stored, though not answered).
    put(&t, &with("pushToken", json!("another"))).await;
    let (stored, sequence) = t.stored(&t.alice);
    assert_eq!(
        (stored["pushToken"].clone(), sequence),
        (json!("another"), 2)
    );
}

#[tokio::test]
async fn first_name_is_required() {
    let t = TestApi::start(Api::Cl2c).await;
    for body in [without("firstName"), with("firstName", Value::Null)] {
        let reply = put(&t, &body).await;
        assert_problem(&t, &reply, &["firstName"]);
        assert_eq!(
            reply.body["errors"]["firstName"],
            json!(["First name is required"])
        );
    }
}

#[tokio::test]
async fn first_name_is_non_empty() {
    let t = TestApi::start(Api::Cl2c).await;
    let reply = put(&t, &with("firstName", json!(""))).await;
    assert_problem(&t, &reply, &["firstName"]);
    assert_eq!(
        reply.body["errors"]["firstName"],
        json!(["First name is required"])
    );
    assert_accepted(&t, with("firstName", json!("J"))).await;
}

#[tokio::test]
async fn phone_number_is_e164() {
    let t = TestApi::start(Api::Cl2c).await;
    for bad in [
        "1234567890",
        "+0123456789",
        "+1",
        "+1234567890123456",
        "+123 456 7890",
        "+1234567890\n",
        "",
    ] {
        let reply = put(&t, &with("phoneNumber", json!(bad))).await;
        assert_problem(&t, &reply, &["phoneNumber"]);
        assert_eq!(
            reply.body["errors"]["phoneNumber"],
            json!(["Invalid phone number format"]),
            "{bad:?}"
        );
    }
    for good in ["+12", "+123456789012345"] {
        let reply = put(&t, &with("phoneNumber", json!(good))).await;
        assert_eq!(reply.body["phoneNumber"], good, "{reply:?}");
    }
}

#[tokio::test]
async fn phone_number_is_optional() {
    let t = TestApi::start(Api::Cl2c).await;
    assert_accepted(&t, without("phoneNumber")).await;
}

#[tokio::test]
async fn every_failing_field_is_reported() {
    let t = TestApi::start(Api::Cl2c).await;
    let mut body = with("phoneNumber", json!("12345"));
    body.as_object_mut().map(|b| b.remove("firstName"));
    let reply = put(&t, &body).await;
    assert_problem(&t, &reply, &["firstName", "phoneNumber"]);
}

#[tokio::test]
async fn missing_credentials_are_unauthorized() {
    let t = TestApi::start(Api::Cl2c).await;
    let key = t.token(&t.alice);
    let body = seed().to_string();
    for (tenant, key) in [
        (None, None),
        (Some("tenant-a"), None),
        (None, Some(key.as_str())),
    ] {
        let reply = put_raw(&t, tenant, key, "application/json", &body).await;
        assert_unauthorized(&t, &reply);
    }
}

#[tokio::test]
async fn a_wrong_key_is_unauthorized() {
    let t = TestApi::start(Api::Cl2c).await;
    let mut key = t.token(&t.alice);
    key.pop();
    key.push('x');
    let body = seed().to_string();
    let reply = put_raw(&t, Some("tenant-a"), Some(&key), "application/json", &body).await;
    assert_unauthorized(&t, &reply);
    let reply = put_raw(&t, Some("tenant-a"), Some(""), "application/json", &body).await;
    assert_unauthorized(&t, &reply);
}

#[tokio::test]
async fn another_apis_key_is_unauthorized() {
    let t = TestApi::start(Api::Cl2c).await;
    for api in [Api::Zitadel, Api::Exante] {
        let foreign = t
            .alice
            .tokens
            .iter()
            .find(|(a, _)| *a == api)
            .map(|(_, token)| token.clone())
            .unwrap_or_else(|| panic!("no {} token", api.name()));
        let reply = put_raw(
            &t,
            Some("tenant-a"),
            Some(&foreign),
            "application/json",
            &seed().to_string(),
        )
        .await;
        assert_unauthorized(&t, &reply);
    }
}

#[tokio::test]
async fn a_key_used_with_another_tenant_is_refused_like_a_wrong_key() {
    let t = TestApi::start(Api::Cl2c).await;
    let body = seed().to_string();
    let alice = t.token(&t.alice);
    let bob = t.token(&t.bob);
    let mut wrong = alice.clone();
    wrong.pop();
    wrong.push('x');
    let invalid_key = put_raw(
        &t,
        Some("tenant-a"),
        Some(&wrong),
        "application/json",
        &body,
    )
    .await;
    for (tenant, key) in [
        ("tenant-b", alice.as_str()),
        ("tenant-a", bob.as_str()),
        ("nobody's tenant", alice.as_str()),
        ("TENANT-A", alice.as_str()),
    ] {
        let reply = put_raw(&t, Some(tenant), Some(key), "application/json", &body).await;
        assert_unauthorized(&t, &reply);
        // Nothing tells the caller which of the two was wrong.
        let mut seen = reply.body.clone();
        let mut expected = invalid_key.body.clone();
        seen["errorId"] = Value::Null;
        expected["errorId"] = Value::Null;
        assert_eq!(seen, expected, "{tenant}");
    }
}

#[tokio::test]
async fn each_error_has_its_own_id() {
    let t = TestApi::start(Api::Cl2c).await;
    let body = seed().to_string();
    let first = put_raw(&t, None, None, "application/json", &body).await;
    let second = put_raw(&t, None, None, "application/json", &body).await;
    assert_ne!(first.body["errorId"], second.body["errorId"]);
}

#[tokio::test]
async fn a_key_changes_only_its_own_users_profile() {
    let t = TestApi::start(Api::Cl2c).await;
    let reply = put_as(&t, &t.bob, &with("firstName", json!("Bob"))).await;
    assert_eq!(reply.status, 200, "{reply:?}");
    assert_eq!(reply.body["id"], t.bob.user.id.to_string());
    assert_eq!(reply.body["userName"], "bob");
    assert_eq!(t.stored(&t.bob).0["firstName"], "Bob");
    assert_eq!(t.stored(&t.alice).1, 0);
}

#[tokio::test]
async fn concurrent_updates_never_lose_a_write() {
    let t = TestApi::start(Api::Cl2c).await;
    let bodies: Vec<Value> = (0..8)
        .map(|i| with("firstName", json!(format!("John {i}"))))
        .collect();
    let replies = send_all(&t, &bodies).await;
    let saved = replies.iter().filter(|r| r.status == 200).count();
    for reply in &replies {
        if reply.status != 200 {
            assert_default_error(reply, 409);
            assert_eq!(reply.body["source"], "CL2C");
        }
    }
    assert!(saved > 0);
    assert_eq!(t.stored(&t.alice).1, saved as u64);
}

/// Sends every body at once, as alice.
async fn send_all(t: &TestApi, bodies: &[Value]) -> Vec<Reply> {
    let mut tasks = tokio::task::JoinSet::new();
    let base = t.running().base_url();
    let key = t.token(&t.alice);
    for body in bodies {
        let (client, base, key, body) = (t.client.clone(), base.clone(), key.clone(), body.clone());
        tasks.spawn(async move {
            let response = client
                .put(format!("{base}{PATH}"))
                .header("tenant", "tenant-a")
                .header("X-API-Key", key)
                .header("content-type", "application/json")
                .body(body.to_string())
                .send()
                .await
                .unwrap_or_else(|e| panic!("{e}"));
            let status = response.status().as_u16();
            let content_type = response
                .headers()
                .get("content-type")
                .and_then(|v| v.to_str().ok())
                .unwrap_or_default()
                .to_string();
            let text = response.text().await.unwrap_or_default();
            let body = serde_json::from_str(&text).unwrap_or(Value::String(text));
            Reply {
                status,
                content_type,
                allow: None,
                request_id: None,
                body,
            }
        });
    }
    tasks.join_all().await
}

#[tokio::test]
async fn malformed_json_is_problem_details_for_the_body() {
    let t = TestApi::start(Api::Cl2c).await;
    let key = t.token(&t.alice);
    let reply = put_raw(
        &t,
        Some("tenant-a"),
        Some(&key),
        "application/json",
        "{\"firstName\": ",
    )
    .await;
    assert_problem(&t, &reply, &["$"]);
    // A field of the wrong type cannot be read either.
    let reply = put(&t, &with("firstName", json!(5))).await;
    assert_problem(&t, &reply, &["$"]);
}

/// A body that cannot be read to its end (fewer bytes than its
/// `Content-Length` before the client half-closes, a chunked body cut
/// short, a chunk size that is not hexadecimal) is a 400 for the body as a
/// whole, in the documented 400 shape (problem details), like any other
/// body that cannot be read; not the default error body.
#[tokio::test]
async fn a_body_that_cannot_be_read_is_problem_details_for_the_body() {
    let t = TestApi::start(Api::Cl2c).await;
    let key = t.token(&t.alice);
    let head = |framing: &str| {
        format!(
            "PUT {PATH} HTTP/1.1\r\nhost: test\r\ntenant: {}\r\nx-api-key: {key}\r\n\
             content-type: application/json\r\n{framing}\r\n\r\n",
            t.alice.tenant
        )
    };
    let cases = [
        (
            "a Content-Length larger than what is sent",
            format!("{}{{\"firstName\":", head("content-length: 100")),
        ),
        (
            "a chunked body cut short",
            format!(
                "{}20\r\n{{\"firstName\":",
                head("transfer-encoding: chunked")
            ),
        ),
        (
            "a chunk size that is not hexadecimal",
            format!(
                "{}zz\r\n{{}}\r\n0\r\n\r\n",
                head("transfer-encoding: chunked")
            ),
        ),
    ];
    for (case, request) in cases {
        let reply = t.send_raw(request.as_bytes(), true).await;
        assert_eq!(reply.status, 400, "{case}: {reply:?}");
        assert_problem(&t, &reply, &["$"]);
    }
}

#[tokio::test]
async fn credentials_are_checked_before_the_body() {
    let t = TestApi::start(Api::Cl2c).await;
    let reply = put_raw(&t, None, None, "application/json", "{\"firstName\": ").await;
    assert_unauthorized(&t, &reply);
}

#[tokio::test]
async fn a_wrong_media_type_is_problem_details() {
    let t = TestApi::start(Api::Cl2c).await;
    let key = t.token(&t.alice);
    for media in ["text/plain", "application/x-www-form-urlencoded"] {
        let reply = put_raw(&t, Some("tenant-a"), Some(&key), media, &seed().to_string()).await;
        assert_problem(&t, &reply, &["$"]);
    }
}

#[tokio::test]
async fn an_oversized_body_is_413_in_the_default_body() {
    let t = TestApi::start(Api::Cl2c).await;
    let key = t.token(&t.alice);
    let huge = with("pushToken", json!("x".repeat(70 * 1024))).to_string();
    let reply = put_raw(&t, Some("tenant-a"), Some(&key), "application/json", &huge).await;
    assert_default_error(&reply, 413);
    assert_eq!(t.stored(&t.alice).1, 0);
    // Just under the limit is fine.
    let fits = with("pushToken", json!("x".repeat(60 * 1024)));
    assert_accepted(&t, fits).await;
}

#[tokio::test]
async fn the_hand_written_spec_is_served_as_json() {
    let t = TestApi::start(Api::Cl2c).await;
    let reply = t.send(Method::GET, "/openapi.json", &[], None).await;
    assert_eq!(reply.status, 200);
    assert_eq!(
        reply.body["paths"]["/v1/cl2c/user"]["put"]["operationId"],
        "updateProfile"
    );
}

#[test]
fn the_derived_document_declares_both_headers_and_the_field_rules() {
    let document = server::serve::derived_openapi(Api::Cl2c).unwrap_or_else(|e| panic!("{e}"));
    let operation = &document["paths"]["/v1/cl2c/user"]["put"];
    assert_eq!(operation["operationId"], "updateProfile");
    let mut headers: Vec<(String, bool)> = operation["parameters"]
        .as_array()
        .unwrap_or_else(|| panic!("no parameters"))
        .iter()
        .filter(|p| p["in"] == "header")
        .map(|p| {
            (
                p["name"].as_str().unwrap_or_default().to_string(),
                p["required"] == true,
            )
        })
        .collect();
    headers.sort();
    assert_eq!(
        headers,
        [
            ("X-API-Key".to_string(), true),
            ("tenant".to_string(), true)
        ]
    );
    let request = &document["components"]["schemas"]["UpdateProfileRequest"];
    assert_eq!(request["required"], json!(["firstName"]));
    assert_eq!(request["properties"]["firstName"]["minLength"], 1);
    let phone = &request["properties"]["phoneNumber"];
    assert_eq!(phone["pattern"], r"^\+[1-9][0-9]{1,14}$");
    assert_eq!(phone["x-rule"], "e164-phone-number");
    let response = &document["components"]["schemas"]["UserProfile"];
    assert!(response.get("required").is_none(), "{response}");
    assert_eq!(response["properties"]["id"]["format"], "uuid");
    assert_eq!(
        response["properties"]["authValidUpto"]["format"],
        "date-time"
    );
}

/// A header value that is not ASCII stops dropshot before the handler runs;
/// the 400 still comes as problem details (as application/json, the other
/// media type the spec lists for the 400), and nothing is written.
#[tokio::test]
async fn a_header_that_is_not_ascii_is_problem_details() {
    let t = TestApi::start(Api::Cl2c).await;
    let response = t
        .client
        .put(format!("{}{PATH}", t.running().base_url()))
        .header(
            "tenant",
            reqwest::header::HeaderValue::from_bytes("tenänt-a".as_bytes())
                .unwrap_or_else(|e| panic!("{e}")),
        )
        .header("X-API-Key", t.token(&t.alice))
        .header("content-type", "application/json")
        .body(seed().to_string())
        .send()
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(response.status().as_u16(), 400);
    let content_type = response
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string();
    assert_eq!(content_type, "application/json");
    let body: Value = serde_json::from_str(&response.text().await.unwrap_or_default())
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(body["status"], 400, "{body}");
    assert!(body["errors"]["$"].is_array(), "{body}");
    assert_eq!(t.stored(&t.alice).1, 0);
}
