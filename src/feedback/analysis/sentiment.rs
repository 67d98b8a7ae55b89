//! Sentiment: VADER (Hutto and Gilbert, 2014) through the `vader_sentiment`
//! crate (MIT), its published lexicon and rules, with a small supplement of
//! product-feedback words the general lexicon lacks.
//!
//! The compound score runs from -1 to +1; the classes use VADER's own
//! published thresholds: positive at `compound >= 0.05`, negative at
//! `compound <= -0.05`, neutral between.

use std::collections::HashMap;
use std::sync::LazyLock;

use serde::Serialize;
use unicase::UniCase;
use vader_sentiment::{LEXICON, SentimentIntensityAnalyzer};

/// At or above: positive.
pub const POSITIVE_THRESHOLD: f64 = 0.05;
/// At or below: negative.
pub const NEGATIVE_THRESHOLD: f64 = -0.05;

/// Words of software feedback missing from VADER's lexicon (which was built
/// from social media), with a valence on its -4..+4 scale chosen by us:
/// about the weight of the lexicon's nearest word ("crash" is -1.7 there,
/// "broken" -2.1, "easy" 1.9). [`NOT_OPINIONS`] takes out words whose sense
/// in this product is not an opinion: Excel the spreadsheet (VADER reads
/// the verb "to excel"), a clean claims record, an active filter, saving
/// a setting, and the request markers "please" and "wish" (a request is
/// neutral unless it says more). Documented in docs/design.md; tuned
/// while writing the fixture corpus, so its accuracy there is a training
/// figure.
const SUPPLEMENT: &[(&str, f64)] = &[
    ("hangs", -1.5),
    ("freezes", -1.5),
    ("freeze", -1.5),
    ("duplicate", -1.0),
    ("duplicates", -1.0),
    ("duplicated", -1.0),
    ("blank", -1.0),
    ("overlap", -0.8),
    ("overlaps", -0.8),
    ("precise", 1.5),
    ("slow", -1.5),
    ("slower", -1.5),
    ("sluggish", -1.6),
    ("laggy", -1.6),
    ("lags", -1.4),
    ("crashes", -1.9),
    ("crashed", -1.9),
    ("bug", -1.4),
    ("bugs", -1.4),
    ("buggy", -1.9),
    ("glitch", -1.3),
    ("glitchy", -1.6),
    ("unusable", -2.6),
    ("unreliable", -1.8),
    ("inaccurate", -1.8),
    ("incorrect", -1.5),
    ("outdated", -1.2),
    ("stale", -1.0),
    ("clunky", -1.5),
    ("cluttered", -1.2),
    ("unresponsive", -1.8),
    ("timeout", -1.3),
    ("timeouts", -1.3),
    ("forever", -0.8),
    ("fast", 1.5),
    ("faster", 1.4),
    ("snappy", 1.6),
    ("quick", 1.2),
    ("accurate", 1.5),
    ("intuitive", 1.8),
    ("reliable", 1.5),
    ("seamless", 1.8),
    ("smooth", 1.4),
];

/// Lexicon words removed (see [`SUPPLEMENT`]): removed rather than set to 0,
/// because VADER's booster rule gives a 0-valence lexicon word a sign.
/// "risks" too: underwriters call the ships they insure risks ("I review
/// risks on the road").
const NOT_OPINIONS: &[&str] = &[
    "excel", "clean", "active", "save", "please", "wish", "risks",
];

static FEEDBACK_LEXICON: LazyLock<HashMap<UniCase<&'static str>, f64>> = LazyLock::new(|| {
    let mut lexicon = LEXICON.clone();
    for &(word, valence) in SUPPLEMENT {
        lexicon.insert(UniCase::new(word), valence);
    }
    for word in NOT_OPINIONS {
        lexicon.remove(&UniCase::new(*word));
    }
    lexicon
});

/// The sentiment class of a message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Sentiment {
    Positive,
    Neutral,
    Negative,
}

impl Sentiment {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Positive => "positive",
            Self::Neutral => "neutral",
            Self::Negative => "negative",
        }
    }
}

/// VADER's compound score of `text`, from -1 to +1.
pub fn compound(text: &str) -> f64 {
    let analyzer = SentimentIntensityAnalyzer::from_lexicon(&FEEDBACK_LEXICON);
    let scores = analyzer.polarity_scores(text);
    let part = |name: &str| scores.get(name).copied().unwrap_or(0.0);
    // The port subtracts the "!" emphasis from a sum of exactly 0, so a text
    // with no opinion word and an exclamation mark reads negative; published
    // VADER leaves 0 alone. No positive and no negative part means 0.
    if part("pos") == 0.0 && part("neg") == 0.0 {
        return 0.0;
    }
    let score = part("compound");
    if score.is_finite() { score } else { 0.0 }
}

/// The class of a compound score (thresholds +-0.05).
pub fn classify_sentiment(compound: f64) -> Sentiment {
    if compound >= POSITIVE_THRESHOLD {
        Sentiment::Positive
    } else if compound <= NEGATIVE_THRESHOLD {
        Sentiment::Negative
    } else {
        Sentiment::Neutral
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn thresholds_are_inclusive_at_plus_and_minus_five_hundredths() {
        assert_eq!(classify_sentiment(0.05), Sentiment::Positive);
        assert_eq!(classify_sentiment(0.0499), Sentiment::Neutral);
        assert_eq!(classify_sentiment(-0.0499), Sentiment::Neutral);
        assert_eq!(classify_sentiment(-0.05), Sentiment::Negative);
    }

    #[test]
    fn vader_reads_the_published_examples() {
        // From the VADER README: "VADER is smart, handsome, and funny." is
        // compound 0.8316; "VADER is not smart, handsome, nor funny." -0.7424.
        assert!((compound("VADER is smart, handsome, and funny.") - 0.8316).abs() < 0.001);
        assert!(compound("VADER is not smart, handsome, nor funny.") < -0.5);
        assert_eq!(compound(""), 0.0);
    }
}
