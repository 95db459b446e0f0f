//! Each SDK crate's own version: it moves with the crate's public Rust API
//! and with its spec, and states the spec version it implements.
//!
//! `cargo xtask release <api>` records the crate's public API
//! ([`crate::public_api`]) as released, in `sdk/<api>/public-api.released.txt`,
//! whose first line names the crate version and the spec version of that
//! release. `cargo xtask check` then needs, in the semver column:
//!
//! - a major crate release (Cargo's rules: 0.x moves its minor) when a line
//!   of the released listing is gone (an item removed or its signature
//!   changed), or when the spec changed incompatibly since the spec version
//!   of the release; a minor release when lines were only added or the spec
//!   grew compatibly;
//! - `pub const SPEC_VERSION: &str = "<info.version>";` in the crate's
//!   `lib.rs`.
//!
//! An SDK's listing includes `sdk-support`'s (it re-exports its error and
//! builder, so a break there breaks every SDK), and `sdk-support` has a
//! listing and a release line of its own. All of it is files in the tree,
//! so the check works the same in a shallow clone without git history.

use std::path::{Path, PathBuf};

use semver::Version;

use crate::compat::{Class, Finding, check_version, classify};
use crate::spec::ApiSpec;

/// The shared crate every SDK re-exports from, relative to the root.
pub fn support_dir() -> PathBuf {
    Path::new("sdk").join("support")
}

/// The checked-in listing of the crate's current public API (compared by
/// the test suite with `expectorate`, so a review shows API changes).
pub fn current_file(crate_dir: &Path) -> PathBuf {
    crate_dir.join("public-api.txt")
}

/// The listing as last released, with its versions on the first line.
pub fn released_file(crate_dir: &Path) -> PathBuf {
    crate_dir.join("public-api.released.txt")
}

/// The public API of the crate at `crate_dir` (relative to `root`), with
/// `sdk-support`'s appended for an SDK crate.
pub fn listing(root: &Path, crate_dir: &Path) -> Result<String, String> {
    let mut out = crate::public_api::listing(&root.join(crate_dir))?;
    if crate_dir != support_dir() {
        let support = crate::public_api::listing(&root.join(support_dir()))?;
        for line in support.lines() {
            out.push_str("sdk_support");
            out.push_str(line.strip_prefix("crate").unwrap_or(line));
            out.push('\n');
        }
    }
    Ok(out)
}

/// A released listing: the crate version, the spec version it implemented
/// (none for `sdk-support`) and the listing.
#[derive(Debug)]
pub struct Released {
    pub version: Version,
    pub spec_version: Option<Version>,
    pub listing: String,
}

/// The first line of a released listing.
fn header(package: &str, version: &Version, spec_version: Option<&Version>) -> String {
    match spec_version {
        Some(spec) => format!("# {package} {version} implements spec {spec}\n"),
        None => format!("# {package} {version}\n"),
    }
}

/// Reads `crate_dir`'s released listing (`None`: never released).
pub fn released(root: &Path, crate_dir: &Path) -> Result<Option<Released>, String> {
    let file = released_file(crate_dir);
    let Ok(text) = std::fs::read_to_string(root.join(&file)) else {
        return Ok(None);
    };
    let (first, listing) = text.split_once('\n').unwrap_or((&text, ""));
    let words: Vec<&str> = first.split_whitespace().collect();
    let bad = || {
        format!(
            "{}:1: the first line must be `# <crate> <version>` or `# <crate> <version> implements spec <version>`",
            file.display()
        )
    };
    let parse = |word: &str| Version::parse(word).map_err(|e| format!("{}:1: {e}", file.display()));
    let (version, spec_version) = match words.as_slice() {
        ["#", _, version] => (parse(version)?, None),
        ["#", _, version, "implements", "spec", spec] => (parse(version)?, Some(parse(spec)?)),
        _ => return Err(bad()),
    };
    Ok(Some(Released {
        version,
        spec_version,
        listing: listing.to_string(),
    }))
}

/// Records the current listing of `crate_dir` as released at its manifest's
/// version (`cargo xtask release`). Returns what was written.
pub fn record(
    root: &Path,
    crate_dir: &Path,
    spec_version: Option<&Version>,
) -> Result<String, String> {
    let (package, version) = package(root, crate_dir)?;
    let listing = listing(root, crate_dir)?;
    let file = released_file(crate_dir);
    let text = format!("{}{listing}", header(&package, &version, spec_version));
    std::fs::write(root.join(&file), text)
        .map_err(|e| format!("cannot write {}: {e}", file.display()))?;
    Ok(format!(
        "recorded the public API of {package} {version} in {}",
        file.display()
    ))
}

/// The `[package]` name and version of the crate at `crate_dir`.
pub fn package(root: &Path, crate_dir: &Path) -> Result<(String, Version), String> {
    let manifest = crate_dir.join("Cargo.toml");
    let text = std::fs::read_to_string(root.join(&manifest))
        .map_err(|e| format!("cannot read {}: {e}", manifest.display()))?;
    let name = package_field(&text, "name")
        .ok_or_else(|| format!("{} has no readable [package] name", manifest.display()))?;
    let version = package_field(&text, "version")
        .ok_or_else(|| format!("{} has no readable [package] version", manifest.display()))?;
    let version = Version::parse(&version)
        .map_err(|e| format!("{}: version {version}: {e}", manifest.display()))?;
    Ok((name, version))
}

/// A string field of a manifest's `[package]` table (a line scan, enough
/// for the manifests this project writes).
fn package_field(manifest: &str, field: &str) -> Option<String> {
    let mut in_package = false;
    for line in manifest.lines().map(str::trim) {
        if line.starts_with('[') {
            in_package = line == "[package]";
        } else if in_package
            && let Some(rest) = line.strip_prefix(field)
            && let Some(value) = rest.trim_start().strip_prefix('=')
        {
            return value
                .trim()
                .strip_prefix('"')?
                .strip_suffix('"')
                .map(str::to_string);
        }
    }
    None
}

/// Every failure of the crate at `crate_dir` against its release: its
/// version for what changed in its API (and in `spec`, for an SDK), and
/// its `SPEC_VERSION`.
pub fn check(root: &Path, crate_dir: &Path, spec: Option<&ApiSpec>) -> Vec<String> {
    let mut failures = Vec::new();
    let (package, version) = match package(root, crate_dir) {
        Ok(found) => found,
        Err(e) => return vec![e],
    };
    let released_path = released_file(crate_dir);
    let released = match released(root, crate_dir) {
        Ok(Some(released)) => released,
        Ok(None) => {
            return vec![format!(
                "{} is missing: {package} has no released public API; run `cargo xtask release {}`",
                released_path.display(),
                spec.map_or("<api>", |s| s.name.as_str())
            )];
        }
        Err(e) => return vec![e],
    };
    let current = match listing(root, crate_dir) {
        Ok(current) => current,
        Err(e) => return vec![e],
    };
    let mut findings = api_findings(&released.listing, &current);
    if let Some(spec) = spec {
        if let Err(e) = spec_version_constant(root, crate_dir, spec) {
            failures.push(e);
        }
        if let Some(spec_version) = &released.spec_version {
            match spec_at(root, spec, spec_version) {
                Ok(old) => {
                    findings.extend(classify(&old.doc, &spec.doc).into_iter().map(|mut f| {
                        f.message = format!("spec {}: {}", f.pointer, f.message);
                        f
                    }))
                }
                Err(e) => failures.push(e),
            }
        }
    }
    if let Err(why) = check_version(&released.version, &version, &findings) {
        failures.push(format!(
            "{package} {why} (its Cargo.toml version, against its release in {}):",
            released_path.display()
        ));
        for finding in findings.iter().filter(|f| f.class != Class::Documentation) {
            failures.push(format!("  {}: {}", finding.class.label(), finding.message));
        }
    }
    failures
}

/// The public API's changes as findings: a removed line is breaking, an
/// added one compatible.
fn api_findings(released: &str, current: &str) -> Vec<Finding> {
    let (removed, added) = crate::public_api::difference(released, current);
    removed
        .into_iter()
        .map(|line| Finding {
            class: Class::Breaking,
            pointer: String::new(),
            message: format!("Rust API removed or changed: {line}"),
        })
        .chain(added.into_iter().map(|line| Finding {
            class: Class::Compatible,
            pointer: String::new(),
            message: format!("Rust API added: {line}"),
        }))
        .collect()
}

/// The released snapshot of `spec` at `version`.
fn spec_at(root: &Path, spec: &ApiSpec, version: &Version) -> Result<ApiSpec, String> {
    let relative = crate::release::released_dir(&spec.name).join(format!("{version}.yaml"));
    let text = std::fs::read_to_string(root.join(&relative)).map_err(|e| {
        format!(
            "cannot read {} (the spec the SDK's release implemented): {e}",
            relative.display()
        )
    })?;
    ApiSpec::from_yaml(&spec.name, &relative, &text)
}

/// The line every SDK's `lib.rs` states its spec version with.
pub fn spec_version_line(spec_version: &str) -> String {
    format!("pub const SPEC_VERSION: &str = \"{spec_version}\";")
}

/// Checks that the SDK's `lib.rs` states the spec's `info.version`.
fn spec_version_constant(root: &Path, crate_dir: &Path, spec: &ApiSpec) -> Result<(), String> {
    let lib = crate_dir.join("src").join("lib.rs");
    let text = std::fs::read_to_string(root.join(&lib))
        .map_err(|e| format!("cannot read {}: {e}", lib.display()))?;
    let wanted = spec_version_line(spec.version().unwrap_or("?"));
    if text.lines().any(|line| line.trim() == wanted) {
        Ok(())
    } else {
        Err(format!(
            "{} must state the spec version it implements: `{wanted}` ({} says so)",
            lib.display(),
            spec.path.display()
        ))
    }
}

/// The changelog section of the crate's API since its release.
pub fn changelog(root: &Path, crate_dir: &Path) -> Result<String, String> {
    let (package, version) = package(root, crate_dir)?;
    let Some(released) = released(root, crate_dir)? else {
        return Ok(format!(
            "\n### Rust API of {package}\n\nNot released yet.\n"
        ));
    };
    let current = listing(root, crate_dir)?;
    let (removed, added) = crate::public_api::difference(&released.listing, &current);
    let mut out = format!(
        "\n### Rust API of {package} {} → {version}\n\n",
        released.version
    );
    if removed.is_empty() && added.is_empty() {
        out.push_str("No change.\n");
    }
    for line in removed {
        out.push_str(&format!("- removed or changed: `{line}`\n"));
    }
    for line in added {
        out.push_str(&format!("- added: `{line}`\n"));
    }
    Ok(out)
}
