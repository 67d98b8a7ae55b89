//! IMO ship identification numbers (risk-model.md section 7).

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A seven-digit IMO number whose check digit is valid.
///
/// Input may carry an `IMO` prefix with an optional space (`IMO 9074729`);
/// only the seven digits are kept. A valid check digit does not prove the
/// ship exists.
///
/// ```
/// use fleet_risk::domain::Imo;
///
/// let imo = Imo::parse("IMO 9074729").unwrap();
/// assert_eq!(imo.to_string(), "9074729");
/// // (7*9 + 6*0 + 5*7 + 4*4 + 3*7 + 2*2) mod 10 = 139 mod 10 = 9, not 8:
/// assert!(Imo::parse("9074728").is_err());
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Imo([u8; 7]);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ImoError {
    #[error("must be 7 digits, optionally prefixed with 'IMO'")]
    Format,
    #[error("check digit does not match (expected {expected})")]
    CheckDigit { expected: u8 },
}

impl Imo {
    pub fn parse(input: &str) -> Result<Self, ImoError> {
        let trimmed = input.trim();
        let digits = match trimmed.get(..3) {
            Some(prefix) if prefix.eq_ignore_ascii_case("IMO") => {
                let rest = &trimmed[3..];
                rest.strip_prefix(' ').unwrap_or(rest)
            }
            _ => trimmed,
        };
        let bytes = digits.as_bytes();
        if bytes.len() != 7 || !bytes.iter().all(u8::is_ascii_digit) {
            return Err(ImoError::Format);
        }
        let mut out = [0u8; 7];
        for (slot, byte) in out.iter_mut().zip(bytes) {
            *slot = byte - b'0';
        }
        let expected = Self::check_digit(&out);
        if out[6] != expected {
            return Err(ImoError::CheckDigit { expected });
        }
        Ok(Self(out))
    }

    /// `(7 d1 + 6 d2 + 5 d3 + 4 d4 + 3 d5 + 2 d6) mod 10`.
    fn check_digit(digits: &[u8; 7]) -> u8 {
        let sum: u32 = digits[..6]
            .iter()
            .zip([7u32, 6, 5, 4, 3, 2])
            .map(|(d, w)| u32::from(*d) * w)
            .sum();
        (sum % 10) as u8
    }

    /// The seven digits, as stored and as sent in JSON.
    pub fn as_string(&self) -> String {
        self.0.iter().map(|d| char::from(b'0' + d)).collect()
    }

    /// True when `candidate` (exactly seven ASCII digits) carries a valid check digit.
    /// Used by the telemetry scrubber, which looks for IMO numbers inside free text.
    pub fn is_valid_digits(candidate: &[u8]) -> bool {
        if candidate.len() != 7 || !candidate.iter().all(u8::is_ascii_digit) {
            return false;
        }
        let mut digits = [0u8; 7];
        for (slot, byte) in digits.iter_mut().zip(candidate) {
            *slot = byte - b'0';
        }
        digits[6] == Self::check_digit(&digits)
    }
}

impl std::fmt::Display for Imo {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.as_string())
    }
}

impl std::str::FromStr for Imo {
    type Err = ImoError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

impl Serialize for Imo {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.as_string())
    }
}

impl<'de> Deserialize<'de> for Imo {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let raw = String::deserialize(deserializer)?;
        Self::parse(&raw).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn accepts_every_example_of_the_model() {
        for example in [
            "9074729", "9811000", "8320901", "7625811", "9598335", "1234567",
        ] {
            let imo = Imo::parse(example).unwrap();
            assert_eq!(imo.to_string(), example);
        }
    }

    #[test]
    fn accepts_the_imo_prefix_with_or_without_a_space() {
        assert_eq!(Imo::parse("IMO 9074729").unwrap().to_string(), "9074729");
        assert_eq!(Imo::parse("IMO9074729").unwrap().to_string(), "9074729");
        assert_eq!(Imo::parse("imo 9074729").unwrap().to_string(), "9074729");
    }

    #[test]
    fn rejects_a_wrong_check_digit() {
        assert_eq!(
            Imo::parse("9074728"),
            Err(ImoError::CheckDigit { expected: 9 })
        );
        assert_eq!(
            Imo::parse("1234568"),
            Err(ImoError::CheckDigit { expected: 7 })
        );
    }

    #[test]
    fn rejects_wrong_shapes() {
        for bad in [
            "",
            "907472",
            "90747290",
            "90747a9",
            "IMO  9074729",
            "IMO-9074729",
            "9 074729",
            "+907472",
            "IMO",
            "９０７４７２９",
        ] {
            assert_eq!(Imo::parse(bad), Err(ImoError::Format), "{bad:?}");
        }
    }

    #[test]
    fn serde_round_trips_as_the_seven_digits() {
        let imo: Imo = serde_json::from_str("\"IMO 9811000\"").unwrap();
        assert_eq!(serde_json::to_string(&imo).unwrap(), "\"9811000\"");
        assert!(serde_json::from_str::<Imo>("\"9811001\"").is_err());
    }

    proptest! {
        #[test]
        fn any_six_digits_with_their_check_digit_parse(body in 0u32..1_000_000) {
            let six = format!("{body:06}");
            let sum: u32 = six.bytes().zip([7u32, 6, 5, 4, 3, 2]).map(|(b, w)| u32::from(b - b'0') * w).sum();
            let full = format!("{six}{}", sum % 10);
            let imo = Imo::parse(&full).unwrap();
            prop_assert_eq!(imo.to_string(), full.clone());
            prop_assert_eq!(Imo::parse(&format!("IMO {full}")).unwrap(), imo);
            prop_assert!(Imo::is_valid_digits(full.as_bytes()));
        }

        #[test]
        fn any_other_last_digit_is_rejected(body in 0u32..1_000_000, offset in 1u32..10) {
            let six = format!("{body:06}");
            let sum: u32 = six.bytes().zip([7u32, 6, 5, 4, 3, 2]).map(|(b, w)| u32::from(b - b'0') * w).sum();
            let wrong = format!("{six}{}", (sum + offset) % 10);
            let is_check_digit_error = matches!(Imo::parse(&wrong), Err(ImoError::CheckDigit { .. }));
            prop_assert!(is_check_digit_error);
            prop_assert!(!Imo::is_valid_digits(wrong.as_bytes()));
        }

        #[test]
        fn arbitrary_text_never_panics(text in ".{0,12}") {
            let _ = Imo::parse(&text);
        }
    }
}
