//! Shared helpers: real store files in temp dirs, the demo reference data, a controllable clock.
#![allow(clippy::unwrap_used, clippy::expect_used)]
#![allow(dead_code)]

use chrono::{DateTime, Duration, Utc};
use signoff_core::ids::{OrderId, PersonId, UnitId};
use signoff_core::model::{Channel, NewOrder, OrderKind, Reporter, UnitRef, Urgency};
use signoff_device::store::reference::{ReferenceImport, read_json};
use signoff_device::{Ctx, InitOptions, Source, Store};
use std::path::{Path, PathBuf};

pub fn demo_reference() -> ReferenceImport {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../demo/reference.json");
    read_json(&path).unwrap_or_else(|e| panic!("demo reference: {e}")).0
}

pub fn t0() -> DateTime<Utc> {
    DateTime::parse_from_rfc3339("2026-11-16T09:00:00+08:00").unwrap().with_timezone(&Utc)
}

pub fn at(minutes: i64) -> DateTime<Utc> {
    t0() + Duration::minutes(minutes)
}

pub struct TestStore {
    pub dir: tempfile::TempDir,
    pub store: Store,
}

impl TestStore {
    pub fn path(&self) -> PathBuf {
        self.dir.path().join("device.db")
    }

    pub fn reopen(&mut self) {
        let path = self.path();
        self.store = Store::open(&path).unwrap();
    }
}

/// A new store with the demo reference data, used by `person`.
pub fn store(person: &str) -> TestStore {
    let dir = tempfile::tempdir().unwrap();
    let mut store =
        Store::init(dir.path().join("device.db"), InitOptions { person: Some(PersonId::new(person)), settings: None })
            .unwrap();
    store.import_reference(&demo_reference()).unwrap();
    TestStore { dir, store }
}

pub fn ctx(by: &str, minutes: i64) -> Ctx {
    Ctx { source: Source::Ui, by: PersonId::new(by), now: at(minutes) }
}

pub fn new_order(unit: &str, category: &str, description: &str) -> NewOrder {
    NewOrder {
        kind: OrderKind::Repair,
        unit: UnitRef { unit_id: UnitId::new(unit), ..UnitRef::default() },
        reporter: Reporter { name: "王女士".into(), phone: "13812345678".into() },
        channel: Channel::Hotline,
        category: category.into(),
        urgency: Urgency::Normal,
        description: description.into(),
        location: "主卫".into(),
        preferred_time: String::new(),
    }
}

pub fn create(s: &mut Store, unit: &str, category: &str, description: &str, minutes: i64) -> OrderId {
    s.create_order(new_order(unit, category, description), &ctx("chen", minutes)).unwrap().order.id
}

/// A plausible handwritten signature: a few strokes of a few dozen points each.
pub fn signature() -> signoff_core::signoff::strokes::Signature {
    use signoff_core::signoff::strokes::{Point, Signature, Stroke};
    let strokes: Vec<Stroke> = (0..5)
        .map(|s| Stroke {
            points: (0..40)
                .map(|i| {
                    let f = f64::from(i);
                    Point {
                        x: 20.0 + f64::from(s) * 55.0 + f * 1.2,
                        y: 60.0 + (f * 0.35 + f64::from(s)).sin() * 25.0,
                        time: f64::from(s) * 900.0 + f * 16.0,
                        pressure: Some(0.4 + (f * 0.2).sin().abs() * 0.4),
                    }
                })
                .collect(),
        })
        .collect();
    Signature::from_strokes(&strokes, Some((360, 160))).unwrap()
}

/// The owner signs the order as it is now.
pub fn sign(
    s: &mut Store,
    id: &OrderId,
    role: signoff_core::signoff::SignerRole,
    name: &str,
    minutes: i64,
) -> signoff_device::Result<signoff_core::signoff::SignedStatement> {
    let request = signoff_device::store::signoff::SignRequest {
        heads: None,
        kind: signoff_core::signoff::StatementKind::Signoff,
        name: name.into(),
        role,
        rating: Some(5),
        opinion: "维修及时,满意".into(),
        strokes: signature(),
        place: None,
    };
    // Recorded on this device by its user (the signer is the person named in the statement).
    let by = s.me().map_or_else(|| "wang".to_owned(), ToString::to_string);
    s.sign(id, request, &ctx(&by, minutes)).map(|(_, st)| st)
}
