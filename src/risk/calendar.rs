//! Calendar month arithmetic of risk-model.md section 1.
//!
//! "The last N months" is `asOf - N months < date <= asOf`, with calendar
//! months; a day that does not exist in the target month clamps to that
//! month's last day (2024-02-29 minus 12 months is 2023-02-28). Every window
//! of the engine (scorecard, floors, SRP) goes through this one predicate.

use chrono::{Datelike, NaiveDate};

/// `date` moved by `months` calendar months (negative moves back), the day
/// clamped to the last day of the target month.
pub fn add_months(date: NaiveDate, months: i32) -> NaiveDate {
    let index = date.year() * 12 + date.month0() as i32 + months;
    let year = index.div_euclid(12);
    let month = index.rem_euclid(12) as u32 + 1;
    let day = date.day().min(days_in_month(year, month));
    NaiveDate::from_ymd_opt(year, month, day).expect("a clamped day is always a valid date")
}

/// Days in `month` (1..=12) of `year`, proleptic Gregorian.
pub fn days_in_month(year: i32, month: u32) -> u32 {
    match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        _ if is_leap_year(year) => 29,
        _ => 28,
    }
}

fn is_leap_year(year: i32) -> bool {
    (year % 4 == 0 && year % 100 != 0) || year % 400 == 0
}

/// A "last N months" window ending on `as_of`, resolved once per vessel so
/// the per-event test is two date comparisons.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Window {
    /// Exclusive start: `as_of - months`.
    after: NaiveDate,
    /// Inclusive end.
    as_of: NaiveDate,
}

impl Window {
    pub fn last_months(as_of: NaiveDate, months: u32) -> Self {
        let months = i32::try_from(months).unwrap_or(i32::MAX / 24);
        Self {
            after: add_months(as_of, -months),
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
    fn month_lengths() {
        assert_eq!(days_in_month(2024, 2), 29);
        assert_eq!(days_in_month(2025, 2), 28);
        assert_eq!(days_in_month(2000, 2), 29);
        assert_eq!(days_in_month(1900, 2), 28);
        assert_eq!(days_in_month(2025, 4), 30);
        assert_eq!(days_in_month(2025, 12), 31);
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
