//! Exante: `PATCH /api/user` with `Authorization: Bearer <token>`; a
//! partial update sends only the fields set; every error status carries the
//! `{status, status_code, message, errors}` envelope.

use conformance::recording_server::{RecordingServer, Reply};
use exante_sdk::{Client, Credentials, Error, types};
use serde_json::json;

use crate::seed_requests::exante::{object, seed};

const ORGANIZATION: &str = "3c90c3cc-0d44-4b50-8888-8dd25736052a";

/// The spec's request example, with its own default organisation.
fn seed_request() -> types::builder::UserProfileUpdate {
    seed(ORGANIZATION.parse().unwrap_or_else(|e| panic!("{e}")))
}

async fn send_body(
    body: types::builder::UserProfileUpdate,
    reply: Reply,
) -> (RecordingServer, Result<types::UserProfileResponse, Error>) {
    let server = RecordingServer::start(reply).await;
    let credentials = Credentials::bearer("ex_live_test").unwrap_or_else(|e| panic!("{e}"));
    let client = Client::new(server.url(), credentials.into());
    let result = client
        .update_current_user()
        .body(body)
        .send()
        .await
        .map(|r| r.into_inner())
        .map_err(Error::from);
    (server, result)
}

async fn send(reply: Reply) -> (RecordingServer, Result<types::UserProfileResponse, Error>) {
    send_body(seed_request(), reply).await
}

/// The spec's 200 example.
fn seed_response() -> serde_json::Value {
    json!({
        "status": "success",
        "status_code": 200,
        "message": "Success",
        "data": {
            "user": {
                "id": "<string>",
                "uid": ORGANIZATION,
                "firstname": "<string>",
                "lastname": "<string>",
                "fullname": "<string>",
                "email": "<string>",
                "timezone": "<string>",
                "default_timezone": "<string>",
                "avatar": "<string>",
                "default_organization": ORGANIZATION,
                "active_company": {
                    "uid": ORGANIZATION,
                    "name": "<string>",
                    "owner_id": "<string>",
                    "max_documents": 123
                },
                "organizations": [
                    { "uid": ORGANIZATION, "name": "<string>", "company_uid": ORGANIZATION }
                ],
                "permissions_in_default_organization": ["<string>"],
                "features": {},
                "first_seen": "2023-11-07T05:31:56Z",
                "last_seen": "2023-11-07T05:31:56Z",
                "settings": {}
            }
        }
    })
}

/// The spec's error example.
fn error_envelope() -> serde_json::Value {
    json!({
        "status": "error",
        "status_code": 422,
        "message": "The given data was invalid.",
        "errors": {
            "firstname": ["The firstname may only contain letters."]
        }
    })
}

fn ok() -> Reply {
    Reply::json(200, "application/json", seed_response())
}

#[tokio::test]
async fn update_current_user_is_a_patch_to_api_user_with_the_seed_body() {
    let (server, result) = send(ok()).await;
    let sent = server.only_request();
    assert_eq!(
        (sent.method.as_str(), sent.path.as_str()),
        ("PATCH", "/api/user")
    );
    assert_eq!(sent.header("content-type"), "application/json");
    // The example's `"settings": {}` is not on the wire: see
    // `an_empty_settings_object_is_left_off_the_wire`.
    assert_eq!(
        sent.json(),
        json!({
            "firstname": "Jane",
            "lastname": "Doe",
            "timezone": "America/New_York",
            "default_organization": ORGANIZATION
        })
    );
    result.unwrap_or_else(|e| panic!("{e}"));
}

#[tokio::test]
async fn the_seed_response_decodes_with_the_user_and_its_company() {
    let (_, result) = send(ok()).await;
    let response = result.unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(response.status.as_deref(), Some("success"));
    assert_eq!(response.status_code, Some(200));
    assert_eq!(response.message.as_deref(), Some("Success"));
    let user = response
        .data
        .and_then(|data| data.user)
        .unwrap_or_else(|| panic!("data.user missing"));
    assert_eq!(
        user.uid.map(|u| u.to_string()).as_deref(),
        Some(ORGANIZATION)
    );
    assert_eq!(user.fullname.as_deref(), Some("<string>"));
    let company = user
        .active_company
        .unwrap_or_else(|| panic!("active_company missing"));
    assert_eq!(company.max_documents, Some(123));
    assert_eq!(company.owner_id.as_deref(), Some("<string>"));
    assert_eq!(user.organizations.len(), 1);
    assert_eq!(
        user.organizations[0]
            .company_uid
            .map(|u| u.to_string())
            .as_deref(),
        Some(ORGANIZATION)
    );
    assert_eq!(user.permissions_in_default_organization, ["<string>"]);
    assert!(user.features.is_empty() && user.settings.is_empty());
    assert_eq!(
        user.first_seen.map(|t| t.to_rfc3339()),
        Some("2023-11-07T05:31:56+00:00".to_string())
    );
}

#[tokio::test]
async fn the_token_is_sent_once_as_authorization_bearer_token() {
    let (server, _) = send(ok()).await;
    assert_eq!(
        server.only_request().header("authorization"),
        "Bearer ex_live_test"
    );
}

#[tokio::test]
async fn a_partial_update_sends_only_the_fields_that_were_set() {
    let body = types::UserProfileUpdate::builder().timezone(Some("America/New_York".to_string()));
    let (server, result) = send_body(body, ok()).await;
    let sent = server.only_request();
    assert_eq!(sent.method, "PATCH");
    assert_eq!(sent.json(), json!({ "timezone": "America/New_York" }));
    result.unwrap_or_else(|e| panic!("{e}"));
}

#[tokio::test]
async fn an_empty_update_is_an_empty_object() {
    let (server, _) = send_body(types::UserProfileUpdate::builder(), ok()).await;
    assert_eq!(server.only_request().json(), json!({}));
}

#[tokio::test]
async fn an_empty_settings_object_is_left_off_the_wire() {
    // The spec's merge rule makes `"settings": {}` a no-op, so leaving it
    // off changes nothing; but the SDK cannot send it at all.
    let body = types::UserProfileUpdate::builder().settings(object(json!({})));
    let (server, _) = send_body(body, ok()).await;
    assert_eq!(server.only_request().json(), json!({}));
}

#[tokio::test]
async fn settings_values_pass_through_as_json_including_null() {
    let settings = json!({
        "active_company_uid": ORGANIZATION,
        "theme": null,
        "page_size": 50,
        "beta": true,
        "layout": { "columns": [1, "two", null] }
    });
    let body = types::UserProfileUpdate::builder().settings(object(settings.clone()));
    let (server, _) = send_body(body, ok()).await;
    assert_eq!(
        server.only_request().json(),
        json!({ "settings": settings })
    );
}

#[tokio::test]
async fn every_error_status_is_the_error_envelope() {
    for status in [401, 422, 500] {
        let (_, result) = send(Reply::json(status, "application/json", error_envelope())).await;
        match result {
            Err(Error::Api {
                status: got, body, ..
            }) => {
                assert_eq!(got.as_u16(), status);
                assert_eq!(body.status, "error");
                assert_eq!(body.status_code, 422);
                assert_eq!(body.message, "The given data was invalid.");
                assert_eq!(
                    body.errors["firstname"],
                    ["The firstname may only contain letters."]
                );
            }
            other => panic!("{status}: expected Error::Api, got {other:?}"),
        }
    }
}

#[tokio::test]
async fn an_error_without_errors_decodes_with_an_empty_map() {
    let unauthenticated =
        json!({ "status": "error", "status_code": 401, "message": "Unauthenticated." });
    let (_, result) = send(Reply::json(401, "application/json", unauthenticated)).await;
    match result {
        Err(Error::Api { status, body, .. }) => {
            assert_eq!(status.as_u16(), 401);
            assert_eq!(body.status_code, 401);
            assert_eq!(body.message, "Unauthenticated.");
            assert!(body.errors.is_empty());
        }
        other => panic!("expected Error::Api, got {other:?}"),
    }
}

#[test]
fn firstname_and_lastname_are_ascii_letters_only() {
    assert!("Jane".parse::<types::UserProfileUpdateFirstname>().is_ok());
    assert!("Doe".parse::<types::UserProfileUpdateLastname>().is_ok());
    for refused in ["Anne-Marie", "Anne Marie", "O'Brien", "Zoë", "Jane2"] {
        assert!(
            refused
                .parse::<types::UserProfileUpdateFirstname>()
                .is_err(),
            "{refused}"
        );
        assert!(
            refused.parse::<types::UserProfileUpdateLastname>().is_err(),
            "{refused}"
        );
    }
}

#[test]
fn firstname_and_lastname_are_1_to_64_letters() {
    let longest = "a".repeat(64);
    let too_long = "a".repeat(65);
    assert!("J".parse::<types::UserProfileUpdateFirstname>().is_ok());
    assert!(longest.parse::<types::UserProfileUpdateFirstname>().is_ok());
    assert!(longest.parse::<types::UserProfileUpdateLastname>().is_ok());
    for refused in ["", too_long.as_str()] {
        assert!(
            refused
                .parse::<types::UserProfileUpdateFirstname>()
                .is_err(),
            "{refused:?}"
        );
        assert!(
            refused.parse::<types::UserProfileUpdateLastname>().is_err(),
            "{refused:?}"
        );
    }
}

#[test]
fn an_update_with_an_invalid_name_cannot_be_built_even_from_json() {
    let refused =
        serde_json::from_value::<types::UserProfileUpdate>(json!({ "firstname": "Anne-Marie" }));
    assert!(refused.is_err());
    let refused = serde_json::from_value::<types::UserProfileUpdate>(json!({ "lastname": "" }));
    assert!(refused.is_err());
    let accepted =
        serde_json::from_value::<types::UserProfileUpdate>(json!({ "firstname": "Jane" }));
    assert!(accepted.is_ok());
}

#[test]
fn the_token_is_not_printed_by_debug() {
    let credentials = Credentials::bearer("ex_live_s3cr3t").unwrap_or_else(|e| panic!("{e}"));
    let printed = format!("{credentials:?} {credentials:#?}");
    assert!(!printed.contains("ex_live_s3cr3t"), "{printed}");
    let client = Client::new("https://dev.exante.app", credentials.into());
    let printed = format!("{client:?}");
    assert!(!printed.contains("ex_live_s3cr3t"), "{printed}");
}

#[test]
fn a_token_with_a_newline_is_refused() {
    assert!(Credentials::bearer("ex_live_x\r\nInjected: yes").is_err());
}
