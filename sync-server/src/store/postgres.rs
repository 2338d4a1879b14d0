//! The PostgreSQL backend, for several server processes sharing one database (`--db postgres://…`).
//!
//! Same tables and semantics as the SQLite backend (both pass [`super::conformance::run`]), with one
//! difference that several processes make necessary: an organisation's feed positions come from
//! `orgs.feed_last`, incremented inside the writing transaction. The row lock it takes orders the
//! organisation's writers, so positions become visible in commit order: a device that read up to
//! position N never misses a write that commits later with a smaller number (a sequence would allow
//! exactly that). Migrations run once under an advisory lock, whichever process starts first.

use super::*;
use deadpool_postgres::GenericClient;
use deadpool_postgres::{Manager, ManagerConfig, Pool, RecyclingMethod};
use std::collections::HashMap;
use tokio_postgres::{NoTls, Row};

const MIGRATIONS: &[(i32, &str)] = &[(1, include_str!("migrations/postgres/0001_init.sql"))];

/// The newest schema this build knows.
pub const SCHEMA: i32 = 1;

/// Connections per process.
const POOL_SIZE: usize = 16;

/// Arbitrary key of the advisory lock held while migrating.
const MIGRATION_LOCK: i64 = 0x5167_6e6f_6666;

/// PostgreSQL store: a connection pool.
#[derive(Clone)]
pub struct PgStore {
    pool: Pool,
}

impl std::fmt::Debug for PgStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PgStore").field("status", &self.pool.status()).finish()
    }
}

fn pool_error(e: impl std::fmt::Display) -> StoreError {
    StoreError::Setup(format!("cannot get a database connection: {e}"))
}

impl PgStore {
    /// Connect to `url` (`postgres://user@host:port/db`) and apply migrations.
    pub async fn connect(url: &str) -> StoreResult<PgStore> {
        let config: tokio_postgres::Config =
            url.parse().map_err(|e| StoreError::Setup(format!("not a PostgreSQL URL: {e}")))?;
        let manager = Manager::from_config(config, NoTls, ManagerConfig { recycling_method: RecyclingMethod::Fast });
        let pool = Pool::builder(manager).max_size(POOL_SIZE).build().map_err(pool_error)?;
        let store = PgStore { pool };
        store.migrate().await?;
        Ok(store)
    }

    async fn migrate(&self) -> StoreResult<()> {
        let mut c = self.pool.get().await.map_err(pool_error)?;
        let tx = c.transaction().await?;
        tx.execute("SELECT pg_advisory_xact_lock($1)", &[&MIGRATION_LOCK]).await?;
        tx.batch_execute("CREATE TABLE IF NOT EXISTS signoff_schema (version INTEGER NOT NULL)").await?;
        let version: i32 =
            tx.query_opt("SELECT max(version) FROM signoff_schema", &[]).await?.and_then(|r| r.get(0)).unwrap_or(0);
        if version > SCHEMA {
            return Err(StoreError::Setup(format!(
                "the database uses schema {version}, newer than this server supports ({SCHEMA})"
            )));
        }
        for (n, sql) in MIGRATIONS.iter().filter(|(n, _)| *n > version) {
            tx.batch_execute(sql).await?;
            tx.execute("INSERT INTO signoff_schema(version) VALUES ($1)", &[n]).await?;
        }
        tx.commit().await?;
        Ok(())
    }

    async fn client(&self) -> StoreResult<deadpool_postgres::Object> {
        self.pool.get().await.map_err(pool_error)
    }

    /// Copy every table of a SQLite server database (read in one transaction) into this empty
    /// database, in one transaction: feed positions, knowledge and token hashes are kept, so devices
    /// stay enrolled and keep their cursors. Returns each document's id and heads as SQLite had them.
    pub async fn copy_from_sqlite(&self, src: &rusqlite::Connection) -> StoreResult<Vec<(String, Vec<u8>)>> {
        let mut c = self.client().await?;
        let tx = c.transaction().await?;
        let orgs: i64 = tx.query_one("SELECT count(*) FROM orgs", &[]).await?.get(0);
        if orgs > 0 {
            return Err(StoreError::Refused(
                "the PostgreSQL database already has data: migrate into an empty one".into(),
            ));
        }
        src.execute_batch("BEGIN")?;
        // (table, columns with their PostgreSQL kinds: t text, b bigint, i integer, x bytea)
        const TABLES: &[(&str, &[(&str, char)])] = &[
            ("orgs", &[("id", 't'), ("name", 't'), ("created_ms", 'b')]),
            ("people", &[("org", 't'), ("id", 't'), ("name", 't'), ("role", 't'), ("skills", 't')]),
            (
                "enrolments",
                &[
                    ("code_hash", 't'),
                    ("org", 't'),
                    ("person", 't'),
                    ("expires_ms", 'b'),
                    ("used_ms", 'b'),
                    ("device", 't'),
                ],
            ),
            (
                "devices",
                &[
                    ("id", 't'),
                    ("org", 't'),
                    ("person", 't'),
                    ("public_key", 't'),
                    ("name", 't'),
                    ("token_hash", 't'),
                    ("enrolled_ms", 'b'),
                    ("revoked_ms", 'b'),
                ],
            ),
            (
                "documents",
                &[
                    ("id", 't'),
                    ("org", 't'),
                    ("version", 'b'),
                    ("snapshot", 'x'),
                    ("assignee", 't'),
                    ("creator", 't'),
                    ("official", 't'),
                    ("heads", 'x'),
                    ("seq", 'b'),
                ],
            ),
            ("doc_changes", &[("doc", 't'), ("n", 'i'), ("bytes", 'x')]),
            ("feed", &[("org", 't'), ("seq", 'b'), ("kind", 't'), ("key", 't')]),
            ("knowledge", &[("device", 't'), ("doc", 't'), ("heads", 'x'), ("pending", 'x'), ("pending_cursor", 'b')]),
            ("numbers", &[("org", 't'), ("year", 'i'), ("last", 'b')]),
            ("reference", &[("org", 't'), ("json", 't')]),
            ("blobs", &[("sha", 't'), ("size", 'b'), ("uploaded_by", 't'), ("created_ms", 'b')]),
            ("doc_blobs", &[("doc", 't'), ("sha", 't')]),
        ];
        for (table, cols) in TABLES {
            let names: Vec<&str> = cols.iter().map(|(n, _)| *n).collect();
            let marks: Vec<String> = (1..=cols.len()).map(|i| format!("${i}")).collect();
            let insert =
                tx.prepare(&format!("INSERT INTO {table}({}) VALUES ({})", names.join(", "), marks.join(", "))).await?;
            let mut stmt = src.prepare(&format!("SELECT {} FROM {table}", names.join(", ")))?;
            let mut rows = stmt.query([])?;
            while let Some(row) = rows.next()? {
                let mut values: Vec<Box<dyn tokio_postgres::types::ToSql + Sync + Send>> =
                    Vec::with_capacity(cols.len());
                for (i, (_, kind)) in cols.iter().enumerate() {
                    values.push(match kind {
                        't' => Box::new(row.get::<_, Option<String>>(i)?),
                        'b' => Box::new(row.get::<_, Option<i64>>(i)?),
                        'i' => Box::new(row.get::<_, Option<i64>>(i)?.map(|v| v as i32)),
                        _ => Box::new(row.get::<_, Option<Vec<u8>>>(i)?),
                    });
                }
                let refs: Vec<&(dyn tokio_postgres::types::ToSql + Sync)> =
                    values.iter().map(|v| v.as_ref() as &(dyn tokio_postgres::types::ToSql + Sync)).collect();
                tx.execute(&insert, &refs).await?;
            }
        }
        tx.execute(
            "UPDATE orgs SET feed_last = coalesce((SELECT max(seq) FROM feed WHERE feed.org = orgs.id), 0)",
            &[],
        )
        .await?;
        let ids: Vec<(String, Vec<u8>)> = src
            .prepare("SELECT id, heads FROM documents ORDER BY id")?
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
            .collect::<Result<_, _>>()?;
        src.execute_batch("COMMIT")?;
        tx.commit().await?;
        Ok(ids)
    }
}

/// The next feed position of `org`, taken in the caller's transaction (locks the organisation's row
/// until it commits), and the entry for (kind, key) moved to it.
async fn touch_feed(tx: &impl GenericClient, org: &str, kind: &str, key: &str) -> StoreResult<u64> {
    let row =
        tx.query_opt("UPDATE orgs SET feed_last = feed_last + 1 WHERE id = $1 RETURNING feed_last", &[&org]).await?;
    let Some(row) = row else { return Err(StoreError::NotFound(format!("organisation {org}"))) };
    let seq: i64 = row.get(0);
    tx.execute(
        "INSERT INTO feed(org, seq, kind, key) VALUES ($1, $2, $3, $4) \
         ON CONFLICT (org, kind, key) DO UPDATE SET seq = excluded.seq",
        &[&org, &seq, &kind, &key],
    )
    .await?;
    Ok(seq as u64)
}

const DEVICE_COLS: &str = "d.id, d.org, d.person, p.role, d.public_key, d.name, d.revoked_ms";

fn device_row(r: &Row) -> StoreResult<DeviceRecord> {
    let role: String = r.get(3);
    Ok(DeviceRecord {
        id: r.get(0),
        org: r.get(1),
        person: r.get(2),
        role: Role::parse(&role).ok_or_else(|| StoreError::Setup(format!("unknown role {role:?} stored")))?,
        public_key: r.get(4),
        name: r.get(5),
        revoked_ms: r.get(6),
    })
}

async fn write_one(tx: &impl GenericClient, w: &DocWrite) -> StoreResult<u64> {
    match w.expected_version {
        None => {
            let DocBody::Snapshot(snapshot) = &w.body else {
                return Err(StoreError::Refused("a new document needs a snapshot".into()));
            };
            let n = tx
                .execute(
                    "INSERT INTO documents(id, org, version, snapshot, assignee, creator, official, heads) \
                     VALUES ($1, $2, 1, $3, $4, $5, $6, $7) ON CONFLICT (id) DO NOTHING",
                    &[&w.id, &w.org, snapshot, &w.meta.assignee, &w.meta.creator, &w.meta.official, &w.heads],
                )
                .await?;
            if n == 0 {
                return Err(StoreError::Conflict);
            }
        }
        Some(v) => {
            let n = tx
                .execute(
                    "UPDATE documents SET version = version + 1, assignee = $3, official = $4, heads = $5 \
                     WHERE id = $1 AND version = $2",
                    &[&w.id, &v, &w.meta.assignee, &w.meta.official, &w.heads],
                )
                .await?;
            if n == 0 {
                return Err(StoreError::Conflict);
            }
            match &w.body {
                DocBody::Snapshot(s) => {
                    tx.execute("UPDATE documents SET snapshot = $2 WHERE id = $1", &[&w.id, s]).await?;
                    tx.execute("DELETE FROM doc_changes WHERE doc = $1", &[&w.id]).await?;
                }
                DocBody::Append(bytes) => {
                    tx.execute(
                        "INSERT INTO doc_changes(doc, n, bytes) \
                         VALUES ($1, (SELECT coalesce(max(n), 0) + 1 FROM doc_changes WHERE doc = $1), $2)",
                        &[&w.id, bytes],
                    )
                    .await?;
                }
            }
        }
    }
    tx.execute("DELETE FROM doc_blobs WHERE doc = $1", &[&w.id]).await?;
    for sha in &w.blobs {
        tx.execute("INSERT INTO doc_blobs(doc, sha) VALUES ($1, $2) ON CONFLICT DO NOTHING", &[&w.id, sha]).await?;
    }
    let seq = touch_feed(tx, &w.org, "doc", &w.id).await?;
    tx.execute("UPDATE documents SET seq = $2 WHERE id = $1", &[&w.id, &(seq as i64)]).await?;
    Ok(seq)
}

async fn read_document(c: &impl GenericClient, id: &str) -> StoreResult<Option<StoredDoc>> {
    let Some(r) = c
        .query_opt(
            "SELECT org, version, snapshot, assignee, creator, official, heads FROM documents WHERE id = $1",
            &[&id],
        )
        .await?
    else {
        return Ok(None);
    };
    let changes = c
        .query("SELECT bytes FROM doc_changes WHERE doc = $1 ORDER BY n", &[&id])
        .await?
        .iter()
        .map(|r| r.get::<_, Vec<u8>>(0))
        .collect();
    Ok(Some(StoredDoc {
        org: r.get(0),
        version: r.get(1),
        snapshot: r.get(2),
        changes,
        heads: r.get(6),
        meta: DocMeta { assignee: r.get(3), creator: r.get(4), official: r.get(5) },
    }))
}

/// The whole feed of an organisation (the office's devices).
const OFFICE_FEED: &str = "SELECT f.seq, f.kind, f.key, d.assignee, d.creator, d.official, d.heads FROM feed f \
     LEFT JOIN documents d ON f.kind = 'doc' AND d.id = f.key \
     WHERE f.org = $1 AND f.seq > $2 ORDER BY f.seq LIMIT $3";

/// A technician's feed (see the SQLite backend's `TECHNICIAN_FEED`).
const TECHNICIAN_FEED: &str = "SELECT seq, kind, key, assignee, creator, official, heads FROM ( \
       SELECT d.seq AS seq, 'doc' AS kind, d.id AS key, d.assignee AS assignee, d.creator AS creator, \
              d.official AS official, d.heads AS heads \
         FROM documents d WHERE d.org = $1 AND d.assignee = $4 AND d.seq > $2 \
       UNION SELECT d.seq, 'doc', d.id, d.assignee, d.creator, d.official, d.heads \
         FROM documents d WHERE d.org = $1 AND d.assignee IS NULL AND d.creator = $5 AND d.seq > $2 \
       UNION SELECT d.seq, 'doc', d.id, d.assignee, d.creator, d.official, d.heads \
         FROM knowledge k JOIN documents d ON d.id = k.doc WHERE k.device = $5 AND d.org = $1 AND d.seq > $2 \
       UNION SELECT f.seq, f.kind, f.key, NULL, NULL, NULL, NULL \
         FROM feed f WHERE f.org = $1 AND f.kind = 'reference' AND f.seq > $2 \
     ) t ORDER BY seq LIMIT $3";

fn feed_entry(r: &Row) -> FeedEntry {
    let seq: i64 = r.get(0);
    let kind: String = r.get(1);
    let item = if kind == "doc" {
        FeedItem::Doc {
            id: r.get(2),
            meta: DocMeta {
                assignee: r.get(3),
                creator: r.get::<_, Option<String>>(4).unwrap_or_default(),
                official: r.get(5),
            },
            heads: r.get::<_, Option<Vec<u8>>>(6).unwrap_or_default(),
        }
    } else {
        FeedItem::Reference
    };
    FeedEntry { seq: seq as u64, item }
}

impl Store for PgStore {
    async fn create_org(&self, id: &str, name: &str, now_ms: i64) -> StoreResult<()> {
        let c = self.client().await?;
        let n = c
            .execute(
                "INSERT INTO orgs(id, name, created_ms) VALUES ($1, $2, $3) ON CONFLICT (id) DO NOTHING",
                &[&id, &name, &now_ms],
            )
            .await?;
        if n == 0 {
            return Err(StoreError::Refused(format!("organisation {id} already exists")));
        }
        Ok(())
    }

    async fn orgs(&self) -> StoreResult<Vec<(String, String)>> {
        let c = self.client().await?;
        Ok(c.query("SELECT id, name FROM orgs ORDER BY id", &[]).await?.iter().map(|r| (r.get(0), r.get(1))).collect())
    }

    async fn put_person(&self, p: PersonRecord) -> StoreResult<()> {
        let c = self.client().await?;
        if c.query_opt("SELECT id FROM orgs WHERE id = $1", &[&p.org]).await?.is_none() {
            return Err(StoreError::NotFound(format!("organisation {}", p.org)));
        }
        let skills = serde_json::to_string(&p.skills).map_err(|e| StoreError::Refused(e.to_string()))?;
        c.execute(
            "INSERT INTO people(org, id, name, role, skills) VALUES ($1, $2, $3, $4, $5) \
             ON CONFLICT (org, id) DO UPDATE SET name = excluded.name, role = excluded.role, skills = excluded.skills",
            &[&p.org, &p.id, &p.name, &p.role.code(), &skills],
        )
        .await?;
        Ok(())
    }

    async fn person(&self, org: &str, id: &str) -> StoreResult<Option<PersonRecord>> {
        let c = self.client().await?;
        let row = c.query_opt("SELECT name, role, skills FROM people WHERE org = $1 AND id = $2", &[&org, &id]).await?;
        Ok(row.map(|r| PersonRecord {
            org: org.to_owned(),
            id: id.to_owned(),
            name: r.get(0),
            role: Role::parse(r.get(1)).unwrap_or(Role::Technician),
            skills: serde_json::from_str(r.get(2)).unwrap_or_default(),
        }))
    }

    async fn add_enrolment(&self, e: Enrolment) -> StoreResult<()> {
        let c = self.client().await?;
        c.execute(
            "INSERT INTO enrolments(code_hash, org, person, expires_ms) VALUES ($1, $2, $3, $4)",
            &[&e.code_hash, &e.org, &e.person, &e.expires_ms],
        )
        .await?;
        Ok(())
    }

    async fn redeem_enrolment(&self, code_hash: &str, d: NewDevice, now_ms: i64) -> StoreResult<DeviceRecord> {
        let mut c = self.client().await?;
        let tx = c.transaction().await?;
        // Claiming the code is the lock: of two devices redeeming it at once, one updates the row.
        let Some(claim) = tx
            .query_opt(
                "UPDATE enrolments SET used_ms = $2, device = $3 \
                 WHERE code_hash = $1 AND used_ms IS NULL AND expires_ms > $2 RETURNING org, person",
                &[&code_hash, &now_ms, &d.id],
            )
            .await?
        else {
            return Err(StoreError::NotFound("an unused, unexpired enrolment code".into()));
        };
        let (org, person): (String, String) = (claim.get(0), claim.get(1));
        let inserted = tx
            .execute(
                "INSERT INTO devices(id, org, person, public_key, name, token_hash, enrolled_ms) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (id) DO NOTHING",
                &[&d.id, &org, &person, &d.public_key, &d.name, &d.token_hash, &now_ms],
            )
            .await?;
        if inserted == 0 {
            // Rolled back: the code stays unused.
            return Err(StoreError::Refused(format!("device {} is already enrolled", d.id)));
        }
        touch_feed(&tx, &org, "reference", "").await?;
        let row = tx
            .query_one(
                &format!(
                    "SELECT {DEVICE_COLS} FROM devices d JOIN people p ON p.org = d.org AND p.id = d.person WHERE d.id = $1"
                ),
                &[&d.id],
            )
            .await?;
        let rec = device_row(&row)?;
        tx.commit().await?;
        Ok(rec)
    }

    async fn device_by_token(&self, token_hash: &str) -> StoreResult<Option<DeviceRecord>> {
        let c = self.client().await?;
        let stmt = c
            .prepare_cached(&format!(
                "SELECT {DEVICE_COLS} FROM devices d JOIN people p ON p.org = d.org AND p.id = d.person WHERE d.token_hash = $1"
            ))
            .await?;
        c.query_opt(&stmt, &[&token_hash]).await?.as_ref().map(device_row).transpose()
    }

    async fn revoke_device(&self, id: &str, now_ms: i64) -> StoreResult<bool> {
        let mut c = self.client().await?;
        let tx = c.transaction().await?;
        let Some(row) = tx
            .query_opt(
                "UPDATE devices SET revoked_ms = coalesce(revoked_ms, $2) WHERE id = $1 RETURNING org",
                &[&id, &now_ms],
            )
            .await?
        else {
            return Ok(false);
        };
        let org: String = row.get(0);
        touch_feed(&tx, &org, "reference", "").await?;
        tx.commit().await?;
        Ok(true)
    }

    async fn devices(&self, org: &str) -> StoreResult<Vec<DeviceRecord>> {
        let c = self.client().await?;
        c.query(
            &format!(
                "SELECT {DEVICE_COLS} FROM devices d JOIN people p ON p.org = d.org AND p.id = d.person \
                 WHERE d.org = $1 ORDER BY d.id"
            ),
            &[&org],
        )
        .await?
        .iter()
        .map(device_row)
        .collect()
    }

    async fn set_reference(&self, org: &str, json: &str) -> StoreResult<u64> {
        let mut c = self.client().await?;
        let tx = c.transaction().await?;
        tx.execute(
            "INSERT INTO reference(org, json) VALUES ($1, $2) ON CONFLICT (org) DO UPDATE SET json = excluded.json",
            &[&org, &json],
        )
        .await?;
        let seq = touch_feed(&tx, org, "reference", "").await?;
        tx.commit().await?;
        Ok(seq)
    }

    async fn reference(&self, org: &str) -> StoreResult<Option<String>> {
        let c = self.client().await?;
        Ok(c.query_opt("SELECT json FROM reference WHERE org = $1", &[&org]).await?.map(|r| r.get(0)))
    }

    async fn document(&self, id: &str) -> StoreResult<Option<StoredDoc>> {
        let c = self.client().await?;
        read_document(&c, id).await
    }

    async fn documents(&self, ids: Vec<String>) -> StoreResult<Vec<Option<StoredDoc>>> {
        let c = self.client().await?;
        let mut out = Vec::with_capacity(ids.len());
        for id in &ids {
            out.push(read_document(&c, id).await?);
        }
        Ok(out)
    }

    async fn write_document(&self, w: DocWrite) -> StoreResult<u64> {
        let mut c = self.client().await?;
        let tx = c.transaction().await?;
        let seq = write_one(&tx, &w).await?;
        tx.commit().await?;
        Ok(seq)
    }

    async fn write_documents(&self, ws: Vec<DocWrite>) -> StoreResult<Vec<StoreResult<u64>>> {
        let mut c = self.client().await?;
        let tx = c.transaction().await?;
        let mut out = Vec::with_capacity(ws.len());
        for w in &ws {
            // A conflict is found before anything of that write is changed; other errors abort all.
            match write_one(&tx, w).await {
                Err(StoreError::Conflict) => out.push(Err(StoreError::Conflict)),
                Err(e) => return Err(e),
                Ok(seq) => out.push(Ok(seq)),
            }
        }
        tx.commit().await?;
        Ok(out)
    }

    async fn document_ids(&self, org: &str) -> StoreResult<Vec<String>> {
        let c = self.client().await?;
        Ok(c.query("SELECT id FROM documents WHERE org = $1 ORDER BY id", &[&org])
            .await?
            .iter()
            .map(|r| r.get(0))
            .collect())
    }

    async fn next_number(&self, org: &str, year: i32, count: u64) -> StoreResult<u64> {
        let c = self.client().await?;
        let count = count.max(1) as i64;
        let last: i64 = c
            .query_one(
                "INSERT INTO numbers(org, year, last) VALUES ($1, $2, $3) \
                 ON CONFLICT (org, year) DO UPDATE SET last = numbers.last + $3 RETURNING last",
                &[&org, &year, &count],
            )
            .await?
            .get(0);
        Ok((last - count + 1) as u64)
    }

    async fn feed_after(
        &self,
        org: &str,
        after: u64,
        limit: usize,
        viewer: Option<Viewer>,
    ) -> StoreResult<Vec<FeedEntry>> {
        let c = self.client().await?;
        let (after, limit) = (after as i64, limit as i64);
        let rows = match &viewer {
            None => {
                let stmt = c.prepare_cached(OFFICE_FEED).await?;
                c.query(&stmt, &[&org, &after, &limit]).await?
            }
            Some(v) => {
                let stmt = c.prepare_cached(TECHNICIAN_FEED).await?;
                c.query(&stmt, &[&org, &after, &limit, &v.person, &v.device]).await?
            }
        };
        Ok(rows.iter().map(feed_entry).collect())
    }

    async fn feed_head(&self, org: &str) -> StoreResult<u64> {
        let c = self.client().await?;
        let n: Option<i64> =
            c.query_opt("SELECT max(seq) FROM feed WHERE org = $1", &[&org]).await?.and_then(|r| r.get(0));
        Ok(n.unwrap_or(0) as u64)
    }

    async fn reference_seq(&self, org: &str) -> StoreResult<Option<u64>> {
        let c = self.client().await?;
        let row = c.query_opt("SELECT seq FROM feed WHERE org = $1 AND kind = 'reference'", &[&org]).await?;
        Ok(row.map(|r| r.get::<_, i64>(0) as u64))
    }

    async fn confirm_knowledge(&self, device: &str, cursor: u64) -> StoreResult<()> {
        let mut c = self.client().await?;
        let tx = c.transaction().await?;
        let cursor = cursor as i64;
        tx.execute(
            "DELETE FROM knowledge WHERE device = $1 AND pending_cursor <= $2 AND length(pending) = 0",
            &[&device, &cursor],
        )
        .await?;
        tx.execute(
            "UPDATE knowledge SET heads = pending, pending = NULL, pending_cursor = NULL \
             WHERE device = $1 AND pending_cursor <= $2",
            &[&device, &cursor],
        )
        .await?;
        tx.execute(
            "UPDATE knowledge SET pending = NULL, pending_cursor = NULL WHERE device = $1 AND pending_cursor > $2",
            &[&device, &cursor],
        )
        .await?;
        tx.execute("DELETE FROM knowledge WHERE device = $1 AND heads IS NULL AND pending IS NULL", &[&device]).await?;
        tx.commit().await?;
        Ok(())
    }

    async fn knowledge(&self, device: &str, docs: &[String]) -> StoreResult<Vec<(String, Vec<u8>)>> {
        let c = self.client().await?;
        let rows = c
            .query(
                "SELECT doc, heads FROM knowledge WHERE device = $1 AND doc = ANY($2) AND heads IS NOT NULL",
                &[&device, &docs],
            )
            .await?;
        let mut found: HashMap<String, Vec<u8>> = rows.iter().map(|r| (r.get(0), r.get(1))).collect();
        // In the order asked (as the SQLite backend answers).
        Ok(docs.iter().filter_map(|d| found.remove(d).map(|h| (d.clone(), h))).collect())
    }

    async fn record_knowledge(
        &self,
        device: &str,
        cursor: u64,
        known: Vec<(String, Vec<u8>)>,
        pending: Vec<(String, Vec<u8>)>,
    ) -> StoreResult<()> {
        let mut c = self.client().await?;
        let tx = c.transaction().await?;
        let cursor = cursor as i64;
        for (doc, heads) in &known {
            tx.execute(
                "INSERT INTO knowledge(device, doc, heads) VALUES ($1, $2, $3) \
                 ON CONFLICT (device, doc) DO UPDATE SET heads = excluded.heads",
                &[&device, doc, heads],
            )
            .await?;
        }
        for (doc, heads) in &pending {
            tx.execute(
                "INSERT INTO knowledge(device, doc, pending, pending_cursor) VALUES ($1, $2, $3, $4) \
                 ON CONFLICT (device, doc) DO UPDATE SET pending = excluded.pending, pending_cursor = excluded.pending_cursor",
                &[&device, doc, heads, &cursor],
            )
            .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    async fn blob(&self, sha: &str) -> StoreResult<Option<BlobMeta>> {
        let c = self.client().await?;
        let row = c.query_opt("SELECT size, uploaded_by, created_ms FROM blobs WHERE sha = $1", &[&sha]).await?;
        Ok(row.map(|r| BlobMeta {
            sha: sha.to_owned(),
            size: r.get::<_, i64>(0) as u64,
            uploaded_by: r.get(1),
            created_ms: r.get(2),
        }))
    }

    async fn put_blob(&self, m: BlobMeta) -> StoreResult<()> {
        let c = self.client().await?;
        c.execute(
            "INSERT INTO blobs(sha, size, uploaded_by, created_ms) VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING",
            &[&m.sha, &(m.size as i64), &m.uploaded_by, &m.created_ms],
        )
        .await?;
        Ok(())
    }

    async fn blob_holders(&self, sha: &str) -> StoreResult<Vec<BlobHolder>> {
        let c = self.client().await?;
        Ok(c.query(
            "SELECT d.id, d.org, d.assignee, d.creator, d.official FROM doc_blobs b \
             JOIN documents d ON d.id = b.doc WHERE b.sha = $1",
            &[&sha],
        )
        .await?
        .iter()
        .map(|r| BlobHolder {
            doc: r.get(0),
            org: r.get(1),
            meta: DocMeta { assignee: r.get(2), creator: r.get(3), official: r.get(4) },
        })
        .collect())
    }
}
