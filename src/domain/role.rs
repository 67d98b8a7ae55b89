//! Who may do what: the three API key roles.

use serde::{Deserialize, Serialize};

/// Roles are ordered: an admin may do what an underwriter may, who may do what a viewer may.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Dashboard reads.
    Viewer,
    /// Reads, assessments, exports, feedback.
    Underwriter,
    /// Writes, thresholds, flags, runs, keys.
    Admin,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Viewer => "viewer",
            Self::Underwriter => "underwriter",
            Self::Admin => "admin",
        }
    }

    pub fn parse(input: &str) -> Result<Self, String> {
        match input {
            "viewer" => Ok(Self::Viewer),
            "underwriter" => Ok(Self::Underwriter),
            "admin" => Ok(Self::Admin),
            _ => Err("must be one of viewer, underwriter, admin".into()),
        }
    }

    /// True when this role may act where `required` is needed.
    pub fn allows(self, required: Role) -> bool {
        self >= required
    }
}

impl std::fmt::Display for Role {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roles_nest() {
        assert!(Role::Admin.allows(Role::Viewer));
        assert!(Role::Admin.allows(Role::Underwriter));
        assert!(Role::Underwriter.allows(Role::Viewer));
        assert!(!Role::Underwriter.allows(Role::Admin));
        assert!(!Role::Viewer.allows(Role::Underwriter));
        assert_eq!(Role::parse("admin"), Ok(Role::Admin));
        assert!(Role::parse("root").is_err());
    }
}
