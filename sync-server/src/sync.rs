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
use crate::store::{DeviceRecord, DocMeta, DocWrite, FeedItem, Store, StoreError};
use automerge::ActorId;
use chrono::{Datelike, FixedOffset, TimeZone, Utc};
use signoff_core::model::{KnownDevice, ReferenceImport};
use signoff_core::wire::{
    DocAccepted, DocPull, DocPush, DocRejected, Heads, RejectCode, SyncRequest, SyncResponse, WIRE_VERSION, WireId,
};
use std::collections::{HashMap, HashSet};

/// Attempts at writing one document before giving up on concurrent writers.
const WRITE_ATTEMPTS: usize = 8;
/// Feed entries read per store call.
const FEED_BATCH: usize = 512;
/// China Standard Time: the year of an official number is the local year.
const CST_SECONDS: i32 = 8 * 3600;

/// May this device see (and write) a document with this metadata?
pub fn can_see(dev: &DeviceRecord, org: &str, meta: &DocMeta) -> bool {
    dev.org == org
        && (dev.role.sees_all()
            || meta.assignee.as_deref() == Some(dev.person.as_str())
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

async fn apply_push<S: Store>(
    st: &AppState<S>,
    dev: &DeviceRecord,
    actor: &ActorId,
    push: DocPush,
) -> Result<Applied, ServerError> {
    let limits = &st.config.limits;
    if push.changes.len() > limits.max_change_bytes {
        return Ok(Applied::Rejected((
            RejectCode::TooLarge,
            format!("{} bytes of changes exceed the limit of {}", push.changes.len(), limits.max_change_bytes),
        )));
    }
    let id = push.id.to_text();
    let push = std::sync::Arc::new(push);
    let mut number: Option<String> = None;
    for _ in 0..WRITE_ATTEMPTS {
        let stored = st.store.document(&id).await?;
        if let Some(s) = &stored
            && !can_see(dev, &s.org, &s.meta)
        {
            return Ok(Applied::Rejected((RejectCode::Forbidden, "this device may not change this order".into())));
        }
        let (p, a, max_doc) = (push.clone(), actor.clone(), limits.max_doc_bytes);
        let stored_for_merge = stored.clone();
        let merged = tokio::task::spawn_blocking(move || merge::merge(stored_for_merge.as_ref(), &p, &a, max_doc))
            .await
            .map_err(|e| ServerError::Store(StoreError::Task(e.to_string())))?;
        let mut merged = match merged {
            Ok(m) => m,
            Err(refusal) => return Ok(Applied::Rejected(refusal)),
        };
        let creator = stored.as_ref().map_or_else(|| dev.id.clone(), |s| s.meta.creator.clone());
        if stored.is_none() && merged.order.official_no.is_none() && number.is_none() {
            let year = FixedOffset::east_opt(CST_SECONDS)
                .map(|tz| tz.from_utc_datetime(&Utc::now().naive_utc()).year())
                .unwrap_or_else(|| Utc::now().year());
            let n = st.store.next_number(&dev.org, year).await?;
            number = Some(format!("{}-{year}-{n:06}", st.config.number_prefix));
        }
        let stored_for_write = stored.clone();
        let pushed_heads = push.heads.0.clone();
        let official_to_set = number.clone();
        let prepared = tokio::task::spawn_blocking(move || {
            if let Some(n) = &official_to_set
                && merged.order.official_no.is_none()
            {
                signoff_core::doc::set_official_number(&mut merged.doc, n).map_err(|e| e.to_string())?;
                merged.order.official_no = Some(n.clone());
            }
            let heads = merged.doc.get_heads();
            let changed = heads != merged.before || stored_for_write.is_none();
            let body = changed.then(|| merge::body_for(&mut merged.doc, stored_for_write.as_ref(), &merged.before));
            let mut sorted_pushed = pushed_heads.clone();
            sorted_pushed.sort();
            let mut sorted_heads = heads.clone();
            sorted_heads.sort();
            let catch_up = (sorted_pushed != sorted_heads).then(|| merged.doc.save_after(&pushed_heads));
            Ok::<_, String>((heads, body, catch_up, merged.order))
        })
        .await
        .map_err(|e| ServerError::Store(StoreError::Task(e.to_string())))?;
        let (heads, body, catch_up, order) = match prepared {
            Ok(p) => p,
            Err(e) => return Ok(Applied::Rejected((RejectCode::Invalid, e))),
        };
        let meta = merge::meta_of(&order, &creator);
        let Some(body) = body else {
            // Nothing new (a replay): no write, same answer.
            return Ok(Applied::Accepted { heads: pack_heads(&heads), official: meta.official, catch_up });
        };
        if let Some(s) = &stored
            && !dev.role.sees_all()
            && !can_see(dev, &s.org, &meta)
        {
            return Ok(Applied::Rejected((
                RejectCode::Forbidden,
                "a technician's device cannot take an order away from its assignee".into(),
            )));
        }
        let write = DocWrite {
            id: id.clone(),
            org: dev.org.clone(),
            expected_version: stored.as_ref().map(|s| s.version),
            body,
            heads: pack_heads(&heads),
            meta: meta.clone(),
            blobs: merge::blobs_of(&order),
        };
        match st.store.write_document(write).await {
            Ok(_) => {
                st.metrics.applied(1);
                return Ok(Applied::Accepted { heads: pack_heads(&heads), official: meta.official, catch_up });
            }
            Err(StoreError::Conflict) => continue,
            Err(e) => return Err(e.into()),
        }
    }
    Err(ServerError::Conflict(format!("order {id} is being changed by many devices at once; try again")))
}

async fn reference_bundle<S: Store>(st: &AppState<S>, org: &str) -> Result<ReferenceImport, ServerError> {
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
    };
    let mut known = Vec::new();
    let mut pending = Vec::new();
    let mut handled: HashSet<String> = HashSet::new();
    let mut used = 0usize;
    for push in req.push {
        let wid = push.id;
        let id = wid.to_text();
        if !handled.insert(id.clone()) {
            resp.rejected.push(DocRejected {
                id: wid,
                code: RejectCode::Invalid,
                reason: "the order appears twice in one request".into(),
            });
            continue;
        }
        let pushed = pack_heads(&push.heads.0);
        match apply_push(st, dev, &actor, push).await? {
            Applied::Accepted { heads, official, catch_up } => {
                resp.accepted.push(DocAccepted { id: wid, heads: Heads(unpack_heads(&heads)), official });
                if let Some(bytes) = catch_up {
                    used += bytes.len();
                    resp.docs.push(DocPull { id: wid, heads: Heads(unpack_heads(&heads)), full: false, bytes });
                }
                known.push((id.clone(), pushed));
                pending.push((id, heads));
            }
            Applied::Rejected((code, reason)) => {
                // The feed still says what the device should have of it (or that it is gone).
                handled.remove(&id);
                st.metrics.rejection(reject_label(code));
                tracing::info!(device = %dev.id, order = %id, ?code, %reason, "refused a pushed order");
                resp.rejected.push(DocRejected { id: wid, code, reason });
            }
        }
    }

    let budget = req.max_bytes.map_or(limits.page_bytes, |b| (b as usize).min(limits.page_bytes.max(64 << 10)));
    let head = st.store.feed_head(&dev.org).await?;
    let mut cursor = req.cursor;
    'feed: while cursor < head {
        let entries = st.store.feed_after(&dev.org, cursor, FEED_BATCH).await?;
        if entries.is_empty() {
            break;
        }
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
                    if resp.reference.is_none() {
                        resp.reference = Some(reference_bundle(st, &dev.org).await?);
                    }
                }
                FeedItem::Doc { id, meta, heads } => {
                    if handled.contains(&id) {
                    } else if can_see(dev, &dev.org, &meta) {
                        let have = knowledge.get(&id);
                        if have != Some(&heads)
                            && let Some(pull) = pull_for(st, &id, have.map(Vec::as_slice)).await?
                        {
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
    }
}
