//! The fleet registry in the embedded store: chips (id, public key, licensed site), landmarks,
//! signed measurements, the verdict history and alerts.
//!
//! A measurement is recorded only after every check passed (landmark known and its signature
//! valid, the chip's own signature valid, the chip known and signing with its registered key,
//! the landmark where the registry says it is, a plausible RTT, a counter above the last one
//! recorded): a rejected measurement leaves nothing behind except, for a key mismatch, an alert.
//!
//! Alerts: `inconsistent` (a verification found the declared site impossible; raised when an
//! episode starts), `unverified_persisting` (UNVERIFIED without a break for longer than the
//! configured window), `missed_checkin` (no measurement for longer than the check-in interval)
//! and `key_mismatch` (a chip answered with a key other than its registered one).

use crate::countries::CountryIndex;
use crate::csvin::check_rtt;
use crate::error::GeolocError;
use crate::keys::verifying_key_from_hex;
use crate::protocol::{check_id, SignedMeasurement};
use crate::solver::{assess, region_feature, Assessment, Bound, SolverConfig, Verdict};
use chokepoint_core::{GeoPoint, Place};
use chokepoint_store::{Migration, Store};
use serde::Serialize;
use sqlx::Row;
use std::collections::BTreeMap;
use std::time::Duration;

/// The module's tables.
pub const MIGRATIONS: &[Migration] = &[Migration {
    version: 1,
    description: "geoloc chips, landmarks, measurements, verifications, alerts",
    sql: "
CREATE TABLE geoloc_chips (
  chip_id TEXT PRIMARY KEY,
  public_key TEXT NOT NULL,
  site_lat REAL NOT NULL,
  site_lon REAL NOT NULL,
  site_name TEXT NOT NULL DEFAULT '',
  registered_at_us INTEGER NOT NULL
);
CREATE TABLE geoloc_landmarks (
  landmark_id TEXT PRIMARY KEY,
  public_key TEXT NOT NULL,
  lat REAL NOT NULL,
  lon REAL NOT NULL,
  registered_at_us INTEGER NOT NULL
);
CREATE TABLE geoloc_measurements (
  id INTEGER PRIMARY KEY,
  chip_id TEXT NOT NULL REFERENCES geoloc_chips(chip_id),
  landmark_id TEXT NOT NULL REFERENCES geoloc_landmarks(landmark_id),
  rtt_ms REAL NOT NULL,
  counter INTEGER NOT NULL,
  measured_at_us INTEGER NOT NULL,
  recorded_at_us INTEGER NOT NULL,
  signed TEXT NOT NULL,
  signature TEXT NOT NULL UNIQUE
);
CREATE INDEX geoloc_measurements_chip ON geoloc_measurements(chip_id, measured_at_us);
CREATE TABLE geoloc_verifications (
  id INTEGER PRIMARY KEY,
  chip_id TEXT NOT NULL REFERENCES geoloc_chips(chip_id),
  verified_at_us INTEGER NOT NULL,
  verdict TEXT NOT NULL CHECK (verdict IN ('VERIFIED','INCONSISTENT','UNVERIFIED')),
  reasons TEXT NOT NULL,
  countries TEXT NOT NULL,
  region TEXT NOT NULL
);
CREATE INDEX geoloc_verifications_chip ON geoloc_verifications(chip_id, verified_at_us);
CREATE TABLE geoloc_alerts (
  id INTEGER PRIMARY KEY,
  chip_id TEXT NOT NULL,
  kind TEXT NOT NULL CHECK (kind IN ('inconsistent','unverified_persisting','missed_checkin','key_mismatch')),
  message TEXT NOT NULL,
  raised_at_us INTEGER NOT NULL,
  verification_id INTEGER REFERENCES geoloc_verifications(id)
);
CREATE INDEX geoloc_alerts_chip ON geoloc_alerts(chip_id, kind, raised_at_us);
",
}];

/// Time windows of the verification policy.
#[derive(Debug, Clone)]
pub struct VerifyPolicy {
    /// Only measurements this recent count toward a verification.
    pub measurement_window: Duration,
    /// UNVERIFIED for longer than this raises `unverified_persisting`.
    pub unverified_alert_after: Duration,
    /// No measurement for longer than this raises `missed_checkin`.
    pub checkin_interval: Duration,
}

impl Default for VerifyPolicy {
    fn default() -> Self {
        VerifyPolicy {
            measurement_window: Duration::from_secs(24 * 3600),
            unverified_alert_after: Duration::from_secs(72 * 3600),
            checkin_interval: Duration::from_secs(24 * 3600),
        }
    }
}

/// A registered chip.
#[derive(Debug, Clone, Serialize)]
pub struct Chip {
    pub chip_id: String,
    pub public_key: String,
    pub site: GeoPoint,
    pub site_name: String,
}

/// One alert.
#[derive(Debug, Clone, Serialize)]
pub struct Alert {
    pub id: i64,
    pub chip_id: String,
    pub kind: String,
    pub message: String,
    pub raised_at: String,
}

/// One chip's line in the fleet status.
#[derive(Debug, Clone, Serialize)]
pub struct ChipStatus {
    pub chip_id: String,
    pub site: GeoPoint,
    pub site_name: String,
    pub last_verdict: Option<Verdict>,
    pub last_verified_at: Option<String>,
    pub last_measurement_at: Option<String>,
    pub alerts: i64,
}

/// The fleet at a glance.
#[derive(Debug, Clone, Serialize)]
pub struct FleetStatus {
    pub chips: Vec<ChipStatus>,
    pub landmarks: i64,
    pub measurements: i64,
    pub alerts: Vec<Alert>,
}

/// A verification and the alerts it raised.
#[derive(Debug, Clone, Serialize)]
pub struct ChipVerification {
    #[serde(flatten)]
    pub assessment: Assessment,
    pub verification_id: i64,
    pub alerts: Vec<Alert>,
}

/// The registry, over the shared store.
#[derive(Debug, Clone)]
pub struct Registry {
    store: Store,
}

fn fmt_us(us: i64) -> String {
    chrono::DateTime::from_timestamp_micros(us)
        .map(|t| chokepoint_core::time::format_rfc3339(&t))
        .unwrap_or_else(|| us.to_string())
}

/// A single-threaded async runtime for synchronous callers (the CLI) of the registry.
pub type Runtime = tokio::runtime::Runtime;

/// A single-threaded runtime (see above).
pub fn runtime() -> std::io::Result<Runtime> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
}

/// Opens the store at `path` and the registry in it.
pub async fn open_path(path: &std::path::Path) -> Result<Registry, GeolocError> {
    Registry::open(Store::open(path).await?).await
}

/// Current time in µs since the Unix epoch.
pub fn now_us() -> i64 {
    crate::protocol::now_us() as i64
}

fn point(lat: f64, lon: f64, what: &str) -> Result<GeoPoint, GeolocError> {
    GeoPoint::new(lat, lon).map_err(|m| GeolocError::invalid(Place::default().at_field(what), m))
}

impl Registry {
    /// Opens the registry, creating its tables when missing.
    pub async fn open(store: Store) -> Result<Registry, GeolocError> {
        store.migrate("geoloc", MIGRATIONS).await?;
        Ok(Registry { store })
    }

    /// Registers a chip with its public key (hex) and licensed site. Registering an existing
    /// chip again with the same key updates its site; with another key it is refused unless
    /// `replace_key` (a deliberate re-keying).
    pub async fn register_chip(
        &self,
        chip_id: &str,
        public_key_hex: &str,
        site: GeoPoint,
        site_name: &str,
        replace_key: bool,
    ) -> Result<(), GeolocError> {
        check_id(chip_id)
            .map_err(|m| GeolocError::invalid(Place::default().at_field("chip id"), m))?;
        verifying_key_from_hex(public_key_hex)
            .map_err(|m| GeolocError::invalid(Place::default().at_field("public key"), m))?;
        point(site.lat, site.lon, "site")?;
        if let Some(old) = self.chip(chip_id).await? {
            if old.public_key != public_key_hex && !replace_key {
                return Err(GeolocError::Rejected(format!(
                    "chip `{chip_id}` is registered with key {}; refusing key {public_key_hex} \
                     without --replace-key",
                    old.public_key
                )));
            }
        }
        sqlx::query(
            "INSERT INTO geoloc_chips (chip_id, public_key, site_lat, site_lon, site_name, registered_at_us)
             VALUES (?, ?, ?, ?, ?, ?)
             ON CONFLICT(chip_id) DO UPDATE SET public_key = excluded.public_key,
               site_lat = excluded.site_lat, site_lon = excluded.site_lon, site_name = excluded.site_name",
        )
        .bind(chip_id)
        .bind(public_key_hex)
        .bind(site.lat)
        .bind(site.lon)
        .bind(site_name)
        .bind(now_us())
        .execute(self.store.pool())
        .await?;
        Ok(())
    }

    /// Registers (or moves) a landmark with its public key (hex) and position.
    pub async fn register_landmark(
        &self,
        landmark_id: &str,
        public_key_hex: &str,
        position: GeoPoint,
    ) -> Result<(), GeolocError> {
        check_id(landmark_id)
            .map_err(|m| GeolocError::invalid(Place::default().at_field("landmark id"), m))?;
        verifying_key_from_hex(public_key_hex)
            .map_err(|m| GeolocError::invalid(Place::default().at_field("public key"), m))?;
        point(position.lat, position.lon, "position")?;
        sqlx::query(
            "INSERT INTO geoloc_landmarks (landmark_id, public_key, lat, lon, registered_at_us)
             VALUES (?, ?, ?, ?, ?)
             ON CONFLICT(landmark_id) DO UPDATE SET public_key = excluded.public_key,
               lat = excluded.lat, lon = excluded.lon",
        )
        .bind(landmark_id)
        .bind(public_key_hex)
        .bind(position.lat)
        .bind(position.lon)
        .bind(now_us())
        .execute(self.store.pool())
        .await?;
        Ok(())
    }

    pub async fn chip(&self, chip_id: &str) -> Result<Option<Chip>, GeolocError> {
        let row = sqlx::query(
            "SELECT chip_id, public_key, site_lat, site_lon, site_name FROM geoloc_chips WHERE chip_id = ?",
        )
        .bind(chip_id)
        .fetch_optional(self.store.pool())
        .await?;
        Ok(row.map(|r| Chip {
            chip_id: r.get(0),
            public_key: r.get(1),
            site: GeoPoint {
                lat: r.get(2),
                lon: r.get(3),
            },
            site_name: r.get(4),
        }))
    }

    /// The registered key of a chip, as bytes (for the landmark's key check).
    pub async fn chip_key(&self, chip_id: &str) -> Result<Option<[u8; 32]>, GeolocError> {
        Ok(self.chip(chip_id).await?.and_then(|c| {
            let mut b = [0u8; 32];
            hex::decode_to_slice(&c.public_key, &mut b).ok().map(|_| b)
        }))
    }

    /// All registered chips' keys.
    pub async fn chip_keys(&self) -> Result<BTreeMap<String, [u8; 32]>, GeolocError> {
        let rows = sqlx::query("SELECT chip_id, public_key FROM geoloc_chips")
            .fetch_all(self.store.pool())
            .await?;
        Ok(rows
            .into_iter()
            .filter_map(|r| {
                let mut b = [0u8; 32];
                let k: String = r.get(1);
                hex::decode_to_slice(&k, &mut b).ok().map(|_| (r.get(0), b))
            })
            .collect())
    }

    /// The highest counter recorded for each chip from this landmark (seeds its replay check).
    pub async fn last_counters(
        &self,
        landmark_id: &str,
    ) -> Result<BTreeMap<String, u64>, GeolocError> {
        let rows = sqlx::query(
            "SELECT chip_id, MAX(counter) FROM geoloc_measurements WHERE landmark_id = ? GROUP BY chip_id",
        )
        .bind(landmark_id)
        .fetch_all(self.store.pool())
        .await?;
        Ok(rows
            .into_iter()
            .map(|r| (r.get::<String, _>(0), r.get::<i64, _>(1) as u64))
            .collect())
    }

    async fn raise(
        &self,
        chip_id: &str,
        kind: &str,
        message: &str,
        at_us: i64,
        verification_id: Option<i64>,
    ) -> Result<Alert, GeolocError> {
        let id = sqlx::query(
            "INSERT INTO geoloc_alerts (chip_id, kind, message, raised_at_us, verification_id) VALUES (?, ?, ?, ?, ?)",
        )
        .bind(chip_id)
        .bind(kind)
        .bind(message)
        .bind(at_us)
        .bind(verification_id)
        .execute(self.store.pool())
        .await?
        .last_insert_rowid();
        tracing::warn!(chip = chip_id, kind, "alert: {message}");
        Ok(Alert {
            id,
            chip_id: chip_id.to_string(),
            kind: kind.to_string(),
            message: message.to_string(),
            raised_at: fmt_us(at_us),
        })
    }

    /// Records a key-mismatch event seen by a landmark (the measurement itself is not kept).
    pub async fn report_key_mismatch(
        &self,
        chip_id: &str,
        landmark_id: &str,
        shown_key: &str,
    ) -> Result<Alert, GeolocError> {
        let want = self
            .chip(chip_id)
            .await?
            .map(|c| c.public_key)
            .unwrap_or_else(|| "(unregistered)".into());
        self.raise(
            chip_id,
            "key_mismatch",
            &format!(
                "landmark {landmark_id}: chip {chip_id} answered with key {shown_key}, registered key is {want}"
            ),
            now_us(),
            None,
        )
        .await
    }

    /// Checks and records one signed measurement; returns its row id. Nothing is written when a
    /// check fails, except a `key_mismatch` alert.
    pub async fn record_measurement(&self, m: &SignedMeasurement) -> Result<i64, GeolocError> {
        let reject = |msg: String| {
            GeolocError::Rejected(format!(
                "measurement of chip `{}` by landmark `{}` rejected: {msg}",
                m.chip_id, m.landmark_id
            ))
        };
        let lm =
            sqlx::query("SELECT public_key, lat, lon FROM geoloc_landmarks WHERE landmark_id = ?")
                .bind(&m.landmark_id)
                .fetch_optional(self.store.pool())
                .await?
                .ok_or_else(|| reject("unknown landmark (register it first)".into()))?;
        let lm_key: String = lm.get(0);
        let key = verifying_key_from_hex(&lm_key).map_err(reject)?;
        m.verify(&key).map_err(reject)?;
        let (lat, lon): (f64, f64) = (lm.get(1), lm.get(2));
        if (lat - m.landmark_lat).abs() > 1e-6 || (lon - m.landmark_lon).abs() > 1e-6 {
            return Err(reject(format!(
                "landmark reports position ({}, {}), registry has ({lat}, {lon})",
                m.landmark_lat, m.landmark_lon
            )));
        }
        let chip = self
            .chip(&m.chip_id)
            .await?
            .ok_or_else(|| reject("unknown chip (register it first)".into()))?;
        if chip.public_key != m.chip_key {
            self.report_key_mismatch(&m.chip_id, &m.landmark_id, &m.chip_key)
                .await?;
            return Err(reject(format!(
                "chip signed with key {}, registered key is {}",
                m.chip_key, chip.public_key
            )));
        }
        check_rtt(m.rtt_ms).map_err(reject)?;
        let last = self
            .last_counters(&m.landmark_id)
            .await?
            .get(&m.chip_id)
            .copied()
            .unwrap_or(0);
        if m.counter <= last {
            return Err(reject(format!(
                "replay: counter {} is not above the last recorded {last}",
                m.counter
            )));
        }
        let signed = serde_json::to_string(m).map_err(|e| reject(e.to_string()))?;
        let res = sqlx::query(
            "INSERT INTO geoloc_measurements (chip_id, landmark_id, rtt_ms, counter, measured_at_us, recorded_at_us, signed, signature)
             VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        )
        .bind(&m.chip_id)
        .bind(&m.landmark_id)
        .bind(m.rtt_ms)
        .bind(m.counter as i64)
        .bind(m.measured_at_us as i64)
        .bind(now_us())
        .bind(signed)
        .bind(&m.signature)
        .execute(self.store.pool())
        .await;
        match res {
            Ok(r) => Ok(r.last_insert_rowid()),
            Err(sqlx::Error::Database(e)) if e.message().contains("UNIQUE") => {
                Err(reject("already recorded (replayed measurement)".into()))
            }
            Err(e) => Err(e.into()),
        }
    }

    /// Records a JSON-lines file of signed measurements; every line is checked on its own. Returns
    /// how many were recorded and, for each rejected line, an error naming file and line.
    pub async fn import_measurements(
        &self,
        text: &str,
        path: &std::path::Path,
    ) -> Result<(usize, Vec<String>), GeolocError> {
        let mut recorded = 0;
        let mut rejected = Vec::new();
        for (i, line) in text.lines().enumerate() {
            if line.trim().is_empty() {
                continue;
            }
            let place = Place::file(path).at_line(i as u64 + 1);
            match serde_json::from_str::<SignedMeasurement>(line) {
                Ok(m) => match self.record_measurement(&m).await {
                    Ok(_) => recorded += 1,
                    Err(GeolocError::Sql(e)) => return Err(GeolocError::Sql(e)),
                    Err(e) => rejected.push(format!("{place}: {e}")),
                },
                Err(e) => rejected.push(format!(
                    "{}: not a signed measurement: {e}",
                    place.at_field(format!("column {}", e.column()))
                )),
            }
        }
        Ok((recorded, rejected))
    }

    async fn bounds(&self, chip_id: &str, since_us: i64) -> Result<Vec<Bound>, GeolocError> {
        let rows = sqlx::query(
            "SELECT m.landmark_id, l.lat, l.lon, MIN(m.rtt_ms) FROM geoloc_measurements m
             JOIN geoloc_landmarks l ON l.landmark_id = m.landmark_id
             WHERE m.chip_id = ? AND m.measured_at_us >= ? GROUP BY m.landmark_id, l.lat, l.lon
             ORDER BY m.landmark_id",
        )
        .bind(chip_id)
        .bind(since_us)
        .fetch_all(self.store.pool())
        .await?;
        Ok(rows
            .into_iter()
            .map(|r| Bound {
                landmark_id: r.get(0),
                landmark: GeoPoint {
                    lat: r.get(1),
                    lon: r.get(2),
                },
                rtt_ms: r.get(3),
            })
            .collect())
    }

    /// Verifies one chip at time `now_us`: solves its recent measurements against its licensed
    /// site, records the verdict and raises the alerts it calls for.
    pub async fn verify_chip(
        &self,
        chip_id: &str,
        now_us: i64,
        policy: &VerifyPolicy,
        cfg: &SolverConfig,
    ) -> Result<ChipVerification, GeolocError> {
        let chip = self
            .chip(chip_id)
            .await?
            .ok_or_else(|| GeolocError::NotFound(format!("no chip `{chip_id}` in the registry")))?;
        let window = policy.measurement_window.as_micros() as i64;
        let bounds = self.bounds(chip_id, now_us - window).await?;
        let a = assess(chip_id, chip.site, &bounds, cfg, CountryIndex::bundled());
        let prev: Option<String> = sqlx::query(
            "SELECT verdict FROM geoloc_verifications WHERE chip_id = ? ORDER BY verified_at_us DESC, id DESC LIMIT 1",
        )
        .bind(chip_id)
        .fetch_optional(self.store.pool())
        .await?
        .map(|r| r.get(0));
        let region = region_feature(&a);
        let vid = sqlx::query(
            "INSERT INTO geoloc_verifications (chip_id, verified_at_us, verdict, reasons, countries, region)
             VALUES (?, ?, ?, ?, ?, ?)",
        )
        .bind(chip_id)
        .bind(now_us)
        .bind(a.verdict.as_str())
        .bind(serde_json::to_string(&a.reasons).unwrap_or_default())
        .bind(serde_json::to_string(&a.countries).unwrap_or_default())
        .bind(region.to_string())
        .execute(self.store.pool())
        .await?
        .last_insert_rowid();
        let mut alerts = Vec::new();

        if a.verdict == Verdict::Inconsistent && prev.as_deref() != Some("INCONSISTENT") {
            let msg = format!(
                "chip {chip_id} is not at its licensed site {}: {}",
                if chip.site_name.is_empty() {
                    format!("({}, {})", chip.site.lat, chip.site.lon)
                } else {
                    chip.site_name.clone()
                },
                a.reasons.first().cloned().unwrap_or_default()
            );
            alerts.push(
                self.raise(chip_id, "inconsistent", &msg, now_us, Some(vid))
                    .await?,
            );
        }

        if a.verdict == Verdict::Unverified {
            // Start of the current UNVERIFIED streak.
            let last_other: Option<i64> = sqlx::query(
                "SELECT MAX(verified_at_us) FROM geoloc_verifications WHERE chip_id = ? AND verdict != 'UNVERIFIED'",
            )
            .bind(chip_id)
            .fetch_one(self.store.pool())
            .await?
            .get(0);
            let start: i64 = sqlx::query(
                "SELECT MIN(verified_at_us) FROM geoloc_verifications WHERE chip_id = ? AND verdict = 'UNVERIFIED' AND verified_at_us > ?",
            )
            .bind(chip_id)
            .bind(last_other.unwrap_or(i64::MIN))
            .fetch_one(self.store.pool())
            .await?
            .get::<Option<i64>, _>(0)
            .unwrap_or(now_us);
            let limit = policy.unverified_alert_after.as_micros() as i64;
            if now_us - start >= limit
                && !self
                    .alert_since(chip_id, "unverified_persisting", start)
                    .await?
            {
                let msg = format!(
                    "chip {chip_id} has been UNVERIFIED since {} ({:.1} h, limit {:.1} h): {}",
                    fmt_us(start),
                    (now_us - start) as f64 / 3.6e9,
                    limit as f64 / 3.6e9,
                    a.reasons.last().cloned().unwrap_or_default()
                );
                alerts.push(
                    self.raise(chip_id, "unverified_persisting", &msg, now_us, Some(vid))
                        .await?,
                );
            }
        }

        let last_seen: Option<i64> =
            sqlx::query("SELECT MAX(measured_at_us) FROM geoloc_measurements WHERE chip_id = ?")
                .bind(chip_id)
                .fetch_one(self.store.pool())
                .await?
                .get(0);
        let registered: i64 =
            sqlx::query("SELECT registered_at_us FROM geoloc_chips WHERE chip_id = ?")
                .bind(chip_id)
                .fetch_one(self.store.pool())
                .await?
                .get(0);
        let since = last_seen.unwrap_or(registered);
        let interval = policy.checkin_interval.as_micros() as i64;
        if now_us - since > interval && !self.alert_since(chip_id, "missed_checkin", since).await? {
            let msg = match last_seen {
                Some(t) => format!(
                    "chip {chip_id} has not answered a landmark since {} ({:.1} h, interval {:.1} h)",
                    fmt_us(t),
                    (now_us - t) as f64 / 3.6e9,
                    interval as f64 / 3.6e9
                ),
                None => format!(
                    "chip {chip_id} has never answered a landmark since its registration at {}",
                    fmt_us(registered)
                ),
            };
            alerts.push(
                self.raise(chip_id, "missed_checkin", &msg, now_us, Some(vid))
                    .await?,
            );
        }
        Ok(ChipVerification {
            assessment: a,
            verification_id: vid,
            alerts,
        })
    }

    async fn alert_since(
        &self,
        chip_id: &str,
        kind: &str,
        since_us: i64,
    ) -> Result<bool, GeolocError> {
        let n: i64 = sqlx::query(
            "SELECT COUNT(*) FROM geoloc_alerts WHERE chip_id = ? AND kind = ? AND raised_at_us >= ?",
        )
        .bind(chip_id)
        .bind(kind)
        .bind(since_us)
        .fetch_one(self.store.pool())
        .await?
        .get(0);
        Ok(n > 0)
    }

    /// Verifies every registered chip.
    pub async fn verify_all(
        &self,
        now_us: i64,
        policy: &VerifyPolicy,
        cfg: &SolverConfig,
        progress: &dyn chokepoint_core::Progress,
    ) -> Result<Vec<ChipVerification>, GeolocError> {
        let ids: Vec<String> = sqlx::query("SELECT chip_id FROM geoloc_chips ORDER BY chip_id")
            .fetch_all(self.store.pool())
            .await?
            .into_iter()
            .map(|r| r.get(0))
            .collect();
        progress.start("verifying", Some(ids.len() as u64), "chips");
        let mut out = Vec::with_capacity(ids.len());
        for id in ids {
            out.push(self.verify_chip(&id, now_us, policy, cfg).await?);
            progress.advance(1);
        }
        progress.finish();
        Ok(out)
    }

    /// Alerts, newest first (at most `limit`).
    pub async fn alerts(&self, limit: i64) -> Result<Vec<Alert>, GeolocError> {
        let rows = sqlx::query(
            "SELECT id, chip_id, kind, message, raised_at_us FROM geoloc_alerts ORDER BY raised_at_us DESC, id DESC LIMIT ?",
        )
        .bind(limit)
        .fetch_all(self.store.pool())
        .await?;
        Ok(rows
            .into_iter()
            .map(|r| Alert {
                id: r.get(0),
                chip_id: r.get(1),
                kind: r.get(2),
                message: r.get(3),
                raised_at: fmt_us(r.get(4)),
            })
            .collect())
    }

    /// Every chip with its last verdict, plus the latest alerts.
    pub async fn status(&self) -> Result<FleetStatus, GeolocError> {
        let rows = sqlx::query(
            "SELECT c.chip_id, c.site_lat, c.site_lon, c.site_name,
               (SELECT verdict FROM geoloc_verifications v WHERE v.chip_id = c.chip_id ORDER BY verified_at_us DESC, id DESC LIMIT 1),
               (SELECT MAX(verified_at_us) FROM geoloc_verifications v WHERE v.chip_id = c.chip_id),
               (SELECT MAX(measured_at_us) FROM geoloc_measurements m WHERE m.chip_id = c.chip_id),
               (SELECT COUNT(*) FROM geoloc_alerts a WHERE a.chip_id = c.chip_id)
             FROM geoloc_chips c ORDER BY c.chip_id",
        )
        .fetch_all(self.store.pool())
        .await?;
        let chips = rows
            .into_iter()
            .map(|r| ChipStatus {
                chip_id: r.get(0),
                site: GeoPoint {
                    lat: r.get(1),
                    lon: r.get(2),
                },
                site_name: r.get(3),
                last_verdict: r
                    .get::<Option<String>, _>(4)
                    .and_then(|s| Verdict::parse(&s)),
                last_verified_at: r.get::<Option<i64>, _>(5).map(fmt_us),
                last_measurement_at: r.get::<Option<i64>, _>(6).map(fmt_us),
                alerts: r.get(7),
            })
            .collect();
        let count = |sql: &'static str| async move {
            sqlx::query(sql)
                .fetch_one(self.store.pool())
                .await
                .map(|r| r.get::<i64, _>(0))
        };
        Ok(FleetStatus {
            chips,
            landmarks: count("SELECT COUNT(*) FROM geoloc_landmarks").await?,
            measurements: count("SELECT COUNT(*) FROM geoloc_measurements").await?,
            alerts: self.alerts(50).await?,
        })
    }

    /// The GeoJSON Feature of a chip's latest verification (its feasible region).
    pub async fn latest_region(
        &self,
        chip_id: &str,
    ) -> Result<Option<serde_json::Value>, GeolocError> {
        let row = sqlx::query(
            "SELECT region FROM geoloc_verifications WHERE chip_id = ? ORDER BY verified_at_us DESC, id DESC LIMIT 1",
        )
        .bind(chip_id)
        .fetch_optional(self.store.pool())
        .await?;
        Ok(row.and_then(|r| serde_json::from_str(&r.get::<String, _>(0)).ok()))
    }

    /// Verdict history of a chip, newest first.
    pub async fn history(
        &self,
        chip_id: &str,
        limit: i64,
    ) -> Result<Vec<(String, Verdict)>, GeolocError> {
        let rows = sqlx::query(
            "SELECT verified_at_us, verdict FROM geoloc_verifications WHERE chip_id = ? ORDER BY verified_at_us DESC, id DESC LIMIT ?",
        )
        .bind(chip_id)
        .bind(limit)
        .fetch_all(self.store.pool())
        .await?;
        Ok(rows
            .into_iter()
            .filter_map(|r| Some((fmt_us(r.get(0)), Verdict::parse(&r.get::<String, _>(1))?)))
            .collect())
    }
}
