//! Calendar month arithmetic of risk-model.md section 1.
//!
//! "The last N months" is `asOf - N months < date <= asOf`, with calendar
//! months; a day that does not exist in the target month clamps to that
//! month's last day (2024-02-29 minus 12 months is 2023-02-28). Every window
//! of the engine (scorecard, floors, SRP) goes through this one predicate.

use chrono::{Months, NaiveDate};

/// `date` moved by `months` calendar months (negative moves back), the day
/// clamped to the last day of the target month: chrono's month arithmetic,
/// which clamps the same way the spec does.
pub fn add_months(date: NaiveDate, months: i32) -> NaiveDate {
    let moved = if months >= 0 {
        date.checked_add_months(Months::new(months.unsigned_abs()))
    } else {
        date.checked_sub_months(Months::new(months.unsigned_abs()))
    };
    moved.expect(WITHIN_RANGE)
}

/// The model caps every window at 120,000 months (10,000 years) and dates
/// are bounded at parse, so a moved date stays inside chrono's range.
const WITHIN_RANGE: &str = "a window of at most 120,000 months stays within chrono's dates";

/// A "last N months" window ending on `as_of`, resolved once per as-of date
/// (see `AsOfWindows`) so the per-event test is two date comparisons.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Window {
    /// Exclusive start: `as_of - months`.
    after: NaiveDate,
    /// Inclusive end.
    as_of: NaiveDate,
}

impl Window {
    pub fn last_months(as_of: NaiveDate, months: u32) -> Self {
        Self {
            after: as_of
                .checked_sub_months(Months::new(months))
                .expect(WITHIN_RANGE),
            as_of,
        }
    }

    /// `as_of - N months < date <= as_of`.
    pub fn contains(&self, date: NaiveDate) -> bool {
        self.after < date && date <= self.as_of
    }
}

/// `as_of - months < date <= as_of`, for one-off checks.
pub fn in_last_months(date: NaiveDate, as_of: NaiveDate, months: u32) -> bool {
    Window::last_months(as_of, months).contains(date)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    #[test]
    fn adds_months_within_and_across_years() {
        assert_eq!(add_months(d("2026-01-15"), 1), d("2026-02-15"));
        assert_eq!(add_months(d("2026-11-26"), 2), d("2027-01-26"));
        assert_eq!(add_months(d("2026-01-15"), -1), d("2025-12-15"));
        assert_eq!(add_months(d("2026-11-26"), -36), d("2023-11-26"));
        assert_eq!(add_months(d("2026-11-26"), 0), d("2026-11-26"));
        assert_eq!(add_months(d("2026-03-10"), -120), d("2016-03-10"));
    }

    #[test]
    fn clamps_to_the_last_day_of_the_month() {
        assert_eq!(add_months(d("2026-03-31"), 1), d("2026-04-30"));
        assert_eq!(add_months(d("2026-03-31"), 5), d("2026-08-31"));
        assert_eq!(add_months(d("2025-08-31"), 6), d("2026-02-28"));
        assert_eq!(add_months(d("2026-01-31"), 1), d("2026-02-28"));
        assert_eq!(add_months(d("2024-01-31"), 1), d("2024-02-29"));
        assert_eq!(add_months(d("2026-05-31"), -3), d("2026-02-28"));
        assert_eq!(add_months(d("2026-10-31"), -1), d("2026-09-30"));
    }

    #[test]
    fn handles_29_february() {
        assert_eq!(add_months(d("2024-02-29"), -12), d("2023-02-28"));
        assert_eq!(add_months(d("2024-02-29"), 12), d("2025-02-28"));
        assert_eq!(add_months(d("2024-02-29"), 48), d("2028-02-29"));
        assert_eq!(add_months(d("2024-02-29"), -1), d("2024-01-29"));
        assert_eq!(add_months(d("2025-02-28"), -12), d("2024-02-28"));
        // Century rules: 2100 is not a leap year, 2000 is.
        assert_eq!(add_months(d("2096-02-29"), 48), d("2100-02-28"));
        assert_eq!(add_months(d("1996-02-29"), 48), d("2000-02-29"));
    }

    #[test]
    fn month_lengths_follow_the_gregorian_calendar() {
        // The last day of February, April and December, reached from the 31st.
        assert_eq!(add_months(d("2024-01-31"), 1), d("2024-02-29"));
        assert_eq!(add_months(d("2025-01-31"), 1), d("2025-02-28"));
        assert_eq!(add_months(d("2000-01-31"), 1), d("2000-02-29"));
        assert_eq!(add_months(d("1900-01-31"), 1), d("1900-02-28"));
        assert_eq!(add_months(d("2025-03-31"), 1), d("2025-04-30"));
        assert_eq!(add_months(d("2025-10-31"), 2), d("2025-12-31"));
    }

    #[test]
    fn the_window_excludes_its_start_and_includes_as_of() {
        let as_of = d("2026-11-26");
        assert!(!in_last_months(d("2023-11-26"), as_of, 36));
        assert!(in_last_months(d("2023-11-27"), as_of, 36));
        assert!(in_last_months(as_of, as_of, 36));
        assert!(!in_last_months(d("2026-11-27"), as_of, 36));
        assert!(!in_last_months(d("2025-11-26"), as_of, 12));
        assert!(in_last_months(d("2025-11-27"), as_of, 12));
    }

    #[test]
    fn windows_over_29_february() {
        // asOf 2025-02-28: 12 months back is 2024-02-28, so 29 February is inside.
        assert!(in_last_months(d("2024-02-29"), d("2025-02-28"), 12));
        assert!(!in_last_months(d("2024-02-28"), d("2025-02-28"), 12));
        // asOf 2024-02-29: 12 months back clamps to 2023-02-28.
        assert!(!in_last_months(d("2023-02-28"), d("2024-02-29"), 12));
        assert!(in_last_months(d("2023-03-01"), d("2024-02-29"), 12));
    }
}
