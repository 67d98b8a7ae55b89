//! Feedback messages (issue 13, item 8): free text a user typed, which may
//! hold anything, so it is removed whole rather than scrubbed word by word.
//! Three shapes are recognised wherever they appear in an event:
//! - a field named for it (`feedback`, `feedbackMessage`, `feedback_message`);
//! - the `message` of an object that is a submission (it also has `rating`
//!   and `category`), such as a request body captured as JSON;
//! - a string holding a submission's JSON (a body captured as text, a
//!   breadcrumb that logged one): the whole string is replaced.

use serde_json::{Map, Value};

pub const FEEDBACK_MARKER: &str = "[feedback]";

/// Whether a field's name says it holds a feedback message.
pub fn is_feedback_field(name: &str) -> bool {
    let folded: String = name
        .chars()
        .filter(|c| c.is_alphanumeric())
        .flat_map(char::to_lowercase)
        .collect();
    matches!(
        folded.as_str(),
        "feedback" | "feedbackmessage" | "feedbacktext"
    )
}

/// Whether an object is a feedback submission, whose `message` must go.
pub fn is_feedback_submission(map: &Map<String, Value>) -> bool {
    map.contains_key("message") && map.contains_key("rating") && map.contains_key("category")
}

/// Whether a string holds a submission's JSON (its three member names quoted).
pub fn holds_feedback_body(text: &str) -> bool {
    ["\"message\"", "\"rating\"", "\"category\""]
        .iter()
        .all(|name| text.contains(name))
        || ["\\\"message\\\"", "\\\"rating\\\"", "\\\"category\\\""]
            .iter()
            .all(|name| text.contains(name))
}
