//! Feature requests: the wording people use, normalised to one name per
//! request so "excel export", "export to xlsx" and "download as Excel" are
//! counted as one.
//!
//! A message counts as a mention of a request when it names it in any of
//! the catalogue's phrasings (whole words, see [`super::themes`]) and it
//! asks for something: its category is `Features` or it has the
//! `missing_feature` theme. "The Excel export is great" is praise, not a
//! request. Each message counts once per request.

/// `(name, phrasings)`: the catalogue of requests we recognise.
pub const CATALOGUE: &[(&str, &[&str])] = &[
    (
        "Export to Excel",
        &[
            "export to excel",
            "excel export",
            "export as excel",
            "export in excel",
            "export to xlsx",
            "xlsx",
            "download as excel",
            "download to excel",
            "excel download",
            "excel file",
            "spreadsheet export",
            "export to a spreadsheet",
        ],
    ),
    (
        "Mobile app",
        &[
            "mobile app",
            "mobile application",
            "iphone app",
            "android app",
            "ios app",
            "app for my phone",
            "on my phone",
            "phone app",
            "tablet app",
            "mobile version",
        ],
    ),
    (
        "Custom thresholds",
        &[
            "custom thresholds",
            "custom threshold",
            "own thresholds",
            "my own thresholds",
            "configurable thresholds",
            "adjust the thresholds",
            "change the thresholds",
            "set thresholds",
            "set our own thresholds",
            "threshold settings",
            "custom risk thresholds",
            "custom risk levels",
        ],
    ),
    (
        "Email alerts",
        &[
            "email alert",
            "email alerts",
            "email notification",
            "email notifications",
            "notify me by email",
            "alerts by email",
            "e mail alerts",
        ],
    ),
    ("Dark mode", &["dark mode", "dark theme", "night mode"]),
    (
        "PDF reports",
        &[
            "pdf",
            "pdf export",
            "pdf report",
            "pdf reports",
            "export to pdf",
        ],
    ),
    (
        "API access",
        &["api access", "an api", "rest api", "webhook", "webhooks"],
    ),
    (
        "Saved filters",
        &[
            "saved filters",
            "save filters",
            "save my filters",
            "save a filter",
            "saved views",
        ],
    ),
    (
        "Map view",
        &[
            "map view",
            "on a map",
            "vessel positions",
            "show the fleet on a map",
        ],
    ),
    (
        "Bulk editing",
        &[
            "bulk edit",
            "bulk editing",
            "edit several vessels",
            "edit many vessels",
        ],
    ),
    (
        "Historical comparison",
        &[
            "compare with last",
            "compare to last",
            "year over year",
            "compare runs",
            "historical comparison",
            "side by side comparison",
        ],
    ),
];

#[cfg(test)]
mod tests {
    use super::super::phrases::read;
    use super::super::themes::normalise;

    #[test]
    fn phrasings_are_normalised_to_one_name() {
        for text in [
            "Please add an export to Excel!",
            "an XLSX download would help",
            "Can I download as Excel?",
        ] {
            assert_eq!(
                read(&normalise(text)).requests,
                ["Export to Excel"],
                "{text}"
            );
        }
        assert_eq!(
            read(&normalise("a mobile app and dark mode")).requests,
            ["Mobile app", "Dark mode"]
        );
    }
}
