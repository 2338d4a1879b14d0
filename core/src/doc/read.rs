//! Reading a work order out of its Automerge document (now, or as it was at given heads).
//!
//! Every object is read in one pass with `map_range`/`list_range`: keyed `get`s on nested objects cost
//! ~10× more in automerge 0.12 (measured: 2.6 ms vs 0.25 ms for an order with 40 events). Concurrent
//! values are only looked up (`get_all`) where the iterator flags a conflict.

use super::{SCHEMA_VERSION, from_code, keys};
use crate::error::{Error, Result};
use crate::hlc::Hlc;
use crate::ids::{BuildingId, DeviceId, EventId, OrderId, PersonId, ProjectId, UnitId};
use crate::model::{
    Event, EventKind, FieldConflict, GeoPoint, Labour, Material, PhotoRef, PhotoStage, Reporter, UnitRef, WorkOrder,
};
use crate::money::{Money, Quantity};
use automerge::{ChangeHash, ObjId, ObjType, ReadDoc, ScalarValueRef, ValueRef};

/// One value of a map, owned.
#[derive(Debug, Clone)]
enum Field {
    Str(String),
    Bytes(Vec<u8>),
    Int(i64),
    F64(f64),
    Bool(bool),
    Obj(ObjType, ObjId),
    Other,
}

/// The entries of one map object, with the keys that have concurrent values.
#[derive(Debug, Default)]
struct Fields {
    entries: Vec<(String, Field)>,
    conflicted: Vec<String>,
}

impl Fields {
    fn get(&self, key: &str) -> Option<&Field> {
        self.entries.iter().find(|(k, _)| k == key).map(|(_, v)| v)
    }

    fn str(&self, key: &str) -> String {
        self.opt_str(key).unwrap_or_default()
    }

    fn opt_str(&self, key: &str) -> Option<String> {
        match self.get(key) {
            Some(Field::Str(s)) => Some(s.clone()),
            _ => None,
        }
    }

    fn int(&self, key: &str) -> Option<i64> {
        match self.get(key) {
            Some(Field::Int(i)) => Some(*i),
            _ => None,
        }
    }

    fn f64(&self, key: &str) -> Option<f64> {
        match self.get(key) {
            Some(Field::F64(f)) => Some(*f),
            Some(Field::Int(i)) => Some(*i as f64),
            _ => None,
        }
    }

    fn bytes(&self, key: &str) -> Vec<u8> {
        match self.get(key) {
            Some(Field::Bytes(b)) => b.clone(),
            _ => Vec::new(),
        }
    }

    fn bool(&self, key: &str) -> bool {
        matches!(self.get(key), Some(Field::Bool(true)))
    }

    fn obj(&self, key: &str, want: ObjType) -> Result<Option<ObjId>> {
        match self.get(key) {
            Some(Field::Obj(t, id)) if *t == want => Ok(Some(id.clone())),
            Some(_) => Err(Error::Malformed(format!("{key} is not a {want:?}"))),
            None => Ok(None),
        }
    }

    fn code<T: serde::de::DeserializeOwned>(&self, key: &str) -> Result<T> {
        let s = self.str(key);
        from_code(&s).ok_or_else(|| Error::Malformed(format!("{key} has unknown value {s:?}")))
    }
}

fn field(v: ValueRef<'_>, id: impl FnOnce() -> ObjId) -> Field {
    match v {
        ValueRef::Object(t) => Field::Obj(t, id()),
        ValueRef::Scalar(s) => match s {
            ScalarValueRef::Str(s) => Field::Str(s.into_owned()),
            ScalarValueRef::Bytes(b) => Field::Bytes(b.into_owned()),
            ScalarValueRef::Int(i) | ScalarValueRef::Timestamp(i) | ScalarValueRef::Counter(i) => Field::Int(i),
            ScalarValueRef::Uint(u) => i64::try_from(u).map_or(Field::Other, Field::Int),
            ScalarValueRef::F64(f) => Field::F64(f),
            ScalarValueRef::Boolean(b) => Field::Bool(b),
            _ => Field::Other,
        },
    }
}

struct Reader<'a, D: ReadDoc> {
    doc: &'a D,
    heads: Option<&'a [ChangeHash]>,
}

impl<D: ReadDoc> Reader<'_, D> {
    fn fields(&self, obj: &ObjId) -> Fields {
        let mut out = Fields::default();
        let mut take = |key: std::borrow::Cow<'_, str>, value: ValueRef<'_>, conflict: bool, id: &dyn Fn() -> ObjId| {
            if conflict {
                out.conflicted.push(key.to_string());
            }
            out.entries.push((key.into_owned(), field(value, id)));
        };
        match self.heads {
            Some(h) => {
                for item in self.doc.map_range_at(obj, .., h) {
                    let id = || item.id();
                    take(item.key.clone(), item.value.clone(), item.conflict, &id);
                }
            }
            None => {
                for item in self.doc.map_range(obj, ..) {
                    let id = || item.id();
                    take(item.key.clone(), item.value.clone(), item.conflict, &id);
                }
            }
        }
        out
    }

    fn all(&self, obj: &ObjId, key: &str) -> Result<Vec<String>> {
        let got = match self.heads {
            Some(h) => self.doc.get_all_at(obj, key, h)?,
            None => self.doc.get_all(obj, key)?,
        };
        let mut v: Vec<String> = got.into_iter().filter_map(|(v, _)| v.as_str().map(str::to_owned)).collect();
        v.sort();
        v.dedup();
        Ok(v)
    }

    /// The events, as stored (one JSON string each).
    fn events(&self, list: &ObjId) -> Result<Vec<Event>> {
        let mut out = Vec::new();
        let mut parse = |v: &ValueRef<'_>| -> Result<()> {
            if let ValueRef::Scalar(ScalarValueRef::Str(json)) = v {
                out.push(parse_event(json)?);
            }
            Ok(())
        };
        match self.heads {
            Some(h) => {
                for item in self.doc.list_range_at(list, .., h) {
                    parse(&item.value)?;
                }
            }
            None => {
                for item in self.doc.list_range(list, ..) {
                    parse(&item.value)?;
                }
            }
        }
        Ok(out)
    }

    /// `(key, fields)` of every map in a map-of-maps collection.
    fn collection(&self, root: &Fields, key: &str) -> Result<Vec<(String, Fields)>> {
        let Some(obj) = root.obj(key, ObjType::Map)? else {
            return Ok(Vec::new());
        };
        Ok(self
            .fields(&obj)
            .entries
            .into_iter()
            .filter_map(|(k, v)| match v {
                Field::Obj(ObjType::Map, id) => Some((k, self.fields(&id))),
                _ => None,
            })
            .collect())
    }
}

/// One stored event. An event type this build does not know keeps its header and is read as
/// [`EventKind::Unknown`]; an entry without a readable header is a malformed document.
fn parse_event(json: &str) -> Result<Event> {
    let (hlc, device, by, at_ms, prev, kind) = match serde_json::from_str::<super::StoredEvent>(json) {
        Ok(e) => (e.hlc, e.device, e.by, e.at, e.prev, e.kind),
        Err(_) => {
            let h: super::StoredHeader =
                serde_json::from_str(json).map_err(|e| Error::Malformed(format!("event entry: {e}")))?;
            (h.hlc, h.device, h.by, h.at, h.prev, EventKind::Unknown { type_name: h.type_name })
        }
    };
    let hlc = Hlc::new(hlc.0, hlc.1);
    Ok(Event { id: event_id(hlc, &device), hlc, device, by, at_ms, prev, kind })
}

/// The id of an event: `{hlc}@{device}`; unique because a device's HLC strictly increases.
pub(crate) fn event_id(hlc: Hlc, device: &DeviceId) -> EventId {
    EventId::new(format!("{}.{}@{}", hlc.wall_ms, hlc.counter, device))
}

/// Read the order as it is now.
pub fn read<D: ReadDoc>(doc: &D) -> Result<WorkOrder> {
    read_with(Reader { doc, heads: None })
}

/// Read the order as it was at `heads`.
pub fn read_at<D: ReadDoc>(doc: &D, heads: &[ChangeHash]) -> Result<WorkOrder> {
    read_with(Reader { doc, heads: Some(heads) })
}

fn read_with<D: ReadDoc>(r: Reader<'_, D>) -> Result<WorkOrder> {
    let root = r.fields(&automerge::ROOT);
    let schema = root.int(keys::SCHEMA).ok_or_else(|| Error::Malformed("no schema version".into()))?;
    let schema = u64::try_from(schema).map_err(|_| Error::Malformed("negative schema version".into()))?;
    if schema > SCHEMA_VERSION {
        return Err(Error::UnsupportedSchema { found: schema, supported: SCHEMA_VERSION });
    }
    if root.str(keys::TYPE) != keys::TYPE_WORK_ORDER {
        return Err(Error::Malformed("not a work-order document".into()));
    }
    let id = root.str(keys::ID);
    if id.is_empty() {
        return Err(Error::Malformed("no order id".into()));
    }
    let (provisional_no, official_no) = match root.obj(keys::NUMBERS, ObjType::Map)? {
        Some(n) => {
            let n = r.fields(&n);
            (n.str(keys::PROVISIONAL), n.opt_str(keys::OFFICIAL))
        }
        None => (String::new(), None),
    };
    let unit = match root.obj(keys::UNIT, ObjType::Map)? {
        Some(u) => {
            let u = r.fields(&u);
            UnitRef {
                unit_id: UnitId::new(u.str("unit_id")),
                project_id: ProjectId::new(u.str("project_id")),
                building_id: BuildingId::new(u.str("building_id")),
                label: u.str("label"),
                address: u.str("address"),
            }
        }
        None => UnitRef::default(),
    };
    let mut field_conflicts = Vec::new();
    let reporter = match root.obj(keys::REPORTER, ObjType::Map)? {
        Some(obj) => {
            let p = r.fields(&obj);
            for f in &p.conflicted {
                let values = r.all(&obj, f)?;
                if values.len() > 1 {
                    field_conflicts.push(FieldConflict { field: format!("{}.{f}", keys::REPORTER), values });
                }
            }
            Reporter { name: p.str("name"), phone: p.str("phone") }
        }
        None => Reporter::default(),
    };
    for f in root.conflicted.iter().filter(|f| keys::CONFLICT_CHECKED.contains(&f.as_str())) {
        let values = r.all(&automerge::ROOT, f)?;
        if values.len() > 1 {
            field_conflicts.push(FieldConflict { field: f.clone(), values });
        }
    }
    field_conflicts.sort_by(|a, b| a.field.cmp(&b.field));

    let mut events = match root.obj(keys::EVENTS, ObjType::List)? {
        Some(list) => r.events(&list)?,
        None => Vec::new(),
    };
    events.sort_by(|a, b| a.order_key().cmp(&b.order_key()));

    let materials = r
        .collection(&root, keys::MATERIALS)?
        .into_iter()
        .map(|(id, f)| Material {
            name: f.str("name"),
            spec: f.str("spec"),
            quantity: Quantity(f.int("qty").unwrap_or(0)),
            unit: f.str("unit"),
            unit_price: Money(f.int("price").unwrap_or(0)),
            id,
        })
        .collect();
    let labour = r
        .collection(&root, keys::LABOUR)?
        .into_iter()
        .map(|(id, f)| Labour {
            person: PersonId::new(f.str("person")),
            minutes: f.int("minutes").and_then(|m| u32::try_from(m).ok()).unwrap_or(0),
            hourly_rate: Money(f.int("rate").unwrap_or(0)),
            note: f.str("note"),
            id,
        })
        .collect();
    let photos = r
        .collection(&root, keys::PHOTOS)?
        .into_iter()
        .map(|(id, f)| PhotoRef {
            sha256: f.str("sha256"),
            original_sha256: f.str("original_sha256"),
            thumbnail_sha256: f.str("thumbnail_sha256"),
            width: f.int("width").and_then(|w| u32::try_from(w).ok()).unwrap_or(0),
            height: f.int("height").and_then(|h| u32::try_from(h).ok()).unwrap_or(0),
            stamped: f.bool("stamped"),
            stage: from_code(&f.str("stage")).unwrap_or(PhotoStage::Other),
            caption: f.str("caption"),
            taken_at_ms: f.int("taken_at"),
            place: match (f.f64("lat"), f.f64("lon")) {
                (Some(lat), Some(lon)) => Some(GeoPoint { lat, lon, accuracy_m: f.f64("acc") }),
                _ => None,
            },
            taken_by: PersonId::new(f.str("taken_by")),
            removed: f.bool("removed"),
            id,
        })
        .collect();

    let statements = r
        .collection(&root, keys::STATEMENTS)?
        .into_iter()
        .map(|(id, f)| crate::signoff::SignedStatement {
            canonical: f.str("canonical"),
            signature: f.str("signature"),
            strokes: f.bytes("strokes"),
            id,
        })
        .collect();

    Ok(WorkOrder {
        id: OrderId::new(id),
        schema,
        provisional_no,
        official_no: official_no.filter(|s| !s.is_empty()),
        kind: from_code(&root.str(keys::KIND)).unwrap_or_default(),
        unit,
        reporter,
        channel: root.code(keys::CHANNEL)?,
        category: root.str(keys::CATEGORY),
        urgency: root.code(keys::URGENCY)?,
        description: root.str(keys::DESCRIPTION),
        location: root.str(keys::LOCATION),
        preferred_time: root.str(keys::PREFERRED_TIME),
        cause: root.opt_str(keys::CAUSE).filter(|s| !s.is_empty()).and_then(|s| from_code(&s)),
        findings: root.str(keys::FINDINGS),
        work_done: root.str(keys::WORK_DONE),
        materials,
        labour,
        photos,
        events,
        statements,
        field_conflicts,
    })
}
