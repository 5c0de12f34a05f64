//! The HTTP API for the web console: an axum [`Router`] that `chokepoint serve` mounts.
//!
//! **Authentication**: this router does none itself. The server must mount it behind its
//! authentication layer (no endpoint here is public). Input sizes are bounded: request bodies
//! to [`MAX_BODY_BYTES`], Monte Carlo runs to [`MAX_HTTP_RUNS`].
//!
//! - `GET /presets`: the presets (name, description, levers) and the levers' ranges.
//! - `GET /parameters`: every parameter's default, range, unit and source.
//! - `POST /run`: a preset with lever (and parameter) overrides; the result, and on request a
//!   Monte Carlo and a sensitivity analysis. Body:
//!   `{"preset": "defend", "levers": {"smuggling_interdiction": 0.5}, "parameters": {},
//!     "monte_carlo": {"runs": 2000, "seed": 1}, "sensitivity": true}`
//!   Bad input answers 400 with `{"error": "..."}` naming the key and its allowed range.

use crate::montecarlo::{monte_carlo, sensitivity, MonteCarloResult, Sensitivity};
use crate::params::{catalog, preset_names, LeverSpec, Levers, ParamSpec, Params};
use crate::{run, ScenarioResult};
use axum::extract::DefaultBodyLimit;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use chokepoint_core::NoProgress;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Largest request body accepted.
pub const MAX_BODY_BYTES: usize = 64 * 1024;
/// Most Monte Carlo runs one request may ask for.
pub const MAX_HTTP_RUNS: usize = 20_000;

/// The scenario API's routes (mount behind the server's authentication).
pub fn router() -> Router {
    Router::new()
        .route("/presets", get(presets))
        .route("/parameters", get(parameters))
        .route("/run", post(run_endpoint))
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
}

#[derive(Serialize)]
struct PresetInfo {
    name: String,
    description: String,
    levers: Levers,
}

#[derive(Serialize)]
struct LeverInfo {
    name: &'static str,
    #[serde(flatten)]
    spec: LeverSpec,
}

#[derive(Serialize)]
struct PresetsResponse {
    presets: Vec<PresetInfo>,
    levers: Vec<LeverInfo>,
}

async fn presets() -> Response {
    let mut out = Vec::new();
    for name in preset_names() {
        match Params::preset(name) {
            Ok(p) => out.push(PresetInfo {
                name: p.name,
                description: p.description,
                levers: p.levers,
            }),
            Err(e) => return error(StatusCode::INTERNAL_SERVER_ERROR, e.to_string()),
        }
    }
    Json(PresetsResponse {
        presets: out,
        levers: catalog()
            .levers
            .iter()
            .map(|(name, spec)| LeverInfo {
                name,
                spec: spec.clone(),
            })
            .collect(),
    })
    .into_response()
}

#[derive(Serialize)]
struct ParameterInfo {
    name: &'static str,
    #[serde(flatten)]
    spec: ParamSpec,
}

async fn parameters() -> Json<Vec<ParameterInfo>> {
    Json(
        catalog()
            .parameters
            .iter()
            .map(|(name, spec)| ParameterInfo {
                name,
                spec: spec.clone(),
            })
            .collect(),
    )
}

/// The body of `POST /run`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RunRequest {
    /// A preset name (default `inaction`).
    #[serde(default)]
    pub preset: Option<String>,
    #[serde(default)]
    pub levers: BTreeMap<String, f64>,
    #[serde(default)]
    pub parameters: BTreeMap<String, f64>,
    #[serde(default)]
    pub monte_carlo: Option<MonteCarloRequest>,
    #[serde(default)]
    pub sensitivity: bool,
}

/// Monte Carlo options of a request.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MonteCarloRequest {
    pub runs: usize,
    #[serde(default)]
    pub seed: u64,
}

/// The answer of `POST /run`.
#[derive(Debug, Serialize)]
pub struct RunResponse {
    pub result: ScenarioResult,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub monte_carlo: Option<MonteCarloResult>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sensitivity: Option<Sensitivity>,
}

/// Builds the scenario of a request, checking every override.
pub fn params_of_request(req: &RunRequest) -> Result<Params, crate::ScenarioError> {
    let mut p = Params::preset(req.preset.as_deref().unwrap_or("inaction"))?;
    for (k, v) in &req.levers {
        p.set_lever(k, *v)?;
    }
    for (k, v) in &req.parameters {
        p.set_parameter(k, *v)?;
    }
    if !req.levers.is_empty() || !req.parameters.is_empty() {
        p.name = format!("{} (modified)", p.name);
    }
    Ok(p)
}

async fn run_endpoint(
    body: Result<Json<RunRequest>, axum::extract::rejection::JsonRejection>,
) -> Response {
    let req = match body {
        Ok(Json(r)) => r,
        Err(e) => return error(e.status(), e.body_text()),
    };
    if let Some(mc) = &req.monte_carlo {
        if mc.runs == 0 || mc.runs > MAX_HTTP_RUNS {
            return error(
                StatusCode::BAD_REQUEST,
                format!(
                    "monte_carlo.runs = {}: allowed 1 to {MAX_HTTP_RUNS}",
                    mc.runs
                ),
            );
        }
    }
    let params = match params_of_request(&req) {
        Ok(p) => p,
        Err(e) => return error(StatusCode::BAD_REQUEST, e.to_string()),
    };
    let mc = req.monte_carlo.as_ref().map(|m| (m.runs, m.seed));
    let want_sensitivity = req.sensitivity;
    // The Monte Carlo is CPU-bound (rayon): keep it off the async workers.
    let joined = tokio::task::spawn_blocking(move || RunResponse {
        result: run(&params),
        monte_carlo: mc.map(|(runs, seed)| monte_carlo(&params, runs, seed, &NoProgress)),
        sensitivity: want_sensitivity.then(|| sensitivity(&params)),
    })
    .await;
    match joined {
        Ok(r) => Json(r).into_response(),
        Err(e) => error(
            StatusCode::INTERNAL_SERVER_ERROR,
            format!("scenario run failed: {e}"),
        ),
    }
}

fn error(status: StatusCode, message: String) -> Response {
    (status, Json(serde_json::json!({ "error": message }))).into_response()
}
