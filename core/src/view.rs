//! An order with everything derived from it: status, attention, deadlines at `now`, routing and
//! escalation, and a timeline that says where each event stands. Lists, screens and exports use it.

use crate::ids::EventId;
use crate::model::{Category, Event, FieldConflict, OrgSettings, ReferenceData, WorkOrder};
use crate::rules::sla::{self, Deadline, DeadlineState, Escalation};
use crate::rules::status::{self, Attention, Derived, EventState, Status, StatusFold};
use crate::rules::warranty::{self, Routing, RoutingInput};
use crate::signoff::{Verdict, Verdicts};
use chrono::DateTime;
use serde::{Deserialize, Serialize};

/// A deadline and its state at `now`.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct DeadlineView {
    /// The deadline.
    #[serde(flatten)]
    pub deadline: Deadline,
    /// Its state.
    pub state: DeadlineState,
}

/// An event and where it stands.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct TimelineEntry {
    /// The event.
    #[serde(flatten)]
    pub event: Event,
    /// Applied, held, superseded…
    pub state: EventState,
}

/// An order as people see it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct OrderView {
    /// What was entered.
    pub order: WorkOrder,
    /// Status.
    pub status: Status,
    /// What the fold knows (assignee, appointment, milestones).
    pub derived: Derived,
    /// The `prev` for the next status event written locally.
    pub head: Option<EventId>,
    /// Conflicts and flags.
    pub attention: Vec<Attention>,
    /// Fields with concurrent values.
    pub field_conflicts: Vec<FieldConflict>,
    /// Deadlines.
    pub deadlines: Vec<DeadlineView>,
    /// Warranty routing suggestion (when the category is known).
    pub routing: Option<Routing>,
    /// The next escalation step: a late contractor's, or a complaint past its transfer or answer deadline.
    pub escalation: Option<Escalation>,
    /// A complaint's 投诉处理单 (none for a repair order).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub complaint: Option<crate::rules::complaint::ComplaintSheet>,
    /// Events in order.
    pub timeline: Vec<TimelineEntry>,
}

impl OrderView {
    /// Needs a person: an open conflict, a flag, or a field conflict.
    pub fn needs_attention(&self) -> bool {
        !self.attention.is_empty() || !self.field_conflicts.is_empty()
    }

    /// The earliest unmet deadline.
    pub fn next_due(&self) -> Option<&DeadlineView> {
        self.deadlines.iter().filter(|d| d.deadline.is_open()).min_by_key(|d| (d.deadline.due_ms, d.deadline.kind))
    }

    /// Any deadline overdue now.
    pub fn overdue(&self) -> bool {
        self.deadlines.iter().any(|d| matches!(d.state, DeadlineState::Overdue { .. }))
    }

    /// The status fold this view was built from (its parts are all kept in the view).
    pub fn fold(&self) -> StatusFold {
        StatusFold {
            derived: self.derived.clone(),
            head: self.head.clone(),
            attention: self.attention.clone(),
            states: self.timeline.iter().map(|e| (e.event.id.clone(), e.state.clone())).collect(),
        }
    }

    /// What `by` may do on this order now, and what the status allows but this person may not (with why).
    pub fn actions(
        &self,
        reference: &ReferenceData,
        by: &crate::ids::PersonId,
    ) -> Vec<crate::rules::actions::ActionView> {
        crate::rules::actions::actions(reference, by, &self.order, &self.fold())
    }

    /// Any deadline at risk now.
    pub fn at_risk(&self) -> bool {
        self.deadlines.iter().any(|d| matches!(d.state, DeadlineState::Open { at_risk: true, .. }))
    }
}

/// Fold, route and time an order. `verdicts` says how each of its statements verified
/// ([`crate::signoff::verify_all`]): only genuine sign-offs count, and a counted one whose signed
/// content changed since is shown as needing attention, field by field.
pub fn build(
    order: WorkOrder,
    verdicts: &Verdicts,
    reference: &ReferenceData,
    settings: &OrgSettings,
    now_ms: i64,
) -> OrderView {
    let mut fold = status::fold(&order.events, verdicts);
    for mark in &fold.derived.signoffs {
        if let Some(Verdict::ChangedAfterSignoff { fields }) = verdicts.get(&mark.statement) {
            fold.attention
                .push(Attention::ChangedAfterSignoff { statement: mark.statement.clone(), fields: fields.clone() });
        }
    }
    // 先抢修后补单: opened by a technician on site, the intake waits for the office.
    if let Some(first) = order.events.iter().find(|e| matches!(e.kind, crate::model::EventKind::Reported))
        && reference.person(&first.by).is_some_and(|p| !crate::rules::permission::is_office(p))
        && !order.events.iter().any(|e| matches!(e.kind, crate::model::EventKind::IntakeCompleted { .. }))
    {
        fold.attention.push(Attention::IntakePending { by: first.by.clone() });
    }
    let category = reference.category(&order.category);
    let deadlines = sla::deadlines(&order, &fold, category.is_some_and(|c| c.household), settings)
        .into_iter()
        .map(|deadline| DeadlineView { deadline, state: deadline.state(now_ms, settings.sla.at_risk_fraction) })
        .collect();
    let routing = category.map(|c| route(&order, &fold, reference, c, settings));
    let escalation = sla::escalation(&order, &fold, settings, now_ms);
    let complaint = crate::rules::complaint::sheet(&order, &fold);
    let StatusFold { derived, head, attention, states } = fold;
    let timeline = order
        .events
        .iter()
        .map(|e| TimelineEntry { event: e.clone(), state: states.get(&e.id).cloned().unwrap_or(EventState::Record) })
        .collect();
    OrderView {
        status: derived.status.unwrap_or(Status::Reported),
        field_conflicts: order.field_conflicts.clone(),
        derived,
        head,
        attention,
        deadlines,
        routing,
        escalation,
        complaint,
        timeline,
        order,
    }
}

fn route(
    order: &WorkOrder,
    fold: &StatusFold,
    reference: &ReferenceData,
    category: &Category,
    settings: &OrgSettings,
) -> Routing {
    let unit = reference.unit(&order.unit.unit_id);
    let building = reference.building(unit.map_or(&order.unit.building_id, |u| &u.building_id));
    let project = reference.project(unit.map_or(&order.unit.project_id, |u| &u.project_id));
    let reported = fold.derived.reported_ms.unwrap_or_default();
    let report_date =
        crate::calendar::local_date(DateTime::from_timestamp_millis(reported).unwrap_or_default(), settings.tz());
    warranty::route(
        RoutingInput { unit, building, project, category, cause: order.cause, report_date },
        &settings.warranty,
    )
}
