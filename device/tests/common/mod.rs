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
    read_json(&path).unwrap_or_else(|e| panic!("demo reference: {e}"))
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
