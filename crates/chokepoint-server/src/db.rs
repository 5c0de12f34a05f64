//! The server's own tables in the embedded store: users, sessions, API tokens, scans and their
//! campaigns, STIX exports, settings. Secrets are stored hashed: passwords with argon2id, session
//! ids and API-token secrets (32 random bytes each, so a fast keyed hash suffices) with BLAKE3.

use crate::ServerError;
use chokepoint_store::{Migration, Store};
use sqlx::Row;

/// This module's tables.
pub const MIGRATIONS: &[Migration] = &[Migration {
    version: 1,
    description: "server users, sessions, api tokens, scans, campaigns, exports, settings",
    sql: "
CREATE TABLE server_users (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    password_hash TEXT NOT NULL,
    role TEXT NOT NULL CHECK (role IN ('analyst', 'admin')),
    created TEXT NOT NULL
);
CREATE TABLE server_sessions (
    id_hash TEXT PRIMARY KEY,
    user_id INTEGER NOT NULL REFERENCES server_users(id) ON DELETE CASCADE,
    csrf TEXT NOT NULL,
    created_s INTEGER NOT NULL,
    expires_s INTEGER NOT NULL
);
CREATE INDEX server_sessions_user ON server_sessions(user_id);
CREATE TABLE server_tokens (
    token_id TEXT PRIMARY KEY,
    user_id INTEGER NOT NULL REFERENCES server_users(id) ON DELETE CASCADE,
    secret_hash TEXT NOT NULL,
    label TEXT NOT NULL,
    created TEXT NOT NULL,
    revoked INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE server_scans (
    id INTEGER PRIMARY KEY,
    input TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('queued', 'running', 'done', 'failed', 'interrupted')),
    started TEXT NOT NULL,
    finished TEXT,
    error TEXT,
    started_by TEXT NOT NULL,
    stats TEXT,
    report TEXT
);
CREATE TABLE server_campaigns (
    scan_id INTEGER NOT NULL REFERENCES server_scans(id) ON DELETE CASCADE,
    campaign_id TEXT NOT NULL,
    rank INTEGER NOT NULL,
    score REAL NOT NULL,
    accounts INTEGER NOT NULL,
    records INTEGER NOT NULL,
    first_seen TEXT NOT NULL,
    last_seen TEXT NOT NULL,
    body TEXT NOT NULL,
    details TEXT NOT NULL,
    graph_svg TEXT NOT NULL,
    timeline_svg TEXT NOT NULL,
    PRIMARY KEY (scan_id, campaign_id)
);
CREATE INDEX server_campaigns_rank ON server_campaigns(scan_id, rank);
CREATE TABLE server_exports (
    id INTEGER PRIMARY KEY,
    scan_id INTEGER NOT NULL,
    campaign_id TEXT NOT NULL,
    created TEXT NOT NULL,
    created_by TEXT NOT NULL,
    objects INTEGER NOT NULL,
    bundle TEXT NOT NULL
);
CREATE TABLE server_settings (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
",
}];

/// A role: analysts read and run scans; admins also manage users and tokens.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    Analyst,
    Admin,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Analyst => "analyst",
            Role::Admin => "admin",
        }
    }
    pub fn parse(s: &str) -> Option<Role> {
        match s {
            "analyst" => Some(Role::Analyst),
            "admin" => Some(Role::Admin),
            _ => None,
        }
    }
}

/// A signed-in user (from a session or an API token).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct User {
    pub id: i64,
    pub name: String,
    pub role: Role,
}

/// A freshly created API token; `token` is shown once and never stored.
#[derive(Debug, Clone, serde::Serialize)]
pub struct NewToken {
    pub token_id: String,
    pub user: String,
    pub token: String,
}

/// One scan as listed.
#[derive(Debug, Clone, serde::Serialize)]
pub struct ScanRow {
    pub id: i64,
    pub input: String,
    pub status: String,
    pub started: String,
    pub finished: Option<String>,
    pub error: Option<String>,
    pub started_by: String,
    pub stats: Option<serde_json::Value>,
}

/// One campaign of a scan as listed (ranked by score).
#[derive(Debug, Clone, serde::Serialize)]
pub struct CampaignRow {
    pub scan_id: i64,
    pub campaign_id: String,
    pub rank: i64,
    pub score: f64,
    pub accounts: i64,
    pub records: i64,
    pub first_seen: String,
    pub last_seen: String,
}

/// Everything stored about one campaign.
#[derive(Debug, Clone)]
pub struct CampaignFull {
    pub row: CampaignRow,
    pub body: serde_json::Value,
    pub details: serde_json::Value,
    pub graph_svg: String,
    pub timeline_svg: String,
}

/// One STIX export as listed.
#[derive(Debug, Clone, serde::Serialize)]
pub struct ExportRow {
    pub id: i64,
    pub scan_id: i64,
    pub campaign_id: String,
    pub created: String,
    pub created_by: String,
    pub objects: i64,
}

/// A campaign to store with a finished scan.
pub struct NewCampaign {
    pub campaign_id: String,
    pub score: f64,
    pub accounts: i64,
    pub records: i64,
    pub first_seen: String,
    pub last_seen: String,
    pub body: String,
    pub details: String,
    pub graph_svg: String,
    pub timeline_svg: String,
}

/// Current time as RFC 3339 (UTC, milliseconds).
pub fn now_rfc3339() -> String {
    chrono::Utc::now()
        .format("%Y-%m-%dT%H:%M:%S%.3fZ")
        .to_string()
}

/// Seconds since the Unix epoch.
pub fn now_s() -> i64 {
    chrono::Utc::now().timestamp()
}

/// 32 random bytes from the OS as lowercase hex.
pub fn random_hex(bytes: usize) -> Result<String, ServerError> {
    let mut b = vec![0u8; bytes];
    getrandom::getrandom(&mut b).map_err(|e| ServerError::Internal(format!("randomness: {e}")))?;
    Ok(b.iter().map(|x| format!("{x:02x}")).collect())
}

/// The at-rest hash of a high-entropy secret (session id, token secret): keyed BLAKE3 under a
/// purpose-specific key, so one table's hashes cannot be replayed as another's.
pub fn secret_hash(purpose: &str, secret: &str) -> String {
    let k = blake3::derive_key(&format!("chokepoint server v1 {purpose}"), b"");
    blake3::keyed_hash(&k, secret.as_bytes())
        .to_hex()
        .to_string()
}

/// Hashes a password with argon2id (default parameters, random salt) into a PHC string.
pub fn hash_password(password: &str) -> Result<String, ServerError> {
    use argon2::password_hash::{PasswordHasher, SaltString};
    let mut salt = [0u8; 16];
    getrandom::getrandom(&mut salt)
        .map_err(|e| ServerError::Internal(format!("randomness: {e}")))?;
    let salt =
        SaltString::encode_b64(&salt).map_err(|e| ServerError::Internal(format!("salt: {e}")))?;
    argon2::Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| ServerError::Internal(format!("argon2: {e}")))
}

/// Checks a password against a PHC string; a malformed hash is a mismatch.
pub fn verify_password(password: &str, phc: &str) -> bool {
    use argon2::password_hash::{PasswordHash, PasswordVerifier};
    match PasswordHash::new(phc) {
        Ok(h) => argon2::Argon2::default()
            .verify_password(password.as_bytes(), &h)
            .is_ok(),
        Err(_) => false,
    }
}

/// A fixed argon2 hash compared against when the user does not exist, so that an unknown user
/// costs the same time as a wrong password.
fn dummy_hash() -> &'static str {
    static H: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    H.get_or_init(|| hash_password("not a password").unwrap_or_default())
}

/// Splits `cps1_<token_id>_<secret>`.
pub fn parse_token(token: &str) -> Option<(&str, &str)> {
    let rest = token.trim().strip_prefix("cps1_")?;
    let (id, secret) = rest.split_once('_')?;
    (id.len() == 16 && secret.len() == 64).then_some((id, secret))
}

/// The server's tables.
#[derive(Debug, Clone)]
pub struct ServerDb {
    store: Store,
}

/// How long a console session lasts without signing in again.
pub const SESSION_SECONDS: i64 = 12 * 3600;

/// Longest user name accepted.
pub const MAX_NAME: usize = 64;

fn check_name(name: &str) -> Result<(), ServerError> {
    if name.is_empty()
        || name.len() > MAX_NAME
        || !name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_.@".contains(c))
    {
        return Err(ServerError::BadRequest(format!(
            "user name `{}`: 1-{MAX_NAME} characters of A-Z a-z 0-9 - _ . @",
            chokepoint_core::time::truncate(name, 80)
        )));
    }
    Ok(())
}

impl ServerDb {
    /// Opens the server's tables in `store`, applying migrations; scans left running by a
    /// previous process are marked `interrupted`.
    pub async fn open(store: Store) -> Result<ServerDb, ServerError> {
        store.migrate("server", MIGRATIONS).await?;
        sqlx::query(
            "UPDATE server_scans SET status = 'interrupted', finished = ?, error = 'the server stopped during the scan' WHERE status IN ('queued', 'running')",
        )
        .bind(now_rfc3339())
        .execute(store.pool())
        .await?;
        sqlx::query("DELETE FROM server_sessions WHERE expires_s < ?")
            .bind(now_s())
            .execute(store.pool())
            .await?;
        Ok(ServerDb { store })
    }

    pub fn store(&self) -> &Store {
        &self.store
    }

    fn pool(&self) -> &sqlx::SqlitePool {
        self.store.pool()
    }

    /// Adds a user, or replaces the password and role of an existing one when `replace`.
    pub async fn add_user(
        &self,
        name: &str,
        password: &str,
        role: Role,
        replace: bool,
    ) -> Result<User, ServerError> {
        check_name(name)?;
        if password.chars().count() < 10 {
            return Err(ServerError::BadRequest(
                "password: at least 10 characters".into(),
            ));
        }
        if password.len() > 1024 {
            return Err(ServerError::BadRequest(
                "password: at most 1024 bytes".into(),
            ));
        }
        let hash = hash_password(password)?;
        let existing = self.user_by_name(name).await?;
        match existing {
            Some(_) if !replace => {
                return Err(ServerError::Conflict(format!(
                    "user `{name}` exists (pass --replace to change its password and role)"
                )))
            }
            Some(u) => {
                sqlx::query("UPDATE server_users SET password_hash = ?, role = ? WHERE id = ?")
                    .bind(&hash)
                    .bind(role.as_str())
                    .bind(u.id)
                    .execute(self.pool())
                    .await?;
                // A new password ends the sessions signed in with the old one.
                sqlx::query("DELETE FROM server_sessions WHERE user_id = ?")
                    .bind(u.id)
                    .execute(self.pool())
                    .await?;
            }
            None => {
                sqlx::query(
                    "INSERT INTO server_users (name, password_hash, role, created) VALUES (?, ?, ?, ?)",
                )
                .bind(name)
                .bind(&hash)
                .bind(role.as_str())
                .bind(now_rfc3339())
                .execute(self.pool())
                .await?;
            }
        }
        self.user_by_name(name)
            .await?
            .ok_or_else(|| ServerError::Internal("user vanished after insert".into()))
    }

    pub async fn user_by_name(&self, name: &str) -> Result<Option<User>, ServerError> {
        let row = sqlx::query("SELECT id, name, role FROM server_users WHERE name = ?")
            .bind(name)
            .fetch_optional(self.pool())
            .await?;
        Ok(row.and_then(|r| user_of(&r)))
    }

    pub async fn users(&self) -> Result<Vec<User>, ServerError> {
        let rows = sqlx::query("SELECT id, name, role FROM server_users ORDER BY name")
            .fetch_all(self.pool())
            .await?;
        Ok(rows.iter().filter_map(user_of).collect())
    }

    /// Checks a name and password; `None` when either is wrong (the same time either way).
    pub async fn check_password(
        &self,
        name: &str,
        password: &str,
    ) -> Result<Option<User>, ServerError> {
        let row =
            sqlx::query("SELECT id, name, role, password_hash FROM server_users WHERE name = ?")
                .bind(name)
                .fetch_optional(self.pool())
                .await?;
        let (user, phc) = match &row {
            Some(r) => (user_of(r), r.get::<String, _>(3)),
            None => (None, dummy_hash().to_string()),
        };
        let password = password.to_string();
        // argon2 takes tens of milliseconds of CPU: keep it off the async workers.
        let ok = tokio::task::spawn_blocking(move || verify_password(&password, &phc))
            .await
            .unwrap_or(false);
        Ok(if ok { user } else { None })
    }

    /// Starts a session: returns (session id for the cookie, CSRF token).
    pub async fn create_session(&self, user: &User) -> Result<(String, String), ServerError> {
        let sid = random_hex(32)?;
        let csrf = random_hex(32)?;
        let now = now_s();
        sqlx::query(
            "INSERT INTO server_sessions (id_hash, user_id, csrf, created_s, expires_s) VALUES (?, ?, ?, ?, ?)",
        )
        .bind(secret_hash("session", &sid))
        .bind(user.id)
        .bind(&csrf)
        .bind(now)
        .bind(now + SESSION_SECONDS)
        .execute(self.pool())
        .await?;
        Ok((sid, csrf))
    }

    /// The user and CSRF token of a live session.
    pub async fn session(&self, sid: &str) -> Result<Option<(User, String)>, ServerError> {
        if sid.len() != 64 {
            return Ok(None);
        }
        let row = sqlx::query(
            "SELECT u.id, u.name, u.role, s.csrf FROM server_sessions s JOIN server_users u ON u.id = s.user_id
             WHERE s.id_hash = ? AND s.expires_s > ?",
        )
        .bind(secret_hash("session", sid))
        .bind(now_s())
        .fetch_optional(self.pool())
        .await?;
        Ok(row.and_then(|r| Some((user_of(&r)?, r.get::<String, _>(3)))))
    }

    pub async fn end_session(&self, sid: &str) -> Result<(), ServerError> {
        sqlx::query("DELETE FROM server_sessions WHERE id_hash = ?")
            .bind(secret_hash("session", sid))
            .execute(self.pool())
            .await?;
        Ok(())
    }

    /// Creates an API token for a user.
    pub async fn create_token(&self, user: &str, label: &str) -> Result<NewToken, ServerError> {
        let u = self
            .user_by_name(user)
            .await?
            .ok_or_else(|| ServerError::NotFound(format!("no user `{user}`")))?;
        let id = random_hex(8)?;
        let secret = random_hex(32)?;
        sqlx::query(
            "INSERT INTO server_tokens (token_id, user_id, secret_hash, label, created) VALUES (?, ?, ?, ?, ?)",
        )
        .bind(&id)
        .bind(u.id)
        .bind(secret_hash("token", &secret))
        .bind(chokepoint_core::time::truncate(label, 200))
        .bind(now_rfc3339())
        .execute(self.pool())
        .await?;
        Ok(NewToken {
            token: format!("cps1_{id}_{secret}"),
            token_id: id,
            user: u.name,
        })
    }

    pub async fn revoke_token(&self, token_id: &str) -> Result<(), ServerError> {
        let n = sqlx::query("UPDATE server_tokens SET revoked = 1 WHERE token_id = ?")
            .bind(token_id)
            .execute(self.pool())
            .await?
            .rows_affected();
        if n == 0 {
            return Err(ServerError::NotFound(format!("no token `{token_id}`")));
        }
        Ok(())
    }

    /// The user of a bearer token, when it is valid and not revoked.
    pub async fn authenticate_token(&self, token: &str) -> Result<Option<User>, ServerError> {
        let Some((id, secret)) = parse_token(token) else {
            return Ok(None);
        };
        let row = sqlx::query(
            "SELECT u.id, u.name, u.role, t.secret_hash FROM server_tokens t JOIN server_users u ON u.id = t.user_id
             WHERE t.token_id = ? AND t.revoked = 0",
        )
        .bind(id)
        .fetch_optional(self.pool())
        .await?;
        Ok(row.and_then(|r| {
            let stored: String = r.get(3);
            let given = secret_hash("token", secret);
            // Both are 64 hex characters; compare without an early exit.
            let same = stored.len() == given.len()
                && stored
                    .bytes()
                    .zip(given.bytes())
                    .fold(0u8, |acc, (a, b)| acc | (a ^ b))
                    == 0;
            if same {
                user_of(&r)
            } else {
                None
            }
        }))
    }

    pub async fn setting(&self, key: &str) -> Result<Option<String>, ServerError> {
        Ok(
            sqlx::query("SELECT value FROM server_settings WHERE key = ?")
                .bind(key)
                .fetch_optional(self.pool())
                .await?
                .map(|r| r.get(0)),
        )
    }

    pub async fn set_setting(&self, key: &str, value: &str) -> Result<(), ServerError> {
        sqlx::query(
            "INSERT INTO server_settings (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
        )
        .bind(key)
        .bind(value)
        .execute(self.pool())
        .await?;
        Ok(())
    }

    /// Records a new scan (status `queued`) and returns its id.
    pub async fn insert_scan(&self, input: &str, started_by: &str) -> Result<i64, ServerError> {
        let r = sqlx::query(
            "INSERT INTO server_scans (input, status, started, started_by) VALUES (?, 'queued', ?, ?)",
        )
        .bind(input)
        .bind(now_rfc3339())
        .bind(started_by)
        .execute(self.pool())
        .await?;
        Ok(r.last_insert_rowid())
    }

    pub async fn set_scan_status(&self, id: i64, status: &str) -> Result<(), ServerError> {
        sqlx::query("UPDATE server_scans SET status = ? WHERE id = ?")
            .bind(status)
            .bind(id)
            .execute(self.pool())
            .await?;
        Ok(())
    }

    pub async fn fail_scan(&self, id: i64, error: &str) -> Result<(), ServerError> {
        sqlx::query(
            "UPDATE server_scans SET status = 'failed', finished = ?, error = ? WHERE id = ?",
        )
        .bind(now_rfc3339())
        .bind(error)
        .bind(id)
        .execute(self.pool())
        .await?;
        Ok(())
    }

    /// Stores a finished scan's report and campaigns in one transaction.
    pub async fn finish_scan(
        &self,
        id: i64,
        stats: &str,
        report: &str,
        campaigns: &[NewCampaign],
    ) -> Result<(), ServerError> {
        let mut tx = self.pool().begin().await?;
        for (rank, c) in campaigns.iter().enumerate() {
            sqlx::query(
                "INSERT INTO server_campaigns (scan_id, campaign_id, rank, score, accounts, records, first_seen, last_seen, body, details, graph_svg, timeline_svg)
                 VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            )
            .bind(id)
            .bind(&c.campaign_id)
            .bind(rank as i64 + 1)
            .bind(c.score)
            .bind(c.accounts)
            .bind(c.records)
            .bind(&c.first_seen)
            .bind(&c.last_seen)
            .bind(&c.body)
            .bind(&c.details)
            .bind(&c.graph_svg)
            .bind(&c.timeline_svg)
            .execute(&mut *tx)
            .await?;
        }
        sqlx::query(
            "UPDATE server_scans SET status = 'done', finished = ?, stats = ?, report = ? WHERE id = ?",
        )
        .bind(now_rfc3339())
        .bind(stats)
        .bind(report)
        .bind(id)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(())
    }

    pub async fn scans(&self, limit: i64) -> Result<Vec<ScanRow>, ServerError> {
        let rows = sqlx::query(&format!(
            "SELECT {SCAN_COLUMNS} FROM server_scans ORDER BY id DESC LIMIT ?"
        ))
        .bind(limit)
        .fetch_all(self.pool())
        .await?;
        Ok(rows.iter().map(scan_of).collect())
    }

    pub async fn scan(&self, id: i64) -> Result<Option<ScanRow>, ServerError> {
        let row = sqlx::query(&format!(
            "SELECT {SCAN_COLUMNS} FROM server_scans WHERE id = ?"
        ))
        .bind(id)
        .fetch_optional(self.pool())
        .await?;
        Ok(row.as_ref().map(scan_of))
    }

    /// The stored report JSON of a finished scan.
    pub async fn report(&self, id: i64) -> Result<Option<String>, ServerError> {
        Ok(
            sqlx::query("SELECT report FROM server_scans WHERE id = ? AND status = 'done'")
                .bind(id)
                .fetch_optional(self.pool())
                .await?
                .and_then(|r| r.get::<Option<String>, _>(0)),
        )
    }

    /// The newest finished scan.
    pub async fn latest_done_scan(&self) -> Result<Option<i64>, ServerError> {
        Ok(
            sqlx::query("SELECT MAX(id) FROM server_scans WHERE status = 'done'")
                .fetch_one(self.pool())
                .await?
                .get::<Option<i64>, _>(0),
        )
    }

    /// Campaigns of a scan, best first.
    pub async fn campaigns(
        &self,
        scan_id: i64,
        limit: i64,
        offset: i64,
    ) -> Result<Vec<CampaignRow>, ServerError> {
        let rows = sqlx::query(
            "SELECT scan_id, campaign_id, rank, score, accounts, records, first_seen, last_seen FROM server_campaigns
             WHERE scan_id = ? ORDER BY rank LIMIT ? OFFSET ?",
        )
        .bind(scan_id)
        .bind(limit)
        .bind(offset)
        .fetch_all(self.pool())
        .await?;
        Ok(rows.iter().map(campaign_of).collect())
    }

    pub async fn campaign(
        &self,
        scan_id: i64,
        campaign_id: &str,
    ) -> Result<Option<CampaignFull>, ServerError> {
        let row = sqlx::query(
            "SELECT scan_id, campaign_id, rank, score, accounts, records, first_seen, last_seen, body, details, graph_svg, timeline_svg
             FROM server_campaigns WHERE scan_id = ? AND campaign_id = ?",
        )
        .bind(scan_id)
        .bind(campaign_id)
        .fetch_optional(self.pool())
        .await?;
        Ok(row.map(|r| CampaignFull {
            row: campaign_of(&r),
            body: serde_json::from_str(&r.get::<String, _>(8)).unwrap_or_default(),
            details: serde_json::from_str(&r.get::<String, _>(9)).unwrap_or_default(),
            graph_svg: r.get(10),
            timeline_svg: r.get(11),
        }))
    }

    pub async fn insert_export(
        &self,
        scan_id: i64,
        campaign_id: &str,
        created_by: &str,
        objects: i64,
        bundle: &str,
    ) -> Result<i64, ServerError> {
        let r = sqlx::query(
            "INSERT INTO server_exports (scan_id, campaign_id, created, created_by, objects, bundle) VALUES (?, ?, ?, ?, ?, ?)",
        )
        .bind(scan_id)
        .bind(campaign_id)
        .bind(now_rfc3339())
        .bind(created_by)
        .bind(objects)
        .bind(bundle)
        .execute(self.pool())
        .await?;
        Ok(r.last_insert_rowid())
    }

    pub async fn exports(&self, limit: i64) -> Result<Vec<ExportRow>, ServerError> {
        let rows = sqlx::query(
            "SELECT id, scan_id, campaign_id, created, created_by, objects FROM server_exports ORDER BY id DESC LIMIT ?",
        )
        .bind(limit)
        .fetch_all(self.pool())
        .await?;
        Ok(rows
            .iter()
            .map(|r| ExportRow {
                id: r.get(0),
                scan_id: r.get(1),
                campaign_id: r.get(2),
                created: r.get(3),
                created_by: r.get(4),
                objects: r.get(5),
            })
            .collect())
    }

    pub async fn export_bundle(&self, id: i64) -> Result<Option<(ExportRow, String)>, ServerError> {
        let row = sqlx::query(
            "SELECT id, scan_id, campaign_id, created, created_by, objects, bundle FROM server_exports WHERE id = ?",
        )
        .bind(id)
        .fetch_optional(self.pool())
        .await?;
        Ok(row.map(|r| {
            (
                ExportRow {
                    id: r.get(0),
                    scan_id: r.get(1),
                    campaign_id: r.get(2),
                    created: r.get(3),
                    created_by: r.get(4),
                    objects: r.get(5),
                },
                r.get(6),
            )
        }))
    }

    /// Counts for /metrics: users, live sessions, scans by status, campaigns.
    pub async fn counts(&self) -> Result<Vec<(String, i64)>, ServerError> {
        let mut out = Vec::new();
        let one = |sql: &'static str| sqlx::query(sql);
        out.push((
            "users".into(),
            one("SELECT COUNT(*) FROM server_users")
                .fetch_one(self.pool())
                .await?
                .get(0),
        ));
        out.push((
            "sessions".into(),
            sqlx::query("SELECT COUNT(*) FROM server_sessions WHERE expires_s > ?")
                .bind(now_s())
                .fetch_one(self.pool())
                .await?
                .get(0),
        ));
        out.push((
            "campaigns".into(),
            one("SELECT COUNT(*) FROM server_campaigns")
                .fetch_one(self.pool())
                .await?
                .get(0),
        ));
        for r in one("SELECT status, COUNT(*) FROM server_scans GROUP BY status")
            .fetch_all(self.pool())
            .await?
        {
            out.push((format!("scans_{}", r.get::<String, _>(0)), r.get(1)));
        }
        Ok(out)
    }
}

fn user_of(r: &sqlx::sqlite::SqliteRow) -> Option<User> {
    Some(User {
        id: r.get(0),
        name: r.get(1),
        role: Role::parse(&r.get::<String, _>(2))?,
    })
}

/// The columns [`scan_of`] reads, in its order.
const SCAN_COLUMNS: &str = "id, input, status, started, finished, error, started_by, stats";

fn scan_of(r: &sqlx::sqlite::SqliteRow) -> ScanRow {
    ScanRow {
        id: r.get(0),
        input: r.get(1),
        status: r.get(2),
        started: r.get(3),
        finished: r.get(4),
        error: r.get(5),
        started_by: r.get(6),
        stats: r
            .get::<Option<String>, _>(7)
            .and_then(|s| serde_json::from_str(&s).ok()),
    }
}

fn campaign_of(r: &sqlx::sqlite::SqliteRow) -> CampaignRow {
    CampaignRow {
        scan_id: r.get(0),
        campaign_id: r.get(1),
        rank: r.get(2),
        score: r.get(3),
        accounts: r.get(4),
        records: r.get(5),
        first_seen: r.get(6),
        last_seen: r.get(7),
    }
}
