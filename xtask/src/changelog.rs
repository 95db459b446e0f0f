//! `cargo xtask changelog <api> [--from V] [--to V|working]`: what changed
//! between two versions of a spec, as the Markdown an API designer pastes
//! into release notes.
//!
//! It is the classifier's findings (`compat::classify`), grouped by class
//! (breaking, breaking for the Rust SDK, compatible, documentation), each
//! with its JSON pointer and sentence, under a heading that names both
//! versions and the release the changes need. `--from` defaults to the
//! latest release before `--to`; `--to` defaults to the working spec, and
//! then the SDK crate's public Rust API changes since its release follow
//! ([`crate::crate_semver::changelog`]).

use std::fmt::Write as _;
use std::path::Path;

use semver::Version;

use crate::compat::{Bump, Class, Finding, classify, required_bump};
use crate::release::{released_dir, released_versions};
use crate::spec::ApiSpec;

/// The Markdown changelog of the change from `old` to `new`.
pub fn render(title: &str, from: &str, to: &str, findings: &[Finding]) -> String {
    let mut out = format!("## {title} {from} → {to}\n\n");
    let need = match required_bump(findings) {
        Bump::Major => "a breaking (major) release",
        Bump::Minor => "a feature (minor) release",
        Bump::None if findings.is_empty() => "no release: nothing changed",
        Bump::None => "no release (documentation only; a patch is allowed)",
    };
    let _ = writeln!(out, "These changes need {need}.");
    for (class, heading) in [
        (Class::Breaking, "Breaking"),
        (Class::BreakingForSdk, "Breaking for the Rust SDK"),
        (Class::Compatible, "Compatible"),
        (Class::Documentation, "Documentation"),
    ] {
        let in_class: Vec<&Finding> = findings.iter().filter(|f| f.class == class).collect();
        if in_class.is_empty() {
            continue;
        }
        let _ = writeln!(out, "\n### {heading}\n");
        for finding in in_class {
            let _ = writeln!(out, "- `{}`: {}", finding.pointer, finding.message);
        }
    }
    out
}

/// Reads one version of `api`'s spec: `working` is `spec/<api>.yaml`.
fn load(root: &Path, api: &str, version: &str) -> Result<ApiSpec, String> {
    let relative = if version == "working" {
        Path::new("spec").join(format!("{api}.yaml"))
    } else {
        let parsed = Version::parse(version).map_err(|e| format!("{version}: {e}"))?;
        released_dir(api).join(format!("{parsed}.yaml"))
    };
    let text = std::fs::read_to_string(root.join(&relative))
        .map_err(|e| format!("cannot read {}: {e}", relative.display()))?;
    ApiSpec::from_yaml(api, &relative, &text)
}

/// The changelog of `api` under `root` from `from` (default: the latest
/// release before `to`) to `to` (default: `working`).
pub fn changelog(
    root: &Path,
    api: &str,
    from: Option<&str>,
    to: Option<&str>,
) -> Result<String, String> {
    let to = to.unwrap_or("working");
    let versions = released_versions(root, api)?;
    let from = match from {
        Some(from) => from.to_string(),
        None => {
            let before = match to {
                "working" => versions.last(),
                v => {
                    let v = Version::parse(v).map_err(|e| format!("{v}: {e}"))?;
                    versions.iter().rev().find(|r| **r < v)
                }
            };
            before
                .map(Version::to_string)
                .ok_or_else(|| format!("{api} has no release before {to}; give --from"))?
        }
    };
    let old = load(root, api, &from)?;
    let new = load(root, api, to)?;
    let to_label = match to {
        "working" => format!("{} (working spec)", new.version().unwrap_or("?")),
        v => v.to_string(),
    };
    let title = new
        .doc
        .pointer("/info/title")
        .and_then(serde_json::Value::as_str)
        .unwrap_or(api)
        .to_string();
    let mut out = render(&title, &from, &to_label, &classify(&old.doc, &new.doc));
    // The SDK crate's own API since its release, which only the working
    // tree has (a released listing is the latest release's).
    if to == "working" && root.join(new.sdk_dir()).join("Cargo.toml").exists() {
        out.push_str(&crate::crate_semver::changelog(root, &new.sdk_dir())?);
    }
    Ok(out)
}
