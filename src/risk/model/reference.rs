//! The flag and class society reference tables (Paris MoU performance
//! lists): their values, and the parsing of the two CSV files.

use std::collections::HashMap;

use crate::domain::FlagState;

use super::error::ModelError;

/// Paris MoU White/Grey/Black list colour of a flag.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FlagList {
    White,
    Grey,
    BlackMedium,
    BlackMediumHigh,
    BlackHigh,
    BlackVeryHigh,
}

impl FlagList {
    pub const ALL: [FlagList; 6] = [
        Self::White,
        Self::Grey,
        Self::BlackMedium,
        Self::BlackMediumHigh,
        Self::BlackHigh,
        Self::BlackVeryHigh,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::White => "white",
            Self::Grey => "grey",
            Self::BlackMedium => "black_medium",
            Self::BlackMediumHigh => "black_medium_high",
            Self::BlackHigh => "black_high",
            Self::BlackVeryHigh => "black_very_high",
        }
    }

    fn parse(input: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|list| list.as_str() == input)
    }
}

/// Paris MoU RO (recognized organization) performance of a class society.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ClassPerformance {
    High,
    Medium,
    Low,
    VeryLow,
}

impl ClassPerformance {
    pub const ALL: [ClassPerformance; 4] = [Self::High, Self::Medium, Self::Low, Self::VeryLow];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::High => "high",
            Self::Medium => "medium",
            Self::Low => "low",
            Self::VeryLow => "very_low",
        }
    }

    fn parse(input: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|p| p.as_str() == input)
    }
}

/// One row of the flag reference table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FlagRecord {
    pub list: FlagList,
    pub imo_audited: bool,
}

/// One row of the class society reference table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClassRecord {
    pub performance: ClassPerformance,
    pub eu_recognized: bool,
}

/// How a vessel's classification reads against the reference table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ClassStanding {
    Listed(ClassRecord),
    Unlisted,
    Unclassed,
}

/// The flag table, indexed by the two letters of the flag code (26 x 26).
#[derive(Debug, Clone, PartialEq)]
pub(super) struct FlagTable(Vec<Option<FlagRecord>>);

impl FlagTable {
    /// The flag's row; `None` is unlisted.
    pub(super) fn get(&self, flag: FlagState) -> Option<FlagRecord> {
        flag_index(flag.as_str()).and_then(|i| self.0[i])
    }

    /// Every listed flag, in code order.
    pub(super) fn listed(&self) -> Vec<(FlagState, FlagRecord)> {
        let mut out = Vec::new();
        for (i, record) in self.0.iter().enumerate() {
            if let Some(record) = record {
                let code = [b'A' + (i / 26) as u8, b'A' + (i % 26) as u8];
                let code = std::str::from_utf8(&code).expect("ASCII");
                out.push((FlagState::parse(code).expect("validated at load"), *record));
            }
        }
        out
    }
}

/// The class society table, by exact code.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct ClassTable(HashMap<String, ClassRecord>);

impl ClassTable {
    pub(super) fn standing(&self, code: Option<&str>) -> ClassStanding {
        match code {
            None => ClassStanding::Unclassed,
            Some(code) => self
                .0
                .get(code)
                .map_or(ClassStanding::Unlisted, |r| ClassStanding::Listed(*r)),
        }
    }

    /// Every listed class society code, sorted.
    pub(super) fn listed(&self) -> Vec<(&str, ClassRecord)> {
        let mut out: Vec<(&str, ClassRecord)> = self
            .0
            .iter()
            .map(|(code, record)| (code.as_str(), *record))
            .collect();
        out.sort_by(|a, b| a.0.cmp(b.0));
        out
    }
}

fn flag_index(code: &str) -> Option<usize> {
    match code.as_bytes() {
        [a @ b'A'..=b'Z', b @ b'A'..=b'Z'] => {
            Some(usize::from(a - b'A') * 26 + usize::from(b - b'A'))
        }
        _ => None,
    }
}

/// A CSV table: the positions of the required columns, then each row with
/// its 1-based line number.
struct CsvTable<'a> {
    positions: Vec<usize>,
    rows: Vec<(usize, Vec<&'a str>)>,
}

/// Splits a CSV text into its header columns and rows; the last column takes
/// the rest of the line, so free-text `source` notes may hold commas.
fn csv_rows<'a>(
    file: &'static str,
    text: &'a str,
    required: &[&str],
) -> Result<CsvTable<'a>, ModelError> {
    let mut lines = text
        .lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty());
    let Some((_, header)) = lines.next() else {
        return Err(ModelError::Reference {
            file,
            line: 1,
            message: "empty file".into(),
        });
    };
    let columns: Vec<&str> = header.split(',').map(str::trim).collect();
    let mut positions = Vec::new();
    for name in required {
        match columns.iter().position(|c| c == name) {
            Some(p) => positions.push(p),
            None => {
                return Err(ModelError::Reference {
                    file,
                    line: 1,
                    message: format!("missing column {name}"),
                });
            }
        }
    }
    let mut rows = Vec::new();
    for (index, line) in lines {
        let cells: Vec<&str> = line.splitn(columns.len(), ',').map(str::trim).collect();
        if cells.len() != columns.len() {
            return Err(ModelError::Reference {
                file,
                line: index + 1,
                message: format!("expected {} columns, found {}", columns.len(), cells.len()),
            });
        }
        rows.push((index + 1, cells));
    }
    Ok(CsvTable { positions, rows })
}

fn parse_bool(
    file: &'static str,
    line: usize,
    column: &str,
    raw: &str,
    default: bool,
) -> Result<bool, ModelError> {
    match raw {
        "" => Ok(default),
        "true" => Ok(true),
        "false" => Ok(false),
        other => Err(ModelError::Reference {
            file,
            line,
            message: format!("{column} is '{other}', expected true or false"),
        }),
    }
}

/// Parses the flag table (`iso2,list,imo_audited,...`).
pub(super) fn parse_flags(text: &str) -> Result<FlagTable, ModelError> {
    const FILE: &str = "flag table";
    let CsvTable {
        positions: pos,
        rows,
    } = csv_rows(FILE, text, &["iso2", "list", "imo_audited"])?;
    let mut table = vec![None; 26 * 26];
    for (line, cells) in rows {
        let code = cells[pos[0]];
        let flag = FlagState::parse(code).map_err(|message| ModelError::Reference {
            file: FILE,
            line,
            message: format!("iso2 {message}"),
        })?;
        let list = FlagList::parse(cells[pos[1]]).ok_or_else(|| ModelError::Reference {
            file: FILE,
            line,
            message: format!(
                "list is '{}', expected one of white, grey, black_medium, black_medium_high, black_high, black_very_high",
                cells[pos[1]]
            ),
        })?;
        let imo_audited = parse_bool(FILE, line, "imo_audited", cells[pos[2]], true)?;
        let slot = &mut table[flag_index(flag.as_str()).expect("parsed flags are two letters")];
        if slot.is_some() {
            return Err(ModelError::Reference {
                file: FILE,
                line,
                message: format!("flag {code} is listed twice"),
            });
        }
        *slot = Some(FlagRecord { list, imo_audited });
    }
    Ok(FlagTable(table))
}

/// Parses the class society table (`code,performance,eu_recognized,...`).
pub(super) fn parse_class_societies(text: &str) -> Result<ClassTable, ModelError> {
    const FILE: &str = "class society table";
    let CsvTable {
        positions: pos,
        rows,
    } = csv_rows(FILE, text, &["code", "performance", "eu_recognized"])?;
    let mut table = HashMap::new();
    for (line, cells) in rows {
        let code = cells[pos[0]];
        if code.is_empty() {
            return Err(ModelError::Reference {
                file: FILE,
                line,
                message: "code is empty".into(),
            });
        }
        let performance =
            ClassPerformance::parse(cells[pos[1]]).ok_or_else(|| ModelError::Reference {
                file: FILE,
                line,
                message: format!(
                    "performance is '{}', expected one of high, medium, low, very_low",
                    cells[pos[1]]
                ),
            })?;
        let eu_recognized = parse_bool(FILE, line, "eu_recognized", cells[pos[2]], false)?;
        let record = ClassRecord {
            performance,
            eu_recognized,
        };
        if table.insert(code.to_string(), record).is_some() {
            return Err(ModelError::Reference {
                file: FILE,
                line,
                message: format!("class society {code} is listed twice"),
            });
        }
    }
    Ok(ClassTable(table))
}
