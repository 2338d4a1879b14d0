//! Photo evidence on the device: attach photos to orders (one, or a batch on a bounded pool of
//! workers with progress), export them, and look after the blob files — which are still referenced,
//! garbage collection of the rest, an integrity check, space used per kind, and dropping originals
//! once their evidence copy has been uploaded.
//!
//! Order of writes for an attach: the blob files are written and synced first, then their rows, then
//! the document change that names them. A crash in between leaves unreferenced blobs, which garbage
//! collection removes after a grace period; it never leaves a document naming a missing blob.

use super::{Ctx, Store};
use crate::error::{Error, Result};
use crate::photo::{self, PrepareOptions, Prepared, Stamp};
use rusqlite::{OptionalExtension, Transaction, params};
use serde::Serialize;
use signoff_core::edit::{Edit, NewPhoto};
use signoff_core::ids::OrderId;
use signoff_core::model::{KeepOriginals, PhotoStage, WorkOrder};
use signoff_core::msg::{Key, Msg};
use std::collections::{BTreeSet, HashSet};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc;

/// Blobs younger than this are never collected (an attach may be between writing them and committing).
const GC_GRACE_MS: i64 = 60 * 60 * 1000;

/// Every blob a document's (non-removed) photos name.
pub(crate) fn photo_blobs(order: &WorkOrder) -> BTreeSet<String> {
    order
        .photos
        .iter()
        .filter(|p| !p.removed)
        .flat_map(|p| [&p.sha256, &p.original_sha256, &p.thumbnail_sha256])
        .filter(|h| !h.is_empty())
        .cloned()
        .collect()
}

/// Bytes of a blob's SHA-256 kept in `blob_refs`. The table only answers "does some document still
/// name this blob?" (garbage collection, uploads): a prefix shared by chance keeps a blob or offers it
/// for upload, it never loses one, and 64 bits make even that a once-in-10¹⁰ event at 10⁵ blobs.
pub(crate) const REF_PREFIX: usize = 8;

/// The `blob_refs` prefix of a blob named by its hex SHA-256 (None for a malformed name).
pub(crate) fn ref_prefix(sha: &str) -> Option<[u8; REF_PREFIX]> {
    let hex = sha.as_bytes().get(..REF_PREFIX * 2)?;
    let bytes = data_encoding::HEXLOWER_PERMISSIVE.decode(hex).ok()?;
    bytes.try_into().ok()
}

/// Bring `blob_refs` of one document from `before` to `after`. Part of the caller's transaction.
pub(crate) fn sync_refs(
    tx: &Transaction<'_>,
    doc: i64,
    before: &BTreeSet<String>,
    after: &BTreeSet<String>,
) -> Result<()> {
    if before == after {
        return Ok(());
    }
    let prefixes: BTreeSet<[u8; REF_PREFIX]> = after.iter().filter_map(|h| ref_prefix(h)).collect();
    if prefixes.is_empty() {
        tx.prepare_cached("DELETE FROM blob_refs WHERE doc = ?1")?.execute([doc])?;
        return Ok(());
    }
    let packed: Vec<u8> = prefixes.into_iter().flatten().collect();
    tx.prepare_cached("INSERT OR REPLACE INTO blob_refs(doc, prefixes) VALUES (?1, ?2)")?
        .execute(params![doc, packed])?;
    Ok(())
}

/// Whether a blob is named by a document, given the referenced prefixes (a malformed name is kept).
fn is_referenced(referenced: &HashSet<[u8; REF_PREFIX]>, sha: &str) -> bool {
    ref_prefix(sha).is_none_or(|p| referenced.contains(&p))
}

impl Store {
    /// The prefixes of every blob some document references.
    pub(crate) fn referenced_prefixes(&self, sql: &str) -> Result<HashSet<[u8; REF_PREFIX]>> {
        let mut out = HashSet::new();
        let mut stmt = self.conn.prepare(sql)?;
        let mut rows = stmt.query([])?;
        while let Some(r) = rows.next()? {
            let packed = r.get_ref(0)?.as_blob().map_err(rusqlite::Error::from)?;
            out.extend(packed.chunks_exact(REF_PREFIX).filter_map(|p| <[u8; REF_PREFIX]>::try_from(p).ok()));
        }
        Ok(out)
    }

    /// Every blob the documents with these rowids name, read from the documents themselves (those that
    /// cannot be read are skipped: they are quarantined and reported elsewhere).
    fn blobs_named_by(&self, docs: &BTreeSet<i64>) -> Result<BTreeSet<String>> {
        let mut out = BTreeSet::new();
        for &rowid in docs {
            if let Some(order) = self.read_order_at(rowid)? {
                out.extend(photo_blobs(&order));
            }
        }
        Ok(out)
    }
}

/// A photo attached to an order.
#[derive(Debug, Clone, Serialize)]
pub struct Attached {
    /// The order.
    pub order: OrderId,
    /// The photo's id in the order.
    pub photo: String,
    /// What the pipeline made.
    pub prepared: Prepared,
}

/// Progress of a batch, reported after each file.
#[derive(Debug, Clone)]
pub struct Progress<'a> {
    /// Files finished (attached or refused).
    pub done: usize,
    /// Files in the batch.
    pub total: usize,
    /// The file just finished.
    pub file: &'a Path,
    /// Its outcome.
    pub outcome: std::result::Result<&'a Attached, &'a Error>,
}

/// Space used by blob files of one kind.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Space {
    /// `original`, `evidence` or `thumbnail`.
    pub kind: String,
    /// Files present.
    pub files: i64,
    /// Their bytes.
    pub bytes: i64,
    /// Originals dropped after upload.
    pub dropped: i64,
}

/// What garbage collection did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct GcReport {
    /// Blobs deleted.
    pub deleted: usize,
    /// Bytes freed.
    pub bytes: u64,
    /// Referenced blobs kept.
    pub kept: usize,
}

/// What the integrity check found.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct BlobCheck {
    /// Files re-hashed.
    pub checked: usize,
    /// Files whose bytes no longer match their name.
    pub corrupt: Vec<String>,
    /// Blobs the documents name that are not on this device (and were not dropped on purpose).
    pub missing: Vec<String>,
    /// Files no row describes.
    pub orphans: Vec<String>,
}

impl BlobCheck {
    /// Nothing wrong.
    pub fn ok(&self) -> bool {
        self.corrupt.is_empty() && self.missing.is_empty()
    }
}

fn kind_name(i: usize) -> &'static str {
    ["original", "evidence", "thumbnail"][i]
}

impl Store {
    /// The blob files.
    pub fn blobs(&self) -> &crate::blobs::BlobStore {
        &self.blobs
    }

    /// Pipeline options for photos of `order`: the organisation's sizes, and the stamp when it stamps.
    pub fn photo_options(&self, order: &WorkOrder, now_ms: i64) -> PrepareOptions {
        let p = &self.settings.photos;
        let place = if order.unit.address.is_empty() { order.unit.label.clone() } else { order.unit.address.clone() };
        PrepareOptions {
            evidence_long_edge: p.evidence_long_edge,
            evidence_quality: p.evidence_quality,
            thumbnail_long_edge: p.thumbnail_long_edge,
            stamp: p.stamp.then(|| Stamp {
                lines: vec![format!("报修单 {}", order.display_no()), place],
                fallback_ms: now_ms,
                tz: self.settings.tz(),
            }),
            ..PrepareOptions::default()
        }
    }

    /// Store a prepared photo's files and attach it to the order (an `AddPhoto` event).
    fn attach_prepared(
        &mut self,
        id: &OrderId,
        original: &[u8],
        prepared: Prepared,
        stage: PhotoStage,
        caption: &str,
        ctx: &Ctx,
    ) -> Result<Attached> {
        let now = ctx.now.timestamp_millis();
        let files: [(&[u8], &str); 3] = [
            (original, &prepared.original_sha256),
            (&prepared.evidence.bytes, &prepared.evidence.sha256),
            (&prepared.thumbnail.bytes, &prepared.thumbnail.sha256),
        ];
        for (bytes, sha) in files {
            self.blobs.put_verified(sha, bytes)?;
        }
        let tx = self.conn.transaction()?;
        for (i, (bytes, sha)) in files.iter().enumerate() {
            let evidence = (i == 0).then_some(prepared.evidence.sha256.as_str());
            tx.prepare_cached(
                "INSERT INTO blobs(sha, kind, bytes, evidence, added_ms) VALUES (?1, ?2, ?3, ?4, ?5) \
                 ON CONFLICT(sha) DO UPDATE SET dropped = 0",
            )?
            .execute(params![sha, kind_name(i), bytes.len() as i64, evidence, now])?;
        }
        tx.commit()?;
        let edit = Edit::AddPhoto(NewPhoto {
            sha256: prepared.evidence.sha256.clone(),
            original_sha256: prepared.original_sha256.clone(),
            thumbnail_sha256: prepared.thumbnail.sha256.clone(),
            width: prepared.evidence.width,
            height: prepared.evidence.height,
            stamped: prepared.stamped,
            stage,
            caption: caption.trim().to_owned(),
            taken_at_ms: prepared.meta.taken_at_or(self.settings.tz()),
            place: prepared.meta.gps,
        });
        let view = self.apply(id, edit, ctx)?;
        let photo = view
            .order
            .photos
            .iter()
            .filter(|p| p.sha256 == prepared.evidence.sha256)
            .max_by(|a, b| a.id.cmp(&b.id))
            .map(|p| p.id.clone())
            .unwrap_or_default();
        Ok(Attached { order: id.clone(), photo, prepared })
    }

    /// Attach one photo file to an order.
    pub fn attach_photo(
        &mut self,
        id: &OrderId,
        file: &Path,
        stage: PhotoStage,
        caption: &str,
        ctx: &Ctx,
    ) -> Result<Attached> {
        let order = self.get(id, ctx.now)?.order;
        let options = self.photo_options(&order, ctx.now.timestamp_millis());
        let (original, prepared) = photo::prepare_file(file, &options)?;
        self.attach_prepared(id, &original, prepared, stage, caption, ctx)
    }

    /// Attach several files, decoding on up to `workers` threads (both cores of a phone, bounded so
    /// memory stays flat) while this thread stores the results in file order. A refused file does not
    /// stop the batch: each file has its own outcome, reported through `progress` as it finishes.
    pub fn attach_photos(
        &mut self,
        id: &OrderId,
        files: &[PathBuf],
        stage: PhotoStage,
        caption: &str,
        ctx: &Ctx,
        workers: usize,
        progress: &mut dyn FnMut(&Progress<'_>),
    ) -> Result<Vec<Result<Attached>>> {
        let order = self.get(id, ctx.now)?.order;
        let options = self.photo_options(&order, ctx.now.timestamp_millis());
        let workers = workers.clamp(1, files.len().max(1));
        let next = AtomicUsize::new(0);
        let mut outcomes: Vec<Option<Result<Attached>>> = (0..files.len()).map(|_| None).collect();
        std::thread::scope(|scope| {
            // At most `workers` finished-but-not-stored photos wait in the channel.
            let (tx, rx) =
                mpsc::sync_channel::<(usize, std::result::Result<(Vec<u8>, Prepared), photo::PhotoError>)>(workers);
            for _ in 0..workers {
                let tx = tx.clone();
                let (next, options) = (&next, &options);
                scope.spawn(move || {
                    loop {
                        let i = next.fetch_add(1, Ordering::SeqCst);
                        let Some(file) = files.get(i) else { break };
                        if tx.send((i, photo::prepare_file(file, options))).is_err() {
                            break;
                        }
                    }
                });
            }
            drop(tx);
            let mut pending = std::collections::BTreeMap::new();
            let mut store_next = 0;
            let mut done = 0;
            for (i, result) in rx {
                pending.insert(i, result);
                while let Some(result) = pending.remove(&store_next) {
                    let outcome = match result {
                        Ok((original, prepared)) => self.attach_prepared(id, &original, prepared, stage, caption, ctx),
                        Err(e) => Err(Error::Photo(e)),
                    };
                    done += 1;
                    progress(&Progress {
                        done,
                        total: files.len(),
                        file: &files[store_next],
                        outcome: outcome.as_ref(),
                    });
                    outcomes[store_next] = Some(outcome);
                    store_next += 1;
                }
            }
        });
        Ok(outcomes
            .into_iter()
            .map(|o| o.unwrap_or_else(|| Err(Error::Invalid(Msg::new(Key::PhotoInternal)))))
            .collect())
    }

    /// The bytes of a blob this device holds.
    pub fn blob_bytes(&self, sha: &str) -> Result<Vec<u8>> {
        Ok(self.blobs.read(sha)?)
    }

    /// Write an order's evidence photos (not removed) to `dir` as `{number}_{stage}_{n}.jpg`.
    pub fn export_photos(&mut self, id: &OrderId, dir: &Path) -> Result<Vec<PathBuf>> {
        let order = self.get(id, chrono::DateTime::UNIX_EPOCH)?.order;
        std::fs::create_dir_all(dir).map_err(|source| Error::Io { path: dir.to_owned(), source })?;
        let mut out = Vec::new();
        let mut photos: Vec<_> = order.photos.iter().filter(|p| !p.removed).collect();
        photos.sort_by_key(|p| (p.stage, p.taken_at_ms, p.id.clone()));
        for (n, p) in photos.iter().enumerate() {
            let stage = signoff_core::doc::code_of(&p.stage);
            let path = dir.join(format!("{}_{stage}_{:02}.jpg", order.display_no(), n + 1));
            let bytes = self.blobs.read(&p.sha256)?;
            std::fs::write(&path, bytes).map_err(|source| Error::Io { path: path.clone(), source })?;
            out.push(path);
        }
        Ok(out)
    }

    /// Record that a blob reached the server (the sync engine calls this).
    pub fn mark_uploaded(&mut self, sha: &str, now_ms: i64) -> Result<bool> {
        Ok(self.conn.execute(
            "UPDATE blobs SET uploaded_ms = ?2 WHERE sha = ?1 AND uploaded_ms IS NULL",
            params![sha, now_ms],
        )? > 0)
    }

    /// Delete the originals whose evidence copy is uploaded, when the organisation keeps originals only
    /// until then. Returns the bytes freed.
    pub fn drop_uploaded_originals(&mut self) -> Result<u64> {
        if self.settings.photos.keep_originals == KeepOriginals::Always {
            return Ok(0);
        }
        let victims: Vec<(String, i64)> = self
            .conn
            .prepare(
                "SELECT o.sha, o.bytes FROM blobs o JOIN blobs e ON e.sha = o.evidence \
                 WHERE o.kind = 'original' AND o.dropped = 0 AND e.uploaded_ms IS NOT NULL",
            )?
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
            .collect::<Result<_, _>>()?;
        let mut freed = 0;
        for (sha, bytes) in victims {
            self.conn.execute("UPDATE blobs SET dropped = 1 WHERE sha = ?1", [&sha])?;
            self.blobs.remove(&sha)?;
            freed += bytes as u64;
        }
        Ok(freed)
    }

    /// Delete blob files no document references, older than the grace period.
    pub fn collect_garbage(&mut self, now_ms: i64) -> Result<GcReport> {
        let referenced = self.referenced_prefixes("SELECT prefixes FROM blob_refs")?;
        let mut report = GcReport::default();
        let rows: Vec<(String, i64, i64)> = self
            .conn
            .prepare("SELECT sha, bytes, added_ms FROM blobs")?
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
            .collect::<Result<_, _>>()?;
        let known: BTreeSet<&str> = rows.iter().map(|(s, _, _)| s.as_str()).collect();
        for (sha, bytes, added) in &rows {
            if is_referenced(&referenced, sha) {
                report.kept += 1;
            } else if now_ms - added > GC_GRACE_MS {
                self.blobs.remove(sha)?;
                self.conn.execute("DELETE FROM blobs WHERE sha = ?1", [sha])?;
                report.deleted += 1;
                report.bytes += *bytes as u64;
            }
        }
        // Files without a row: a crash between writing a file and its row. Old ones are collected.
        for (sha, len) in self.blobs.list()? {
            if known.contains(sha.as_str()) || is_referenced(&referenced, &sha) {
                continue;
            }
            let age_ok = std::fs::metadata(self.blobs.path(&sha)?)
                .and_then(|m| m.modified())
                .ok()
                .and_then(|t| t.elapsed().ok())
                .is_some_and(|age| age.as_millis() as i64 > GC_GRACE_MS);
            if age_ok {
                self.blobs.remove(&sha)?;
                report.deleted += 1;
                report.bytes += len;
            }
        }
        Ok(report)
    }

    /// Re-hash every blob file and compare with what the documents need.
    pub fn check_blobs(&self) -> Result<BlobCheck> {
        let mut check = BlobCheck::default();
        let rows: BTreeSet<String> = self
            .conn
            .prepare("SELECT sha FROM blobs WHERE dropped = 0")?
            .query_map([], |r| r.get(0))?
            .collect::<Result<_, _>>()?;
        let files = self.blobs.list()?;
        for (sha, _) in &files {
            check.checked += 1;
            if !self.blobs.verify(sha)? {
                check.corrupt.push(sha.clone());
            }
            if !rows.contains(sha) {
                check.orphans.push(sha.clone());
            }
        }
        let present: BTreeSet<&str> = files.iter().map(|(s, _)| s.as_str()).collect();
        let dropped: BTreeSet<String> = self
            .conn
            .prepare("SELECT sha FROM blobs WHERE dropped = 1")?
            .query_map([], |r| r.get(0))?
            .collect::<Result<_, _>>()?;
        // blob_refs keeps prefixes: the documents naming a prefix no file or dropped row has are read
        // for the full names of what is missing.
        let held: HashSet<[u8; REF_PREFIX]> =
            present.iter().copied().chain(dropped.iter().map(String::as_str)).filter_map(ref_prefix).collect();
        let mut suspects = BTreeSet::new();
        let mut stmt = self.conn.prepare("SELECT doc, prefixes FROM blob_refs")?;
        let mut refs = stmt.query([])?;
        while let Some(r) = refs.next()? {
            let packed = r.get_ref(1)?.as_blob().map_err(rusqlite::Error::from)?;
            if packed
                .chunks_exact(REF_PREFIX)
                .any(|p| <[u8; REF_PREFIX]>::try_from(p).is_ok_and(|p| !held.contains(&p)))
            {
                suspects.insert(r.get::<_, i64>(0)?);
            }
        }
        check.missing = self
            .blobs_named_by(&suspects)?
            .into_iter()
            .filter(|s| !present.contains(s.as_str()) && !dropped.contains(s))
            .collect();
        Ok(check)
    }

    /// Space used by blob files, per kind.
    pub fn photo_space(&self) -> Result<Vec<Space>> {
        Ok(self
            .conn
            .prepare(
                "SELECT kind, sum(dropped = 0), coalesce(sum(CASE WHEN dropped = 0 THEN bytes END), 0), sum(dropped) \
                 FROM blobs GROUP BY kind ORDER BY kind",
            )?
            .query_map([], |r| Ok(Space { kind: r.get(0)?, files: r.get(1)?, bytes: r.get(2)?, dropped: r.get(3)? }))?
            .collect::<Result<_, _>>()?)
    }

    /// What the store knows about one blob: `(kind, bytes, uploaded)`.
    pub fn blob_info(&self, sha: &str) -> Result<Option<(String, i64, bool)>> {
        Ok(self
            .conn
            .query_row("SELECT kind, bytes, uploaded_ms IS NOT NULL FROM blobs WHERE sha = ?1", [sha], |r| {
                Ok((r.get(0)?, r.get(1)?, r.get(2)?))
            })
            .optional()?)
    }
}
