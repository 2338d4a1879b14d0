//! Who may record what on an order: the permission table, pure, checked before an edit is written
//! (by the device store, and by the server for what devices push).
//!
//! | edit | who |
//! |---|---|
//! | close without a satisfied callback (an override); return a complaint as invalid (the department head); decide a claim (索赔) | a supervisor or admin |
//! | close a complaint returned as invalid | the office |
//! | complaint steps: classify, transfer, handling notes, handling finished, the owner's evaluation, file a claim, link an order | the office |
//! | callback, complaint reply, reopen, cancel, completing an on-site order's intake (补单), resolve a conflict, quality-repair notice, third party with deduction, cause decision, official number | the office (dispatcher, supervisor, admin) |
//! | assign | the office; a technician only to themselves (an on-site emergency order) |
//! | arrive, pause, complete | the assigned technician; for a contractor's job, the office records it; the office may pause (hold) any job |
//! | schedule, contact, materials, labour, photos, sign-off, refusal | the office, or a technician unless the order is assigned to someone else |
//! | edit fields | the office; the assigned technician edits findings, work done and location |
//! | note | anyone on the staff list |
//!
//! Owners' phone numbers: the office sees them; field staff only on their own open jobs, a contractor
//! crew once on site ([`may_see_phone`]). A crew member (a technician bound to a contractor company)
//! is the assignee of that company's jobs.
//!
//! The person acting must be on the staff list and active; an assigned technician must have the
//! technician role; labour is recorded for technicians. A store without a staff list (a fresh device
//! before its first sync) has nothing to check against and allows everything; the server checks again.

use crate::Rejection;
use crate::edit::{Edit, FieldEdit};
use crate::ids::{EventId, PersonId};
use crate::model::{Assignee, Person, ReferenceData, Role};
use crate::msg::{Key, Msg, Text};
use crate::rules::status::StatusFold;

/// A role's name in both languages.
pub fn role_label(role: Role) -> Text {
    match role {
        Role::Technician => Text::new("维修人员", "technician"),
        Role::Dispatcher => Text::new("客服调度", "dispatcher"),
        Role::Supervisor => Text::new("主管", "supervisor"),
        Role::Admin => Text::new("管理员", "administrator"),
    }
}

/// Whether the person works in the office (dispatcher, supervisor or admin).
pub fn is_office(p: &Person) -> bool {
    p.has_role(Role::Dispatcher) || p.has_role(Role::Supervisor) || p.has_role(Role::Admin)
}

fn action(edit: &Edit) -> Text {
    let kind = edit.event_kind(&EventId::new(""));
    Text::new(kind.label_zh(), kind.label_en())
}

fn person_name(p: &Person) -> Text {
    Text::same(p.name.clone())
}

/// The person on the staff list, active.
pub fn staff<'a>(reference: &'a ReferenceData, id: &PersonId) -> Result<&'a Person, Rejection> {
    match reference.person(id) {
        Some(p) if p.active => Ok(p),
        Some(p) => Err(Rejection::new(Msg::new(Key::InactivePerson).arg("name", person_name(p)))),
        None => Err(Rejection::new(Msg::new(Key::UnknownPerson).arg("id", id.as_str()))),
    }
}

fn technician<'a>(reference: &'a ReferenceData, id: &PersonId, edit: &Edit) -> Result<&'a Person, Rejection> {
    let p = staff(reference, id)?;
    if p.has_role(Role::Technician) {
        Ok(p)
    } else {
        Err(Rejection::new(
            Msg::new(Key::LacksRole)
                .arg("name", person_name(p))
                .arg("role", role_label(Role::Technician))
                .arg("action", action(edit)),
        ))
    }
}

/// `actor` may record `edit` when `allowed`; else "… is not a {roles} and cannot record …".
fn only(allowed: fn(&Person) -> bool, roles: Text, actor: &Person, edit: &Edit) -> Result<(), Rejection> {
    if allowed(actor) {
        return Ok(());
    }
    Err(Rejection::new(
        Msg::new(Key::LacksRole).arg("name", person_name(actor)).arg("role", roles).arg("action", action(edit)),
    ))
}

fn office_only(actor: &Person, edit: &Edit) -> Result<(), Rejection> {
    only(is_office, Text::new("客服、主管或管理员", "dispatcher, supervisor or administrator"), actor, edit)
}

/// Whether the person may override the office's rules (a supervisor or admin).
pub fn is_supervisor(p: &Person) -> bool {
    p.has_role(Role::Supervisor) || p.has_role(Role::Admin)
}

fn supervisor_only(actor: &Person, edit: &Edit) -> Result<(), Rejection> {
    only(is_supervisor, Text::new("主管或管理员", "supervisor or administrator"), actor, edit)
}

/// May `by` see the owner's phone number on an order in the state `fold`? The office always; field staff
/// only on their own open jobs (不得泄露客户隐私): a closed job, or one in the unit's history, shows it
/// masked. A store without a staff list (before its first sync) holds no orders of others.
pub fn may_see_phone(reference: &ReferenceData, by: &PersonId, fold: &StatusFold) -> bool {
    if reference.people.is_empty() {
        return true;
    }
    let open = fold.status().is_open();
    match (reference.person(by), &fold.derived.assignee) {
        (Some(p), _) if is_office(p) => true,
        // A contractor crew: their company's open job, once they are on site (the office arranges the
        // visit with the owner).
        (Some(p), Some(Assignee::Contractor(c))) if p.contractor.as_ref() == Some(c) => {
            open && fold.derived.first_arrived_ms.is_some()
        }
        (Some(p), Some(Assignee::Technician(t))) => open && t == by && p.contractor.is_none(),
        _ => false,
    }
}

/// May `by` record `edit` on an order in the state `fold`?
pub fn check(reference: &ReferenceData, by: &PersonId, fold: &StatusFold, edit: &Edit) -> Result<(), Rejection> {
    if reference.people.is_empty() || matches!(edit, Edit::AssignNumber { .. }) {
        return Ok(());
    }
    let actor = staff(reference, by)?;
    let assigned = fold.derived.assignee.as_ref();
    // A contractor crew member works their company's jobs as a technician works their own.
    let is_assignee = match assigned {
        Some(Assignee::Technician(p)) => p == by,
        Some(Assignee::Contractor(c)) => actor.contractor.as_ref() == Some(c),
        None => false,
    };
    let not_assignee = || -> Rejection {
        let assignee =
            assigned.map_or_else(|| Text::new("（未派工）", "(nobody)"), |a| Text::same(reference.assignee_name(a)));
        Rejection::new(
            Msg::new(Key::NotAssignee)
                .arg("assignee", assignee)
                .arg("name", person_name(actor))
                .arg("action", action(edit)),
        )
    };
    match edit {
        // The desk closes a complaint its department returned as invalid (the head's opinion is on it).
        Edit::Close { .. } if fold.derived.returned_invalid => office_only(actor, edit),
        Edit::Close { .. } | Edit::ReturnInvalid { .. } | Edit::DecideClaim { .. } => supervisor_only(actor, edit),
        Edit::Classify { .. }
        | Edit::Transfer { .. }
        | Edit::Handling { .. }
        | Edit::FinishHandling { .. }
        | Edit::Evaluate { .. }
        | Edit::FileClaim { .. }
        | Edit::LinkOrder { .. } => office_only(actor, edit),
        Edit::Callback(_)
        | Edit::Reply { .. }
        | Edit::Reopen { .. }
        | Edit::Cancel { .. }
        | Edit::Resolve { .. }
        | Edit::IssueRepairNotice { .. }
        | Edit::CommissionThirdParty { .. }
        | Edit::CompleteIntake { .. }
        | Edit::DecideCause { .. } => office_only(actor, edit),
        Edit::Assign { assignee, .. } => {
            if let Assignee::Technician(p) = assignee {
                technician(reference, p, edit)?;
            }
            if is_office(actor) {
                return Ok(());
            }
            match assignee {
                Assignee::Technician(p) if p == by && (assigned.is_none() || is_assignee) => Ok(()),
                _ => Err(Rejection::new(Msg::new(Key::AssignSelfOnly))),
            }
        }
        // The office holds a job (weather, parts) as well as the technician pausing it.
        Edit::Pause { .. } if is_office(actor) => Ok(()),
        Edit::Arrive | Edit::Pause { .. } | Edit::Complete { .. } => match assigned {
            Some(Assignee::Technician(_) | Assignee::Contractor(_)) if is_assignee => Ok(()),
            Some(Assignee::Contractor(_)) if is_office(actor) => Ok(()),
            _ => Err(not_assignee()),
        },
        Edit::Schedule { .. }
        | Edit::Contact { .. }
        | Edit::AddMaterial(_)
        | Edit::RemoveMaterial { .. }
        | Edit::AddPhoto(_)
        | Edit::RemovePhoto { .. }
        | Edit::SignOff { .. }
        | Edit::RefuseSignoff { .. } => {
            if is_office(actor) || is_assignee || (assigned.is_none() && actor.has_role(Role::Technician)) {
                Ok(())
            } else {
                Err(not_assignee())
            }
        }
        Edit::AddLabour { person, .. } => {
            technician(reference, person, edit)?;
            if is_office(actor) || is_assignee || (assigned.is_none() && actor.has_role(Role::Technician)) {
                Ok(())
            } else {
                Err(not_assignee())
            }
        }
        Edit::EditFields { fields } => {
            if is_office(actor) {
                return Ok(());
            }
            let field_work = fields
                .iter()
                .all(|f| matches!(f, FieldEdit::Findings(_) | FieldEdit::WorkDone(_) | FieldEdit::Location(_)));
            if is_assignee && field_work { Ok(()) } else { office_only(actor, edit) }
        }
        Edit::Note { .. } | Edit::AssignNumber { .. } => Ok(()),
    }
}
