//! Status is a deterministic fold over the event log.
//!
//! Events are ordered by `(hlc, device, id)`. Each status event names the status event its author had
//! last seen (`prev`). When an event's `prev` is the current head of the fold, the events are
//! sequential and the [transition table](next_status) decides. When it is not, the event was written
//! concurrently with the events applied since the fork point: a compatible concurrent event (say an
//! appointment change while the technician arrived) is applied, but a contradicting one (cancelled on
//! one device, completed on another) is *held*: the order shows a conflict with both sides until a
//! person records a `resolved` event choosing a side. Events that continue a held branch join it.
//! Nothing is dropped silently: events invalid in sequence are listed as needing attention too.
//!
//! Because the fold depends only on the set of events, every replica derives the same status and the
//! same attention list once it has the same events.

mod fold;

pub use fold::fold;

use crate::ids::EventId;
use crate::model::{Assignee, Event, EventKind};
use fold::invalid_reason;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;

/// The status of a work order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// 待派工: reported, nobody assigned.
    Reported,
    /// 已派工: assigned, not yet on site.
    Assigned,
    /// 维修中: someone is on site.
    OnSite,
    /// 暂停/待续修: could not be finished; a next visit may be agreed.
    Paused,
    /// 已完工/待验收.
    Completed,
    /// 业主拒签: the owner refused to sign; the office must act.
    SignoffRefused,
    /// 已验收/待回访.
    SignedOff,
    /// 返修: reopened after completion.
    Reopened,
    /// 已关闭 (回访封闭).
    Closed,
    /// 已取消.
    Cancelled,
}

impl Status {
    /// Every status, in workflow order.
    pub const ALL: [Status; 10] = [
        Status::Reported,
        Status::Assigned,
        Status::OnSite,
        Status::Paused,
        Status::Completed,
        Status::SignoffRefused,
        Status::SignedOff,
        Status::Reopened,
        Status::Closed,
        Status::Cancelled,
    ];

    /// Stable code used in the store and in JSON.
    pub fn code(self) -> &'static str {
        match self {
            Status::Reported => "reported",
            Status::Assigned => "assigned",
            Status::OnSite => "on_site",
            Status::Paused => "paused",
            Status::Completed => "completed",
            Status::SignoffRefused => "signoff_refused",
            Status::SignedOff => "signed_off",
            Status::Reopened => "reopened",
            Status::Closed => "closed",
            Status::Cancelled => "cancelled",
        }
    }

    /// Parse a [`Status::code`].
    pub fn from_code(code: &str) -> Option<Status> {
        Status::ALL.into_iter().find(|s| s.code() == code)
    }

    /// Label in Chinese, as on the paper forms.
    pub fn label_zh(self) -> &'static str {
        match self {
            Status::Reported => "待派工",
            Status::Assigned => "已派工",
            Status::OnSite => "维修中",
            Status::Paused => "待续修",
            Status::Completed => "待验收",
            Status::SignoffRefused => "业主拒签",
            Status::SignedOff => "已验收",
            Status::Reopened => "返修",
            Status::Closed => "已关闭",
            Status::Cancelled => "已取消",
        }
    }

    /// Label in English.
    pub fn label_en(self) -> &'static str {
        match self {
            Status::Reported => "To dispatch",
            Status::Assigned => "Assigned",
            Status::OnSite => "On site",
            Status::Paused => "Paused",
            Status::Completed => "Awaiting sign-off",
            Status::SignoffRefused => "Sign-off refused",
            Status::SignedOff => "Signed off",
            Status::Reopened => "Reopened",
            Status::Closed => "Closed",
            Status::Cancelled => "Cancelled",
        }
    }

    /// What a complaint in this status is called (a complaint is handled, not repaired and signed).
    pub fn complaint_label(self) -> (&'static str, &'static str) {
        match self {
            Status::Reported => ("处理中", "open"),
            Status::Assigned | Status::OnSite | Status::Paused => ("现场处理中", "being handled on site"),
            Status::Completed | Status::SignoffRefused | Status::SignedOff => ("待回访", "callback due"),
            Status::Reopened => ("重新处理", "reopened"),
            Status::Closed => ("已关闭", "closed"),
            Status::Cancelled => ("已取消", "cancelled"),
        }
    }

    /// Still needs work or follow-up (not closed or cancelled).
    pub fn is_open(self) -> bool {
        !matches!(self, Status::Closed | Status::Cancelled)
    }

    /// Work still to be done on site.
    pub fn is_field_work(self) -> bool {
        matches!(self, Status::Assigned | Status::OnSite | Status::Paused | Status::Reopened)
    }
}

/// The transition table: the status after `kind` is applied in `from` (`None` = before the first
/// event), or `None` when the event is not valid there.
pub fn next_status(from: Option<Status>, kind: &EventKind) -> Option<Status> {
    use Status as S;
    let Some(from) = from else {
        return matches!(kind, EventKind::Reported).then_some(S::Reported);
    };
    match kind {
        EventKind::Reported => None,
        EventKind::Assigned { .. } => {
            matches!(from, S::Reported | S::Assigned | S::Paused | S::Reopened).then_some(S::Assigned)
        }
        EventKind::Scheduled { .. } => {
            matches!(from, S::Reported | S::Assigned | S::OnSite | S::Paused | S::Reopened).then_some(from)
        }
        EventKind::Arrived => matches!(from, S::Assigned | S::Paused | S::Reopened).then_some(S::OnSite),
        // On site (the job cannot be finished), or before the visit (the office's hold: weather, parts).
        EventKind::Paused { .. } => matches!(from, S::OnSite | S::Assigned | S::Reopened).then_some(S::Paused),
        EventKind::Completed => (from == S::OnSite).then_some(S::Completed),
        // Quantities confirmed (工程量确认单) after the work: recorded, the status stays.
        EventKind::SignedOff { quantity: true, .. } => {
            matches!(from, S::Completed | S::SignoffRefused | S::SignedOff).then_some(from)
        }
        EventKind::SignedOff { .. } => {
            matches!(from, S::Completed | S::SignoffRefused | S::SignedOff).then_some(S::SignedOff)
        }
        EventKind::SignoffRefused { .. } => (from == S::Completed).then_some(S::SignoffRefused),
        EventKind::Callback(c) => {
            if !matches!(from, S::Completed | S::SignoffRefused | S::SignedOff) {
                return None;
            }
            Some(match (c.reached, c.satisfied) {
                (true, Some(true)) => S::Closed,
                (true, Some(false)) => S::Reopened,
                _ => from,
            })
        }
        // A complaint's handling ends (handled, or returned as invalid) without field work; the
        // callback follows as after a repair.
        EventKind::ComplaintDone { .. } | EventKind::ComplaintReturned { .. } => {
            matches!(from, S::Reported | S::Assigned | S::Paused | S::Reopened).then_some(S::Completed)
        }
        EventKind::Reopened { .. } => {
            matches!(from, S::Completed | S::SignoffRefused | S::SignedOff | S::Closed).then_some(S::Reopened)
        }
        EventKind::Closed { .. } => {
            matches!(from, S::Completed | S::SignoffRefused | S::SignedOff).then_some(S::Closed)
        }
        EventKind::Cancelled { .. } => {
            matches!(from, S::Reported | S::Assigned | S::OnSite | S::Paused | S::Reopened).then_some(S::Cancelled)
        }
        // Resolutions and records never change the status themselves.
        _ => None,
    }
}

/// An agreed visit window.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Appointment {
    /// Start (ms since epoch).
    pub from_ms: i64,
    /// End, if given.
    pub to_ms: Option<i64>,
}

/// A sign-off that counted.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct SignoffMark {
    /// Statement id.
    pub statement: String,
    /// Signer's role.
    pub role: String,
    /// When.
    pub at_ms: i64,
}

/// What the fold knows after each applied event.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Derived {
    /// Current status (`None` only for a document without a `reported` event).
    pub status: Option<Status>,
    /// Who does the job now.
    pub assignee: Option<Assignee>,
    /// The next agreed visit, cleared on arrival.
    pub appointment: Option<Appointment>,
    /// Why the job is paused, when it is.
    pub pause_reason: Option<String>,
    /// When reported.
    pub reported_ms: Option<i64>,
    /// When the current assignee was assigned.
    pub assigned_ms: Option<i64>,
    /// When the current round of field work began (assignment, reopening or pause), which the
    /// start-of-repair deadline counts from.
    pub visit_due_from_ms: Option<i64>,
    /// First arrival on site.
    pub first_arrived_ms: Option<i64>,
    /// Last arrival on site.
    pub last_arrived_ms: Option<i64>,
    /// Completion (latest).
    pub completed_ms: Option<i64>,
    /// Sign-offs collected since the last completion.
    pub signoffs: Vec<SignoffMark>,
    /// When the owner's satisfied callback closed it, or it was closed.
    pub closed_ms: Option<i64>,
    /// Times reopened.
    pub reopened_count: u32,
    /// A complaint the department returned as invalid (with its head's opinion): the desk may close it.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub returned_invalid: bool,
}

impl Derived {
    fn apply(&self, e: &Event) -> Option<Derived> {
        let status = next_status(self.status, &e.kind)?;
        let mut d = self.clone();
        d.status = Some(status);
        let t = e.at_ms;
        match &e.kind {
            EventKind::Reported => d.reported_ms = Some(t),
            EventKind::Assigned { assignee, .. } => {
                if d.assignee.as_ref() != Some(assignee) {
                    d.assigned_ms = Some(t);
                    d.visit_due_from_ms = Some(t);
                    d.appointment = None;
                }
                d.assignee = Some(assignee.clone());
                d.pause_reason = None;
            }
            EventKind::Scheduled { from_ms, to_ms, .. } => {
                d.appointment = Some(Appointment { from_ms: *from_ms, to_ms: *to_ms });
            }
            EventKind::Arrived => {
                d.first_arrived_ms.get_or_insert(t);
                d.last_arrived_ms = Some(t);
                d.appointment = None;
                d.pause_reason = None;
                d.visit_due_from_ms = None;
            }
            EventKind::Paused { reason, next_visit_ms, .. } => {
                d.pause_reason = Some(reason.clone());
                d.appointment = next_visit_ms.map(|from_ms| Appointment { from_ms, to_ms: None });
                d.visit_due_from_ms = Some(t);
            }
            EventKind::Completed | EventKind::ComplaintDone { .. } => {
                d.completed_ms = Some(t);
                d.signoffs.clear();
                d.returned_invalid = false;
            }
            EventKind::ComplaintReturned { .. } => {
                d.completed_ms = Some(t);
                d.returned_invalid = true;
            }
            EventKind::SignedOff { statement, role, .. } => {
                d.signoffs.push(SignoffMark { statement: statement.clone(), role: role.clone(), at_ms: t })
            }
            EventKind::Callback(_) | EventKind::Closed { .. } if status == Status::Closed => d.closed_ms = Some(t),
            EventKind::Reopened { .. } | EventKind::Callback(_) if status == Status::Reopened => {
                d.reopened_count += 1;
                d.returned_invalid = false;
                d.visit_due_from_ms = Some(t);
                d.closed_ms = None;
            }
            _ => {}
        }
        Some(d)
    }
}

/// Why an event needs a person's attention.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Attention {
    /// Concurrent contradicting events. `current` is what the status shows; `held` is the other side.
    Conflict {
        /// Conflict id: the first held event (name it in a `resolved` event).
        id: EventId,
        /// The last event both sides had seen.
        fork: Option<EventId>,
        /// Events on the applied side after the fork.
        current: Vec<EventId>,
        /// Events on the held side.
        held: Vec<EventId>,
    },
    /// An event that does not fit the status it was written in (only a faulty or newer writer makes
    /// these); acknowledge it with a `resolved` event naming it.
    Ignored {
        /// The event.
        event: EventId,
        /// Status when it came.
        status: Option<Status>,
        /// Why it was not applied.
        reason: String,
    },
    /// A sign-off whose statement does not verify (forged, altered, from an unknown device, or
    /// describing something the order never held): it does not count. Acknowledge it with a
    /// `resolved` event naming it once the office has dealt with it.
    UnverifiedSignoff {
        /// The `signed_off` event.
        event: EventId,
        /// Its statement id.
        statement: String,
        /// Why it does not count.
        verdict: crate::signoff::Verdict,
    },
    /// 先抢修后补单: a technician opened this order on site; the office has not completed its intake
    /// (reporter, category, description checked) yet. Cleared by an `intake_completed` event.
    IntakePending {
        /// Who opened it.
        by: crate::ids::PersonId,
    },
    /// A counted sign-off whose signed content has changed since: the signature is genuine but no
    /// longer covers what the order says.
    ChangedAfterSignoff {
        /// The statement.
        statement: String,
        /// The signed fields that changed, with their old and new values.
        fields: Vec<crate::signoff::FieldChange>,
    },
    /// The owner refused to sign; the office must follow up.
    SignoffRefused {
        /// The refusal event.
        event: EventId,
        /// The owner's reason.
        reason: String,
    },
}

/// Where an event stands in the fold, for the timeline.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum EventState {
    /// Part of the status history.
    Applied,
    /// A record that does not take part in the status (notes, materials, photos…).
    Record,
    /// The same fact recorded concurrently on two devices; counted once.
    Duplicate,
    /// Held in an unresolved conflict.
    Held {
        /// Conflict id.
        conflict: EventId,
    },
    /// Set aside when a person resolved a conflict the other way.
    Superseded {
        /// The resolving event.
        by: EventId,
    },
    /// Not applied (see the attention list).
    Ignored,
}

/// The result of folding an order's events.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct StatusFold {
    /// What is known now.
    pub derived: Derived,
    /// The id of the last applied status event: the `prev` of the next local status event.
    pub head: Option<EventId>,
    /// Things a person must look at, in a deterministic order.
    pub attention: Vec<Attention>,
    /// Each event's state.
    pub states: HashMap<EventId, EventState>,
}

impl StatusFold {
    /// The status (`Reported` for a document missing its first event, which only a broken writer makes).
    pub fn status(&self) -> Status {
        self.derived.status.unwrap_or(Status::Reported)
    }

    /// Whether a conflict or flag is open.
    pub fn needs_attention(&self) -> bool {
        !self.attention.is_empty()
    }
}

/// Whether a local event of this kind may be recorded now (the device checks before writing).
pub fn check_local(fold: &StatusFold, kind: &EventKind) -> Result<(), String> {
    if let EventKind::Resolved { conflict, .. } = kind {
        let open = fold.attention.iter().any(|a| match a {
            Attention::Conflict { id, .. } => id == conflict,
            Attention::Ignored { event, .. } | Attention::UnverifiedSignoff { event, .. } => event == conflict,
            Attention::SignoffRefused { .. }
            | Attention::ChangedAfterSignoff { .. }
            | Attention::IntakePending { .. } => false,
        });
        return if open { Ok(()) } else { Err(format!("there is no open conflict {conflict}")) };
    }
    if !kind.is_status_event() {
        return Ok(());
    }
    match next_status(fold.derived.status, kind) {
        Some(_) => Ok(()),
        None => Err(invalid_reason(fold.derived.status, kind)),
    }
}
