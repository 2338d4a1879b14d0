//! The sync exchange (`POST /v1/sync`): apply what the device pushed, then answer with what it lacks.
//!
//! Pushed documents are merged one by one (optimistic writes: on a version conflict the document is
//! reloaded and merged again). Then the organisation's feed is read from the device's cursor: each
//! document the device may see and does not have at the stored heads is sent — whole if the device
//! never had it (snapshot and appended changes as stored, no Automerge work), else the changes after
//! the heads it confirmed; documents it may no longer see are listed as `gone`. The answer stops at a
//! size budget with `more`, and what it sends is recorded as pending knowledge until the device's next
//! request confirms the cursor. A replayed request merges nothing new and gets the same answer.

use crate::error::ServerError;
use crate::merge::{self, Refusal, pack_heads, unpack_heads};
use crate::state::AppState;
use crate::store::{DeviceRecord, DocMeta, DocWrite, FeedItem, Store, StoreError, Viewer};
use automerge::ActorId;
use chrono::{Datelike, FixedOffset, TimeZone, Utc};
use signoff_core::model::{KnownDevice, ReferenceImport};
use signoff_core::wire::{
    DocAccepted, DocPull, DocPush, DocRejected, Heads, RejectCode, SyncRequest, SyncResponse, WIRE_VERSION, WireId,
};
use std::collections::{HashMap, HashSet};
use std::sync::Arc;

/// Attempts at writing one document before giving up on concurrent writers.
const WRITE_ATTEMPTS: usize = 8;
/// Feed entries read per store call.
const FEED_BATCH: usize = 512;
/// China Standard Time: the year of an official number is the local year.
const CST_SECONDS: i32 = 8 * 3600;

/// May this device see (and write) a document with this metadata? The office sees everything; a
/// technician the orders assigned to them; a contractor crew its company's; each device what it
/// created and nobody has been assigned yet.
pub fn can_see(dev: &DeviceRecord, org: &str, meta: &DocMeta) -> bool {
    dev.org == org
        && (dev.role.sees_all()
            || meta.assignee.as_deref() == Some(dev.sees_as().as_str())
            || (meta.assignee.is_none() && meta.creator == dev.id))
}

/// The device's Automerge actor (its id is 16 hex digits = 8 bytes).
pub fn device_actor(dev: &DeviceRecord) -> Result<ActorId, ServerError> {
    data_encoding::HEXLOWER_PERMISSIVE
        .decode(dev.id.as_bytes())
        .map(|b| ActorId::from(b.as_slice()))
        .map_err(|_| ServerError::BadRequest("the device id is not hex".into()))
}

enum Applied {
    Accepted { heads: Vec<u8>, official: Option<String>, catch_up: Option<Vec<u8>> },
    Rejected(Refusal),
}

/// A push merged in memory, not yet written.
struct Merging {
    stored: Option<crate::store::StoredDoc>,
    merged: merge::Merged,
    creator: String,
    pushed_heads: Vec<automerge::ChangeHash>,
    /// An order brought back after a restore whose old number another order took meanwhile: it gets a
    /// new one (the order itself must not be lost).
    renumber: bool,
}

impl Merging {
    fn needs_number(&self) -> bool {
        self.stored.is_none() && (self.merged.order.official_no.is_none() || self.renumber)
    }

    /// An order new to the server that already carries an official number: one the server lost to a
    /// restore, brought back by a device (checked in `merge`: written by the server's own actor).
    fn reclaims(&self) -> Option<&str> {
        if self.stored.is_none() { self.merged.order.official_no.as_deref() } else { None }
    }
}

/// Take back the number of an order brought back after a restore, unless another order has it (then
/// the order gets a new number: it must not be lost); the counter moves past it either way.
async fn reclaim<S: Store>(
    st: &AppState<S>,
    dev: &DeviceRecord,
    m: &mut Merging,
) -> Result<Option<Refusal>, ServerError> {
    let Some(number) = m.reclaims() else { return Ok(None) };
    let refused = |why: &str| {
        Some(Refusal {
            code: RejectCode::BadValue,
            reason: format!("official number {number}: {why}"),
            text: Some(signoff_core::msg::Msg::new(signoff_core::msg::Key::RefusedServerField).text()),
        })
    };
    let prefix = format!("{}-", st.config.number_prefix);
    let parsed = number.strip_prefix(&prefix).and_then(|rest| rest.split_once('-')).and_then(|(y, n)| {
        Some((y.parse::<i32>().ok()?, n.parse::<u64>().ok()?)).filter(|(y, n)| (2000..=2200).contains(y) && *n > 0)
    });
    let Some((year, seq)) = parsed else { return Ok(refused("not a number this server gives")) };
    if st.store.reclaim_number(&dev.org, &m.merged.order.id.to_string(), number, year, seq).await? {
        tracing::info!(device = %dev.id, %number, "an order lost to a restore came back with its number");
    } else {
        tracing::warn!(device = %dev.id, %number, "an order lost to a restore came back; its number was taken meanwhile: renumbered");
        m.renumber = true;
    }
    Ok(None)
}

/// What to write for a merged push, and what to answer once written.
struct Finished {
    write: Option<DocWrite>,
    answer: Applied,
}

fn task_failed(e: tokio::task::JoinError) -> ServerError {
    ServerError::Store(StoreError::Task(e.to_string()))
}

/// Check access and merge the push into the stored document (call on a blocking thread: Automerge work,
/// inside the panic boundary of [`merge::merge`]).
fn merge_push(
    limits: &crate::config::Limits,
    dev: &DeviceRecord,
    actor: &ActorId,
    push: &DocPush,
    stored: Option<crate::store::StoredDoc>,
) -> Result<Merging, Refusal> {
    if push.changes.len() > limits.max_change_bytes {
        return Err((
            RejectCode::TooLarge,
            format!("{} bytes of changes exceed the limit of {}", push.changes.len(), limits.max_change_bytes),
        )
            .into());
    }
    if let Some(s) = &stored
        && !can_see(dev, &s.org, &s.meta)
    {
        return Err((RejectCode::Forbidden, "this device may not change this order".to_owned()).into());
    }
    let creator = stored.as_ref().map_or_else(|| dev.id.clone(), |s| s.meta.creator.clone());
    let device_key = data_encoding::HEXLOWER_PERMISSIVE
        .decode(dev.public_key.as_bytes())
        .ok()
        .and_then(|b| <[u8; 32]>::try_from(b).ok())
        .and_then(|b| ed25519_dalek::VerifyingKey::from_bytes(&b).ok());
    let checks = merge::Checks {
        device_id: &dev.id,
        device_key,
        now: Utc::now(),
        person: &dev.person,
        office: dev.role.sees_all(),
    };
    let merged = merge::merge(stored.as_ref(), push, actor, limits.max_doc_bytes, &checks)?;
    Ok(Merging { stored, merged, creator, pushed_heads: push.heads.0.clone(), renumber: false })
}

/// Give the document its official number (if it needs one), and work out the write and the answer.
fn finish(m: Merging, number: Option<String>, dev: &DeviceRecord, id: &str) -> Finished {
    let Merging { stored, mut merged, creator, pushed_heads, renumber } = m;
    if let Some(n) = &number
        && (merged.order.official_no.is_none() || renumber)
    {
        let written = if renumber {
            signoff_core::doc::replace_official_number(&mut merged.doc, n).map(|()| true)
        } else {
            signoff_core::doc::set_official_number(&mut merged.doc, n)
        };
        if let Err(e) = written {
            return Finished { write: None, answer: Applied::Rejected((RejectCode::Invalid, e.to_string()).into()) };
        }
        merged.order.official_no = Some(n.clone());
    }
    let heads = merged.doc.get_heads();
    let changed = heads != merged.before || stored.is_none();
    let mut sorted_pushed = pushed_heads.clone();
    sorted_pushed.sort();
    let mut sorted_heads = heads.clone();
    sorted_heads.sort();
    let catch_up = (sorted_pushed != sorted_heads).then(|| merged.doc.save_after(&pushed_heads));
    let meta = merge::meta_of(&merged.order, &creator);
    let answer = Applied::Accepted { heads: pack_heads(&heads), official: meta.official.clone(), catch_up };
    if !changed {
        // Nothing new (a replay): no write, same answer.
        return Finished { write: None, answer };
    }
    if let Some(s) = &stored
        && !dev.role.sees_all()
        && !can_see(dev, &s.org, &meta)
    {
        let refusal =
            (RejectCode::Forbidden, "a technician's device cannot take an order away from its assignee".to_owned());
        return Finished { write: None, answer: Applied::Rejected(refusal.into()) };
    }
    let body = merge::body_for(&mut merged.doc, stored.as_ref(), &merged.before, merged.repaired);
    let write = DocWrite {
        id: id.to_owned(),
        org: dev.org.clone(),
        expected_version: stored.as_ref().map(|s| s.version),
        body,
        heads: pack_heads(&heads),
        meta,
        blobs: merge::blobs_of(&merged.order),
    };
    Finished { write: Some(write), answer }
}

/// [`finish`] inside the panic boundary: saving a document that merged cleanly can still make
/// automerge 0.12 panic on crafted changes (a missing dependency found while encoding).
fn finish_guarded(m: Merging, number: Option<String>, dev: &DeviceRecord, id: &str) -> Finished {
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| finish(m, number, dev, id))).unwrap_or_else(|_| Finished {
        write: None,
        answer: Applied::Rejected((RejectCode::Invalid, "the changes made Automerge fail".to_owned()).into()),
    })
}

fn local_year() -> i32 {
    FixedOffset::east_opt(CST_SECONDS)
        .map(|tz| tz.from_utc_datetime(&Utc::now().naive_utc()).year())
        .unwrap_or_else(|| Utc::now().year())
}

/// Apply a batch of pushes: merge each, reserve official numbers for the new orders in one step,
/// write everything in one transaction; documents another request wrote meanwhile go through
/// [`apply_one`], which reloads and retries.
async fn apply_batch<S: Store>(
    st: &AppState<S>,
    dev: &DeviceRecord,
    actor: &ActorId,
    pushes: Vec<Arc<DocPush>>,
) -> Result<Vec<Applied>, ServerError> {
    let stored = st.store.documents(pushes.iter().map(|p| p.id.to_text()).collect()).await?;
    let (limits, dev2, actor2, batch) = (st.config.limits.clone(), dev.clone(), actor.clone(), pushes.clone());
    let merging: Vec<Result<Merging, Refusal>> = tokio::task::spawn_blocking(move || {
        batch.iter().zip(stored).map(|(p, stored)| merge_push(&limits, &dev2, &actor2, p, stored)).collect()
    })
    .await
    .map_err(task_failed)?;
    let mut checked = Vec::with_capacity(merging.len());
    for m in merging {
        checked.push(match m {
            Ok(mut m) => match reclaim(st, dev, &mut m).await? {
                Some(refusal) => Err(refusal),
                None => Ok(m),
            },
            Err(r) => Err(r),
        });
    }
    let merging = checked;
    let wanted = merging.iter().filter(|m| m.as_ref().is_ok_and(Merging::needs_number)).count() as u64;
    let year = local_year();
    let mut next = if wanted > 0 { st.store.next_number(&dev.org, year, wanted).await? } else { 0 };
    let prefix = st.config.number_prefix.clone();
    let mut numbered = Vec::with_capacity(merging.len());
    for m in merging {
        let number = match &m {
            Ok(m) if m.needs_number() => {
                next += 1;
                Some(format!("{prefix}-{year}-{:06}", next - 1))
            }
            _ => None,
        };
        numbered.push((m, number));
    }
    let ids: Vec<String> = pushes.iter().map(|p| p.id.to_text()).collect();
    let dev2 = dev.clone();
    let finished: Vec<Result<Finished, Refusal>> = tokio::task::spawn_blocking(move || {
        numbered
            .into_iter()
            .zip(ids)
            .map(|((m, number), id)| m.map(|m| finish_guarded(m, number, &dev2, &id)))
            .collect()
    })
    .await
    .map_err(task_failed)?;
    let mut writes = Vec::new();
    let mut slots = Vec::new();
    let mut answers: Vec<Option<Applied>> = Vec::with_capacity(finished.len());
    for (i, f) in finished.into_iter().enumerate() {
        match f {
            Err(refusal) => answers.push(Some(Applied::Rejected(refusal))),
            Ok(Finished { write: None, answer }) => answers.push(Some(answer)),
            Ok(Finished { write: Some(w), answer }) => {
                writes.push(w);
                slots.push(i);
                answers.push(Some(answer));
            }
        }
    }
    if !writes.is_empty() {
        let results = st.store.write_documents(writes).await?;
        for (slot, result) in slots.into_iter().zip(results) {
            match result {
                Ok(_) => st.metrics.applied(1),
                Err(StoreError::Conflict) => answers[slot] = Some(apply_one(st, dev, actor, &pushes[slot]).await?),
                Err(e) => return Err(e.into()),
            }
        }
    }
    Ok(answers.into_iter().flatten().collect())
}

/// One push, retried on write conflicts.
async fn apply_one<S: Store>(
    st: &AppState<S>,
    dev: &DeviceRecord,
    actor: &ActorId,
    push: &Arc<DocPush>,
) -> Result<Applied, ServerError> {
    let id = push.id.to_text();
    let mut number: Option<String> = None;
    for _ in 0..WRITE_ATTEMPTS {
        let stored = st.store.document(&id).await?;
        let (limits, dev2, actor2, p) = (st.config.limits.clone(), dev.clone(), actor.clone(), push.clone());
        let merged = tokio::task::spawn_blocking(move || merge_push(&limits, &dev2, &actor2, &p, stored))
            .await
            .map_err(task_failed)?;
        let mut m = match merged {
            Ok(m) => m,
            Err(refusal) => return Ok(Applied::Rejected(refusal)),
        };
        if let Some(refusal) = reclaim(st, dev, &mut m).await? {
            return Ok(Applied::Rejected(refusal));
        }
        if m.needs_number() && number.is_none() {
            let year = local_year();
            let n = st.store.next_number(&dev.org, year, 1).await?;
            number = Some(format!("{}-{year}-{n:06}", st.config.number_prefix));
        }
        let (dev2, id2, n2) = (dev.clone(), id.clone(), number.clone());
        let f = tokio::task::spawn_blocking(move || finish_guarded(m, n2, &dev2, &id2)).await.map_err(task_failed)?;
        let Some(write) = f.write else { return Ok(f.answer) };
        match st.store.write_documents(vec![write]).await?.pop() {
            Some(Ok(_)) => {
                st.metrics.applied(1);
                return Ok(f.answer);
            }
            Some(Err(StoreError::Conflict)) => continue,
            Some(Err(e)) => return Err(e.into()),
            None => return Err(ServerError::Store(StoreError::Task("no write result".into()))),
        }
    }
    Err(ServerError::Conflict(format!("order {id} is being changed by many devices at once; try again")))
}

/// The reference bundle of `org` at `version` (its feed position): reference data and every device's
/// public key, built once per version in this process (a first sync of each of 1,000 devices read every
/// device once each before).
async fn reference_bundle<S: Store>(st: &AppState<S>, org: &str, version: u64) -> Result<ReferenceImport, ServerError> {
    let cached = |cache: &crate::state::ReferenceCache| -> Option<Arc<ReferenceImport>> {
        let map = cache.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        map.get(org).filter(|(v, _)| *v == version).map(|(_, b)| b.clone())
    };
    if let Some(bundle) = cached(&st.reference_cache) {
        return Ok(ReferenceImport::clone(&bundle));
    }
    // Read after the version was: the content is at least that version (a newer one arriving meanwhile
    // only means a device may get the same data again under the next version).
    let mut bundle = match st.store.reference(org).await? {
        Some(json) => serde_json::from_str::<ReferenceImport>(&json)
            .map_err(|e| ServerError::Store(StoreError::Setup(format!("stored reference data: {e}"))))?,
        None => ReferenceImport::default(),
    };
    bundle.devices = st
        .store
        .devices(org)
        .await?
        .into_iter()
        .map(|d| KnownDevice { id: d.id, public_key: d.public_key, name: d.name })
        .collect();
    let mut map = st.reference_cache.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
    if map.get(org).is_none_or(|(v, _)| *v <= version) {
        map.insert(org.to_owned(), (version, Arc::new(bundle.clone())));
    }
    Ok(bundle)
}

/// Answer one sync request.
pub async fn exchange<S: Store>(
    st: &AppState<S>,
    dev: &DeviceRecord,
    req: SyncRequest,
) -> Result<SyncResponse, ServerError> {
    let limits = &st.config.limits;
    if req.push.len() > limits.max_docs_per_request {
        st.metrics.rejection("too_many_docs");
        return Err(ServerError::TooLarge(format!(
            "{} documents in one request; at most {} are accepted",
            req.push.len(),
            limits.max_docs_per_request
        )));
    }
    let actor = device_actor(dev)?;
    // A cursor the feed never reached is not echoed back as valid (a device that stored it would never
    // read the feed again): refused before anything is merged or confirmed.
    let head_before = st.store.feed_state(&dev.org).await?.head;
    if req.cursor > head_before {
        st.metrics.rejection("cursor_ahead");
        return Err(ServerError::CursorAhead { cursor: req.cursor, head: head_before });
    }
    st.store.confirm_knowledge(&dev.id, req.cursor).await?;

    let mut resp = SyncResponse {
        v: WIRE_VERSION,
        cursor: req.cursor,
        more: false,
        accepted: vec![],
        rejected: vec![],
        docs: vec![],
        gone: vec![],
        reference: None,
        reference_seq: None,
        epoch: None,
    };
    let mut known = Vec::new();
    let mut pending = Vec::new();
    let mut handled: HashSet<String> = HashSet::new();
    let mut used = 0usize;
    let mut batch = Vec::new();
    for push in req.push {
        if !handled.insert(push.id.to_text()) {
            resp.rejected.push(DocRejected {
                id: push.id,
                code: RejectCode::Invalid,
                reason: "the order appears twice in one request".into(),
                text: None,
            });
            continue;
        }
        batch.push(Arc::new(push));
    }
    let answers = apply_batch(st, dev, &actor, batch.clone()).await?;
    for (push, answer) in batch.iter().zip(answers) {
        let (wid, id) = (push.id, push.id.to_text());
        match answer {
            Applied::Accepted { heads, official, catch_up } => {
                let pushed = pack_heads(&push.heads.0);
                // Heads are left out when they are exactly what the device pushed.
                let answer = if pushed == heads { Heads::default() } else { Heads(unpack_heads(&heads)) };
                resp.accepted.push(DocAccepted { id: wid, heads: answer, official });
                if let Some(bytes) = catch_up {
                    used += bytes.len();
                    resp.docs.push(DocPull { id: wid, heads: Heads(unpack_heads(&heads)), full: false, bytes });
                }
                known.push((id.clone(), pushed));
                pending.push((id, heads));
            }
            Applied::Rejected(Refusal { code, reason, text }) => {
                // The feed still says what the device should have of it (or that it is gone).
                handled.remove(&id);
                st.metrics.rejection(reject_label(code));
                tracing::debug!(device = %dev.id, order = %id, ?code, %reason, "refused a pushed order");
                resp.rejected.push(DocRejected { id: wid, code, reason, text });
            }
        }
    }

    // One line per request however many orders were refused (a device cannot fill the log).
    if !resp.rejected.is_empty() {
        let mut counts: std::collections::BTreeMap<&str, usize> = std::collections::BTreeMap::new();
        for r in &resp.rejected {
            *counts.entry(reject_label(r.code)).or_default() += 1;
        }
        tracing::info!(device = %dev.id, refused = ?counts, "refused pushed orders");
    }

    // Reference data ahead of the orders, in the first page it is due: the device indexes the orders
    // with its names and settings, instead of indexing them twice when it arrives in feed order.
    let feed = st.store.feed_state(&dev.org).await?;
    if req.epoch.as_deref() != Some(feed.epoch.as_str()) {
        resp.epoch = Some(feed.epoch.clone());
    }
    if let Some(rs) = feed.reference
        && rs > req.cursor
        && req.reference_seq != Some(rs)
    {
        resp.reference = Some(reference_bundle(st, &dev.org, rs).await?);
        resp.reference_seq = Some(rs);
    }

    let budget = req.max_bytes.map_or(limits.page_bytes, |b| (b as usize).min(limits.page_bytes.max(64 << 10)));
    // Orders the device asks for whole (its copy is damaged): sent first, if it may see them.
    for wid in req.want.iter().take(limits.max_docs_per_request) {
        let id = wid.to_text();
        if handled.contains(&id) {
            continue;
        }
        let Some(stored) = st.store.document(&id).await? else { continue };
        if !can_see(dev, &stored.org, &stored.meta) {
            continue;
        }
        if let Some(pull) = pull_for(st, &id, None).await? {
            used += pull.bytes.len();
            pending.push((id.clone(), pack_heads(&pull.heads.0)));
            resp.docs.push(pull);
            handled.insert(id);
        }
    }
    let head = feed.head;
    let mut cursor = req.cursor;
    let viewer = (!dev.role.sees_all()).then(|| Viewer { person: dev.sees_as(), device: dev.id.clone() });
    'feed: while cursor < head {
        let entries = st.store.feed_after(&dev.org, cursor, FEED_BATCH, viewer.clone()).await?;
        let last_batch = entries.len() < FEED_BATCH;
        let ids: Vec<String> = entries
            .iter()
            .filter_map(|e| match &e.item {
                FeedItem::Doc { id, .. } if !handled.contains(id) => Some(id.clone()),
                _ => None,
            })
            .collect();
        let knowledge: HashMap<String, Vec<u8>> = st.store.knowledge(&dev.id, &ids).await?.into_iter().collect();
        for entry in entries {
            if entry.seq > head {
                break 'feed;
            }
            match entry.item {
                FeedItem::Reference => {
                    // Changed since the check above (or the device does not say what it holds).
                    if resp.reference.is_none() && req.reference_seq != Some(entry.seq) {
                        resp.reference = Some(reference_bundle(st, &dev.org, entry.seq).await?);
                        resp.reference_seq = Some(entry.seq);
                    }
                }
                FeedItem::Doc { id, meta, heads } => {
                    if handled.contains(&id) {
                    } else if can_see(dev, &dev.org, &meta) {
                        let have = knowledge.get(&id);
                        let pull = if have == Some(&heads) {
                            None
                        } else {
                            // One unreadable document must not stop every device's sync: skip it, loudly.
                            pull_for(st, &id, have.map(Vec::as_slice)).await.unwrap_or_else(|e| {
                                tracing::error!(order = %id, error = %e, "cannot send a stored order");
                                None
                            })
                        };
                        if let Some(pull) = pull {
                            if used > 0 && used + pull.bytes.len() > budget {
                                resp.more = true;
                                break 'feed;
                            }
                            used += pull.bytes.len();
                            pending.push((id.clone(), pack_heads(&pull.heads.0)));
                            resp.docs.push(pull);
                        }
                    } else if knowledge.contains_key(&id)
                        && let Some(wid) = WireId::parse(&id)
                    {
                        resp.gone.push(wid);
                        pending.push((id.clone(), Vec::new()));
                    }
                }
            }
            cursor = entry.seq;
        }
        if last_batch {
            // Everything up to the head this request started from was read (filtered entries included).
            cursor = cursor.max(head);
            break;
        }
    }
    resp.cursor = cursor;
    st.store.record_knowledge(&dev.id, resp.cursor, known, pending).await?;
    Ok(resp)
}

/// What the device lacks of one document, given the heads it has (None: never had it).
async fn pull_for<S: Store>(st: &AppState<S>, id: &str, have: Option<&[u8]>) -> Result<Option<DocPull>, ServerError> {
    let Some(wid) = WireId::parse(id) else { return Ok(None) };
    let Some(stored) = st.store.document(id).await? else { return Ok(None) };
    let heads = Heads(unpack_heads(&stored.heads));
    match have {
        None | Some([]) => {
            // As stored: a saved document followed by change chunks loads as one document.
            let mut bytes = stored.snapshot;
            for c in &stored.changes {
                bytes.extend_from_slice(c);
            }
            Ok(Some(DocPull { id: wid, heads, full: true, bytes }))
        }
        Some(have) => {
            let have = unpack_heads(have);
            let bytes = tokio::task::spawn_blocking(move || -> Result<(Vec<u8>, bool), String> {
                let mut doc = merge::load_stored(&stored)?;
                if have.iter().all(|h| doc.get_change_by_hash(h).is_some()) {
                    Ok((doc.save_after(&have), false))
                } else {
                    Ok((doc.save(), true))
                }
            })
            .await
            .map_err(|e| ServerError::Store(StoreError::Task(e.to_string())))?
            .map_err(|e| ServerError::Store(StoreError::Setup(format!("stored order {id}: {e}"))))?;
            Ok(Some(DocPull { id: wid, heads, full: bytes.1, bytes: bytes.0 }))
        }
    }
}

fn reject_label(code: RejectCode) -> &'static str {
    match code {
        RejectCode::Forbidden => "forbidden",
        RejectCode::ForgedActor => "forged_actor",
        RejectCode::Invalid => "invalid",
        RejectCode::MissingChanges => "missing_changes",
        RejectCode::TooLarge => "too_large",
        RejectCode::ForgedSignature => "forged_signature",
        RejectCode::BadValue => "bad_value",
        RejectCode::Other => "other",
    }
}
