//! HTTP endpoints for the console: `POST /screen/name` and `POST /screen/customers`, JSON in and
//! out.
//!
//! **Authentication**: this router has none of its own. It must be mounted behind the server's
//! authentication layer (`chokepoint serve` nests it under its authenticated routes); never expose
//! it directly. Request bodies are bounded ([`MAX_BODY_BYTES`]) and so are the number of
//! customers and ownership edges per request ([`MAX_CUSTOMERS`], [`MAX_EDGES`]).

use crate::customers::{screen_customers, Customer, CustomerReport};
use crate::matcher::{NameResult, Screener};
use crate::ownership::{OwnershipEdge, OwnershipGraph};
use axum::extract::{DefaultBodyLimit, State};
use axum::http::StatusCode;
use axum::routing::post;
use axum::{Json, Router};
use serde::{Deserialize, Serialize};
use std::sync::Arc;

/// Largest request body accepted (1 MiB).
pub const MAX_BODY_BYTES: usize = 1 << 20;
/// Most customers per request.
pub const MAX_CUSTOMERS: usize = 1000;
/// Most ownership edges per request.
pub const MAX_EDGES: usize = 10_000;

/// `POST /screen/name` body.
#[derive(Debug, Deserialize, Serialize)]
pub struct NameRequest {
    pub name: String,
    #[serde(default)]
    pub country: Option<String>,
}

/// `POST /screen/customers` body.
#[derive(Debug, Deserialize, Serialize)]
pub struct CustomersRequest {
    pub customers: Vec<Customer>,
    #[serde(default)]
    pub ownership: Vec<OwnershipEdge>,
    /// Screening date (default: today, UTC).
    #[serde(default)]
    pub as_of: Option<chrono::NaiveDate>,
}

/// An error body: `{"error": "..."}`.
#[derive(Debug, Serialize, Deserialize)]
pub struct ErrorBody {
    pub error: String,
}

type ApiError = (StatusCode, Json<ErrorBody>);

fn bad(msg: impl Into<String>) -> ApiError {
    (
        StatusCode::UNPROCESSABLE_ENTITY,
        Json(ErrorBody { error: msg.into() }),
    )
}

/// The router (state: the screener, shared). Mount behind authentication.
pub fn router(screener: Arc<Screener>) -> Router {
    Router::new()
        .route("/screen/name", post(screen_name))
        .route("/screen/customers", post(screen_customers_handler))
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
        .with_state(screener)
}

async fn screen_name(
    State(s): State<Arc<Screener>>,
    Json(req): Json<NameRequest>,
) -> Result<Json<NameResult>, ApiError> {
    if req.name.trim().is_empty() {
        return Err(bad("field `name`: empty query"));
    }
    if req.name.chars().count() > 1000 {
        return Err(bad("field `name`: longer than 1000 characters"));
    }
    let r = tokio_free_blocking(move || s.screen(&req.name, req.country.as_deref()));
    Ok(Json(r))
}

async fn screen_customers_handler(
    State(s): State<Arc<Screener>>,
    Json(req): Json<CustomersRequest>,
) -> Result<Json<Vec<CustomerReport>>, ApiError> {
    if req.customers.len() > MAX_CUSTOMERS {
        return Err(bad(format!(
            "field `customers`: more than {MAX_CUSTOMERS} customers"
        )));
    }
    if req.ownership.len() > MAX_EDGES {
        return Err(bad(format!(
            "field `ownership`: more than {MAX_EDGES} edges"
        )));
    }
    for (i, c) in req.customers.iter().enumerate() {
        if c.name.trim().is_empty() {
            return Err(bad(format!("field `customers[{i}].name`: empty")));
        }
    }
    for (i, e) in req.ownership.iter().enumerate() {
        if !(0.0..=100.0).contains(&e.percent) {
            return Err(bad(format!(
                "field `ownership[{i}].percent`: {} is outside 0–100",
                e.percent
            )));
        }
    }
    let as_of = req.as_of.unwrap_or_else(|| chrono::Utc::now().date_naive());
    let graph = (!req.ownership.is_empty()).then(|| OwnershipGraph::new(&req.ownership));
    let r = tokio_free_blocking(move || {
        screen_customers(
            &s,
            &req.customers,
            graph.as_ref(),
            as_of,
            &chokepoint_core::NoProgress,
        )
    });
    Ok(Json(r))
}

/// Screening is CPU-bound but short per request (bounded input); it runs inline. Kept as one
/// function so that moving it to a blocking pool is a one-line change.
fn tokio_free_blocking<T>(f: impl FnOnce() -> T) -> T {
    f()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lists::ListEntry;
    use axum::body::Body;
    use axum::http::Request;
    use tower::ServiceExt;

    fn app() -> Router {
        let s = Screener::build(
            vec![ListEntry {
                list_id: "1".into(),
                name: "Huawei Technologies Co., Ltd.".into(),
                aliases: vec![],
                kind: "entity".into(),
                source: "EL".into(),
                countries: vec!["CN".into()],
                addresses: vec![],
                programs: vec![],
            }],
            Default::default(),
            &chokepoint_core::NoProgress,
        );
        router(Arc::new(s))
    }

    async fn post_json(app: Router, path: &str, body: String) -> (StatusCode, serde_json::Value) {
        let resp = app
            .oneshot(
                Request::post(path)
                    .header("content-type", "application/json")
                    .body(Body::from(body))
                    .unwrap(),
            )
            .await
            .unwrap();
        let status = resp.status();
        let bytes = axum::body::to_bytes(resp.into_body(), usize::MAX)
            .await
            .unwrap();
        (
            status,
            serde_json::from_slice(&bytes).unwrap_or(serde_json::Value::Null),
        )
    }

    #[tokio::test]
    async fn name_endpoint() {
        let (st, v) = post_json(
            app(),
            "/screen/name",
            r#"{"name":"华为技术有限公司"}"#.into(),
        )
        .await;
        assert_eq!(st, StatusCode::OK);
        assert_ne!(v["decision"], "clear", "{v}");
        let (st, v) = post_json(app(), "/screen/name", r#"{"name":"  "}"#.into()).await;
        assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(v["error"].as_str().unwrap().contains("name"));
    }

    #[tokio::test]
    async fn customers_endpoint_and_body_limit() {
        let body = r#"{"customers":[{"id":"c1","name":"Huawei Tech Co Ltd","country":"CN"}],"as_of":"2026-06-01"}"#;
        let (st, v) = post_json(app(), "/screen/customers", body.into()).await;
        assert_eq!(st, StatusCode::OK, "{v}");
        assert_eq!(v[0]["decision"], "deny", "{v}");
        let big = format!(r#"{{"name":"{}"}}"#, "a".repeat(MAX_BODY_BYTES + 10));
        let (st, _) = post_json(app(), "/screen/name", big).await;
        assert_eq!(st, StatusCode::PAYLOAD_TOO_LARGE);
    }
}
