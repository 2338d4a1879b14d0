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
use automerge::{ActorId, AutoCommit, ChangeHash, ReadDoc};
use signoff_core::model::{Assignee, WorkOrder};
use signoff_core::wire::{DocPush, RejectCode};
pub use signoff_core::wire::{pack_heads, unpack_heads};
use std::panic::{AssertUnwindSafe, catch_unwind};

thread_local! {
    static CURRENT_ORDER: std::cell::RefCell<String> = const { std::cell::RefCell::new(String::new()) };
}

/// The order being merged on this thread (for the panic hook's one log line).
pub fn current_order() -> String {
    CURRENT_ORDER.with(|c| c.borrow().clone())
}

/// Compact (store a new snapshot) when the appended tail has this many changes.
const COMPACT_CHANGES: usize = 32;

/// The actor of changes the server writes (official numbers). Writes to one document are serialised
/// by the store's version check, so several server processes can share it.
pub fn server_actor() -> ActorId {
    ActorId::from(&b"signoff-server"[..])
}

/// A refusal: code, reason (English, for logs) and, when the code alone does not say enough, the
/// catalogue message in both languages for the device to show.
#[derive(Debug, Clone, PartialEq)]
pub struct Refusal {
    /// Machine-readable code.
    pub code: RejectCode,
    /// For logs.
    pub reason: String,
    /// For people.
    pub text: Option<signoff_core::msg::Text>,
}

impl From<(RejectCode, String)> for Refusal {
    fn from((code, reason): (RejectCode, String)) -> Refusal {
        Refusal { code, reason, text: None }
    }
}

impl From<signoff_core::Rejection> for Refusal {
    fn from(r: signoff_core::Rejection) -> Refusal {
        Refusal { code: RejectCode::BadValue, reason: r.msg().en(), text: Some(r.msg().text()) }
    }
}

/// What the server checks a push against besides its bytes: the pushing device's enrolled key (every
/// new statement in a push is the pushing device's own, since every new change is), and its clock.
#[derive(Debug, Clone, Copy)]
pub struct Checks<'a> {
    /// The device id (16 hex digits).
    pub device_id: &'a str,
    /// Its enrolled Ed25519 public key.
    pub device_key: Option<ed25519_dalek::VerifyingKey>,
    /// The server's clock.
    pub now: chrono::DateTime<chrono::Utc>,
    /// The device's person.
    pub person: &'a str,
    /// Whether the device's role sees (and may dispatch) the organisation's orders.
    pub office: bool,
}

/// Fields only the server writes (the official number, and its event): a device that writes them is
/// refused, so numbers stay unique whatever a device does. The one exception is an order new to the
/// server carrying a number in the server's own changes: an order the server lost to a restore from an
/// older backup, brought back by a device; its number is reclaimed (`Merging::reclaim`) unless another
/// order has it.
fn check_server_fields(doc: &mut AutoCommit, before: Option<&WorkOrder>, order: &WorkOrder) -> Result<(), Refusal> {
    if before.is_none() && order.official_no.is_some() {
        let server = server_actor();
        let by_server = doc.get_changes_meta(&[]).iter().any(|c| c.actor.as_ref() == &server);
        let writers_ok = by_server
            && order
                .events
                .iter()
                .filter(|e| matches!(e.kind, signoff_core::model::EventKind::NumberAssigned { .. }))
                .count()
                == 0;
        if writers_ok {
            return Ok(());
        }
    }
    let refused = |what: &str| Refusal {
        code: RejectCode::BadValue,
        reason: format!("{what}: official numbers are assigned by the server only"),
        text: Some(signoff_core::msg::Msg::new(signoff_core::msg::Key::RefusedServerField).text()),
    };
    let official_before = before.and_then(|b| b.official_no.as_deref());
    if order.official_no.as_deref() != official_before {
        return Err(refused("the official number was written"));
    }
    if let Ok(Some((_, numbers))) = doc.get(automerge::ROOT, "numbers")
        && doc.get_all(&numbers, "official").map(|v| v.len()).unwrap_or(0) > 1
    {
        return Err(refused("a concurrent official number was written"));
    }
    let old: std::collections::HashSet<&str> =
        before.map(|b| b.events.iter().map(|e| e.id.as_str()).collect()).unwrap_or_default();
    if order.events.iter().any(|e| {
        !old.contains(e.id.as_str()) && matches!(e.kind, signoff_core::model::EventKind::NumberAssigned { .. })
    }) {
        return Err(refused("a number_assigned event was written"));
    }
    Ok(())
}

/// A field device (technician, contractor crew) assigns orders only to its own person, on creation as
/// on change; the office's devices dispatch to anyone.
fn check_assignments(before: Option<&WorkOrder>, order: &WorkOrder, checks: &Checks<'_>) -> Result<(), Refusal> {
    if checks.office {
        return Ok(());
    }
    let old: std::collections::HashSet<&str> =
        before.map(|b| b.events.iter().map(|e| e.id.as_str()).collect()).unwrap_or_default();
    for e in order.events.iter().filter(|e| !old.contains(e.id.as_str())) {
        if let signoff_core::model::EventKind::Assigned { assignee, .. } = &e.kind {
            let own = matches!(assignee, Assignee::Technician(p) if p.as_str() == checks.person);
            if !own {
                return Err((
                    RejectCode::Forbidden,
                    format!("a field device assigns orders only to its own person, not to {}", assignee.id()),
                )
                    .into());
            }
        }
    }
    Ok(())
}

/// Every statement new or changed in `order` (against `before`) must verify with the pushing
/// device's key over what the document held at its heads: forged, re-signed or edited statements are
/// refused here, so they never reach other devices.
fn check_statements(
    doc: &AutoCommit,
    before: Option<&WorkOrder>,
    order: &WorkOrder,
    checks: &Checks<'_>,
    repaired: bool,
) -> Result<(), Refusal> {
    let key_of = |d: &str| if d == checks.device_id { checks.device_key } else { None };
    for s in &order.statements {
        if before.is_some_and(|b| b.statements.iter().any(|x| x == s)) {
            continue;
        }
        // Rebuilding a damaged copy from a device's whole document brings statements other devices
        // signed earlier; they cannot be told from the damaged copy's, and every device verifies them
        // on receipt anyway (they never count unless genuine).
        if repaired && s.device().is_some_and(|d| d.as_str() != checks.device_id) {
            continue;
        }
        if let Err(verdict) = signoff_core::signoff::verify_genuine(doc, s, &key_of) {
            return Err(Refusal {
                code: RejectCode::ForgedSignature,
                reason: format!(
                    "statement {} does not verify with the key of device {}: {}",
                    s.id,
                    checks.device_id,
                    verdict.label_en()
                ),
                text: None,
            });
        }
    }
    Ok(())
}

/// A document after merging a push, ready to be written.
#[derive(Debug)]
pub struct Merged {
    /// The document.
    pub doc: AutoCommit,
    /// Heads before merging.
    pub before: Vec<ChangeHash>,
    /// The work order it reads as.
    pub order: WorkOrder,
    /// The stored copy did not load whole and was rebuilt from the device's whole copy (plus what of
    /// the stored bytes still loads): it must be written as a fresh snapshot.
    pub repaired: bool,
}

/// Load a stored document (snapshot, then appended changes) inside the panic boundary.
pub fn load_stored(stored: &StoredDoc) -> Result<AutoCommit, String> {
    signoff_core::doc::load_guarded(&stored.snapshot, &stored.changes).map(|d| d.with_actor(server_actor()))
}

/// Merge `push` into `stored` (or start a new document). `max_doc` bounds the merged size.
pub fn merge(
    stored: Option<&StoredDoc>,
    push: &DocPush,
    device: &ActorId,
    max_doc: usize,
    checks: &Checks<'_>,
) -> Result<Merged, Refusal> {
    CURRENT_ORDER.with(|c| *c.borrow_mut() = push.id.to_text());
    let mut repaired = false;
    let mut doc = match stored {
        Some(s) => match load_stored(s) {
            Ok(d) => d,
            // The server's copy does not load whole (damaged storage): its bytes stay as they are until
            // a device sends its whole copy, which rebuilds it together with whatever of the stored bytes
            // still loads. Meanwhile pushes are answered "send the whole document".
            Err(e) => {
                tracing::error!(order = %push.id, official = ?s.meta.official, error = %e, "a stored order does not load whole");
                if !push.base.is_empty() {
                    return Err((
                        RejectCode::MissingChanges,
                        format!("the server's copy does not load ({e}): send the whole document"),
                    )
                        .into());
                }
                repaired = true;
                signoff_core::doc::load_salvage(&s.snapshot, &s.changes).unwrap_or_default().with_actor(server_actor())
            }
        },
        None => AutoCommit::new().with_actor(server_actor()),
    };
    let before_order = match stored {
        Some(_) if repaired => signoff_core::doc::read(&doc).ok(),
        Some(_) => Some(
            signoff_core::doc::read(&doc)
                .map_err(|e| (RejectCode::Invalid, format!("the stored document is not a work order: {e}")))?,
        ),
        None => None,
    };
    let before = doc.get_heads();
    let stored_len = if repaired {
        0
    } else {
        stored.map_or(0, |s| s.snapshot.len() + s.changes.iter().map(Vec::len).sum::<usize>())
    };
    if stored_len + push.changes.len() > max_doc {
        return Err((RejectCode::TooLarge, format!("the document would exceed {max_doc} bytes")).into());
    }
    let checked = catch_unwind(AssertUnwindSafe(|| -> Result<WorkOrder, Refusal> {
        // Whole or not at all: bytes that are not Automerge, or a damaged chunk, must not be
        // half-applied (Automerge keeps what it could parse and only logs) and answered "accepted".
        signoff_core::doc::check_whole(&push.changes)
            .map_err(|e| (RejectCode::Invalid, format!("the changes do not load whole: {e}")))?;
        doc.load_incremental(&push.changes)
            .map_err(|e| (RejectCode::Invalid, format!("the changes do not load: {e}")))?;
        if let Some(h) = push.heads.0.iter().find(|h| doc.get_change_by_hash(h).is_none()) {
            return Err((
                RejectCode::MissingChanges,
                format!("the server lacks change {h} or one it depends on: send the whole document"),
            )
                .into());
        }
        let device_hex = device.to_hex_string();
        // (A rebuilt copy takes the device's whole document: changes by others are in it legitimately; an
        // order new to the server may carry the server's own number change, checked below.)
        let server = server_actor();
        let new_order = stored.is_none();
        if let Some(c) = doc
            .get_changes_meta(&before)
            .iter()
            .find(|c| !repaired && c.actor.as_ref() != device && !(new_order && c.actor.as_ref() == &server))
        {
            return Err((
                RejectCode::ForgedActor,
                format!("change {} was written by actor {}, not by this device ({device_hex})", c.hash, c.actor),
            )
                .into());
        }
        let order =
            signoff_core::doc::read(&doc).map_err(|e| (RejectCode::Invalid, format!("not a valid work order: {e}")))?;
        if order.id.as_str() != push.id.to_text() {
            return Err((RejectCode::Invalid, format!("the document is order {}, not {}", order.id, push.id)).into());
        }
        signoff_core::validate::check_additions(
            before_order.as_ref(),
            &order,
            checks.now,
            signoff_core::validate::SERVER_AHEAD_MINUTES,
        )?;
        check_statements(&doc, before_order.as_ref(), &order, checks, repaired)?;
        if !repaired {
            check_server_fields(&mut doc, before_order.as_ref(), &order)?;
        }
        check_assignments(before_order.as_ref(), &order, checks)?;
        Ok(order)
    }));
    match checked {
        Ok(Ok(order)) => Ok(Merged { doc, before, order, repaired }),
        Ok(Err(refusal)) => Err(refusal),
        Err(_) => Err((RejectCode::Invalid, "the changes made Automerge fail".to_owned()).into()),
    }
}

/// Routing metadata of an order: the assigned technician (contractors as `contractor/ID`).
pub fn meta_of(order: &WorkOrder, creator: &str) -> DocMeta {
    // Routing needs only the assignee, which sign-offs do not change: no statements need verifying.
    let fold = signoff_core::rules::status::fold(&order.events, &signoff_core::signoff::Verdicts::new());
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
pub fn body_for(doc: &mut AutoCommit, stored: Option<&StoredDoc>, before: &[ChangeHash], repaired: bool) -> DocBody {
    if repaired {
        return DocBody::Snapshot(doc.save());
    }
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
