//! CSV files of an import: a file of vessels (columns named as the section
//! 1 JSON fields, plus an optional `fleetId`), and files of inspections and
//! incidents keyed by `vesselIMO`. Each row becomes the JSON object a client
//! would send for it (an empty cell is an absent field) and goes through the
//! single-vessel parser, so a CSV row is named exactly as a JSON vessel is.

use std::collections::HashMap;

use chrono::NaiveDate;
use serde_json::{Map, Value};

use super::csv_columns::{Cell, CsvKind, typed};
use super::csv_stream::{CsvRecord, CsvStream};
use super::{ImportBatch, ImportProblems, ImportedVessel, MAX_VESSELS};
use crate::domain::{
    FieldErrors, FleetId, Imo, Incident, Inspection, PolicyIdPattern, parse_incident,
    parse_inspection, parse_vessel,
};

/// One file being read: its kind, its header once read, its rows so far.
struct CsvFile {
    kind: CsvKind,
    stream: CsvStream,
    header: Option<Vec<Cell>>,
    names: Vec<&'static str>,
    rows: usize,
    /// The header was refused: the rows are not read.
    refused: bool,
}

/// A history row waiting for its vessel.
struct HistoryRow<T> {
    imo: Imo,
    event: T,
    row: usize,
    line: u64,
}

/// The CSV files of one import, read as they stream in; see the module doc.
pub struct CsvImport {
    default_fleet: Option<FleetId>,
    as_of: NaiveDate,
    policy_ids: PolicyIdPattern,
    file: Option<CsvFile>,
    batch: ImportBatch,
    inspections: Vec<HistoryRow<Inspection>>,
    incidents: Vec<HistoryRow<Incident>>,
    problems: ImportProblems,
    too_many: bool,
}

impl CsvImport {
    pub fn new(
        default_fleet: Option<FleetId>,
        as_of: NaiveDate,
        policy_ids: PolicyIdPattern,
    ) -> Self {
        Self {
            default_fleet,
            as_of,
            policy_ids,
            file: None,
            batch: ImportBatch::default(),
            inspections: Vec::new(),
            incidents: Vec::new(),
            problems: ImportProblems::new(),
            too_many: false,
        }
    }

    /// Starts reading a file of `kind` (ending the one before, if any).
    pub fn begin(&mut self, kind: CsvKind) {
        self.end();
        self.file = Some(CsvFile {
            kind,
            stream: CsvStream::new(),
            header: None,
            names: Vec::new(),
            rows: 0,
            refused: false,
        });
    }

    /// Reads the next bytes of the current file.
    pub fn feed(&mut self, chunk: &[u8]) {
        let Some(mut file) = self.file.take() else {
            return;
        };
        let mut records = Vec::new();
        file.stream.feed(chunk, &mut |record| records.push(record));
        for record in records {
            self.record(&mut file, record);
        }
        self.file = Some(file);
    }

    /// Ends the current file.
    pub fn end(&mut self) {
        let Some(mut file) = self.file.take() else {
            return;
        };
        let mut records = Vec::new();
        file.stream.finish(&mut |record| records.push(record));
        for record in records {
            self.record(&mut file, record);
        }
        if file.header.is_none() && !file.refused {
            self.problems.whole(
                file.kind.part(),
                "is empty: a CSV file starts with its header line",
            );
        }
    }

    /// True once the import is refused whatever follows (too many vessels):
    /// the caller may stop reading.
    pub fn refused(&self) -> bool {
        self.too_many
    }

    /// Every vessel with its histories, or every problem.
    pub fn finish(mut self) -> Result<ImportBatch, ImportProblems> {
        self.end();
        let mut batch = std::mem::take(&mut self.batch);
        batch.check_duplicates(&mut self.problems);
        let index: HashMap<Imo, usize> = batch
            .vessels
            .iter()
            .enumerate()
            .map(|(i, v)| (v.profile.imo, i))
            .collect();
        let inspections = std::mem::take(&mut self.inspections);
        for (i, row) in self.joined("inspections", &index, inspections) {
            batch.vessels[i].profile.inspections.push(row);
        }
        let incidents = std::mem::take(&mut self.incidents);
        for (i, row) in self.joined("incidents", &index, incidents) {
            batch.vessels[i].profile.incidents.push(row);
        }
        for vessel in &mut batch.vessels {
            vessel.profile.inspections.sort_by_key(|i| i.date);
            vessel.profile.incidents.sort_by_key(|i| i.date);
        }
        if self.problems.is_empty() {
            Ok(batch)
        } else {
            Err(self.problems)
        }
    }

    /// Each history row with the index of its vessel in the batch; a row
    /// whose vessel is not in the vessels file is a problem.
    fn joined<T>(
        &mut self,
        part: &str,
        index: &HashMap<Imo, usize>,
        rows: Vec<HistoryRow<T>>,
    ) -> Vec<(usize, T)> {
        let mut joined = Vec::with_capacity(rows.len());
        for row in rows {
            match index.get(&row.imo) {
                Some(&i) => joined.push((i, row.event)),
                None => self.problems.row(
                    part,
                    row.row,
                    Some(row.line),
                    "vesselIMO",
                    "is not the IMO number of a vessel in the vessels file",
                ),
            }
        }
        joined
    }

    fn record(&mut self, file: &mut CsvFile, record: CsvRecord) {
        if file.refused || self.too_many {
            return;
        }
        let Some(header) = &file.header else {
            self.header(file, record);
            return;
        };
        let row = file.rows;
        file.rows += 1;
        if file.kind == CsvKind::Vessels && row >= MAX_VESSELS {
            self.too_many = true;
            self.problems.whole(
                "vessels",
                format!("at most {MAX_VESSELS} vessels per import"),
            );
            return;
        }
        let line = record.line;
        let mut errors = FieldErrors::new();
        if record.fields.len() != header.len() {
            errors.push(
                "",
                format!(
                    "has {} fields where the header has {}",
                    record.fields.len(),
                    header.len()
                ),
            );
            self.problems
                .extend_row(file.kind.part(), row, Some(line), errors);
            return;
        }
        let mut object = Map::new();
        for ((name, cell), field) in file.names.iter().zip(header).zip(record.fields) {
            match field {
                None => errors.push(*name, "is not UTF-8 text"),
                Some(text) if text.is_empty() => {}
                Some(text) => {
                    object.insert((*name).to_string(), typed(*cell, text));
                }
            }
        }
        match file.kind {
            CsvKind::Vessels => self.vessel(row, line, object, errors),
            CsvKind::Inspections => {
                let parsed = self.history(object, errors, parse_inspection);
                if let Some(history) = self.held("inspections", row, line, parsed) {
                    self.inspections.push(history);
                }
            }
            CsvKind::Incidents => {
                let parsed = self.history(object, errors, parse_incident);
                if let Some(history) = self.held("incidents", row, line, parsed) {
                    self.incidents.push(history);
                }
            }
        }
    }

    /// A parsed history row held for its vessel, or its problems recorded.
    fn held<T>(
        &mut self,
        part: &str,
        row: usize,
        line: u64,
        parsed: Result<(Imo, T), FieldErrors>,
    ) -> Option<HistoryRow<T>> {
        match parsed {
            Ok((imo, event)) => Some(HistoryRow {
                imo,
                event,
                row,
                line,
            }),
            Err(errors) => {
                self.problems.extend_row(part, row, Some(line), errors);
                None
            }
        }
    }

    fn header(&mut self, file: &mut CsvFile, record: CsvRecord) {
        let columns = file.kind.columns();
        let mut cells = Vec::with_capacity(record.fields.len());
        let mut names: Vec<&'static str> = Vec::with_capacity(record.fields.len());
        for field in &record.fields {
            let name = field.as_deref().unwrap_or("").trim();
            match columns.iter().find(|(known, _)| *known == name) {
                Some(_) if names.contains(&name) => {
                    file.refused = true;
                    self.problems.line(
                        &format!("{}.header", file.kind.part()),
                        record.line,
                        format!("names the column {name} twice"),
                    );
                }
                Some((known, cell)) => {
                    names.push(known);
                    cells.push(*cell);
                }
                None => {
                    file.refused = true;
                    self.problems.line(
                        &format!("{}.header", file.kind.part()),
                        record.line,
                        format!(
                            "{name:?} is not a column of a {} file (the columns are {})",
                            file.kind.part(),
                            columns
                                .iter()
                                .map(|(n, _)| *n)
                                .collect::<Vec<_>>()
                                .join(", ")
                        ),
                    );
                }
            }
        }
        file.names = names;
        file.header = Some(cells);
    }

    fn vessel(
        &mut self,
        row: usize,
        line: u64,
        mut object: Map<String, Value>,
        mut errors: FieldErrors,
    ) {
        let fleet = match object.remove("fleetId") {
            Some(Value::String(raw)) => errors.check("fleetId", FleetId::parse(&raw)),
            _ => {
                if self.default_fleet.is_none() {
                    errors.push("fleetId", "is required (a column, or ?fleetId=)");
                }
                self.default_fleet
            }
        };
        match parse_vessel(&Value::Object(object), self.as_of, &self.policy_ids) {
            Ok(profile) if errors.is_empty() => self.batch.vessels.push(ImportedVessel {
                fleet_id: fleet.expect("no fleet error was recorded"),
                profile,
                row,
                line: Some(line),
            }),
            Ok(_) => self.problems.extend_row("vessels", row, Some(line), errors),
            Err(vessel_errors) => {
                errors.append(vessel_errors);
                self.problems.extend_row("vessels", row, Some(line), errors);
            }
        }
    }

    /// A history row: its vessel's IMO number and the event, every bad field named.
    fn history<T>(
        &self,
        mut object: Map<String, Value>,
        mut errors: FieldErrors,
        parse: impl Fn(&Value, NaiveDate) -> Result<T, FieldErrors>,
    ) -> Result<(Imo, T), FieldErrors> {
        let imo = match object.remove("vesselIMO") {
            Some(Value::String(raw)) => errors.check("vesselIMO", Imo::parse(&raw)),
            _ => {
                errors.push("vesselIMO", "is required");
                None
            }
        };
        let event = match parse(&Value::Object(object), self.as_of) {
            Ok(event) => Some(event),
            Err(event_errors) => {
                errors.append(event_errors);
                None
            }
        };
        match (imo, event) {
            (Some(imo), Some(event)) if errors.is_empty() => Ok((imo, event)),
            _ => Err(errors),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn as_of() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 11, 26).unwrap()
    }

    fn import(files: &[(CsvKind, &str)]) -> Result<ImportBatch, ImportProblems> {
        let mut import = CsvImport::new(
            Some(FleetId::generate()),
            as_of(),
            PolicyIdPattern::default(),
        );
        for (kind, text) in files {
            import.begin(*kind);
            import.feed(text.as_bytes());
        }
        import.finish()
    }

    const HEADER: &str =
        "vesselIMO,name,shipType,yearBuilt,grossTonnage,flag,insuredValueUsd,sanctioned\n";

    #[test]
    fn rows_are_parsed_as_json_vessels_are_and_named_with_their_lines() {
        let text = format!(
            "{HEADER}9074729,NORDIC STAR,bulk_carrier,1998,38000,DK,12000000,false\n\
             9176187,\"BAD, ROW\",yacht,old,38000,XX,12000000,maybe\n"
        );
        let problems = import(&[(CsvKind::Vessels, &text)]).unwrap_err();
        let named: Vec<(&str, Option<usize>, Option<u64>)> = problems
            .listed()
            .iter()
            .map(|e| (e.field.as_str(), e.row, e.line))
            .collect();
        assert_eq!(
            named,
            [
                ("vessels[1].shipType", Some(1), Some(3)),
                ("vessels[1].yearBuilt", Some(1), Some(3)),
                ("vessels[1].flag", Some(1), Some(3)),
                ("vessels[1].sanctioned", Some(1), Some(3)),
            ]
        );
    }

    #[test]
    fn histories_join_their_vessels_by_imo() {
        let vessels = format!("{HEADER}9074729,NORDIC STAR,bulk_carrier,1998,38000,DK,12000000,\n");
        let inspections = "vesselIMO,date,regime,deficiencies,detained\n\
            9074729,2025-01-02,paris_mou,3,false\n9074729,2024-01-02,uscg,0,true\n";
        let incidents =
            "vesselIMO,date,severity,kind,grossLossUsd\n9176187,2025-01-02,A,fire_explosion,5\n";
        let problems = import(&[
            (CsvKind::Vessels, &vessels),
            (CsvKind::Inspections, inspections),
            (CsvKind::Incidents, incidents),
        ])
        .unwrap_err();
        let first = problems.listed().iter().next().unwrap();
        assert_eq!(
            (first.field.as_str(), first.line),
            ("incidents[0].vesselIMO", Some(2))
        );
        let batch = import(&[
            (CsvKind::Vessels, &vessels),
            (CsvKind::Inspections, inspections),
        ])
        .unwrap();
        let dates: Vec<String> = batch.vessels[0]
            .profile
            .inspections
            .iter()
            .map(|i| i.date.to_string())
            .collect();
        assert_eq!(dates, ["2024-01-02", "2025-01-02"]);
    }

    #[test]
    fn an_unknown_column_refuses_the_file_once() {
        let problems = import(&[(CsvKind::Vessels, "vesselIMO,speed\n1,2\n3,4\n")]).unwrap_err();
        assert_eq!(problems.total(), 1);
        assert_eq!(
            problems.listed().iter().next().unwrap().field,
            "vessels.header"
        );
    }
}
