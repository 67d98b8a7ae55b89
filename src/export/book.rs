//! One export, from storage to bytes: the same path for the HTTP routes
//! and `fleet-risk export`. Vessels are read a page at a time in IMO order
//! (keyset paging), with the levels cut by the thresholds in force now, as
//! the risk API answers them. CSV pages go out as they are read; the
//! workbook is built on the compute pool, fed the pages through a bounded
//! channel, so neither form holds the whole book's rows.

use chrono::{DateTime, NaiveDate, Utc};
use futures_util::Stream;
use rust_xlsxwriter::XlsxError;

use super::workbook::{FleetSummary, SummaryHead, WorkbookBuilder};
use super::{ExportFormat, csv_rows, file_name};
use crate::compute::{ComputeBridge, ComputeError};
use crate::domain::{FleetId, Imo};
use crate::jobs::ThresholdBook;
use crate::risk::{RiskModel, relevel};
use crate::storage::{Database, ExportedVessel, FleetRecord, StorageError};

/// Vessels per page read from storage (and per CSV chunk).
pub const PAGE_SIZE: u32 = 1000;

/// Pages the workbook builder may lag behind the reader.
const PAGES_IN_FLIGHT: usize = 2;

#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    #[error(transparent)]
    Storage(#[from] StorageError),
    #[error(transparent)]
    Compute(#[from] ComputeError),
    #[error("writing the workbook: {0}")]
    Workbook(#[from] XlsxError),
}

/// An export of one fleet, or of the whole book.
pub struct BookExport {
    db: Database,
    fleet: Option<FleetRecord>,
    thresholds: ThresholdBook,
    model_version: String,
}

enum CsvCursor {
    Header,
    After(Option<Imo>),
    Done,
}

impl BookExport {
    /// An export of `fleet` (the whole book when `None`); `None` when that
    /// fleet does not exist.
    pub async fn prepare(
        db: &Database,
        model: &RiskModel,
        fleet: Option<FleetId>,
    ) -> Result<Option<Self>, StorageError> {
        let fleet = match fleet {
            None => None,
            Some(id) => match db.get_fleet(id).await? {
                Some(record) => Some(record),
                None => return Ok(None),
            },
        };
        Ok(Some(Self {
            db: db.clone(),
            fleet,
            thresholds: ThresholdBook::load(db, model).await?,
            model_version: model.version().as_str().to_string(),
        }))
    }

    pub fn file_name(&self, format: ExportFormat, date: NaiveDate) -> String {
        file_name(self.fleet.as_ref().map(|f| f.name.as_str()), date, format)
    }

    /// The next page after `after`, levels cut by the thresholds in force.
    async fn page(&self, after: Option<Imo>) -> Result<Vec<ExportedVessel>, StorageError> {
        let fleet = self.fleet.as_ref().map(|f| f.id);
        let mut page = self.db.export_page(fleet, after, PAGE_SIZE).await?;
        for vessel in &mut page {
            let thresholds = self.thresholds.for_fleet(vessel.fleet_id);
            vessel.assessment.level = thresholds.level_of(vessel.assessment.score);
        }
        Ok(page)
    }

    /// Where the page after `page` starts, when there may be one.
    fn next_cursor(page: &[ExportedVessel]) -> CsvCursor {
        if page.len() < PAGE_SIZE as usize {
            CsvCursor::Done
        } else {
            CsvCursor::After(page.last().map(ExportedVessel::imo))
        }
    }

    /// The CSV: the header, then one chunk per page read.
    pub fn csv(self) -> impl Stream<Item = Result<Vec<u8>, StorageError>> + 'static {
        futures_util::stream::try_unfold((self, CsvCursor::Header), |(export, cursor)| async move {
            match cursor {
                CsvCursor::Header => {
                    Ok(Some((csv_rows::header(), (export, CsvCursor::After(None)))))
                }
                CsvCursor::After(after) => {
                    let page = export.page(after).await?;
                    if page.is_empty() {
                        return Ok(None);
                    }
                    let next = Self::next_cursor(&page);
                    Ok(Some((csv_rows::rows(&page), (export, next))))
                }
                CsvCursor::Done => Ok(None),
            }
        })
    }

    /// The Summary's fleets, each with its members' `(score, value)` to
    /// re-level its aggregate under the thresholds in force.
    async fn summaries(&self) -> Result<Vec<(FleetSummary, Vec<(f64, f64)>)>, StorageError> {
        let fleets = match &self.fleet {
            Some(fleet) => vec![fleet.clone()],
            None => self.db.all_fleets().await?,
        };
        let mut summaries = Vec::with_capacity(fleets.len());
        for fleet in fleets {
            let published = self.db.current_fleet_aggregate(fleet.id).await?;
            let members = match published {
                Some(_) => self.db.fleet_member_scores(fleet.id).await?,
                None => Vec::new(),
            };
            let summary = FleetSummary {
                fleet_id: fleet.id,
                fleet_name: fleet.name.as_str().to_string(),
                thresholds: *self.thresholds.for_fleet(fleet.id),
                published: published.map(|p| (p.run_id, p.calculated_at, p.aggregate)),
            };
            summaries.push((summary, members));
        }
        Ok(summaries)
    }

    /// The workbook, built on the compute pool while the pages are read.
    pub async fn xlsx(
        self,
        compute: &ComputeBridge,
        exported_at: DateTime<Utc>,
    ) -> Result<Vec<u8>, ExportError> {
        let summaries = self.summaries().await?;
        let head = SummaryHead {
            scope: self
                .fleet
                .as_ref()
                .map_or_else(|| "whole book".to_string(), |f| f.name.as_str().to_string()),
            model_version: self.model_version.clone(),
            exported_at,
        };
        let (sender, mut receiver) =
            tokio::sync::mpsc::channel::<Vec<ExportedVessel>>(PAGES_IN_FLIGHT);
        let build = compute.run(move || -> Result<Vec<u8>, XlsxError> {
            let fleets: Vec<FleetSummary> = summaries
                .into_iter()
                .map(|(mut summary, members)| {
                    if let Some((_, _, aggregate)) = &mut summary.published {
                        relevel(aggregate, &members, &summary.thresholds);
                    }
                    summary
                })
                .collect();
            let mut builder = WorkbookBuilder::new(&head, &fleets)?;
            // A compute thread, not a runtime thread: blocking here is allowed.
            while let Some(page) = receiver.blocking_recv() {
                builder.push(&page)?;
            }
            builder.finish()
        });
        let read = async {
            let sender = sender;
            let mut after = None;
            loop {
                let page = self.page(after).await?;
                let next = Self::next_cursor(&page);
                if !page.is_empty() && sender.send(page).await.is_err() {
                    break;
                }
                match next {
                    CsvCursor::After(imo) => after = imo,
                    _ => break,
                }
            }
            Ok::<(), StorageError>(())
        };
        let (built, read) = tokio::join!(build, read);
        read?;
        Ok(built??)
    }
}
