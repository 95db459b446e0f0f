//! The situation of a shared target directory, at process level: the xtask
//! binary cargo already built from this tree is run inside a second copy of
//! the repository whose spec has drifted from its generated code. Before the
//! workspace was found at run time, that binary checked *this* tree and
//! passed; now it refuses, naming both trees, and exits non-zero.
//!
//! Building a real second copy would build the workspace twice in CI; the
//! binary cargo reuses across copies is exactly this one, so running it in a
//! second tree is the same situation at no build cost.

use std::path::{Path, PathBuf};
use std::process::Command;

/// A second tree: a workspace manifest, a drifted spec and a stale
/// generated file, removed when dropped.
struct SecondTree(PathBuf);

impl SecondTree {
    fn new() -> Self {
        let dir = std::env::temp_dir().join(format!("xtask-second-tree-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let write = |relative: &str, text: &str| {
            let path = dir.join(relative);
            if let Some(parent) = path.parent() {
                std::fs::create_dir_all(parent).unwrap_or_else(|e| panic!("{relative}: {e}"));
            }
            std::fs::write(&path, text).unwrap_or_else(|e| panic!("{relative}: {e}"));
        };
        let here = Path::new(env!("CARGO_MANIFEST_DIR"))
            .parent()
            .unwrap_or_else(|| panic!("xtask has a parent directory"));
        let read = |relative: &str| {
            std::fs::read_to_string(here.join(relative))
                .unwrap_or_else(|e| panic!("{relative}: {e}"))
        };
        write(
            "Cargo.toml",
            "[workspace]\nresolver = \"3\"\nmembers = [\"xtask\"]\n",
        );
        write(
            "spec/zitadel.yaml",
            &read("spec/zitadel.yaml").replacen("maxLength: 200", "maxLength: 100", 1),
        );
        write(
            "sdk/zitadel/src/generated_sdk.rs",
            &read("sdk/zitadel/src/generated_sdk.rs"),
        );
        SecondTree(dir)
    }
}

impl Drop for SecondTree {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

#[test]
fn check_in_a_second_tree_refuses_instead_of_reading_the_first() {
    let second = SecondTree::new();
    let output = Command::new(env!("CARGO_BIN_EXE_xtask"))
        .arg("check")
        .current_dir(second.0.join("spec"))
        .output()
        .unwrap_or_else(|e| panic!("cannot run the xtask binary: {e}"));
    let stderr = String::from_utf8_lossy(&output.stderr);
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(!output.status.success(), "it passed:\n{stdout}{stderr}");
    assert!(
        !stdout.contains("specs pass"),
        "it checked some tree:\n{stdout}"
    );
    assert!(
        stderr.contains(&second.0.display().to_string())
            && stderr.contains("was compiled from")
            && stderr.contains("Nothing was checked"),
        "{stderr}"
    );
}
