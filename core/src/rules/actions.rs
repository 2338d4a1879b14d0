//! What a person may do on an order now: the transition table ([`next_status`]) and the permission
//! table ([`permission::check`]) asked together, so screens draw their buttons from this list and keep
//! no copy of either table.
//!
//! An action the order's status does not allow is left out (there is nothing to explain: 到场 on a
//! closed order). An action the status allows but this person may not take is listed as withheld, with
//! the permission table's reason ("已派给王师傅…"), so a screen can say why instead of hiding it.

use crate::Rejection;
use crate::edit::{Edit, NewMaterial};
use crate::ids::{ContractorId, EventId, OrderId, PersonId};
use crate::model::{Assignee, Callback, Cause, ComplaintClass, EventKind, OrderKind, ReferenceData, WorkOrder};
use crate::money::{Money, Quantity};
use crate::msg::Text;
use crate::rules::permission;
use crate::rules::status::{Attention, StatusFold, check_local};
use serde::{Deserialize, Serialize};

/// One thing that can be done on an order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum Action {
    /// 派工 / 改派 (to a technician or a contractor).
    Assign,
    /// 预约: agree a visit window with the owner.
    Schedule,
    /// 联系业主: log a call (meets the 2-hour callback target).
    Contact,
    /// 维修分判: decide the cause and who pays.
    DecideCause,
    /// 到场.
    Arrive,
    /// 暂停: weather, parts, the owner away.
    Pause,
    /// 完工.
    Complete,
    /// Materials, labour and photos.
    RecordWork,
    /// 业主验收签字 (or the owner's refusal).
    SignOff,
    /// 回访.
    Callback,
    /// 返修: reopen.
    Reopen,
    /// 关闭 without a satisfied callback: a supervisor's override.
    Close,
    /// 取消.
    Cancel,
    /// 发《质量维修通知单》 to a contractor.
    IssueRepairNotice,
    /// 委托第三方维修 and deduct the cost from the late contractor (扣款).
    CommissionThirdParty,
    /// 投诉分类: classify a complaint, name its department.
    Classify,
    /// 投诉转交: pass it to the department.
    Transfer,
    /// 投诉答复: answer a complaint with a plan.
    Reply,
    /// 处理经过: a handling note.
    Handle,
    /// 处理完毕: the handling is finished.
    FinishHandling,
    /// 退回: the department head returns it as invalid.
    ReturnInvalid,
    /// 客户评价.
    Evaluate,
    /// 索赔: record a claim for compensation.
    FileClaim,
    /// 索赔审批: a supervisor decides the claim.
    DecideClaim,
    /// 关联工单.
    LinkOrder,
    /// 补单: complete the intake of an order a technician opened on site.
    CompleteIntake,
    /// Edit the report's fields.
    EditFields,
    /// 备注.
    Note,
}

impl Action {
    /// Every action, in the order screens show them.
    pub const ALL: [Action; 28] = [
        Action::Arrive,
        Action::Complete,
        Action::Pause,
        Action::RecordWork,
        Action::SignOff,
        Action::CompleteIntake,
        Action::Assign,
        Action::Contact,
        Action::Schedule,
        Action::DecideCause,
        Action::Classify,
        Action::Transfer,
        Action::Reply,
        Action::Handle,
        Action::FinishHandling,
        Action::ReturnInvalid,
        Action::Evaluate,
        Action::FileClaim,
        Action::DecideClaim,
        Action::LinkOrder,
        Action::Callback,
        Action::IssueRepairNotice,
        Action::CommissionThirdParty,
        Action::Reopen,
        Action::Close,
        Action::Cancel,
        Action::EditFields,
        Action::Note,
    ];

    /// Its name in both languages.
    pub fn label(self) -> Text {
        let (zh, en) = match self {
            Action::Assign => ("派工", "Assign"),
            Action::Schedule => ("预约上门", "Schedule a visit"),
            Action::Contact => ("联系业主", "Log a call"),
            Action::DecideCause => ("维修分判", "Decide the cause"),
            Action::Arrive => ("到场", "Arrive"),
            Action::Pause => ("暂停", "Pause"),
            Action::Complete => ("完工", "Complete"),
            Action::RecordWork => ("登记材料、工时、照片", "Record materials, labour, photos"),
            Action::SignOff => ("业主验收签字", "Owner sign-off"),
            Action::Callback => ("回访", "Callback"),
            Action::Reopen => ("返修", "Reopen"),
            Action::Close => ("主管关闭", "Close (supervisor)"),
            Action::Cancel => ("取消工单", "Cancel"),
            Action::IssueRepairNotice => ("发质量维修通知单", "Send a quality-repair notice"),
            Action::CommissionThirdParty => ("委托第三方（扣款）", "Third party, with deduction"),
            Action::Reply => ("投诉答复", "Answer the complaint"),
            Action::Classify => ("投诉分类", "Classify"),
            Action::Transfer => ("转交部门", "Pass to the department"),
            Action::Handle => ("处理经过", "Handling note"),
            Action::FinishHandling => ("处理完毕", "Handling finished"),
            Action::ReturnInvalid => ("退回（无效投诉）", "Return as invalid"),
            Action::Evaluate => ("客户评价", "Owner's evaluation"),
            Action::FileClaim => ("索赔", "Compensation claim"),
            Action::DecideClaim => ("索赔审批", "Decide the claim"),
            Action::LinkOrder => ("关联工单", "Link an order"),
            Action::CompleteIntake => ("补单", "Complete the intake"),
            Action::EditFields => ("修改内容", "Edit"),
            Action::Note => ("备注", "Note"),
        };
        Text::new(zh, en)
    }

    /// Whether the action exists for this kind of order and its assignment at all.
    fn applies(self, order: &WorkOrder, fold: &StatusFold) -> bool {
        let complaint = order.kind == OrderKind::Complaint;
        match self {
            Action::Classify
            | Action::Transfer
            | Action::Reply
            | Action::Handle
            | Action::FinishHandling
            | Action::ReturnInvalid
            | Action::Evaluate
            | Action::LinkOrder => complaint,
            Action::FileClaim => complaint && crate::rules::complaint::pending_claim(order).is_none(),
            Action::DecideClaim => complaint && crate::rules::complaint::pending_claim(order).is_some(),
            // A complaint is handled, not signed off by the owner on a technician's phone.
            Action::SignOff | Action::DecideCause => !complaint,
            Action::IssueRepairNotice | Action::CommissionThirdParty => {
                matches!(fold.derived.assignee, Some(Assignee::Contractor(_)))
            }
            Action::CompleteIntake => fold.attention.iter().any(|a| matches!(a, Attention::IntakePending { .. })),
            _ => true,
        }
    }

    /// A typical edit of this action by `by` (what the permission table is asked about) and the event
    /// it appends (what the transition table is asked about).
    fn sample(self, by: &PersonId, office: bool) -> (Edit, EventKind) {
        let text = String::new;
        let edit = match self {
            // The office may assign anyone; a technician only themselves (an on-site emergency order).
            Action::Assign if office => {
                Edit::Assign { assignee: Assignee::Contractor(ContractorId::new("")), note: text() }
            }
            Action::Assign => Edit::Assign { assignee: Assignee::Technician(by.clone()), note: text() },
            Action::Schedule => Edit::Schedule { from_ms: 0, to_ms: None, note: text() },
            Action::Contact => Edit::Contact { note: text(), reached: true },
            Action::DecideCause => Edit::DecideCause { cause: Cause::Unknown, note: text() },
            Action::Arrive => Edit::Arrive,
            Action::Pause => Edit::Pause { reason: text(), next_visit_ms: None, owner_told: false },
            Action::Complete => Edit::Complete { findings: None, work_done: None },
            Action::RecordWork => Edit::AddMaterial(NewMaterial {
                name: text(),
                spec: text(),
                quantity: Quantity(0),
                unit: text(),
                unit_price: Money(0),
            }),
            // Signing and refusing share their rights; the status the signature needs is SignedOff's.
            Action::SignOff => Edit::RefuseSignoff { reason: text() },
            Action::Callback => Edit::Callback(Callback::unreached(text())),
            Action::Reopen => Edit::Reopen { reason: text() },
            Action::Close => Edit::Close { reason: text() },
            Action::Cancel => Edit::Cancel { reason: text() },
            Action::IssueRepairNotice => Edit::IssueRepairNotice { note: text() },
            Action::CommissionThirdParty => {
                Edit::CommissionThirdParty { third_party: text(), deduction: Money(0), reason: text() }
            }
            Action::Reply => Edit::Reply { plan: text() },
            Action::Classify => Edit::Classify { class: ComplaintClass::Valid, department: text(), note: text() },
            Action::Transfer => Edit::Transfer { department: text(), note: text() },
            Action::Handle => Edit::Handling { text: text() },
            Action::FinishHandling => Edit::FinishHandling { summary: text() },
            Action::ReturnInvalid => Edit::ReturnInvalid { opinion: text() },
            Action::Evaluate => Edit::Evaluate { satisfied: true, text: text() },
            Action::FileClaim => Edit::FileClaim { amount: Money(0), evidence: text() },
            Action::DecideClaim => Edit::DecideClaim { approved: true, amount: None, note: text() },
            Action::LinkOrder => Edit::LinkOrder { order: OrderId::new("") },
            Action::CompleteIntake => Edit::CompleteIntake { note: text() },
            Action::EditFields => Edit::EditFields { fields: Vec::new() },
            Action::Note => Edit::Note { text: text() },
        };
        let kind = match self {
            Action::SignOff => EventKind::SignedOff { statement: text(), role: text(), quantity: false },
            _ => edit.event_kind(&EventId::new("")),
        };
        (edit, kind)
    }
}

/// An action as one person sees it on one order now.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct ActionView {
    /// Which.
    pub action: Action,
    /// Its name.
    pub label: Text,
    /// Whether this person may take it now.
    pub allowed: bool,
    /// Why not, when withheld.
    pub reason: Option<Text>,
}

/// The actions `by` may take on an order in the state `fold`, and those the status allows but this
/// person may not take (with the reason). Actions the status does not allow are left out.
pub fn actions(reference: &ReferenceData, by: &PersonId, order: &WorkOrder, fold: &StatusFold) -> Vec<ActionView> {
    let office = reference.person(by).is_some_and(permission::is_office);
    Action::ALL
        .into_iter()
        .filter(|a| a.applies(order, fold))
        .filter_map(|action| {
            let (edit, event) = action.sample(by, office);
            // Records (notes, materials, edits) follow the status too: no more work on a closed order.
            let open =
                fold.status().is_open() || matches!(action, Action::Reopen | Action::Note | Action::CompleteIntake);
            if !open || check_local(fold, &event).is_err() {
                return None;
            }
            let verdict: Result<(), Rejection> = permission::check(reference, by, fold, &edit);
            Some(ActionView {
                action,
                label: action.label(),
                allowed: verdict.is_ok(),
                reason: verdict.err().map(|r| r.msg().text()),
            })
        })
        .collect()
}

/// Whether `by` may take `action` now.
pub fn may(reference: &ReferenceData, by: &PersonId, order: &WorkOrder, fold: &StatusFold, action: Action) -> bool {
    actions(reference, by, order, fold).iter().any(|a| a.action == action && a.allowed)
}
