//! Starting one API on a fresh database, with two users to attack each
//! other's data.

use std::path::PathBuf;
use std::sync::Arc;

use reqwest::Method;
use serde_json::Value;
use server::identity::{NewUser, add_user};
use server::serve::{RunningApi, start_one};
use server::storage::sqlite::SqliteStore;
use server::storage::{Api, Store};

/// One API running on its own database.
pub struct TestApi {
    pub api: Api,
    pub store: Arc<dyn Store>,
    pub running: RunningApi,
    /// The caller.
    pub alice: NewUser,
    /// Another user, for cross-user and cross-tenant attempts.
    pub bob: NewUser,
    pub client: reqwest::Client,
    dir: PathBuf,
}

impl Drop for TestApi {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// A response as the tests look at it.
#[derive(Debug)]
pub struct Reply {
    pub status: u16,
    pub content_type: String,
    pub body: Value,
}

impl TestApi {
    pub async fn start(api: Api) -> TestApi {
        let dir = std::env::temp_dir().join(format!("server-test-{}", uuid::Uuid::new_v4()));
        let store: Arc<dyn Store> = match SqliteStore::open(&dir.join("db.sqlite")) {
            Ok(store) => Arc::new(store),
            Err(e) => panic!("cannot open the test database: {e}"),
        };
        let alice = add_user(
            store.as_ref(),
            "alice",
            "alice@example.com",
            Some("tenant-a"),
        )
        .unwrap_or_else(|e| panic!("{e}"));
        let bob = add_user(store.as_ref(), "bob", "bob@example.com", Some("tenant-b"))
            .unwrap_or_else(|e| panic!("{e}"));
        let registration = server::apis::registration(api)
            .unwrap_or_else(|| panic!("{} is not registered", api.name()));
        let log = slog::Logger::root(slog::Discard, slog::o!());
        let running = start_one(
            &registration,
            Arc::clone(&store),
            "127.0.0.1:0".parse().unwrap_or_else(|e| panic!("{e}")),
            &log,
        )
        .unwrap_or_else(|e| panic!("{e}"));
        TestApi {
            api,
            store,
            running,
            alice,
            bob,
            client: reqwest::Client::new(),
            dir,
        }
    }

    /// `user`'s token for this API.
    pub fn token(&self, user: &NewUser) -> String {
        user.tokens
            .iter()
            .find(|(api, _)| *api == self.api)
            .map(|(_, token)| token.clone())
            .unwrap_or_else(|| panic!("no {} token", self.api.name()))
    }

    /// Sends `body` (raw bytes) to `path` with `headers`.
    pub async fn send(
        &self,
        method: Method,
        path: &str,
        headers: &[(&str, &str)],
        body: Option<&str>,
    ) -> Reply {
        let mut request = self
            .client
            .request(method, format!("{}{path}", self.running.base_url()));
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        if let Some(body) = body {
            request = request.body(body.to_string());
        }
        let response = request
            .send()
            .await
            .unwrap_or_else(|e| panic!("request failed: {e}"));
        let status = response.status().as_u16();
        let content_type = response
            .headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_string();
        let text = response.text().await.unwrap_or_default();
        let body = serde_json::from_str(&text).unwrap_or(Value::String(text));
        Reply {
            status,
            content_type,
            body,
        }
    }

    /// The user's stored profile document and sequence for this API.
    pub fn stored(&self, user: &NewUser) -> (Value, u64) {
        let profile = self
            .store
            .profile(self.api, user.user.id)
            .unwrap_or_else(|e| panic!("{e}"));
        (profile.document, profile.sequence)
    }
}
