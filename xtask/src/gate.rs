//! `generate` and `check`: the two things the xtask does with every spec.
//!
//! Both are pure functions of the workspace's files: the same files give the
//! same output and the same exit code on every run (specs are visited in
//! name order; problems in document order).

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::Path;
use std::time::Instant;

use semver::Version;
use serde_json::Value;

use crate::codegen;
use crate::compat::{Class, check_version, classify};
use crate::conformance::{Allowance, apply_allowances, check_api_test, compare, parse_allowances};
use crate::examples::validate_examples;
use crate::generator_view::{Adaptation, generator_view};
use crate::report::Site;
use crate::spec::{ApiSpec, Problem, discover};
use crate::validate::validate_openapi;

/// The outcome of one check on one spec.
#[derive(Debug, Default)]
pub struct Outcome {
    /// Empty when the check passed.
    pub failures: Vec<String>,
    /// A short figure shown in the table when it passed (e.g. "34").
    pub note: String,
    /// Where a failure points (by its index in `failures`), when known.
    pub sites: BTreeMap<usize, Site>,
}

impl Outcome {
    pub fn passed(&self) -> bool {
        self.failures.is_empty()
    }

    /// Records a failure and the place it points at.
    pub fn fail(&mut self, message: String, site: Site) {
        self.sites.insert(self.failures.len(), site);
        self.failures.push(message);
    }

    /// [`Outcome::fail`] for each of `failures`, all at `site`'s file,
    /// reading a leading `file:line:` of a message as its line.
    fn fail_all(&mut self, failures: Vec<String>, file: &Path) {
        for failure in failures {
            let site = Site::at_line_prefix(&failure).unwrap_or_else(|| Site::file(file));
            self.fail(failure, site);
        }
    }
}

/// Every check of one spec.
#[derive(Debug)]
pub struct SpecReport {
    pub name: String,
    pub path: String,
    pub spec_valid: Outcome,
    pub examples_valid: Outcome,
    pub sdk_fresh: Outcome,
    /// The version against the latest release, and the SDK crate's version
    /// against the spec's.
    pub semver: Outcome,
    /// The server's derived document against the spec, with allowances.
    pub server: Outcome,
    pub adaptations: Vec<Adaptation>,
}

impl SpecReport {
    pub fn passed(&self) -> bool {
        self.spec_valid.passed()
            && self.examples_valid.passed()
            && self.sdk_fresh.passed()
            && self.semver.passed()
            && self.server.passed()
    }

    /// Each check's name and outcome, in table order.
    pub fn outcomes(&self) -> [(&'static str, &Outcome); 5] {
        [
            ("spec", &self.spec_valid),
            ("examples", &self.examples_valid),
            ("sdk", &self.sdk_fresh),
            ("semver", &self.semver),
            ("server", &self.server),
        ]
    }

    /// Every failure with its check's name and the place it points at.
    pub fn sited_failures(&self) -> Vec<(&'static str, &str, Option<&Site>)> {
        self.outcomes()
            .into_iter()
            .flat_map(|(check, outcome)| {
                outcome
                    .failures
                    .iter()
                    .enumerate()
                    .map(move |(i, f)| (check, f.as_str(), outcome.sites.get(&i)))
            })
            .collect()
    }

    /// Every failure line, prefixed with the check's name.
    pub fn failures(&self) -> Vec<String> {
        [
            ("spec", &self.spec_valid),
            ("examples", &self.examples_valid),
            ("sdk", &self.sdk_fresh),
            ("semver", &self.semver),
            ("server", &self.server),
        ]
        .iter()
        .flat_map(|(check, outcome)| {
            outcome
                .failures
                .iter()
                .map(move |f| format!("{check}: {f}"))
        })
        .collect()
    }
}

/// Records each problem of `spec` as a failure pointing into the spec.
fn fail_problems(outcome: &mut Outcome, spec: &ApiSpec, problems: &[Problem]) {
    for (line, problem) in located(spec, problems).into_iter().zip(problems) {
        outcome.fail(line, Site::pointer(&spec.path, &problem.pointer));
    }
}

fn located(spec: &ApiSpec, problems: &[Problem]) -> Vec<String> {
    problems
        .iter()
        .map(|p| {
            let at = if p.pointer.is_empty() {
                "/"
            } else {
                p.pointer.as_str()
            };
            format!("{} at {at}: {}", spec.path.display(), p.message)
        })
        .collect()
}

/// Regenerates the SDK source of `spec` in memory.
pub fn regenerate(spec: &ApiSpec) -> Result<(String, Vec<Adaptation>), Vec<String>> {
    regenerate_sited(spec).map_err(|failures| failures.into_iter().map(|(line, _)| line).collect())
}

/// A failure message and the place it points at.
type SitedFailure = (String, Site);

/// [`regenerate`], each failure with the place in the spec it is about.
fn regenerate_sited(spec: &ApiSpec) -> Result<(String, Vec<Adaptation>), Vec<SitedFailure>> {
    let (view, adaptations) = generator_view(spec).map_err(|problems| {
        let lines = located(spec, &problems);
        lines
            .into_iter()
            .zip(&problems)
            .map(|(line, problem)| {
                (
                    format!(
                        "{line} (no generator-view rule covers this; see xtask/src/generator_view.rs)"
                    ),
                    Site::pointer(&spec.path, &problem.pointer),
                )
            })
            .collect::<Vec<_>>()
    })?;
    let code = codegen::generate(spec, &view).map_err(|e| vec![(e, Site::file(&spec.path))])?;
    Ok((code, adaptations))
}

/// Checks one spec against the checked-in generated file (`None` when the
/// file does not exist).
pub fn check_spec(spec: &ApiSpec, checked_in: Option<&str>) -> SpecReport {
    let mut report = SpecReport {
        name: spec.name.clone(),
        path: spec.path.display().to_string(),
        spec_valid: Outcome::default(),
        examples_valid: Outcome::default(),
        sdk_fresh: Outcome::default(),
        semver: Outcome::default(),
        server: Outcome::default(),
        adaptations: Vec::new(),
    };

    fail_problems(&mut report.spec_valid, spec, &validate_openapi(spec));
    report.spec_valid.note = "3.0.3".to_string();

    let (count, problems) = validate_examples(spec);
    fail_problems(&mut report.examples_valid, spec, &problems);
    report.examples_valid.note = count.to_string();

    let generated = spec.generated_file();
    match (regenerate_sited(spec), checked_in) {
        (Err(lines), _) => {
            for (line, site) in lines {
                report.sdk_fresh.fail(line, site);
            }
        }
        (Ok((_, adaptations)), None) => {
            report.adaptations = adaptations;
            report.sdk_fresh.fail(
                format!(
                    "{} does not exist; run `cargo xtask generate`",
                    generated.display()
                ),
                Site::file(&generated),
            );
        }
        (Ok((fresh, adaptations)), Some(current)) => {
            report.adaptations = adaptations;
            report.sdk_fresh.note = format!("{} rules", report.adaptations.len());
            if fresh != current {
                // The first line of the checked-in file that differs.
                let line = current
                    .lines()
                    .zip(fresh.lines())
                    .position(|(a, b)| a != b)
                    .unwrap_or_else(|| current.lines().count().min(fresh.lines().count()));
                report.sdk_fresh.fail(
                    format!(
                        "{} is stale: it differs from what {} generates. Run `cargo xtask generate` \
                         (never edit the generated file by hand).\n{}",
                        generated.display(),
                        spec.path.display(),
                        unified_diff(
                            current,
                            &fresh,
                            &generated.display().to_string(),
                            &spec.path.display().to_string()
                        )
                    ),
                    Site::line(&generated, line + 1),
                );
            }
        }
    }
    report
}

/// Checks the spec's version against its latest released snapshot. (The
/// SDK crate's own version is [`crate::crate_semver`]'s.)
pub fn check_semver(spec: &ApiSpec, released: Option<&(Version, ApiSpec)>) -> Outcome {
    let mut outcome = Outcome::default();
    let version = match crate::release::spec_version(spec) {
        Ok(version) => version,
        Err(e) => {
            outcome.fail(e, Site::pointer(&spec.path, "/info/version"));
            return outcome;
        }
    };
    match released {
        None => outcome.fail(
            format!(
                "{} has no released snapshot; run `cargo xtask release {}`",
                crate::release::released_dir(&spec.name).display(),
                spec.name
            ),
            Site::pointer(&spec.path, "/info/version"),
        ),
        Some((last, snapshot)) => {
            let findings = classify(&snapshot.doc, &spec.doc);
            match check_version(last, &version, &findings) {
                Ok(_) => {
                    outcome.note = if *last == version {
                        version.to_string()
                    } else {
                        format!("{last}→{version}")
                    };
                }
                Err(why) => {
                    outcome.fail(
                        format!("{} (against {}):", why, snapshot.path.display()),
                        Site::pointer(&spec.path, "/info/version"),
                    );
                    for finding in findings.iter().filter(|f| f.class != Class::Documentation) {
                        // Something removed is only in the snapshot.
                        let file = if spec.doc.pointer(&finding.pointer).is_some() {
                            &spec.path
                        } else {
                            &snapshot.path
                        };
                        outcome.fail(
                            format!("  {finding}"),
                            Site::pointer(file, &finding.pointer),
                        );
                    }
                }
            }
        }
    }
    outcome
}

/// The `version` of a Cargo manifest's `[package]` table. A line scan is
/// enough for the manifests this project writes; anything it cannot read is
/// reported, not guessed.
pub fn package_version(manifest: &str) -> Option<String> {
    let mut in_package = false;
    for line in manifest.lines().map(str::trim) {
        if line.starts_with('[') {
            in_package = line == "[package]";
        } else if in_package && let Some(rest) = line.strip_prefix("version") {
            let value = rest.trim_start().strip_prefix('=')?.trim();
            return value
                .strip_prefix('"')?
                .strip_suffix('"')
                .map(str::to_string);
        }
    }
    None
}

/// How the gate gets the OpenAPI document the server derives for an API
/// (by API name). `cargo xtask check` runs `server openapi <api>`; the test
/// suite calls the server library directly.
pub type DerivedDocument<'a> = &'a dyn Fn(&str) -> Result<Value, String>;

/// Where an API's allowances live, relative to the workspace root.
pub fn allowances_file(api: &str) -> std::path::PathBuf {
    Path::new("server")
        .join("allowances")
        .join(format!("{api}.yaml"))
}

/// Every schemars override in the server's sources that documents another
/// type than its field's (`schema_types`), read once for all APIs: parsing
/// the sources is the slow part of the check.
pub fn schema_type_failures(root: &Path) -> Result<Vec<String>, String> {
    crate::schema_types::read_server_sources(root)
        .map(|sources| crate::schema_types::check_sources(&sources))
}

/// Compares the server's derived document with the spec, applying the
/// API's allowances and rules. `root` is used to check that each
/// allowance's and rule's test exists; `schema_types` is
/// [`schema_type_failures`], of which this API's are kept.
pub fn check_server(
    root: &Path,
    spec: &ApiSpec,
    derived: Result<Value, String>,
    schema_types: &Result<Vec<String>, String>,
) -> Outcome {
    let mut outcome = Outcome::default();
    let derived = match derived {
        Ok(document) => document,
        Err(e) => {
            outcome.fail(
                format!("no server document for {}: {e}", spec.name),
                Site::file(Path::new("server/src/apis").join(&spec.name).join("api.rs")),
            );
            return outcome;
        }
    };
    let file = allowances_file(&spec.name);
    let text = std::fs::read_to_string(root.join(&file)).unwrap_or_default();
    let allowances = match parse_allowances(&text) {
        Ok(allowances) => allowances,
        Err(e) => {
            outcome.fail(format!("{}: {e}", file.display()), Site::file(&file));
            return outcome;
        }
    };
    let mut outcome = compare_server(root, &spec.name, &spec.doc, &derived, &allowances);
    let file = crate::rules::rules_file(&spec.name);
    let text = std::fs::read_to_string(root.join(&file)).unwrap_or_default();
    match crate::rules::parse_rules(&text) {
        Ok(enforced) => outcome.fail_all(
            crate::rules::check_rules(root, &spec.name, &spec.doc, &enforced),
            &file,
        ),
        Err(e) => outcome.fail(format!("{}: {e}", file.display()), Site::file(&file)),
    }
    let own = format!("server/src/apis/{}/", spec.name);
    match schema_types {
        Ok(failures) => outcome.fail_all(
            failures
                .iter()
                .filter(|f| f.starts_with(&own))
                .map(|f| format!("{}: {f}", spec.name))
                .collect(),
            Path::new(&own),
        ),
        Err(e) => outcome.fail(e.clone(), Site::file(Path::new(&own))),
    }
    outcome
}

/// The server column for one API: every difference between its spec
/// document and the server's derived document that no allowance covers,
/// every stale allowance, and every allowance whose `test` names no test
/// function under `root`. `check_server` runs this after loading the API's
/// allowances; the conformance tests run it on mutated documents.
pub fn compare_server(
    root: &Path,
    api: &str,
    spec: &Value,
    derived: &Value,
    allowances: &[Allowance],
) -> Outcome {
    let mut outcome = Outcome::default();
    let file = allowances_file(api);
    // The spec's path, as `discover` names it.
    let spec_path = Path::new("spec").join(format!("{api}.yaml"));
    let differences = compare(spec, derived);
    let (remaining, stale) = apply_allowances(differences, allowances);
    for difference in &remaining {
        outcome.fail(
            format!("{api}: {difference}"),
            Site::pointer(&spec_path, &difference.pointer),
        );
    }
    let entry =
        |allowance: &Allowance| Site::needle(&file, &format!("pointer: {}", allowance.pointer));
    for allowance in &stale {
        outcome.fail(
            format!(
                "{api}: stale allowance in {}: {} (spec {}, server {}) matches no difference any more; remove it",
                file.display(),
                allowance.pointer,
                allowance.spec,
                allowance.server
            ),
            entry(allowance),
        );
    }
    for allowance in allowances {
        if let Err(why) = check_api_test(root, api, &allowance.test, &allowance.shows) {
            outcome.fail(
                format!(
                    "{api}: allowance {} in {} names the test {}, which cannot prove it: {why}",
                    allowance.pointer,
                    file.display(),
                    allowance.test
                ),
                entry(allowance),
            );
        }
    }
    outcome.note = format!("{} allowed", allowances.len());
    outcome
}

/// A unified diff from the checked-in file to the regenerated one, capped so
/// that a wholesale change stays readable.
pub fn unified_diff(current: &str, fresh: &str, file: &str, spec: &str) -> String {
    const MAX_LINES: usize = 120;
    let diff = similar::TextDiff::from_lines(current, fresh);
    let text = diff
        .unified_diff()
        .context_radius(3)
        .header(
            &format!("{file} (checked in)"),
            &format!("{file} (generated from {spec})"),
        )
        .to_string();
    let total = text.lines().count();
    let mut out: String = text
        .lines()
        .take(MAX_LINES)
        .map(|l| format!("    {l}\n"))
        .collect();
    if total > MAX_LINES {
        let _ = writeln!(out, "    ... {} more diff lines", total - MAX_LINES);
    }
    out
}

/// Runs every check on every spec under `root`.
pub fn check_workspace(
    root: &Path,
    derived: DerivedDocument<'_>,
) -> Result<Vec<SpecReport>, String> {
    let specs = discover(root)?;
    let lock = crate::release_lock::read(root);
    let committed = crate::release_lock::committed_snapshots(root);
    let schema_types = schema_type_failures(root);
    let support = crate::crate_semver::support_dir();
    Ok(specs
        .iter()
        .map(|spec| {
            let current = std::fs::read_to_string(root.join(spec.generated_file())).ok();
            let mut report = check_spec(spec, current.as_deref());
            crate::mocks::check(root, spec, &mut report.sdk_fresh);
            report.server = check_server(root, spec, derived(&spec.name), &schema_types);
            report.semver = match crate::release::latest(root, &spec.name) {
                Ok(released) => check_semver(spec, released.as_ref()),
                Err(e) => {
                    let mut outcome = Outcome::default();
                    outcome.fail(e, Site::file(crate::release::released_dir(&spec.name)));
                    outcome
                }
            };
            // The SDK crate's own version, and sdk-support's, which every
            // SDK re-exports from (its failures show on every API's line).
            let sdk_dir = spec.sdk_dir();
            let manifest = sdk_dir.join("Cargo.toml");
            for (dir, spec) in [(sdk_dir.as_path(), Some(spec)), (support.as_path(), None)] {
                report
                    .semver
                    .fail_all(crate::crate_semver::check(root, dir, spec), &manifest);
            }
            match &lock {
                Ok(lock) => report.semver.fail_all(
                    crate::release_lock::verify_api(root, &spec.name, lock, &committed),
                    &crate::release::released_dir(&spec.name),
                ),
                Err(e) => report
                    .semver
                    .fail(e.clone(), Site::file(crate::release_lock::lock_file())),
            }
            report
        })
        .map(|mut report| {
            crate::report::resolve_sites(root, &mut report);
            report
        })
        .collect())
}

/// The table `cargo xtask check` prints, then the details of each failure.
pub fn render(reports: &[SpecReport]) -> String {
    let mut out = String::new();
    let width = reports
        .iter()
        .map(|r| r.name.len())
        .max()
        .unwrap_or(3)
        .max(3);
    let _ = writeln!(
        out,
        "{:width$}  {:<22}  {:<9}  {:<9}  {:<10}  {:<12}  server",
        "api", "spec", "openapi", "examples", "sdk", "semver"
    );
    let cell = |o: &Outcome| {
        if o.passed() {
            format!("✓ {}", o.note)
        } else {
            format!("✗ {}", o.failures.len())
        }
    };
    for r in reports {
        let _ = writeln!(
            out,
            "{:width$}  {:<22}  {:<9}  {:<9}  {:<10}  {:<12}  {}",
            r.name,
            r.path,
            cell(&r.spec_valid),
            cell(&r.examples_valid),
            cell(&r.sdk_fresh),
            cell(&r.semver),
            cell(&r.server)
        );
    }
    for r in reports.iter().filter(|r| !r.passed()) {
        let _ = writeln!(out, "\n✗ {} ({}):", r.name, r.path);
        for (check, failure, site) in r.sited_failures() {
            match site.and_then(Site::location) {
                Some(location) => {
                    let _ = writeln!(out, "  - {location}: {check}: {failure}");
                }
                None => {
                    let _ = writeln!(out, "  - {check}: {failure}");
                }
            }
        }
    }
    let failed = reports.iter().filter(|r| !r.passed()).count();
    if failed == 0 {
        let _ = writeln!(out, "\nall {} specs pass", reports.len());
    } else {
        let _ = writeln!(out, "\n{failed} of {} specs fail", reports.len());
    }
    out
}

/// `cargo xtask generate`: writes every SDK's generated file (and scaffolds a
/// crate for a spec that has none), printing each adaptation made.
pub fn generate_workspace(root: &Path) -> Result<String, String> {
    let specs = discover(root)?;
    let mut out = String::new();
    let mut failed = Vec::new();
    for spec in &specs {
        let problems = validate_openapi(spec);
        if !problems.is_empty() {
            failed.push(spec.name.clone());
            let _ = writeln!(
                out,
                "✗ {}: not valid OpenAPI 3.0.3, nothing generated",
                spec.label()
            );
            for line in located(spec, &problems) {
                let _ = writeln!(out, "  - {line}");
            }
            continue;
        }
        let started = Instant::now();
        match regenerate(spec) {
            Err(lines) => {
                failed.push(spec.name.clone());
                let _ = writeln!(out, "✗ {}: cannot generate", spec.label());
                for line in lines {
                    let _ = writeln!(out, "  - {line}");
                }
            }
            Ok((code, adaptations)) => {
                let elapsed = started.elapsed();
                if !root.join(spec.sdk_dir()).exists() {
                    for (path, text) in codegen::scaffold(spec) {
                        write_file(&root.join(&path), &text)?;
                        let _ = writeln!(out, "  scaffolded {}", path.display());
                    }
                }
                let target = root.join(spec.generated_file());
                let unchanged = std::fs::read_to_string(&target).is_ok_and(|old| old == code);
                if !unchanged {
                    write_file(&target, &code)?;
                }
                let _ = writeln!(
                    out,
                    "✓ {}: {} {} ({} lines, generated in {} ms)",
                    spec.label(),
                    if unchanged { "unchanged" } else { "wrote" },
                    spec.generated_file().display(),
                    code.lines().count(),
                    elapsed.as_millis()
                );
                for adaptation in adaptations {
                    let _ = writeln!(out, "    {}: {adaptation}", spec.name);
                }
                let _ = writeln!(out, "  {}", crate::mocks::write(root, spec)?);
            }
        }
    }
    if failed.is_empty() {
        Ok(out)
    } else {
        Err(format!(
            "{out}\ngeneration failed for: {}",
            failed.join(", ")
        ))
    }
}

fn write_file(path: &Path, text: &str) -> Result<(), String> {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)
            .map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    }
    std::fs::write(path, text).map_err(|e| format!("cannot write {}: {e}", path.display()))
}
