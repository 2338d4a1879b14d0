//! The durable device store.
//!
//! One SQLite file (WAL, `synchronous=FULL`: an edit acknowledged to the caller survives a crash or a
//! power loss) holds, per work order, a compacted Automerge snapshot plus the changes appended since,
//! and a materialised index written in the same transaction as each change, so lists and searches never
//! load documents. The documents are the source of truth: `rebuild_index` recreates the index from
//! them. Every write records its source (ui, sync, import).
//!
//! Submodules: [`docs`] (documents, changes, compaction, quarantine), [`index`] (the materialised
//! index and full-text search), [`orders`] (the typed API), [`query`] (lists, search, stats),
//! [`reference`] (office reference data and settings), [`export`] (the 维修台帐 CSV), [`photos`] (photo
//! evidence: ingest, blobs, garbage collection), [`signoff`] (sign, refuse, verify),
//! [`sync_state`] (what waits to upload, enrolment, per-order sync state).

pub mod docs;
pub mod export;
pub mod index;
pub mod orders;
pub mod photos;
pub mod query;
pub mod reference;
pub mod restore;
pub mod signoff;
pub mod sync_state;

use crate::error::{Error, Result};
use crate::identity::DeviceIdentity;
use chrono::{DateTime, Utc};
use rusqlite::{Connection, OpenFlags, OptionalExtension, params};
use signoff_core::hlc::Hlc;
use signoff_core::ids::PersonId;
use signoff_core::model::{OrgSettings, ReferenceData};
use std::path::{Path, PathBuf};

/// Where a write came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Source {
    /// A person using this device.
    Ui,
    /// Changes that arrived from the server.
    Sync,
    /// A bulk import.
    Import,
}

impl Source {
    /// Stored code.
    pub fn code(self) -> &'static str {
        match self {
            Source::Ui => "ui",
            Source::Sync => "sync",
            Source::Import => "import",
        }
    }
}

/// Who is acting, from where, and when. The clock is passed in, never read inside the store.
#[derive(Debug, Clone)]
pub struct Ctx {
    /// Source of the write.
    pub source: Source,
    /// The person acting.
    pub by: PersonId,
    /// Now.
    pub now: DateTime<Utc>,
}

impl Ctx {
    /// A UI action by `by` at `now`.
    pub fn ui(by: impl Into<String>, now: DateTime<Utc>) -> Self {
        Ctx { source: Source::Ui, by: PersonId::new(by), now }
    }
}

/// Numbered migrations, applied in order inside a transaction.
const MIGRATIONS: &[(i64, &str)] = &[
    (1, include_str!("migrations/0001_init.sql")),
    (2, include_str!("migrations/0002_photos.sql")),
    (3, include_str!("migrations/0003_devices.sql")),
    (4, include_str!("migrations/0004_sync.sql")),
    (5, include_str!("migrations/0005_blob_prefixes.sql")),
    (6, include_str!("migrations/0006_snapshot_pages.sql")),
    (7, include_str!("migrations/0007_damaged.sql")),
];

/// The newest store schema this build knows.
pub const STORE_SCHEMA: i64 = 7;

/// Options for a new store.
#[derive(Debug, Clone, Default)]
pub struct InitOptions {
    /// The person who normally uses this device (the default actor of CLI commands).
    pub person: Option<PersonId>,
    /// Organisation settings to start with.
    pub settings: Option<OrgSettings>,
}

/// The device store. Not `Sync`: one per thread, as SQLite connections are.
#[derive(Debug)]
pub struct Store {
    conn: Connection,
    path: PathBuf,
    device: DeviceIdentity,
    hlc: Hlc,
    me: Option<PersonId>,
    reference: ReferenceData,
    settings: OrgSettings,
    cache: docs::DocCache,
    blobs: crate::blobs::BlobStore,
    signing_key: ed25519_dalek::SigningKey,
    /// Public keys of the devices whose statements this store can verify (itself included).
    keys: KeyRegistry,
}

/// Device id → public key.
pub(crate) type KeyRegistry = std::collections::HashMap<String, ed25519_dalek::VerifyingKey>;

pub(crate) fn load_keys(conn: &Connection) -> Result<KeyRegistry> {
    let mut stmt = conn.prepare("SELECT id, public_key FROM devices")?;
    let rows = stmt.query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)))?;
    let mut keys = KeyRegistry::new();
    for row in rows {
        let (id, hex) = row?;
        let key = data_encoding::HEXLOWER_PERMISSIVE
            .decode(hex.as_bytes())
            .ok()
            .and_then(|b| <[u8; 32]>::try_from(b).ok())
            .and_then(|b| ed25519_dalek::VerifyingKey::from_bytes(&b).ok());
        match key {
            Some(k) => {
                keys.insert(id, k);
            }
            None => tracing::warn!(device = %id, "a stored device key is not an Ed25519 public key"),
        }
    }
    Ok(keys)
}

fn configure(conn: &Connection) -> Result<()> {
    conn.pragma_update(None, "journal_mode", "wal")?;
    conn.pragma_update(None, "synchronous", "full")?;
    conn.pragma_update(None, "foreign_keys", "on")?;
    // Checkpoints copy the WAL back into the file: rarer ones keep them out of almost every edit, and the
    // app also runs them when idle (`Store::checkpoint`). The WAL file is cut back after each one.
    conn.pragma_update(None, "wal_autocheckpoint", 4000)?;
    conn.pragma_update(None, "journal_size_limit", 8 * 1024 * 1024)?;
    conn.busy_timeout(std::time::Duration::from_secs(5))?;
    Ok(())
}

/// Where a store keeps its photo files: `signoff.db` → `signoff.blobs/`.
pub fn blob_dir(store: &Path) -> PathBuf {
    store.with_extension("blobs")
}

fn corrupt(path: &Path, e: impl std::fmt::Display) -> Error {
    Error::Corrupt { path: path.to_owned(), reason: e.to_string() }
}

fn migrate(conn: &mut Connection, path: &Path) -> Result<()> {
    let version: i64 = conn.pragma_query_value(None, "user_version", |r| r.get(0))?;
    if version > STORE_SCHEMA {
        return Err(Error::NewerStore { path: path.to_owned(), found: version, supported: STORE_SCHEMA });
    }
    for (n, sql) in MIGRATIONS.iter().filter(|(n, _)| *n > version) {
        let tx = conn.transaction()?;
        tx.execute_batch(sql)?;
        tx.pragma_update(None, "user_version", n)?;
        tx.commit()?;
    }
    Ok(())
}

impl Store {
    /// Create a new store at `path` with a fresh device identity.
    pub fn init(path: impl AsRef<Path>, options: InitOptions) -> Result<Store> {
        let path = path.as_ref();
        if path.exists() {
            return Err(Error::AlreadyExists(path.to_owned()));
        }
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(|source| Error::Io { path: dir.to_owned(), source })?;
        }
        let mut conn = Connection::open(path)?;
        configure(&conn)?;
        migrate(&mut conn, path)?;
        let device = DeviceIdentity::generate();
        let tx = conn.transaction()?;
        tx.execute("INSERT INTO meta(key, value) VALUES ('device_id', ?1)", [device.id().as_str()])?;
        tx.execute("INSERT INTO meta(key, value) VALUES ('next_number', '1')", [])?;
        tx.execute("INSERT INTO meta(key, value) VALUES ('hlc', ?1)", [Hlc::default().to_string()])?;
        if let Some(p) = &options.person {
            tx.execute("INSERT INTO meta(key, value) VALUES ('person', ?1)", [p.as_str()])?;
        }
        if let Some(s) = &options.settings {
            reference::save_settings(&tx, s)?;
        }
        tx.commit()?;
        drop(conn);
        Store::open(path)
    }

    /// Open an existing store, applying any pending migrations; the device key is a file beside it.
    pub fn open(path: impl AsRef<Path>) -> Result<Store> {
        let keys = crate::keys::FileKeyStore::for_store(path.as_ref());
        Store::open_with_keys(path, &keys)
    }

    /// Open with the device key in `keys` (the OS keystore on phones).
    pub fn open_with_keys(path: impl AsRef<Path>, keys: &dyn crate::keys::KeyStore) -> Result<Store> {
        let path = path.as_ref();
        if !path.exists() {
            return Err(Error::NoStore(path.to_owned()));
        }
        let mut conn =
            Connection::open_with_flags(path, OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX)
                .map_err(|e| corrupt(path, e))?;
        configure(&conn).map_err(|e| match e {
            Error::Sqlite(s) => corrupt(path, s),
            other => other,
        })?;
        migrate(&mut conn, path).map_err(|e| match e {
            Error::Sqlite(s) => corrupt(path, s),
            other => other,
        })?;
        let meta = |k: &str| -> Result<Option<String>> {
            Ok(conn.query_row("SELECT value FROM meta WHERE key = ?1", [k], |r| r.get(0)).optional()?)
        };
        let device = meta("device_id")?
            .and_then(|s| DeviceIdentity::from_hex(&s))
            .ok_or_else(|| corrupt(path, "no device identity"))?;
        let saved: Hlc = meta("hlc")?.and_then(|s| s.parse().ok()).unwrap_or_default();
        // Resume the clock past every event this device knows, except values implausibly far ahead of
        // the wall clock (a mistyped time on some device): those stay in their own orders.
        let ahead = Utc::now().timestamp_millis() + signoff_core::validate::SERVER_AHEAD_MINUTES * 60_000;
        let ahead = Hlc::new(ahead, 99_999).to_string();
        let indexed: Option<String> =
            conn.query_row("SELECT max(max_hlc) FROM order_index WHERE max_hlc <= ?1", [&ahead], |r| r.get(0))?;
        let hlc = indexed.and_then(|s| s.parse().ok()).map_or(saved, |h: Hlc| h.max(saved));
        let me = meta("person")?.map(PersonId::new);
        let settings = reference::load_settings(&conn)?;
        let reference = reference::load_reference(&conn)?;
        let blobs = crate::blobs::BlobStore::open(blob_dir(path)).map_err(Error::Blob)?;
        let signing_key = keys.load_or_create()?;
        // This device can always verify its own statements.
        conn.execute(
            "INSERT INTO devices(id, public_key, name) VALUES (?1, ?2, 'this device') \
             ON CONFLICT(id) DO UPDATE SET public_key = excluded.public_key",
            params![device.id().as_str(), data_encoding::HEXLOWER.encode(signing_key.verifying_key().as_bytes())],
        )?;
        let keys = load_keys(&conn)?;
        Ok(Store {
            keys,
            conn,
            path: path.to_owned(),
            device,
            hlc,
            me,
            reference,
            settings,
            cache: docs::DocCache::new(64),
            blobs,
            signing_key,
        })
    }

    /// Where the store lives.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// This device.
    pub fn device(&self) -> &DeviceIdentity {
        &self.device
    }

    /// The person this device belongs to, if set at `init`.
    pub fn me(&self) -> Option<&PersonId> {
        self.me.as_ref()
    }

    /// Reference data.
    pub fn reference(&self) -> &ReferenceData {
        &self.reference
    }

    /// Organisation settings.
    pub fn settings(&self) -> &OrgSettings {
        &self.settings
    }

    /// SQLite's own consistency check (`PRAGMA integrity_check`): `ok` or the problems found.
    pub fn integrity_check(&self) -> Result<String> {
        let check = || -> rusqlite::Result<Vec<String>> {
            self.conn.prepare("PRAGMA integrity_check")?.query_map([], |r| r.get(0))?.collect()
        };
        match check() {
            Ok(rows) => Ok(rows.join("\n")),
            Err(e)
                if matches!(
                    e.sqlite_error_code(),
                    Some(rusqlite::ErrorCode::DatabaseCorrupt | rusqlite::ErrorCode::NotADatabase)
                ) =>
            {
                Err(corrupt(&self.path, e))
            }
            Err(e) => Err(e.into()),
        }
    }

    /// Copy the write-ahead log back into the store file now (for idle moments, so edits rarely pay for
    /// it). Returns the pages that remain in the log (0 when all were copied).
    pub fn checkpoint(&self) -> Result<i64> {
        let (log, moved): (i64, i64) =
            self.conn.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |r| Ok((r.get(1)?, r.get(2)?)))?;
        Ok((log - moved).max(0))
    }

    /// Limit the file to `pages` pages; writes past it fail with a full disk (for tests and quotas).
    pub fn set_max_pages(&self, pages: i64) -> Result<i64> {
        Ok(self.conn.pragma_update_and_check(None, "max_page_count", pages, |r| r.get(0))?)
    }

    /// Record the next provisional number (and the HLC with it) in the open transaction. Edits do not
    /// write the HLC: it resumes at open from the largest clock value in the index (`max_hlc`).
    fn save_counters(tx: &rusqlite::Transaction<'_>, hlc: Hlc, next_number: u64) -> Result<()> {
        tx.prepare_cached("UPDATE meta SET value = ?1 WHERE key = 'hlc'")?.execute(params![hlc.to_string()])?;
        tx.prepare_cached("UPDATE meta SET value = ?1 WHERE key = 'next_number'")?
            .execute(params![next_number.to_string()])?;
        Ok(())
    }

    fn next_number(&self) -> Result<u64> {
        let s: String = self.conn.query_row("SELECT value FROM meta WHERE key = 'next_number'", [], |r| r.get(0))?;
        s.parse().map_err(|_| corrupt(&self.path, "bad provisional number counter"))
    }
}
