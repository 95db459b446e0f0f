//! ZITADEL: `PUT /auth/v1/users/me/profile` with `Authorization: Bearer
//! <token>`; `details.sequence` is a uint64 carried as a JSON string; every
//! error status is the gRPC status body.

use conformance::recording_server::{RecordingServer, Reply};
use serde_json::json;
use zitadel_sdk::{Client, Credentials, Error, types};

use crate::seed_requests::zitadel::{seed, seed_json};

async fn send_body(
    body: types::builder::UpdateMyProfileRequest,
    reply: Reply,
) -> (
    RecordingServer,
    Result<types::UpdateMyProfileResponse, Error>,
) {
    let server = RecordingServer::start(reply).await;
    let credentials =
        Credentials::access_token("access-token-123").unwrap_or_else(|e| panic!("{e}"));
    let client = Client::new(server.url(), credentials.into());
    let result = client
        .auth_service_update_my_profile()
        .body(body)
        .send()
        .await
        .map(|r| r.into_inner())
        .map_err(Error::from);
    (server, result)
}

async fn send(
    reply: Reply,
) -> (
    RecordingServer,
    Result<types::UpdateMyProfileResponse, Error>,
) {
    send_body(seed(), reply).await
}

/// The spec's 200 example, with `sequence` replaced.
fn response_with_sequence(sequence: &str) -> serde_json::Value {
    json!({
        "details": {
            "sequence": sequence,
            "creationDate": "2024-05-06T07:08:09.123Z",
            "changeDate": "2024-05-06T07:08:09.123Z",
            "resourceOwner": "69629023906488334"
        }
    })
}

fn ok() -> Reply {
    Reply::json(200, "application/json", response_with_sequence("2"))
}

/// The spec's error example.
fn invalid_argument() -> serde_json::Value {
    json!({
        "code": 3,
        "message": "invalid UpdateMyProfileRequest.FirstName: value length must be between 1 and 200 runes, inclusive",
        "details": []
    })
}

#[tokio::test]
async fn update_my_profile_is_a_put_to_auth_v1_users_me_profile_with_the_seed_body() {
    let (server, result) = send(ok()).await;
    let sent = server.only_request();
    assert_eq!(
        (sent.method.as_str(), sent.path.as_str()),
        ("PUT", "/auth/v1/users/me/profile")
    );
    assert_eq!(sent.header("content-type"), "application/json");
    assert_eq!(sent.json(), seed_json());
    result.unwrap_or_else(|e| panic!("{e}"));
}

#[tokio::test]
async fn the_seed_response_decodes_its_details() {
    let (_, result) = send(ok()).await;
    let details = result
        .unwrap_or_else(|e| panic!("{e}"))
        .details
        .unwrap_or_else(|| panic!("details missing"));
    assert_eq!(details.sequence.as_deref(), Some("2"));
    assert_eq!(details.resource_owner.as_deref(), Some("69629023906488334"));
    assert_eq!(
        details.creation_date.map(|t| t.to_rfc3339()),
        Some("2024-05-06T07:08:09.123+00:00".to_string())
    );
    assert_eq!(
        details.change_date.map(|t| t.timestamp_millis()),
        Some(1_714_979_289_123)
    );
}

#[tokio::test]
async fn the_access_token_is_sent_once_as_authorization_bearer_token() {
    let (server, _) = send(ok()).await;
    assert_eq!(
        server.only_request().header("authorization"),
        "Bearer access-token-123"
    );
}

#[tokio::test]
async fn sequence_arrives_as_a_string_and_the_largest_uint64_survives() {
    let (_, result) = send(Reply::json(
        200,
        "application/json",
        response_with_sequence("18446744073709551615"),
    ))
    .await;
    let details = result
        .unwrap_or_else(|e| panic!("{e}"))
        .details
        .unwrap_or_else(|| panic!("details missing"));
    assert_eq!(details.sequence.as_deref(), Some("18446744073709551615"));
    let parsed = details.sequence.as_deref().map(str::parse::<u64>);
    assert_eq!(parsed, Some(Ok(u64::MAX)));
}

#[tokio::test]
async fn an_unset_gender_is_sent_as_the_default_gender_unspecified() {
    let body = types::UpdateMyProfileRequest::builder()
        .first_name("Minnie")
        .last_name("Mouse")
        .display_name("Minnie Mouse");
    let (server, _) = send_body(body, ok()).await;
    assert_eq!(
        server.only_request().json(),
        json!({
            "firstName": "Minnie",
            "lastName": "Mouse",
            "displayName": "Minnie Mouse",
            "gender": "GENDER_UNSPECIFIED"
        })
    );
}

#[tokio::test]
async fn a_set_gender_goes_on_the_wire_by_its_proto_name() {
    let body = seed().gender(types::Gender::GenderDiverse);
    let (server, _) = send_body(body, ok()).await;
    assert_eq!(server.only_request().json()["gender"], "GENDER_DIVERSE");
}

#[tokio::test]
async fn every_error_status_is_the_grpc_status_body() {
    for status in [400, 401, 500] {
        let (_, result) = send(Reply::json(status, "application/json", invalid_argument())).await;
        match result {
            Err(Error::Api {
                status: got, body, ..
            }) => {
                assert_eq!(got.as_u16(), status);
                assert_eq!(body.code, Some(3));
                let message = body.message.unwrap_or_default();
                assert!(
                    message.starts_with("invalid UpdateMyProfileRequest.FirstName"),
                    "{message}"
                );
                assert!(body.details.is_empty());
            }
            other => panic!("{status}: expected Error::Api, got {other:?}"),
        }
    }
}

#[tokio::test]
async fn a_401_unauthenticated_and_a_failed_precondition_decode_with_their_details() {
    let unauthenticated = json!({ "code": 16, "message": "Errors.Token.Invalid", "details": [] });
    let (_, result) = send(Reply::json(401, "application/json", unauthenticated)).await;
    match result {
        Err(Error::Api { status, body, .. }) => {
            assert_eq!(status.as_u16(), 401);
            assert_eq!(body.code, Some(16));
            assert_eq!(body.message.as_deref(), Some("Errors.Token.Invalid"));
        }
        other => panic!("expected Error::Api, got {other:?}"),
    }
    let not_changed = json!({
        "code": 9,
        "message": "Profile not changed (Errors.User.Profile.NotChanged)",
        "details": [{ "@type": "type.googleapis.com/zitadel.v1.ErrorDetail", "id": "Errors.User.Profile.NotChanged" }]
    });
    let (_, result) = send(Reply::json(400, "application/json", not_changed)).await;
    match result {
        Err(Error::Api { status, body, .. }) => {
            assert_eq!(status.as_u16(), 400);
            assert_eq!(body.code, Some(9));
            assert_eq!(
                body.details[0].type_.as_deref(),
                Some("type.googleapis.com/zitadel.v1.ErrorDetail")
            );
            // Rule `open-object-keeps-extras`: the detail's own fields survive.
            assert_eq!(
                body.details[0].extra.get("id"),
                Some(&json!("Errors.User.Profile.NotChanged"))
            );
        }
        other => panic!("expected Error::Api, got {other:?}"),
    }
}

// Lengths are characters, not bytes: 200 two-byte characters are allowed.

#[test]
fn first_name_is_non_empty_and_at_most_200_characters() {
    assert!(
        "Minnie"
            .parse::<types::UpdateMyProfileRequestFirstName>()
            .is_ok()
    );
    assert!(
        "é".repeat(200)
            .parse::<types::UpdateMyProfileRequestFirstName>()
            .is_ok()
    );
    assert!(
        "".parse::<types::UpdateMyProfileRequestFirstName>()
            .is_err()
    );
    assert!(
        "a".repeat(201)
            .parse::<types::UpdateMyProfileRequestFirstName>()
            .is_err()
    );
}

#[test]
fn last_name_is_non_empty_and_at_most_200_characters() {
    assert!(
        "Mouse"
            .parse::<types::UpdateMyProfileRequestLastName>()
            .is_ok()
    );
    assert!(
        "é".repeat(200)
            .parse::<types::UpdateMyProfileRequestLastName>()
            .is_ok()
    );
    assert!("".parse::<types::UpdateMyProfileRequestLastName>().is_err());
    assert!(
        "a".repeat(201)
            .parse::<types::UpdateMyProfileRequestLastName>()
            .is_err()
    );
}

#[test]
fn display_name_is_non_empty_and_at_most_200_characters() {
    assert!(
        "Minnie Mouse"
            .parse::<types::UpdateMyProfileRequestDisplayName>()
            .is_ok()
    );
    assert!(
        "é".repeat(200)
            .parse::<types::UpdateMyProfileRequestDisplayName>()
            .is_ok()
    );
    assert!(
        "".parse::<types::UpdateMyProfileRequestDisplayName>()
            .is_err()
    );
    assert!(
        "a".repeat(201)
            .parse::<types::UpdateMyProfileRequestDisplayName>()
            .is_err()
    );
}

#[test]
fn nick_name_may_be_empty_and_is_at_most_200_characters() {
    assert!("".parse::<types::UpdateMyProfileRequestNickName>().is_ok());
    assert!(
        "Minnie"
            .parse::<types::UpdateMyProfileRequestNickName>()
            .is_ok()
    );
    assert!(
        "a".repeat(200)
            .parse::<types::UpdateMyProfileRequestNickName>()
            .is_ok()
    );
    assert!(
        "a".repeat(201)
            .parse::<types::UpdateMyProfileRequestNickName>()
            .is_err()
    );
}

#[test]
fn preferred_language_is_at_most_10_characters() {
    assert!(
        "en".parse::<types::UpdateMyProfileRequestPreferredLanguage>()
            .is_ok()
    );
    assert!(
        "de-CH-1996"
            .parse::<types::UpdateMyProfileRequestPreferredLanguage>()
            .is_ok()
    );
    assert!(
        "de-CH-19960"
            .parse::<types::UpdateMyProfileRequestPreferredLanguage>()
            .is_err()
    );
}

#[tokio::test]
async fn an_empty_nick_name_is_sent_as_an_empty_string() {
    let body = seed().nick_name(Some("".parse().unwrap_or_else(|e| panic!("{e}"))));
    let (server, _) = send_body(body, ok()).await;
    assert_eq!(server.only_request().json()["nickName"], "");
}

#[tokio::test]
async fn an_empty_first_name_fails_the_request_before_sending() {
    let server = RecordingServer::start(ok()).await;
    let credentials = Credentials::access_token("t").unwrap_or_else(|e| panic!("{e}"));
    let client = Client::new(server.url(), credentials.into());
    let refused = client
        .auth_service_update_my_profile()
        .body(seed().first_name(""))
        .send()
        .await;
    match refused {
        Err(progenitor_client::Error::InvalidRequest(message)) => {
            assert!(message.contains("first_name"), "{message}");
        }
        other => panic!("expected InvalidRequest, got {other:?}"),
    }
    // Only the valid request below reaches the listener.
    let accepted = client
        .auth_service_update_my_profile()
        .body(seed())
        .send()
        .await;
    accepted.unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(server.only_request().json()["firstName"], "Minnie");
}

#[tokio::test]
async fn a_missing_display_name_fails_the_request_before_sending() {
    let body = types::UpdateMyProfileRequest::builder()
        .first_name("Minnie")
        .last_name("Mouse");
    let (_, result) = send_body(body, ok()).await;
    match result {
        Err(Error::InvalidRequest(message)) => {
            assert!(message.contains("display_name"), "{message}");
        }
        other => panic!("expected InvalidRequest, got {other:?}"),
    }
}

#[test]
fn the_access_token_is_not_printed_by_debug() {
    let credentials = Credentials::access_token("s3cr3t-token").unwrap_or_else(|e| panic!("{e}"));
    let printed = format!("{credentials:?} {credentials:#?}");
    assert!(!printed.contains("s3cr3t-token"), "{printed}");
    let client = Client::new("https://example.zitadel.cloud", credentials.into());
    let printed = format!("{client:?}");
    assert!(!printed.contains("s3cr3t-token"), "{printed}");
}

#[test]
fn an_access_token_with_a_newline_is_refused() {
    assert!(Credentials::access_token("token\nInjected: yes").is_err());
}
