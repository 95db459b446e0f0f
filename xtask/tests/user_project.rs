//! An SDK user's project, outside this workspace: it depends on
//! `zitadel-sdk` (with `mock` for its tests) and `profile-test-server` by
//! path, as `docs/sdk.md` says a local checkout can, and runs a mocked test
//! and a test against the in-process server, with `cargo test`.
//!
//! Inside the workspace cargo builds `server` with every feature some member
//! asks for, so a library that does not compile without its `cli` or
//! `postgres` feature goes unnoticed there; a user's project builds
//! `profile-test-server` with `server`'s defaults off and finds it at once.
//! This test is that project. It builds into `target/user-project/target`,
//! kept between runs (the first run builds about 320 packages, a few minutes
//! on two cores).

mod outside;

use std::path::Path;

use outside::{cargo, here, text};

/// The project's manifest: the dependency lines of `docs/sdk.md`, with a
/// `path` for the `git` source, and a `[workspace]` of its own so that cargo
/// does not take it for a member of this one.
fn manifest(root: &Path) -> String {
    let sdk = root.join("sdk/zitadel").display().to_string();
    let test_server = root.join("server/test-server").display().to_string();
    format!(
        r#"[package]
name = "user-project"
version = "0.1.0"
edition = "2024"
publish = false

[dependencies]
zitadel-sdk = {{ path = "{sdk}" }}
tokio = {{ version = "1", features = ["macros", "rt-multi-thread"] }}

[dev-dependencies]
zitadel-sdk = {{ path = "{sdk}", features = ["mock"] }}
profile-test-server = {{ path = "{test_server}" }}

[workspace]
"#
    )
}

/// The user's library code: sets a nickname; "nothing changed" counts as
/// success (the example of `docs/sdk.md`).
const LIBRARY: &str = r#"use zitadel_sdk::{Client, Code, Error, types};

pub async fn set_nickname(client: &Client, nick: &str) -> Result<(), Error> {
    let profile = types::UpdateMyProfileRequest::builder()
        .first_name("Minnie")
        .last_name("Mouse")
        .display_name("Minnie Mouse")
        .nick_name(zitadel_sdk::some(nick));
    match client.auth_service_update_my_profile().body(profile).send().await {
        Ok(_) => Ok(()),
        Err(e) => match Error::from(e) {
            Error::Api { body, .. } if body.code() == Some(Code::FailedPrecondition) => Ok(()),
            other => Err(other),
        },
    }
}
"#;

/// A test of that code against the SDK's typed mock.
const MOCKED_TEST: &str = r#"use user_project::set_nickname;
use zitadel_sdk::mock::MockServerExt;
use zitadel_sdk::{Client, Code, Credentials};

#[tokio::test]
async fn an_unchanged_profile_is_success() -> Result<(), Box<dyn std::error::Error>> {
    let server = zitadel_sdk::httpmock::MockServer::start_async().await;
    let mock = server.auth_service_update_my_profile(|_, then| {
        then.client_error(400, &Code::FailedPrecondition.into());
    });
    let client = Client::builder(&server.base_url(), Credentials::access_token("t")?).build()?;
    set_nickname(&client, "Min").await?;
    mock.assert_async().await;
    Ok(())
}
"#;

/// A test of that code against the real server, in-process.
const SERVER_TEST: &str = r#"use profile_test_server::{Api, TestServer};
use user_project::set_nickname;
use zitadel_sdk::{Client, Credentials, types};

#[tokio::test(flavor = "multi_thread")]
async fn an_unchanged_nickname_is_success_on_the_real_server() -> Result<(), Box<dyn std::error::Error>> {
    let server = TestServer::start(Api::Zitadel)?;
    let credentials = Credentials::access_token(server.token(Api::Zitadel)?)?;
    let client = Client::builder(server.base_url(Api::Zitadel)?, credentials).build()?;
    // Stored: the server answers 200 with the change's details.
    let profile = types::UpdateMyProfileRequest::builder()
        .first_name("Minnie")
        .last_name("Mouse")
        .display_name("Minnie Mouse")
        .nick_name(zitadel_sdk::some("Min"));
    let stored = client.auth_service_update_my_profile().body(profile).send().await?;
    assert!(stored.details.is_some());
    // The same again changes nothing: ZITADEL's FAILED_PRECONDITION, which
    // the code counts as success.
    set_nickname(&client, "Min").await?;
    Ok(())
}
"#;

fn write(path: &Path, text: &str) {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
    }
    std::fs::write(path, text).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
}

#[test]
fn an_sdk_users_project_passes_its_mocked_test_and_its_test_against_the_test_server() {
    let root = here();
    let work = root.join("target").join("user-project");
    let project = work.join("project");
    let _ = std::fs::remove_dir_all(&project);
    write(&project.join("Cargo.toml"), &manifest(&root));
    write(&project.join("src/lib.rs"), LIBRARY);
    write(&project.join("tests/mocked.rs"), MOCKED_TEST);
    write(&project.join("tests/real_server.rs"), SERVER_TEST);
    // The versions this commit was tested with, not whatever the registry
    // has published since: cargo keeps every entry the project uses and adds
    // the project itself.
    std::fs::copy(root.join("Cargo.lock"), project.join("Cargo.lock"))
        .unwrap_or_else(|e| panic!("Cargo.lock: {e}"));

    let output = cargo(&project, &work.join("target"), &["test"]);
    let text = text(&output);
    assert!(output.status.success(), "the user's project:\n{text}");
    for test in [
        "an_unchanged_profile_is_success ... ok",
        "an_unchanged_nickname_is_success_on_the_real_server ... ok",
    ] {
        assert!(text.contains(test), "{test} did not run:\n{text}");
    }
}
