//! One pass over a message for both phrase models: every phrase of every
//! [`Theme`] and of the request [`CATALOGUE`](super::requests::CATALOGUE)
//! in one Aho-Corasick automaton.
//!
//! The meaning is [`contains_phrase`]'s, whole words in [`normalise`]d text
//! (see [`super::themes`]); the automaton only finds them faster. Normalised
//! text is padded and has one space between words, so "`phrase` occurs as
//! whole words" is exactly "` phrase `` occurs", and with overlapping matches
//! every phrase that occurs is found, however the phrases overlap.
//!
//! [`contains_phrase`]: super::themes::contains_phrase
//! [`normalise`]: super::themes::normalise

use std::sync::LazyLock;

use aho_corasick::{AhoCorasick, MatchKind};

use super::requests::CATALOGUE;
use super::themes::Theme;

/// What a phrase stands for.
#[derive(Clone, Copy)]
enum Label {
    Theme(usize),
    Request(usize),
}

struct PhraseModel {
    automaton: AhoCorasick,
    /// The label of each pattern, by pattern index.
    labels: Vec<Label>,
}

static MODEL: LazyLock<PhraseModel> = LazyLock::new(|| {
    let mut patterns = Vec::new();
    let mut labels = Vec::new();
    for (index, theme) in Theme::ALL.into_iter().enumerate() {
        for phrase in theme.phrases() {
            patterns.push(format!(" {phrase} "));
            labels.push(Label::Theme(index));
        }
    }
    for (index, (_, phrasings)) in CATALOGUE.iter().enumerate() {
        for phrase in *phrasings {
            patterns.push(format!(" {phrase} "));
            labels.push(Label::Request(index));
        }
    }
    let automaton = AhoCorasick::builder()
        .match_kind(MatchKind::Standard)
        .build(&patterns)
        .expect("the phrase models build an automaton");
    PhraseModel { automaton, labels }
});

/// The themes and requests a normalised message names.
pub(super) struct Found {
    /// In [`Theme::ALL`] order.
    pub(super) themes: Vec<Theme>,
    /// In catalogue order.
    pub(super) requests: Vec<&'static str>,
}

/// Every theme and request `normalised` names, in one pass.
pub(super) fn read(normalised: &str) -> Found {
    let model = &*MODEL;
    let mut themes = [false; Theme::ALL.len()];
    let mut requests = [false; CATALOGUE.len()];
    for found in model.automaton.find_overlapping_iter(normalised) {
        match model.labels[found.pattern().as_usize()] {
            Label::Theme(index) => themes[index] = true,
            Label::Request(index) => requests[index] = true,
        }
    }
    Found {
        themes: Theme::ALL
            .into_iter()
            .zip(themes)
            .filter_map(|(theme, named)| named.then_some(theme))
            .collect(),
        requests: CATALOGUE
            .iter()
            .zip(requests)
            .filter_map(|((name, _), named)| named.then_some(*name))
            .collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::super::themes::{contains_phrase, normalise};
    use super::*;

    /// The definition, one phrase at a time.
    fn read_by_definition(normalised: &str) -> (Vec<Theme>, Vec<&'static str>) {
        let themes = Theme::ALL
            .into_iter()
            .filter(|t| t.phrases().iter().any(|p| contains_phrase(normalised, p)))
            .collect();
        let requests = CATALOGUE
            .iter()
            .filter(|(_, ps)| ps.iter().any(|p| contains_phrase(normalised, p)))
            .map(|(name, _)| *name)
            .collect();
        (themes, requests)
    }

    #[test]
    fn the_automaton_finds_what_the_definition_does() {
        let path =
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/feedback/corpus.json");
        let corpus: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
        let mut texts: Vec<String> = corpus["messages"]
            .as_array()
            .expect("the corpus's messages")
            .iter()
            .map(|m| m["message"].as_str().expect("a message").to_string())
            .collect();
        // Phrases run together, overlapping and at the edges of the text.
        let every_phrase: Vec<&str> = Theme::ALL
            .into_iter()
            .flat_map(|t| t.phrases().iter().copied())
            .chain(CATALOGUE.iter().flat_map(|(_, ps)| ps.iter().copied()))
            .collect();
        texts.push(every_phrase.join(" "));
        texts.push(every_phrase.join(""));
        texts.extend(every_phrase.iter().map(|p| p.to_uppercase()));
        texts.extend(every_phrase.windows(2).map(|w| format!("{}{}", w[0], w[1])));
        texts.extend(["", " ", "slowdown", "no theme here at all"].map(String::from));
        let mut named = 0;
        for text in &texts {
            let normalised = normalise(text);
            let found = read(&normalised);
            let (themes, requests) = read_by_definition(&normalised);
            assert_eq!(found.themes, themes, "{text:?}");
            assert_eq!(found.requests, requests, "{text:?}");
            named += usize::from(!themes.is_empty() || !requests.is_empty());
        }
        // The comparison is not vacuous: each phrase alone names what it stands for.
        assert!(named >= every_phrase.len(), "{named} of {}", texts.len());
    }
}
