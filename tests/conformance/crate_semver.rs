//! Each SDK crate's own version (`xtask/src/crate_semver.rs`): its public
//! Rust API listed and checked in, a breaking change without a major bump
//! refused, and every dependency line in the docs naming the crate's
//! current version and the workspace's repository.

use std::path::{Path, PathBuf};

use xtask::crate_semver::{check, current_file, listing, support_dir};
use xtask::spec::ApiSpec;

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_else(|| panic!("the conformance crate has no parent directory"))
}

const SDKS: [&str; 5] = ["cl2c", "ctechnology", "ctrlhub", "exante", "zitadel"];

fn crate_dirs() -> Vec<PathBuf> {
    SDKS.iter()
        .map(|api| Path::new("sdk").join(api))
        .chain([support_dir()])
        .collect()
}

/// A review shows every change to a crate's public Rust API as a diff of
/// `public-api.txt` (`EXPECTORATE=overwrite` updates it).
#[test]
fn each_crates_public_api_listing_is_checked_in() {
    let root = root();
    for dir in crate_dirs() {
        let listed = listing(&root, &dir).unwrap_or_else(|e| panic!("{e}"));
        expectorate::assert_contents(root.join(current_file(&dir)), &listed);
    }
}

/// A scratch copy of what the crate check reads for ZITADEL: the SDK and
/// sdk-support sources and manifests, their released listings, the spec
/// and its released snapshot.
struct Scratch(PathBuf);

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn copy_tree(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap_or_else(|e| panic!("{}: {e}", to.display()));
    for entry in std::fs::read_dir(from).unwrap_or_else(|e| panic!("{}: {e}", from.display())) {
        let path = entry.unwrap_or_else(|e| panic!("{e}")).path();
        let target = to.join(path.file_name().unwrap_or_default());
        if path.is_dir() {
            copy_tree(&path, &target);
        } else {
            std::fs::copy(&path, &target).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        }
    }
}

fn scratch() -> (Scratch, ApiSpec) {
    let root = root();
    let dir = std::env::temp_dir().join(format!("crate-semver-{}", uuid::Uuid::new_v4()));
    for part in ["sdk/zitadel/src", "sdk/support/src"] {
        copy_tree(&root.join(part), &dir.join(part));
    }
    for file in [
        "sdk/zitadel/Cargo.toml",
        "sdk/zitadel/public-api.released.txt",
        "sdk/support/Cargo.toml",
        "sdk/support/public-api.released.txt",
        "spec/zitadel.yaml",
        "spec/released/zitadel/1.0.0.yaml",
    ] {
        if let Some(parent) = dir.join(file).parent() {
            std::fs::create_dir_all(parent).unwrap_or_else(|e| panic!("{e}"));
        }
        std::fs::copy(root.join(file), dir.join(file)).unwrap_or_else(|e| panic!("{file}: {e}"));
    }
    let text =
        std::fs::read_to_string(dir.join("spec/zitadel.yaml")).unwrap_or_else(|e| panic!("{e}"));
    let spec = ApiSpec::from_yaml("zitadel", Path::new("spec/zitadel.yaml"), &text)
        .unwrap_or_else(|e| panic!("{e}"));
    (Scratch(dir), spec)
}

fn edit(root: &Path, file: &str, from: &str, to: &str) {
    let path = root.join(file);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{e}"));
    assert!(text.contains(from), "{file} has no {from:?}");
    std::fs::write(&path, text.replacen(from, to, 1)).unwrap_or_else(|e| panic!("{e}"));
}

fn set_version(root: &Path, file: &str, version: &str) {
    let path = root.join(file);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{e}"));
    let old = xtask::gate::package_version(&text).unwrap_or_else(|| panic!("no version"));
    edit(
        root,
        file,
        &format!("version = \"{old}\""),
        &format!("version = \"{version}\""),
    );
}

const ZITADEL: &str = "sdk/zitadel";

#[test]
fn the_released_crates_pass_their_own_check() {
    let (scratch, spec) = scratch();
    let failures = check(&scratch.0, Path::new(ZITADEL), Some(&spec));
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    let failures = check(&scratch.0, &support_dir(), None);
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn a_removed_public_function_without_a_major_bump_fails_naming_it() {
    let (scratch, spec) = scratch();
    edit(
        &scratch.0,
        "sdk/zitadel/src/auth.rs",
        "pub fn from_env()",
        "fn from_env()",
    );
    set_version(&scratch.0, "sdk/zitadel/Cargo.toml", "3.1.0");
    let failure = check(&scratch.0, Path::new(ZITADEL), Some(&spec)).join("\n");
    assert!(
        failure.contains("zitadel-sdk 3.0.0 → 3.1.0 is not enough")
            && failure.contains("at least 4.0.0")
            && failure.contains(
                "Rust API removed or changed: crate::auth: impl Credentials :: fn from_env()"
            ),
        "{failure}"
    );
    set_version(&scratch.0, "sdk/zitadel/Cargo.toml", "4.0.0");
    let failures = check(&scratch.0, Path::new(ZITADEL), Some(&spec));
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn a_breaking_change_in_sdk_support_needs_a_major_bump_of_every_sdk() {
    let (scratch, spec) = scratch();
    edit(
        &scratch.0,
        "sdk/support/src/error.rs",
        "pub fn retry_after(&self)",
        "pub fn retry_after_seconds(&self)",
    );
    let failure = check(&scratch.0, Path::new(ZITADEL), Some(&spec)).join("\n");
    assert!(
        failure.contains("a breaking release") && failure.contains("retry_after"),
        "{failure}"
    );
    let failure = check(&scratch.0, &support_dir(), None).join("\n");
    assert!(
        failure.contains("sdk-support 0.2.0 → 0.2.0 is not enough"),
        "{failure}"
    );
}

#[test]
fn an_added_method_needs_a_minor_bump() {
    let (scratch, spec) = scratch();
    edit(
        &scratch.0,
        "sdk/zitadel/src/auth.rs",
        "impl sdk_support::Authenticate for Credentials {",
        "impl Credentials {\n    pub fn scheme(&self) -> &'static str {\n        self.0.scheme()\n    }\n}\n\nimpl sdk_support::Authenticate for Credentials {",
    );
    let failure = check(&scratch.0, Path::new(ZITADEL), Some(&spec)).join("\n");
    assert!(
        failure.contains("a feature release") && failure.contains("Rust API added"),
        "{failure}"
    );
    set_version(&scratch.0, "sdk/zitadel/Cargo.toml", "3.1.0");
    let failures = check(&scratch.0, Path::new(ZITADEL), Some(&spec));
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn a_breaking_spec_change_needs_a_major_crate_release_too() {
    let (scratch, _) = scratch();
    edit(
        &scratch.0,
        "spec/zitadel.yaml",
        "maxLength: 200",
        "maxLength: 100",
    );
    let text = std::fs::read_to_string(scratch.0.join("spec/zitadel.yaml"))
        .unwrap_or_else(|e| panic!("{e}"));
    let spec = ApiSpec::from_yaml("zitadel", Path::new("spec/zitadel.yaml"), &text)
        .unwrap_or_else(|e| panic!("{e}"));
    let failure = check(&scratch.0, Path::new(ZITADEL), Some(&spec)).join("\n");
    assert!(
        failure.contains("a breaking release") && failure.contains("spec /"),
        "{failure}"
    );
}

#[test]
fn the_crate_states_the_spec_version_it_implements() {
    let (scratch, spec) = scratch();
    edit(
        &scratch.0,
        "sdk/zitadel/src/lib.rs",
        "pub const SPEC_VERSION: &str = \"1.0.0\";",
        "pub const SPEC_VERSION: &str = \"0.9.0\";",
    );
    let failure = check(&scratch.0, Path::new(ZITADEL), Some(&spec)).join("\n");
    assert!(
        failure.contains("must state the spec version it implements")
            && failure.contains("pub const SPEC_VERSION: &str = \"1.0.0\";"),
        "{failure}"
    );
}

/// Every `git` dependency line in the docs points at the workspace's
/// `repository` and at a tag of the crate's current version, so a version
/// bump that forgets a doc fails here.
#[test]
fn every_dependency_line_names_the_repository_and_the_current_version() {
    let root = root();
    let workspace =
        std::fs::read_to_string(root.join("Cargo.toml")).unwrap_or_else(|e| panic!("{e}"));
    let repository = workspace
        .lines()
        .find_map(|l| l.strip_prefix("repository = \""))
        .and_then(|l| l.strip_suffix('"'))
        .unwrap_or_else(|| panic!("the workspace has no repository"));
    let mut files: Vec<PathBuf> = vec![
        "README.md".into(),
        "docs/sdk.md".into(),
        "server/test-server/src/lib.rs".into(),
    ];
    for api in SDKS {
        files.push(Path::new("sdk").join(api).join("README.md"));
        files.push(Path::new("sdk").join(api).join("src/lib.rs"));
    }
    let mut seen = 0;
    for file in files {
        let text = std::fs::read_to_string(root.join(&file))
            .unwrap_or_else(|e| panic!("{}: {e}", file.display()));
        for line in text.lines().filter(|l| l.contains("git = ")) {
            seen += 1;
            assert!(
                line.contains(&format!("git = \"{repository}\"")),
                "{}: {line}",
                file.display()
            );
            let tag = line
                .split("tag = \"")
                .nth(1)
                .and_then(|rest| rest.split('"').next())
                .unwrap_or_else(|| panic!("{}: no tag in {line}", file.display()));
            let (package, version) = tag.rsplit_once("-v").unwrap_or_else(|| {
                panic!("{}: tag {tag} is not <crate>-v<version>", file.display())
            });
            let dir = SDKS
                .iter()
                .find(|api| format!("{api}-sdk") == package)
                .map(|api| Path::new("sdk").join(api))
                .unwrap_or_else(|| panic!("{}: tag {tag} names no SDK crate", file.display()));
            let (_, current) =
                xtask::crate_semver::package(&root, &dir).unwrap_or_else(|e| panic!("{e}"));
            assert_eq!(version, current.to_string(), "{}: {line}", file.display());
        }
    }
    assert!(seen >= 15, "only {seen} dependency lines found");
}
