//! Exports of the book (issue 12): one fleet's or the whole book's scored
//! vessels as CSV (streamed, page by page) or as an Excel workbook (built on
//! the compute pool). The writers ([`csv_rows`], [`workbook`]) are pure: they
//! turn [`ExportedVessel`]s and fleet summaries into bytes; [`book`] pages
//! them out of storage, for the HTTP routes and the CLI alike.
//!
//! Formula injection: a CSV cell is text an importing spreadsheet may
//! evaluate, so a text cell starting with `=`, `+`, `-`, `@`, tab or CR gets
//! a leading `'` ([`neutralise`]). Numbers are written as numbers and never
//! prefixed (a negative number is a number, not a formula). In the workbook
//! every text is a string cell (`write_string`), which Excel never
//! evaluates, so it is written verbatim.

pub mod book;
pub mod csv_rows;
pub mod workbook;

use chrono::NaiveDate;

pub use book::{BookExport, ExportError};

/// The file format of an export (`?format=`, `--format`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExportFormat {
    Csv,
    Xlsx,
}

impl ExportFormat {
    pub const MESSAGE: &'static str = "must be csv or xlsx";

    pub fn parse(raw: &str) -> Result<Self, String> {
        match raw {
            "csv" => Ok(Self::Csv),
            "xlsx" => Ok(Self::Xlsx),
            _ => Err(Self::MESSAGE.into()),
        }
    }

    pub fn extension(self) -> &'static str {
        match self {
            Self::Csv => "csv",
            Self::Xlsx => "xlsx",
        }
    }

    pub fn content_type(self) -> &'static str {
        match self {
            Self::Csv => "text/csv; charset=utf-8",
            Self::Xlsx => "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        }
    }
}

/// `text` safe to hand to a spreadsheet as a CSV cell: a leading `'` when it
/// starts with a character a spreadsheet reads as the start of a formula.
pub fn neutralise(text: &str) -> std::borrow::Cow<'_, str> {
    if text.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{text}").into()
    } else {
        text.into()
    }
}

/// The file name of an export: `fleet-risk-<scope>-<date>.<format>`, the
/// scope the fleet's name as a slug (ASCII letters and digits, runs of
/// anything else one `-`) or `book`.
pub fn file_name(fleet_name: Option<&str>, date: NaiveDate, format: ExportFormat) -> String {
    let scope = fleet_name.map_or_else(|| "book".to_string(), slug);
    format!("fleet-risk-{scope}-{date}.{}", format.extension())
}

fn slug(name: &str) -> String {
    let mut slug = String::new();
    for c in name.chars() {
        if c.is_ascii_alphanumeric() {
            slug.push(c.to_ascii_lowercase());
        } else if !slug.is_empty() && !slug.ends_with('-') {
            slug.push('-');
        }
    }
    let slug = slug.trim_end_matches('-');
    if slug.is_empty() {
        "fleet".to_string()
    } else {
        slug.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_formula_lead_is_neutralised_and_nothing_else() {
        for lead in ["=HYPERLINK(\"x\")", "+1", "-2", "@x", "\tx", "\rx"] {
            assert_eq!(neutralise(lead), format!("'{lead}"));
        }
        for plain in ["Nordic Star", "1=1", "a-b", "'quoted", ""] {
            assert_eq!(neutralise(plain), plain);
        }
    }

    #[test]
    fn file_names_carry_a_slug_of_the_fleet_the_date_and_the_format() {
        let date = NaiveDate::from_ymd_opt(2026, 12, 2).unwrap();
        assert_eq!(
            file_name(Some("Nordic Tankers, \"Ltd\" Ærø"), date, ExportFormat::Csv),
            "fleet-risk-nordic-tankers-ltd-r-2026-12-02.csv"
        );
        assert_eq!(
            file_name(Some("Ærø"), date, ExportFormat::Xlsx),
            "fleet-risk-r-2026-12-02.xlsx"
        );
        assert_eq!(
            file_name(Some("ÆØ"), date, ExportFormat::Xlsx),
            "fleet-risk-fleet-2026-12-02.xlsx"
        );
        assert_eq!(
            file_name(None, date, ExportFormat::Csv),
            "fleet-risk-book-2026-12-02.csv"
        );
    }
}
