//! The CSV form of an export: RFC 4180 (fields with a comma, quote, CR or
//! LF quoted, quotes doubled), CRLF line ends, a header row, UTF-8, one row
//! per vessel, text cells neutralised against formula injection.

use chrono::SecondsFormat;

use super::neutralise;
use crate::storage::ExportedVessel;

/// The columns, in order (issue 12, item 8).
pub const HEADER: [&str; 17] = [
    "IMO",
    "Name",
    "Type",
    "Flag",
    "Class",
    "Year built",
    "Age",
    "Fleet",
    "Score",
    "Level",
    "SRP profile",
    "Inspection due",
    "Expected annual loss USD",
    "Expected claims",
    "Top driver",
    "Calculated at",
    "Run id",
];

fn writer() -> csv::Writer<Vec<u8>> {
    csv::WriterBuilder::new()
        .terminator(csv::Terminator::CRLF)
        .quote_style(csv::QuoteStyle::Necessary)
        .from_writer(Vec::new())
}

fn finish(writer: csv::Writer<Vec<u8>>) -> Vec<u8> {
    writer
        .into_inner()
        .expect("writing to memory does not fail")
}

/// The header row.
pub fn header() -> Vec<u8> {
    let mut out = writer();
    out.write_record(HEADER).expect("writing to memory");
    finish(out)
}

/// The rows of `vessels`, each ended by CRLF.
pub fn rows(vessels: &[ExportedVessel]) -> Vec<u8> {
    let mut out = writer();
    for vessel in vessels {
        out.write_record(cells(vessel)).expect("writing to memory");
    }
    finish(out)
}

/// A text cell: neutralised.
fn text(value: &str) -> String {
    neutralise(value).into_owned()
}

/// A vessel's cells. Numbers in Rust's shortest round-trip form, so a
/// reader gets back the very number the API answers.
fn cells(vessel: &ExportedVessel) -> [String; 17] {
    let assessment = &vessel.assessment;
    [
        assessment.vessel_imo.to_string(),
        text(vessel.name.as_str()),
        text(vessel.ship_type.as_str()),
        text(vessel.flag.as_str()),
        vessel
            .class_society
            .as_ref()
            .map_or_else(String::new, |c| text(c.as_str())),
        vessel.year_built.to_string(),
        age(vessel).to_string(),
        text(&vessel.fleet_name),
        assessment.score.to_string(),
        assessment.level.as_str().to_string(),
        assessment.srp.profile.as_str().to_string(),
        assessment.srp.inspection_due.to_string(),
        assessment.expected_annual_loss_usd.to_string(),
        assessment.expected_claims.to_string(),
        assessment.factors[0].key.as_str().to_string(),
        vessel
            .calculated_at
            .to_rfc3339_opts(SecondsFormat::AutoSi, true),
        vessel.run_id.to_string(),
    ]
}

/// Age in years as the model counts it: `asOf.year - yearBuilt` (risk-model.md section 1).
pub fn age(vessel: &ExportedVessel) -> i32 {
    use chrono::Datelike;
    vessel.assessment.as_of.year() - vessel.year_built
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_cells_are_quoted_per_rfc_4180_and_neutralised() {
        let mut out = writer();
        out.write_record([
            text("a, \"b\"\nc"),
            text("=HYPERLINK(\"http://x\")"),
            text("\tlead"),
            text("\rlead"),
            text("Ærø"),
        ])
        .unwrap();
        let written = String::from_utf8(finish(out)).unwrap();
        assert_eq!(
            written,
            "\"a, \"\"b\"\"\nc\",\"'=HYPERLINK(\"\"http://x\"\")\",'\tlead,\"'\rlead\",Ærø\r\n"
        );
    }

    #[test]
    fn the_header_ends_with_crlf() {
        let header = String::from_utf8(header()).unwrap();
        assert!(header.starts_with("IMO,Name,Type,"));
        assert!(header.ends_with("Calculated at,Run id\r\n"));
    }
}
