//! What the sync engine needs from the store: the server account (after enrolment), the feed cursor,
//! which orders wait to upload and from which base, and applying a server response.
//!
//! Applying a response is idempotent and ordered so a crash at any point loses nothing: documents
//! first (each merge is its own transaction), then acknowledgements, refusals and `gone` marks, then
//! reference data, and the cursor last. A crash before the cursor is saved means the next sync asks
//! again from the old cursor, and merging the same changes twice changes nothing.

use super::{Ctx, Source, Store};
use crate::error::{Error, Result};
use automerge::ChangeHash;
use rusqlite::{OptionalExtension, Transaction, params};
use signoff_core::ids::{OrderId, PersonId};
use signoff_core::msg::Text;
use signoff_core::wire::{
    DocPull, DocPush, EnrolResponse, Heads, RejectCode, SyncResponse, WireId, pack_heads, unpack_heads,
};

/// Count a local write to `doc` (part of the write's transaction).
pub(crate) fn bump_local(tx: &Transaction<'_>, doc: &str) -> Result<()> {
    tx.prepare_cached(
        "INSERT INTO sync_docs(doc, local_seq) VALUES (?1, 1) ON CONFLICT(doc) DO UPDATE SET local_seq = local_seq + 1",
    )?
    .execute([doc])?;
    Ok(())
}

/// `sync_docs` columns: base, local_seq, pushed_seq, rejected_seq, reject_code, reject_reason.
type SyncRow = (Vec<u8>, i64, i64, Option<i64>, Option<String>, Option<String>);

/// The server this device is enrolled with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Account {
    /// Base URL (`https://office.example.com`).
    pub url: String,
    /// Access token (a secret: never logged).
    pub token: String,
    /// Organisation.
    pub org: String,
    /// The person's role on the server.
    pub role: String,
}

/// Where an order stands with the server.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum SyncState {
    /// Never accepted by the server (new on this device).
    LocalOnly,
    /// Changed here since the server last accepted it; goes up with the next sync.
    Uploading,
    /// The server has everything this device has.
    Synced,
    /// The server refused the latest changes; they stay on this device.
    Rejected {
        /// Machine-readable reason.
        code: String,
        /// For people, in both languages.
        reason: Text,
    },
}

impl SyncState {
    /// Chinese label for lists.
    pub fn label_zh(&self) -> &'static str {
        match self {
            SyncState::LocalOnly => "仅本机",
            SyncState::Uploading => "待上传",
            SyncState::Synced => "已同步",
            SyncState::Rejected { .. } => "被拒绝",
        }
    }

    /// English label.
    pub fn label_en(&self) -> &'static str {
        match self {
            SyncState::LocalOnly => "Local only",
            SyncState::Uploading => "Uploading",
            SyncState::Synced => "Synced",
            SyncState::Rejected { .. } => "Rejected",
        }
    }
}

/// A document to push and the local write count it covers.
#[derive(Debug, Clone)]
pub struct Outgoing {
    /// The wire message.
    pub push: DocPush,
    /// `local_seq` when the changes were taken: the server's acceptance covers writes up to here.
    pub covers: i64,
}

/// What the first steps of storing a response gathered for the last.
#[derive(Debug, Default)]
pub struct Pulled {
    report: Applied,
    bases: Vec<(String, Vec<u8>)>,
    unreadable: Vec<String>,
}

/// What applying a response did.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Applied {
    /// Documents merged from the server.
    pub received: usize,
    /// The orders merged from the server, by id (screens showing one of them reload it, others not).
    pub changed: Vec<String>,
    /// Pushed documents accepted.
    pub accepted: usize,
    /// Pushed documents refused, with what to tell the user (the server's code in the catalogue's words).
    pub rejected: Vec<(String, Text)>,
    /// Orders this device may no longer see.
    pub gone: usize,
    /// Documents that could not be merged (kept for the next sync, cursor not advanced).
    pub failed: Vec<(String, String)>,
    /// Reference data arrived.
    pub reference: bool,
    /// Quarantined orders restored from the server's copy, with what the user must be told.
    pub restored: Vec<(String, Text)>,
    /// Orders whose copy on the server does not load (offered whole from here when this device has them).
    pub unreadable: Vec<String>,
}

/// The same set of heads, in any order.
fn same_heads(a: &[ChangeHash], b: &[ChangeHash]) -> bool {
    a.len() == b.len() && a.iter().all(|h| b.contains(h))
}

impl Store {
    fn meta_get(&self, key: &str) -> Result<Option<String>> {
        Ok(self.conn.query_row("SELECT value FROM meta WHERE key = ?1", [key], |r| r.get(0)).optional()?)
    }

    /// The server's restore epoch as this device last saw it.
    pub fn server_epoch(&self) -> Result<Option<String>> {
        self.meta_get("server_epoch")
    }

    /// Remember the server's restore epoch.
    pub fn set_server_epoch(&self, epoch: &str) -> Result<()> {
        self.conn.execute("INSERT OR REPLACE INTO meta(key, value) VALUES ('server_epoch', ?1)", [epoch])?;
        Ok(())
    }

    /// Start over with the server: its feed is behind this device's cursor (it was restored from a backup),
    /// so read it again from the start and offer every order whole — the server keeps what it has and
    /// takes back what it lost; merging is idempotent, so nothing is doubled on either side.
    pub fn restart_sync(&mut self) -> Result<usize> {
        let tx = self.conn.transaction()?;
        tx.execute("DELETE FROM meta WHERE key IN ('sync_cursor', 'reference_seq')", [])?;
        let n = tx.execute(
            "UPDATE sync_docs SET base = x'', local_seq = max(local_seq, pushed_seq) + 1, rejected_seq = NULL, \
             reject_code = NULL, reject_reason = NULL, gone = 0",
            [],
        )?;
        tx.commit()?;
        tracing::warn!(orders = n, "the server's feed is behind this device: syncing again from the start");
        Ok(n)
    }

    /// Record the server account after enrolment (and the person, if the store has none yet).
    pub fn set_account(&mut self, url: &str, resp: &EnrolResponse) -> Result<()> {
        let tx = self.conn.transaction()?;
        for (k, v) in
            [("server_url", url), ("server_token", resp.token.as_str()), ("org", &resp.org), ("role", &resp.role)]
        {
            tx.execute(
                "INSERT INTO meta(key, value) VALUES (?1, ?2) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                params![k, v],
            )?;
        }
        tx.execute("INSERT OR IGNORE INTO meta(key, value) VALUES ('person', ?1)", [&resp.person])?;
        tx.execute("INSERT OR REPLACE INTO meta(key, value) VALUES ('sync_cursor', '0')", [])?;
        tx.execute("DELETE FROM meta WHERE key = 'reference_seq'", [])?;
        tx.commit()?;
        if self.me.is_none() {
            self.me = Some(PersonId::new(resp.person.clone()));
        }
        Ok(())
    }

    /// The server account, once enrolled.
    pub fn account(&self) -> Result<Option<Account>> {
        let (Some(url), Some(token)) = (self.meta_get("server_url")?, self.meta_get("server_token")?) else {
            return Ok(None);
        };
        Ok(Some(Account {
            url,
            token,
            org: self.meta_get("org")?.unwrap_or_default(),
            role: self.meta_get("role")?.unwrap_or_default(),
        }))
    }

    /// The feed cursor of the last response fully stored.
    pub fn sync_cursor(&self) -> Result<u64> {
        Ok(self.meta_get("sync_cursor")?.and_then(|s| s.parse().ok()).unwrap_or(0))
    }

    /// The version of the server's reference data this store holds (none before the first sync).
    pub fn reference_seq(&self) -> Result<Option<u64>> {
        Ok(self.meta_get("reference_seq")?.and_then(|s| s.parse().ok()))
    }

    /// When the last sync finished (ms), if ever.
    pub fn last_sync_ms(&self) -> Result<Option<i64>> {
        Ok(self.meta_get("last_sync_ms")?.and_then(|s| s.parse().ok()))
    }

    /// Orders waiting to upload, with the changes since their base, up to `max_docs` and about
    /// `max_bytes`. Orders refused at their current state wait for a new edit.
    pub fn outgoing(&mut self, max_docs: usize, max_bytes: usize) -> Result<Vec<Outgoing>> {
        let rows: Vec<(String, Vec<u8>, i64)> = self
            .conn
            .prepare(
                "SELECT s.doc, s.base, s.local_seq FROM sync_docs s JOIN documents d ON d.id = s.doc \
                 WHERE s.local_seq > s.pushed_seq AND (s.rejected_seq IS NULL OR s.rejected_seq < s.local_seq) \
                 AND d.quarantined IS NULL ORDER BY s.doc",
            )?
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
            .collect::<Result<_, _>>()?;
        let mut out = Vec::new();
        let mut bytes = 0usize;
        for (doc, base, covers) in rows {
            if out.len() >= max_docs || (bytes >= max_bytes && !out.is_empty()) {
                break;
            }
            let Some(id) = WireId::parse(&doc) else { continue };
            let mut base = unpack_heads(&base);
            let changes = match self.changes_since(&doc, &base) {
                Ok(c) => c,
                // The base is unknown here (a restored store): send the whole document.
                Err(Error::Invalid(_)) => {
                    base.clear();
                    self.changes_since(&doc, &[])?
                }
                Err(e) => return Err(e),
            };
            let heads = self.heads(&doc)?;
            bytes += changes.len();
            out.push(Outgoing { push: DocPush { id, base: Heads(base), heads: Heads(heads), changes }, covers });
        }
        Ok(out)
    }

    /// Does the stored document have every one of `heads`?
    fn has_all(&mut self, id: &str, heads: &[ChangeHash]) -> Result<bool> {
        let mut loaded = self.take_doc(id)?;
        let ok = heads.iter().all(|h| loaded.doc.get_change_by_hash(h).is_some());
        self.cache.put(id, loaded);
        Ok(ok)
    }

    /// Store a server response. `sent` is what the request pushed. In one go; the sync engine calls
    /// the three steps itself ([`Store::begin_apply`], [`Store::receive_pulls`] in pieces,
    /// [`Store::finish_apply`]) so a shared store is released between pieces.
    pub fn apply_sync(
        &mut self,
        resp: &SyncResponse,
        sent: &[Outgoing],
        now: chrono::DateTime<chrono::Utc>,
    ) -> Result<Applied> {
        let mut pulled = self.begin_apply(resp)?;
        self.receive_pulls(&resp.docs, sent, now, &mut pulled)?;
        self.finish_apply(resp, sent, now, pulled)
    }

    /// First step of storing a response: its reference data, so the orders after it are indexed with
    /// the names and settings they use.
    pub fn begin_apply(&mut self, resp: &SyncResponse) -> Result<Pulled> {
        let mut pulled = Pulled::default();
        if let Some(reference) = &resp.reference {
            self.import_reference(reference)?;
            pulled.report.reference = true;
        }
        Ok(pulled)
    }

    /// Merge some of a response's documents (any slice of `resp.docs`, in any number of calls). Each
    /// merged order is written and indexed at once; the cursor moves only in [`Store::finish_apply`],
    /// so after a crash the response is asked for again and merging it again changes nothing.
    pub fn receive_pulls(
        &mut self,
        pulls: &[DocPull],
        sent: &[Outgoing],
        now: chrono::DateTime<chrono::Utc>,
        pulled: &mut Pulled,
    ) -> Result<()> {
        let report = &mut pulled.report;
        let bases = &mut pulled.bases;
        let by = self.me.clone().unwrap_or_else(|| PersonId::new("sync"));
        let ctx = Ctx { source: Source::Sync, by, now };
        // Quarantined orders come back whole: restored, not merged into bytes that do not load.
        let mut docs = Vec::with_capacity(pulls.len());
        for pull in pulls {
            let id = pull.id.to_text();
            // The feed returns what this request pushed: when the server's heads are the ones pushed,
            // this device has every change already. Nothing to load or merge.
            if sent.iter().any(|o| o.push.id == pull.id && same_heads(&o.push.heads.0, &pull.heads.0)) {
                bases.push((id, pack_heads(&pull.heads.0)));
                continue;
            }
            if pull.full && self.is_quarantined(&id)? {
                match self.restore_from_server(&OrderId::new(id.clone()), &pull.bytes, &ctx) {
                    Ok(msg) => report.restored.push((id, msg.text())),
                    Err(e) => report.failed.push((id, e.to_string())),
                }
            } else {
                docs.push(pull);
            }
        }
        let items: Vec<(OrderId, &[u8])> =
            docs.iter().map(|p| (OrderId::new(p.id.to_text()), p.bytes.as_slice())).collect();
        let outcomes = self.receive_many(&items, &ctx);
        for (pull, outcome) in docs.iter().zip(outcomes) {
            let id = pull.id.to_text();
            let complete = match &outcome {
                Ok((_, heads)) => {
                    let (mut a, mut b) = (heads.clone(), pull.heads.0.clone());
                    a.sort();
                    b.sort();
                    // Equal heads: nothing to look up (the usual case); else ask the document.
                    a == b || self.has_all(&id, &pull.heads.0)?
                }
                Err(_) => false,
            };
            match outcome {
                Ok(_) if complete => {
                    bases.push((id.clone(), pack_heads(&pull.heads.0)));
                    report.received += 1;
                    report.changed.push(id);
                }
                Ok(_) => report.failed.push((id, "the server's changes were incomplete".into())),
                // The server's copy of this order does not load (damaged on the server): it must not
                // stop every sync. If this device has a good copy it offers it whole, which rebuilds the
                // server's; either way the order comes again once the server's copy changes.
                Err(Error::Invalid(m)) if m.key == signoff_core::msg::Key::ReceivedUnreadable => {
                    tracing::error!(order = %id, "the server sent an order that does not load whole");
                    pulled.unreadable.push(id);
                }
                Err(e) => {
                    tracing::warn!(order = %id, error = %e, "could not merge an order from the server");
                    report.failed.push((id, e.to_string()));
                }
            }
        }
        Ok(())
    }

    /// Last step: the bookkeeping of what was pushed, refused and gone, and the cursor, in one
    /// transaction (the cursor stays put when an order could not be merged).
    pub fn finish_apply(
        &mut self,
        resp: &SyncResponse,
        sent: &[Outgoing],
        now: chrono::DateTime<chrono::Utc>,
        pulled: Pulled,
    ) -> Result<Applied> {
        let Pulled { mut report, bases, unreadable } = pulled;
        let mut acks = Vec::new();
        for ack in &resp.accepted {
            let id = ack.id.to_text();
            let Some(out) = sent.iter().find(|o| o.push.id == ack.id) else { continue };
            let heads = if ack.heads.is_empty() { &out.push.heads.0 } else { &ack.heads.0 };
            // The heads pushed are this device's own, and the heads just merged from this response are
            // known too: no need to load the document to know it has them.
            let packed = pack_heads(heads);
            let known = same_heads(heads, &out.push.heads.0)
                || bases.iter().any(|(b, h)| *b == id && *h == packed)
                || self.has_all(&id, heads)?;
            let base = if known { pack_heads(heads) } else { pack_heads(&out.push.heads.0) };
            acks.push((id, base, out.covers));
        }
        // The bookkeeping and the cursor commit together: after a crash the response is asked for again.
        let tx = self.conn.transaction()?;
        if let (Some(_), Some(rs)) = (&resp.reference, resp.reference_seq) {
            // Imported above (its own transaction): remember which version, so it is not sent again.
            tx.execute("INSERT OR REPLACE INTO meta(key, value) VALUES ('reference_seq', ?1)", [rs.to_string()])?;
        }
        for (id, base) in &bases {
            tx.prepare_cached(
                "INSERT INTO sync_docs(doc, base) VALUES (?1, ?2) ON CONFLICT(doc) DO UPDATE SET base = excluded.base, gone = 0",
            )?
            .execute(params![id, base])?;
        }
        for (id, base, covers) in &acks {
            tx.prepare_cached(
                "UPDATE sync_docs SET base = ?2, pushed_seq = max(pushed_seq, ?3), rejected_seq = NULL, \
                 reject_code = NULL, reject_reason = NULL WHERE doc = ?1",
            )?
            .execute(params![id, base, covers])?;
            report.accepted += 1;
        }
        for rej in &resp.rejected {
            let id = rej.id.to_text();
            let Some(out) = sent.iter().find(|o| o.push.id == rej.id) else { continue };
            if rej.code == RejectCode::MissingChanges {
                // Send the whole document next time.
                tx.execute("UPDATE sync_docs SET base = x'' WHERE doc = ?1", [&id])?;
                continue;
            }
            let code = signoff_core::doc::code_of(&rej.code);
            let text = rej.text.clone().unwrap_or_else(|| rej.code.msg().text());
            tracing::info!(order = %id, code = %code, reason = %rej.reason, "the server refused an order");
            // The reason kept is what the user reads, in both languages (`zh\nen`).
            tx.execute(
                "UPDATE sync_docs SET rejected_seq = ?2, reject_code = ?3, reject_reason = ?4 WHERE doc = ?1",
                params![id, out.covers, code, format!("{}\n{}", text.zh, text.en)],
            )?;
            report.rejected.push((id, text));
        }
        for id in &unreadable {
            let have =
                tx.prepare_cached("SELECT 1 FROM documents WHERE id = ?1 AND quarantined IS NULL")?.exists([id])?;
            if have {
                tx.execute(
                    "INSERT INTO sync_docs(doc, base, local_seq) VALUES (?1, x'', 1) ON CONFLICT(doc) DO UPDATE SET \
                     base = x'', local_seq = max(local_seq, pushed_seq) + 1, rejected_seq = NULL",
                    [id],
                )?;
            }
            report.unreadable.push(id.clone());
        }
        for gone in &resp.gone {
            tx.execute("UPDATE sync_docs SET gone = 1 WHERE doc = ?1", [gone.to_text()])?;
            report.gone += 1;
        }
        if report.failed.is_empty() {
            tx.execute(
                "INSERT OR REPLACE INTO meta(key, value) VALUES ('sync_cursor', ?1)",
                [resp.cursor.to_string()],
            )?;
            tx.execute(
                "INSERT OR REPLACE INTO meta(key, value) VALUES ('last_sync_ms', ?1)",
                [now.timestamp_millis().to_string()],
            )?;
        }
        tx.commit()?;
        Ok(report)
    }

    /// Where an order stands with the server.
    pub fn sync_state(&self, id: &OrderId) -> Result<SyncState> {
        let row: Option<SyncRow> = self
            .conn
            .prepare_cached(
                "SELECT base, local_seq, pushed_seq, rejected_seq, reject_code, reject_reason FROM sync_docs WHERE doc = ?1",
            )?
            .query_row([id.as_str()], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?, r.get(5)?)))
            .optional()?;
        Ok(match row {
            None => SyncState::LocalOnly,
            Some((_, local, pushed, Some(rej), code, reason)) if rej >= local && local > pushed => {
                let code = code.unwrap_or_default();
                // Stored as `zh\nen`; a reason kept by an older build is the server's English words:
                // shown by its code instead.
                let reason = match reason.as_deref().and_then(|r| r.split_once('\n')) {
                    Some((zh, en)) => Text::new(zh, en),
                    None => signoff_core::doc::from_code::<RejectCode>(&code).unwrap_or(RejectCode::Other).msg().text(),
                };
                SyncState::Rejected { code, reason }
            }
            Some((base, local, pushed, ..)) if local > pushed => {
                if base.is_empty() && pushed == 0 {
                    SyncState::LocalOnly
                } else {
                    SyncState::Uploading
                }
            }
            Some(_) => SyncState::Synced,
        })
    }

    /// Orders the server no longer shows to this device (kept here).
    pub fn gone_orders(&self) -> Result<Vec<String>> {
        Ok(self
            .conn
            .prepare("SELECT doc FROM sync_docs WHERE gone = 1 ORDER BY doc")?
            .query_map([], |r| r.get(0))?
            .collect::<Result<_, _>>()?)
    }

    /// Blobs to upload: photo files named by orders the server has accepted, not uploaded yet.
    pub fn blobs_to_upload(&self) -> Result<Vec<(String, u64)>> {
        let wanted = self.referenced_prefixes(
            "SELECT r.prefixes FROM blob_refs r JOIN documents d ON d.rowid = r.doc \
             JOIN sync_docs s ON s.doc = d.id WHERE s.pushed_seq > 0 OR length(s.base) > 0",
        )?;
        let waiting: Vec<(String, i64)> = self
            .conn
            .prepare_cached("SELECT sha, bytes FROM blobs WHERE uploaded_ms IS NULL AND dropped = 0 ORDER BY sha")?
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
            .collect::<Result<_, _>>()?;
        let mut out = Vec::new();
        for (sha, bytes) in waiting {
            if super::photos::ref_prefix(&sha).is_some_and(|p| wanted.contains(&p)) && self.blobs.contains(&sha) {
                out.push((sha, bytes as u64));
            }
        }
        Ok(out)
    }

    /// Keep a blob downloaded from the server (checked against its name); it counts as uploaded.
    pub fn store_downloaded_blob(&mut self, sha: &str, kind: &str, bytes: &[u8], now_ms: i64) -> Result<()> {
        self.blobs.put_verified(sha, bytes)?;
        self.conn.execute(
            "INSERT INTO blobs(sha, kind, bytes, added_ms, uploaded_ms) VALUES (?1, ?2, ?3, ?4, ?4) \
             ON CONFLICT(sha) DO UPDATE SET dropped = 0",
            params![sha, kind, bytes.len() as i64, now_ms],
        )?;
        Ok(())
    }

    /// Photos (thumbnails or evidence) that orders here name but this device does not hold.
    pub fn missing_photos(&mut self, thumbnails: bool) -> Result<Vec<String>> {
        let mut out = Vec::new();
        for id in self.document_ids()? {
            let loaded = match self.take_doc(&id) {
                Ok(l) => l,
                Err(Error::Quarantined { .. }) => continue,
                Err(e) => return Err(e),
            };
            for p in loaded.order.photos.iter().filter(|p| !p.removed) {
                let sha = if thumbnails { &p.thumbnail_sha256 } else { &p.sha256 };
                if !sha.is_empty() && !self.blobs.contains(sha) {
                    out.push(sha.clone());
                }
            }
            self.cache.put(&id, loaded);
        }
        out.sort();
        out.dedup();
        Ok(out)
    }
}
