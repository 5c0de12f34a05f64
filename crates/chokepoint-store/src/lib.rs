//! The embedded database: one SQLite file (WAL mode) shared by every module that keeps state.
//!
//! Each module owns its tables and brings its own ordered [`Migration`]s; [`Store::migrate`]
//! applies the ones not yet applied, recording them per module in `schema_migrations`. Access
//! goes through sqlx so that a PostgreSQL backend can follow without changing the modules'
//! call sites. `synchronous=FULL` makes every committed transaction durable, so a write that a
//! server acknowledged survives `kill -9` and power loss alike.

use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous,
};
use sqlx::Row;
use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::time::Duration;

/// One schema change of one module. Versions of a module start at 1 and only grow.
#[derive(Debug, Clone, Copy)]
pub struct Migration {
    pub version: i64,
    pub description: &'static str,
    /// One or more SQL statements, applied in one transaction.
    pub sql: &'static str,
}

/// Errors of the store.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("database {path}: {source}")]
    Open { path: PathBuf, source: sqlx::Error },
    #[error("migration {module} v{version} ({description}): {source}")]
    Migration {
        module: String,
        version: i64,
        description: String,
        source: sqlx::Error,
    },
    #[error("migrations of {module} must have increasing versions starting at 1 (found v{found} after v{after})")]
    MigrationOrder {
        module: String,
        found: i64,
        after: i64,
    },
    #[error(transparent)]
    Sql(#[from] sqlx::Error),
}

/// A handle on the embedded database. Cheap to clone (a connection pool inside).
#[derive(Debug, Clone)]
pub struct Store {
    pool: SqlitePool,
}

impl Store {
    /// Opens (creating when missing) the database file at `path`, in WAL mode.
    pub async fn open(path: &Path) -> Result<Store, StoreError> {
        let opts = SqliteConnectOptions::new()
            .filename(path)
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Full)
            .foreign_keys(true)
            .busy_timeout(Duration::from_secs(10));
        let pool = SqlitePoolOptions::new()
            .max_connections(8)
            .connect_with(opts)
            .await
            .map_err(|source| StoreError::Open {
                path: path.to_path_buf(),
                source,
            })?;
        Self::init(pool).await
    }

    /// A private in-memory database (one connection, so every query sees the same data).
    pub async fn open_in_memory() -> Result<Store, StoreError> {
        let opts = SqliteConnectOptions::from_str("sqlite::memory:")?.foreign_keys(true);
        let pool = SqlitePoolOptions::new()
            .max_connections(1)
            .connect_with(opts)
            .await?;
        Self::init(pool).await
    }

    async fn init(pool: SqlitePool) -> Result<Store, StoreError> {
        sqlx::query(
            "CREATE TABLE IF NOT EXISTS schema_migrations (
                module TEXT NOT NULL, version INTEGER NOT NULL, description TEXT NOT NULL,
                applied_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')),
                PRIMARY KEY (module, version))",
        )
        .execute(&pool)
        .await?;
        Ok(Store { pool })
    }

    /// The connection pool, for the module's own queries.
    pub fn pool(&self) -> &SqlitePool {
        &self.pool
    }

    /// Applies `module`'s migrations that are not yet recorded, each in its own transaction.
    /// Returns how many were applied.
    pub async fn migrate(
        &self,
        module: &str,
        migrations: &[Migration],
    ) -> Result<usize, StoreError> {
        let mut last = 0;
        for m in migrations {
            if m.version != last + 1 {
                return Err(StoreError::MigrationOrder {
                    module: module.into(),
                    found: m.version,
                    after: last,
                });
            }
            last = m.version;
        }
        let current: i64 =
            sqlx::query("SELECT COALESCE(MAX(version), 0) FROM schema_migrations WHERE module = ?")
                .bind(module)
                .fetch_one(&self.pool)
                .await?
                .get(0);
        let mut applied = 0;
        for m in migrations.iter().filter(|m| m.version > current) {
            let err = |source| StoreError::Migration {
                module: module.into(),
                version: m.version,
                description: m.description.into(),
                source,
            };
            let mut tx = self.pool.begin().await.map_err(err)?;
            sqlx::raw_sql(m.sql).execute(&mut *tx).await.map_err(err)?;
            sqlx::query(
                "INSERT INTO schema_migrations (module, version, description) VALUES (?, ?, ?)",
            )
            .bind(module)
            .bind(m.version)
            .bind(m.description)
            .execute(&mut *tx)
            .await
            .map_err(err)?;
            tx.commit().await.map_err(err)?;
            tracing::debug!(module, version = m.version, "applied migration");
            applied += 1;
        }
        Ok(applied)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const M: &[Migration] = &[
        Migration {
            version: 1,
            description: "t",
            sql: "CREATE TABLE t (x INTEGER)",
        },
        Migration {
            version: 2,
            description: "u",
            sql: "CREATE TABLE u (y TEXT); INSERT INTO u VALUES ('a')",
        },
    ];

    #[tokio::test]
    async fn migrations_apply_once_and_persist() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("c.db");
        let s = Store::open(&path).await.unwrap();
        assert_eq!(s.migrate("m", M).await.unwrap(), 2);
        assert_eq!(s.migrate("m", M).await.unwrap(), 0);
        drop(s);
        let s = Store::open(&path).await.unwrap();
        assert_eq!(s.migrate("m", M).await.unwrap(), 0);
        let n: i64 = sqlx::query("SELECT COUNT(*) FROM u")
            .fetch_one(s.pool())
            .await
            .unwrap()
            .get(0);
        assert_eq!(n, 1);
        let mode: String = sqlx::query("PRAGMA journal_mode")
            .fetch_one(s.pool())
            .await
            .unwrap()
            .get(0);
        assert_eq!(mode, "wal");
    }

    #[tokio::test]
    async fn rejects_out_of_order_and_rolls_back_failed() {
        let s = Store::open_in_memory().await.unwrap();
        let bad = [Migration {
            version: 2,
            description: "x",
            sql: "",
        }];
        assert!(matches!(
            s.migrate("m", &bad).await,
            Err(StoreError::MigrationOrder { .. })
        ));
        let failing = [Migration {
            version: 1,
            description: "bad",
            sql: "CREATE TABLE v (a); NOT SQL",
        }];
        assert!(s.migrate("m", &failing).await.is_err());
        let exists: i64 = sqlx::query("SELECT COUNT(*) FROM sqlite_master WHERE name='v'")
            .fetch_one(s.pool())
            .await
            .unwrap()
            .get(0);
        assert_eq!(exists, 0, "a failed migration leaves nothing behind");
    }
}
