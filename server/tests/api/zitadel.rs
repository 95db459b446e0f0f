//! ZITADEL: `PUT /auth/v1/users/me/profile`, bearer access token, gRPC
//! status error bodies.

use crate::harness::ApiProfile;
use reqwest::Method;
use serde_json::{Value, json};
use server::storage::Api;

use crate::harness::{Reply, TestApi};

/// What the tests that loop over every API need to know about ZITADEL.
pub static PROFILE: ApiProfile = ApiProfile {
    named_body: |_, name| {
        format!(r#"{{"firstName":"{name}","lastName":"Mouse","displayName":"{name} Mouse"}}"#)
    },
    is_error_body: |reply| {
        reply.content_type == "application/json"
            && reply.body["code"].is_i64()
            && reply.body["message"].is_string()
    },
    // The gateway answers a wrong media type and an oversized body with
    // INVALID_ARGUMENT.
    wrong_media_type: 400,
    too_large: 400,
    concurrent_change: |_, _, value, _| {
        json!({ "firstName": value, "lastName": "Mouse", "displayName": "Minnie" })
    },
};

const PATH: &str = "/auth/v1/users/me/profile";

fn seed() -> Value {
    json!({
        "firstName": "Minnie",
        "lastName": "Mouse",
        "nickName": "Minnie",
        "displayName": "Minnie Mouse",
        "preferredLanguage": "en",
        "gender": "GENDER_UNSPECIFIED"
    })
}

async fn put(t: &TestApi, token: &str, body: &Value) -> Reply {
    let auth = format!("Bearer {token}");
    t.send(
        Method::PUT,
        PATH,
        &[
            ("authorization", auth.as_str()),
            ("content-type", "application/json"),
        ],
        Some(&body.to_string()),
    )
    .await
}

fn with(field: &str, value: Value) -> Value {
    let mut body = seed();
    body[field] = value;
    body
}

/// A rejected request: 400 INVALID_ARGUMENT naming the field, nothing stored.
async fn assert_refused(t: &TestApi, body: Value, field: &str) {
    let token = t.token(&t.alice);
    let reply = put(t, &token, &body).await;
    assert_eq!(reply.status, 400, "{reply:?}");
    assert_eq!(reply.body["code"], 3, "{reply:?}");
    let message = reply.body["message"].as_str().unwrap_or_default();
    assert!(message.contains(field), "{message}");
    assert_eq!(t.stored(&t.alice).1, 0, "nothing may be stored");
}

async fn assert_accepted(t: &TestApi, body: Value) {
    let token = t.token(&t.alice);
    let reply = put(t, &token, &body).await;
    assert_eq!(reply.status, 200, "{reply:?}");
}

#[tokio::test]
async fn the_seed_request_updates_the_profile_and_answers_its_details() {
    let t = TestApi::start(Api::Zitadel).await;
    let reply = put(&t, &t.token(&t.alice), &seed()).await;
    assert_eq!(reply.status, 200, "{reply:?}");
    assert_eq!(reply.content_type, "application/json");
    let details = &reply.body["details"];
    assert_eq!(details["sequence"], "1");
    let organisation = t
        .store
        .organisations_of(t.alice.user.id)
        .await
        .unwrap_or_default();
    assert_eq!(details["resourceOwner"], organisation[0].id.to_string());
    assert!(
        details["creationDate"]
            .as_str()
            .is_some_and(|d| d.ends_with('Z'))
    );
    let (stored, sequence) = t.stored(&t.alice);
    assert_eq!(
        (stored["displayName"].clone(), sequence),
        (json!("Minnie Mouse"), 1)
    );
}

#[tokio::test]
async fn the_sequence_grows_by_one_per_change() {
    let t = TestApi::start(Api::Zitadel).await;
    let token = t.token(&t.alice);
    put(&t, &token, &seed()).await;
    let reply = put(&t, &token, &with("nickName", json!("Min"))).await;
    assert_eq!(reply.body["details"]["sequence"], "2", "{reply:?}");
    assert_ne!(
        reply.body["details"]["changeDate"],
        reply.body["details"]["creationDate"]
    );
}

#[tokio::test]
async fn an_update_that_changes_nothing_is_a_failed_precondition() {
    let t = TestApi::start(Api::Zitadel).await;
    let token = t.token(&t.alice);
    put(&t, &token, &seed()).await;
    let reply = put(&t, &token, &seed()).await;
    assert_eq!(
        (reply.status, reply.body["code"].clone()),
        (400, json!(9)),
        "{reply:?}"
    );
    assert_eq!(
        reply.body["details"][0]["id"],
        "Errors.User.Profile.NotChanged"
    );
    assert_eq!(t.stored(&t.alice).1, 1);
}

#[tokio::test]
async fn gender_defaults_to_gender_unspecified() {
    let t = TestApi::start(Api::Zitadel).await;
    let mut body = seed();
    body.as_object_mut().map(|b| b.remove("gender"));
    assert_accepted(&t, body).await;
    assert_eq!(t.stored(&t.alice).0["gender"], "GENDER_UNSPECIFIED");
}

#[tokio::test]
async fn first_name_is_required() {
    let t = TestApi::start(Api::Zitadel).await;
    let mut body = seed();
    body.as_object_mut().map(|b| b.remove("firstName"));
    assert_refused(&t, body, "firstName").await;
}

#[tokio::test]
async fn first_name_is_non_empty() {
    let t = TestApi::start(Api::Zitadel).await;
    assert_refused(&t, with("firstName", json!("")), "FirstName").await;
}

#[tokio::test]
async fn first_name_is_at_most_200_characters() {
    let t = TestApi::start(Api::Zitadel).await;
    assert_refused(&t, with("firstName", json!("é".repeat(201))), "FirstName").await;
    assert_accepted(&t, with("firstName", json!("é".repeat(200)))).await;
}

#[tokio::test]
async fn last_name_is_non_empty_and_at_most_200_characters() {
    let t = TestApi::start(Api::Zitadel).await;
    assert_refused(&t, with("lastName", json!("")), "LastName").await;
    assert_refused(&t, with("lastName", json!("x".repeat(201))), "LastName").await;
    assert_accepted(&t, with("lastName", json!("x".repeat(200)))).await;
}

#[tokio::test]
async fn display_name_is_required_non_empty_and_at_most_200_characters() {
    let t = TestApi::start(Api::Zitadel).await;
    let mut missing = seed();
    missing.as_object_mut().map(|b| b.remove("displayName"));
    assert_refused(&t, missing, "displayName").await;
    assert_refused(&t, with("displayName", json!("")), "DisplayName").await;
    assert_refused(
        &t,
        with("displayName", json!("x".repeat(201))),
        "DisplayName",
    )
    .await;
    assert_accepted(&t, with("displayName", json!("x".repeat(200)))).await;
}

#[tokio::test]
async fn nick_name_may_be_empty_and_is_at_most_200_characters() {
    let t = TestApi::start(Api::Zitadel).await;
    assert_refused(&t, with("nickName", json!("x".repeat(201))), "NickName").await;
    assert_accepted(&t, with("nickName", json!(""))).await;
}

#[tokio::test]
async fn preferred_language_is_at_most_10_characters() {
    let t = TestApi::start(Api::Zitadel).await;
    assert_refused(
        &t,
        with("preferredLanguage", json!("en-GB-x-abc")),
        "PreferredLanguage",
    )
    .await;
    assert_accepted(&t, with("preferredLanguage", json!("en-GB-x-ab"))).await;
}

/// The optional fields may be left out, but no field is nullable in the
/// spec: a null is refused, naming the field.
#[tokio::test]
async fn nick_name_and_preferred_language_are_never_null() {
    let t = TestApi::start(Api::Zitadel).await;
    for field in ["nickName", "preferredLanguage"] {
        assert_refused(&t, with(field, Value::Null), field).await;
    }
    let mut without = seed();
    if let Some(body) = without.as_object_mut() {
        body.remove("nickName");
        body.remove("preferredLanguage");
    }
    assert_accepted(&t, without).await;
}

#[tokio::test]
async fn gender_is_one_of_the_enum() {
    let t = TestApi::start(Api::Zitadel).await;
    assert_refused(&t, with("gender", json!("GENDER_ROBOT")), "GENDER_ROBOT").await;
    assert_accepted(&t, with("gender", json!("GENDER_DIVERSE"))).await;
}

#[tokio::test]
async fn a_missing_token_is_unauthenticated() {
    let t = TestApi::start(Api::Zitadel).await;
    let reply = t
        .send(
            Method::PUT,
            PATH,
            &[("content-type", "application/json")],
            Some(&seed().to_string()),
        )
        .await;
    assert_eq!(
        (reply.status, reply.body["code"].clone()),
        (401, json!(16)),
        "{reply:?}"
    );
    assert_eq!(t.stored(&t.alice).1, 0);
}

#[tokio::test]
async fn a_wrong_token_is_unauthenticated() {
    let t = TestApi::start(Api::Zitadel).await;
    let mut token = t.token(&t.alice);
    token.pop();
    token.push('x');
    let reply = put(&t, &token, &seed()).await;
    assert_eq!(
        (reply.status, reply.body["code"].clone()),
        (401, json!(16)),
        "{reply:?}"
    );
    // Another API's token is not a ZITADEL token either.
    let foreign = t
        .alice
        .tokens
        .iter()
        .find(|(api, _)| *api == Api::Exante)
        .map(|(_, t)| t.clone());
    let reply = put(&t, &foreign.unwrap_or_default(), &seed()).await;
    assert_eq!(reply.status, 401, "{reply:?}");
}

#[tokio::test]
async fn a_token_changes_only_its_own_users_profile() {
    let t = TestApi::start(Api::Zitadel).await;
    put(&t, &t.token(&t.bob), &seed()).await;
    assert_eq!(t.stored(&t.bob).1, 1);
    assert_eq!(t.stored(&t.alice).1, 0);
}

#[tokio::test]
async fn malformed_json_is_invalid_argument() {
    let t = TestApi::start(Api::Zitadel).await;
    let auth = format!("Bearer {}", t.token(&t.alice));
    let reply = t
        .send(
            Method::PUT,
            PATH,
            &[
                ("authorization", &auth),
                ("content-type", "application/json"),
            ],
            Some("{\"firstName\": "),
        )
        .await;
    assert_eq!(
        (reply.status, reply.body["code"].clone()),
        (400, json!(3)),
        "{reply:?}"
    );
    assert_eq!(t.stored(&t.alice).1, 0);
}

#[tokio::test]
async fn a_wrong_media_type_is_invalid_argument() {
    let t = TestApi::start(Api::Zitadel).await;
    let auth = format!("Bearer {}", t.token(&t.alice));
    let reply = t
        .send(
            Method::PUT,
            PATH,
            &[("authorization", &auth), ("content-type", "text/plain")],
            Some(&seed().to_string()),
        )
        .await;
    assert_eq!(
        (reply.status, reply.body["code"].clone()),
        (400, json!(3)),
        "{reply:?}"
    );
}

#[tokio::test]
async fn an_oversized_body_is_refused_in_the_vendor_shape() {
    let t = TestApi::start(Api::Zitadel).await;
    let auth = format!("Bearer {}", t.token(&t.alice));
    let huge = with("nickName", json!("x".repeat(70 * 1024))).to_string();
    let reply = t
        .send(
            Method::PUT,
            PATH,
            &[
                ("authorization", &auth),
                ("content-type", "application/json"),
            ],
            Some(&huge),
        )
        .await;
    assert!(matches!(reply.status, 400 | 413), "{reply:?}");
    assert_eq!(reply.body["code"], 3, "{reply:?}");
    assert_eq!(t.stored(&t.alice).1, 0);
}

#[tokio::test]
async fn another_method_is_answered_in_the_vendor_shape() {
    let t = TestApi::start(Api::Zitadel).await;
    for method in [Method::GET, Method::POST, Method::PATCH, Method::DELETE] {
        let reply = t.send(method.clone(), PATH, &[], None).await;
        assert_eq!(
            (reply.status, reply.body["code"].clone()),
            (405, json!(12)),
            "{method}: {reply:?}"
        );
        assert_eq!(reply.allow.as_deref(), Some("PUT"), "{method}: {reply:?}");
    }
}

#[tokio::test]
async fn the_hand_written_spec_is_served_as_json() {
    let t = TestApi::start(Api::Zitadel).await;
    let reply = t.send(Method::GET, "/openapi.json", &[], None).await;
    assert_eq!(reply.status, 200);
    assert_eq!(
        reply.body["paths"]["/auth/v1/users/me/profile"]["put"]["operationId"],
        "AuthService_UpdateMyProfile"
    );
}
