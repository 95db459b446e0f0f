//! ZITADEL through `zitadel-sdk` against the server:
//! `PUT /auth/v1/users/me/profile`, `Authorization: Bearer <token>`, the
//! gRPC status (`code`, `message`, `details`) as every error body.
//!
//! Every length and enum rule of the request is checked by the SDK (length
//! newtypes, the `Gender` enum, required builder fields), so each failing
//! case shows the SDK refusing and the server refusing the same request
//! sent raw through the proxy.

use reqwest::Method;
use serde_json::{Value, json};
use server::storage::Api;
use zitadel_sdk::{Client, Credentials, Error, types};

use super::harness::{Exchange, Live};
use crate::seed_requests::zitadel::{seed, seed_json};

const PATH: &str = "/auth/v1/users/me/profile";

async fn live() -> Live {
    Live::start(Api::Zitadel).await
}

fn client(t: &Live, token: &str) -> Client {
    Client::new(
        t.url(),
        Credentials::access_token(token)
            .unwrap_or_else(|e| panic!("{e}"))
            .into(),
    )
}

fn seed_json_with(field: &str, value: Value) -> Value {
    let mut body = seed_json();
    body[field] = value;
    body
}

fn seed_json_without(field: &str) -> Value {
    let mut body = seed_json();
    body.as_object_mut().map(|b| b.remove(field));
    body
}

/// Sends `body` with `token` through the SDK; returns what went on the
/// wire (checked against the spec) and the SDK's result.
async fn update_with(
    t: &Live,
    token: &str,
    body: types::builder::UpdateMyProfileRequest,
) -> (Vec<Exchange>, Result<types::UpdateMyProfileResponse, Error>) {
    let result = client(t, token)
        .auth_service_update_my_profile()
        .body(body)
        .send()
        .await
        .map(|r| r.into_inner())
        .map_err(Error::from);
    let sent = t.conform();
    assert!(sent.len() <= 1, "one call, one request: {sent:?}");
    (sent, result)
}

async fn update(
    t: &Live,
    body: types::builder::UpdateMyProfileRequest,
) -> (Vec<Exchange>, Result<types::UpdateMyProfileResponse, Error>) {
    let token = t.token(&t.alice);
    update_with(t, &token, body).await
}

async fn accepted(
    t: &Live,
    body: types::builder::UpdateMyProfileRequest,
) -> types::UpdateMyProfileResponse {
    update(t, body).await.1.unwrap_or_else(|e| panic!("{e}"))
}

/// The SDK refused to build the request: nothing went on the wire.
fn assert_sdk_refused(
    (sent, result): &(Vec<Exchange>, Result<types::UpdateMyProfileResponse, Error>),
) {
    assert!(
        matches!(result, Err(Error::InvalidRequest(_))),
        "{result:?}"
    );
    assert!(sent.is_empty(), "the SDK sent {sent:?}");
}

/// What the SDK refuses to send, sent raw by alice through the proxy: 400
/// INVALID_ARGUMENT (code 3) whose message names `field`, as the SDK
/// decodes it; nothing stored.
async fn raw_refused(t: &Live, body: Value, field: &str) {
    assert!(
        serde_json::from_value::<types::UpdateMyProfileRequest>(body.clone()).is_err(),
        "the SDK accepts {body}"
    );
    let before = t.stored(&t.alice);
    let auth = format!("Bearer {}", t.token(&t.alice));
    let exchange = t
        .raw(
            Method::PUT,
            PATH,
            &[
                ("authorization", &auth),
                ("content-type", "application/json"),
            ],
            &body.to_string(),
        )
        .await;
    assert_eq!(exchange.status, 400, "{exchange:?}");
    let decoded: types::RpcStatus = exchange.decoded();
    assert_eq!(decoded.code, Some(3), "{decoded:?}");
    let message = decoded.message.unwrap_or_default();
    assert!(message.contains(field), "{field} not named in {message:?}");
    assert_eq!(t.stored(&t.alice), before, "nothing may be stored");
}

/// `user`'s organisation id: ZITADEL's resource owner.
async fn organisation_of(t: &Live, user: &server::identity::NewUser) -> String {
    t.store
        .organisations_of(user.user.id)
        .await
        .unwrap_or_else(|e| panic!("{e}"))
        .first()
        .map(|o| o.id.to_string())
        .unwrap_or_else(|| panic!("no organisation"))
}

// The seed request.

#[tokio::test]
async fn the_seed_request_is_stored_and_answered_with_its_details() {
    let t = live().await;
    let (sent, result) = update(&t, seed()).await;
    let exchange = sent.first().unwrap_or_else(|| panic!("nothing was sent"));
    assert_eq!(
        exchange.request_json(),
        t.spec["paths"][PATH]["put"]["requestBody"]["content"]["application/json"]["example"]
    );
    let details = result
        .unwrap_or_else(|e| panic!("{e}"))
        .details
        .unwrap_or_else(|| panic!("details missing"));
    let (stored, sequence) = t.stored(&t.alice);
    assert_eq!(sequence, 1);
    assert_eq!(stored, seed_json());
    assert_eq!(details.sequence.as_deref(), Some("1"));
    assert_eq!(
        details.resource_owner,
        Some(organisation_of(&t, &t.alice).await)
    );
    let profile = t
        .store
        .profile(Api::Zitadel, t.alice.user.id)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(details.change_date, Some(profile.changed_at));
    assert!(details.creation_date.is_some());
    // Each credential the spec's security requirement names is one the
    // server needs.
    t.assert_each_credential_is_required(exchange).await;
}

#[tokio::test]
async fn the_sequence_grows_by_one_per_change() {
    let t = live().await;
    accepted(&t, seed()).await;
    let response = accepted(
        &t,
        seed().nick_name(Some("Min".parse().unwrap_or_else(|e| panic!("{e}")))),
    )
    .await;
    assert_eq!(
        response.details.and_then(|d| d.sequence).as_deref(),
        Some("2")
    );
    assert_eq!(t.stored(&t.alice).1, 2);
}

// "An update that changes nothing is rejected as FAILED_PRECONDITION (code
// 9, HTTP 400) with message id Errors.User.Profile.NotChanged."

#[tokio::test]
async fn an_update_that_changes_nothing_is_a_failed_precondition() {
    let t = live().await;
    accepted(&t, seed()).await;
    let (_, result) = update(&t, seed()).await;
    match result {
        Err(Error::Api { status, body, .. }) => {
            assert_eq!(status.as_u16(), 400);
            assert_eq!(body.code, Some(9));
            assert_eq!(
                body.details.first().and_then(|d| d.extra.get("id")),
                Some(&json!("Errors.User.Profile.NotChanged")),
                "{body:?}"
            );
        }
        other => panic!("expected Error::Api 400, got {other:?}"),
    }
    assert_eq!(t.stored(&t.alice).1, 1);
}

// firstName / lastName / displayName: required, "non-empty and <= 200
// characters".

#[tokio::test]
async fn first_name_is_required() {
    let t = live().await;
    let body = types::UpdateMyProfileRequest::builder()
        .last_name("Mouse")
        .display_name("Minnie Mouse");
    assert_sdk_refused(&update(&t, body).await);
    raw_refused(&t, seed_json_without("firstName"), "firstName").await;
    accepted(&t, seed()).await;
}

#[tokio::test]
async fn first_name_must_be_1_to_200_characters() {
    let t = live().await;
    for bad in [String::new(), "é".repeat(201)] {
        assert_sdk_refused(&update(&t, seed().first_name(bad.as_str())).await);
        raw_refused(&t, seed_json_with("firstName", json!(bad)), "FirstName").await;
    }
    let longest = "é".repeat(200);
    accepted(&t, seed().first_name(longest.as_str())).await;
    assert_eq!(t.stored(&t.alice).0["firstName"], longest);
}

#[tokio::test]
async fn last_name_is_required() {
    let t = live().await;
    let body = types::UpdateMyProfileRequest::builder()
        .first_name("Minnie")
        .display_name("Minnie Mouse");
    assert_sdk_refused(&update(&t, body).await);
    raw_refused(&t, seed_json_without("lastName"), "lastName").await;
    accepted(&t, seed()).await;
}

#[tokio::test]
async fn last_name_must_be_1_to_200_characters() {
    let t = live().await;
    for bad in [String::new(), "x".repeat(201)] {
        assert_sdk_refused(&update(&t, seed().last_name(bad.as_str())).await);
        raw_refused(&t, seed_json_with("lastName", json!(bad)), "LastName").await;
    }
    let longest = "x".repeat(200);
    accepted(&t, seed().last_name(longest.as_str())).await;
    assert_eq!(t.stored(&t.alice).0["lastName"], longest);
}

#[tokio::test]
async fn display_name_is_required() {
    let t = live().await;
    let body = types::UpdateMyProfileRequest::builder()
        .first_name("Minnie")
        .last_name("Mouse");
    assert_sdk_refused(&update(&t, body).await);
    raw_refused(&t, seed_json_without("displayName"), "displayName").await;
    accepted(&t, seed()).await;
}

#[tokio::test]
async fn display_name_must_be_1_to_200_characters() {
    let t = live().await;
    for bad in [String::new(), "x".repeat(201)] {
        assert_sdk_refused(&update(&t, seed().display_name(bad.as_str())).await);
        raw_refused(&t, seed_json_with("displayName", json!(bad)), "DisplayName").await;
    }
    let longest = "x".repeat(200);
    accepted(&t, seed().display_name(longest.as_str())).await;
    assert_eq!(t.stored(&t.alice).0["displayName"], longest);
}

// nickName: "<= 200 characters"; may be empty (vendor wire behaviour).

#[tokio::test]
async fn nick_name_must_be_at_most_200_characters() {
    let t = live().await;
    let too_long = "x".repeat(201);
    assert!(
        too_long
            .parse::<types::UpdateMyProfileRequestNickName>()
            .is_err()
    );
    raw_refused(&t, seed_json_with("nickName", json!(too_long)), "NickName").await;
    let longest = "x".repeat(200);
    accepted(
        &t,
        seed().nick_name(Some(longest.parse().unwrap_or_else(|e| panic!("{e}")))),
    )
    .await;
    assert_eq!(t.stored(&t.alice).0["nickName"], longest);
}

#[tokio::test]
async fn nick_name_may_be_empty() {
    let t = live().await;
    accepted(
        &t,
        seed().nick_name(Some("".parse().unwrap_or_else(|e| panic!("{e}")))),
    )
    .await;
    assert_eq!(t.stored(&t.alice).0["nickName"], "");
}

// preferredLanguage: "<= 10 characters".

#[tokio::test]
async fn preferred_language_must_be_at_most_10_characters() {
    let t = live().await;
    let too_long = "en-GB-x-abc";
    assert!(
        too_long
            .parse::<types::UpdateMyProfileRequestPreferredLanguage>()
            .is_err()
    );
    raw_refused(
        &t,
        seed_json_with("preferredLanguage", json!(too_long)),
        "PreferredLanguage",
    )
    .await;
    accepted(
        &t,
        seed().preferred_language(Some("en-GB-x-ab".parse().unwrap_or_else(|e| panic!("{e}")))),
    )
    .await;
    assert_eq!(t.stored(&t.alice).0["preferredLanguage"], "en-GB-x-ab");
}

// gender: one of GENDER_UNSPECIFIED, GENDER_FEMALE, GENDER_MALE,
// GENDER_DIVERSE; default GENDER_UNSPECIFIED.

#[tokio::test]
async fn gender_must_be_one_of_the_enum() {
    let t = live().await;
    assert!("GENDER_ROBOT".parse::<types::Gender>().is_err());
    raw_refused(
        &t,
        seed_json_with("gender", json!("GENDER_ROBOT")),
        "GENDER_ROBOT",
    )
    .await;
    accepted(&t, seed().gender(types::Gender::GenderDiverse)).await;
    assert_eq!(t.stored(&t.alice).0["gender"], "GENDER_DIVERSE");
}

#[tokio::test]
async fn gender_defaults_to_gender_unspecified() {
    let t = live().await;
    // The SDK fills in the default itself and sends it; left out raw, the
    // server applies the same default.
    let body = types::UpdateMyProfileRequest::builder()
        .first_name("Minnie")
        .last_name("Mouse")
        .display_name("Minnie Mouse");
    let (sent, result) = update(&t, body).await;
    result.unwrap_or_else(|e| panic!("{e}"));
    let exchange = sent.first().unwrap_or_else(|| panic!("nothing was sent"));
    assert_eq!(exchange.request_json()["gender"], "GENDER_UNSPECIFIED");
    assert_eq!(t.stored(&t.bob).1, 0);
    let auth = format!("Bearer {}", t.token(&t.bob));
    let exchange = t
        .raw(
            Method::PUT,
            PATH,
            &[
                ("authorization", &auth),
                ("content-type", "application/json"),
            ],
            &seed_json_without("gender").to_string(),
        )
        .await;
    assert_eq!(exchange.status, 200, "{exchange:?}");
    assert_eq!(t.stored(&t.bob).0["gender"], "GENDER_UNSPECIFIED");
}

// Authentication: a missing or invalid token is HTTP 401 with code 16
// (UNAUTHENTICATED).

fn assert_unauthenticated(result: &Result<types::UpdateMyProfileResponse, Error>) {
    match result {
        Err(Error::Api { status, body, .. }) => {
            assert_eq!(status.as_u16(), 401, "{body:?}");
            assert_eq!(body.code, Some(16), "{body:?}");
        }
        other => panic!("expected Error::Api 401, got {other:?}"),
    }
}

#[tokio::test]
async fn a_missing_token_is_unauthenticated() {
    let t = live().await;
    // The SDK always sends `Authorization: Bearer <token>`; an empty token
    // is the nearest it comes to none.
    let (_, result) = update_with(&t, "", seed()).await;
    assert_unauthenticated(&result);
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
async fn a_wrong_token_is_unauthenticated() {
    let t = live().await;
    let (_, result) = update_with(&t, &t.wrong_token(), seed()).await;
    assert_unauthenticated(&result);
    t.assert_nothing_stored();
}

#[tokio::test]
async fn another_apis_token_is_unauthenticated() {
    let t = live().await;
    for (api, token) in t.other_apis_tokens() {
        let (_, result) = update_with(&t, &token, seed()).await;
        assert!(result.is_err(), "{api:?}");
        assert_unauthenticated(&result);
    }
    t.assert_nothing_stored();
}

#[tokio::test]
async fn a_token_changes_only_its_own_users_profile() {
    let t = live().await;
    let bob = t.token(&t.bob);
    let (_, result) = update_with(&t, &bob, seed()).await;
    let details = result
        .unwrap_or_else(|e| panic!("{e}"))
        .details
        .unwrap_or_else(|| panic!("details missing"));
    assert_eq!(
        details.resource_owner,
        Some(organisation_of(&t, &t.bob).await)
    );
    assert_eq!(t.stored(&t.bob).1, 1);
    assert_eq!(t.stored(&t.alice).1, 0);
}
