//! Dispatch suggestions (派工): round-robin, least recently assigned first (依次轮流, 机会均等), among
//! technicians who have the category's skill and are not out on another job. Deterministic: ties go
//! to the smaller person id. Everyone skipped comes with the reason, so the dispatcher can overrule.

use crate::ids::PersonId;
use crate::model::{Person, Role};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;

/// What the store knows about a technician's current work.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Workload {
    /// When they were last assigned a job (ms).
    pub last_assigned_ms: Option<i64>,
    /// An order they are on site for now (its number), if any.
    pub on_site: Option<String>,
    /// Open jobs assigned to them.
    pub open_jobs: u32,
}

/// A technician who can take the job.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Candidate {
    /// Who.
    pub person: PersonId,
    /// Name.
    pub name: String,
    /// Last assignment (ms), `None` if never.
    pub last_assigned_ms: Option<i64>,
    /// Open jobs.
    pub open_jobs: u32,
}

/// Why a technician was skipped.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(tag = "reason", rename_all = "snake_case")]
pub enum SkipReason {
    /// No longer active.
    Inactive,
    /// Lacks the skill.
    MissingSkill {
        /// The skill needed.
        skill: String,
    },
    /// Out on another job.
    OnSite {
        /// That order's number.
        order: String,
    },
}

impl SkipReason {
    /// Chinese text.
    pub fn text_zh(&self) -> String {
        match self {
            SkipReason::Inactive => "已停用".into(),
            SkipReason::MissingSkill { skill } => format!("不具备技能:{skill}"),
            SkipReason::OnSite { order } => format!("正在现场维修 {order}"),
        }
    }

    /// English text.
    pub fn text_en(&self) -> String {
        match self {
            SkipReason::Inactive => "inactive".into(),
            SkipReason::MissingSkill { skill } => format!("lacks the skill {skill}"),
            SkipReason::OnSite { order } => format!("on site for {order}"),
        }
    }
}

/// A technician skipped, with the reason.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Skipped {
    /// Who.
    pub person: PersonId,
    /// Name.
    pub name: String,
    /// Why.
    pub reason: SkipReason,
}

/// The suggestion: candidates in the order to ask them, and who was skipped.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct DispatchSuggestion {
    /// Best first.
    pub candidates: Vec<Candidate>,
    /// Technicians left out, with reasons.
    pub skipped: Vec<Skipped>,
}

/// Suggest technicians for a job needing `skill`.
pub fn suggest(people: &[Person], skill: &str, workloads: &HashMap<PersonId, Workload>) -> DispatchSuggestion {
    let mut out = DispatchSuggestion::default();
    // The organisation's own technicians: a contractor's crew works its company's jobs, not the rota.
    let mut techs: Vec<&Person> =
        people.iter().filter(|p| p.has_role(Role::Technician) && p.contractor.is_none()).collect();
    techs.sort_by(|a, b| a.id.cmp(&b.id));
    let none = Workload::default();
    for p in techs {
        let w = workloads.get(&p.id).unwrap_or(&none);
        let reason = if !p.active {
            Some(SkipReason::Inactive)
        } else if !skill.is_empty() && !p.skills.iter().any(|s| s == skill) {
            Some(SkipReason::MissingSkill { skill: skill.to_owned() })
        } else {
            w.on_site.as_ref().map(|o| SkipReason::OnSite { order: o.clone() })
        };
        match reason {
            Some(reason) => out.skipped.push(Skipped { person: p.id.clone(), name: p.name.clone(), reason }),
            None => out.candidates.push(Candidate {
                person: p.id.clone(),
                name: p.name.clone(),
                last_assigned_ms: w.last_assigned_ms,
                open_jobs: w.open_jobs,
            }),
        }
    }
    // Never assigned sorts first (None < Some), then the longest wait; ids break ties.
    out.candidates.sort_by(|a, b| a.last_assigned_ms.cmp(&b.last_assigned_ms).then_with(|| a.person.cmp(&b.person)));
    out
}
