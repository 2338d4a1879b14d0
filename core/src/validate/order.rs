//! The validation table applied to what a replica adds to an order: every new event (its times and
//! texts), every changed field, and every new material, labour line and photo. The server runs it on
//! each push, so a device that skipped its own checks (an old build, a hand-edited store) cannot put
//! values into an order that the app would refuse.

use super::{Field, count, degrees, int, money, quantity, text, time_within};
use crate::Rejection;
use crate::model::{EventKind, WorkOrder};
use chrono::{DateTime, Utc};
use std::collections::HashSet;

/// Reads one text field of an order.
type Getter = fn(&WorkOrder) -> &String;

/// Check what `after` adds to `before` (everything, for a new order) against the table, with times
/// allowed up to `ahead_min` minutes past `clock`.
pub fn check_additions(
    before: Option<&WorkOrder>,
    after: &WorkOrder,
    clock: DateTime<Utc>,
    ahead_min: i64,
) -> Result<(), Rejection> {
    let old_events: HashSet<&str> =
        before.map(|b| b.events.iter().map(|e| e.id.as_str()).collect()).unwrap_or_default();
    for e in after.events.iter().filter(|e| !old_events.contains(e.id.as_str())) {
        time_within(Field::ActionTime, e.at_ms, clock, ahead_min, None)?;
        time_within(Field::ActionTime, e.hlc.wall_ms, clock, ahead_min, None)?;
        text(Field::PersonId, e.by.as_str())?;
        match &e.kind {
            EventKind::Assigned { note, .. }
            | EventKind::Scheduled { note, .. }
            | EventKind::Contacted { note, .. }
            | EventKind::RepairNoticeIssued { note }
            | EventKind::IntakeCompleted { note }
            | EventKind::CauseDecided { note, .. }
            | EventKind::Resolved { note, .. } => {
                text(Field::Note, note)?;
            }
            EventKind::Note { text: t } => {
                text(Field::Note, t)?;
            }
            EventKind::Paused { reason, .. }
            | EventKind::SignoffRefused { reason }
            | EventKind::Reopened { reason }
            | EventKind::Closed { reason }
            | EventKind::Cancelled { reason }
            | EventKind::PhotoRemoved { reason, .. } => {
                text(Field::Reason, reason)?;
            }
            EventKind::Replied { plan } => {
                text(Field::Plan, plan)?;
            }
            EventKind::Callback(c) => {
                text(Field::Note, &c.note)?;
                if let Some(r) = c.rating {
                    int(Field::Rating, i64::from(r))?;
                }
            }
            EventKind::LabourAdded { minutes, .. } => int(Field::Minutes, i64::from(*minutes))?,
            EventKind::ComplaintClassified { department, note, .. }
            | EventKind::ComplaintTransferred { department, note } => {
                text(Field::Department, department)?;
                text(Field::Note, note)?;
            }
            EventKind::ComplaintHandling { text: t } => {
                text(Field::Note, t)?;
            }
            EventKind::ComplaintDone { summary } => {
                text(Field::Outcome, summary)?;
            }
            EventKind::ComplaintReturned { opinion } | EventKind::OwnerEvaluated { text: opinion, .. } => {
                text(Field::Opinion, opinion)?;
            }
            EventKind::ClaimFiled { amount, evidence } => {
                money(Field::ClaimAmount, *amount)?;
                text(Field::Evidence, evidence)?;
            }
            EventKind::ClaimDecided { amount, note, .. } => {
                text(Field::Note, note)?;
                if let Some(a) = amount {
                    money(Field::ClaimAmount, *a)?;
                }
            }
            EventKind::ThirdPartyCommissioned { third_party, deduction, reason } => {
                text(Field::Name, third_party)?;
                money(Field::Deduction, *deduction)?;
                text(Field::Reason, reason)?;
            }
            EventKind::OrderLinked { order } => {
                text(Field::Id, order.as_str())?;
            }
            // The values an edit replaced and wrote: no longer than a report's longest text field.
            EventKind::FieldsEdited { fields, changes } => {
                count(Field::Materials, fields.len().max(changes.len()))?;
                for c in changes {
                    text(Field::Findings, &c.old)?;
                    text(Field::Findings, &c.new)?;
                }
            }
            _ => {}
        }
    }
    let changed = |f: Getter| before.is_none_or(|b| f(b) != f(after));
    let fields: [(Field, Getter); 7] = [
        (Field::Description, |o| &o.description),
        (Field::Location, |o| &o.location),
        (Field::PreferredTime, |o| &o.preferred_time),
        (Field::Findings, |o| &o.findings),
        (Field::WorkDone, |o| &o.work_done),
        (Field::ReporterName, |o| &o.reporter.name),
        (Field::ReporterPhone, |o| &o.reporter.phone),
    ];
    for (field, get) in fields {
        if changed(get) {
            text(field, get(after))?;
        }
    }
    let old_items =
        |f: fn(&WorkOrder) -> Vec<&str>| -> HashSet<&str> { before.map(f).unwrap_or_default().into_iter().collect() };
    let old_materials = old_items(|o| o.materials.iter().map(|m| m.id.as_str()).collect());
    for m in after.materials.iter().filter(|m| !old_materials.contains(m.id.as_str())) {
        text(Field::MaterialName, &m.name)?;
        text(Field::MaterialSpec, &m.spec)?;
        text(Field::MeasureUnit, &m.unit)?;
        quantity(Field::Quantity, m.quantity)?;
        money(Field::UnitPrice, m.unit_price)?;
    }
    let old_labour = old_items(|o| o.labour.iter().map(|l| l.id.as_str()).collect());
    for l in after.labour.iter().filter(|l| !old_labour.contains(l.id.as_str())) {
        int(Field::Minutes, i64::from(l.minutes))?;
        money(Field::HourlyRate, l.hourly_rate)?;
        text(Field::Note, &l.note)?;
    }
    let old_photos = old_items(|o| o.photos.iter().map(|p| p.id.as_str()).collect());
    for p in after.photos.iter().filter(|p| !old_photos.contains(p.id.as_str())) {
        text(Field::Hash, &p.sha256)?;
        text(Field::Caption, &p.caption)?;
        if let Some(place) = &p.place {
            degrees(Field::Latitude, place.lat)?;
            degrees(Field::Longitude, place.lon)?;
            if let Some(a) = place.accuracy_m {
                degrees(Field::Accuracy, a)?;
            }
        }
    }
    count(Field::Materials, after.materials.len())?;
    count(Field::LabourLines, after.labour.len())?;
    count(Field::Photos, after.photos.len())?;
    let mut total = crate::money::Money(0);
    for line in after.materials.iter().map(|m| m.checked_total()).chain(after.labour.iter().map(|l| l.checked_total()))
    {
        let line = line.ok_or_else(super::cost_too_large)?;
        total = super::add_cost(total, line)?;
    }
    Ok(())
}
