//! `cargo xtask new-api` on a spec the project has never seen
//! (`xtask/fixtures/new-api/acme.yaml`), the way an API designer runs it,
//! in a copy of this repository: the scaffold, a build of the whole
//! workspace, the new API's own server test, and the gate. The scaffold's
//! output and the gate's report of what is left are snapshots
//! (`xtask/tests/output/`, `EXPECTORATE=overwrite` to update them).
//!
//! The copy builds into `target/new-api/target`, kept between runs so that a
//! second run builds only what changed; the first run builds the workspace
//! once more (a few minutes on two cores).

mod outside;

use std::path::{Path, PathBuf};
use std::process::Command;

use outside::{cargo, here, text};

/// The repository's files (tracked, and new ones not ignored), relative.
fn repository_files(root: &Path) -> Vec<PathBuf> {
    let output = Command::new("git")
        .args([
            "ls-files",
            "--cached",
            "--others",
            "--exclude-standard",
            "-z",
        ])
        .current_dir(root)
        .output()
        .unwrap_or_else(|e| panic!("git ls-files: {e}"));
    assert!(output.status.success(), "git ls-files: {output:?}");
    output
        .stdout
        .split(|b| *b == 0)
        .filter(|name| !name.is_empty())
        .map(|name| PathBuf::from(String::from_utf8_lossy(name).into_owned()))
        .filter(|path| here().join(path).is_file())
        .collect()
}

/// `text` without what changes from run to run: timings, and where the
/// repository is.
fn stable(text: &str) -> String {
    without_timings(text).replace(&here().display().to_string(), "<repository>")
}

/// `text` with every "N ms" as "<n> ms".
fn without_timings(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut digits = String::new();
    let mut rest = text;
    while let Some(c) = rest.chars().next() {
        rest = &rest[c.len_utf8()..];
        if c.is_ascii_digit() {
            digits.push(c);
            continue;
        }
        if !digits.is_empty() {
            if c == ' ' && rest.starts_with("ms") {
                out.push_str("<n>");
            } else {
                out.push_str(&digits);
            }
            digits.clear();
        }
        out.push(c);
    }
    out.push_str(&digits);
    out
}

/// The files of `files` whose bytes differ between `here` and `tree`.
fn changed(files: &[PathBuf], here: &Path, tree: &Path) -> Vec<String> {
    files
        .iter()
        .filter(|path| std::fs::read(here.join(path)).ok() != std::fs::read(tree.join(path)).ok())
        .map(|path| path.display().to_string())
        .collect()
}

#[test]
fn a_new_api_from_its_spec_builds_and_the_gate_names_what_is_left() {
    let here = here();
    let work = here.join("target").join("new-api");
    let tree = work.join("tree");
    let target = work.join("target");
    let _ = std::fs::remove_dir_all(&tree);
    let files = repository_files(&here);
    for path in &files {
        let to = tree.join(path);
        if let Some(dir) = to.parent() {
            std::fs::create_dir_all(dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
        }
        std::fs::copy(here.join(path), &to).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    }
    std::fs::copy(
        here.join("xtask/fixtures/new-api/acme.yaml"),
        tree.join("spec/acme.yaml"),
    )
    .unwrap_or_else(|e| panic!("the fixture: {e}"));

    let scaffolded = cargo(&tree, &target, &["xtask", "new-api", "acme"]);
    assert!(scaffolded.status.success(), "{}", text(&scaffolded));
    expectorate::assert_contents(
        "tests/output/new-api-acme.txt",
        &stable(&String::from_utf8_lossy(&scaffolded.stdout)),
    );
    assert_eq!(
        changed(&files, &here, &tree),
        ["server/src/registry.rs"],
        "the scaffold edits no existing file but the registry"
    );

    let built = cargo(&tree, &target, &["build", "--workspace", "--all-targets"]);
    assert!(built.status.success(), "{}", text(&built));
    let tested = cargo(
        &tree,
        &target,
        &["test", "-p", "server", "--test", "api", "acme::"],
    );
    assert!(tested.status.success(), "{}", text(&tested));
    assert!(
        text(&tested).contains("1 passed"),
        "the new API's own test ran: {}",
        text(&tested)
    );

    let checked = cargo(&tree, &target, &["xtask", "check"]);
    let report = String::from_utf8_lossy(&checked.stdout).into_owned();
    assert!(
        !checked.status.success(),
        "the new API is not done yet:\n{report}"
    );
    expectorate::assert_contents("tests/output/new-api-acme-check.txt", &stable(&report));
    for api in ["ctechnology", "cl2c", "exante", "ctrlhub", "zitadel"] {
        let row = report
            .lines()
            .find(|line| line.starts_with(&format!("{api} ")))
            .unwrap_or_else(|| panic!("no row for {api}:\n{report}"));
        assert!(!row.contains('✗'), "{api} stays green:\n{report}");
    }
    let mut touched = changed(&files, &here, &tree);
    touched.sort();
    assert_eq!(
        touched,
        ["Cargo.lock", "server/src/registry.rs"],
        "a new API touches no existing file but the registry and the lock file"
    );
}
