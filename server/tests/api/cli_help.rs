//! The `server` command's help, as a user reads it, kept as snapshots under
//! `server/tests/output/help/` so that a changed flag or wording shows as a
//! diff in review. Every subcommand's help is checked, found by reading the
//! `Commands:` list of its parent's help, so a new subcommand gets its own
//! snapshot without a change here.

use std::process::Command;

/// How to accept an intended change, printed with a failing comparison.
const UPDATE: &str = "The CLI's help changed. If the change is intended (a new flag, a \
                      reworded help line), update the snapshots with \
                      `EXPECTORATE=overwrite cargo test -p server --test api cli_help` \
                      and commit server/tests/output/help/.";

/// `server <words…> --help`, as printed.
fn help(words: &[String]) -> String {
    let output = Command::new(env!("CARGO_BIN_EXE_server"))
        .args(words)
        .arg("--help")
        .output()
        .unwrap_or_else(|e| panic!("cannot run the server: {e}"));
    assert!(
        output.status.success(),
        "server {} --help failed: {}",
        words.join(" "),
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).unwrap_or_else(|e| panic!("help is not UTF-8: {e}"))
}

/// The subcommands a help text lists under `Commands:`, without `help`.
fn subcommands(help: &str) -> Vec<String> {
    help.lines()
        .skip_while(|line| *line != "Commands:")
        .skip(1)
        .take_while(|line| !line.is_empty())
        // A subcommand's line starts with two spaces; a description
        // continued on the next line is indented further.
        .filter(|line| line.starts_with("  ") && !line.starts_with("   "))
        .filter_map(|line| line.split_whitespace().next())
        .filter(|name| *name != "help")
        .map(str::to_string)
        .collect()
}

#[test]
fn the_help_of_every_command_is_its_snapshot() {
    // Shown only when a comparison below fails.
    eprintln!("{UPDATE}");
    let mut pending = vec![Vec::<String>::new()];
    let mut checked = Vec::new();
    while let Some(words) = pending.pop() {
        let text = help(&words);
        for sub in subcommands(&text) {
            pending.push(words.iter().cloned().chain([sub]).collect());
        }
        let name = std::iter::once("server".to_string())
            .chain(words.iter().cloned())
            .collect::<Vec<_>>()
            .join("-");
        expectorate::assert_contents(format!("tests/output/help/{name}.txt"), &text);
        checked.push(name);
    }
    // The walk found the commands the README documents, not only the top.
    for expected in [
        "server",
        "server-serve",
        "server-openapi",
        "server-user-add",
    ] {
        assert!(
            checked.iter().any(|name| name == expected),
            "no help for {expected}: {checked:?}"
        );
    }
}
