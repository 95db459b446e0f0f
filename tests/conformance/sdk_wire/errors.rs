//! Errors keep what the server said, the same way in all five SDKs: the
//! status, the headers, and the documented body decoded or, when the body is
//! not the documented one, the body exactly as received.

use conformance::recording_server::{RecordingServer, Reply};
use serde_json::json;
use zitadel_sdk::{Client, Code, Credentials, Error, types};

use crate::seed_requests::zitadel::seed;

async fn zitadel(reply: Reply) -> Result<types::UpdateMyProfileResponse, Error> {
    let server = RecordingServer::start(reply).await;
    let credentials = Credentials::access_token("token-1").unwrap_or_else(|e| panic!("{e}"));
    let client = Client::new(server.url(), credentials.into());
    // `?` converts progenitor's error into the crate's, no `map_err`.
    async fn update(client: &Client) -> Result<types::UpdateMyProfileResponse, Error> {
        let response = client
            .auth_service_update_my_profile()
            .body(seed())
            .send()
            .await?;
        Ok(response.into_inner())
    }
    update(&client).await
}

fn failed_precondition() -> serde_json::Value {
    json!({ "code": 9, "message": "Profile not changed (COMMAND-2m9fs)", "details": [] })
}

#[tokio::test]
async fn a_non_json_error_body_keeps_its_status_and_raw_body() {
    let page = "<html><body><h1>502 Bad Gateway</h1></body></html>";
    match zitadel(Reply::text(502, "text/html", page)).await {
        Err(error @ Error::UnexpectedResponse { .. }) => {
            assert_eq!(error.status().map(|s| s.as_u16()), Some(502));
            assert_eq!(error.raw_body(), Some(page.as_bytes()));
            assert_eq!(error.header("content-type"), Some("text/html"));
        }
        other => panic!("expected an unexpected response, got {other:?}"),
    }
}

#[tokio::test]
async fn an_empty_401_keeps_its_status() {
    match zitadel(Reply::text(401, "text/plain", "")).await {
        Err(error @ Error::UnexpectedResponse { .. }) => {
            assert_eq!(error.status().map(|s| s.as_u16()), Some(401));
            assert_eq!(error.raw_body(), Some(&b""[..]));
            assert!(error.to_string().contains("the body is empty"), "{error}");
        }
        other => panic!("expected an unexpected response, got {other:?}"),
    }
}

#[tokio::test]
async fn an_error_body_of_the_wrong_shape_is_kept_raw_not_decoded_empty() {
    let body = r#"{"error":"bad gateway"}"#;
    match zitadel(Reply::text(502, "application/json", body)).await {
        Err(Error::UnexpectedResponse {
            status, body: raw, ..
        }) => {
            assert_eq!(status.as_u16(), 502);
            assert_eq!(raw, body.as_bytes());
        }
        other => panic!("expected the raw body, got {other:?}"),
    }
}

#[tokio::test]
async fn response_headers_are_kept_on_a_documented_error() {
    let reply = Reply::json(
        503,
        "application/json",
        json!({ "code": 14, "message": "try later" }),
    )
    .with_header("Retry-After", "120")
    .with_header("X-Request-Id", "req-77");
    match zitadel(reply).await {
        Err(error @ Error::Api { .. }) => {
            assert_eq!(
                error.retry_after(),
                Some(std::time::Duration::from_secs(120))
            );
            assert_eq!(error.request_id(), Some("req-77"));
            assert_eq!(error.body().and_then(|b| b.code()), Some(Code::Unavailable));
        }
        other => panic!("expected a documented error, got {other:?}"),
    }
}

#[tokio::test]
async fn response_headers_are_kept_on_an_undocumented_error() {
    let reply = Reply::text(429, "text/plain", "slow down").with_header("Retry-After", "7");
    match zitadel(reply).await {
        Err(error @ Error::UnexpectedResponse { .. }) => {
            assert_eq!(error.retry_after(), Some(std::time::Duration::from_secs(7)));
        }
        other => panic!("expected an unexpected response, got {other:?}"),
    }
}

/// How every ZITADEL error's message begins: the API and the operation.
const OPERATION: &str = "ZITADEL AuthService_UpdateMyProfile (PUT /auth/v1/users/me/profile)";

#[tokio::test]
async fn display_names_the_api_operation_status_content_type_vendor_code_and_message() {
    let reply = Reply::json(400, "application/json", failed_precondition())
        .with_header("X-Request-Id", "req-9");
    let error = match zitadel(reply).await {
        Err(error) => error,
        Ok(_) => panic!("a 400 is an error"),
    };
    assert_eq!(
        error.to_string(),
        format!(
            "{OPERATION}: the server answered 400 Bad Request (application/json): \
             FAILED_PRECONDITION (9): Profile not changed (COMMAND-2m9fs) (request id req-9)"
        )
    );
    assert_eq!(
        error.operation().map(|o| o.id()),
        Some("AuthService_UpdateMyProfile")
    );
}

#[tokio::test]
async fn display_of_an_undocumented_error_quotes_its_content_type_and_body() {
    let page = "<html><body><h1>502 Bad Gateway</h1></body></html>";
    let reply = Reply::text(502, "text/html", page).with_header("X-Request-Id", "req-5");
    let error = zitadel(reply)
        .await
        .err()
        .unwrap_or_else(an_error_status_is_an_error);
    assert_eq!(
        error.to_string(),
        format!(
            "{OPERATION}: the server answered 502 Bad Gateway without its documented error \
             body (text/html): {page} (request id req-5)"
        )
    );
}

#[tokio::test]
async fn zitadel_codes_are_named() {
    match zitadel(Reply::json(400, "application/json", failed_precondition())).await {
        Err(Error::Api { body, .. }) => {
            assert_eq!(body.code(), Some(Code::FailedPrecondition));
        }
        other => panic!("expected a documented error, got {other:?}"),
    }
    assert_eq!(Code::from_number(3), Some(Code::InvalidArgument));
    assert_eq!(Code::from_number(16), Some(Code::Unauthenticated));
    assert_eq!(Code::Unauthenticated.number(), 16);
    assert_eq!(Code::from_number(0), None);
}

#[tokio::test]
async fn display_keeps_a_multi_line_body_on_one_line() {
    let reply = Reply::text(502, "text/html", "<html>\n<h1>Bad Gateway</h1>\n</html>");
    let error = zitadel(reply)
        .await
        .err()
        .unwrap_or_else(an_error_status_is_an_error);
    let text = error.to_string();
    assert!(!text.contains('\n'), "{text}");
    assert!(
        text.ends_with(r"(text/html): <html>\n<h1>Bad Gateway</h1>\n</html>"),
        "{text}"
    );
}

#[tokio::test]
async fn a_documented_success_keeps_its_content_length() {
    let body = json!({ "details": { "sequence": "2" } });
    let length = body.to_string().len() as u64;
    let server = RecordingServer::start(Reply::json(200, "application/json", body)).await;
    let credentials = Credentials::access_token("token-1").unwrap_or_else(|e| panic!("{e}"));
    let response = Client::new(server.url(), credentials.into())
        .auth_service_update_my_profile()
        .body(seed())
        .send()
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(response.content_length(), Some(length));
}

#[tokio::test]
async fn a_garbage_200_keeps_its_status_headers_and_body() {
    let reply = Reply::text(200, "text/html", "<h1>Welcome to nginx!</h1>")
        .with_header("X-Request-Id", "req-200");
    match zitadel(reply).await {
        Err(error @ Error::InvalidResponsePayload { .. }) => {
            assert_eq!(error.status().map(|s| s.as_u16()), Some(200));
            assert_eq!(error.request_id(), Some("req-200"));
            assert_eq!(error.content_type(), Some("text/html"));
            assert_eq!(error.raw_body(), Some(&b"<h1>Welcome to nginx!</h1>"[..]));
            assert_eq!(
                error.to_string(),
                format!(
                    "{OPERATION}: the server answered 200 OK but not with the documented body \
                     (expected value at line 1 column 1) (text/html): \
                     <h1>Welcome to nginx!</h1> (request id req-200)"
                )
            );
        }
        other => panic!("expected an invalid payload, got {other:?}"),
    }
}

#[tokio::test]
async fn a_200_of_json_in_another_shape_is_an_invalid_payload() {
    // `details` must be an object; a string is not the documented body.
    let reply = Reply::json(200, "application/json", json!({ "details": "done" }));
    match zitadel(reply).await {
        Err(error @ Error::InvalidResponsePayload { .. }) => {
            assert_eq!(error.status().map(|s| s.as_u16()), Some(200));
            assert_eq!(error.raw_body(), Some(&br#"{"details":"done"}"#[..]));
            assert!(
                error.to_string().contains("invalid type: string"),
                "{error}"
            );
        }
        other => panic!("expected an invalid payload, got {other:?}"),
    }
}

#[tokio::test]
async fn a_success_status_the_spec_does_not_list_is_kept_whole() {
    let reply = Reply::json(201, "application/json", json!({ "details": {} }));
    match zitadel(reply).await {
        Err(error @ Error::UnexpectedResponse { .. }) => {
            assert_eq!(error.status().map(|s| s.as_u16()), Some(201));
            assert_eq!(error.raw_body(), Some(&br#"{"details":{}}"#[..]));
            assert!(
                error
                    .to_string()
                    .contains("201 Created, a status the spec does not list"),
                "{error}"
            );
        }
        other => panic!("expected an unexpected response, got {other:?}"),
    }
}

#[test]
fn a_request_refused_before_sending_names_the_api_and_operation() {
    let progenitor: zitadel_sdk::ProgenitorError<types::RpcStatus> =
        zitadel_sdk::ProgenitorError::InvalidRequest("no value supplied for first_name".into());
    let error = Error::from(progenitor);
    assert_eq!(
        error.to_string(),
        format!("{OPERATION}: the request was not sent: no value supplied for first_name")
    );
}

#[tokio::test]
async fn a_refused_connection_is_a_communication_error_with_its_cause() {
    // Bind and drop, so that nothing listens on the port.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .unwrap_or_else(|e| panic!("{e}"))
        .port();
    let credentials = Credentials::access_token("token-1").unwrap_or_else(|e| panic!("{e}"));
    let client = Client::new(&format!("http://127.0.0.1:{port}"), credentials.into());
    let result: Result<_, Error> = client
        .auth_service_update_my_profile()
        .body(seed())
        .send()
        .await
        .map_err(Into::into);
    match result {
        Err(error @ Error::Communication { .. }) => {
            let text = error.to_string();
            assert!(
                text.starts_with(&format!(
                    "{OPERATION}: the request could not be completed: "
                )),
                "{text}"
            );
            assert!(text.to_lowercase().contains("connect"), "{text}");
            assert_eq!(error.timeout(), None);
            // The hook's mark on the URL is gone again.
            assert!(!text.contains("sdk-support"), "{text}");
            assert!(!text.contains('#'), "{text}");
        }
        other => panic!("expected a communication error, got {other:?}"),
    }
}

#[test]
fn what_a_user_must_name_is_re_exported() {
    let client = zitadel_sdk::reqwest::Client::new();
    let credentials = Credentials::access_token("t").unwrap_or_else(|e| panic!("{e}"));
    let _ = Client::new_with_client("http://127.0.0.1:1", client, credentials.into());
    let status: zitadel_sdk::StatusCode = zitadel_sdk::StatusCode::BAD_REQUEST;
    let progenitor: zitadel_sdk::ProgenitorError<types::RpcStatus> =
        zitadel_sdk::ProgenitorError::InvalidRequest("x".to_string());
    let converted: Error = progenitor.into();
    assert!(matches!(converted, Error::InvalidRequest(_)));
    assert_eq!(status.as_u16(), 400);
}

/// The same code, compiled against each crate's `Error`: one shape.
macro_rules! the_same_match_for {
    ($($sdk:ident),*) => {$(
        #[allow(dead_code)]
        fn $sdk(error: $sdk::Error) -> String {
            match error {
                $sdk::Error::Api { status, headers, body, .. } => {
                    format!("{status} {} {body:?}", headers.len())
                }
                $sdk::Error::UnexpectedResponse { status, body, .. } => {
                    format!("{status} {}", String::from_utf8_lossy(&body))
                }
                other => format!("{:?} {other}", other.status()),
            }
        }
    )*};
}

mod one_shape {
    the_same_match_for!(
        cl2c_sdk,
        ctechnology_sdk,
        ctrlhub_sdk,
        exante_sdk,
        zitadel_sdk
    );
}

/// For `unwrap_or_else` on a result that must be an error.
fn an_error_status_is_an_error<T>() -> T {
    panic!("an error status is an error")
}

/// `error` is `page`, kept whole with its 502.
fn assert_kept<B: sdk_support::ErrorBody>(api: &str, error: sdk_support::Error<B>, page: &str) {
    assert_eq!(error.status().map(|s| s.as_u16()), Some(502), "{api}");
    assert_eq!(error.raw_body(), Some(page.as_bytes()), "{api}");
}

#[tokio::test]
async fn every_sdk_keeps_an_undocumented_error_whole() {
    let page = "<h1>Bad Gateway</h1>";
    let server = RecordingServer::start(Reply::text(502, "text/html", page)).await;
    let url = server.url();

    let credentials = cl2c_sdk::Credentials::new("t", "k").unwrap_or_else(|e| panic!("{e}"));
    let sent = cl2c_sdk::Client::new(url, credentials.into())
        .update_profile()
        .body(crate::seed_requests::cl2c::seed())
        .send()
        .await;
    assert_kept(
        "cl2c",
        cl2c_sdk::Error::from(sent.err().unwrap_or_else(an_error_status_is_an_error)),
        page,
    );

    let credentials = ctechnology_sdk::Credentials::api_key("k").unwrap_or_else(|e| panic!("{e}"));
    let sent = ctechnology_sdk::Client::new(url, credentials.into())
        .update_user_profile()
        .body(crate::seed_requests::ctechnology::seed())
        .send()
        .await;
    assert_kept(
        "ctechnology",
        ctechnology_sdk::Error::from(sent.err().unwrap_or_else(an_error_status_is_an_error)),
        page,
    );

    let credentials =
        ctrlhub_sdk::Credentials::session_token("s").unwrap_or_else(|e| panic!("{e}"));
    let id = uuid::Uuid::nil();
    let sent = ctrlhub_sdk::Client::new(url, credentials.into())
        .update_user()
        .user_id(id)
        .body(crate::seed_requests::ctrlhub::seed(id))
        .send()
        .await;
    assert_kept(
        "ctrlhub",
        ctrlhub_sdk::Error::from(sent.err().unwrap_or_else(an_error_status_is_an_error)),
        page,
    );

    let credentials = exante_sdk::Credentials::bearer("b").unwrap_or_else(|e| panic!("{e}"));
    let sent = exante_sdk::Client::new(url, credentials.into())
        .update_current_user()
        .body(crate::seed_requests::exante::seed(uuid::Uuid::nil()))
        .send()
        .await;
    assert_kept(
        "exante",
        exante_sdk::Error::from(sent.err().unwrap_or_else(an_error_status_is_an_error)),
        page,
    );

    // ZITADEL: a_non_json_error_body_keeps_its_status_and_raw_body above.
}

#[tokio::test]
async fn display_names_each_refused_field_of_a_cl2c_validation_error() {
    let problem = json!({
        "title": "Invalid Request",
        "errors": { "phoneNumber": ["Invalid phone number format"], "firstName": ["Required"] }
    });
    let server =
        RecordingServer::start(Reply::json(400, "application/problem+json", problem)).await;
    let credentials = cl2c_sdk::Credentials::new("t", "k").unwrap_or_else(|e| panic!("{e}"));
    let sent = cl2c_sdk::Client::new(server.url(), credentials.into())
        .update_profile()
        .body(crate::seed_requests::cl2c::seed())
        .send()
        .await;
    let error = cl2c_sdk::Error::from(sent.err().unwrap_or_else(an_error_status_is_an_error));
    assert_eq!(
        error.to_string(),
        "CL2C updateProfile (PUT /v1/cl2c/user): the server answered 400 Bad Request \
         (application/problem+json): Invalid Request; firstName: Required; \
         phoneNumber: Invalid phone number format"
    );
}

#[tokio::test]
async fn display_gives_each_ctrlhub_error_with_its_pointer() {
    let document = json!({ "errors": [{
        "status": "422", "code": "invalid", "title": "Invalid attribute",
        "detail": "must be a date", "source": { "pointer": "/data/attributes/profile/personal/dob" }
    }]});
    let server =
        RecordingServer::start(Reply::json(422, "application/vnd.api+json", document)).await;
    let credentials =
        ctrlhub_sdk::Credentials::session_token("s").unwrap_or_else(|e| panic!("{e}"));
    let id = uuid::Uuid::nil();
    let sent = ctrlhub_sdk::Client::new(server.url(), credentials.into())
        .update_user()
        .user_id(id)
        .body(crate::seed_requests::ctrlhub::seed(id))
        .send()
        .await;
    let error = ctrlhub_sdk::Error::from(sent.err().unwrap_or_else(an_error_status_is_an_error));
    assert_eq!(
        error.to_string(),
        "Ctrl-Hub updateUser (PUT /v3/users/{user_id}): the server answered 422 Unprocessable \
         Entity (application/vnd.api+json): Invalid attribute: must be a date \
         (at /data/attributes/profile/personal/dob) [invalid]"
    );
}
