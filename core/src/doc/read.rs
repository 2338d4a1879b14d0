//! Reading a work order out of its Automerge document (now, or as it was at given heads).

use super::{SCHEMA_VERSION, from_code, keys};
use crate::error::{Error, Result};
use crate::hlc::Hlc;
use crate::ids::{BuildingId, DeviceId, EventId, OrderId, PersonId, ProjectId, UnitId};
use crate::model::{
    Event, EventKind, FieldConflict, GeoPoint, Labour, Material, PhotoRef, PhotoStage, Reporter, UnitRef, WorkOrder,
};
use crate::money::{Money, Quantity};
use automerge::{ChangeHash, ObjId, ObjType, ROOT, ReadDoc, Value};

struct Reader<'a, D: ReadDoc> {
    doc: &'a D,
    heads: Option<&'a [ChangeHash]>,
}

impl<D: ReadDoc> Reader<'_, D> {
    fn value(&self, obj: &ObjId, key: &str) -> Result<Option<Value<'_>>> {
        let got = match self.heads {
            Some(h) => self.doc.get_at(obj, key, h)?,
            None => self.doc.get(obj, key)?,
        };
        Ok(got.map(|(v, _)| v))
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

    fn obj(&self, obj: &ObjId, key: &str, want: ObjType) -> Result<Option<ObjId>> {
        let got = match self.heads {
            Some(h) => self.doc.get_at(obj, key, h)?,
            None => self.doc.get(obj, key)?,
        };
        match got {
            Some((Value::Object(t), id)) if t == want => Ok(Some(id)),
            Some(_) => Err(Error::Malformed(format!("{key} is not a {want:?}"))),
            None => Ok(None),
        }
    }

    fn str(&self, obj: &ObjId, key: &str) -> Result<String> {
        Ok(self.value(obj, key)?.and_then(|v| v.as_str().map(str::to_owned)).unwrap_or_default())
    }

    fn opt_str(&self, obj: &ObjId, key: &str) -> Result<Option<String>> {
        Ok(self.value(obj, key)?.and_then(|v| v.as_str().map(str::to_owned)))
    }

    fn int(&self, obj: &ObjId, key: &str) -> Result<Option<i64>> {
        Ok(self.value(obj, key)?.and_then(|v| match v.as_scalar() {
            Some(automerge::ScalarValue::Int(i)) | Some(automerge::ScalarValue::Timestamp(i)) => Some(*i),
            Some(automerge::ScalarValue::Uint(u)) => i64::try_from(*u).ok(),
            _ => None,
        }))
    }

    fn f64(&self, obj: &ObjId, key: &str) -> Result<Option<f64>> {
        Ok(self.value(obj, key)?.and_then(|v| v.as_f64()))
    }

    fn bool(&self, obj: &ObjId, key: &str) -> Result<bool> {
        Ok(self.value(obj, key)?.and_then(|v| v.as_bool()).unwrap_or(false))
    }

    fn keys(&self, obj: &ObjId) -> Vec<String> {
        match self.heads {
            Some(h) => self.doc.keys_at(obj, h).collect(),
            None => self.doc.keys(obj).collect(),
        }
    }

    fn len(&self, obj: &ObjId) -> usize {
        match self.heads {
            Some(h) => self.doc.length_at(obj, h),
            None => self.doc.length(obj),
        }
    }

    fn list_obj(&self, list: &ObjId, index: usize) -> Result<Option<ObjId>> {
        let got = match self.heads {
            Some(h) => self.doc.get_at(list, index, h)?,
            None => self.doc.get(list, index)?,
        };
        Ok(match got {
            Some((Value::Object(ObjType::Map), id)) => Some(id),
            _ => None,
        })
    }

    fn code<T: serde::de::DeserializeOwned>(&self, obj: &ObjId, key: &str) -> Result<T> {
        let s = self.str(obj, key)?;
        from_code(&s).ok_or_else(|| Error::Malformed(format!("{key} has unknown value {s:?}")))
    }

    fn event(&self, obj: &ObjId) -> Result<Event> {
        let wall = self.int(obj, "hlc")?.ok_or_else(|| Error::Malformed("event without hlc".into()))?;
        let counter = self.int(obj, "hlc_c")?.unwrap_or(0);
        let hlc = Hlc::new(wall, u32::try_from(counter).unwrap_or(u32::MAX));
        let device = DeviceId::new(self.str(obj, "device")?);
        let type_name = self.str(obj, "type")?;
        let data = self.str(obj, "data")?;
        let kind = serde_json::from_str::<EventKind>(&data).unwrap_or(EventKind::Unknown { type_name });
        Ok(Event {
            id: event_id(hlc, &device),
            hlc,
            device,
            by: PersonId::new(self.str(obj, "by")?),
            at_ms: self.int(obj, "at")?.unwrap_or(wall),
            prev: self.opt_str(obj, "prev")?.map(EventId::new),
            kind,
        })
    }
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
    let root = ROOT;
    let schema = r.int(&root, keys::SCHEMA)?.ok_or_else(|| Error::Malformed("no schema version".into()))?;
    let schema = u64::try_from(schema).map_err(|_| Error::Malformed("negative schema version".into()))?;
    if schema > SCHEMA_VERSION {
        return Err(Error::UnsupportedSchema { found: schema, supported: SCHEMA_VERSION });
    }
    if r.str(&root, keys::TYPE)? != keys::TYPE_WORK_ORDER {
        return Err(Error::Malformed("not a work-order document".into()));
    }
    let id = r.str(&root, keys::ID)?;
    if id.is_empty() {
        return Err(Error::Malformed("no order id".into()));
    }
    let numbers = r.obj(&root, keys::NUMBERS, ObjType::Map)?;
    let (provisional_no, official_no) = match &numbers {
        Some(n) => (r.str(n, keys::PROVISIONAL)?, r.opt_str(n, keys::OFFICIAL)?),
        None => (String::new(), None),
    };
    let unit = match r.obj(&root, keys::UNIT, ObjType::Map)? {
        Some(u) => UnitRef {
            unit_id: UnitId::new(r.str(&u, "unit_id")?),
            project_id: ProjectId::new(r.str(&u, "project_id")?),
            building_id: BuildingId::new(r.str(&u, "building_id")?),
            label: r.str(&u, "label")?,
            address: r.str(&u, "address")?,
        },
        None => UnitRef::default(),
    };
    let reporter = match r.obj(&root, keys::REPORTER, ObjType::Map)? {
        Some(p) => Reporter { name: r.str(&p, "name")?, phone: r.str(&p, "phone")? },
        None => Reporter::default(),
    };

    let mut events = Vec::new();
    if let Some(list) = r.obj(&root, keys::EVENTS, ObjType::List)? {
        for i in 0..r.len(&list) {
            if let Some(e) = r.list_obj(&list, i)? {
                events.push(r.event(&e)?);
            }
        }
    }
    events.sort_by(|a, b| a.order_key().cmp(&b.order_key()));

    let mut materials = Vec::new();
    if let Some(m) = r.obj(&root, keys::MATERIALS, ObjType::Map)? {
        for key in r.keys(&m) {
            let Some(item) = r.obj(&m, &key, ObjType::Map)? else { continue };
            materials.push(Material {
                name: r.str(&item, "name")?,
                spec: r.str(&item, "spec")?,
                quantity: Quantity(r.int(&item, "qty")?.unwrap_or(0)),
                unit: r.str(&item, "unit")?,
                unit_price: Money(r.int(&item, "price")?.unwrap_or(0)),
                id: key,
            });
        }
    }
    let mut labour = Vec::new();
    if let Some(m) = r.obj(&root, keys::LABOUR, ObjType::Map)? {
        for key in r.keys(&m) {
            let Some(item) = r.obj(&m, &key, ObjType::Map)? else { continue };
            labour.push(Labour {
                person: PersonId::new(r.str(&item, "person")?),
                minutes: u32::try_from(r.int(&item, "minutes")?.unwrap_or(0)).unwrap_or(0),
                hourly_rate: Money(r.int(&item, "rate")?.unwrap_or(0)),
                note: r.str(&item, "note")?,
                id: key,
            });
        }
    }
    let mut photos = Vec::new();
    if let Some(m) = r.obj(&root, keys::PHOTOS, ObjType::Map)? {
        for key in r.keys(&m) {
            let Some(item) = r.obj(&m, &key, ObjType::Map)? else { continue };
            let place = match (r.f64(&item, "lat")?, r.f64(&item, "lon")?) {
                (Some(lat), Some(lon)) => Some(GeoPoint { lat, lon, accuracy_m: r.f64(&item, "acc")? }),
                _ => None,
            };
            photos.push(PhotoRef {
                sha256: r.str(&item, "sha256")?,
                stage: from_code(&r.str(&item, "stage")?).unwrap_or(PhotoStage::Other),
                caption: r.str(&item, "caption")?,
                taken_at_ms: r.int(&item, "taken_at")?,
                place,
                taken_by: PersonId::new(r.str(&item, "taken_by")?),
                removed: r.bool(&item, "removed")?,
                id: key,
            });
        }
    }

    let mut field_conflicts = Vec::new();
    for field in keys::CONFLICT_CHECKED {
        let values = r.all(&root, field)?;
        if values.len() > 1 {
            field_conflicts.push(FieldConflict { field: field.to_owned(), values });
        }
    }
    for (obj_key, fields) in [(keys::REPORTER, ["name", "phone"])] {
        if let Some(o) = r.obj(&root, obj_key, ObjType::Map)? {
            for f in fields {
                let values = r.all(&o, f)?;
                if values.len() > 1 {
                    field_conflicts.push(FieldConflict { field: format!("{obj_key}.{f}"), values });
                }
            }
        }
    }

    let cause = r.opt_str(&root, keys::CAUSE)?.filter(|s| !s.is_empty()).and_then(|s| from_code(&s));
    Ok(WorkOrder {
        id: OrderId::new(id),
        schema,
        provisional_no,
        official_no: official_no.filter(|s| !s.is_empty()),
        kind: from_code(&r.str(&root, keys::KIND)?).unwrap_or_default(),
        unit,
        reporter,
        channel: r.code(&root, keys::CHANNEL)?,
        category: r.str(&root, keys::CATEGORY)?,
        urgency: r.code(&root, keys::URGENCY)?,
        description: r.str(&root, keys::DESCRIPTION)?,
        location: r.str(&root, keys::LOCATION)?,
        preferred_time: r.str(&root, keys::PREFERRED_TIME)?,
        cause,
        findings: r.str(&root, keys::FINDINGS)?,
        work_done: r.str(&root, keys::WORK_DONE)?,
        materials,
        labour,
        photos,
        events,
        field_conflicts,
    })
}
