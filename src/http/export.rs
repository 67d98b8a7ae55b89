//! The export routes: one fleet's or the whole book's scored vessels as a
//! CSV download (streamed page by page) or an Excel workbook (built on the
//! compute bridge). What goes in them is [`crate::export`]'s business.

use actix_web::http::header::{self, ContentDisposition, DispositionParam, DispositionType};
use actix_web::{HttpResponse, web};
use chrono::Utc;
use futures_util::StreamExt;
use serde::Deserialize;

use super::AppState;
use super::auth::Underwriter;
use super::error::ApiError;
use super::extract::FleetPath;
use crate::domain::{FieldErrors, FleetId};
use crate::export::{BookExport, ExportError, ExportFormat};

#[derive(Debug, Deserialize)]
pub struct ExportQuery {
    format: Option<String>,
}

impl ExportQuery {
    fn format(&self) -> Result<ExportFormat, ApiError> {
        let mut errors = FieldErrors::new();
        let format = match self.format.as_deref() {
            None => {
                errors.push("format", "is required: csv or xlsx");
                None
            }
            Some(raw) => errors.check("format", ExportFormat::parse(raw)),
        };
        format.ok_or_else(|| errors.into())
    }
}

/// `GET /api/fleet-risk/fleets/{fleetId}/export`
pub async fn fleet_export(
    _: Underwriter,
    state: web::Data<AppState>,
    path: FleetPath,
    query: web::Query<ExportQuery>,
) -> Result<HttpResponse, ApiError> {
    let fleet = path.fleet()?;
    let format = query.format()?;
    export(&state, Some(fleet), format).await
}

/// `GET /api/fleet-risk/export`
pub async fn book_export(
    _: Underwriter,
    state: web::Data<AppState>,
    query: web::Query<ExportQuery>,
) -> Result<HttpResponse, ApiError> {
    let format = query.format()?;
    export(&state, None, format).await
}

async fn export(
    state: &AppState,
    fleet: Option<FleetId>,
    format: ExportFormat,
) -> Result<HttpResponse, ApiError> {
    let Some(export) = BookExport::prepare(&state.db, &state.model, fleet).await? else {
        let fleet = fleet.expect("only a named fleet can be missing");
        return Err(ApiError::not_found(format!("no fleet with id {fleet}")));
    };
    let now = Utc::now();
    let mut response = HttpResponse::Ok();
    response
        .content_type(format.content_type())
        .insert_header(ContentDisposition {
            disposition: DispositionType::Attachment,
            parameters: vec![DispositionParam::Filename(
                export.file_name(format, now.date_naive()),
            )],
        })
        .insert_header((header::CACHE_CONTROL, "no-store"));
    Ok(match format {
        ExportFormat::Csv => response.streaming(export.csv().map(|chunk| {
            chunk.map(web::Bytes::from).inspect_err(|error| {
                // The status line is gone: the client sees a cut-off body.
                tracing::error!(%error, "the CSV export failed after its first bytes");
            })
        })),
        ExportFormat::Xlsx => response.body(export.xlsx(&state.compute, now).await?),
    })
}

impl From<ExportError> for ApiError {
    fn from(error: ExportError) -> Self {
        match error {
            ExportError::Storage(storage) => storage.into(),
            ExportError::Compute(compute) => compute.into(),
            workbook @ ExportError::Workbook(_) => Self::internal(workbook),
        }
    }
}
