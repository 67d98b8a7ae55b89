//! Classification society codes.

use serde::{Serialize, Serializer};

/// The code of a classification society (`DNV`, `LR`, `ABS`, ...).
///
/// Any society may class a ship; codes not in the model's table score as
/// `unlisted`. Being unclassed is `Option::None`, not a code.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ClassSocietyCode(String);

impl ClassSocietyCode {
    pub const MAX_LEN: usize = 32;

    pub fn parse(input: &str) -> Result<Self, String> {
        let code = input.trim();
        if code.is_empty() {
            return Err("must not be blank; send null for an unclassed ship".into());
        }
        if code.chars().count() > Self::MAX_LEN {
            return Err(format!("must be at most {} characters", Self::MAX_LEN));
        }
        if code.chars().any(char::is_control) {
            return Err("must not contain control characters".into());
        }
        Ok(Self(code.to_string()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Display for ClassSocietyCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl Serialize for ClassSocietyCode {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_the_code_as_given() {
        assert_eq!(ClassSocietyCode::parse("DNV").unwrap().as_str(), "DNV");
        assert_eq!(ClassSocietyCode::parse(" XYZ ").unwrap().as_str(), "XYZ");
    }

    #[test]
    fn rejects_blank_long_and_control() {
        assert!(ClassSocietyCode::parse("  ").is_err());
        assert!(ClassSocietyCode::parse(&"A".repeat(33)).is_err());
        assert!(ClassSocietyCode::parse("A\nB").is_err());
    }
}
