//! Concurrent updates of one profile, over HTTP, on every API: each is
//! applied to the latest stored profile, so all of them succeed, none is
//! lost, and the stored profile is what applying them one after another
//! gives. And a store too busy to take a change answers 503 in the API's
//! own error format, then recovers.

use std::collections::BTreeSet;
use std::sync::Arc;

use reqwest::Method;
use serde_json::{Value, json};
use server::front::Limits;
use server::storage::sqlite::SqliteStore;
use server::storage::{Api, Applied, Change, Pending, ProfileChange, Reads};

use crate::harness::TestApi;

/// Writers, each with its own connection, all updating alice's profile.
const WRITERS: usize = 32;
/// Updates per writer, sent one after another.
const UPDATES: usize = 8;

/// A value no other update sends: writer `w`'s `n`th.
fn value(writer: usize, n: usize) -> String {
    format!("W{writer}N{n}")
}

/// The values the writers of `group` (0: even, 1: odd) sent last. The
/// update applied last to a field is one of these: each writer's updates
/// are applied in the order it sent them, so none of a writer's earlier
/// values can come after its last.
fn last_values(group: usize) -> BTreeSet<String> {
    (0..WRITERS)
        .filter(|w| w % 2 == group)
        .map(|w| value(w, UPDATES - 1))
        .collect()
}

/// Writer `w`'s `n`th update of alice's profile: method, path, headers
/// (from the API's descriptor) and body (from its test profile: even
/// writers change one part of the profile and odd writers another, where
/// the API merges, so that a lost update would show).
fn update(
    test: &TestApi,
    writer: usize,
    n: usize,
) -> (Method, String, Vec<(String, String)>, Value) {
    let media_type = test.api.descriptor().operation.media_type;
    let mut headers: Vec<(String, String)> = test
        .credential_headers(&test.alice)
        .into_iter()
        .map(|(name, value)| (name.to_string(), value))
        .collect();
    headers.push(("Content-Type".into(), media_type.into()));
    headers.push(("Accept".into(), media_type.into()));
    let body = (crate::profile(test.api).concurrent_change)(test, writer, &value(writer, n), n);
    (test.method(), test.path(), headers, body)
}

/// Sends writer `writer`'s `n`th update on `client`; its status and body.
async fn send_update(
    client: &reqwest::Client,
    test: &TestApi,
    writer: usize,
    n: usize,
) -> (u16, Value) {
    let (method, path, headers, body) = update(test, writer, n);
    let mut request = client.request(method, format!("{}{path}", test.running().base_url()));
    for (name, value) in headers {
        request = request.header(name, value);
    }
    let response = request
        .body(body.to_string())
        .send()
        .await
        .unwrap_or_else(|e| panic!("writer {writer}: {e}"));
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

/// Every writer's updates, concurrently; returns each answer's status and
/// body.
async fn write_concurrently(test: &Arc<TestApi>) -> Vec<(u16, Value)> {
    let mut writers = tokio::task::JoinSet::new();
    for writer in 0..WRITERS {
        let test = Arc::clone(test);
        writers.spawn(async move {
            // A client of its own: one keep-alive connection per writer.
            let client = reqwest::Client::new();
            let mut answers = Vec::new();
            for n in 0..UPDATES {
                answers.push(send_update(&client, &test, writer, n).await);
            }
            answers
        });
    }
    let mut answers = Vec::new();
    while let Some(joined) = writers.join_next().await {
        answers.extend(joined.unwrap_or_else(|e| panic!("a writer failed: {e}")));
    }
    answers
}

/// Runs the writers on `api` and checks what holds on every API: every
/// answer 2xx, and one saved change per update. Returns the stored
/// document and the answers.
async fn every_update_is_applied(api: Api) -> (Value, Vec<(u16, Value)>) {
    let test = Arc::new(TestApi::start(api).await);
    let answers = write_concurrently(&test).await;
    let refused: Vec<_> = answers
        .iter()
        .filter(|(status, _)| *status != 200)
        .collect();
    assert!(refused.is_empty(), "{}: refused {refused:?}", api.name());
    let (document, sequence) = test.stored(&test.alice);
    assert_eq!(
        sequence,
        (WRITERS * UPDATES) as u64,
        "{}: the sequence counts every update",
        api.name()
    );
    (document, answers)
}

fn text(document: &Value, pointer: &str) -> String {
    document
        .pointer(pointer)
        .and_then(Value::as_str)
        .unwrap_or_else(|| panic!("no {pointer} in {document}"))
        .to_string()
}

#[tokio::test]
async fn ctechnology_concurrent_updates_are_merged_field_by_field_none_lost() {
    let (document, _) = every_update_is_applied(Api::Ctechnology).await;
    assert!(last_values(0).contains(&text(&document, "/first_name")));
    assert!(last_values(1).contains(&text(&document, "/last_name")));
}

#[tokio::test]
async fn cl2c_concurrent_updates_all_succeed_and_the_last_applied_is_stored() {
    let (document, _) = every_update_is_applied(Api::Cl2c).await;
    let all_last: BTreeSet<_> = last_values(0).union(&last_values(1)).cloned().collect();
    assert!(all_last.contains(&text(&document, "/firstName")));
}

#[tokio::test]
async fn exante_concurrent_settings_updates_are_merged_none_lost() {
    let (document, _) = every_update_is_applied(Api::Exante).await;
    let expected: serde_json::Map<String, Value> = (0..WRITERS)
        .map(|w| (format!("w{w}"), json!(UPDATES - 1)))
        .collect();
    assert_eq!(document["settings"], Value::Object(expected));
}

#[tokio::test]
async fn ctrlhub_concurrent_updates_replace_only_their_own_sections() {
    let (document, _) = every_update_is_applied(Api::Ctrlhub).await;
    assert!(last_values(0).contains(&text(&document, "/profile/personal/first_name")));
    assert!(last_values(1).contains(&text(&document, "/profile/contact/mobile")));
}

/// Each answer reports the sequence its own change was saved at: all
/// distinct, one per update.
#[tokio::test]
async fn zitadel_concurrent_updates_each_answer_their_own_sequence() {
    let (document, answers) = every_update_is_applied(Api::Zitadel).await;
    let all_last: BTreeSet<_> = last_values(0).union(&last_values(1)).cloned().collect();
    assert!(all_last.contains(&text(&document, "/firstName")));
    let sequences: BTreeSet<u64> = answers
        .iter()
        .map(|(_, body)| {
            text(body, "/details/sequence")
                .parse()
                .unwrap_or_else(|e| panic!("{e}"))
        })
        .collect();
    let expected: BTreeSet<u64> = (1..=(WRITERS * UPDATES) as u64).collect();
    assert_eq!(sequences, expected);
}

/// ZITADEL's "not changed" is decided on the profile the change is applied
/// to: of identical updates sent at once, the first is saved and every
/// other is refused as not changing it, exactly as if sent in turn.
#[tokio::test]
async fn zitadel_identical_concurrent_updates_save_once() {
    let test = Arc::new(TestApi::start(Api::Zitadel).await);
    let token = test.token(&test.alice);
    let mut senders = tokio::task::JoinSet::new();
    for _ in 0..16 {
        let (test, token) = (Arc::clone(&test), token.clone());
        senders.spawn(async move {
            test.send(
                Method::PUT,
                "/auth/v1/users/me/profile",
                &[
                    ("Authorization", &format!("Bearer {token}")),
                    ("Content-Type", "application/json"),
                ],
                Some(r#"{"firstName":"Same","lastName":"Same","displayName":"Same"}"#),
            )
            .await
        });
    }
    let mut statuses = Vec::new();
    while let Some(joined) = senders.join_next().await {
        let reply = joined.unwrap_or_else(|e| panic!("{e}"));
        if reply.status == 400 {
            assert_eq!(reply.body["code"], 9, "{:?}", reply.body);
        }
        statuses.push(reply.status);
    }
    statuses.sort_unstable();
    assert_eq!(statuses, [&[200][..], &[400; 15][..]].concat());
    assert_eq!(test.stored(&test.alice).1, 1);
}

/// One API on a store whose writer queue holds a single change.
async fn start_busy(api: Api) -> TestApi {
    TestApi::start_on(api, &Limits::default(), |path| {
        SqliteStore::open_with_queue(path, 1)
    })
    .await
}

/// Holds the writer inside a change and fills its one-change queue;
/// dropping the returned sender lets both go.
fn fill_queue(test: &TestApi) -> (std::sync::mpsc::Sender<()>, Vec<Pending<Applied>>) {
    let (started, running) = std::sync::mpsc::channel();
    let (release, released) = std::sync::mpsc::channel::<()>();
    let change = |change: Change| ProfileChange {
        api: test.api,
        user: test.alice.user.id,
        reads: Reads::default(),
        change,
    };
    let held = test.store.apply(change(Box::new(move |_| {
        let _ = started.send(());
        let _ = released.recv();
        Ok(None)
    })));
    running
        .recv()
        .unwrap_or_else(|e| panic!("the holding change never ran: {e}"));
    let queued = test.store.apply(change(Box::new(|_| Ok(None))));
    (release, vec![held, queued])
}

/// A full queue: 503 in the API's format with nothing stored, then, once
/// the writer has caught up, the same request succeeds.
async fn a_full_queue_answers_503_and_recovers(api: Api, check_body: impl Fn(&Value)) {
    let busy = start_busy(api).await;
    let client = reqwest::Client::new();
    let (release, pending) = fill_queue(&busy);
    let (status, body) = send_update(&client, &busy, 0, 0).await;
    assert_eq!(status, 503, "{}: {body}", api.name());
    check_body(&body);
    drop(release);
    for outcome in pending {
        outcome.await.unwrap_or_else(|e| panic!("{e}"));
    }
    assert_eq!(
        busy.stored(&busy.alice).1,
        0,
        "{}: the refused update stored nothing",
        api.name()
    );
    let (status, body) = send_update(&client, &busy, 0, 1).await;
    assert_eq!(status, 200, "{}: {body}", api.name());
}

#[tokio::test]
async fn ctechnology_a_full_queue_answers_503_in_the_header_envelope() {
    a_full_queue_answers_503_and_recovers(Api::Ctechnology, |body| {
        assert_eq!(body["header"]["status"], "error");
        assert!(body["header"]["message"].is_string());
    })
    .await;
}

#[tokio::test]
async fn cl2c_a_full_queue_answers_503_in_the_default_error_body() {
    a_full_queue_answers_503_and_recovers(Api::Cl2c, |body| {
        assert_eq!(body["statusCode"], 503);
        assert!(body["messages"][0].is_string());
    })
    .await;
}

#[tokio::test]
async fn exante_a_full_queue_answers_503_in_the_error_envelope() {
    a_full_queue_answers_503_and_recovers(Api::Exante, |body| {
        assert_eq!(
            (&body["status"], &body["status_code"]),
            (&json!("error"), &json!(503))
        );
    })
    .await;
}

#[tokio::test]
async fn ctrlhub_a_full_queue_answers_503_as_a_json_api_error() {
    a_full_queue_answers_503_and_recovers(Api::Ctrlhub, |body| {
        assert_eq!(body["errors"][0]["status"], "503");
    })
    .await;
}

#[tokio::test]
async fn zitadel_a_full_queue_answers_503_unavailable() {
    a_full_queue_answers_503_and_recovers(Api::Zitadel, |body| {
        assert_eq!(body["code"], 14);
    })
    .await;
}

/// A request that breaks a field rule is refused without waiting for the
/// writer, so a busy store still answers it 422 with every failing field,
/// not 503.
#[tokio::test]
async fn exante_a_field_error_is_422_even_when_the_store_is_busy() {
    let busy = start_busy(Api::Exante).await;
    let (release, pending) = fill_queue(&busy);
    let token = busy.token(&busy.alice);
    let response = reqwest::Client::new()
        .patch(format!("{}/api/user", busy.running().base_url()))
        .header("Authorization", format!("Bearer {token}"))
        .header("Content-Type", "application/json")
        .body(
            json!({ "firstname": "123", "default_organization": uuid::Uuid::new_v4() }).to_string(),
        )
        .send()
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(response.status().as_u16(), 422);
    let body: Value = response.json().await.unwrap_or(Value::Null);
    assert!(body["errors"]["firstname"].is_array(), "{body}");
    assert!(body["errors"]["default_organization"].is_array(), "{body}");
    drop(release);
    for outcome in pending {
        outcome.await.unwrap_or_else(|e| panic!("{e}"));
    }
}
