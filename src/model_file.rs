//! Reading a risk model from disk: the model TOML and the reference CSVs it
//! names (paths relative to the TOML file). The parsing and validation are
//! the pure [`RiskModel::from_sources`]; this module only does the IO.

use std::path::Path;

use crate::risk::RiskModel;

/// Model frm-1.0 as shipped in `fixtures/`, built into the binary so it runs
/// from any directory.
const BUILTIN_MODEL: &str = include_str!("../fixtures/models/frm-1.0.toml");
const BUILTIN_FLAGS: &str = include_str!("../fixtures/reference/flag-performance.csv");
const BUILTIN_CLASS_SOCIETIES: &str =
    include_str!("../fixtures/reference/class-society-performance.csv");

/// The built-in model (`MODEL_PATH` unset).
pub fn builtin_model() -> RiskModel {
    RiskModel::from_sources(BUILTIN_MODEL, BUILTIN_FLAGS, BUILTIN_CLASS_SOCIETIES)
        .expect("the built-in model file is valid")
}

/// The model file (`path`, or the built-in one) as JSON, for `GET /model`.
pub fn model_document(path: Option<&Path>) -> Result<serde_json::Value, String> {
    let text = match path {
        None => BUILTIN_MODEL.to_string(),
        Some(path) => std::fs::read_to_string(path)
            .map_err(|e| format!("cannot read {}: {e}", path.display()))?,
    };
    let document: toml::Table = toml::from_str(&text).map_err(|e| e.to_string())?;
    serde_json::to_value(document).map_err(|e| e.to_string())
}

/// The model at `path`, or the built-in one.
pub fn configured_model(path: Option<&Path>) -> Result<RiskModel, String> {
    match path {
        None => Ok(builtin_model()),
        Some(path) => load_model(path),
    }
}

/// Loads and validates the model at `path`; the error names the file or the problem.
pub fn load_model(path: &Path) -> Result<RiskModel, String> {
    let read = |p: &Path| {
        std::fs::read_to_string(p).map_err(|e| format!("cannot read {}: {e}", p.display()))
    };
    let model_toml = read(path)?;
    let base = path.parent().unwrap_or_else(|| Path::new("."));
    let files =
        RiskModel::reference_files(&model_toml).map_err(|e| format!("{}: {e}", path.display()))?;
    let flags = read(&base.join(&files.flags))?;
    let classes = read(&base.join(&files.class_societies))?;
    RiskModel::from_sources(&model_toml, &flags, &classes)
        .map_err(|e| format!("{}: {e}", path.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_builtin_model_is_the_fixture_file() {
        let from_disk = load_model(Path::new(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/fixtures/models/frm-1.0.toml"
        )))
        .unwrap();
        assert_eq!(builtin_model().version(), from_disk.version());
        assert_eq!(builtin_model().version().as_str(), "frm-1.0");
    }

    #[test]
    fn a_missing_file_is_named() {
        let error = load_model(Path::new("/nonexistent/model.toml")).unwrap_err();
        assert!(error.contains("/nonexistent/model.toml"), "{error}");
    }
}
