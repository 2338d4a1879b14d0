//! Server hardening, against the real server binary on loopback:
//! - fields only the server writes (official numbers) are refused when a device writes them, so numbers
//!   stay unique whatever a device does;
//! - a technician's device creates orders only for its own person (or unassigned), as on change;
//! - a cursor the feed never reached is refused, and a device whose server was restored from an older
//!   backup re-offers everything the server lost: nothing missing on the server, nothing doubled;
//! - `Authorization: bearer` in any case; 400 answers without Rust debug text.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use automerge::transaction::Transactable;
use automerge::{AutoCommit, ROOT, ReadDoc};
use common::proxy::{Proxy, through};
use common::*;
use signoff_core::edit::Edit;
use signoff_core::ids::PersonId;
use signoff_core::model::Assignee;
use signoff_device::store::sync_state::SyncState;
use signoff_device::{Ctx, Source};

/// Write `f`'s changes into the device's copy with its own actor (a modified app).
fn tamper(d: &mut Device, id: &signoff_core::ids::OrderId, f: impl FnOnce(&mut AutoCommit)) {
    let bytes = d.store.document_bytes(id.as_str()).unwrap();
    let actor = data_encoding::HEXLOWER.decode(d.store.device().id().as_str().as_bytes()).unwrap();
    let mut doc = AutoCommit::load(&bytes).unwrap().with_actor(automerge::ActorId::from(actor));
    let before = doc.get_heads();
    f(&mut doc);
    doc.commit();
    let changes = doc.save_after(&before);
    let ctx = Ctx { source: Source::Ui, by: PersonId::new(&d.person), now: at(300) };
    d.store.receive(id, &changes, &ctx).unwrap();
}

fn put_official(doc: &mut AutoCommit, number: &str) {
    let (_, numbers) = doc.get(ROOT, "numbers").unwrap().unwrap();
    doc.put(&numbers, "official", number).unwrap();
}

#[test]
fn official_numbers_are_the_servers_and_stay_unique() {
    let server = Server::start();
    let mut office = Device::enrolled(&server, "chen");
    office.sync();
    let first = create(&mut office, "CH-1-201", "卫生间漏水", 0);
    office.sync();
    let taken = office.store.get(&first, at(1)).unwrap().order.official_no.unwrap();
    // A new order arriving with a number it made up itself — another order's.
    let second = create(&mut office, "CH-2-501", "厨房下水道堵塞", 2);
    tamper(&mut office, &second, |doc| put_official(doc, &taken));
    let r = office.sync();
    let refused = r.rejected.iter().find(|(i, _)| i == second.as_str()).expect("refused");
    assert!(refused.1.zh.contains("正式单号只能由服务器分配"), "{}", refused.1.zh);
    // An existing order's number overwritten with another's.
    tamper(&mut office, &first, |doc| put_official(doc, "BX-2026-999999"));
    let r = office.sync();
    assert!(r.rejected.iter().any(|(i, _)| i == first.as_str()), "{r:?}");
    // What the server holds: every number once.
    let mut check = Device::enrolled(&server, "chen");
    check.sync();
    let mut numbers: Vec<String> =
        check.store.list(&Default::default(), 0).unwrap().into_iter().filter_map(|r| r.row.official_no).collect();
    let all = numbers.len();
    numbers.sort();
    numbers.dedup();
    assert_eq!(numbers.len(), all, "numbers stay unique: {numbers:?}");
    assert!(numbers.contains(&taken) && !numbers.contains(&"BX-2026-999999".to_owned()));
}

#[test]
fn a_technician_creates_orders_only_for_themselves() {
    let server = Server::start();
    let mut wang = Device::enrolled(&server, "wang");
    wang.sync();
    let c = |m| Ctx { source: Source::Ui, by: PersonId::new("wang"), now: at(m) };
    // 先抢修后补单: an order made on the spot, for himself: accepted.
    let own = wang.store.create_order(new_order("CH-1-201", "楼道水管爆裂，先抢修"), &c(0)).unwrap().order.id;
    wang.store
        .apply(
            &own,
            Edit::Assign { assignee: Assignee::Technician(PersonId::new("wang")), note: "先抢修".into() },
            &c(1),
        )
        .unwrap();
    // One created already assigned to a colleague: written past the app's own check.
    let theirs = wang.store.create_order(new_order("CH-2-501", "厨房漏水"), &c(2)).unwrap().order.id;
    tamper(&mut wang, &theirs, |doc| {
        let order = signoff_core::doc::read(doc).unwrap();
        let fold = signoff_core::rules::status::fold(&order.events, &Default::default());
        let header = signoff_core::doc::EventHeader {
            hlc: signoff_core::hlc::Hlc::new(at(3).timestamp_millis(), 0),
            device: signoff_core::ids::DeviceId::new(""),
            by: PersonId::new("wang"),
            at_ms: at(3).timestamp_millis(),
            prev: fold.head.clone(),
        };
        let edit = Edit::Assign { assignee: Assignee::Technician(PersonId::new("li")), note: String::new() };
        signoff_core::edit::apply(doc, &order, &fold, &header, &edit).unwrap();
    });
    let r = wang.sync();
    assert_eq!(wang.store.sync_state(&own).unwrap(), SyncState::Synced, "{r:?}");
    let refused = r.rejected.iter().find(|(i, _)| i == theirs.as_str()).expect("refused");
    assert!(refused.1.zh.contains("无权修改"), "{}", refused.1.zh);
    // The colleague never receives it.
    let mut li = Device::enrolled(&server, "li");
    li.sync();
    assert!(li.store.get(&theirs, at(10)).is_err(), "not delivered to the colleague");
}

#[test]
fn a_restored_older_backup_gets_back_everything_devices_had() {
    let mut server = Server::start();
    let proxy = Proxy::start(&server.url);
    let mut office = through(&proxy, &server, "chen");
    office.sync();
    let before = create(&mut office, "CH-1-201", "卫生间漏水", 0);
    office.sync();
    let backup = tempfile::tempdir().unwrap();
    let out = backup.path().join("b");
    server.admin(&["backup", out.to_str().unwrap()]);
    // More work after the backup, synced to the server — which then loses it to the restore.
    let after = create(&mut office, "CH-2-501", "厨房下水道堵塞", 10);
    let ctx = office.ctx(11);
    office.store.apply(&before, Edit::Note { text: "备份之后的备注".into() }, &ctx).unwrap();
    office.sync();
    server.restart_with(&[], |data| {
        std::fs::remove_dir_all(data).unwrap();
        admin_in(data, &["restore", out.to_str().unwrap()]);
    });
    proxy.retarget(&server.url);
    // The device's cursor is past the restored feed: refused as such, and the device offers everything.
    let r = office.sync();
    assert!(r.rejected.is_empty(), "{r:?}");
    let mut check = Device::enrolled(&server, "chen");
    check.sync();
    let listed = check.store.list(&Default::default(), 0).unwrap();
    assert_eq!(listed.len(), 2, "nothing missing on the server");
    let v = check.store.get(&before, at(20)).unwrap();
    assert!(
        v.order
            .events
            .iter()
            .any(|e| matches!(&e.kind, signoff_core::model::EventKind::Note { text } if text == "备份之后的备注"))
    );
    assert!(check.store.get(&after, at(20)).is_ok());
    // Nothing doubled on the device.
    let mine = office.store.list(&Default::default(), 0).unwrap();
    assert_eq!(mine.len(), 2);
    let notes = office
        .store
        .get(&before, at(21))
        .unwrap()
        .order
        .events
        .iter()
        .filter(|e| matches!(e.kind, signoff_core::model::EventKind::Note { .. }))
        .count();
    assert_eq!(notes, 1);
}

/// After a restore, other devices' work moves the feed's head past this device's old cursor before it
/// syncs again: only the restore epoch tells it that its cursor counts another feed.
#[test]
fn a_new_restore_epoch_is_noticed_even_when_the_feed_caught_up() {
    let mut server = Server::start();
    let proxy = Proxy::start(&server.url);
    let mut office = through(&proxy, &server, "chen");
    office.sync();
    let kept = create(&mut office, "CH-1-201", "卫生间漏水", 0);
    office.sync();
    let backup = tempfile::tempdir().unwrap();
    let out = backup.path().join("b");
    server.admin(&["backup", out.to_str().unwrap()]);
    let lost = create(&mut office, "CH-2-501", "厨房下水道堵塞", 10);
    office.sync();
    let old_cursor = office.store.sync_cursor().unwrap();
    server.restart_with(&[], |data| {
        std::fs::remove_dir_all(data).unwrap();
        admin_in(data, &["restore", out.to_str().unwrap()]);
    });
    proxy.retarget(&server.url);
    // Another desk writes enough after the restore that the feed passes the old cursor.
    let mut other = Device::enrolled(&server, "chen");
    other.sync();
    let mut n = 0;
    while other.store.sync_cursor().unwrap() <= old_cursor {
        create(&mut other, "CH-3-802", &format!("补录 {n}"), 20 + n);
        other.sync();
        n += 1;
    }
    office.sync();
    let mut check = Device::enrolled(&server, "chen");
    check.sync();
    assert!(check.store.get(&lost, at(99)).is_ok(), "the order lost to the restore is back");
    assert!(check.store.get(&kept, at(99)).is_ok());
    assert_eq!(office.store.list(&Default::default(), 0).unwrap().len() as i64, 2 + n, "nothing doubled");
    // Its number was given again meanwhile: it got a new one, and every number is still unique.
    let mut numbers: Vec<String> =
        check.store.list(&Default::default(), 0).unwrap().into_iter().filter_map(|r| r.row.official_no).collect();
    let all = numbers.len();
    numbers.sort();
    numbers.dedup();
    assert_eq!(numbers.len(), all, "{numbers:?}");
}

#[test]
fn a_cursor_past_the_feed_is_refused_and_answers_carry_no_debug_text() {
    let server = Server::start();
    let mut wang = Device::enrolled(&server, "wang");
    wang.sync();
    let t = token(&wang);
    use signoff_core::wire::*;
    let ahead = encode(&sync_request(1 << 40)).unwrap();
    let (status, body) = raw_sync(&server.url, &t, ahead);
    assert_eq!(status, 409);
    let err: ApiError = serde_json::from_slice(&body).unwrap();
    assert_eq!(err.code, "cursor_ahead");
    // Garbage: a clear sentence, no decoder internals.
    let (status, body) = raw_sync(&server.url, &t, b"\x85\x6f\x4a\x83 not cbor".to_vec());
    assert_eq!(status, 400);
    let err: ApiError = serde_json::from_slice(&body).unwrap();
    assert!(
        !err.message.contains("Semantic") && !err.message.contains("Syntax(") && !err.message.contains('{'),
        "{}",
        err.message
    );
    // The scheme is case-insensitive.
    let resp = client()
        .post(format!("{}/v1/sync", server.url))
        .header("authorization", format!("bearer {t}"))
        .header("content-type", SYNC_MEDIA_TYPE)
        .body(encode(&sync_request(0)).unwrap())
        .send()
        .unwrap();
    assert_eq!(resp.status().as_u16(), 200);
}

/// Enrolment codes cannot be guessed at speed: attempts are limited per address (and for the whole
/// server), and failures show in /metrics.
#[test]
fn enrolment_attempts_are_limited_and_counted() {
    let server = Server::start();
    let mut statuses = Vec::new();
    for i in 0..12 {
        let resp = client()
            .post(format!("{}/v1/enrol", server.url))
            .json(&serde_json::json!({
                "code": format!("WRONG{i:05}"),
                "device_id": format!("{:016x}", 0xabcd_0000_u64 + i),
                "public_key": "3b6a27bcceb6a42d62a3a8d02a6f0d73653215771de243a63ac048a18b59da29",
                "name": "guess"
            }))
            .send()
            .unwrap();
        statuses.push(resp.status().as_u16());
    }
    assert!(statuses[..10].iter().all(|s| *s == 401), "{statuses:?}");
    assert!(statuses[10..].iter().all(|s| *s == 429), "then limited: {statuses:?}");
    let metrics = client().get(format!("{}/metrics", server.url)).send().unwrap().text().unwrap();
    let count = |reason: &str| {
        metrics
            .lines()
            .find(|l| l.starts_with("signoff_rejections_total") && l.contains(&format!("reason=\"{reason}\"")))
            .and_then(|l| l.rsplit(' ').next())
            .and_then(|n| n.parse::<f64>().ok())
            .unwrap_or(0.0)
    };
    assert_eq!(count("enrolment_code"), 10.0, "{metrics}");
    assert_eq!(count("enrolment_rate_limited"), 2.0, "{metrics}");
}
