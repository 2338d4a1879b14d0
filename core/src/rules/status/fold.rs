//! The fold itself: applying events in HLC order, detecting concurrency through `prev`, holding
//! contradictions as conflicts and replaying a held branch when a person resolves for it.

use super::{Attention, Derived, EventState, Status, StatusFold};
use crate::ids::{EventId, PersonId};
use crate::model::{Assignee, Event, EventKind, KeepSide};
use crate::signoff::{Verdict, Verdicts};
use std::collections::HashMap;

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

#[derive(Debug, Clone)]
struct Unverified {
    event: EventId,
    statement: String,
    verdict: Verdict,
    acknowledged: bool,
}

struct Fold<'a> {
    verdicts: &'a Verdicts,
    unverified: Vec<Unverified>,
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
        // A sign-off counts only when its statement verifies: signed by the named device's key over
        // exactly what the order held at the signed heads. Anything else is set aside and flagged.
        if let EventKind::SignedOff { statement, .. } = &e.kind {
            let verdict = self.verdicts.get(statement).cloned().unwrap_or(Verdict::NotVerified);
            if !verdict.is_genuine() {
                self.states.insert(e.id.clone(), EventState::Ignored);
                self.unverified.push(Unverified {
                    event: e.id.clone(),
                    statement: statement.clone(),
                    verdict,
                    acknowledged: false,
                });
                return;
            }
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
        if let Some(u) = self.unverified.iter_mut().find(|u| &u.event == target) {
            u.acknowledged = true;
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
        for u in self.unverified.iter().filter(|u| !u.acknowledged) {
            attention.push(Attention::UnverifiedSignoff {
                event: u.event.clone(),
                statement: u.statement.clone(),
                verdict: u.verdict.clone(),
            });
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

pub(super) fn invalid_reason(status: Option<Status>, kind: &EventKind) -> String {
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
        (EventKind::ComplaintDone { .. }, EventKind::ComplaintDone { .. }) => true,
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
            | EventKind::ComplaintDone { .. }
            | EventKind::ComplaintReturned { .. }
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
            // Handled on one desk, returned as invalid on another: a person decides which stands.
            (EventKind::ComplaintDone { .. }, EventKind::ComplaintReturned { .. }) => true,
            (EventKind::Callback(c), EventKind::Reopened { .. }) => c.satisfied == Some(true),
            _ => false,
        }
    }
    one_way(a, b) || one_way(b, a)
}

/// Fold the events of one order. `events` may be in any order. `verdicts` says how each statement
/// of the order verified ([`crate::signoff::verify_all`]); a `signed_off` event whose statement is
/// missing from it or did not verify does not count.
pub fn fold(events: &[Event], verdicts: &Verdicts) -> StatusFold {
    let mut ordered: Vec<&Event> = events.iter().filter(|e| e.kind.is_status_event()).collect();
    ordered.sort_by(|a, b| a.order_key().cmp(&b.order_key()));
    let mut f = Fold {
        verdicts,
        unverified: Vec::new(),
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
