//! CL2C through `cl2c-sdk` against the server: `PUT /v1/cl2c/user` with the
//! `tenant` and `X-API-Key` headers; a 400 is RFC 7807 problem details
//! (`Error::Validation`), every other error status the default error body
//! (`Error::Api`).

use cl2c_sdk::{Client, Credentials, Error, ErrorDetails, types};
use reqwest::Method;
use serde_json::{Value, json};
use server::storage::Api;

use super::harness::{Exchange, Live};
use crate::seed_requests::cl2c::{phone, seed, seed_json};

const PATH: &str = "/v1/cl2c/user";

async fn live() -> Live {
    Live::start(Api::Cl2c).await
}

fn client(t: &Live, tenant: &str, key: &str) -> Client {
    Client::new(
        t.url(),
        Credentials::new(tenant, key)
            .unwrap_or_else(|e| panic!("{e}"))
            .into(),
    )
}

/// Sends `body` through the SDK with `tenant` and `key`; returns what went
/// on the wire (checked against the spec) and the SDK's result.
async fn update_with(
    t: &Live,
    tenant: &str,
    key: &str,
    body: types::builder::UpdateProfileRequest,
) -> (Vec<Exchange>, Result<types::UserProfile, Error>) {
    let result = client(t, tenant, key)
        .update_profile()
        .body(body)
        .send()
        .await
        .map(|r| r.into_inner())
        .map_err(Error::from);
    let sent = t.conform();
    assert!(sent.len() <= 1, "one call, one request: {sent:?}");
    (sent, result)
}

/// Alice sends `body` with her own tenant and key.
async fn update(
    t: &Live,
    body: types::builder::UpdateProfileRequest,
) -> Result<types::UserProfile, Error> {
    let key = t.token(&t.alice);
    update_with(t, &t.alice.tenant, &key, body).await.1
}

async fn accepted(t: &Live, body: types::builder::UpdateProfileRequest) -> types::UserProfile {
    update(t, body).await.unwrap_or_else(|e| panic!("{e}"))
}

/// The SDK refused to build the request: nothing went on the wire.
fn assert_sdk_refused(sent: &[Exchange], result: &Result<types::UserProfile, Error>) {
    assert!(
        matches!(result, Err(Error::InvalidRequest(_))),
        "{result:?}"
    );
    assert!(sent.is_empty(), "the SDK sent {sent:?}");
}

/// What the SDK refuses to send, sent raw by alice through the proxy: 400
/// problem details naming `field`, nothing stored.
async fn raw_refused(t: &Live, body: Value, field: &str) {
    let key = t.token(&t.alice);
    let exchange = t
        .raw(
            Method::PUT,
            PATH,
            &[
                ("tenant", &t.alice.tenant),
                ("x-api-key", &key),
                ("content-type", "application/json"),
            ],
            &body.to_string(),
        )
        .await;
    assert_eq!(exchange.status, 400, "{exchange:?}");
    assert_eq!(
        exchange.content_type.as_deref(),
        Some("application/problem+json")
    );
    let decoded: types::ValidationProblemDetails = exchange.decoded();
    // What the SDK would give as `Error::Validation`'s body.
    assert_eq!(decoded.status, Some(400));
    assert_eq!(
        decoded.title.as_deref(),
        Some("One or more validation errors occurred.")
    );
    assert!(decoded.errors.contains_key(field), "{decoded:?}");
    t.assert_nothing_stored();
}

fn seed_with(field: &str, value: Value) -> Value {
    let mut body = seed_json();
    body[field] = value;
    body
}

// The seed request.

#[tokio::test]
async fn the_seed_request_is_stored_and_answered_from_storage() {
    let t = live().await;
    let key = t.token(&t.alice);
    let (exchange, result) = update_with(&t, "tenant-a", &key, seed()).await;
    let exchange = exchange
        .first()
        .unwrap_or_else(|| panic!("nothing was sent"));
    assert_eq!(
        exchange.request_json(),
        t.spec["paths"]["/v1/cl2c/user"]["put"]["requestBody"]["content"]["application/json"]["examples"]
            ["example-request-body"]["value"]
    );
    let profile = result.unwrap_or_else(|e| panic!("{e}"));
    let (stored, sequence) = t.stored(&t.alice);
    assert_eq!(sequence, 1);
    // The body's `id` names nobody: the key selects the user.
    assert_eq!(
        stored,
        json!({
            "firstName": "John",
            "lastName": "Doe",
            "phoneNumber": "+1234567890",
            "pushToken": "push_token_example"
        })
    );
    assert_eq!(profile.id, Some(t.alice.user.id));
    assert_eq!(profile.user_name.as_deref(), Some("alice"));
    assert_eq!(profile.first_name.as_deref(), Some("John"));
    assert_eq!(profile.last_name.as_deref(), Some("Doe"));
    assert_eq!(profile.phone_number.as_deref(), Some("+1234567890"));
    assert_eq!(profile.email.as_deref(), Some("alice@example.com"));
    assert_eq!(profile.email_confirmed, Some(true));
    assert_eq!(profile.authenticated, Some(true));
    // Each credential the spec's security requirement names is one the
    // server needs.
    t.assert_each_credential_is_required(exchange).await;
}

// Every CL2C field rule is also checked by the SDK (a required newtype
// with a minimum length, a pattern newtype), so no SDK call can reach the
// server's 400: `Error::Validation` is shown on the raw refusals' bodies.

// firstName: required and non-empty (the page's 400 example: "First name
// is required"). The SDK checks both itself and refuses to send.

#[tokio::test]
async fn first_name_is_required() {
    let t = live().await;
    let body = types::UpdateProfileRequest::builder().last_name(Some("Doe".to_string()));
    let key = t.token(&t.alice);
    let (sent, result) = update_with(&t, "tenant-a", &key, body).await;
    assert_sdk_refused(&sent, &result);
    let mut raw = seed_json();
    raw.as_object_mut().map(|b| b.remove("firstName"));
    raw_refused(&t, raw, "firstName").await;
    let profile = accepted(&t, seed()).await;
    assert_eq!(profile.first_name.as_deref(), Some("John"));
}

#[tokio::test]
async fn first_name_must_not_be_empty() {
    let t = live().await;
    assert!("".parse::<types::UpdateProfileRequestFirstName>().is_err());
    let key = t.token(&t.alice);
    let (sent, result) = update_with(&t, "tenant-a", &key, seed().first_name("")).await;
    assert_sdk_refused(&sent, &result);
    raw_refused(&t, seed_with("firstName", json!("")), "firstName").await;
    let profile = accepted(&t, seed().first_name("J")).await;
    assert_eq!(profile.first_name.as_deref(), Some("J"));
    assert_eq!(t.stored(&t.alice).0["firstName"], "J");
}

// phoneNumber: E.164 (x-rule e164-phone-number; the page's 400 example:
// "Invalid phone number format"). The SDK checks the pattern itself.

#[tokio::test]
async fn phone_number_must_be_e164() {
    let t = live().await;
    for bad in [
        "1234567890",
        "+0123456789",
        "+1",
        "+1234567890123456",
        "+123 456",
    ] {
        assert!(
            bad.parse::<types::UpdateProfileRequestPhoneNumber>()
                .is_err(),
            "{bad}"
        );
        raw_refused(&t, seed_with("phoneNumber", json!(bad)), "phoneNumber").await;
    }
    for good in ["+12", "+123456789012345"] {
        let profile = accepted(&t, seed().phone_number(phone(good))).await;
        assert_eq!(profile.phone_number.as_deref(), Some(good));
        assert_eq!(t.stored(&t.alice).0["phoneNumber"], good);
    }
}

#[tokio::test]
async fn phone_number_is_optional() {
    let t = live().await;
    let profile = accepted(&t, seed().phone_number(None)).await;
    assert_eq!(profile.phone_number, None);
    assert!(t.stored(&t.alice).0.get("phoneNumber").is_none());
}

#[tokio::test]
async fn every_failing_field_is_named_at_once() {
    let t = live().await;
    let mut raw = seed_with("phoneNumber", json!("12345"));
    raw.as_object_mut().map(|b| b.remove("firstName"));
    let key = t.token(&t.alice);
    let exchange = t
        .raw(
            Method::PUT,
            PATH,
            &[
                ("tenant", "tenant-a"),
                ("x-api-key", &key),
                ("content-type", "application/json"),
            ],
            &raw.to_string(),
        )
        .await;
    let decoded: types::ValidationProblemDetails = exchange.decoded();
    let mut named: Vec<&str> = decoded.errors.keys().map(String::as_str).collect();
    named.sort_unstable();
    assert_eq!(named, ["firstName", "phoneNumber"]);
    t.assert_nothing_stored();
}

// Authentication: tenant + X-API-Key, both required, the key belonging to
// the tenant; every failure is the same 401 default error body.

fn assert_unauthorized(result: &Result<types::UserProfile, Error>) {
    match result {
        Err(Error::Api {
            status,
            body: ErrorDetails::Default(body),
            ..
        }) => {
            assert_eq!(status.as_u16(), 401, "{body:?}");
            assert_eq!(body.status_code, Some(401));
            assert_eq!(
                body.messages,
                ["The tenant or API key is missing or invalid."]
            );
            assert!(body.error_id.is_some(), "{body:?}");
        }
        other => panic!("expected Error::Api 401, got {other:?}"),
    }
}

#[tokio::test]
async fn missing_credentials_are_unauthorized() {
    let t = live().await;
    // The SDK always sends both headers; empty values are the nearest it
    // comes to none.
    let key = t.token(&t.alice);
    for (tenant, key) in [("", ""), ("tenant-a", ""), ("", key.as_str())] {
        let (_, result) = update_with(&t, tenant, key, seed()).await;
        assert_unauthorized(&result);
    }
    // No headers at all, raw.
    let exchange = t
        .raw(
            Method::PUT,
            PATH,
            &[("content-type", "application/json")],
            &seed_json().to_string(),
        )
        .await;
    assert_eq!(exchange.status, 401, "{exchange:?}");
    t.assert_nothing_stored();
}

#[tokio::test]
async fn a_wrong_key_is_unauthorized() {
    let t = live().await;
    let (_, result) = update_with(&t, "tenant-a", &t.wrong_token(), seed()).await;
    assert_unauthorized(&result);
    t.assert_nothing_stored();
}

#[tokio::test]
async fn another_apis_token_is_unauthorized() {
    let t = live().await;
    for (api, token) in t.other_apis_tokens() {
        let (_, result) = update_with(&t, "tenant-a", &token, seed()).await;
        assert_unauthorized(&result);
        assert!(result.is_err(), "{api:?}");
    }
    t.assert_nothing_stored();
}

#[tokio::test]
async fn a_key_used_with_another_tenant_is_unauthorized() {
    let t = live().await;
    let alice = t.token(&t.alice);
    let bob = t.token(&t.bob);
    assert_ne!(t.alice.tenant, t.bob.tenant);
    for (tenant, key) in [
        (t.bob.tenant.as_str(), alice.as_str()),
        (t.alice.tenant.as_str(), bob.as_str()),
        ("TENANT-A", alice.as_str()),
    ] {
        let (_, result) = update_with(&t, tenant, key, seed()).await;
        assert_unauthorized(&result);
    }
    t.assert_nothing_stored();
    // Each key works with its own tenant, on its own user only.
    let (_, result) = update_with(&t, &t.bob.tenant, &bob, seed().first_name("Bob")).await;
    let profile = result.unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(profile.id, Some(t.bob.user.id));
    assert_eq!(t.stored(&t.bob).0["firstName"], "Bob");
    assert_eq!(t.stored(&t.alice).1, 0);
}
