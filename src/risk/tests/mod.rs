//! Engine tests: golden cases computed by hand from the spec, model
//! validation, fleet aggregation by hand, properties, and the reasons as
//! docs/reasons.md words them.

mod fleet_golden;
mod golden;
mod model_validation;
mod properties;
mod reason_wording;

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use super::RiskModel;

pub(crate) fn fixture(relative: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(relative)
}

/// The committed model file, loaded once per test binary.
pub(crate) fn model() -> &'static RiskModel {
    static MODEL: OnceLock<RiskModel> = OnceLock::new();
    MODEL.get_or_init(|| {
        crate::model_file::load_model(&fixture("fixtures/models/frm-1.0.toml"))
            .expect("the committed model loads")
    })
}
