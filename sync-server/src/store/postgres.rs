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

const MIGRATIONS: &[(i32, &str)] = &[
    (1, include_str!("migrations/postgres/0001_init.sql")),
    (2, include_str!("migrations/postgres/0002_blob_orgs.sql")),
    (3, include_str!("migrations/postgres/0003_epoch.sql")),
    (4, include_str!("migrations/postgres/0004_contractor_crews.sql")),
];

/// The newest schema this build knows.
pub const SCHEMA: i32 = 4;

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
        sql_execute(&tx, "SELECT pg_advisory_xact_lock($1)", &[&MIGRATION_LOCK]).await?;
        tx.batch_execute("CREATE TABLE IF NOT EXISTS signoff_schema (version INTEGER NOT NULL)").await?;
        let version: i32 = sql_query_opt(&tx, "SELECT max(version) FROM signoff_schema", &[])
            .await?
            .and_then(|r| r.get(0))
            .unwrap_or(0);
        if version > SCHEMA {
            return Err(StoreError::Setup(format!(
                "the database uses schema {version}, newer than this server supports ({SCHEMA})"
            )));
        }
        for (n, sql) in MIGRATIONS.iter().filter(|(n, _)| *n > version) {
            tx.batch_execute(sql).await?;
            sql_execute(&tx, "INSERT INTO signoff_schema(version) VALUES ($1)", &[n]).await?;
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
        let orgs: i64 = sql_query_one(&tx, "SELECT count(*) FROM orgs", &[]).await?.get(0);
        if orgs > 0 {
            return Err(StoreError::Refused(
                "the PostgreSQL database already has data: migrate into an empty one".into(),
            ));
        }
        src.execute_batch("BEGIN")?;
        // (table, columns with their PostgreSQL kinds: t text, b bigint, i integer, x bytea)
        const TABLES: &[(&str, &[(&str, char)])] = &[
            ("orgs", &[("id", 't'), ("name", 't'), ("created_ms", 'b')]),
            (
                "people",
                &[("org", 't'), ("id", 't'), ("name", 't'), ("role", 't'), ("skills", 't'), ("contractor", 't')],
            ),
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
            ("blob_orgs", &[("sha", 't'), ("org", 't')]),
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
        // The same data, the same epoch: devices need not offer everything again after a migration.
        let epoch: Option<String> =
            src.query_row("SELECT value FROM server_meta WHERE key = 'epoch'", [], |r| r.get(0)).ok();
        if let Some(epoch) = epoch {
            sql_execute(&tx, "UPDATE server_meta SET value = $1 WHERE key = 'epoch'", &[&epoch]).await?;
        }
        sql_execute(
            &tx,
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

type Params<'a> = &'a [&'a (dyn tokio_postgres::types::ToSql + Sync)];

// Statements through the connection's cache of prepared statements: one round trip each, not two.
async fn sql_execute(c: &impl GenericClient, sql: &str, params: Params<'_>) -> StoreResult<u64> {
    let st = c.prepare_cached(sql).await?;
    Ok(c.execute(&st, params).await?)
}

async fn sql_query(c: &impl GenericClient, sql: &str, params: Params<'_>) -> StoreResult<Vec<Row>> {
    let st = c.prepare_cached(sql).await?;
    Ok(c.query(&st, params).await?)
}

async fn sql_query_opt(c: &impl GenericClient, sql: &str, params: Params<'_>) -> StoreResult<Option<Row>> {
    let st = c.prepare_cached(sql).await?;
    Ok(c.query_opt(&st, params).await?)
}

async fn sql_query_one(c: &impl GenericClient, sql: &str, params: Params<'_>) -> StoreResult<Row> {
    let st = c.prepare_cached(sql).await?;
    Ok(c.query_one(&st, params).await?)
}

/// The next feed position of `org`, taken in the caller's transaction (locks the organisation's row
/// until it commits), and the entry for (kind, key) moved to it.
async fn touch_feed(tx: &impl GenericClient, org: &str, kind: &str, key: &str) -> StoreResult<u64> {
    let seq = take_positions(tx, org, 1).await?;
    sql_execute(
        tx,
        "INSERT INTO feed(org, seq, kind, key) VALUES ($1, $2, $3, $4) \
         ON CONFLICT (org, kind, key) DO UPDATE SET seq = excluded.seq",
        &[&org, &seq, &kind, &key],
    )
    .await?;
    Ok(seq as u64)
}

const DEVICE_COLS: &str = "d.id, d.org, d.person, p.role, d.public_key, d.name, d.revoked_ms, p.contractor";

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
        contractor: r.get(7),
    })
}

/// Write documents in the caller's transaction: one result per write (`Conflict` for those another
/// writer changed first, found before anything of that write changed). The documents are written
/// first (new ones in one statement); the feed positions are taken last, in one statement per
/// organisation, so the organisation's row lock is held only for the few statements before the
/// commit rather than for the whole request.
async fn write_all(tx: &impl GenericClient, ws: &[DocWrite]) -> StoreResult<Vec<StoreResult<u64>>> {
    let mut out: Vec<Option<StoreResult<u64>>> = (0..ws.len()).map(|_| None).collect();
    // New documents, all at once; the ids that did not insert exist already.
    let new: Vec<usize> = (0..ws.len()).filter(|&i| ws[i].expected_version.is_none()).collect();
    for &i in &new {
        if !matches!(ws[i].body, DocBody::Snapshot(_)) {
            return Err(StoreError::Refused("a new document needs a snapshot".into()));
        }
    }
    // New documents, per organisation, in one statement (see `INSERT_NEW`).
    let mut new_orgs: Vec<&str> = new.iter().map(|&i| ws[i].org.as_str()).collect();
    new_orgs.sort_unstable();
    new_orgs.dedup();
    for org in new_orgs {
        let mine: Vec<usize> = new.iter().copied().filter(|&i| ws[i].org == org).collect();
        let ids: Vec<&str> = mine.iter().map(|&i| ws[i].id.as_str()).collect();
        let assignees: Vec<Option<&str>> = mine.iter().map(|&i| ws[i].meta.assignee.as_deref()).collect();
        let creators: Vec<&str> = mine.iter().map(|&i| ws[i].meta.creator.as_str()).collect();
        let officials: Vec<Option<&str>> = mine.iter().map(|&i| ws[i].meta.official.as_deref()).collect();
        let snapshots: Vec<&[u8]> = mine
            .iter()
            .map(|&i| match &ws[i].body {
                DocBody::Snapshot(s) | DocBody::Append(s) => s.as_slice(),
            })
            .collect();
        let heads: Vec<&[u8]> = mine.iter().map(|&i| ws[i].heads.as_slice()).collect();
        let (blob_docs, blob_shas): (Vec<&str>, Vec<&str>) =
            mine.iter().flat_map(|&i| ws[i].blobs.iter().map(move |s| (ws[i].id.as_str(), s.as_str()))).unzip();
        let rows = sql_query(
            tx,
            INSERT_NEW,
            &[&org, &ids, &snapshots, &assignees, &creators, &officials, &heads, &blob_docs, &blob_shas],
        )
        .await?;
        // No row at all: the organisation does not exist (one row with a NULL id: all were conflicts).
        if rows.is_empty() {
            return Err(StoreError::NotFound(format!("organisation {org}")));
        }
        let inserted: HashMap<String, i64> =
            rows.iter().filter_map(|r| r.get::<_, Option<String>>(0).map(|id| (id, r.get(1)))).collect();
        for &i in &mine {
            out[i] = Some(match inserted.get(&ws[i].id) {
                Some(seq) => Ok(*seq as u64),
                None => Err(StoreError::Conflict),
            });
        }
    }
    // Changed documents, one by one (a version check each).
    for (i, w) in ws.iter().enumerate() {
        let Some(v) = w.expected_version else { continue };
        let n = sql_execute(
            tx,
            "UPDATE documents SET version = version + 1, assignee = $3, official = $4, heads = $5 \
                 WHERE id = $1 AND version = $2",
            &[&w.id, &v, &w.meta.assignee, &w.meta.official, &w.heads],
        )
        .await?;
        if n == 0 {
            out[i] = Some(Err(StoreError::Conflict));
            continue;
        }
        match &w.body {
            DocBody::Snapshot(s) => {
                sql_execute(tx, "UPDATE documents SET snapshot = $2 WHERE id = $1", &[&w.id, s]).await?;
                sql_execute(tx, "DELETE FROM doc_changes WHERE doc = $1", &[&w.id]).await?;
            }
            DocBody::Append(bytes) => {
                sql_execute(
                    tx,
                    "INSERT INTO doc_changes(doc, n, bytes) \
                     VALUES ($1, (SELECT coalesce(max(n), 0) + 1 FROM doc_changes WHERE doc = $1), $2)",
                    &[&w.id, bytes],
                )
                .await?;
            }
        }
    }
    // Changed documents that were written (new ones are done).
    let written: Vec<usize> = (0..ws.len()).filter(|&i| out[i].is_none()).collect();
    if written.is_empty() {
        return Ok(out.into_iter().map(|o| o.unwrap_or(Err(StoreError::Conflict))).collect());
    }
    // Photo references.
    let ids: Vec<&str> = written.iter().map(|&i| ws[i].id.as_str()).collect();
    sql_execute(tx, "DELETE FROM doc_blobs WHERE doc = ANY($1)", &[&ids]).await?;
    insert_blob_refs(tx, ws, &written).await?;
    // Feed positions last, per organisation in a fixed order (no lock-order deadlocks).
    let mut orgs: Vec<&str> = written.iter().map(|&i| ws[i].org.as_str()).collect();
    orgs.sort_unstable();
    orgs.dedup();
    for org in orgs {
        let mine: Vec<usize> = written.iter().copied().filter(|&i| ws[i].org == org).collect();
        let first = take_positions(tx, org, mine.len() as i64).await?;
        let keys: Vec<&str> = mine.iter().map(|&i| ws[i].id.as_str()).collect();
        let seqs: Vec<i64> = (0..mine.len() as i64).map(|k| first + k).collect();
        sql_execute(tx,
            "INSERT INTO feed(org, seq, kind, key) SELECT $1, seq, 'doc', key FROM unnest($2::bigint[], $3::text[]) AS u(seq, key) \
             ON CONFLICT (org, kind, key) DO UPDATE SET seq = excluded.seq",
            &[&org, &seqs, &keys],
        )
        .await?;
        sql_execute(
            tx,
            "UPDATE documents d SET seq = u.seq FROM unnest($1::text[], $2::bigint[]) AS u(id, seq) WHERE d.id = u.id",
            &[&keys, &seqs],
        )
        .await?;
        for (k, &i) in mine.iter().enumerate() {
            out[i] = Some(Ok(seqs[k] as u64));
        }
    }
    Ok(out.into_iter().map(|o| o.unwrap_or(Err(StoreError::Conflict))).collect())
}

/// New documents of one organisation in one statement, so a push of new orders costs one round trip
/// and, alone in a request, needs no explicit transaction: take as many feed positions as documents
/// (locking the organisation's row until the commit; gaps left by ids that exist already are
/// harmless), insert the documents that do not exist yet with their positions, their feed entries and
/// their photo references. Returns the inserted ids with their positions, or a single row with a NULL
/// id when none was inserted, and no row when the organisation does not exist.
const INSERT_NEW: &str = "WITH pos AS ( \
       UPDATE orgs SET feed_last = feed_last + cardinality($2::text[]) WHERE id = $1 \
       RETURNING feed_last - cardinality($2::text[]) AS base \
     ), ins AS ( \
       INSERT INTO documents(id, org, version, snapshot, assignee, creator, official, heads, seq) \
       SELECT u.id, $1, 1, u.snapshot, u.assignee, u.creator, u.official, u.heads, pos.base + u.n \
       FROM unnest($2::text[], $3::bytea[], $4::text[], $5::text[], $6::text[], $7::bytea[]) \
            WITH ORDINALITY AS u(id, snapshot, assignee, creator, official, heads, n) CROSS JOIN pos \
       ON CONFLICT (id) DO NOTHING RETURNING id, seq \
     ), entries AS ( \
       INSERT INTO feed(org, seq, kind, key) SELECT $1, seq, 'doc', id FROM ins \
       ON CONFLICT (org, kind, key) DO UPDATE SET seq = excluded.seq \
     ), refs AS ( \
       INSERT INTO doc_blobs(doc, sha) SELECT b.doc, b.sha \
       FROM unnest($8::text[], $9::text[]) AS b(doc, sha) JOIN ins ON ins.id = b.doc \
       ON CONFLICT DO NOTHING \
     ) \
     SELECT ins.id, coalesce(ins.seq, pos.base) FROM pos LEFT JOIN ins ON true";

/// The photo references of the writes `which` (their old references already gone).
async fn insert_blob_refs(tx: &impl GenericClient, ws: &[DocWrite], which: &[usize]) -> StoreResult<()> {
    let (docs, shas): (Vec<&str>, Vec<&str>) =
        which.iter().flat_map(|&i| ws[i].blobs.iter().map(move |s| (ws[i].id.as_str(), s.as_str()))).unzip();
    if !docs.is_empty() {
        sql_execute(
            tx,
            "INSERT INTO doc_blobs(doc, sha) SELECT * FROM unnest($1::text[], $2::text[]) ON CONFLICT DO NOTHING",
            &[&docs, &shas],
        )
        .await?;
    }
    Ok(())
}

/// Take `n` feed positions of `org` (locks its row until the transaction ends); the first of them.
async fn take_positions(tx: &impl GenericClient, org: &str, n: i64) -> StoreResult<i64> {
    let row =
        sql_query_opt(tx, "UPDATE orgs SET feed_last = feed_last + $2 WHERE id = $1 RETURNING feed_last", &[&org, &n])
            .await?;
    let Some(row) = row else { return Err(StoreError::NotFound(format!("organisation {org}"))) };
    let last: i64 = row.get(0);
    Ok(last - n + 1)
}

/// The whole feed of an organisation (the office's devices).
const OFFICE_FEED: &str = "SELECT f.seq, f.kind, f.key, d.assignee, d.creator, d.official, d.heads FROM feed f \
     LEFT JOIN documents d ON f.kind = 'doc' AND d.id = f.key \
     WHERE f.org = $1 AND f.seq > $2 ORDER BY f.seq LIMIT $3";

/// A technician's feed (see the SQLite backend's `TECHNICIAN_FEED`). The documents the device knows
/// are looked up one by one from its knowledge rows (`OFFSET 0` keeps the lateral lookup from being
/// flattened into a join): the cached generic plan otherwise hashed thousands of documents per call
/// (17 ms each, measured with auto_explain under the load benchmark).
const TECHNICIAN_FEED: &str = "SELECT seq, kind, key, assignee, creator, official, heads FROM ( \
       SELECT d.seq AS seq, 'doc' AS kind, d.id AS key, d.assignee AS assignee, d.creator AS creator, \
              d.official AS official, d.heads AS heads \
         FROM documents d WHERE d.org = $1 AND d.assignee = $4 AND d.seq > $2 \
       UNION SELECT d.seq, 'doc', d.id, d.assignee, d.creator, d.official, d.heads \
         FROM documents d WHERE d.org = $1 AND d.assignee IS NULL AND d.creator = $5 AND d.seq > $2 \
       UNION SELECT d.seq, 'doc', d.id, d.assignee, d.creator, d.official, d.heads \
         FROM knowledge k CROSS JOIN LATERAL (SELECT * FROM documents WHERE id = k.doc OFFSET 0) d \
         WHERE k.device = $5 AND d.org = $1 AND d.seq > $2 \
       UNION SELECT f.seq, f.kind, f.key, NULL, NULL, NULL, NULL \
         FROM feed f WHERE f.org = $1 AND f.kind = 'reference' AND f.seq > $2 \
     ) t ORDER BY seq LIMIT $3";

/// Statements marked `relaxed` commit without waiting for the disk (`synchronous_commit` off for their
/// own transaction only, through `set_config(…, true)` so they stay one round trip). Only what can be
/// lost safely is written so: what a device has been sent (lost, it is sent again, and merging it twice
/// changes nothing) and official-number reservations (the documents that carry the numbers are
/// committed after them with a synchronous commit, which flushes the log up to and including the
/// reservation; if those never commit, nobody has seen the numbers). They no longer hold their row
/// locks across a disk flush, which serialised every sync of an organisation under load.
///
/// Confirm what the responses up to the cursor sent, in one statement (usually nothing is pending, and
/// the partial index on pending rows answers that at once). Rows sent up to the cursor: a document
/// reported gone is forgotten, the others' pending heads become known. Rows sent after it (that
/// response was lost): the pending part is forgotten, and the row too when nothing was known before.
/// The two sets are disjoint, so the delete and the update never meet the same row.
const CONFIRM_KNOWLEDGE: &str = "WITH relaxed AS (SELECT set_config('synchronous_commit', 'off', true)), \
     forgotten AS ( \
       DELETE FROM knowledge WHERE device = $1 AND pending_cursor IS NOT NULL \
         AND ((pending_cursor <= $2 AND coalesce(length(pending), 0) = 0) OR (pending_cursor > $2 AND heads IS NULL)) \
         AND EXISTS (SELECT 1 FROM relaxed) \
     ) \
     UPDATE knowledge SET heads = CASE WHEN pending_cursor <= $2 THEN pending ELSE heads END, \
       pending = NULL, pending_cursor = NULL \
     WHERE device = $1 AND pending_cursor IS NOT NULL \
       AND NOT ((pending_cursor <= $2 AND coalesce(length(pending), 0) = 0) OR (pending_cursor > $2 AND heads IS NULL)) \
       AND EXISTS (SELECT 1 FROM relaxed)";

/// A document, the heads the device has, the heads it will have once it confirms.
type KnowledgeRow<'a> = (&'a str, Option<&'a [u8]>, Option<&'a [u8]>);

/// What a response sent, in one statement: per document the heads the device certainly has now
/// (`heads`, may be NULL) and the heads it will have once it confirms the cursor (`pending`, with the
/// cursor; NULL when not sent). Either part leaves the other as it was.
const RECORD_KNOWLEDGE: &str = "INSERT INTO knowledge(device, doc, heads, pending, pending_cursor) \
     SELECT $1, doc, heads, pending, CASE WHEN sent THEN $5::bigint END \
     FROM unnest($2::text[], $3::bytea[], $4::bytea[], $6::bool[]) AS u(doc, heads, pending, sent) \
          CROSS JOIN (SELECT set_config('synchronous_commit', 'off', true)) AS relaxed \
     ON CONFLICT (device, doc) DO UPDATE SET \
       heads = coalesce(excluded.heads, knowledge.heads), \
       pending = CASE WHEN excluded.pending_cursor IS NULL THEN knowledge.pending ELSE excluded.pending END, \
       pending_cursor = coalesce(excluded.pending_cursor, knowledge.pending_cursor)";

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
        let n = sql_execute(
            &c,
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
        Ok(sql_query(&c, "SELECT id, name FROM orgs ORDER BY id", &[])
            .await?
            .iter()
            .map(|r| (r.get(0), r.get(1)))
            .collect())
    }

    async fn put_person(&self, p: PersonRecord) -> StoreResult<()> {
        let c = self.client().await?;
        if sql_query_opt(&c, "SELECT id FROM orgs WHERE id = $1", &[&p.org]).await?.is_none() {
            return Err(StoreError::NotFound(format!("organisation {}", p.org)));
        }
        let skills = serde_json::to_string(&p.skills).map_err(|e| StoreError::Refused(e.to_string()))?;
        sql_execute(
            &c,
            "INSERT INTO people(org, id, name, role, skills, contractor) VALUES ($1, $2, $3, $4, $5, $6) \
             ON CONFLICT (org, id) DO UPDATE SET name = excluded.name, role = excluded.role, \
             skills = excluded.skills, contractor = excluded.contractor",
            &[&p.org, &p.id, &p.name, &p.role.code(), &skills, &p.contractor],
        )
        .await?;
        Ok(())
    }

    async fn person(&self, org: &str, id: &str) -> StoreResult<Option<PersonRecord>> {
        let c = self.client().await?;
        let row = sql_query_opt(
            &c,
            "SELECT name, role, skills, contractor FROM people WHERE org = $1 AND id = $2",
            &[&org, &id],
        )
        .await?;
        Ok(row.map(|r| PersonRecord {
            org: org.to_owned(),
            id: id.to_owned(),
            name: r.get(0),
            role: Role::parse(r.get(1)).unwrap_or(Role::Technician),
            skills: serde_json::from_str(r.get(2)).unwrap_or_default(),
            contractor: r.get(3),
        }))
    }

    async fn add_enrolment(&self, e: Enrolment) -> StoreResult<()> {
        let c = self.client().await?;
        sql_execute(
            &c,
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
        let Some(claim) = sql_query_opt(
            &tx,
            "UPDATE enrolments SET used_ms = $2, device = $3 \
                 WHERE code_hash = $1 AND used_ms IS NULL AND expires_ms > $2 RETURNING org, person",
            &[&code_hash, &now_ms, &d.id],
        )
        .await?
        else {
            return Err(StoreError::NotFound("an unused, unexpired enrolment code".into()));
        };
        let (org, person): (String, String) = (claim.get(0), claim.get(1));
        let inserted = sql_execute(
            &tx,
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
        let row = sql_query_one(
            &tx,
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
        let Some(row) = sql_query_opt(
            &tx,
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
        // Each device's person looked up through the people's key (`OFFSET 0` keeps the lookup from being
        // flattened into a join): the organisation's devices grow from none to thousands while enrolling,
        // and a plan made from early statistics compared every device with every person (190 ms for
        // 1,000 devices under the load benchmark, found with auto_explain).
        sql_query(
            &c,
            &format!(
                "SELECT {DEVICE_COLS} FROM devices d \
                 CROSS JOIN LATERAL (SELECT role, contractor FROM people WHERE org = d.org AND id = d.person OFFSET 0) p \
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
        sql_execute(
            &tx,
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
        Ok(sql_query_opt(&c, "SELECT json FROM reference WHERE org = $1", &[&org]).await?.map(|r| r.get(0)))
    }

    async fn document(&self, id: &str) -> StoreResult<Option<StoredDoc>> {
        Ok(self.documents(vec![id.to_owned()]).await?.pop().flatten())
    }

    async fn documents(&self, ids: Vec<String>) -> StoreResult<Vec<Option<StoredDoc>>> {
        let c = self.client().await?;
        // Two statements for the whole batch; documents and their changes from one snapshot.
        let tx_rows = sql_query(
            &c,
            "SELECT id, org, version, snapshot, assignee, creator, official, heads FROM documents WHERE id = ANY($1)",
            &[&ids],
        )
        .await?;
        let mut found: HashMap<String, StoredDoc> = tx_rows
            .iter()
            .map(|r| {
                (
                    r.get(0),
                    StoredDoc {
                        org: r.get(1),
                        version: r.get(2),
                        snapshot: r.get(3),
                        changes: Vec::new(),
                        heads: r.get(7),
                        meta: DocMeta { assignee: r.get(4), creator: r.get(5), official: r.get(6) },
                    },
                )
            })
            .collect();
        if !found.is_empty() {
            let keys: Vec<&String> = found.keys().collect();
            let changes =
                sql_query(&c, "SELECT doc, bytes FROM doc_changes WHERE doc = ANY($1) ORDER BY doc, n", &[&keys])
                    .await?;
            for r in &changes {
                let doc: String = r.get(0);
                if let Some(d) = found.get_mut(&doc) {
                    d.changes.push(r.get(1));
                }
            }
        }
        Ok(ids.iter().map(|id| found.remove(id)).collect())
    }

    async fn write_document(&self, w: DocWrite) -> StoreResult<u64> {
        let mut c = self.client().await?;
        let tx = c.transaction().await?;
        let seq = write_all(&tx, std::slice::from_ref(&w)).await?.pop().unwrap_or(Err(StoreError::Conflict))?;
        tx.commit().await?;
        Ok(seq)
    }

    async fn write_documents(&self, ws: Vec<DocWrite>) -> StoreResult<Vec<StoreResult<u64>>> {
        let mut c = self.client().await?;
        // New documents of one organisation are one statement, atomic on its own: no BEGIN/COMMIT.
        if ws.iter().all(|w| w.expected_version.is_none() && w.org == ws[0].org) {
            return write_all(&c, &ws).await;
        }
        let tx = c.transaction().await?;
        let out = write_all(&tx, &ws).await?;
        tx.commit().await?;
        Ok(out)
    }

    async fn document_ids(&self, org: &str) -> StoreResult<Vec<String>> {
        let c = self.client().await?;
        Ok(sql_query(&c, "SELECT id FROM documents WHERE org = $1 ORDER BY id", &[&org])
            .await?
            .iter()
            .map(|r| r.get(0))
            .collect())
    }

    async fn next_number(&self, org: &str, year: i32, count: u64) -> StoreResult<u64> {
        let c = self.client().await?;
        let count = count.max(1) as i64;
        let last: i64 = sql_query_one(
            &c,
            "INSERT INTO numbers(org, year, last) \
                 SELECT $1, $2, $3 FROM (SELECT set_config('synchronous_commit', 'off', true)) AS relaxed \
                 ON CONFLICT (org, year) DO UPDATE SET last = numbers.last + $3 RETURNING last",
            &[&org, &year, &count],
        )
        .await?
        .get(0);
        Ok((last - count + 1) as u64)
    }

    async fn reclaim_number(&self, org: &str, doc: &str, number: &str, year: i32, seq: u64) -> StoreResult<bool> {
        let c = self.client().await?;
        let taken = c
            .query_opt(
                "SELECT 1 FROM documents WHERE org = $1 AND official = $2 AND id <> $3 LIMIT 1",
                &[&org, &number, &doc],
            )
            .await?
            .is_some();
        if taken {
            return Ok(false);
        }
        c.execute(
            "INSERT INTO numbers(org, year, last) VALUES ($1, $2, $3) \
             ON CONFLICT (org, year) DO UPDATE SET last = GREATEST(numbers.last, $3)",
            &[&org, &year, &(seq as i64)],
        )
        .await?;
        Ok(true)
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

    async fn feed_state(&self, org: &str) -> StoreResult<FeedState> {
        let c = self.client().await?;
        let row = sql_query_one(
            &c,
            "SELECT (SELECT max(seq) FROM feed WHERE org = $1), \
                    (SELECT seq FROM feed WHERE org = $1 AND kind = 'reference'), \
                    (SELECT value FROM server_meta WHERE key = 'epoch')",
            &[&org],
        )
        .await?;
        let (head, reference, epoch): (Option<i64>, Option<i64>, Option<String>) = (row.get(0), row.get(1), row.get(2));
        Ok(FeedState {
            head: head.unwrap_or(0) as u64,
            reference: reference.map(|n| n as u64),
            epoch: epoch.unwrap_or_default(),
        })
    }

    async fn confirm_knowledge(&self, device: &str, cursor: u64) -> StoreResult<()> {
        let c = self.client().await?;
        sql_execute(&c, CONFIRM_KNOWLEDGE, &[&device, &(cursor as i64)]).await?;
        Ok(())
    }

    async fn knowledge(&self, device: &str, docs: &[String]) -> StoreResult<Vec<(String, Vec<u8>)>> {
        let c = self.client().await?;
        let rows = sql_query(
            &c,
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
        if known.is_empty() && pending.is_empty() {
            return Ok(());
        }
        // One row per document (a pushed document has both parts): one atomic statement.
        let mut rows: Vec<KnowledgeRow<'_>> =
            known.iter().map(|(d, h)| (d.as_str(), Some(h.as_slice()), None)).collect();
        let at: HashMap<&str, usize> = rows.iter().enumerate().map(|(i, r)| (r.0, i)).collect();
        for (d, h) in &pending {
            match at.get(d.as_str()) {
                Some(&i) => rows[i].2 = Some(h.as_slice()),
                None => rows.push((d.as_str(), None, Some(h.as_slice()))),
            }
        }
        let docs: Vec<&str> = rows.iter().map(|r| r.0).collect();
        let heads: Vec<Option<&[u8]>> = rows.iter().map(|r| r.1).collect();
        let sent: Vec<bool> = rows.iter().map(|r| r.2.is_some()).collect();
        let pend: Vec<Option<&[u8]>> = rows.iter().map(|r| r.2).collect();
        let c = self.client().await?;
        sql_execute(&c, RECORD_KNOWLEDGE, &[&device, &docs, &heads, &pend, &(cursor as i64), &sent]).await?;
        Ok(())
    }

    async fn blob(&self, sha: &str) -> StoreResult<Option<BlobMeta>> {
        let c = self.client().await?;
        let row = sql_query_opt(&c, "SELECT size, uploaded_by, created_ms FROM blobs WHERE sha = $1", &[&sha]).await?;
        Ok(row.map(|r| BlobMeta {
            sha: sha.to_owned(),
            size: r.get::<_, i64>(0) as u64,
            uploaded_by: r.get(1),
            created_ms: r.get(2),
        }))
    }

    async fn put_blob(&self, m: BlobMeta) -> StoreResult<()> {
        let c = self.client().await?;
        sql_execute(
            &c,
            "INSERT INTO blobs(sha, size, uploaded_by, created_ms) VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING",
            &[&m.sha, &(m.size as i64), &m.uploaded_by, &m.created_ms],
        )
        .await?;
        sql_execute(
            &c,
            "INSERT INTO blob_orgs(sha, org) SELECT $1, org FROM devices WHERE id = $2 ON CONFLICT DO NOTHING",
            &[&m.sha, &m.uploaded_by],
        )
        .await?;
        Ok(())
    }

    async fn new_epoch(&self) -> StoreResult<String> {
        let c = self.client().await?;
        Ok(sql_query_one(
            &c,
            "UPDATE server_meta SET value = substr(md5(random()::text || clock_timestamp()::text), 1, 16) \
             WHERE key = 'epoch' RETURNING value",
            &[],
        )
        .await?
        .get(0))
    }

    async fn blob_in_org(&self, sha: &str, org: &str) -> StoreResult<bool> {
        let c = self.client().await?;
        Ok(sql_query_opt(&c, "SELECT 1 FROM blob_orgs WHERE sha = $1 AND org = $2", &[&sha, &org]).await?.is_some())
    }

    async fn blob_holders(&self, sha: &str) -> StoreResult<Vec<BlobHolder>> {
        let c = self.client().await?;
        Ok(sql_query(
            &c,
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
