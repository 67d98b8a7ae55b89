//! In-app feedback analysis (issue 13, items 9-10): what the weekly review
//! reads out of the stored messages. Pure: no IO, no clock (`now` is passed
//! in), run on the compute bridge by the HTTP layer.
//!
//! [`analysis`] turns entries into a [`FeedbackSummary`]; [`report`]
//! renders that summary as the weekly Markdown report.

pub mod analysis;
pub mod report;

pub use analysis::{
    FeedbackEntry, FeedbackSummary, Sentiment, Theme, analyse, classify_sentiment, compound,
    themes_of,
};
