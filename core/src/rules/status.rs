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

use crate::ids::{EventId, PersonId};
use crate::model::{Assignee, Event, EventKind, KeepSide};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;

/// The status of a work order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
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
        EventKind::Paused { .. } => (from == S::OnSite).then_some(S::Paused),
        EventKind::Completed => (from == S::OnSite).then_some(S::Completed),
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
pub struct Appointment {
    /// Start (ms since epoch).
    pub from_ms: i64,
    /// End, if given.
    pub to_ms: Option<i64>,
}

/// A sign-off that counted.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
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
            EventKind::Paused { reason, next_visit_ms } => {
                d.pause_reason = Some(reason.clone());
                d.appointment = next_visit_ms.map(|from_ms| Appointment { from_ms, to_ms: None });
                d.visit_due_from_ms = Some(t);
            }
            EventKind::Completed => {
                d.completed_ms = Some(t);
                d.signoffs.clear();
            }
            EventKind::SignedOff { statement, role } => {
                d.signoffs.push(SignoffMark { statement: statement.clone(), role: role.clone(), at_ms: t })
            }
            EventKind::Callback(_) | EventKind::Closed { .. } if status == Status::Closed => d.closed_ms = Some(t),
            EventKind::Reopened { .. } | EventKind::Callback(_) if status == Status::Reopened => {
                d.reopened_count += 1;
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

#[derive(Debug, Clone)]
struct Conflict {
    id: EventId,
    fork: Option<EventId>,
    held: Vec<EventId>,
    resolved: Option<(EventId, KeepSide)>,
}

#[derive(Debug, Clone)]
struct Ignored {
    event: EventId,
    status: Option<Status>,
    reason: String,
    acknowledged: bool,
}

struct Fold<'a> {
    by_id: HashMap<&'a str, &'a Event>,
    /// Applied chain with the state after each event.
    chain: Vec<(EventId, Derived)>,
    conflicts: Vec<Conflict>,
    ignored: Vec<Ignored>,
    states: HashMap<EventId, EventState>,
}

impl<'a> Fold<'a> {
    fn state(&self) -> &Derived {
        static EMPTY: std::sync::OnceLock<Derived> = std::sync::OnceLock::new();
        self.chain.last().map(|(_, d)| d).unwrap_or_else(|| EMPTY.get_or_init(Derived::default))
    }

    fn head(&self) -> Option<&EventId> {
        self.chain.last().map(|(id, _)| id)
    }

    fn chain_pos(&self, id: &EventId) -> Option<usize> {
        self.chain.iter().rposition(|(c, _)| c == id)
    }

    /// The nearest ancestor of `prev` (following `prev` links) that is on the applied chain.
    fn fork_pos(&self, prev: Option<&EventId>) -> Option<usize> {
        let mut cur = prev.cloned();
        let mut guard = 0;
        while let Some(id) = cur {
            if let Some(p) = self.chain_pos(&id) {
                return Some(p);
            }
            guard += 1;
            if guard > self.by_id.len() {
                return None;
            }
            cur = self.by_id.get(id.as_str()).and_then(|e| e.prev.clone());
        }
        None
    }

    fn push(&mut self, e: &Event, d: Derived) {
        self.states.insert(e.id.clone(), EventState::Applied);
        self.chain.push((e.id.clone(), d));
    }

    fn ignore(&mut self, e: &Event, reason: String) {
        self.states.insert(e.id.clone(), EventState::Ignored);
        self.ignored.push(Ignored { event: e.id.clone(), status: self.state().status, reason, acknowledged: false });
    }

    fn open_conflict_holding(&self, id: &EventId) -> Option<usize> {
        self.conflicts.iter().position(|c| c.resolved.is_none() && c.held.contains(id))
    }

    fn step(&mut self, e: &'a Event) {
        if let EventKind::Resolved { conflict, keep, .. } = &e.kind {
            self.resolve(e, conflict, *keep);
            return;
        }
        let head = self.head().cloned();
        if e.prev == head {
            match self.state().apply(e) {
                Some(d) => self.push(e, d),
                None => self.ignore(e, invalid_reason(self.state().status, &e.kind)),
            }
            return;
        }
        if let Some(prev) = &e.prev
            && let Some(ci) = self.open_conflict_holding(prev)
        {
            self.conflicts[ci].held.push(e.id.clone());
            let id = self.conflicts[ci].id.clone();
            self.states.insert(e.id.clone(), EventState::Held { conflict: id });
            return;
        }
        // Concurrent with what was applied after the fork point.
        let fork = self.fork_pos(e.prev.as_ref());
        let side: Vec<&'a Event> = self.chain[fork.map_or(0, |p| p + 1)..]
            .iter()
            .filter_map(|(id, _)| self.by_id.get(id.as_str()).copied())
            .collect();
        if side.iter().any(|s| is_duplicate(s, e)) {
            self.states.insert(e.id.clone(), EventState::Duplicate);
            return;
        }
        let applied = self.state().apply(e);
        match applied {
            Some(d) if !side.iter().any(|s| contradicts(s, e)) => self.push(e, d),
            _ => {
                let fork_id = fork.map(|p| self.chain[p].0.clone());
                self.states.insert(e.id.clone(), EventState::Held { conflict: e.id.clone() });
                self.conflicts.push(Conflict {
                    id: e.id.clone(),
                    fork: fork_id,
                    held: vec![e.id.clone()],
                    resolved: None,
                });
            }
        }
    }

    fn resolve(&mut self, e: &'a Event, target: &EventId, keep: KeepSide) {
        if let Some(ig) = self.ignored.iter_mut().find(|i| &i.event == target) {
            ig.acknowledged = true;
            self.states.insert(e.id.clone(), EventState::Record);
            return;
        }
        let Some(ci) = self.conflicts.iter().position(|c| &c.id == target) else {
            self.ignore(e, format!("no conflict {target} to resolve"));
            return;
        };
        if let Some((_, done)) = &self.conflicts[ci].resolved {
            if *done == keep {
                self.states.insert(e.id.clone(), EventState::Duplicate);
            } else {
                self.ignore(e, format!("conflict {target} was already resolved the other way"));
            }
            return;
        }
        self.conflicts[ci].resolved = Some((e.id.clone(), keep));
        let held = self.conflicts[ci].held.clone();
        match keep {
            KeepSide::Current => {
                for h in &held {
                    self.states.insert(h.clone(), EventState::Superseded { by: e.id.clone() });
                }
            }
            KeepSide::Held => {
                let fork = self.conflicts[ci].fork.clone();
                let keep_len = fork.as_ref().and_then(|f| self.chain_pos(f)).map_or(0, |p| p + 1);
                for (id, _) in self.chain.drain(keep_len..) {
                    self.states.insert(id, EventState::Superseded { by: e.id.clone() });
                }
                for h in &held {
                    if let Some(ev) = self.by_id.get(h.as_str()).copied() {
                        match self.state().apply(ev) {
                            Some(d) => self.push(ev, d),
                            None => self.ignore(ev, invalid_reason(self.state().status, &ev.kind)),
                        }
                    }
                }
            }
        }
        // The resolution joins the chain as its head without changing the status, so later events
        // written after seeing it are sequential.
        let d = self.state().clone();
        self.push(e, d);
    }

    fn finish(self) -> StatusFold {
        let derived = self.state().clone();
        let head = self.head().cloned();
        let mut attention = Vec::new();
        for c in &self.conflicts {
            if c.resolved.is_some() {
                continue;
            }
            let start = c.fork.as_ref().and_then(|f| self.chain_pos(f)).map_or(0, |p| p + 1);
            let current = self.chain[start.min(self.chain.len())..]
                .iter()
                .map(|(id, _)| id.clone())
                .filter(|id| self.by_id.get(id.as_str()).is_some_and(|e| !matches!(e.kind, EventKind::Resolved { .. })))
                .collect();
            attention.push(Attention::Conflict {
                id: c.id.clone(),
                fork: c.fork.clone(),
                current,
                held: c.held.clone(),
            });
        }
        for i in self.ignored.iter().filter(|i| !i.acknowledged) {
            attention.push(Attention::Ignored { event: i.event.clone(), status: i.status, reason: i.reason.clone() });
        }
        if derived.status == Some(Status::SignoffRefused)
            && let Some((id, _)) = self.chain.iter().rev().find(|(id, _)| {
                self.by_id.get(id.as_str()).is_some_and(|e| matches!(e.kind, EventKind::SignoffRefused { .. }))
            })
            && let Some(EventKind::SignoffRefused { reason }) = self.by_id.get(id.as_str()).map(|e| &e.kind)
        {
            attention.push(Attention::SignoffRefused { event: id.clone(), reason: reason.clone() });
        }
        StatusFold { derived, head, attention, states: self.states }
    }
}

fn invalid_reason(status: Option<Status>, kind: &EventKind) -> String {
    match status {
        Some(s) => format!("'{}' is not allowed when the order is {}", kind.type_name(), s.code()),
        None => format!("'{}' before the order was reported", kind.type_name()),
    }
}

/// The same fact written on two devices (both recorded the arrival, say): counted once.
fn is_duplicate(a: &Event, b: &Event) -> bool {
    match (&a.kind, &b.kind) {
        (EventKind::Assigned { assignee: x, .. }, EventKind::Assigned { assignee: y, .. }) => x == y,
        (EventKind::Arrived, EventKind::Arrived) | (EventKind::Completed, EventKind::Completed) => true,
        (EventKind::Cancelled { .. }, EventKind::Cancelled { .. }) => true,
        (EventKind::Closed { .. }, EventKind::Closed { .. }) => true,
        (EventKind::Reopened { .. }, EventKind::Reopened { .. }) => true,
        _ => false,
    }
}

fn progress(kind: &EventKind) -> bool {
    matches!(
        kind,
        EventKind::Assigned { .. }
            | EventKind::Scheduled { .. }
            | EventKind::Arrived
            | EventKind::Paused { .. }
            | EventKind::Completed
            | EventKind::SignedOff { .. }
            | EventKind::SignoffRefused { .. }
            | EventKind::Callback(_)
            | EventKind::Reopened { .. }
            | EventKind::Closed { .. }
    )
}

fn field_work(kind: &EventKind) -> bool {
    matches!(kind, EventKind::Arrived | EventKind::Paused { .. } | EventKind::Completed)
}

fn technician(a: &Assignee) -> Option<&PersonId> {
    match a {
        Assignee::Technician(p) => Some(p),
        Assignee::Contractor(_) => None,
    }
}

/// Whether two concurrent events contradict each other even though each is valid on its own.
fn contradicts(a: &Event, b: &Event) -> bool {
    fn one_way(x: &Event, y: &Event) -> bool {
        match (&x.kind, &y.kind) {
            (EventKind::Cancelled { .. }, k) => progress(k),
            (EventKind::Closed { .. }, EventKind::Reopened { .. } | EventKind::SignoffRefused { .. }) => true,
            (EventKind::Closed { .. }, EventKind::Callback(c)) => c.satisfied == Some(false),
            (EventKind::Assigned { assignee: p, .. }, EventKind::Assigned { assignee: q, .. }) => p != q,
            (EventKind::Assigned { assignee, .. }, k) if field_work(k) => {
                technician(assignee).is_some_and(|t| *t != y.by)
            }
            (EventKind::Completed, EventKind::Paused { .. }) => true,
            (EventKind::Callback(c), EventKind::Reopened { .. }) => c.satisfied == Some(true),
            _ => false,
        }
    }
    one_way(a, b) || one_way(b, a)
}

/// Fold the events of one order. `events` may be in any order.
pub fn fold(events: &[Event]) -> StatusFold {
    let mut ordered: Vec<&Event> = events.iter().filter(|e| e.kind.is_status_event()).collect();
    ordered.sort_by(|a, b| a.order_key().cmp(&b.order_key()));
    let mut f = Fold {
        by_id: events.iter().map(|e| (e.id.as_str(), e)).collect(),
        chain: Vec::new(),
        conflicts: Vec::new(),
        ignored: Vec::new(),
        states: events
            .iter()
            .filter(|e| !e.kind.is_status_event())
            .map(|e| (e.id.clone(), EventState::Record))
            .collect(),
    };
    for e in ordered {
        f.step(e);
    }
    f.finish()
}

/// Whether a local event of this kind may be recorded now (the device checks before writing).
pub fn check_local(fold: &StatusFold, kind: &EventKind) -> Result<(), String> {
    if let EventKind::Resolved { conflict, .. } = kind {
        let open = fold.attention.iter().any(|a| match a {
            Attention::Conflict { id, .. } => id == conflict,
            Attention::Ignored { event, .. } => event == conflict,
            Attention::SignoffRefused { .. } => false,
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
