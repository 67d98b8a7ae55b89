//! The server and openapi.yaml agree: the same routes, and real responses
//! that validate against the spec's schemas.

use std::collections::{BTreeSet, HashSet};

use reqwest::Method;
use serde_json::{Value, json};

use crate::support::{Backend, IMOS, TestApp, TestResponse, vessel_body};

crate::cases!(
    real_responses_validate_against_the_spec;
    once:
    the_spec_and_the_server_have_the_same_routes,
    every_error_code_is_in_the_spec,
    the_spec_states_the_parsers_bounds,
);

fn spec() -> Value {
    let text = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/openapi.yaml"))
        .expect("openapi.yaml is readable");
    serde_norway::from_str(&text).expect("openapi.yaml is valid YAML")
}

const METHODS: [&str; 5] = ["get", "post", "put", "patch", "delete"];

fn spec_operations(spec: &Value) -> BTreeSet<(String, String)> {
    let mut operations = BTreeSet::new();
    for (path, item) in spec["paths"].as_object().unwrap() {
        for method in METHODS {
            if item.get(method).is_some() {
                operations.insert((path.clone(), method.to_string()));
            }
        }
    }
    operations
}

async fn the_spec_and_the_server_have_the_same_routes(_: Backend) {
    let served: BTreeSet<(String, String)> = fleet_risk::http::ROUTES
        .iter()
        .flat_map(|(path, methods)| methods.iter().map(|m| (path.to_string(), m.to_string())))
        .collect();
    assert_eq!(spec_operations(&spec()), served);
}

async fn every_error_code_is_in_the_spec(_: Backend) {
    // Each error response has its own `*Problem` schema: its status, codes and titles.
    let spec = spec();
    let mut listed = HashSet::new();
    for (name, schema) in spec["components"]["schemas"].as_object().unwrap() {
        if !name.ends_with("Problem") {
            continue;
        }
        let properties = &schema["properties"];
        let enum_of = |property: &str| -> Vec<Value> {
            properties[property]["enum"]
                .as_array()
                .unwrap_or_else(|| panic!("{name}.{property} is an enum"))
                .clone()
        };
        for code in enum_of("code") {
            let code = code.as_str().unwrap().to_string();
            let defined = fleet_risk::http::error::ErrorCode::ALL
                .iter()
                .find(|c| c.as_str() == code)
                .unwrap_or_else(|| panic!("{name} lists {code}, which the server does not define"));
            assert_eq!(
                enum_of("status"),
                [json!(defined.status().as_u16())],
                "{name}"
            );
            assert!(
                enum_of("title").contains(&json!(defined.title())),
                "{name} {code}"
            );
            listed.insert(code);
        }
    }
    let defined: HashSet<String> = fleet_risk::http::error::ErrorCode::ALL
        .iter()
        .map(|c| c.as_str().to_string())
        .collect();
    assert_eq!(listed, defined);
}

async fn the_spec_states_the_parsers_bounds(_: Backend) {
    use fleet_risk::domain::{FleetDescription, UsdAmount};
    let spec = spec();
    let schemas = &spec["components"]["schemas"];
    for money in [
        &schemas["InsuredValueUsd"],
        &schemas["IncidentInput"]["properties"]["grossLossUsd"],
    ] {
        assert_eq!(money["maximum"].as_f64(), Some(UsdAmount::MAX), "{money}");
        assert_eq!(money["minimum"].as_f64(), Some(0.0), "{money}");
    }
    for body in ["VesselInput", "VesselCreate", "VesselPatch"] {
        assert_eq!(
            schemas[body]["properties"]["insuredValueUsd"]["$ref"],
            "#/components/schemas/InsuredValueUsd",
            "{body}"
        );
    }
    for body in ["FleetCreate", "FleetUpdate"] {
        let description = &schemas[body]["properties"]["description"];
        assert_eq!(
            description["maxLength"].as_u64(),
            Some(FleetDescription::MAX_CHARS as u64),
            "{body}"
        );
        let pattern = regex::Regex::new(description["pattern"].as_str().unwrap()).unwrap();
        assert!(pattern.is_match("line one\nline two\ttabbed\r\n"), "{body}");
        for control in ["\u{0}", "\u{1b}", "\u{7f}", "\u{85}"] {
            assert!(
                !pattern.is_match(&format!("a{control}b")),
                "{body} {control:?}"
            );
            assert!(FleetDescription::parse(&format!("a{control}b")).is_err());
        }
    }
}

/// A JSON pointer segment (RFC 6901) as it may stand in a URI fragment.
fn escape(segment: &str) -> String {
    segment
        .replace('~', "~0")
        .replace('/', "~1")
        .replace('{', "%7B")
        .replace('}', "%7D")
}

/// Checks one real response against the spec entry for `(template, method)`
/// and its status; returns the operation key when it was a success.
fn conforms(
    spec: &Value,
    template: &str,
    method: &str,
    response: &TestResponse,
) -> (String, String) {
    let operation = &spec["paths"][template][method];
    assert!(
        operation.is_object(),
        "{method} {template} is not in the spec"
    );
    let status = response.status.to_string();
    let mut pointer = format!("#/paths/{}/{method}/responses/{status}", escape(template));
    let mut entry = &operation["responses"][status.as_str()];
    assert!(
        entry.is_object(),
        "{method} {template} answered {status}, which the spec does not list: {}",
        response.text
    );
    if let Some(reference) = entry.get("$ref").and_then(Value::as_str) {
        pointer = reference.to_string();
        entry = spec
            .pointer(reference.trim_start_matches('#'))
            .unwrap_or_else(|| panic!("{reference} resolves"));
    }
    match entry.get("content") {
        None => assert!(
            response.text.is_empty(),
            "{method} {template} {status} has a body"
        ),
        Some(content) => {
            let content_type = response
                .header("content-type")
                .unwrap_or_default()
                .split(';')
                .next()
                .unwrap()
                .to_string();
            assert!(
                content.get(&content_type).is_some(),
                "{method} {template} {status}: content type {content_type} is not in the spec"
            );
            if !content_type.ends_with("json") {
                // A file (CSV, xlsx): its type is checked, it has no JSON schema.
                return (template.to_string(), method.to_string());
            }
            let mut root = spec.clone();
            root.as_object_mut().unwrap().insert(
                "$ref".into(),
                json!(format!(
                    "{pointer}/content/{}/schema",
                    escape(&content_type)
                )),
            );
            let validator = jsonschema::validator_for(&root).expect("the spec's schema compiles");
            let errors: Vec<String> = validator
                .iter_errors(&response.body)
                .map(|e| format!("{} at {}", e, e.instance_path))
                .collect();
            assert!(
                errors.is_empty(),
                "{method} {template} {status} does not match the spec: {errors:?}\n{}",
                response.text
            );
        }
    }
    (template.to_string(), method.to_string())
}

async fn real_responses_validate_against_the_spec(backend: Backend) {
    let spec = spec();
    let app = TestApp::spawn(backend).await;
    let admin = app.keys.admin.clone();
    let viewer = app.keys.viewer.clone();
    let mut covered = BTreeSet::new();
    let mut check = |template: &str, method: &str, response: &TestResponse| {
        let key = conforms(&spec, template, method, response);
        if response.status < 300 {
            covered.insert(key);
        }
    };

    let r = app.request(Method::GET, "/api/health", None, None).await;
    check("/api/health", "get", &r);
    let r = app
        .request(Method::GET, "/api/health/live", None, None)
        .await;
    check("/api/health/live", "get", &r);

    let fleets = "/api/fleet-risk/fleets";
    let fleet_path = "/api/fleet-risk/fleets/{fleetId}";
    let r = app
        .post(
            fleets,
            &admin,
            &json!({"name": "Contract", "description": "d"}),
        )
        .await;
    check(fleets, "post", &r);
    let fleet = r.body["id"].as_str().unwrap().to_string();
    check(fleets, "get", &app.get(fleets, &viewer).await);
    check(
        fleets,
        "get",
        &app.request(Method::GET, fleets, None, None).await,
    );
    check(
        fleets,
        "post",
        &app.post(fleets, &viewer, &json!({"name": "x"})).await,
    );
    check(
        fleets,
        "post",
        &app.post(fleets, &admin, &json!({"name": ""})).await,
    );
    check(
        fleets,
        "post",
        &app.post(fleets, &admin, &json!({"name": "Contract"})).await,
    );
    check(
        fleets,
        "post",
        &app.post_raw(fleets, "application/json", b"{".to_vec())
            .await,
    );
    check(
        fleets,
        "post",
        &app.post_raw(fleets, "text/csv", b"a,b".to_vec()).await,
    );
    check(
        fleets,
        "get",
        &app.get(&format!("{fleets}?limit=0"), &viewer).await,
    );
    let one = format!("{fleets}/{fleet}");
    check(fleet_path, "get", &app.get(&one, &viewer).await);
    check(
        fleet_path,
        "patch",
        &app.patch(&one, &admin, &json!({"description": null})).await,
    );

    let vessels = "/api/fleet-risk/vessels";
    let vessel_path = "/api/fleet-risk/vessels/{imo}";
    let mut body = vessel_body(IMOS[0]);
    body["fleetId"] = json!(fleet);
    check(vessels, "post", &app.post(vessels, &admin, &body).await);
    check(vessels, "post", &app.post(vessels, &admin, &body).await);
    body["vesselIMO"] = json!("1234568");
    body["flag"] = json!("XX");
    check(vessels, "post", &app.post(vessels, &admin, &body).await);
    let minimal = json!({"vesselIMO": IMOS[1], "name": "MIN", "shipType": "tug", "yearBuilt": 2001,
        "grossTonnage": 300, "flag": "NO", "insuredValueUsd": 0, "classSociety": null, "fleetId": fleet});
    check(vessels, "post", &app.post(vessels, &admin, &minimal).await);
    let import = "/api/fleet-risk/vessels/import";
    // A fleet of its own: the one above is deleted further on.
    let fleet = app.create_fleet("Imported").await;
    let mut imported = vessel_body("9176187");
    imported.as_object_mut().unwrap().remove("incidents");
    let batch = json!({"fleetId": fleet, "vessels": [imported]});
    check(import, "post", &app.post(import, &admin, &batch).await);
    check(import, "post", &app.post(import, &admin, &batch).await);
    let upsert = format!("{import}?mode=upsert");
    check(import, "post", &app.post(&upsert, &admin, &batch).await);
    let csv = format!(
        "fleetId,vesselIMO,name,shipType,yearBuilt,grossTonnage,flag,insuredValueUsd\n{fleet},9321483,CSV,tug,2001,300,NO,0\n"
    );
    check(
        import,
        "post",
        &app.post_raw(import, "text/csv", csv.into_bytes()).await,
    );
    check(
        import,
        "post",
        &app.post_raw(import, "text/plain", b"x".to_vec()).await,
    );

    let imo = format!("{vessels}/{}", IMOS[0]);
    check(vessel_path, "get", &app.get(&imo, &viewer).await);
    check(
        vessel_path,
        "get",
        &app.get(&format!("{vessels}/{}", IMOS[5]), &viewer).await,
    );
    check(
        vessel_path,
        "patch",
        &app.patch(&imo, &admin, &json!({"name": "PATCHED"})).await,
    );
    check(
        vessel_path,
        "patch",
        &app.patch(&imo, &admin, &json!({"yearBuilt": 1})).await,
    );
    check(
        "/api/fleet-risk/fleets/{fleetId}/vessels",
        "get",
        &app.get(&format!("{one}/vessels?limit=1"), &viewer).await,
    );
    let inspection =
        json!({"date": "2026-01-02", "regime": "paris_mou", "deficiencies": 1, "detained": false});
    check(
        "/api/fleet-risk/vessels/{imo}/inspections",
        "post",
        &app.post(&format!("{imo}/inspections"), &admin, &inspection)
            .await,
    );
    let incident =
        json!({"date": "2026-01-03", "severity": "C", "kind": "other", "grossLossUsd": 10});
    check(
        "/api/fleet-risk/vessels/{imo}/incidents",
        "post",
        &app.post(&format!("{imo}/incidents"), &admin, &incident)
            .await,
    );
    let assess = "/api/fleet-risk/assess";
    let mut sanctioned = vessel_body(IMOS[2]);
    sanctioned["sanctioned"] = json!(true);
    sanctioned["classSociety"] = json!(null);
    sanctioned["inspections"] = json!([]);
    let body = json!({"asOf": "2026-11-26", "vessels": [vessel_body(IMOS[3]), sanctioned]});
    check(
        assess,
        "post",
        &app.post(assess, &app.keys.underwriter, &body).await,
    );
    check(assess, "post", &app.post(assess, &viewer, &body).await);
    check(
        assess,
        "post",
        &app.post(assess, &admin, &json!({"vessels": [{"vesselIMO": 1}]}))
            .await,
    );

    crate::flags::contract_checks(&app, &mut check).await;

    // Published risk, runs, thresholds, dashboard and model.
    let run = app
        .request(
            Method::POST,
            "/api/cron/risk-calculations",
            Some(&admin),
            None,
        )
        .await;
    check("/api/cron/risk-calculations", "post", &run);
    let run_id = run.body["runId"].as_str().unwrap().to_string();
    app.wait_for_run(&run_id).await;
    check(
        "/api/cron/risk-calculations",
        "post",
        &app.request(
            Method::POST,
            "/api/cron/risk-calculations",
            Some(&viewer),
            None,
        )
        .await,
    );
    check(
        "/api/fleet-risk/runs",
        "get",
        &app.get("/api/fleet-risk/runs?limit=1", &viewer).await,
    );
    check(
        "/api/fleet-risk/runs/{runId}",
        "get",
        &app.get(&format!("/api/fleet-risk/runs/{run_id}"), &viewer)
            .await,
    );
    check(
        "/api/fleet-risk/model",
        "get",
        &app.get("/api/fleet-risk/model", &viewer).await,
    );
    check(
        "/api/fleet-risk/dashboard",
        "get",
        &app.get("/api/fleet-risk/dashboard", &viewer).await,
    );
    // The fleet list again, now with published scores.
    check(
        fleets,
        "get",
        &app.get(
            &format!("{fleets}?sort=-score&level=low,medium,high,critical"),
            &viewer,
        )
        .await,
    );
    check(
        "/api/fleet-risk/vessels/{imo}/risk",
        "get",
        &app.get(&format!("{imo}/risk"), &viewer).await,
    );
    check(
        "/api/fleet-risk/vessels/{imo}/risk/history",
        "get",
        &app.get(&format!("{imo}/risk/history?limit=2"), &viewer)
            .await,
    );
    check(
        "/api/fleet-risk/fleets/{fleetId}/risk",
        "get",
        &app.get(&format!("{one}/risk"), &viewer).await,
    );
    check(
        "/api/fleet-risk/fleets/{fleetId}/risk/simulation",
        "get",
        &app.get(
            &format!("{one}/risk/simulation?years=1000&seed=3"),
            &app.keys.underwriter,
        )
        .await,
    );
    check(
        "/api/fleet-risk/fleets/{fleetId}/risk/simulation",
        "get",
        &app.get(
            &format!("{one}/risk/simulation?years=0"),
            &app.keys.underwriter,
        )
        .await,
    );
    check(
        "/api/fleet-risk/fleets/{fleetId}/vessels",
        "get",
        &app.get(
            &format!("{one}/vessels?sort=-score&level=low,medium,high,critical"),
            &viewer,
        )
        .await,
    );
    let limits = json!({"medium": 20, "high": 40, "critical": 60});
    let thresholds = "/api/fleet-risk/thresholds";
    check(thresholds, "get", &app.get(thresholds, &viewer).await);
    check(
        thresholds,
        "put",
        &app.request(Method::PUT, thresholds, Some(&admin), Some(&limits))
            .await,
    );
    check(
        thresholds,
        "put",
        &app.request(
            Method::PUT,
            thresholds,
            Some(&admin),
            Some(&json!({"medium": 50, "high": 40, "critical": 60})),
        )
        .await,
    );
    let fleet_thresholds = "/api/fleet-risk/fleets/{fleetId}/thresholds";
    let own = format!("{one}/thresholds");
    check(
        fleet_thresholds,
        "put",
        &app.request(Method::PUT, &own, Some(&admin), Some(&limits))
            .await,
    );
    check(fleet_thresholds, "get", &app.get(&own, &viewer).await);
    check(fleet_thresholds, "delete", &app.delete(&own, &admin).await);
    check(fleet_thresholds, "delete", &app.delete(&own, &admin).await);

    let underwriter = app.keys.underwriter.clone();
    let fleet_export = "/api/fleet-risk/fleets/{fleetId}/export";
    let book_export = "/api/fleet-risk/export";
    for format in ["csv", "xlsx"] {
        let own = format!("{one}/export?format={format}");
        check(fleet_export, "get", &app.get(&own, &underwriter).await);
        let book = format!("{book_export}?format={format}");
        check(book_export, "get", &app.get(&book, &underwriter).await);
    }
    check(
        fleet_export,
        "get",
        &app.get(&format!("{one}/export"), &underwriter).await,
    );
    check(
        fleet_export,
        "get",
        &app.get(&format!("{one}/export?format=csv"), &viewer).await,
    );
    check(
        book_export,
        "get",
        &app.get(&format!("{book_export}?format=pdf"), &underwriter)
            .await,
    );

    check(fleet_path, "delete", &app.delete(&one, &admin).await);
    check(vessel_path, "delete", &app.delete(&imo, &admin).await);
    check(
        vessel_path,
        "delete",
        &app.delete(&format!("{vessels}/{}", IMOS[1]), &admin).await,
    );
    check(fleet_path, "delete", &app.delete(&one, &admin).await);
    check(fleet_path, "get", &app.get(&one, &viewer).await);

    let feedback_body = json!({"rating": 2, "category": "Usability", "message": "The menu is confusing.",
        "context": {"feature": "fleet-dashboard", "version": "2.4.0", "sessionId": "s-1",
            "timestamp": chrono::Utc::now().to_rfc3339()}});
    check(
        "/api/feedback",
        "post",
        &app.post("/api/feedback", &viewer, &feedback_body).await,
    );
    check(
        "/api/feedback",
        "post",
        &app.post("/api/feedback", &viewer, &json!({"rating": 9}))
            .await,
    );
    let summary = "/api/feedback/summary";
    check(summary, "get", &app.get(summary, &admin).await);
    check(
        summary,
        "get",
        &app.get(&format!("{summary}?since=never"), &admin).await,
    );

    crate::api_keys::contract_checks(&app, &mut check).await;

    for (template, path) in crate::console::PAGES {
        check(
            template,
            "get",
            &app.request(Method::GET, path, None, None).await,
        );
    }

    let missing: Vec<_> = spec_operations(&spec)
        .difference(&covered)
        .cloned()
        .collect();
    assert!(
        missing.is_empty(),
        "no success response was checked for {missing:?}"
    );
}
