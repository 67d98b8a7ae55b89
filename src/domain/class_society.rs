//! Classification society codes.

use serde::{Serialize, Serializer};

use super::free_text::parse_short_text;

/// The code of a classification society (`DNV`, `LR`, `ABS`, ...).
///
/// Any society may class a ship; codes not in the model's table score as
/// `unlisted`. Being unclassed is `Option::None`, not a code.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ClassSocietyCode(String);

impl ClassSocietyCode {
    pub const MAX_LEN: usize = 32;

    pub fn parse(input: &str) -> Result<Self, String> {
        parse_short_text(
            input,
            Self::MAX_LEN,
            "must not be blank; send null for an unclassed ship",
        )
        .map(Self)
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
