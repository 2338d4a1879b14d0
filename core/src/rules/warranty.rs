//! Warranty routing (维修分判): who repairs and who pays.
//!
//! Two clocks run for every unit. The owner's claim runs from handover (交付); the contractor's
//! warranty runs from completion acceptance (竣工验收, 建设工程质量管理条例 art. 40). Periods depend on
//! the building part the category belongs to, with the statutory minimums as defaults and longer
//! periods per project. A period covers `[start, end)`: on the anniversary it has ended.
//!
//! The rule (seed 000, 物业工程维修流程): owner-caused or misuse → the owner pays (quote first); not the
//! owner's fault and in warranty → the warranty contractor repairs at the developer's cost; out of
//! warranty → the property company repairs per its price list. An unknown cause is inspected first.

use crate::ids::ContractorId;
use crate::model::{Building, Category, Cause, Project, Unit, WarrantyComponent, WarrantyPeriod, WarrantyPolicy};
use chrono::{Datelike, Days, Months, NaiveDate};
use serde::{Deserialize, Serialize};

/// A party in routing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum Party {
    /// 业主.
    Owner,
    /// 物业公司.
    PropertyCompany,
    /// 开发商/建设单位.
    Developer,
    /// 保修施工单位.
    WarrantyContractor,
    /// Not decided yet.
    Undetermined,
}

impl Party {
    /// Chinese label.
    pub fn label_zh(self) -> &'static str {
        match self {
            Party::Owner => "业主",
            Party::PropertyCompany => "物业公司",
            Party::Developer => "开发商",
            Party::WarrantyContractor => "保修施工单位",
            Party::Undetermined => "待定",
        }
    }

    /// English label.
    pub fn label_en(self) -> &'static str {
        match self {
            Party::Owner => "owner",
            Party::PropertyCompany => "property company",
            Party::Developer => "developer",
            Party::WarrantyContractor => "warranty contractor",
            Party::Undetermined => "to be decided",
        }
    }
}

/// One warranty clock.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct WarrantyClock {
    /// Start date.
    pub start: NaiveDate,
    /// First day no longer covered; `None` only if the date overflows.
    pub end: Option<NaiveDate>,
    /// The period applied.
    pub period: WarrantyPeriod,
    /// Covered on the report date.
    pub in_warranty: bool,
    /// Days from the report date to `end` (negative when expired).
    pub days_left: i64,
}

/// The routing suggestion with both clocks and an explanation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Routing {
    /// Who should repair.
    pub repairer: Party,
    /// Who should pay.
    pub payer: Party,
    /// A quote must be agreed before the work (有偿服务).
    pub quote_first: bool,
    /// Inspect first to find the cause.
    pub inspect_first: bool,
    /// The owner's claim, from handover.
    pub owner_clock: Option<WarrantyClock>,
    /// The contractor's warranty, from completion acceptance.
    pub contractor_clock: Option<WarrantyClock>,
    /// The building's warranty contractor, if known.
    pub contractor: Option<ContractorId>,
    /// The owner's renovation that changed this part before the report, if any (装修): the cause is
    /// inspected before the warranty is assumed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub renovated: Option<crate::model::Renovation>,
    /// Explanation in Chinese.
    pub explanation_zh: String,
    /// Explanation in English.
    pub explanation_en: String,
}

/// What routing looks at.
#[derive(Debug, Clone, Copy)]
pub struct RoutingInput<'a> {
    /// The unit, if known.
    pub unit: Option<&'a Unit>,
    /// Its building.
    pub building: Option<&'a Building>,
    /// Its project (for longer periods).
    pub project: Option<&'a Project>,
    /// The category.
    pub category: &'a Category,
    /// The cause, if decided.
    pub cause: Option<Cause>,
    /// The date of the report.
    pub report_date: NaiveDate,
}

/// The period for a component in a project.
pub fn period_for(policy: &WarrantyPolicy, project: Option<&Project>, component: WarrantyComponent) -> WarrantyPeriod {
    project
        .and_then(|p| p.warranty_overrides.iter().find(|o| o.component == component))
        .map(|o| o.period)
        .unwrap_or_else(|| policy.period(component))
}

/// The first day no longer covered by `period` counted from `start`.
pub fn period_end(start: NaiveDate, period: WarrantyPeriod, policy: &WarrantyPolicy) -> Option<NaiveDate> {
    match period {
        WarrantyPeriod::Years(n) | WarrantyPeriod::DesignLife(n) => start.checked_add_months(Months::new(12 * n)),
        WarrantyPeriod::Seasons(n) => {
            let s = policy.season;
            let season_start = |year: i32| NaiveDate::from_ymd_opt(year, s.start_month, s.start_day);
            let first_year = match season_start(start.year()) {
                Some(d) if d >= start => start.year(),
                _ => start.year() + 1,
            };
            let last_start = season_start(first_year + n.max(1) as i32 - 1)?;
            let end_year = if (s.end_month, s.end_day) < (s.start_month, s.start_day) {
                last_start.year() + 1
            } else {
                last_start.year()
            };
            NaiveDate::from_ymd_opt(end_year, s.end_month, s.end_day)?.checked_add_days(Days::new(1))
        }
    }
}

fn clock(start: NaiveDate, period: WarrantyPeriod, policy: &WarrantyPolicy, on: NaiveDate) -> WarrantyClock {
    let end = period_end(start, period, policy);
    let in_warranty = on >= start && end.is_none_or(|e| on < e);
    let days_left = end.map_or(i64::MAX, |e| (e - on).num_days());
    WarrantyClock { start, end, period, in_warranty, days_left }
}

fn period_text_zh(p: WarrantyPeriod) -> String {
    match p {
        WarrantyPeriod::Years(n) => format!("{n}年"),
        WarrantyPeriod::Seasons(n) => format!("{n}个采暖/供冷期"),
        WarrantyPeriod::DesignLife(n) => format!("设计使用年限({n}年)"),
    }
}

fn period_text_en(p: WarrantyPeriod) -> String {
    match p {
        WarrantyPeriod::Years(n) => format!("{n} years"),
        WarrantyPeriod::Seasons(n) => format!("{n} heating/cooling seasons"),
        WarrantyPeriod::DesignLife(n) => format!("the design life ({n} years)"),
    }
}

fn clock_zh(name: &str, c: &Option<WarrantyClock>, missing: &str) -> String {
    match c {
        None => format!("{name}:缺少{missing},无法计算"),
        Some(c) => {
            let end = c.end.map_or("—".to_owned(), |e| e.to_string());
            let state = if c.in_warranty {
                format!("保修期内,剩余{}天", c.days_left)
            } else {
                "已过保修期".to_owned()
            };
            format!("{name}:自{}起{},至{end}止,{state}", c.start, period_text_zh(c.period))
        }
    }
}

fn clock_en(name: &str, c: &Option<WarrantyClock>, missing: &str) -> String {
    match c {
        None => format!("{name}: no {missing}, cannot be computed"),
        Some(c) => {
            let end = c.end.map_or("—".to_owned(), |e| e.to_string());
            let state =
                if c.in_warranty { format!("in warranty, {} days left", c.days_left) } else { "expired".to_owned() };
            format!("{name}: {} from {}, ends {end}; {state}", period_text_en(c.period), c.start)
        }
    }
}

/// One building part's two warranty clocks for a unit on a date (the unit's file shows them all).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct PartClocks {
    /// The part.
    pub component: WarrantyComponent,
    /// Its name.
    pub label: crate::msg::Text,
    /// The owner's warranty from handover (none without a handover date).
    pub owner: Option<WarrantyClock>,
    /// The contractor's from completion acceptance (the unit's date, else the building's).
    pub contractor: Option<WarrantyClock>,
}

/// Every building part's clocks for a unit on `on`.
pub fn unit_clocks(
    unit: &Unit,
    building: Option<&Building>,
    project: Option<&Project>,
    policy: &WarrantyPolicy,
    on: NaiveDate,
) -> Vec<PartClocks> {
    let acceptance = unit.acceptance_date.or(building.and_then(|b| b.acceptance_date));
    WarrantyComponent::ALL
        .into_iter()
        .map(|component| {
            let period = period_for(policy, project, component);
            PartClocks {
                component,
                label: component.label(),
                owner: unit.handover_date.map(|d| clock(d, period, policy, on)),
                contractor: acceptance.map(|d| clock(d, period, policy, on)),
            }
        })
        .collect()
}

/// Suggest who repairs and who pays.
pub fn route(input: RoutingInput<'_>, policy: &WarrantyPolicy) -> Routing {
    let period = period_for(policy, input.project, input.category.warranty);
    let handover = input.unit.and_then(|u| u.handover_date);
    let acceptance = input.unit.and_then(|u| u.acceptance_date).or(input.building.and_then(|b| b.acceptance_date));
    let owner_clock = handover.map(|d| clock(d, period, policy, input.report_date));
    let contractor_clock = acceptance.map(|d| clock(d, period, policy, input.report_date));
    let contractor = input.building.and_then(|b| b.contractor_id.clone());
    let renovated = input
        .unit
        .and_then(|u| {
            u.renovations
                .iter()
                .rev()
                .find(|r| r.date <= input.report_date && r.parts.contains(&input.category.warranty))
        })
        .cloned();
    let owner_in = owner_clock.map(|c| c.in_warranty);
    let contractor_in = contractor_clock.map(|c| c.in_warranty);

    use Party as P;
    let (repairer, payer, quote_first, inspect_first, why_zh, why_en): (P, P, bool, bool, &str, &str) =
        match input.cause {
            Some(Cause::OwnerCaused | Cause::Misuse) => (
                P::PropertyCompany,
                P::Owner,
                true,
                false,
                "业主自身原因或使用不当造成:由业主自行维修,或委托物业有偿维修(先报价,经业主同意后施工)",
                "Caused by the owner or by misuse: the owner repairs, or the property company repairs as a paid \
                 service after the owner accepts a quote",
            ),
            Some(Cause::NotOwnersFault) => match (owner_in, contractor_in) {
                (None, _) => (
                    P::Undetermined,
                    P::Undetermined,
                    false,
                    false,
                    "非业主原因,但缺少交付日期,无法判断是否在保修期内:请核实客户档案",
                    "Not the owner's fault, but the handover date is missing, so the warranty cannot be checked: \
                     check the unit's archive",
                ),
                (Some(true), Some(true)) => (
                    P::WarrantyContractor,
                    P::Developer,
                    false,
                    false,
                    "非业主原因,在保修期内:由保修施工单位维修,费用由开发商承担(按约定从施工单位质保金中扣除)",
                    "Not the owner's fault and in warranty: the warranty contractor repairs at the developer's cost \
                     (recovered from the contractor's warranty deposit as agreed)",
                ),
                (Some(true), None) => (
                    P::WarrantyContractor,
                    P::Developer,
                    false,
                    false,
                    "非业主原因,业主保修期内;缺少竣工验收日期,按施工单位保修期内处理,请核实",
                    "Not the owner's fault and within the owner's warranty; the completion-acceptance date is \
                     missing, so the contractor is assumed to be in warranty: verify",
                ),
                (Some(true), Some(false)) => (
                    P::PropertyCompany,
                    P::Developer,
                    false,
                    false,
                    "非业主原因,业主保修期内但施工单位保修期已过:由物业维修,费用由开发商承担",
                    "Not the owner's fault and within the owner's warranty, but the contractor's warranty has \
                     ended: the property company repairs at the developer's cost",
                ),
                (Some(false), _) => (
                    P::PropertyCompany,
                    P::Owner,
                    true,
                    false,
                    "非业主原因,已过保修期:由物业公司维修,按物业收费标准有偿服务",
                    "Not the owner's fault, out of warranty: the property company repairs, paid per its price list",
                ),
            },
            Some(Cause::Unknown) | None => (
                P::PropertyCompany,
                P::Undetermined,
                false,
                true,
                "原因待查:先派维修人员查勘,确定原因后再判定维修和付费方",
                "Cause unknown: send a technician to inspect first, then decide who repairs and who pays",
            ),
        };
    // A part the owner's renovation changed: say so, and for an undecided cause inspect whether the
    // renovation caused it (then the owner is responsible) before any warranty is assumed.
    let inspect_first = inspect_first || (renovated.is_some() && !matches!(input.cause, Some(Cause::NotOwnersFault)));
    let (reno_zh, reno_en) = match &renovated {
        Some(r) => {
            let part = input.category.warranty.label();
            let note_zh = if r.note.is_empty() { String::new() } else { format!(":{}", r.note) };
            let note_en = if r.note.is_empty() { String::new() } else { format!(" ({})", r.note) };
            (
                format!("本户 {} 装修时改动过{}{note_zh};须查明是否装修所致,装修造成的由业主负责。", r.date, part.zh),
                format!(
                    " The owner's renovation of {} changed the {}{note_en}: check whether it caused this; if so, \
                     the owner is responsible.",
                    r.date, part.en
                ),
            )
        }
        None => (String::new(), String::new()),
    };
    let explanation_zh = format!(
        "{reno_zh}{why_zh}。{};{}。",
        clock_zh("业主保修(自交付)", &owner_clock, "交付日期"),
        clock_zh("施工单位保修(自竣工验收)", &contractor_clock, "竣工验收日期")
    );
    let explanation_en = format!(
        "{why_en}. {}; {}.{reno_en}",
        clock_en("Owner's warranty (from handover)", &owner_clock, "handover date"),
        clock_en("Contractor's warranty (from completion acceptance)", &contractor_clock, "completion-acceptance date")
    );
    Routing {
        repairer,
        payer,
        quote_first,
        inspect_first,
        owner_clock,
        contractor_clock,
        contractor,
        renovated,
        explanation_zh,
        explanation_en,
    }
}
