//! Verifying a statement against a document: pure, anyone can run it (device, office, server).

use super::{SignedStatement, Statement, Summary, summary_of};
use crate::doc;
use automerge::{ChangeHash, ReadDoc};
use ed25519_dalek::{Signature, Verifier, VerifyingKey};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// A signed field whose value differs now from what was signed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct FieldChange {
    /// Field path, e.g. `work_done`, `materials[<id>].quantity`, `photos[<id>]`.
    pub field: String,
    /// Value when signed (empty when the item did not exist).
    pub old: String,
    /// Value now (empty when the item is gone).
    pub new: String,
}

/// What a statement is worth against a document.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(tag = "verdict", rename_all = "snake_case")]
pub enum Verdict {
    /// Signed by the named device over exactly this order's content, unchanged since.
    Valid,
    /// The signature does not match the statement's bytes (tampered or corrupted).
    InvalidSignature,
    /// The signing device's key is not known here.
    UnknownDevice,
    /// The document does not contain the changes the statement names (another order, or not synced).
    HeadsNotInDocument,
    /// The statement's summary is not what the document held at its heads: it misdescribes the order.
    SummaryMismatch,
    /// Valid when signed, but these signed fields have changed since.
    ChangedAfterSignoff {
        /// The fields with their signed and current values.
        fields: Vec<FieldChange>,
    },
}

impl Verdict {
    /// Chinese label.
    pub fn label_zh(&self) -> &'static str {
        match self {
            Verdict::Valid => "签认有效",
            Verdict::InvalidSignature => "签名无效",
            Verdict::UnknownDevice => "未知设备",
            Verdict::HeadsNotInDocument => "签认内容不在本工单中",
            Verdict::SummaryMismatch => "签认摘要与工单不符",
            Verdict::ChangedAfterSignoff { .. } => "签认后内容有改动",
        }
    }

    /// English label.
    pub fn label_en(&self) -> &'static str {
        match self {
            Verdict::Valid => "valid",
            Verdict::InvalidSignature => "invalid signature",
            Verdict::UnknownDevice => "unknown device",
            Verdict::HeadsNotInDocument => "covers changes this order does not have",
            Verdict::SummaryMismatch => "summary does not match the order",
            Verdict::ChangedAfterSignoff { .. } => "changed after sign-off",
        }
    }
}

/// Flatten the signed fields of a summary: one entry per field a person can change. Totals are left
/// out: they follow from quantities and prices, which are compared themselves.
fn flatten(s: &Summary) -> BTreeMap<String, String> {
    let mut m = BTreeMap::new();
    for (k, v) in [
        ("unit", &s.unit),
        ("address", &s.address),
        ("description", &s.description),
        ("location", &s.location),
        ("findings", &s.findings),
        ("work_done", &s.work_done),
        ("cause", &s.cause),
    ] {
        m.insert(k.to_owned(), v.clone());
    }
    for x in &s.materials {
        let p = format!("materials[{}]", x.id);
        m.insert(format!("{p}.name"), x.name.clone());
        m.insert(format!("{p}.spec"), x.spec.clone());
        m.insert(format!("{p}.quantity"), x.quantity.clone());
        m.insert(format!("{p}.unit"), x.unit.clone());
        m.insert(format!("{p}.unit_price"), x.unit_price.clone());
    }
    for l in &s.labour {
        let p = format!("labour[{}]", l.id);
        m.insert(format!("{p}.person"), l.person.clone());
        m.insert(format!("{p}.minutes"), l.minutes.to_string());
        m.insert(format!("{p}.hourly_rate"), l.hourly_rate.clone());
    }
    for p in &s.photos {
        m.insert(format!("photos[{}]", p.id), format!("{} {}", p.stage, p.sha256));
    }
    m
}

/// The signed fields that differ between two summaries. An item added or removed is reported once,
/// as `materials[<id>]`, `labour[<id>]` or `photos[<id>]`.
pub fn changed_fields(signed: &Summary, now: &Summary) -> Vec<FieldChange> {
    let (a, b) = (flatten(signed), flatten(now));
    // `materials[<id>].quantity` belongs to the item `materials[<id>]` (ids may contain dots).
    let item_of = |k: &str| -> Option<String> {
        let end = k.find("].")?;
        (k.starts_with("materials[") || k.starts_with("labour[")).then(|| k[..=end].to_owned())
    };
    let items = |m: &BTreeMap<String, String>| -> BTreeMap<String, String> {
        let mut out: BTreeMap<String, String> = BTreeMap::new();
        for (k, v) in m {
            if let Some(item) = item_of(k) {
                let e = out.entry(item).or_default();
                if !e.is_empty() {
                    e.push(' ');
                }
                e.push_str(v);
            }
        }
        out
    };
    let (items_a, items_b) = (items(&a), items(&b));
    let mut changes = Vec::new();
    for item in items_a.keys().chain(items_b.keys()).collect::<std::collections::BTreeSet<_>>() {
        match (items_a.get(item), items_b.get(item)) {
            (Some(old), None) => {
                changes.push(FieldChange { field: item.clone(), old: old.clone(), new: String::new() })
            }
            (None, Some(new)) => {
                changes.push(FieldChange { field: item.clone(), old: String::new(), new: new.clone() })
            }
            _ => {}
        }
    }
    let keys: std::collections::BTreeSet<&String> = a.keys().chain(b.keys()).collect();
    for k in keys {
        if let Some(item) = item_of(k)
            && (!items_a.contains_key(&item) || !items_b.contains_key(&item))
        {
            continue; // reported as a whole item above
        }
        let (old, new) = (a.get(k).cloned().unwrap_or_default(), b.get(k).cloned().unwrap_or_default());
        if old != new {
            changes.push(FieldChange { field: k.clone(), old, new });
        }
    }
    changes.sort_by(|x, y| x.field.cmp(&y.field));
    changes
}

fn parse_heads(heads: &[String]) -> Option<Vec<ChangeHash>> {
    heads.iter().map(|h| h.parse::<ChangeHash>().ok()).collect()
}

/// Verify a signed statement against an order's document. `key_of` gives the public key of a device
/// this verifier knows.
pub fn verify<D: ReadDoc>(doc: &D, signed: &SignedStatement, key_of: &dyn Fn(&str) -> Option<VerifyingKey>) -> Verdict {
    let statement: Statement = match signed.statement() {
        Ok(s) => s,
        Err(_) => return Verdict::InvalidSignature,
    };
    let Some(key) = key_of(&statement.device) else {
        return Verdict::UnknownDevice;
    };
    let sig = super::from_hex(&signed.signature)
        .and_then(|b| <[u8; 64]>::try_from(b).ok())
        .map(|b| Signature::from_bytes(&b));
    // The signature covers the canonical bytes; a statement whose stored text is not canonical was altered.
    let canonical_again = statement.canonical_bytes().ok();
    match (sig, canonical_again) {
        (Some(sig), Some(bytes)) if bytes == signed.canonical.as_bytes() && key.verify(&bytes, &sig).is_ok() => {}
        _ => return Verdict::InvalidSignature,
    }
    if super::sha256_hex(&signed.strokes) != statement.strokes_sha256 {
        return Verdict::InvalidSignature;
    }
    let Some(heads) = parse_heads(&statement.heads) else {
        return Verdict::HeadsNotInDocument;
    };
    if heads.is_empty() || heads.iter().any(|h| doc.get_change_by_hash(h).is_none()) {
        return Verdict::HeadsNotInDocument;
    }
    let then = match doc::read_at(doc, &heads) {
        Ok(o) => o,
        Err(_) => return Verdict::SummaryMismatch,
    };
    if then.id.as_str() != statement.order || summary_of(&then) != statement.summary {
        return Verdict::SummaryMismatch;
    }
    let now = match doc::read(doc) {
        Ok(o) => o,
        Err(_) => return Verdict::SummaryMismatch,
    };
    let fields = changed_fields(&statement.summary, &summary_of(&now));
    if fields.is_empty() { Verdict::Valid } else { Verdict::ChangedAfterSignoff { fields } }
}
