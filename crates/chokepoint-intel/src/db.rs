//! The TAXII server's state in the embedded database: organisations, their API keys (hashed),
//! collections, per-collection grants, objects and status resources.
//!
//! Objects are append-only rows numbered by `seq`; `date_added` grows strictly with `seq`, so a
//! page cursor (`next` = the last `seq` returned) stays correct while objects are being added.
//! Every POST is one transaction (objects + status), committed with `synchronous=FULL` before
//! the server answers, so an acknowledged object survives `kill -9`.

use crate::keyed::hex;
use crate::IntelError;
use chokepoint_store::{Migration, Store};
use sqlx::Row;

/// This module's tables.
pub const MIGRATIONS: &[Migration] = &[
    Migration {
        version: 1,
        description: "organisations, api keys, collections, grants, objects, status",
        sql: "
CREATE TABLE intel_orgs (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    created TEXT NOT NULL
);
CREATE TABLE intel_keys (
    key_id TEXT PRIMARY KEY,
    org_id INTEGER NOT NULL REFERENCES intel_orgs(id),
    secret_hash TEXT NOT NULL,
    created TEXT NOT NULL,
    revoked INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE intel_collections (
    id TEXT PRIMARY KEY,
    title TEXT NOT NULL,
    description TEXT,
    created TEXT NOT NULL
);
CREATE TABLE intel_grants (
    org_id INTEGER NOT NULL REFERENCES intel_orgs(id),
    collection_id TEXT NOT NULL REFERENCES intel_collections(id),
    can_read INTEGER NOT NULL,
    can_write INTEGER NOT NULL,
    PRIMARY KEY (org_id, collection_id)
);
CREATE TABLE intel_objects (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    collection_id TEXT NOT NULL REFERENCES intel_collections(id),
    object_id TEXT NOT NULL,
    object_type TEXT NOT NULL,
    version TEXT NOT NULL,
    version_raw TEXT NOT NULL,
    spec_version TEXT NOT NULL,
    date_added TEXT NOT NULL,
    owner_org INTEGER NOT NULL REFERENCES intel_orgs(id),
    tlp_red INTEGER NOT NULL,
    body TEXT NOT NULL,
    UNIQUE (collection_id, object_id, version)
);
CREATE INDEX intel_objects_by_type ON intel_objects (collection_id, object_type, seq);
CREATE TABLE intel_status (
    id TEXT PRIMARY KEY,
    org_id INTEGER NOT NULL REFERENCES intel_orgs(id),
    collection_id TEXT NOT NULL,
    body TEXT NOT NULL
);
",
    },
    Migration {
        version: 2,
        description: "page objects in seq order without sorting the collection",
        sql: "
DROP INDEX intel_objects_by_type;
CREATE INDEX intel_objects_by_seq ON intel_objects (collection_id, seq);
",
    },
];

/// An organisation that holds API keys.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Org {
    pub id: i64,
    pub name: String,
}

/// A collection and what one organisation may do with it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct CollectionAccess {
    pub id: String,
    pub title: String,
    pub description: Option<String>,
    pub can_read: bool,
    pub can_write: bool,
}

/// A freshly created API key. `secret` is shown once and never stored.
#[derive(Debug, Clone, serde::Serialize)]
pub struct NewApiKey {
    pub key_id: String,
    pub org: String,
    /// The whole token to give to the client: `cpk1_<key_id>_<secret>`.
    pub token: String,
}

/// The intel tables of the embedded database.
#[derive(Debug, Clone)]
pub struct IntelDb {
    store: Store,
}

fn now() -> String {
    crate::stix::format_timestamp(&chrono::Utc::now())
}

fn secret_hash(secret: &str) -> String {
    let k = blake3::derive_key("chokepoint intel v1 api key secret", b"");
    blake3::keyed_hash(&k, secret.as_bytes())
        .to_hex()
        .to_string()
}

/// Splits `cpk1_<key_id>_<secret>`.
pub fn parse_token(token: &str) -> Option<(&str, &str)> {
    let rest = token.trim().strip_prefix("cpk1_")?;
    let (id, secret) = rest.split_once('_')?;
    (id.len() == 16 && !secret.is_empty()).then_some((id, secret))
}

impl IntelDb {
    /// Opens the intel tables (applying migrations) in `store`.
    pub async fn open(store: Store) -> Result<IntelDb, IntelError> {
        store.migrate("intel", MIGRATIONS).await?;
        Ok(IntelDb { store })
    }

    /// The connection pool.
    pub fn pool(&self) -> &sqlx::SqlitePool {
        self.store.pool()
    }

    /// Adds an organisation; its name must be new.
    pub async fn add_org(&self, name: &str) -> Result<Org, IntelError> {
        let name = name.trim();
        if name.is_empty() || name.len() > 200 {
            return Err(IntelError::Conflict(
                "an organisation name must be 1–200 characters".into(),
            ));
        }
        let r = sqlx::query(
            "INSERT INTO intel_orgs (name, created) VALUES (?, ?) ON CONFLICT(name) DO NOTHING",
        )
        .bind(name)
        .bind(now())
        .execute(self.pool())
        .await?;
        if r.rows_affected() == 0 {
            return Err(IntelError::Conflict(format!(
                "organisation `{name}` already exists"
            )));
        }
        self.org(name).await
    }

    /// The organisation called `name`.
    pub async fn org(&self, name: &str) -> Result<Org, IntelError> {
        let row = sqlx::query("SELECT id, name FROM intel_orgs WHERE name = ?")
            .bind(name.trim())
            .fetch_optional(self.pool())
            .await?
            .ok_or_else(|| {
                IntelError::NotFound(format!(
                    "no organisation `{}` (add it with `chokepoint intel org add`)",
                    name.trim()
                ))
            })?;
        Ok(Org {
            id: row.get(0),
            name: row.get(1),
        })
    }

    /// All organisations.
    pub async fn orgs(&self) -> Result<Vec<Org>, IntelError> {
        Ok(sqlx::query("SELECT id, name FROM intel_orgs ORDER BY name")
            .fetch_all(self.pool())
            .await?
            .iter()
            .map(|r| Org {
                id: r.get(0),
                name: r.get(1),
            })
            .collect())
    }

    /// Creates an API key for `org`. Only a hash of its secret is stored.
    pub async fn create_key(&self, org: &str) -> Result<NewApiKey, IntelError> {
        let o = self.org(org).await?;
        let mut raw = [0u8; 40];
        rand::Rng::fill(&mut rand::rng(), &mut raw[..]);
        let key_id = hex(&raw[..8]);
        let secret = hex(&raw[8..]);
        sqlx::query(
            "INSERT INTO intel_keys (key_id, org_id, secret_hash, created) VALUES (?, ?, ?, ?)",
        )
        .bind(&key_id)
        .bind(o.id)
        .bind(secret_hash(&secret))
        .bind(now())
        .execute(self.pool())
        .await?;
        Ok(NewApiKey {
            token: format!("cpk1_{key_id}_{secret}"),
            key_id,
            org: o.name,
        })
    }

    /// Revokes a key by its id.
    pub async fn revoke_key(&self, key_id: &str) -> Result<(), IntelError> {
        let r = sqlx::query("UPDATE intel_keys SET revoked = 1 WHERE key_id = ?")
            .bind(key_id)
            .execute(self.pool())
            .await?;
        if r.rows_affected() == 0 {
            return Err(IntelError::NotFound(format!("no API key `{key_id}`")));
        }
        Ok(())
    }

    /// The organisation an API token belongs to, when the token is valid and not revoked.
    pub async fn authenticate(&self, token: &str) -> Result<Option<Org>, IntelError> {
        let Some((key_id, secret)) = parse_token(token) else {
            return Ok(None);
        };
        let row = sqlx::query(
            "SELECT k.secret_hash, o.id, o.name FROM intel_keys k JOIN intel_orgs o ON o.id = k.org_id
             WHERE k.key_id = ? AND k.revoked = 0",
        )
        .bind(key_id)
        .fetch_optional(self.pool())
        .await?;
        let Some(row) = row else { return Ok(None) };
        let stored: String = row.get(0);
        // Compare as BLAKE3 hashes: their equality is constant-time.
        let given = blake3::Hash::from_hex(secret_hash(secret));
        let stored = blake3::Hash::from_hex(&stored);
        match (given, stored) {
            (Ok(g), Ok(s)) if g == s => Ok(Some(Org {
                id: row.get(1),
                name: row.get(2),
            })),
            _ => Ok(None),
        }
    }

    /// Adds a collection (a fresh UUID unless `id` is given) and returns its id.
    pub async fn add_collection(
        &self,
        title: &str,
        description: Option<&str>,
        id: Option<&str>,
    ) -> Result<String, IntelError> {
        let id = match id {
            Some(i) => uuid::Uuid::try_parse(i)
                .map_err(|_| IntelError::Conflict(format!("collection id `{i}` is not a UUID")))?
                .to_string(),
            None => uuid::Uuid::new_v4().to_string(),
        };
        let r = sqlx::query("INSERT INTO intel_collections (id, title, description, created) VALUES (?, ?, ?, ?) ON CONFLICT(id) DO NOTHING")
            .bind(&id)
            .bind(title)
            .bind(description)
            .bind(now())
            .execute(self.pool())
            .await?;
        if r.rows_affected() == 0 {
            return Err(IntelError::Conflict(format!(
                "collection `{id}` already exists"
            )));
        }
        Ok(id)
    }

    /// Sets what `org` may do with a collection.
    pub async fn grant(
        &self,
        org: &str,
        collection: &str,
        read: bool,
        write: bool,
    ) -> Result<(), IntelError> {
        let o = self.org(org).await?;
        let exists: i64 = sqlx::query("SELECT COUNT(*) FROM intel_collections WHERE id = ?")
            .bind(collection)
            .fetch_one(self.pool())
            .await?
            .get(0);
        if exists == 0 {
            return Err(IntelError::NotFound(format!(
                "no collection `{collection}`"
            )));
        }
        sqlx::query(
            "INSERT INTO intel_grants (org_id, collection_id, can_read, can_write) VALUES (?, ?, ?, ?)
             ON CONFLICT(org_id, collection_id) DO UPDATE SET can_read = excluded.can_read, can_write = excluded.can_write",
        )
        .bind(o.id)
        .bind(collection)
        .bind(read)
        .bind(write)
        .execute(self.pool())
        .await?;
        Ok(())
    }

    /// Collections `org_id` holds any grant on.
    pub async fn collections_for(&self, org_id: i64) -> Result<Vec<CollectionAccess>, IntelError> {
        Ok(sqlx::query(
            "SELECT c.id, c.title, c.description, g.can_read, g.can_write FROM intel_collections c
             JOIN intel_grants g ON g.collection_id = c.id
             WHERE g.org_id = ? AND (g.can_read OR g.can_write) ORDER BY c.created, c.id",
        )
        .bind(org_id)
        .fetch_all(self.pool())
        .await?
        .iter()
        .map(row_access)
        .collect())
    }

    /// One collection as `org_id` sees it (`None`: it does not exist or the org has no grant).
    pub async fn collection_for(
        &self,
        org_id: i64,
        collection: &str,
    ) -> Result<Option<CollectionAccess>, IntelError> {
        Ok(sqlx::query(
            "SELECT c.id, c.title, c.description, g.can_read, g.can_write FROM intel_collections c
             JOIN intel_grants g ON g.collection_id = c.id
             WHERE g.org_id = ? AND c.id = ? AND (g.can_read OR g.can_write)",
        )
        .bind(org_id)
        .bind(collection)
        .fetch_optional(self.pool())
        .await?
        .as_ref()
        .map(row_access))
    }

    /// The store this database lives in.
    pub fn store(&self) -> &Store {
        &self.store
    }
}

fn row_access(r: &sqlx::sqlite::SqliteRow) -> CollectionAccess {
    CollectionAccess {
        id: r.get(0),
        title: r.get(1),
        description: r.get(2),
        can_read: r.get::<bool, _>(3),
        can_write: r.get::<bool, _>(4),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn keys_are_hashed_and_checked() {
        let db = IntelDb::open(Store::open_in_memory().await.unwrap())
            .await
            .unwrap();
        db.add_org("lab-a").await.unwrap();
        assert!(db.add_org("lab-a").await.is_err());
        let k = db.create_key("lab-a").await.unwrap();
        assert_eq!(
            db.authenticate(&k.token).await.unwrap().unwrap().name,
            "lab-a"
        );
        let stored: Vec<String> = sqlx::query("SELECT secret_hash FROM intel_keys")
            .fetch_all(db.pool())
            .await
            .unwrap()
            .iter()
            .map(|r| r.get(0))
            .collect();
        let (_, secret) = parse_token(&k.token).unwrap();
        assert!(!stored[0].contains(secret));
        let forged = format!("cpk1_{}_{}", k.key_id, "00".repeat(32));
        assert!(db.authenticate(&forged).await.unwrap().is_none());
        assert!(db.authenticate("garbage").await.unwrap().is_none());
        db.revoke_key(&k.key_id).await.unwrap();
        assert!(db.authenticate(&k.token).await.unwrap().is_none());
        assert!(db.create_key("nobody").await.is_err());
    }
}
