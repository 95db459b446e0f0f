//! The drift gate, run by `cargo test`.

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
fn a_constraint_changed_without_regenerating_names_the_spec_and_the_generated_file() {
    let mut spec = load("zitadel");
    let current = checked_in(&spec);
    set(
        &mut spec.doc,
        "/components/schemas/UpdateMyProfileRequest/properties/firstName/maxLength",
        json!(100),
    );
    let report = check_spec(&spec, Some(&current));
    assert!(report.spec_valid.passed() && report.examples_valid.passed());
    let failure = report.sdk_fresh.failures.join("\n");
    assert!(
        failure.contains("sdk/zitadel/src/generated_sdk.rs is stale")
            && failure.contains("spec/zitadel.yaml"),
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
    let spec = load("cl2c");
    let edited = checked_in(&spec).replacen(
        "pub struct UserProfile {",
        "pub struct UserProfile {\n    pub extra: u8,",
        1,
    );
    let report = check_spec(&spec, Some(&edited));
    let failure = report.sdk_fresh.failures.join("\n");
    assert!(
        failure.contains("sdk/cl2c/src/generated_sdk.rs is stale"),
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
    let spec = load("exante");
    let report = check_spec(&spec, None);
    assert_eq!(
        report.sdk_fresh.failures,
        ["sdk/exante/src/generated_sdk.rs does not exist; run `cargo xtask generate`"]
    );
}

#[test]
fn an_example_that_breaks_its_schema_is_named_with_its_pointer() {
    let mut spec = load("zitadel");
    set(
        &mut spec.doc,
        "/paths/~1auth~1v1~1users~1me~1profile/put/requestBody/content/application~1json/example/gender",
        json!("GENDER_ROBOT"),
    );
    let report = check_spec(&spec, None);
    let failure = report.examples_valid.failures.join("\n");
    assert!(
        failure.contains(
            "spec/zitadel.yaml at /paths/~1auth~1v1~1users~1me~1profile/put/requestBody/content/application~1json/example: /gender:"
        ),
        "{failure}"
    );
}

#[test]
fn an_example_with_an_undeclared_field_is_refused() {
    let mut spec = load("exante");
    let example = "/paths/~1api~1user/patch/requestBody/content/application~1json/example";
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
    let mut spec = load("cl2c");
    set(
        &mut spec.doc,
        "/paths/~1v1~1cl2c~1user/put/responses/200/content/application~1json/example/authValidUpto",
        json!("yesterday"),
    );
    let report = check_spec(&spec, None);
    let failure = report.examples_valid.failures.join("\n");
    assert!(
        failure.contains("/authValidUpto") && failure.contains("date-time"),
        "{failure}"
    );
}

#[test]
fn a_document_that_is_not_openapi_3_0_3_is_refused() {
    let mut spec = load("ctechnology");
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
    let mut spec = load("ctechnology");
    set(
        &mut spec.doc,
        "/paths/~1api~1v2.2~1me/put/responses",
        json!({ "200": { "content": {} } }),
    );
    let report = check_spec(&spec, None);
    let failure = report.spec_valid.failures.join("\n");
    assert!(
        failure.contains("/paths/~1api~1v2.2~1me/put/responses"),
        "{failure}"
    );
}

#[test]
fn a_dangling_ref_is_refused() {
    let mut spec = load("cl2c");
    set(
        &mut spec.doc,
        "/paths/~1v1~1cl2c~1user/put/responses/200/content/application~1json/schema",
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
    let mut spec = load("cl2c");
    set(
        &mut spec.doc,
        "/paths/~1v1~1cl2c~1user/put/responses/200/content/application~1json/schema",
        json!({ "$ref": "#/components/schemas/UserProfile", "nullable": true }),
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
    let mut spec = load("exante");
    let content = "/paths/~1api~1user/patch/requestBody/content";
    let body = spec
        .doc
        .pointer(&format!("{content}/application~1json"))
        .cloned();
    set(&mut spec.doc, content, json!({ "application/xml": body }));
    let report = check_spec(&spec, None);
    let failure = report.sdk_fresh.failures.join("\n");
    assert!(
        failure.contains(
            "spec/exante.yaml at /paths/~1api~1user/patch/requestBody/content/application~1xml: progenitor cannot send a application/xml request body"
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
        doc: load("exante").doc,
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
    let mut spec = load("exante");
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

/// zitadel 1.0.0's snapshot text, as checked in.
fn zitadel_snapshot() -> String {
    let path = root().join("spec/released/zitadel/1.0.0.yaml");
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
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

#[test]
fn a_released_snapshot_narrowed_after_release_fails_naming_the_file_and_what_changed() {
    let released = zitadel_snapshot();
    let edited = released.replacen("maxLength: 200", "maxLength: 100", 1);
    assert_ne!(edited, released);
    let failures = release_lock::verify_snapshot(
        "zitadel",
        &version("1.0.0"),
        &edited,
        Some(&release_lock::digest(&released)),
        Some(&released),
    )
    .join("\n");
    assert!(
        failures.contains("spec/released/zitadel/1.0.0.yaml changed after it was released")
            && failures.contains("spec/released/released.lock records sha256:"),
        "{failures}"
    );
    assert!(
        failures
            .contains("/components/schemas/UpdateMyProfileRequest/properties/firstName/maxLength")
            && failures.contains("breaking"),
        "{failures}"
    );
}

#[test]
fn rewriting_the_lock_entry_too_is_caught_by_the_first_commit_of_the_snapshot() {
    let released = zitadel_snapshot();
    let edited = released.replacen("maxLength: 200", "maxLength: 100", 1);
    let failures = release_lock::verify_snapshot(
        "zitadel",
        &version("1.0.0"),
        &edited,
        Some(&release_lock::digest(&edited)),
        Some(&released),
    );
    assert_eq!(failures.len(), 1, "{failures:#?}");
    assert!(
        failures[0].contains("differs from the text first committed for zitadel 1.0.0 in git")
            && failures[0].contains("firstName/maxLength"),
        "{}",
        failures[0]
    );
}

/// A scratch workspace holding one spec, removed when dropped.
struct ScratchTree(std::path::PathBuf);

impl ScratchTree {
    fn with_spec(name: &str, text: &str) -> Self {
        let dir = std::env::temp_dir().join(format!("gate-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(dir.join("spec/released"))
            .unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
        std::fs::write(dir.join(format!("spec/{name}.yaml")), text)
            .unwrap_or_else(|e| panic!("{e}"));
        ScratchTree(dir)
    }
}

impl Drop for ScratchTree {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

#[test]
fn release_records_the_snapshot_digest_and_a_missing_line_or_file_fails() {
    let text = zitadel_snapshot();
    let scratch = ScratchTree::with_spec("zitadel", &text);
    let spec = ApiSpec::from_yaml("zitadel", Path::new("spec/zitadel.yaml"), &text)
        .unwrap_or_else(|e| panic!("{e}"));
    let line = xtask::release::release(&scratch.0, &spec).unwrap_or_else(|e| panic!("{e}"));
    assert!(
        line.contains("digest recorded in spec/released/released.lock"),
        "{line}"
    );
    let lock = release_lock::read(&scratch.0).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        lock.get(&("zitadel".to_string(), version("1.0.0"))),
        Some(&release_lock::digest(&text))
    );
    let none = Default::default();
    assert_eq!(
        release_lock::verify_api(&scratch.0, "zitadel", &lock, &none),
        Vec::<String>::new()
    );
    // A snapshot without its line.
    let failures =
        release_lock::verify_api(&scratch.0, "zitadel", &Default::default(), &none).join("\n");
    assert!(
        failures.contains("has no digest in spec/released/released.lock"),
        "{failures}"
    );
    // A line without its snapshot.
    let snapshot = scratch.0.join("spec/released/zitadel/1.0.0.yaml");
    std::fs::remove_file(&snapshot).unwrap_or_else(|e| panic!("{e}"));
    let failures = release_lock::verify_api(&scratch.0, "zitadel", &lock, &none).join("\n");
    assert!(
        failures.contains("a released version is never removed"),
        "{failures}"
    );
}

#[test]
fn findings_name_the_yaml_line_and_column_and_the_generated_line_in_every_format() {
    let text =
        std::fs::read_to_string(root().join("spec/zitadel.yaml")).unwrap_or_else(|e| panic!("{e}"));
    let edited = text.replacen("maxLength: 200", "maxLength: 100", 1);
    let (index, line) = edited
        .lines()
        .zip(text.lines())
        .enumerate()
        .find(|(_, (a, b))| a != b)
        .map(|(i, (a, _))| (i, a))
        .unwrap_or_else(|| panic!("no narrowed maxLength"));
    let (line, column) = (index + 1, line.find("maxLength").unwrap_or_default() + 1);
    let scratch = ScratchTree::with_spec("zitadel", &edited);
    let spec = ApiSpec::from_yaml("zitadel", Path::new("spec/zitadel.yaml"), &edited)
        .unwrap_or_else(|e| panic!("{e}"));
    let current = checked_in(&spec);
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
    let released = xtask::release::latest(&root(), "zitadel").unwrap_or_else(|e| panic!("{e}"));
    let mut report = check_spec(&spec, Some(&current));
    report.semver = xtask::gate::check_semver(&spec, released.as_ref());
    xtask::report::resolve_sites(&scratch.0, &mut report);
    let reports = [report];

    let table = render(&reports);
    assert!(
        table.contains(&format!(
            "  - spec/zitadel.yaml:{line}:{column}: semver:   breaking at \
             /components/schemas/UpdateMyProfileRequest/properties/firstName/maxLength"
        )),
        "{table}"
    );
    assert!(
        table.contains(&format!(
            "  - sdk/zitadel/src/generated_sdk.rs:{generated_line}:1: sdk: "
        )),
        "{table}"
    );

    let github = xtask::report::render_github(&reports);
    assert!(
        github.contains(&format!(
            "::error file=spec/zitadel.yaml,line={line},col={column},title=zitadel semver::\
             breaking at /components/schemas/UpdateMyProfileRequest/properties/firstName/maxLength"
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
            &json!("zitadel"),
            &json!("error"),
            &json!("spec/zitadel.yaml"),
            &json!(line),
            &json!(column)
        )
    );
}

#[test]
fn the_changelog_of_each_api_since_its_release_needs_no_release() {
    // The real history: each working spec against its latest release; the
    // gate passes, so nothing needs a release.
    for spec in discover(&root()).unwrap_or_else(|e| panic!("{e}")) {
        let markdown = xtask::changelog::changelog(&root(), &spec.name, None, None)
            .unwrap_or_else(|e| panic!("{e}"));
        let version = spec.version().unwrap_or_default();
        assert!(
            markdown.contains(&format!(" {version} → {version} (working spec)"))
                && markdown.contains("These changes need no release"),
            "{markdown}"
        );
        assert!(!markdown.contains("### Breaking"), "{markdown}");
    }
}

#[test]
fn the_changelog_between_two_releases_starts_at_the_one_before() {
    let released = zitadel_snapshot();
    let next = released
        .replacen("version: 1.0.0", "version: 1.1.0", 1)
        .replacen("maxLength: 200", "maxLength: 300", 1);
    assert_ne!(next, released);
    let scratch = ScratchTree::with_spec("zitadel", &next);
    for (version, text) in [("1.0.0", &released), ("1.1.0", &next)] {
        let path = scratch
            .0
            .join(format!("spec/released/zitadel/{version}.yaml"));
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).unwrap_or_else(|e| panic!("{e}"));
        }
        std::fs::write(&path, text).unwrap_or_else(|e| panic!("{e}"));
    }
    let markdown = xtask::changelog::changelog(&scratch.0, "zitadel", None, Some("1.1.0"))
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(markdown.contains(" 1.0.0 → 1.1.0\n"), "{markdown}");
    assert!(
        markdown.contains("These changes need a feature (minor) release.")
            && markdown.contains(
                "### Compatible\n\n- `/components/schemas/UpdateMyProfileRequest/properties/firstName/maxLength`: \
                 maxLength changed from 200 to 300"
            ),
        "{markdown}"
    );
    let unknown = xtask::changelog::changelog(&scratch.0, "zitadel", Some("0.9.0"), None);
    assert!(
        unknown.is_err_and(|e| e.contains("spec/released/zitadel/0.9.0.yaml")),
        "an unreleased --from is an error naming the file"
    );
}
