//! Which tree the gate reads: found at run time, and refused when it is not
//! the tree this binary was built from.
//!
//! Cargo keys a workspace member's build by its path relative to the
//! workspace, and decides freshness by file modification times. Two copies of
//! the repository sharing one `CARGO_TARGET_DIR` (a CI cache, git worktrees),
//! whose files carry older times than the cached build (`git archive`, cache
//! restores), therefore run the binary built for the *other* copy. A gate
//! that read the tree named at compile time would then check the other
//! copy's files and could pass while this copy drifts. So the tree is found
//! the way cargo finds it, from the current directory, and a binary built
//! from a different tree refuses to run, saying how to rebuild it.

use std::path::{Path, PathBuf};

/// The workspace this binary was compiled from (the parent of the xtask
/// crate's directory at compile time).
pub fn built_from() -> PathBuf {
    let manifest = Path::new(env!("CARGO_MANIFEST_DIR"));
    manifest
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_else(|| manifest.to_path_buf())
}

/// The nearest directory at or above `start` whose `Cargo.toml` declares a
/// `[workspace]`, as cargo looks for it.
pub fn find_root(start: &Path) -> Result<PathBuf, String> {
    for dir in start.ancestors() {
        let manifest = dir.join("Cargo.toml");
        if let Ok(text) = std::fs::read_to_string(&manifest)
            && text.lines().any(|line| line.trim() == "[workspace]")
        {
            return Ok(dir.to_path_buf());
        }
    }
    Err(format!(
        "no Cargo workspace at or above {}; run the xtask inside the repository",
        start.display()
    ))
}

/// Refuses a tree other than the one the binary was built from. Paths are
/// compared after resolving symbolic links, so a link to the same tree is
/// the same tree.
pub fn check_same_tree(built: &Path, found: &Path) -> Result<(), String> {
    let canonical = |p: &Path| std::fs::canonicalize(p).unwrap_or_else(|_| p.to_path_buf());
    if canonical(built) == canonical(found) {
        return Ok(());
    }
    Err(format!(
        "this build of the xtask was compiled from {built} but is running in {found}: cargo \
         reused a build made for another copy of the repository (one CARGO_TARGET_DIR shared \
         by two trees whose files are older than that build), so its checks would read the \
         wrong files. Nothing was checked. Rebuild it for this tree: \
         `touch {found}/xtask/src/lib.rs` (or `cargo clean -p xtask -p conformance`), then run \
         the command again.",
        built = built.display(),
        found = found.display()
    ))
}

/// The workspace to read: found from the current directory, and the one
/// this binary was built from.
pub fn root() -> Result<PathBuf, String> {
    let here =
        std::env::current_dir().map_err(|e| format!("cannot read the current directory: {e}"))?;
    let found = find_root(&here)?;
    check_same_tree(&built_from(), &found)?;
    Ok(found)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A scratch directory removed when dropped.
    struct Scratch(PathBuf);

    impl Scratch {
        fn new(name: &str) -> Self {
            let dir = std::env::temp_dir().join(format!("xtask-{name}-{}", std::process::id()));
            let _ = std::fs::remove_dir_all(&dir);
            std::fs::create_dir_all(dir.join("a/xtask/src"))
                .unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
            Scratch(dir)
        }

        fn write(&self, relative: &str, text: &str) {
            std::fs::write(self.0.join(relative), text)
                .unwrap_or_else(|e| panic!("{relative}: {e}"));
        }
    }

    impl Drop for Scratch {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }

    #[test]
    fn the_root_is_the_nearest_workspace_above_the_current_directory() {
        let scratch = Scratch::new("root");
        scratch.write("a/Cargo.toml", "[workspace]\nmembers = [\"xtask\"]\n");
        scratch.write("a/xtask/Cargo.toml", "[package]\nname = \"xtask\"\n");
        let found = find_root(&scratch.0.join("a/xtask/src")).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(found, scratch.0.join("a"));
    }

    #[test]
    fn a_directory_outside_any_workspace_is_an_error() {
        let scratch = Scratch::new("none");
        // The temporary directory may itself sit inside some workspace on a
        // developer's machine; only the message's form is pinned then.
        if let Err(e) = find_root(&scratch.0.join("a/xtask/src")) {
            assert!(e.contains("no Cargo workspace at or above"), "{e}");
        }
    }

    #[test]
    fn the_tree_it_was_built_from_is_accepted() {
        let built = built_from();
        assert_eq!(check_same_tree(&built, &built), Ok(()));
    }

    #[test]
    fn another_tree_is_refused_naming_both_and_how_to_rebuild() {
        let scratch = Scratch::new("other");
        let other = scratch.0.join("a");
        let Err(refusal) = check_same_tree(&built_from(), &other) else {
            panic!("another tree must be refused");
        };
        assert!(
            refusal.contains(&built_from().display().to_string()),
            "{refusal}"
        );
        assert!(refusal.contains(&other.display().to_string()), "{refusal}");
        assert!(refusal.contains("Nothing was checked"), "{refusal}");
        assert!(refusal.contains("touch"), "{refusal}");
    }
}
