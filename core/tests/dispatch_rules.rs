//! Round-robin dispatch suggestions.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use signoff_core::ids::PersonId;
use signoff_core::model::{Person, Role};
use signoff_core::rules::dispatch::{SkipReason, Workload, suggest};
use std::collections::HashMap;

fn tech(id: &str, skills: &[&str]) -> Person {
    Person {
        id: PersonId::new(id),
        name: format!("师傅{id}"),
        roles: vec![Role::Technician],
        skills: skills.iter().map(|s| s.to_string()).collect(),
        phone: String::new(),
        contractor: None,
        active: true,
    }
}

fn load(last: Option<i64>, on_site: Option<&str>) -> Workload {
    Workload { last_assigned_ms: last, on_site: on_site.map(str::to_owned), open_jobs: 0 }
}

#[test]
fn least_recently_assigned_first_and_everyone_skipped_has_a_reason() {
    let mut off = tech("t5", &["plumbing"]);
    off.active = false;
    let mut clerk = tech("d1", &["plumbing"]);
    clerk.roles = vec![Role::Dispatcher];
    let people = vec![
        tech("t1", &["plumbing"]),
        tech("t2", &["plumbing", "electrical"]),
        tech("t3", &["electrical"]),
        tech("t4", &["plumbing"]),
        off,
        clerk,
    ];
    let loads: HashMap<_, _> = [
        (PersonId::new("t1"), load(Some(300), None)),
        (PersonId::new("t2"), load(Some(100), None)),
        (PersonId::new("t4"), load(Some(50), Some("BX-2026-000007"))),
    ]
    .into_iter()
    .collect();
    let s = suggest(&people, "plumbing", &loads);
    let order: Vec<&str> = s.candidates.iter().map(|c| c.person.as_str()).collect();
    assert_eq!(order, ["t2", "t1"]);
    let skipped: Vec<(&str, &SkipReason)> = s.skipped.iter().map(|k| (k.person.as_str(), &k.reason)).collect();
    assert_eq!(
        skipped,
        [
            ("t3", &SkipReason::MissingSkill { skill: "plumbing".into() }),
            ("t4", &SkipReason::OnSite { order: "BX-2026-000007".into() }),
            ("t5", &SkipReason::Inactive),
        ]
    );
    assert!(s.skipped.iter().all(|k| !k.reason.text_zh().is_empty() && !k.reason.text_en().is_empty()));
}

#[test]
fn ties_are_broken_by_id_and_never_assigned_comes_first() {
    let people = vec![tech("t9", &["hvac"]), tech("t2", &["hvac"]), tech("t7", &["hvac"]), tech("t3", &["hvac"])];
    let loads: HashMap<_, _> =
        [(PersonId::new("t9"), load(Some(10), None)), (PersonId::new("t2"), load(Some(10), None))]
            .into_iter()
            .collect();
    let s = suggest(&people, "hvac", &loads);
    let order: Vec<&str> = s.candidates.iter().map(|c| c.person.as_str()).collect();
    assert_eq!(order, ["t3", "t7", "t2", "t9"]);
    // Deterministic whatever the input order.
    let mut rev = people.clone();
    rev.reverse();
    assert_eq!(suggest(&rev, "hvac", &loads), s);
}
