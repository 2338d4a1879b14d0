//! The trust promises that need the real server on loopback:
//! - a damaged order on a device is restored from the server's copy at the next sync, and the user is
//!   told exactly which order and which kinds of unsynced change could not be recovered;
//! - the server verifies each statement against the enrolled key of the device that pushed it and
//!   refuses forged ones, with a reason the device shows in its user's language;
//! - the server applies the same validation table to what devices push.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use automerge::transaction::Transactable;
use automerge::{AutoCommit, ROOT, ReadDoc};
use common::*;
use signoff_core::edit::{Edit, NewMaterial};
use signoff_core::ids::{OrderId, PersonId};
use signoff_core::model::Assignee;
use signoff_core::signoff::{SignerRole, StatementKind, Verdict};
use signoff_device::store::signoff::SignRequest;
use signoff_device::store::sync_state::SyncState;
use signoff_device::{Ctx, Source};

/// The office creates and dispatches an order to wang; wang receives it.
fn dispatched(office: &mut Device, wang: &mut Device) -> OrderId {
    office.sync();
    wang.sync();
    let id = create(office, "CH-1-201", "卫生间漏水", 0);
    let ctx = office.ctx(1);
    office
        .store
        .apply(&id, Edit::Assign { assignee: Assignee::Technician(PersonId::new("wang")), note: String::new() }, &ctx)
        .unwrap();
    office.sync();
    assert_eq!(wang.sync().received, 1);
    id
}

fn sign(wang: &mut Device, id: &OrderId, minutes: i64) {
    let req = SignRequest {
        heads: None,
        kind: StatementKind::Signoff,
        name: "王女士".into(),
        role: SignerRole::Owner,
        rating: Some(5),
        opinion: "满意".into(),
        strokes: signature(),
        place: None,
    };
    let ctx = wang.ctx(minutes);
    wang.store.sign(id, req, &ctx).unwrap();
}

fn material(name: &str) -> Edit {
    Edit::AddMaterial(NewMaterial {
        name: name.into(),
        spec: String::new(),
        quantity: "1".parse().unwrap(),
        unit: "个".into(),
        unit_price: "45".parse().unwrap(),
    })
}

/// Flip a byte in the newest stored change of an order (its last local edit).
fn damage_last_change(d: &mut Device, id: &OrderId) {
    let path = d.path();
    d.store = signoff_device::Store::init(d.dir.path().join("scratch.db"), Default::default()).unwrap();
    {
        let conn = rusqlite::Connection::open(&path).unwrap();
        let rowid: i64 =
            conn.query_row("SELECT rowid FROM documents WHERE id = ?1", [id.as_str()], |r| r.get(0)).unwrap();
        let (seq, mut bytes): (i64, Vec<u8>) = conn
            .query_row("SELECT seq, bytes FROM changes WHERE doc = ?1 ORDER BY seq DESC LIMIT 1", [rowid], |r| {
                Ok((r.get(0)?, r.get(1)?))
            })
            .unwrap();
        let mid = bytes.len() / 2;
        bytes[mid] ^= 0x5a;
        conn.execute("UPDATE changes SET bytes = ?3 WHERE doc = ?1 AND seq = ?2", rusqlite::params![rowid, seq, bytes])
            .unwrap();
    }
    d.store = signoff_device::Store::open(&path).unwrap();
}

#[test]
fn a_damaged_order_is_restored_from_the_server_and_lost_work_is_named() {
    let server = Server::start();
    let mut office = Device::enrolled(&server, "chen");
    let mut wang = Device::enrolled(&server, "wang");
    let id = dispatched(&mut office, &mut wang);
    let c = |m| Ctx { source: Source::Ui, by: PersonId::new("wang"), now: at(m) };
    for (e, m) in [
        (Edit::Arrive, 30),
        (material("地漏"), 40),
        (Edit::Complete { findings: None, work_done: Some("更换地漏".into()) }, 60),
    ] {
        wang.store.apply(&id, e, &c(m)).unwrap();
    }
    sign(&mut wang, &id, 65);
    wang.sync();
    let number = wang.store.get(&id, at(66)).unwrap().order.display_no().to_owned();
    // Offline again: a note, then a material; the material's change record gets damaged.
    wang.store.apply(&id, Edit::Note { text: "业主要求下周复查".into() }, &c(70)).unwrap();
    wang.store.apply(&id, material("密封胶"), &c(71)).unwrap();
    damage_last_change(&mut wang, &id);
    let err = wang.store.get(&id, at(72)).unwrap_err();
    assert!(matches!(err, signoff_device::Error::Quarantined { .. }), "{err}");
    assert!(err.msg().zh().contains(&number), "named by its number: {}", err.msg().zh());
    let listed = wang.store.list(&Default::default(), at(72).timestamp_millis()).unwrap();
    assert!(listed.iter().any(|r| r.row.id == id.as_str() && r.row.damaged), "still listed, flagged");
    assert_eq!(wang.store.wanted().unwrap(), [id.to_string()]);

    // The next sync asks for the server's copy, merges what still reads, and names what was lost.
    let report = wang.sync();
    assert_eq!(report.restored.len(), 1, "{report:?}");
    let told = &report.restored[0].1;
    assert!(told.zh.contains(&number) && told.zh.contains("添加材料") && !told.zh.contains("备注"), "{}", told.zh);
    assert!(told.en.contains("material added"), "{}", told.en);
    let v = wang.store.get(&id, at(80)).unwrap();
    assert!(
        v.order
            .events
            .iter()
            .any(|e| matches!(&e.kind, signoff_core::model::EventKind::Note { text } if text == "业主要求下周复查")),
        "the readable note was recovered"
    );
    assert_eq!(v.order.materials.len(), 1, "the damaged material is gone, and said so");
    assert!(wang.store.wanted().unwrap().is_empty());
    assert!(!wang.store.list(&Default::default(), 0).unwrap().iter().any(|r| r.row.damaged));
    assert_eq!(wang.store.notices().unwrap().len(), 1, "kept for the app until read");
    // The owner's signature came back intact and verifies; the recovered note reaches the office.
    let reports = wang.store.verify_statements(&id).unwrap();
    assert_eq!(reports[0].verdict, Verdict::Valid);
    assert!(reports[0].counted);
    wang.sync();
    office.sync();
    let at_office = office.store.get(&id, at(90)).unwrap();
    assert!(at_office.order.events.iter().any(|e| matches!(&e.kind, signoff_core::model::EventKind::Note { .. })));

    // Damage with nothing unsynced: restored, nothing lost.
    let mut li = Device::enrolled(&server, "chen");
    li.sync();
    let ctx = li.ctx(100);
    li.store.apply(&id, Edit::Note { text: "办公室备注".into() }, &ctx).unwrap();
    li.sync();
    damage_last_change(&mut li, &id);
    // Found when the order is next read (opening it, a list's detail, a sync push).
    assert!(li.store.get(&id, at(101)).is_err());
    let report = li.sync();
    assert_eq!(report.restored.len(), 1);
    assert!(report.restored[0].1.zh.contains("没有丢失内容"), "{}", report.restored[0].1.zh);
}

/// A raw change to the device's own copy, written with its own actor (as a modified app would).
fn tamper(d: &mut Device, id: &OrderId, f: impl FnOnce(&mut AutoCommit)) {
    let bytes = d.store.document_bytes(id.as_str()).unwrap();
    let mut doc = AutoCommit::load(&bytes).unwrap().with_actor(automerge::ActorId::from(
        data_encoding::HEXLOWER.decode(d.store.device().id().as_str().as_bytes()).unwrap(),
    ));
    let before = doc.get_heads();
    f(&mut doc);
    doc.commit();
    let changes = doc.save_after(&before);
    let ctx = Ctx { source: Source::Ui, by: PersonId::new(&d.person), now: at(200) };
    d.store.receive(id, &changes, &ctx).unwrap();
}

#[test]
fn the_server_refuses_forged_statements_and_values_the_table_refuses() {
    let server = Server::start();
    let mut office = Device::enrolled(&server, "chen");
    let mut wang = Device::enrolled(&server, "wang");
    let id = dispatched(&mut office, &mut wang);
    let c = |m| Ctx { source: Source::Ui, by: PersonId::new("wang"), now: at(m) };
    wang.store.apply(&id, Edit::Arrive, &c(30)).unwrap();
    wang.store.apply(&id, Edit::Complete { findings: None, work_done: Some("重做防水".into()) }, &c(60)).unwrap();
    sign(&mut wang, &id, 65);
    // The owner's rating, edited in the signed statement after signing.
    tamper(&mut wang, &id, |doc| {
        let (_, statements) = doc.get(ROOT, "statements").unwrap().unwrap();
        let stmt = doc.map_range(&statements, ..).next().map(|i| i.id()).unwrap();
        let canonical = match doc.get(&stmt, "canonical").unwrap().unwrap().0 {
            automerge::Value::Scalar(s) => s.as_str().unwrap().to_owned(),
            _ => unreachable!(),
        };
        doc.put(&stmt, "canonical", canonical.replace("\"rating\":5", "\"rating\":1")).unwrap();
    });
    let report = wang.sync();
    assert_eq!(report.rejected.len(), 1, "{report:?}");
    let (_, why) = &report.rejected[0];
    assert!(why.zh.contains("签认的签名无法用签字设备的公钥验证"), "{}", why.zh);
    assert!(why.en.contains("does not verify with the signing device's key"), "{}", why.en);
    let state = wang.store.sync_state(&id).unwrap();
    assert!(matches!(&state, SyncState::Rejected { code, .. } if code == "forged_signature"), "{state:?}");
    // The office never receives it.
    office.sync();
    let at_office = office.store.get(&id, at(300)).unwrap();
    assert!(at_office.order.statements.is_empty(), "the forged order never reached the office");

    // A value the validation table refuses, written past the app's own checks: refused with the
    // catalogue's words in both languages.
    let other = create(&mut office, "CH-2-501", "厨房下水道堵塞", 400);
    let ctx = office.ctx(401);
    office
        .store
        .apply(
            &other,
            Edit::Assign { assignee: Assignee::Technician(PersonId::new("wang")), note: String::new() },
            &ctx,
        )
        .unwrap();
    office.sync();
    wang.sync();
    tamper(&mut wang, &other, |doc| {
        doc.put(ROOT, "description", "漏".repeat(100_000)).unwrap();
    });
    let report = wang.sync();
    let refused = report.rejected.iter().find(|(i, _)| i == other.as_str()).expect("refused");
    assert!(refused.1.zh.contains("报修内容最多 2000 个字"), "{}", refused.1.zh);
    assert!(refused.1.en.contains("description may have at most 2000 characters"), "{}", refused.1.en);
    // And in the CLI's status, in the user's language.
    let out = std::process::Command::new(signoff_bin())
        .args(["--store", wang.path().to_str().unwrap(), "status"])
        .output()
        .unwrap();
    let status = String::from_utf8_lossy(&out.stdout);
    assert!(status.contains("服务器拒收：") && !status.contains("refused by"), "{status}");
}

#[test]
fn a_damaged_copy_on_the_server_is_listed_and_rebuilt_from_a_device() {
    let server = Server::start();
    let mut office = Device::enrolled(&server, "chen");
    let mut wang = Device::enrolled(&server, "wang");
    let id = dispatched(&mut office, &mut wang);
    let official = office.store.get(&id, at(2)).unwrap().order.official_no.unwrap();
    // A flipped byte in the server's stored snapshot of the order (written beside the running server,
    // as a disk fault would).
    {
        let conn = rusqlite::Connection::open(server.data.join("signoff.db")).unwrap();
        conn.busy_timeout(std::time::Duration::from_secs(5)).unwrap();
        let mut snapshot: Vec<u8> =
            conn.query_row("SELECT snapshot FROM documents WHERE id = ?1", [id.as_str()], |r| r.get(0)).unwrap();
        let mid = snapshot.len() / 2;
        snapshot[mid] ^= 0x5a;
        conn.execute("UPDATE documents SET snapshot = ?2 WHERE id = ?1", rusqlite::params![id.as_str(), snapshot])
            .unwrap();
    }
    let check = std::process::Command::new(server_bin())
        .args(["check", "--data", server.data.to_str().unwrap(), "--org", "acme"])
        .output()
        .unwrap();
    assert_eq!(check.status.code(), Some(1));
    let listed = String::from_utf8_lossy(&check.stdout);
    assert!(listed.contains("damaged") && listed.contains(&official), "listed by its number: {listed}");
    // The bytes are kept: a push is not applied to them, the device is asked for its whole copy and the
    // server's copy is rebuilt from it — in the same sync.
    let ctx = office.ctx(50);
    office.store.apply(&id, Edit::Note { text: "已通知业主".into() }, &ctx).unwrap();
    let report = office.sync();
    assert!(report.rejected.is_empty(), "{report:?}");
    assert_eq!(office.store.sync_state(&id).unwrap(), SyncState::Synced);
    let check = std::process::Command::new(server_bin())
        .args(["check", "--data", server.data.to_str().unwrap(), "--org", "acme"])
        .output()
        .unwrap();
    assert_eq!(check.status.code(), Some(0), "{}", String::from_utf8_lossy(&check.stdout));
    wang.sync();
    let v = wang.store.get(&id, at(60)).unwrap();
    assert!(
        v.order
            .events
            .iter()
            .any(|e| matches!(&e.kind, signoff_core::model::EventKind::Note { text } if text == "已通知业主"))
    );
    assert_eq!(v.order.official_no.as_deref(), Some(official.as_str()), "the number is kept");
}
