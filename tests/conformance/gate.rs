//! The drift gate, run by `cargo test`.
//!
//! Two kinds of test live here. A few run the gate on the real workspace
//! (`every_spec_is_valid_and_its_checked_in_sdk_is_fresh` and its kin): they
//! fail exactly when `cargo xtask check` does. Every test of the gate's
//! machinery — what it finds when a spec, an example, a generated file or a
//! released snapshot is wrong, and how it says so — runs on the fixture spec
//! `fixtures/fixture.yaml`, so that an API designer changing a real spec (a
//! breaking change with its major bump, a compatible one with its minor bump)
//! never breaks a test here that the gate itself would pass.

use std::path::Path;

use serde_json::{Value, json};
use xtask::gate::{check_spec, check_workspace, render};
use xtask::release_lock;
use xtask::spec::{ApiSpec, discover};

fn root() -> std::path::PathBuf {
    xtask::workspace_root().unwrap_or_else(|e| panic!("{e}"))
}

/// The server's derived document, straight from the server library.
fn server_document(api: &str) -> Result<Value, String> {
    let api = server::storage::Api::from_name(api).ok_or_else(|| format!("no API {api}"))?;
    server::serve::derived_openapi(api)
}

/// The fixture spec's text: `fixtures/fixture.yaml`.
const FIXTURE: &str = include_str!("fixtures/fixture.yaml");

/// The fixture spec, as if it were `spec/fixture.yaml` of a workspace.
fn fixture() -> ApiSpec {
    ApiSpec::from_yaml("fixture", Path::new("spec/fixture.yaml"), FIXTURE)
        .unwrap_or_else(|e| panic!("{e}"))
}

/// The fixture's generated client as it would be checked in: what the
/// fixture spec generates today.
fn fixture_generated() -> String {
    match xtask::gate::regenerate(&fixture()) {
        Ok((code, _)) => code,
        Err(failures) => panic!(
            "the fixture spec does not generate:\n{}",
            failures.join("\n")
        ),
    }
}

fn load(name: &str) -> ApiSpec {
    let specs = discover(&root()).unwrap_or_else(|e| panic!("{e}"));
    specs
        .into_iter()
        .find(|s| s.name == name)
        .unwrap_or_else(|| panic!("no spec/{name}.yaml"))
}

fn checked_in(spec: &ApiSpec) -> String {
    let path = root().join(spec.generated_file());
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn set(doc: &mut Value, pointer: &str, value: Value) {
    match doc.pointer_mut(pointer) {
        Some(slot) => *slot = value,
        None => panic!("no {pointer} in the spec"),
    }
}

#[test]
fn every_spec_is_valid_and_its_checked_in_sdk_is_fresh() {
    let reports = check_workspace(&root(), &server_document).unwrap_or_else(|e| panic!("{e}"));
    let apis = server::registry::Api::names();
    let mut specs: Vec<&str> = reports.iter().map(|r| r.name.as_str()).collect();
    let mut registered = apis.clone();
    specs.sort_unstable();
    registered.sort_unstable();
    assert_eq!(
        specs,
        registered,
        "one spec per API the server implements:\n{}",
        render(&reports)
    );
    assert!(
        reports.iter().all(|r| r.passed()),
        "cargo xtask check fails:\n{}",
        render(&reports)
    );
}

#[test]
fn check_output_is_the_same_on_every_run() {
    let first = check_workspace(&root(), &server_document).map(|r| render(&r));
    let second = check_workspace(&root(), &server_document).map(|r| render(&r));
    assert_eq!(first, second);
}

#[test]
fn the_fixture_spec_passes_every_check_of_a_spec_so_each_test_finds_only_its_own_edit() {
    let report = check_spec(&fixture(), Some(&fixture_generated()));
    assert!(
        report.spec_valid.passed() && report.examples_valid.passed() && report.sdk_fresh.passed(),
        "{}",
        render(&[report])
    );
}

#[test]
fn a_constraint_changed_without_regenerating_names_the_spec_and_the_generated_file() {
    let mut spec = fixture();
    let current = fixture_generated();
    set(
        &mut spec.doc,
        "/components/schemas/ProfileUpdate/properties/firstName/maxLength",
        json!(100),
    );
    let report = check_spec(&spec, Some(&current));
    assert!(report.spec_valid.passed() && report.examples_valid.passed());
    let failure = report.sdk_fresh.failures.join("\n");
    assert!(
        failure.contains("sdk/fixture/src/generated_sdk.rs is stale")
            && failure.contains("spec/fixture.yaml"),
        "{failure}"
    );
    // The unified diff shows the changed limit.
    assert!(
        failure.contains("-            if value.chars().count() > 200usize {"),
        "{failure}"
    );
    assert!(
        failure.contains("+            if value.chars().count() > 100usize {"),
        "{failure}"
    );
}

#[test]
fn a_hand_edited_generated_file_is_stale() {
    let spec = fixture();
    let generated = fixture_generated();
    let edited = generated.replacen(
        "pub struct Profile {",
        "pub struct Profile {\n    pub extra: u8,",
        1,
    );
    assert_ne!(
        edited, generated,
        "the fixture generates no `struct Profile`"
    );
    let report = check_spec(&spec, Some(&edited));
    let failure = report.sdk_fresh.failures.join("\n");
    assert!(
        failure.contains("sdk/fixture/src/generated_sdk.rs is stale"),
        "{failure}"
    );
    assert!(
        failure.contains("never edit the generated file by hand"),
        "{failure}"
    );
    assert!(failure.contains("-    pub extra: u8,"), "{failure}");
}

#[test]
fn a_missing_generated_file_is_reported() {
    let report = check_spec(&fixture(), None);
    assert_eq!(
        report.sdk_fresh.failures,
        ["sdk/fixture/src/generated_sdk.rs does not exist; run `cargo xtask generate`"]
    );
}

#[test]
fn an_example_that_breaks_its_schema_is_named_with_its_pointer() {
    let mut spec = fixture();
    set(
        &mut spec.doc,
        "/paths/~1v1~1profile/put/requestBody/content/application~1json/example/gender",
        json!("GENDER_ROBOT"),
    );
    let report = check_spec(&spec, None);
    let failure = report.examples_valid.failures.join("\n");
    assert!(
        failure.contains(
            "spec/fixture.yaml at /paths/~1v1~1profile/put/requestBody/content/application~1json/example: /gender:"
        ),
        "{failure}"
    );
}

#[test]
fn an_example_with_an_undeclared_field_is_refused() {
    let mut spec = fixture();
    let example = "/paths/~1v1~1profile/put/requestBody/content/application~1json/example";
    match spec.doc.pointer_mut(example).and_then(Value::as_object_mut) {
        Some(body) => body.insert("first_name".to_string(), json!("Jane")),
        None => panic!("no {example} in the spec"),
    };
    let report = check_spec(&spec, None);
    let failure = report.examples_valid.failures.join("\n");
    assert!(failure.contains("first_name"), "{failure}");
}

#[test]
fn an_example_in_the_wrong_format_is_refused() {
    let mut spec = fixture();
    set(
        &mut spec.doc,
        "/paths/~1v1~1profile/put/responses/200/content/application~1json/example/changedAt",
        json!("yesterday"),
    );
    let report = check_spec(&spec, None);
    let failure = report.examples_valid.failures.join("\n");
    assert!(
        failure.contains("/changedAt") && failure.contains("date-time"),
        "{failure}"
    );
}

#[test]
fn a_document_that_is_not_openapi_3_0_3_is_refused() {
    let mut spec = fixture();
    set(&mut spec.doc, "/openapi", json!("3.1.0"));
    let report = check_spec(&spec, None);
    let failure = report.spec_valid.failures.join("\n");
    assert!(
        failure.contains("at /openapi: must be \"3.0.3\""),
        "{failure}"
    );
}

#[test]
fn a_structurally_invalid_document_is_refused_with_the_pointer() {
    let mut spec = fixture();
    set(
        &mut spec.doc,
        "/paths/~1v1~1profile/put/responses",
        json!({ "200": { "content": {} } }),
    );
    let report = check_spec(&spec, None);
    let failure = report.spec_valid.failures.join("\n");
    assert!(
        failure.contains("/paths/~1v1~1profile/put/responses"),
        "{failure}"
    );
}

#[test]
fn a_dangling_ref_is_refused() {
    let mut spec = fixture();
    set(
        &mut spec.doc,
        "/paths/~1v1~1profile/put/responses/200/content/application~1json/schema",
        json!({ "$ref": "#/components/schemas/Nope" }),
    );
    let report = check_spec(&spec, None);
    let failure = report.spec_valid.failures.join("\n");
    assert!(
        failure.contains("$ref \"#/components/schemas/Nope\" points at nothing"),
        "{failure}"
    );
}

#[test]
fn a_keyword_beside_a_ref_is_refused() {
    let mut spec = fixture();
    set(
        &mut spec.doc,
        "/paths/~1v1~1profile/put/responses/200/content/application~1json/schema",
        json!({ "$ref": "#/components/schemas/Profile", "nullable": true }),
    );
    let report = check_spec(&spec, None);
    let failure = report.spec_valid.failures.join("\n");
    assert!(
        failure.contains("nullable beside $ref is ignored by OpenAPI 3.0"),
        "{failure}"
    );
}

#[test]
fn a_construct_no_rule_covers_fails_generation_with_file_and_pointer() {
    let mut spec = fixture();
    let content = "/paths/~1v1~1profile/put/requestBody/content";
    let body = spec
        .doc
        .pointer(&format!("{content}/application~1json"))
        .cloned();
    set(&mut spec.doc, content, json!({ "application/xml": body }));
    let report = check_spec(&spec, None);
    let failure = report.sdk_fresh.failures.join("\n");
    assert!(
        failure.contains(
            "spec/fixture.yaml at /paths/~1v1~1profile/put/requestBody/content/application~1xml: progenitor cannot send a application/xml request body"
        ),
        "{failure}"
    );
}

#[test]
fn the_generated_header_names_the_pinned_progenitor() {
    let manifest = std::fs::read_to_string(root().join("Cargo.toml")).unwrap_or_default();
    let pin = format!(
        "progenitor = {{ version = \"={}\"",
        xtask::codegen::PROGENITOR_VERSION
    );
    assert!(
        manifest.contains(&pin),
        "workspace Cargo.toml must pin {pin}"
    );
    let spec = load("cl2c");
    assert!(checked_in(&spec).starts_with(&xtask::codegen::header(&spec)));
}

#[test]
fn a_new_spec_needs_no_xtask_change() {
    // A sixth API is a sixth file: its crate is scaffolded by `generate`.
    let spec = ApiSpec {
        name: "newapi".to_string(),
        path: Path::new("spec/newapi.yaml").to_path_buf(),
        doc: fixture().doc,
    };
    let report = check_spec(&spec, None);
    assert!(report.spec_valid.passed() && report.examples_valid.passed());
    assert_eq!(
        report.sdk_fresh.failures,
        ["sdk/newapi/src/generated_sdk.rs does not exist; run `cargo xtask generate`"]
    );
    let files: Vec<String> = xtask::codegen::scaffold(&spec)
        .into_iter()
        .map(|(path, _)| path.display().to_string())
        .collect();
    assert_eq!(
        files,
        [
            "sdk/newapi/Cargo.toml",
            "sdk/newapi/src/lib.rs",
            "sdk/newapi/src/auth.rs"
        ]
    );
}

#[test]
fn a_bare_html_tag_in_a_description_is_refused_with_the_pointer() {
    let mut spec = fixture();
    set(
        &mut spec.doc,
        "/components/securitySchemes/BearerAuth/description",
        json!("Bearer authentication header of the form Bearer <token>."),
    );
    let report = check_spec(&spec, None);
    let failure = report.spec_valid.failures.join("\n");
    assert!(
        failure.contains(
            "at /components/securitySchemes/BearerAuth/description: <token> is an HTML tag"
        ),
        "{failure}"
    );
}

fn version(text: &str) -> semver::Version {
    semver::Version::parse(text).unwrap_or_else(|e| panic!("{e}"))
}

#[test]
fn every_released_snapshot_matches_its_lock_entry_and_its_first_commit() {
    let root = root();
    let lock = release_lock::read(&root).unwrap_or_else(|e| panic!("{e}"));
    let committed = release_lock::committed_snapshots(&root);
    for spec in discover(&root).unwrap_or_else(|e| panic!("{e}")) {
        assert!(
            lock.keys().any(|(api, _)| *api == spec.name),
            "{} has no lock entry",
            spec.name
        );
        let failures = release_lock::verify_api(&root, &spec.name, &lock, &committed);
        assert!(failures.is_empty(), "{failures:#?}");
    }
}

/// The fixture with its first name's limit narrowed from 200 to 100
/// characters: a breaking change.
fn fixture_narrowed() -> String {
    let narrowed = FIXTURE.replacen("maxLength: 200", "maxLength: 100", 1);
    assert_ne!(narrowed, FIXTURE, "the fixture has no `maxLength: 200`");
    narrowed
}

/// Where the fixture's narrowed limit is reported.
const NARROWED: &str = "/components/schemas/ProfileUpdate/properties/firstName/maxLength";

#[test]
fn a_released_snapshot_narrowed_after_release_fails_naming_the_file_and_what_changed() {
    let edited = fixture_narrowed();
    let failures = release_lock::verify_snapshot(
        "fixture",
        &version("1.0.0"),
        &edited,
        Some(&release_lock::digest(FIXTURE)),
        Some(FIXTURE),
    )
    .join("\n");
    assert!(
        failures.contains("spec/released/fixture/1.0.0.yaml changed after it was released")
            && failures.contains("spec/released/released.lock records sha256:"),
        "{failures}"
    );
    assert!(
        failures.contains(NARROWED) && failures.contains("breaking"),
        "{failures}"
    );
}

#[test]
fn rewriting_the_lock_entry_too_is_caught_by_the_first_commit_of_the_snapshot() {
    let edited = fixture_narrowed();
    let failures = release_lock::verify_snapshot(
        "fixture",
        &version("1.0.0"),
        &edited,
        Some(&release_lock::digest(&edited)),
        Some(FIXTURE),
    );
    assert_eq!(failures.len(), 1, "{failures:#?}");
    assert!(
        failures[0].contains("differs from the text first committed for fixture 1.0.0 in git")
            && failures[0].contains("firstName/maxLength"),
        "{}",
        failures[0]
    );
}

#[test]
fn a_released_snapshots_header_comment_can_be_reworded() {
    let released = format!("# Source: a page at a path that later moved.\n{FIXTURE}");
    let reworded =
        format!("# Source: the vendor's page (docs/vendors.md),\n# reworded.\n{FIXTURE}");
    let failures = release_lock::verify_snapshot(
        "fixture",
        &version("1.0.0"),
        &reworded,
        Some(&release_lock::digest(&released)),
        Some(&released),
    );
    assert!(failures.is_empty(), "{failures:#?}");
}

#[test]
fn a_comment_after_the_header_is_frozen_with_the_document() {
    let document = release_lock::frozen(FIXTURE);
    let released = format!("# Source: the vendor's page.\n{document}");
    let (first_line, rest) = document
        .split_once('\n')
        .unwrap_or_else(|| panic!("the fixture has no lines"));
    let commented = format!("# Source: the vendor's page.\n{first_line}\n# an added note\n{rest}");
    let failures = release_lock::verify_snapshot(
        "fixture",
        &version("1.0.0"),
        &commented,
        Some(&release_lock::digest(&released)),
        Some(&released),
    )
    .join("\n");
    assert!(
        failures.contains("changed after it was released")
            && failures.contains("the change is in layout or comments only"),
        "{failures}"
    );
}

/// A scratch workspace holding one working spec, removed when dropped.
struct ScratchTree(std::path::PathBuf);

impl ScratchTree {
    fn with_spec(name: &str, text: &str) -> Self {
        // Tests run in parallel in one process: each tree gets its own
        // directory, so that no test removes another's files.
        static NEXT: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
        let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let dir = std::env::temp_dir().join(format!("gate-{name}-{}-{n}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(dir.join("spec/released"))
            .unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
        let tree = ScratchTree(dir);
        tree.write(&format!("spec/{name}.yaml"), text);
        tree
    }

    /// Writes `text` to `relative`, creating its directory.
    fn write(&self, relative: &str, text: &str) {
        let path = self.0.join(relative);
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
        }
        std::fs::write(&path, text).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    }
}

impl Drop for ScratchTree {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

#[test]
fn release_records_the_snapshot_digest_and_a_missing_line_or_file_fails() {
    let scratch = ScratchTree::with_spec("fixture", FIXTURE);
    let line = xtask::release::release(&scratch.0, &fixture()).unwrap_or_else(|e| panic!("{e}"));
    assert!(
        line.contains("digest recorded in spec/released/released.lock"),
        "{line}"
    );
    let lock = release_lock::read(&scratch.0).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        lock.get(&("fixture".to_string(), version("1.0.0"))),
        Some(&release_lock::digest(FIXTURE))
    );
    let none = Default::default();
    assert_eq!(
        release_lock::verify_api(&scratch.0, "fixture", &lock, &none),
        Vec::<String>::new()
    );
    // A snapshot without its line.
    let failures =
        release_lock::verify_api(&scratch.0, "fixture", &Default::default(), &none).join("\n");
    assert!(
        failures.contains("has no digest in spec/released/released.lock"),
        "{failures}"
    );
    // A line without its snapshot.
    let snapshot = scratch.0.join("spec/released/fixture/1.0.0.yaml");
    std::fs::remove_file(&snapshot).unwrap_or_else(|e| panic!("{e}"));
    let failures = release_lock::verify_api(&scratch.0, "fixture", &lock, &none).join("\n");
    assert!(
        failures.contains("a released version is never removed"),
        "{failures}"
    );
}

#[test]
fn findings_name_the_yaml_line_and_column_and_the_generated_line_in_every_format() {
    // The fixture, released as 1.0.0, then narrowed without a version bump
    // and without regenerating its SDK.
    let edited = fixture_narrowed();
    let (index, line) = edited
        .lines()
        .zip(FIXTURE.lines())
        .enumerate()
        .find(|(_, (a, b))| a != b)
        .map(|(i, (a, _))| (i, a))
        .unwrap_or_else(|| panic!("no narrowed maxLength"));
    let (line, column) = (index + 1, line.find("maxLength").unwrap_or_default() + 1);
    let scratch = ScratchTree::with_spec("fixture", &edited);
    scratch.write("spec/released/fixture/1.0.0.yaml", FIXTURE);
    let spec = ApiSpec::from_yaml("fixture", Path::new("spec/fixture.yaml"), &edited)
        .unwrap_or_else(|e| panic!("{e}"));
    let current = fixture_generated();
    // The first line of the checked-in file that the regenerated one changes.
    let (fresh, _) = xtask::gate::regenerate(&spec).unwrap_or_else(|e| panic!("{e:?}"));
    let generated_line = current
        .lines()
        .zip(fresh.lines())
        .position(|(a, b)| a != b)
        .unwrap_or_else(|| panic!("the regenerated file is the same"))
        + 1;
    assert!(
        current
            .lines()
            .nth(generated_line - 1)
            .is_some_and(|l| l.contains("200usize"))
    );
    let released = xtask::release::latest(&scratch.0, "fixture").unwrap_or_else(|e| panic!("{e}"));
    let mut report = check_spec(&spec, Some(&current));
    report.semver = xtask::gate::check_semver(&spec, released.as_ref());
    xtask::report::resolve_sites(&scratch.0, &mut report);
    let reports = [report];

    let table = render(&reports);
    assert!(
        table.contains(&format!(
            "  - spec/fixture.yaml:{line}:{column}: semver:   breaking at {NARROWED}"
        )),
        "{table}"
    );
    assert!(
        table.contains(&format!(
            "  - sdk/fixture/src/generated_sdk.rs:{generated_line}:1: sdk: "
        )),
        "{table}"
    );

    let github = xtask::report::render_github(&reports);
    assert!(
        github.contains(&format!(
            "::error file=spec/fixture.yaml,line={line},col={column},title=fixture semver::\
             breaking at {NARROWED}"
        )),
        "{github}"
    );
    // A multi-line message stays one annotation.
    assert!(
        github
            .lines()
            .all(|l| l.starts_with("::error ") || l.ends_with("specs fail")),
        "{github}"
    );

    let json: Value = serde_json::from_str(&xtask::report::render_json(&reports))
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(json["passed"], false);
    let finding = json["findings"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|f| {
            f["column"] == "semver"
                && f["pointer"]
                    .as_str()
                    .is_some_and(|p| p.ends_with("maxLength"))
        })
        .unwrap_or_else(|| panic!("no semver finding: {json:#}"));
    assert_eq!(
        (
            &finding["api"],
            &finding["severity"],
            &finding["file"],
            &finding["line"],
            &finding["col"]
        ),
        (
            &json!("fixture"),
            &json!("error"),
            &json!("spec/fixture.yaml"),
            &json!(line),
            &json!(column)
        )
    );
}

#[test]
fn the_changelog_of_a_working_spec_equal_to_its_release_needs_no_release() {
    let scratch = ScratchTree::with_spec("fixture", FIXTURE);
    scratch.write("spec/released/fixture/1.0.0.yaml", FIXTURE);
    let markdown = xtask::changelog::changelog(&scratch.0, "fixture", None, None)
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        markdown,
        "## Fixture API — update my profile 1.0.0 → 1.0.0 (working spec)\n\n\
         These changes need no release: nothing changed.\n"
    );
}

#[test]
fn a_working_spec_bumped_as_its_change_needs_passes_semver_before_it_is_released() {
    // An API designer's everyday change: the working spec changes and its
    // version is raised as the change needs; `cargo xtask release` comes
    // later. The gate accepts it, and the changelog names the release due.
    for (from, to, bumped, need, heading) in [
        (
            "maxLength: 200",
            "maxLength: 300",
            "1.1.0",
            "a feature (minor) release",
            "### Compatible",
        ),
        (
            "maxLength: 200",
            "maxLength: 100",
            "2.0.0",
            "a breaking (major) release",
            "### Breaking",
        ),
    ] {
        let working = FIXTURE
            .replacen("version: 1.0.0", &format!("version: {bumped}"), 1)
            .replacen(from, to, 1);
        let scratch = ScratchTree::with_spec("fixture", &working);
        scratch.write("spec/released/fixture/1.0.0.yaml", FIXTURE);
        let spec = ApiSpec::from_yaml("fixture", Path::new("spec/fixture.yaml"), &working)
            .unwrap_or_else(|e| panic!("{e}"));
        let released =
            xtask::release::latest(&scratch.0, "fixture").unwrap_or_else(|e| panic!("{e}"));
        let semver = xtask::gate::check_semver(&spec, released.as_ref());
        assert!(
            semver.passed(),
            "{from} → {to} with {bumped}: {:#?}",
            semver.failures
        );
        assert_eq!(semver.note, format!("1.0.0→{bumped}"));
        let markdown = xtask::changelog::changelog(&scratch.0, "fixture", None, None)
            .unwrap_or_else(|e| panic!("{e}"));
        assert!(
            markdown.contains(&format!(" 1.0.0 → {bumped} (working spec)\n"))
                && markdown.contains(&format!("These changes need {need}."))
                && markdown.contains(&format!("{heading}\n\n- `{NARROWED}`: ")),
            "{markdown}"
        );
    }
}

#[test]
fn the_changelog_between_two_releases_starts_at_the_one_before() {
    let next = FIXTURE
        .replacen("version: 1.0.0", "version: 1.1.0", 1)
        .replacen("maxLength: 200", "maxLength: 300", 1);
    assert_ne!(next, FIXTURE);
    let scratch = ScratchTree::with_spec("fixture", &next);
    scratch.write("spec/released/fixture/1.0.0.yaml", FIXTURE);
    scratch.write("spec/released/fixture/1.1.0.yaml", &next);
    let markdown = xtask::changelog::changelog(&scratch.0, "fixture", None, Some("1.1.0"))
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(markdown.contains(" 1.0.0 → 1.1.0\n"), "{markdown}");
    assert!(
        markdown.contains("These changes need a feature (minor) release.")
            && markdown.contains(&format!(
                "### Compatible\n\n- `{NARROWED}`: maxLength changed from 200 to 300"
            )),
        "{markdown}"
    );
    let unknown = xtask::changelog::changelog(&scratch.0, "fixture", Some("0.9.0"), None);
    assert!(
        unknown.is_err_and(|e| e.contains("spec/released/fixture/0.9.0.yaml")),
        "an unreleased --from is an error naming the file"
    );
}
