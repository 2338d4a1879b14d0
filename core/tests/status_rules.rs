//! The status fold: the transition table, and what happens with concurrent events.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::*;
use signoff_core::model::{EventKind, KeepSide};
use signoff_core::rules::status::{Attention, EventState, Status, fold};

fn reach(status: Status) -> Log {
    let mut l = Log::new();
    let path: Vec<EventKind> = match status {
        Status::Reported => vec![],
        Status::Assigned => vec![assigned("t1")],
        Status::OnSite => vec![assigned("t1"), EventKind::Arrived],
        Status::Paused => vec![assigned("t1"), EventKind::Arrived, paused("缺料")],
        Status::Completed => vec![assigned("t1"), EventKind::Arrived, EventKind::Completed],
        Status::SignoffRefused => vec![
            assigned("t1"),
            EventKind::Arrived,
            EventKind::Completed,
            EventKind::SignoffRefused { reason: "还在漏".into() },
        ],
        Status::SignedOff => vec![
            assigned("t1"),
            EventKind::Arrived,
            EventKind::Completed,
            EventKind::SignedOff { statement: "s1".into(), role: "owner".into(), quantity: false },
        ],
        Status::Reopened => {
            vec![
                assigned("t1"),
                EventKind::Arrived,
                EventKind::Completed,
                EventKind::Reopened { reason: "复发".into() },
            ]
        }
        Status::Closed => vec![assigned("t1"), EventKind::Arrived, EventKind::Completed, callback(true, Some(true))],
        Status::Cancelled => vec![cancelled()],
    };
    for k in path {
        l.push("dev-t1", "t1", k);
    }
    assert_eq!(fold(&l.events, &genuine(&l.events)).status(), status, "path to {status:?}");
    assert!(fold(&l.events, &genuine(&l.events)).attention.is_empty() || status == Status::SignoffRefused);
    l
}

#[test]
fn every_transition_valid_and_invalid() {
    use Status::*;
    let kinds: [(&str, EventKind); 14] = [
        ("assigned", assigned("t1")),
        ("scheduled", scheduled(MON_0900 + DAY)),
        ("arrived", EventKind::Arrived),
        ("paused", paused("业主不在")),
        ("completed", EventKind::Completed),
        ("signed_off", EventKind::SignedOff { statement: "s2".into(), role: "owner".into(), quantity: false }),
        ("signoff_refused", EventKind::SignoffRefused { reason: "不满意".into() }),
        ("callback satisfied", callback(true, Some(true))),
        ("callback unsatisfied", callback(true, Some(false))),
        ("callback unreached", callback(false, None)),
        ("reopened", EventKind::Reopened { reason: "复发".into() }),
        ("closed", EventKind::Closed { reason: "三次未接通".into() }),
        ("cancelled", cancelled()),
        ("reported", EventKind::Reported),
    ];
    // Rows: from-status; columns in the order of `kinds`; None = not allowed.
    let x: Option<Status> = None;
    let table: [(Status, [Option<Status>; 14]); 10] = [
        (Reported, [Some(Assigned), Some(Reported), x, x, x, x, x, x, x, x, x, x, Some(Cancelled), x]),
        // Paused from Assigned/Reopened: the office's hold before the visit (weather, parts).
        (
            Assigned,
            [Some(Assigned), Some(Assigned), Some(OnSite), Some(Paused), x, x, x, x, x, x, x, x, Some(Cancelled), x],
        ),
        (OnSite, [x, Some(OnSite), x, Some(Paused), Some(Completed), x, x, x, x, x, x, x, Some(Cancelled), x]),
        (Paused, [Some(Assigned), Some(Paused), Some(OnSite), x, x, x, x, x, x, x, x, x, Some(Cancelled), x]),
        (
            Completed,
            [
                x,
                x,
                x,
                x,
                x,
                Some(SignedOff),
                Some(SignoffRefused),
                Some(Closed),
                Some(Reopened),
                Some(Completed),
                Some(Reopened),
                Some(Closed),
                x,
                x,
            ],
        ),
        (
            SignoffRefused,
            [
                x,
                x,
                x,
                x,
                x,
                Some(SignedOff),
                x,
                Some(Closed),
                Some(Reopened),
                Some(SignoffRefused),
                Some(Reopened),
                Some(Closed),
                x,
                x,
            ],
        ),
        (
            SignedOff,
            [
                x,
                x,
                x,
                x,
                x,
                Some(SignedOff),
                x,
                Some(Closed),
                Some(Reopened),
                Some(SignedOff),
                Some(Reopened),
                Some(Closed),
                x,
                x,
            ],
        ),
        (
            Reopened,
            [Some(Assigned), Some(Reopened), Some(OnSite), Some(Paused), x, x, x, x, x, x, x, x, Some(Cancelled), x],
        ),
        (Closed, [x, x, x, x, x, x, x, x, x, x, Some(Reopened), x, x, x]),
        (Cancelled, [x; 14]),
    ];
    let mut checked = 0;
    for (from, row) in table {
        for ((name, kind), want) in kinds.iter().zip(row) {
            let mut l = reach(from);
            let id = l.push("dev-t1", "t1", kind.clone());
            let f = fold(&l.events, &genuine(&l.events));
            match want {
                Some(to) => {
                    assert_eq!(f.status(), to, "{from:?} + {name}");
                    assert_eq!(f.states.get(&id), Some(&EventState::Applied), "{from:?} + {name}");
                }
                None => {
                    assert_eq!(f.status(), from, "{from:?} + {name} must not change the status");
                    assert_eq!(f.states.get(&id), Some(&EventState::Ignored), "{from:?} + {name}");
                    assert!(
                        f.attention.iter().any(|a| matches!(a, Attention::Ignored { event, .. } if *event == id)),
                        "{from:?} + {name} must be shown as needing attention"
                    );
                }
            }
            checked += 1;
        }
    }
    assert_eq!(checked, 140);
}

#[test]
fn the_first_event_must_be_reported() {
    let e = ev("d", "p", MON_0900, None, EventKind::Arrived);
    let f = fold(&[e], &Default::default());
    assert_eq!(f.derived.status, None);
    assert_eq!(f.attention.len(), 1);
}

/// Office cancels at 10:30 while the technician, offline, arrived at 10:00 and completed at 11:00.
#[test]
fn cancelled_while_completed_offline_is_a_conflict_showing_both_sides() {
    let mut l = reach(Status::Assigned);
    let fork = l.head();
    let t = l.t;
    let arrived = l.push_at("dev-t1", "t1", t + 60 * MIN, fork.as_ref(), EventKind::Arrived);
    let completed = l.push_at("dev-t1", "t1", t + 120 * MIN, Some(&arrived), EventKind::Completed);
    let cancel = l.push_at("office", "disp", t + 90 * MIN, fork.as_ref(), cancelled());

    let f = fold(&l.events, &genuine(&l.events));
    assert_eq!(f.status(), Status::Completed, "the earlier branch by HLC is applied");
    assert_eq!(f.attention.len(), 1);
    let Attention::Conflict { id, fork: at, current, held } = &f.attention[0] else {
        panic!("expected a conflict, got {:?}", f.attention);
    };
    assert_eq!(id, &cancel);
    assert_eq!(at, &fork);
    assert_eq!(current, &vec![arrived.clone(), completed.clone()]);
    assert_eq!(held, &vec![cancel.clone()]);

    // Resolving for the held side replays it from the fork: the order is cancelled.
    let mut keep_held = l.events.clone();
    keep_held.push(ev("office", "sup", t + 200 * MIN, f.head.as_ref(), resolved(&cancel, KeepSide::Held)));
    let g = fold(&keep_held, &genuine(&keep_held));
    assert_eq!(g.status(), Status::Cancelled);
    assert!(g.attention.is_empty());
    assert!(matches!(g.states.get(&completed), Some(EventState::Superseded { .. })));

    // Resolving for the current side keeps the completion.
    let mut keep_current = l.events.clone();
    keep_current.push(ev("office", "sup", t + 200 * MIN, f.head.as_ref(), resolved(&cancel, KeepSide::Current)));
    let g = fold(&keep_current, &genuine(&keep_current));
    assert_eq!(g.status(), Status::Completed);
    assert!(g.attention.is_empty());
    assert!(matches!(g.states.get(&cancel), Some(EventState::Superseded { .. })));
}

/// The same story when the office's cancel came first by the clock: the technician's branch is held
/// and grows as more of its events arrive.
#[test]
fn a_held_branch_collects_the_events_that_continue_it() {
    let mut l = reach(Status::Assigned);
    let fork = l.head();
    let t = l.t;
    let cancel = l.push_at("office", "disp", t + 10 * MIN, fork.as_ref(), cancelled());
    let arrived = l.push_at("dev-t1", "t1", t + 60 * MIN, fork.as_ref(), EventKind::Arrived);
    let completed = l.push_at("dev-t1", "t1", t + 120 * MIN, Some(&arrived), EventKind::Completed);

    let f = fold(&l.events, &genuine(&l.events));
    assert_eq!(f.status(), Status::Cancelled);
    assert_eq!(
        f.attention,
        vec![Attention::Conflict {
            id: arrived.clone(),
            fork: fork.clone(),
            current: vec![cancel],
            held: vec![arrived.clone(), completed]
        }]
    );
    let mut resolved_log = l.events.clone();
    resolved_log.push(ev("office", "sup", t + 300 * MIN, f.head.as_ref(), resolved(&arrived, KeepSide::Held)));
    assert_eq!(fold(&resolved_log, &genuine(&resolved_log)).status(), Status::Completed);
}

#[test]
fn compatible_concurrent_events_both_apply() {
    // The office moves the appointment while the technician arrives: no conflict.
    let mut l = reach(Status::Assigned);
    let fork = l.head();
    let t = l.t;
    l.push_at("dev-t1", "t1", t + 30 * MIN, fork.as_ref(), EventKind::Arrived);
    let sched = l.push_at("office", "disp", t + 40 * MIN, fork.as_ref(), scheduled(t + DAY));
    let f = fold(&l.events, &genuine(&l.events));
    assert_eq!(f.status(), Status::OnSite);
    assert!(f.attention.is_empty(), "{:?}", f.attention);
    assert_eq!(f.states.get(&sched), Some(&EventState::Applied));
}

#[test]
fn the_same_fact_recorded_twice_counts_once() {
    let mut l = reach(Status::Assigned);
    let fork = l.head();
    let t = l.t;
    l.push_at("dev-t1", "t1", t + 30 * MIN, fork.as_ref(), EventKind::Arrived);
    let dup = l.push_at("office", "disp", t + 31 * MIN, fork.as_ref(), EventKind::Arrived);
    let f = fold(&l.events, &genuine(&l.events));
    assert_eq!(f.status(), Status::OnSite);
    assert!(f.attention.is_empty());
    assert_eq!(f.states.get(&dup), Some(&EventState::Duplicate));
}

#[test]
fn concurrent_assignments_to_different_people_conflict() {
    let mut l = reach(Status::Reported);
    let fork = l.head();
    let t = l.t;
    l.push_at("office-a", "disp1", t + MIN, fork.as_ref(), assigned("t1"));
    let b = l.push_at("office-b", "disp2", t + 2 * MIN, fork.as_ref(), assigned("t2"));
    let f = fold(&l.events, &genuine(&l.events));
    assert!(matches!(&f.attention[..], [Attention::Conflict { id, .. }] if *id == b));
}

#[test]
fn reassigned_while_the_old_technician_arrived_offline_conflicts() {
    let mut l = reach(Status::Assigned);
    let fork = l.head();
    let t = l.t;
    l.push_at("office", "disp", t + MIN, fork.as_ref(), assigned("t2"));
    let arrived = l.push_at("dev-t1", "t1", t + 5 * MIN, fork.as_ref(), EventKind::Arrived);
    let f = fold(&l.events, &genuine(&l.events));
    assert!(matches!(&f.attention[..], [Attention::Conflict { id, .. }] if *id == arrived), "{:?}", f.attention);
}

#[test]
fn an_ignored_event_is_acknowledged_by_a_resolution() {
    let mut l = reach(Status::Reported);
    let bad = l.push("dev-t1", "t1", EventKind::Completed);
    assert_eq!(fold(&l.events, &genuine(&l.events)).attention.len(), 1);
    l.push("office", "sup", resolved(&bad, KeepSide::Current));
    assert!(fold(&l.events, &genuine(&l.events)).attention.is_empty());
}

#[test]
fn refused_signoff_is_flagged_until_signed() {
    let mut l = reach(Status::SignoffRefused);
    let f = fold(&l.events, &genuine(&l.events));
    assert!(matches!(&f.attention[..], [Attention::SignoffRefused { reason, .. }] if reason == "还在漏"));
    l.push("dev-t1", "t1", EventKind::SignedOff { statement: "s9".into(), role: "owner".into(), quantity: false });
    assert!(fold(&l.events, &genuine(&l.events)).attention.is_empty());
}

#[test]
fn the_fold_does_not_depend_on_the_order_events_arrive_in() {
    let mut l = reach(Status::Assigned);
    let fork = l.head();
    let t = l.t;
    let a = l.push_at("dev-t1", "t1", t + 60 * MIN, fork.as_ref(), EventKind::Arrived);
    l.push_at("dev-t1", "t1", t + 120 * MIN, Some(&a), EventKind::Completed);
    l.push_at("office", "disp", t + 90 * MIN, fork.as_ref(), cancelled());
    let want = fold(&l.events, &genuine(&l.events));
    let mut rev = l.events.clone();
    rev.reverse();
    assert_eq!(fold(&rev, &genuine(&rev)), want);
    rev.rotate_left(2);
    assert_eq!(fold(&rev, &genuine(&rev)), want);
}

#[test]
fn derived_facts_follow_the_applied_events() {
    let mut l = reach(Status::Assigned);
    l.push("office", "disp", scheduled(MON_0900 + DAY));
    let f = fold(&l.events, &genuine(&l.events));
    assert_eq!(f.derived.appointment.map(|a| a.from_ms), Some(MON_0900 + DAY));
    l.push("dev-t1", "t1", EventKind::Arrived);
    l.push(
        "dev-t1",
        "t1",
        EventKind::Paused { reason: "缺料".into(), next_visit_ms: Some(MON_0900 + 2 * DAY), owner_told: false },
    );
    let f = fold(&l.events, &genuine(&l.events));
    assert_eq!(f.status(), Status::Paused);
    assert_eq!(f.derived.pause_reason.as_deref(), Some("缺料"));
    assert_eq!(f.derived.appointment.map(|a| a.from_ms), Some(MON_0900 + 2 * DAY));
    assert!(f.derived.first_arrived_ms.is_some());
}
