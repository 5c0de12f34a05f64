//! The console's view of the fleet, as an axum [`Router`].
//!
//! **This router does no authentication of its own**: mount it behind the server's auth layer
//! (`chokepoint serve` nests it under its authenticated routes, e.g. `Router::nest("/api",
//! geoloc::server::router(registry))` inside the auth middleware). Measurements posted here are
//! additionally self-authenticating: each carries the landmark's and the chip's signatures, and
//! the registry records only those that verify against registered keys.
//!
//! - `GET  /geoloc/fleet` — every chip with its last verdict, counts, latest alerts
//! - `GET  /geoloc/alerts` — the latest alerts (at most 500)
//! - `GET  /geoloc/chips/{chip_id}/region` — the chip's latest feasible region (GeoJSON Feature)
//! - `POST /geoloc/measurements` — one [`SignedMeasurement`] (JSON, at most 16 KiB)

use crate::protocol::SignedMeasurement;
use crate::registry::Registry;
use crate::GeolocError;
use axum::extract::{DefaultBodyLimit, Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};

/// Largest request body accepted.
pub const MAX_BODY_BYTES: usize = 16 * 1024;

/// The routes, with the registry as state.
pub fn router(registry: Registry) -> Router {
    Router::new()
        .route("/geoloc/fleet", get(fleet))
        .route("/geoloc/alerts", get(alerts))
        .route("/geoloc/chips/{chip_id}/region", get(region))
        .route("/geoloc/measurements", post(measurement))
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
        .with_state(registry)
}

struct ApiError(StatusCode, String);

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        (self.0, Json(serde_json::json!({"error": self.1}))).into_response()
    }
}

impl From<GeolocError> for ApiError {
    fn from(e: GeolocError) -> Self {
        let code = match &e {
            GeolocError::NotFound(_) => StatusCode::NOT_FOUND,
            GeolocError::Rejected(_) | GeolocError::Invalid { .. } => {
                StatusCode::UNPROCESSABLE_ENTITY
            }
            _ => StatusCode::INTERNAL_SERVER_ERROR,
        };
        if code == StatusCode::INTERNAL_SERVER_ERROR {
            tracing::error!("geoloc api: {e}");
            return ApiError(code, "internal error".into());
        }
        ApiError(code, e.to_string())
    }
}

async fn fleet(State(r): State<Registry>) -> Result<Response, ApiError> {
    Ok(Json(r.status().await?).into_response())
}

async fn alerts(State(r): State<Registry>) -> Result<Response, ApiError> {
    Ok(Json(r.alerts(500).await?).into_response())
}

async fn region(
    State(r): State<Registry>,
    Path(chip_id): Path<String>,
) -> Result<Response, ApiError> {
    if chip_id.len() > 64 {
        return Err(ApiError(StatusCode::BAD_REQUEST, "chip id too long".into()));
    }
    match r.latest_region(&chip_id).await? {
        Some(f) => Ok((
            [(axum::http::header::CONTENT_TYPE, "application/geo+json")],
            f.to_string(),
        )
            .into_response()),
        None => Err(ApiError(
            StatusCode::NOT_FOUND,
            format!("no verification of chip `{chip_id}` yet"),
        )),
    }
}

async fn measurement(
    State(r): State<Registry>,
    body: axum::body::Bytes,
) -> Result<Response, ApiError> {
    let m: SignedMeasurement = serde_json::from_slice(&body).map_err(|e| {
        ApiError(
            StatusCode::BAD_REQUEST,
            format!("not a signed measurement: {e}"),
        )
    })?;
    let id = r.record_measurement(&m).await?;
    Ok((StatusCode::CREATED, Json(serde_json::json!({"id": id}))).into_response())
}
