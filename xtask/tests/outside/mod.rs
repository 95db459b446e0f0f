//! What the tests that build something outside this workspace share
//! (`new_api.rs`: a copy of the repository with a sixth API;
//! `user_project.rs`: an SDK user's project): where the repository is, and
//! running cargo there as a user would, into a target directory of the
//! test's own.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// The repository this test was built from.
pub fn here() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap_or_else(|| panic!("xtask has a parent directory"))
        .to_path_buf()
}

/// `cargo <args>` in `dir`, building into `target`, with the environment a
/// user's cargo has rather than the one this test's own build was given.
pub fn cargo(dir: &Path, target: &Path, args: &[&str]) -> Output {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_string());
    Command::new(cargo)
        .args(args)
        .current_dir(dir)
        .env("CARGO_TARGET_DIR", target)
        // Test names are read from the output, which a quiet cargo would
        // reduce to dots.
        .env("CARGO_TERM_QUIET", "false")
        // What the outer build was given for itself (coverage, its flags,
        // its wrapper), not what a user's build has.
        .env_remove("CARGO_ENCODED_RUSTFLAGS")
        .env_remove("CARGO_BUILD_BUILD_DIR")
        .env_remove("LLVM_PROFILE_FILE")
        .env_remove("CARGO_MANIFEST_DIR")
        .env_remove("RUSTC_WRAPPER")
        .output()
        .unwrap_or_else(|e| panic!("cargo {args:?}: {e}"))
}

/// What `output` printed, standard output then standard error.
pub fn text(output: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}
