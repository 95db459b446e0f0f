//! Ctrl-Hub through `ctrlhub-sdk` against the server:
//! `PUT /v3/users/{user_id}`, JSON:API (`application/vnd.api+json`) both
//! ways, `X-Session-Token`, a JSON:API error document on every error.

use ctrlhub_sdk::{Client, Credentials, Error, types};
use reqwest::Method;
use serde_json::{Value, json};
use server::storage::Api;
use uuid::Uuid;

use super::harness::{Exchange, Live};
use crate::seed_requests::ctrlhub::{built, document, personal, seed, seed_profile, some, work};

const JSON_API: &str = "application/vnd.api+json";
const DOB: &str = "/data/attributes/profile/personal/dob";
const START_DATE: &str = "/data/attributes/profile/work/start_date";

async fn live() -> Live {
    Live::start(Api::Ctrlhub).await
}

fn client(t: &Live, token: &str) -> Client {
    Client::new(
        t.url(),
        Credentials::session_token(token)
            .unwrap_or_else(|e| panic!("{e}"))
            .into(),
    )
}

/// Sends `body` to `/v3/users/{path_id}` with `token` through the SDK;
/// returns what went on the wire (checked against the spec) and the
/// SDK's result.
async fn update_with(
    t: &Live,
    token: &str,
    path_id: Uuid,
    body: types::builder::UserUpdateDocument,
) -> (Vec<Exchange>, Result<types::UserDocument, Error>) {
    let result = client(t, token)
        .update_user()
        .user_id(path_id)
        .body(body)
        .send()
        .await
        .map(|r| r.into_inner())
        .map_err(Error::from);
    let sent = t.conform();
    assert!(sent.len() <= 1, "one call, one request: {sent:?}");
    (sent, result)
}

/// Alice updates herself.
async fn update(
    t: &Live,
    body: types::builder::UserUpdateDocument,
) -> Result<types::UserDocument, Error> {
    let token = t.token(&t.alice);
    update_with(t, &token, t.alice.user.id, body).await.1
}

async fn accepted(t: &Live, body: types::builder::UserUpdateDocument) -> types::UserDocument {
    update(t, body).await.unwrap_or_else(|e| panic!("{e}"))
}

/// The SDK error with `status`, one of whose error objects points at
/// `pointer` (when given).
fn assert_api_error(
    result: &Result<types::UserDocument, Error>,
    status: u16,
    pointer: Option<&str>,
) {
    match result {
        Err(Error::Api {
            status: got, body, ..
        }) => {
            assert_eq!(got.as_u16(), status, "{body:?}");
            assert_eq!(
                body.jsonapi.as_ref().and_then(|j| j.version.as_deref()),
                Some("1.0")
            );
            assert!(!body.errors.is_empty());
            for error in &body.errors {
                assert_eq!(error.status, Some(status.to_string()), "{body:?}");
            }
            if let Some(pointer) = pointer {
                assert!(
                    body.errors.iter().any(|e| {
                        e.source.as_ref().and_then(|s| s.pointer.as_deref()) == Some(pointer)
                    }),
                    "no error points at {pointer}: {body:?}"
                );
            }
        }
        other => panic!("expected Error::Api {status}, got {other:?}"),
    }
}

/// The SDK refused to build the request: nothing went on the wire.
fn assert_sdk_refused(sent: &[Exchange], result: &Result<types::UserDocument, Error>) {
    assert!(
        matches!(result, Err(Error::InvalidRequest(_))),
        "{result:?}"
    );
    assert!(sent.is_empty(), "the SDK sent {sent:?}");
}

/// The SDK's request type cannot hold `body`, so the SDK can never send it.
fn sdk_cannot_build(body: &Value) {
    assert!(
        serde_json::from_value::<types::UserUpdateDocument>(body.clone()).is_err(),
        "the SDK accepts {body}"
    );
}

/// The seed as JSON, for `id`.
fn seed_json(t: &Live, id: Uuid) -> Value {
    let mut example = t.spec["paths"]["/v3/users/{user_id}"]["put"]["requestBody"]["content"]
        [JSON_API]["example"]
        .clone();
    example["data"]["id"] = json!(id.to_string());
    example
}

/// The seed with the member at `pointer` set to `value`.
fn seed_json_with(t: &Live, pointer: &str, value: Value) -> Value {
    let mut body = seed_json(t, t.alice.user.id);
    let (parent, key) = pointer.rsplit_once('/').unwrap_or(("", pointer));
    match body.pointer_mut(parent).and_then(Value::as_object_mut) {
        Some(object) => object.insert(key.to_string(), value),
        None => panic!("no object at {parent}"),
    };
    body
}

/// What the SDK refuses to send, sent raw by alice to her own URL through
/// the proxy: `status`, an error object at `pointer` (as the SDK decodes
/// it), nothing stored.
async fn raw_refused(t: &Live, body: Value, status: u16, pointer: &str) {
    sdk_cannot_build(&body);
    let token = t.token(&t.alice);
    let exchange = t
        .raw(
            Method::PUT,
            &format!("/v3/users/{}", t.alice.user.id),
            &[("x-session-token", &token), ("content-type", JSON_API)],
            &body.to_string(),
        )
        .await;
    assert_eq!(exchange.status, status, "{exchange:?}");
    let decoded: types::ErrorDocument = exchange.decoded();
    assert!(
        decoded
            .errors
            .iter()
            .any(|e| e.source.as_ref().and_then(|s| s.pointer.as_deref()) == Some(pointer)),
        "no error points at {pointer}: {decoded:?}"
    );
    t.assert_nothing_stored();
}

// The seed request.

#[tokio::test]
async fn the_seed_request_is_stored_and_answered_from_storage() {
    let t = live().await;
    let alice = t.alice.user.id;
    let token = t.token(&t.alice);
    let (sent, result) = update_with(&t, &token, alice, seed(alice)).await;
    let exchange = sent.first().unwrap_or_else(|| panic!("nothing was sent"));
    assert_eq!(exchange.path, format!("/v3/users/{alice}"));
    // The SDK writes date-times in its own spelling (chrono's); as instants
    // they are the example's, and everything else is the example verbatim.
    let mut sent_json = exchange.request_json();
    let example = seed_json(&t, alice);
    for (pointer, instant) in [
        (DOB, "1985-06-15T00:00:00"),
        (START_DATE, "2018-03-15T00:00:00"),
    ] {
        let spelt = sent_json
            .pointer(pointer)
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string();
        assert!(
            spelt.starts_with(instant) && spelt.ends_with('Z'),
            "{pointer}: {spelt}"
        );
        if let (Some(sent), Some(wanted)) =
            (sent_json.pointer_mut(pointer), example.pointer(pointer))
        {
            *sent = wanted.clone();
        }
    }
    assert_eq!(sent_json, example);
    assert_eq!(exchange.content_type.as_deref(), Some(JSON_API));

    let document = result.unwrap_or_else(|e| panic!("{e}"));
    let (stored, sequence) = t.stored(&t.alice);
    assert_eq!(sequence, 1);
    // Dates are stored as their UTC date.
    assert_eq!(stored["profile"]["personal"]["dob"], "1985-06-15");
    assert_eq!(stored["profile"]["work"]["start_date"], "2018-03-15");
    assert_eq!(
        stored["profile"]["address"]["what3words"],
        "spark.dizzy.ramp"
    );

    assert_eq!(document.data.id, alice);
    assert_eq!(document.data.type_, types::UserType::Users);
    assert_eq!(document.jsonapi.version.as_deref(), Some("1.0"));
    let attributes = document
        .data
        .attributes
        .unwrap_or_else(|| panic!("attributes missing"));
    assert_eq!(attributes.email.as_deref(), Some("alice@example.com"));
    let profile = attributes
        .profile
        .unwrap_or_else(|| panic!("profile missing"));
    let personal = profile
        .personal
        .unwrap_or_else(|| panic!("personal missing"));
    assert_eq!(
        personal.dob.map(|d| d.to_string()).as_deref(),
        Some("1985-06-15")
    );
    assert_eq!(personal.first_name.as_deref(), Some("Charlotte"));
    assert_eq!(personal.username.as_deref(), Some("alice"));
    let work = profile.work.unwrap_or_else(|| panic!("work missing"));
    assert_eq!(
        work.start_date.map(|d| d.to_string()).as_deref(),
        Some("2018-03-15")
    );
    assert_eq!(
        profile.address.and_then(|a| a.town).as_deref(),
        Some("London")
    );
    // The user's organisation and team are related and included.
    let organisation = t.store.organisations_of(alice).await.unwrap_or_default();
    let team = t.store.teams_of(alice).await.unwrap_or_default();
    let included: Vec<Uuid> = document
        .included
        .iter()
        .map(|i| match i {
            types::IncludedResource::Organisation(o) => o.id,
            types::IncludedResource::Team(t) => t.id,
        })
        .collect();
    assert_eq!(included, [organisation[0].id, team[0].id]);
    // Each credential the spec's security requirement names is one the
    // server needs.
    t.assert_each_credential_is_required(exchange).await;
}

// data.id: "it must equal the user_id path parameter" (x-rule
// id-matches-path; JSON:API's 409 Conflict).

#[tokio::test]
async fn data_id_must_equal_the_path_user_id() {
    let t = live().await;
    for other in [Uuid::new_v4(), t.bob.user.id] {
        let result = update(&t, seed(other)).await;
        assert_api_error(&result, 409, Some("/data/id"));
    }
    t.assert_nothing_stored();
    let document = accepted(&t, seed(t.alice.user.id)).await;
    assert_eq!(document.data.id, t.alice.user.id);
}

// data.id and data.type: required (JSON:API 1.0). The SDK's builder
// requires both and refuses to send without.

#[tokio::test]
async fn data_id_is_required() {
    let t = live().await;
    let body = types::UserUpdateDocument::builder()
        .data(types::UserUpdateResource::builder().type_(types::UserUpdateResourceType::Users));
    let token = t.token(&t.alice);
    let (sent, result) = update_with(&t, &token, t.alice.user.id, body).await;
    assert_sdk_refused(&sent, &result);
    let mut raw = seed_json(&t, t.alice.user.id);
    raw["data"].as_object_mut().map(|d| d.remove("id"));
    raw_refused(&t, raw, 422, "/data/id").await;
    accepted(&t, seed(t.alice.user.id)).await;
}

#[tokio::test]
async fn data_type_is_required() {
    let t = live().await;
    let body = types::UserUpdateDocument::builder()
        .data(types::UserUpdateResource::builder().id(t.alice.user.id));
    let token = t.token(&t.alice);
    let (sent, result) = update_with(&t, &token, t.alice.user.id, body).await;
    assert_sdk_refused(&sent, &result);
    let mut raw = seed_json(&t, t.alice.user.id);
    raw["data"].as_object_mut().map(|d| d.remove("type"));
    raw_refused(&t, raw, 422, "/data/type").await;
    accepted(&t, seed(t.alice.user.id)).await;
}

// data.type: enum ["users"]. The SDK's enum has that one value.

#[tokio::test]
async fn data_type_must_be_users() {
    let t = live().await;
    assert!("people".parse::<types::UserUpdateResourceType>().is_err());
    let raw = seed_json_with(&t, "/data/type", json!("people"));
    raw_refused(&t, raw, 409, "/data/type").await;
    let document = accepted(&t, seed(t.alice.user.id)).await;
    assert_eq!(document.data.type_, types::UserType::Users);
}

// data.id / the user_id path parameter: format uuid. The SDK takes a
// `Uuid` for both.

#[tokio::test]
async fn data_id_must_be_a_uuid() {
    let t = live().await;
    let raw = seed_json_with(&t, "/data/id", json!("not-a-uuid"));
    raw_refused(&t, raw, 422, "/data/id").await;
    accepted(&t, seed(t.alice.user.id)).await;
}

#[tokio::test]
async fn the_user_id_path_parameter_must_be_a_uuid() {
    let t = live().await;
    let token = t.token(&t.alice);
    let exchange = t
        .raw(
            Method::PUT,
            "/v3/users/not-a-uuid",
            &[("x-session-token", &token), ("content-type", JSON_API)],
            &seed_json(&t, t.alice.user.id).to_string(),
        )
        .await;
    assert_eq!(exchange.status, 400, "{exchange:?}");
    let decoded: types::ErrorDocument = exchange.decoded();
    assert!(!decoded.errors.is_empty());
    t.assert_nothing_stored();
}

// dob / start_date: date-time in the request ("only the date part is
// meaningful"), date in the response. The SDK's request fields are
// date-times, its response fields dates.

#[tokio::test]
async fn dob_must_be_a_date_time_and_is_answered_as_a_date() {
    let t = live().await;
    for bad in ["1985-06-15", "15/06/1985", "1985-06-15T00:00:00"] {
        raw_refused(&t, seed_json_with(&t, DOB, json!(bad)), 422, DOB).await;
    }
    // 1985-06-15T23:30-02:00 is 1985-06-16 in UTC.
    let profile = seed_profile().personal(Some(personal("1985-06-15T23:30:00-02:00")));
    let document = accepted(&t, document(t.alice.user.id, profile)).await;
    let dob = document
        .data
        .attributes
        .and_then(|a| a.profile)
        .and_then(|p| p.personal)
        .and_then(|p| p.dob);
    assert_eq!(dob.map(|d| d.to_string()).as_deref(), Some("1985-06-16"));
    assert_eq!(
        t.stored(&t.alice).0["profile"]["personal"]["dob"],
        "1985-06-16"
    );
}

#[tokio::test]
async fn start_date_must_be_a_date_time_and_is_answered_as_a_date() {
    let t = live().await;
    for bad in ["2018-03-15", "yesterday"] {
        raw_refused(
            &t,
            seed_json_with(&t, START_DATE, json!(bad)),
            422,
            START_DATE,
        )
        .await;
    }
    let profile = seed_profile().work(Some(work("2018-03-15T12:00:00.123Z")));
    let document = accepted(&t, document(t.alice.user.id, profile)).await;
    let start = document
        .data
        .attributes
        .and_then(|a| a.profile)
        .and_then(|p| p.work)
        .and_then(|w| w.start_date);
    assert_eq!(start.map(|d| d.to_string()).as_deref(), Some("2018-03-15"));
}

// Profile fields: strings. The SDK's fields are `String`s.

#[tokio::test]
async fn profile_fields_must_be_strings() {
    let t = live().await;
    let mobile = "/data/attributes/profile/contact/mobile";
    raw_refused(&t, seed_json_with(&t, mobile, json!(7700)), 422, mobile).await;
    let contact: types::Contact = built(types::Contact::builder().mobile(some("07700 900999")));
    let document = accepted(
        &t,
        document(
            t.alice.user.id,
            types::UserProfileUpdate::builder().contact(Some(contact)),
        ),
    )
    .await;
    assert_eq!(
        document
            .data
            .attributes
            .and_then(|a| a.profile)
            .and_then(|p| p.contact)
            .and_then(|c| c.mobile)
            .as_deref(),
        Some("07700 900999")
    );
    assert_eq!(
        t.stored(&t.alice).0["profile"]["contact"],
        json!({ "mobile": "07700 900999" })
    );
}

// Authentication and authorisation.

#[tokio::test]
async fn a_missing_session_token_is_unauthorized() {
    let t = live().await;
    let alice = t.alice.user.id;
    // The SDK always sends `X-Session-Token`; an empty one is the nearest
    // it comes to none.
    let (_, result) = update_with(&t, "", alice, seed(alice)).await;
    assert_api_error(&result, 401, None);
    let exchange = t
        .raw(
            Method::PUT,
            &format!("/v3/users/{alice}"),
            &[("content-type", JSON_API)],
            &seed_json(&t, alice).to_string(),
        )
        .await;
    assert_eq!(exchange.status, 401, "{exchange:?}");
    assert_eq!(
        exchange.json()["errors"][0]["source"]["header"],
        "X-Session-Token"
    );
    t.assert_nothing_stored();
}

#[tokio::test]
async fn a_wrong_session_token_is_unauthorized() {
    let t = live().await;
    let alice = t.alice.user.id;
    let (_, result) = update_with(&t, &t.wrong_token(), alice, seed(alice)).await;
    assert_api_error(&result, 401, None);
    t.assert_nothing_stored();
}

#[tokio::test]
async fn another_apis_token_is_unauthorized() {
    let t = live().await;
    let alice = t.alice.user.id;
    for (api, token) in t.other_apis_tokens() {
        let (_, result) = update_with(&t, &token, alice, seed(alice)).await;
        assert!(result.is_err(), "{api:?}");
        assert_api_error(&result, 401, None);
    }
    t.assert_nothing_stored();
}

#[tokio::test]
async fn updating_another_users_id_is_forbidden() {
    let t = live().await;
    let bob = t.bob.user.id;
    let alice_token = t.token(&t.alice);
    let (_, result) = update_with(&t, &alice_token, bob, seed(bob)).await;
    assert_api_error(&result, 403, None);
    t.assert_nothing_stored();
    // Bob's own token works on bob's id.
    let bob_token = t.token(&t.bob);
    let (_, result) = update_with(&t, &bob_token, bob, seed(bob)).await;
    let document = result.unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        document.data.attributes.and_then(|a| a.email).as_deref(),
        Some("bob@example.com")
    );
    assert_eq!((t.stored(&t.alice).1, t.stored(&t.bob).1), (0, 1));
}

#[tokio::test]
async fn an_unknown_user_id_is_not_found() {
    let t = live().await;
    let unknown = Uuid::new_v4();
    let token = t.token(&t.alice);
    let (_, result) = update_with(&t, &token, unknown, seed(unknown)).await;
    assert_api_error(&result, 404, None);
    t.assert_nothing_stored();
}
