//! The model version every assessment carries (`frm-1.0`).

use serde::Deserialize;

use crate::risk::fixed_str::FixedStr;

/// A model version kept inline (at most 31 bytes), so every assessment can
/// carry it without an allocation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ModelVersion(FixedStr<31>);

impl ModelVersion {
    pub const MAX_LEN: usize = FixedStr::<31>::MAX_LEN;

    /// The version as written, trimmed; it must not be empty.
    pub fn parse(input: &str) -> Result<Self, String> {
        let version = input.trim();
        if version.is_empty() {
            return Err("version must not be empty".into());
        }
        FixedStr::new(version)
            .map(Self)
            .ok_or_else(|| format!("version must be at most {} bytes", Self::MAX_LEN))
    }

    pub fn as_str(&self) -> &str {
        self.0.as_str()
    }
}

impl std::fmt::Display for ModelVersion {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl serde::Serialize for ModelVersion {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for ModelVersion {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let raw = String::deserialize(deserializer)?;
        Self::parse(&raw).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::ModelVersion;

    #[test]
    fn parses_trimmed_versions_of_at_most_31_bytes() {
        assert_eq!(
            ModelVersion::parse(" frm-1.0 ").unwrap().as_str(),
            "frm-1.0"
        );
        assert!(ModelVersion::parse("   ").is_err());
        let longest = "v".repeat(31);
        assert_eq!(ModelVersion::parse(&longest).unwrap().as_str(), longest);
        assert_eq!(
            ModelVersion::parse(&"v".repeat(32)).unwrap_err(),
            "version must be at most 31 bytes"
        );
    }

    #[test]
    fn reads_and_writes_as_a_json_string() {
        let version: ModelVersion = serde_json::from_str("\"frm-1.0\"").unwrap();
        assert_eq!(serde_json::to_string(&version).unwrap(), "\"frm-1.0\"");
        assert!(serde_json::from_str::<ModelVersion>("\"\"").is_err());
    }
}
