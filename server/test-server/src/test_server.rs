//! The real server inside a test: one API, or all five, in-process on
//! ephemeral ports with a throwaway SQLite database, and two users with a
//! credential for each API. Everything stops, and the database is deleted,
//! when the [`TestServer`] is dropped.
//!
//! Call it inside a Tokio runtime (`#[tokio::test]`).
//!
//! ```
//! use profile_test_server::{Api, TestServer};
//! use zitadel_sdk::{Client, Credentials, types};
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let server = TestServer::start(Api::Zitadel)?;
//! let credentials = Credentials::access_token(server.token(Api::Zitadel)?)?;
//! let client = Client::builder(server.base_url(Api::Zitadel)?, credentials).build()?;
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

use std::collections::{BTreeMap, BTreeSet};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use server::front::Limits;
use server::identity::{NewUser, add_user};
use server::metrics::Metrics;
use server::serve::{RunningApi, start_all};
use server::storage::sqlite::SqliteStore;
use server::storage::{Api, Store, StoreError};
use uuid::Uuid;

/// Opens the store of a test server from the database path it is given.
type OpenStore = Box<dyn FnOnce(&Path) -> Result<Arc<dyn Store>, StoreError>>;

/// Running APIs, their database and two users; all gone when dropped.
pub struct TestServer {
    running: BTreeMap<Api, RunningApi>,
    base_urls: BTreeMap<Api, String>,
    store: Arc<dyn Store>,
    alice: NewUser,
    bob: NewUser,
    directory: PathBuf,
}

/// What a [`TestServer`] starts with: which APIs, the front's limits and
/// the store. Made by [`TestServer::builder`].
#[must_use]
pub struct TestServerBuilder {
    apis: BTreeSet<Api>,
    limits: Limits,
    open: OpenStore,
}

impl TestServer {
    /// Starts `api` alone.
    pub fn start(api: Api) -> Result<TestServer, String> {
        TestServer::builder().api(api).start()
    }

    /// Starts all five APIs, sharing one database (and its users).
    pub fn start_all() -> Result<TestServer, String> {
        TestServer::builder().all_apis().start()
    }

    /// A server to configure: no API yet, the front's default limits, a
    /// fresh SQLite database.
    pub fn builder() -> TestServerBuilder {
        TestServerBuilder {
            apis: BTreeSet::new(),
            limits: Limits::default(),
            open: Box::new(|path| Ok(Arc::new(SqliteStore::open(path)?))),
        }
    }

    /// `http://127.0.0.1:<port>` of `api`: give it to the SDK's client.
    pub fn base_url(&self, api: Api) -> Result<&str, NotStarted> {
        self.base_urls
            .get(&api)
            .map(String::as_str)
            .ok_or(NotStarted(api))
    }

    /// The caller's (alice's) token for `api`: the key, session token or
    /// bearer token that API's SDK `Credentials` take.
    pub fn token(&self, api: Api) -> Result<&str, NotStarted> {
        if !self.base_urls.contains_key(&api) {
            return Err(NotStarted(api));
        }
        token_of(&self.alice, api).ok_or(NotStarted(api))
    }

    /// The caller's (alice's) user id (Ctrl-Hub's `PUT /v3/users/{user_id}`).
    pub fn user_id(&self) -> Uuid {
        self.alice.user.id
    }

    /// The caller's (alice's) CL2C tenant, which her CL2C key belongs to.
    pub fn tenant(&self) -> &str {
        &self.alice.tenant
    }

    /// The caller: her user, her CL2C tenant (`tenant-a`) and her token for
    /// every API.
    pub fn alice(&self) -> &NewUser {
        &self.alice
    }

    /// Another user, with a CL2C tenant of his own (`tenant-b`), for
    /// attempts on someone else's data.
    pub fn bob(&self) -> &NewUser {
        &self.bob
    }

    /// The store the APIs share, for looking at what was saved.
    pub fn store(&self) -> &Arc<dyn Store> {
        &self.store
    }

    /// The APIs this server started, in [`Api::ALL`] order.
    pub fn started(&self) -> Vec<Api> {
        self.running.keys().copied().collect()
    }

    /// The running `api`: its front's address, its dropshot server.
    pub fn running(&self, api: Api) -> Result<&RunningApi, NotStarted> {
        self.running.get(&api).ok_or(NotStarted(api))
    }
}

/// `user`'s token for `api`.
fn token_of(user: &NewUser, api: Api) -> Option<&str> {
    user.tokens
        .iter()
        .find(|(a, _)| *a == api)
        .map(|(_, token)| token.as_str())
}

impl TestServerBuilder {
    /// Starts `api` too.
    pub fn api(mut self, api: Api) -> Self {
        self.apis.insert(api);
        self
    }

    /// Starts every API.
    pub fn all_apis(mut self) -> Self {
        self.apis.extend(Api::ALL.iter().copied());
        self
    }

    /// The front's limits (body size, connections, time to read a request).
    pub fn limits(mut self, limits: Limits) -> Self {
        self.limits = limits;
        self
    }

    /// The store `open` makes from a database path in the server's
    /// temporary directory, instead of a default SQLite store: a store
    /// with a small writer queue, say, or one on PostgreSQL (which ignores
    /// the path).
    pub fn store_with<S: Store>(
        mut self,
        open: impl FnOnce(&Path) -> Result<S, StoreError> + 'static,
    ) -> Self {
        self.open = Box::new(move |path| Ok(Arc::new(open(path)?)));
        self
    }

    /// Opens the store, adds the two users and starts the APIs. Needs a
    /// Tokio runtime.
    pub fn start(self) -> Result<TestServer, String> {
        if self.apis.is_empty() {
            return Err("no API to start: name one with .api(..) or use .all_apis()".to_string());
        }
        let directory =
            std::env::temp_dir().join(format!("profile-test-server-{}", Uuid::new_v4()));
        let started = self.start_in(&directory);
        if started.is_err() {
            let _ = std::fs::remove_dir_all(&directory);
        }
        started
    }

    fn start_in(self, directory: &Path) -> Result<TestServer, String> {
        std::fs::create_dir_all(directory)
            .map_err(|e| format!("cannot create {}: {e}", directory.display()))?;
        let store = (self.open)(&directory.join("profiles.sqlite"))
            .map_err(|e| format!("cannot open the test database: {e}"))?;
        let (alice, bob) = block_on(async {
            let alice = add_user(
                store.as_ref(),
                "alice",
                "alice@example.com",
                Some("tenant-a"),
            )
            .await
            .map_err(|e| format!("cannot add the test user alice: {e}"))?;
            let bob = add_user(store.as_ref(), "bob", "bob@example.com", Some("tenant-b"))
                .await
                .map_err(|e| format!("cannot add the test user bob: {e}"))?;
            Ok::<_, String>((alice, bob))
        })??;
        let listen: BTreeMap<Api, SocketAddr> = self
            .apis
            .iter()
            .map(|&api| (api, SocketAddr::from(([127, 0, 0, 1], 0))))
            .collect();
        let log = slog::Logger::root(slog::Discard, slog::o!());
        let running = start_all(
            Arc::clone(&store),
            &listen,
            &self.limits,
            &Metrics::new(),
            &log,
        )?;
        let base_urls = running
            .iter()
            .map(|running| (running.api, running.base_url()))
            .collect();
        let running = running
            .into_iter()
            .map(|running| (running.api, running))
            .collect();
        Ok(TestServer {
            running,
            base_urls,
            store,
            alice,
            bob,
            directory: directory.to_path_buf(),
        })
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

/// Runs `future` to completion on a thread and runtime of its own, and
/// returns its output: for synchronous test code (an assertion helper, or
/// [`TestServerBuilder::start`]) that calls the asynchronous store, inside a
/// runtime or not (a thread of a runtime cannot block on a future itself).
/// The SQLite store's calls wait only for its own threads, so they complete
/// on any runtime. `Err` if the runtime cannot start or `future` panics.
pub fn block_on<T: Send>(future: impl Future<Output = T> + Send) -> Result<T, String> {
    std::thread::scope(|scope| {
        scope
            .spawn(|| {
                tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                    .map(|runtime| runtime.block_on(future))
                    .map_err(|e| format!("cannot start the test server's setup runtime: {e}"))
            })
            .join()
            .map_err(|_| "the test server's setup panicked".to_string())?
    })
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
