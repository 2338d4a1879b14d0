//! Applying a device's changes to a stored document — the one place device bytes reach Automerge.
//!
//! Containment: the stored document is loaded fresh for every request, the device's bytes are
//! checked against size limits first, and loading and merging run inside `catch_unwind` on a blocking
//! thread (automerge 0.12 panics on some crafted changes even with valid checksums). A panic or an
//! error discards the in-memory document; nothing is written unless every check passed. Device bytes
//! never reach Automerge's sync-protocol (bloom filter) code: the exchange is heads and changes.
//!
//! Checks, in order: the bytes load; every head the device reports is now present (otherwise the
//! device lacks a base the server has not got: `missing_changes`); every change new to the server
//! was written by the device's own actor; the result reads as the same work order.

use crate::store::{DocBody, DocMeta, StoredDoc};
use automerge::{ActorId, AutoCommit, ChangeHash};
use signoff_core::model::{Assignee, WorkOrder};
use signoff_core::wire::{DocPush, RejectCode};
pub use signoff_core::wire::{pack_heads, unpack_heads};
use std::panic::{AssertUnwindSafe, catch_unwind};

/// Compact (store a new snapshot) when the appended tail has this many changes.
const COMPACT_CHANGES: usize = 32;

/// The actor of changes the server writes (official numbers). Writes to one document are serialised
/// by the store's version check, so several server processes can share it.
pub fn server_actor() -> ActorId {
    ActorId::from(&b"signoff-server"[..])
}

/// A refusal: code and reason.
pub type Refusal = (RejectCode, String);

/// A document after merging a push, ready to be written.
#[derive(Debug)]
pub struct Merged {
    /// The document.
    pub doc: AutoCommit,
    /// Heads before merging.
    pub before: Vec<ChangeHash>,
    /// The work order it reads as.
    pub order: WorkOrder,
}

/// Load a stored document (snapshot, then appended changes) inside the panic boundary.
pub fn load_stored(stored: &StoredDoc) -> Result<AutoCommit, String> {
    signoff_core::doc::load_guarded(&stored.snapshot, &stored.changes).map(|d| d.with_actor(server_actor()))
}

/// Merge `push` into `stored` (or start a new document). `max_doc` bounds the merged size.
pub fn merge(stored: Option<&StoredDoc>, push: &DocPush, device: &ActorId, max_doc: usize) -> Result<Merged, Refusal> {
    let mut doc = match stored {
        Some(s) => {
            load_stored(s).map_err(|e| (RejectCode::Invalid, format!("the stored document cannot be read: {e}")))?
        }
        None => AutoCommit::new().with_actor(server_actor()),
    };
    let before = doc.get_heads();
    let stored_len = stored.map_or(0, |s| s.snapshot.len() + s.changes.iter().map(Vec::len).sum::<usize>());
    if stored_len + push.changes.len() > max_doc {
        return Err((RejectCode::TooLarge, format!("the document would exceed {max_doc} bytes")));
    }
    let checked = catch_unwind(AssertUnwindSafe(|| -> Result<WorkOrder, Refusal> {
        doc.load_incremental(&push.changes)
            .map_err(|e| (RejectCode::Invalid, format!("the changes do not load: {e}")))?;
        if let Some(h) = push.heads.0.iter().find(|h| doc.get_change_by_hash(h).is_none()) {
            return Err((
                RejectCode::MissingChanges,
                format!("the server lacks change {h} or one it depends on: send the whole document"),
            ));
        }
        let device_hex = device.to_hex_string();
        if let Some(c) = doc.get_changes_meta(&before).iter().find(|c| c.actor.as_ref() != device) {
            return Err((
                RejectCode::ForgedActor,
                format!("change {} was written by actor {}, not by this device ({device_hex})", c.hash, c.actor),
            ));
        }
        let order =
            signoff_core::doc::read(&doc).map_err(|e| (RejectCode::Invalid, format!("not a valid work order: {e}")))?;
        if order.id.as_str() != push.id.to_text() {
            return Err((RejectCode::Invalid, format!("the document is order {}, not {}", order.id, push.id)));
        }
        Ok(order)
    }));
    match checked {
        Ok(Ok(order)) => Ok(Merged { doc, before, order }),
        Ok(Err(refusal)) => Err(refusal),
        Err(_) => Err((RejectCode::Invalid, "the changes made Automerge fail".into())),
    }
}

/// Routing metadata of an order: the assigned technician (contractors as `contractor/ID`).
pub fn meta_of(order: &WorkOrder, creator: &str) -> DocMeta {
    let fold = signoff_core::rules::status::fold(&order.events);
    let assignee = fold.derived.assignee.map(|a| match a {
        Assignee::Technician(p) => p.as_str().to_owned(),
        Assignee::Contractor(c) => format!("contractor/{}", c.as_str()),
    });
    DocMeta { assignee, creator: creator.to_owned(), official: order.official_no.clone() }
}

/// Blobs an order's photos name (evidence, original, thumbnail).
pub fn blobs_of(order: &WorkOrder) -> Vec<String> {
    let mut out: Vec<String> = order
        .photos
        .iter()
        .filter(|p| !p.removed)
        .flat_map(|p| [p.sha256.clone(), p.original_sha256.clone(), p.thumbnail_sha256.clone()])
        .filter(|s| !s.is_empty())
        .collect();
    out.sort();
    out.dedup();
    out
}

/// How to store the merged document: append the new changes, or a fresh snapshot when the tail is long.
pub fn body_for(doc: &mut AutoCommit, stored: Option<&StoredDoc>, before: &[ChangeHash]) -> DocBody {
    match stored {
        Some(s) => {
            let tail: usize = s.changes.iter().map(Vec::len).sum();
            let new = doc.save_after(before);
            if s.changes.len() + 1 >= COMPACT_CHANGES || (tail + new.len()) * 2 > s.snapshot.len() {
                DocBody::Snapshot(doc.save())
            } else {
                DocBody::Append(new)
            }
        }
        None => DocBody::Snapshot(doc.save()),
    }
}
