//! The JSON API: classify and licence over the router, errors as 400 with the field named,
//! oversized bodies refused.

use axum::body::Body;
use axum::http::{Request, StatusCode};
use chokepoint_controls::http::{router, ControlsState, MAX_BODY_BYTES};
use chokepoint_controls::{PartsDb, Rules};
use http_body_util::BodyExt;
use std::sync::Arc;
use tower::ServiceExt;

fn app() -> axum::Router {
    router(Arc::new(ControlsState {
        rules: Rules::builtin().unwrap(),
        parts: PartsDb::builtin().unwrap(),
    }))
}

async fn post(path: &str, body: String) -> (StatusCode, serde_json::Value) {
    let resp = app()
        .oneshot(
            Request::post(path)
                .header("content-type", "application/json")
                .body(Body::from(body))
                .unwrap(),
        )
        .await
        .unwrap();
    let status = resp.status();
    let bytes = resp.into_body().collect().await.unwrap().to_bytes();
    (
        status,
        serde_json::from_slice(&bytes).unwrap_or(serde_json::Value::Null),
    )
}

#[tokio::test]
async fn classify_and_license() {
    let (s, v) = post("/classify", r#"{"part":"H100"}"#.into()).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(v["eccn"], "3A090.a");
    assert_eq!(v["tpp"], 15832.0);
    let (s, v) = post(
        "/license",
        r#"{"eccn":"3A090.a","destination":"MO","date":"2026-06-01"}"#.into(),
    )
    .await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(v["licence_required"], true);
    assert!(
        v["review_policy"]
            .as_str()
            .unwrap()
            .contains("presumption of denial"),
        "{v}"
    );
    let (s, v) = post(
        "/license",
        r#"{"part":"H100","destination":"DE","end_user_hq":"CN","date":"2026-06-01"}"#.into(),
    )
    .await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(v["licence_required"], true, "{v}");
}

#[tokio::test]
async fn bad_requests_name_the_field() {
    let (s, v) = post(
        "/license",
        r#"{"eccn":"3A090.a","destination":"ZZ"}"#.into(),
    )
    .await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    assert!(v["error"].as_str().unwrap().contains("destination"), "{v}");
    let (s, v) = post("/classify", r#"{"figures":{"tflops_fp8":-1}}"#.into()).await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    assert!(v["error"].as_str().unwrap().contains("fp8"), "{v}");
    let (s, _) = post(
        "/classify",
        format!(r#"{{"part":"{}"}}"#, "x".repeat(MAX_BODY_BYTES + 10)),
    )
    .await;
    assert_eq!(s, StatusCode::PAYLOAD_TOO_LARGE);
}
