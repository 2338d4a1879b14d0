//! Bad input never loses data: corrupt store files, documents that fail to load, a full disk.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use automerge::transaction::Transactable;
use common::*;
use signoff_core::edit::Edit;
use signoff_device::store::index;
use signoff_device::store::query::ListFilter;
use signoff_device::{Error, Store};

#[test]
fn a_file_that_is_not_a_store_is_reported_as_such() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("garbage.db");
    std::fs::write(&path, b"this is a spreadsheet, not a database, and it is long enough to have a header......")
        .unwrap();
    let err = Store::open(&path).unwrap_err();
    assert!(matches!(err, Error::Corrupt { .. }), "{err}");
    assert!(err.to_string().contains("not a readable Signoff store"), "{err}");
    let missing = Store::open(dir.path().join("missing.db")).unwrap_err();
    assert!(matches!(missing, Error::NoStore(_)));
    assert!(missing.to_string().contains("signoff init"));
}

#[test]
fn a_damaged_store_page_is_reported_not_ignored() {
    let mut t = store("chen");
    for i in 0..40 {
        create(&mut t.store, "CH-1-201", "leak", &format!("漏水 {i} {}", "很长的描述".repeat(40)), i);
    }
    let path = t.path();
    drop(t.store);
    // Overwrite a page in the middle of the file with garbage.
    let mut bytes = std::fs::read(&path).unwrap();
    let page = 4096;
    assert!(bytes.len() > 8 * page, "store too small for the test: {}", bytes.len());
    for b in &mut bytes[6 * page..7 * page] {
        *b = 0xA5;
    }
    std::fs::write(&path, &bytes).unwrap();
    match Store::open(&path) {
        Err(e) => assert!(matches!(e, Error::Corrupt { .. } | Error::Sqlite(_)), "{e}"),
        Ok(s) => match s.integrity_check() {
            Ok(report) => assert_ne!(report, "ok", "damage must be visible to the integrity check"),
            Err(e) => assert!(matches!(e, Error::Corrupt { .. }), "{e}"),
        },
    }
}

#[test]
fn a_document_that_fails_to_load_is_quarantined_and_the_rest_keeps_working() {
    let mut t = store("chen");
    let good = create(&mut t.store, "CH-1-201", "leak", "卫生间漏水", 0);
    let bad = create(&mut t.store, "CH-1-202", "plumbing", "厨房堵塞", 1);
    let newer = create(&mut t.store, "CH-2-501", "electrical", "跳闸", 2);
    let path = t.path();
    drop(t.store);
    {
        let conn = rusqlite::Connection::open(&path).unwrap();
        let rowid = |id: &str| -> i64 {
            conn.query_row("SELECT rowid FROM documents WHERE id = ?1", [id], |r| r.get(0)).unwrap()
        };
        conn.execute(
            "UPDATE snapshot_chunks SET bytes = x'856f4a83deadbeef00' WHERE doc = ?1 AND n = 0",
            [rowid(bad.as_str())],
        )
        .unwrap();
        // A document written by a future version of the app.
        let doc_row = rowid(newer.as_str());
        let chunks: Vec<Vec<u8>> = conn
            .prepare("SELECT bytes FROM snapshot_chunks WHERE doc = ?1 ORDER BY n")
            .unwrap()
            .query_map([doc_row], |r| r.get(0))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap();
        let mut doc = automerge::AutoCommit::load(&chunks.concat()).unwrap();
        doc.put(automerge::ROOT, "schema", automerge::ScalarValue::Uint(99)).unwrap();
        conn.execute("DELETE FROM snapshot_chunks WHERE doc = ?1", [doc_row]).unwrap();
        conn.execute(
            "INSERT INTO snapshot_chunks(doc, n, bytes) VALUES (?1, 0, ?2)",
            rusqlite::params![doc_row, doc.save()],
        )
        .unwrap();
        conn.execute("DELETE FROM changes WHERE doc = ?1", [doc_row]).unwrap();
    }
    let mut s = Store::open(&path).unwrap();
    assert_eq!(s.list(&ListFilter::default(), 0).unwrap().len(), 3, "lists come from the index and keep working");
    let err = s.get(&bad, at(5)).unwrap_err();
    assert!(matches!(err, Error::Quarantined { .. }), "{err}");
    let err = s.get(&newer, at(5)).unwrap_err();
    assert!(err.to_string().contains("update the app"), "{err}");
    let err = s.apply(&bad, Edit::Note { text: "x".into() }, &ctx("chen", 6)).unwrap_err();
    assert!(matches!(err, Error::Quarantined { .. }));
    assert_eq!(s.stats(0).unwrap().quarantined, 2);
    assert_eq!(s.get(&good, at(5)).unwrap().order.description, "卫生间漏水");
    s.apply(&good, Edit::Note { text: "照常".into() }, &ctx("chen", 7)).unwrap();

    let report = s.rebuild_index().unwrap();
    assert_eq!(report.indexed, 1);
    let quarantined: Vec<&str> = report.quarantined.iter().map(|(id, _)| id.as_str()).collect();
    assert!(quarantined.contains(&bad.as_str()) && quarantined.contains(&newer.as_str()));
    // Never dropped from lists: the damaged orders stay listed, flagged, by their numbers.
    let listed = s.list(&ListFilter::default(), 0).unwrap();
    assert_eq!(listed.len(), 3);
    assert_eq!(listed.iter().filter(|r| r.row.damaged).count(), 2);
    // The damaged bytes are kept as they were, for someone to recover.
    assert_eq!(s.document_ids().unwrap().len(), 3);
}

/// The index rows derived from the documents themselves, without writing anything.
fn derived_from_documents(s: &mut Store) -> Vec<index::IndexRow> {
    let mut rows = Vec::new();
    for id in s.document_ids().unwrap() {
        let v = s.get(&id.as_str().into(), at(0)).unwrap();
        rows.push(index::derive(&v));
    }
    rows.sort_by(|a, b| a.id.cmp(&b.id));
    rows
}

#[test]
fn a_full_disk_fails_the_write_and_leaves_no_partial_state() {
    let mut t = store("chen");
    let id = create(&mut t.store, "CH-1-201", "leak", "卫生间漏水", 0);
    let pages: i64 = t.store.stats(0).unwrap().file_bytes / 4096;
    assert_eq!(t.store.set_max_pages(pages + 20).unwrap(), pages + 20);
    let mut acknowledged = Vec::new();
    let mut failure = None;
    for i in 0..5000 {
        let text = format!("第{i}次记录 {}", "现场情况说明".repeat(30));
        let edit = if i % 7 == 0 {
            t.store.create_order(new_order("CH-2-501", "plumbing", &text), &ctx("chen", i + 1)).map(|_| ())
        } else {
            t.store.apply(&id, Edit::Note { text: text.clone() }, &ctx("chen", i + 1)).map(|_| ())
        };
        match edit {
            Ok(()) => acknowledged.push(text),
            Err(e) => {
                failure = Some((e, text));
                break;
            }
        }
    }
    let (err, lost) = failure.expect("the store never filled up");
    assert!(matches!(err, Error::DiskFull(_)), "{err}");
    assert!(err.to_string().contains("disk is full"), "{err}");
    // The failed write is nowhere: not in memory, not on disk; the index matches the documents.
    let v = t.store.get(&id, at(0)).unwrap();
    assert!(
        !v.order
            .events
            .iter()
            .any(|e| matches!(&e.kind, signoff_core::model::EventKind::Note { text } if *text == lost))
    );
    let probe: String = lost.chars().take(12).collect();
    assert!(!t.store.search(&probe, 5, 0).unwrap().iter().any(|r| r.row.summary == lost));
    let indexed: Vec<index::IndexRow> = t.store.materialised_view().unwrap().into_iter().map(|(r, _)| r).collect();
    assert_eq!(indexed, derived_from_documents(&mut t.store));
    assert_eq!(t.store.integrity_check().unwrap(), "ok");
    // Everything acknowledged before is there after reopening, and writing works again with room.
    t.reopen();
    let v = t.store.get(&id, at(0)).unwrap();
    let notes = v.order.events.iter().filter(|e| matches!(e.kind, signoff_core::model::EventKind::Note { .. })).count();
    let created = t.store.list(&ListFilter::default(), 0).unwrap().len() - 1;
    assert_eq!(notes + created, acknowledged.len());
    t.store.apply(&id, Edit::Note { text: "空间释放后继续".into() }, &ctx("chen", 9999)).unwrap();
}

#[test]
fn a_batch_of_received_orders_with_one_bad_document_stores_all_the_others() {
    let mut office = store("chen");
    let ids: Vec<_> =
        (0..12).map(|i| create(&mut office.store, "CH-1-201", "leak", &format!("卫生间漏水 {i}"), i)).collect();
    let docs: Vec<Vec<u8>> = ids.iter().map(|id| office.store.document_bytes(id.as_str()).unwrap()).collect();
    let mut phone = store("wang");
    let mut items: Vec<(signoff_core::ids::OrderId, &[u8])> =
        ids.iter().zip(&docs).map(|(id, d)| (id.clone(), d.as_slice())).collect();
    let garbage = b"\x85\x6f\x4a\x83 not a document".to_vec();
    items[5].1 = &garbage;
    let sync = signoff_device::Ctx { source: signoff_device::Source::Sync, ..ctx("wang", 30) };
    let outcomes = phone.store.receive_many(&items, &sync);
    assert_eq!(outcomes.iter().filter(|o| o.is_ok()).count(), 11);
    assert!(outcomes[5].is_err());
    phone.reopen();
    for (i, id) in ids.iter().enumerate() {
        let got = phone.store.get(id, at(40));
        assert_eq!(got.is_ok(), i != 5, "order {i}");
    }
    assert_eq!(phone.store.heads(ids[0].as_str()).unwrap(), office.store.heads(ids[0].as_str()).unwrap());
}
