//! Builders for events and orders in rule tests.
#![allow(dead_code)]

use signoff_core::hlc::Hlc;
use signoff_core::ids::{DeviceId, EventId, PersonId};
use signoff_core::model::{Assignee, Callback, Event, EventKind, KeepSide};

/// The rule tables take every sign-off's signature as verified (verification has its own tests in
/// `signoff.rs`, and `unverified_signoffs_do_not_count` checks the fold's side of it).
pub fn genuine(events: &[Event]) -> signoff_core::signoff::Verdicts {
    events
        .iter()
        .filter_map(|e| match &e.kind {
            EventKind::SignedOff { statement, .. } => Some((statement.clone(), signoff_core::signoff::Verdict::Valid)),
            _ => None,
        })
        .collect()
}

/// 2026-11-16 09:00 +08:00 (a Monday), in ms.
pub const MON_0900: i64 = 1_794_790_800_000;
pub const MIN: i64 = 60_000;
pub const HOUR: i64 = 3_600_000;
pub const DAY: i64 = 86_400_000;

pub fn ev(device: &str, by: &str, at: i64, prev: Option<&EventId>, kind: EventKind) -> Event {
    let hlc = Hlc::new(at, 0);
    let device = DeviceId::new(device);
    Event {
        id: EventId::new(format!("{}.{}@{}", hlc.wall_ms, hlc.counter, device)),
        hlc,
        device,
        by: PersonId::new(by),
        at_ms: at,
        prev: prev.cloned(),
        kind,
    }
}

/// A log written by one device in sequence, each event seeing the one before.
pub struct Log {
    pub events: Vec<Event>,
    pub t: i64,
}

impl Log {
    pub fn new() -> Self {
        let mut l = Log { events: Vec::new(), t: MON_0900 };
        l.push("office", "disp", EventKind::Reported);
        l
    }

    pub fn head(&self) -> Option<EventId> {
        signoff_core::rules::status::fold(&self.events, &genuine(&self.events)).head
    }

    pub fn push(&mut self, device: &str, by: &str, kind: EventKind) -> EventId {
        self.t += MIN;
        let prev = self.head();
        let e = ev(device, by, self.t, prev.as_ref(), kind);
        let id = e.id.clone();
        self.events.push(e);
        id
    }

    pub fn push_at(&mut self, device: &str, by: &str, at: i64, prev: Option<&EventId>, kind: EventKind) -> EventId {
        let e = ev(device, by, at, prev, kind);
        let id = e.id.clone();
        self.events.push(e);
        id
    }
}

pub fn tech(id: &str) -> Assignee {
    Assignee::Technician(PersonId::new(id))
}

pub fn assigned(id: &str) -> EventKind {
    EventKind::Assigned { assignee: tech(id), note: String::new() }
}

pub fn scheduled(from: i64) -> EventKind {
    EventKind::Scheduled { from_ms: from, to_ms: None, note: String::new() }
}

pub fn paused(reason: &str) -> EventKind {
    EventKind::Paused { reason: reason.into(), next_visit_ms: None, owner_told: false }
}

pub fn callback(reached: bool, satisfied: Option<bool>) -> EventKind {
    let rating = satisfied.map(|s| if s { 5 } else { 2 });
    EventKind::Callback(match satisfied {
        Some(s) if reached => Callback::reached(s, rating, String::new()),
        _ => Callback { satisfied, rating, reached, ..Callback::unreached(String::new()) },
    })
}

pub fn cancelled() -> EventKind {
    EventKind::Cancelled { reason: "owner withdrew".into() }
}

pub fn resolved(conflict: &EventId, keep: KeepSide) -> EventKind {
    EventKind::Resolved { conflict: conflict.clone(), keep, note: String::new() }
}

use signoff_core::ids::{OrderId, UnitId};
use signoff_core::model::{Channel, OrderKind, Reporter, UnitRef, Urgency, WorkOrder};

pub fn order(events: Vec<Event>, urgency: Urgency, kind: OrderKind, category: &str) -> WorkOrder {
    WorkOrder {
        id: OrderId::new("o1"),
        schema: 1,
        provisional_no: "P-TEST-0001".into(),
        official_no: None,
        kind,
        unit: UnitRef { unit_id: UnitId::new("u1"), ..UnitRef::default() },
        reporter: Reporter { name: "王女士".into(), phone: "13800000000".into() },
        channel: Channel::Hotline,
        category: category.into(),
        urgency,
        description: "卫生间漏水".into(),
        location: "主卫".into(),
        preferred_time: String::new(),
        cause: None,
        findings: String::new(),
        work_done: String::new(),
        materials: vec![],
        labour: vec![],
        photos: vec![],
        events,
        statements: vec![],
        field_conflicts: vec![],
    }
}

pub fn local(s: &str) -> i64 {
    chrono::DateTime::parse_from_rfc3339(s).map(|t| t.timestamp_millis()).unwrap_or_else(|e| panic!("{s}: {e}"))
}

use signoff_core::model::{Person, ReferenceData, Role};

/// A staff member `id` ("{id}师傅") with one role.
pub fn person(id: &str, role: Role) -> Person {
    Person {
        id: PersonId::new(id),
        name: format!("{id}师傅"),
        roles: vec![role],
        skills: Vec::new(),
        phone: String::new(),
        contractor: None,
        active: true,
    }
}

/// A staff list: dispatcher disp, supervisor boss, technicians wang and li.
pub fn staff() -> ReferenceData {
    ReferenceData::new(
        Vec::new(),
        Vec::new(),
        Vec::new(),
        vec![
            person("disp", Role::Dispatcher),
            person("boss", Role::Supervisor),
            person("wang", Role::Technician),
            person("li", Role::Technician),
        ],
        Vec::new(),
        Vec::new(),
    )
}
