//! The weekly feedback report as Markdown (`Accept: text/markdown` or
//! `?format=md`). The deployment plan names it "Week N Feedback Analysis"
//! with a summary, key themes with quotes and action items; the plan itself
//! is not in this repository, so the layout below is our reading of the
//! issue (docs/design.md shows it):
//!
//! 1. `# Week N Feedback Analysis` (N: the ISO week of the period's end),
//!    then the period and feature filter;
//! 2. `## Summary`: submissions, average rating, sentiment, categories;
//! 3. `## Key themes`: each theme with messages, most frequent first, with
//!    its quotes;
//! 4. `## Priority issues`: the most urgent five with impact score;
//! 5. `## Feature requests`: ranked by mentions;
//! 6. `## Action items`: one per priority issue listed and per top-three
//!    feature request.
//!
//! Quotes are the users' words on one line (line breaks become spaces).

use std::fmt::Write;

use chrono::{DateTime, Datelike, Utc};

use super::analysis::FeedbackSummary;

/// Priority issues in the report (the JSON lists more).
const REPORT_PRIORITY_ISSUES: usize = 5;
/// Feature requests turned into action items.
const REPORT_REQUEST_ACTIONS: usize = 3;

/// The period a report covers, as asked.
#[derive(Debug, Clone)]
pub struct ReportPeriod {
    pub since: Option<DateTime<Utc>>,
    pub until: DateTime<Utc>,
    pub feature: Option<String>,
}

fn one_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The report of `summary` over `period`.
pub fn render_markdown(summary: &FeedbackSummary, period: &ReportPeriod) -> String {
    let mut md = String::new();
    let week = period.until.iso_week();
    let _ = writeln!(md, "# Week {} Feedback Analysis\n", week.week());
    let since = period
        .since
        .map_or_else(|| "the first submission".to_string(), |s| s.to_rfc3339());
    let _ = writeln!(
        md,
        "Period: {since} to {}. Feature: {}.\n",
        period.until.to_rfc3339(),
        period.feature.as_deref().map_or("all".into(), one_line)
    );

    let _ = writeln!(md, "## Summary\n");
    let _ = writeln!(md, "- Submissions: {}", summary.total);
    match summary.average_rating {
        Some(average) => {
            let _ = writeln!(md, "- Average rating: {average:.2} / 5");
        }
        None => {
            let _ = writeln!(md, "- Average rating: none");
        }
    }
    let s = &summary.sentiment;
    let _ = writeln!(
        md,
        "- Sentiment: {} positive, {} neutral, {} negative",
        s.positive, s.neutral, s.negative
    );
    let categories: Vec<String> = summary
        .by_category
        .iter()
        .map(|(name, count)| format!("{name} {count}"))
        .collect();
    let _ = writeln!(md, "- By category: {}\n", categories.join(", "));

    let _ = writeln!(md, "## Key themes\n");
    let mut themes: Vec<_> = summary.themes.iter().filter(|t| t.count > 0).collect();
    themes.sort_by(|a, b| b.count.cmp(&a.count).then(a.theme.cmp(&b.theme)));
    if themes.is_empty() {
        let _ = writeln!(md, "No themes this period.\n");
    }
    for theme in themes {
        let _ = writeln!(md, "### {} ({})\n", theme.theme.title(), theme.count);
        for example in &theme.examples {
            let _ = writeln!(md, "> \"{}\"\n", one_line(example));
        }
    }

    let _ = writeln!(md, "## Priority issues\n");
    let issues =
        &summary.priority_issues[..summary.priority_issues.len().min(REPORT_PRIORITY_ISSUES)];
    if issues.is_empty() {
        let _ = writeln!(md, "None.\n");
    }
    for (n, issue) in issues.iter().enumerate() {
        let _ = writeln!(
            md,
            "{}. Impact {:.1}, rating {}, {}: \"{}\"",
            n + 1,
            issue.impact_score,
            issue.rating,
            issue.category,
            one_line(&issue.message)
        );
    }
    md.push('\n');

    let _ = writeln!(md, "## Feature requests\n");
    if summary.feature_requests.is_empty() {
        let _ = writeln!(md, "None.\n");
    }
    for (n, request) in summary.feature_requests.iter().enumerate() {
        let _ = writeln!(
            md,
            "{}. {} ({} mentions)",
            n + 1,
            request.request,
            request.mentions
        );
    }
    md.push('\n');

    let _ = writeln!(md, "## Action items\n");
    let mut actions = 0;
    for issue in issues {
        actions += 1;
        let _ = writeln!(
            md,
            "- [ ] Follow up the {} issue rated {} (impact {:.1}, feedback {})",
            issue.category, issue.rating, issue.impact_score, issue.id
        );
    }
    for request in summary.feature_requests.iter().take(REPORT_REQUEST_ACTIONS) {
        actions += 1;
        let _ = writeln!(
            md,
            "- [ ] Scope \"{}\" ({} mentions)",
            request.request, request.mentions
        );
    }
    if actions == 0 {
        let _ = writeln!(md, "None this week.");
    }
    md
}
