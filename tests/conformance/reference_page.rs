//! Each API's reference page (`/docs`, `cargo xtask docs`): it shows every
//! field of its spec, each constraint beside its field, fetches nothing,
//! and is what the server serves. Each page is also rendered headless and
//! the screenshot kept in `target/docs/` as a test artefact; what the
//! browser shows is checked in `reference_page_browser`. Without a Chromium
//! the browser parts fail under CI and say loudly that they skipped
//! elsewhere.

use serde_json::Value;
use xtask::spec::{ApiSpec, discover};

fn specs() -> Vec<ApiSpec> {
    let root = xtask::workspace_root().unwrap_or_else(|e| panic!("{e}"));
    discover(&root).unwrap_or_else(|e| panic!("{e}"))
}

/// The text a browser shows: tags removed (block tags as a line break),
/// entities decoded, whitespace collapsed.
fn visible_text(html: &str) -> String {
    const BLOCKS: [&str; 14] = [
        "p", "li", "td", "th", "tr", "pre", "h1", "h2", "h3", "h4", "div", "ul", "table", "br",
    ];
    let mut text = String::with_capacity(html.len());
    let mut rest = html;
    while let Some(open) = rest.find('<') {
        text.push_str(&rest[..open]);
        let Some(close) = rest[open..].find('>') else {
            break;
        };
        let tag = rest[open + 1..open + close]
            .trim_start_matches('/')
            .split([' ', '>'])
            .next()
            .unwrap_or_default()
            .to_ascii_lowercase();
        if BLOCKS.contains(&tag.as_str()) {
            text.push(' ');
        }
        rest = &rest[open + close + 1..];
    }
    text.push_str(rest);
    let decoded = text
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&amp;", "&");
    collapse(&decoded)
}

pub(crate) fn collapse(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Keys the page shows by its layout (a section, a heading, a table, a
/// label such as "Request body" or "Media type"), not as their own text.
const LAYOUT_KEYS: [&str; 28] = [
    "openapi",
    "info",
    "title",
    "version",
    "servers",
    "url",
    "paths",
    "components",
    "schemas",
    "securitySchemes",
    "properties",
    "schema",
    "content",
    "requestBody",
    "responses",
    "parameters",
    "examples",
    "example",
    "value",
    "summary",
    "description",
    "name",
    "in",
    "headers",
    "get",
    "put",
    "patch",
    "post",
];

/// Every key (but the layout's) and scalar value of `value`, with where it
/// is.
pub(crate) fn leaves(value: &Value, at: &str, out: &mut Vec<(String, String)>) {
    match value {
        Value::Object(map) => {
            for (key, child) in map {
                let here = format!("{at}/{key}");
                if key == "$ref" {
                    // Shown as a link named after the target.
                    let target = child.as_str().unwrap_or_default();
                    out.push((
                        here,
                        target.rsplit('/').next().unwrap_or(target).to_string(),
                    ));
                    continue;
                }
                if !LAYOUT_KEYS.contains(&key.as_str()) {
                    out.push((here.clone(), key.clone()));
                }
                leaves(child, &here, out);
            }
        }
        Value::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                leaves(item, &format!("{at}/{i}"), out);
            }
        }
        // Backticks become <code> spans.
        Value::String(s) => out.push((at.to_string(), collapse(&s.replace('`', "")))),
        Value::Null => {}
        other => out.push((at.to_string(), other.to_string())),
    }
}

#[test]
fn every_key_and_value_of_each_spec_is_shown_on_its_reference_page() {
    for spec in specs() {
        let html = reference::page(&spec.doc);
        let shown = visible_text(&html);
        let mut all = Vec::new();
        leaves(&spec.doc, "", &mut all);
        assert!(all.len() > 100, "{}: {} leaves", spec.name, all.len());
        let missing: Vec<&(String, String)> = all
            .iter()
            .filter(|(_, text)| !shown.contains(text.as_str()))
            .collect();
        assert!(
            missing.is_empty(),
            "{}: not on the page: {missing:#?}",
            spec.name
        );
    }
}

/// The HTML of the `id` element's article.
fn article<'h>(html: &'h str, id: &str) -> &'h str {
    let start = html
        .find(&format!("<article id=\"{id}\">"))
        .unwrap_or_else(|| panic!("no article {id}"));
    let end = html[start..]
        .find("</article>")
        .unwrap_or_else(|| panic!("article {id} is not closed"));
    &html[start..start + end]
}

/// The table row of `field` in `html`.
fn row<'h>(html: &'h str, field: &str) -> &'h str {
    let start = html
        .find(&format!("<tr><td><code>{field}</code>"))
        .unwrap_or_else(|| panic!("no row for {field}"));
    let end = html[start..].find("</tr>").unwrap_or(html.len() - start);
    &html[start..start + end]
}

#[test]
fn each_constraint_is_shown_beside_its_field() {
    // The gate's fixture spec, not a real one: a vendor's spec changes as
    // its API does. An OAuth2 requirement with a scope is added in memory to
    // show how scopes are written.
    let mut spec = ApiSpec::from_yaml(
        "fixture",
        std::path::Path::new("spec/fixture.yaml"),
        include_str!("fixtures/fixture.yaml"),
    )
    .unwrap_or_else(|e| panic!("{e}"))
    .doc;
    spec["components"]["securitySchemes"]["OAuth2"] = serde_json::json!({
        "type": "oauth2",
        "flows": { "implicit": {
            "authorizationUrl": "https://fixture.invalid/authorize",
            "scopes": { "openid": "Sign in." },
        }},
    });
    spec["paths"]["/v1/profile"]["put"]["security"] =
        serde_json::json!([{ "BearerAuth": [] }, { "OAuth2": ["openid"] }]);
    let html = reference::page(&spec);
    let request = article(&html, "schema-ProfileUpdate");
    let first_name = row(request, "firstName");
    for constraint in [
        "<span class=\"k\">maxLength</span> <code>200</code>",
        "<span class=\"k\">minLength</span> <code>1</code>",
        "<span class=\"required\">required</span>",
    ] {
        assert!(
            first_name.contains(constraint),
            "{constraint} not in {first_name}"
        );
    }
    let operation = article(&html, "op-updateProfile");
    assert!(
        operation.contains("<span class=\"method put\">PUT</span><code>/v1/profile</code>")
            && operation.contains("<a href=\"#security-BearerAuth\">BearerAuth</a>")
            && operation
                .contains("<a href=\"#security-OAuth2\">OAuth2</a> (scopes: <code>openid</code>)")
            && operation.contains("Status <code>default</code>"),
        "{operation}"
    );
}

#[test]
fn a_reference_page_fetches_nothing_and_runs_no_script() {
    for spec in specs() {
        let html = reference::page(&spec.doc).to_ascii_lowercase();
        for forbidden in [
            "<script", "<link", "<img", "<iframe", " src=", "@import", "url(",
        ] {
            assert!(!html.contains(forbidden), "{}: {forbidden}", spec.name);
        }
        for link in html.split("href=\"").skip(1) {
            assert!(
                link.starts_with('#'),
                "{}: a link out: {link:.60}",
                spec.name
            );
        }
    }
}

#[tokio::test]
async fn each_api_serves_its_reference_page_at_docs() {
    use std::sync::Arc;

    use server::storage::Api;
    use server::storage::sqlite::SqliteStore;

    let dir = std::env::temp_dir().join(format!("reference-page-{}", std::process::id()));
    let store: Arc<dyn server::storage::Store> =
        Arc::new(SqliteStore::open(&dir.join("db.sqlite")).unwrap_or_else(|e| panic!("{e}")));
    let log = slog::Logger::root(slog::Discard, slog::o!());
    let client = reqwest::Client::new();
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
        let url = format!("http://{}/docs", running.server.local_addr());
        let response = client
            .get(&url)
            .send()
            .await
            .unwrap_or_else(|e| panic!("{url}: {e}"));
        assert_eq!(response.status(), 200, "{url}");
        assert_eq!(
            response
                .headers()
                .get("content-type")
                .and_then(|v| v.to_str().ok()),
            Some("text/html; charset=utf-8")
        );
        let body = response.text().await.unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(body, reference::page(&spec), "{}", api.name());
    }
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn each_reference_page_renders_in_a_headless_browser_with_a_screenshot() {
    let root = xtask::workspace_root().unwrap_or_else(|e| panic!("{e}"));
    let dir = xtask::docs::docs_dir(&root);
    let files = xtask::docs::write_docs(&root, &dir).unwrap_or_else(|e| panic!("{e}"));
    let apis = server::registry::Api::ALL.len();
    assert_eq!(files.len(), apis + 1, "one page per API and the index");
    let Some(browser) = crate::reference_page_browser::browser() else {
        return;
    };
    for spec in specs() {
        let page = dir.join(format!("{}.html", spec.name));
        let shot = dir.join(format!("{}.png", spec.name));
        let _ = std::fs::remove_file(&shot);
        let profile = std::env::temp_dir().join(format!(
            "reference-screenshot-{}-{}",
            std::process::id(),
            spec.name
        ));
        let output = std::process::Command::new(&browser)
            .args(crate::reference_page_browser::browser_arguments(&profile))
            .args([
                "--hide-scrollbars".to_string(),
                format!("--screenshot={}", shot.display()),
                format!("file://{}", page.display()),
            ])
            .output()
            .unwrap_or_else(|e| panic!("{}: {e}", browser.display()));
        let _ = std::fs::remove_dir_all(&profile);
        let size = std::fs::metadata(&shot).map(|m| m.len()).unwrap_or(0);
        assert!(
            size > 10_000,
            "{}: no screenshot ({size} bytes): {}",
            spec.name,
            String::from_utf8_lossy(&output.stderr)
        );
    }
}
