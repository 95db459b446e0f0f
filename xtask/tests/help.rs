//! `cargo xtask --help`, kept as a snapshot (`xtask/tests/output/help.txt`)
//! so that a new or changed command shows as a diff in review.

use std::process::Command;

#[test]
fn the_help_is_its_snapshot() {
    let output = Command::new(env!("CARGO_BIN_EXE_xtask"))
        .arg("--help")
        .output()
        .unwrap_or_else(|e| panic!("cannot run the xtask: {e}"));
    assert!(
        output.status.success(),
        "cargo xtask --help failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let text =
        String::from_utf8(output.stdout).unwrap_or_else(|e| panic!("the help is not UTF-8: {e}"));
    // Shown only when the comparison below fails.
    eprintln!(
        "cargo xtask --help changed. If the change is intended, update the snapshot with \
         `EXPECTORATE=overwrite cargo test -p xtask --test help` and commit \
         xtask/tests/output/help.txt."
    );
    expectorate::assert_contents("tests/output/help.txt", &text);
}
