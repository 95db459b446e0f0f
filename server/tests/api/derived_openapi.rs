//! Each API's derived OpenAPI document — what `server openapi <api>` prints,
//! the server's side of the gate's conformance comparison — kept as a
//! snapshot under `server/tests/output/derived-openapi/`, so that a change to
//! an API's Rust types shows in review as a diff of the document it derives.

use std::process::Command;

use server::storage::Api;

#[test]
fn the_derived_document_of_every_api_is_its_snapshot() {
    for &api in Api::ALL {
        let output = Command::new(env!("CARGO_BIN_EXE_server"))
            .args(["openapi", api.name()])
            .output()
            .unwrap_or_else(|e| panic!("cannot run the server: {e}"));
        assert!(
            output.status.success(),
            "server openapi {} failed: {}",
            api.name(),
            String::from_utf8_lossy(&output.stderr)
        );
        let document = String::from_utf8(output.stdout)
            .unwrap_or_else(|e| panic!("server openapi {} is not UTF-8: {e}", api.name()));
        // Shown only when the comparison below fails.
        eprintln!(
            "{}'s derived document changed. If the change to its types is intended, update \
             the snapshot with `EXPECTORATE=overwrite cargo test -p server --test api \
             derived_openapi`, check `cargo xtask check` still passes, and commit \
             server/tests/output/derived-openapi/.",
            api.name()
        );
        expectorate::assert_contents(
            format!("tests/output/derived-openapi/{}.json", api.name()),
            &document,
        );
    }
}
