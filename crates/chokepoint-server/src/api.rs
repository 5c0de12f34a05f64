//! The console's own REST API under `/api/v1` (the modules' routers are mounted beside it):
//! scans, campaigns, STIX exports. JSON in and out; errors are `{"error": "..."}` with a 4xx
//! status naming the field, never a 5xx for bad input.

use crate::auth::Identity;
use crate::db::{CampaignRow, ExportRow, ScanRow};
use crate::scans::{resolve_input, start_scan, ProgressSnapshot};
use crate::{AppState, ServerError};
use axum::extract::rejection::JsonRejection;
use axum::extract::{Path, Query, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Extension, Json, Router};
use chokepoint_core::NoProgress;
use serde::{Deserialize, Serialize};

/// The routes (state: [`AppState`]); mounted under `/api/v1` behind authentication.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/whoami", get(whoami))
        .route("/users", get(list_users))
        .route("/scans", get(list_scans).post(create_scan))
        .route("/scans/{id}", get(get_scan))
        .route("/scans/{id}/report", get(get_report))
        .route("/scans/{id}/campaigns", get(list_campaigns))
        .route("/scans/{id}/campaigns/{cid}", get(get_campaign))
        .route("/scans/{id}/campaigns/{cid}/stix", post(export_stix))
        .route("/exports", get(list_exports))
        .route("/exports/{id}", get(get_export))
}

/// Longest campaign id accepted in a path.
const MAX_ID: usize = 128;

fn check_id(cid: &str) -> Result<(), ServerError> {
    if cid.is_empty() || cid.len() > MAX_ID {
        return Err(ServerError::BadRequest(format!(
            "campaign id: 1 to {MAX_ID} characters"
        )));
    }
    Ok(())
}

#[derive(Serialize)]
struct WhoAmI {
    name: String,
    role: &'static str,
}

async fn whoami(Extension(me): Extension<Identity>) -> Json<WhoAmI> {
    Json(WhoAmI {
        name: me.user.name,
        role: me.user.role.as_str(),
    })
}

/// `GET /users` (admins only): the console's users and roles.
async fn list_users(
    State(st): State<AppState>,
    Extension(me): Extension<Identity>,
) -> Result<Json<Vec<crate::db::User>>, ServerError> {
    if me.user.role != crate::Role::Admin {
        return Err(ServerError::Forbidden("admins only".into()));
    }
    Ok(Json(st.db().users().await?))
}

/// A scan with its live progress (while queued or running).
#[derive(Serialize)]
pub struct ScanView {
    #[serde(flatten)]
    pub scan: ScanRow,
    pub progress: Option<ProgressSnapshot>,
}

#[derive(Deserialize)]
struct Paging {
    #[serde(default)]
    limit: Option<i64>,
    #[serde(default)]
    offset: Option<i64>,
}

impl Paging {
    fn limit(&self, default: i64) -> i64 {
        self.limit.unwrap_or(default).clamp(1, 1000)
    }
    fn offset(&self) -> i64 {
        self.offset.unwrap_or(0).clamp(0, i64::MAX / 2)
    }
}

fn query<T>(
    q: Result<Query<T>, axum::extract::rejection::QueryRejection>,
) -> Result<T, ServerError> {
    q.map(|Query(t)| t)
        .map_err(|e| ServerError::Rejected(e.status(), format!("query: {}", e.body_text())))
}

async fn list_scans(
    State(st): State<AppState>,
    q: Result<Query<Paging>, axum::extract::rejection::QueryRejection>,
) -> Result<Json<Vec<ScanView>>, ServerError> {
    let q = query(q)?;
    let rows = st.db().scans(q.limit(100)).await?;
    Ok(Json(
        rows.into_iter()
            .map(|s| ScanView {
                progress: st.progress_of(s.id),
                scan: s,
            })
            .collect(),
    ))
}

/// `POST /scans` body.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewScan {
    /// A file in the server's data directory (relative to it, or absolute inside it).
    pub path: String,
}

#[derive(Serialize)]
struct Created {
    id: i64,
    url: String,
}

fn json_body<T>(body: Result<Json<T>, JsonRejection>) -> Result<T, ServerError> {
    body.map(|Json(t)| t)
        .map_err(|e| ServerError::Rejected(e.status(), e.body_text()))
}

async fn create_scan(
    State(st): State<AppState>,
    Extension(me): Extension<Identity>,
    body: Result<Json<NewScan>, JsonRejection>,
) -> Result<Response, ServerError> {
    let req = json_body(body)?;
    let input = resolve_input(&st.inner.config.data_dir, &req.path)?;
    let id = start_scan(&st, input, &me.user.name).await?;
    Ok((
        StatusCode::ACCEPTED,
        Json(Created {
            id,
            url: format!("/api/v1/scans/{id}"),
        }),
    )
        .into_response())
}

async fn get_scan(
    State(st): State<AppState>,
    Path(id): Path<i64>,
) -> Result<Json<ScanView>, ServerError> {
    let scan = st
        .db()
        .scan(id)
        .await?
        .ok_or_else(|| ServerError::NotFound(format!("no scan {id}")))?;
    Ok(Json(ScanView {
        progress: st.progress_of(id),
        scan,
    }))
}

async fn get_report(
    State(st): State<AppState>,
    Path(id): Path<i64>,
) -> Result<Response, ServerError> {
    let r = st
        .db()
        .report(id)
        .await?
        .ok_or_else(|| ServerError::NotFound(format!("no finished scan {id}")))?;
    Ok(([(header::CONTENT_TYPE, "application/json")], r).into_response())
}

async fn list_campaigns(
    State(st): State<AppState>,
    Path(id): Path<i64>,
    q: Result<Query<Paging>, axum::extract::rejection::QueryRejection>,
) -> Result<Json<Vec<CampaignRow>>, ServerError> {
    let q = query(q)?;
    if st.db().scan(id).await?.is_none() {
        return Err(ServerError::NotFound(format!("no scan {id}")));
    }
    Ok(Json(st.db().campaigns(id, q.limit(100), q.offset()).await?))
}

#[derive(Serialize)]
struct CampaignView {
    #[serde(flatten)]
    row: CampaignRow,
    campaign: serde_json::Value,
    /// The accounts with their digests (the row's `accounts` is their count).
    account_details: serde_json::Value,
}

async fn get_campaign(
    State(st): State<AppState>,
    Path((id, cid)): Path<(i64, String)>,
) -> Result<Json<CampaignView>, ServerError> {
    check_id(&cid)?;
    let c = st
        .db()
        .campaign(id, &cid)
        .await?
        .ok_or_else(|| ServerError::NotFound(format!("no campaign {cid} in scan {id}")))?;
    Ok(Json(CampaignView {
        row: c.row,
        campaign: c.body,
        account_details: c.details,
    }))
}

/// Exports one campaign as a STIX 2.1 bundle under the server's community key (keyed hashes
/// and sketches only), records the export, and returns (export id, objects, bundle JSON).
pub async fn export_campaign(
    st: &AppState,
    scan_id: i64,
    cid: &str,
    user: &str,
) -> Result<(i64, usize, String), ServerError> {
    check_id(cid)?;
    let c = st
        .db()
        .campaign(scan_id, cid)
        .await?
        .ok_or_else(|| ServerError::NotFound(format!("no campaign {cid} in scan {scan_id}")))?;
    let accounts: Vec<serde_json::Value> = c
        .details
        .as_array()
        .map(|a| {
            a.iter()
                .map(|d| {
                    serde_json::json!({
                        "account_id": d.get("account_id"),
                        "score": d.get("score").and_then(|s| s.as_f64()).unwrap_or(0.0),
                        "flagged": d.get("flagged").and_then(|s| s.as_bool()).unwrap_or(false),
                        "campaign": cid,
                    })
                })
                .collect()
        })
        .unwrap_or_default();
    let report_json = serde_json::json!({
        "schema": chokepoint_distill::REPORT_SCHEMA,
        "accounts": accounts,
        "campaigns": [c.body],
    });
    let report: chokepoint_intel::DistillReport = serde_json::from_value(report_json)
        .map_err(|e| ServerError::Internal(format!("stored campaign is not a report: {e}")))?;
    let key = st.inner.community_key.clone();
    let opts = chokepoint_intel::ExportOptions::new(&st.inner.config.producer);
    let bundle = tokio::task::spawn_blocking(move || {
        chokepoint_intel::export_bundle(&report, &key, &opts, &NoProgress)
    })
    .await
    .map_err(|e| ServerError::Internal(format!("export stopped: {e}")))?
    .map_err(|e| ServerError::Internal(format!("export: {e}")))?;
    let n = bundle.objects.len();
    let text =
        serde_json::to_string_pretty(&bundle).map_err(|e| ServerError::Internal(e.to_string()))?;
    let id = st
        .db()
        .insert_export(scan_id, cid, user, n as i64, &text)
        .await?;
    Ok((id, n, text))
}

async fn export_stix(
    State(st): State<AppState>,
    Extension(me): Extension<Identity>,
    Path((id, cid)): Path<(i64, String)>,
) -> Result<Response, ServerError> {
    let (export_id, _, text) = export_campaign(&st, id, &cid, &me.user.name).await?;
    Ok((
        StatusCode::CREATED,
        [
            (
                header::CONTENT_TYPE,
                "application/stix+json;version=2.1".to_string(),
            ),
            (header::LOCATION, format!("/api/v1/exports/{export_id}")),
        ],
        text,
    )
        .into_response())
}

async fn list_exports(State(st): State<AppState>) -> Result<Json<Vec<ExportRow>>, ServerError> {
    Ok(Json(st.db().exports(200).await?))
}

async fn get_export(
    State(st): State<AppState>,
    Path(id): Path<i64>,
) -> Result<Response, ServerError> {
    let (_, bundle) = st
        .db()
        .export_bundle(id)
        .await?
        .ok_or_else(|| ServerError::NotFound(format!("no export {id}")))?;
    Ok((
        [(header::CONTENT_TYPE, "application/stix+json;version=2.1")],
        bundle,
    )
        .into_response())
}
