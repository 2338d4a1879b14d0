//! Writing to a work-order document with Automerge's raw API: one put or insert per field touched.

use super::{SCHEMA_VERSION, code_of, keys};
use crate::error::{Error, Result};
use crate::hlc::Hlc;
use crate::ids::{DeviceId, EventId, OrderId, PersonId};
use crate::model::{EventKind, Labour, Material, NewOrder, PhotoRef};
use automerge::transaction::Transactable;
use automerge::{AutoCommit, ObjId, ObjType, ROOT, ReadDoc, ScalarValue, Value};

/// Who, when and where an event is recorded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EventHeader {
    /// HLC of the event (strictly increasing per device).
    pub hlc: Hlc,
    /// The writing device (its Automerge actor).
    pub device: DeviceId,
    /// The person acting.
    pub by: PersonId,
    /// The device's wall clock (ms).
    pub at_ms: i64,
    /// The status fold's head as the author saw it.
    pub prev: Option<EventId>,
}

impl EventHeader {
    /// The id the event will have.
    pub fn event_id(&self) -> EventId {
        super::read::event_id(self.hlc, &self.device)
    }
}

fn map_at(doc: &mut AutoCommit, parent: &ObjId, key: &str) -> Result<ObjId> {
    match doc.get(parent, key)? {
        Some((Value::Object(ObjType::Map), id)) => Ok(id),
        Some(_) => Err(Error::Malformed(format!("{key} is not a map"))),
        None => Ok(doc.put_object(parent, key, ObjType::Map)?),
    }
}

fn list_at(doc: &mut AutoCommit, parent: &ObjId, key: &str) -> Result<ObjId> {
    match doc.get(parent, key)? {
        Some((Value::Object(ObjType::List), id)) => Ok(id),
        Some(_) => Err(Error::Malformed(format!("{key} is not a list"))),
        None => Ok(doc.put_object(parent, key, ObjType::List)?),
    }
}

/// Create the document of a new order: every field, and the `reported` event.
pub fn create(
    doc: &mut AutoCommit,
    id: &OrderId,
    provisional_no: &str,
    new: &NewOrder,
    header: &EventHeader,
) -> Result<()> {
    doc.put(ROOT, keys::SCHEMA, ScalarValue::Uint(SCHEMA_VERSION))?;
    doc.put(ROOT, keys::TYPE, keys::TYPE_WORK_ORDER)?;
    doc.put(ROOT, keys::ID, id.as_str())?;
    let numbers = doc.put_object(ROOT, keys::NUMBERS, ObjType::Map)?;
    doc.put(&numbers, keys::PROVISIONAL, provisional_no)?;
    doc.put(ROOT, keys::KIND, code_of(&new.kind))?;
    doc.put(ROOT, keys::CHANNEL, code_of(&new.channel))?;
    doc.put(ROOT, keys::CATEGORY, new.category.as_str())?;
    doc.put(ROOT, keys::URGENCY, code_of(&new.urgency))?;
    doc.put(ROOT, keys::DESCRIPTION, new.description.as_str())?;
    doc.put(ROOT, keys::LOCATION, new.location.as_str())?;
    doc.put(ROOT, keys::PREFERRED_TIME, new.preferred_time.as_str())?;
    doc.put(ROOT, keys::FINDINGS, "")?;
    doc.put(ROOT, keys::WORK_DONE, "")?;
    let unit = doc.put_object(ROOT, keys::UNIT, ObjType::Map)?;
    doc.put(&unit, "unit_id", new.unit.unit_id.as_str())?;
    doc.put(&unit, "project_id", new.unit.project_id.as_str())?;
    doc.put(&unit, "building_id", new.unit.building_id.as_str())?;
    doc.put(&unit, "label", new.unit.label.as_str())?;
    doc.put(&unit, "address", new.unit.address.as_str())?;
    let reporter = doc.put_object(ROOT, keys::REPORTER, ObjType::Map)?;
    doc.put(&reporter, "name", new.reporter.name.as_str())?;
    doc.put(&reporter, "phone", new.reporter.phone.as_str())?;
    doc.put_object(ROOT, keys::EVENTS, ObjType::List)?;
    doc.put_object(ROOT, keys::MATERIALS, ObjType::Map)?;
    doc.put_object(ROOT, keys::LABOUR, ObjType::Map)?;
    doc.put_object(ROOT, keys::PHOTOS, ObjType::Map)?;
    append_event(doc, header, &EventKind::Reported)
}

/// Append an event to the log.
pub fn apply_event(doc: &mut AutoCommit, header: &EventHeader, kind: &EventKind) -> Result<()> {
    append_event(doc, header, kind)
}

pub(crate) fn append_event(doc: &mut AutoCommit, header: &EventHeader, kind: &EventKind) -> Result<()> {
    let list = list_at(doc, &ROOT, keys::EVENTS)?;
    let at = doc.length(&list);
    let stored = super::StoredEvent {
        hlc: (header.hlc.wall_ms, header.hlc.counter),
        device: header.device.clone(),
        by: header.by.clone(),
        at: header.at_ms,
        prev: if kind.is_status_event() { header.prev.clone() } else { None },
        kind: kind.clone(),
    };
    let json = serde_json::to_string(&stored).map_err(|e| Error::Malformed(format!("event: {e}")))?;
    doc.insert(&list, at, json)?;
    Ok(())
}

/// Set a text field at the root (or `reporter.name` / `reporter.phone`).
pub(crate) fn put_text(doc: &mut AutoCommit, field: &str, value: &str) -> Result<()> {
    match field.split_once('.') {
        Some((obj, key)) => {
            let o = map_at(doc, &ROOT, obj)?;
            doc.put(&o, key, value)?;
        }
        None => doc.put(ROOT, field, value)?,
    }
    Ok(())
}

pub(crate) fn put_official_no(doc: &mut AutoCommit, no: &str) -> Result<()> {
    let n = map_at(doc, &ROOT, keys::NUMBERS)?;
    doc.put(&n, keys::OFFICIAL, no)?;
    Ok(())
}

pub(crate) fn put_material(doc: &mut AutoCommit, m: &Material) -> Result<()> {
    let all = map_at(doc, &ROOT, keys::MATERIALS)?;
    let item = doc.put_object(&all, m.id.as_str(), ObjType::Map)?;
    doc.put(&item, "name", m.name.as_str())?;
    doc.put(&item, "spec", m.spec.as_str())?;
    doc.put(&item, "qty", ScalarValue::Int(m.quantity.0))?;
    doc.put(&item, "unit", m.unit.as_str())?;
    doc.put(&item, "price", ScalarValue::Int(m.unit_price.0))?;
    Ok(())
}

pub(crate) fn delete_item(doc: &mut AutoCommit, collection: &str, id: &str) -> Result<()> {
    let all = map_at(doc, &ROOT, collection)?;
    doc.delete(&all, id)?;
    Ok(())
}

pub(crate) fn put_labour(doc: &mut AutoCommit, l: &Labour) -> Result<()> {
    let all = map_at(doc, &ROOT, keys::LABOUR)?;
    let item = doc.put_object(&all, l.id.as_str(), ObjType::Map)?;
    doc.put(&item, "person", l.person.as_str())?;
    doc.put(&item, "minutes", ScalarValue::Uint(u64::from(l.minutes)))?;
    doc.put(&item, "rate", ScalarValue::Int(l.hourly_rate.0))?;
    doc.put(&item, "note", l.note.as_str())?;
    Ok(())
}

pub(crate) fn put_photo(doc: &mut AutoCommit, p: &PhotoRef) -> Result<()> {
    let all = map_at(doc, &ROOT, keys::PHOTOS)?;
    let item = doc.put_object(&all, p.id.as_str(), ObjType::Map)?;
    doc.put(&item, "sha256", p.sha256.as_str())?;
    doc.put(&item, "original_sha256", p.original_sha256.as_str())?;
    doc.put(&item, "thumbnail_sha256", p.thumbnail_sha256.as_str())?;
    doc.put(&item, "width", ScalarValue::Uint(u64::from(p.width)))?;
    doc.put(&item, "height", ScalarValue::Uint(u64::from(p.height)))?;
    doc.put(&item, "stamped", p.stamped)?;
    doc.put(&item, "stage", code_of(&p.stage))?;
    doc.put(&item, "caption", p.caption.as_str())?;
    if let Some(t) = p.taken_at_ms {
        doc.put(&item, "taken_at", ScalarValue::Timestamp(t))?;
    }
    if let Some(g) = p.place {
        doc.put(&item, "lat", g.lat)?;
        doc.put(&item, "lon", g.lon)?;
        if let Some(a) = g.accuracy_m {
            doc.put(&item, "acc", a)?;
        }
    }
    doc.put(&item, "taken_by", p.taken_by.as_str())?;
    doc.put(&item, "removed", false)?;
    Ok(())
}

pub(crate) fn put_statement(doc: &mut AutoCommit, s: &crate::signoff::SignedStatement) -> Result<()> {
    let all = map_at(doc, &ROOT, keys::STATEMENTS)?;
    let item = doc.put_object(&all, s.id.as_str(), ObjType::Map)?;
    doc.put(&item, "canonical", s.canonical.as_str())?;
    doc.put(&item, "signature", s.signature.as_str())?;
    doc.put(&item, "strokes", ScalarValue::Bytes(s.strokes.clone()))?;
    Ok(())
}

pub(crate) fn mark_photo_removed(doc: &mut AutoCommit, id: &str) -> Result<()> {
    let all = map_at(doc, &ROOT, keys::PHOTOS)?;
    match doc.get(&all, id)? {
        Some((Value::Object(ObjType::Map), item)) => {
            doc.put(&item, "removed", true)?;
            Ok(())
        }
        _ => Err(Error::Malformed(format!("photo {id} missing"))),
    }
}

/// Write the official number even when one is there (the server renumbering an order lost to a
/// restore whose number another order took meanwhile). Only the server calls it.
pub fn replace_official_number(doc: &mut AutoCommit, number: &str) -> Result<()> {
    let numbers = map_at(doc, &ROOT, keys::NUMBERS)?;
    doc.put(&numbers, keys::OFFICIAL, number)?;
    Ok(())
}

/// Write the official number (assigned once by the server, with the server's own actor). A number
/// already present is kept: it is never changed once given.
pub fn set_official_number(doc: &mut AutoCommit, number: &str) -> Result<bool> {
    let numbers = map_at(doc, &ROOT, keys::NUMBERS)?;
    if doc.get(&numbers, keys::OFFICIAL)?.is_some() {
        return Ok(false);
    }
    doc.put(&numbers, keys::OFFICIAL, number)?;
    Ok(true)
}
