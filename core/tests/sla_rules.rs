//! Deadlines: service targets across weekends, holidays and make-up working days.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::*;
use signoff_core::calendar::{Holiday, WorkCalendar};
use signoff_core::ids::ContractorId;
use signoff_core::model::{Assignee, EventKind, OrderKind, OrgSettings, Urgency, WorkOrder};
use signoff_core::rules::sla::{Deadline, DeadlineKind, DeadlineState, Escalation, deadlines, escalation};
use signoff_core::rules::status::fold;

fn settings() -> OrgSettings {
    let d = |s: &str| s.parse().unwrap_or_default();
    OrgSettings {
        calendar: WorkCalendar {
            holidays: vec![Holiday { from: d("2026-10-01"), to: d("2026-10-08"), name: "国庆".into() }],
            makeup_workdays: vec![d("2026-09-27"), d("2026-10-10")],
            ..WorkCalendar::default()
        },
        ..OrgSettings::default()
    }
}

fn log_at(reported: &str) -> Log {
    let mut l = Log { events: Vec::new(), t: local(reported) };
    let e = ev("office", "disp", l.t, None, EventKind::Reported);
    l.events.push(e);
    l
}

fn find(o: &WorkOrder, household: bool, kind: DeadlineKind) -> Option<Deadline> {
    deadlines(o, &fold(&o.events, &genuine(&o.events)), household, &settings()).into_iter().find(|d| d.kind == kind)
}

fn state_at(d: &Deadline, now: &str) -> DeadlineState {
    d.state(local(now), settings().sla.at_risk_fraction)
}

#[test]
fn contact_within_two_hours() {
    let l = log_at("2026-11-16T09:00:00+08:00");
    let o = order(l.events.clone(), Urgency::Normal, OrderKind::Repair, "plumbing");
    let Some(d) = find(&o, true, DeadlineKind::Contact) else { panic!("no contact deadline") };
    assert_eq!(d.due_ms, local("2026-11-16T11:00:00+08:00"));
    let cases = [
        ("2026-11-16T10:00:00+08:00", DeadlineState::Open { left_ms: HOUR, at_risk: false }),
        ("2026-11-16T10:45:00+08:00", DeadlineState::Open { left_ms: 15 * MIN, at_risk: true }),
        ("2026-11-16T11:30:00+08:00", DeadlineState::Overdue { by_ms: 30 * MIN }),
    ];
    for (now, want) in cases {
        assert_eq!(state_at(&d, now), want, "at {now}");
    }
    let mut l = l;
    l.push_at(
        "office",
        "disp",
        local("2026-11-16T10:20:00+08:00"),
        l.head().as_ref(),
        EventKind::Contacted { note: String::new(), reached: true },
    );
    let o = order(l.events, Urgency::Normal, OrderKind::Repair, "plumbing");
    let Some(d) = find(&o, true, DeadlineKind::Contact) else { panic!() };
    assert_eq!(d.met_ms, Some(local("2026-11-16T10:20:00+08:00")));
    assert_eq!(state_at(&d, "2026-11-17T00:00:00+08:00"), DeadlineState::Met { late: false });
}

#[test]
fn emergency_on_site_within_fifteen_minutes() {
    let mut l = log_at("2026-11-16T22:00:00+08:00");
    let h = l.push_at("office", "disp", local("2026-11-16T22:02:00+08:00"), l.head().as_ref(), assigned("t1"));
    l.push_at("dev", "t1", local("2026-11-16T22:20:00+08:00"), Some(&h), EventKind::Arrived);
    let o = order(l.events, Urgency::Emergency, OrderKind::Repair, "leak");
    let Some(d) = find(&o, false, DeadlineKind::EmergencyOnSite) else { panic!() };
    assert_eq!(d.due_ms, local("2026-11-16T22:15:00+08:00"));
    assert_eq!(state_at(&d, "2026-11-16T23:00:00+08:00"), DeadlineState::Met { late: true });
    let normal = order(o.events.clone(), Urgency::Normal, OrderKind::Repair, "leak");
    assert!(find(&normal, false, DeadlineKind::EmergencyOnSite).is_none());
}

#[test]
fn complaints_are_answered_within_two_working_days() {
    let cases = [
        ("2026-11-16T10:00:00+08:00", "2026-11-19T00:00:00+08:00", "Mon → end of Wed"),
        ("2026-11-20T16:00:00+08:00", "2026-11-25T00:00:00+08:00", "Fri → end of Tue over the weekend"),
        ("2026-11-21T11:00:00+08:00", "2026-11-25T00:00:00+08:00", "Sat → end of Tue"),
        ("2026-09-30T09:00:00+08:00", "2026-10-11T00:00:00+08:00", "before National Day → end of the make-up Saturday"),
        ("2026-09-26T09:00:00+08:00", "2026-09-29T00:00:00+08:00", "Sat → make-up Sun, Mon"),
    ];
    for (reported, due, why) in cases {
        let l = log_at(reported);
        let o = order(l.events, Urgency::Normal, OrderKind::Complaint, "fittings");
        let Some(d) = find(&o, false, DeadlineKind::ComplaintAnswer) else { panic!("{why}") };
        assert_eq!(d.due_ms, local(due), "{why}");
    }
}

#[test]
fn callbacks_are_same_day_for_household_repairs_else_working_days() {
    let mut l = log_at("2026-11-20T09:00:00+08:00");
    for (kind, at) in [
        (assigned("t1"), "2026-11-20T09:10:00+08:00"),
        (EventKind::Arrived, "2026-11-20T13:00:00+08:00"),
        (EventKind::Completed, "2026-11-20T15:00:00+08:00"),
    ] {
        let prev = l.head();
        l.push_at("dev", "t1", local(at), prev.as_ref(), kind);
    }
    let o = order(l.events.clone(), Urgency::Normal, OrderKind::Repair, "plumbing");
    assert_eq!(find(&o, true, DeadlineKind::Callback).map(|d| d.due_ms), Some(local("2026-11-21T00:00:00+08:00")));
    assert_eq!(
        find(&o, false, DeadlineKind::Callback).map(|d| d.due_ms),
        Some(local("2026-11-26T00:00:00+08:00")),
        "Fri + 3 working days = end of Wed"
    );
    // An unanswered call does not meet it; a reached one does.
    let prev = l.head();
    l.push_at("office", "cs", local("2026-11-20T17:00:00+08:00"), prev.as_ref(), callback(false, None));
    let o = order(l.events.clone(), Urgency::Normal, OrderKind::Repair, "plumbing");
    assert_eq!(find(&o, true, DeadlineKind::Callback).and_then(|d| d.met_ms), None);
    let prev = l.head();
    l.push_at("office", "cs", local("2026-11-20T18:00:00+08:00"), prev.as_ref(), callback(true, Some(true)));
    let o = order(l.events, Urgency::Normal, OrderKind::Repair, "plumbing");
    assert_eq!(find(&o, true, DeadlineKind::Callback).and_then(|d| d.met_ms), Some(local("2026-11-20T18:00:00+08:00")));
}

#[test]
fn start_repair_is_due_at_the_appointment_or_the_end_of_the_dispatch_day() {
    let mut l = log_at("2026-11-16T09:00:00+08:00");
    let prev = l.head();
    l.push_at("office", "disp", local("2026-11-16T09:05:00+08:00"), prev.as_ref(), assigned("t1"));
    let o = order(l.events.clone(), Urgency::Normal, OrderKind::Repair, "plumbing");
    assert_eq!(find(&o, true, DeadlineKind::StartRepair).map(|d| d.due_ms), Some(local("2026-11-17T00:00:00+08:00")));
    let prev = l.head();
    l.push_at(
        "office",
        "disp",
        local("2026-11-16T09:30:00+08:00"),
        prev.as_ref(),
        scheduled(local("2026-11-17T14:00:00+08:00")),
    );
    let o = order(l.events.clone(), Urgency::Normal, OrderKind::Repair, "plumbing");
    assert_eq!(
        find(&o, true, DeadlineKind::StartRepair).map(|d| d.due_ms),
        Some(local("2026-11-17T16:00:00+08:00")),
        "appointment without an end lasts the default two hours"
    );
    let prev = l.head();
    l.push_at("dev", "t1", local("2026-11-17T14:10:00+08:00"), prev.as_ref(), EventKind::Arrived);
    let o = order(l.events, Urgency::Normal, OrderKind::Repair, "plumbing");
    assert!(find(&o, true, DeadlineKind::StartRepair).is_none(), "met on arrival");
}

#[test]
fn a_cancelled_order_has_no_open_deadlines() {
    let mut l = log_at("2026-11-16T09:00:00+08:00");
    let prev = l.head();
    l.push_at("office", "disp", local("2026-11-16T09:30:00+08:00"), prev.as_ref(), cancelled());
    let o = order(l.events, Urgency::Emergency, OrderKind::Complaint, "leak");
    assert!(deadlines(&o, &fold(&o.events, &genuine(&o.events)), false, &settings()).is_empty());
}

#[test]
fn late_contractors_get_a_notice_then_a_third_party() {
    let mut l = log_at("2026-11-16T09:00:00+08:00");
    let prev = l.head();
    let c = ContractorId::new("c-zj");
    l.push_at(
        "office",
        "disp",
        local("2026-11-16T10:00:00+08:00"),
        prev.as_ref(),
        EventKind::Assigned { assignee: Assignee::Contractor(c.clone()), note: String::new() },
    );
    let o = order(l.events.clone(), Urgency::Normal, OrderKind::Repair, "leak");
    let s = settings();
    assert_eq!(
        find(&o, false, DeadlineKind::ContractorOnSite).map(|d| d.due_ms),
        Some(local("2026-11-17T10:00:00+08:00"))
    );
    let f = fold(&o.events, &genuine(&o.events));
    assert_eq!(escalation(&o, &f, &s, local("2026-11-17T09:59:00+08:00")), None, "not late yet");
    assert_eq!(
        escalation(&o, &f, &s, local("2026-11-17T11:00:00+08:00")),
        Some(Escalation::QualityRepairNotice { contractor: c.clone(), overdue_by_ms: HOUR })
    );
    let prev = l.head();
    l.push_at(
        "office",
        "disp",
        local("2026-11-17T11:00:00+08:00"),
        prev.as_ref(),
        EventKind::RepairNoticeIssued { note: String::new() },
    );
    let o = order(l.events.clone(), Urgency::Normal, OrderKind::Repair, "leak");
    let f = fold(&o.events, &genuine(&o.events));
    assert_eq!(escalation(&o, &f, &s, local("2026-11-18T10:00:00+08:00")), None, "within the notice's grace");
    assert_eq!(
        escalation(&o, &f, &s, local("2026-11-18T11:01:00+08:00")),
        Some(Escalation::ThirdPartyWithDeduction { contractor: c, notice_ms: local("2026-11-17T11:00:00+08:00") })
    );
    // A third party is commissioned with the deduction recorded: the ladder's last step is taken.
    let mut third = l.events.clone();
    let head = fold(&third, &genuine(&third)).head;
    third.push(ev(
        "office",
        "disp",
        local("2026-11-18T11:30:00+08:00"),
        head.as_ref(),
        EventKind::ThirdPartyCommissioned {
            third_party: "杭州安居维修".into(),
            deduction: signoff_core::money::Money(60_000),
            reason: "超时未到场".into(),
        },
    ));
    let o3 = order(third, Urgency::Normal, OrderKind::Repair, "leak");
    assert_eq!(escalation(&o3, &fold(&o3.events, &genuine(&o3.events)), &s, local("2026-11-19T00:00:00+08:00")), None);
    let prev = l.head();
    l.push_at("dev-c", "c-worker", local("2026-11-18T12:00:00+08:00"), prev.as_ref(), EventKind::Arrived);
    let o = order(l.events, Urgency::Normal, OrderKind::Repair, "leak");
    assert_eq!(
        escalation(&o, &fold(&o.events, &genuine(&o.events)), &s, local("2026-11-19T00:00:00+08:00")),
        None,
        "arrived at last"
    );
}
