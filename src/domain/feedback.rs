//! In-app feedback as the widget sends it (issue 13, item 8): a rating, a
//! category, a free-text message and where it was sent from.
//!
//! The message follows the long-text rule of [`free_text`](super::free_text)
//! (line breaks and tabs of prose, no other control character) and is kept
//! as sent: it is the user's words, analysed later, never trimmed or
//! rewritten. It may hold an IMO number or a policy id, so it is never
//! logged (see the telemetry scrubber for Sentry).

use chrono::{DateTime, Duration, Utc};
use serde_json::Value;

use super::free_text::{parse_long_text, parse_short_text};
use super::{FieldErrors, JsonFields};

/// A message holds at most this many characters.
pub const FEEDBACK_MESSAGE_MAX_CHARS: usize = 2000;
/// A context timestamp may run this far ahead of the server's clock (client clocks drift).
const FUTURE_TOLERANCE_MINUTES: i64 = 5;
const FEATURE_MAX_CHARS: usize = 100;
const SESSION_ID_MAX_CHARS: usize = 128;
const VERSION_MAX_CHARS: usize = 64;

/// A rating from 1 (worst) to 5 (best).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct FeedbackRating(u8);

impl FeedbackRating {
    pub fn parse(value: i64) -> Result<Self, String> {
        u8::try_from(value)
            .ok()
            .filter(|v| (1..=5).contains(v))
            .map(Self)
            .ok_or_else(|| "must be between 1 and 5".to_string())
    }

    pub fn get(self) -> u8 {
        self.0
    }
}

/// What the feedback is about, as the widget offers it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum FeedbackCategory {
    Performance,
    Accuracy,
    Usability,
    Features,
}

impl FeedbackCategory {
    pub const ALL: [Self; 4] = [
        Self::Performance,
        Self::Accuracy,
        Self::Usability,
        Self::Features,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Performance => "Performance",
            Self::Accuracy => "Accuracy",
            Self::Usability => "Usability",
            Self::Features => "Features",
        }
    }

    pub fn parse(text: &str) -> Result<Self, &'static str> {
        Self::ALL
            .into_iter()
            .find(|c| c.as_str() == text)
            .ok_or("must be one of Performance, Accuracy, Usability, Features")
    }
}

/// Where and when the feedback was sent from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FeedbackContext {
    pub feature: String,
    /// The client's version, a semantic version (semver.org 2.0.0).
    pub version: String,
    pub session_id: String,
    pub timestamp: DateTime<Utc>,
}

/// One valid submission.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FeedbackSubmission {
    pub rating: FeedbackRating,
    pub category: FeedbackCategory,
    pub message: String,
    pub context: FeedbackContext,
}

/// A `FeedbackSubmission` body checked against `now`, every bad field named
/// (`context.version`, ...).
pub fn parse_feedback(body: &Value, now: DateTime<Utc>) -> Result<FeedbackSubmission, FieldErrors> {
    let mut fields = JsonFields::of(body)?;
    let rating = fields
        .integer_in("rating", None, 1, 5)
        .and_then(|v| FeedbackRating::parse(v).ok());
    let category = fields.string_as("category", FeedbackCategory::parse);
    let message = fields.string_as("message", |text| {
        parse_long_text(text, FEEDBACK_MESSAGE_MAX_CHARS)
    });
    let context = fields.object("context");
    let mut errors = fields.finish();
    let context = context.and_then(|value| match parse_context(value, now) {
        Ok(context) => Some(context),
        Err(context_errors) => {
            errors.extend_prefixed("context", context_errors);
            None
        }
    });
    match (rating, category, message, context) {
        (Some(rating), Some(category), Some(message), Some(context)) if errors.is_empty() => {
            Ok(FeedbackSubmission {
                rating,
                category,
                message,
                context,
            })
        }
        _ => Err(errors),
    }
}

fn parse_context(value: &Value, now: DateTime<Utc>) -> Result<FeedbackContext, FieldErrors> {
    let mut fields = JsonFields::of(value)?;
    let feature = fields.string_as("feature", |text| {
        parse_short_text(text, FEATURE_MAX_CHARS, "must not be blank")
    });
    let version = fields.string_as("version", semantic_version);
    let session_id = fields.string_as("sessionId", |text| {
        parse_short_text(text, SESSION_ID_MAX_CHARS, "must not be blank")
    });
    let timestamp = fields.string_as("timestamp", |text| sent_at(text, now));
    let errors = fields.finish();
    match (feature, version, session_id, timestamp) {
        (Some(feature), Some(version), Some(session_id), Some(timestamp)) if errors.is_empty() => {
            Ok(FeedbackContext {
                feature,
                version,
                session_id,
                timestamp,
            })
        }
        _ => Err(errors),
    }
}

/// An RFC 3339 timestamp no more than five minutes after `now`.
fn sent_at(text: &str, now: DateTime<Utc>) -> Result<DateTime<Utc>, String> {
    let at = DateTime::parse_from_rfc3339(text)
        .map_err(|_| "must be an RFC 3339 timestamp".to_string())?
        .with_timezone(&Utc);
    if at > now + Duration::minutes(FUTURE_TOLERANCE_MINUTES) {
        return Err(format!(
            "must not be more than {FUTURE_TOLERANCE_MINUTES} minutes in the future"
        ));
    }
    Ok(at)
}

const NOT_SEMVER: &str = "must be a semantic version (MAJOR.MINOR.PATCH, semver.org)";

/// A semantic version as semver.org 2.0.0 writes its grammar: three numeric
/// parts without leading zeros, an optional `-pre.release` of dot-separated
/// alphanumeric-and-hyphen identifiers (numeric ones without leading
/// zeros), an optional `+build` of such identifiers (leading zeros allowed).
fn semantic_version(text: &str) -> Result<String, &'static str> {
    if text.len() > VERSION_MAX_CHARS {
        return Err(NOT_SEMVER);
    }
    let (rest, build) = match text.split_once('+') {
        Some((rest, build)) => (rest, Some(build)),
        None => (text, None),
    };
    let (core, pre) = match rest.split_once('-') {
        Some((core, pre)) => (core, Some(pre)),
        None => (rest, None),
    };
    let numeric = |part: &str| {
        !part.is_empty()
            && part.bytes().all(|b| b.is_ascii_digit())
            && (part == "0" || !part.starts_with('0'))
    };
    let identifier = |part: &str| {
        !part.is_empty() && part.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
    };
    let parts: Vec<&str> = core.split('.').collect();
    let core_ok = parts.len() == 3 && parts.iter().all(|p| numeric(p));
    let pre_ok = pre.is_none_or(|pre| {
        pre.split('.')
            .all(|p| identifier(p) && (!p.bytes().all(|b| b.is_ascii_digit()) || numeric(p)))
    });
    let build_ok = build.is_none_or(|build| build.split('.').all(identifier));
    if core_ok && pre_ok && build_ok {
        Ok(text.to_string())
    } else {
        Err(NOT_SEMVER)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn semantic_versions_follow_the_semver_grammar() {
        for good in [
            "0.0.0",
            "1.2.3",
            "10.20.30",
            "1.0.0-alpha",
            "1.0.0-alpha.1",
            "1.0.0-0.3.7",
            "1.0.0-x.7.z.92",
            "1.0.0+20130313144700",
            "1.0.0-beta+exp.sha.5114f85",
            "1.0.0+21AF26D3----117B344092BD",
        ] {
            assert!(semantic_version(good).is_ok(), "{good}");
        }
        for bad in [
            "",
            "1",
            "1.2",
            "1.2.3.4",
            "01.2.3",
            "1.02.3",
            "v1.2.3",
            "1.2.3-",
            "1.2.3-01",
            "1.2.3+",
            "1.2.3-a..b",
            "1.2.3-a_b",
            " 1.2.3",
        ] {
            assert!(semantic_version(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn the_timestamp_may_run_five_minutes_ahead_and_no_more() {
        let now = DateTime::parse_from_rfc3339("2026-12-02T12:00:00Z")
            .unwrap()
            .with_timezone(&Utc);
        assert!(sent_at("2026-12-02T12:05:00Z", now).is_ok());
        assert!(sent_at("2026-12-02T13:05:00+01:00", now).is_ok());
        assert!(sent_at("2026-12-02T12:05:01Z", now).is_err());
        assert!(sent_at("2026-12-02 12:00:00", now).is_err());
    }
}
