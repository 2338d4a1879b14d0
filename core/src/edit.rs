//! Typed edits. Each edit appends exactly one event (so the timeline shows every change, who made it
//! and when) and touches only the fields it names. [`validate`] checks an edit against the order and
//! its status before anything is written; [`apply`] writes it. The caller commits the change.

use crate::doc::{self, EventHeader, code_of};
use crate::error::{Rejection, Result};
use crate::ids::OrderId;
use crate::ids::{EventId, PersonId};
use crate::model::{
    Assignee, Callback, Cause, ComplaintClass, EventKind, GeoPoint, KeepSide, Labour, Material, OrderKind, PhotoRef,
    PhotoStage, Urgency, WorkOrder,
};
use crate::money::{Money, Quantity};
use crate::msg::{Key, Msg};
use crate::rules::status::{EventState, StatusFold, check_local};
use crate::validate::{self, Field};
use automerge::AutoCommit;
use serde::{Deserialize, Serialize};

/// A text or code field that can be edited after intake.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(tag = "field", content = "value", rename_all = "snake_case")]
pub enum FieldEdit {
    /// 报修内容.
    Description(String),
    /// 部位.
    Location(String),
    /// Preferred visit time.
    PreferredTime(String),
    /// 检查情况.
    Findings(String),
    /// 维修内容.
    WorkDone(String),
    /// Category code.
    Category(String),
    /// Urgency.
    Urgency(Urgency),
    /// Reporter's name.
    ReporterName(String),
    /// Reporter's phone.
    ReporterPhone(String),
}

impl FieldEdit {
    /// What people call a document field this edit writes (`reporter.phone` → 联系电话), for timelines.
    pub fn label_of(field: &str) -> crate::msg::Text {
        match field {
            "description" => Field::Description.label(),
            "location" => Field::Location.label(),
            "preferred_time" => Field::PreferredTime.label(),
            "findings" => Field::Findings.label(),
            "work_done" => Field::WorkDone.label(),
            "category" => crate::msg::Text::new("类别", "category"),
            "urgency" => crate::msg::Text::new("紧急程度", "urgency"),
            "reporter.name" => Field::ReporterName.label(),
            "reporter.phone" => Field::ReporterPhone.label(),
            other => crate::msg::Text::same(other),
        }
    }

    /// The field's value in `order` now.
    fn current(&self, order: &WorkOrder) -> String {
        match self {
            FieldEdit::Description(_) => order.description.clone(),
            FieldEdit::Location(_) => order.location.clone(),
            FieldEdit::PreferredTime(_) => order.preferred_time.clone(),
            FieldEdit::Findings(_) => order.findings.clone(),
            FieldEdit::WorkDone(_) => order.work_done.clone(),
            FieldEdit::Category(_) => order.category.clone(),
            FieldEdit::Urgency(_) => code_of(&order.urgency),
            FieldEdit::ReporterName(_) => order.reporter.name.clone(),
            FieldEdit::ReporterPhone(_) => order.reporter.phone.clone(),
        }
    }

    /// The document field it writes.
    pub fn field(&self) -> &'static str {
        match self {
            FieldEdit::Description(_) => "description",
            FieldEdit::Location(_) => "location",
            FieldEdit::PreferredTime(_) => "preferred_time",
            FieldEdit::Findings(_) => "findings",
            FieldEdit::WorkDone(_) => "work_done",
            FieldEdit::Category(_) => "category",
            FieldEdit::Urgency(_) => "urgency",
            FieldEdit::ReporterName(_) => "reporter.name",
            FieldEdit::ReporterPhone(_) => "reporter.phone",
        }
    }

    fn value(&self) -> String {
        match self {
            FieldEdit::Description(s)
            | FieldEdit::Location(s)
            | FieldEdit::PreferredTime(s)
            | FieldEdit::Findings(s)
            | FieldEdit::WorkDone(s)
            | FieldEdit::Category(s)
            | FieldEdit::ReporterName(s)
            | FieldEdit::ReporterPhone(s) => s.trim().to_owned(),
            FieldEdit::Urgency(u) => code_of(u),
        }
    }
}

/// A material line to add (its id is the event id).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct NewMaterial {
    /// Name.
    pub name: String,
    /// Specification.
    #[serde(default)]
    pub spec: String,
    /// Quantity.
    pub quantity: Quantity,
    /// Unit of measure.
    pub unit: String,
    /// Unit price.
    pub unit_price: Money,
}

/// A photo to attach (its id is the event id).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct NewPhoto {
    /// Evidence hash.
    pub sha256: String,
    /// Original file's hash.
    #[serde(default)]
    pub original_sha256: String,
    /// Thumbnail hash.
    #[serde(default)]
    pub thumbnail_sha256: String,
    /// Evidence width.
    #[serde(default)]
    pub width: u32,
    /// Evidence height.
    #[serde(default)]
    pub height: u32,
    /// Stamped evidence.
    #[serde(default)]
    pub stamped: bool,
    /// Stage.
    pub stage: PhotoStage,
    /// Caption.
    #[serde(default)]
    pub caption: String,
    /// Capture time.
    pub taken_at_ms: Option<i64>,
    /// Place.
    pub place: Option<GeoPoint>,
}

/// One typed change to an order.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(tag = "op", rename_all = "snake_case")]
pub enum Edit {
    /// 派工.
    Assign {
        /// Who.
        assignee: Assignee,
        /// Why.
        #[serde(default)]
        note: String,
    },
    /// 预约.
    Schedule {
        /// Window start (ms).
        from_ms: i64,
        /// Window end (ms).
        to_ms: Option<i64>,
        /// Note.
        #[serde(default)]
        note: String,
    },
    /// 联系业主: a call to the owner, reached or not, and what was agreed.
    Contact {
        /// What was agreed (or why not reached).
        #[serde(default)]
        note: String,
        /// Whether the owner answered (only a reached owner meets the 2-hour target).
        #[serde(default = "crate::model::reached_default")]
        reached: bool,
    },
    /// 到场.
    Arrive,
    /// 暂停: on site, or the office's hold before the visit (weather, parts).
    Pause {
        /// Why.
        reason: String,
        /// Next visit (ms).
        next_visit_ms: Option<i64>,
        /// The owner was told (the office's hold).
        #[serde(default)]
        owner_told: bool,
    },
    /// 完工, optionally with findings and work done.
    Complete {
        /// 检查情况.
        findings: Option<String>,
        /// 维修内容.
        work_done: Option<String>,
    },
    /// A party signed off: the signed statement is stored in the document with the event.
    SignOff {
        /// The statement with its signature and strokes.
        statement: crate::signoff::SignedStatement,
    },
    /// The owner refused to sign.
    RefuseSignoff {
        /// Reason.
        reason: String,
    },
    /// 回访.
    Callback(Callback),
    /// 投诉答复.
    Reply {
        /// Plan.
        plan: String,
    },
    /// 投诉分类: classify a complaint and name the responsible department.
    Classify {
        /// Classification (not invalid: that is the department's return).
        class: ComplaintClass,
        /// 责任部门.
        department: String,
        /// Note.
        #[serde(default)]
        note: String,
    },
    /// 投诉转交: pass the complaint to the responsible department.
    Transfer {
        /// 责任部门.
        department: String,
        /// Note.
        #[serde(default)]
        note: String,
    },
    /// 处理经过: a handling note.
    Handling {
        /// What was done.
        text: String,
    },
    /// 处理完毕: the complaint's handling is finished.
    FinishHandling {
        /// The result.
        summary: String,
    },
    /// 退回: the department head returns the complaint as invalid, with a signed opinion.
    ReturnInvalid {
        /// The head's opinion.
        opinion: String,
    },
    /// 客户评价.
    Evaluate {
        /// Satisfied with the handling.
        satisfied: bool,
        /// In their words.
        #[serde(default)]
        text: String,
    },
    /// 索赔: a claim for compensation.
    FileClaim {
        /// Amount.
        amount: Money,
        /// Evidence.
        evidence: String,
    },
    /// A supervisor's decision on the pending claim.
    DecideClaim {
        /// Approved.
        approved: bool,
        /// The amount approved (at most the amount claimed; default: all of it).
        #[serde(default)]
        amount: Option<Money>,
        /// Why.
        #[serde(default)]
        note: String,
    },
    /// 关联工单: link a repair order to this complaint.
    LinkOrder {
        /// The repair order.
        order: OrderId,
    },
    /// 返修.
    Reopen {
        /// Why.
        reason: String,
    },
    /// 关闭.
    Close {
        /// Why.
        reason: String,
    },
    /// 取消.
    Cancel {
        /// Why.
        reason: String,
    },
    /// Resolve a conflict.
    Resolve {
        /// Conflict id.
        conflict: EventId,
        /// Side to keep.
        keep: KeepSide,
        /// Why.
        #[serde(default)]
        note: String,
    },
    /// 《质量维修通知单》 sent.
    IssueRepairNotice {
        /// Note.
        #[serde(default)]
        note: String,
    },
    /// A late contractor's job goes to a third party, the cost deducted from the contractor (扣款).
    CommissionThirdParty {
        /// Who repairs it now.
        third_party: String,
        /// The deduction.
        deduction: Money,
        /// Its basis.
        reason: String,
    },
    /// 维修分判: the cause.
    DecideCause {
        /// Cause.
        cause: Cause,
        /// Note.
        #[serde(default)]
        note: String,
    },
    /// 补单: complete the intake of an order a technician opened on site.
    CompleteIntake {
        /// Note.
        #[serde(default)]
        note: String,
    },
    /// 备注.
    Note {
        /// Text.
        text: String,
    },
    /// Edit text fields.
    EditFields {
        /// The fields and their new values.
        fields: Vec<FieldEdit>,
    },
    /// Add a material line.
    AddMaterial(NewMaterial),
    /// Remove a material line.
    RemoveMaterial {
        /// Line id.
        item: String,
    },
    /// Record labour.
    AddLabour {
        /// Who.
        person: PersonId,
        /// Minutes.
        minutes: u32,
        /// Hourly rate.
        hourly_rate: Money,
        /// Note.
        #[serde(default)]
        note: String,
    },
    /// Attach a photo.
    AddPhoto(NewPhoto),
    /// Remove a photo (never one that was signed for).
    RemovePhoto {
        /// Photo id.
        item: String,
        /// Why.
        reason: String,
    },
    /// The server's official number (assigned once).
    AssignNumber {
        /// The number.
        official_no: String,
    },
}

impl Edit {
    /// A step of the complaint workflow (only complaints take it).
    pub fn is_complaint_step(&self) -> bool {
        matches!(
            self,
            Edit::Classify { .. }
                | Edit::Transfer { .. }
                | Edit::Handling { .. }
                | Edit::FinishHandling { .. }
                | Edit::ReturnInvalid { .. }
                | Edit::Evaluate { .. }
                | Edit::FileClaim { .. }
                | Edit::DecideClaim { .. }
                | Edit::LinkOrder { .. }
                | Edit::Reply { .. }
        )
    }

    /// The event this edit appends (`item` ids are the event's id).
    pub fn event_kind(&self, event_id: &EventId) -> EventKind {
        match self {
            Edit::Assign { assignee, note } => EventKind::Assigned { assignee: assignee.clone(), note: note.clone() },
            Edit::Schedule { from_ms, to_ms, note } => {
                EventKind::Scheduled { from_ms: *from_ms, to_ms: *to_ms, note: note.clone() }
            }
            Edit::Contact { note, reached } => EventKind::Contacted { note: note.clone(), reached: *reached },
            Edit::Arrive => EventKind::Arrived,
            Edit::Pause { reason, next_visit_ms, owner_told } => EventKind::Paused {
                reason: reason.trim().to_owned(),
                next_visit_ms: *next_visit_ms,
                owner_told: *owner_told,
            },
            Edit::Complete { .. } => EventKind::Completed,
            Edit::SignOff { statement } => {
                let st = statement.statement().ok();
                EventKind::SignedOff {
                    statement: statement.id.clone(),
                    role: st.as_ref().map(|s| s.signer.role.code().to_owned()).unwrap_or_default(),
                    quantity: st.is_some_and(|s| s.kind == crate::signoff::StatementKind::QuantityConfirmation),
                }
            }
            Edit::RefuseSignoff { reason } => EventKind::SignoffRefused { reason: reason.trim().to_owned() },
            Edit::Callback(c) => EventKind::Callback(c.clone()),
            Edit::Reply { plan } => EventKind::Replied { plan: plan.clone() },
            Edit::Classify { class, department, note } => EventKind::ComplaintClassified {
                class: *class,
                department: department.trim().to_owned(),
                note: note.trim().to_owned(),
            },
            Edit::Transfer { department, note } => EventKind::ComplaintTransferred {
                department: department.trim().to_owned(),
                note: note.trim().to_owned(),
            },
            Edit::Handling { text } => EventKind::ComplaintHandling { text: text.trim().to_owned() },
            Edit::FinishHandling { summary } => EventKind::ComplaintDone { summary: summary.trim().to_owned() },
            Edit::ReturnInvalid { opinion } => EventKind::ComplaintReturned { opinion: opinion.trim().to_owned() },
            Edit::Evaluate { satisfied, text } => {
                EventKind::OwnerEvaluated { satisfied: *satisfied, text: text.trim().to_owned() }
            }
            Edit::FileClaim { amount, evidence } => {
                EventKind::ClaimFiled { amount: *amount, evidence: evidence.trim().to_owned() }
            }
            Edit::DecideClaim { approved, amount, note } => EventKind::ClaimDecided {
                approved: *approved,
                amount: if *approved { *amount } else { None },
                note: note.trim().to_owned(),
            },
            Edit::LinkOrder { order } => EventKind::OrderLinked { order: order.clone() },
            Edit::Reopen { reason } => EventKind::Reopened { reason: reason.trim().to_owned() },
            Edit::Close { reason } => EventKind::Closed { reason: reason.trim().to_owned() },
            Edit::Cancel { reason } => EventKind::Cancelled { reason: reason.trim().to_owned() },
            Edit::Resolve { conflict, keep, note } => {
                EventKind::Resolved { conflict: conflict.clone(), keep: *keep, note: note.clone() }
            }
            Edit::IssueRepairNotice { note } => EventKind::RepairNoticeIssued { note: note.clone() },
            Edit::DecideCause { cause, note } => EventKind::CauseDecided { cause: *cause, note: note.clone() },
            Edit::CommissionThirdParty { third_party, deduction, reason } => EventKind::ThirdPartyCommissioned {
                third_party: third_party.trim().to_owned(),
                deduction: *deduction,
                reason: reason.trim().to_owned(),
            },
            Edit::CompleteIntake { note } => EventKind::IntakeCompleted { note: note.clone() },
            Edit::Note { text } => EventKind::Note { text: text.clone() },
            Edit::EditFields { fields } => EventKind::FieldsEdited {
                fields: fields.iter().map(|f| f.field().to_owned()).collect(),
                changes: Vec::new(),
            },
            Edit::AddMaterial(m) => EventKind::MaterialAdded {
                item: event_id.to_string(),
                summary: format!("{} {} × {} {}", m.name, m.spec, m.quantity, m.unit).replace("  ", " "),
            },
            Edit::RemoveMaterial { item } => EventKind::MaterialRemoved { item: item.clone() },
            Edit::AddLabour { person, minutes, .. } => {
                EventKind::LabourAdded { item: event_id.to_string(), person: person.clone(), minutes: *minutes }
            }
            Edit::AddPhoto(p) => {
                EventKind::PhotoAdded { item: event_id.to_string(), sha256: p.sha256.clone(), stage: p.stage }
            }
            Edit::RemovePhoto { item, reason } => {
                EventKind::PhotoRemoved { item: item.clone(), reason: reason.clone() }
            }
            Edit::AssignNumber { official_no } => EventKind::NumberAssigned { official_no: official_no.clone() },
        }
    }
}

/// Whether a photo is covered by a sign-off that counts (it was attached before a signature).
fn photo_signed(order: &WorkOrder, fold: &StatusFold, item: &str) -> bool {
    let Some(added) =
        order.events.iter().find(|e| matches!(&e.kind, EventKind::PhotoAdded { item: i, .. } if i == item))
    else {
        return false;
    };
    order.events.iter().any(|e| {
        matches!(e.kind, EventKind::SignedOff { .. })
            && e.hlc > added.hlc
            && matches!(fold.states.get(&e.id), Some(EventState::Applied | EventState::Duplicate))
    })
}

fn item_not_found(what: Field, id: &str) -> Rejection {
    Rejection::new(Msg::new(Key::ItemNotFound).arg("what", what.label()).arg("id", id))
}

fn statement_refusal(key: Key) -> Rejection {
    Rejection::new(Msg::new(key))
}

/// Check the content of a signed statement (its texts and numbers, through the validation table).
fn check_statement(order: &WorkOrder, statement: &crate::signoff::SignedStatement) -> Result<(), Rejection> {
    let s = statement.statement().map_err(|e| match e {
        crate::Error::UnsupportedSchema { .. } => statement_refusal(Key::StatementNewer),
        _ => statement_refusal(Key::StatementUnreadable),
    })?;
    if s.order != order.id.as_str() {
        return Err(statement_refusal(Key::StatementOtherOrder));
    }
    if crate::signoff::sha256_hex(statement.canonical.as_bytes()) != statement.id {
        return Err(statement_refusal(Key::StatementIdMismatch));
    }
    if crate::signoff::sha256_hex(&statement.strokes) != s.strokes_sha256 {
        return Err(statement_refusal(Key::StrokesMismatch));
    }
    if s.signer.name.trim() != s.signer.name {
        return Err(statement_refusal(Key::StatementUnreadable));
    }
    validate::text(Field::SignerName, &s.signer.name)?;
    validate::text(Field::Opinion, &s.opinion)?;
    if let Some(r) = s.rating {
        validate::int(Field::Rating, i64::from(r))?;
    }
    if let Some(p) = &s.place {
        let lat: f64 = p.lat.parse().map_err(|_| statement_refusal(Key::StatementUnreadable))?;
        let lon: f64 = p.lon.parse().map_err(|_| statement_refusal(Key::StatementUnreadable))?;
        validate::degrees(Field::Latitude, lat)?;
        validate::degrees(Field::Longitude, lon)?;
    }
    if order.statements.iter().any(|x| x.id == statement.id) {
        return Err(statement_refusal(Key::StatementRecorded));
    }
    Ok(())
}

/// Check the numbers of a place.
pub fn check_place(p: &GeoPoint) -> Result<(), Rejection> {
    validate::degrees(Field::Latitude, p.lat)?;
    validate::degrees(Field::Longitude, p.lon)?;
    if let Some(a) = p.accuracy_m {
        validate::degrees(Field::Accuracy, a)?;
    }
    Ok(())
}

/// The order's cost after adding `extra`, refused past the limit of an order's total.
fn cost_with(order: &WorkOrder, extra: Money) -> Result<Money, Rejection> {
    let mut total = Money(0);
    for m in &order.materials {
        total = validate::add_cost(total, m.checked_total().ok_or_else(cost_overflow)?)?;
    }
    for l in &order.labour {
        total = validate::add_cost(total, l.checked_total().ok_or_else(cost_overflow)?)?;
    }
    validate::add_cost(total, extra)
}

fn cost_overflow() -> Rejection {
    validate::cost_too_large()
}

/// Check an edit against the order and its status, and every value in it against the validation
/// table. Nothing is written.
pub fn validate(order: &WorkOrder, fold: &StatusFold, edit: &Edit) -> Result<(), Rejection> {
    let kind = edit.event_kind(&EventId::new(""));
    if let Err(_reason) = check_local(fold, &kind) {
        if let Edit::Resolve { conflict, .. } = edit {
            return Err(Rejection::new(Msg::new(Key::NoConflict).arg("id", conflict.as_str())));
        }
        return Err(Rejection::not_allowed(&kind, fold.derived.status));
    }
    if edit.is_complaint_step() && order.kind != OrderKind::Complaint {
        return Err(Rejection::new(
            Msg::new(Key::NotComplaint).arg("action", crate::msg::Text::new(kind.label_zh(), kind.label_en())),
        ));
    }
    match edit {
        Edit::CommissionThirdParty { third_party, deduction, reason } => {
            if !matches!(fold.derived.assignee, Some(Assignee::Contractor(_))) {
                return Err(Rejection::new(Msg::new(Key::NotContractorJob)));
            }
            validate::text(Field::Name, third_party)?;
            validate::money(Field::Deduction, *deduction)?;
            validate::text(Field::Reason, reason).map(drop)
        }
        Edit::Classify { class, department, note } => {
            if *class == ComplaintClass::Invalid {
                return Err(Rejection::new(Msg::new(Key::InvalidIsReturned)));
            }
            validate::text(Field::Department, department)?;
            validate::text(Field::Note, note).map(drop)
        }
        Edit::Transfer { department, note } => {
            validate::text(Field::Department, department)?;
            validate::text(Field::Note, note).map(drop)
        }
        Edit::Handling { text } => {
            if text.trim().is_empty() {
                return Err(Rejection::empty(Field::Note));
            }
            validate::text(Field::Note, text).map(drop)
        }
        Edit::FinishHandling { summary } => validate::text(Field::Outcome, summary).map(drop),
        Edit::ReturnInvalid { opinion } => {
            if opinion.trim().is_empty() {
                return Err(Rejection::empty(Field::Opinion));
            }
            validate::text(Field::Opinion, opinion).map(drop)
        }
        Edit::Evaluate { text, .. } => validate::text(Field::Opinion, text).map(drop),
        Edit::FileClaim { amount, evidence } => {
            validate::money(Field::ClaimAmount, *amount)?;
            validate::text(Field::Evidence, evidence)?;
            match crate::rules::complaint::pending_claim(order) {
                Some(_) => Err(Rejection::new(Msg::new(Key::ClaimPending))),
                None => Ok(()),
            }
        }
        Edit::DecideClaim { approved, amount, note } => {
            validate::text(Field::Note, note)?;
            let Some(claimed) = crate::rules::complaint::pending_claim(order) else {
                return Err(Rejection::new(Msg::new(Key::NoClaim)));
            };
            match amount {
                Some(a) if *approved => {
                    validate::money(Field::ClaimAmount, *a)?;
                    if a.0 > claimed.0 {
                        return Err(Rejection::new(
                            Msg::new(Key::ClaimAboveAmount)
                                .arg("approved", a.to_string())
                                .arg("claimed", claimed.to_string()),
                        ));
                    }
                    Ok(())
                }
                _ => Ok(()),
            }
        }
        Edit::LinkOrder { order: other } => {
            validate::text(Field::Id, other.as_str())?;
            if *other == order.id || crate::rules::complaint::linked_orders(order).contains(other) {
                return Err(Rejection::new(Msg::new(Key::LinkInvalid).arg("order", other.as_str())));
            }
            Ok(())
        }
        Edit::Assign { assignee, note } => {
            validate::text(Field::Id, assignee.id())?;
            validate::text(Field::Note, note).map(drop)
        }
        Edit::Schedule { from_ms, to_ms, note } => {
            if to_ms.is_some_and(|t| t < *from_ms) {
                return Err(Rejection::new(Msg::new(Key::EndsBeforeStart).arg("field", Field::Appointment.label())));
            }
            validate::text(Field::Note, note).map(drop)
        }
        Edit::Pause { reason, .. } => validate::text(Field::Reason, reason).map(drop),
        Edit::RefuseSignoff { reason } | Edit::Reopen { reason } | Edit::Close { reason } | Edit::Cancel { reason } => {
            validate::text(Field::Reason, reason).map(drop)
        }
        Edit::Complete { findings, work_done } => {
            validate::opt_text(Field::Findings, findings.as_deref())?;
            validate::opt_text(Field::WorkDone, work_done.as_deref())
        }
        Edit::SignOff { statement } => check_statement(order, statement),
        Edit::Callback(c) => {
            if let Some(r) = c.rating {
                validate::int(Field::Rating, i64::from(r))?;
            }
            let graded = c.quality.is_some() || c.speed.is_some() || c.manner.is_some();
            if !c.reached && (c.satisfied.is_some() || c.rating.is_some() || graded) {
                return Err(Rejection::new(Msg::new(Key::CallbackUnreached)));
            }
            if c.reached && c.satisfied.is_none() {
                return Err(Rejection::new(Msg::new(Key::CallbackVerdict)));
            }
            if c.reached && c.next_try_ms.is_some() {
                return Err(Rejection::new(Msg::new(Key::CallbackReachedNoRetry)));
            }
            validate::text(Field::Note, &c.note).map(drop)
        }
        Edit::Reply { plan } => {
            if plan.trim().is_empty() {
                return Err(Rejection::empty(Field::Plan));
            }
            validate::text(Field::Plan, plan).map(drop)
        }
        Edit::Note { text } => {
            if text.trim().is_empty() {
                return Err(Rejection::empty(Field::Note));
            }
            validate::text(Field::Note, text).map(drop)
        }
        Edit::EditFields { fields } => {
            if fields.is_empty() {
                return Err(Rejection::new(Msg::new(Key::NothingToChange)));
            }
            for f in fields {
                match f {
                    FieldEdit::Description(s) => validate::text(Field::Description, s)?,
                    FieldEdit::Location(s) => validate::text(Field::Location, s)?,
                    FieldEdit::PreferredTime(s) => validate::text(Field::PreferredTime, s)?,
                    FieldEdit::Findings(s) => validate::text(Field::Findings, s)?,
                    FieldEdit::WorkDone(s) => validate::text(Field::WorkDone, s)?,
                    FieldEdit::Category(s) => validate::text(Field::Id, s)?,
                    FieldEdit::ReporterName(s) => validate::text(Field::ReporterName, s)?,
                    FieldEdit::ReporterPhone(s) => validate::text(Field::ReporterPhone, s)?,
                    FieldEdit::Urgency(_) => String::new(),
                };
            }
            Ok(())
        }
        Edit::AddMaterial(m) => {
            validate::text(Field::MaterialName, &m.name)?;
            validate::text(Field::MaterialSpec, &m.spec)?;
            validate::text(Field::MeasureUnit, &m.unit)?;
            validate::quantity(Field::Quantity, m.quantity)?;
            validate::money(Field::UnitPrice, m.unit_price)?;
            validate::count(Field::Materials, order.materials.len() + 1)?;
            let line = m.unit_price.checked_times(m.quantity).ok_or_else(cost_overflow)?;
            cost_with(order, line).map(drop)
        }
        Edit::RemoveMaterial { item } => {
            if order.materials.iter().any(|m| &m.id == item) {
                Ok(())
            } else {
                Err(item_not_found(Field::Materials, item))
            }
        }
        Edit::AddLabour { person, minutes, hourly_rate, note } => {
            validate::text(Field::PersonId, person.as_str())?;
            validate::int(Field::Minutes, i64::from(*minutes))?;
            validate::money(Field::HourlyRate, *hourly_rate)?;
            validate::text(Field::Note, note)?;
            validate::count(Field::LabourLines, order.labour.len() + 1)?;
            let line = Labour {
                id: String::new(),
                person: person.clone(),
                minutes: *minutes,
                hourly_rate: *hourly_rate,
                note: String::new(),
            };
            cost_with(order, line.checked_total().ok_or_else(cost_overflow)?).map(drop)
        }
        Edit::AddPhoto(p) => {
            for h in [&p.original_sha256, &p.thumbnail_sha256] {
                if !h.is_empty() {
                    validate::text(Field::Hash, h)?;
                }
            }
            validate::text(Field::Hash, &p.sha256)?;
            validate::text(Field::Caption, &p.caption)?;
            validate::count(Field::Photos, order.photos.len() + 1)?;
            if let Some(place) = &p.place {
                check_place(place)?;
            }
            if let Some(t) = p.taken_at_ms
                && t < validate::EARLIEST_MS
            {
                return Err(Rejection::new(
                    Msg::new(Key::TimeTooEarly)
                        .arg("field", Field::ActionTime.label())
                        .arg("value", t)
                        .arg("min", "2000-01-01"),
                ));
            }
            Ok(())
        }
        Edit::RemovePhoto { item, reason } => {
            validate::text(Field::Reason, reason)?;
            match order.photos.iter().find(|p| &p.id == item) {
                None => Err(item_not_found(Field::Photos, item)),
                Some(p) if p.removed => Err(item_not_found(Field::Photos, item)),
                Some(_) if photo_signed(order, fold, item) => Err(Rejection::new(Msg::new(Key::SignedEvidence))),
                Some(_) => Ok(()),
            }
        }
        Edit::AssignNumber { official_no } => {
            validate::text(Field::OfficialNo, official_no)?;
            match &order.official_no {
                Some(existing) if existing != official_no => {
                    Err(Rejection::new(Msg::new(Key::AlreadyNumbered).arg("existing", existing)))
                }
                _ => Ok(()),
            }
        }
        Edit::Contact { note, .. }
        | Edit::IssueRepairNotice { note }
        | Edit::CompleteIntake { note }
        | Edit::DecideCause { note, .. } => validate::text(Field::Note, note).map(drop),
        Edit::Resolve { note, .. } => validate::text(Field::Note, note).map(drop),
        Edit::Arrive => Ok(()),
    }
}

/// Validate and write an edit: its field changes and its event. The caller commits.
pub fn apply(
    doc: &mut AutoCommit,
    order: &WorkOrder,
    fold: &StatusFold,
    header: &EventHeader,
    edit: &Edit,
) -> Result<()> {
    validate(order, fold, edit)?;
    let event_id = header.event_id();
    match edit {
        Edit::Complete { findings, work_done } => {
            if let Some(f) = findings {
                doc::write::put_text(doc, "findings", f.trim())?;
            }
            if let Some(w) = work_done {
                doc::write::put_text(doc, "work_done", w.trim())?;
            }
        }
        Edit::DecideCause { cause, .. } => doc::write::put_text(doc, "cause", &code_of(cause))?,
        Edit::EditFields { fields } => {
            for f in fields {
                doc::write::put_text(doc, f.field(), &f.value())?;
            }
        }
        Edit::AddMaterial(m) => doc::write::put_material(
            doc,
            &Material {
                id: event_id.to_string(),
                name: m.name.trim().to_owned(),
                spec: m.spec.trim().to_owned(),
                quantity: m.quantity,
                unit: m.unit.trim().to_owned(),
                unit_price: m.unit_price,
            },
        )?,
        Edit::RemoveMaterial { item } => doc::write::delete_item(doc, "materials", item)?,
        Edit::AddLabour { person, minutes, hourly_rate, note } => doc::write::put_labour(
            doc,
            &Labour {
                id: event_id.to_string(),
                person: person.clone(),
                minutes: *minutes,
                hourly_rate: *hourly_rate,
                note: note.clone(),
            },
        )?,
        Edit::AddPhoto(p) => doc::write::put_photo(
            doc,
            &PhotoRef {
                id: event_id.to_string(),
                sha256: p.sha256.to_ascii_lowercase(),
                original_sha256: p.original_sha256.to_ascii_lowercase(),
                thumbnail_sha256: p.thumbnail_sha256.to_ascii_lowercase(),
                width: p.width,
                height: p.height,
                stamped: p.stamped,
                stage: p.stage,
                caption: p.caption.clone(),
                taken_at_ms: p.taken_at_ms,
                place: p.place,
                taken_by: header.by.clone(),
                removed: false,
            },
        )?,
        Edit::RemovePhoto { item, .. } => doc::write::mark_photo_removed(doc, item)?,
        Edit::AssignNumber { official_no } => doc::write::put_official_no(doc, official_no)?,
        Edit::SignOff { statement } => doc::write::put_statement(doc, statement)?,
        _ => {}
    }
    let mut kind = edit.event_kind(&event_id);
    if let (Edit::EditFields { fields }, EventKind::FieldsEdited { changes, .. }) = (edit, &mut kind) {
        *changes = fields
            .iter()
            .filter(|f| !matches!(f, FieldEdit::ReporterPhone(_)))
            .map(|f| crate::model::ValueChange { field: f.field().to_owned(), old: f.current(order), new: f.value() })
            .filter(|c| c.old != c.new)
            .collect();
    }
    doc::write::append_event(doc, header, &kind)
}
