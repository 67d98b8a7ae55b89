//! In-app feedback (issue 13, items 8-10): submission with every bad field
//! named, roles, the submissions counter, the summary of a small known set
//! (expected values worked out by hand from docs/design.md's rules), the
//! weekly Markdown report, and the message kept out of Sentry.

use chrono::{Datelike, Utc};
use reqwest::Method;
use serde_json::{Value, json};

use crate::sentry_sink::Sink;
use crate::support::{Backend, TestApp};

crate::cases!(
    a_submission_is_201_with_its_id_and_stored_as_sent,
    every_bad_field_is_named_in_one_422,
    viewers_submit_and_only_admins_read_the_summary,
    each_submission_is_counted_by_category_and_rating,
    the_summary_of_a_known_set,
    the_summary_filters_by_feature_and_period,
    the_weekly_report_is_markdown,
    a_feedback_message_never_reaches_sentry,
);

fn feedback(rating: i64, category: &str, message: &str) -> Value {
    json!({
        "rating": rating,
        "category": category,
        "message": message,
        "context": {
            "feature": "fleet-dashboard",
            "version": "2.4.0-beta.1+build.7",
            "sessionId": "s-8f3a",
            "timestamp": Utc::now().to_rfc3339(),
        },
    })
}

async fn submit(app: &TestApp, body: &Value) -> String {
    let response = app.post("/api/feedback", &app.keys.viewer, body).await;
    assert_eq!(response.status, 201, "{}", response.text);
    response.body["id"].as_str().unwrap().to_string()
}

async fn a_submission_is_201_with_its_id_and_stored_as_sent(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    // Stored as sent: line breaks, tabs, surrounding spaces, an IMO number.
    let message = "  Score for IMO 9074729 looks off.\n\tSee policy HUL-2026-00123.  ";
    let id = submit(&app, &feedback(2, "Accuracy", message)).await;
    assert_eq!(id.len(), 36, "a UUID: {id}");
    let stored = app
        .count_sql(&format!(
            "SELECT COUNT(*) FROM feedback WHERE message = '{}' AND rating = 2 \
             AND category = 'Accuracy' AND feature = 'fleet-dashboard'",
            message.replace('\'', "''")
        ))
        .await;
    assert_eq!(stored, 1);
}

async fn every_bad_field_is_named_in_one_422(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let bad = json!({
        "rating": 6,
        "category": "Bugs",
        "message": "x".repeat(2001),
        "context": {
            "feature": " ",
            "version": "1.2",
            "sessionId": 7,
            "timestamp": (Utc::now() + chrono::Duration::minutes(6)).to_rfc3339(),
            "browser": "Firefox",
        },
        "email": "me@example.com",
    });
    let response = app.post("/api/feedback", &app.keys.viewer, &bad).await;
    response.assert_problem(422, "validation_failed");
    let mut fields = response.error_fields();
    fields.sort();
    assert_eq!(
        fields,
        [
            "category",
            "context.browser",
            "context.feature",
            "context.sessionId",
            "context.timestamp",
            "context.version",
            "email",
            "message",
            "rating",
        ]
    );

    let response = app
        .post("/api/feedback", &app.keys.viewer, &json!({}))
        .await;
    let mut fields = response.error_fields();
    fields.sort();
    assert_eq!(fields, ["category", "context", "message", "rating"]);

    // A control character other than line breaks and tabs; a timestamp that is not RFC 3339.
    let mut body = feedback(3, "Usability", "bell \u{7} here");
    body["context"]["timestamp"] = json!("2026-12-02 10:00");
    let response = app.post("/api/feedback", &app.keys.viewer, &body).await;
    let mut fields = response.error_fields();
    fields.sort();
    assert_eq!(fields, ["context.timestamp", "message"]);
    assert_eq!(app.count_sql("SELECT COUNT(*) FROM feedback").await, 0);

    // 2,000 characters (not bytes) is the limit, and 5 minutes ahead is still accepted.
    let mut body = feedback(5, "Features", &"é".repeat(2000));
    body["context"]["timestamp"] = json!((Utc::now() + chrono::Duration::minutes(4)).to_rfc3339());
    submit(&app, &body).await;
}

async fn viewers_submit_and_only_admins_read_the_summary(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let body = feedback(4, "Usability", "Fine.");
    let anonymous = app
        .request(Method::POST, "/api/feedback", None, Some(&body))
        .await;
    anonymous.assert_problem(401, "unauthorized");
    for key in [&app.keys.viewer, &app.keys.underwriter, &app.keys.admin] {
        assert_eq!(app.post("/api/feedback", key, &body).await.status, 201);
    }
    for key in [&app.keys.viewer, &app.keys.underwriter] {
        app.get("/api/feedback/summary", key)
            .await
            .assert_problem(403, "forbidden");
    }
    let summary = app.get("/api/feedback/summary", &app.keys.admin).await;
    assert_eq!(summary.status, 200, "{}", summary.text);
    assert_eq!(summary.body["total"], 3);
}

async fn each_submission_is_counted_by_category_and_rating(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let series = r#"fleet_feedback_submissions_total{category="Performance",rating="5"}"#;
    assert_eq!(app.scrape().await.value(series), 0.0);
    submit(&app, &feedback(5, "Performance", "Fast now.")).await;
    submit(&app, &feedback(5, "Performance", "Really fast.")).await;
    submit(&app, &feedback(1, "Accuracy", "Wrong.")).await;
    // A refused submission is not counted.
    app.post(
        "/api/feedback",
        &app.keys.viewer,
        &feedback(0, "Performance", ""),
    )
    .await;
    let scrape = app.scrape().await;
    assert_eq!(scrape.value(series), 2.0);
    assert_eq!(
        scrape.value(r#"fleet_feedback_submissions_total{category="Accuracy",rating="1"}"#),
        1.0
    );
}

/// Four messages whose classes, themes and requests follow from the
/// documented rules: "fast" and "easy" are positive words, "terrible" and
/// "crashes" negative, "wish" is no opinion (a request marker), "accurate"
/// positive; theme phrases "fast", "easy to use", "takes forever",
/// "crashes", "i wish", "accurate"; "export to excel" is a request.
async fn known_set(app: &TestApp) {
    for (rating, category, message) in [
        (5, "Performance", "The dashboard is fast and easy to use."),
        (
            1,
            "Performance",
            "Terrible: the fleet page crashes and takes forever.",
        ),
        (2, "Features", "I wish there was an export to Excel."),
        (4, "Accuracy", "Scores look accurate."),
    ] {
        submit(app, &feedback(rating, category, message)).await;
    }
}

async fn the_summary_of_a_known_set(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    known_set(&app).await;
    let response = app.get("/api/feedback/summary", &app.keys.admin).await;
    assert_eq!(response.status, 200, "{}", response.text);
    let body = &response.body;
    assert_eq!(body["total"], 4);
    assert_eq!(body["averageRating"], 3.0, "(5 + 1 + 2 + 4) / 4");
    assert_eq!(
        body["byCategory"],
        json!({"Performance": 2, "Accuracy": 1, "Usability": 0, "Features": 1})
    );
    assert_eq!(
        body["byRating"],
        json!({"1": 1, "2": 1, "3": 0, "4": 1, "5": 1})
    );
    assert_eq!(body["sentiment"]["positive"], 2);
    assert_eq!(body["sentiment"]["neutral"], 1);
    assert_eq!(body["sentiment"]["negative"], 1);
    assert_eq!(body["sentiment"]["positiveThreshold"], 0.05);
    assert_eq!(body["sentiment"]["negativeThreshold"], -0.05);
    let counts: Vec<(String, u64)> = body["themes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| {
            (
                t["theme"].as_str().unwrap().to_string(),
                t["count"].as_u64().unwrap(),
            )
        })
        .collect();
    let expected: Vec<(String, u64)> = [
        ("performance", 2),
        ("accuracy", 1),
        ("usability", 1),
        ("missing_feature", 1),
        ("bug", 1),
        ("data_quality", 0),
    ]
    .iter()
    .map(|(t, n)| (t.to_string(), *n))
    .collect();
    assert_eq!(counts, expected);
    let bug = &body["themes"][4];
    assert_eq!(
        bug["examples"],
        json!(["Terrible: the fleet page crashes and takes forever."])
    );
    // Priority: the 1-star crash report (negative) and the 2-star wish.
    let issues = body["priorityIssues"].as_array().unwrap();
    assert_eq!(issues.len(), 2);
    assert_eq!(issues[0]["rating"], 1, "the most urgent first");
    assert_eq!(issues[1]["rating"], 2);
    // The wish: compound 0, rating 2, seconds old:
    // 100 * (0.45 * 0 + 0.35 * 3/4 + 0.20 * ~1) = 46.25.
    let wish = issues[1]["impactScore"].as_f64().unwrap();
    assert!((wish - 46.25).abs() < 0.01, "{wish}");
    let crash = issues[0]["impactScore"].as_f64().unwrap();
    assert!(
        crash > 55.0,
        "at least 35 + 20 plus its negativity: {crash}"
    );
    assert_eq!(
        body["featureRequests"],
        json!([{"request": "Export to Excel", "mentions": 1}])
    );
}

async fn the_summary_filters_by_feature_and_period(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    known_set(&app).await;
    let mut other = feedback(3, "Usability", "The map is fine.");
    other["context"]["feature"] = json!("vessel-map");
    submit(&app, &other).await;
    let only = app
        .get("/api/feedback/summary?feature=vessel-map", &app.keys.admin)
        .await;
    assert_eq!(only.body["total"], 1, "{}", only.text);
    assert_eq!(only.body["feature"], "vessel-map");
    let hour = |n| urlencode(&(Utc::now() + chrono::Duration::hours(n)).to_rfc3339());
    let later = app
        .get(
            &format!("/api/feedback/summary?since={}&until={}", hour(1), hour(2)),
            &app.keys.admin,
        )
        .await;
    assert_eq!(later.status, 200, "{}", later.text);
    assert_eq!(later.body["total"], 0);
    assert_eq!(later.body["averageRating"], Value::Null);
    let past = app
        .get(
            "/api/feedback/summary?until=2020-01-01T00:00:00Z",
            &app.keys.admin,
        )
        .await;
    assert_eq!(past.body["total"], 0);
    let backwards = app
        .get(
            &format!("/api/feedback/summary?since={}", hour(1)),
            &app.keys.admin,
        )
        .await;
    backwards.assert_problem(422, "validation_failed");
    assert_eq!(backwards.error_fields(), ["since"]);
    let bad = app
        .get(
            "/api/feedback/summary?since=yesterday&format=pdf",
            &app.keys.admin,
        )
        .await;
    bad.assert_problem(422, "validation_failed");
    let mut fields = bad.error_fields();
    fields.sort();
    assert_eq!(fields, ["format", "since"]);
}

fn urlencode(text: &str) -> String {
    text.replace('+', "%2B").replace(':', "%3A")
}

async fn the_weekly_report_is_markdown(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    known_set(&app).await;
    let by_accept = app
        .client
        .get(app.url("/api/feedback/summary"))
        .bearer_auth(&app.keys.admin)
        .header("Accept", "text/markdown")
        .send()
        .await
        .unwrap();
    assert_eq!(by_accept.status(), 200);
    let content_type = by_accept.headers()["content-type"]
        .to_str()
        .unwrap()
        .to_string();
    assert!(content_type.starts_with("text/markdown"), "{content_type}");
    let markdown = by_accept.text().await.unwrap();
    let by_format = app
        .get("/api/feedback/summary?format=md", &app.keys.admin)
        .await;
    assert_eq!(by_format.status, 200);
    let week = Utc::now().iso_week().week();
    assert!(
        markdown.starts_with(&format!("# Week {week} Feedback Analysis\n")),
        "{markdown}"
    );
    for part in [
        "## Summary",
        "- Submissions: 4",
        "- Average rating: 3.00 / 5",
        "- Sentiment: 2 positive, 1 neutral, 1 negative",
        "## Key themes",
        "### Performance (2)",
        "> \"Terrible: the fleet page crashes and takes forever.\"",
        "## Priority issues",
        "## Feature requests",
        "1. Export to Excel (1 mentions)",
        "## Action items",
        "- [ ] Scope \"Export to Excel\" (1 mentions)",
    ] {
        assert!(markdown.contains(part), "{part} in:\n{markdown}");
        assert!(by_format.text.contains(part), "{part} in ?format=md");
    }
}

async fn a_feedback_message_never_reaches_sentry(backend: Backend) {
    let sink = Sink::start();
    let app = TestApp::spawn_with(backend, |env| {
        env.insert("SENTRY_DSN", sink.dsn());
        env.insert("SENTRY_TRACES_SAMPLE_RATE", "1.0".into());
    })
    .await;
    let secret = "Captain Haddock says the Karaboudjan scores badly";
    submit(&app, &feedback(2, "Accuracy", secret)).await;
    // Break storage so the next submission is a 500 reported to Sentry.
    app.execute_sql("DROP TABLE feedback").await;
    let failed = app
        .post(
            "/api/feedback",
            &app.keys.viewer,
            &feedback(1, "Accuracy", secret),
        )
        .await;
    assert_eq!(failed.status, 500);
    assert!(!failed.text.contains("Haddock"));
    let (_, bodies) = sink.wait_for_events(&app, 1, |_| true).await;
    assert!(
        bodies.contains("/api/feedback"),
        "the event is about the request"
    );
    for word in ["Haddock", "Karaboudjan"] {
        assert!(!bodies.contains(word), "{word} reached Sentry:\n{bodies}");
    }
}
