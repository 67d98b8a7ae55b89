//! Fleets: the insured's grouping of vessels.

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::free_text::parse_short_text;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct FleetId(Uuid);

impl FleetId {
    /// A new, time-ordered id.
    pub fn generate() -> Self {
        Self(Uuid::now_v7())
    }

    pub fn parse(input: &str) -> Result<Self, String> {
        Uuid::parse_str(input)
            .map(Self)
            .map_err(|_| "must be a UUID".to_string())
    }

    pub fn from_uuid(id: Uuid) -> Self {
        Self(id)
    }

    pub fn as_uuid(&self) -> Uuid {
        self.0
    }
}

impl std::fmt::Display for FleetId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f)
    }
}

/// A fleet's display name: 1 to 120 characters, not blank.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(transparent)]
pub struct FleetName(String);

impl FleetName {
    pub const MAX_CHARS: usize = 120;

    pub fn parse(input: &str) -> Result<Self, String> {
        parse_short_text(input, Self::MAX_CHARS, "must not be blank").map(Self)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fleet_names_are_trimmed_and_bounded() {
        assert_eq!(
            FleetName::parse("  Nordic Bulk ").unwrap().as_str(),
            "Nordic Bulk"
        );
        assert!(FleetName::parse(" ").is_err());
        assert!(FleetName::parse(&"x".repeat(121)).is_err());
        assert!(FleetName::parse(&"é".repeat(120)).is_ok());
    }

    #[test]
    fn fleet_ids_parse_uuids_only() {
        let id = FleetId::generate();
        assert_eq!(FleetId::parse(&id.to_string()).unwrap(), id);
        assert!(FleetId::parse("fleet-1").is_err());
    }
}
