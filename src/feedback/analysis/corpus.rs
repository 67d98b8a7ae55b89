//! The fixture corpus (fixtures/feedback/corpus.json): messages written for
//! this test, each labelled by a person with its sentiment and themes.
//! Reports the agreement reached and holds it to the bar: sentiment
//! at least 85 %, themes at least 80 % (a message's themes agree when the
//! predicted set equals the labelled set exactly).

use std::path::Path;

use serde::Deserialize;

use super::{Theme, classify_sentiment, compound, themes_of};

#[derive(Deserialize)]
struct Corpus {
    messages: Vec<Labelled>,
}

#[derive(Deserialize)]
struct Labelled {
    message: String,
    sentiment: String,
    themes: Vec<String>,
}

#[test]
fn the_labelled_corpus_agrees_on_sentiment_and_themes() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/feedback/corpus.json");
    let corpus: Corpus =
        serde_json::from_str(&std::fs::read_to_string(path).unwrap()).expect("the corpus parses");
    let total = corpus.messages.len();
    assert!(total >= 60, "the corpus holds {total} messages");
    let (mut sentiment_agrees, mut themes_agree) = (0, 0);
    for labelled in &corpus.messages {
        let score = compound(&labelled.message);
        let sentiment = classify_sentiment(score).as_str();
        let expected: Vec<Theme> = labelled
            .themes
            .iter()
            .map(|t| Theme::parse(t).unwrap_or_else(|| panic!("unknown theme {t}")))
            .collect();
        let themes = themes_of(&labelled.message);
        if sentiment == labelled.sentiment {
            sentiment_agrees += 1;
        } else {
            println!(
                "sentiment: expected {}, got {sentiment} ({score:.3}): {}",
                labelled.sentiment, labelled.message
            );
        }
        if themes == expected {
            themes_agree += 1;
        } else {
            println!(
                "themes: expected {expected:?}, got {themes:?}: {}",
                labelled.message
            );
        }
    }
    let percent = |n: usize| 100.0 * n as f64 / total as f64;
    println!(
        "corpus of {total}: sentiment {sentiment_agrees}/{total} ({:.1} %), themes {themes_agree}/{total} ({:.1} %)",
        percent(sentiment_agrees),
        percent(themes_agree)
    );
    assert!(percent(sentiment_agrees) >= 85.0, "sentiment below 85 %");
    assert!(percent(themes_agree) >= 80.0, "themes below 80 %");
}
