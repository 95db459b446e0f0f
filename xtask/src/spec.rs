//! Finding and loading the hand-written specs under `spec/`.
//!
//! Every `spec/<name>.yaml` is one API. `<name>` is the API's short name: it
//! names the SDK crate directory (`sdk/<name>/`) and appears in every message
//! the gate prints, so adding a sixth API is adding a sixth file here.

use std::path::{Path, PathBuf};

use serde_json::Value;

/// One hand-written spec, parsed.
#[derive(Clone, Debug)]
pub struct ApiSpec {
    /// The file stem, e.g. `cl2c`.
    pub name: String,
    /// Path relative to the workspace root, e.g. `spec/cl2c.yaml`; used in
    /// messages so that they read the same on every machine.
    pub path: PathBuf,
    /// The document as JSON, the common form every check works on.
    pub doc: Value,
}

impl ApiSpec {
    /// Parses a spec from YAML text. `path` is only used in messages.
    pub fn from_yaml(name: &str, path: &Path, text: &str) -> Result<Self, String> {
        let doc: Value = serde_saphyr::from_str(text)
            .map_err(|e| format!("{}: not valid YAML: {e}", path.display()))?;
        Ok(ApiSpec {
            name: name.to_string(),
            path: path.to_path_buf(),
            doc,
        })
    }

    /// `info.version`, if present.
    pub fn version(&self) -> Option<&str> {
        self.doc.pointer("/info/version").and_then(Value::as_str)
    }

    /// The directory of this API's SDK crate, relative to the workspace root.
    pub fn sdk_dir(&self) -> PathBuf {
        Path::new("sdk").join(&self.name)
    }

    /// The checked-in generated client, relative to the workspace root.
    pub fn generated_file(&self) -> PathBuf {
        self.sdk_dir().join("src").join(GENERATED_FILE_NAME)
    }

    /// A label for messages: `cl2c (spec/cl2c.yaml)`.
    pub fn label(&self) -> String {
        format!("{} ({})", self.name, self.path.display())
    }
}

/// Name of the generated file inside each SDK crate's `src/`.
pub const GENERATED_FILE_NAME: &str = "generated_sdk.rs";

/// Loads every `spec/*.yaml` under `root`, sorted by name so that output is
/// the same on every run.
pub fn discover(root: &Path) -> Result<Vec<ApiSpec>, String> {
    let dir = root.join("spec");
    let entries =
        std::fs::read_dir(&dir).map_err(|e| format!("cannot list {}: {e}", dir.display()))?;
    let mut paths = Vec::new();
    for entry in entries {
        let path = entry
            .map_err(|e| format!("cannot list {}: {e}", dir.display()))?
            .path();
        if path.extension().is_some_and(|ext| ext == "yaml") {
            paths.push(path);
        }
    }
    paths.sort();
    if paths.is_empty() {
        return Err(format!("no spec/*.yaml files under {}", root.display()));
    }
    paths
        .iter()
        .map(|path| {
            let name = path
                .file_stem()
                .and_then(|s| s.to_str())
                .ok_or_else(|| format!("{}: file name is not UTF-8", path.display()))?;
            if !name
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
            {
                return Err(format!(
                    "{}: a spec's file name becomes its crate name; use lowercase letters, digits and '-'",
                    path.display()
                ));
            }
            let text = std::fs::read_to_string(path)
                .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
            let relative = Path::new("spec").join(format!("{name}.yaml"));
            ApiSpec::from_yaml(name, &relative, &text)
        })
        .collect()
}

/// A problem found in a spec, located by JSON pointer.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Problem {
    pub pointer: String,
    pub message: String,
}

impl Problem {
    pub fn new(pointer: impl Into<String>, message: impl Into<String>) -> Self {
        Problem {
            pointer: pointer.into(),
            message: message.into(),
        }
    }
}
