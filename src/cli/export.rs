//! `fleet-risk export`: the export the routes answer, written to a file.

use std::path::Path;

use chrono::Utc;

use super::configured_model;
use super::error::CliError;
use crate::compute::ComputeBridge;
use crate::config::Settings;
use crate::domain::FleetId;
use crate::export::{BookExport, ExportFormat};
use crate::startup;

/// Writes the export the routes answer to `output` (the CSV page by page).
pub(super) async fn export(
    settings: &Settings,
    fleet: Option<FleetId>,
    format: ExportFormat,
    output: &Path,
) -> Result<(), CliError> {
    use futures_util::TryStreamExt;
    use std::io::Write;
    let model = configured_model(settings)?;
    let db = startup::open_database(settings).await?;
    let export = BookExport::prepare(&db, &model, fleet)
        .await?
        .ok_or_else(|| CliError::NoSuchFleet(fleet.expect("only a named fleet can be missing")))?;
    let write_error = |source| CliError::Write {
        path: output.display().to_string(),
        source,
    };
    let mut file = std::io::BufWriter::new(std::fs::File::create(output).map_err(write_error)?);
    match format {
        ExportFormat::Csv => {
            let mut chunks = std::pin::pin!(export.csv());
            while let Some(chunk) = chunks.try_next().await? {
                file.write_all(&chunk).map_err(write_error)?;
            }
        }
        ExportFormat::Xlsx => {
            let compute = ComputeBridge::new(settings.compute_threads, settings.compute_queue)?;
            let bytes = export.xlsx(&compute, Utc::now()).await?;
            file.write_all(&bytes).map_err(write_error)?;
        }
    }
    file.flush().map_err(write_error)?;
    Ok(())
}
