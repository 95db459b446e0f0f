//! `--record` and `verify`: no credential reaches a recording, and a
//! recording checked offline says what the live proxy said.

use std::path::PathBuf;

use conformance::recording_server::{RecordingServer, Reply};
use profile_test_server::TestServer;
use serde_json::json;
use server::storage::Api;
use xtask::exchange_check::Checker;
use xtask::recording::REDACTED;

use super::Proxied;
use crate::sdk_server::test_server::every_seed_request;

/// A fresh file path in the temporary directory, removed when dropped.
struct TempFile(PathBuf);

impl TempFile {
    fn new(name: &str) -> TempFile {
        TempFile(std::env::temp_dir().join(format!("{name}-{}.jsonl", uuid::Uuid::new_v4())))
    }
}

impl Drop for TempFile {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

fn checker(api: &str) -> Checker {
    let root = xtask::workspace_root().unwrap_or_else(|e| panic!("{e}"));
    Checker::load(&root, api).unwrap_or_else(|e| panic!("{e}"))
}

#[tokio::test]
async fn no_credential_of_any_api_reaches_its_recording() {
    let server = TestServer::start_all().unwrap_or_else(|e| panic!("{e}"));
    let mut proxies = Vec::new();
    for &api in Api::ALL {
        let file = TempFile::new(&format!("proxy-recording-{}", api.name()));
        let upstream = server.base_url(api).unwrap_or_else(|e| panic!("{e}"));
        let proxy = Proxied::start(api.name(), upstream, Some(file.0.clone())).await;
        proxies.push((api, proxy, file));
    }
    every_seed_request(&server, |api| {
        proxies
            .iter()
            .find(|(a, _, _)| *a == api)
            .map(|(_, p, _)| p.url())
            .unwrap_or_else(|| panic!("no proxy for {}", api.name()))
    })
    .await;
    let secrets: Vec<String> = Api::ALL
        .iter()
        .map(|api| {
            server
                .token(*api)
                .unwrap_or_else(|e| panic!("{e}"))
                .to_string()
        })
        .chain([server.tenant().to_string()])
        .collect();
    for (api, proxy, file) in &mut proxies {
        // The line is written before the exchange is reported.
        let (exchange, _) = proxy.next().await;
        let text = std::fs::read_to_string(&file.0).unwrap_or_else(|e| panic!("{e}"));
        for secret in &secrets {
            // A key id may be a token's prefix; the whole token must not be there.
            assert!(
                !text.contains(secret.as_str()),
                "{}: the recording holds a credential: {text}",
                api.name()
            );
        }
        // The live exchange had the credential; the file has its place.
        let sent_secret = exchange
            .request
            .headers
            .iter()
            .any(|(_, value)| secrets.iter().any(|s| value.contains(s.as_str())));
        assert!(sent_secret, "{}: the SDK sent no credential", api.name());
        assert!(text.contains(REDACTED), "{}: {text}", api.name());
        let recorded = xtask::recording::read(&file.0).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(recorded.len(), 1, "{}", api.name());
        assert_eq!(recorded[0].response, exchange.response, "{}", api.name());
        assert_eq!(
            recorded[0].request.body,
            exchange.request.body,
            "{}",
            api.name()
        );
        // And the redacted recording still passes every rule offline.
        let summary = xtask::verify::verify(&checker(api.name()), &recorded)
            .unwrap_or_else(|e| panic!("{e}"));
        assert!(summary.passed(), "{}", xtask::verify::render_text(&summary));
    }
}

#[tokio::test]
async fn verify_summarises_statuses_seen_never_seen_and_undocumented_and_fails_on_a_violation() {
    let file = TempFile::new("proxy-recording-zitadel");
    let server = TestServer::start(Api::Zitadel).unwrap_or_else(|e| panic!("{e}"));
    let upstream = server
        .base_url(Api::Zitadel)
        .unwrap_or_else(|e| panic!("{e}"));
    let mut proxy = Proxied::start("zitadel", upstream, Some(file.0.clone())).await;
    let client = reqwest::Client::new();
    let url = format!("{}/auth/v1/users/me/profile", proxy.url());
    let body = json!({ "firstName": "Minnie", "lastName": "Mouse", "displayName": "Minnie Mouse" });
    for token in [
        "wrong-token",
        server.token(Api::Zitadel).unwrap_or_else(|e| panic!("{e}")),
    ] {
        client
            .put(&url)
            .bearer_auth(token)
            .json(&body)
            .send()
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        proxy.next().await;
    }
    let recorded = xtask::recording::read(&file.0).unwrap_or_else(|e| panic!("{e}"));
    let zitadel = checker("zitadel");
    let summary = xtask::verify::verify(&zitadel, &recorded).unwrap_or_else(|e| panic!("{e}"));
    assert!(summary.passed(), "{}", xtask::verify::render_text(&summary));
    let text = xtask::verify::render_text(&summary);
    assert!(
        text.starts_with(
            "zitadel: 2 exchanges, 0 violations, 0 refused requests outside the spec\n"
        ),
        "{text}"
    );
    assert!(
        text.contains("PUT /auth/v1/users/me/profile: seen 200 ×1, 401 ×1"),
        "{text}"
    );
    // 200 and `default` were both seen: nothing documented is missing.
    assert!(!text.contains("never seen"), "{text}");

    // A wrong upstream's answers, recorded and verified offline: a 201 the
    // spec does not document, and a sequence sent as a number.
    let wrong_file = TempFile::new("proxy-recording-wrong");
    for reply in [
        Reply::json(
            201,
            "application/json",
            json!({ "details": { "sequence": "3" } }),
        ),
        Reply::json(
            200,
            "application/json",
            json!({ "details": { "sequence": 3 } }),
        ),
    ] {
        let upstream = RecordingServer::start(reply).await;
        let mut proxy = Proxied::start("zitadel", upstream.url(), Some(wrong_file.0.clone())).await;
        client
            .put(format!("{}/auth/v1/users/me/profile", proxy.url()))
            .bearer_auth("t")
            .json(&body)
            .send()
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        proxy.next().await;
    }
    let recorded = xtask::recording::read(&wrong_file.0).unwrap_or_else(|e| panic!("{e}"));
    let summary = xtask::verify::verify(&zitadel, &recorded).unwrap_or_else(|e| panic!("{e}"));
    assert!(!summary.passed());
    let text = xtask::verify::render_text(&summary);
    assert!(text.contains("2 exchanges, 2 violations"), "{text}");
    assert!(text.contains("seen, not documented: 201 ×1"), "{text}");
    assert!(text.contains("documented, never seen: default"), "{text}");
    let rules: Vec<&str> = summary.violations().map(|(_, _, f)| f.rule).collect();
    assert_eq!(rules, ["status", "response-body"]);

    let report: serde_json::Value = serde_json::from_str(&xtask::verify::render_json(&summary))
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(report["passed"], false);
    assert_eq!(
        report["operations"][0]["seen_not_documented"],
        json!({ "201": 1 })
    );
    assert_eq!(
        report["findings"][1]["pointer"],
        "/components/schemas/ObjectDetails/properties/sequence/type"
    );
    let github = xtask::verify::render_github(&summary, "spec/zitadel.yaml");
    assert!(
        github
            .lines()
            .any(|l| l.starts_with("::error file=spec/zitadel.yaml,line=")
                && l.contains("title=zitadel verify response-body::")),
        "{github}"
    );
}

#[test]
fn a_recording_of_another_api_is_refused_by_verify() {
    let line = json!({
        "api": "exante",
        "request": { "method": "PATCH", "path": "/api/user", "query": null, "headers": [], "body": "" },
        "response": { "status": 200, "headers": [], "body": "" },
        "timing": { "started_unix_ms": 0, "upstream_ms": 0.0, "proxy_ms": 0.0 }
    });
    let exchange = serde_json::from_value(line).unwrap_or_else(|e| panic!("{e}"));
    let refused = xtask::verify::verify(&checker("zitadel"), &[exchange]).err();
    assert_eq!(
        refused.as_deref(),
        Some("exchange 1 was recorded for exante, not zitadel")
    );
}
