//! c.technology: `PUT /api/v2.2/me`, `Authorization: Token <key>`, the
//! `{header, data}` envelope, errors as the `{header}` envelope with status
//! "error".

use crate::harness::ApiProfile;
use reqwest::Method;
use serde_json::{Value, json};
use server::storage::Api;

use crate::harness::{Reply, TestApi};

/// What the tests that loop over every API need to know about c.technology.
pub static PROFILE: ApiProfile = ApiProfile {
    named_body: |_, name| format!(r#"{{"first_name":"{name}"}}"#),
    is_error_body: |reply| {
        reply.content_type == "application/json"
            && reply.body["header"]["status"] == "error"
            && reply.body["header"]["message"].is_string()
    },
    wrong_media_type: 415,
    too_large: 413,
    concurrent_change: |_, writer, value, _| {
        if writer.is_multiple_of(2) {
            json!({ "first_name": value })
        } else {
            json!({ "last_name": value })
        }
    },
};

const PATH: &str = "/api/v2.2/me";

/// The vendor page's example request (the same text the demo curl sends).
fn seed() -> Value {
    serde_json::from_str(server::apis::ctechnology::SEED_BODY).unwrap_or_else(|e| panic!("{e}"))
}

async fn put_raw(t: &TestApi, token: &str, body: &str) -> Reply {
    let auth = format!("Token {token}");
    t.send(
        Method::PUT,
        PATH,
        &[
            ("authorization", auth.as_str()),
            ("content-type", "application/json"),
        ],
        Some(body),
    )
    .await
}

async fn put(t: &TestApi, token: &str, body: &Value) -> Reply {
    put_raw(t, token, &body.to_string()).await
}

/// Alice sends `body`.
async fn alice_puts(t: &TestApi, body: Value) -> Reply {
    put(t, &t.token(&t.alice), &body).await
}

/// The vendor's error body, exactly: `{"header": {api_version, status,
/// message}}` and nothing else. Returns the message.
fn assert_error_shape(reply: &Reply, status: u16) -> String {
    assert_eq!(reply.status, status, "{reply:?}");
    assert_eq!(reply.content_type, "application/json", "{reply:?}");
    let body = reply
        .body
        .as_object()
        .unwrap_or_else(|| panic!("{reply:?}"));
    assert_eq!(body.len(), 1, "only `header`: {reply:?}");
    let header = body["header"]
        .as_object()
        .unwrap_or_else(|| panic!("{reply:?}"));
    assert_eq!(header.len(), 3, "{reply:?}");
    assert_eq!(header["api_version"], "2.2");
    assert_eq!(header["status"], "error");
    header["message"]
        .as_str()
        .unwrap_or_else(|| panic!("{reply:?}"))
        .to_string()
}

/// A rejected request: 400 in the vendor's shape naming `field`, nothing
/// stored.
async fn assert_refused(t: &TestApi, body: Value, field: &str) {
    let reply = alice_puts(t, body).await;
    let message = assert_error_shape(&reply, 400);
    assert!(message.contains(field), "{field} not named in: {message}");
    assert_eq!(t.stored(&t.alice).1, 0, "nothing may be stored");
}

async fn assert_accepted(t: &TestApi, body: Value) -> Reply {
    let reply = alice_puts(t, body).await;
    assert_eq!(reply.status, 200, "{reply:?}");
    reply
}

#[tokio::test]
async fn the_seed_request_updates_the_profile_and_answers_from_storage() {
    let t = TestApi::start(Api::Ctechnology).await;
    let reply = alice_puts(&t, seed()).await;
    assert_eq!(reply.status, 200, "{reply:?}");
    assert_eq!(reply.content_type, "application/json");
    let (stored, sequence) = t.stored(&t.alice);
    assert_eq!(sequence, 1);
    // The stored document is the request, field for field.
    assert_eq!(stored, seed());
    // The answer is the stored document plus the user's identity; the
    // picture URL is unknown (this server hosts no images), so absent.
    let mut expected = stored.clone();
    expected["id"] = json!(t.alice.user.id.to_string());
    expected["email"] = json!("alice@example.com");
    assert_eq!(reply.body["data"], expected);
}

#[tokio::test]
async fn the_answer_carries_the_success_header_and_the_permission_used() {
    let t = TestApi::start(Api::Ctechnology).await;
    let reply = assert_accepted(&t, seed()).await;
    assert_eq!(
        reply.body["header"],
        json!({
            "api_version": "2.2",
            "status": "success",
            "message": "User profile updated.",
            "permission_via": [
                {"permission": "user:update", "via": "me", "organization_id": null}
            ]
        })
    );
}

#[tokio::test]
async fn fields_left_out_are_left_unchanged() {
    let t = TestApi::start(Api::Ctechnology).await;
    assert_accepted(&t, seed()).await;
    let reply = assert_accepted(&t, json!({"first_name": "Ada", "time_format": "AMPM"})).await;
    let (stored, sequence) = t.stored(&t.alice);
    assert_eq!(sequence, 2);
    let mut expected = seed();
    expected["first_name"] = json!("Ada");
    expected["time_format"] = json!("AMPM");
    assert_eq!(stored, expected);
    assert_eq!(reply.body["data"]["first_name"], "Ada");
    assert_eq!(reply.body["data"]["last_name"], "<string>");
}

#[tokio::test]
async fn nested_settings_are_merged_field_by_field() {
    let t = TestApi::start(Api::Ctechnology).await;
    assert_accepted(&t, seed()).await;
    let reply = assert_accepted(
        &t,
        json!({
            "settings_webapp": {
                "main_role": "PROFESSIONAL",
                "private_sidebar_filter_vehicles": {"show_client_vehicles": false}
            },
            "settings_nativeapp": {"animations": false}
        }),
    )
    .await;
    let mut expected = seed();
    expected["settings_webapp"]["main_role"] = json!("PROFESSIONAL");
    expected["settings_webapp"]["private_sidebar_filter_vehicles"]["show_client_vehicles"] =
        json!(false);
    expected["settings_nativeapp"]["animations"] = json!(false);
    assert_eq!(t.stored(&t.alice).0, expected);
    assert_eq!(
        reply.body["data"]["settings_webapp"],
        expected["settings_webapp"]
    );
    assert_eq!(
        reply.body["data"]["settings_nativeapp"],
        expected["settings_nativeapp"]
    );
}

#[tokio::test]
async fn a_nested_object_sent_first_holds_only_what_was_sent() {
    let t = TestApi::start(Api::Ctechnology).await;
    let reply = assert_accepted(&t, json!({"settings_webapp": {"main_role": "PRIVATE"}})).await;
    assert_eq!(
        t.stored(&t.alice).0,
        json!({"settings_webapp": {"main_role": "PRIVATE"}})
    );
    assert_eq!(
        reply.body["data"]["settings_webapp"],
        json!({"main_role": "PRIVATE"})
    );
}

#[tokio::test]
async fn profile_picture_id_null_clears_it() {
    let t = TestApi::start(Api::Ctechnology).await;
    let reply = assert_accepted(&t, seed()).await;
    assert_eq!(reply.body["data"]["profile_picture_id"], "<string>");
    let reply = assert_accepted(&t, json!({"profile_picture_id": null})).await;
    let (stored, sequence) = t.stored(&t.alice);
    assert_eq!(sequence, 2);
    assert_eq!(stored.get("profile_picture_id"), Some(&Value::Null));
    let data = reply.body["data"]
        .as_object()
        .unwrap_or_else(|| panic!("{reply:?}"));
    assert_eq!(data.get("profile_picture_id"), Some(&Value::Null));
    // Without a picture there is no picture URL: null, as the spec says.
    assert_eq!(data.get("profile_picture_url"), Some(&Value::Null));
    // The rest of the profile is untouched.
    assert_eq!(data["first_name"], "<string>");
}

#[tokio::test]
async fn fields_never_set_are_absent_from_the_answer() {
    let t = TestApi::start(Api::Ctechnology).await;
    let reply = assert_accepted(&t, json!({"first_name": "Ada"})).await;
    // Only identity, the one field set, and the derived null picture URL.
    assert_eq!(
        reply.body["data"],
        json!({
            "id": t.alice.user.id.to_string(),
            "email": "alice@example.com",
            "first_name": "Ada",
            "profile_picture_url": null
        })
    );
}

#[tokio::test]
async fn an_update_that_changes_nothing_writes_nothing() {
    let t = TestApi::start(Api::Ctechnology).await;
    assert_accepted(&t, seed()).await;
    let again = assert_accepted(&t, seed()).await;
    assert_eq!(t.stored(&t.alice).1, 1);
    assert_eq!(again.body["data"]["first_name"], "<string>");
    let empty = assert_accepted(&t, json!({})).await;
    assert_eq!(t.stored(&t.alice).1, 1);
    assert_eq!(empty.body["data"]["measurement_units"], "METRIC");
}

#[tokio::test]
async fn an_empty_body_on_a_fresh_profile_answers_the_identity_and_writes_nothing() {
    let t = TestApi::start(Api::Ctechnology).await;
    let reply = assert_accepted(&t, json!({})).await;
    assert_eq!(t.stored(&t.alice).1, 0);
    assert_eq!(reply.body["data"]["id"], t.alice.user.id.to_string());
    assert_eq!(reply.body["data"]["email"], "alice@example.com");
}

#[tokio::test]
async fn date_times_are_stored_and_answered_in_utc() {
    let t = TestApi::start(Api::Ctechnology).await;
    let reply = assert_accepted(
        &t,
        json!({"ecosystem_timestamp_last_news_read": "2023-11-07T07:31:56+02:00"}),
    )
    .await;
    assert_eq!(
        t.stored(&t.alice).0["ecosystem_timestamp_last_news_read"],
        "2023-11-07T05:31:56Z"
    );
    assert_eq!(
        reply.body["data"]["ecosystem_timestamp_last_news_read"],
        "2023-11-07T05:31:56Z"
    );
}

#[tokio::test]
async fn fields_outside_the_spec_are_ignored_and_never_stored() {
    let t = TestApi::start(Api::Ctechnology).await;
    let reply = assert_accepted(
        &t,
        json!({"id": "someone-else", "email": "mallory@example.com", "last_name": "Lovelace"}),
    )
    .await;
    assert_eq!(t.stored(&t.alice).0, json!({"last_name": "Lovelace"}));
    assert_eq!(reply.body["data"]["id"], t.alice.user.id.to_string());
    assert_eq!(reply.body["data"]["email"], "alice@example.com");
}

#[tokio::test]
async fn deprecated_company_fields_are_still_kept() {
    let t = TestApi::start(Api::Ctechnology).await;
    let reply = assert_accepted(
        &t,
        json!({"company_name": "Analytical Engines", "company_tel": "+44 20 0000"}),
    )
    .await;
    assert_eq!(reply.body["data"]["company_name"], "Analytical Engines");
    assert_eq!(t.stored(&t.alice).0["company_tel"], "+44 20 0000");
}

#[tokio::test]
async fn measurement_units_is_one_of_the_enum() {
    let t = TestApi::start(Api::Ctechnology).await;
    assert_refused(
        &t,
        json!({"measurement_units": "metric"}),
        "measurement_units",
    )
    .await;
    assert_refused(
        &t,
        json!({"measurement_units": "FURLONGS"}),
        "measurement_units",
    )
    .await;
    assert_accepted(&t, json!({"measurement_units": "IMPERIAL"})).await;
    assert_eq!(t.stored(&t.alice).0["measurement_units"], "IMPERIAL");
}

#[tokio::test]
async fn time_format_is_one_of_the_enum() {
    let t = TestApi::start(Api::Ctechnology).await;
    assert_refused(&t, json!({"time_format": "12H"}), "time_format").await;
    assert_accepted(&t, json!({"time_format": "AMPM"})).await;
    assert_accepted(&t, json!({"time_format": "24H"})).await;
}

#[tokio::test]
async fn main_role_is_one_of_the_enum() {
    let t = TestApi::start(Api::Ctechnology).await;
    assert_refused(
        &t,
        json!({"settings_webapp": {"main_role": "ADMIN"}}),
        "settings_webapp.main_role",
    )
    .await;
    assert_accepted(
        &t,
        json!({"settings_webapp": {"main_role": "PROFESSIONAL"}}),
    )
    .await;
}

#[tokio::test]
async fn scrollbar_style_is_one_of_the_enum() {
    let t = TestApi::start(Api::Ctechnology).await;
    assert_refused(
        &t,
        json!({"settings_webapp": {"scrollbar_style": "HIDDEN"}}),
        "settings_webapp.scrollbar_style",
    )
    .await;
    assert_accepted(
        &t,
        json!({"settings_webapp": {"scrollbar_style": "ON_SCRL"}}),
    )
    .await;
}

#[tokio::test]
async fn update_interval_is_one_of_the_enum() {
    let t = TestApi::start(Api::Ctechnology).await;
    assert_refused(
        &t,
        json!({"settings_nativeapp": {"update_interval": "HOURLY"}}),
        "settings_nativeapp.update_interval",
    )
    .await;
    assert_accepted(
        &t,
        json!({"settings_nativeapp": {"update_interval": "INSTANT"}}),
    )
    .await;
}

#[tokio::test]
async fn ecosystem_timestamp_last_news_read_is_an_rfc_3339_date_time() {
    let t = TestApi::start(Api::Ctechnology).await;
    for bad in [
        json!("yesterday"),
        json!("2023-11-07"),
        json!("2023-11-07 05:31:56Z"),
        json!("2023-11-07T05:31:56"),
        json!(1699335116),
    ] {
        assert_refused(
            &t,
            json!({"ecosystem_timestamp_last_news_read": bad}),
            "ecosystem_timestamp_last_news_read",
        )
        .await;
    }
    assert_accepted(
        &t,
        json!({"ecosystem_timestamp_last_news_read": "2023-11-07T05:31:56.250Z"}),
    )
    .await;
}

#[tokio::test]
async fn timestamp_last_time_upgrade_app_shown_is_an_rfc_3339_date_time() {
    let t = TestApi::start(Api::Ctechnology).await;
    assert_refused(
        &t,
        json!({"settings_webapp": {"timestamp_last_time_upgrade_app_shown": "07/11/2023"}}),
        "settings_webapp.timestamp_last_time_upgrade_app_shown",
    )
    .await;
    assert_accepted(
        &t,
        json!({"settings_webapp": {"timestamp_last_time_upgrade_app_shown": "2023-11-07T05:31:56Z"}}),
    )
    .await;
}

#[tokio::test]
async fn a_field_that_is_not_nullable_may_not_be_null() {
    let t = TestApi::start(Api::Ctechnology).await;
    for (body, field) in [
        (json!({"first_name": null}), "first_name"),
        (json!({"primary_locale": null}), "primary_locale"),
        (json!({"measurement_units": null}), "measurement_units"),
        (json!({"settings_webapp": null}), "settings_webapp"),
        (
            json!({"ecosystem_timestamp_last_news_read": null}),
            "ecosystem_timestamp_last_news_read",
        ),
        (
            json!({"settings_webapp": {"private_sidebar_filter_vehicles": {"show_own_vehicles": null}}}),
            "settings_webapp.private_sidebar_filter_vehicles.show_own_vehicles",
        ),
        (
            json!({"settings_nativeapp": {"theme": null}}),
            "settings_nativeapp.theme",
        ),
    ] {
        assert_refused(&t, body, field).await;
    }
    // The one nullable request field takes null.
    assert_accepted(&t, json!({"profile_picture_id": null})).await;
}

#[tokio::test]
async fn each_field_has_its_declared_type() {
    let t = TestApi::start(Api::Ctechnology).await;
    for (body, field) in [
        (json!({"first_name": 5}), "first_name"),
        (
            json!({"may_use_email_for_marketing": "yes"}),
            "may_use_email_for_marketing",
        ),
        (
            json!({"notification_new_message": 1}),
            "notification_new_message",
        ),
        (json!({"profile_picture_id": 42}), "profile_picture_id"),
        (json!({"settings_nativeapp": "dark"}), "settings_nativeapp"),
        (
            json!({"settings_webapp": {"professional_sidebar_filter_vehicles": []}}),
            "settings_webapp.professional_sidebar_filter_vehicles",
        ),
    ] {
        assert_refused(&t, body, field).await;
    }
    assert_accepted(
        &t,
        json!({"may_use_email_for_marketing": false, "notification_new_message": false}),
    )
    .await;
}

#[tokio::test]
async fn the_body_must_be_a_json_object() {
    let t = TestApi::start(Api::Ctechnology).await;
    // serde would otherwise fill a struct from an array, field by field in
    // declaration order; `["Ada"]` must not set `first_name`.
    for body in ["[]", "[\"Ada\"]", "\"Ada\"", "null"] {
        let reply = put_raw(&t, &t.token(&t.alice), body).await;
        assert_error_shape(&reply, 400);
    }
    assert_refused(
        &t,
        json!({"settings_nativeapp": ["dark", "satellite"]}),
        "settings_nativeapp",
    )
    .await;
    assert_eq!(t.stored(&t.alice).1, 0);
}

#[tokio::test]
async fn a_missing_token_is_unauthorized() {
    let t = TestApi::start(Api::Ctechnology).await;
    let reply = t
        .send(
            Method::PUT,
            PATH,
            &[("content-type", "application/json")],
            Some(&seed().to_string()),
        )
        .await;
    let message = assert_error_shape(&reply, 401);
    assert!(message.contains("Authorization"), "{message}");
    assert_eq!(t.stored(&t.alice).1, 0);
}

#[tokio::test]
async fn a_wrong_token_is_unauthorized() {
    let t = TestApi::start(Api::Ctechnology).await;
    let mut token = t.token(&t.alice);
    token.pop();
    token.push('x');
    let reply = put(&t, &token, &seed()).await;
    assert_eq!(assert_error_shape(&reply, 401), "Invalid token.");
    assert_eq!(t.stored(&t.alice).1, 0);
}

#[tokio::test]
async fn another_apis_token_is_unauthorized() {
    let t = TestApi::start(Api::Ctechnology).await;
    for (api, token) in &t.alice.tokens {
        if *api == Api::Ctechnology {
            continue;
        }
        let reply = put(&t, token, &seed()).await;
        assert_eq!(assert_error_shape(&reply, 401), "Invalid token.", "{api:?}");
    }
    assert_eq!(t.stored(&t.alice).1, 0);
}

#[tokio::test]
async fn the_key_must_be_sent_with_the_token_scheme() {
    let t = TestApi::start(Api::Ctechnology).await;
    let token = t.token(&t.alice);
    for value in [format!("Bearer {token}"), token.clone()] {
        let reply = t
            .send(
                Method::PUT,
                PATH,
                &[
                    ("authorization", value.as_str()),
                    ("content-type", "application/json"),
                ],
                Some(&seed().to_string()),
            )
            .await;
        let message = assert_error_shape(&reply, 401);
        assert!(message.contains("Token <key>"), "{message}");
    }
    assert_eq!(t.stored(&t.alice).1, 0);
    // The scheme is matched case-insensitively (RFC 9110).
    let lower = format!("token {token}");
    let reply = t
        .send(
            Method::PUT,
            PATH,
            &[
                ("authorization", lower.as_str()),
                ("content-type", "application/json"),
            ],
            Some("{}"),
        )
        .await;
    assert_eq!(reply.status, 200, "{reply:?}");
}

#[tokio::test]
async fn a_token_changes_only_its_own_users_profile() {
    let t = TestApi::start(Api::Ctechnology).await;
    assert_accepted(&t, json!({"first_name": "Alice"})).await;
    let reply = put(&t, &t.token(&t.bob), &json!({"first_name": "Bob"})).await;
    assert_eq!(reply.status, 200, "{reply:?}");
    // Bob's token answers with Bob's identity and touches only Bob.
    assert_eq!(reply.body["data"]["id"], t.bob.user.id.to_string());
    assert_eq!(reply.body["data"]["email"], "bob@example.com");
    assert_eq!(t.stored(&t.bob), (json!({"first_name": "Bob"}), 1));
    assert_eq!(t.stored(&t.alice), (json!({"first_name": "Alice"}), 1));
    // Naming Alice in the body changes nothing about whose profile it is.
    let reply = put(
        &t,
        &t.token(&t.bob),
        &json!({"id": t.alice.user.id.to_string(), "email": "alice@example.com", "last_name": "B"}),
    )
    .await;
    assert_eq!(reply.body["data"]["id"], t.bob.user.id.to_string());
    assert_eq!(t.stored(&t.alice), (json!({"first_name": "Alice"}), 1));
}

#[tokio::test]
async fn concurrent_partial_updates_all_land() {
    let t = TestApi::start(Api::Ctechnology).await;
    let token = t.token(&t.alice);
    let first = json!({"first_name": "Ada"});
    let last = json!({"last_name": "Lovelace"});
    let (a, b) = tokio::join!(put(&t, &token, &first), put(&t, &token, &last));
    assert_eq!((a.status, b.status), (200, 200), "{a:?} {b:?}");
    assert_eq!(
        t.stored(&t.alice),
        (json!({"first_name": "Ada", "last_name": "Lovelace"}), 2)
    );
}

#[tokio::test]
async fn malformed_json_is_a_bad_request() {
    let t = TestApi::start(Api::Ctechnology).await;
    let reply = put_raw(&t, &t.token(&t.alice), "{\"first_name\": ").await;
    assert_error_shape(&reply, 400);
    assert_eq!(t.stored(&t.alice).1, 0);
}

#[tokio::test]
async fn a_wrong_media_type_is_unsupported() {
    let t = TestApi::start(Api::Ctechnology).await;
    let auth = format!("Token {}", t.token(&t.alice));
    for media_type in ["text/plain", "application/x-www-form-urlencoded"] {
        let reply = t
            .send(
                Method::PUT,
                PATH,
                &[("authorization", &auth), ("content-type", media_type)],
                Some(&seed().to_string()),
            )
            .await;
        let message = assert_error_shape(&reply, 415);
        assert!(message.contains("content"), "{message}");
    }
    assert_eq!(t.stored(&t.alice).1, 0);
}

#[tokio::test]
async fn an_oversized_body_is_too_large() {
    let t = TestApi::start(Api::Ctechnology).await;
    let mut huge = seed();
    huge["address_street"] = json!("x".repeat(70 * 1024));
    let reply = alice_puts(&t, huge).await;
    assert_error_shape(&reply, 413);
    assert_eq!(t.stored(&t.alice).1, 0);
}

#[tokio::test]
async fn the_hand_written_spec_is_served_as_json() {
    let t = TestApi::start(Api::Ctechnology).await;
    let reply = t.send(Method::GET, "/openapi.json", &[], None).await;
    assert_eq!(reply.status, 200);
    assert_eq!(
        reply.body["paths"]["/api/v2.2/me"]["put"]["operationId"],
        "updateUserProfile"
    );
}

#[tokio::test]
async fn the_demo_curl_sends_the_seed_request() {
    let t = TestApi::start(Api::Ctechnology).await;
    let registration = Api::Ctechnology.descriptor();
    let base_url = t.running().base_url();
    let token = t.token(&t.alice);
    let curl = registration.demo_curl(
        &base_url,
        &server::apis::DemoCredentials {
            user_id: t.alice.user.id,
            token: token.clone(),
            tenant: None,
        },
    );
    assert!(
        curl.contains(&format!("--url '{base_url}/api/v2.2/me'")),
        "{curl}"
    );
    assert!(
        curl.contains(&format!("'Authorization: Token {token}'")),
        "{curl}"
    );
    assert!(curl.contains("'Content-Type: application/json'"), "{curl}");
    // The body between `--data '` and the closing quote is the seed's.
    let body = curl
        .split_once("--data '")
        .and_then(|(_, rest)| rest.strip_suffix('\''))
        .unwrap_or_else(|| panic!("{curl}"));
    assert!(
        !body.contains('\''),
        "the body must not end the shell quote"
    );
    assert_eq!(body, server::apis::ctechnology::SEED_BODY);
    let reply = put_raw(&t, &token, body).await;
    assert_eq!(reply.status, 200, "{reply:?}");
}
