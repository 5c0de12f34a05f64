//! Bad input gets a clear error naming the key and the allowed range; measured inputs replace
//! the defaults and are reported; the chart and the HTTP API work end to end.

use chokepoint_core::NoProgress;
use chokepoint_scenario::measured::{
    apply_distill, apply_shipments, measure_distill_report, parse_shipments,
};
use chokepoint_scenario::{monte_carlo, render_chart_svg, run, ChartSeries, Params, ScenarioError};
use std::path::Path;

const LEVERS: &str = "[levers]
export_control_tightness = 0.5
smuggling_interdiction = 0.5
offshore_screening = 0.5
distillation_detection_rate = 0.5
distillation_time_to_detect_days = 30
trusted_exports = 0.5
";

fn parse(text: &str) -> Result<Params, ScenarioError> {
    Params::from_toml_str(text, Path::new("my.toml"))
}

#[test]
fn a_full_scenario_file_parses_with_overrides() {
    let text = format!("name = \"mine\"\n{LEVERS}[parameters]\nsmuggled_chips_2024 = 300000\n");
    let p = parse(&text).unwrap();
    assert_eq!(p.name, "mine");
    assert_eq!(p.model.smuggled_chips_2024, 300000.0);
    assert_eq!(p.levers.distillation_time_to_detect_days, 30.0);
}

#[test]
fn unknown_lever_is_named_with_its_line() {
    let text = format!("{LEVERS}smugling_interdiction = 0.3\n");
    let e = parse(&text).unwrap_err().to_string();
    assert!(e.contains("my.toml:line 8"), "{e}");
    assert!(e.contains("unknown lever `smugling_interdiction`"), "{e}");
    assert!(
        e.contains("smuggling_interdiction"),
        "lists the known ones: {e}"
    );
}

#[test]
fn unknown_parameter_and_unknown_section_are_named() {
    let e = parse(&format!("{LEVERS}[parameters]\nsmuggled_chips = 5\n"))
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("unknown parameter `smuggled_chips`") && e.contains("line 9"),
        "{e}"
    );
    let e = parse(&format!("{LEVERS}[params]\nx = 1\n"))
        .unwrap_err()
        .to_string();
    assert!(e.contains("params") && e.contains("my.toml:line 8"), "{e}");
}

#[test]
fn out_of_range_values_name_key_and_range() {
    let text = LEVERS.replace(
        "smuggling_interdiction = 0.5",
        "smuggling_interdiction = 1.5",
    );
    let e = parse(&text).unwrap_err().to_string();
    assert!(e.contains("my.toml:line 3"), "{e}");
    assert!(e.contains("levers.smuggling_interdiction"), "{e}");
    assert!(e.contains("allowed 0 to 1"), "{e}");
    let e = parse(&format!("{LEVERS}[parameters]\nsmuggled_chips_2024 = 5\n"))
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("parameters.smuggled_chips_2024") && e.contains("allowed 10000 to 500000"),
        "{e}"
    );
    let e = parse(&LEVERS.replace("= 30", "= -1"))
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("distillation_time_to_detect_days") && e.contains("allowed 0 to 365"),
        "{e}"
    );
}

#[test]
fn missing_lever_names_it_and_its_range() {
    let text = LEVERS.replace("trusted_exports = 0.5\n", "");
    let e = parse(&text).unwrap_err().to_string();
    assert!(
        e.contains("missing lever `trusted_exports`") && e.contains("0 to 1"),
        "{e}"
    );
}

#[test]
fn wrong_type_is_named() {
    let text = LEVERS.replace("offshore_screening = 0.5", "offshore_screening = \"high\"");
    let e = parse(&text).unwrap_err().to_string();
    assert!(e.contains("my.toml:line 4"), "{e}");
}

#[test]
fn missing_preset_lists_the_known_ones() {
    let e = Params::preset_or_file("defned").unwrap_err().to_string();
    assert!(
        e.contains("defned") && e.contains("defend, inaction"),
        "{e}"
    );
    assert!(Params::preset_or_file("defend").is_ok());
}

#[test]
fn scenario_file_from_disk() {
    let dir = tempdir();
    let path = dir.join("s.toml");
    std::fs::write(&path, LEVERS).unwrap();
    let p = Params::preset_or_file(path.to_str().unwrap()).unwrap();
    assert_eq!(p.name, "s");
}

fn tempdir() -> std::path::PathBuf {
    let d = std::env::temp_dir().join(format!(
        "scenario-test-{}-{:?}",
        std::process::id(),
        std::thread::current().id()
    ));
    std::fs::create_dir_all(&d).unwrap();
    d
}

const REPORT: &str = r#"{
  "schema": "chokepoint.distill.report/v1",
  "generated_at": "2026-02-04T00:00:00Z",
  "stats": {"records": 2000000, "accounts": 5000, "flagged_accounts": 3, "campaigns": 2, "seconds": 1.0},
  "accounts": [],
  "campaigns": [
    {"id": "c-1", "score": 0.9, "accounts": ["a", "b"], "records": 1000000,
     "first_seen": "2026-01-01T00:00:00Z", "last_seen": "2026-01-11T00:00:00Z",
     "capabilities": {"coding": 0.5, "reasoning": 0.5}},
    {"id": "c-2", "score": 0.9, "accounts": ["c"], "records": 460000,
     "first_seen": "2026-01-21T00:00:00Z", "last_seen": "2026-01-31T00:00:00Z",
     "capabilities": {"tool_use": 0.9, "other": 0.1}}
  ]
}"#;

#[test]
fn distill_report_sets_the_distillation_volume() {
    let m = measure_distill_report(REPORT, Path::new("r.json")).unwrap();
    assert_eq!(m.campaigns, 2);
    assert_eq!(m.accounts, 3);
    assert_eq!(m.exchanges, 1_460_000.0);
    assert_eq!(m.observed_days, 30.0);
    assert!((m.exchanges_per_year - 1_460_000.0 * 365.25 / 30.0).abs() < 1e-6);
    assert_eq!(m.mean_campaign_days, Some(10.0));
    // coding, reasoning, tool_use each >= 5%: 3 of at least 6 families.
    assert_eq!(m.capability_coverage, Some(0.5));
    let mut p = Params::preset("inaction").unwrap();
    let before = run(&p).lead_2028_months;
    apply_distill(&mut p, &m, 10.0, "r.json").unwrap();
    let r = run(&p);
    let names: Vec<&str> = r
        .measured_inputs
        .iter()
        .map(|m| m.parameter.as_str())
        .collect();
    assert_eq!(
        names,
        [
            "distillation_exchanges_2025",
            "campaign_duration_days",
            "capability_coverage"
        ]
    );
    // Observed in January 2026 (~1.06 years after 2025-01-01): the 2025 rate is discounted.
    let rate = r.parameters.distillation_exchanges_2025;
    let expect = m.exchanges_per_year * 10.0 / 1.8f64.powf(m.observed_at_years);
    assert!((rate - expect).abs() < 1.0, "{rate} vs {expect}");
    assert_ne!(r.lead_2028_months, before);
    // Measured parameters are held fixed in the Monte Carlo.
    let mc = monte_carlo(&p, 200, 1, &NoProgress);
    assert_eq!(mc.fixed_parameters.len(), 3);
}

#[test]
fn bad_distill_reports_are_named() {
    let e = measure_distill_report("{\"schema\": \"other/v1\"}", Path::new("r.json"))
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("r.json, field `schema`") && e.contains("other/v1"),
        "{e}"
    );
    let bad = REPORT.replace("2026-01-11T00:00:00Z", "yesterday");
    let e = measure_distill_report(&bad, Path::new("r.json"))
        .unwrap_err()
        .to_string();
    assert!(e.contains("campaigns[0] (c-1).last_seen"), "{e}");
    let e = measure_distill_report("{\"schema\": ", Path::new("r.json"))
        .unwrap_err()
        .to_string();
    assert!(e.contains("r.json:line 1"), "{e}");
    let empty = r#"{"schema": "chokepoint.distill.report/v1", "campaigns": []}"#;
    assert!(measure_distill_report(empty, Path::new("r.json")).is_err());
}

#[test]
fn campaigns_without_records_use_accounts() {
    let text = REPORT.replace("\"records\": 1000000,", "");
    let m = measure_distill_report(&text, Path::new("r.json")).unwrap();
    assert_eq!(m.exchanges, 2.0 * 1150.0 + 460_000.0);
}

#[test]
fn shipments_set_the_smuggling_rate() {
    let s = parse_shipments(
        r#"{"diverted_units": 10000, "period_days": 365.25, "observed_at": "2025-01-01", "h100e_per_unit": 2.0}"#,
        Path::new("s.json"),
    )
    .unwrap();
    let mut p = Params::preset("defend").unwrap();
    let before = run(&p).lead_2028_months;
    apply_shipments(&mut p, &s, "s.json").unwrap();
    // 10,000 a year observed at the start of 2025 = baseline x growth^1.
    assert!((p.model.smuggled_chips_2024 - 10_000.0 / 1.5).abs() < 1e-6);
    assert_eq!(p.model.smuggled_chip_h100e, 2.0);
    let r = run(&p);
    assert_eq!(r.measured_inputs.len(), 2);
    assert!(
        r.lead_2028_months > before,
        "fewer smuggled chips than the default: larger lead"
    );
}

#[test]
fn bad_shipments_are_named() {
    for (text, field) in [
        (r#"{"diverted_units": 10, "period_days": 0}"#, "period_days"),
        (
            r#"{"diverted_units": -1, "period_days": 30}"#,
            "diverted_units",
        ),
        (
            r#"{"diverted_units": 10, "period_days": 30, "observed_at": "soon"}"#,
            "observed_at",
        ),
        (
            r#"{"diverted_units": 10, "period_days": 30, "units": 3}"#,
            "units",
        ),
    ] {
        let e = parse_shipments(text, Path::new("s.json"))
            .unwrap_err()
            .to_string();
        assert!(e.contains("s.json") && e.contains(field), "{text}: {e}");
    }
}

#[test]
fn chart_is_an_svg_with_bands_and_sources() {
    let d = Params::preset("defend").unwrap();
    let i = Params::preset("inaction").unwrap();
    let (rd, ri) = (run(&d), run(&i));
    let (md, mi) = (
        monte_carlo(&d, 300, 1, &NoProgress),
        monte_carlo(&i, 300, 1, &NoProgress),
    );
    let svg = render_chart_svg(&[
        ChartSeries {
            result: &rd,
            monte_carlo: Some(&md),
        },
        ChartSeries {
            result: &ri,
            monte_carlo: Some(&mi),
        },
    ])
    .unwrap();
    assert!(
        svg.starts_with("<svg") || svg.contains("<svg"),
        "{}",
        &svg[..100.min(svg.len())]
    );
    assert!(
        svg.contains("<polygon"),
        "bands and stacked areas are polygons"
    );
    assert!(svg.contains("smuggled") && svg.contains("defend") && svg.contains("inaction"));
    assert!(render_chart_svg(&[]).is_err());
}

mod http {
    use axum::body::{to_bytes, Body};
    use axum::http::{Request, StatusCode};
    use tower::ServiceExt;

    async fn call(method: &str, uri: &str, body: &str) -> (StatusCode, serde_json::Value) {
        let app = chokepoint_scenario::http::router();
        let req = Request::builder()
            .method(method)
            .uri(uri)
            .header("content-type", "application/json")
            .body(Body::from(body.to_string()))
            .unwrap();
        let resp = app.oneshot(req).await.unwrap();
        let status = resp.status();
        let bytes = to_bytes(resp.into_body(), 1 << 24).await.unwrap();
        (
            status,
            serde_json::from_slice(&bytes).unwrap_or(serde_json::Value::Null),
        )
    }

    #[tokio::test]
    async fn presets_and_run_with_overrides() {
        let (s, v) = call("GET", "/presets", "").await;
        assert_eq!(s, StatusCode::OK);
        assert_eq!(v["presets"].as_array().unwrap().len(), 2);
        assert_eq!(v["levers"].as_array().unwrap().len(), 6);

        let (s, v) = call(
            "POST",
            "/run",
            r#"{"preset": "defend", "monte_carlo": {"runs": 500, "seed": 3}, "sensitivity": true}"#,
        )
        .await;
        assert_eq!(s, StatusCode::OK, "{v}");
        let base = v["result"]["lead_2028_months"].as_f64().unwrap();
        assert!(v["monte_carlo"]["lead_2028_months"]["p50"].is_number());
        assert_eq!(v["sensitivity"]["levers"].as_array().unwrap().len(), 6);

        let (s, v) = call(
            "POST",
            "/run",
            r#"{"preset": "defend", "levers": {"smuggling_interdiction": 0.0}}"#,
        )
        .await;
        assert_eq!(s, StatusCode::OK, "{v}");
        assert!(v["result"]["lead_2028_months"].as_f64().unwrap() < base);
    }

    #[tokio::test]
    async fn bad_requests_are_400_with_the_key() {
        let (s, v) = call(
            "POST",
            "/run",
            r#"{"levers": {"smuggling_interdiction": 2}}"#,
        )
        .await;
        assert_eq!(s, StatusCode::BAD_REQUEST);
        assert!(
            v["error"]
                .as_str()
                .unwrap()
                .contains("smuggling_interdiction"),
            "{v}"
        );
        let (s, _) = call("POST", "/run", r#"{"preset": "nope"}"#).await;
        assert_eq!(s, StatusCode::BAD_REQUEST);
        let (s, _) = call("POST", "/run", r#"{"monte_carlo": {"runs": 100000000}}"#).await;
        assert_eq!(s, StatusCode::BAD_REQUEST);
        let (s, _) = call("POST", "/run", r#"{"bogus": 1}"#).await;
        assert!(s.is_client_error());
        let big = format!("{{\"preset\": \"{}\"}}", "x".repeat(100_000));
        let (s, _) = call("POST", "/run", &big).await;
        assert_eq!(s, StatusCode::PAYLOAD_TOO_LARGE);
    }
}
