//! Documents on disk: a compacted snapshot per order plus the changes appended since.
//!
//! A change is appended in the same transaction as the index update. When the appended tail grows past
//! half the snapshot (or 32 changes), the document is saved whole and the tail dropped, in the same
//! transaction, so document storage stays within ~1.5× of Automerge's own saved size. A snapshot is
//! stored as whole-page rows of [`PAGE_ROW`] bytes (`snapshot_pages`, one 4 KB leaf page each) and
//! the rest in chunks of at most [`CHUNK`] bytes (`snapshot_chunks`, four to a page), so it tiles
//! SQLite pages (see migrations 1 and 6).
//!
//! Documents that fail to load (damaged bytes, a panic inside Automerge, a newer schema) are
//! quarantined: marked, reported and left alone, while every other order keeps working.

use super::index::Indexed;
use super::{Source, Store, sync_state};
use crate::error::{Error, Result};
use automerge::{AutoCommit, ChangeHash};
use rusqlite::{OptionalExtension, Transaction, params};
use signoff_core::model::WorkOrder;
use signoff_core::msg::{Key, Msg};
use std::collections::HashMap;

/// Compact when the tail holds this many changes.
const COMPACT_CHANGES: i64 = 32;
/// Largest snapshot chunk: four chunks and their keys fill a 4 KB page.
const CHUNK: usize = 960;
/// A whole-page part of a snapshot: the blob, its record header, row id and cell pointer fill a 4 KB
/// leaf page of a rowid table (at most 4,061 bytes of record stay on the page).
const PAGE_ROW: usize = 4048;
/// Row ids of `snapshot_pages`: `(document rowid << PART_BITS) | part`.
const PART_BITS: u32 = 20;

/// A loaded document with what was read from it and what the index holds for it, kept together so an
/// edit reads the document once and rewrites only the index entries that changed.
#[derive(Debug)]
pub(crate) struct Loaded {
    /// `documents.rowid`; 0 for a document not stored yet.
    pub(crate) rowid: i64,
    pub(crate) doc: AutoCommit,
    pub(crate) order: WorkOrder,
    pub(crate) indexed: Option<Indexed>,
    /// Statements checked against the document and the device keys, by id: the part of a verdict that
    /// never changes (see `signoff_core::signoff::verify_genuine`), so an edit does not re-read the
    /// document at the signed heads.
    pub(crate) genuine: Genuine,
}

/// Cached results of `verify_genuine`, by statement id.
pub(crate) type Genuine = HashMap<
    String,
    std::result::Result<std::sync::Arc<signoff_core::signoff::Statement>, signoff_core::signoff::Verdict>,
>;

/// A document's row id, snapshot bytes and appended changes, as stored.
pub(crate) type StoredBytes = (i64, Vec<u8>, Vec<Vec<u8>>);

/// A small most-recently-used cache of loaded documents.
#[derive(Debug)]
pub(crate) struct DocCache {
    cap: usize,
    tick: u64,
    docs: HashMap<String, (Loaded, u64)>,
}

impl DocCache {
    pub(crate) fn new(cap: usize) -> Self {
        DocCache { cap, tick: 0, docs: HashMap::new() }
    }

    pub(crate) fn take(&mut self, id: &str) -> Option<Loaded> {
        self.docs.remove(id).map(|(d, _)| d)
    }

    pub(crate) fn put(&mut self, id: &str, doc: Loaded) {
        self.tick += 1;
        if self.docs.len() >= self.cap
            && !self.docs.contains_key(id)
            && let Some(oldest) = self.docs.iter().min_by_key(|(_, (_, t))| *t).map(|(k, _)| k.clone())
        {
            self.docs.remove(&oldest);
        }
        self.docs.insert(id.to_owned(), (doc, self.tick));
    }

    pub(crate) fn contains(&self, id: &str) -> bool {
        self.docs.contains_key(id)
    }

    pub(crate) fn clear(&mut self) {
        self.docs.clear();
    }
}

/// The row ids of a document's `snapshot_pages`: first and last possible.
pub(crate) fn page_ids(rowid: i64) -> (i64, i64) {
    (rowid << PART_BITS, (rowid << PART_BITS) | ((1 << PART_BITS) - 1))
}

fn write_snapshot(tx: &Transaction<'_>, rowid: i64, snapshot: &[u8]) -> Result<()> {
    let (first, last) = page_ids(rowid);
    tx.prepare_cached("DELETE FROM snapshot_pages WHERE id BETWEEN ?1 AND ?2")?.execute([first, last])?;
    tx.prepare_cached("DELETE FROM snapshot_chunks WHERE doc = ?1")?.execute([rowid])?;
    let whole = (snapshot.len() / PAGE_ROW).min((1 << PART_BITS) - 1);
    let (pages, rest) = snapshot.split_at(whole * PAGE_ROW);
    let mut insert = tx.prepare_cached("INSERT INTO snapshot_pages(id, bytes) VALUES (?1, ?2)")?;
    for (n, page) in pages.chunks(PAGE_ROW).enumerate() {
        insert.execute(params![first + n as i64, page])?;
    }
    let mut insert = tx.prepare_cached("INSERT INTO snapshot_chunks(doc, n, bytes) VALUES (?1, ?2, ?3)")?;
    for (n, chunk) in rest.chunks(CHUNK).enumerate() {
        insert.execute(params![rowid, n as i64, chunk])?;
    }
    Ok(())
}

impl Store {
    /// A document's bytes as stored: the snapshot (whole-page rows, then chunks) and the changes since.
    fn read_stored(&self, rowid: i64) -> Result<(Vec<u8>, Vec<Vec<u8>>)> {
        let (first, last) = page_ids(rowid);
        let mut snapshot = Vec::new();
        for (sql, params) in [
            ("SELECT bytes FROM snapshot_pages WHERE id BETWEEN ?1 AND ?2 ORDER BY id", vec![first, last]),
            ("SELECT bytes FROM snapshot_chunks WHERE doc = ?1 ORDER BY n", vec![rowid]),
        ] {
            let mut stmt = self.conn.prepare_cached(sql)?;
            let mut rows = stmt.query(rusqlite::params_from_iter(params))?;
            while let Some(r) = rows.next()? {
                snapshot.extend_from_slice(r.get_ref(0)?.as_blob().map_err(rusqlite::Error::from)?);
            }
        }
        let tail: Vec<Vec<u8>> = self
            .conn
            .prepare_cached("SELECT bytes FROM changes WHERE doc = ?1 ORDER BY seq")?
            .query_map([rowid], |r| r.get(0))?
            .collect::<Result<_, _>>()?;
        Ok((snapshot, tail))
    }

    /// The work order stored at `rowid`, read from disk without touching the cache (None when it is
    /// quarantined, gone or cannot be read).
    pub(crate) fn read_order_at(&self, rowid: i64) -> Result<Option<WorkOrder>> {
        let quarantined: Option<Option<String>> = self
            .conn
            .prepare_cached("SELECT quarantined FROM documents WHERE rowid = ?1")?
            .query_row([rowid], |r| r.get(0))
            .optional()?;
        if !matches!(quarantined, Some(None)) {
            return Ok(None);
        }
        let (snapshot, tail) = self.read_stored(rowid)?;
        Ok(signoff_core::doc::load_guarded(&snapshot, &tail).ok().and_then(|doc| signoff_core::doc::read(&doc).ok()))
    }

    /// Take a document out of the cache or load it from disk. The caller puts it back on success, so a
    /// failed write never leaves an in-memory document ahead of the disk.
    pub(crate) fn take_doc(&mut self, id: &str) -> Result<Loaded> {
        if let Some(doc) = self.cache.take(id) {
            return Ok(doc);
        }
        let row: Option<(i64, Option<String>)> = self
            .conn
            .prepare_cached("SELECT rowid, quarantined FROM documents WHERE id = ?1")?
            .query_row([id], |r| Ok((r.get(0)?, r.get(1)?)))
            .optional()?;
        let Some((rowid, quarantined)) = row else {
            return Err(Error::OrderNotFound(id.to_owned()));
        };
        if let Some(reason) = quarantined {
            return Err(Error::Quarantined { number: self.number_of(id), id: id.to_owned(), reason });
        }
        let (snapshot, tail) = self.read_stored(rowid)?;
        let doc = match signoff_core::doc::load_guarded(&snapshot, &tail) {
            Ok(doc) => doc.with_actor(self.device.actor()),
            Err(reason) => return Err(self.quarantine(id, &reason)),
        };
        // A document that loads but does not read as a work order is just as unusable.
        let order = match signoff_core::doc::read(&doc) {
            Ok(order) => order,
            Err(e) => return Err(self.quarantine(id, &e.to_string())),
        };
        let indexed = self.indexed(id)?;
        Ok(Loaded { rowid, doc, order, indexed, genuine: Genuine::new() })
    }

    /// The number people know an order by (official, else provisional; the id when it has no index row).
    pub(crate) fn number_of(&self, id: &str) -> String {
        self.conn
            .prepare_cached("SELECT coalesce(official_no, provisional_no) FROM order_index WHERE id = ?1")
            .and_then(|mut s| s.query_row([id], |r| r.get(0)).optional())
            .ok()
            .flatten()
            .unwrap_or_else(|| id.to_owned())
    }

    /// Set a document aside so it cannot break anything else: its bytes stay as stored, its index row
    /// stays in lists flagged as damaged, and the next sync asks the server for its copy. The error
    /// says which order (by number) and why.
    pub(crate) fn quarantine(&mut self, id: &str, reason: &str) -> Error {
        tracing::warn!(order = id, reason, "quarantining a work order that does not load whole");
        self.cache.take(id);
        let marked = self
            .conn
            .execute("UPDATE documents SET quarantined = ?2 WHERE id = ?1", params![id, reason])
            .and_then(|_| self.conn.execute("UPDATE order_index SET damaged = 1 WHERE id = ?1", params![id]));
        if let Err(e) = marked {
            tracing::error!(order = id, error = %e, "could not record the quarantine");
        }
        Error::Quarantined { number: self.number_of(id), id: id.to_owned(), reason: reason.to_owned() }
    }

    /// Orders set aside because they do not load whole: `(id, number, reason)`.
    pub fn quarantined(&self) -> Result<Vec<(String, String, String)>> {
        let rows: Vec<(String, String)> = self
            .conn
            .prepare("SELECT id, quarantined FROM documents WHERE quarantined IS NOT NULL ORDER BY id")?
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
            .collect::<Result<_, _>>()?;
        Ok(rows
            .into_iter()
            .map(|(id, reason)| (self.number_of(&id), id, reason))
            .map(|(n, id, r)| (id, n, r))
            .collect())
    }

    /// The stored bytes of a document, as they are on disk (for a quarantined one: what could be
    /// salvaged from them).
    pub(crate) fn stored_bytes(&self, id: &str) -> Result<Option<StoredBytes>> {
        let rowid: Option<i64> = self
            .conn
            .prepare_cached("SELECT rowid FROM documents WHERE id = ?1")?
            .query_row([id], |r| r.get(0))
            .optional()?;
        match rowid {
            Some(rowid) => {
                let (snapshot, tail) = self.read_stored(rowid)?;
                Ok(Some((rowid, snapshot, tail)))
            }
            None => Ok(None),
        }
    }

    /// Write a new document, or append `change` (the bytes since the previous write) to a stored one,
    /// compacting when the tail grows. Part of the caller's transaction; returns the document's rowid.
    pub(crate) fn persist(
        tx: &Transaction<'_>,
        rowid: i64,
        id: &str,
        doc: &mut AutoCommit,
        change: &[u8],
        source: Source,
    ) -> Result<i64> {
        if source != Source::Sync {
            sync_state::bump_local(tx, id)?;
        }
        if rowid == 0 {
            // A new document: saved whole, or stored as it arrived (`change` holds the received bytes).
            let snapshot = if change.is_empty() { doc.save() } else { change.to_vec() };
            tx.prepare_cached("INSERT INTO documents(id, snapshot_len, snapshot_source) VALUES (?1, ?2, ?3)")?
                .execute(params![id, snapshot.len() as i64, source.code()])?;
            let rowid = tx.last_insert_rowid();
            write_snapshot(tx, rowid, &snapshot)?;
            return Ok(rowid);
        }
        let (snapshot_len, tail_changes, tail_bytes, last_seq): (i64, i64, i64, i64) = tx
            .prepare_cached(
                "SELECT d.snapshot_len, count(c.seq), coalesce(sum(length(c.bytes)), 0), coalesce(max(c.seq), 0) \
                 FROM documents d LEFT JOIN changes c ON c.doc = d.rowid WHERE d.rowid = ?1",
            )?
            .query_row([rowid], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))?;
        let len = change.len() as i64;
        if tail_changes + 1 >= COMPACT_CHANGES || (tail_bytes + len) * 2 > snapshot_len {
            let snapshot = doc.save();
            write_snapshot(tx, rowid, &snapshot)?;
            tx.prepare_cached("DELETE FROM changes WHERE doc = ?1")?.execute([rowid])?;
            tx.prepare_cached("UPDATE documents SET snapshot_len = ?2, snapshot_source = ?3 WHERE rowid = ?1")?
                .execute(params![rowid, snapshot.len() as i64, source.code()])?;
        } else {
            tx.prepare_cached("INSERT INTO changes(doc, seq, source, bytes) VALUES (?1, ?2, ?3, ?4)")?
                .execute(params![rowid, last_seq + 1, source.code(), change])?;
        }
        Ok(rowid)
    }

    /// The document's current heads.
    pub fn heads(&mut self, id: &str) -> Result<Vec<ChangeHash>> {
        let mut loaded = self.take_doc(id)?;
        let heads = loaded.doc.get_heads();
        self.cache.put(id, loaded);
        Ok(heads)
    }

    /// The changes after `heads` (all of them for empty heads), ready for [`Store::receive`] elsewhere.
    /// Heads this document does not have are refused: Automerge would silently return everything.
    pub fn changes_since(&mut self, id: &str, heads: &[ChangeHash]) -> Result<Vec<u8>> {
        let mut loaded = self.take_doc(id)?;
        let doc = &mut loaded.doc;
        let unknown = heads.iter().find(|h| doc.get_change_by_hash(h).is_none()).copied();
        let out = match unknown {
            Some(h) => Err(Error::Invalid(Msg::new(Key::UnknownChange).arg("id", id).arg("hash", h.to_string()))),
            None if heads.is_empty() => Ok(doc.save()),
            None => Ok(doc.save_after(heads)),
        };
        self.cache.put(id, loaded);
        out
    }

    /// The whole document, saved.
    pub fn document_bytes(&mut self, id: &str) -> Result<Vec<u8>> {
        self.changes_since(id, &[])
    }

    /// Ids of every stored document (quarantined ones included).
    pub fn document_ids(&self) -> Result<Vec<String>> {
        Ok(self
            .conn
            .prepare("SELECT id FROM documents ORDER BY id")?
            .query_map([], |r| r.get(0))?
            .collect::<Result<_, _>>()?)
    }
}
