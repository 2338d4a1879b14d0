//! Verifying a statement against a document: pure, anyone can run it (device, office, server).

use super::{SignedStatement, Statement, Summary, summary_of};
use crate::doc;
use crate::model::WorkOrder;
use crate::msg::Text;
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
    /// What people call it, e.g. 材料“防水涂料”的数量 / quantity of material "防水涂料".
    pub label: Text,
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
    /// Not checked (a statement the verifier was not given): never counts.
    NotVerified,
}

/// How each statement of an order verified, by statement id.
pub type Verdicts = BTreeMap<String, Verdict>;

impl Verdict {
    /// Signed by the named device over exactly what the order held then: the signature counts
    /// (whether or not the order changed since).
    pub fn is_genuine(&self) -> bool {
        matches!(self, Verdict::Valid | Verdict::ChangedAfterSignoff { .. })
    }

    /// Stable code.
    pub fn code(&self) -> &'static str {
        match self {
            Verdict::Valid => "valid",
            Verdict::InvalidSignature => "invalid_signature",
            Verdict::UnknownDevice => "unknown_device",
            Verdict::HeadsNotInDocument => "heads_not_in_document",
            Verdict::SummaryMismatch => "summary_mismatch",
            Verdict::ChangedAfterSignoff { .. } => "changed_after_signoff",
            Verdict::NotVerified => "not_verified",
        }
    }

    /// Both labels.
    pub fn label(&self) -> Text {
        Text::new(self.label_zh(), self.label_en())
    }

    /// Chinese label.
    pub fn label_zh(&self) -> &'static str {
        match self {
            Verdict::Valid => "签认有效",
            Verdict::InvalidSignature => "签名无效",
            Verdict::UnknownDevice => "未知设备",
            Verdict::HeadsNotInDocument => "签认内容不在本工单中",
            Verdict::SummaryMismatch => "签认摘要与工单不符",
            Verdict::ChangedAfterSignoff { .. } => "签认后内容有改动",
            Verdict::NotVerified => "未验证",
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
            Verdict::NotVerified => "not verified",
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
    // A whole line as people read it: 防水涂料 JS × 1.5 桶 @120.00, 王建国 90′ @60.00.
    let items = |s: &Summary| -> BTreeMap<String, String> {
        let mut out: BTreeMap<String, String> = BTreeMap::new();
        for m in &s.materials {
            let spec = if m.spec.is_empty() { String::new() } else { format!(" {}", m.spec) };
            out.insert(
                format!("materials[{}]", m.id),
                format!("{}{spec} × {} {} @{}", m.name, m.quantity, m.unit, m.unit_price),
            );
        }
        for l in &s.labour {
            out.insert(format!("labour[{}]", l.id), format!("{} {}′ @{}", l.person, l.minutes, l.hourly_rate));
        }
        out
    };
    let (items_a, items_b) = (items(signed), items(now));
    let mut changes = Vec::new();
    for item in items_a.keys().chain(items_b.keys()).collect::<std::collections::BTreeSet<_>>() {
        match (items_a.get(item), items_b.get(item)) {
            (Some(old), None) => changes.push(FieldChange {
                field: item.clone(),
                label: field_label(item, signed, now),
                old: old.clone(),
                new: String::new(),
            }),
            (None, Some(new)) => changes.push(FieldChange {
                field: item.clone(),
                label: field_label(item, signed, now),
                old: String::new(),
                new: new.clone(),
            }),
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
            changes.push(FieldChange { field: k.clone(), label: field_label(k, signed, now), old, new });
        }
    }
    changes.sort_by(|x, y| x.field.cmp(&y.field));
    changes
}

/// What people call a signed field: `materials[<id>].quantity` → 材料“防水涂料”的数量.
fn field_label(key: &str, signed: &Summary, now: &Summary) -> Text {
    use crate::validate::Field;
    let simple = |f: Field| f.label();
    let (item, part) = match key.split_once('[') {
        None => {
            return match key {
                "unit" => simple(Field::UnitLabel),
                "address" => simple(Field::Address),
                "description" => simple(Field::Description),
                "location" => simple(Field::Location),
                "findings" => simple(Field::Findings),
                "work_done" => simple(Field::WorkDone),
                "cause" => Text::new("维修分判", "cause"),
                other => Text::same(other),
            };
        }
        Some((kind, rest)) => {
            let (id, part) = rest.split_once(']').unwrap_or((rest, ""));
            ((kind, id), part.trim_start_matches('.'))
        }
    };
    let (kind, id) = item;
    let find_material = |s: &Summary| s.materials.iter().find(|m| m.id == id).map(|m| m.name.clone());
    let find_labour = |s: &Summary| s.labour.iter().find(|l| l.id == id).map(|l| l.person.clone());
    let find_photo = |s: &Summary| s.photos.iter().find(|p| p.id == id).map(|p| p.stage.clone());
    let (what, name) = match kind {
        "materials" => (Text::new("材料", "material"), find_material(signed).or_else(|| find_material(now))),
        "labour" => (Text::new("工时记录", "labour line"), find_labour(signed).or_else(|| find_labour(now))),
        "photos" => {
            let stage = find_photo(signed).or_else(|| find_photo(now)).unwrap_or_default();
            let (zh, en) = match stage.as_str() {
                "before" => ("维修前", "before"),
                "during" => ("维修中", "during"),
                "after" => ("维修后", "after"),
                _ => ("其他", "other"),
            };
            return Text::new(format!("照片（{zh}）"), format!("photo ({en})"));
        }
        other => (Text::same(other), None),
    };
    let name = crate::msg::printable(&name.unwrap_or_default(), 40);
    let part_label = match part {
        "" => None,
        "name" => Some(Text::new("名称", "name")),
        "spec" => Some(Field::MaterialSpec.label()),
        "quantity" => Some(Field::Quantity.label()),
        "unit" => Some(Field::MeasureUnit.label()),
        "unit_price" => Some(Field::UnitPrice.label()),
        "person" => Some(Text::new("人员", "person")),
        "minutes" => Some(Field::Minutes.label()),
        "hourly_rate" => Some(Field::HourlyRate.label()),
        other => Some(Text::same(other)),
    };
    match part_label {
        None => Text::new(format!("{}“{name}”", what.zh), format!("{} \"{name}\"", what.en)),
        Some(p) => Text::new(format!("{}“{name}”的{}", what.zh, p.zh), format!("{} of {} \"{name}\"", p.en, what.en)),
    }
}

fn parse_heads(heads: &[String]) -> Option<Vec<ChangeHash>> {
    heads.iter().map(|h| h.parse::<ChangeHash>().ok()).collect()
}

/// The part of verifying a statement that never changes once it holds: the signature checks out with
/// the named device's key over the canonical bytes and strokes, and the summary is what the document
/// held at the signed heads. Returns the statement, or why it is not genuine. (Its result depends only
/// on the statement, the key and the document's history up to the heads, which hashes fix: callers may
/// cache it by statement id and key.)
pub fn verify_genuine<D: ReadDoc>(
    doc: &D,
    signed: &SignedStatement,
    key_of: &dyn Fn(&str) -> Option<VerifyingKey>,
) -> Result<Statement, Verdict> {
    let statement: Statement = signed.statement().map_err(|_| Verdict::InvalidSignature)?;
    let key = key_of(&statement.device).ok_or(Verdict::UnknownDevice)?;
    let sig = super::from_hex(&signed.signature)
        .and_then(|b| <[u8; 64]>::try_from(b).ok())
        .map(|b| Signature::from_bytes(&b));
    // The signature covers the canonical bytes; a statement whose stored text is not canonical was altered.
    let canonical_again = statement.canonical_bytes().ok();
    match (sig, canonical_again) {
        (Some(sig), Some(bytes)) if bytes == signed.canonical.as_bytes() && key.verify(&bytes, &sig).is_ok() => {}
        _ => return Err(Verdict::InvalidSignature),
    }
    if super::sha256_hex(&signed.strokes) != statement.strokes_sha256
        || super::sha256_hex(signed.canonical.as_bytes()) != signed.id
    {
        return Err(Verdict::InvalidSignature);
    }
    let heads = parse_heads(&statement.heads).ok_or(Verdict::HeadsNotInDocument)?;
    if heads.is_empty() || heads.iter().any(|h| doc.get_change_by_hash(h).is_none()) {
        return Err(Verdict::HeadsNotInDocument);
    }
    let then = doc::read_at(doc, &heads).map_err(|_| Verdict::SummaryMismatch)?;
    if then.id.as_str() != statement.order || summary_of(&then) != statement.summary {
        return Err(Verdict::SummaryMismatch);
    }
    Ok(statement)
}

/// A genuine statement against the order as it is now: valid, or the signed fields changed since.
pub fn compare_now(statement: &Statement, now: &Summary) -> Verdict {
    if statement.summary == *now {
        return Verdict::Valid;
    }
    let fields = changed_fields(&statement.summary, now);
    if fields.is_empty() { Verdict::Valid } else { Verdict::ChangedAfterSignoff { fields } }
}

/// Verify a signed statement against an order's document. `key_of` gives the public key of a device
/// this verifier knows.
pub fn verify<D: ReadDoc>(doc: &D, signed: &SignedStatement, key_of: &dyn Fn(&str) -> Option<VerifyingKey>) -> Verdict {
    let statement = match verify_genuine(doc, signed, key_of) {
        Ok(s) => s,
        Err(v) => return v,
    };
    match doc::read(doc) {
        Ok(now) => compare_now(&statement, &summary_of(&now)),
        Err(_) => Verdict::SummaryMismatch,
    }
}

/// The verdict of every statement of `order` (read from `doc`), for the status fold and the view.
pub fn verify_all<D: ReadDoc>(doc: &D, order: &WorkOrder, key_of: &dyn Fn(&str) -> Option<VerifyingKey>) -> Verdicts {
    verdicts_with::<Statement>(order, |s| verify_genuine(doc, s, key_of))
}

/// [`verify_all`] with the genuineness check supplied (a cache in front of [`verify_genuine`]).
pub fn verdicts_with<T: std::borrow::Borrow<Statement>>(
    order: &WorkOrder,
    mut genuine: impl FnMut(&SignedStatement) -> Result<T, Verdict>,
) -> Verdicts {
    if order.statements.is_empty() {
        return Verdicts::new();
    }
    let now = summary_of(order);
    order
        .statements
        .iter()
        .map(|s| {
            let verdict = match genuine(s) {
                Ok(statement) => compare_now(statement.borrow(), &now),
                Err(v) => v,
            };
            (s.id.clone(), verdict)
        })
        .collect()
}
