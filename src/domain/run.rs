//! What starts a recalculation run, and where a run stands.

use serde::Serialize;

/// What started a run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RunTrigger {
    Cron,
    Manual,
    Startup,
    Cli,
    DataChange,
}

impl RunTrigger {
    pub const ALL: [RunTrigger; 5] = [
        Self::Cron,
        Self::Manual,
        Self::Startup,
        Self::Cli,
        Self::DataChange,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Cron => "cron",
            Self::Manual => "manual",
            Self::Startup => "startup",
            Self::Cli => "cli",
            Self::DataChange => "data_change",
        }
    }

    pub fn parse(raw: &str) -> Result<Self, String> {
        Self::ALL
            .into_iter()
            .find(|t| t.as_str() == raw)
            .ok_or_else(|| format!("run trigger {raw}"))
    }
}

/// Where a run stands: running, then published or failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RunStatus {
    Running,
    Published,
    Failed,
}

impl RunStatus {
    pub const ALL: [RunStatus; 3] = [Self::Running, Self::Published, Self::Failed];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Running => "running",
            Self::Published => "published",
            Self::Failed => "failed",
        }
    }

    pub fn parse(raw: &str) -> Result<Self, String> {
        Self::ALL
            .into_iter()
            .find(|s| s.as_str() == raw)
            .ok_or_else(|| format!("run status {raw}"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_trigger_and_status_reads_back_and_serializes_as_stored() {
        for trigger in RunTrigger::ALL {
            assert_eq!(RunTrigger::parse(trigger.as_str()), Ok(trigger));
            assert_eq!(
                serde_json::to_value(trigger).unwrap(),
                serde_json::json!(trigger.as_str())
            );
        }
        for status in RunStatus::ALL {
            assert_eq!(RunStatus::parse(status.as_str()), Ok(status));
            assert_eq!(
                serde_json::to_value(status).unwrap(),
                serde_json::json!(status.as_str())
            );
        }
        assert!(RunTrigger::parse("hourly").is_err());
        assert!(RunStatus::parse("done").is_err());
    }
}
