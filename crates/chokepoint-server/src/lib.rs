//! chokepoint-server: the analyst console. One axum [`Router`] on the embedded database that
//! composes every module's Router behind one sign-in, and adds what only a server has: the web
//! console (server-rendered pages, templates compiled in), distillation scans with live
//! progress, the REST API (`/api/v1`, documented at `/api/v1/openapi.json`), TAXII 2.1 under
//! `/taxii2` (with its own per-organisation keys), `/healthz` and `/metrics`.
//!
//! Authentication: local users with argon2id-hashed passwords and a role (analyst, admin);
//! the console uses a server-side session in an HttpOnly, SameSite=Strict cookie (Secure when the
//! server is told it sits behind TLS), with a CSRF token on every state-changing request; the API
//! also takes bearer tokens (`Authorization: Bearer cps1_...`), stored hashed. Only `/healthz`,
//! `/login`, `/static/*` and the OpenAPI document are public; everything else answers 401 (API)
//! or redirects to the sign-in page (console) without a valid credential.

#![recursion_limit = "512"]

pub mod api;
pub mod auth;
pub mod db;
pub mod map;
pub mod metrics;
pub mod modules;
pub mod openapi;
pub mod pages;
pub mod scans;
pub mod svg;

use axum::extract::DefaultBodyLimit;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use chokepoint_intel::CommunityKey;
use chokepoint_store::Store;
use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

pub use db::{Role, ServerDb, User};
pub use scans::{import_report, scan_and_store, ProgressCell};

/// Largest body the console's own routes accept (forms and JSON requests are small).
pub const MAX_BODY_BYTES: usize = 64 * 1024;

/// Errors of the server, each with the HTTP status it answers.
#[derive(Debug, thiserror::Error)]
pub enum ServerError {
    #[error("{0}")]
    BadRequest(String),
    #[error("sign in first")]
    Unauthorized,
    #[error("{0}")]
    Forbidden(String),
    #[error("{0}")]
    NotFound(String),
    #[error("{0}")]
    Conflict(String),
    /// A request the framework rejected (body too large, wrong media type, bad JSON), with the
    /// status it chose.
    #[error("{1}")]
    Rejected(StatusCode, String),
    #[error("{0}")]
    Internal(String),
    #[error(transparent)]
    Store(#[from] chokepoint_store::StoreError),
    #[error("database: {0}")]
    Sql(#[from] sqlx::Error),
}

impl ServerError {
    pub fn status(&self) -> StatusCode {
        match self {
            ServerError::BadRequest(_) => StatusCode::BAD_REQUEST,
            ServerError::Unauthorized => StatusCode::UNAUTHORIZED,
            ServerError::Forbidden(_) => StatusCode::FORBIDDEN,
            ServerError::NotFound(_) => StatusCode::NOT_FOUND,
            ServerError::Conflict(_) => StatusCode::CONFLICT,
            ServerError::Rejected(s, _) => *s,
            _ => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// The message shown to the client: internal details go to the log only.
    pub fn public_message(&self) -> String {
        if self.status() == StatusCode::INTERNAL_SERVER_ERROR {
            tracing::error!("internal error: {self}");
            "internal error (see the server log)".into()
        } else {
            self.to_string()
        }
    }
}

impl IntoResponse for ServerError {
    fn into_response(self) -> Response {
        let status = self.status();
        let mut r = (
            status,
            Json(serde_json::json!({ "error": self.public_message() })),
        )
            .into_response();
        if status == StatusCode::UNAUTHORIZED {
            r.headers_mut().insert(
                axum::http::header::WWW_AUTHENTICATE,
                axum::http::HeaderValue::from_static("Bearer realm=\"chokepoint\""),
            );
        }
        r
    }
}

/// How the server is set up.
#[derive(Clone)]
pub struct ServerConfig {
    /// Scan inputs named in the console or the API must lie in this directory.
    pub data_dir: PathBuf,
    /// Mark cookies `Secure` (set when the server is reached over TLS, e.g. behind a proxy).
    pub secure_cookies: bool,
    /// The producing organisation's name in exported STIX.
    pub producer: String,
    /// The community key for STIX exports; `None`: one generated once and kept in the store.
    pub community_key: Option<CommunityKey>,
    /// Options of console scans.
    pub scan_options: chokepoint_distill::ScanOptions,
    /// Inputs of the module pages (bundled samples when `None`).
    pub modules: modules::ModuleInputs,
}

impl Default for ServerConfig {
    fn default() -> Self {
        ServerConfig {
            data_dir: PathBuf::from("."),
            secure_cookies: false,
            producer: "chokepoint".into(),
            community_key: None,
            scan_options: chokepoint_distill::ScanOptions::default(),
            modules: modules::ModuleInputs::default(),
        }
    }
}

/// Everything the handlers share.
pub struct Inner {
    pub db: ServerDb,
    pub config: ServerConfig,
    pub progress: Mutex<HashMap<i64, Arc<ProgressCell>>>,
    /// One scan at a time: a scan uses every core it gets.
    pub scan_slots: tokio::sync::Semaphore,
    pub metrics: metrics::Metrics,
    pub community_key: CommunityKey,
    pub modules: modules::Modules,
    pub started: std::time::Instant,
    /// Rendered bodies of immutable pages (a stored campaign), by key.
    pub page_cache: Mutex<HashMap<String, Arc<String>>>,
    /// Failed sign-ins per user name (online guessing is throttled).
    pub login_throttle: auth::LoginThrottle,
}

/// The server's state (cheap to clone).
#[derive(Clone)]
pub struct AppState {
    pub inner: Arc<Inner>,
}

impl AppState {
    /// Opens the server on `store`: applies the server's (and the modules') migrations, loads the
    /// module inputs, and settles the community key.
    pub async fn open(store: Store, config: ServerConfig) -> Result<AppState, ServerError> {
        let db = ServerDb::open(store.clone()).await?;
        let community_key = match &config.community_key {
            Some(k) => k.clone(),
            None => {
                let hex = match db.setting("community_key").await? {
                    Some(h) => h,
                    None => {
                        let h = CommunityKey::generate_hex();
                        db.set_setting("community_key", &h).await?;
                        h
                    }
                };
                CommunityKey::from_secret(&hex)
                    .map_err(|e| ServerError::Internal(format!("stored community key: {e}")))?
            }
        };
        let modules = modules::Modules::load(store, &config.modules).await?;
        Ok(AppState {
            inner: Arc::new(Inner {
                db,
                config,
                progress: Mutex::new(HashMap::new()),
                scan_slots: tokio::sync::Semaphore::new(1),
                metrics: metrics::Metrics::default(),
                community_key,
                modules,
                started: std::time::Instant::now(),
                page_cache: Mutex::new(HashMap::new()),
                login_throttle: auth::LoginThrottle::default(),
            }),
        })
    }

    pub fn db(&self) -> &ServerDb {
        &self.inner.db
    }

    /// Live progress of a running or queued scan.
    pub fn progress_of(&self, id: i64) -> Option<scans::ProgressSnapshot> {
        self.inner
            .progress
            .lock()
            .ok()
            .and_then(|m| m.get(&id).map(|c| c.snapshot()))
    }
}

async fn healthz(axum::extract::State(st): axum::extract::State<AppState>) -> Response {
    match sqlx::query("SELECT 1")
        .execute(st.db().store().pool())
        .await
    {
        Ok(_) => (StatusCode::OK, "ok\n").into_response(),
        Err(e) => {
            tracing::error!("healthz: {e}");
            (StatusCode::SERVICE_UNAVAILABLE, "database unavailable\n").into_response()
        }
    }
}

/// The whole server: public routes, the authenticated console and API (module routers mounted
/// inside), TAXII under `/taxii2`, with request metrics around everything.
pub fn router(state: AppState) -> Router {
    let public = Router::new()
        .route("/healthz", get(healthz))
        .route("/login", get(auth::login_page).post(auth::login_submit))
        .route("/static/{name}", get(pages::static_file))
        .route("/favicon.ico", get(|| async { StatusCode::NO_CONTENT }))
        .route("/api/v1/openapi.json", get(openapi::document))
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
        .with_state(state.clone());

    let m = &state.inner.modules;
    let module_api = Router::new()
        .nest(
            "/controls",
            chokepoint_controls::http::router(m.controls.clone()),
        )
        .nest("/scenario", chokepoint_scenario::http::router())
        .merge(chokepoint_geoloc::server::router(m.registry.clone()))
        .merge(chokepoint_screen::http::router(m.screener.clone()));

    let own_api = api::routes().layer(DefaultBodyLimit::max(MAX_BODY_BYTES));
    let protected = Router::new()
        .route("/metrics", get(metrics::render))
        .route("/logout", post(auth::logout))
        .merge(pages::routes().layer(DefaultBodyLimit::max(MAX_BODY_BYTES)))
        .with_state(state.clone())
        .nest(
            "/api/v1",
            own_api.with_state(state.clone()).merge(module_api),
        )
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            auth::require_auth,
        ));

    let taxii = Router::new().nest(
        "/taxii2",
        chokepoint_intel::taxii::taxii_router(m.taxii.clone()),
    );

    Router::new()
        .merge(public)
        .merge(taxii)
        .merge(protected)
        .layer(axum::middleware::from_fn_with_state(state, metrics::track))
}

/// Binds `listen` and serves [`router`] until Ctrl-C or SIGTERM.
pub async fn serve(listener: tokio::net::TcpListener, state: AppState) -> std::io::Result<()> {
    axum::serve(listener, router(state))
        .with_graceful_shutdown(async {
            let ctrl_c = tokio::signal::ctrl_c();
            #[cfg(unix)]
            {
                match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
                    Ok(mut term) => {
                        tokio::select! { _ = ctrl_c => {}, _ = term.recv() => {} }
                    }
                    Err(_) => {
                        let _ = ctrl_c.await;
                    }
                }
            }
            #[cfg(not(unix))]
            {
                let _ = ctrl_c.await;
            }
        })
        .await
}

/// A multi-threaded runtime for synchronous callers (the CLI).
pub fn runtime() -> std::io::Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
}

/// Opens the database at `db` and the server state on it.
pub async fn open(db: &std::path::Path, config: ServerConfig) -> Result<AppState, ServerError> {
    let store = Store::open(db).await?;
    AppState::open(store, config).await
}

/// Binds `listen` (e.g. `127.0.0.1:8080`; port 0 picks a free one), calls `ready` with the bound
/// address, and serves until Ctrl-C or SIGTERM.
pub async fn run(
    listen: &str,
    state: AppState,
    ready: impl FnOnce(std::net::SocketAddr),
) -> Result<(), ServerError> {
    let listener = tokio::net::TcpListener::bind(listen)
        .await
        .map_err(|e| ServerError::BadRequest(format!("cannot listen on {listen}: {e}")))?;
    let addr = listener
        .local_addr()
        .map_err(|e| ServerError::Internal(format!("listener: {e}")))?;
    ready(addr);
    serve(listener, state)
        .await
        .map_err(|e| ServerError::Internal(format!("server: {e}")))
}

/// Opens only the server's tables at `db` (for user and token administration).
pub async fn open_db(db: &std::path::Path) -> Result<ServerDb, ServerError> {
    ServerDb::open(Store::open(db).await?).await
}
