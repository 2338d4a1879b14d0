//! What each person may do on an order now: the transition and permission tables asked together.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::{Log, assigned, callback, person, staff};
use signoff_core::ids::PersonId;
use signoff_core::model::{EventKind, OrderKind, ReferenceData, Role, Urgency};
use signoff_core::rules::actions::{Action, actions};
use signoff_core::rules::status::{Status, fold};

/// (allowed, withheld) action codes for `who` on the order `log` describes.
fn of(log: &Log, who: &str, kind: OrderKind) -> (Vec<Action>, Vec<Action>) {
    let f = fold(&log.events, &common::genuine(&log.events));
    let order = common::order(log.events.clone(), Urgency::Normal, kind, "leak");
    let all = actions(&staff(), &PersonId::new(who), &order, &f);
    for a in &all {
        assert_eq!(a.allowed, a.reason.is_none(), "{a:?}: a withheld action says why, an allowed one does not");
    }
    (
        all.iter().filter(|a| a.allowed).map(|a| a.action).collect(),
        all.iter().filter(|a| !a.allowed).map(|a| a.action).collect(),
    )
}

#[test]
fn each_role_sees_what_it_may_do_in_each_status() {
    use Action as A;
    let mut log = Log::new();
    // Reported: the office dispatches, calls, schedules, decides the cause or cancels; nobody works yet.
    let (office, _) = of(&log, "disp", OrderKind::Repair);
    for a in [A::Assign, A::Contact, A::Schedule, A::DecideCause, A::Cancel, A::EditFields, A::Note] {
        assert!(office.contains(&a), "{a:?} in {office:?}");
    }
    for a in [A::Arrive, A::Complete, A::SignOff, A::Callback, A::Close, A::Reply] {
        assert!(!office.contains(&a), "{a:?} not before dispatch");
    }
    // A technician may take an unassigned job only for themselves (an on-site emergency order).
    let (tech, withheld) = of(&log, "wang", OrderKind::Repair);
    assert!(tech.contains(&A::Assign) && tech.contains(&A::Note), "{tech:?}");
    assert!(withheld.contains(&A::Cancel) && withheld.contains(&A::DecideCause), "{withheld:?}");

    // Assigned to wang: wang arrives; li may not, and is told whose job it is.
    log.push("office", "disp", assigned("wang"));
    let (tech, _) = of(&log, "wang", OrderKind::Repair);
    assert!(tech.contains(&A::Arrive), "{tech:?}");
    let f = fold(&log.events, &common::genuine(&log.events));
    let order = common::order(log.events.clone(), Urgency::Normal, OrderKind::Repair, "leak");
    let li = actions(&staff(), &PersonId::new("li"), &order, &f);
    let arrive = li.iter().find(|a| a.action == A::Arrive).unwrap();
    assert!(!arrive.allowed);
    assert!(arrive.reason.as_ref().unwrap().zh.contains("wang师傅"), "{:?}", arrive.reason);
    // The office does not arrive for a technician.
    let (office, withheld) = of(&log, "disp", OrderKind::Repair);
    assert!(!office.contains(&A::Arrive) && withheld.contains(&A::Arrive));

    log.push("phone", "wang", EventKind::Arrived);
    let (tech, _) = of(&log, "wang", OrderKind::Repair);
    for a in [A::Complete, A::Pause, A::RecordWork] {
        assert!(tech.contains(&a), "{a:?} on site: {tech:?}");
    }
    assert!(!tech.contains(&A::Arrive) && !tech.contains(&A::SignOff));

    log.push("phone", "wang", EventKind::Completed);
    let (tech, _) = of(&log, "wang", OrderKind::Repair);
    assert!(tech.contains(&A::SignOff), "{tech:?}");
    assert!(!tech.contains(&A::Callback), "callbacks are the office's");
    let (office, _) = of(&log, "disp", OrderKind::Repair);
    assert!(office.contains(&A::Callback) && office.contains(&A::Reopen), "{office:?}");
    // Closing without a satisfied callback is a supervisor's override.
    let (_, withheld) = of(&log, "disp", OrderKind::Repair);
    assert!(withheld.contains(&A::Close), "a dispatcher is told only a supervisor may close: {withheld:?}");
    let (boss, _) = of(&log, "boss", OrderKind::Repair);
    assert!(boss.contains(&A::Close));

    // Unsatisfied callback: reopened to wang, who works it again.
    log.push("office", "disp", callback(true, Some(false)));
    let f = fold(&log.events, &common::genuine(&log.events));
    assert_eq!(f.status(), Status::Reopened);
    let (tech, _) = of(&log, "wang", OrderKind::Repair);
    assert!(tech.contains(&A::Arrive), "{tech:?}");

    // Satisfied callback closes; only a note or a reopening remains.
    log.push("phone", "wang", EventKind::Arrived);
    log.push("phone", "wang", EventKind::Completed);
    log.push("office", "disp", callback(true, Some(true)));
    let f = fold(&log.events, &common::genuine(&log.events));
    assert_eq!(f.status(), Status::Closed);
    let (office, withheld) = of(&log, "disp", OrderKind::Repair);
    assert_eq!(office, vec![A::Reopen, A::Note]);
    assert!(withheld.is_empty());
}

#[test]
fn complaints_are_answered_and_repairs_are_not() {
    let log = Log::new();
    let (office, _) = of(&log, "disp", OrderKind::Complaint);
    assert!(office.contains(&Action::Reply));
    let (office, _) = of(&log, "disp", OrderKind::Repair);
    assert!(!office.contains(&Action::Reply));
    let (_, withheld) = of(&log, "wang", OrderKind::Complaint);
    assert!(withheld.contains(&Action::Reply), "a technician does not answer complaints");
}

#[test]
fn owners_phones_are_for_the_office_and_the_technician_on_their_open_job() {
    use signoff_core::rules::permission::may_see_phone;
    let mut log = Log::new();
    let sees = |log: &Log, who: &str| {
        let f = fold(&log.events, &common::genuine(&log.events));
        may_see_phone(&staff(), &PersonId::new(who), &f)
    };
    assert!(sees(&log, "disp") && sees(&log, "boss"));
    assert!(!sees(&log, "wang"), "not dispatched to wang");
    log.push("office", "disp", assigned("wang"));
    assert!(sees(&log, "wang") && !sees(&log, "li"), "wang's open job, not li's");
    log.push("phone", "wang", EventKind::Arrived);
    log.push("phone", "wang", EventKind::Completed);
    log.push("office", "disp", callback(true, Some(true)));
    assert!(!sees(&log, "wang"), "a closed job shows the phone masked");
    assert!(sees(&log, "disp"));
    assert!(!sees(&log, "nobody"), "someone not on the staff list");
}

#[test]
fn the_office_holds_a_job_before_the_visit_and_the_technician_resumes_it() {
    let mut log = Log::new();
    log.push("office", "disp", assigned("wang"));
    let (office, _) = of(&log, "disp", OrderKind::Repair);
    assert!(office.contains(&Action::Pause), "a hold for weather or parts: {office:?}");
    log.push(
        "office",
        "disp",
        EventKind::Paused { reason: "台风预警，外墙作业暂停".into(), next_visit_ms: None, owner_told: true },
    );
    let f = fold(&log.events, &common::genuine(&log.events));
    assert_eq!(f.status(), Status::Paused);
    assert_eq!(f.derived.pause_reason.as_deref(), Some("台风预警，外墙作业暂停"));
    let held = log.events.last().unwrap();
    assert_eq!(held.kind.label_zh(), "暂停（已告知业主）");
    let (tech, _) = of(&log, "wang", OrderKind::Repair);
    assert!(tech.contains(&Action::Arrive), "{tech:?}");
    log.push("phone", "wang", EventKind::Arrived);
    assert_eq!(fold(&log.events, &common::genuine(&log.events)).status(), Status::OnSite);
}

#[test]
fn a_contractor_crew_works_its_companys_jobs_and_sees_the_phone_once_on_site() {
    use signoff_core::ids::ContractorId;
    use signoff_core::model::Assignee;
    use signoff_core::rules::permission::may_see_phone;
    let mut r = staff();
    let mut crew = person("zj1", Role::Technician);
    crew.contractor = Some(ContractorId::new("C-ZJ"));
    r.people.push(crew);
    let r = ReferenceData::new(r.projects, r.buildings, r.units, r.people, r.contractors, r.categories);
    let to =
        |c: &str| EventKind::Assigned { assignee: Assignee::Contractor(ContractorId::new(c)), note: String::new() };
    let crew_may = |log: &Log, a: Action| {
        let f = fold(&log.events, &common::genuine(&log.events));
        let order = common::order(log.events.clone(), Urgency::Normal, OrderKind::Repair, "leak");
        actions(&r, &PersonId::new("zj1"), &order, &f).iter().any(|v| v.action == a && v.allowed)
    };
    let sees = |log: &Log| may_see_phone(&r, &PersonId::new("zj1"), &fold(&log.events, &common::genuine(&log.events)));

    let mut other = Log::new();
    other.push("office", "disp", to("C-HY"));
    assert!(!crew_may(&other, Action::Arrive) && !sees(&other), "another company's job");

    let mut log = Log::new();
    log.push("office", "disp", to("C-ZJ"));
    assert!(crew_may(&log, Action::Arrive), "their company's job");
    assert!(!sees(&log), "the owner's phone stays masked until the crew is on site");
    log.push("crew", "zj1", EventKind::Arrived);
    assert!(sees(&log) && crew_may(&log, Action::Complete) && crew_may(&log, Action::RecordWork));
    // The crew is not on the dispatch rota of the organisation's own technicians.
    let s = signoff_core::rules::dispatch::suggest(&r.people, "", &std::collections::HashMap::new());
    assert!(!s.candidates.iter().any(|c| c.person.as_str() == "zj1"), "{:?}", s.candidates);
    assert!(s.candidates.iter().any(|c| c.person.as_str() == "wang"));
}
