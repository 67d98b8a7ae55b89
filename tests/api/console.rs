//! The console, the API reference and the spec (issue 15, items 2 and 3):
//! no key needed, their own content types, policies and ETags, the spec
//! byte for byte, and every module the console's page loads is served.

use std::collections::BTreeSet;

use reqwest::Method;
use serde_json::Value;

use crate::support::{Backend, TestApp, TestResponse};

crate::cases!(
    ;
    once:
    the_spec_is_served_byte_for_byte_and_as_the_same_json,
    pages_need_no_key_and_carry_their_own_policy,
    files_are_revalidated_by_their_etag,
    every_module_the_page_loads_is_served,
);

/// `(template, path)` of one success per console route, and the 404s (the
/// contract test checks each against openapi.yaml).
pub const PAGES: &[(&str, &str)] = &[
    ("/", "/"),
    ("/console/{file}", "/console/app.js"),
    ("/console/{file}", "/console/console.css"),
    ("/console/{file}", "/console/no-such.js"),
    ("/console/views/{view}", "/console/views/vessel.js"),
    ("/console/views/{view}", "/console/views/no-such.js"),
    ("/docs", "/docs"),
    ("/docs/{asset}", "/docs/redoc.standalone.js"),
    ("/docs/{asset}", "/docs/LICENSE"),
    ("/docs/{asset}", "/docs/no-such.js"),
    ("/openapi.yaml", "/openapi.yaml"),
    ("/openapi.json", "/openapi.json"),
];

const SPEC: &str = include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/openapi.yaml"));

const CONSOLE_POLICY: &str = "default-src 'self'; script-src 'self'; style-src 'self'; \
     connect-src 'self'; img-src 'self' data:; frame-ancestors 'none'";

async fn get(app: &TestApp, path: &str) -> TestResponse {
    app.request(Method::GET, path, None, None).await
}

async fn the_spec_is_served_byte_for_byte_and_as_the_same_json(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let yaml = app
        .client
        .get(app.url("/openapi.yaml"))
        .send()
        .await
        .unwrap();
    assert_eq!(yaml.status(), 200);
    assert_eq!(yaml.headers()["content-type"], "application/yaml");
    let bytes = yaml.bytes().await.unwrap();
    assert!(bytes == SPEC.as_bytes(), "the served spec is openapi.yaml");
    let json = get(&app, "/openapi.json").await;
    assert_eq!(json.status, 200);
    assert_eq!(json.header("content-type"), Some("application/json"));
    let document: Value = serde_norway::from_str(SPEC).unwrap();
    assert_eq!(json.body, document, "the JSON is the same document");
}

async fn pages_need_no_key_and_carry_their_own_policy(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let console = get(&app, "/").await;
    assert_eq!(console.status, 200);
    assert_eq!(
        console.header("content-type"),
        Some("text/html; charset=utf-8")
    );
    assert_eq!(
        console.header("content-security-policy"),
        Some(CONSOLE_POLICY)
    );
    assert!(console.text.contains("src=\"/console/app.js\""));
    assert!(
        !console.text.contains("<script>") && !console.text.contains(" style="),
        "no inline script or style on the console"
    );
    let docs = get(&app, "/docs").await;
    assert_eq!(docs.status, 200);
    let policy = docs.header("content-security-policy").unwrap();
    for allowed in [
        "script-src 'self';",
        "style-src 'self' 'unsafe-inline';",
        "worker-src blob:;",
        "connect-src 'self';",
        "frame-ancestors 'none'",
    ] {
        assert!(policy.contains(allowed), "{policy}");
    }
    assert!(
        docs.text
            .contains("<script src=\"/docs/redoc.standalone.js\">"),
        "{}",
        docs.text
    );
    for (path, content_type) in [
        ("/console/app.js", "text/javascript; charset=utf-8"),
        ("/console/views/fleet.js", "text/javascript; charset=utf-8"),
        ("/console/console.css", "text/css; charset=utf-8"),
        (
            "/docs/redoc.standalone.js",
            "text/javascript; charset=utf-8",
        ),
        ("/docs/LICENSE", "text/plain; charset=utf-8"),
    ] {
        let file = get(&app, path).await;
        assert_eq!(file.status, 200, "{path}");
        assert_eq!(file.header("content-type"), Some(content_type), "{path}");
        assert_eq!(file.header("x-content-type-options"), Some("nosniff"));
    }
    let licence = get(&app, "/docs/LICENSE").await;
    assert!(licence.text.contains("MIT License"), "{}", licence.text);
    let missing = get(&app, "/console/views/nope.js").await;
    assert_eq!(
        (missing.status, missing.body["code"].as_str()),
        (404, Some("not_found"))
    );
}

async fn files_are_revalidated_by_their_etag(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    for path in [
        "/",
        "/console/app.js",
        "/docs",
        "/openapi.yaml",
        "/openapi.json",
    ] {
        let first = get(&app, path).await;
        assert_eq!(first.header("cache-control"), Some("no-cache"), "{path}");
        let etag = first.header("etag").expect("an ETag").to_string();
        let again = app
            .client
            .get(app.url(path))
            .header("If-None-Match", &etag)
            .send()
            .await
            .unwrap();
        assert_eq!(again.status(), 304, "{path}");
        assert_eq!(again.headers()["etag"], etag.as_str(), "{path}");
        assert!(again.bytes().await.unwrap().is_empty(), "{path}");
        let other = app
            .client
            .get(app.url(path))
            .header("If-None-Match", "W/\"other\"")
            .send()
            .await
            .unwrap();
        assert_eq!(other.status(), 200, "{path}");
    }
}

/// The `import ... from '<specifier>'` and `src`/`href` URLs of a file.
fn references(text: &str) -> Vec<String> {
    let mut found = Vec::new();
    for marker in ["from '", "from \"", "src=\"", "href=\""] {
        let quote = marker.chars().last().unwrap();
        let mut rest = text;
        while let Some(at) = rest.find(marker) {
            rest = &rest[at + marker.len()..];
            if let Some(end) = rest.find(quote) {
                found.push(rest[..end].to_string());
            }
        }
    }
    found
        .into_iter()
        .filter(|url| !url.starts_with('#') && !url.starts_with("data:"))
        .collect()
}

/// `reference` resolved against the path of the file that names it.
fn resolve(base: &str, reference: &str) -> String {
    if reference.starts_with('/') {
        return reference.to_string();
    }
    let mut segments: Vec<&str> = base.split('/').collect();
    segments.pop();
    for part in reference.split('/') {
        match part {
            "." => {}
            ".." => {
                segments.pop();
            }
            other => segments.push(other),
        }
    }
    segments.join("/")
}

async fn every_module_the_page_loads_is_served(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let mut pending = vec!["/".to_string()];
    let mut seen = BTreeSet::new();
    while let Some(path) = pending.pop() {
        if !seen.insert(path.clone()) {
            continue;
        }
        let file = get(&app, &path).await;
        assert_eq!(file.status, 200, "{path}, loaded by the console");
        for reference in references(&file.text) {
            pending.push(resolve(&path, &reference));
        }
    }
    assert!(seen.contains("/console/views/vessel.js"), "{seen:?}");
    assert!(seen.contains("/console/console.css"), "{seen:?}");
    // The page, its style sheet, app.js and every module: 18 files.
    assert_eq!(seen.len(), 18, "{seen:?}");
}
