//! Themes: what a message is about, from a keyword and phrase model.
//!
//! A message is normalised (lowercased, every run of characters that are
//! not letters or digits made one space, padded with a space each end) and
//! has a theme when any of the theme's phrases occurs in it as whole words
//! (" slow " matches "is slow." but not "slowdown"). A message may have
//! several themes or none. The phrase lists are the model: read them here,
//! documented in docs/design.md; the fixture corpus measures them.

use serde::Serialize;

/// The themes the weekly review counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Theme {
    Performance,
    Accuracy,
    Usability,
    MissingFeature,
    Bug,
    DataQuality,
}

impl Theme {
    pub const ALL: [Self; 6] = [
        Self::Performance,
        Self::Accuracy,
        Self::Usability,
        Self::MissingFeature,
        Self::Bug,
        Self::DataQuality,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Performance => "performance",
            Self::Accuracy => "accuracy",
            Self::Usability => "usability",
            Self::MissingFeature => "missing_feature",
            Self::Bug => "bug",
            Self::DataQuality => "data_quality",
        }
    }

    /// A heading for people ("Missing feature").
    pub fn title(self) -> &'static str {
        match self {
            Self::Performance => "Performance",
            Self::Accuracy => "Accuracy",
            Self::Usability => "Usability",
            Self::MissingFeature => "Missing feature",
            Self::Bug => "Bug",
            Self::DataQuality => "Data quality",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|t| t.as_str() == text)
    }

    pub(super) fn phrases(self) -> &'static [&'static str] {
        match self {
            Self::Performance => &[
                "slow",
                "slowly",
                "slower",
                "sluggish",
                "lag",
                "laggy",
                "lags",
                "takes forever",
                "took forever",
                "load time",
                "loading time",
                "loads",
                "to load",
                "loading",
                "takes ages",
                "timeout",
                "timeouts",
                "timed out",
                "times out",
                "spinner",
                "seconds",
                "takes minutes",
                "a minute",
                "fast",
                "faster",
                "quick",
                "snappy",
                "performance",
                "speed",
                "responsive",
                "unresponsive",
                "hangs",
            ],
            Self::Accuracy => &[
                "accurate",
                "accuracy",
                "inaccurate",
                "incorrect",
                "miscalculated",
                "overestimate",
                "overestimates",
                "underestimate",
                "underestimates",
                "too high",
                "too low",
                "score seems",
                "scores seem",
                "score is off",
                "scores are off",
                "wrong score",
                "wrong risk",
                "risk score doesn t",
                "doesn t match our",
                "does not match our",
                "doesn t reflect",
                "does not reflect",
                "overrated",
                "underrated",
                "precise",
                "spot on",
                "matches our own",
                "matches our internal",
                "realistic",
                "unrealistic",
                "seem wrong",
                "seems wrong",
                "numbers are wrong",
            ],
            Self::Usability => &[
                "confusing",
                "confused",
                "intuitive",
                "unintuitive",
                "hard to find",
                "easy to use",
                "easy to find",
                "hard to use",
                "difficult to",
                "navigation",
                "navigate",
                "menu",
                "button",
                "buttons",
                "layout",
                "cluttered",
                "clunky",
                "interface",
                "ui",
                "ux",
                "too many clicks",
                "readable",
                "font",
                "tooltip",
                "tooltips",
                "labels",
                "user friendly",
                "clean design",
                "where to click",
                "scroll",
                "scrolling",
            ],
            Self::MissingFeature => &[
                "i wish",
                "wish there",
                "wish it",
                "would be nice",
                "would be great",
                "would love",
                "would like",
                "please add",
                "please let",
                "add an option",
                "add a way",
                "an option to",
                "no way to",
                "there is no",
                "there s no",
                "can we get",
                "could you add",
                "we need a",
                "we need an",
                "need the ability",
                "feature request",
                "missing a",
                "lacks",
                "support for",
                "ability to",
                "should be able",
                "it would help",
                "we need",
                "please",
                "would save",
                "could we get",
            ],
            Self::Bug => &[
                "bug",
                "bugs",
                "buggy",
                "crash",
                "crashes",
                "crashed",
                "error",
                "errors",
                "broken",
                "breaks",
                "doesn t work",
                "does not work",
                "not working",
                "stopped working",
                "fails",
                "failed",
                "failing",
                "glitch",
                "glitchy",
                "blank page",
                "blank screen",
                "error 500",
                "freezes",
                "froze",
                "frozen",
                "exception",
                "logged out",
                "disappears",
                "disappeared",
            ],
            Self::DataQuality => &[
                "outdated",
                "out of date",
                "stale",
                "old data",
                "not updated",
                "data is wrong",
                "data is missing",
                "missing data",
                "duplicate",
                "duplicates",
                "duplicated",
                "incomplete",
                "wrong flag",
                "wrong tonnage",
                "wrong build year",
                "wrong owner",
                "wrong class",
                "inspection records",
                "inspection data",
                "incident records",
                "incident data",
                "data quality",
                "mismatch",
                "typo",
                "still shows the old",
                "still listed",
                "sold last year",
                "renamed",
                "year is wrong",
                "tonnage is wrong",
                "flag is wrong",
            ],
        }
    }
}

/// `text` lowercased, with every run of non-alphanumeric characters one
/// space, padded: the form phrases are matched against.
pub fn normalise(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push(' ');
    for c in text.chars() {
        if c.is_alphanumeric() {
            out.extend(c.to_lowercase());
        } else if !out.ends_with(' ') {
            out.push(' ');
        }
    }
    if !out.ends_with(' ') {
        out.push(' ');
    }
    out
}

/// Whether `phrase` (already lowercased, words separated by spaces) occurs
/// in `normalised` as whole words: the definition, one phrase at a time,
/// that the one-pass search ([`super::phrases`]) is tested against.
#[cfg(test)]
pub(super) fn contains_phrase(normalised: &str, phrase: &str) -> bool {
    let mut from = 0;
    while let Some(found) = normalised[from..].find(phrase) {
        let start = from + found;
        let end = start + phrase.len();
        if normalised[..start].ends_with(' ') && normalised[end..].starts_with(' ') {
            return true;
        }
        from = start + 1;
        while !normalised.is_char_boundary(from) {
            from += 1;
        }
    }
    false
}

#[cfg(test)]
mod tests {
    use super::super::themes_of;
    use super::*;

    #[test]
    fn phrases_match_whole_words_only() {
        let text = normalise("The map is SLOW... and the slowdown, well.");
        assert_eq!(text, " the map is slow and the slowdown well ");
        assert!(contains_phrase(&text, "slow"));
        assert!(!contains_phrase(&text, "down"));
        assert!(contains_phrase(
            &normalise("it doesn't work"),
            "doesn t work"
        ));
    }

    #[test]
    fn a_message_may_have_several_themes_or_none() {
        assert_eq!(
            themes_of("The dashboard crashes and is slow"),
            [Theme::Performance, Theme::Bug]
        );
        assert!(themes_of("Thanks, team.").is_empty());
    }
}
