//! Released snapshots are immutable: a digest of each, recorded when
//! `cargo xtask release` freezes it, and its text as first committed.
//!
//! What is frozen is the document: everything after the snapshot's header,
//! the block of comment lines it opens with. The header says where the spec
//! came from, and such a note can need rewording after a release (a source
//! renamed or moved) without the API changing; a comment anywhere after the
//! first line of YAML stays frozen with the document.
//!
//! Without this, editing a snapshot together with the working spec (say,
//! narrowing a `maxLength` in both) makes the change invisible to the
//! classifier and ships a breaking change under the old version. Two checks
//! close that, as dropshot-api-manager does for its blessed versions:
//! - `spec/released/released.lock` holds one line per snapshot,
//!   `<api> <version> sha256:<hex>`; a snapshot whose text no longer has its
//!   digest, a snapshot without a line, and a line without a snapshot fail.
//! - Where git history is available, each snapshot's text must be the text
//!   of the commit that added it, so rewriting the lock file as well does not
//!   help either. The difference is classified, so the message says what
//!   changed. A snapshot not yet committed, a shallow clone's boundary and a
//!   tree without git are covered by the lock alone.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;

use semver::Version;
use sha2::{Digest, Sha256};

use crate::compat::classify;
use crate::release::released_dir;
use crate::spec::ApiSpec;

/// The lock file, relative to the workspace root.
pub fn lock_file() -> PathBuf {
    Path::new("spec").join("released").join("released.lock")
}

const HEADER: &str = "# The SHA-256 of each released snapshot after its opening comment lines, written by\n\
# `cargo xtask release`.\n\
# A released version is immutable: never edit a snapshot's document or this file by hand.\n";

/// The part of a snapshot's text that is frozen: all of it after the
/// comment lines it opens with.
pub fn frozen(text: &str) -> &str {
    let mut rest = text;
    while rest.starts_with('#') {
        rest = match rest.find('\n') {
            Some(end) => &rest[end + 1..],
            None => "",
        };
    }
    rest
}

/// `sha256:<hex>` of a snapshot's frozen part (see [`frozen`]).
pub fn digest(text: &str) -> String {
    let hash = Sha256::digest(frozen(text).as_bytes());
    let mut out = String::from("sha256:");
    for byte in hash {
        let _ = write!(out, "{byte:02x}");
    }
    out
}

/// The lock's entries: `(api, version)` → digest.
pub type Lock = BTreeMap<(String, Version), String>;

/// Parses the lock file's text.
pub fn parse(text: &str) -> Result<Lock, String> {
    let mut lock = Lock::new();
    for (index, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let fields: Vec<&str> = line.split_whitespace().collect();
        let [api, version, digest] = fields.as_slice() else {
            return Err(format!(
                "{}:{}: expected `<api> <version> sha256:<hex>`",
                lock_file().display(),
                index + 1
            ));
        };
        let version = Version::parse(version)
            .map_err(|e| format!("{}:{}: {e}", lock_file().display(), index + 1))?;
        lock.insert((api.to_string(), version), digest.to_string());
    }
    Ok(lock)
}

/// The lock file's text for `lock`, sorted so that it diffs well.
pub fn render(lock: &Lock) -> String {
    let mut out = HEADER.to_string();
    for ((api, version), digest) in lock {
        let _ = writeln!(out, "{api} {version} {digest}");
    }
    out
}

/// Reads the lock file under `root` (empty when there is none).
pub fn read(root: &Path) -> Result<Lock, String> {
    match std::fs::read_to_string(root.join(lock_file())) {
        Ok(text) => parse(&text),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Lock::new()),
        Err(e) => Err(format!("cannot read {}: {e}", lock_file().display())),
    }
}

/// Records `api` `version`'s snapshot text in the lock file under `root`.
pub fn record(root: &Path, api: &str, version: &Version, text: &str) -> Result<(), String> {
    let mut lock = read(root)?;
    lock.insert((api.to_string(), version.clone()), digest(text));
    std::fs::write(root.join(lock_file()), render(&lock))
        .map_err(|e| format!("cannot write {}: {e}", lock_file().display()))
}

/// One snapshot against its lock entry and, when known, its text as first
/// committed. Every failure names the snapshot file.
pub fn verify_snapshot(
    api: &str,
    version: &Version,
    text: &str,
    locked: Option<&str>,
    committed: Option<&str>,
) -> Vec<String> {
    let file = released_dir(api).join(format!("{version}.yaml"));
    let mut failures = Vec::new();
    let now = digest(text);
    match locked {
        None => failures.push(format!(
            "{} has no digest in {}: a snapshot is written by `cargo xtask release`, which \
             records it",
            file.display(),
            lock_file().display()
        )),
        Some(locked) if locked != now => failures.push(format!(
            "{} changed after it was released ({} records {locked}, the file is {now}): a \
             released version is immutable; restore the file and release a new version instead",
            file.display(),
            lock_file().display()
        )),
        Some(_) => {}
    }
    if let Some(committed) = committed
        && frozen(committed) != frozen(text)
    {
        let mut line = format!(
            "{} differs from the text first committed for {api} {version} in git: a released \
             version is immutable; restore it (`git log --diff-filter=A -- {}`)",
            file.display(),
            file.display()
        );
        let before = ApiSpec::from_yaml(api, &file, committed).map(|s| s.doc);
        let after = ApiSpec::from_yaml(api, &file, text).map(|s| s.doc);
        if let (Ok(before), Ok(after)) = (before, after) {
            let changes = classify(&before, &after);
            if changes.is_empty() {
                line.push_str("; the change is in layout or comments only");
            } else {
                line.push_str("; what changed:");
                for change in changes {
                    let _ = write!(line, "\n    {change}");
                }
            }
        }
        failures.push(line);
    }
    failures
}

/// Each snapshot's text as first committed, by path relative to `root`:
/// empty when git or its history is not available.
pub fn committed_snapshots(root: &Path) -> BTreeMap<PathBuf, String> {
    let mut out = BTreeMap::new();
    let Some(log) = git(
        root,
        &[
            "log",
            "--diff-filter=A",
            "--format=commit %H",
            "--name-only",
            "--",
            "spec/released",
        ],
    ) else {
        return out;
    };
    // The log runs newest first; the last commit naming a file is the one
    // that added it first.
    let mut added: BTreeMap<String, String> = BTreeMap::new();
    let mut commit = "";
    for line in log.lines() {
        if let Some(hash) = line.strip_prefix("commit ") {
            commit = hash;
        } else if line.ends_with(".yaml") {
            added.insert(line.to_string(), commit.to_string());
        }
    }
    for (path, commit) in added {
        if let Some(text) = git(root, &["show", &format!("{commit}:{path}")]) {
            out.insert(PathBuf::from(path), text);
        }
    }
    out
}

fn git(root: &Path, args: &[&str]) -> Option<String> {
    let output = Command::new("git")
        .args(args)
        .current_dir(root)
        .output()
        .ok()?;
    if !output.status.success() {
        return None;
    }
    String::from_utf8(output.stdout).ok()
}

/// Every snapshot of `api` under `root` against the lock and the history,
/// and every lock line of `api` without a snapshot.
pub fn verify_api(
    root: &Path,
    api: &str,
    lock: &Lock,
    committed: &BTreeMap<PathBuf, String>,
) -> Vec<String> {
    let mut failures = Vec::new();
    let versions = match crate::release::released_versions(root, api) {
        Ok(versions) => versions,
        Err(e) => return vec![e],
    };
    for version in &versions {
        let relative = released_dir(api).join(format!("{version}.yaml"));
        match std::fs::read_to_string(root.join(&relative)) {
            Ok(text) => failures.extend(verify_snapshot(
                api,
                version,
                &text,
                lock.get(&(api.to_string(), version.clone()))
                    .map(String::as_str),
                committed.get(&relative).map(String::as_str),
            )),
            Err(e) => failures.push(format!("cannot read {}: {e}", relative.display())),
        }
    }
    for (locked_api, version) in lock.keys() {
        if locked_api == api && !versions.contains(version) {
            failures.push(format!(
                "{} records {api} {version}, but {} does not exist: a released version is never \
                 removed",
                lock_file().display(),
                released_dir(api).join(format!("{version}.yaml")).display()
            ));
        }
    }
    failures
}
