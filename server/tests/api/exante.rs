//! Exante: `PATCH /api/user`, `Authorization: Bearer <token>`, a partial
//! update, and the `{status, status_code, message, errors}` error envelope.

use crate::harness::ApiProfile;
use reqwest::Method;
use serde_json::{Value, json};
use server::apis::DemoCredentials;
use server::identity::NewUser;
use server::storage::Api;

use crate::harness::{Reply, TestApi};

/// What the tests that loop over every API need to know about Exante.
pub static PROFILE: ApiProfile = ApiProfile {
    named_body: |_, name| format!(r#"{{"firstname":"{name}"}}"#),
    is_error_body: |reply| {
        reply.content_type == "application/json"
            && reply.body["status"] == "error"
            && reply.body["status_code"] == reply.status
            && reply.body["message"].is_string()
    },
    wrong_media_type: 415,
    too_large: 413,
    // Each writer its own settings key: the merge must keep all.
    concurrent_change: |_, writer, _, n| json!({ "settings": { format!("w{writer}"): n } }),
};

const PATH: &str = "/api/user";

/// The seed's example request, exactly as the vendor's page shows it.
fn seed_verbatim() -> Value {
    json!({
        "firstname": "<string>",
        "lastname": "<string>",
        "timezone": "America/New_York",
        "default_organization": "3c90c3cc-0d44-4b50-8888-8dd25736052a",
        "settings": {}
    })
}

/// `user`'s (only) organisation.
async fn organisation_of(t: &TestApi, user: &NewUser) -> server::storage::Organisation {
    t.store
        .organisations_of(user.user.id)
        .await
        .unwrap_or_else(|e| panic!("{e}"))
        .into_iter()
        .next()
        .unwrap_or_else(|| panic!("{} has no organisation", user.user.username))
}

/// The spec's request example (the seed's, with "Jane" / "Doe" for the
/// placeholders), naming `user`'s own organisation as the default.
async fn seed_for(t: &TestApi, user: &NewUser) -> Value {
    json!({
        "firstname": "Jane",
        "lastname": "Doe",
        "timezone": "America/New_York",
        "default_organization": organisation_of(t, user).await.id.to_string(),
        "settings": {}
    })
}

async fn patch_raw(t: &TestApi, token: &str, body: &str) -> Reply {
    let auth = format!("Bearer {token}");
    t.send(
        Method::PATCH,
        PATH,
        &[
            ("authorization", auth.as_str()),
            ("content-type", "application/json"),
        ],
        Some(body),
    )
    .await
}

async fn patch(t: &TestApi, token: &str, body: &Value) -> Reply {
    patch_raw(t, token, &body.to_string()).await
}

/// Alice's request; asserts success and returns the answered user.
async fn accepted(t: &TestApi, body: Value) -> Value {
    let reply = patch(t, &t.token(&t.alice), &body).await;
    assert_eq!(reply.status, 200, "{body}: {reply:?}");
    reply.body["data"]["user"].clone()
}

/// The error envelope with `status` and, if any, exactly `fields` in
/// `errors`.
fn assert_error(reply: &Reply, status: u16, fields: &[&str]) {
    assert_eq!(reply.status, status, "{reply:?}");
    assert!(
        reply.content_type.starts_with("application/json"),
        "{reply:?}"
    );
    assert_eq!(reply.body["status"], "error", "{reply:?}");
    assert_eq!(reply.body["status_code"], status, "{reply:?}");
    assert!(reply.body["message"].is_string(), "{reply:?}");
    let named: Vec<&str> = reply.body["errors"]
        .as_object()
        .map(|errors| errors.keys().map(String::as_str).collect())
        .unwrap_or_default();
    assert_eq!(named, fields, "{reply:?}");
    for (field, messages) in reply.body["errors"].as_object().into_iter().flatten() {
        let messages = messages.as_array().cloned().unwrap_or_default();
        assert!(
            !messages.is_empty() && messages.iter().all(Value::is_string),
            "{field}: {messages:?}"
        );
    }
}

/// A refused request from alice: 422 naming exactly `fields`, the message
/// of a validation failure, and nothing stored.
async fn refused(t: &TestApi, body: Value, fields: &[&str]) -> Reply {
    let before = t.stored(&t.alice);
    let reply = patch(t, &t.token(&t.alice), &body).await;
    assert_error(&reply, 422, fields);
    assert_eq!(reply.body["message"], "The given data was invalid.");
    assert_eq!(t.stored(&t.alice), before, "nothing may be stored");
    reply
}

/// A refused request on a fresh profile: sequence still 0.
async fn refused_fresh(t: &TestApi, body: Value, fields: &[&str]) -> Reply {
    let reply = refused(t, body, fields).await;
    assert_eq!(t.stored(&t.alice).1, 0, "nothing may be stored");
    reply
}

// The seed request and the answer built from storage.

#[tokio::test]
async fn the_seed_request_updates_the_profile_and_answers_from_storage() {
    let t = TestApi::start(Api::Exante).await;
    let organisation = organisation_of(&t, &t.alice).await;
    let reply = patch(&t, &t.token(&t.alice), &seed_for(&t, &t.alice).await).await;
    assert_eq!(reply.status, 200, "{reply:?}");
    assert_eq!(reply.content_type, "application/json");
    assert_eq!(
        (
            &reply.body["status"],
            &reply.body["status_code"],
            &reply.body["message"]
        ),
        (&json!("success"), &json!(200), &json!("Success"))
    );

    let (stored, sequence) = t.stored(&t.alice);
    assert_eq!(sequence, 1);
    assert_eq!(
        stored,
        json!({
            "firstname": "Jane",
            "lastname": "Doe",
            "timezone": "America/New_York",
            "default_organization": organisation.id.to_string(),
            "settings": {}
        })
    );
    let profile = t
        .store
        .profile(Api::Exante, t.alice.user.id)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let id = t.alice.user.id.to_string();
    let user = &reply.body["data"]["user"];
    let changed = profile
        .changed_at
        .to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true);
    let created = t
        .alice
        .user
        .created_at
        .to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true);
    assert_eq!(
        *user,
        json!({
            "id": id,
            "uid": id,
            "firstname": "Jane",
            "lastname": "Doe",
            "fullname": "Jane Doe",
            "email": "alice@example.com",
            "timezone": "America/New_York",
            "default_timezone": "UTC",
            "default_organization": organisation.id.to_string(),
            "active_company": {
                "uid": organisation.id.to_string(),
                "name": organisation.name,
                "owner_id": id,
                "max_documents": 100
            },
            "organizations": [{
                "uid": organisation.id.to_string(),
                "name": organisation.name,
                "company_uid": organisation.id.to_string()
            }],
            "permissions_in_default_organization": ["profile:update"],
            "features": {},
            "first_seen": created,
            "last_seen": changed,
            "settings": {}
        })
    );
}

#[tokio::test]
async fn the_seed_example_verbatim_is_refused_for_its_placeholders_and_foreign_organisation() {
    let t = TestApi::start(Api::Exante).await;
    // "<string>" is not letters only, and 3c90c3cc-… is nobody's
    // organisation: every failing field is named at once.
    let reply = refused_fresh(
        &t,
        seed_verbatim(),
        &["default_organization", "firstname", "lastname"],
    )
    .await;
    assert_eq!(
        reply.body["errors"]["firstname"],
        json!(["The firstname may only contain letters."])
    );
}

#[tokio::test]
async fn the_demo_curl_line_succeeds() {
    let t = TestApi::start(Api::Exante).await;
    let registration = Api::Exante.descriptor();
    assert_eq!(registration.default_port, 8103);
    let token = t.token(&t.alice);
    let line = registration.demo_curl(
        &t.running().base_url(),
        &DemoCredentials {
            user_id: t.alice.user.id,
            token: token.clone(),
            tenant: None,
        },
    );
    assert!(line.contains("--request PATCH"), "{line}");
    assert!(line.contains(&format!("{}/api/user", t.running().base_url())));
    assert!(line.contains(&format!("'Authorization: Bearer {token}'")));
    assert!(line.contains("'Content-Type: application/json'"));
    let body = line
        .split_once("--data '")
        .and_then(|(_, rest)| rest.strip_suffix('\''))
        .unwrap_or_else(|| panic!("no --data in {line}"));
    let reply = patch_raw(&t, &token, body).await;
    assert_eq!(reply.status, 200, "{reply:?}");
    assert_eq!(reply.body["data"]["user"]["fullname"], "Jane Doe");
    assert_eq!(t.stored(&t.alice).1, 1);
}

#[tokio::test]
async fn a_fresh_user_without_a_default_organisation_has_no_active_company() {
    let t = TestApi::start(Api::Exante).await;
    let user = accepted(&t, json!({})).await;
    assert_eq!(t.stored(&t.alice), (json!({}), 1));
    for absent in [
        "firstname",
        "lastname",
        "fullname",
        "timezone",
        "avatar",
        "default_organization",
        "active_company",
    ] {
        assert!(user.get(absent).is_none(), "{absent}: {user}");
    }
    assert_eq!(user["permissions_in_default_organization"], json!([]));
    assert_eq!(user["default_timezone"], "UTC");
    assert_eq!(user["settings"], json!({}));
    assert_eq!(
        user["organizations"][0]["uid"],
        organisation_of(&t, &t.alice).await.id.to_string()
    );
}

// PATCH semantics.

#[tokio::test]
async fn absent_fields_keep_their_stored_values() {
    let t = TestApi::start(Api::Exante).await;
    accepted(&t, seed_for(&t, &t.alice).await).await;
    let user = accepted(&t, json!({ "lastname": "Smith" })).await;
    let (stored, sequence) = t.stored(&t.alice);
    assert_eq!(sequence, 2);
    assert_eq!(stored["firstname"], "Jane");
    assert_eq!(stored["lastname"], "Smith");
    assert_eq!(stored["timezone"], "America/New_York");
    assert_eq!(
        stored["default_organization"],
        organisation_of(&t, &t.alice).await.id.to_string()
    );
    assert_eq!(user["fullname"], "Jane Smith");
    assert_eq!(user["timezone"], "America/New_York");
}

#[tokio::test]
async fn fullname_is_whichever_name_is_set() {
    let t = TestApi::start(Api::Exante).await;
    let user = accepted(&t, json!({ "lastname": "Doe" })).await;
    assert_eq!(user["fullname"], "Doe");
    let user = accepted(&t, json!({ "firstname": "Jane" })).await;
    assert_eq!(user["fullname"], "Jane Doe");
}

#[tokio::test]
async fn unknown_fields_are_ignored_and_not_stored() {
    let t = TestApi::start(Api::Exante).await;
    accepted(
        &t,
        json!({ "firstname": "Jane", "email": "evil@example.com" }),
    )
    .await;
    assert_eq!(t.stored(&t.alice).0, json!({ "firstname": "Jane" }));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_updates_lose_no_settings_key() {
    let t = TestApi::start(Api::Exante).await;
    let auth = format!("Bearer {}", t.token(&t.alice));
    let url = format!("{}{PATH}", t.running().base_url());
    let tasks: Vec<_> = (0..8)
        .map(|i| {
            let request = t
                .client
                .patch(&url)
                .header("authorization", &auth)
                .header("content-type", "application/json")
                .body(json!({ "settings": { format!("key{i}"): i } }).to_string());
            tokio::spawn(async move {
                let response = request
                    .send()
                    .await
                    .unwrap_or_else(|e| panic!("request failed: {e}"));
                let status = response.status().as_u16();
                let body: Value = response.json().await.unwrap_or_default();
                (format!("key{i}"), status, body)
            })
        })
        .collect();
    // Each request either saved its key (200) or gave up after the retries
    // (409, in the vendor's shape); a saved key is never overwritten by a
    // request that loaded the settings before it was saved.
    let mut saved = Vec::new();
    for task in tasks {
        let (key, status, body) = task.await.unwrap_or_else(|e| panic!("{e}"));
        match status {
            200 => saved.push(key),
            409 => assert_eq!(body["status_code"], 409, "{body}"),
            _ => panic!("{status}: {body}"),
        }
    }
    let (stored, sequence) = t.stored(&t.alice);
    let mut keys: Vec<String> = stored["settings"]
        .as_object()
        .map(|s| s.keys().cloned().collect())
        .unwrap_or_default();
    keys.sort();
    saved.sort();
    assert!(!saved.is_empty());
    assert_eq!(keys, saved);
    assert_eq!(sequence, saved.len() as u64);
}

// firstname and lastname: ASCII letters only, 1 to 64 characters.

#[tokio::test]
async fn firstname_is_ascii_letters_only() {
    let t = TestApi::start(Api::Exante).await;
    for bad in ["Jane1", "Mary Ann", "O'Brien", "Zoë", "Jean-Luc"] {
        let reply = refused_fresh(&t, json!({ "firstname": bad }), &["firstname"]).await;
        assert_eq!(
            reply.body["errors"]["firstname"],
            json!(["The firstname may only contain letters."])
        );
    }
    let user = accepted(&t, json!({ "firstname": "Jane" })).await;
    assert_eq!(user["firstname"], "Jane");
    assert_eq!(t.stored(&t.alice).0["firstname"], "Jane");
}

#[tokio::test]
async fn firstname_is_1_to_64_characters() {
    let t = TestApi::start(Api::Exante).await;
    refused_fresh(&t, json!({ "firstname": "" }), &["firstname"]).await;
    let reply = refused_fresh(&t, json!({ "firstname": "a".repeat(65) }), &["firstname"]).await;
    assert_eq!(
        reply.body["errors"]["firstname"],
        json!(["The firstname must be between 1 and 64 characters."])
    );
    accepted(&t, json!({ "firstname": "a".repeat(64) })).await;
    accepted(&t, json!({ "firstname": "J" })).await;
    assert_eq!(t.stored(&t.alice), (json!({ "firstname": "J" }), 2));
}

#[tokio::test]
async fn firstname_must_be_a_string_not_null() {
    let t = TestApi::start(Api::Exante).await;
    for bad in [json!(null), json!(42), json!(["Jane"])] {
        let reply = refused_fresh(&t, json!({ "firstname": bad }), &["firstname"]).await;
        assert_eq!(
            reply.body["errors"]["firstname"],
            json!(["The firstname must be a string."])
        );
    }
}

#[tokio::test]
async fn lastname_is_ascii_letters_only() {
    let t = TestApi::start(Api::Exante).await;
    for bad in ["Doe2", "van Dyke", "Müller", "<string>"] {
        refused_fresh(&t, json!({ "lastname": bad }), &["lastname"]).await;
    }
    let user = accepted(&t, json!({ "lastname": "Doe" })).await;
    assert_eq!(user["lastname"], "Doe");
}

#[tokio::test]
async fn lastname_is_1_to_64_characters() {
    let t = TestApi::start(Api::Exante).await;
    refused_fresh(&t, json!({ "lastname": "" }), &["lastname"]).await;
    // Too long and not letters only: both rules are reported.
    let reply = refused_fresh(&t, json!({ "lastname": "x1".repeat(40) }), &["lastname"]).await;
    assert_eq!(
        reply.body["errors"]["lastname"].as_array().map(Vec::len),
        Some(2)
    );
    accepted(&t, json!({ "lastname": "Z".repeat(64) })).await;
    assert_eq!(t.stored(&t.alice).0["lastname"], "Z".repeat(64));
}

#[tokio::test]
async fn lastname_must_be_a_string_not_null() {
    let t = TestApi::start(Api::Exante).await;
    refused_fresh(&t, json!({ "lastname": null }), &["lastname"]).await;
    refused_fresh(&t, json!({ "lastname": true }), &["lastname"]).await;
}

// timezone: a zone of the IANA tz database.

#[tokio::test]
async fn timezone_is_an_iana_zone() {
    let t = TestApi::start(Api::Exante).await;
    for bad in [
        json!("Mars/Olympus_Mons"),
        json!("america/new_york"),
        json!("EST5EDT "),
        json!("+02:00"),
        json!(""),
    ] {
        let reply = refused_fresh(&t, json!({ "timezone": bad }), &["timezone"]).await;
        assert_eq!(
            reply.body["errors"]["timezone"],
            json!(["The timezone must be a valid IANA timezone identifier."])
        );
    }
    refused_fresh(&t, json!({ "timezone": null }), &["timezone"]).await;
    refused_fresh(&t, json!({ "timezone": 2 }), &["timezone"]).await;
    for good in [
        "Europe/Berlin",
        "UTC",
        "Asia/Kolkata",
        "America/Argentina/Buenos_Aires",
    ] {
        let user = accepted(&t, json!({ "timezone": good })).await;
        assert_eq!(user["timezone"], good);
        assert_eq!(t.stored(&t.alice).0["timezone"], good);
    }
}

// default_organization: an organisation the user is a member of.

#[tokio::test]
async fn default_organization_is_one_of_the_users_organisations() {
    let t = TestApi::start(Api::Exante).await;
    let own = organisation_of(&t, &t.alice).await;
    let user = accepted(&t, json!({ "default_organization": own.id.to_string() })).await;
    assert_eq!(user["default_organization"], own.id.to_string());
    assert_eq!(user["active_company"]["name"], own.name);
    // The uppercase spelling names the same organisation; it is stored in
    // the canonical lowercase form.
    accepted(
        &t,
        json!({ "default_organization": own.id.to_string().to_uppercase() }),
    )
    .await;
    assert_eq!(
        t.stored(&t.alice).0["default_organization"],
        own.id.to_string()
    );
}

#[tokio::test]
async fn default_organization_of_an_unknown_uuid_is_refused() {
    let t = TestApi::start(Api::Exante).await;
    let reply = refused_fresh(
        &t,
        json!({ "default_organization": uuid::Uuid::new_v4().to_string() }),
        &["default_organization"],
    )
    .await;
    assert_eq!(
        reply.body["errors"]["default_organization"],
        json!(["The default_organization must be an organization you are a member of."])
    );
}

#[tokio::test]
async fn default_organization_must_be_a_uuid() {
    let t = TestApi::start(Api::Exante).await;
    let own = organisation_of(&t, &t.alice).await.id;
    for bad in [
        json!("not-a-uuid"),
        json!(own.simple().to_string()),
        json!(own.braced().to_string()),
        json!(own.urn().to_string()),
        json!(null),
        json!(7),
    ] {
        let reply = refused_fresh(
            &t,
            json!({ "default_organization": bad }),
            &["default_organization"],
        )
        .await;
        assert_eq!(
            reply.body["errors"]["default_organization"],
            json!(["The default_organization must be a valid UUID."])
        );
    }
}

// settings: an object, merged into the stored settings.

#[tokio::test]
async fn settings_are_merged_into_the_stored_settings() {
    let t = TestApi::start(Api::Exante).await;
    accepted(
        &t,
        json!({ "settings": { "theme": "dark", "lang": "en", "layout": { "dense": true } } }),
    )
    .await;
    let user = accepted(
        &t,
        json!({ "settings": { "theme": "light", "lang": null, "active_company_uid": "x" } }),
    )
    .await;
    let expected = json!({
        "theme": "light",
        "layout": { "dense": true },
        "active_company_uid": "x"
    });
    assert_eq!(t.stored(&t.alice).0["settings"], expected);
    assert_eq!(user["settings"], expected);
    // An empty object changes no key; an absent one changes nothing.
    accepted(&t, json!({ "settings": {} })).await;
    let user = accepted(&t, json!({ "firstname": "Jane" })).await;
    assert_eq!(user["settings"], expected);
}

#[tokio::test]
async fn settings_must_be_an_object() {
    let t = TestApi::start(Api::Exante).await;
    for bad in [json!([]), json!("dark"), json!(1), json!(null)] {
        let reply = refused_fresh(&t, json!({ "settings": bad }), &["settings"]).await;
        assert_eq!(
            reply.body["errors"]["settings"],
            json!(["The settings must be an object."])
        );
    }
}

#[tokio::test]
async fn every_failing_field_is_reported_and_nothing_is_stored() {
    let t = TestApi::start(Api::Exante).await;
    accepted(&t, seed_for(&t, &t.alice).await).await;
    // One invalid field spoils the request: the valid firstname is not
    // stored either.
    refused(
        &t,
        json!({
            "firstname": "Valid",
            "lastname": "",
            "timezone": "Nowhere/Land",
            "default_organization": organisation_of(&t, &t.bob).await.id.to_string(),
            "settings": "x"
        }),
        &["default_organization", "lastname", "settings", "timezone"],
    )
    .await;
    assert_eq!(t.stored(&t.alice).0["firstname"], "Jane");
    assert_eq!(t.stored(&t.alice).1, 1);
}

// Authentication.

#[tokio::test]
async fn a_missing_token_is_unauthenticated() {
    let t = TestApi::start(Api::Exante).await;
    let reply = t
        .send(
            Method::PATCH,
            PATH,
            &[("content-type", "application/json")],
            Some(&seed_for(&t, &t.alice).await.to_string()),
        )
        .await;
    assert_error(&reply, 401, &[]);
    assert_eq!(reply.body["message"], "Unauthenticated.");
    assert_eq!(t.stored(&t.alice).1, 0);
}

#[tokio::test]
async fn a_wrong_token_is_unauthenticated() {
    let t = TestApi::start(Api::Exante).await;
    let mut token = t.token(&t.alice);
    let last = token.pop();
    token.push(if last == Some('0') { '1' } else { '0' });
    let reply = patch(&t, &token, &seed_for(&t, &t.alice).await).await;
    assert_error(&reply, 401, &[]);
    let reply = patch(&t, "ex_live_", &seed_for(&t, &t.alice).await).await;
    assert_error(&reply, 401, &[]);
    assert_eq!(t.stored(&t.alice).1, 0);
}

#[tokio::test]
async fn another_apis_token_is_unauthenticated() {
    let t = TestApi::start(Api::Exante).await;
    for (api, token) in &t.alice.tokens {
        if *api == Api::Exante {
            continue;
        }
        let reply = patch(&t, token, &seed_for(&t, &t.alice).await).await;
        assert_error(&reply, 401, &[]);
    }
    assert_eq!(t.stored(&t.alice).1, 0);
}

#[tokio::test]
async fn a_token_under_another_scheme_is_unauthenticated() {
    let t = TestApi::start(Api::Exante).await;
    let auth = format!("Token {}", t.token(&t.alice));
    let reply = t
        .send(
            Method::PATCH,
            PATH,
            &[
                ("authorization", auth.as_str()),
                ("content-type", "application/json"),
            ],
            Some(&seed_for(&t, &t.alice).await.to_string()),
        )
        .await;
    assert_error(&reply, 401, &[]);
    assert_eq!(t.stored(&t.alice).1, 0);
}

#[tokio::test]
async fn authentication_is_checked_before_validation() {
    let t = TestApi::start(Api::Exante).await;
    let reply = patch(&t, "ex_live_000000000000.00", &json!({ "firstname": "1" })).await;
    assert_error(&reply, 401, &[]);
}

// Cross-user attempts.

#[tokio::test]
async fn a_token_changes_only_its_own_users_profile() {
    let t = TestApi::start(Api::Exante).await;
    let reply = patch(&t, &t.token(&t.bob), &seed_for(&t, &t.bob).await).await;
    assert_eq!(reply.status, 200, "{reply:?}");
    assert_eq!(reply.body["data"]["user"]["id"], t.bob.user.id.to_string());
    assert_eq!(reply.body["data"]["user"]["email"], "bob@example.com");
    assert_eq!(t.stored(&t.bob).1, 1);
    assert_eq!(t.stored(&t.alice).1, 0);
}

#[tokio::test]
async fn alice_cannot_set_bobs_organisation_as_her_default() {
    let t = TestApi::start(Api::Exante).await;
    let bobs = organisation_of(&t, &t.bob).await;
    let reply = refused_fresh(
        &t,
        json!({ "default_organization": bobs.id.to_string() }),
        &["default_organization"],
    )
    .await;
    // The answer does not tell bob's organisation from a non-existent one.
    assert_eq!(
        reply.body["errors"]["default_organization"],
        json!(["The default_organization must be an organization you are a member of."])
    );
    assert_eq!(t.stored(&t.bob).1, 0);
}

// Malformed requests: a clean 4xx in the vendor's shape, never a write.

#[tokio::test]
async fn malformed_json_is_a_bad_request() {
    let t = TestApi::start(Api::Exante).await;
    let reply = patch_raw(&t, &t.token(&t.alice), "{\"firstname\": ").await;
    assert_error(&reply, 400, &[]);
    assert_eq!(t.stored(&t.alice).1, 0);
}

#[tokio::test]
async fn a_body_that_is_not_an_object_is_a_bad_request() {
    let t = TestApi::start(Api::Exante).await;
    for body in ["[]", "[\"Jane\"]", "\"Jane\"", "42", "null"] {
        let reply = patch_raw(&t, &t.token(&t.alice), body).await;
        assert_error(&reply, 400, &[]);
    }
    assert_eq!(t.stored(&t.alice).1, 0);
}

#[tokio::test]
async fn a_wrong_media_type_is_refused_in_the_vendor_shape() {
    let t = TestApi::start(Api::Exante).await;
    let auth = format!("Bearer {}", t.token(&t.alice));
    let reply = t
        .send(
            Method::PATCH,
            PATH,
            &[("authorization", &auth), ("content-type", "text/plain")],
            Some(&seed_for(&t, &t.alice).await.to_string()),
        )
        .await;
    assert_eq!(reply.status, 415, "{reply:?}");
    assert_error(&reply, reply.status, &[]);
    assert_eq!(t.stored(&t.alice).1, 0);
}

#[tokio::test]
async fn an_oversized_body_is_refused_in_the_vendor_shape() {
    let t = TestApi::start(Api::Exante).await;
    let huge = json!({ "settings": { "blob": "x".repeat(70 * 1024) } }).to_string();
    let reply = patch_raw(&t, &t.token(&t.alice), &huge).await;
    assert_eq!(reply.status, 413, "{reply:?}");
    assert_error(&reply, reply.status, &[]);
    assert_eq!(t.stored(&t.alice).1, 0);
}

#[tokio::test]
async fn the_hand_written_spec_is_served_as_json() {
    let t = TestApi::start(Api::Exante).await;
    let reply = t.send(Method::GET, "/openapi.json", &[], None).await;
    assert_eq!(reply.status, 200);
    assert_eq!(
        reply.body["paths"]["/api/user"]["patch"]["operationId"],
        "updateCurrentUser"
    );
}
