//! CL2C: `PUT /v1/cl2c/user` with `tenant` + `X-API-Key`; a 400 carries
//! problem details, every other error status the default error body.

use cl2c_sdk::{Client, Credentials, Error, ErrorDetails, types};
use conformance::recording_server::{RecordingServer, Reply};
use serde_json::json;

use crate::seed_requests::cl2c::{seed, seed_json};

async fn send(reply: Reply) -> (RecordingServer, Result<types::UserProfile, Error>) {
    let server = RecordingServer::start(reply).await;
    let credentials =
        Credentials::new("your-tenant-id", "your-api-key").unwrap_or_else(|e| panic!("{e}"));
    let client = Client::new(server.url(), credentials.into());
    let result = client
        .update_profile()
        .body(seed())
        .send()
        .await
        .map(|r| r.into_inner())
        .map_err(Error::from);
    (server, result)
}

fn profile() -> serde_json::Value {
    json!({
        "id": "3fa85f64-5717-4562-b3fc-2c963f66afa6",
        "userName": "john_doe",
        "firstName": "John",
        "lastName": "Doe",
        "email": "john.doe@example.com",
        "emailConfirmed": true,
        "authenticated": true,
        "authValidUpto": "2024-11-05T19:42:26.587Z",
        "authLocation": "USA",
        "phoneNumber": "+1234567890",
        "walletAddress": "0x123456789ABCDEF"
    })
}

#[tokio::test]
async fn update_profile_is_a_put_to_v1_cl2c_user_with_the_seed_body() {
    let (server, result) = send(Reply::json(200, "application/json", profile())).await;
    let sent = server.only_request();
    assert_eq!(
        (sent.method.as_str(), sent.path.as_str()),
        ("PUT", "/v1/cl2c/user")
    );
    assert_eq!(sent.header("content-type"), "application/json");
    assert_eq!(sent.json(), seed_json());
    let profile = result.unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(profile.user_name.as_deref(), Some("john_doe"));
    assert_eq!(profile.email_confirmed, Some(true));
}

#[tokio::test]
async fn tenant_and_api_key_headers_are_sent_once_each() {
    let (server, _) = send(Reply::json(200, "application/json", profile())).await;
    let sent = server.only_request();
    assert_eq!(sent.header("tenant"), "your-tenant-id");
    assert_eq!(sent.header("x-api-key"), "your-api-key");
}

#[tokio::test]
async fn a_400_is_problem_details_with_the_errors_map_as_problem_json() {
    let problem = json!({
        "type": "https://example.com/error",
        "title": "Invalid Request",
        "status": 400,
        "detail": "The request parameters are incorrect.",
        "instance": "12345",
        "errors": {
            "firstName": ["First name is required"],
            "phoneNumber": ["Invalid phone number format"]
        },
        "traceId": "00-abc-01"
    });
    for media in ["application/problem+json", "application/json"] {
        let (_, result) = send(Reply::json(400, media, problem.clone())).await;
        match result {
            Err(Error::Api {
                status,
                body: ErrorDetails::Validation(body),
                ..
            }) => {
                assert_eq!(status.as_u16(), 400);
                assert_eq!(body.title.as_deref(), Some("Invalid Request"));
                assert_eq!(body.errors["phoneNumber"], ["Invalid phone number format"]);
                assert_eq!(body.errors["firstName"], ["First name is required"]);
                // Rule `open-object-keeps-extras`: RFC 7807 extension members
                // (ASP.NET's traceId) are kept.
                assert_eq!(body.extra.get("traceId"), Some(&json!("00-abc-01")));
            }
            other => panic!("{media}: expected a 400's problem details, got {other:?}"),
        }
    }
}

#[tokio::test]
async fn another_error_status_is_the_default_error_body_not_problem_details() {
    let default_error = json!({
        "messages": ["An unexpected error occurred."],
        "source": "API Gateway",
        "exception": "System.Exception",
        "errorId": "error-12345",
        "supportMessage": "Please contact support with this error ID.",
        "statusCode": 500
    });
    for status in [401, 403, 500] {
        let (_, result) = send(Reply::json(
            status,
            "application/json",
            default_error.clone(),
        ))
        .await;
        match result {
            Err(Error::Api {
                status: got,
                body: ErrorDetails::Default(body),
                ..
            }) => {
                assert_eq!(got.as_u16(), status);
                assert_eq!(body.error_id.as_deref(), Some("error-12345"));
                assert_eq!(body.messages, ["An unexpected error occurred."]);
            }
            other => panic!("{status}: expected Error::Api, got {other:?}"),
        }
    }
}

#[tokio::test]
async fn an_error_body_of_the_wrong_shape_is_kept_whole() {
    let (_, result) = send(Reply::json(
        400,
        "application/json",
        json!({ "errors": "not a map" }),
    ))
    .await;
    match result {
        Err(Error::UnexpectedResponse { status, body, .. }) => {
            assert_eq!(status.as_u16(), 400);
            let kept: serde_json::Value =
                serde_json::from_slice(&body).unwrap_or_else(|e| panic!("{e}"));
            assert_eq!(kept, json!({ "errors": "not a map" }));
        }
        other => panic!("expected Error::UnexpectedResponse, got {other:?}"),
    }
}

#[test]
fn a_phone_number_outside_e164_is_refused_before_sending() {
    assert!(
        "+1234567890"
            .parse::<types::UpdateProfileRequestPhoneNumber>()
            .is_ok()
    );
    assert!(
        "01234567"
            .parse::<types::UpdateProfileRequestPhoneNumber>()
            .is_err()
    );
}

#[test]
fn an_empty_first_name_is_refused_before_sending() {
    assert!("".parse::<types::UpdateProfileRequestFirstName>().is_err());
}

#[test]
fn the_api_key_is_not_printed_by_debug() {
    let credentials = Credentials::new("tenant-a", "s3cr3t-key").unwrap_or_else(|e| panic!("{e}"));
    let printed = format!("{credentials:?}");
    assert!(!printed.contains("s3cr3t-key"), "{printed}");
    assert!(printed.contains("tenant-a"), "{printed}");
}

#[test]
fn a_credential_with_a_newline_is_refused() {
    assert!(Credentials::new("tenant", "key\nInjected: yes").is_err());
}
