//! The TAXII 2.1 server: an axum [`Router`] over the embedded database.
//!
//! Endpoints (under the mount point): `GET /taxii2/` (discovery), `GET /api/` (API root),
//! `GET /api/status/{id}`, `GET /api/collections/`, `GET /api/collections/{id}/`,
//! `GET|POST /api/collections/{id}/objects/`, `GET|DELETE /api/collections/{id}/objects/{oid}/`,
//! `GET /api/collections/{id}/objects/{oid}/versions/`, `GET /api/collections/{id}/manifest/`.
//! Every endpoint needs an API key (`Authorization: Bearer cpk1_...`, or HTTP Basic with the
//! key as password, which is what `taxii2-client` sends). A collection the organisation holds
//! no grant on is answered 404; one it may see but not read or write, 403. Objects marked
//! TLP:RED are only ever served to the organisation that posted them.

use crate::db::{CollectionAccess, IntelDb, Org};
use crate::stix::{self, normalise_timestamp};
use axum::body::Body;
use axum::extract::{Path, RawQuery, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use serde_json::{json, Value};
use sqlx::Row;
use std::sync::Arc;

/// The TAXII media type, echoed with its version on every response.
pub const TAXII_MEDIA_TYPE: &str = "application/taxii+json;version=2.1";
/// The STIX media type of objects.
pub const STIX_MEDIA_TYPE: &str = "application/stix+json;version=2.1";

/// Server settings.
#[derive(Debug, Clone)]
pub struct TaxiiConfig {
    /// Shown in discovery.
    pub title: String,
    /// Where the router is mounted (`""` at the root, `/intel` under `chokepoint serve`).
    pub base_path: String,
    /// The largest request body accepted (also advertised as `max_content_length`).
    pub max_content_length: usize,
    /// The most objects one envelope may carry.
    pub max_objects_per_envelope: usize,
    /// Page size when the client gives no `limit`, and the largest page served.
    pub default_page_size: usize,
    pub max_page_size: usize,
}

impl Default for TaxiiConfig {
    fn default() -> Self {
        TaxiiConfig {
            title: "chokepoint threat intelligence".into(),
            base_path: String::new(),
            max_content_length: 10 << 20,
            max_objects_per_envelope: 1000,
            default_page_size: 100,
            max_page_size: 1000,
        }
    }
}

struct Inner {
    db: IntelDb,
    cfg: TaxiiConfig,
    /// Serialises writers and remembers the last `date_added`, which only grows.
    last_added: tokio::sync::Mutex<String>,
}

/// The server's shared state (cheap to clone).
#[derive(Clone)]
pub struct TaxiiState(Arc<Inner>);

impl TaxiiState {
    /// State over the intel tables of `db`.
    pub async fn new(db: IntelDb, cfg: TaxiiConfig) -> Result<TaxiiState, crate::IntelError> {
        let last: Option<String> = sqlx::query("SELECT MAX(date_added) FROM intel_objects")
            .fetch_one(db.pool())
            .await?
            .get(0);
        Ok(TaxiiState(Arc::new(Inner {
            db,
            cfg,
            last_added: tokio::sync::Mutex::new(last.unwrap_or_default()),
        })))
    }
    /// The database behind the server.
    pub fn db(&self) -> &IntelDb {
        &self.0.db
    }
}

/// The TAXII 2.1 router. Mount it at `cfg.base_path`.
pub fn taxii_router(state: TaxiiState) -> Router {
    Router::new()
        .route("/taxii2/", get(discovery))
        .route("/api/", get(api_root))
        .route("/api/status/{id}", get(status))
        .route("/api/status/{id}/", get(status))
        .route("/api/collections/", get(collections))
        .route("/api/collections/{cid}/", get(collection))
        .route(
            "/api/collections/{cid}/objects/",
            get(get_objects).post(post_objects),
        )
        .route(
            "/api/collections/{cid}/objects/{oid}/",
            get(get_object).delete(delete_object),
        )
        .route(
            "/api/collections/{cid}/objects/{oid}/versions/",
            get(versions),
        )
        .route("/api/collections/{cid}/manifest/", get(manifest))
        .fallback(not_found)
        .with_state(state)
}

/// Binds a TCP listener for [`serve`] (port 0 picks a free port; see `local_addr`).
pub async fn bind(listen: &str) -> Result<tokio::net::TcpListener, crate::IntelError> {
    tokio::net::TcpListener::bind(listen)
        .await
        .map_err(|source| crate::IntelError::Io {
            path: listen.into(),
            source,
        })
}

/// Serves the TAXII router on `listener` until Ctrl-C (or SIGTERM) arrives.
pub async fn serve(
    listener: tokio::net::TcpListener,
    state: TaxiiState,
) -> Result<(), crate::IntelError> {
    let base = state.0.cfg.base_path.clone();
    let router = if base.is_empty() {
        taxii_router(state)
    } else {
        Router::new().nest(&base, taxii_router(state))
    };
    let addr = listener.local_addr().ok();
    axum::serve(listener, router)
        .with_graceful_shutdown(async {
            let ctrl_c = tokio::signal::ctrl_c();
            #[cfg(unix)]
            {
                let mut term =
                    match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
                    {
                        Ok(t) => t,
                        Err(_) => {
                            let _ = ctrl_c.await;
                            return;
                        }
                    };
                tokio::select! { _ = ctrl_c => {}, _ = term.recv() => {} }
            }
            #[cfg(not(unix))]
            {
                let _ = ctrl_c.await;
            }
        })
        .await
        .map_err(|source| crate::IntelError::Io {
            path: addr.map(|a| a.to_string()).unwrap_or_default().into(),
            source,
        })
}

/// A TAXII error message with its HTTP status.
#[derive(Debug)]
pub struct TaxiiError {
    status: StatusCode,
    title: &'static str,
    description: String,
}

fn terr(status: StatusCode, title: &'static str, description: impl Into<String>) -> TaxiiError {
    TaxiiError {
        status,
        title,
        description: description.into(),
    }
}

impl From<sqlx::Error> for TaxiiError {
    fn from(e: sqlx::Error) -> Self {
        tracing::error!("taxii database error: {e}");
        terr(
            StatusCode::INTERNAL_SERVER_ERROR,
            "Internal error",
            "the database failed; nothing was changed",
        )
    }
}

impl From<crate::IntelError> for TaxiiError {
    fn from(e: crate::IntelError) -> Self {
        tracing::error!("taxii error: {e}");
        terr(
            StatusCode::INTERNAL_SERVER_ERROR,
            "Internal error",
            "the server failed; nothing was changed",
        )
    }
}

impl IntoResponse for TaxiiError {
    fn into_response(self) -> Response {
        let body = json!({
            "title": self.title,
            "description": self.description,
            "http_status": self.status.as_u16().to_string(),
        });
        let mut r = taxii_response(self.status, body.to_string());
        if self.status == StatusCode::UNAUTHORIZED {
            r.headers_mut().insert(
                header::WWW_AUTHENTICATE,
                HeaderValue::from_static(
                    "Basic realm=\"chokepoint TAXII\", Bearer realm=\"chokepoint TAXII\"",
                ),
            );
        }
        r
    }
}

type TResult = Result<Response, TaxiiError>;

fn taxii_response(status: StatusCode, body: String) -> Response {
    let mut r = Response::new(Body::from(body));
    *r.status_mut() = status;
    r.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(TAXII_MEDIA_TYPE),
    );
    r
}

async fn not_found() -> TaxiiError {
    terr(StatusCode::NOT_FOUND, "Not found", "no such TAXII resource")
}

/// Whether a media range is one this server can answer with.
fn acceptable(range: &str) -> bool {
    let mut parts = range.split(';').map(str::trim);
    let mt = parts.next().unwrap_or("").to_ascii_lowercase();
    let mut version_ok = true;
    for p in parts {
        if let Some((k, v)) = p.split_once('=') {
            if k.trim().eq_ignore_ascii_case("version") {
                version_ok = v.trim().trim_matches('"') == "2.1";
            }
        }
    }
    match mt.as_str() {
        "application/taxii+json" => version_ok,
        "*/*" | "application/*" => true,
        _ => false,
    }
}

fn check_accept(h: &HeaderMap) -> Result<(), TaxiiError> {
    let Some(a) = h.get(header::ACCEPT) else {
        return Ok(());
    };
    let a = a.to_str().unwrap_or("");
    if a.trim().is_empty() || a.split(',').any(acceptable) {
        Ok(())
    } else {
        Err(terr(
            StatusCode::NOT_ACCEPTABLE,
            "Not acceptable",
            format!(
                "this server answers with {TAXII_MEDIA_TYPE}; the request accepts only `{}`",
                chokepoint_core::time::truncate(a, 100)
            ),
        ))
    }
}

fn bearer_or_basic(h: &HeaderMap) -> Option<String> {
    let v = h.get(header::AUTHORIZATION)?.to_str().ok()?.trim();
    let (scheme, rest) = v.split_once(' ')?;
    if scheme.eq_ignore_ascii_case("bearer") {
        return Some(rest.trim().to_string());
    }
    if scheme.eq_ignore_ascii_case("basic") {
        let decoded = base64_decode(rest.trim())?;
        let s = String::from_utf8(decoded).ok()?;
        let (user, pass) = s.split_once(':')?;
        // The key may be given as the password (taxii2-client) or as the user name (curl -u KEY:).
        return Some(if pass.is_empty() {
            user.to_string()
        } else {
            pass.to_string()
        });
    }
    None
}

fn base64_decode(s: &str) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(s.len() * 3 / 4);
    let mut buf = 0u32;
    let mut bits = 0;
    for c in s.bytes() {
        let v = match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'+' | b'-' => 62,
            b'/' | b'_' => 63,
            b'=' => break,
            _ => return None,
        };
        buf = (buf << 6) | v as u32;
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((buf >> bits) as u8);
            buf &= (1 << bits) - 1;
        }
    }
    Some(out)
}

/// Checks media type and credentials; every endpoint starts here.
async fn auth(st: &TaxiiState, h: &HeaderMap) -> Result<Org, TaxiiError> {
    let unauthorized = || {
        terr(StatusCode::UNAUTHORIZED, "Unauthorized", "a valid API key is required (Authorization: Bearer <key>, or Basic with the key as password)")
    };
    let token = bearer_or_basic(h).ok_or_else(unauthorized)?;
    let org =
        st.0.db
            .authenticate(&token)
            .await?
            .ok_or_else(unauthorized)?;
    check_accept(h)?;
    Ok(org)
}

enum Need {
    Read,
    Write,
    ReadWrite,
}

async fn access(
    st: &TaxiiState,
    org: &Org,
    cid: &str,
    need: Need,
) -> Result<CollectionAccess, TaxiiError> {
    let c = st.0.db.collection_for(org.id, cid).await?.ok_or_else(|| {
        terr(
            StatusCode::NOT_FOUND,
            "Collection not found",
            format!(
                "no collection `{}` for this organisation",
                chokepoint_core::time::truncate(cid, 64)
            ),
        )
    })?;
    let ok = match need {
        Need::Read => c.can_read,
        Need::Write => c.can_write,
        Need::ReadWrite => c.can_read && c.can_write,
    };
    if !ok {
        return Err(terr(
            StatusCode::FORBIDDEN,
            "Forbidden",
            "this organisation lacks the permission this request needs on the collection",
        ));
    }
    Ok(c)
}

fn host_url(st: &TaxiiState, h: &HeaderMap) -> String {
    let host = h
        .get(header::HOST)
        .and_then(|v| v.to_str().ok())
        .filter(|v| {
            v.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"-.:[]".contains(&b))
        })
        .unwrap_or("localhost");
    let proto = match h.get("x-forwarded-proto").and_then(|v| v.to_str().ok()) {
        Some("https") => "https",
        _ => "http",
    };
    format!("{proto}://{host}{}", st.0.cfg.base_path)
}

async fn discovery(State(st): State<TaxiiState>, h: HeaderMap) -> TResult {
    auth(&st, &h).await?;
    let root = format!("{}/api/", host_url(&st, &h));
    let body = json!({
        "title": st.0.cfg.title,
        "description": "TAXII 2.1 server of chokepoint: indicators of distillation campaigns, shared as keyed hashes and sketches",
        "default": root,
        "api_roots": [root],
    });
    Ok(taxii_response(StatusCode::OK, body.to_string()))
}

async fn api_root(State(st): State<TaxiiState>, h: HeaderMap) -> TResult {
    auth(&st, &h).await?;
    let body = json!({
        "title": "chokepoint intel",
        "description": "Collections of STIX 2.1 objects shared between labs",
        "versions": [TAXII_MEDIA_TYPE],
        "max_content_length": st.0.cfg.max_content_length,
    });
    Ok(taxii_response(StatusCode::OK, body.to_string()))
}

fn collection_json(c: &CollectionAccess) -> Value {
    let mut v = json!({
        "id": c.id,
        "title": c.title,
        "can_read": c.can_read,
        "can_write": c.can_write,
        "media_types": [STIX_MEDIA_TYPE],
    });
    if let Some(d) = &c.description {
        v["description"] = json!(d);
    }
    v
}

async fn collections(State(st): State<TaxiiState>, h: HeaderMap) -> TResult {
    let org = auth(&st, &h).await?;
    let cs = st.0.db.collections_for(org.id).await?;
    let body = if cs.is_empty() {
        json!({})
    } else {
        json!({"collections": cs.iter().map(collection_json).collect::<Vec<_>>()})
    };
    Ok(taxii_response(StatusCode::OK, body.to_string()))
}

async fn collection(
    State(st): State<TaxiiState>,
    Path(cid): Path<String>,
    h: HeaderMap,
) -> TResult {
    let org = auth(&st, &h).await?;
    let c = st.0.db.collection_for(org.id, &cid).await?.ok_or_else(|| {
        terr(
            StatusCode::NOT_FOUND,
            "Collection not found",
            "no such collection for this organisation",
        )
    })?;
    Ok(taxii_response(
        StatusCode::OK,
        collection_json(&c).to_string(),
    ))
}

async fn status(State(st): State<TaxiiState>, Path(id): Path<String>, h: HeaderMap) -> TResult {
    let org = auth(&st, &h).await?;
    let row = sqlx::query("SELECT body FROM intel_status WHERE id = ? AND org_id = ?")
        .bind(&id)
        .bind(org.id)
        .fetch_optional(st.0.db.pool())
        .await?
        .ok_or_else(|| {
            terr(
                StatusCode::NOT_FOUND,
                "Status not found",
                "no such status resource for this organisation",
            )
        })?;
    Ok(taxii_response(StatusCode::OK, row.get::<String, _>(0)))
}

/// The query parameters TAXII defines for object listings.
#[derive(Debug, Default)]
struct Filters {
    added_after: Option<String>,
    limit: Option<usize>,
    next: Option<i64>,
    ids: Vec<String>,
    types: Vec<String>,
    versions: Vec<String>,
    spec_versions: Vec<String>,
}

fn bad_request(m: impl Into<String>) -> TaxiiError {
    terr(StatusCode::BAD_REQUEST, "Bad request", m)
}

fn parse_filters(raw: Option<&str>) -> Result<Filters, TaxiiError> {
    let mut f = Filters::default();
    let pairs: Vec<(String, String)> = match raw {
        None => Vec::new(),
        Some(q) => serde_urlencoded_pairs(q),
    };
    let list = |v: &str| {
        v.split(',')
            .map(|s| s.trim().to_string())
            .filter(|s| !s.is_empty())
            .collect::<Vec<_>>()
    };
    for (k, v) in pairs {
        match k.as_str() {
            "added_after" => {
                let n = normalise_timestamp(&v).ok_or_else(|| {
                    bad_request(format!(
                        "added_after `{}` is not a STIX timestamp",
                        chokepoint_core::time::truncate(&v, 64)
                    ))
                })?;
                f.added_after = Some(n);
            }
            "limit" => {
                let n: usize = v
                    .parse()
                    .ok()
                    .filter(|n| *n > 0)
                    .ok_or_else(|| bad_request("limit must be a positive integer"))?;
                f.limit = Some(n);
            }
            "next" => {
                let n: i64 = v
                    .parse()
                    .ok()
                    .filter(|n| *n >= 0)
                    .ok_or_else(|| bad_request("next is not a cursor this server issued"))?;
                f.next = Some(n);
            }
            "match[id]" => f.ids.extend(list(&v)),
            "match[type]" => f.types.extend(list(&v)),
            "match[version]" => f.versions.extend(list(&v)),
            "match[spec_version]" => f.spec_versions.extend(list(&v)),
            _ => {}
        }
    }
    for v in &f.versions {
        if !matches!(v.as_str(), "first" | "last" | "all") && normalise_timestamp(v).is_none() {
            return Err(bad_request(format!(
                "match[version] `{}` is not first, last, all or a timestamp",
                chokepoint_core::time::truncate(v, 64)
            )));
        }
    }
    Ok(f)
}

/// Decodes `a=b&c=d` (percent-encoding and `+`).
fn serde_urlencoded_pairs(q: &str) -> Vec<(String, String)> {
    fn dec(s: &str) -> String {
        let b = s.as_bytes();
        let mut out = Vec::with_capacity(b.len());
        let mut i = 0;
        while i < b.len() {
            let hexval = |j: usize| b.get(j).and_then(|c| (*c as char).to_digit(16));
            match b[i] {
                b'+' => out.push(b' '),
                b'%' => match (hexval(i + 1), hexval(i + 2)) {
                    (Some(h), Some(l)) => {
                        out.push((h * 16 + l) as u8);
                        i += 2;
                    }
                    _ => out.push(b'%'),
                },
                c => out.push(c),
            }
            i += 1;
        }
        String::from_utf8_lossy(&out).into_owned()
    }
    q.split('&')
        .filter(|p| !p.is_empty())
        .map(|p| match p.split_once('=') {
            Some((k, v)) => (dec(k), dec(v)),
            None => (dec(p), String::new()),
        })
        .collect()
}

/// Appends the WHERE clauses of `f` (with `?` binds into `binds`) for rows aliased `o`.
fn filter_sql(
    f: &Filters,
    default_version: &str,
    sql: &mut String,
    binds: &mut Vec<String>,
    org: i64,
) {
    let in_list = |sql: &mut String, binds: &mut Vec<String>, col: &str, vals: &[String]| {
        sql.push_str(&format!(" AND {col} IN ("));
        for (i, v) in vals.iter().enumerate() {
            sql.push_str(if i == 0 { "?" } else { ",?" });
            binds.push(v.clone());
        }
        sql.push(')');
    };
    if let Some(a) = &f.added_after {
        sql.push_str(" AND o.date_added > ?");
        binds.push(a.clone());
    }
    if !f.ids.is_empty() {
        in_list(sql, binds, "o.object_id", &f.ids);
    }
    if !f.types.is_empty() {
        in_list(sql, binds, "o.object_type", &f.types);
    }
    if !f.spec_versions.is_empty() {
        in_list(sql, binds, "o.spec_version", &f.spec_versions);
    }
    let versions: Vec<String> = if f.versions.is_empty() {
        vec![default_version.to_string()]
    } else {
        f.versions.clone()
    };
    if versions.iter().any(|v| v == "all") {
        return;
    }
    let visible = format!("(i.tlp_red = 0 OR i.owner_org = {org})");
    let mut alts: Vec<String> = Vec::new();
    let mut exact: Vec<String> = Vec::new();
    for v in &versions {
        match v.as_str() {
            "last" => alts.push(format!("o.version = (SELECT MAX(i.version) FROM intel_objects i WHERE i.collection_id = o.collection_id AND i.object_id = o.object_id AND {visible})")),
            "first" => alts.push(format!("o.version = (SELECT MIN(i.version) FROM intel_objects i WHERE i.collection_id = o.collection_id AND i.object_id = o.object_id AND {visible})")),
            t => exact.extend(normalise_timestamp(t)),
        }
    }
    if !exact.is_empty() {
        let mut s = String::from("o.version IN (");
        for (i, v) in exact.iter().enumerate() {
            s.push_str(if i == 0 { "?" } else { ",?" });
            binds.push(v.clone());
        }
        s.push(')');
        alts.push(s);
    }
    sql.push_str(&format!(" AND ({})", alts.join(" OR ")));
}

struct Page {
    rows: Vec<(i64, String, String, String)>, // seq, date_added, version_raw, body-or-id
    more: bool,
}

async fn query_page(
    st: &TaxiiState,
    org: &Org,
    cid: &str,
    f: &Filters,
    what: &str,
    object: Option<&str>,
) -> Result<Page, TaxiiError> {
    let limit = f
        .limit
        .unwrap_or(st.0.cfg.default_page_size)
        .min(st.0.cfg.max_page_size);
    let mut sql = format!(
        "SELECT o.seq, o.date_added, o.version_raw, {what} FROM intel_objects o WHERE o.collection_id = ? AND (o.tlp_red = 0 OR o.owner_org = ?) AND o.seq > ?"
    );
    let mut binds: Vec<String> = Vec::new();
    if let Some(oid) = object {
        sql.push_str(" AND o.object_id = ?");
        binds.push(oid.to_string());
    }
    filter_sql(
        f,
        if object.is_some() && what == "o.object_id" {
            "all"
        } else {
            "last"
        },
        &mut sql,
        &mut binds,
        org.id,
    );
    sql.push_str(" ORDER BY o.seq LIMIT ?");
    let mut q = sqlx::query(&sql)
        .bind(cid)
        .bind(org.id)
        .bind(f.next.unwrap_or(0));
    for b in &binds {
        q = q.bind(b);
    }
    q = q.bind((limit + 1) as i64);
    let mut rows: Vec<(i64, String, String, String)> = q
        .fetch_all(st.0.db.pool())
        .await?
        .iter()
        .map(|r| (r.get(0), r.get(1), r.get(2), r.get(3)))
        .collect();
    let more = rows.len() > limit;
    rows.truncate(limit);
    Ok(Page { rows, more })
}

fn date_headers(r: &mut Response, page: &Page) {
    if let (Some(first), Some(last)) = (page.rows.first(), page.rows.last()) {
        if let Ok(v) = HeaderValue::from_str(&first.1) {
            r.headers_mut().insert("X-TAXII-Date-Added-First", v);
        }
        if let Ok(v) = HeaderValue::from_str(&last.1) {
            r.headers_mut().insert("X-TAXII-Date-Added-Last", v);
        }
    }
}

fn envelope(page: &Page) -> String {
    let mut s = String::with_capacity(64 + page.rows.iter().map(|r| r.3.len() + 1).sum::<usize>());
    s.push_str(&format!("{{\"more\":{}", page.more));
    if page.more {
        if let Some(last) = page.rows.last() {
            s.push_str(&format!(",\"next\":\"{}\"", last.0));
        }
    }
    if !page.rows.is_empty() {
        s.push_str(",\"objects\":[");
        for (i, r) in page.rows.iter().enumerate() {
            if i > 0 {
                s.push(',');
            }
            s.push_str(&r.3);
        }
        s.push(']');
    }
    s.push('}');
    s
}

async fn get_objects(
    State(st): State<TaxiiState>,
    Path(cid): Path<String>,
    RawQuery(q): RawQuery,
    h: HeaderMap,
) -> TResult {
    let org = auth(&st, &h).await?;
    access(&st, &org, &cid, Need::Read).await?;
    let f = parse_filters(q.as_deref())?;
    let page = query_page(&st, &org, &cid, &f, "o.body", None).await?;
    let mut r = taxii_response(StatusCode::OK, envelope(&page));
    date_headers(&mut r, &page);
    Ok(r)
}

async fn get_object(
    State(st): State<TaxiiState>,
    Path((cid, oid)): Path<(String, String)>,
    RawQuery(q): RawQuery,
    h: HeaderMap,
) -> TResult {
    let org = auth(&st, &h).await?;
    access(&st, &org, &cid, Need::Read).await?;
    let f = parse_filters(q.as_deref())?;
    let page = query_page(&st, &org, &cid, &f, "o.body", Some(&oid)).await?;
    if page.rows.is_empty() && f.next.is_none() {
        return Err(terr(
            StatusCode::NOT_FOUND,
            "Object not found",
            "no such object in this collection",
        ));
    }
    let mut r = taxii_response(StatusCode::OK, envelope(&page));
    date_headers(&mut r, &page);
    Ok(r)
}

async fn versions(
    State(st): State<TaxiiState>,
    Path((cid, oid)): Path<(String, String)>,
    RawQuery(q): RawQuery,
    h: HeaderMap,
) -> TResult {
    let org = auth(&st, &h).await?;
    access(&st, &org, &cid, Need::Read).await?;
    let mut f = parse_filters(q.as_deref())?;
    if f.versions.is_empty() {
        f.versions.push("all".into());
    }
    let page = query_page(&st, &org, &cid, &f, "o.object_id", Some(&oid)).await?;
    if page.rows.is_empty() && f.next.is_none() {
        return Err(terr(
            StatusCode::NOT_FOUND,
            "Object not found",
            "no such object in this collection",
        ));
    }
    let mut vs: Vec<&str> = page.rows.iter().map(|r| r.2.as_str()).collect();
    vs.sort_by_key(|v| stix::timestamp_key(v));
    let mut body = json!({"more": page.more, "versions": vs});
    if page.more {
        if let Some(l) = page.rows.last() {
            body["next"] = json!(l.0.to_string());
        }
    }
    let mut r = taxii_response(StatusCode::OK, body.to_string());
    date_headers(&mut r, &page);
    Ok(r)
}

async fn manifest(
    State(st): State<TaxiiState>,
    Path(cid): Path<String>,
    RawQuery(q): RawQuery,
    h: HeaderMap,
) -> TResult {
    let org = auth(&st, &h).await?;
    access(&st, &org, &cid, Need::Read).await?;
    let f = parse_filters(q.as_deref())?;
    let page = query_page(&st, &org, &cid, &f, "o.object_id", None).await?;
    let objects: Vec<Value> = page
        .rows
        .iter()
        .map(|r| json!({"id": r.3, "date_added": r.1, "version": r.2, "media_type": STIX_MEDIA_TYPE}))
        .collect();
    let mut body = json!({"more": page.more});
    if !objects.is_empty() {
        body["objects"] = json!(objects);
    }
    if page.more {
        if let Some(l) = page.rows.last() {
            body["next"] = json!(l.0.to_string());
        }
    }
    let mut r = taxii_response(StatusCode::OK, body.to_string());
    date_headers(&mut r, &page);
    Ok(r)
}

async fn delete_object(
    State(st): State<TaxiiState>,
    Path((cid, oid)): Path<(String, String)>,
    RawQuery(q): RawQuery,
    h: HeaderMap,
) -> TResult {
    let org = auth(&st, &h).await?;
    access(&st, &org, &cid, Need::ReadWrite).await?;
    let f = parse_filters(q.as_deref())?;
    let mut sql = String::from("DELETE FROM intel_objects WHERE seq IN (SELECT o.seq FROM intel_objects o WHERE o.collection_id = ? AND o.object_id = ? AND (o.tlp_red = 0 OR o.owner_org = ?)");
    let mut binds = Vec::new();
    filter_sql(&f, "all", &mut sql, &mut binds, org.id);
    sql.push(')');
    let _guard = st.0.last_added.lock().await;
    let mut qy = sqlx::query(&sql).bind(&cid).bind(&oid).bind(org.id);
    for b in &binds {
        qy = qy.bind(b);
    }
    let n = qy.execute(st.0.db.pool()).await?.rows_affected();
    if n == 0 {
        return Err(terr(
            StatusCode::NOT_FOUND,
            "Object not found",
            "no such object (or version) in this collection",
        ));
    }
    Ok(taxii_response(StatusCode::OK, String::new()))
}

/// The next `date_added`: now, or just after the last one when the clock has not moved on.
fn next_date_added(last: &str) -> String {
    let now = chrono::Utc::now();
    let mut t = now;
    if let Ok(l) = chrono::DateTime::parse_from_rfc3339(last) {
        let l = l.with_timezone(&chrono::Utc);
        if t <= l {
            t = l + chrono::Duration::microseconds(1);
        }
    }
    t.to_rfc3339_opts(chrono::SecondsFormat::Nanos, true)
}

async fn post_objects(
    State(st): State<TaxiiState>,
    Path(cid): Path<String>,
    h: HeaderMap,
    body: Body,
) -> TResult {
    let org = auth(&st, &h).await?;
    access(&st, &org, &cid, Need::Write).await?;
    let ct = h
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let ct_ok = {
        let mut parts = ct.split(';').map(str::trim);
        let mt = parts.next().unwrap_or("").to_ascii_lowercase();
        mt == "application/taxii+json"
            && parts.all(|p| match p.split_once('=') {
                Some((k, v)) if k.trim().eq_ignore_ascii_case("version") => {
                    v.trim().trim_matches('"') == "2.1"
                }
                _ => true,
            })
    };
    if !ct_ok {
        return Err(terr(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "Unsupported media type",
            format!(
                "POST a TAXII envelope as {TAXII_MEDIA_TYPE}, not `{}`",
                chokepoint_core::time::truncate(ct, 100)
            ),
        ));
    }
    let max = st.0.cfg.max_content_length;
    let too_large = || {
        terr(
            StatusCode::PAYLOAD_TOO_LARGE,
            "Request too large",
            format!("the body exceeds max_content_length ({max} bytes); nothing was stored"),
        )
    };
    if let Some(len) = h
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok())
    {
        if len > max as u64 {
            return Err(too_large());
        }
    }
    let bytes = axum::body::to_bytes(body, max)
        .await
        .map_err(|_| too_large())?;
    let env: Value = serde_json::from_slice(&bytes)
        .map_err(|e| bad_request(format!("the body is not JSON: {e}; nothing was stored")))?;
    let objects = match env.as_object().map(|o| o.get("objects")) {
        None => {
            return Err(bad_request(
                "the body must be a TAXII envelope (a JSON object); nothing was stored",
            ))
        }
        Some(None) => &Vec::new(),
        Some(Some(Value::Array(a))) => a,
        Some(Some(_)) => return Err(bad_request("`objects` must be a list; nothing was stored")),
    };
    if objects.len() > st.0.cfg.max_objects_per_envelope {
        return Err(terr(
            StatusCode::PAYLOAD_TOO_LARGE,
            "Too many objects",
            format!(
                "an envelope may carry at most {} objects; nothing was stored",
                st.0.cfg.max_objects_per_envelope
            ),
        ));
    }
    struct Valid {
        id: String,
        type_: String,
        version: String,
        version_raw: Option<String>,
        red: bool,
        body: String,
    }
    let mut valid = Vec::new();
    let mut failures = Vec::new();
    for (i, o) in objects.iter().enumerate() {
        match stix::validate_object(o, &format!("objects[{i}]")) {
            Ok(_) => {
                let id = o["id"].as_str().unwrap_or_default().to_string();
                let version_raw = stix::object_version(o).map(str::to_string);
                valid.push(Valid {
                    type_: o["type"].as_str().unwrap_or_default().to_string(),
                    version: version_raw
                        .as_deref()
                        .and_then(normalise_timestamp)
                        .unwrap_or_default(),
                    version_raw,
                    red: stix::is_tlp_red(o),
                    body: o.to_string(),
                    id,
                });
            }
            Err(e) => {
                let mut f = json!({"id": o.get("id").and_then(Value::as_str).unwrap_or(""), "message": e.to_string()});
                if let Some(v) = stix::object_version(o) {
                    f["version"] = json!(v);
                }
                failures.push(f);
            }
        }
    }
    let status_id = uuid::Uuid::new_v4().to_string();
    let request_ts = stix::format_timestamp(&chrono::Utc::now());
    let mut successes = Vec::new();
    {
        let mut last = st.0.last_added.lock().await;
        let mut date_added = last.clone();
        let mut tx = st.0.db.pool().begin().await?;
        for v in &valid {
            // Every object gets its own, strictly growing date_added, so that `added_after`
            // with the last date a client saw never skips the rest of an envelope.
            date_added = next_date_added(&date_added);
            let date_norm = date_added.clone();
            // Objects without a version (SCOs) are versioned by the date they were added.
            let (version, version_raw) = match &v.version_raw {
                Some(raw) => (v.version.clone(), raw.clone()),
                None => (date_norm.clone(), date_added.clone()),
            };
            let r = sqlx::query(
                "INSERT INTO intel_objects (collection_id, object_id, object_type, version, version_raw, spec_version, date_added, owner_org, tlp_red, body)
                 VALUES (?, ?, ?, ?, ?, '2.1', ?, ?, ?, ?) ON CONFLICT(collection_id, object_id, version) DO NOTHING",
            )
            .bind(&cid)
            .bind(&v.id)
            .bind(&v.type_)
            .bind(&version)
            .bind(&version_raw)
            .bind(&date_added)
            .bind(org.id)
            .bind(v.red)
            .bind(&v.body)
            .execute(&mut *tx)
            .await?;
            let mut s = json!({"id": v.id, "version": version_raw});
            if r.rows_affected() == 0 {
                s["message"] = json!("this version was already in the collection");
            }
            successes.push(s);
        }
        let status = json!({
            "id": status_id,
            "status": "complete",
            "request_timestamp": request_ts,
            "total_count": successes.len() + failures.len(),
            "success_count": successes.len(),
            "successes": successes,
            "failure_count": failures.len(),
            "failures": failures,
            "pending_count": 0,
            "pendings": [],
        });
        let body = status.to_string();
        sqlx::query(
            "INSERT INTO intel_status (id, org_id, collection_id, body) VALUES (?, ?, ?, ?)",
        )
        .bind(&status_id)
        .bind(org.id)
        .bind(&cid)
        .bind(&body)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        *last = date_added;
        Ok(taxii_response(StatusCode::ACCEPTED, body))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn media_ranges() {
        assert!(acceptable("application/taxii+json;version=2.1"));
        assert!(acceptable("application/taxii+json"));
        assert!(acceptable("*/*"));
        assert!(!acceptable("application/json"));
        assert!(!acceptable("application/taxii+json;version=2.0"));
    }

    #[test]
    fn decodes_basic_and_queries() {
        assert_eq!(base64_decode("dXNlcjpwYXNz").unwrap(), b"user:pass");
        let p = serde_urlencoded_pairs(
            "match%5Btype%5D=indicator,campaign&added_after=2020-01-01T00%3A00%3A00Z&x",
        );
        assert_eq!(p[0], ("match[type]".into(), "indicator,campaign".into()));
        assert_eq!(p[1].1, "2020-01-01T00:00:00Z");
        assert_eq!(serde_urlencoded_pairs("a=%zz%2")[0].1, "%zz%2");
    }

    #[test]
    fn date_added_grows() {
        let far = "2999-01-01T00:00:00.000000000Z";
        let n = next_date_added(far);
        assert!(n.as_str() > far, "{n}");
    }
}
