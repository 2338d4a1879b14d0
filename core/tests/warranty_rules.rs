//! Warranty routing (维修分判) at the edges of every period.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use chrono::NaiveDate;
use signoff_core::ids::{BuildingId, ContractorId, ProjectId, UnitId};
use signoff_core::model::{
    Building, Category, Cause, Project, Unit, WarrantyComponent, WarrantyOverride, WarrantyPeriod, WarrantyPolicy,
};
use signoff_core::rules::warranty::{Party, RoutingInput, period_end, route};

fn d(s: &str) -> NaiveDate {
    s.parse().unwrap_or_else(|e| panic!("{s}: {e}"))
}

fn cat(code: &str) -> Category {
    Category::defaults().into_iter().find(|c| c.code == code).unwrap_or_else(|| panic!("no category {code}"))
}

fn unit(handover: Option<&str>, acceptance: Option<&str>) -> Unit {
    Unit {
        id: UnitId::new("u1"),
        project_id: ProjectId::new("p1"),
        building_id: BuildingId::new("b3"),
        label: "3栋1502".into(),
        address: String::new(),
        handover_date: handover.map(d),
        acceptance_date: acceptance.map(d),
        renovations: Vec::new(),
    }
}

fn building() -> Building {
    Building {
        id: BuildingId::new("b3"),
        project_id: ProjectId::new("p1"),
        name: "3栋".into(),
        acceptance_date: None,
        contractor_id: Some(ContractorId::new("c-zj")),
    }
}

#[test]
fn routing_table_at_the_edges() {
    let policy = WarrantyPolicy::default();
    let b = building();
    // handover 2024-06-15, acceptance 2024-01-10. Plumbing: 2 years. Waterproofing: 5 years.
    let u = unit(Some("2024-06-15"), Some("2024-01-10"));
    type Case = (&'static str, Option<Cause>, &'static str, Party, Party, &'static str);
    let cases: [Case; 10] = [
        (
            "plumbing",
            Some(Cause::NotOwnersFault),
            "2026-01-09",
            Party::WarrantyContractor,
            Party::Developer,
            "both in warranty: the day before the contractor's ends",
        ),
        (
            "plumbing",
            Some(Cause::NotOwnersFault),
            "2026-01-10",
            Party::PropertyCompany,
            Party::Developer,
            "contractor's ended on its anniversary; the owner's still runs",
        ),
        (
            "plumbing",
            Some(Cause::NotOwnersFault),
            "2026-06-14",
            Party::PropertyCompany,
            Party::Developer,
            "the last day of the owner's warranty",
        ),
        (
            "plumbing",
            Some(Cause::NotOwnersFault),
            "2026-06-15",
            Party::PropertyCompany,
            Party::Owner,
            "owner's warranty ended on the anniversary",
        ),
        (
            "leak",
            Some(Cause::NotOwnersFault),
            "2026-06-15",
            Party::WarrantyContractor,
            Party::Developer,
            "waterproofing lasts 5 years",
        ),
        (
            "leak",
            Some(Cause::NotOwnersFault),
            "2029-06-14",
            Party::PropertyCompany,
            Party::Developer,
            "waterproofing: owner's last day, contractor's ended 2029-01-10",
        ),
        (
            "leak",
            Some(Cause::NotOwnersFault),
            "2029-06-15",
            Party::PropertyCompany,
            Party::Owner,
            "waterproofing ended",
        ),
        (
            "leak",
            Some(Cause::OwnerCaused),
            "2025-01-01",
            Party::PropertyCompany,
            Party::Owner,
            "owner-caused pays even in warranty",
        ),
        ("leak", Some(Cause::Misuse), "2025-01-01", Party::PropertyCompany, Party::Owner, "misuse pays"),
        (
            "leak",
            Some(Cause::Unknown),
            "2025-01-01",
            Party::PropertyCompany,
            Party::Undetermined,
            "unknown: inspect first",
        ),
    ];
    for (code, cause, on, repairer, payer, why) in cases {
        let c = cat(code);
        let r = route(
            RoutingInput { unit: Some(&u), building: Some(&b), project: None, category: &c, cause, report_date: d(on) },
            &policy,
        );
        assert_eq!((r.repairer, r.payer), (repairer, payer), "{why}: {}", r.explanation_en);
        assert!(!r.explanation_zh.is_empty() && !r.explanation_en.is_empty());
        assert_eq!(r.contractor, Some(ContractorId::new("c-zj")));
    }
}

#[test]
fn owner_caused_needs_a_quote_and_unknown_needs_an_inspection() {
    let policy = WarrantyPolicy::default();
    let u = unit(Some("2024-06-15"), Some("2024-01-10"));
    let c = cat("electrical");
    let owner = route(
        RoutingInput {
            unit: Some(&u),
            building: None,
            project: None,
            category: &c,
            cause: Some(Cause::OwnerCaused),
            report_date: d("2025-01-01"),
        },
        &policy,
    );
    assert!(owner.quote_first && !owner.inspect_first);
    let unknown = route(
        RoutingInput {
            unit: Some(&u),
            building: None,
            project: None,
            category: &c,
            cause: None,
            report_date: d("2025-01-01"),
        },
        &policy,
    );
    assert!(unknown.inspect_first);
    assert!(unknown.explanation_zh.contains("查勘"), "{}", unknown.explanation_zh);
}

#[test]
fn no_handover_date_cannot_be_decided_and_says_why() {
    let policy = WarrantyPolicy::default();
    let u = unit(None, Some("2024-01-10"));
    let c = cat("plumbing");
    let r = route(
        RoutingInput {
            unit: Some(&u),
            building: None,
            project: None,
            category: &c,
            cause: Some(Cause::NotOwnersFault),
            report_date: d("2025-01-01"),
        },
        &policy,
    );
    assert_eq!((r.repairer, r.payer), (Party::Undetermined, Party::Undetermined));
    assert!(r.owner_clock.is_none());
    assert!(r.explanation_zh.contains("交付日期"));
    assert!(r.explanation_en.contains("handover date"));
    // No unit at all behaves the same.
    let r = route(
        RoutingInput {
            unit: None,
            building: None,
            project: None,
            category: &c,
            cause: Some(Cause::NotOwnersFault),
            report_date: d("2025-01-01"),
        },
        &policy,
    );
    assert_eq!(r.repairer, Party::Undetermined);
}

#[test]
fn missing_acceptance_date_falls_back_to_the_building_then_assumes_in_warranty() {
    let policy = WarrantyPolicy::default();
    let c = cat("plumbing");
    let u = unit(Some("2024-06-15"), None);
    let mut b = building();
    let r = route(
        RoutingInput {
            unit: Some(&u),
            building: Some(&b),
            project: None,
            category: &c,
            cause: Some(Cause::NotOwnersFault),
            report_date: d("2025-01-01"),
        },
        &policy,
    );
    assert_eq!((r.repairer, r.payer), (Party::WarrantyContractor, Party::Developer));
    assert!(r.contractor_clock.is_none() && r.explanation_en.contains("verify"));
    b.acceptance_date = Some(d("2022-01-01"));
    let r = route(
        RoutingInput {
            unit: Some(&u),
            building: Some(&b),
            project: None,
            category: &c,
            cause: Some(Cause::NotOwnersFault),
            report_date: d("2025-01-01"),
        },
        &policy,
    );
    assert_eq!(r.repairer, Party::PropertyCompany, "the building's acceptance date is used");
}

#[test]
fn projects_can_configure_longer_periods() {
    let policy = WarrantyPolicy::default();
    let c = cat("plumbing");
    let u = unit(Some("2024-06-15"), Some("2024-06-01"));
    let p = Project {
        id: ProjectId::new("p1"),
        name: "翠湖花园".into(),
        city: String::new(),
        warranty_overrides: vec![WarrantyOverride {
            component: WarrantyComponent::WaterSupplyDrainage,
            period: WarrantyPeriod::Years(3),
        }],
    };
    let r = route(
        RoutingInput {
            unit: Some(&u),
            building: None,
            project: Some(&p),
            category: &c,
            cause: Some(Cause::NotOwnersFault),
            report_date: d("2027-01-01"),
        },
        &policy,
    );
    assert_eq!(r.repairer, Party::WarrantyContractor);
    assert_eq!(r.owner_clock.map(|c| c.end), Some(Some(d("2027-06-15"))));
}

#[test]
fn heating_seasons_count_from_the_first_season_after_handover() {
    let p = WarrantyPolicy::default();
    let two = WarrantyPeriod::Seasons(2);
    let cases = [
        ("2024-06-15", "2026-03-16", "June handover: seasons 2024/25 and 2025/26"),
        ("2024-11-15", "2026-03-16", "handover on the first day of a season counts it"),
        ("2024-12-01", "2027-03-16", "mid-season handover: the next two full seasons"),
    ];
    for (start, end, why) in cases {
        assert_eq!(period_end(d(start), two, &p), Some(d(end)), "{why}");
    }
    assert_eq!(period_end(d("2024-02-29"), WarrantyPeriod::Years(2), &p), Some(d("2026-02-28")), "leap day");
}

/// The unit's file lists every building part with both clocks: the owner's from handover, the
/// contractor's from the building's acceptance when the unit has none; a part whose period has ended
/// reads as expired; without a handover date the owner's clock is unknown, not "expired".
#[test]
fn a_units_clocks_for_every_part() {
    use signoff_core::rules::warranty::unit_clocks;
    let policy = WarrantyPolicy::default();
    let mut b = building();
    b.acceptance_date = Some(d("2023-01-10"));
    let on = d("2026-12-07");
    let clocks = unit_clocks(&unit(Some("2024-06-15"), None), Some(&b), None, &policy, on);
    assert_eq!(clocks.len(), 7);
    let part = |c: WarrantyComponent| clocks.iter().find(|p| p.component == c).unwrap();
    let water = part(WarrantyComponent::Waterproofing);
    let owner = water.owner.as_ref().unwrap();
    assert!(owner.in_warranty);
    assert_eq!(owner.end, Some(d("2029-06-15")));
    assert_eq!(owner.days_left, (d("2029-06-15") - on).num_days());
    assert_eq!(water.contractor.as_ref().unwrap().start, d("2023-01-10"), "the building's acceptance date");
    let deco = part(WarrantyComponent::Decoration);
    assert!(!deco.owner.as_ref().unwrap().in_warranty, "two years from 2024-06-15 ended on 2026-06-15");
    assert!(!deco.contractor.as_ref().unwrap().in_warranty);
    assert_eq!(deco.label.zh, "装修工程");
    let unknown = unit_clocks(&unit(None, None), None, None, &policy, on);
    assert!(unknown.iter().all(|p| p.owner.is_none() && p.contractor.is_none()));
}

#[test]
fn a_part_the_owner_renovated_is_inspected_before_the_warranty_is_assumed() {
    use signoff_core::model::Renovation;
    let policy = WarrantyPolicy::default();
    let b = building();
    let mut u = unit(Some("2024-06-15"), Some("2024-01-10"));
    u.renovations = vec![
        Renovation {
            date: d("2024-08-01"), parts: vec![WarrantyComponent::Decoration], note: "墙面打孔挂柜".into()
        },
        Renovation {
            date: d("2025-03-10"),
            parts: vec![WarrantyComponent::Waterproofing],
            note: "卫生间重做防水".into(),
        },
    ];
    let leak = cat("leak");
    let at = |cause: Option<Cause>, day: &str| {
        route(
            RoutingInput {
                unit: Some(&u),
                building: Some(&b),
                project: None,
                category: &leak,
                cause,
                report_date: d(day),
            },
            &policy,
        )
    };
    // Before the waterproofing was redone: the renovation plays no part.
    let before = at(Some(Cause::NotOwnersFault), "2025-03-01");
    assert!(before.renovated.is_none() && !before.explanation_zh.contains("装修"));
    // After it: the cause is inspected first, and the routing says why.
    let unknown = at(None, "2025-06-01");
    assert!(unknown.inspect_first);
    assert_eq!(unknown.renovated.as_ref().map(|r| r.date), Some(d("2025-03-10")));
    assert!(
        unknown.explanation_zh.contains("2025-03-10 装修时改动过防水")
            && unknown.explanation_zh.contains(":卫生间重做防水;须查明是否装修所致"),
        "{}",
        unknown.explanation_zh
    );
    assert!(unknown.explanation_en.contains("renovation of 2025-03-10"), "{}", unknown.explanation_en);
    // Once inspected and found not to be the owner's doing, the warranty applies as usual, still noted.
    let decided = at(Some(Cause::NotOwnersFault), "2025-06-01");
    assert_eq!((decided.repairer, decided.payer), (Party::WarrantyContractor, Party::Developer));
    assert!(!decided.inspect_first && decided.explanation_zh.contains("装修"));
    // A renovation of another part (decoration) does not touch a leak's routing.
    let mut only_walls = u.clone();
    only_walls.renovations.truncate(1);
    let r = route(
        RoutingInput {
            unit: Some(&only_walls),
            building: Some(&b),
            project: None,
            category: &leak,
            cause: None,
            report_date: d("2025-06-01"),
        },
        &policy,
    );
    assert!(r.renovated.is_none());
}
