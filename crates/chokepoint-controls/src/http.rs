//! A small JSON API for the console: `POST /classify`, `POST /license`, `GET /parts`.
//!
//! **Mount it behind authentication.** This router has no authentication of its own: use
//! [`router_with_auth`] with the caller's auth layer, or mount [`router`] under a parent router
//! that applies one to every route. Request bodies are capped at [`MAX_BODY_BYTES`].

use crate::classify::{classify_figures, classify_part, PartsDb, RawFigures};
use crate::error::ControlsError;
use crate::rules::{determine_licence, LicenceQuery, Rules};
use axum::extract::{DefaultBodyLimit, State};
use axum::http::{Request, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post, Route};
use axum::{Json, Router};
use serde::{Deserialize, Serialize};
use std::convert::Infallible;
use std::sync::Arc;

/// Largest request body accepted (a classification or licence question is tiny).
pub const MAX_BODY_BYTES: usize = 16 * 1024;

/// The data the endpoints answer from.
pub struct ControlsState {
    pub rules: Rules,
    pub parts: PartsDb,
}

/// `POST /classify`: either `{"part": "H100"}` or `{"figures": {"tflops_fp8": 1979, "die_mm2": 814}}`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ClassifyRequest {
    pub part: Option<String>,
    pub figures: Option<RawFigures>,
}

/// `POST /license`: a [`LicenceQuery`], or the same with `part` instead of `eccn`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LicenceRequest {
    #[serde(default)]
    pub eccn: Option<String>,
    #[serde(default)]
    pub part: Option<String>,
    pub destination: String,
    #[serde(default)]
    pub end_user_hq: Option<String>,
    #[serde(default)]
    pub end_use: Option<String>,
    #[serde(default)]
    pub date: Option<chrono::NaiveDate>,
}

#[derive(Debug, Serialize)]
struct ErrorBody {
    error: String,
}

struct ApiError(StatusCode, String);

impl From<ControlsError> for ApiError {
    fn from(e: ControlsError) -> Self {
        let status = match e {
            ControlsError::Io { .. } => StatusCode::INTERNAL_SERVER_ERROR,
            _ => StatusCode::BAD_REQUEST,
        };
        ApiError(status, e.to_string())
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        (self.0, Json(ErrorBody { error: self.1 })).into_response()
    }
}

/// Resolves `eccn` or `part` of a licence request to an ECCN (classifying the part).
pub fn licence_query(
    rules: &Rules,
    parts: &PartsDb,
    req: LicenceRequest,
) -> Result<LicenceQuery, ControlsError> {
    let eccn = match (req.eccn, req.part) {
        (Some(e), None) => e,
        (None, Some(p)) => {
            let c = classify_part(parts, &p, &rules.thresholds)?;
            if !c.status.is_controlled() {
                "EAR99".to_string()
            } else {
                c.eccn
            }
        }
        _ => {
            return Err(ControlsError::field(
                "eccn",
                "give exactly one of `eccn` and `part`",
            ))
        }
    };
    Ok(LicenceQuery {
        eccn,
        destination: req.destination,
        end_user_hq: req.end_user_hq,
        end_use: req.end_use,
        date: req.date,
    })
}

async fn classify(
    State(st): State<Arc<ControlsState>>,
    Json(req): Json<ClassifyRequest>,
) -> Result<Response, ApiError> {
    let c = match (req.part, req.figures) {
        (Some(p), None) => classify_part(&st.parts, &p, &st.rules.thresholds)?,
        (None, Some(f)) => classify_figures(&f.to_figures(), &st.rules.thresholds)?,
        _ => {
            return Err(ApiError(
                StatusCode::BAD_REQUEST,
                "give exactly one of `part` and `figures`".into(),
            ))
        }
    };
    Ok(Json(c).into_response())
}

async fn license(
    State(st): State<Arc<ControlsState>>,
    Json(req): Json<LicenceRequest>,
) -> Result<Response, ApiError> {
    let q = licence_query(&st.rules, &st.parts, req)?;
    Ok(Json(determine_licence(&st.rules, &q)?).into_response())
}

#[derive(Serialize)]
struct PartsList {
    version: String,
    parts: Vec<String>,
    rules_version: String,
}

async fn parts(State(st): State<Arc<ControlsState>>) -> Json<PartsList> {
    Json(PartsList {
        version: st.parts.version.clone(),
        parts: st.parts.names(),
        rules_version: st.rules.meta.version.clone(),
    })
}

/// The routes, WITHOUT authentication: mount behind the caller's auth (or use
/// [`router_with_auth`]).
pub fn router(state: Arc<ControlsState>) -> Router {
    Router::new()
        .route("/classify", post(classify))
        .route("/license", post(license))
        .route("/parts", get(parts))
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
        .with_state(state)
}

/// The routes with the caller's authentication layer applied to every one of them.
pub fn router_with_auth<L>(state: Arc<ControlsState>, auth: L) -> Router
where
    L: tower_layer::Layer<Route> + Clone + Send + Sync + 'static,
    L::Service: tower_service::Service<Request<axum::body::Body>> + Clone + Send + Sync + 'static,
    <L::Service as tower_service::Service<Request<axum::body::Body>>>::Response:
        IntoResponse + 'static,
    <L::Service as tower_service::Service<Request<axum::body::Body>>>::Error:
        Into<Infallible> + 'static,
    <L::Service as tower_service::Service<Request<axum::body::Body>>>::Future: Send + 'static,
{
    router(state).route_layer(auth)
}
