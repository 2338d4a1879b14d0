//! Three replicas, random typed edits, random forks and merges: once they have exchanged everything
//! they have identical heads, identical materialised views, identical status and attention sets, and a
//! rebuilt index equals the incrementally maintained one.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::*;
use proptest::prelude::*;
use signoff_core::edit::{Edit, FieldEdit, NewMaterial};
use signoff_core::ids::{OrderId, PersonId};
use signoff_core::model::{Assignee, Callback, KeepSide};
use signoff_core::rules::status::Attention;
use signoff_device::{Ctx, Source, Store};

#[derive(Debug, Clone)]
enum Op {
    Edit { replica: usize, order: usize, kind: u8, n: u8 },
    Merge { from: usize, to: usize, order: usize },
    Tick(u16),
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        6 => (0..3usize, 0..2usize, 0..18u8, any::<u8>()).prop_map(|(replica, order, kind, n)| Op::Edit { replica, order, kind, n }),
        3 => (0..3usize, 0..3usize, 0..2usize).prop_map(|(from, to, order)| Op::Merge { from, to, order }),
        1 => (1..600u16).prop_map(Op::Tick),
    ]
}

const PEOPLE: [&str; 3] = ["chen", "wang", "sun"];

fn edit_for(s: &mut Store, id: &OrderId, kind: u8, n: u8, now_ms: i64) -> Edit {
    let mut first_conflict = || {
        s.get(id, chrono::DateTime::from_timestamp_millis(now_ms).unwrap_or_default()).ok().and_then(|v| {
            v.attention.iter().find_map(|a| match a {
                Attention::Conflict { id, .. } => Some(id.clone()),
                Attention::Ignored { event, .. } | Attention::UnverifiedSignoff { event, .. } => Some(event.clone()),
                Attention::SignoffRefused { .. }
                | Attention::ChangedAfterSignoff { .. }
                | Attention::IntakePending { .. } => None,
            })
        })
    };
    match kind {
        0 => Edit::Assign { assignee: Assignee::Technician(PersonId::new("wang")), note: String::new() },
        1 => Edit::Assign { assignee: Assignee::Technician(PersonId::new("sun")), note: String::new() },
        2 => Edit::Schedule { from_ms: now_ms + 86_400_000 + i64::from(n) * 60_000, to_ms: None, note: String::new() },
        3 => Edit::Arrive,
        4 => Edit::Pause { reason: format!("缺料{n}"), next_visit_ms: Some(now_ms + 86_400_000), owner_told: false },
        5 => Edit::Complete { findings: Some(format!("检查{n}")), work_done: Some(format!("维修{n}")) },
        6 => Edit::Cancel { reason: "业主取消".into() },
        7 => Edit::Reopen { reason: "复发".into() },
        8 => Edit::Callback(Callback::reached(true, Some(5), String::new())),
        9 => Edit::Callback(Callback::reached(false, Some(2), "不满意".into())),
        10 => Edit::Note { text: format!("备注{n}") },
        11 => Edit::EditFields { fields: vec![FieldEdit::Description(format!("漏水情况{n}"))] },
        12 => Edit::AddMaterial(NewMaterial {
            name: "水管".into(),
            spec: format!("DN{}", 15 + n % 3 * 5),
            quantity: signoff_core::money::Quantity(1000 + i64::from(n)),
            unit: "米".into(),
            unit_price: signoff_core::money::Money(1200),
        }),
        13 | 14 => match first_conflict() {
            Some(c) => Edit::Resolve {
                conflict: c,
                keep: if kind == 13 { KeepSide::Current } else { KeepSide::Held },
                note: String::new(),
            },
            None => Edit::Note { text: "无冲突".into() },
        },
        15 => Edit::Close { reason: "三次未接通".into() },
        16 => Edit::Contact { note: String::new(), reached: n.is_multiple_of(2) },
        _ => Edit::Note { text: format!("签字前备注{n}") },
    }
}

fn merge(stores: &mut [TestStore], from: usize, to: usize, id: &OrderId, now: chrono::DateTime<chrono::Utc>) {
    if from == to {
        return;
    }
    let bytes = stores[from].store.document_bytes(id.as_str()).unwrap();
    let ctx = Ctx { source: Source::Sync, by: PersonId::new("sync"), now };
    stores[to].store.receive(id, &bytes, &ctx).unwrap();
}

fn run(ops: Vec<Op>) -> Vec<signoff_core::view::OrderView> {
    let mut stores: Vec<TestStore> = PEOPLE.iter().map(|p| store(p)).collect();
    let mut minutes = 0i64;
    let ids: Vec<OrderId> = (0..2)
        .map(|i| create(&mut stores[0].store, if i == 0 { "CH-1-201" } else { "CH-2-501" }, "plumbing", "厨房漏水", i))
        .collect();
    for id in &ids {
        merge(&mut stores, 0, 1, id, at(0));
        merge(&mut stores, 0, 2, id, at(0));
    }
    for op in ops {
        minutes += 1;
        match op {
            Op::Edit { replica, order, kind: 17, .. } => {
                // The owner signs on this replica's device (refused unless the order is completed there).
                let _ = sign(
                    &mut stores[replica].store,
                    &ids[order],
                    signoff_core::signoff::SignerRole::Owner,
                    PEOPLE[replica],
                    minutes,
                );
            }
            Op::Edit { replica, order, kind, n } => {
                let now = at(minutes);
                let edit = edit_for(&mut stores[replica].store, &ids[order], kind, n, now.timestamp_millis());
                let _ = stores[replica].store.apply(&ids[order], edit, &ctx(PEOPLE[replica], minutes));
            }
            Op::Merge { from, to, order } => merge(&mut stores, from, to, &ids[order], at(minutes)),
            Op::Tick(m) => minutes += i64::from(m),
        }
    }
    for _ in 0..2 {
        for from in 0..3 {
            for to in 0..3 {
                for id in &ids {
                    merge(&mut stores, from, to, id, at(minutes));
                }
            }
        }
    }
    let now = at(minutes);
    for id in &ids {
        let heads: Vec<_> = stores.iter_mut().map(|t| t.store.heads(id.as_str()).unwrap()).collect();
        assert_eq!(heads[0], heads[1]);
        assert_eq!(heads[1], heads[2]);
        let views: Vec<_> = stores.iter_mut().map(|t| t.store.get(id, now).unwrap()).collect();
        for v in &views[1..] {
            assert_eq!(v.status, views[0].status);
            assert_eq!(v.attention, views[0].attention);
            assert_eq!(v.field_conflicts, views[0].field_conflicts);
            assert_eq!(v.derived, views[0].derived);
        }
    }
    let materialised: Vec<_> = stores.iter().map(|t| t.store.materialised_view().unwrap()).collect();
    assert_eq!(materialised[0], materialised[1]);
    assert_eq!(materialised[1], materialised[2]);
    for t in &mut stores {
        t.store.rebuild_index().unwrap();
    }
    for (t, before) in stores.iter().zip(&materialised) {
        assert_eq!(&t.store.materialised_view().unwrap(), before, "rebuilt index differs from the incremental one");
    }
    ids.iter().map(|id| stores[0].store.get(id, now).unwrap()).collect()
}

fn cases() -> u32 {
    std::env::var("PROPTEST_CASES").ok().and_then(|s| s.parse().ok()).unwrap_or(40)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: cases(), max_shrink_iters: 200, ..ProptestConfig::default() })]

    #[test]
    fn three_replicas_converge(ops in prop::collection::vec(op(), 1..60)) {
        run(ops);
    }
}

/// A fixed scenario with a real conflict, so the interesting path always runs.
#[test]
fn offline_completion_against_office_cancel_converges_with_a_conflict_on_every_replica() {
    use Op::*;
    let views = run(vec![
        Edit { replica: 0, order: 0, kind: 0, n: 0 },
        Merge { from: 0, to: 1, order: 0 },
        Merge { from: 0, to: 2, order: 0 },
        Edit { replica: 1, order: 0, kind: 3, n: 0 },
        Edit { replica: 0, order: 0, kind: 6, n: 0 },
        Edit { replica: 1, order: 0, kind: 5, n: 0 },
        Edit { replica: 2, order: 0, kind: 10, n: 1 },
    ]);
    assert!(
        matches!(views[0].attention.as_slice(), [Attention::Conflict { .. }]),
        "expected one conflict, got {:?}",
        views[0].attention
    );
}
