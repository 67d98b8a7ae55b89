//! Insurance policy ids and the pattern that recognises them.

use regex::Regex;
use serde::{Serialize, Serializer};

/// The default policy id pattern of risk-model.md section 1.
pub const DEFAULT_POLICY_ID_PATTERN: &str = r"^[A-Z]{2,4}-[0-9]{4}-[0-9]{4,8}$";

/// The configured shape of a policy id (`POLICY_ID_PATTERN`).
///
/// The same pattern validates input and lets the telemetry scrubber find
/// policy ids inside free text (there without its `^`/`$` anchors).
#[derive(Debug, Clone)]
pub struct PolicyIdPattern {
    anchored: Regex,
    unanchored: Regex,
    source: String,
}

impl PolicyIdPattern {
    pub fn parse(pattern: &str) -> Result<Self, String> {
        let core = pattern
            .strip_prefix('^')
            .unwrap_or(pattern)
            .strip_suffix('$')
            .unwrap_or_else(|| pattern.strip_prefix('^').unwrap_or(pattern));
        if core.is_empty() {
            return Err("policy id pattern is empty".into());
        }
        let anchored = Regex::new(&format!("^(?:{core})$")).map_err(|e| e.to_string())?;
        let unanchored = Regex::new(&format!(r"\b(?:{core})\b")).map_err(|e| e.to_string())?;
        Ok(Self {
            anchored,
            unanchored,
            source: pattern.to_string(),
        })
    }

    pub fn as_str(&self) -> &str {
        &self.source
    }

    /// Every policy id found anywhere in `text`, for scrubbing.
    pub fn finder(&self) -> &Regex {
        &self.unanchored
    }
}

impl Default for PolicyIdPattern {
    fn default() -> Self {
        Self::parse(DEFAULT_POLICY_ID_PATTERN).expect("the default policy id pattern compiles")
    }
}

/// An insurance policy id that matches the configured pattern.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct PolicyId(String);

impl PolicyId {
    pub fn parse(input: &str, pattern: &PolicyIdPattern) -> Result<Self, String> {
        if pattern.anchored.is_match(input) {
            Ok(Self(input.to_string()))
        } else {
            Err(format!(
                "must match the policy id pattern {}",
                pattern.as_str()
            ))
        }
    }

    /// A policy id read back from storage. It matched the pattern in force
    /// when it was written; a later, stricter pattern must not make the stored
    /// book unreadable.
    pub fn from_storage(stored: String) -> Self {
        Self(stored)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Display for PolicyId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl Serialize for PolicyId {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn default_pattern_accepts_typical_ids() {
        let pattern = PolicyIdPattern::default();
        for id in ["HM-2026-0001", "MARH-2025-12345678", "AB-1999-1234"] {
            assert_eq!(PolicyId::parse(id, &pattern).unwrap().as_str(), id);
        }
    }

    #[test]
    fn default_pattern_rejects_near_misses() {
        let pattern = PolicyIdPattern::default();
        for id in [
            "H-2026-0001",
            "HULLS-2026-0001",
            "hm-2026-0001",
            "HM-26-0001",
            "HM-2026-123",
            "HM-2026-123456789",
            " HM-2026-0001",
            "HM-2026-0001\n",
        ] {
            assert!(PolicyId::parse(id, &pattern).is_err(), "{id:?}");
        }
    }

    #[test]
    fn finder_locates_ids_inside_text() {
        let pattern = PolicyIdPattern::default();
        let text = "claim on HM-2026-0001 and MARH-2025-12345678, not X-1-2";
        let found: Vec<&str> = pattern
            .finder()
            .find_iter(text)
            .map(|m| m.as_str())
            .collect();
        assert_eq!(found, ["HM-2026-0001", "MARH-2025-12345678"]);
    }

    #[test]
    fn a_custom_pattern_is_honoured() {
        let pattern = PolicyIdPattern::parse(r"^POL[0-9]{6}$").unwrap();
        assert!(PolicyId::parse("POL123456", &pattern).is_ok());
        assert!(PolicyId::parse("HM-2026-0001", &pattern).is_err());
        assert!(PolicyIdPattern::parse("(").is_err());
    }

    proptest! {
        #[test]
        fn generated_default_ids_parse(id in "[A-Z]{2,4}-[0-9]{4}-[0-9]{4,8}") {
            prop_assert!(PolicyId::parse(&id, &PolicyIdPattern::default()).is_ok());
        }
    }
}
