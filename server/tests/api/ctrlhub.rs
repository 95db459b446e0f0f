//! Ctrl-Hub: `PUT /v3/users/{user_id}`, a JSON:API endpoint: session token
//! in `X-Session-Token`, `application/vnd.api+json` both ways, JSON:API
//! error documents.

use crate::harness::ApiProfile;
use reqwest::Method;
use serde_json::{Value, json};
use server::apis::DemoCredentials;
use server::storage::Api;
use uuid::Uuid;

use crate::harness::{Reply, TestApi};

/// What the tests that loop over every API need to know about Ctrl-Hub.
pub static PROFILE: ApiProfile = ApiProfile {
    named_body: |t, name| {
        format!(
            r#"{{"data":{{"id":"{}","type":"users","attributes":{{"profile":{{"personal":{{"first_name":"{name}"}}}}}}}}}}"#,
            t.alice.user.id
        )
    },
    is_error_body: |reply| {
        reply.content_type == "application/vnd.api+json"
            && reply.body["errors"][0]["status"].as_str() == Some(reply.status.to_string().as_str())
    },
    wrong_media_type: 415,
    too_large: 413,
    concurrent_change: |t, writer, value, _| {
        let profile = if writer.is_multiple_of(2) {
            json!({ "personal": { "first_name": value } })
        } else {
            json!({ "contact": { "mobile": value } })
        };
        json!({ "data": { "id": t.alice.user.id, "type": "users", "attributes": { "profile": profile } } })
    },
};

const JSON_API: &str = "application/vnd.api+json";

fn path(user_id: Uuid) -> String {
    format!("/v3/users/{user_id}")
}

/// The seed page's request, for `user_id`, with type "users".
fn seed(user_id: Uuid) -> Value {
    json!({
        "data": {
            "id": user_id.to_string(),
            "type": "users",
            "attributes": {
                "profile": {
                    "address": {
                        "area": "Central London",
                        "country_code": "GB",
                        "county": "Greater London",
                        "name": "The Shard",
                        "number": "32A",
                        "postcode": "SE1 9SG",
                        "street": "London Bridge Street",
                        "town": "London",
                        "what3words": "spark.dizzy.ramp"
                    },
                    "contact": { "landline": "020 3728 5000", "mobile": "07700 900456" },
                    "personal": {
                        "dob": "1985-06-15T00:00:00.000Z",
                        "first_name": "Charlotte",
                        "last_name": "Thompson"
                    },
                    "settings": { "preferred_language": "en-GB", "timezone": "Europe/London" },
                    "work": {
                        "cscs": "GBCSCS789",
                        "eusr": "GBEUSR012",
                        "occupation": "Senior Software Engineer",
                        "start_date": "2018-03-15T00:00:00.000Z"
                    }
                }
            }
        }
    })
}

/// Every profile field the request may carry, by JSON pointer.
const FIELDS: [&str; 20] = [
    "/data/attributes/profile/address/area",
    "/data/attributes/profile/address/country_code",
    "/data/attributes/profile/address/county",
    "/data/attributes/profile/address/name",
    "/data/attributes/profile/address/number",
    "/data/attributes/profile/address/postcode",
    "/data/attributes/profile/address/street",
    "/data/attributes/profile/address/town",
    "/data/attributes/profile/address/what3words",
    "/data/attributes/profile/contact/landline",
    "/data/attributes/profile/contact/mobile",
    "/data/attributes/profile/personal/dob",
    "/data/attributes/profile/personal/first_name",
    "/data/attributes/profile/personal/last_name",
    "/data/attributes/profile/settings/preferred_language",
    "/data/attributes/profile/settings/timezone",
    "/data/attributes/profile/work/cscs",
    "/data/attributes/profile/work/eusr",
    "/data/attributes/profile/work/occupation",
    "/data/attributes/profile/work/start_date",
];

/// Splits a JSON pointer into its parent's pointer and its last key.
fn split(pointer: &str) -> (&str, &str) {
    pointer.rsplit_once('/').unwrap_or(("", pointer))
}

/// `body` with the member at `pointer` set to `value` (its parent exists).
fn with(mut body: Value, pointer: &str, value: Value) -> Value {
    let (parent, key) = split(pointer);
    match body.pointer_mut(parent).and_then(Value::as_object_mut) {
        Some(object) => {
            object.insert(key.to_string(), value);
        }
        None => panic!("no object at {parent}"),
    }
    body
}

/// `body` without the member at `pointer`.
fn without(mut body: Value, pointer: &str) -> Value {
    let (parent, key) = split(pointer);
    if let Some(object) = body.pointer_mut(parent).and_then(Value::as_object_mut) {
        object.remove(key);
    }
    body
}

async fn put_raw(
    t: &TestApi,
    token: &str,
    user_id: Uuid,
    headers: &[(&str, &str)],
    body: &str,
) -> Reply {
    let mut all = vec![("x-session-token", token)];
    all.extend_from_slice(headers);
    t.send(Method::PUT, &path(user_id), &all, Some(body)).await
}

/// `body` sent by `token` to `user_id`'s URL as JSON:API.
async fn put_as(t: &TestApi, token: &str, user_id: Uuid, body: &Value) -> Reply {
    put_raw(
        t,
        token,
        user_id,
        &[("content-type", JSON_API)],
        &body.to_string(),
    )
    .await
}

/// `body` sent by alice to her own URL.
async fn put(t: &TestApi, body: &Value) -> Reply {
    put_as(t, &t.token(&t.alice), t.alice.user.id, body).await
}

/// A JSON:API error document with `status`, sent as JSON:API; when
/// `pointer` is given, one error object points there.
fn assert_error(reply: &Reply, status: u16, pointer: Option<&str>) {
    assert_eq!(reply.status, status, "{reply:?}");
    assert_eq!(reply.content_type, JSON_API, "{reply:?}");
    assert_eq!(reply.body["jsonapi"]["version"], "1.0", "{reply:?}");
    let errors = reply.body["errors"].as_array().cloned().unwrap_or_default();
    assert!(!errors.is_empty(), "{reply:?}");
    for error in &errors {
        assert_eq!(error["status"], status.to_string(), "{reply:?}");
        assert!(error["title"].is_string(), "{reply:?}");
        assert!(error["detail"].is_string(), "{reply:?}");
    }
    if let Some(pointer) = pointer {
        assert!(
            errors.iter().any(|e| e["source"]["pointer"] == pointer),
            "no error points at {pointer}: {reply:?}"
        );
    }
}

/// A refused request writes nothing, for either user.
fn assert_nothing_stored(t: &TestApi) {
    assert_eq!(t.stored(&t.alice).1, 0, "nothing may be stored for alice");
    assert_eq!(t.stored(&t.bob).1, 0, "nothing may be stored for bob");
}

/// 422 naming `pointer`, nothing stored.
async fn assert_invalid(t: &TestApi, body: Value, pointer: &str) {
    let reply = put(t, &body).await;
    assert_error(&reply, 422, Some(pointer));
    assert_nothing_stored(t);
}

/// 409 naming `pointer`, nothing stored.
async fn assert_conflict(t: &TestApi, body: Value, pointer: &str) {
    let reply = put(t, &body).await;
    assert_error(&reply, 409, Some(pointer));
    assert_nothing_stored(t);
}

async fn assert_accepted(t: &TestApi, body: Value) -> Reply {
    let reply = put(t, &body).await;
    assert_eq!(reply.status, 200, "{reply:?}");
    assert_eq!(reply.content_type, JSON_API, "{reply:?}");
    reply
}

#[tokio::test]
async fn the_seed_request_updates_the_profile_and_answers_from_storage() {
    let t = TestApi::start(Api::Ctrlhub).await;
    let alice = t.alice.user.id;
    let reply = assert_accepted(&t, seed(alice)).await;
    let (stored, sequence) = t.stored(&t.alice);
    assert_eq!(sequence, 1);
    // The stored document: the sent sections, dates as dates.
    assert_eq!(stored["profile"]["personal"]["dob"], "1985-06-15");
    assert_eq!(stored["profile"]["work"]["start_date"], "2018-03-15");
    assert_eq!(
        stored["profile"]["address"]["what3words"],
        "spark.dizzy.ramp"
    );

    let data = &reply.body["data"];
    assert_eq!(data["id"], alice.to_string());
    assert_eq!(data["type"], "users");
    assert_eq!(reply.body["jsonapi"]["version"], "1.0");
    let attributes = &data["attributes"];
    assert_eq!(attributes["email"], "alice@example.com");
    assert_eq!(attributes["identities"], json!([]));
    let profile = &attributes["profile"];
    // Every stored section comes back as stored; personal also carries the
    // account's username.
    for section in ["address", "contact", "settings", "work"] {
        assert_eq!(profile[section], stored["profile"][section], "{section}");
    }
    let mut personal = stored["profile"]["personal"].clone();
    personal["username"] = json!("alice");
    assert_eq!(profile["personal"], personal);
    assert_eq!(profile["personal"]["dob"], "1985-06-15");
    assert_eq!(profile["work"]["start_date"], "2018-03-15");
    assert_eq!(data["meta"]["grants"], json!([]));
}

#[tokio::test]
async fn the_answer_relates_and_includes_the_users_organisations_and_teams() {
    let t = TestApi::start(Api::Ctrlhub).await;
    let alice = t.alice.user.id;
    let reply = assert_accepted(&t, seed(alice)).await;
    let organisations = t.store.organisations_of(alice).await.unwrap_or_default();
    let teams = t.store.teams_of(alice).await.unwrap_or_default();
    assert_eq!((organisations.len(), teams.len()), (1, 1));
    let (organisation, team) = (&organisations[0], &teams[0]);
    let relationships = &reply.body["data"]["relationships"];
    assert_eq!(
        relationships["organisations"]["data"],
        json!([{ "id": organisation.id.to_string(), "type": "organisations" }])
    );
    assert_eq!(
        relationships["teams"]["data"],
        json!([{ "id": team.id.to_string(), "type": "teams" }])
    );
    let included = reply.body["included"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    assert_eq!(included.len(), 2, "{included:?}");
    let org = &included[0];
    assert_eq!(org["id"], organisation.id.to_string());
    assert_eq!(org["type"], "organisations");
    assert_eq!(org["attributes"]["name"], organisation.name);
    assert_eq!(org["attributes"]["slug"], organisation.slug);
    assert_eq!(org["attributes"]["sandbox"], false);
    assert_eq!(
        org["attributes"]["settings"]["nomenclature"]["governance"],
        json!({ "schemes": [], "work_orders": [], "operations": [] })
    );
    assert_eq!(org["meta"]["v3"], true);
    assert_eq!(org["meta"]["status"], "active");
    assert_eq!(org["meta"]["features"], json!([]));
    let created = org["meta"]["created_at"].as_str().unwrap_or_default();
    assert_eq!(
        chrono::DateTime::parse_from_rfc3339(created)
            .map(|d| d.to_utc())
            .ok(),
        Some(organisation.created_at)
    );
    assert_eq!(
        org["relationships"]["users"]["data"],
        json!([{ "id": alice.to_string(), "type": "users" }])
    );
    assert_eq!(
        org["relationships"]["teams"]["data"],
        json!([{ "id": team.id.to_string(), "type": "teams" }])
    );
    assert_eq!(
        included[1],
        json!({ "id": team.id.to_string(), "type": "teams", "attributes": { "name": team.name } })
    );
}

#[tokio::test]
async fn sent_sections_replace_stored_ones_and_left_out_sections_are_kept() {
    let t = TestApi::start(Api::Ctrlhub).await;
    let alice = t.alice.user.id;
    assert_accepted(&t, seed(alice)).await;
    let mut update = seed(alice);
    update["data"]["attributes"]["profile"] = json!({ "contact": { "mobile": "07700 900999" } });
    let reply = assert_accepted(&t, update).await;
    let (stored, sequence) = t.stored(&t.alice);
    assert_eq!(sequence, 2);
    // The sent section replaced the stored one whole: landline is gone.
    assert_eq!(
        stored["profile"]["contact"],
        json!({ "mobile": "07700 900999" })
    );
    assert_eq!(
        reply.body["data"]["attributes"]["profile"]["contact"],
        json!({ "mobile": "07700 900999" })
    );
    // The sections left out are kept, and answered from storage.
    assert_eq!(stored["profile"]["address"]["town"], "London");
    assert_eq!(
        reply.body["data"]["attributes"]["profile"]["address"]["town"],
        "London"
    );
    assert_eq!(
        reply.body["data"]["attributes"]["profile"]["personal"]["first_name"],
        "Charlotte"
    );
}

#[tokio::test]
async fn dob_and_start_date_are_stored_as_their_utc_date() {
    let t = TestApi::start(Api::Ctrlhub).await;
    let body = with(
        seed(t.alice.user.id),
        "/data/attributes/profile/personal/dob",
        json!("1985-06-15T23:30:00-02:00"),
    );
    let body = with(
        body,
        "/data/attributes/profile/work/start_date",
        json!("2018-03-15T00:30:00+01:00"),
    );
    let reply = assert_accepted(&t, body).await;
    let profile = &reply.body["data"]["attributes"]["profile"];
    assert_eq!(profile["personal"]["dob"], "1985-06-16");
    assert_eq!(profile["work"]["start_date"], "2018-03-14");
    assert_eq!(
        t.stored(&t.alice).0["profile"]["personal"]["dob"],
        "1985-06-16"
    );
}

#[tokio::test]
async fn an_update_that_changes_nothing_saves_nothing() {
    let t = TestApi::start(Api::Ctrlhub).await;
    let alice = t.alice.user.id;
    assert_accepted(&t, seed(alice)).await;
    let reply = assert_accepted(&t, seed(alice)).await;
    assert_eq!(t.stored(&t.alice).1, 1);
    assert_eq!(
        reply.body["data"]["attributes"]["profile"]["work"]["cscs"],
        "GBCSCS789"
    );
    // A document without attributes (they are optional) changes nothing.
    let bare = json!({ "data": { "id": alice.to_string(), "type": "users" } });
    let reply = assert_accepted(&t, bare).await;
    assert_eq!(t.stored(&t.alice).1, 1);
    assert_eq!(
        reply.body["data"]["attributes"]["profile"]["address"]["street"],
        "London Bridge Street"
    );
}

#[tokio::test]
async fn the_username_comes_from_the_account_and_unknown_members_are_not_stored() {
    let t = TestApi::start(Api::Ctrlhub).await;
    let body = with(
        seed(t.alice.user.id),
        "/data/attributes/profile/personal/username",
        json!("mallory"),
    );
    let body = with(
        body,
        "/data/attributes/profile/work/salary",
        json!(1_000_000),
    );
    let reply = assert_accepted(&t, body).await;
    assert_eq!(
        reply.body["data"]["attributes"]["profile"]["personal"]["username"],
        "alice"
    );
    let (stored, _) = t.stored(&t.alice);
    assert!(
        stored["profile"]["personal"].get("username").is_none(),
        "{stored}"
    );
    assert!(
        stored["profile"]["work"].get("salary").is_none(),
        "{stored}"
    );
}

#[tokio::test]
async fn the_document_must_be_an_object() {
    let t = TestApi::start(Api::Ctrlhub).await;
    assert_invalid(&t, json!([1, 2]), "").await;
}

#[tokio::test]
async fn data_is_required_and_an_object() {
    let t = TestApi::start(Api::Ctrlhub).await;
    assert_invalid(&t, json!({}), "/data").await;
    assert_invalid(&t, json!({ "data": null }), "/data").await;
    assert_invalid(&t, json!({ "data": "users" }), "/data").await;
    assert_accepted(&t, seed(t.alice.user.id)).await;
}

#[tokio::test]
async fn data_id_is_required_and_a_uuid() {
    let t = TestApi::start(Api::Ctrlhub).await;
    let alice = t.alice.user.id;
    assert_invalid(&t, without(seed(alice), "/data/id"), "/data/id").await;
    assert_invalid(
        &t,
        with(seed(alice), "/data/id", json!("not-a-uuid")),
        "/data/id",
    )
    .await;
    assert_invalid(&t, with(seed(alice), "/data/id", json!(42)), "/data/id").await;
    assert_invalid(&t, with(seed(alice), "/data/id", Value::Null), "/data/id").await;
    assert_accepted(&t, seed(alice)).await;
}

#[tokio::test]
async fn data_id_must_match_the_path_user_id() {
    let t = TestApi::start(Api::Ctrlhub).await;
    let alice = t.alice.user.id;
    let other = Uuid::new_v4().to_string();
    assert_conflict(&t, with(seed(alice), "/data/id", json!(other)), "/data/id").await;
    // bob's id in alice's document, sent to alice's URL, is a conflict too.
    let bob = t.bob.user.id.to_string();
    assert_conflict(&t, with(seed(alice), "/data/id", json!(bob)), "/data/id").await;
    // Upper-case hex is the same uuid.
    let upper = alice.to_string().to_uppercase();
    assert_accepted(&t, with(seed(alice), "/data/id", json!(upper))).await;
}

#[tokio::test]
async fn data_type_is_required_and_must_be_users() {
    let t = TestApi::start(Api::Ctrlhub).await;
    let alice = t.alice.user.id;
    assert_invalid(&t, without(seed(alice), "/data/type"), "/data/type").await;
    assert_invalid(&t, with(seed(alice), "/data/type", json!(7)), "/data/type").await;
    // Another type is JSON:API's 409, like another id.
    assert_conflict(
        &t,
        with(seed(alice), "/data/type", json!("people")),
        "/data/type",
    )
    .await;
    assert_conflict(
        &t,
        with(seed(alice), "/data/type", json!("Users")),
        "/data/type",
    )
    .await;
    assert_accepted(&t, with(seed(alice), "/data/type", json!("users"))).await;
}

#[tokio::test]
async fn attributes_profile_and_sections_are_objects_never_null() {
    let t = TestApi::start(Api::Ctrlhub).await;
    let alice = t.alice.user.id;
    for pointer in [
        "/data/attributes",
        "/data/attributes/profile",
        "/data/attributes/profile/address",
        "/data/attributes/profile/contact",
        "/data/attributes/profile/personal",
        "/data/attributes/profile/settings",
        "/data/attributes/profile/work",
    ] {
        assert_invalid(&t, with(seed(alice), pointer, Value::Null), pointer).await;
        assert_invalid(&t, with(seed(alice), pointer, json!("x")), pointer).await;
        assert_invalid(&t, with(seed(alice), pointer, json!([])), pointer).await;
    }
    // Each may be left out.
    let mut body = seed(alice);
    for section in ["address", "contact", "personal", "settings", "work"] {
        body = without(body, &format!("/data/attributes/profile/{section}"));
    }
    assert_accepted(&t, body).await;
    assert_accepted(&t, without(seed(alice), "/data/attributes")).await;
}

#[tokio::test]
async fn every_profile_field_is_a_string() {
    let t = TestApi::start(Api::Ctrlhub).await;
    let alice = t.alice.user.id;
    for pointer in FIELDS {
        assert_invalid(&t, with(seed(alice), pointer, json!(42)), pointer).await;
        assert_invalid(&t, with(seed(alice), pointer, Value::Null), pointer).await;
        assert_invalid(&t, with(seed(alice), pointer, json!({ "a": "b" })), pointer).await;
    }
    // Any string is accepted where the spec sets no other rule, the empty
    // one included; and every field may be left out.
    let mut body = seed(alice);
    for pointer in FIELDS {
        if !pointer.ends_with("dob") && !pointer.ends_with("start_date") {
            body = with(body, pointer, json!(""));
        }
    }
    assert_accepted(&t, body).await;
    let mut body = seed(alice);
    for pointer in FIELDS {
        body = without(body, pointer);
    }
    assert_accepted(&t, body).await;
}

#[tokio::test]
async fn dob_is_an_rfc3339_date_time() {
    let t = TestApi::start(Api::Ctrlhub).await;
    let alice = t.alice.user.id;
    let dob = "/data/attributes/profile/personal/dob";
    for bad in [
        "1985-06-15",
        "15/06/1985",
        "1985-06-15T00:00:00",
        "",
        "1985-13-15T00:00:00Z",
    ] {
        assert_invalid(&t, with(seed(alice), dob, json!(bad)), dob).await;
    }
    assert_accepted(&t, with(seed(alice), dob, json!("1985-06-15T00:00:00Z"))).await;
    assert_accepted(
        &t,
        with(seed(alice), dob, json!("1985-06-15T08:00:00+05:30")),
    )
    .await;
}

#[tokio::test]
async fn start_date_is_an_rfc3339_date_time() {
    let t = TestApi::start(Api::Ctrlhub).await;
    let alice = t.alice.user.id;
    let start = "/data/attributes/profile/work/start_date";
    for bad in ["2018-03-15", "yesterday", "2018-03-15T00:00:00", ""] {
        assert_invalid(&t, with(seed(alice), start, json!(bad)), start).await;
    }
    assert_accepted(
        &t,
        with(seed(alice), start, json!("2018-03-15T12:00:00.123Z")),
    )
    .await;
}

#[tokio::test]
async fn every_failing_field_is_reported_at_once() {
    let t = TestApi::start(Api::Ctrlhub).await;
    let alice = t.alice.user.id;
    let body = with(
        seed(alice),
        "/data/attributes/profile/personal/dob",
        json!("1985"),
    );
    let body = with(body, "/data/attributes/profile/contact/mobile", json!(7700));
    let body = without(body, "/data/type");
    let reply = put(&t, &body).await;
    assert_error(&reply, 422, Some("/data/attributes/profile/personal/dob"));
    assert_error(&reply, 422, Some("/data/attributes/profile/contact/mobile"));
    assert_error(&reply, 422, Some("/data/type"));
    assert_eq!(reply.body["errors"].as_array().map(Vec::len), Some(3));
    assert_nothing_stored(&t);
}

#[tokio::test]
async fn a_missing_token_is_unauthorized() {
    let t = TestApi::start(Api::Ctrlhub).await;
    let alice = t.alice.user.id;
    let reply = t
        .send(
            Method::PUT,
            &path(alice),
            &[("content-type", JSON_API)],
            Some(&seed(alice).to_string()),
        )
        .await;
    assert_error(&reply, 401, None);
    assert_eq!(
        reply.body["errors"][0]["source"]["header"],
        "X-Session-Token"
    );
    let reply = put_as(&t, "", alice, &seed(alice)).await;
    assert_error(&reply, 401, None);
    assert_nothing_stored(&t);
}

#[tokio::test]
async fn a_wrong_token_is_unauthorized() {
    let t = TestApi::start(Api::Ctrlhub).await;
    let alice = t.alice.user.id;
    let mut token = t.token(&t.alice);
    let last = token.pop();
    token.push(if last == Some('0') { '1' } else { '0' });
    let reply = put_as(&t, &token, alice, &seed(alice)).await;
    assert_error(&reply, 401, None);
    // The token as a bearer token is not a session token.
    let bearer = format!("Bearer {}", t.token(&t.alice));
    let reply = t
        .send(
            Method::PUT,
            &path(alice),
            &[("authorization", &bearer), ("content-type", JSON_API)],
            Some(&seed(alice).to_string()),
        )
        .await;
    assert_error(&reply, 401, None);
    assert_nothing_stored(&t);
}

#[tokio::test]
async fn another_apis_token_is_unauthorized() {
    let t = TestApi::start(Api::Ctrlhub).await;
    let alice = t.alice.user.id;
    for (api, token) in &t.alice.tokens {
        if *api == Api::Ctrlhub {
            continue;
        }
        let reply = put_as(&t, token, alice, &seed(alice)).await;
        assert_error(&reply, 401, None);
    }
    assert_nothing_stored(&t);
}

#[tokio::test]
async fn a_token_cannot_update_another_user() {
    let t = TestApi::start(Api::Ctrlhub).await;
    let bob = t.bob.user.id;
    // Alice's token on bob's URL with bob's id in the document.
    let reply = put_as(&t, &t.token(&t.alice), bob, &seed(bob)).await;
    assert_error(&reply, 403, None);
    // The refusal comes before the body is looked at.
    let reply = put_raw(
        &t,
        &t.token(&t.alice),
        bob,
        &[("content-type", JSON_API)],
        "{",
    )
    .await;
    assert_error(&reply, 403, None);
    assert_nothing_stored(&t);
    // Bob's own token still works on bob's URL.
    let reply = put_as(&t, &t.token(&t.bob), bob, &seed(bob)).await;
    assert_eq!(reply.status, 200, "{reply:?}");
    assert_eq!(reply.body["data"]["attributes"]["email"], "bob@example.com");
    assert_eq!((t.stored(&t.alice).1, t.stored(&t.bob).1), (0, 1));
}

#[tokio::test]
async fn an_unknown_user_id_is_not_found() {
    let t = TestApi::start(Api::Ctrlhub).await;
    let unknown = Uuid::new_v4();
    let reply = put_as(&t, &t.token(&t.alice), unknown, &seed(unknown)).await;
    assert_error(&reply, 404, None);
    assert_nothing_stored(&t);
}

#[tokio::test]
async fn a_malformed_user_id_is_a_bad_request() {
    let t = TestApi::start(Api::Ctrlhub).await;
    let reply = t
        .send(
            Method::PUT,
            "/v3/users/not-a-uuid",
            &[
                ("x-session-token", &t.token(&t.alice)),
                ("content-type", JSON_API),
            ],
            Some(&seed(t.alice.user.id).to_string()),
        )
        .await;
    assert_error(&reply, 400, None);
    assert_nothing_stored(&t);
}

#[tokio::test]
async fn malformed_json_is_a_bad_request() {
    let t = TestApi::start(Api::Ctrlhub).await;
    let token = t.token(&t.alice);
    for body in ["{\"data\": ", "", "data=1"] {
        let reply = put_raw(
            &t,
            &token,
            t.alice.user.id,
            &[("content-type", JSON_API)],
            body,
        )
        .await;
        assert_error(&reply, 400, None);
    }
    assert_nothing_stored(&t);
}

#[tokio::test]
async fn a_wrong_media_type_is_unsupported() {
    let t = TestApi::start(Api::Ctrlhub).await;
    let token = t.token(&t.alice);
    let alice = t.alice.user.id;
    let body = seed(alice).to_string();
    for content_type in [
        "text/plain",
        "application/json",
        "application/x-www-form-urlencoded",
        "application/vnd.api+json; charset=utf-8",
        "application/vnd.api+json; ext=bulk",
    ] {
        let reply = put_raw(&t, &token, alice, &[("content-type", content_type)], &body).await;
        assert_error(&reply, 415, None);
        assert_eq!(reply.body["errors"][0]["source"]["header"], "Content-Type");
    }
    let reply = put_raw(&t, &token, alice, &[], &body).await;
    assert_error(&reply, 415, None);
    assert_nothing_stored(&t);
    // The media type is matched case-insensitively.
    let reply = put_raw(
        &t,
        &token,
        alice,
        &[("content-type", "Application/VND.API+JSON")],
        &body,
    )
    .await;
    assert_eq!(reply.status, 200, "{reply:?}");
}

#[tokio::test]
async fn accept_naming_json_api_only_with_parameters_is_not_acceptable() {
    let t = TestApi::start(Api::Ctrlhub).await;
    let token = t.token(&t.alice);
    let alice = t.alice.user.id;
    let body = seed(alice).to_string();
    let reply = put_raw(
        &t,
        &token,
        alice,
        &[
            ("content-type", JSON_API),
            ("accept", "application/vnd.api+json; ext=bulk"),
        ],
        &body,
    )
    .await;
    assert_error(&reply, 406, None);
    assert_nothing_stored(&t);
    for accept in [
        "application/vnd.api+json",
        "application/vnd.api+json; ext=bulk, application/vnd.api+json",
        "application/vnd.api+json;q=0.9",
        "*/*",
    ] {
        let reply = put_raw(
            &t,
            &token,
            alice,
            &[("content-type", JSON_API), ("accept", accept)],
            &body,
        )
        .await;
        assert_eq!(reply.status, 200, "{accept}: {reply:?}");
    }
}

#[tokio::test]
async fn an_oversized_body_is_refused_in_the_vendor_shape() {
    let t = TestApi::start(Api::Ctrlhub).await;
    let huge = with(
        seed(t.alice.user.id),
        "/data/attributes/profile/work/occupation",
        json!("x".repeat(70 * 1024)),
    );
    let reply = put(&t, &huge).await;
    assert_error(&reply, 413, None);
    assert_nothing_stored(&t);
}

#[tokio::test]
async fn an_oversized_body_without_a_length_is_refused_in_the_vendor_shape() {
    let t = TestApi::start(Api::Ctrlhub).await;
    let huge = with(
        seed(t.alice.user.id),
        "/data/attributes/profile/work/occupation",
        json!("x".repeat(70 * 1024)),
    );
    let token = t.token(&t.alice);
    let reply = t
        .send_chunked(
            Method::PUT,
            &path(t.alice.user.id),
            &[("content-type", JSON_API), ("x-session-token", &token)],
            &huge.to_string(),
        )
        .await;
    assert_error(&reply, 413, None);
    assert_nothing_stored(&t);
}

#[tokio::test]
async fn the_hand_written_spec_is_served_as_json() {
    let t = TestApi::start(Api::Ctrlhub).await;
    let reply = t.send(Method::GET, "/openapi.json", &[], None).await;
    assert_eq!(reply.status, 200);
    assert_eq!(
        reply.body["paths"]["/v3/users/{user_id}"]["put"]["operationId"],
        "updateUser"
    );
}

/// The text between `start` and the next `'` in a curl line.
fn quoted_after<'a>(line: &'a str, start: &str) -> Vec<&'a str> {
    line.split(start)
        .skip(1)
        .filter_map(|rest| rest.split_once('\'').map(|(quoted, _)| quoted))
        .collect()
}

#[tokio::test]
async fn the_demo_curl_line_succeeds() {
    let t = TestApi::start(Api::Ctrlhub).await;
    let registration = Api::Ctrlhub.descriptor();
    let base = t.running().base_url();
    let line = registration.demo_curl(
        &base,
        &DemoCredentials {
            user_id: t.alice.user.id,
            token: t.token(&t.alice),
            tenant: None,
        },
    );
    let url = quoted_after(&line, "--url '");
    let data = quoted_after(&line, "--data '");
    let headers: Vec<(&str, &str)> = quoted_after(&line, "--header '")
        .into_iter()
        .filter_map(|h| h.split_once(": "))
        .collect();
    assert_eq!((url.len(), data.len(), headers.len()), (1, 1, 2), "{line}");
    let path = url[0].strip_prefix(&base).unwrap_or_default();
    let reply = t.send(Method::PUT, path, &headers, Some(data[0])).await;
    assert_eq!(reply.status, 200, "{line}\n{reply:?}");
    // The curl body is the seed's request.
    let sent: Value = serde_json::from_str(data[0]).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(sent, seed(t.alice.user.id));
    assert_eq!(t.stored(&t.alice).1, 1);
}
