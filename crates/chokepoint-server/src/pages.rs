//! The console's pages, rendered on the server with maud (templates compiled into the binary,
//! every interpolation HTML-escaped). Drawings are inline SVG made on the server; the only
//! script is a few lines that poll a running scan's progress.

use crate::api::export_campaign;
use crate::auth::Identity;
use crate::map::{chip_map, MapInput};
use crate::scans::{resolve_input, start_scan, AccountDigest, GRAPH_ACCOUNTS};
use crate::svg::{self, draw_graph, Edge, Node, Shape};
use crate::{AppState, ServerError};
use axum::extract::{Path, Query, State};
use axum::http::{header, StatusCode};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Extension, Form, Router};
use chokepoint_core::NoProgress;
use maud::{html, Markup, PreEscaped, DOCTYPE};
use serde::Deserialize;
use std::collections::{BTreeMap, BTreeSet, HashMap, VecDeque};

/// The page routes (state: [`AppState`]), behind authentication.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/", get(home))
        .route("/scans", get(scans_page).post(scans_submit))
        .route("/scans/{id}", get(scan_page))
        .route("/scans/{id}/campaigns/{cid}", get(campaign_page))
        .route("/scans/{id}/campaigns/{cid}/export", post(export_submit))
        .route("/scenario", get(scenario_page))
        .route("/chips", get(chips_page))
        .route("/chips/{id}", get(chip_page))
        .route("/customers", get(customers_page))
        .route("/customers/{id}", get(customer_page))
        .route("/exports", get(exports_page))
        .route("/intel", get(intel_page))
}

const CSS: &str = include_str!("../static/console.css");
const JS: &str = include_str!("../static/console.js");

/// `GET /static/{name}`: the two compiled-in assets; any other name (including any attempt at
/// a path) is 404.
pub async fn static_file(Path(name): Path<String>) -> Response {
    let (ct, body) = match name.as_str() {
        "console.css" => ("text/css; charset=utf-8", CSS),
        "console.js" => ("text/javascript; charset=utf-8", JS),
        _ => return (StatusCode::NOT_FOUND, "not found\n").into_response(),
    };
    (
        [
            (header::CONTENT_TYPE, ct),
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        body,
    )
        .into_response()
}

/// An error shown as a page.
pub struct PageError(ServerError);

impl From<ServerError> for PageError {
    fn from(e: ServerError) -> Self {
        PageError(e)
    }
}

impl IntoResponse for PageError {
    fn into_response(self) -> Response {
        let status = self.0.status();
        let msg = self.0.public_message();
        let body = html! {
            (DOCTYPE)
            html lang="en" {
                head { meta charset="utf-8"; title { "Error · chokepoint" } link rel="stylesheet" href="/static/console.css"; }
                body { main.card { h1 { (status.as_u16()) " " (status.canonical_reason().unwrap_or("")) } p.error { (msg) } p { a href="/" { "Back to the console" } } } }
            }
        };
        (status, Html(body.into_string())).into_response()
    }
}

type PageResult = Result<Html<String>, PageError>;

const NAV: [(&str, &str); 6] = [
    ("/scans", "Distillation"),
    ("/intel", "Intel"),
    ("/chips", "Chips"),
    ("/customers", "Customers"),
    ("/exports", "Exports"),
    ("/scenario", "2028"),
];

fn layout(title: &str, me: &Identity, active: &str, body: Markup) -> Html<String> {
    Html(
        html! {
            (DOCTYPE)
            html lang="en" {
                head {
                    meta charset="utf-8";
                    meta name="viewport" content="width=device-width, initial-scale=1";
                    title { (title) " · chokepoint" }
                    link rel="stylesheet" href="/static/console.css";
                }
                body {
                    header.top {
                        a.brand href="/" { "chokepoint" }
                        nav {
                            @for (href, label) in NAV {
                                a href=(href) class=(if active == href { "active" } else { "" }) { (label) }
                            }
                        }
                        div.user {
                            span { (me.user.name) " · " (me.user.role.as_str()) }
                            form method="post" action="/logout" {
                                input type="hidden" name="csrf" value=(me.csrf());
                                button.link type="submit" { "Sign out" }
                            }
                        }
                    }
                    main { h1 { (title) } (body) }
                }
            }
        }
        .into_string(),
    )
}

fn svg_inline(s: &str) -> PreEscaped<String> {
    // SVG built by this crate (every text escaped) or by plotters; drop any XML prolog.
    let start = s.find("<svg").unwrap_or(0);
    PreEscaped(s[start..].to_string())
}

fn pct(x: f64) -> String {
    format!("{:.0}%", x * 100.0)
}

async fn home(State(st): State<AppState>, Extension(me): Extension<Identity>) -> PageResult {
    let scans = st.db().scans(5).await?;
    let m = &st.inner.modules;
    let fleet = m.registry.status().await.ok();
    let inconsistent = m
        .assessments
        .iter()
        .filter(|a| a.verdict == chokepoint_geoloc::Verdict::Inconsistent)
        .count();
    let deny = m
        .customers
        .iter()
        .filter(|c| c.decision == chokepoint_screen::CustomerDecision::Deny)
        .count();
    Ok(layout(
        "Overview",
        &me,
        "/",
        html! {
            div.grid {
                section.card {
                    h2 { a href="/scans" { "Distillation" } }
                    @if scans.is_empty() { p.muted { "No scan yet." } }
                    ul { @for s in &scans { li { a href={"/scans/" (s.id)} { "scan " (s.id) } " · " (s.status) " · " (s.input) } } }
                }
                section.card {
                    h2 { a href="/chips" { "Chips" } }
                    p { (m.assessments.len()) " chips measured offline, " strong { (inconsistent) " inconsistent" } }
                    @if let Some(f) = &fleet { p { (f.chips.len()) " chips in the fleet registry, " (f.alerts.len()) " alerts" } }
                }
                section.card {
                    h2 { a href="/customers" { "Customers" } }
                    p { (m.customers.len()) " screened, " strong { (deny) " denied" } }
                }
                section.card {
                    h2 { a href="/exports" { "Exports" } }
                    p { (m.ledger.shipments) " shipments, " strong { (m.ledger.flagged) " flagged" } ", " (m.ledger.chains.len()) " re-export chains" }
                }
                section.card { h2 { a href="/scenario" { "2028 scenarios" } } p { "The lead under policy levers, with uncertainty." } }
                section.card { h2 { a href="/intel" { "Intel" } } p { "TAXII collections, what was shared and received, sightings." } }
            }
        },
    ))
}

async fn scans_page(State(st): State<AppState>, Extension(me): Extension<Identity>) -> PageResult {
    let scans = st.db().scans(100).await?;
    let dir = st.inner.config.data_dir.display().to_string();
    Ok(layout(
        "Distillation scans",
        &me,
        "/scans",
        html! {
            section.card {
                h2 { "Start a scan" }
                form method="post" action="/scans" .inline {
                    input type="hidden" name="csrf" value=(me.csrf());
                    label { "Traffic log (JSONL[.gz|.zst], CSV or Parquet) in " code { (dir) }
                        input #scan-path name="path" required maxlength="4096" placeholder="traffic.jsonl"; }
                    button #start-scan type="submit" { "Scan" }
                }
            }
            table {
                thead { tr { th { "Scan" } th { "Input" } th { "Status" } th { "Started" } th { "By" } th { "Records" } th { "Campaigns" } } }
                tbody {
                    @for s in &scans {
                        tr {
                            td { a href={"/scans/" (s.id)} { "scan " (s.id) } }
                            td { code { (s.input) } }
                            td { span class={"status " (s.status)} { (s.status) } }
                            td { (s.started) }
                            td { (s.started_by) }
                            td { (s.stats.as_ref().and_then(|v| v.get("records")).map(|v| v.to_string()).unwrap_or_default()) }
                            td { (s.stats.as_ref().and_then(|v| v.get("campaigns")).map(|v| v.to_string()).unwrap_or_default()) }
                        }
                    }
                }
            }
        },
    ))
}

#[derive(Deserialize)]
pub struct ScanForm {
    path: String,
}

async fn scans_submit(
    State(st): State<AppState>,
    Extension(me): Extension<Identity>,
    form: Result<Form<ScanForm>, axum::extract::rejection::FormRejection>,
) -> Result<Response, PageError> {
    let Form(f) = form.map_err(|e| ServerError::Rejected(e.status(), e.body_text()))?;
    let input = resolve_input(&st.inner.config.data_dir, &f.path)?;
    let id = start_scan(&st, input, &me.user.name).await?;
    Ok(Redirect::to(&format!("/scans/{id}")).into_response())
}

#[derive(Deserialize)]
pub struct PageQuery {
    #[serde(default)]
    page: Option<i64>,
}

async fn scan_page(
    State(st): State<AppState>,
    Extension(me): Extension<Identity>,
    Path(id): Path<i64>,
    q: Result<Query<PageQuery>, axum::extract::rejection::QueryRejection>,
) -> PageResult {
    let page = q
        .ok()
        .and_then(|Query(q)| q.page)
        .unwrap_or(1)
        .clamp(1, 100_000);
    let scan = st
        .db()
        .scan(id)
        .await?
        .ok_or_else(|| ServerError::NotFound(format!("no scan {id}")))?;
    let per = 50;
    let campaigns = st.db().campaigns(id, per, (page - 1) * per).await?;
    let live = matches!(scan.status.as_str(), "queued" | "running");
    let progress = st.progress_of(id);
    let stats = scan.stats.clone().unwrap_or_default();
    Ok(layout(
        &format!("Scan {id}"),
        &me,
        "/scans",
        html! {
            p { code { (scan.input) } " · started " (scan.started) " by " (scan.started_by) }
            @if live {
                section.card #progress data-scan=(id) {
                    h2 { "Running" }
                    p #progress-text { @if let Some(p) = &progress { (p.phase) ": " (p.done) @if let Some(t) = p.total { " / " (t) } " " (p.unit) } @else { "queued" } }
                    progress #progress-bar max="100" value="0" {}
                    noscript { p { "Reload the page to see progress." } }
                }
                script src="/static/console.js" {}
            }
            @if scan.status == "failed" || scan.status == "interrupted" {
                p.error { "Scan " (scan.status) ": " (scan.error.clone().unwrap_or_default()) }
            }
            @if scan.status == "done" {
                section.card {
                    p.stats {
                        @for k in ["records", "bad_records", "accounts", "flagged_accounts", "campaigns", "seconds"] {
                            span { strong { (k.replace('_', " ")) } " " (stats.get(k).map(|v| v.to_string()).unwrap_or_default()) }
                        }
                    }
                    p { a href={"/api/v1/scans/" (id) "/report"} { "report JSON" } }
                }
                h2 { "Campaigns, ranked by score" }
                @if campaigns.is_empty() { p.muted { "No campaign found." } }
                table #campaigns {
                    thead { tr { th { "#" } th { "Campaign" } th { "Score" } th { "Accounts" } th { "Requests" } th { "First seen" } th { "Last seen" } } }
                    tbody {
                        @for c in &campaigns {
                            tr {
                                td { (c.rank) }
                                td { a.campaign href={"/scans/" (id) "/campaigns/" (c.campaign_id)} { (c.campaign_id) } }
                                td { (format!("{:.3}", c.score)) }
                                td { (c.accounts) }
                                td { (c.records) }
                                td { (c.first_seen) }
                                td { (c.last_seen) }
                            }
                        }
                    }
                }
                p.pager {
                    @if page > 1 { a href={"?page=" (page - 1)} { "← previous" } " " }
                    @if campaigns.len() as i64 == per { a href={"?page=" (page + 1)} { "next →" } }
                }
            }
        },
    ))
}

/// Stands for the session's CSRF token in cached page bodies (replaced on every request).
const CSRF_SLOT: &str = "csrf-slot-2b7e151628aed2a6";

async fn campaign_page(
    State(st): State<AppState>,
    Extension(me): Extension<Identity>,
    Path((id, cid)): Path<(i64, String)>,
) -> PageResult {
    if cid.len() > 128 {
        return Err(ServerError::BadRequest("campaign id too long".into()).into());
    }
    // A stored campaign never changes: its page body is rendered once and kept (bounded).
    let key = format!("{id}/{cid}");
    let cached = st
        .inner
        .page_cache
        .lock()
        .ok()
        .and_then(|c| c.get(&key).cloned());
    let body = match cached {
        Some(b) => b,
        None => {
            let b = std::sync::Arc::new(campaign_body(&st, id, &cid).await?);
            if let Ok(mut c) = st.inner.page_cache.lock() {
                if c.len() >= 256 {
                    c.clear();
                }
                c.insert(key, b.clone());
            }
            b
        }
    };
    Ok(layout(
        &format!("Campaign {cid}"),
        &me,
        "/scans",
        PreEscaped(body.replace(CSRF_SLOT, me.csrf())),
    ))
}

async fn campaign_body(st: &AppState, id: i64, cid: &str) -> Result<String, PageError> {
    let c = st
        .db()
        .campaign(id, cid)
        .await?
        .ok_or_else(|| ServerError::NotFound(format!("no campaign {cid} in scan {id}")))?;
    let accounts: Vec<AccountDigest> =
        serde_json::from_value(c.details.clone()).unwrap_or_default();
    let caps: BTreeMap<String, f64> = c
        .body
        .get("capabilities")
        .and_then(|v| serde_json::from_value(v.clone()).ok())
        .unwrap_or_default();
    let evidence: Vec<String> = c
        .body
        .get("evidence")
        .and_then(|v| serde_json::from_value(v.clone()).ok())
        .unwrap_or_default();
    let links: BTreeMap<String, u64> = c
        .body
        .get("links")
        .and_then(|v| serde_json::from_value(v.clone()).ok())
        .unwrap_or_default();
    let ind = c.body.get("indicators").cloned().unwrap_or_default();
    let count = |k: &str| {
        ind.get(k)
            .and_then(|v| v.as_array())
            .map(|a| a.len())
            .unwrap_or(0)
    };
    Ok(html! {
            p { a href={"/scans/" (id)} { "← scan " (id) } }
            section.card.summary {
                p.stats {
                    span { strong { "score" } " " (format!("{:.3}", c.row.score)) }
                    span { strong { "rank" } " " (c.row.rank) }
                    span { strong { "accounts" } " " (c.row.accounts) }
                    span { strong { "requests" } " " (c.row.records) }
                    span { strong { "first seen" } " " (c.row.first_seen) }
                    span { strong { "last seen" } " " (c.row.last_seen) }
                }
                form method="post" action={"/scans/" (id) "/campaigns/" (cid) "/export"} {
                    input type="hidden" name="csrf" value=(CSRF_SLOT);
                    button #export-stix type="submit" { "Export to STIX 2.1" }
                    span.muted { " keyed hashes and sketches under the community key " code { (st.inner.community_key.id()) } "; no prompt text" }
                }
            }
            div.grid2 {
                section.card #evidence {
                    h2 { "Evidence" }
                    ul { @for e in &evidence { li { (e) } } }
                    h3 { "Links" }
                    ul { @for (k, v) in &links { li { (k) ": " (v) " accounts" } } }
                    h3 { "Indicators" }
                    p { (count("ips")) " IPs, " (count("asns")) " ASNs, " (count("payment_fingerprints")) " payment fingerprints, " (count("template_sketches")) " template sketches" }
                }
                section.card {
                    h2 { "Capability mix" }
                    (svg_inline(&svg::share_bars(&caps)))
                }
            }
            section.card #graph {
                h2 { "Accounts and the attributes they share" }
                p.muted { "Showing the " (accounts.len().min(GRAPH_ACCOUNTS)) " busiest of " (c.row.accounts) " accounts. Hover a node for details." }
                (svg_inline(&c.graph_svg))
            }
            section.card #timeline {
                h2 { "Traffic" }
                (svg_inline(&c.timeline_svg))
            }
            section.card {
                h2 { "Accounts" }
                table #accounts {
                    thead { tr { th { "Account" } th { "Score" } th { "Requests" } th { "Payment" } th { "IPs" } th { "Tier" } th { "Reasons" } } }
                    tbody {
                        @for a in accounts.iter().take(500) {
                            tr class=(if a.flagged { "flagged" } else { "" }) {
                                td { code { (a.account_id) } }
                                td { (a.score.map(|s| format!("{s:.2}")).unwrap_or_default()) }
                                td { (a.records) }
                                td { (a.payments.join(", ")) }
                                td { (a.ips.iter().take(3).cloned().collect::<Vec<_>>().join(", ")) @if a.ips.len() > 3 { " …" } }
                                td { (a.tiers.join(", ")) }
                                td.reasons { (a.reasons.join("; ")) }
                            }
                        }
                    }
                }
                @if accounts.len() > 500 { p.muted { "First 500 of " (accounts.len()) " accounts; all are in the API." } }
            }
    }
    .into_string())
}

async fn export_submit(
    State(st): State<AppState>,
    Extension(me): Extension<Identity>,
    Path((id, cid)): Path<(i64, String)>,
) -> PageResult {
    let (export_id, n, text) = export_campaign(&st, id, &cid, &me.user.name).await?;
    let bundle: serde_json::Value = serde_json::from_str(&text).unwrap_or_default();
    let mut types: BTreeMap<String, usize> = BTreeMap::new();
    if let Some(objs) = bundle.get("objects").and_then(|o| o.as_array()) {
        for o in objs {
            if let Some(t) = o.get("type").and_then(|t| t.as_str()) {
                *types.entry(t.to_string()).or_default() += 1;
            }
        }
    }
    Ok(layout(
        &format!("STIX export of {cid}"),
        &me,
        "/scans",
        html! {
            p { a href={"/scans/" (id) "/campaigns/" (cid)} { "← campaign " (cid) } }
            section.card #export-result {
                p { "Exported " strong #export-count { (n) } " STIX objects as bundle " code { (bundle.get("id").and_then(|v| v.as_str()).unwrap_or("")) } "." }
                ul { @for (t, k) in &types { li { (t) ": " (k) } } }
                p { a #download-stix href={"/api/v1/exports/" (export_id)} download={"campaign-" (cid) ".stix.json"} { "Download the bundle (application/stix+json)" } }
            }
        },
    ))
}

// ---------------------------------------------------------------- 2028

async fn scenario_page(
    Extension(me): Extension<Identity>,
    Query(q): Query<HashMap<String, String>>,
) -> PageResult {
    use chokepoint_scenario::{catalog, monte_carlo, render_chart_svg, run, ChartSeries, Params};
    let preset = q.get("preset").cloned().unwrap_or_else(|| "defend".into());
    let base = Params::preset(&preset).map_err(|e| ServerError::BadRequest(e.to_string()))?;
    let mut params = base.clone();
    let mut changed: Vec<(String, f64, f64)> = Vec::new();
    for (name, _) in catalog().levers.iter() {
        if let Some(v) = q
            .get(&format!("lever.{name}"))
            .filter(|s| !s.trim().is_empty())
        {
            let x: f64 = v.trim().parse().map_err(|_| {
                ServerError::BadRequest(format!("lever {name}: `{v}` is not a number"))
            })?;
            let before = base.levers.get(name).unwrap_or(f64::NAN);
            params
                .set_lever(name, x)
                .map_err(|e| ServerError::BadRequest(e.to_string()))?;
            if (before - x).abs() > 1e-12 {
                changed.push((name.to_string(), before, x));
            }
        }
    }
    if !changed.is_empty() {
        params.name = format!("{preset} (changed)");
    }
    let other_name = if preset == "defend" {
        "inaction"
    } else {
        "defend"
    };
    let other = Params::preset(other_name).map_err(|e| ServerError::Internal(e.to_string()))?;
    let p2 = params.clone();
    let (result, base_result, other_result, mc, chart) = tokio::task::spawn_blocking(move || {
        let result = run(&p2);
        let base_result = run(&base);
        let other_result = run(&other);
        let mc = monte_carlo(&p2, 400, 1, &NoProgress);
        let chart = render_chart_svg(&[
            ChartSeries {
                result: &result,
                monte_carlo: Some(&mc),
            },
            ChartSeries {
                result: &other_result,
                monte_carlo: None,
            },
        ]);
        (result, base_result, other_result, mc, chart)
    })
    .await
    .map_err(|e| ServerError::Internal(format!("scenario stopped: {e}")))?;
    let chart = chart.map_err(|e| ServerError::Internal(e.to_string()))?;
    let delta = result.lead_2028_months - base_result.lead_2028_months;
    Ok(layout(
        "2028 scenarios",
        &me,
        "/scenario",
        html! {
            div.grid2 {
                section.card #lead {
                    h2 { "Lead at the end of 2028" }
                    p.big #lead-months { (format!("{:.1}", result.lead_2028_months)) " months" }
                    p #lead-delta {
                        @if changed.is_empty() { "preset " strong { (preset) } " as published" }
                        @else { (format!("{delta:+.1}")) " months against preset " strong { (preset) } " (" (format!("{:.1}", base_result.lead_2028_months)) ")" }
                    }
                    p { "Monte Carlo (400 runs): p5 " (format!("{:.1}", mc.lead_2028_months.p5)) ", median " (format!("{:.1}", mc.lead_2028_months.p50)) ", p95 " (format!("{:.1}", mc.lead_2028_months.p95)) " months; near parity (≤ 3 months) in " (pct(mc.share_runs_lead_at_most_3)) " of runs" }
                    p { "Preset " strong { (other_name) } ": " (format!("{:.1}", other_result.lead_2028_months)) " months" }
                    @if !changed.is_empty() { ul { @for (n, a, b) in &changed { li { (n) ": " (a) " → " (b) } } } }
                }
                section.card {
                    h2 { "Levers" }
                    form #levers method="get" action="/scenario" {
                        label { "Preset " select name="preset" { @for p in chokepoint_scenario::preset_names() { option value=(p) selected[*p == preset] { (p) } } } }
                        @for (name, spec) in catalog().levers.iter() {
                            label title=(spec.description) {
                                (name.replace('_', " ")) " (" (spec.min) "–" (spec.max) " " (spec.unit) ")"
                                input type="number" step="any" name={"lever." (name)} id={"lever-" (name)} min=(spec.min) max=(spec.max) value=(params.levers.get(name).unwrap_or(0.0));
                            }
                        }
                        button #run-scenario type="submit" { "Run" }
                    }
                }
            }
            section.card #chart { (svg_inline(&chart)) }
        },
    ))
}

// ---------------------------------------------------------------- chips

async fn chips_page(State(st): State<AppState>, Extension(me): Extension<Identity>) -> PageResult {
    let m = &st.inner.modules;
    let fleet = m
        .registry
        .status()
        .await
        .map_err(|e| ServerError::Internal(e.to_string()))?;
    Ok(layout(
        "Chips",
        &me,
        "/chips",
        html! {
            section.card {
                h2 { "Measured chips" }
                p.muted { "From " (m.chips_source) "." }
                table #chips {
                    thead { tr { th { "Chip" } th { "Verdict" } th { "Countries the region may touch" } th { "Restricted" } th { "Why" } } }
                    tbody {
                        @for a in &m.assessments {
                            tr class={"verdict-" (a.verdict.as_str())} {
                                td { a.chip href={"/chips/" (a.chip_id)} { (a.chip_id) } }
                                td { span class={"status " (a.verdict.as_str())} { (a.verdict.as_str()) } }
                                td { (a.countries.join(", ")) }
                                td { (a.restricted_touched.join(", ")) }
                                td.reasons { (a.reasons.first().cloned().unwrap_or_default()) }
                            }
                        }
                    }
                }
            }
            section.card {
                h2 { "Fleet registry" }
                p { (fleet.chips.len()) " chips, " (fleet.landmarks) " landmarks, " (fleet.measurements) " signed measurements." }
                @if !fleet.chips.is_empty() {
                    table {
                        thead { tr { th { "Chip" } th { "Site" } th { "Last verdict" } th { "Verified" } th { "Last measurement" } th { "Alerts" } } }
                        tbody { @for c in &fleet.chips { tr {
                            td { a href={"/chips/" (c.chip_id)} { (c.chip_id) } }
                            td { (c.site_name) " (" (format!("{:.3}, {:.3}", c.site.lat, c.site.lon)) ")" }
                            td { (c.last_verdict.map(|v| v.as_str()).unwrap_or("—")) }
                            td { (c.last_verified_at.clone().unwrap_or_default()) }
                            td { (c.last_measurement_at.clone().unwrap_or_default()) }
                            td { (c.alerts) }
                        } } }
                    }
                }
                h3 { "Alerts" }
                @if fleet.alerts.is_empty() { p.muted { "No alert." } }
                ul #alerts { @for a in &fleet.alerts { li { (a.raised_at) " · " strong { (a.kind) } " · " (a.chip_id) ": " (a.message) } } }
            }
        },
    ))
}

async fn chip_page(
    State(st): State<AppState>,
    Extension(me): Extension<Identity>,
    Path(chip_id): Path<String>,
) -> PageResult {
    if chip_id.len() > 64 {
        return Err(ServerError::BadRequest("chip id too long".into()).into());
    }
    let m = &st.inner.modules;
    let offline = m.assessments.iter().find(|a| a.chip_id == chip_id).cloned();
    let (input, verdict, reasons, countries) = match &offline {
        Some(a) => (
            MapInput {
                title: format!("feasible region of {chip_id}"),
                landmarks: a
                    .discs
                    .iter()
                    .map(|d| (d.landmark_id.clone(), d.landmark, Some(d.radius_km)))
                    .collect(),
                declared: Some(a.declared),
                region: chokepoint_geoloc::solver::region_ring(a, 180),
                restricted: m.restricted.clone(),
            },
            a.verdict.as_str().to_string(),
            a.reasons.clone(),
            a.countries.clone(),
        ),
        None => {
            let chip = m
                .registry
                .chip(&chip_id)
                .await
                .map_err(|e| ServerError::Internal(e.to_string()))?
                .ok_or_else(|| ServerError::NotFound(format!("no chip `{chip_id}`")))?;
            let feature = m
                .registry
                .latest_region(&chip_id)
                .await
                .map_err(|e| ServerError::Internal(e.to_string()))?;
            let ring: Option<Vec<[f64; 2]>> = feature
                .as_ref()
                .and_then(|f| f.pointer("/geometry/coordinates/0").cloned())
                .and_then(|v| serde_json::from_value(v).ok());
            let prop = |k: &str| -> Vec<String> {
                feature
                    .as_ref()
                    .and_then(|f| f.pointer(&format!("/properties/{k}")).cloned())
                    .and_then(|v| serde_json::from_value(v).ok())
                    .unwrap_or_default()
            };
            let verdict = feature
                .as_ref()
                .and_then(|f| {
                    f.pointer("/properties/verdict")
                        .and_then(|v| v.as_str())
                        .map(String::from)
                })
                .unwrap_or_else(|| "not verified yet".into());
            (
                MapInput {
                    title: format!("feasible region of {chip_id}"),
                    landmarks: Vec::new(),
                    declared: Some(chip.site),
                    region: ring,
                    restricted: m.restricted.clone(),
                },
                verdict,
                prop("reasons"),
                prop("countries"),
            )
        }
    };
    let cached = m
        .map_cache
        .lock()
        .ok()
        .and_then(|c| c.get(&chip_id).cloned());
    let map = match cached {
        Some(s) => s,
        None => {
            let s = tokio::task::spawn_blocking(move || chip_map(&input))
                .await
                .map_err(|e| ServerError::Internal(format!("map: {e}")))?;
            if let Ok(mut c) = m.map_cache.lock() {
                if c.len() > 1000 {
                    c.clear();
                }
                c.insert(chip_id.clone(), s.clone());
            }
            s
        }
    };
    Ok(layout(
        &format!("Chip {chip_id}"),
        &me,
        "/chips",
        html! {
            p { a href="/chips" { "← chips" } }
            section.card {
                p { "Verdict: " span #verdict class={"status " (verdict)} { (verdict) } }
                p { "The region may touch: " (countries.join(", ")) }
                ul { @for r in &reasons { li { (r) } } }
            }
            section.card #map {
                h2 { "Where the chip can be" }
                p.muted { "Dashed circles: how far each landmark's fastest signed round trip lets the chip be. Blue: where every bound holds. Red countries: restricted destinations." }
                (svg_inline(&map))
            }
        },
    ))
}

// ---------------------------------------------------------------- customers

async fn customers_page(
    State(st): State<AppState>,
    Extension(me): Extension<Identity>,
) -> PageResult {
    let m = &st.inner.modules;
    Ok(layout(
        "Customers",
        &me,
        "/customers",
        html! {
            p.muted { "Screened " (m.customers.len()) " customers from " (m.customers_source) " against " (m.screener.entries().len()) " list entries." }
            table #customers {
                thead { tr { th { "Customer" } th { "Decision" } th { "Matched list variants" } th { "Listed ownership" } th { "Ultimate parent" } th { "Red flags" } } }
                tbody {
                    @for c in &m.customers {
                        tr class={"decision-" (format!("{:?}", c.decision).to_lowercase())} {
                            td { a href={"/customers/" (c.id)} { (c.name) } br; code { (c.id) } }
                            td { span class={"status " (format!("{:?}", c.decision).to_lowercase())} { (format!("{:?}", c.decision).to_lowercase()) } }
                            td { @for h in &c.hits { div { "“" (h.explanation.matched_variant) "” (" (h.source) ", " (format!("{:.2}", h.score)) ")" } } }
                            td { @if c.listed_ownership.percent > 0.0 { (format!("{:.0}%", c.listed_ownership.percent)) @if c.listed_ownership.captured { " · captured" } } }
                            td { @if let Some(p) = &c.ultimate_parent { (p.name) @if let Some(cc) = &p.country { " (" (cc) ")" } } }
                            td { @for f in &c.red_flags { div { (f.code) } } }
                        }
                    }
                }
            }
        },
    ))
}

/// The ownership chain of `party`: every owner reachable upward (owner → owned), at most
/// `max_depth` levels and 120 edges.
fn ownership_graph(
    edges: &[chokepoint_screen::ownership::OwnershipEdge],
    party: &str,
    listed: &BTreeSet<String>,
) -> Option<String> {
    let fold = |s: &str| {
        s.split_whitespace()
            .collect::<Vec<_>>()
            .join(" ")
            .to_lowercase()
    };
    let mut by_owned: HashMap<String, Vec<usize>> = HashMap::new();
    for (i, e) in edges.iter().enumerate() {
        by_owned.entry(fold(&e.owned)).or_default().push(i);
    }
    let mut names: Vec<String> = vec![party.to_string()];
    let mut index: HashMap<String, usize> = HashMap::from([(fold(party), 0)]);
    let mut out: Vec<(usize, usize, f64)> = Vec::new();
    let mut queue = VecDeque::from([(fold(party), 0usize)]);
    while let Some((p, depth)) = queue.pop_front() {
        if depth >= 8 || out.len() >= 120 {
            break;
        }
        for &i in by_owned.get(&p).map(|v| v.as_slice()).unwrap_or(&[]) {
            let e = &edges[i];
            let owner = fold(&e.owner);
            let oi = match index.get(&owner) {
                Some(&x) => x,
                None => {
                    names.push(e.owner.clone());
                    index.insert(owner.clone(), names.len() - 1);
                    queue.push_back((owner.clone(), depth + 1));
                    names.len() - 1
                }
            };
            let ti = index[&p];
            out.push((oi, ti, e.percent));
        }
    }
    if out.is_empty() {
        return None;
    }
    let nodes: Vec<Node> = names
        .iter()
        .enumerate()
        .map(|(i, n)| {
            let is_listed = listed.contains(&fold(n));
            Node {
                label: n.clone(),
                title: if is_listed {
                    format!("{n}: on a list")
                } else {
                    n.clone()
                },
                shape: Shape::Box,
                fill: if is_listed {
                    "#f4b6b6"
                } else if i == 0 {
                    "#fff3b0"
                } else {
                    "#e8eef6"
                },
                stroke: if is_listed { "#b00020" } else { "#333" },
                radius: 12.0,
            }
        })
        .collect();
    let g_edges: Vec<Edge> = out
        .iter()
        .map(|&(a, b, p)| Edge {
            a,
            b,
            colour: if p >= 50.0 { "#333" } else { "#888" },
            width: if p >= 50.0 { 2.0 } else { 1.0 },
            label: Some(format!("{p:.0}%")),
            directed: true,
            dashed: p < 50.0,
        })
        .collect();
    Some(draw_graph(
        &nodes,
        &g_edges,
        760.0,
        420.0,
        &[
            ("#fff3b0", "the customer"),
            ("#f4b6b6", "listed party"),
            ("#e8eef6", "owner"),
        ],
        "ownership chain",
    ))
}

async fn customer_page(
    State(st): State<AppState>,
    Extension(me): Extension<Identity>,
    Path(id): Path<String>,
) -> PageResult {
    let m = &st.inner.modules;
    let c = m.customers.iter().find(|c| c.id == id).ok_or_else(|| {
        ServerError::NotFound(format!(
            "no customer `{}`",
            chokepoint_core::time::truncate(&id, 80)
        ))
    })?;
    let fold = |s: &str| {
        s.split_whitespace()
            .collect::<Vec<_>>()
            .join(" ")
            .to_lowercase()
    };
    let listed: BTreeSet<String> = c
        .listed_ownership
        .stakes
        .iter()
        .map(|s| fold(&s.owner))
        .chain(c.hits.iter().map(|_| fold(&c.name)))
        .collect();
    let graph = ownership_graph(&m.ownership, &c.name, &listed);
    Ok(layout(
        &c.name,
        &me,
        "/customers",
        html! {
            p { a href="/customers" { "← customers" } }
            section.card {
                p { "Decision: " span class={"status " (format!("{:?}", c.decision).to_lowercase())} { (format!("{:?}", c.decision).to_lowercase()) } }
                ul { @for r in &c.reasons { li { (r) } } }
            }
            @if !c.hits.is_empty() {
                section.card {
                    h2 { "List matches" }
                    table { thead { tr { th { "Listed party" } th { "Matched variant" } th { "Kind" } th { "List" } th { "Score" } } }
                        tbody { @for h in &c.hits { tr { td { (h.name) } td { (h.explanation.matched_variant) } td { (h.explanation.variant_kind) } td { (h.source) } td { (format!("{:.2}", h.score)) } } } } }
                }
            }
            section.card #ownership {
                h2 { "Ownership chain" }
                @match &graph { Some(g) => { (svg_inline(g)) }, None => { p.muted { "No ownership edge known for this customer." } } }
                @for s in &c.listed_ownership.stakes { p { (s.owner) " holds " (format!("{:.1}%", s.percent)) " through " (s.path.join(" → ")) } }
            }
            @if !c.red_flags.is_empty() {
                section.card { h2 { "Red flags" } ul { @for f in &c.red_flags { li { strong { (f.code) } " (" (format!("{:?}", f.severity).to_lowercase()) "): " (f.reason) } } } }
            }
        },
    ))
}

// ---------------------------------------------------------------- exports

#[derive(Deserialize, Default)]
pub struct ExportsQuery {
    #[serde(default)]
    part: Option<String>,
    #[serde(default)]
    eccn: Option<String>,
    #[serde(default)]
    destination: Option<String>,
    #[serde(default)]
    end_user_hq: Option<String>,
}

fn shipment_graph(r: &chokepoint_controls::LedgerReport) -> String {
    let chain_parties: BTreeSet<&str> = r
        .chains
        .iter()
        .flat_map(|c| c.path.iter().map(String::as_str))
        .collect();
    let intermediaries: BTreeSet<&str> = r
        .chains
        .iter()
        .flat_map(|c| c.intermediaries.iter().map(String::as_str))
        .collect();
    let country: HashMap<&str, &str> = r
        .parties
        .iter()
        .map(|p| (p.name.as_str(), p.country.as_str()))
        .collect();
    let mut relevant: Vec<&chokepoint_controls::analyze::Edge> = r
        .edges
        .iter()
        .filter(|e| {
            e.flagged > 0
                || (chain_parties.contains(e.from.as_str())
                    && chain_parties.contains(e.to.as_str()))
        })
        .collect();
    relevant.sort_by(|a, b| b.max_score.total_cmp(&a.max_score));
    relevant.truncate(60);
    let mut idx: BTreeMap<&str, usize> = BTreeMap::new();
    let mut nodes = Vec::new();
    let mut edges = Vec::new();
    for e in &relevant {
        for n in [e.from.as_str(), e.to.as_str()] {
            if !idx.contains_key(n) {
                idx.insert(n, nodes.len());
                let inter = intermediaries.contains(n);
                nodes.push(Node {
                    label: format!("{} ({})", n, country.get(n).copied().unwrap_or("")),
                    title: if inter {
                        format!("{n}: intermediary of a re-export chain")
                    } else {
                        n.to_string()
                    },
                    shape: Shape::Box,
                    fill: if inter { "#f4b6b6" } else { "#e8eef6" },
                    stroke: if inter { "#b00020" } else { "#333" },
                    radius: 12.0,
                });
            }
        }
        edges.push(Edge {
            a: idx[e.from.as_str()],
            b: idx[e.to.as_str()],
            colour: if e.flagged > 0 { "#d62728" } else { "#777" },
            width: if e.flagged > 0 { 2.2 } else { 1.0 },
            label: Some(format!(
                "{} acc., {}/{} flagged",
                e.accelerators, e.flagged, e.shipments
            )),
            directed: true,
            dashed: false,
        });
    }
    draw_graph(
        &nodes,
        &edges,
        900.0,
        520.0,
        &[
            ("#d62728", "flagged shipments"),
            ("#f4b6b6", "intermediary (diversion)"),
        ],
        "shipment graph",
    )
}

async fn exports_page(
    State(st): State<AppState>,
    Extension(me): Extension<Identity>,
    q: Result<Query<ExportsQuery>, axum::extract::rejection::QueryRejection>,
) -> PageResult {
    let q = q.map(|Query(q)| q).unwrap_or_default();
    let m = &st.inner.modules;
    let ctl = &m.controls;
    let classification = q.part.as_deref().filter(|p| !p.trim().is_empty()).map(|p| {
        chokepoint_controls::classify_part(&ctl.parts, p, &ctl.rules.thresholds)
            .map_err(|e| e.to_string())
    });
    let licence = q
        .destination
        .as_deref()
        .filter(|d| !d.trim().is_empty())
        .map(|d| {
            let req = chokepoint_controls::http::LicenceRequest {
                eccn: q.eccn.clone().filter(|s| !s.trim().is_empty()),
                part: if q.eccn.as_deref().is_some_and(|s| !s.trim().is_empty()) {
                    None
                } else {
                    q.part.clone().filter(|s| !s.trim().is_empty())
                },
                destination: d.to_string(),
                end_user_hq: q.end_user_hq.clone().filter(|s| !s.trim().is_empty()),
                end_use: None,
                date: None,
            };
            chokepoint_controls::http::licence_query(&ctl.rules, &ctl.parts, req)
                .and_then(|lq| chokepoint_controls::determine_licence(&ctl.rules, &lq))
                .map_err(|e| e.to_string())
        });
    let r = &m.ledger;
    let graph = shipment_graph(r);
    let mut flagged: Vec<&chokepoint_controls::analyze::ShipmentFinding> =
        r.findings.iter().filter(|f| f.flagged).collect();
    flagged.sort_by(|a, b| b.score.total_cmp(&a.score));
    Ok(layout(
        "Exports",
        &me,
        "/exports",
        html! {
            div.grid2 {
                section.card #classify {
                    h2 { "Classify a part" }
                    form method="get" action="/exports" .inline {
                        label { "Part " input name="part" list="parts" value=(q.part.clone().unwrap_or_default()) maxlength="100"; }
                        datalist #parts { @for p in ctl.parts.names() { option value=(p) {} } }
                        button type="submit" { "Classify" }
                    }
                    @match &classification {
                        Some(Ok(c)) => {
                            p.big { (c.eccn) } p { "TPP " (format!("{:.0}", c.tpp)) @if let Some(pd) = c.performance_density { ", PD " (format!("{pd:.2}")) } }
                            ul { @for a in &c.arithmetic { li { code { (a) } } } }
                            ul { @for a in &c.reasons { li { (a) } } }
                        }
                        Some(Err(e)) => { p.error { (e) } }
                        None => {}
                    }
                }
                section.card #licence {
                    h2 { "Licence needed?" }
                    form method="get" action="/exports" {
                        label { "ECCN " input name="eccn" placeholder="3A090.a" value=(q.eccn.clone().unwrap_or_default()) maxlength="20"; }
                        label { "Destination " input name="destination" placeholder="MY" value=(q.destination.clone().unwrap_or_default()) maxlength="40"; }
                        label { "End user HQ " input name="end_user_hq" placeholder="CN" value=(q.end_user_hq.clone().unwrap_or_default()) maxlength="40"; }
                        button type="submit" { "Ask" }
                    }
                    @match &licence {
                        Some(Ok(d)) => {
                            p.big { @if d.licence_required { "Licence required" } @else { "No licence required" } }
                            p { (d.eccn) " to " (d.destination_name) " (" (d.destination_groups.join(", ")) ")" @if let Some(rp) = &d.review_policy { "; review policy: " (rp) } }
                            ul { @for r in &d.reasons { li { (r.text) " " span.muted { "(" (r.citation) ")" } } } }
                            @if !d.exceptions.is_empty() { p { "Exceptions: " (d.exceptions.iter().map(|e| e.code.clone()).collect::<Vec<_>>().join(", ")) } }
                        }
                        Some(Err(e)) => { p.error { (e) } }
                        None => {}
                    }
                }
            }
            section.card #ledger {
                h2 { "Shipments" }
                p.muted { (r.ledger_source_or(&m.ledger_source)) ": " (r.shipments) " shipments, " (r.controlled_shipments) " with controlled items, " strong { (r.flagged) " flagged" } "." }
                @for c in &r.chains { p.chain { strong { "Diversion: " } (c.summary) } }
                (svg_inline(&graph))
                h3 { "Flagged shipments" }
                table {
                    thead { tr { th { "Shipment" } th { "Date" } th { "Exporter" } th { "Consignee" } th { "To" } th { "Accelerators" } th { "Score" } th { "Evidence" } } }
                    tbody { @for f in flagged.iter().take(25) { tr {
                        td { code { (f.shipment_id) } } td { (f.date) } td { (f.exporter) } td { (f.consignee) } td { (f.destination) }
                        td { (f.controlled_accelerators) } td { (format!("{:.2}", f.score)) }
                        td.reasons { (f.evidence.iter().map(|e| e.text.clone()).collect::<Vec<_>>().join("; ")) }
                    } } }
                }
            }
        },
    ))
}

trait SourceName {
    fn ledger_source_or<'a>(&'a self, s: &'a str) -> &'a str;
}

impl SourceName for chokepoint_controls::LedgerReport {
    fn ledger_source_or<'a>(&'a self, s: &'a str) -> &'a str {
        if s.is_empty() {
            &self.file
        } else {
            s
        }
    }
}

// ---------------------------------------------------------------- intel

async fn intel_page(State(st): State<AppState>, Extension(me): Extension<Identity>) -> PageResult {
    use sqlx::Row;
    let pool = st.inner.modules.intel.pool();
    // The TAXII server's tables, read-only: per collection, objects by owner and type.
    let rows = sqlx::query(
        "SELECT c.id, c.title, COALESCE(o.name, ''), COALESCE(x.object_type, ''), COUNT(x.seq)
         FROM intel_collections c
         LEFT JOIN intel_objects x ON x.collection_id = c.id
         LEFT JOIN intel_orgs o ON o.id = x.owner_org
         GROUP BY c.id, o.name, x.object_type ORDER BY c.title, o.name, x.object_type",
    )
    .fetch_all(pool)
    .await
    .map_err(ServerError::from)?;
    let sightings = sqlx::query(
        "SELECT x.collection_id, COALESCE(o.name, ''), x.date_added, x.body FROM intel_objects x
         LEFT JOIN intel_orgs o ON o.id = x.owner_org WHERE x.object_type = 'sighting'
         ORDER BY x.seq DESC LIMIT 50",
    )
    .fetch_all(pool)
    .await
    .map_err(ServerError::from)?;
    let orgs = st
        .inner
        .modules
        .intel
        .orgs()
        .await
        .map_err(|e| ServerError::Internal(e.to_string()))?;
    let exports = st.db().exports(50).await?;
    let producer = &st.inner.config.producer;
    Ok(layout(
        "Intel",
        &me,
        "/intel",
        html! {
            section.card {
                h2 { "TAXII collections" }
                p.muted { "Served at " code { "/taxii2/" } " to " (orgs.len()) " organisations (" (orgs.iter().map(|o| o.name.clone()).collect::<Vec<_>>().join(", ")) "), each with its own API keys. Objects posted by " strong { (producer) } " are what this lab shared; the rest were received." }
                table #collections {
                    thead { tr { th { "Collection" } th { "Posted by" } th { "Direction" } th { "Type" } th { "Objects" } } }
                    tbody { @for r in &rows {
                        @let owner: String = r.get(2);
                        @let n: i64 = r.get(4);
                        tr {
                            td { (r.get::<String, _>(1)) br; code { (r.get::<String, _>(0)) } }
                            td { (owner) }
                            td { @if n == 0 { "—" } @else if owner == *producer { "shared" } @else { "received" } }
                            td { (r.get::<String, _>(3)) }
                            td { (n) }
                        }
                    } }
                }
            }
            section.card {
                h2 { "Exported from this console" }
                @if exports.is_empty() { p.muted { "No STIX export yet: open a campaign and export it." } }
                table { tbody { @for e in &exports { tr {
                    td { a href={"/api/v1/exports/" (e.id)} { "export " (e.id) } }
                    td { a href={"/scans/" (e.scan_id) "/campaigns/" (e.campaign_id)} { "scan " (e.scan_id) " · " (e.campaign_id) } }
                    td { (e.objects) " objects" } td { (e.created) } td { (e.created_by) }
                } } } }
            }
            section.card #sightings {
                h2 { "Sightings of shared indicators" }
                @if sightings.is_empty() { p.muted { "No sighting received yet (" code { "chokepoint intel match" } " makes them from local logs)." } }
                table { tbody { @for s in &sightings {
                    @let body: serde_json::Value = serde_json::from_str(&s.get::<String, _>(3)).unwrap_or_default();
                    tr {
                        td { (s.get::<String, _>(2)) }
                        td { (s.get::<String, _>(1)) }
                        td { "seen " (body.get("count").map(|v| v.to_string()).unwrap_or_default()) " times" }
                        td { code { (body.get("sighting_of_ref").and_then(|v| v.as_str()).unwrap_or("")) } }
                        td { (body.get("first_seen").and_then(|v| v.as_str()).unwrap_or("")) " – " (body.get("last_seen").and_then(|v| v.as_str()).unwrap_or("")) }
                    }
                } } }
            }
        },
    ))
}
