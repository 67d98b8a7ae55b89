//! What an import carries once parsed, and the problems that refuse it.

use std::collections::HashMap;

use crate::domain::{FieldErrors, FleetId, Imo, VesselProfile};

/// At most this many vessels per import (a longer file is refused as a whole).
pub const MAX_VESSELS: usize = 50_000;
/// A refusal lists at most this many problems (and counts them all).
pub const MAX_PROBLEMS: usize = 1_000;

/// Whether an import may replace vessels already on the book.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ImportMode {
    /// Every vessel must be new (the default).
    #[default]
    Create,
    /// A vessel already on the book is replaced, histories included.
    Upsert,
}

impl ImportMode {
    pub fn parse(raw: &str) -> Result<Self, String> {
        match raw {
            "create" => Ok(Self::Create),
            "upsert" => Ok(Self::Upsert),
            _ => Err("must be create or upsert".to_string()),
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Create => "create",
            Self::Upsert => "upsert",
        }
    }
}

/// One vessel of an import, with where it came from (for its problems).
#[derive(Debug, Clone, PartialEq)]
pub struct ImportedVessel {
    pub fleet_id: FleetId,
    pub profile: VesselProfile,
    /// Its index among the file's vessels (0-based).
    pub row: usize,
    /// The CSV line its row starts on; `None` for JSON.
    pub line: Option<u64>,
}

/// Every vessel of an import, parsed, each IMO number once.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ImportBatch {
    pub vessels: Vec<ImportedVessel>,
}

impl ImportBatch {
    /// Names each vessel whose IMO number an earlier row already has.
    pub fn check_duplicates(&self, problems: &mut ImportProblems) {
        let mut first: HashMap<Imo, usize> = HashMap::with_capacity(self.vessels.len());
        for vessel in &self.vessels {
            if let Some(earlier) = first.insert(vessel.profile.imo, vessel.row) {
                first.insert(vessel.profile.imo, earlier);
                problems.row(
                    "vessels",
                    vessel.row,
                    vessel.line,
                    "vesselIMO",
                    format!("is also the IMO number of vessels[{earlier}]"),
                );
            }
        }
    }
}

/// Every problem of an import: the first [`MAX_PROBLEMS`] listed, all counted.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ImportProblems {
    listed: FieldErrors,
    total: usize,
}

impl ImportProblems {
    pub fn new() -> Self {
        Self::default()
    }

    /// Records the field errors of row `row` of the file part `part`
    /// (`vessels`, `inspections`, `incidents`), named `part[row].field`.
    pub fn extend_row(&mut self, part: &str, row: usize, line: Option<u64>, errors: FieldErrors) {
        self.total += errors.len();
        if self.listed.len() < MAX_PROBLEMS {
            self.listed
                .extend_in_row(&format!("{part}[{row}]"), row, line, errors);
            self.listed.truncate(MAX_PROBLEMS);
        }
    }

    /// Records one problem of one field of a row.
    pub fn row(
        &mut self,
        part: &str,
        row: usize,
        line: Option<u64>,
        field: &str,
        message: impl Into<String>,
    ) {
        let mut errors = FieldErrors::new();
        errors.push(field, message);
        self.extend_row(part, row, line, errors);
    }

    /// Records a problem of the request as a whole (`field` names what).
    pub fn whole(&mut self, field: &str, message: impl Into<String>) {
        self.total += 1;
        if self.listed.len() < MAX_PROBLEMS {
            self.listed.push(field, message);
        }
    }

    /// Records a problem of a CSV file's line (its header, say).
    pub fn line(&mut self, field: &str, line: u64, message: impl Into<String>) {
        self.total += 1;
        if self.listed.len() < MAX_PROBLEMS {
            let mut errors = FieldErrors::new();
            errors.push(field, message);
            let mut error = errors.into_vec().pop().expect("one error");
            error.line = Some(line);
            self.listed.append(error.into());
        }
    }

    /// Adds every problem of `other` (listed up to the limit, all counted).
    pub fn append(&mut self, other: ImportProblems) {
        self.total += other.total;
        for error in other.listed.into_vec() {
            if self.listed.len() < MAX_PROBLEMS {
                self.listed.append(error.into());
            }
        }
    }

    pub fn is_empty(&self) -> bool {
        self.total == 0
    }

    /// How many problems there are in all.
    pub fn total(&self) -> usize {
        self.total
    }

    /// The listed problems (the first [`MAX_PROBLEMS`]).
    pub fn listed(&self) -> &FieldErrors {
        &self.listed
    }

    pub fn into_listed(self) -> FieldErrors {
        self.listed
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn problems_past_the_limit_are_counted_not_listed() {
        let mut problems = ImportProblems::new();
        for row in 0..MAX_PROBLEMS + 5 {
            problems.row("vessels", row, Some(row as u64 + 2), "flag", "bad");
        }
        assert_eq!(problems.total(), MAX_PROBLEMS + 5);
        assert_eq!(problems.listed().len(), MAX_PROBLEMS);
        let first = problems.listed().iter().next().unwrap();
        assert_eq!(first.field, "vessels[0].flag");
        assert_eq!((first.row, first.line), (Some(0), Some(2)));
    }
}
