//! Deadlines (服务时限) from the organisation's service targets.
//!
//! Each order exposes the deadlines that apply to it, when each started and is due, and whether it was
//! met. How much time is left, "at risk" and "overdue" depend on `now`, which the caller passes in.
//! Day-based targets are counted in the organisation's local time and working-day calendar: a target
//! of "2 working days" is due at the end of the second working day after the day of the report.

use crate::calendar::{end_of_local_day, local_date};
use crate::ids::ContractorId;
use crate::model::{Assignee, EventKind, OrderKind, OrgSettings, Urgency, WorkOrder};
use crate::rules::status::{EventState, Status, StatusFold};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// What a deadline is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum DeadlineKind {
    /// Call the owner back to fix the visit (2 h).
    Contact,
    /// Someone on site for an emergency (15 min).
    EmergencyOnSite,
    /// The warranty contractor on site (24 h).
    ContractorOnSite,
    /// Start the repair: at the appointment, or the day it was dispatched.
    StartRepair,
    /// Pass a valid complaint to its department (1 working day).
    ComplaintTransfer,
    /// Answer a complaint with a plan (2 working days).
    ComplaintAnswer,
    /// Call the owner back after completion (same day for household repairs).
    Callback,
}

impl DeadlineKind {
    /// Stable code.
    pub fn code(self) -> &'static str {
        match self {
            DeadlineKind::Contact => "contact",
            DeadlineKind::EmergencyOnSite => "emergency_on_site",
            DeadlineKind::ContractorOnSite => "contractor_on_site",
            DeadlineKind::StartRepair => "start_repair",
            DeadlineKind::ComplaintTransfer => "complaint_transfer",
            DeadlineKind::ComplaintAnswer => "complaint_answer",
            DeadlineKind::Callback => "callback",
        }
    }

    /// Chinese label.
    pub fn label_zh(self) -> &'static str {
        match self {
            DeadlineKind::Contact => "回复业主",
            DeadlineKind::EmergencyOnSite => "紧急到场",
            DeadlineKind::ContractorOnSite => "施工单位到场",
            DeadlineKind::StartRepair => "上门维修",
            DeadlineKind::ComplaintTransfer => "投诉转交",
            DeadlineKind::ComplaintAnswer => "投诉答复",
            DeadlineKind::Callback => "回访",
        }
    }

    /// English label.
    pub fn label_en(self) -> &'static str {
        match self {
            DeadlineKind::Contact => "Call the owner back",
            DeadlineKind::EmergencyOnSite => "Emergency on site",
            DeadlineKind::ContractorOnSite => "Contractor on site",
            DeadlineKind::StartRepair => "Start the repair",
            DeadlineKind::ComplaintTransfer => "Pass to the department",
            DeadlineKind::ComplaintAnswer => "Answer the complaint",
            DeadlineKind::Callback => "Callback",
        }
    }
}

/// One deadline of one order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Deadline {
    /// What for.
    pub kind: DeadlineKind,
    /// When the clock started (ms).
    pub start_ms: i64,
    /// When it is due (ms).
    pub due_ms: i64,
    /// When it was met, if it was.
    pub met_ms: Option<i64>,
}

/// A deadline seen at a moment.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum DeadlineState {
    /// Met; `late` if after the due time.
    Met {
        /// Met after it was due.
        late: bool,
    },
    /// Running.
    Open {
        /// Milliseconds left.
        left_ms: i64,
        /// Less than the configured fraction of the window is left.
        at_risk: bool,
    },
    /// Past due and not met.
    Overdue {
        /// By how much (ms).
        by_ms: i64,
    },
}

impl Deadline {
    /// The deadline's state at `now_ms`.
    pub fn state(&self, now_ms: i64, at_risk_fraction: f64) -> DeadlineState {
        if let Some(met) = self.met_ms {
            return DeadlineState::Met { late: met > self.due_ms };
        }
        let left_ms = self.due_ms - now_ms;
        if left_ms < 0 {
            return DeadlineState::Overdue { by_ms: -left_ms };
        }
        let window = (self.due_ms - self.start_ms).max(1) as f64;
        DeadlineState::Open { left_ms, at_risk: (left_ms as f64) < window * at_risk_fraction }
    }

    /// Not met yet.
    pub fn is_open(&self) -> bool {
        self.met_ms.is_none()
    }
}

fn ms(t: DateTime<Utc>) -> i64 {
    t.timestamp_millis()
}

fn dt(ms: i64) -> DateTime<Utc> {
    DateTime::from_timestamp_millis(ms).unwrap_or_default()
}

/// The end of the `n`th working day after the local day of `start_ms`.
fn working_days_due(start_ms: i64, n: u32, settings: &OrgSettings) -> i64 {
    let tz = settings.tz();
    let day = settings.calendar.nth_working_day_after(local_date(dt(start_ms), tz), n);
    ms(end_of_local_day(day, tz))
}

fn end_of_day(start_ms: i64, settings: &OrgSettings) -> i64 {
    let tz = settings.tz();
    ms(end_of_local_day(local_date(dt(start_ms), tz), tz))
}

/// First time an event matching `pred` (that counts: not held, superseded or ignored) happened at or
/// after `from_ms`.
fn first_at(order: &WorkOrder, fold: &StatusFold, from_ms: i64, pred: impl Fn(&EventKind) -> bool) -> Option<i64> {
    order
        .events
        .iter()
        .filter(|e| {
            matches!(
                fold.states.get(&e.id),
                None | Some(EventState::Applied | EventState::Record | EventState::Duplicate)
            )
        })
        .filter(|e| e.at_ms >= from_ms && pred(&e.kind))
        .map(|e| e.at_ms)
        .min()
}

/// The deadlines that apply to an order. `household` is the category's flag for simple household
/// repairs (same-day callback). Deadlines no longer due (the order was cancelled or closed before
/// they were met) are left out.
pub fn deadlines(order: &WorkOrder, fold: &StatusFold, household: bool, settings: &OrgSettings) -> Vec<Deadline> {
    let p = &settings.sla;
    let d = &fold.derived;
    let Some(reported) = d.reported_ms else {
        return Vec::new();
    };
    let status = fold.status();
    let mut out = Vec::new();

    out.push(Deadline {
        kind: DeadlineKind::Contact,
        start_ms: reported,
        due_ms: reported + p.contact_within_min * 60_000,
        met_ms: first_at(order, fold, reported, |k| {
            matches!(k, EventKind::Contacted { reached: true, .. } | EventKind::Scheduled { .. } | EventKind::Arrived)
        }),
    });
    if order.urgency == Urgency::Emergency {
        out.push(Deadline {
            kind: DeadlineKind::EmergencyOnSite,
            start_ms: reported,
            due_ms: reported + p.emergency_on_site_min * 60_000,
            met_ms: d.first_arrived_ms,
        });
    }
    if order.kind == OrderKind::Complaint {
        // A communicative complaint is answered by the desk itself: nothing to transfer.
        let transferred = first_at(order, fold, reported, |k| matches!(k, EventKind::ComplaintTransferred { .. }));
        let communicative =
            crate::rules::complaint::class_of(order, fold).is_some_and(crate::model::ComplaintClass::is_communicative);
        if transferred.is_some() || !communicative {
            out.push(Deadline {
                kind: DeadlineKind::ComplaintTransfer,
                start_ms: reported,
                due_ms: working_days_due(reported, p.complaint_transfer_working_days, settings),
                met_ms: transferred,
            });
        }
        out.push(Deadline {
            kind: DeadlineKind::ComplaintAnswer,
            start_ms: reported,
            due_ms: working_days_due(reported, p.complaint_answer_working_days, settings),
            met_ms: first_at(order, fold, reported, |k| matches!(k, EventKind::Replied { .. })),
        });
    }
    match (&d.assignee, d.assigned_ms) {
        (Some(Assignee::Contractor(_)), Some(assigned)) => out.push(Deadline {
            kind: DeadlineKind::ContractorOnSite,
            start_ms: assigned,
            due_ms: assigned + p.contractor_on_site_hours * 3_600_000,
            met_ms: first_at(order, fold, assigned, |k| matches!(k, EventKind::Arrived)),
        }),
        (Some(Assignee::Technician(_)), _) => {
            let pending = matches!(status, Status::Assigned | Status::Paused | Status::Reopened);
            let emergency_first_visit = order.urgency == Urgency::Emergency && d.first_arrived_ms.is_none();
            if let (true, false, Some(start)) = (pending, emergency_first_visit, d.visit_due_from_ms) {
                let due = match d.appointment {
                    Some(a) => a.to_ms.unwrap_or(a.from_ms + p.appointment_default_min * 60_000),
                    None => end_of_day(start, settings),
                };
                out.push(Deadline { kind: DeadlineKind::StartRepair, start_ms: start, due_ms: due, met_ms: None });
            }
        }
        _ => {}
    }
    if let Some(completed) = d.completed_ms {
        let due = if household {
            end_of_day(completed, settings)
        } else {
            working_days_due(completed, p.callback_working_days, settings)
        };
        let met = first_at(order, fold, completed, |k| matches!(k, EventKind::Callback(c) if c.reached));
        let relevant =
            matches!(status, Status::Completed | Status::SignoffRefused | Status::SignedOff | Status::Closed)
                || met.is_some();
        if relevant {
            out.push(Deadline { kind: DeadlineKind::Callback, start_ms: completed, due_ms: due, met_ms: met });
        }
    }
    if !status.is_open() {
        out.retain(|dl| dl.met_ms.is_some());
    }
    out
}

/// The earliest deadline not yet met.
pub fn next_due(deadlines: &[Deadline]) -> Option<&Deadline> {
    deadlines.iter().filter(|d| d.is_open()).min_by_key(|d| (d.due_ms, d.kind))
}

/// What to do about a warranty contractor who is late (seed 000: notice first, then a third party
/// at the contractor's cost).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(tag = "step", rename_all = "snake_case")]
pub enum Escalation {
    /// Send a 《质量维修通知单》.
    QualityRepairNotice {
        /// The late contractor.
        contractor: ContractorId,
        /// How late (ms).
        overdue_by_ms: i64,
    },
    /// Have a third party repair it; deduct the cost from the contractor's warranty deposit (扣款).
    ThirdPartyWithDeduction {
        /// The late contractor.
        contractor: ContractorId,
        /// When the notice was sent.
        notice_ms: i64,
    },
    /// A complaint missed its transfer or answer deadline: a supervisor takes it over (升级).
    ComplaintOverdue {
        /// Which deadline.
        deadline: DeadlineKind,
        /// How late (ms).
        overdue_by_ms: i64,
    },
}

impl Escalation {
    /// What to do, in both languages, the contractor named as the reference data knows it.
    pub fn explain(&self, reference: &crate::model::ReferenceData) -> crate::msg::Text {
        let name = |c: &ContractorId| reference.assignee_name(&Assignee::Contractor(c.clone()));
        match self {
            Escalation::QualityRepairNotice { contractor, overdue_by_ms } => {
                let (c, min) = (name(contractor), overdue_by_ms / 60_000);
                crate::msg::Text::new(
                    format!("施工单位 {c} 超过到场时限 {min} 分钟,建议发出《质量维修通知单》"),
                    format!("Contractor {c} is {min} min past its on-site deadline: send a quality-repair notice"),
                )
            }
            Escalation::ThirdPartyWithDeduction { contractor, .. } => {
                let c = name(contractor);
                crate::msg::Text::new(
                    format!("已发《质量维修通知单》,施工单位 {c} 仍未到场,建议委托第三方维修,费用从其质保金中扣除"),
                    format!(
                        "Contractor {c} is still absent after the quality-repair notice: have a third party \
                         repair it and deduct the cost from the contractor's warranty deposit"
                    ),
                )
            }
            Escalation::ComplaintOverdue { deadline, overdue_by_ms } => crate::msg::Text::new(
                format!("{}已超时 {},升级至主管督办", deadline.label_zh(), hours_zh(*overdue_by_ms)),
                format!("{} is {} overdue: escalated to a supervisor", deadline.label_en(), hours_en(*overdue_by_ms)),
            ),
        }
    }
}

fn hours_zh(ms: i64) -> String {
    let h = ms / 3_600_000;
    if h >= 1 { format!("{h} 小时") } else { format!("{} 分钟", ms / 60_000) }
}

fn hours_en(ms: i64) -> String {
    let h = ms / 3_600_000;
    if h >= 1 { format!("{h} h") } else { format!("{} min", ms / 60_000) }
}

/// The escalation step due at `now_ms`, if any.
pub fn escalation(order: &WorkOrder, fold: &StatusFold, settings: &OrgSettings, now_ms: i64) -> Option<Escalation> {
    let d = &fold.derived;
    if order.kind == OrderKind::Complaint {
        if !fold.status().is_open() {
            return None;
        }
        return deadlines(order, fold, false, settings)
            .into_iter()
            .filter(|dl| {
                matches!(dl.kind, DeadlineKind::ComplaintTransfer | DeadlineKind::ComplaintAnswer)
                    && dl.is_open()
                    && now_ms > dl.due_ms
            })
            .min_by_key(|dl| dl.due_ms)
            .map(|dl| Escalation::ComplaintOverdue { deadline: dl.kind, overdue_by_ms: now_ms - dl.due_ms });
    }
    let (Some(Assignee::Contractor(contractor)), Some(assigned)) = (&d.assignee, d.assigned_ms) else {
        return None;
    };
    let arrived = first_at(order, fold, assigned, |k| matches!(k, EventKind::Arrived));
    let commissioned = first_at(order, fold, assigned, |k| matches!(k, EventKind::ThirdPartyCommissioned { .. }));
    if !fold.status().is_field_work() || arrived.is_some() || commissioned.is_some() {
        return None;
    }
    let due = assigned + settings.sla.contractor_on_site_hours * 3_600_000;
    if now_ms <= due {
        return None;
    }
    match first_at(order, fold, assigned, |k| matches!(k, EventKind::RepairNoticeIssued { .. })) {
        None => Some(Escalation::QualityRepairNotice { contractor: contractor.clone(), overdue_by_ms: now_ms - due }),
        Some(notice) if now_ms > notice + settings.sla.repair_notice_grace_hours * 3_600_000 => {
            Some(Escalation::ThirdPartyWithDeduction { contractor: contractor.clone(), notice_ms: notice })
        }
        Some(_) => None,
    }
}
