//! The auth matrix (issue 14, item 3): every secured operation of
//! openapi.yaml is called with no key, a malformed `Authorization` header,
//! a revoked key, the role just below the one it names in
//! `x-required-role`, and that role, expecting 401, 401, 401, 403 and a
//! success. The operations come from the spec, and each needs a valid
//! request in [`valid_request`], so a new route fails here until it has one.

use reqwest::Method;
use serde_json::{Value, json};

use fleet_risk::domain::Role;

use crate::support::{Backend, IMOS, TestApp, TestResponse, vessel_body};

crate::cases!(every_operation_answers_401_401_401_403_and_success);

/// A secured operation as the spec states it.
struct Operation {
    method: Method,
    template: String,
    role: Role,
}

fn secured_operations() -> Vec<Operation> {
    let text = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/openapi.yaml"))
        .expect("openapi.yaml is readable");
    let spec: Value = serde_norway::from_str(&text).expect("openapi.yaml is valid YAML");
    let mut operations = Vec::new();
    for (template, item) in spec["paths"].as_object().unwrap() {
        for method in ["get", "post", "put", "patch", "delete"] {
            let Some(operation) = item.get(method) else {
                continue;
            };
            if operation["security"].as_array().is_some_and(Vec::is_empty) {
                continue; // health, docs: open
            }
            let role = operation["x-required-role"]
                .as_str()
                .unwrap_or_else(|| panic!("{method} {template} names no x-required-role"));
            operations.push(Operation {
                method: method.to_uppercase().parse().unwrap(),
                template: template.clone(),
                role: Role::parse(role).unwrap_or_else(|e| panic!("{role}: {e}")),
            });
        }
    }
    operations
}

/// What the calls need to exist: a fleet with a scored vessel and a run,
/// and a spare fleet and vessel for the deletes.
struct Fixtures {
    fleet: String,
    spare_fleet: String,
    imo: &'static str,
    spare_imo: &'static str,
    run_id: String,
    /// A live key for the revocation.
    spare_key: uuid::Uuid,
}

/// A request that the operation's own role gets a 2xx for: the path, and
/// the JSON body.
fn valid_request(f: &Fixtures, method: &Method, template: &str) -> (String, Option<Value>) {
    let fleet = format!("/api/fleet-risk/fleets/{}", f.fleet);
    let vessel = format!("/api/fleet-risk/vessels/{}", f.imo);
    let inspection =
        json!({"date": "2026-01-02", "regime": "paris_mou", "deficiencies": 1, "detained": false});
    let incident =
        json!({"date": "2026-01-03", "severity": "C", "kind": "other", "grossLossUsd": 10});
    let limits = json!({"medium": 20, "high": 40, "critical": 60});
    let context = json!({"context": {"targetingKey": "auth-matrix-user"}});
    let (path, body) = match (method.as_str(), template) {
        ("GET", "/api/fleet-risk/fleets") => ("/api/fleet-risk/fleets".into(), None),
        ("POST", "/api/fleet-risk/fleets") => (
            "/api/fleet-risk/fleets".into(),
            Some(json!({"name": format!("Matrix {}", uuid::Uuid::new_v4())})),
        ),
        ("GET", "/api/fleet-risk/fleets/{fleetId}") => (fleet.clone(), None),
        ("PATCH", "/api/fleet-risk/fleets/{fleetId}") => {
            (fleet.clone(), Some(json!({"description": "patched"})))
        }
        ("DELETE", "/api/fleet-risk/fleets/{fleetId}") => {
            (format!("/api/fleet-risk/fleets/{}", f.spare_fleet), None)
        }
        ("GET", "/api/fleet-risk/fleets/{fleetId}/vessels") => (format!("{fleet}/vessels"), None),
        ("GET", "/api/fleet-risk/fleets/{fleetId}/risk") => (format!("{fleet}/risk"), None),
        ("GET", "/api/fleet-risk/fleets/{fleetId}/risk/simulation") => {
            (format!("{fleet}/risk/simulation?years=1000"), None)
        }
        ("GET", "/api/fleet-risk/fleets/{fleetId}/export") => {
            (format!("{fleet}/export?format=csv"), None)
        }
        ("GET", "/api/fleet-risk/fleets/{fleetId}/thresholds") => {
            (format!("{fleet}/thresholds"), None)
        }
        ("PUT", "/api/fleet-risk/fleets/{fleetId}/thresholds") => {
            (format!("{fleet}/thresholds"), Some(limits))
        }
        ("DELETE", "/api/fleet-risk/fleets/{fleetId}/thresholds") => {
            (format!("{fleet}/thresholds"), None)
        }
        ("POST", "/api/fleet-risk/vessels") => {
            let mut body = vessel_body(IMOS[4]);
            body["fleetId"] = json!(f.fleet);
            ("/api/fleet-risk/vessels".into(), Some(body))
        }
        ("POST", "/api/fleet-risk/vessels/import") => {
            let mut imported = vessel_body(IMOS[6]);
            imported.as_object_mut().unwrap().remove("incidents");
            (
                "/api/fleet-risk/vessels/import?mode=upsert".into(),
                Some(json!({"fleetId": f.fleet, "vessels": [imported]})),
            )
        }
        ("GET", "/api/fleet-risk/vessels/{imo}") => (vessel.clone(), None),
        ("PATCH", "/api/fleet-risk/vessels/{imo}") => {
            (vessel.clone(), Some(json!({"name": "PATCHED"})))
        }
        ("DELETE", "/api/fleet-risk/vessels/{imo}") => {
            (format!("/api/fleet-risk/vessels/{}", f.spare_imo), None)
        }
        ("GET", "/api/fleet-risk/vessels/{imo}/risk") => (format!("{vessel}/risk"), None),
        ("GET", "/api/fleet-risk/vessels/{imo}/risk/history") => {
            (format!("{vessel}/risk/history"), None)
        }
        ("POST", "/api/fleet-risk/vessels/{imo}/inspections") => {
            (format!("{vessel}/inspections"), Some(inspection))
        }
        ("POST", "/api/fleet-risk/vessels/{imo}/incidents") => {
            (format!("{vessel}/incidents"), Some(incident))
        }
        ("POST", "/api/fleet-risk/assess") => (
            "/api/fleet-risk/assess".into(),
            Some(json!({"vessels": [vessel_body(IMOS[3])]})),
        ),
        ("GET", "/api/fleet-risk/dashboard") => (
            "/api/fleet-risk/dashboard?userId=auth-matrix-user".into(),
            None,
        ),
        ("GET", "/api/fleet-risk/export") => ("/api/fleet-risk/export?format=csv".into(), None),
        ("GET", "/api/fleet-risk/thresholds") => ("/api/fleet-risk/thresholds".into(), None),
        ("PUT", "/api/fleet-risk/thresholds") => (
            "/api/fleet-risk/thresholds".into(),
            Some(json!({"medium": 25, "high": 50, "critical": 70})),
        ),
        ("GET", "/api/fleet-risk/runs") => ("/api/fleet-risk/runs".into(), None),
        ("GET", "/api/fleet-risk/runs/{runId}") => {
            (format!("/api/fleet-risk/runs/{}", f.run_id), None)
        }
        ("GET", "/api/fleet-risk/model") => ("/api/fleet-risk/model".into(), None),
        ("POST", "/api/cron/risk-calculations") => ("/api/cron/risk-calculations".into(), None),
        ("POST", "/api/feedback") => (
            "/api/feedback".into(),
            Some(json!({
                "rating": 4,
                "category": "Usability",
                "message": "The matrix walked every route.",
                "context": {
                    "feature": "fleet-dashboard",
                    "version": "2.4.0",
                    "sessionId": "s-matrix",
                    "timestamp": chrono::Utc::now().to_rfc3339(),
                },
            })),
        ),
        ("GET", "/api/feedback/summary") => ("/api/feedback/summary".into(), None),
        ("GET", "/api/flags") => ("/api/flags?userId=auth-matrix-user".into(), None),
        ("GET", "/api/admin/flags") => ("/api/admin/flags".into(), None),
        ("GET", "/api/admin/flags/{key}") => ("/api/admin/flags/fleetRiskDashboard".into(), None),
        ("PUT", "/api/admin/flags/{key}") => (
            "/api/admin/flags/fleetRiskDashboard".into(),
            Some(json!({"enabled": true, "rolloutPercentage": 100, "reason": "auth matrix"})),
        ),
        ("GET", "/api/admin/flags/{key}/audit") => {
            ("/api/admin/flags/fleetRiskDashboard/audit".into(), None)
        }
        ("POST", "/ofrep/v1/evaluate/flags/{key}") => (
            "/ofrep/v1/evaluate/flags/fleetRiskDashboard".into(),
            Some(context),
        ),
        ("POST", "/ofrep/v1/evaluate/flags") => ("/ofrep/v1/evaluate/flags".into(), Some(context)),
        ("GET", "/ofrep/v1/configuration") => ("/ofrep/v1/configuration".into(), None),
        ("GET", "/api/admin/keys") => ("/api/admin/keys".into(), None),
        ("POST", "/api/admin/keys") => (
            "/api/admin/keys".into(),
            Some(json!({"name": "auth matrix", "role": "viewer"})),
        ),
        ("DELETE", "/api/admin/keys/{keyId}") => (format!("/api/admin/keys/{}", f.spare_key), None),
        (method, template) => {
            panic!("{method} {template}: give the auth matrix a valid request for it")
        }
    };
    (path, body)
}

/// The role just below `role`, if there is one.
fn below(role: Role) -> Option<Role> {
    match role {
        Role::Viewer => None,
        Role::Underwriter => Some(Role::Viewer),
        Role::Admin => Some(Role::Underwriter),
    }
}

fn key_of(app: &TestApp, role: Role) -> &str {
    match role {
        Role::Viewer => &app.keys.viewer,
        Role::Underwriter => &app.keys.underwriter,
        Role::Admin => &app.keys.admin,
    }
}

/// Sends `method path` with `authorization` as the raw header (or none).
async fn call(
    app: &TestApp,
    method: &Method,
    path: &str,
    authorization: Option<String>,
    body: Option<&Value>,
) -> TestResponse {
    let mut request = app.client.request(method.clone(), app.url(path));
    if let Some(value) = authorization {
        request = request.header("authorization", value);
    }
    if let Some(body) = body {
        request = request.json(body);
    }
    TestResponse::read(request.send().await.expect("the server answers")).await
}

/// A refusal: the status, and the body: a problem with `code`, or on the
/// OFREP routes the protocol's general error (`{errorDetails}`).
fn assert_refused(template: &str, response: &TestResponse, status: u16, code: &str, what: &str) {
    assert_eq!(response.status, status, "{what}: {}", response.text);
    let content_type = response.header("content-type").unwrap_or_default();
    if template.starts_with("/ofrep/") {
        assert!(
            content_type.starts_with("application/json"),
            "{what}: {content_type}"
        );
        let details = response.body["errorDetails"].as_str().unwrap_or_default();
        assert!(!details.is_empty(), "{what}: {}", response.text);
    } else {
        assert!(
            content_type.starts_with("application/problem+json"),
            "{what}: {content_type}"
        );
        assert_eq!(response.body["code"], code, "{what}: {}", response.text);
    }
}

async fn fixtures(app: &TestApp) -> Fixtures {
    crate::flags::open_dashboard(app).await;
    let fleet = app.create_fleet("Matrix").await;
    let spare_fleet = app.create_fleet("Matrix spare").await;
    let (imo, spare_imo) = (IMOS[0], IMOS[1]);
    for imo in [imo, spare_imo] {
        let mut body = vessel_body(imo);
        body["fleetId"] = json!(fleet);
        let created = app
            .post("/api/fleet-risk/vessels", &app.keys.admin, &body)
            .await;
        assert_eq!(created.status, 201, "{}", created.text);
    }
    let run_id = app.recalculate().await;
    let spare_key = app
        .db
        .create_api_key("spare", Role::Viewer)
        .await
        .unwrap()
        .record
        .id;
    Fixtures {
        fleet,
        spare_fleet,
        imo,
        spare_imo,
        run_id,
        spare_key,
    }
}

async fn every_operation_answers_401_401_401_403_and_success(backend: Backend) {
    let app = TestApp::spawn_with(backend, |env| {
        // About 200 calls from one address at once: the limiter is not under test.
        for variable in [
            "RATE_LIMIT_PER_SECOND",
            "RATE_LIMIT_BURST",
            "RATE_LIMIT_WRITE_PER_SECOND",
            "RATE_LIMIT_WRITE_BURST",
        ] {
            env.insert(variable, "100000".into());
        }
    })
    .await;
    let fixtures = fixtures(&app).await;
    let operations = secured_operations();
    assert!(operations.len() >= 40, "{} operations", operations.len());
    for Operation {
        method,
        template,
        role,
    } in &operations
    {
        let what = format!("{method} {template}");
        if template.ends_with("/thresholds") && method == Method::DELETE {
            // Something to delete: this fleet's own limits.
            let limits = json!({"medium": 20, "high": 40, "critical": 60});
            let path = format!("/api/fleet-risk/fleets/{}/thresholds", fixtures.fleet);
            let put = app
                .request(Method::PUT, &path, Some(&app.keys.admin), Some(&limits))
                .await;
            assert_eq!(put.status, 200, "{}", put.text);
        }
        let (path, body) = valid_request(&fixtures, method, template);
        let body = body.as_ref();
        let revoked = app.db.create_api_key("revoked", *role).await.unwrap();
        assert!(app.db.revoke_api_key(revoked.record.id).await.unwrap());
        let refusals = [
            (None, "no key"),
            (
                Some(format!("Basic {}", key_of(&app, *role))),
                "a malformed header",
            ),
            (Some("Bearer ".to_string()), "an empty bearer token"),
            (Some(format!("Bearer {}", revoked.secret)), "a revoked key"),
        ];
        for (authorization, refusal) in refusals {
            let response = call(&app, method, &path, authorization, body).await;
            assert_refused(
                template,
                &response,
                401,
                "unauthorized",
                &format!("{what}, {refusal}"),
            );
        }
        if let Some(lower) = below(*role) {
            let bearer = Some(format!("Bearer {}", key_of(&app, lower)));
            let response = call(&app, method, &path, bearer, body).await;
            assert_refused(
                template,
                &response,
                403,
                "forbidden",
                &format!("{what}, the {lower:?} role"),
            );
        }
        let bearer = Some(format!("Bearer {}", key_of(&app, *role)));
        let response = call(&app, method, &path, bearer, body).await;
        assert!(
            (200..300).contains(&response.status),
            "{what}, the {role:?} role: {} {}",
            response.status,
            response.text
        );
    }
}
