//! The embedded backend: one SQLite file (WAL, `synchronous=FULL`, so an acknowledged sync survives a
//! crash or power loss). Writes go through one writer thread that commits everything queued meanwhile
//! together ([`writer`]: group commit); reads run on reader connections on tokio's blocking pool,
//! beside the writer.

use super::*;
mod writer;

use rusqlite::{Connection, OptionalExtension, params};
use std::path::Path;
use std::sync::{Arc, Mutex};
use writer::{Durability, Writer};

const MIGRATIONS: &[(i64, &str)] = &[
    (1, include_str!("migrations/sqlite/0001_init.sql")),
    (2, include_str!("migrations/sqlite/0002_feed_kind_index.sql")),
    (3, include_str!("migrations/sqlite/0003_blob_orgs.sql")),
    (4, include_str!("migrations/sqlite/0004_epoch.sql")),
    (5, include_str!("migrations/sqlite/0005_contractor_crews.sql")),
];

/// The newest schema this build knows.
pub const SCHEMA: i64 = 5;

/// SQLite store: one writer connection, and reader connections that WAL lets run beside it (a read
/// never waits for a write's disk sync).
#[derive(Debug, Clone)]
pub struct SqliteStore {
    writer: Writer,
    readers: Arc<Vec<Mutex<Connection>>>,
    next_reader: Arc<std::sync::atomic::AtomicUsize>,
}

/// Reader connections.
const READERS: usize = 4;

fn tune(conn: &Connection) -> StoreResult<()> {
    conn.busy_timeout(std::time::Duration::from_secs(10))?;
    // Reads through a memory map and a 64 MB page cache rather than a read() per page: the hot set
    // (feed, knowledge, recent documents) stays in memory.
    conn.pragma_update(None, "mmap_size", 256i64 << 20)?;
    conn.pragma_update(None, "cache_size", -65536)?;
    Ok(())
}

fn migrate(conn: &mut Connection) -> StoreResult<()> {
    let version: i64 = conn.pragma_query_value(None, "user_version", |r| r.get(0))?;
    if version > SCHEMA {
        return Err(StoreError::Setup(format!(
            "the database uses schema {version}, newer than this server supports ({SCHEMA})"
        )));
    }
    for (n, sql) in MIGRATIONS.iter().filter(|(n, _)| *n > version) {
        let tx = conn.transaction()?;
        tx.execute_batch(sql)?;
        tx.pragma_update(None, "user_version", n)?;
        tx.commit()?;
    }
    Ok(())
}

fn role_of(s: String) -> rusqlite::Result<Role> {
    Role::parse(&s).ok_or_else(|| rusqlite::Error::InvalidColumnType(0, s, rusqlite::types::Type::Text))
}

fn touch_feed(tx: &Connection, org: &str, kind: &str, key: &str) -> StoreResult<u64> {
    tx.prepare_cached("DELETE FROM feed WHERE org = ?1 AND kind = ?2 AND key = ?3")?
        .execute(params![org, kind, key])?;
    tx.prepare_cached("INSERT INTO feed(org, kind, key) VALUES (?1, ?2, ?3)")?.execute(params![org, kind, key])?;
    Ok(tx.last_insert_rowid() as u64)
}

const DEVICE_COLS: &str = "d.id, d.org, d.person, p.role, d.public_key, d.name, d.revoked_ms, p.contractor";

fn device_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<DeviceRecord> {
    Ok(DeviceRecord {
        id: r.get(0)?,
        org: r.get(1)?,
        person: r.get(2)?,
        role: role_of(r.get(3)?)?,
        public_key: r.get(4)?,
        name: r.get(5)?,
        revoked_ms: r.get(6)?,
        contractor: r.get(7)?,
    })
}

impl SqliteStore {
    /// Open (creating if needed) the database at `path` and apply migrations.
    pub fn open(path: &Path) -> StoreResult<SqliteStore> {
        let mut conn = Connection::open(path)?;
        conn.pragma_update(None, "journal_mode", "wal")?;
        conn.pragma_update(None, "synchronous", "full")?;
        tune(&conn)?;
        migrate(&mut conn)?;
        let mut readers = Vec::with_capacity(READERS);
        for _ in 0..READERS {
            let r = Connection::open_with_flags(
                path,
                rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY | rusqlite::OpenFlags::SQLITE_OPEN_NO_MUTEX,
            )?;
            tune(&r)?;
            readers.push(Mutex::new(r));
        }
        Ok(SqliteStore {
            writer: Writer::start(conn)?,
            readers: Arc::new(readers),
            next_reader: Arc::new(std::sync::atomic::AtomicUsize::new(0)),
        })
    }

    /// Like [`Self::call`], for writes that may be lost on a power failure without harm (what a device
    /// has been sent, number reservations): committed without their own disk sync unless a synced
    /// write shares their commit. WAL is written in order, so the next synced commit makes them durable
    /// too — a document write that uses a reserved number always lands after the reservation.
    async fn call_relaxed<T: Send + 'static>(
        &self,
        f: impl FnOnce(&Connection) -> StoreResult<T> + Send + 'static,
    ) -> StoreResult<T> {
        self.writer.call(Durability::Relaxed, f).await
    }

    /// Run a read on a reader connection (the first free one, else the next in turn).
    async fn read<T: Send + 'static>(
        &self,
        f: impl FnOnce(&mut Connection) -> StoreResult<T> + Send + 'static,
    ) -> StoreResult<T> {
        let readers = self.readers.clone();
        let start = self.next_reader.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        tokio::task::spawn_blocking(move || {
            let n = readers.len();
            let free = (0..n).find_map(|k| readers[(start + k) % n].try_lock().ok());
            let mut guard = match free {
                Some(g) => g,
                None => {
                    readers[start % n].lock().map_err(|_| StoreError::Task("a database lock is poisoned".into()))?
                }
            };
            f(&mut guard)
        })
        .await
        .map_err(|e| StoreError::Task(e.to_string()))?
    }

    /// Run a write through the group-commit writer; returns once it is on disk.
    async fn call<T: Send + 'static>(
        &self,
        f: impl FnOnce(&Connection) -> StoreResult<T> + Send + 'static,
    ) -> StoreResult<T> {
        self.writer.call(Durability::Synced, f).await
    }
}

fn write_one(tx: &Connection, w: &DocWrite) -> StoreResult<u64> {
    match w.expected_version {
        None => {
            let exists: Option<i64> = tx
                .prepare_cached("SELECT version FROM documents WHERE id = ?1")?
                .query_row([&w.id], |r| r.get(0))
                .optional()?;
            if exists.is_some() {
                return Err(StoreError::Conflict);
            }
            let DocBody::Snapshot(snapshot) = &w.body else {
                return Err(StoreError::Refused("a new document needs a snapshot".into()));
            };
            tx.prepare_cached(
                "INSERT INTO documents(id, org, version, snapshot, assignee, creator, official, heads) \
                 VALUES (?1, ?2, 1, ?3, ?4, ?5, ?6, ?7)",
            )?
            .execute(params![
                w.id,
                w.org,
                snapshot,
                w.meta.assignee,
                w.meta.creator,
                w.meta.official,
                w.heads
            ])?;
        }
        Some(v) => {
            let n = tx
                .prepare_cached(
                    "UPDATE documents SET version = version + 1, assignee = ?3, official = ?4, heads = ?5 \
                     WHERE id = ?1 AND version = ?2",
                )?
                .execute(params![w.id, v, w.meta.assignee, w.meta.official, w.heads])?;
            if n == 0 {
                return Err(StoreError::Conflict);
            }
            match &w.body {
                DocBody::Snapshot(s) => {
                    tx.prepare_cached("UPDATE documents SET snapshot = ?2 WHERE id = ?1")?.execute(params![w.id, s])?;
                    tx.prepare_cached("DELETE FROM doc_changes WHERE doc = ?1")?.execute([&w.id])?;
                }
                DocBody::Append(bytes) => {
                    tx.prepare_cached(
                        "INSERT INTO doc_changes(doc, n, bytes) \
                         VALUES (?1, (SELECT coalesce(max(n), 0) + 1 FROM doc_changes WHERE doc = ?1), ?2)",
                    )?
                    .execute(params![w.id, bytes])?;
                }
            }
        }
    }
    tx.prepare_cached("DELETE FROM doc_blobs WHERE doc = ?1")?.execute([&w.id])?;
    for sha in &w.blobs {
        tx.prepare_cached("INSERT OR IGNORE INTO doc_blobs(doc, sha) VALUES (?1, ?2)")?.execute(params![w.id, sha])?;
    }
    let seq = touch_feed(tx, &w.org, "doc", &w.id)?;
    tx.prepare_cached("UPDATE documents SET seq = ?2 WHERE id = ?1")?.execute(params![w.id, seq as i64])?;
    Ok(seq)
}

fn read_document(c: &Connection, id: &str) -> StoreResult<Option<StoredDoc>> {
    let row = c
        .prepare_cached(
            "SELECT org, version, snapshot, assignee, creator, official, heads FROM documents WHERE id = ?1",
        )?
        .query_row([id], |r| {
            Ok(StoredDoc {
                org: r.get(0)?,
                version: r.get(1)?,
                snapshot: r.get(2)?,
                changes: Vec::new(),
                heads: r.get(6)?,
                meta: DocMeta { assignee: r.get(3)?, creator: r.get(4)?, official: r.get(5)? },
            })
        })
        .optional()?;
    let Some(mut doc) = row else { return Ok(None) };
    doc.changes = c
        .prepare_cached("SELECT bytes FROM doc_changes WHERE doc = ?1 ORDER BY n")?
        .query_map([id], |r| r.get(0))?
        .collect::<Result<_, _>>()?;
    Ok(Some(doc))
}

/// The whole feed of an organisation (the office's devices).
const OFFICE_FEED: &str = "SELECT f.seq, f.kind, f.key, d.assignee, d.creator, d.official, d.heads FROM feed f \
     LEFT JOIN documents d ON f.kind = 'doc' AND d.id = f.key \
     WHERE f.org = ?1 AND f.seq > ?2 AND ?4 IS NULL AND ?5 IS NULL ORDER BY f.seq LIMIT ?3";

/// A technician's feed, through index lookups of their own documents only: assigned to them, created
/// by their device and not assigned yet, or known to their device (to learn it is gone), and the
/// reference entry. `CROSS JOIN` keeps SQLite from walking the organisation's documents and probing
/// the device's knowledge for each (its planner's choice for a plain join: 5–10 ms instead of 0.1–0.3).
const TECHNICIAN_FEED: &str = "SELECT seq, kind, key, assignee, creator, official, heads FROM ( \
       SELECT d.seq AS seq, 'doc' AS kind, d.id AS key, d.assignee AS assignee, d.creator AS creator, \
              d.official AS official, d.heads AS heads \
         FROM documents d WHERE d.org = ?1 AND d.assignee = ?4 AND d.seq > ?2 \
       UNION SELECT d.seq, 'doc', d.id, d.assignee, d.creator, d.official, d.heads \
         FROM documents d WHERE d.org = ?1 AND d.assignee IS NULL AND d.creator = ?5 AND d.seq > ?2 \
       UNION SELECT d.seq, 'doc', d.id, d.assignee, d.creator, d.official, d.heads \
         FROM knowledge k CROSS JOIN documents d ON d.id = k.doc WHERE k.device = ?5 AND d.org = ?1 AND d.seq > ?2 \
       UNION SELECT f.seq, f.kind, f.key, NULL, NULL, NULL, NULL \
         FROM feed f WHERE f.org = ?1 AND f.kind = 'reference' AND f.seq > ?2 \
     ) ORDER BY seq LIMIT ?3";

impl Store for SqliteStore {
    async fn create_org(&self, id: &str, name: &str, now_ms: i64) -> StoreResult<()> {
        let (id, name) = (id.to_owned(), name.to_owned());
        self.call(move |c| {
            let n = c.execute(
                "INSERT INTO orgs(id, name, created_ms) VALUES (?1, ?2, ?3) ON CONFLICT(id) DO NOTHING",
                params![id, name, now_ms],
            )?;
            if n == 0 {
                return Err(StoreError::Refused(format!("organisation {id} already exists")));
            }
            Ok(())
        })
        .await
    }

    async fn orgs(&self) -> StoreResult<Vec<(String, String)>> {
        self.read(|c| {
            Ok(c.prepare("SELECT id, name FROM orgs ORDER BY id")?
                .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
                .collect::<Result<_, _>>()?)
        })
        .await
    }

    async fn put_person(&self, p: PersonRecord) -> StoreResult<()> {
        self.call(move |c| {
            let org: Option<String> =
                c.query_row("SELECT id FROM orgs WHERE id = ?1", [&p.org], |r| r.get(0)).optional()?;
            if org.is_none() {
                return Err(StoreError::NotFound(format!("organisation {}", p.org)));
            }
            let skills = serde_json::to_string(&p.skills).map_err(|e| StoreError::Refused(e.to_string()))?;
            c.execute(
                "INSERT INTO people(org, id, name, role, skills, contractor) VALUES (?1, ?2, ?3, ?4, ?5, ?6) \
                 ON CONFLICT(org, id) DO UPDATE SET name = excluded.name, role = excluded.role, \
                 skills = excluded.skills, contractor = excluded.contractor",
                params![p.org, p.id, p.name, p.role.code(), skills, p.contractor],
            )?;
            Ok(())
        })
        .await
    }

    async fn person(&self, org: &str, id: &str) -> StoreResult<Option<PersonRecord>> {
        let (org, id) = (org.to_owned(), id.to_owned());
        self.read(move |c| {
            let row: Option<(String, String, String, Option<String>)> = c
                .query_row(
                    "SELECT name, role, skills, contractor FROM people WHERE org = ?1 AND id = ?2",
                    params![org, id],
                    |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
                )
                .optional()?;
            Ok(row.map(|(name, role, skills, contractor)| PersonRecord {
                org,
                id,
                name,
                role: Role::parse(&role).unwrap_or(Role::Technician),
                skills: serde_json::from_str(&skills).unwrap_or_default(),
                contractor,
            }))
        })
        .await
    }

    async fn add_enrolment(&self, e: Enrolment) -> StoreResult<()> {
        self.call(move |c| {
            c.execute(
                "INSERT INTO enrolments(code_hash, org, person, expires_ms) VALUES (?1, ?2, ?3, ?4)",
                params![e.code_hash, e.org, e.person, e.expires_ms],
            )?;
            Ok(())
        })
        .await
    }

    async fn redeem_enrolment(&self, code_hash: &str, d: NewDevice, now_ms: i64) -> StoreResult<DeviceRecord> {
        let code_hash = code_hash.to_owned();
        self.call(move |tx| {
            let row: Option<(String, String)> = tx
                .query_row(
                    "SELECT org, person FROM enrolments WHERE code_hash = ?1 AND used_ms IS NULL AND expires_ms > ?2",
                    params![code_hash, now_ms],
                    |r| Ok((r.get(0)?, r.get(1)?)),
                )
                .optional()?;
            let Some((org, person)) = row else {
                return Err(StoreError::NotFound("an unused, unexpired enrolment code".into()));
            };
            let taken: Option<String> =
                tx.query_row("SELECT id FROM devices WHERE id = ?1", [&d.id], |r| r.get(0)).optional()?;
            if taken.is_some() {
                return Err(StoreError::Refused(format!("device {} is already enrolled", d.id)));
            }
            tx.execute(
                "UPDATE enrolments SET used_ms = ?2, device = ?3 WHERE code_hash = ?1",
                params![code_hash, now_ms, d.id],
            )?;
            tx.execute(
                "INSERT INTO devices(id, org, person, public_key, name, token_hash, enrolled_ms) \
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                params![d.id, org, person, d.public_key, d.name, d.token_hash, now_ms],
            )?;
            touch_feed(tx, &org, "reference", "")?;
            let rec = tx.query_row(
                &format!("SELECT {DEVICE_COLS} FROM devices d JOIN people p ON p.org = d.org AND p.id = d.person WHERE d.id = ?1"),
                [&d.id],
                device_row,
            )?;
            Ok(rec)
        })
        .await
    }

    async fn device_by_token(&self, token_hash: &str) -> StoreResult<Option<DeviceRecord>> {
        let token_hash = token_hash.to_owned();
        self.read(move |c| {
            Ok(c.prepare_cached(&format!(
                "SELECT {DEVICE_COLS} FROM devices d JOIN people p ON p.org = d.org AND p.id = d.person WHERE d.token_hash = ?1"
            ))?
            .query_row([token_hash], device_row)
            .optional()?)
        })
        .await
    }

    async fn revoke_device(&self, id: &str, now_ms: i64) -> StoreResult<bool> {
        let id = id.to_owned();
        self.call(move |tx| {
            let org: Option<String> =
                tx.query_row("SELECT org FROM devices WHERE id = ?1", [&id], |r| r.get(0)).optional()?;
            let Some(org) = org else { return Ok(false) };
            tx.execute("UPDATE devices SET revoked_ms = coalesce(revoked_ms, ?2) WHERE id = ?1", params![id, now_ms])?;
            touch_feed(tx, &org, "reference", "")?;
            Ok(true)
        })
        .await
    }

    async fn devices(&self, org: &str) -> StoreResult<Vec<DeviceRecord>> {
        let org = org.to_owned();
        self.read(move |c| {
            Ok(c.prepare(&format!(
                "SELECT {DEVICE_COLS} FROM devices d JOIN people p ON p.org = d.org AND p.id = d.person \
                 WHERE d.org = ?1 ORDER BY d.id"
            ))?
            .query_map([org], device_row)?
            .collect::<Result<_, _>>()?)
        })
        .await
    }

    async fn set_reference(&self, org: &str, json: &str) -> StoreResult<u64> {
        let (org, json) = (org.to_owned(), json.to_owned());
        self.call(move |tx| {
            tx.execute(
                "INSERT INTO reference(org, json) VALUES (?1, ?2) ON CONFLICT(org) DO UPDATE SET json = excluded.json",
                params![org, json],
            )?;
            let seq = touch_feed(tx, &org, "reference", "")?;
            Ok(seq)
        })
        .await
    }

    async fn reference(&self, org: &str) -> StoreResult<Option<String>> {
        let org = org.to_owned();
        self.read(move |c| {
            Ok(c.prepare_cached("SELECT json FROM reference WHERE org = ?1")?
                .query_row([org], |r| r.get(0))
                .optional()?)
        })
        .await
    }

    async fn document(&self, id: &str) -> StoreResult<Option<StoredDoc>> {
        let id = id.to_owned();
        self.read(move |c| read_document(c, &id)).await
    }

    async fn documents(&self, ids: Vec<String>) -> StoreResult<Vec<Option<StoredDoc>>> {
        self.read(move |c| ids.iter().map(|id| read_document(c, id)).collect()).await
    }

    async fn write_document(&self, w: DocWrite) -> StoreResult<u64> {
        self.call(move |tx| {
            let seq = write_one(tx, &w)?;
            Ok(seq)
        })
        .await
    }

    async fn write_documents(&self, ws: Vec<DocWrite>) -> StoreResult<Vec<StoreResult<u64>>> {
        self.call(move |tx| {
            let mut out = Vec::with_capacity(ws.len());
            for w in &ws {
                // A conflict is found before anything of that write is changed; other errors abort all.
                match write_one(tx, w) {
                    Err(StoreError::Conflict) => out.push(Err(StoreError::Conflict)),
                    Err(e) => return Err(e),
                    Ok(seq) => out.push(Ok(seq)),
                }
            }
            Ok(out)
        })
        .await
    }

    async fn document_ids(&self, org: &str) -> StoreResult<Vec<String>> {
        let org = org.to_owned();
        self.read(move |c| {
            Ok(c.prepare("SELECT id FROM documents WHERE org = ?1 ORDER BY id")?
                .query_map([org], |r| r.get(0))?
                .collect::<Result<_, _>>()?)
        })
        .await
    }

    async fn next_number(&self, org: &str, year: i32, count: u64) -> StoreResult<u64> {
        let org = org.to_owned();
        let count = count.max(1) as i64;
        self.call_relaxed(move |c| {
            let last: i64 = c.query_row(
                "INSERT INTO numbers(org, year, last) VALUES (?1, ?2, ?3) \
                 ON CONFLICT(org, year) DO UPDATE SET last = last + ?3 RETURNING last",
                params![org, year, count],
                |r| r.get(0),
            )?;
            Ok((last - count + 1) as u64)
        })
        .await
    }

    async fn reclaim_number(&self, org: &str, doc: &str, number: &str, year: i32, seq: u64) -> StoreResult<bool> {
        let (org, doc, number) = (org.to_owned(), doc.to_owned(), number.to_owned());
        self.call_relaxed(move |c| {
            let taken = c
                .prepare_cached("SELECT 1 FROM documents WHERE org = ?1 AND official = ?2 AND id <> ?3 LIMIT 1")?
                .exists(params![org, number, doc])?;
            if taken {
                return Ok(false);
            }
            c.execute(
                "INSERT INTO numbers(org, year, last) VALUES (?1, ?2, ?3) \
                 ON CONFLICT(org, year) DO UPDATE SET last = max(last, ?3)",
                params![org, year, seq as i64],
            )?;
            Ok(true)
        })
        .await
    }

    async fn feed_after(
        &self,
        org: &str,
        after: u64,
        limit: usize,
        viewer: Option<Viewer>,
    ) -> StoreResult<Vec<FeedEntry>> {
        let org = org.to_owned();
        self.read(move |c| {
            let (person, device) = viewer.map(|v| (v.person, v.device)).unzip();
            // The whole feed for the office; for a technician, index lookups of their documents only.
            let sql = if person.is_none() { OFFICE_FEED } else { TECHNICIAN_FEED };
            let mut stmt = c.prepare_cached(sql)?;
            let rows = stmt.query_map(params![org, after as i64, limit as i64, person, device], |r| {
                let seq: i64 = r.get(0)?;
                let kind: String = r.get(1)?;
                let item = if kind == "doc" {
                    FeedItem::Doc {
                        id: r.get(2)?,
                        meta: DocMeta {
                            assignee: r.get(3)?,
                            creator: r.get::<_, Option<String>>(4)?.unwrap_or_default(),
                            official: r.get(5)?,
                        },
                        heads: r.get::<_, Option<Vec<u8>>>(6)?.unwrap_or_default(),
                    }
                } else {
                    FeedItem::Reference
                };
                Ok(FeedEntry { seq: seq as u64, item })
            })?;
            Ok(rows.collect::<Result<_, _>>()?)
        })
        .await
    }

    async fn feed_state(&self, org: &str) -> StoreResult<FeedState> {
        let org = org.to_owned();
        self.read(move |c| {
            let (head, reference, epoch): (Option<i64>, Option<i64>, Option<String>) = c
                .prepare_cached(
                    "SELECT (SELECT max(seq) FROM feed WHERE org = ?1), \
                            (SELECT seq FROM feed WHERE org = ?1 AND kind = 'reference'), \
                            (SELECT value FROM server_meta WHERE key = 'epoch')",
                )?
                .query_row([org], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?;
            Ok(FeedState {
                head: head.unwrap_or(0) as u64,
                reference: reference.map(|n| n as u64),
                epoch: epoch.unwrap_or_default(),
            })
        })
        .await
    }

    async fn confirm_knowledge(&self, device: &str, cursor: u64) -> StoreResult<()> {
        let device = device.to_owned();
        self.call_relaxed(move |tx| {
            let cursor = cursor as i64;
            tx.prepare_cached(
                "DELETE FROM knowledge WHERE device = ?1 AND pending_cursor <= ?2 AND length(pending) = 0",
            )?
            .execute(params![device, cursor])?;
            tx.prepare_cached(
                "UPDATE knowledge SET heads = pending, pending = NULL, pending_cursor = NULL \
                 WHERE device = ?1 AND pending_cursor <= ?2",
            )?
            .execute(params![device, cursor])?;
            tx.prepare_cached(
                "UPDATE knowledge SET pending = NULL, pending_cursor = NULL WHERE device = ?1 AND pending_cursor > ?2",
            )?
            .execute(params![device, cursor])?;
            tx.prepare_cached("DELETE FROM knowledge WHERE device = ?1 AND heads IS NULL AND pending IS NULL")?
                .execute([&device])?;
            Ok(())
        })
        .await
    }

    async fn knowledge(&self, device: &str, docs: &[String]) -> StoreResult<Vec<(String, Vec<u8>)>> {
        let device = device.to_owned();
        let docs = docs.to_vec();
        self.read(move |c| {
            let mut stmt = c.prepare_cached("SELECT heads FROM knowledge WHERE device = ?1 AND doc = ?2")?;
            let mut out = Vec::new();
            for d in docs {
                let h: Option<Option<Vec<u8>>> = stmt.query_row(params![device, d], |r| r.get(0)).optional()?;
                if let Some(Some(h)) = h {
                    out.push((d, h));
                }
            }
            Ok(out)
        })
        .await
    }

    async fn record_knowledge(
        &self,
        device: &str,
        cursor: u64,
        known: Vec<(String, Vec<u8>)>,
        pending: Vec<(String, Vec<u8>)>,
    ) -> StoreResult<()> {
        let device = device.to_owned();
        self.call_relaxed(move |tx| {
            for (doc, heads) in known {
                tx.prepare_cached(
                    "INSERT INTO knowledge(device, doc, heads) VALUES (?1, ?2, ?3) \
                     ON CONFLICT(device, doc) DO UPDATE SET heads = excluded.heads",
                )?
                .execute(params![device, doc, heads])?;
            }
            for (doc, heads) in pending {
                tx.prepare_cached(
                    "INSERT INTO knowledge(device, doc, pending, pending_cursor) VALUES (?1, ?2, ?3, ?4) \
                     ON CONFLICT(device, doc) DO UPDATE SET pending = excluded.pending, pending_cursor = excluded.pending_cursor",
                )?
                .execute(params![device, doc, heads, cursor as i64])?;
            }
            Ok(())
        })
        .await
    }

    async fn blob(&self, sha: &str) -> StoreResult<Option<BlobMeta>> {
        let sha = sha.to_owned();
        self.read(move |c| {
            Ok(c.prepare_cached("SELECT size, uploaded_by, created_ms FROM blobs WHERE sha = ?1")?
                .query_row([&sha], |r| {
                    Ok(BlobMeta {
                        sha: sha.clone(),
                        size: r.get::<_, i64>(0)? as u64,
                        uploaded_by: r.get(1)?,
                        created_ms: r.get(2)?,
                    })
                })
                .optional()?)
        })
        .await
    }

    async fn put_blob(&self, m: BlobMeta) -> StoreResult<()> {
        self.call(move |c| {
            c.execute(
                "INSERT OR IGNORE INTO blobs(sha, size, uploaded_by, created_ms) VALUES (?1, ?2, ?3, ?4)",
                params![m.sha, m.size as i64, m.uploaded_by, m.created_ms],
            )?;
            c.execute(
                "INSERT OR IGNORE INTO blob_orgs(sha, org) SELECT ?1, org FROM devices WHERE id = ?2",
                params![m.sha, m.uploaded_by],
            )?;
            Ok(())
        })
        .await
    }

    async fn new_epoch(&self) -> StoreResult<String> {
        self.call(|c| {
            Ok(c.query_row(
                "UPDATE server_meta SET value = lower(hex(randomblob(8))) WHERE key = 'epoch' RETURNING value",
                [],
                |r| r.get(0),
            )?)
        })
        .await
    }

    async fn blob_in_org(&self, sha: &str, org: &str) -> StoreResult<bool> {
        let (sha, org) = (sha.to_owned(), org.to_owned());
        self.read(move |c| {
            Ok(c.prepare_cached("SELECT 1 FROM blob_orgs WHERE sha = ?1 AND org = ?2")?.exists(params![sha, org])?)
        })
        .await
    }

    async fn blob_holders(&self, sha: &str) -> StoreResult<Vec<BlobHolder>> {
        let sha = sha.to_owned();
        self.read(move |c| {
            Ok(c.prepare_cached(
                "SELECT d.id, d.org, d.assignee, d.creator, d.official FROM doc_blobs b \
                 JOIN documents d ON d.id = b.doc WHERE b.sha = ?1",
            )?
            .query_map([sha], |r| {
                Ok(BlobHolder {
                    doc: r.get(0)?,
                    org: r.get(1)?,
                    meta: DocMeta { assignee: r.get(2)?, creator: r.get(3)?, official: r.get(4)? },
                })
            })?
            .collect::<Result<_, _>>()?)
        })
        .await
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    /// The feed queries run on every sync: each table they touch must be reached through an index
    /// lookup, never a walk over the organisation's documents or feed (SQLite plans without
    /// statistics, so the plan does not depend on the data).
    #[test]
    fn feed_queries_use_their_indexes() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("plan.db");
        drop(SqliteStore::open(&path).unwrap());
        let c = Connection::open(&path).unwrap();
        let plan = |sql: &str, args: &[&dyn rusqlite::ToSql]| -> Vec<String> {
            let mut st = c.prepare(&format!("EXPLAIN QUERY PLAN {sql}")).unwrap();
            st.query_map(args, |r| r.get::<_, String>(3)).unwrap().map(Result::unwrap).collect()
        };
        let person: Option<&str> = Some("p-wang");
        let device: Option<&str> = Some("d1");
        let tech = plan(TECHNICIAN_FEED, &[&"acme", &7i64, &500i64, &person, &device]);
        let expected = [
            "SEARCH d USING INDEX documents_assignee_seq (org=? AND assignee=? AND seq>?)",
            "SEARCH d USING INDEX documents_creator_seq (org=? AND creator=? AND seq>?)",
            "SEARCH k USING PRIMARY KEY (device=?)",
            "SEARCH d USING INDEX sqlite_autoindex_documents_1 (id=?)",
            "SEARCH f USING COVERING INDEX feed_org_kind_seq (org=? AND kind=? AND seq>?)",
        ];
        for step in expected {
            assert!(
                tech.iter().any(|l| l.replace("COVERING ", "") == step.replace("COVERING ", "")),
                "{step} missing from {tech:#?}"
            );
        }
        assert!(
            !tech.iter().any(|l| l.contains("documents_org") || l.starts_with("SCAN d") || l.starts_with("SCAN f")),
            "{tech:#?}"
        );
        let none: Option<&str> = None;
        let office = plan(OFFICE_FEED, &[&"acme", &7i64, &500i64, &none, &none]);
        assert!(office.iter().any(|l| l.contains("feed_org_seq (org=? AND seq>?)")), "{office:#?}");
        assert!(!office.iter().any(|l| l.starts_with("SCAN")), "{office:#?}");
    }
}
