//! Complaints 投诉: the transitions, deadlines (working days, with escalation), permissions and the
//! 投诉处理单 read from the events.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::{DAY, HOUR, Log, callback, local, staff};
use signoff_core::edit::{Edit, validate};
use signoff_core::ids::{OrderId, PersonId};
use signoff_core::model::{ComplaintClass, EventKind, OrderKind, OrgSettings, Urgency, WorkOrder};
use signoff_core::money::Money;
use signoff_core::rules::actions::{Action, actions};
use signoff_core::rules::complaint::{ComplaintStage, sheet};
use signoff_core::rules::permission::check;
use signoff_core::rules::sla::{DeadlineKind, Escalation, deadlines, escalation};
use signoff_core::rules::status::{Status, StatusFold, fold};

fn complaint(log: &Log) -> (WorkOrder, StatusFold) {
    let o = common::order(log.events.clone(), Urgency::Normal, OrderKind::Complaint, "fittings");
    let f = fold(&o.events, &common::genuine(&o.events));
    (o, f)
}

fn classified(class: ComplaintClass) -> EventKind {
    EventKind::ComplaintClassified { class, department: "工程部".into(), note: String::new() }
}

fn allowed(log: &Log, who: &str) -> Vec<Action> {
    let (o, f) = complaint(log);
    actions(&staff(), &PersonId::new(who), &o, &f).into_iter().filter(|a| a.allowed).map(|a| a.action).collect()
}

/// Edit `e` by `who` is refused (by the permission table or the order's state), with a message.
fn refused(log: &Log, who: &str, e: &Edit) -> String {
    let (o, f) = complaint(log);
    let r = check(&staff(), &PersonId::new(who), &f, e).and_then(|()| validate(&o, &f, e));
    r.expect_err("refused").msg().text().zh
}

#[test]
fn a_valid_complaint_goes_from_intake_to_closure_after_a_satisfied_callback() {
    let mut log = Log::new();
    let (o, f) = complaint(&log);
    assert_eq!(sheet(&o, &f).unwrap().stage, ComplaintStage::Classify);
    assert!(allowed(&log, "disp").contains(&Action::Classify));
    assert!(!allowed(&log, "disp").contains(&Action::SignOff), "a complaint is not signed off on a phone");

    log.push("office", "disp", classified(ComplaintClass::Valid));
    assert_eq!(sheet(&complaint(&log).0, &complaint(&log).1).unwrap().stage, ComplaintStage::Transfer);
    log.push("office", "disp", EventKind::ComplaintTransferred { department: "工程部".into(), note: String::new() });
    let (o, f) = complaint(&log);
    assert_eq!(sheet(&o, &f).unwrap().stage, ComplaintStage::Reply);
    log.push("office", "disp", EventKind::Replied { plan: "周三上门重新打胶".into() });
    log.push("office", "disp", EventKind::ComplaintHandling { text: "已约业主周三".into() });
    log.push("office", "disp", EventKind::OrderLinked { order: OrderId::new("r-77") });
    let (o, f) = complaint(&log);
    let s = sheet(&o, &f).unwrap();
    assert_eq!(s.stage, ComplaintStage::Handling);
    assert_eq!((s.handling.len(), s.linked.len()), (1, 1));
    assert_eq!(s.department.as_deref(), Some("工程部"));
    assert_eq!(f.status(), Status::Reported, "handling changes no status");

    // Handling finished: the complaint waits for its callback like a completed repair.
    log.push("office", "disp", EventKind::ComplaintDone { summary: "已重新打胶，业主确认不再渗水".into() });
    log.push("office", "disp", EventKind::OwnerEvaluated { satisfied: true, text: "处理及时".into() });
    let (o, f) = complaint(&log);
    assert_eq!(f.status(), Status::Completed);
    let s = sheet(&o, &f).unwrap();
    assert_eq!(s.stage, ComplaintStage::Callback);
    assert!(s.evaluation.as_ref().is_some_and(|e| e.satisfied));
    // Unsatisfied callback: handled again.
    log.push("office", "disp", callback(true, Some(false)));
    let (_, f) = complaint(&log);
    assert_eq!(f.status(), Status::Reopened);
    assert!(allowed(&log, "disp").contains(&Action::FinishHandling));
    log.push("office", "disp", EventKind::ComplaintDone { summary: "更换密封条".into() });
    log.push("office", "disp", callback(true, Some(true)));
    let (o, f) = complaint(&log);
    assert_eq!(f.status(), Status::Closed);
    let s = sheet(&o, &f).unwrap();
    assert_eq!(s.stage, ComplaintStage::Closed);
    assert!(s.closed_ms.is_some() && s.callback.is_some());
}

#[test]
fn a_communicative_complaint_closes_without_field_work_or_transfer() {
    let mut log = Log::new();
    log.push("office", "disp", classified(ComplaintClass::Enquiry));
    let (o, f) = complaint(&log);
    let s = sheet(&o, &f).unwrap();
    assert_eq!(s.stage, ComplaintStage::Reply, "nothing to transfer");
    let kinds: Vec<_> = deadlines(&o, &f, false, &OrgSettings::default()).iter().map(|d| d.kind).collect();
    assert!(!kinds.contains(&DeadlineKind::ComplaintTransfer), "{kinds:?}");
    log.push("office", "disp", EventKind::Replied { plan: "已电话解释物业费构成".into() });
    log.push("office", "disp", EventKind::ComplaintDone { summary: "业主表示理解".into() });
    log.push("office", "disp", callback(true, Some(true)));
    let (o, f) = complaint(&log);
    assert_eq!(f.status(), Status::Closed);
    assert!(!o.events.iter().any(|e| matches!(e.kind, EventKind::Assigned { .. } | EventKind::Arrived)));
}

#[test]
fn an_invalid_complaint_is_returned_by_the_department_head_and_closed_by_the_desk() {
    let mut log = Log::new();
    log.push("office", "disp", classified(ComplaintClass::Valid));
    // The desk cannot call it invalid itself, and a dispatcher cannot return it.
    let e = Edit::Classify { class: ComplaintClass::Invalid, department: "工程部".into(), note: String::new() };
    assert!(refused(&log, "disp", &e).contains("部门负责人"));
    let ret = Edit::ReturnInvalid { opinion: "属业主自行装修造成，不属投诉范围".into() };
    assert!(refused(&log, "disp", &ret).contains("主管"));
    assert!(refused(&log, "boss", &Edit::ReturnInvalid { opinion: " ".into() }).contains("不能为空"));
    log.push("office", "boss", EventKind::ComplaintReturned { opinion: "属业主自行装修造成".into() });
    let (o, f) = complaint(&log);
    let s = sheet(&o, &f).unwrap();
    assert_eq!(s.class, Some(ComplaintClass::Invalid));
    assert_eq!(s.returned.as_ref().map(|r| r.by.as_str()), Some("boss"), "the head's name is on the opinion");
    assert!(f.derived.returned_invalid);
    // The desk may now close it without a satisfied callback.
    let close = Edit::Close { reason: "已向业主说明".into() };
    check(&staff(), &PersonId::new("disp"), &f, &close).unwrap();
    validate(&o, &f, &close).unwrap();
}

#[test]
fn claims_need_an_amount_evidence_and_a_supervisor() {
    let mut log = Log::new();
    log.push("office", "disp", classified(ComplaintClass::Valid));
    let zero = Edit::FileClaim { amount: Money(0), evidence: "照片".into() };
    assert!(refused(&log, "disp", &zero).contains("索赔金额"));
    let bare = Edit::FileClaim { amount: Money(50_000), evidence: String::new() };
    assert!(refused(&log, "disp", &bare).contains("证据"));
    assert!(
        refused(&log, "disp", &Edit::DecideClaim { approved: true, amount: None, note: String::new() })
            .contains("主管")
    );
    assert!(
        refused(&log, "boss", &Edit::DecideClaim { approved: true, amount: None, note: String::new() })
            .contains("没有待审批")
    );
    log.push("office", "disp", EventKind::ClaimFiled { amount: Money(50_000), evidence: "地板泡水照片 3 张".into() });
    assert!(!allowed(&log, "disp").contains(&Action::FileClaim), "one claim at a time");
    assert!(!allowed(&log, "disp").contains(&Action::DecideClaim));
    assert!(allowed(&log, "boss").contains(&Action::DecideClaim));
    let over = Edit::DecideClaim { approved: true, amount: Some(Money(60_000)), note: String::new() };
    assert!(refused(&log, "boss", &over).contains("不能超过"));
    log.push(
        "office",
        "boss",
        EventKind::ClaimDecided { approved: true, amount: Some(Money(30_000)), note: "按实际损失".into() },
    );
    let (o, f) = complaint(&log);
    let s = sheet(&o, &f).unwrap();
    let d = s.claims[0].decision.as_ref().unwrap();
    assert!(d.approved && d.amount == Some(Money(30_000)) && d.entry.by.as_str() == "boss");
}

#[test]
fn complaint_steps_belong_to_complaints_and_the_office() {
    let log = Log::new();
    let repair = common::order(log.events.clone(), Urgency::Normal, OrderKind::Repair, "leak");
    let f = fold(&repair.events, &common::genuine(&repair.events));
    let e = Edit::Handling { text: "x".into() };
    assert!(validate(&repair, &f, &e).unwrap_err().msg().text().zh.contains("不是投诉"));
    let mine = actions(&staff(), &PersonId::new("disp"), &repair, &f);
    assert!(!mine.iter().any(|a| a.action == Action::Classify));
    // A technician may not handle complaints.
    assert!(refused(&log, "wang", &Edit::Handling { text: "x".into() }).contains("客服"));
    assert!(!allowed(&log, "wang").contains(&Action::Classify));
}

#[test]
fn transfer_and_answer_deadlines_count_working_days_and_escalate() {
    let settings = OrgSettings::default();
    // Reported on Friday afternoon: transfer by the end of Monday, answer by the end of Tuesday.
    let mut log = Log { events: Vec::new(), t: local("2026-11-20T16:00:00+08:00") };
    log.push("office", "disp", EventKind::Reported);
    let (o, f) = complaint(&log);
    let dl = deadlines(&o, &f, false, &settings);
    let due = |k| dl.iter().find(|d| d.kind == k).map(|d| d.due_ms);
    assert_eq!(due(DeadlineKind::ComplaintTransfer), Some(local("2026-11-24T00:00:00+08:00")));
    assert_eq!(due(DeadlineKind::ComplaintAnswer), Some(local("2026-11-25T00:00:00+08:00")));
    // Monday noon: nothing late yet. Tuesday 02:00: the transfer is late, escalated to a supervisor.
    assert_eq!(escalation(&o, &f, &settings, local("2026-11-23T12:00:00+08:00")), None);
    let late = escalation(&o, &f, &settings, local("2026-11-24T02:00:00+08:00")).unwrap();
    assert_eq!(
        late,
        Escalation::ComplaintOverdue { deadline: DeadlineKind::ComplaintTransfer, overdue_by_ms: 2 * HOUR }
    );
    let words = late.explain(&staff()).zh;
    assert!(words.contains("投诉转交已超时 2 小时"), "{words}");
    // Transferred late, then answered in time: the transfer shows as met late, nothing escalates.
    log.t = local("2026-11-24T09:00:00+08:00");
    log.push("office", "disp", EventKind::ComplaintTransferred { department: "工程部".into(), note: String::new() });
    log.push("office", "disp", EventKind::Replied { plan: "更换".into() });
    let (o, f) = complaint(&log);
    let dl = deadlines(&o, &f, false, &settings);
    assert!(dl.iter().all(|d| !d.is_open() || d.kind == DeadlineKind::Contact), "{dl:?}");
    assert_eq!(escalation(&o, &f, &settings, local("2026-11-24T10:00:00+08:00") + DAY), None);
}

#[test]
fn handled_and_returned_on_two_desks_at_once_is_a_conflict() {
    let mut log = Log::new();
    let head = log.head();
    let t = log.t + HOUR;
    log.push_at("desk-a", "disp", t, head.as_ref(), EventKind::ComplaintDone { summary: "已处理".into() });
    log.push_at("desk-b", "boss", t + 1, head.as_ref(), EventKind::ComplaintReturned { opinion: "无效".into() });
    let (_, f) = complaint(&log);
    assert!(f.attention.iter().any(|a| matches!(a, signoff_core::rules::status::Attention::Conflict { .. })));
}
