//! Documents on disk: a compacted snapshot per order plus the changes appended since.
//!
//! A change is appended in the same transaction as the index update. When the appended tail grows past
//! half the snapshot (or 32 changes), the document is saved whole and the tail dropped, in the same
//! transaction, so the store stays within ~1.5× of Automerge's own saved size. Documents that fail to
//! load (damaged bytes, a panic inside Automerge, a newer schema) are quarantined: marked, reported and
//! left alone, while every other order keeps working.

use super::{Source, Store};
use crate::error::{Error, Result};
use automerge::{AutoCommit, ChangeHash};
use rusqlite::{OptionalExtension, Transaction, params};
use std::collections::HashMap;
use std::panic::{AssertUnwindSafe, catch_unwind};

/// Compact when the tail holds this many changes.
const COMPACT_CHANGES: i64 = 32;

/// A small most-recently-used cache of loaded documents.
#[derive(Debug)]
pub(crate) struct DocCache {
    cap: usize,
    tick: u64,
    docs: HashMap<String, (AutoCommit, u64)>,
}

impl DocCache {
    pub(crate) fn new(cap: usize) -> Self {
        DocCache { cap, tick: 0, docs: HashMap::new() }
    }

    pub(crate) fn take(&mut self, id: &str) -> Option<AutoCommit> {
        self.docs.remove(id).map(|(d, _)| d)
    }

    pub(crate) fn put(&mut self, id: &str, doc: AutoCommit) {
        self.tick += 1;
        if self.docs.len() >= self.cap
            && !self.docs.contains_key(id)
            && let Some(oldest) = self.docs.iter().min_by_key(|(_, (_, t))| *t).map(|(k, _)| k.clone())
        {
            self.docs.remove(&oldest);
        }
        self.docs.insert(id.to_owned(), (doc, self.tick));
    }

    pub(crate) fn clear(&mut self) {
        self.docs.clear();
    }
}

/// Load Automerge bytes inside a boundary that survives a panic in Automerge.
pub(crate) fn load_guarded(snapshot: &[u8], tail: &[Vec<u8>]) -> std::result::Result<AutoCommit, String> {
    let result = catch_unwind(AssertUnwindSafe(|| -> std::result::Result<AutoCommit, String> {
        let mut doc = AutoCommit::load(snapshot).map_err(|e| e.to_string())?;
        for c in tail {
            doc.load_incremental(c).map_err(|e| e.to_string())?;
        }
        Ok(doc)
    }));
    match result {
        Ok(r) => r,
        Err(_) => Err("the document bytes made Automerge fail".into()),
    }
}

/// Stored state of one document row.
struct Row {
    snapshot_len: i64,
    tail_changes: i64,
    tail_bytes: i64,
    next_seq: i64,
}

impl Store {
    /// Take a document out of the cache or load it from disk. The caller puts it back on success, so a
    /// failed write never leaves an in-memory document ahead of the disk.
    pub(crate) fn take_doc(&mut self, id: &str) -> Result<AutoCommit> {
        if let Some(doc) = self.cache.take(id) {
            return Ok(doc);
        }
        let row: Option<(Vec<u8>, Option<String>)> = self
            .conn
            .query_row("SELECT snapshot, quarantined FROM documents WHERE id = ?1", [id], |r| {
                Ok((r.get(0)?, r.get(1)?))
            })
            .optional()?;
        let Some((snapshot, quarantined)) = row else {
            return Err(Error::OrderNotFound(id.to_owned()));
        };
        if let Some(reason) = quarantined {
            return Err(Error::Quarantined { id: id.to_owned(), reason });
        }
        let tail: Vec<Vec<u8>> = self
            .conn
            .prepare_cached("SELECT bytes FROM changes WHERE doc_id = ?1 ORDER BY seq")?
            .query_map([id], |r| r.get(0))?
            .collect::<Result<_, _>>()?;
        match load_guarded(&snapshot, &tail) {
            Ok(doc) => {
                let doc = doc.with_actor(self.device.actor());
                // A document that loads but does not read as a work order is just as unusable.
                if let Err(e) = signoff_core::doc::read(&doc) {
                    return Err(self.quarantine(id, &e.to_string()));
                }
                Ok(doc)
            }
            Err(reason) => Err(self.quarantine(id, &reason)),
        }
    }

    /// Set a document aside so it cannot break anything else; the error says why.
    pub(crate) fn quarantine(&mut self, id: &str, reason: &str) -> Error {
        tracing::warn!(order = id, reason, "quarantining a work order that cannot be read");
        if let Err(e) = self.conn.execute("UPDATE documents SET quarantined = ?2 WHERE id = ?1", params![id, reason]) {
            tracing::error!(order = id, error = %e, "could not record the quarantine");
        }
        Error::Quarantined { id: id.to_owned(), reason: reason.to_owned() }
    }

    /// Orders set aside because they cannot be read, with the reason.
    pub fn quarantined(&self) -> Result<Vec<(String, String)>> {
        Ok(self
            .conn
            .prepare("SELECT id, quarantined FROM documents WHERE quarantined IS NOT NULL ORDER BY id")?
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
            .collect::<Result<_, _>>()?)
    }

    /// Write a new document or append `change` (the bytes since the previous write) to an existing one,
    /// compacting when the tail grows. Part of the caller's transaction.
    pub(crate) fn persist(
        tx: &Transaction<'_>,
        id: &str,
        doc: &mut AutoCommit,
        change: &[u8],
        source: Source,
    ) -> Result<()> {
        let row: Option<Row> = tx
            .prepare_cached("SELECT length(snapshot), tail_changes, tail_bytes, next_seq FROM documents WHERE id = ?1")?
            .query_row([id], |r| {
                Ok(Row { snapshot_len: r.get(0)?, tail_changes: r.get(1)?, tail_bytes: r.get(2)?, next_seq: r.get(3)? })
            })
            .optional()?;
        let len = change.len() as i64;
        match row {
            None => {
                tx.prepare_cached("INSERT INTO documents(id, snapshot, created_source) VALUES (?1, ?2, ?3)")?
                    .execute(params![id, doc.save(), source.code()])?;
            }
            Some(r) if r.tail_changes + 1 >= COMPACT_CHANGES || (r.tail_bytes + len) * 2 > r.snapshot_len => {
                tx.prepare_cached(
                    "UPDATE documents SET snapshot = ?2, tail_changes = 0, tail_bytes = 0, next_seq = next_seq + 1 \
                     WHERE id = ?1",
                )?
                .execute(params![id, doc.save()])?;
                tx.prepare_cached("DELETE FROM changes WHERE doc_id = ?1")?.execute([id])?;
            }
            Some(r) => {
                tx.prepare_cached("INSERT INTO changes(doc_id, seq, bytes) VALUES (?1, ?2, ?3)")?
                    .execute(params![id, r.next_seq, change])?;
                tx.prepare_cached(
                    "UPDATE documents SET tail_changes = tail_changes + 1, tail_bytes = tail_bytes + ?2, \
                     next_seq = next_seq + 1 WHERE id = ?1",
                )?
                .execute(params![id, len])?;
            }
        }
        Ok(())
    }

    /// The document's current heads.
    pub fn heads(&mut self, id: &str) -> Result<Vec<ChangeHash>> {
        let mut doc = self.take_doc(id)?;
        let heads = doc.get_heads();
        self.cache.put(id, doc);
        Ok(heads)
    }

    /// The changes after `heads` (all of them for empty heads), ready for [`Store::receive`] elsewhere.
    /// Heads this document does not have are refused: Automerge would silently return everything.
    pub fn changes_since(&mut self, id: &str, heads: &[ChangeHash]) -> Result<Vec<u8>> {
        let mut doc = self.take_doc(id)?;
        let unknown = heads.iter().find(|h| doc.get_change_by_hash(h).is_none()).copied();
        let out = match unknown {
            Some(h) => Err(Error::Invalid(format!("order {id} has no change {h}"))),
            None if heads.is_empty() => Ok(doc.save()),
            None => Ok(doc.save_after(heads)),
        };
        self.cache.put(id, doc);
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
