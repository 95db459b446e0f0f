//! TLS is compiled in: an `https://` base URL gets a TLS handshake, not
//! progenitor-client's default "scheme is not http" refusal.

use zitadel_sdk::{Client, Credentials, types};

#[tokio::test]
async fn an_https_base_url_attempts_a_tls_handshake() {
    // A listener that hangs up at once: the TLS handshake must be attempted
    // and fail, quickly.
    let listener = match tokio::net::TcpListener::bind("127.0.0.1:0").await {
        Ok(listener) => listener,
        Err(e) => panic!("cannot bind a local port: {e}"),
    };
    let addr = listener.local_addr().unwrap_or_else(|e| panic!("{e}"));
    tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            drop(stream);
        }
    });
    let url = format!("https://{addr}");
    let client = Client::new(
        &url,
        Credentials::access_token("t")
            .unwrap_or_else(|e| panic!("{e}"))
            .into(),
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
