//! Restoring a quarantined order from the server's copy.
//!
//! A document that does not load whole is quarantined (see [`super::docs`]): its bytes stay as they
//! are, its last index row stays in lists flagged as damaged, and the next sync asks the server for the
//! order whole (`want` in the sync request). When the server's copy arrives, whatever can still be read
//! of the local bytes (the snapshot, and each appended change that loads on its own) is merged into
//! it, the result replaces the stored document, and the user is told what happened: restored with
//! nothing lost, or restored with the kinds of unsynced change that could not be recovered — counted
//! from this device's write log against the changes the restored document holds.

use super::docs::{Genuine, Loaded};
use super::{Ctx, Store, index, photos};
use crate::error::Result;
use rusqlite::{OptionalExtension, params};
use signoff_core::doc;
use signoff_core::ids::OrderId;
use signoff_core::model::event_type_label;
use signoff_core::msg::{Key, Msg, Text};

impl Store {
    /// Orders whose stored copy does not load whole: asked for whole at the next sync.
    pub fn wanted(&self) -> Result<Vec<String>> {
        Ok(self
            .conn
            .prepare_cached("SELECT id FROM documents WHERE quarantined IS NOT NULL ORDER BY id")?
            .query_map([], |r| r.get(0))?
            .collect::<std::result::Result<_, _>>()?)
    }

    /// Whether the order is quarantined.
    pub fn is_quarantined(&self, id: &str) -> Result<bool> {
        let q: Option<Option<String>> = self
            .conn
            .prepare_cached("SELECT quarantined FROM documents WHERE id = ?1")?
            .query_row([id], |r| r.get(0))
            .optional()?;
        Ok(matches!(q, Some(Some(_))))
    }

    /// Replace a quarantined order with the server's copy (`bytes`, a whole saved document) merged with
    /// what can still be read of the local bytes. Returns the message for the user. Bytes that do not
    /// load whole change nothing.
    pub fn restore_from_server(&mut self, id: &OrderId, bytes: &[u8], ctx: &Ctx) -> Result<Msg> {
        let number = self.number_of(id.as_str());
        let mut server = doc::load_guarded(bytes, &[])
            .map_err(|_| crate::Error::Invalid(Msg::new(Key::ReceivedUnreadable).arg("id", id.as_str())))?
            .with_actor(self.device.actor());
        let server_order = doc::read(&server)?;
        if server_order.id != *id {
            return Err(crate::Error::Invalid(Msg::new(Key::ReceivedUnreadable).arg("id", id.as_str())));
        }
        let server_events: std::collections::HashSet<String> =
            server_order.events.iter().map(|e| e.id.to_string()).collect();
        let server_heads = server.get_heads();
        // Salvage: the local snapshot and every appended change that still loads on its own.
        let mut recovered: Vec<String> = Vec::new();
        if let Some((_, snapshot, tail)) = self.stored_bytes(id.as_str())?
            && let Some(mut local) = doc::load_salvage(&snapshot, &tail)
        {
            let merged = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                let mut candidate = server.clone();
                candidate.merge(&mut local).map(|_| candidate)
            }));
            match merged {
                Ok(Ok(candidate)) if doc::read(&candidate).is_ok_and(|o| o.id == *id) => server = candidate,
                _ => tracing::warn!(order = %id, "the readable part of the damaged copy could not be merged"),
            }
        }
        let order = doc::read(&server)?;
        let me = self.device.id();
        for e in order.events.iter().filter(|e| e.device == me && !server_events.contains(e.id.as_str())) {
            recovered.push(e.kind.type_name().to_owned());
        }
        // What this device wrote and the server had not acknowledged: the last unsynced writes.
        let (local_seq, pushed_seq): (i64, i64) = self
            .conn
            .prepare_cached("SELECT local_seq, pushed_seq FROM sync_docs WHERE doc = ?1")?
            .query_row([id.as_str()], |r| Ok((r.get(0)?, r.get(1)?)))
            .optional()?
            .unwrap_or((0, 0));
        let unsynced = usize::try_from(local_seq - pushed_seq).unwrap_or(0);
        let mut writes: Vec<String> = self
            .conn
            .prepare_cached(
                "SELECT what FROM write_log WHERE doc_id = ?1 AND source IN ('ui', 'import') ORDER BY seq DESC LIMIT ?2",
            )?
            .query_map(params![id.as_str(), unsynced as i64], |r| r.get(0))?
            .collect::<std::result::Result<_, _>>()?;
        for r in &recovered {
            if let Some(i) = writes.iter().position(|w| w == r) {
                writes.remove(i);
            }
        }
        // Present the lost kinds once each, with a count.
        let mut lost: Vec<(String, usize)> = Vec::new();
        for w in writes.iter().rev() {
            match lost.iter_mut().find(|(k, _)| k == w) {
                Some((_, n)) => *n += 1,
                None => lost.push((w.clone(), 1)),
            }
        }
        let what = |zh: bool| {
            lost.iter()
                .map(|(k, n)| {
                    let l = event_type_label(k);
                    let label = if zh { l.zh } else { l.en };
                    if *n > 1 { format!("{label} ×{n}") } else { label }
                })
                .collect::<Vec<_>>()
                .join(if zh { "、" } else { ", " })
        };
        let msg = if lost.is_empty() {
            Msg::new(Key::Restored).arg("number", number.as_str())
        } else {
            Msg::new(Key::QuarantinedLost)
                .arg("number", number.as_str())
                .arg("what", Text::new(what(true), what(false)))
        };
        // Replace the stored document, its index row, photo references and sync bookkeeping in one
        // transaction; the damaged bytes go (they were salvaged above).
        let now_ms = ctx.now.timestamp_millis();
        let mut genuine = Genuine::new();
        let verdicts = self.verdicts(&server, &order, &mut genuine);
        let view = signoff_core::view::build(order.clone(), &verdicts, &self.reference, &self.settings, now_ms);
        let (row, body) = (index::derive(&view), index::search_body(&view, &self.reference));
        let needs_push = {
            let mut a = server.get_heads();
            let mut b = server_heads.clone();
            a.sort();
            b.sort();
            a != b
        };
        let snapshot = server.save();
        let old_rowid: Option<i64> = self
            .conn
            .prepare_cached("SELECT rowid FROM documents WHERE id = ?1")?
            .query_row([id.as_str()], |r| r.get(0))
            .optional()?;
        let indexed = self.indexed(id.as_str())?;
        let tx = self.conn.transaction()?;
        if let Some(rowid) = old_rowid {
            tx.execute("DELETE FROM changes WHERE doc = ?1", [rowid])?;
            tx.execute("DELETE FROM snapshot_chunks WHERE doc = ?1", [rowid])?;
            let (first, last) = super::docs::page_ids(rowid);
            tx.execute("DELETE FROM snapshot_pages WHERE id BETWEEN ?1 AND ?2", [first, last])?;
            tx.execute("DELETE FROM documents WHERE rowid = ?1", [rowid])?;
            tx.execute("DELETE FROM blob_refs WHERE doc = ?1", [rowid])?;
        }
        let rowid = Store::persist(&tx, 0, id.as_str(), &mut server, &snapshot, ctx.source)?;
        let row = index::IndexRow { damaged: false, ..row };
        let indexed = index::write(&tx, indexed.as_ref(), row, body)?;
        photos::sync_refs(&tx, rowid, &Default::default(), &photos::photo_blobs(&order))?;
        // The server has its copy; what was recovered on top of it is sent at the next sync.
        tx.execute(
            "INSERT INTO sync_docs(doc, base, local_seq, pushed_seq) VALUES (?1, ?2, ?3, ?4) \
             ON CONFLICT(doc) DO UPDATE SET base = excluded.base, local_seq = excluded.local_seq, \
             pushed_seq = excluded.pushed_seq, rejected_seq = NULL, reject_code = NULL, reject_reason = NULL, gone = 0",
            params![
                id.as_str(),
                signoff_core::wire::pack_heads(&server_heads),
                local_seq.max(pushed_seq) + i64::from(needs_push),
                local_seq.max(pushed_seq),
            ],
        )?;
        tx.execute(
            "INSERT INTO notices(doc_id, at_ms, code, zh, en) VALUES (?1, ?2, ?3, ?4, ?5)",
            params![id.as_str(), now_ms, msg.code(), msg.zh(), msg.en()],
        )?;
        tx.execute(
            "INSERT INTO write_log(doc_id, source, at_ms, what) VALUES (?1, 'sync', ?2, 'restored')",
            params![id.as_str(), now_ms],
        )?;
        tx.commit()?;
        tracing::warn!(order = %id, lost = lost.len(), "restored a quarantined order from the server");
        self.cache.put(id.as_str(), Loaded { rowid, doc: server, order, indexed: Some(indexed), genuine });
        Ok(msg)
    }

    /// Messages about restored orders not yet read: `(seq, order id, text)`.
    pub fn notices(&self) -> Result<Vec<(i64, String, Text)>> {
        Ok(self
            .conn
            .prepare_cached("SELECT seq, doc_id, zh, en FROM notices ORDER BY seq")?
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?, Text { zh: r.get(2)?, en: r.get(3)? })))?
            .collect::<std::result::Result<_, _>>()?)
    }

    /// Mark notices read (up to and including `seq`).
    pub fn dismiss_notices(&self, up_to: i64) -> Result<usize> {
        Ok(self.conn.execute("DELETE FROM notices WHERE seq <= ?1", [up_to])?)
    }
}
