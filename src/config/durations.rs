//! The two spellings of a duration in the environment: a window such as
//! `ROLLOUT_GUARD_WINDOW` (`1h`, `30m`, `90s` or plain seconds) and plain,
//! possibly fractional, seconds (`RISK_RUN_TIMEOUT` and the like).

use std::time::Duration;

/// The longest window: a week.
const MAX_WINDOW_SECONDS: u64 = 7 * 86_400;

/// `90s`, `30m`, `1h` or plain seconds (`3600`), from 1 s to 7 days.
pub(super) fn parse_window(raw: &str) -> Result<Duration, String> {
    let trimmed = raw.trim();
    let (digits, unit) = match trimmed.char_indices().find(|(_, c)| !c.is_ascii_digit()) {
        Some((at, _)) => trimmed.split_at(at),
        None => (trimmed, "s"),
    };
    let scale = match unit {
        "s" => Some(1),
        "m" => Some(60),
        "h" => Some(3600),
        _ => None,
    };
    let seconds = scale
        .zip(digits.parse::<u64>().ok())
        .and_then(|(scale, n)| n.checked_mul(scale));
    match seconds {
        Some(seconds) if (1..=MAX_WINDOW_SECONDS).contains(&seconds) => {
            Ok(Duration::from_secs(seconds))
        }
        _ => Err(format!(
            "expected a duration such as 1h, 30m or 90s (1 s to 7 days), got {raw:?}"
        )),
    }
}

/// Seconds from 0 (exclusive) to a day, fractions allowed.
pub(super) fn parse_seconds(raw: &str) -> Result<Duration, String> {
    match raw.parse::<f64>() {
        Ok(seconds) if seconds.is_finite() && seconds > 0.0 && seconds <= 86_400.0 => {
            Ok(Duration::from_secs_f64(seconds))
        }
        _ => Err(format!(
            "expected seconds from 0 (exclusive) to 86400, got {raw:?}"
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_window_is_hours_minutes_or_seconds() {
        for (raw, seconds) in [
            ("1h", 3600),
            ("30m", 1800),
            ("90s", 90),
            ("3600", 3600),
            (" 2h ", 7200),
            ("1s", 1),
            ("168h", 604_800),
            ("10080m", 604_800),
            ("604800", 604_800),
        ] {
            assert_eq!(
                parse_window(raw),
                Ok(Duration::from_secs(seconds)),
                "{raw:?}"
            );
        }
    }

    #[test]
    fn a_window_outside_a_second_to_a_week_or_misspelt_is_refused() {
        for raw in [
            "",
            "0",
            "0h",
            "169h",
            "10081m",
            "604801",
            "1d",
            "1 h",
            "1h30m",
            "h",
            "-1h",
            "1.5h",
            "1H",
            "٣h",
            // n × 3600 overflows u64: refused, not a panic or a wrapped value.
            "18446744073709551615h",
        ] {
            let refused = parse_window(raw).expect_err(raw);
            assert!(refused.contains("1 s to 7 days"), "{refused}");
            assert!(refused.contains(&format!("{raw:?}")), "{refused}");
        }
    }

    #[test]
    fn seconds_may_be_fractional_up_to_a_day() {
        assert_eq!(parse_seconds("0.25"), Ok(Duration::from_millis(250)));
        assert_eq!(parse_seconds("86400"), Ok(Duration::from_secs(86_400)));
        for raw in ["0", "-1", "86400.5", "NaN", "inf", "1s", ""] {
            assert!(parse_seconds(raw).is_err(), "{raw:?}");
        }
    }
}
