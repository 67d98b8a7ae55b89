//! `fleet-risk import FILE [--fleet ID] [--upsert]`: a JSON import body or
//! a CSV of vessels from a file, through the same parse and the same
//! store-score-publish job as `POST /api/fleet-risk/vessels/import`.

use std::io::Read;
use std::path::Path;

use chrono::Utc;

use super::error::CliError;
use crate::config::Settings;
use crate::domain::{FleetId, parse_json_document};
use crate::import::{
    CsvImport, CsvKind, ImportBatch, ImportMode, ImportProblems, parse_json_import,
};
use crate::jobs::import::{ImportError, import};

/// Bytes of a CSV file read at a time.
const READ_CHUNK_BYTES: usize = 1024 * 1024;

pub(super) async fn run(
    settings: &Settings,
    file: &Path,
    fleet: Option<&str>,
    upsert: bool,
) -> Result<(), CliError> {
    let name = file.display().to_string();
    let fleet = fleet
        .map(FleetId::parse)
        .transpose()
        .map_err(CliError::FleetId)?;
    let mode = if upsert {
        ImportMode::Upsert
    } else {
        ImportMode::Create
    };
    let refused = |problems: ImportProblems| CliError::ImportRefused {
        name: name.clone(),
        total: problems.total(),
        errors: problems.into_listed(),
    };
    let batch = read_batch(settings, file, fleet)?.map_err(refused)?;
    let ctx = super::cli_job_context(settings).await?;
    let answer = import(&ctx, batch, mode, None)
        .await
        .map_err(|error| match error {
            ImportError::Rejected(problems) => refused(problems),
            ImportError::Storage(storage) => CliError::Storage(storage),
            other => CliError::Import(other.to_string()),
        })?;
    println!("{}", answer.body);
    Ok(())
}

/// JSON when the file is named `.json` or starts with `{`; CSV otherwise.
fn read_batch(
    settings: &Settings,
    file: &Path,
    fleet: Option<FleetId>,
) -> Result<Result<ImportBatch, ImportProblems>, CliError> {
    let read_error = |source| CliError::Read {
        path: file.display().to_string(),
        source,
    };
    let mut reader = std::fs::File::open(file).map_err(read_error)?;
    let mut head = vec![0u8; READ_CHUNK_BYTES];
    let filled = reader.read(&mut head).map_err(read_error)?;
    head.truncate(filled);
    let json = file
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("json"))
        || head.iter().find(|b| !b.is_ascii_whitespace()) == Some(&b'{');
    let as_of = Utc::now().date_naive();
    if json {
        let mut bytes = head;
        reader.read_to_end(&mut bytes).map_err(read_error)?;
        let value = parse_json_document(&bytes).map_err(|error| {
            let mut problems = ImportProblems::new();
            match error {
                crate::domain::JsonDocumentError::Malformed(message) => {
                    problems.whole("body", format!("is not well-formed JSON: {message}"))
                }
                crate::domain::JsonDocumentError::DuplicateKeys(fields) => {
                    for field in fields.iter() {
                        problems.whole(&field.field, &field.message);
                    }
                }
            }
            CliError::ImportRefused {
                name: file.display().to_string(),
                total: problems.total(),
                errors: problems.into_listed(),
            }
        })?;
        return Ok(parse_json_import(
            &value,
            fleet,
            as_of,
            &settings.policy_ids,
        ));
    }
    let mut csv = CsvImport::new(fleet, as_of, settings.policy_ids.clone());
    csv.begin(CsvKind::Vessels);
    csv.feed(&head);
    let mut chunk = vec![0u8; READ_CHUNK_BYTES];
    loop {
        let read = reader.read(&mut chunk).map_err(read_error)?;
        if read == 0 || csv.refused() {
            break;
        }
        csv.feed(&chunk[..read]);
    }
    Ok(csv.finish())
}
