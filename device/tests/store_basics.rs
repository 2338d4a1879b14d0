//! The typed store API through a real SQLite file: create, edit, list, search, numbers, sources.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::*;
use signoff_core::edit::{Edit, FieldEdit, NewMaterial};
use signoff_core::ids::PersonId;
use signoff_core::model::{Assignee, Callback, EventKind};
use signoff_core::rules::status::Status;
use signoff_device::store::query::ListFilter;
use signoff_device::{Error, Source, Store};

fn assign(p: &str) -> Edit {
    Edit::Assign { assignee: Assignee::Technician(PersonId::new(p)), note: String::new() }
}

#[test]
fn an_order_lives_through_its_workflow_and_survives_reopening() {
    let mut t = store("chen");
    let id = create(&mut t.store, "CH-1-201", "leak", "卫生间漏水,楼下天花板有水渍", 0);
    t.store.apply(&id, assign("wang"), &ctx("chen", 5)).unwrap();
    t.store.apply(&id, Edit::Arrive, &ctx("wang", 60)).unwrap();
    t.store
        .apply(
            &id,
            Edit::AddMaterial(NewMaterial {
                name: "防水涂料".into(),
                spec: "JS-II 5kg".into(),
                quantity: "1.5".parse().unwrap(),
                unit: "桶".into(),
                unit_price: "120".parse().unwrap(),
            }),
            &ctx("wang", 70),
        )
        .unwrap();
    let v = t
        .store
        .apply(
            &id,
            Edit::Complete {
                findings: Some("地漏周边防水层破损".into()), work_done: Some("重做防水".into())
            },
            &ctx("wang", 120),
        )
        .unwrap();
    assert_eq!(v.status, Status::Completed);
    assert_eq!(v.order.materials_total().to_string(), "180.00");

    t.reopen();
    let v = t.store.get(&id, at(130)).unwrap();
    assert_eq!(v.status, Status::Completed);
    assert_eq!(v.order.work_done, "重做防水");
    assert_eq!(v.order.events.len(), 5);
    let kinds: Vec<&str> = v.order.events.iter().map(|e| e.kind.type_name()).collect();
    assert_eq!(kinds, ["reported", "assigned", "arrived", "material_added", "completed"]);
}

#[test]
fn a_refused_edit_changes_nothing() {
    let mut t = store("chen");
    let id = create(&mut t.store, "CH-1-201", "plumbing", "厨房下水道堵塞", 0);
    let before = t.store.materialised_view().unwrap();
    let heads = t.store.heads(id.as_str()).unwrap();
    let err = t.store.apply(&id, Edit::Complete { findings: None, work_done: None }, &ctx("wang", 10)).unwrap_err();
    assert!(matches!(err, Error::Rejected(_)), "{err}");
    assert!(err.to_string().contains("cannot completed") || err.to_string().contains("cannot"), "{err}");
    let Error::Rejected(r) = &err else { unreachable!() };
    assert!(r.message_zh().contains("待派工"), "{}", r.message_zh());
    let err = t
        .store
        .apply(&id, Edit::Pause { reason: "  ".into(), next_visit_ms: None, owner_told: false }, &ctx("wang", 10))
        .unwrap_err();
    assert!(matches!(err, Error::Rejected(_)));
    let err = t.store.apply(&id, assign("nobody"), &ctx("chen", 10)).unwrap_err();
    assert_eq!(err.code(), "unknown_person", "{err}");
    assert_eq!(t.store.materialised_view().unwrap(), before);
    assert_eq!(t.store.heads(id.as_str()).unwrap(), heads);
    t.reopen();
    assert_eq!(t.store.heads(id.as_str()).unwrap(), heads);
}

#[test]
fn bad_new_orders_are_refused() {
    let mut t = store("chen");
    let err = t.store.create_order(new_order("CH-1-201", "roof", "x"), &ctx("chen", 0)).unwrap_err();
    assert!(err.to_string().contains("unknown category"), "{err}");
    let err = t.store.create_order(new_order("nowhere", "leak", "x"), &ctx("chen", 0)).unwrap_err();
    assert!(err.to_string().contains("unknown unit"), "{err}");
    let err = t.store.create_order(new_order("CH-1-201", "leak", "   "), &ctx("chen", 0)).unwrap_err();
    assert!(matches!(err, Error::Rejected(_)));
    assert!(t.store.list(&ListFilter::default(), 0).unwrap().is_empty());
}

#[test]
fn provisional_numbers_are_sequential_per_device_and_unique_across_devices() {
    let mut a = store("chen");
    let mut b = store("chen");
    let mut numbers = Vec::new();
    for i in 0..3 {
        for s in [&mut a.store, &mut b.store] {
            let v = s.create_order(new_order("CH-1-201", "leak", "漏水"), &ctx("chen", i)).unwrap();
            numbers.push(v.order.provisional_no.clone());
        }
    }
    let prefix_a = a.store.device().short_code();
    assert_eq!(numbers[0], format!("{prefix_a}-00001"));
    assert_eq!(numbers[2], format!("{prefix_a}-00002"));
    let mut unique = numbers.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(unique.len(), 6);
    a.reopen();
    let v = a.store.create_order(new_order("CH-1-201", "leak", "漏水"), &ctx("chen", 9)).unwrap();
    assert_eq!(v.order.provisional_no, format!("{prefix_a}-00004"), "the counter survives reopening");
}

#[test]
fn orders_are_found_by_number_id_or_an_unambiguous_part() {
    let mut t = store("chen");
    let a = create(&mut t.store, "CH-1-201", "leak", "漏水", 0);
    let b = create(&mut t.store, "CH-1-202", "leak", "漏水", 1);
    let no_a = t.store.get(&a, at(1)).unwrap().order.provisional_no;
    assert_eq!(t.store.find(&no_a).unwrap(), a);
    assert_eq!(t.store.find(a.as_str()).unwrap(), a);
    assert_eq!(t.store.find(&a.as_str()[..8]).unwrap(), a);
    assert_eq!(t.store.find("00002").unwrap(), b);
    let prefix = t.store.device().short_code();
    assert!(matches!(t.store.find(&prefix), Err(Error::Ambiguous(_))));
    assert!(matches!(t.store.find("nothing-like-it"), Err(Error::OrderNotFound(_))));
}

#[test]
fn search_finds_chinese_substrings_numbers_and_names() {
    let mut t = store("chen");
    let leak = create(&mut t.store, "CH-1-201", "leak", "卫生间漏水,楼下天花板有水渍", 0);
    let drain = create(&mut t.store, "CH-2-501", "plumbing", "厨房下水道堵塞", 1);
    create(&mut t.store, "CH-3-802", "electrical", "客厅插座跳闸", 2);
    t.store.apply(&drain, Edit::Note { text: "业主要求周末上门".into() }, &ctx("chen", 3)).unwrap();
    let ids =
        |q: &str, s: &Store| -> Vec<String> { s.search(q, 10, 0).unwrap().into_iter().map(|r| r.row.id).collect() };
    assert_eq!(ids("漏水", &t.store), [leak.to_string()], "two characters");
    assert_eq!(ids("卫生间漏水", &t.store), [leak.to_string()]);
    assert_eq!(ids("间漏水", &t.store), [leak.to_string()], "a substring across words");
    assert_eq!(ids("周末上门", &t.store), [drain.to_string()], "notes are searchable");
    assert_eq!(ids("下水道 2栋", &t.store), [drain.to_string()], "every word must match");
    assert_eq!(ids("渗漏", &t.store), [leak.to_string()], "the category's name");
    assert!(ids("漏水 插座", &t.store).is_empty());
    assert!(ids("\"", &t.store).is_empty(), "quotes are not syntax errors");
    let no = t.store.get(&drain, at(5)).unwrap().order.provisional_no;
    assert_eq!(ids(&no, &t.store), [drain.to_string()]);
}

#[test]
fn lists_filter_and_sort_by_deadline() {
    let mut t = store("chen");
    let a = create(&mut t.store, "CH-1-201", "leak", "漏水", 0);
    let b = create(&mut t.store, "CH-2-501", "plumbing", "堵塞", 30);
    let c = create(&mut t.store, "YL-A-301", "electrical", "跳闸", 60);
    t.store.apply(&b, assign("wang"), &ctx("chen", 31)).unwrap();
    t.store.apply(&c, Edit::Cancel { reason: "业主已自行处理".into() }, &ctx("chen", 61)).unwrap();
    let all = t.store.list(&ListFilter::default(), at(0).timestamp_millis()).unwrap();
    let order: Vec<String> = all.iter().map(|s| s.row.id.clone()).collect();
    assert_eq!(order, [a.to_string(), b.to_string(), c.to_string()], "earliest deadline first; none last");
    let open = ListFilter { open_only: true, ..ListFilter::default() };
    assert_eq!(t.store.list(&open, 0).unwrap().len(), 2);
    let overdue = ListFilter { overdue: true, ..ListFilter::default() };
    assert_eq!(
        t.store.list(&overdue, at(125).timestamp_millis()).unwrap().len(),
        1,
        "only a's callback deadline has passed"
    );
    let mine = ListFilter { assignee: Some("wang".into()), ..ListFilter::default() };
    assert_eq!(t.store.list(&mine, 0).unwrap().len(), 1);
    let project = ListFilter { project: Some("YL".into()), ..ListFilter::default() };
    assert_eq!(t.store.list(&project, 0).unwrap().len(), 1);
    let cancelled = ListFilter { statuses: vec![Status::Cancelled], ..ListFilter::default() };
    assert_eq!(t.store.list(&cancelled, 0).unwrap()[0].row.id, c.to_string());
    let today = t.store.today(&PersonId::new("wang"), at(40).timestamp_millis()).unwrap();
    assert_eq!(today.len(), 1);
    assert_eq!(today[0].due.as_ref().map(|d| d.kind.as_str()), Some("contact"));
}

#[test]
fn every_write_records_its_source() {
    let mut a = store("chen");
    let mut b = store("wang");
    let id = create(&mut a.store, "CH-1-201", "leak", "漏水", 0);
    let doc = a.store.document_bytes(id.as_str()).unwrap();
    let mut sync = ctx("wang", 1);
    sync.source = Source::Sync;
    b.store.receive(&id, &doc, &sync).unwrap();
    b.store.apply(&id, Edit::Note { text: "已电话联系".into() }, &ctx("wang", 2)).unwrap();
    let log = b.store.write_log(&id).unwrap();
    let sources: Vec<Source> = log.iter().map(|(s, _, _)| *s).collect();
    assert_eq!(sources, [Source::Sync, Source::Ui]);
    assert_eq!(a.store.write_log(&id).unwrap()[0].0, Source::Ui);
}

#[test]
fn dispatch_suggestions_follow_the_store_workloads() {
    let mut t = store("chen");
    let first = create(&mut t.store, "CH-1-201", "plumbing", "堵塞", 0);
    let s = t.store.dispatch_suggestion(&first).unwrap();
    let names: Vec<&str> = s.candidates.iter().map(|c| c.person.as_str()).collect();
    assert_eq!(names, ["sun", "wang", "zhao"], "never assigned, by id");
    t.store.apply(&first, assign("sun"), &ctx("chen", 1)).unwrap();
    t.store.apply(&first, Edit::Arrive, &ctx("sun", 30)).unwrap();
    let second = create(&mut t.store, "CH-1-202", "plumbing", "漏水", 31);
    let s = t.store.dispatch_suggestion(&second).unwrap();
    let names: Vec<&str> = s.candidates.iter().map(|c| c.person.as_str()).collect();
    assert_eq!(names, ["wang", "zhao"]);
    assert!(s.skipped.iter().any(|k| k.person.as_str() == "sun" && k.reason.text_en().contains("on site")));
}

#[test]
fn callbacks_close_or_reopen_and_are_listed() {
    let mut t = store("chen");
    let id = create(&mut t.store, "CH-1-201", "plumbing", "堵塞", 0);
    for (e, by, m) in [
        (assign("wang"), "chen", 1),
        (Edit::Arrive, "wang", 30),
        (Edit::Complete { findings: None, work_done: None }, "wang", 60),
    ] {
        t.store.apply(&id, e, &ctx(by, m)).unwrap();
    }
    let v = t
        .store
        .apply(&id, Edit::Callback(Callback::reached(false, Some(2), "还堵".into())), &ctx("chen", 200))
        .unwrap();
    assert_eq!(v.status, Status::Reopened);
    assert!(v.order.events.iter().any(|e| matches!(&e.kind, EventKind::Callback(c) if c.note == "还堵")));
}

#[test]
fn a_long_order_is_stored_in_whole_pages_and_chunks_and_reads_back_after_every_compaction() {
    let mut t = store("chen");
    let id = create(&mut t.store, "CH-1-201", "leak", "卫生间漏水", 0);
    // Notes of varied characters (Automerge compresses repeated text) grow the document past several
    // 4 KB pages; compactions happen along the way.
    let mut seed = 0x2545_f491_u32;
    let notes: Vec<String> = (0..120)
        .map(|i| {
            let words: String = (0..30)
                .filter_map(|_| {
                    seed = seed.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
                    char::from_u32(0x4E00 + (seed >> 8) % 0x51A5)
                })
                .collect();
            format!("第{i}次跟进：{words}")
        })
        .collect();
    for (i, text) in notes.iter().enumerate() {
        t.store.apply(&id, Edit::Note { text: text.clone() }, &ctx("chen", 1 + i as i64)).unwrap();
    }
    let saved = t.store.document_bytes(id.as_str()).unwrap().len();
    assert!(saved > 2 * 4048, "the order outgrew two pages ({saved} bytes)");
    let pages: i64 = rusqlite::Connection::open(t.path())
        .unwrap()
        .query_row("SELECT count(*) FROM snapshot_pages", [], |r| r.get(0))
        .unwrap();
    assert!(pages >= 1, "its compacted snapshot uses whole-page rows");
    t.reopen();
    let order = t.store.get(&id, at(200)).unwrap().order;
    let read: Vec<&str> = order
        .events
        .iter()
        .filter_map(|e| match &e.kind {
            EventKind::Note { text } => Some(text.as_str()),
            _ => None,
        })
        .collect();
    assert_eq!(read, notes.iter().map(String::as_str).collect::<Vec<_>>());
    // A rebuilt index agrees, and an edit after reopening still compacts and reads back.
    t.store.rebuild_index().unwrap();
    t.store.apply(&id, Edit::Note { text: "最后一次".into() }, &ctx("chen", 300)).unwrap();
    t.reopen();
    assert_eq!(t.store.get(&id, at(301)).unwrap().order.events.len(), order.events.len() + 1);
}

/// 先抢修后补单: a technician opens an order on site, offline, takes it and works it; the order asks
/// the office to complete its intake, which only the office can do, and the flag goes once it has.
#[test]
fn an_order_opened_on_site_waits_for_the_office_to_complete_its_intake() {
    use signoff_core::rules::actions::Action;
    use signoff_core::rules::status::Attention;
    let mut t = store("wang");
    let s = &mut t.store;
    let id = s.create_order(new_order("CH-1-201", "leak", "水管爆裂，先关阀抢修"), &ctx("wang", 0)).unwrap().order.id;
    let mine = Edit::Assign { assignee: Assignee::Technician(PersonId::new("wang")), note: String::new() };
    s.apply(&id, mine, &ctx("wang", 1)).unwrap();
    s.apply(&id, Edit::Arrive, &ctx("wang", 2)).unwrap();
    let v = s.get(&id, at(3)).unwrap();
    assert!(
        matches!(&v.attention[..], [Attention::IntakePending { by }] if by.as_str() == "wang"),
        "{:?}",
        v.attention
    );
    let reference = s.reference().clone();
    let wang = v.actions(&reference, &PersonId::new("wang"));
    assert!(wang.iter().any(|a| a.action == Action::CompleteIntake && !a.allowed), "{wang:?}");
    let chen = v.actions(&reference, &PersonId::new("chen"));
    assert!(chen.iter().any(|a| a.action == Action::CompleteIntake && a.allowed), "{chen:?}");
    let err = s.apply(&id, Edit::CompleteIntake { note: String::new() }, &ctx("wang", 4)).unwrap_err();
    assert!(err.to_string().contains("dispatcher, supervisor or administrator"), "{err}");
    // The office checks the report, fixes the reporter, and completes the intake.
    let fields = vec![FieldEdit::ReporterName("刘先生".into()), FieldEdit::ReporterPhone("13912345678".into())];
    s.apply(&id, Edit::EditFields { fields }, &ctx("chen", 30)).unwrap();
    s.apply(&id, Edit::CompleteIntake { note: "已电话核实".into() }, &ctx("chen", 31)).unwrap();
    let v = s.get(&id, at(32)).unwrap();
    // The history keeps what the name was and became; the owner's phone is changed, never spread.
    let edited = v.order.events.iter().find_map(|e| match &e.kind {
        EventKind::FieldsEdited { fields, changes } => Some((fields.clone(), changes.clone())),
        _ => None,
    });
    let (fields, changes) = edited.expect("the edit is on the timeline");
    assert_eq!(fields, ["reporter.name", "reporter.phone"]);
    assert_eq!(changes.len(), 1, "{changes:?}");
    assert_eq!((changes[0].field.as_str(), changes[0].new.as_str()), ("reporter.name", "刘先生"));
    assert!(!format!("{changes:?}").contains("13912345678"));
    assert!(v.attention.is_empty(), "{:?}", v.attention);
    assert_eq!(v.status, Status::OnSite, "the intake does not touch the work");
    // Orders the office opens never ask for it.
    let office = create(s, "CH-1-202", "leak", "厨房漏水", 40);
    assert!(s.get(&office, at(41)).unwrap().attention.is_empty());
}
