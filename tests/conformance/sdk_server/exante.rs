//! Exante through `exante-sdk` against the server: `PATCH /api/user`,
//! `Authorization: Bearer <token>`, a partial update, and the
//! `{status, status_code, message, errors}` envelope on every error.

use exante_sdk::{Client, Credentials, Error, types};
use reqwest::Method;
use serde_json::{Value, json};
use server::storage::Api;
use uuid::Uuid;

use super::harness::{Exchange, Live};
use crate::seed_requests;
use crate::seed_requests::exante::{firstname, lastname, object};

const PATH: &str = "/api/user";

async fn live() -> Live {
    Live::start(Api::Exante).await
}

fn client(t: &Live, token: &str) -> Client {
    Client::new(
        t.url(),
        Credentials::bearer(token)
            .unwrap_or_else(|e| panic!("{e}"))
            .into(),
    )
}

/// `user`'s (only) organisation.
async fn organisation_of(t: &Live, user: &server::identity::NewUser) -> Uuid {
    t.store
        .organisations_of(user.user.id)
        .await
        .unwrap_or_else(|e| panic!("{e}"))
        .first()
        .map(|o| o.id)
        .unwrap_or_else(|| panic!("{} has no organisation", user.user.username))
}

/// The spec's request example, with alice's own organisation as the
/// default (the example's 3c90c3cc-… is nobody's organisation here; see
/// `default_organization_must_be_a_member_organization`).
async fn seed(t: &Live) -> types::builder::UserProfileUpdate {
    seed_requests::exante::seed(organisation_of(t, &t.alice).await)
}

/// Sends `body` with `token` through the SDK; the response is checked
/// against the spec.
async fn update_with(
    t: &Live,
    token: &str,
    body: types::builder::UserProfileUpdate,
) -> (Exchange, Result<types::UserProfileResponse, Error>) {
    let result = client(t, token)
        .update_current_user()
        .body(body)
        .send()
        .await
        .map(|r| r.into_inner())
        .map_err(Error::from);
    (t.conform_one(), result)
}

/// Alice sends `body` through the SDK.
async fn update(
    t: &Live,
    body: types::builder::UserProfileUpdate,
) -> Result<types::UserProfileResponse, Error> {
    update_with(t, &t.token(&t.alice), body).await.1
}

/// Alice sends `body` through the SDK; it must succeed. Returns the user.
async fn accepted(t: &Live, body: types::builder::UserProfileUpdate) -> types::User {
    match update(t, body).await {
        Ok(response) => {
            assert_eq!(response.status.as_deref(), Some("success"));
            assert_eq!(response.status_code, Some(200));
            response
                .data
                .and_then(|d| d.user)
                .unwrap_or_else(|| panic!("data.user missing"))
        }
        Err(e) => panic!("expected success, got {e}"),
    }
}

/// The SDK error for `status` whose `errors` names exactly `fields`.
fn assert_api_error(
    result: Result<types::UserProfileResponse, Error>,
    status: u16,
    fields: &[&str],
) {
    match result {
        Err(Error::Api {
            status: got, body, ..
        }) => {
            assert_eq!(got.as_u16(), status, "{body:?}");
            assert_eq!(body.status, "error");
            assert_eq!(body.status_code, i64::from(status));
            let mut named: Vec<&str> = body.errors.keys().map(String::as_str).collect();
            named.sort_unstable();
            assert_eq!(named, fields, "{body:?}");
        }
        other => panic!("expected Error::Api {status}, got {other:?}"),
    }
}

/// Alice sends `body` through the SDK: 422 naming `field`, nothing stored.
async fn refused(t: &Live, body: types::builder::UserProfileUpdate, field: &str) {
    let before = t.stored(&t.alice);
    assert_api_error(update(t, body).await, 422, &[field]);
    assert_eq!(t.stored(&t.alice), before, "nothing may be stored");
}

/// What the SDK refuses to send, sent raw by alice through the proxy: 422
/// naming `field` in a body the SDK decodes, nothing stored.
async fn raw_refused(t: &Live, body: Value, field: &str) {
    let before = t.stored(&t.alice);
    let auth = format!("Bearer {}", t.token(&t.alice));
    let exchange = t
        .raw(
            Method::PATCH,
            PATH,
            &[
                ("authorization", &auth),
                ("content-type", "application/json"),
            ],
            &body.to_string(),
        )
        .await;
    assert_eq!(exchange.status, 422, "{exchange:?}");
    let decoded: types::ErrorResponse = exchange.decoded();
    assert!(decoded.errors.contains_key(field), "{decoded:?}");
    assert_eq!(t.stored(&t.alice), before, "nothing may be stored");
}

/// The SDK's request type cannot hold `body`, so the SDK can never send it.
fn sdk_cannot_build(body: Value) {
    assert!(
        serde_json::from_value::<types::UserProfileUpdate>(body.clone()).is_err(),
        "the SDK accepts {body}"
    );
}

// The seed request.

#[tokio::test]
async fn the_seed_request_is_stored_and_answered_from_storage() {
    let t = live().await;
    let organisation = organisation_of(&t, &t.alice).await;
    let (exchange, result) = update_with(&t, &t.token(&t.alice), seed(&t).await).await;
    // On the wire: the spec's example, less `"settings": {}` (the SDK
    // leaves an empty map off; a no-op under the merge rule), with alice's
    // organisation.
    let mut example = t.spec
        ["paths"]["/api/user"]["patch"]["requestBody"]["content"]["application/json"]["example"]
        .clone();
    example["default_organization"] = json!(organisation.to_string());
    example.as_object_mut().map(|e| e.remove("settings"));
    assert_eq!(exchange.request_json(), example);
    let response = result.unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(response.message.as_deref(), Some("Success"));

    let (stored, sequence) = t.stored(&t.alice);
    assert_eq!(sequence, 1);
    assert_eq!(
        stored,
        json!({
            "firstname": "Jane",
            "lastname": "Doe",
            "timezone": "America/New_York",
            "default_organization": organisation.to_string()
        })
    );
    let user = response
        .data
        .and_then(|d| d.user)
        .unwrap_or_else(|| panic!("data.user missing"));
    let id = t.alice.user.id;
    assert_eq!(user.id, Some(id.to_string()));
    assert_eq!(user.uid, Some(id));
    assert_eq!(user.firstname.as_deref(), Some("Jane"));
    assert_eq!(user.lastname.as_deref(), Some("Doe"));
    assert_eq!(user.fullname.as_deref(), Some("Jane Doe"));
    assert_eq!(user.email.as_deref(), Some("alice@example.com"));
    assert_eq!(user.timezone.as_deref(), Some("America/New_York"));
    assert_eq!(user.default_organization, Some(organisation));
    let company = user
        .active_company
        .unwrap_or_else(|| panic!("active_company missing"));
    assert_eq!(company.uid, Some(organisation));
    assert_eq!(user.organizations.len(), 1);
    assert_eq!(user.organizations[0].uid, Some(organisation));
    assert!(user.settings.is_empty());
    assert!(user.last_seen.is_some() && user.first_seen.is_some());
    // Each credential the spec's security requirement names is one the
    // server needs.
    t.assert_each_credential_is_required(&exchange).await;
}

#[tokio::test]
async fn the_update_is_partial_fields_left_out_keep_their_values() {
    let t = live().await;
    accepted(&t, seed(&t).await).await;
    let user = accepted(
        &t,
        types::UserProfileUpdate::builder().lastname(lastname("Smith")),
    )
    .await;
    assert_eq!(user.fullname.as_deref(), Some("Jane Smith"));
    assert_eq!(user.timezone.as_deref(), Some("America/New_York"));
    let (stored, sequence) = t.stored(&t.alice);
    assert_eq!(sequence, 2);
    assert_eq!(
        (&stored["firstname"], &stored["lastname"]),
        (&json!("Jane"), &json!("Smith"))
    );
}

// firstname / lastname: "Alphabetic characters only. Required string
// length: 1 - 64." The SDK checks both itself (a pattern and length
// newtype) and refuses to send; the raw request shows the server refuses
// it too.

#[tokio::test]
async fn firstname_must_be_alphabetic() {
    let t = live().await;
    for bad in ["Jane2", "Anne-Marie", "Zoë"] {
        assert!(bad.parse::<types::UserProfileUpdateFirstname>().is_err());
        sdk_cannot_build(json!({ "firstname": bad }));
        t.assert_nothing_sent();
        raw_refused(&t, json!({ "firstname": bad }), "firstname").await;
    }
    t.assert_nothing_stored();
    let user = accepted(
        &t,
        types::UserProfileUpdate::builder().firstname(firstname("Jane")),
    )
    .await;
    assert_eq!(user.firstname.as_deref(), Some("Jane"));
    assert_eq!(t.stored(&t.alice).0["firstname"], "Jane");
}

#[tokio::test]
async fn firstname_must_be_1_to_64_characters() {
    let t = live().await;
    for bad in [String::new(), "a".repeat(65)] {
        assert!(bad.parse::<types::UserProfileUpdateFirstname>().is_err());
        sdk_cannot_build(json!({ "firstname": bad }));
        raw_refused(&t, json!({ "firstname": bad }), "firstname").await;
    }
    t.assert_nothing_stored();
    let longest = "a".repeat(64);
    accepted(
        &t,
        types::UserProfileUpdate::builder().firstname(firstname(&longest)),
    )
    .await;
    accepted(
        &t,
        types::UserProfileUpdate::builder().firstname(firstname("J")),
    )
    .await;
    assert_eq!(t.stored(&t.alice), (json!({ "firstname": "J" }), 2));
}

#[tokio::test]
async fn lastname_must_be_alphabetic() {
    let t = live().await;
    for bad in ["Doe2", "van Dyke", "Müller"] {
        assert!(bad.parse::<types::UserProfileUpdateLastname>().is_err());
        sdk_cannot_build(json!({ "lastname": bad }));
        raw_refused(&t, json!({ "lastname": bad }), "lastname").await;
    }
    t.assert_nothing_stored();
    let user = accepted(
        &t,
        types::UserProfileUpdate::builder().lastname(lastname("Doe")),
    )
    .await;
    assert_eq!(user.lastname.as_deref(), Some("Doe"));
}

#[tokio::test]
async fn lastname_must_be_1_to_64_characters() {
    let t = live().await;
    for bad in [String::new(), "Z".repeat(65)] {
        assert!(bad.parse::<types::UserProfileUpdateLastname>().is_err());
        sdk_cannot_build(json!({ "lastname": bad }));
        raw_refused(&t, json!({ "lastname": bad }), "lastname").await;
    }
    t.assert_nothing_stored();
    let longest = "Z".repeat(64);
    accepted(
        &t,
        types::UserProfileUpdate::builder().lastname(lastname(&longest)),
    )
    .await;
    assert_eq!(t.stored(&t.alice).0["lastname"], longest);
}

// timezone: "Valid IANA timezone identifier" (x-rule iana-time-zone): the
// server's to check, so the SDK sends it.

#[tokio::test]
async fn timezone_must_be_an_iana_time_zone() {
    let t = live().await;
    for bad in ["Mars/Olympus_Mons", "america/new_york", "+02:00"] {
        refused(
            &t,
            types::UserProfileUpdate::builder().timezone(Some(bad.to_string())),
            "timezone",
        )
        .await;
    }
    t.assert_nothing_stored();
    let user = accepted(
        &t,
        types::UserProfileUpdate::builder().timezone(Some("Europe/Berlin".to_string())),
    )
    .await;
    assert_eq!(user.timezone.as_deref(), Some("Europe/Berlin"));
    assert_eq!(t.stored(&t.alice).0["timezone"], "Europe/Berlin");
}

// default_organization: "User must be a member of this organization"
// (x-rule member-organization), and a uuid.

#[tokio::test]
async fn default_organization_must_be_a_member_organization() {
    let t = live().await;
    // Bob's organisation, and the spec example's, which is nobody's.
    let example: Uuid = "3c90c3cc-0d44-4b50-8888-8dd25736052a"
        .parse()
        .unwrap_or_else(|e| panic!("{e}"));
    for foreign in [organisation_of(&t, &t.bob).await, example] {
        refused(
            &t,
            types::UserProfileUpdate::builder().default_organization(Some(foreign)),
            "default_organization",
        )
        .await;
    }
    t.assert_nothing_stored();
    let own = organisation_of(&t, &t.alice).await;
    let user = accepted(
        &t,
        types::UserProfileUpdate::builder().default_organization(Some(own)),
    )
    .await;
    assert_eq!(user.default_organization, Some(own));
    assert_eq!(user.active_company.and_then(|c| c.uid), Some(own));
    assert_eq!(
        t.stored(&t.alice).0["default_organization"],
        own.to_string()
    );
}

#[tokio::test]
async fn default_organization_must_be_a_uuid() {
    let t = live().await;
    // The SDK's field is a `Uuid`: it cannot send anything else.
    sdk_cannot_build(json!({ "default_organization": "not-a-uuid" }));
    raw_refused(
        &t,
        json!({ "default_organization": "not-a-uuid" }),
        "default_organization",
    )
    .await;
    t.assert_nothing_stored();
    let own = organisation_of(&t, &t.alice).await;
    accepted(
        &t,
        types::UserProfileUpdate::builder().default_organization(Some(own)),
    )
    .await;
}

// settings: merged into the stored settings; "a key set to null is
// removed".

#[tokio::test]
async fn settings_are_merged_and_a_null_value_removes_the_key() {
    let t = live().await;
    accepted(
        &t,
        types::UserProfileUpdate::builder()
            .settings(object(json!({ "theme": "dark", "lang": "en" }))),
    )
    .await;
    let user = accepted(
        &t,
        types::UserProfileUpdate::builder().settings(object(
            json!({ "theme": "light", "lang": null, "page_size": 50 }),
        )),
    )
    .await;
    let expected = json!({ "theme": "light", "page_size": 50 });
    assert_eq!(Value::Object(user.settings), expected);
    assert_eq!(t.stored(&t.alice).0["settings"], expected);
}

#[tokio::test]
async fn settings_must_be_an_object() {
    let t = live().await;
    // The SDK's field is a JSON object: it cannot send anything else.
    sdk_cannot_build(json!({ "settings": "dark" }));
    raw_refused(&t, json!({ "settings": "dark" }), "settings").await;
    raw_refused(&t, json!({ "settings": [] }), "settings").await;
    t.assert_nothing_stored();
    accepted(
        &t,
        types::UserProfileUpdate::builder().settings(object(json!({ "theme": "dark" }))),
    )
    .await;
}

#[tokio::test]
async fn every_failing_field_is_named_at_once() {
    let t = live().await;
    let body = types::UserProfileUpdate::builder()
        .firstname(firstname("Valid"))
        .timezone(Some("Nowhere/Land".to_string()))
        .default_organization(Some(organisation_of(&t, &t.bob).await));
    assert_api_error(
        update(&t, body).await,
        422,
        &["default_organization", "timezone"],
    );
    t.assert_nothing_stored();
}

// Authentication: every failure is a 401 in the error envelope.

fn assert_unauthenticated(result: Result<types::UserProfileResponse, Error>) {
    match result {
        Err(Error::Api { status, body, .. }) => {
            assert_eq!(status.as_u16(), 401, "{body:?}");
            assert_eq!(body.status_code, 401);
            assert_eq!(body.message, "Unauthenticated.");
            assert!(body.errors.is_empty(), "{body:?}");
        }
        other => panic!("expected Error::Api 401, got {other:?}"),
    }
}

#[tokio::test]
async fn a_missing_token_is_unauthenticated() {
    let t = live().await;
    // The SDK always sends `Authorization: Bearer <token>`; an empty token
    // is the nearest it comes to none.
    let (_, result) = update_with(&t, "", seed(&t).await).await;
    assert_unauthenticated(result);
    // No header at all, raw.
    let exchange = t
        .raw(
            Method::PATCH,
            PATH,
            &[("content-type", "application/json")],
            "{}",
        )
        .await;
    assert_eq!(exchange.status, 401, "{exchange:?}");
    t.assert_nothing_stored();
}

#[tokio::test]
async fn a_wrong_token_is_unauthenticated() {
    let t = live().await;
    let (_, result) = update_with(&t, &t.wrong_token(), seed(&t).await).await;
    assert_unauthenticated(result);
    t.assert_nothing_stored();
}

#[tokio::test]
async fn another_apis_token_is_unauthenticated() {
    let t = live().await;
    for (api, token) in t.other_apis_tokens() {
        let (_, result) = update_with(&t, &token, seed(&t).await).await;
        match result {
            Err(Error::Api { status, .. }) => assert_eq!(status.as_u16(), 401, "{api:?}"),
            other => panic!("{api:?}: expected 401, got {other:?}"),
        }
    }
    t.assert_nothing_stored();
}

#[tokio::test]
async fn a_token_changes_only_its_own_users_profile() {
    let t = live().await;
    let (_, result) = update_with(
        &t,
        &t.token(&t.bob),
        types::UserProfileUpdate::builder().firstname(firstname("Bob")),
    )
    .await;
    let user = result
        .unwrap_or_else(|e| panic!("{e}"))
        .data
        .and_then(|d| d.user)
        .unwrap_or_else(|| panic!("data.user missing"));
    assert_eq!(user.uid, Some(t.bob.user.id));
    assert_eq!(user.email.as_deref(), Some("bob@example.com"));
    assert_eq!(t.stored(&t.bob), (json!({ "firstname": "Bob" }), 1));
    assert_eq!(t.stored(&t.alice).1, 0);
}
