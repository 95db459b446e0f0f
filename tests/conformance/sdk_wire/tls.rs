//! TLS is compiled in: an `https://` base URL gets a TLS handshake, not
//! progenitor-client's default "scheme is not http" refusal.

use conformance::recording_server::{RecordingServer, Reply};
use zitadel_sdk::{Client, Credentials, types};

#[tokio::test]
async fn an_https_base_url_attempts_a_tls_handshake() {
    // A plain-HTTP listener: the TLS handshake must be attempted and fail.
    let server =
        RecordingServer::start(Reply::json(200, "application/json", serde_json::json!({}))).await;
    let url = server.url().replace("http://", "https://");
    let client = Client::new(
        &url,
        Credentials::access_token("t").unwrap_or_else(|e| panic!("{e}")),
    );
    let body = types::UpdateMyProfileRequest::builder()
        .first_name("Minnie")
        .last_name("Mouse")
        .display_name("Minnie Mouse");
    let error = match client
        .auth_service_update_my_profile()
        .body(body)
        .send()
        .await
    {
        Ok(_) => panic!("a plain-HTTP listener cannot complete a TLS handshake"),
        Err(e) => e,
    };
    let chain = {
        let mut text = format!("{error}");
        let mut source = std::error::Error::source(&error);
        while let Some(s) = source {
            text.push_str(&format!(" / {s}"));
            source = s.source();
        }
        text
    };
    assert!(
        !chain.contains("scheme is not http"),
        "TLS support is missing: {chain}"
    );
    assert!(
        matches!(error, progenitor_client::Error::CommunicationError(_)),
        "{chain}"
    );
}
