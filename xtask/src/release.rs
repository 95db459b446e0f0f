//! Released specs: frozen snapshots under `spec/released/<api>/<version>.yaml`.
//!
//! A snapshot is the spec's text exactly as it was released, so that a
//! release can be reviewed as a file and compared offline, in a shallow
//! clone, without git. The latest snapshot is what `cargo xtask check`
//! classifies the working spec against.

use std::path::{Path, PathBuf};

use semver::Version;

use crate::compat::{Bump, check_version, classify, required_bump};
use crate::spec::ApiSpec;

/// The directory of `api`'s snapshots, relative to the workspace root.
pub fn released_dir(api: &str) -> PathBuf {
    Path::new("spec").join("released").join(api)
}

/// Every released version of `api`, oldest first.
pub fn released_versions(root: &Path, api: &str) -> Result<Vec<Version>, String> {
    let dir = root.join(released_dir(api));
    let Ok(entries) = std::fs::read_dir(&dir) else {
        return Ok(Vec::new());
    };
    let mut versions = Vec::new();
    for entry in entries {
        let path = entry
            .map_err(|e| format!("cannot list {}: {e}", dir.display()))?
            .path();
        let Some(stem) = path.file_stem().and_then(|s| s.to_str()) else {
            continue;
        };
        if path.extension().is_some_and(|e| e == "yaml") {
            let version = Version::parse(stem).map_err(|e| {
                format!(
                    "{}: a snapshot is named after its version: {e}",
                    path.display()
                )
            })?;
            versions.push(version);
        }
    }
    versions.sort();
    Ok(versions)
}

/// The latest snapshot of `api`, parsed, with its version.
pub fn latest(root: &Path, api: &str) -> Result<Option<(Version, ApiSpec)>, String> {
    let Some(version) = released_versions(root, api)?.pop() else {
        return Ok(None);
    };
    let relative = released_dir(api).join(format!("{version}.yaml"));
    let text = std::fs::read_to_string(root.join(&relative))
        .map_err(|e| format!("cannot read {}: {e}", relative.display()))?;
    Ok(Some((version, ApiSpec::from_yaml(api, &relative, &text)?)))
}

/// The version a spec declares, parsed.
pub fn spec_version(spec: &ApiSpec) -> Result<Version, String> {
    let raw = spec
        .version()
        .ok_or_else(|| format!("{}: info.version is missing", spec.path.display()))?;
    Version::parse(raw).map_err(|e| {
        format!(
            "{}: info.version \"{raw}\" is not a semver version: {e}",
            spec.path.display()
        )
    })
}

/// `cargo xtask release <api>`: freezes the working spec as released, and
/// records the SDK crate's public API as released at its version (and
/// `sdk-support`'s, when its version moved; see [`crate::crate_semver`]).
/// Refuses a spec version that exists with other text, is lower than the
/// last one, or is too small a step for what changed since the last
/// release; and a crate version too small for what changed in its API or
/// its spec. A spec released unchanged (a release of the SDK crate alone)
/// is kept as it is.
pub fn release(root: &Path, spec: &ApiSpec) -> Result<String, String> {
    let version = spec_version(spec)?;
    let versions = released_versions(root, &spec.name)?;
    let text = std::fs::read_to_string(root.join(&spec.path))
        .map_err(|e| format!("cannot read {}: {e}", spec.path.display()))?;
    let target = released_dir(&spec.name).join(format!("{version}.yaml"));
    if versions.contains(&version) {
        // A release of the SDK crate alone: the spec at this version is
        // released already, and may differ from it only in documentation.
        let released = std::fs::read_to_string(root.join(&target))
            .map_err(|e| format!("cannot read {}: {e}", target.display()))?;
        let snapshot = ApiSpec::from_yaml(&spec.name, &target, &released)?;
        let findings = classify(&snapshot.doc, &spec.doc);
        if required_bump(&findings) != Bump::None {
            return Err(format!(
                "{} {version} is already released and {} changed since; raise info.version in {} first",
                spec.name,
                spec.path.display(),
                spec.path.display()
            ));
        }
        let crates = release_crates(root, spec, &version)?;
        return Ok(format!(
            "{} {version} is released already (kept as it is); {crates}",
            spec.name
        ));
    }
    let mut verdict = "first release".to_string();
    if let Some((last, released)) = latest(root, &spec.name)? {
        let findings = classify(&released.doc, &spec.doc);
        verdict = check_version(&last, &version, &findings).map_err(|why| {
            let details: Vec<String> = findings.iter().map(|f| format!("  - {f}")).collect();
            format!("{}: {why}\n{}", spec.name, details.join("\n"))
        })?;
    }
    let crates = release_crates(root, spec, &version)?;
    let absolute = root.join(&target);
    if let Some(dir) = absolute.parent() {
        std::fs::create_dir_all(dir)
            .map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    }
    std::fs::write(&absolute, &text)
        .map_err(|e| format!("cannot write {}: {e}", target.display()))?;
    crate::release_lock::record(root, &spec.name, &version, &text)?;
    Ok(format!(
        "released {} {version} ({verdict}) → {}, digest recorded in {}; {crates}",
        spec.name,
        target.display(),
        crate::release_lock::lock_file().display()
    ))
}

/// Checks the SDK crate's version (and `sdk-support`'s) for what changed
/// since their last release, then records their public APIs as released.
fn release_crates(root: &Path, spec: &ApiSpec, spec_version: &Version) -> Result<String, String> {
    use crate::crate_semver::{check, package, record, released, support_dir};
    let sdk_dir = spec.sdk_dir();
    let support = support_dir();
    // A spec without an SDK crate in this tree (a test's fixture) has no
    // crate to release.
    if !root.join(&sdk_dir).join("Cargo.toml").exists() {
        return Ok(format!("no SDK crate at {}", sdk_dir.display()));
    }
    let mut failures = Vec::new();
    for (dir, spec) in [(sdk_dir.as_path(), Some(spec)), (support.as_path(), None)] {
        // A crate never released has nothing to be checked against.
        if released(root, dir)?.is_some() {
            failures.extend(check(root, dir, spec));
        }
    }
    if !failures.is_empty() {
        return Err(failures.join("\n"));
    }
    let mut done = vec![record(root, &sdk_dir, Some(spec_version))?];
    let support_moved = match released(root, &support)? {
        Some(last) => package(root, &support)?.1 != last.version,
        None => true,
    };
    if support_moved {
        done.push(record(root, &support, None)?);
    }
    Ok(done.join("; "))
}
