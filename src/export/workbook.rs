//! The Excel form of an export: sheets Summary (each fleet's section 8
//! aggregate, its thresholds in force, the model version, the runs, the
//! export time), Vessels (the CSV's columns as typed cells) and Factors
//! (each vessel's contribution per factor key). The vessel sheets are
//! written in rust_xlsxwriter's constant-memory mode: each row goes to a
//! temporary file as it is written, so a 100,000-vessel book does not sit
//! in memory as cells.

use chrono::{DateTime, Datelike, Timelike, Utc};
use rust_xlsxwriter::{
    Color, ConditionalFormatText, ConditionalFormatTextRule, ExcelDateTime, Format, Workbook,
    Worksheet, XlsxError,
};
use uuid::Uuid;

use super::csv_rows::{HEADER, age};
use crate::domain::RiskThresholds;
use crate::risk::{FactorKey, FleetAggregate};
use crate::storage::ExportedVessel;

/// One fleet's line of the Summary sheet.
#[derive(Debug, Clone)]
pub struct FleetSummary {
    pub fleet_id: crate::domain::FleetId,
    pub fleet_name: String,
    pub thresholds: RiskThresholds,
    /// The published aggregate, re-levelled under `thresholds`; `None`
    /// before the fleet's first publication.
    pub published: Option<(Uuid, DateTime<Utc>, FleetAggregate)>,
}

/// What the Summary sheet says besides the fleets.
#[derive(Debug, Clone)]
pub struct SummaryHead {
    pub scope: String,
    pub model_version: String,
    pub exported_at: DateTime<Utc>,
}

/// The Summary table's columns.
pub const SUMMARY_HEADER: [&str; 24] = [
    "Fleet",
    "Fleet id",
    "Score",
    "Level",
    "Max score",
    "Vessels",
    "Total insured value USD",
    "High-risk value share",
    "Expected claims",
    "Expected annual loss USD",
    "Largest tanker exposure USD",
    "Low",
    "Medium",
    "High",
    "Critical",
    "HRS",
    "SRS",
    "LRS",
    "Top drivers",
    "Medium from",
    "High from",
    "Critical from",
    "Run id",
    "Calculated at",
];

/// The row of the Summary table's header.
pub const SUMMARY_HEADER_ROW: u32 = 5;

struct Formats {
    bold: Format,
    score: Format,
    usd: Format,
    share: Format,
    claims: Format,
    timestamp: Format,
}

impl Formats {
    fn new() -> Self {
        Self {
            bold: Format::new().set_bold(),
            score: Format::new().set_num_format("0.0"),
            usd: Format::new().set_num_format("\"$\"#,##0.00"),
            share: Format::new().set_num_format("0.0%"),
            claims: Format::new().set_num_format("0.0000"),
            timestamp: Format::new().set_num_format("yyyy-mm-dd hh:mm:ss"),
        }
    }
}

/// A workbook being written: the Summary is complete, vessels are added
/// page by page in IMO order, [`finish`](Self::finish) gives the file.
pub struct WorkbookBuilder {
    workbook: Workbook,
    summary: Worksheet,
    vessels: Worksheet,
    factors: Worksheet,
    formats: Formats,
    /// The next vessel row (row 0 is the header).
    row: u32,
    /// How many fleets the Summary lists.
    summary_fleets: u32,
}

fn excel_time(at: DateTime<Utc>) -> Result<ExcelDateTime, XlsxError> {
    let seconds = f64::from(at.second()) + f64::from(at.nanosecond()) / 1e9;
    ExcelDateTime::from_ymd(
        u16::try_from(at.year()).unwrap_or(9999),
        at.month() as u8,
        at.day() as u8,
    )?
    .and_hms(at.hour() as u16, at.minute() as u8, seconds)
}

impl WorkbookBuilder {
    pub fn new(head: &SummaryHead, fleets: &[FleetSummary]) -> Result<Self, XlsxError> {
        let formats = Formats::new();
        let mut summary = Worksheet::new();
        summary.set_name("Summary")?;
        write_summary(&mut summary, &formats, head, fleets)?;

        let mut workbook = Workbook::new();
        let mut vessels = workbook.new_worksheet_with_constant_memory()?;
        vessels.set_name("Vessels")?;
        for (col, title) in HEADER.iter().enumerate() {
            vessels.write_string_with_format(0, col as u16, *title, &formats.bold)?;
        }
        vessels.set_freeze_panes(1, 0)?;
        for (col, width) in [(1, 30), (7, 24), (15, 20), (16, 38)] {
            vessels.set_column_width(col, width)?;
        }
        let mut factors = workbook.new_worksheet_with_constant_memory()?;
        factors.set_name("Factors")?;
        factors.write_string_with_format(0, 0, "IMO", &formats.bold)?;
        factors.write_string_with_format(0, 1, "Name", &formats.bold)?;
        for (i, key) in FactorKey::ALL.iter().enumerate() {
            factors.write_string_with_format(0, 2 + i as u16, key.as_str(), &formats.bold)?;
        }
        factors.set_freeze_panes(1, 0)?;
        Ok(Self {
            workbook,
            summary,
            vessels,
            factors,
            formats,
            row: 1,
            summary_fleets: u32::try_from(fleets.len()).unwrap_or(u32::MAX),
        })
    }

    /// Appends `page` (the next vessels in order) to Vessels and Factors.
    pub fn push(&mut self, page: &[ExportedVessel]) -> Result<(), XlsxError> {
        let f = &self.formats;
        for vessel in page {
            let row = self.row;
            let a = &vessel.assessment;
            let sheet = &mut self.vessels;
            sheet.write_string(row, 0, a.vessel_imo.to_string())?;
            sheet.write_string(row, 1, vessel.name.as_str())?;
            sheet.write_string(row, 2, vessel.ship_type.as_str())?;
            sheet.write_string(row, 3, vessel.flag.as_str())?;
            if let Some(class) = &vessel.class_society {
                sheet.write_string(row, 4, class.as_str())?;
            }
            sheet.write_number(row, 5, vessel.year_built)?;
            sheet.write_number(row, 6, age(vessel))?;
            sheet.write_string(row, 7, &vessel.fleet_name)?;
            sheet.write_number_with_format(row, 8, a.score, &f.score)?;
            sheet.write_string(row, 9, a.level.as_str())?;
            sheet.write_string(row, 10, a.srp.profile.as_str())?;
            sheet.write_boolean(row, 11, a.srp.inspection_due)?;
            sheet.write_number_with_format(row, 12, a.expected_annual_loss_usd, &f.usd)?;
            sheet.write_number_with_format(row, 13, a.expected_claims, &f.claims)?;
            sheet.write_string(row, 14, a.factors[0].key.as_str())?;
            sheet.write_datetime_with_format(
                row,
                15,
                excel_time(vessel.calculated_at)?,
                &f.timestamp,
            )?;
            sheet.write_string(row, 16, vessel.run_id.to_string())?;

            let sheet = &mut self.factors;
            sheet.write_string(row, 0, a.vessel_imo.to_string())?;
            sheet.write_string(row, 1, vessel.name.as_str())?;
            for factor in &a.factors {
                let col = 2 + factor.key as u16;
                sheet.write_number_with_format(row, col, factor.contribution, &f.score)?;
            }
            self.row += 1;
        }
        Ok(())
    }

    /// The workbook's bytes: autofilters over the written rows, the level
    /// colours, the sheets in order Summary, Vessels, Factors.
    pub fn finish(mut self) -> Result<Vec<u8>, XlsxError> {
        let last = self.row.saturating_sub(1).max(1);
        self.vessels
            .autofilter(0, 0, last, HEADER.len() as u16 - 1)?;
        self.factors
            .autofilter(0, 0, last, 1 + FactorKey::ALL.len() as u16)?;
        color_levels(&mut self.vessels, 9, 1, last)?;
        let summary_last = SUMMARY_HEADER_ROW + self.summary_fleets.max(1);
        color_levels(&mut self.summary, 3, SUMMARY_HEADER_ROW + 1, summary_last)?;
        self.workbook.push_worksheet(self.summary);
        self.workbook.push_worksheet(self.vessels);
        self.workbook.push_worksheet(self.factors);
        self.workbook.save_to_buffer()
    }
}

/// Level colours on `col`, rows `first..=last`: green, amber, orange, red.
fn color_levels(sheet: &mut Worksheet, col: u16, first: u32, last: u32) -> Result<(), XlsxError> {
    let colours = [
        ("low", 0xC6EFCE),
        ("medium", 0xFFEB9C),
        ("high", 0xF8CBAD),
        ("critical", 0xFF7C80),
    ];
    for (level, colour) in colours {
        let rule = ConditionalFormatText::new()
            .set_rule(ConditionalFormatTextRule::Contains(level.to_string()))
            .set_format(Format::new().set_background_color(Color::RGB(colour)));
        sheet.add_conditional_format(first, col, last, col, &rule)?;
    }
    Ok(())
}

fn write_summary(
    sheet: &mut Worksheet,
    f: &Formats,
    head: &SummaryHead,
    fleets: &[FleetSummary],
) -> Result<(), XlsxError> {
    sheet.write_string_with_format(0, 0, "Fleet risk export", &f.bold)?;
    sheet.write_string(1, 0, "Scope")?;
    sheet.write_string(1, 1, &head.scope)?;
    sheet.write_string(2, 0, "Model version")?;
    sheet.write_string(2, 1, &head.model_version)?;
    sheet.write_string(3, 0, "Exported at")?;
    sheet.write_datetime_with_format(3, 1, excel_time(head.exported_at)?, &f.timestamp)?;
    for (col, title) in SUMMARY_HEADER.iter().enumerate() {
        sheet.write_string_with_format(SUMMARY_HEADER_ROW, col as u16, *title, &f.bold)?;
    }
    for (i, fleet) in fleets.iter().enumerate() {
        let row = SUMMARY_HEADER_ROW + 1 + i as u32;
        sheet.write_string(row, 0, &fleet.fleet_name)?;
        sheet.write_string(row, 1, fleet.fleet_id.to_string())?;
        let t = &fleet.thresholds;
        sheet.write_number_with_format(row, 19, t.medium(), &f.score)?;
        sheet.write_number_with_format(row, 20, t.high(), &f.score)?;
        sheet.write_number_with_format(row, 21, t.critical(), &f.score)?;
        let Some((run_id, calculated_at, a)) = &fleet.published else {
            continue;
        };
        sheet.write_number_with_format(row, 2, a.score, &f.score)?;
        sheet.write_string(row, 3, a.level.as_str())?;
        sheet.write_number_with_format(row, 4, a.max_score, &f.score)?;
        sheet.write_number(row, 5, a.vessel_count as f64)?;
        sheet.write_number_with_format(row, 6, a.total_insured_value_usd, &f.usd)?;
        sheet.write_number_with_format(row, 7, a.high_risk_value_share, &f.share)?;
        sheet.write_number_with_format(row, 8, a.expected_claims, &f.claims)?;
        sheet.write_number_with_format(row, 9, a.expected_annual_loss_usd, &f.usd)?;
        sheet.write_number_with_format(row, 10, a.largest_tanker_exposure_usd, &f.usd)?;
        let counts = [
            a.level_counts.low,
            a.level_counts.medium,
            a.level_counts.high,
            a.level_counts.critical,
            a.srp_counts.hrs,
            a.srp_counts.srs,
            a.srp_counts.lrs,
        ];
        for (j, count) in counts.into_iter().enumerate() {
            sheet.write_number(row, 11 + j as u16, count as f64)?;
        }
        let drivers: Vec<&str> = a.top_drivers.iter().map(|d| d.key.as_str()).collect();
        sheet.write_string(row, 18, drivers.join(", "))?;
        sheet.write_string(row, 22, run_id.to_string())?;
        sheet.write_datetime_with_format(row, 23, excel_time(*calculated_at)?, &f.timestamp)?;
    }
    sheet.set_column_width(0, 28)?;
    sheet.set_column_width(1, 38)?;
    Ok(())
}
