//! The real server inside your tests: one API, or all five, in-process on
//! ephemeral ports with a throwaway SQLite database, and a fresh user with a
//! credential for each API. Everything stops, and the database is deleted,
//! when the [`TestServer`] is dropped.
//!
//! Call it inside a Tokio runtime (`#[tokio::test]`); add the `server` crate
//! as a dev-dependency of your tests.
//!
//! ```
//! use server::storage::Api;
//! use server::testing::TestServer;
//! use zitadel_sdk::{Client, Credentials, types};
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let server = TestServer::start(Api::Zitadel)?;
//! let credentials = Credentials::access_token(server.token(Api::Zitadel)?)?;
//! let client = Client::new(server.base_url(Api::Zitadel)?, credentials);
//!
//! let profile = types::UpdateMyProfileRequest::builder()
//!     .first_name("Minnie")
//!     .last_name("Mouse")
//!     .display_name("Minnie Mouse");
//! let response = client.auth_service_update_my_profile().body(profile).send().await?;
//! assert!(response.details.is_some());
//! # Ok(())
//! # }
//! ```
//!
//! Ctrl-Hub's path names the user: [`TestServer::user_id`]. CL2C's
//! credentials are a tenant and a key: [`TestServer::tenant`] and
//! [`TestServer::token`].

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;

use uuid::Uuid;

use crate::front::Limits;
use crate::serve::{RunningApi, start_all};
use crate::storage::sqlite::SqliteStore;
use crate::storage::{Api, Store};

/// The CL2C tenant of the test user.
const TENANT: &str = "test-tenant";

/// Running APIs, their database and a user; all gone when dropped.
pub struct TestServer {
    running: Vec<RunningApi>,
    base_urls: BTreeMap<Api, String>,
    user_id: Uuid,
    tokens: BTreeMap<Api, String>,
    directory: PathBuf,
}

impl TestServer {
    /// Starts `api` alone.
    pub fn start(api: Api) -> Result<TestServer, String> {
        TestServer::start_apis(&[api])
    }

    /// Starts all five APIs, sharing one database (and one user).
    pub fn start_all() -> Result<TestServer, String> {
        TestServer::start_apis(&Api::ALL)
    }

    fn start_apis(apis: &[Api]) -> Result<TestServer, String> {
        let directory =
            std::env::temp_dir().join(format!("profile-test-server-{}", Uuid::new_v4()));
        let started = TestServer::start_in(apis, &directory);
        if started.is_err() {
            let _ = std::fs::remove_dir_all(&directory);
        }
        started
    }

    fn start_in(apis: &[Api], directory: &std::path::Path) -> Result<TestServer, String> {
        let store: Arc<dyn Store> = Arc::new(
            SqliteStore::open(&directory.join("profiles.sqlite"))
                .map_err(|e| format!("cannot open the test database: {e}"))?,
        );
        let suffix = &Uuid::new_v4().simple().to_string()[..8];
        let user = store
            .create_user(
                &format!("test-user-{suffix}"),
                &format!("test-user-{suffix}@example.com"),
                true,
            )
            .map_err(|e| format!("cannot create the test user: {e}"))?;
        let mut tokens = BTreeMap::new();
        for &api in apis {
            let tenant = (api == Api::Cl2c).then_some(TENANT);
            let token = crate::auth::issue(store.as_ref(), api, user.id, tenant)
                .map_err(|e| format!("cannot issue a {} token: {e}", api.name()))?;
            tokens.insert(api, token);
        }
        let listen: BTreeMap<Api, SocketAddr> = apis
            .iter()
            .map(|&api| (api, SocketAddr::from(([127, 0, 0, 1], 0))))
            .collect();
        let log = slog::Logger::root(slog::Discard, slog::o!());
        let running = start_all(store, &listen, &Limits::default(), &log)?;
        let base_urls = running
            .iter()
            .map(|running| (running.api, running.base_url()))
            .collect();
        Ok(TestServer {
            running,
            base_urls,
            user_id: user.id,
            tokens,
            directory: directory.to_path_buf(),
        })
    }

    /// `http://127.0.0.1:<port>` of `api`: give it to the SDK's client.
    pub fn base_url(&self, api: Api) -> Result<&str, NotStarted> {
        self.base_urls
            .get(&api)
            .map(String::as_str)
            .ok_or(NotStarted(api))
    }

    /// The test user's token for `api`: the key, session token or bearer
    /// token that API's SDK `Credentials` take.
    pub fn token(&self, api: Api) -> Result<&str, NotStarted> {
        self.tokens
            .get(&api)
            .map(String::as_str)
            .ok_or(NotStarted(api))
    }

    /// The test user's id (Ctrl-Hub's `PUT /v3/users/{user_id}`).
    pub fn user_id(&self) -> Uuid {
        self.user_id
    }

    /// The test user's CL2C tenant, which its CL2C key belongs to.
    pub fn tenant(&self) -> &str {
        TENANT
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        // Dropping each dropshot server tells it to stop; then the database
        // files go.
        self.running.clear();
        let _ = std::fs::remove_dir_all(&self.directory);
    }
}

/// A base URL or token was asked for an API the [`TestServer`] did not start.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NotStarted(pub Api);

impl std::fmt::Display for NotStarted {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} was not started by this TestServer (use TestServer::start_all or start({0:?}))",
            self.0.name()
        )
    }
}

impl std::error::Error for NotStarted {}
