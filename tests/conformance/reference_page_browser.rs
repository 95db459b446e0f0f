//! Each API's reference page as a browser shows it: the server serves
//! `/docs`, a headless Chromium driven through chromedriver (the W3C
//! WebDriver HTTP API, spoken with reqwest) loads it, and the test reads
//! what the page shows — `document.body.innerText`, which holds only
//! rendered, visible text — and what it fetched —
//! `performance.getEntriesByType('resource')`.
//!
//! CI (`CI=true`, see `.ci/run`, which installs Debian's `chromium` and
//! `chromium-driver`) fails when either is missing; elsewhere the test says
//! loudly that it skipped.

use std::net::TcpListener;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use server::storage::Api;
use server::storage::sqlite::SqliteStore;

use crate::reference_page::{collapse, leaves};

/// The first of `names` found on the PATH, as a full path.
fn on_path(names: &[&str]) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .flat_map(|dir| names.iter().map(move |name| dir.join(name)))
        .find(|candidate| candidate.is_file())
}

/// Chromium and its driver, or why a browser test cannot run: a failure
/// under CI, a loud skip elsewhere.
fn browser_and_driver() -> Option<(PathBuf, PathBuf)> {
    let browser = on_path(&["chromium", "chromium-browser", "google-chrome"]);
    let driver = on_path(&["chromedriver"]);
    match (browser, driver) {
        (Some(browser), Some(driver)) => Some((browser, driver)),
        (browser, driver) => {
            let missing = [
                browser.is_none().then_some("chromium"),
                driver.is_none().then_some("chromedriver"),
            ]
            .into_iter()
            .flatten()
            .collect::<Vec<_>>()
            .join(" and ");
            skip_unless_ci(&format!("no {missing} on the PATH"));
            None
        }
    }
}

/// Chromium alone (for the screenshots), with the same rule as
/// [`browser_and_driver`].
pub(crate) fn browser() -> Option<PathBuf> {
    let browser = on_path(&["chromium", "chromium-browser", "google-chrome"]);
    if browser.is_none() {
        skip_unless_ci("no chromium on the PATH");
    }
    browser
}

/// Under CI a browser test never skips: it fails, saying why. Elsewhere it
/// says loudly that it skipped.
fn skip_unless_ci(why: &str) {
    let why = format!(
        "{why}, so no reference page was rendered in a browser; \
         `apt-get install chromium chromium-driver` to run the browser tests"
    );
    if std::env::var("CI").is_ok_and(|v| v == "true") {
        panic!("CI=true and {why} (.ci/run installs them)");
    }
    eprintln!("SKIPPED: {why}");
}

/// A chromedriver process on a free local port, killed when dropped.
struct Driver {
    child: Child,
    url: String,
    /// The browser's profile directory, fresh for this run.
    profile: PathBuf,
}

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.profile);
    }
}

impl Driver {
    async fn start(driver: &PathBuf, client: &reqwest::Client) -> Driver {
        // The port is free when asked; chromedriver takes it a moment later.
        let port = TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .map(|a| a.port())
            .unwrap_or_else(|e| panic!("no free port: {e}"));
        let child = Command::new(driver)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {}: {e}", driver.display()));
        let profile =
            std::env::temp_dir().join(format!("reference-browser-{}-{port}", std::process::id()));
        let driver = Driver {
            child,
            url: format!("http://127.0.0.1:{port}"),
            profile,
        };
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            let ready = client
                .get(format!("{}/status", driver.url))
                .send()
                .await
                .ok()
                .filter(|r| r.status().is_success());
            if let Some(response) = ready {
                let status: Value = response.json().await.unwrap_or_default();
                if status["value"]["ready"] == true {
                    return driver;
                }
            }
            assert!(
                Instant::now() < deadline,
                "chromedriver did not answer on {} within 20 s",
                driver.url
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// A WebDriver command; its `value`, or a panic naming the command and
    /// the driver's error.
    async fn command(
        &self,
        client: &reqwest::Client,
        method: reqwest::Method,
        path: &str,
        body: Option<Value>,
    ) -> Value {
        let url = format!("{}{path}", self.url);
        let mut request = client.request(method, &url);
        if let Some(body) = body {
            request = request.json(&body);
        }
        let response = request
            .send()
            .await
            .unwrap_or_else(|e| panic!("{url}: {e}"));
        let status = response.status();
        let reply: Value = response
            .json()
            .await
            .unwrap_or_else(|e| panic!("{url}: not JSON: {e}"));
        assert!(status.is_success(), "{url}: {status}: {reply:#}");
        reply["value"].clone()
    }
}

/// Chromium's flags for a headless run as root in a container: no sandbox
/// (root), no GPU, and nothing the browser would fetch on its own, so that
/// what it fetches is what the page asks for.
pub(crate) fn browser_arguments(profile: &std::path::Path) -> Vec<String> {
    [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
        "--window-size=1280,2400",
    ]
    .into_iter()
    .map(str::to_string)
    .chain([format!("--user-data-dir={}", profile.display())])
    .collect()
}

/// What must be visible on `spec`'s page, each with where it comes from:
/// every operation (method and path), every schema's name, every error
/// response's example, and every key and value of the spec.
fn expected_texts(spec: &Value) -> Vec<(String, String)> {
    let mut expected = Vec::new();
    for operation in openapi_walk::operations(spec) {
        let at = operation.pointer();
        expected.push((at.clone(), operation.method.to_uppercase()));
        expected.push((at.clone(), operation.path.to_string()));
        for (status, response) in operation
            .operation
            .get("responses")
            .and_then(Value::as_object)
            .into_iter()
            .flatten()
        {
            let is_error = status == "default" || status.starts_with(['4', '5']);
            let response = openapi_walk::resolve(spec, response);
            for (media, body) in response
                .get("content")
                .and_then(Value::as_object)
                .into_iter()
                .flatten()
                .filter(|_| is_error)
            {
                if let Some(example) = body.get("example") {
                    let pretty = serde_json::to_string_pretty(example).unwrap_or_default();
                    expected.push((
                        format!("{at}/responses/{status}/content/{media}/example"),
                        collapse(&pretty),
                    ));
                }
            }
        }
    }
    for name in spec
        .pointer("/components/schemas")
        .and_then(Value::as_object)
        .into_iter()
        .flatten()
        .map(|(name, _)| name)
    {
        expected.push((format!("/components/schemas/{name}"), name.clone()));
    }
    leaves(spec, "", &mut expected);
    expected
}

#[tokio::test]
async fn each_served_reference_page_shows_every_operation_schema_and_error_body_in_a_browser() {
    let Some((browser, driver)) = browser_and_driver() else {
        return;
    };
    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(60))
        .build()
        .unwrap_or_else(|e| panic!("{e}"));
    let driver = Driver::start(&driver, &client).await;
    let session = driver
        .command(
            &client,
            reqwest::Method::POST,
            "/session",
            Some(json!({ "capabilities": { "alwaysMatch": {
                "browserName": "chrome",
                "goog:chromeOptions": {
                    "binary": browser,
                    "args": browser_arguments(&driver.profile),
                },
            }}})),
        )
        .await;
    let session = session["sessionId"]
        .as_str()
        .unwrap_or_else(|| panic!("no session id in {session:#}"))
        .to_string();
    let at = |path: &str| format!("/session/{session}{path}");

    let dir = std::env::temp_dir().join(format!("reference-browser-db-{}", std::process::id()));
    let store: Arc<dyn server::storage::Store> =
        Arc::new(SqliteStore::open(&dir.join("db.sqlite")).unwrap_or_else(|e| panic!("{e}")));
    let log = slog::Logger::root(slog::Discard, slog::o!());
    for &api in Api::ALL {
        let registration = api.descriptor();
        let spec =
            server::apis::spec_json(registration.spec_yaml).unwrap_or_else(|e| panic!("{e}"));
        let running = server::serve::start_one(
            registration,
            Arc::clone(&store),
            "127.0.0.1:0".parse().unwrap_or_else(|e| panic!("{e}")),
            &log,
        )
        .unwrap_or_else(|e| panic!("{e}"));
        let origin = format!("http://{}", running.server.local_addr());
        let page = format!("{origin}/docs");
        driver
            .command(
                &client,
                reqwest::Method::POST,
                &at("/url"),
                Some(json!({ "url": page })),
            )
            .await;
        let script = |source: &str| json!({ "script": source, "args": [] });
        let shown = driver
            .command(
                &client,
                reqwest::Method::POST,
                &at("/execute/sync"),
                Some(script("return document.body.innerText;")),
            )
            .await;
        let shown = collapse(shown.as_str().unwrap_or_default());
        let missing: Vec<(String, String)> = expected_texts(&spec)
            .into_iter()
            .filter(|(_, text)| !shown.contains(text.as_str()))
            .collect();
        assert!(
            missing.is_empty(),
            "{}: the browser does not show, of {page}: {missing:#?}",
            api.name()
        );

        let fetched = driver
            .command(
                &client,
                reqwest::Method::POST,
                &at("/execute/sync"),
                Some(script(
                    "return performance.getEntriesByType('navigation').map(e => e.name) \
                     .concat(performance.getEntriesByType('resource').map(e => e.name));",
                )),
            )
            .await;
        let fetched: Vec<&str> = fetched
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(Value::as_str)
            .collect();
        assert_eq!(
            fetched.first().copied(),
            Some(page.as_str()),
            "{}: the browser did not load {page}: {fetched:?}",
            api.name()
        );
        let outside: Vec<&&str> = fetched
            .iter()
            .filter(|url| !url.starts_with(&format!("{origin}/")))
            .collect();
        assert!(
            outside.is_empty(),
            "{}: the page fetched from outside {origin}: {outside:?}",
            api.name()
        );
    }
    driver
        .command(&client, reqwest::Method::DELETE, &at(""), None)
        .await;
    let _ = std::fs::remove_dir_all(&dir);
}
