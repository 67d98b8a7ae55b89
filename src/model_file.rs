//! Reading a risk model from disk: the model TOML and the reference CSVs it
//! names (paths relative to the TOML file). The parsing and validation are
//! the pure [`RiskModel::from_sources`]; this module only does the IO.

use std::path::Path;

use crate::risk::RiskModel;

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
