//! Complaints 投诉: what the three-part 投诉处理单 shows, read from the complaint's events.
//!
//! A complaint is an order of kind [`OrderKind::Complaint`]: the same document, sync and timeline as a
//! repair, with its own steps. The desk classifies it (valid, or communicative: help request, enquiry,
//! venting) and names the responsible department; a valid complaint is transferred to that department
//! within one working day; every complaint is answered with a plan within two working days (both
//! deadlines in [`crate::rules::sla`], escalating to a supervisor when missed); handling notes follow;
//! handling ends with an outcome (处理完毕) or with the department returning it as invalid with its
//! head's opinion (退回), both of which put the complaint where a repair is after completion: the owner's
//! evaluation and the callback follow, and a satisfied callback closes it (回访封闭). A communicative
//! complaint goes the same way without any field work. A claim for compensation (索赔) carries an amount
//! and evidence and waits for a supervisor's decision. Repair orders the complaint led to are linked.
//!
//! Only events that count are read (not those held in a conflict, set aside or ignored).

use crate::ids::{OrderId, PersonId};
use crate::model::{Callback, ComplaintClass, Event, EventKind, OrderKind, WorkOrder};
use crate::money::Money;
use crate::msg::Text;
use crate::rules::status::{EventState, Status, StatusFold};
use serde::{Deserialize, Serialize};

/// Who wrote something on the sheet, when, and what.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct SheetEntry {
    /// When (ms).
    pub at_ms: i64,
    /// Who.
    pub by: PersonId,
    /// What.
    pub text: String,
}

/// The owner's evaluation of the handling (客户评价).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Evaluation {
    /// When, who recorded it, and the owner's words.
    pub entry: SheetEntry,
    /// Satisfied with the handling.
    pub satisfied: bool,
}

/// A supervisor's decision on a claim.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct ClaimDecision {
    /// When, who, why.
    pub entry: SheetEntry,
    /// Approved.
    pub approved: bool,
    /// The amount approved.
    pub amount: Option<Money>,
}

/// A claim for compensation (索赔).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Claim {
    /// When, who recorded it, the evidence.
    pub filed: SheetEntry,
    /// Amount claimed.
    pub amount: Money,
    /// The supervisor's decision, once made.
    pub decision: Option<ClaimDecision>,
}

/// Where a complaint stands, as the 投诉处理状态表 lists it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum ComplaintStage {
    /// 待分类.
    Classify,
    /// 待转交.
    Transfer,
    /// 待答复.
    Reply,
    /// 处理中.
    Handling,
    /// 待回访.
    Callback,
    /// 已关闭.
    Closed,
    /// 已取消.
    Cancelled,
}

impl ComplaintStage {
    /// Label in both languages.
    pub fn label(self) -> Text {
        let (zh, en) = match self {
            ComplaintStage::Classify => ("待分类", "to classify"),
            ComplaintStage::Transfer => ("待转交", "to transfer"),
            ComplaintStage::Reply => ("待答复", "to answer"),
            ComplaintStage::Handling => ("处理中", "being handled"),
            ComplaintStage::Callback => ("待回访", "callback due"),
            ComplaintStage::Closed => ("已关闭", "closed"),
            ComplaintStage::Cancelled => ("已取消", "cancelled"),
        };
        Text::new(zh, en)
    }
}

/// The 投诉处理单 of one complaint: the complaint-specific parts (channel, complainant, unit and content
/// are the order's own fields).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct ComplaintSheet {
    /// Where it stands.
    pub stage: ComplaintStage,
    /// Its label.
    pub stage_label: Text,
    /// Classification (the department's return makes it invalid).
    pub class: Option<ComplaintClass>,
    /// Its label.
    pub class_label: Option<Text>,
    /// Who classified it, when, with the note.
    pub classified: Option<SheetEntry>,
    /// 责任部门 (the latest named).
    pub department: Option<String>,
    /// 转交: when and by whom it was passed on, with the note.
    pub transferred: Option<SheetEntry>,
    /// 答复: the plan given (the latest).
    pub reply: Option<SheetEntry>,
    /// 处理经过, oldest first.
    pub handling: Vec<SheetEntry>,
    /// 处理结果.
    pub outcome: Option<SheetEntry>,
    /// 退回: the department head's opinion, with the head as `by`.
    pub returned: Option<SheetEntry>,
    /// 客户评价.
    pub evaluation: Option<Evaluation>,
    /// 回访 (the latest), with who made it and when.
    pub callback: Option<(SheetEntry, Callback)>,
    /// 回访封闭 / 关闭.
    pub closed_ms: Option<i64>,
    /// Claims, oldest first.
    pub claims: Vec<Claim>,
    /// Linked repair orders.
    pub linked: Vec<OrderId>,
}

fn counts(fold: &StatusFold, e: &Event) -> bool {
    matches!(fold.states.get(&e.id), None | Some(EventState::Applied | EventState::Record | EventState::Duplicate))
}

fn in_order(order: &WorkOrder) -> Vec<&Event> {
    let mut events: Vec<&Event> = order.events.iter().collect();
    events.sort_by(|a, b| a.order_key().cmp(&b.order_key()));
    events
}

fn entry(e: &Event, text: &str) -> SheetEntry {
    SheetEntry { at_ms: e.at_ms, by: e.by.clone(), text: text.to_owned() }
}

/// The complaint's classification now (the department's return makes it invalid), without reading the
/// rest of the sheet: what the deadlines need.
pub fn class_of(order: &WorkOrder, fold: &StatusFold) -> Option<ComplaintClass> {
    let mut class = None;
    for e in in_order(order).into_iter().filter(|e| counts(fold, e)) {
        match &e.kind {
            EventKind::ComplaintClassified { class: c, .. } => class = Some(*c),
            EventKind::ComplaintReturned { .. } => class = Some(ComplaintClass::Invalid),
            _ => {}
        }
    }
    class
}

/// The amount of the claim waiting for a decision, if one is.
pub fn pending_claim(order: &WorkOrder) -> Option<Money> {
    let mut pending = None;
    for e in in_order(order) {
        match &e.kind {
            EventKind::ClaimFiled { amount, .. } => pending = Some(*amount),
            EventKind::ClaimDecided { .. } => pending = None,
            _ => {}
        }
    }
    pending
}

/// The repair orders linked to a complaint.
pub fn linked_orders(order: &WorkOrder) -> Vec<OrderId> {
    let mut out: Vec<OrderId> = Vec::new();
    for e in in_order(order) {
        if let EventKind::OrderLinked { order: o } = &e.kind
            && !out.contains(o)
        {
            out.push(o.clone());
        }
    }
    out
}

/// The 投诉处理单 of a complaint (`None` for a repair order).
pub fn sheet(order: &WorkOrder, fold: &StatusFold) -> Option<ComplaintSheet> {
    if order.kind != OrderKind::Complaint {
        return None;
    }
    let mut s = ComplaintSheet {
        stage: ComplaintStage::Classify,
        stage_label: ComplaintStage::Classify.label(),
        class: None,
        class_label: None,
        classified: None,
        department: None,
        transferred: None,
        reply: None,
        handling: Vec::new(),
        outcome: None,
        returned: None,
        evaluation: None,
        callback: None,
        closed_ms: fold.derived.closed_ms,
        claims: Vec::new(),
        linked: linked_orders(order),
    };
    for e in in_order(order).into_iter().filter(|e| counts(fold, e)) {
        match &e.kind {
            EventKind::ComplaintClassified { class, department, note } => {
                s.class = Some(*class);
                s.department = Some(department.clone());
                s.classified = Some(entry(e, note));
            }
            EventKind::ComplaintTransferred { department, note } => {
                s.department = Some(department.clone());
                s.transferred = Some(entry(e, note));
            }
            EventKind::Replied { plan } => s.reply = Some(entry(e, plan)),
            EventKind::ComplaintHandling { text } => s.handling.push(entry(e, text)),
            EventKind::ComplaintDone { summary } => {
                s.outcome = Some(entry(e, summary));
                s.returned = None;
            }
            EventKind::ComplaintReturned { opinion } => {
                s.returned = Some(entry(e, opinion));
                s.class = Some(ComplaintClass::Invalid);
            }
            EventKind::OwnerEvaluated { satisfied, text } => {
                s.evaluation = Some(Evaluation { entry: entry(e, text), satisfied: *satisfied })
            }
            EventKind::Callback(c) => s.callback = Some((entry(e, &c.note), c.clone())),
            EventKind::ClaimFiled { amount, evidence } => {
                s.claims.push(Claim { filed: entry(e, evidence), amount: *amount, decision: None })
            }
            EventKind::ClaimDecided { approved, amount, note } => {
                if let Some(c) = s.claims.iter_mut().rev().find(|c| c.decision.is_none()) {
                    c.decision = Some(ClaimDecision {
                        entry: entry(e, note),
                        approved: *approved,
                        amount: if *approved { amount.or(Some(c.amount)) } else { None },
                    });
                }
            }
            _ => {}
        }
    }
    s.class_label = s.class.map(ComplaintClass::label);
    let communicative = s.class.is_some_and(ComplaintClass::is_communicative);
    s.stage = match fold.status() {
        Status::Closed => ComplaintStage::Closed,
        Status::Cancelled => ComplaintStage::Cancelled,
        Status::Completed | Status::SignedOff | Status::SignoffRefused => ComplaintStage::Callback,
        _ if s.class.is_none() => ComplaintStage::Classify,
        _ if s.transferred.is_none() && !communicative => ComplaintStage::Transfer,
        _ if s.reply.is_none() => ComplaintStage::Reply,
        _ => ComplaintStage::Handling,
    };
    s.stage_label = s.stage.label();
    Some(s)
}
