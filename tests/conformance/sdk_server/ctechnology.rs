//! c.technology through `ctechnology-sdk` against the server:
//! `PUT /api/v2.2/me` with `Authorization: Token <key>`; the answer is the
//! `{header, data}` envelope, every error the `{header}` envelope with
//! status "error" and a message naming what went wrong.
//!
//! Every documented request rule is an enum or a date-time format, which
//! the SDK's types state: it cannot build a request that breaks one. Each
//! rule's failing case therefore shows the SDK refusing the value and the
//! server refusing the same value sent raw through the proxy.

use ctechnology_sdk::{Client, Credentials, Error, types};
use reqwest::Method;
use serde_json::{Value, json};
use server::storage::Api;

use super::harness::{Exchange, Live};
use crate::seed_requests::ctechnology::{PLACEHOLDER, built, seed};

const PATH: &str = "/api/v2.2/me";
async fn live() -> Live {
    Live::start(Api::Ctechnology).await
}

fn client(t: &Live, key: &str) -> Client {
    Client::new(
        t.url(),
        Credentials::api_key(key)
            .unwrap_or_else(|e| panic!("{e}"))
            .into(),
    )
}

/// Sends `body` with `key` through the SDK; the response is checked
/// against the spec.
async fn update_with(
    t: &Live,
    key: &str,
    body: types::builder::UserProfileUpdate,
) -> (Exchange, Result<types::UserProfileResponse, Error>) {
    let result = client(t, key)
        .update_user_profile()
        .body(body)
        .send()
        .await
        .map(|r| r.into_inner())
        .map_err(Error::from);
    (t.conform_one(), result)
}

/// Alice sends `body` through the SDK; it must succeed.
async fn accepted(t: &Live, body: types::builder::UserProfileUpdate) -> types::UserProfileResponse {
    let key = t.token(&t.alice);
    update_with(t, &key, body)
        .await
        .1
        .unwrap_or_else(|e| panic!("{e}"))
}

/// The SDK's request type cannot hold `body`, so the SDK can never send it.
fn sdk_cannot_build(body: &Value) {
    assert!(
        serde_json::from_value::<types::UserProfileUpdate>(body.clone()).is_err(),
        "the SDK accepts {body}"
    );
}

/// The SDK refuses `body`; sent raw by alice through the proxy, the server
/// refuses it too: 400, the error envelope (as the SDK decodes it) naming
/// `field`, nothing stored.
async fn refused_by_both(t: &Live, body: Value, field: &str) {
    sdk_cannot_build(&body);
    let before = t.stored(&t.alice);
    let auth = format!("Token {}", t.token(&t.alice));
    let exchange = t
        .raw(
            Method::PUT,
            PATH,
            &[
                ("authorization", &auth),
                ("content-type", "application/json"),
            ],
            &body.to_string(),
        )
        .await;
    assert_eq!(exchange.status, 400, "{exchange:?}");
    let decoded: types::ErrorResponse = exchange.decoded();
    assert_eq!(decoded.header.status.as_deref(), Some("error"));
    let message = decoded.header.message.unwrap_or_default();
    assert!(message.contains(field), "{field} not named in {message:?}");
    assert_eq!(t.stored(&t.alice), before, "nothing may be stored");
}

// The seed request.

#[tokio::test]
async fn the_seed_request_is_stored_and_answered_from_storage() {
    let t = live().await;
    let key = t.token(&t.alice);
    let (exchange, result) = update_with(&t, &key, seed()).await;
    let example = &t.spec["paths"]["/api/v2.2/me"]["put"]["requestBody"]["content"]["application/json"]
        ["example"];
    assert_eq!(exchange.request_json(), *example);
    let response = result.unwrap_or_else(|e| panic!("{e}"));
    let (stored, sequence) = t.stored(&t.alice);
    assert_eq!((&stored, sequence), (example, 1));

    assert_eq!(response.header.status.as_deref(), Some("success"));
    assert_eq!(response.header.api_version.as_deref(), Some("2.2"));
    let via: Vec<_> = response
        .header
        .permission_via
        .iter()
        .map(|p| (p.permission.as_deref(), p.via.as_deref()))
        .collect();
    assert_eq!(via, [(Some("user:update"), Some("me"))]);
    let data = response.data;
    assert_eq!(data.id, Some(t.alice.user.id.to_string()));
    assert_eq!(data.email.as_deref(), Some("alice@example.com"));
    assert_eq!(data.first_name.as_deref(), Some(PLACEHOLDER));
    assert_eq!(data.profile_picture_id.as_deref(), Some(PLACEHOLDER));
    assert_eq!(
        data.measurement_units,
        Some(types::MeasurementUnits::Metric)
    );
    assert_eq!(data.time_format, Some(types::TimeFormat::X24h));
    let webapp = data
        .settings_webapp
        .unwrap_or_else(|| panic!("settings_webapp missing"));
    assert_eq!(webapp.main_role, Some(types::MainRole::Private));
    assert_eq!(webapp.scrollbar_style, Some(types::ScrollbarStyle::OnScrl));
    let nativeapp = data
        .settings_nativeapp
        .unwrap_or_else(|| panic!("settings_nativeapp missing"));
    assert_eq!(
        nativeapp.update_interval,
        Some(types::UpdateInterval::Instant)
    );
    assert_eq!(
        data.ecosystem_timestamp_last_news_read
            .map(|d| d.to_rfc3339()),
        Some("2023-11-07T05:31:56+00:00".to_string())
    );
    // Each credential the spec's security requirement names is one the
    // server needs.
    t.assert_each_credential_is_required(&exchange).await;
}

// measurement_units: METRIC | IMPERIAL.

#[tokio::test]
async fn measurement_units_must_be_metric_or_imperial() {
    let t = live().await;
    assert!("FURLONGS".parse::<types::MeasurementUnits>().is_err());
    refused_by_both(
        &t,
        json!({ "measurement_units": "FURLONGS" }),
        "measurement_units",
    )
    .await;
    refused_by_both(
        &t,
        json!({ "measurement_units": "metric" }),
        "measurement_units",
    )
    .await;
    t.assert_nothing_stored();
    let response = accepted(
        &t,
        types::UserProfileUpdate::builder()
            .measurement_units(Some(types::MeasurementUnits::Imperial)),
    )
    .await;
    assert_eq!(
        response.data.measurement_units,
        Some(types::MeasurementUnits::Imperial)
    );
    assert_eq!(t.stored(&t.alice).0["measurement_units"], "IMPERIAL");
}

// time_format: 24H | AMPM.

#[tokio::test]
async fn time_format_must_be_24h_or_ampm() {
    let t = live().await;
    assert!("12H".parse::<types::TimeFormat>().is_err());
    refused_by_both(&t, json!({ "time_format": "12H" }), "time_format").await;
    t.assert_nothing_stored();
    let response = accepted(
        &t,
        types::UserProfileUpdate::builder().time_format(Some(types::TimeFormat::Ampm)),
    )
    .await;
    assert_eq!(response.data.time_format, Some(types::TimeFormat::Ampm));
    assert_eq!(t.stored(&t.alice).0["time_format"], "AMPM");
}

// settings_webapp.main_role: PRIVATE | PROFESSIONAL.

#[tokio::test]
async fn main_role_must_be_private_or_professional() {
    let t = live().await;
    assert!("ADMIN".parse::<types::MainRole>().is_err());
    refused_by_both(
        &t,
        json!({ "settings_webapp": { "main_role": "ADMIN" } }),
        "settings_webapp.main_role",
    )
    .await;
    t.assert_nothing_stored();
    let webapp: types::SettingsWebapp =
        built(types::SettingsWebapp::builder().main_role(Some(types::MainRole::Professional)));
    let response = accepted(
        &t,
        types::UserProfileUpdate::builder().settings_webapp(Some(webapp)),
    )
    .await;
    assert_eq!(
        response.data.settings_webapp.and_then(|s| s.main_role),
        Some(types::MainRole::Professional)
    );
    assert_eq!(
        t.stored(&t.alice).0,
        json!({ "settings_webapp": { "main_role": "PROFESSIONAL" } })
    );
}

// settings_webapp.scrollbar_style: ON_SCRL, the one value documented.

#[tokio::test]
async fn scrollbar_style_must_be_on_scrl() {
    let t = live().await;
    assert!("HIDDEN".parse::<types::ScrollbarStyle>().is_err());
    refused_by_both(
        &t,
        json!({ "settings_webapp": { "scrollbar_style": "HIDDEN" } }),
        "settings_webapp.scrollbar_style",
    )
    .await;
    t.assert_nothing_stored();
    let webapp: types::SettingsWebapp = built(
        types::SettingsWebapp::builder().scrollbar_style(Some(types::ScrollbarStyle::OnScrl)),
    );
    accepted(
        &t,
        types::UserProfileUpdate::builder().settings_webapp(Some(webapp)),
    )
    .await;
    assert_eq!(
        t.stored(&t.alice).0["settings_webapp"]["scrollbar_style"],
        "ON_SCRL"
    );
}

// settings_nativeapp.update_interval: INSTANT, the one value documented.

#[tokio::test]
async fn update_interval_must_be_instant() {
    let t = live().await;
    assert!("HOURLY".parse::<types::UpdateInterval>().is_err());
    refused_by_both(
        &t,
        json!({ "settings_nativeapp": { "update_interval": "HOURLY" } }),
        "settings_nativeapp.update_interval",
    )
    .await;
    t.assert_nothing_stored();
    let nativeapp: types::SettingsNativeapp = built(
        types::SettingsNativeapp::builder().update_interval(Some(types::UpdateInterval::Instant)),
    );
    accepted(
        &t,
        types::UserProfileUpdate::builder().settings_nativeapp(Some(nativeapp)),
    )
    .await;
    assert_eq!(
        t.stored(&t.alice).0["settings_nativeapp"]["update_interval"],
        "INSTANT"
    );
}

// ecosystem_timestamp_last_news_read: format date-time.

#[tokio::test]
async fn ecosystem_timestamp_last_news_read_must_be_a_date_time() {
    let t = live().await;
    for bad in ["yesterday", "2023-11-07", "2023-11-07T05:31:56"] {
        refused_by_both(
            &t,
            json!({ "ecosystem_timestamp_last_news_read": bad }),
            "ecosystem_timestamp_last_news_read",
        )
        .await;
    }
    t.assert_nothing_stored();
    // Any offset is accepted; the SDK sends UTC, the server stores UTC.
    let response = accepted(
        &t,
        types::UserProfileUpdate::builder().ecosystem_timestamp_last_news_read(Some(
            "2023-11-07T07:31:56+02:00"
                .parse()
                .unwrap_or_else(|e| panic!("{e}")),
        )),
    )
    .await;
    assert_eq!(
        response
            .data
            .ecosystem_timestamp_last_news_read
            .map(|d| d.to_rfc3339()),
        Some("2023-11-07T05:31:56+00:00".to_string())
    );
    assert_eq!(
        t.stored(&t.alice).0["ecosystem_timestamp_last_news_read"],
        "2023-11-07T05:31:56Z"
    );
}

// settings_webapp.timestamp_last_time_upgrade_app_shown: format date-time.

#[tokio::test]
async fn timestamp_last_time_upgrade_app_shown_must_be_a_date_time() {
    let t = live().await;
    refused_by_both(
        &t,
        json!({ "settings_webapp": { "timestamp_last_time_upgrade_app_shown": "07/11/2023" } }),
        "settings_webapp.timestamp_last_time_upgrade_app_shown",
    )
    .await;
    t.assert_nothing_stored();
    let webapp: types::SettingsWebapp = built(
        types::SettingsWebapp::builder().timestamp_last_time_upgrade_app_shown(Some(
            "2023-11-07T05:31:56Z"
                .parse()
                .unwrap_or_else(|e| panic!("{e}")),
        )),
    );
    accepted(
        &t,
        types::UserProfileUpdate::builder().settings_webapp(Some(webapp)),
    )
    .await;
    assert_eq!(
        t.stored(&t.alice).0["settings_webapp"]["timestamp_last_time_upgrade_app_shown"],
        "2023-11-07T05:31:56Z"
    );
}

// profile_picture_id: a string, nullable. The SDK can set it but cannot
// send null (README, known limits: no double option); the raw null shows
// the server's side of the rule.

#[tokio::test]
async fn profile_picture_id_may_be_null() {
    let t = live().await;
    let response = accepted(
        &t,
        types::UserProfileUpdate::builder().profile_picture_id(Some("picture-1".to_string())),
    )
    .await;
    assert_eq!(
        response.data.profile_picture_id.as_deref(),
        Some("picture-1")
    );
    // `None` leaves it out of the body: the stored picture is kept.
    let (exchange, result) = update_with(
        &t,
        &t.token(&t.alice),
        types::UserProfileUpdate::builder().profile_picture_id(None),
    )
    .await;
    assert_eq!(exchange.request_json(), json!({}));
    let response = result.unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        response.data.profile_picture_id.as_deref(),
        Some("picture-1")
    );
    // null, raw: accepted, and stored as null.
    let auth = format!("Token {}", t.token(&t.alice));
    let exchange = t
        .raw(
            Method::PUT,
            PATH,
            &[
                ("authorization", &auth),
                ("content-type", "application/json"),
            ],
            r#"{"profile_picture_id": null}"#,
        )
        .await;
    assert_eq!(exchange.status, 200, "{exchange:?}");
    let decoded: types::UserProfileResponse = exchange.decoded();
    assert_eq!(decoded.data.profile_picture_id, None);
    assert_eq!(t.stored(&t.alice).0["profile_picture_id"], Value::Null);
    // Its type is still a string: a number is refused.
    refused_by_both(
        &t,
        json!({ "profile_picture_id": 42 }),
        "profile_picture_id",
    )
    .await;
}

// Authentication: `Authorization: Token <key>`; every failure is a 401 in
// the error envelope.

fn assert_unauthorized(result: Result<types::UserProfileResponse, Error>) -> String {
    match result {
        Err(Error::Api { status, body, .. }) => {
            assert_eq!(status.as_u16(), 401, "{body:?}");
            assert_eq!(body.header.status.as_deref(), Some("error"));
            body.header.message.unwrap_or_default()
        }
        other => panic!("expected Error::Api 401, got {other:?}"),
    }
}

#[tokio::test]
async fn a_missing_key_is_unauthorized() {
    let t = live().await;
    // The SDK always sends `Authorization: Token <key>`; an empty key is
    // the nearest it comes to none.
    let (_, result) = update_with(&t, "", seed()).await;
    assert_unauthorized(result);
    let exchange = t
        .raw(
            Method::PUT,
            PATH,
            &[("content-type", "application/json")],
            "{}",
        )
        .await;
    assert_eq!(exchange.status, 401, "{exchange:?}");
    t.assert_nothing_stored();
}

#[tokio::test]
async fn a_wrong_key_is_unauthorized() {
    let t = live().await;
    let (_, result) = update_with(&t, &t.wrong_token(), seed()).await;
    assert_eq!(assert_unauthorized(result), "Invalid token.");
    t.assert_nothing_stored();
}

#[tokio::test]
async fn another_apis_token_is_unauthorized() {
    let t = live().await;
    for (api, token) in t.other_apis_tokens() {
        let (_, result) = update_with(&t, &token, seed()).await;
        assert_eq!(assert_unauthorized(result), "Invalid token.", "{api:?}");
    }
    t.assert_nothing_stored();
}

#[tokio::test]
async fn a_key_changes_only_its_own_users_profile() {
    let t = live().await;
    let (_, result) = update_with(
        &t,
        &t.token(&t.bob),
        types::UserProfileUpdate::builder().first_name(Some("Bob".to_string())),
    )
    .await;
    let response = result.unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(response.data.id, Some(t.bob.user.id.to_string()));
    assert_eq!(t.stored(&t.bob), (json!({ "first_name": "Bob" }), 1));
    assert_eq!(t.stored(&t.alice).1, 0);
}
