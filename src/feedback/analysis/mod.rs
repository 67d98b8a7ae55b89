//! The summary of a set of feedback entries: counts, sentiment, themes,
//! priority issues, feature requests.
//!
//! A message's VADER compound is scored once, when it is submitted, and
//! stored with it ([`FeedbackEntry::compound`]); each message is read once
//! here ([`read_message`]: themes, requests), in parallel with rayon on whichever pool runs the analysis
//! (the compute bridge's); the summary is then folded in entry order, so
//! the answer does not depend on the thread count.

mod phrases;
mod priority;
mod requests;
mod sentiment;
mod themes;

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use rayon::prelude::*;
use serde::Serialize;
use uuid::Uuid;

use crate::domain::{FeedbackCategory, FeedbackRating};
pub use priority::{PRIORITY_COMPOUND, PRIORITY_RATING, impact_score, is_priority};
pub use requests::CATALOGUE as FEATURE_REQUEST_CATALOGUE;
pub use sentiment::{
    NEGATIVE_THRESHOLD, POSITIVE_THRESHOLD, Sentiment, classify_sentiment, compound,
};
pub use themes::{Theme, normalise};

/// Example quotes per theme.
pub const THEME_EXAMPLES: usize = 3;
/// Priority issues listed (the most urgent).
pub const PRIORITY_ISSUES_LISTED: usize = 20;
/// A quote is cut to this many characters.
pub const QUOTE_CHARS: usize = 280;

/// One stored submission, as the analysis reads it.
#[derive(Debug, Clone)]
pub struct FeedbackEntry {
    pub id: Uuid,
    pub rating: FeedbackRating,
    pub category: FeedbackCategory,
    pub message: String,
    /// The message's [`compound`] sentiment, as scored at submission.
    pub compound: f64,
    pub received_at: DateTime<Utc>,
}

/// What one message says, read once.
#[derive(Debug, Clone)]
struct MessageReading {
    compound: f64,
    themes: Vec<Theme>,
    requests: Vec<&'static str>,
}

/// The themes of `message`, in [`Theme::ALL`] order.
pub fn themes_of(message: &str) -> Vec<Theme> {
    phrases::read(&normalise(message)).themes
}

fn read_message(entry: &FeedbackEntry) -> MessageReading {
    let found = phrases::read(&normalise(&entry.message));
    MessageReading {
        compound: entry.compound,
        themes: found.themes,
        requests: found.requests,
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SentimentDistribution {
    pub positive: u64,
    pub neutral: u64,
    pub negative: u64,
    /// The compound thresholds: positive at or above, negative at or below.
    pub positive_threshold: f64,
    pub negative_threshold: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ThemeCount {
    pub theme: Theme,
    pub count: u64,
    /// Up to three messages with the theme, newest first.
    pub examples: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PriorityIssue {
    pub id: Uuid,
    pub rating: u8,
    pub category: &'static str,
    pub compound: f64,
    pub impact_score: f64,
    pub received_at: DateTime<Utc>,
    pub message: String,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct FeatureRequest {
    pub request: &'static str,
    pub mentions: u64,
}

/// The analysis of a set of entries (GET /api/feedback/summary).
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct FeedbackSummary {
    pub total: u64,
    /// Mean rating, `None` for no entries.
    pub average_rating: Option<f64>,
    pub by_category: BTreeMap<&'static str, u64>,
    /// Keys "1" to "5".
    pub by_rating: BTreeMap<String, u64>,
    pub sentiment: SentimentDistribution,
    pub themes: Vec<ThemeCount>,
    pub priority_issues: Vec<PriorityIssue>,
    pub feature_requests: Vec<FeatureRequest>,
}

/// `message` cut to [`QUOTE_CHARS`] characters, with an ellipsis when cut.
pub fn quote(message: &str) -> String {
    match message.char_indices().nth(QUOTE_CHARS) {
        None => message.to_string(),
        Some((cut, _)) => format!("{}…", &message[..cut]),
    }
}

/// The summary of `entries`, with recency measured back from `now`.
pub fn analyse(entries: &[FeedbackEntry], now: DateTime<Utc>) -> FeedbackSummary {
    let readings: Vec<MessageReading> = entries
        .par_iter()
        .with_min_len(256)
        .map(read_message)
        .collect();

    let mut by_category: BTreeMap<&'static str, u64> = FeedbackCategory::ALL
        .iter()
        .map(|c| (c.as_str(), 0))
        .collect();
    let mut by_rating: BTreeMap<String, u64> = (1..=5).map(|r| (r.to_string(), 0)).collect();
    let mut sentiment = SentimentDistribution {
        positive: 0,
        neutral: 0,
        negative: 0,
        positive_threshold: POSITIVE_THRESHOLD,
        negative_threshold: NEGATIVE_THRESHOLD,
    };
    let mut theme_members: BTreeMap<Theme, Vec<usize>> =
        Theme::ALL.iter().map(|t| (*t, Vec::new())).collect();
    let mut requests: BTreeMap<&'static str, u64> = BTreeMap::new();
    let mut priority = Vec::new();
    let mut rating_sum = 0u64;

    for (index, (entry, reading)) in entries.iter().zip(&readings).enumerate() {
        let rating = entry.rating.get();
        rating_sum += u64::from(rating);
        *by_category.entry(entry.category.as_str()).or_default() += 1;
        *by_rating.entry(rating.to_string()).or_default() += 1;
        match classify_sentiment(reading.compound) {
            Sentiment::Positive => sentiment.positive += 1,
            Sentiment::Neutral => sentiment.neutral += 1,
            Sentiment::Negative => sentiment.negative += 1,
        }
        for theme in &reading.themes {
            theme_members.entry(*theme).or_default().push(index);
        }
        let asks = entry.category == FeedbackCategory::Features
            || reading.themes.contains(&Theme::MissingFeature);
        if asks {
            for request in &reading.requests {
                *requests.entry(request).or_default() += 1;
            }
        }
        if is_priority(reading.compound, rating) {
            let impact = impact_score(reading.compound, rating, entry.received_at, now);
            priority.push((impact, index));
        }
    }

    let newest_first = |a: &usize, b: &usize| {
        let (a, b) = (&entries[*a], &entries[*b]);
        b.received_at.cmp(&a.received_at).then(a.id.cmp(&b.id))
    };
    let themes = theme_members
        .into_iter()
        .map(|(theme, mut members)| {
            let count = members.len() as u64;
            // Only the newest few are quoted: select them, do not sort all.
            if members.len() > THEME_EXAMPLES {
                members.select_nth_unstable_by(THEME_EXAMPLES - 1, newest_first);
                members.truncate(THEME_EXAMPLES);
            }
            members.sort_by(newest_first);
            ThemeCount {
                theme,
                count,
                examples: members
                    .iter()
                    .map(|i| quote(&entries[*i].message))
                    .collect(),
            }
        })
        .collect();

    // Most urgent first; ties newer first, then by id. Only the listed few
    // are quoted.
    priority.sort_by(|(a_impact, a), (b_impact, b)| {
        b_impact
            .total_cmp(a_impact)
            .then_with(|| newest_first(a, b))
    });
    priority.truncate(PRIORITY_ISSUES_LISTED);
    let priority_issues = priority
        .into_iter()
        .map(|(impact_score, index)| {
            let entry = &entries[index];
            PriorityIssue {
                id: entry.id,
                rating: entry.rating.get(),
                category: entry.category.as_str(),
                compound: readings[index].compound,
                impact_score,
                received_at: entry.received_at,
                message: quote(&entry.message),
            }
        })
        .collect();

    let mut feature_requests: Vec<FeatureRequest> = requests
        .into_iter()
        .map(|(request, mentions)| FeatureRequest { request, mentions })
        .collect();
    feature_requests.sort_by(|a, b| b.mentions.cmp(&a.mentions).then(a.request.cmp(b.request)));

    let total = entries.len() as u64;
    FeedbackSummary {
        total,
        average_rating: (total > 0).then(|| rating_sum as f64 / total as f64),
        by_category,
        by_rating,
        sentiment,
        themes,
        priority_issues,
        feature_requests,
    }
}

#[cfg(test)]
mod corpus;
