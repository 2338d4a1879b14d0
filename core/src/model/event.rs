//! The append-only event log of a work order.
//!
//! Every change of state is an event naming who, when (device clock and HLC) and which device. Status,
//! assignee, appointment and deadlines are folded from these events by [`crate::rules::status`]; no
//! status is stored as a plain field, so concurrent edits can never overwrite one another silently.

use crate::hlc::Hlc;
use crate::ids::OrderId;
use crate::ids::{DeviceId, EventId, PersonId};
use crate::model::{Assignee, Cause, PhotoStage};
use crate::money::Money;
use serde::{Deserialize, Serialize};

/// One event in an order's log.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Event {
    /// Unique id: `{hlc}@{device}`.
    pub id: EventId,
    /// Hybrid logical clock value; the fold orders by `(hlc, device, id)`.
    pub hlc: Hlc,
    /// Device (Automerge actor) that recorded it.
    pub device: DeviceId,
    /// Person who did it.
    pub by: PersonId,
    /// Device wall clock when it happened (ms since epoch).
    pub at_ms: i64,
    /// The status event the author had last seen, which is how concurrency is detected.
    pub prev: Option<EventId>,
    /// What happened.
    pub kind: EventKind,
}

impl Event {
    /// The ordering key of the status fold.
    pub fn order_key(&self) -> (Hlc, &str, &str) {
        (self.hlc, self.device.as_str(), self.id.as_str())
    }
}

/// How a callback was made (回访方式).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum CallbackMethod {
    /// 电话回访.
    #[default]
    Phone,
    /// 上门回访.
    Visit,
}

impl CallbackMethod {
    fn is_phone(&self) -> bool {
        *self == CallbackMethod::Phone
    }
}

/// The owner's grade of one aspect of the job, as the 回访记录 asks it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum Grade {
    /// 满意.
    Satisfied,
    /// 基本满意.
    Fair,
    /// 不满意.
    Unsatisfied,
}

impl Grade {
    /// Label in both languages.
    pub fn label(self) -> crate::msg::Text {
        match self {
            Grade::Satisfied => crate::msg::Text::new("满意", "satisfied"),
            Grade::Fair => crate::msg::Text::new("基本满意", "fair"),
            Grade::Unsatisfied => crate::msg::Text::new("不满意", "unsatisfied"),
        }
    }
}

/// A callback to the owner (回访), with what the 回访记录 records. Satisfied closes the order (回访封闭);
/// unsatisfied reopens it (返修) to whoever did it; not reached leaves it waiting for the next try.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Callback {
    /// Whether the owner was reached.
    pub reached: bool,
    /// Whether the owner is satisfied (only when reached).
    pub satisfied: Option<bool>,
    /// Satisfaction 1–5 (only when reached).
    pub rating: Option<u8>,
    /// What the owner said (for an unsatisfied owner: what must be redone).
    pub note: String,
    /// By phone or in person. Fields added after version 1 are left out when empty or default, so
    /// a callback recorded the old way is stored exactly as before.
    #[serde(default, skip_serializing_if = "CallbackMethod::is_phone")]
    pub method: CallbackMethod,
    /// 维修质量 (only when reached).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub quality: Option<Grade>,
    /// 维修及时性 (only when reached).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub speed: Option<Grade>,
    /// 服务态度: the technician's manner (only when reached).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub manner: Option<Grade>,
    /// When to try again (only when not reached).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next_try_ms: Option<i64>,
}

impl Callback {
    /// A call that reached the owner, who is satisfied or not.
    pub fn reached(satisfied: bool, rating: Option<u8>, note: String) -> Callback {
        Callback { reached: true, satisfied: Some(satisfied), rating, ..Callback::unreached(note) }
    }

    /// A call that did not reach the owner.
    pub fn unreached(note: String) -> Callback {
        Callback {
            reached: false,
            satisfied: None,
            rating: None,
            note,
            method: CallbackMethod::Phone,
            quality: None,
            speed: None,
            manner: None,
            next_try_ms: None,
        }
    }
}

/// Contacts recorded before `reached` existed reached the owner.
pub fn reached_default() -> bool {
    true
}

fn is_true(b: &bool) -> bool {
    *b
}

/// One field's value before and after an edit, for the change history.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct ValueChange {
    /// The document field.
    pub field: String,
    /// Before.
    pub old: String,
    /// After.
    pub new: String,
}

/// How a complaint is classified (投诉分类, as the 投诉处理单 asks it): a valid complaint, one of the
/// three communicative kinds (沟通性投诉), or invalid (returned by the department with its head's opinion).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum ComplaintClass {
    /// 有效投诉.
    Valid,
    /// 沟通性投诉：求助.
    HelpRequest,
    /// 沟通性投诉：咨询.
    Enquiry,
    /// 沟通性投诉：发泄.
    Venting,
    /// 无效投诉.
    Invalid,
}

impl ComplaintClass {
    /// The classes a desk chooses from (invalid is the department's decision, with its head's opinion).
    pub const CHOSEN: [ComplaintClass; 4] =
        [ComplaintClass::Valid, ComplaintClass::HelpRequest, ComplaintClass::Enquiry, ComplaintClass::Venting];

    /// Label in both languages.
    pub fn label(self) -> crate::msg::Text {
        let (zh, en) = match self {
            ComplaintClass::Valid => ("有效投诉", "valid complaint"),
            ComplaintClass::HelpRequest => ("沟通性投诉（求助）", "communicative (help request)"),
            ComplaintClass::Enquiry => ("沟通性投诉（咨询）", "communicative (enquiry)"),
            ComplaintClass::Venting => ("沟通性投诉（发泄）", "communicative (venting)"),
            ComplaintClass::Invalid => ("无效投诉", "invalid complaint"),
        };
        crate::msg::Text::new(zh, en)
    }

    /// A communicative complaint is answered and closed without field work.
    pub fn is_communicative(self) -> bool {
        matches!(self, ComplaintClass::HelpRequest | ComplaintClass::Enquiry | ComplaintClass::Venting)
    }
}

/// Which side of a conflict a person keeps when resolving it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum KeepSide {
    /// Keep what the status shows now; the held events are set aside.
    Current,
    /// Apply the held events instead, replaying from the point where the two sides forked.
    Held,
}

/// What happened. Tagged by `type` in JSON; unknown types written by newer app versions are kept.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum EventKind {
    /// 报修: the order was opened.
    Reported,
    /// 派工: assigned to a technician or contractor.
    Assigned {
        /// Who does the job.
        assignee: Assignee,
        /// Why this one (e.g. the dispatch suggestion's reason).
        #[serde(default)]
        note: String,
    },
    /// 预约: a visit was agreed with the owner.
    Scheduled {
        /// Start of the window (ms since epoch).
        from_ms: i64,
        /// End of the window, if given.
        to_ms: Option<i64>,
        /// Note.
        #[serde(default)]
        note: String,
    },
    /// 联系业主: the owner was called (reached, it meets the 2-hour target).
    Contacted {
        /// What was agreed.
        #[serde(default)]
        note: String,
        /// Whether the owner answered (events before this field existed were all reached; a reached
        /// contact is stored as before, without the field).
        #[serde(default = "reached_default", skip_serializing_if = "is_true")]
        reached: bool,
    },
    /// 到场.
    Arrived,
    /// 暂停: the job cannot be finished now (on site), or the office holds it before the visit (天气,
    /// 缺料), with the owner told.
    Paused {
        /// Why (缺料, 业主不在, 天气…).
        reason: String,
        /// Next agreed visit (约定下次维修时间), if any.
        next_visit_ms: Option<i64>,
        /// The owner was told of the hold (recorded by the office; left out when not).
        #[serde(default, skip_serializing_if = "std::ops::Not::not")]
        owner_told: bool,
    },
    /// 完工.
    Completed,
    /// 验收签字: a party signed off (the statement lives beside the document).
    SignedOff {
        /// Statement id.
        statement: String,
        /// Signer's role.
        role: String,
        /// A 工程量确认单 (quantities confirmed), not an acceptance: it leaves the status as it is. Left
        /// out for an acceptance, so those are stored as before.
        #[serde(default, skip_serializing_if = "std::ops::Not::not")]
        quantity: bool,
    },
    /// 拒签: the owner refused to sign; the order stays open and is flagged for the office.
    SignoffRefused {
        /// The owner's reason.
        reason: String,
    },
    /// 回访.
    Callback(Callback),
    /// 投诉答复: the complaint was answered with a plan.
    Replied {
        /// The plan given.
        plan: String,
    },
    /// 投诉分类: the complaint was classified and its responsible department named.
    ComplaintClassified {
        /// Classification.
        class: ComplaintClass,
        /// 责任部门.
        department: String,
        /// Note.
        #[serde(default)]
        note: String,
    },
    /// 投诉转交: passed to the responsible department (due within 1 working day).
    ComplaintTransferred {
        /// 责任部门.
        department: String,
        /// Note.
        #[serde(default)]
        note: String,
    },
    /// 处理经过: a note on how the complaint is being handled.
    ComplaintHandling {
        /// What was done.
        text: String,
    },
    /// 处理完毕: the complaint's handling is finished; the callback follows.
    ComplaintDone {
        /// The result.
        summary: String,
    },
    /// 退回: the department returns the complaint as invalid with its head's signed opinion.
    ComplaintReturned {
        /// 部门负责人意见.
        opinion: String,
    },
    /// 客户评价: what the complainant said of the handling.
    OwnerEvaluated {
        /// Satisfied with the handling.
        satisfied: bool,
        /// In their words.
        #[serde(default)]
        text: String,
    },
    /// 索赔: the complainant claims compensation.
    ClaimFiled {
        /// Amount claimed.
        amount: Money,
        /// The evidence (photos are attached to the complaint).
        evidence: String,
    },
    /// A supervisor approved or rejected the claim.
    ClaimDecided {
        /// Approved.
        approved: bool,
        /// Approved amount (when approved).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        amount: Option<Money>,
        /// Why.
        #[serde(default)]
        note: String,
    },
    /// 关联工单: a repair order that belongs to this complaint.
    OrderLinked {
        /// The linked order.
        order: OrderId,
    },
    /// 返修: reopened.
    Reopened {
        /// Why.
        reason: String,
    },
    /// 关闭 without a satisfied callback (e.g. the owner could not be reached).
    Closed {
        /// Why.
        reason: String,
    },
    /// 取消.
    Cancelled {
        /// Why.
        reason: String,
    },
    /// A person settled a conflict between concurrent events.
    Resolved {
        /// The conflict (the id of its first held event).
        conflict: EventId,
        /// Which side to keep.
        keep: KeepSide,
        /// Why.
        #[serde(default)]
        note: String,
    },
    /// 《质量维修通知单》 sent to a late contractor.
    RepairNoticeIssued {
        /// Note.
        #[serde(default)]
        note: String,
    },
    /// A late contractor's job given to a third party, the cost deducted from the contractor's warranty
    /// deposit (扣款), with the basis.
    ThirdPartyCommissioned {
        /// Who repairs it now.
        third_party: String,
        /// The amount deducted from the late contractor.
        deduction: Money,
        /// The basis of the deduction.
        reason: String,
    },
    /// The cause was decided (维修分判).
    CauseDecided {
        /// Cause.
        cause: Cause,
        /// Note.
        #[serde(default)]
        note: String,
    },
    /// 补单: the office completed the intake of an order a technician opened on site.
    IntakeCompleted {
        /// Note.
        #[serde(default)]
        note: String,
    },
    /// Free-text note 备注.
    Note {
        /// Text.
        text: String,
    },
    /// Text fields were edited (the values are in the document).
    FieldsEdited {
        /// Field names.
        fields: Vec<String>,
        /// Each field's value before and after (left out by versions before it was recorded, and for
        /// the owner's phone, which a timeline must not spread).
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        changes: Vec<ValueChange>,
    },
    /// A material line was added.
    MaterialAdded {
        /// Line id.
        item: String,
        /// `name spec × qty unit`.
        summary: String,
    },
    /// A material line was removed.
    MaterialRemoved {
        /// Line id.
        item: String,
    },
    /// Labour was recorded.
    LabourAdded {
        /// Line id.
        item: String,
        /// Who.
        person: PersonId,
        /// Minutes.
        minutes: u32,
    },
    /// A photo was attached.
    PhotoAdded {
        /// Photo id.
        item: String,
        /// Evidence hash.
        sha256: String,
        /// Stage.
        stage: PhotoStage,
    },
    /// A photo was removed from the order (never one that was signed).
    PhotoRemoved {
        /// Photo id.
        item: String,
        /// Why.
        reason: String,
    },
    /// The server assigned the official number.
    NumberAssigned {
        /// The number.
        official_no: String,
    },
    /// An event type this version does not know (written by a newer app); kept and shown, never lost.
    #[serde(skip_deserializing)]
    Unknown {
        /// Its `type`.
        type_name: String,
    },
}

/// The label of an event type by its stored `type` tag (for counting kinds of change).
pub fn event_type_label(type_name: &str) -> crate::msg::Text {
    let (zh, en) = match type_name {
        "reported" => ("报修", "report"),
        "assigned" => ("派工", "assignment"),
        "scheduled" => ("预约", "appointment"),
        "contacted" => ("联系业主", "contact with the owner"),
        "arrived" => ("到场", "arrival"),
        "paused" => ("暂停", "pause"),
        "completed" => ("完工", "completion"),
        "signed_off" => ("验收签字", "sign-off"),
        "signoff_refused" => ("业主拒签", "refused sign-off"),
        "callback" => ("回访", "callback"),
        "replied" => ("投诉答复", "complaint answer"),
        "complaint_classified" => ("投诉分类", "complaint classification"),
        "complaint_transferred" => ("投诉转交", "complaint transfer"),
        "complaint_handling" => ("处理经过", "handling note"),
        "complaint_done" => ("处理完毕", "handling finished"),
        "complaint_returned" => ("退回（无效投诉）", "returned as invalid"),
        "owner_evaluated" => ("客户评价", "owner's evaluation"),
        "claim_filed" => ("索赔", "compensation claim"),
        "claim_decided" => ("索赔审批", "claim decision"),
        "order_linked" => ("关联工单", "linked order"),
        "reopened" => ("返修", "reopening"),
        "closed" => ("关闭", "closing"),
        "cancelled" => ("取消", "cancellation"),
        "resolved" => ("冲突处理", "conflict resolution"),
        "repair_notice_issued" => ("质量维修通知单", "quality-repair notice"),
        "cause_decided" => ("维修分判", "cause decision"),
        "third_party_commissioned" => ("委托第三方维修", "third party commissioned"),
        "intake_completed" => ("补单", "intake completed"),
        "note" => ("备注", "note"),
        "fields_edited" => ("修改内容", "edit"),
        "material_added" => ("添加材料", "material added"),
        "material_removed" => ("删除材料", "material removed"),
        "labour_added" => ("登记工时", "labour recorded"),
        "photo_added" => ("添加照片", "photo added"),
        "photo_removed" => ("删除照片", "photo removed"),
        other => (other, other),
    };
    crate::msg::Text::new(zh, en)
}

impl EventKind {
    /// The `type` tag as stored.
    pub fn type_name(&self) -> &str {
        match self {
            EventKind::Reported => "reported",
            EventKind::Assigned { .. } => "assigned",
            EventKind::Scheduled { .. } => "scheduled",
            EventKind::Contacted { .. } => "contacted",
            EventKind::Arrived => "arrived",
            EventKind::Paused { .. } => "paused",
            EventKind::Completed => "completed",
            EventKind::SignedOff { .. } => "signed_off",
            EventKind::SignoffRefused { .. } => "signoff_refused",
            EventKind::Callback(_) => "callback",
            EventKind::Replied { .. } => "replied",
            EventKind::ComplaintClassified { .. } => "complaint_classified",
            EventKind::ComplaintTransferred { .. } => "complaint_transferred",
            EventKind::ComplaintHandling { .. } => "complaint_handling",
            EventKind::ComplaintDone { .. } => "complaint_done",
            EventKind::ComplaintReturned { .. } => "complaint_returned",
            EventKind::OwnerEvaluated { .. } => "owner_evaluated",
            EventKind::ClaimFiled { .. } => "claim_filed",
            EventKind::ClaimDecided { .. } => "claim_decided",
            EventKind::OrderLinked { .. } => "order_linked",
            EventKind::Reopened { .. } => "reopened",
            EventKind::Closed { .. } => "closed",
            EventKind::Cancelled { .. } => "cancelled",
            EventKind::Resolved { .. } => "resolved",
            EventKind::RepairNoticeIssued { .. } => "repair_notice_issued",
            EventKind::CauseDecided { .. } => "cause_decided",
            EventKind::ThirdPartyCommissioned { .. } => "third_party_commissioned",
            EventKind::IntakeCompleted { .. } => "intake_completed",
            EventKind::Note { .. } => "note",
            EventKind::FieldsEdited { .. } => "fields_edited",
            EventKind::MaterialAdded { .. } => "material_added",
            EventKind::MaterialRemoved { .. } => "material_removed",
            EventKind::LabourAdded { .. } => "labour_added",
            EventKind::PhotoAdded { .. } => "photo_added",
            EventKind::PhotoRemoved { .. } => "photo_removed",
            EventKind::NumberAssigned { .. } => "number_assigned",
            EventKind::Unknown { type_name } => type_name,
        }
    }

    /// Label in Chinese, as the timeline shows it.
    pub fn label_zh(&self) -> &str {
        match self {
            EventKind::Reported => "报修",
            EventKind::Assigned { .. } => "派工",
            EventKind::Scheduled { .. } => "预约",
            EventKind::Contacted { reached: false, .. } => "联系业主（未接通）",
            EventKind::Contacted { .. } => "已联系业主",
            EventKind::Arrived => "到场",
            EventKind::Paused { owner_told: true, .. } => "暂停（已告知业主）",
            EventKind::Paused { .. } => "暂停",
            EventKind::Completed => "完工",
            EventKind::SignedOff { quantity: true, .. } => "工程量确认签字",
            EventKind::SignedOff { .. } => "验收签字",
            EventKind::SignoffRefused { .. } => "业主拒签",
            EventKind::Callback(_) => "回访",
            EventKind::Replied { .. } => "投诉答复",
            EventKind::ComplaintClassified { .. } => "投诉分类",
            EventKind::ComplaintTransferred { .. } => "投诉转交",
            EventKind::ComplaintHandling { .. } => "处理经过",
            EventKind::ComplaintDone { .. } => "处理完毕",
            EventKind::ComplaintReturned { .. } => "退回（无效投诉）",
            EventKind::OwnerEvaluated { .. } => "客户评价",
            EventKind::ClaimFiled { .. } => "索赔",
            EventKind::ClaimDecided { approved: true, .. } => "索赔批准",
            EventKind::ClaimDecided { .. } => "索赔驳回",
            EventKind::OrderLinked { .. } => "关联工单",
            EventKind::Reopened { .. } => "返修",
            EventKind::Closed { .. } => "关闭",
            EventKind::Cancelled { .. } => "取消",
            EventKind::Resolved { .. } => "冲突处理",
            EventKind::RepairNoticeIssued { .. } => "发质量维修通知单",
            EventKind::CauseDecided { .. } => "维修分判",
            EventKind::ThirdPartyCommissioned { .. } => "委托第三方维修（扣款）",
            EventKind::IntakeCompleted { .. } => "补单完成",
            EventKind::Note { .. } => "备注",
            EventKind::FieldsEdited { .. } => "修改内容",
            EventKind::MaterialAdded { .. } => "添加材料",
            EventKind::MaterialRemoved { .. } => "删除材料",
            EventKind::LabourAdded { .. } => "登记工时",
            EventKind::PhotoAdded { .. } => "添加照片",
            EventKind::PhotoRemoved { .. } => "删除照片",
            EventKind::NumberAssigned { .. } => "分配正式单号",
            EventKind::Unknown { type_name } => type_name,
        }
    }

    /// Label in English.
    pub fn label_en(&self) -> &str {
        match self {
            EventKind::Reported => "Reported",
            EventKind::Assigned { .. } => "Assigned",
            EventKind::Scheduled { .. } => "Appointment",
            EventKind::Contacted { reached: false, .. } => "Owner called (no answer)",
            EventKind::Contacted { .. } => "Owner contacted",
            EventKind::Arrived => "Arrived",
            EventKind::Paused { owner_told: true, .. } => "Paused (owner told)",
            EventKind::Paused { .. } => "Paused",
            EventKind::Completed => "Completed",
            EventKind::SignedOff { quantity: true, .. } => "Quantities confirmed",
            EventKind::SignedOff { .. } => "Signed off",
            EventKind::SignoffRefused { .. } => "Sign-off refused",
            EventKind::Callback(_) => "Callback",
            EventKind::Replied { .. } => "Complaint answered",
            EventKind::ComplaintClassified { .. } => "Complaint classified",
            EventKind::ComplaintTransferred { .. } => "Transferred to the department",
            EventKind::ComplaintHandling { .. } => "Handling note",
            EventKind::ComplaintDone { .. } => "Handling finished",
            EventKind::ComplaintReturned { .. } => "Returned as invalid",
            EventKind::OwnerEvaluated { .. } => "Owner's evaluation",
            EventKind::ClaimFiled { .. } => "Compensation claimed",
            EventKind::ClaimDecided { approved: true, .. } => "Claim approved",
            EventKind::ClaimDecided { .. } => "Claim rejected",
            EventKind::OrderLinked { .. } => "Order linked",
            EventKind::Reopened { .. } => "Reopened",
            EventKind::Closed { .. } => "Closed",
            EventKind::Cancelled { .. } => "Cancelled",
            EventKind::Resolved { .. } => "Conflict resolved",
            EventKind::RepairNoticeIssued { .. } => "Quality-repair notice",
            EventKind::CauseDecided { .. } => "Cause decided",
            EventKind::ThirdPartyCommissioned { .. } => "Third party commissioned (deduction)",
            EventKind::IntakeCompleted { .. } => "Intake completed",
            EventKind::Note { .. } => "Note",
            EventKind::FieldsEdited { .. } => "Edited",
            EventKind::MaterialAdded { .. } => "Material added",
            EventKind::MaterialRemoved { .. } => "Material removed",
            EventKind::LabourAdded { .. } => "Labour recorded",
            EventKind::PhotoAdded { .. } => "Photo added",
            EventKind::PhotoRemoved { .. } => "Photo removed",
            EventKind::NumberAssigned { .. } => "Official number",
            EventKind::Unknown { type_name } => type_name,
        }
    }

    /// The words a person wrote with the event (a note, a reason, a plan, an opinion…), for timelines and
    /// search; `None` for events without free text.
    pub fn text(&self) -> Option<&str> {
        match self {
            EventKind::Note { text }
            | EventKind::ComplaintHandling { text }
            | EventKind::OwnerEvaluated { text, .. } => Some(text),
            EventKind::Paused { reason, .. }
            | EventKind::Cancelled { reason }
            | EventKind::Reopened { reason }
            | EventKind::Closed { reason }
            | EventKind::SignoffRefused { reason } => Some(reason),
            EventKind::Replied { plan } => Some(plan),
            EventKind::ComplaintDone { summary } => Some(summary),
            EventKind::ComplaintReturned { opinion } => Some(opinion),
            EventKind::ThirdPartyCommissioned { reason, .. } => Some(reason),
            EventKind::ClaimFiled { evidence, .. } => Some(evidence),
            EventKind::ComplaintClassified { department, .. } | EventKind::ComplaintTransferred { department, .. } => {
                Some(department)
            }
            EventKind::Contacted { note, .. }
            | EventKind::Assigned { note, .. }
            | EventKind::Scheduled { note, .. }
            | EventKind::RepairNoticeIssued { note }
            | EventKind::CauseDecided { note, .. }
            | EventKind::IntakeCompleted { note }
            | EventKind::ClaimDecided { note, .. }
            | EventKind::Resolved { note, .. } => Some(note),
            EventKind::Callback(c) => Some(&c.note),
            _ => None,
        }
    }

    /// Whether the event takes part in the status fold (the transition table); others are records.
    pub fn is_status_event(&self) -> bool {
        matches!(
            self,
            EventKind::Reported
                | EventKind::Assigned { .. }
                | EventKind::Scheduled { .. }
                | EventKind::Arrived
                | EventKind::Paused { .. }
                | EventKind::Completed
                | EventKind::SignedOff { .. }
                | EventKind::SignoffRefused { .. }
                | EventKind::Callback(_)
                | EventKind::ComplaintDone { .. }
                | EventKind::ComplaintReturned { .. }
                | EventKind::Reopened { .. }
                | EventKind::Closed { .. }
                | EventKind::Cancelled { .. }
                | EventKind::Resolved { .. }
        )
    }
}
