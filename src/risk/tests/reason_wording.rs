//! The reasons read as docs/reasons.md words them: every template (one per
//! factor and branch) and every label, rendered here from the document's own
//! tables and compared with the engine's [`Reason`] for the same facts. The
//! numbers are given already written (the document's number rules are
//! checked over random books by tools/frm1/compare.py).

use crate::domain::{CompanyPerformance, FlagState, ShipType};
use crate::risk::Reason;
use crate::risk::model::{ClassPerformance, FlagList};
use crate::risk::reason::ShortCode;

use super::fixture;

/// The rows (header first) of every table under the `## section` heading.
fn tables(doc: &str, section: &str) -> Vec<Vec<Vec<String>>> {
    let mut tables: Vec<Vec<Vec<String>>> = Vec::new();
    let mut inside = false;
    let mut in_table = false;
    for line in doc.lines() {
        if let Some(heading) = line.strip_prefix("## ") {
            inside = heading.trim() == section;
            in_table = false;
        } else if inside && line.starts_with('|') {
            if line.chars().all(|c| "|-: ".contains(c)) {
                continue;
            }
            if !in_table {
                tables.push(Vec::new());
                in_table = true;
            }
            let cells = line.trim().trim_matches('|').split('|');
            let row = cells.map(|c| c.trim().to_owned()).collect();
            tables.last_mut().unwrap().push(row);
        } else {
            in_table = false;
        }
    }
    tables
}

/// `template` with `{name}` and `{name:one/many}` filled from `values`;
/// label values are looked up in `labels`.
fn render(template: &str, values: &[(&str, &str)], labels: &[(String, String)]) -> String {
    let mut out = String::new();
    let mut rest = template;
    while let Some(start) = rest.find('{') {
        out.push_str(&rest[..start]);
        let end = start + rest[start..].find('}').expect("placeholder closes");
        let placeholder = &rest[start + 1..end];
        let (name, nouns) = match placeholder.split_once(':') {
            Some((name, nouns)) => (name, nouns.split_once('/')),
            None => (placeholder, None),
        };
        let value = values
            .iter()
            .find(|(n, _)| *n == name)
            .unwrap_or_else(|| panic!("{template}: no value for {name}"))
            .1;
        let written = labels
            .iter()
            .find(|(key, _)| {
                key == value
                    && matches!(name, "flagList" | "classPerformance" | "companyPerformance")
            })
            .map_or(value, |(_, label)| label.as_str());
        out.push_str(written);
        if let Some((one, many)) = nouns {
            out.push(' ');
            out.push_str(if value == "1" { one } else { many });
        }
        rest = &rest[end + 1..];
    }
    out.push_str(rest);
    out
}

fn code(text: &str) -> ShortCode {
    ShortCode::new(text).unwrap()
}

fn flag(iso: &str) -> FlagState {
    FlagState::parse(iso).unwrap()
}

/// The values a template is filled with: (name, value as written).
type Values = Vec<(&'static str, &'static str)>;

/// (factor, branch, the engine's reason, the values of the template).
fn cases() -> Vec<(&'static str, &'static str, Reason, Values)> {
    let listed = |list, name| {
        let reason = Reason::Flag {
            flag: flag("TZ"),
            list: Some(list),
        };
        (
            "flag",
            "listed",
            reason,
            vec![("flag", "TZ"), ("flagList", name)],
        )
    };
    let class = |performance, name| {
        let reason = Reason::ClassListed {
            code: code("INTLREG"),
            performance,
        };
        let values = vec![("classSociety", "INTLREG"), ("classPerformance", name)];
        ("classSociety", "listed", reason, values)
    };
    let company = |c, name| {
        (
            "company",
            "performance",
            Reason::Company(c),
            vec![("companyPerformance", name)],
        )
    };
    vec![
        (
            "age",
            "built",
            Reason::Built {
                year: 1998,
                age: 28,
            },
            vec![("yearBuilt", "1998"), ("age", "28")],
        ),
        (
            "age",
            "built",
            Reason::Built { year: 2025, age: 1 },
            vec![("yearBuilt", "2025"), ("age", "1")],
        ),
        (
            "shipType",
            "type",
            Reason::ShipType(ShipType::RoRo),
            vec![("shipType", "ro_ro")],
        ),
        listed(FlagList::White, "white"),
        listed(FlagList::Grey, "grey"),
        listed(FlagList::BlackMedium, "black_medium"),
        listed(FlagList::BlackMediumHigh, "black_medium_high"),
        listed(FlagList::BlackHigh, "black_high"),
        listed(FlagList::BlackVeryHigh, "black_very_high"),
        (
            "flag",
            "unlisted",
            Reason::Flag {
                flag: flag("US"),
                list: None,
            },
            vec![("flag", "US")],
        ),
        class(ClassPerformance::High, "high"),
        class(ClassPerformance::Medium, "medium"),
        class(ClassPerformance::Low, "low"),
        class(ClassPerformance::VeryLow, "very_low"),
        (
            "classSociety",
            "unlisted",
            Reason::ClassUnlisted { code: code("XYZ") },
            vec![("classSociety", "XYZ")],
        ),
        ("classSociety", "unclassed", Reason::Unclassed, vec![]),
        company(CompanyPerformance::High, "high"),
        company(CompanyPerformance::Medium, "medium"),
        company(CompanyPerformance::Low, "low"),
        company(CompanyPerformance::VeryLow, "very_low"),
        (
            "detentions",
            "count",
            Reason::Detentions {
                count: 0,
                months: 36,
            },
            vec![("detentions", "0"), ("detentionMonths", "36")],
        ),
        (
            "detentions",
            "count",
            Reason::Detentions {
                count: 1,
                months: 36,
            },
            vec![("detentions", "1"), ("detentionMonths", "36")],
        ),
        (
            "deficiencies",
            "noInspection",
            Reason::NoInspection { months: 36 },
            vec![("deficiencyMonths", "36")],
        ),
        (
            "deficiencies",
            "counted",
            Reason::Deficiencies {
                deficiencies: 1,
                inspections: 2,
                months: 36,
            },
            vec![
                ("deficiencies", "1"),
                ("inspections", "2"),
                ("deficiencyMonths", "36"),
            ],
        ),
        (
            "incidents",
            "noIncident",
            Reason::NoIncident { months: 60 },
            vec![("incidentMonths", "60")],
        ),
        (
            "incidents",
            "counted",
            Reason::Incidents {
                count: 3,
                months: 60,
                points: 4.5,
            },
            vec![
                ("incidents", "3"),
                ("incidentMonths", "60"),
                ("severityPoints", "4.50"),
            ],
        ),
        (
            "lossRatio",
            "noLosses",
            Reason::NoLosses { months: 60 },
            vec![("lossMonths", "60")],
        ),
        (
            "lossRatio",
            "losses",
            Reason::Losses {
                losses: 2_150_000.0,
                ratio: 0.0215,
                months: 60,
            },
            vec![
                ("losses", "2150000"),
                ("lossRatio", "0.0215"),
                ("lossMonths", "60"),
            ],
        ),
        (
            "lossRatio",
            "noValueNoLosses",
            Reason::NoValueNoLosses { months: 60 },
            vec![("lossMonths", "60")],
        ),
        (
            "lossRatio",
            "noValueLosses",
            Reason::NoValueLosses {
                losses: 250_000.0,
                months: 60,
            },
            vec![("losses", "250000"), ("lossMonths", "60")],
        ),
        (
            "listedAreas",
            "days",
            Reason::ListedAreas { days: 1 },
            vec![("daysInListedAreas12m", "1")],
        ),
        (
            "darkActivity",
            "counts",
            Reason::DarkActivity {
                ais_gaps: 2,
                flag_changes: 1,
            },
            vec![("aisGaps12m", "2"), ("flagChanges36m", "1")],
        ),
    ]
}

#[test]
fn every_reason_reads_as_the_wording_specification_words_it() {
    let doc = std::fs::read_to_string(fixture("docs/reasons.md")).expect("docs/reasons.md");
    let templates = tables(&doc, "Templates").remove(0);
    assert_eq!(templates[0][..2], ["factor", "branch"]);
    let labels: Vec<(String, String)> = tables(&doc, "Labels")
        .into_iter()
        .flat_map(|table| table.into_iter().skip(1))
        .map(|row| (row[0].clone(), row[1].clone()))
        .collect();
    assert_eq!(labels.len(), 10, "6 flag lists and 4 performances");

    let cases = cases();
    for row in &templates[1..] {
        let template = row[3].trim_matches('`');
        let mine: Vec<_> = cases
            .iter()
            .filter(|c| c.0 == row[0] && c.1 == row[1])
            .collect();
        assert!(
            !mine.is_empty(),
            "no case for the branch {}/{}",
            row[0],
            row[1]
        );
        for (_, _, reason, values) in mine {
            assert_eq!(
                reason.to_string(),
                render(template, values, &labels),
                "{}/{}",
                row[0],
                row[1]
            );
        }
    }
    for (factor, branch, ..) in &cases {
        assert!(
            templates
                .iter()
                .any(|row| row[0] == *factor && row[1] == *branch),
            "the specification has no branch {factor}/{branch}"
        );
    }
    for (wire, _) in &labels {
        assert!(
            cases.iter().any(|c| c.3.iter().any(|(_, v)| v == wire)),
            "label {wire} unchecked"
        );
    }
}
