//! `cargo xtask docs`: each spec's reference page (the same HTML each API
//! serves at `/docs`) written to `target/docs/<api>.html`, with an index,
//! for reviewing a spec change without a server.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use crate::spec::discover;

/// The directory the pages go to: `$CARGO_TARGET_DIR/docs`, or
/// `target/docs` under `root`.
pub fn docs_dir(root: &Path) -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| root.join("target"))
        .join("docs")
}

/// Writes every page and the index under `dir`; returns the files written.
pub fn write_docs(root: &Path, dir: &Path) -> Result<Vec<PathBuf>, String> {
    let specs = discover(root)?;
    std::fs::create_dir_all(dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    let mut written = Vec::new();
    let mut index = String::from(
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>API references</title>\
         </head><body><h1>API references</h1><ul>",
    );
    for spec in &specs {
        let file = dir.join(format!("{}.html", spec.name));
        std::fs::write(&file, reference::page(&spec.doc))
            .map_err(|e| format!("cannot write {}: {e}", file.display()))?;
        let title = spec
            .doc
            .pointer("/info/title")
            .and_then(serde_json::Value::as_str)
            .unwrap_or(&spec.name);
        let _ = write!(
            index,
            "<li><a href=\"{}.html\">{}</a> {}</li>",
            spec.name,
            reference::escape(title),
            reference::escape(spec.version().unwrap_or_default())
        );
        written.push(file);
    }
    index.push_str("</ul></body></html>\n");
    let file = dir.join("index.html");
    std::fs::write(&file, index).map_err(|e| format!("cannot write {}: {e}", file.display()))?;
    written.push(file);
    Ok(written)
}
