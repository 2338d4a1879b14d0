//! Scenarios run against more than one backend (the embedded SQLite file, PostgreSQL).

use super::proxy::{Proxy, through};
use super::*;
use signoff_device::store::sync_state::SyncState;

/// Several rounds of pushes on another thread while `server` is SIGKILLed and restarted: everything
/// the device saw acknowledged is on the restarted server, and the rest arrives with the next sync.
pub fn killed_mid_sync_loses_nothing_acknowledged(mut server: Server) {
    let proxy = Proxy::start(&server.url);
    let mut wang = through(&proxy, &server, "wang");
    wang.sync();
    let ids: Vec<OrderId> = (0..150).map(|i| create(&mut wang, "CH-1-201", &format!("现场报修 {i}"), i)).collect();

    // Sync in small rounds on another thread while the server is killed.
    let path = wang.path();
    let Device { dir: _keep, store, .. } = wang;
    drop(store);
    let syncing = std::thread::spawn(move || {
        let mut store = Store::open(&path).unwrap();
        let client = signoff_device::sync::Client::for_store(&store).unwrap();
        let mut rounds = 0;
        while rounds < 200 {
            rounds += 1;
            let Ok(out) = store.outgoing(5, usize::MAX) else { break };
            if out.is_empty() {
                break;
            }
            let req = signoff_core::wire::SyncRequest {
                v: signoff_core::wire::WIRE_VERSION,
                cursor: store.sync_cursor().unwrap(),
                push: out.iter().map(|o| o.push.clone()).collect(),
                max_bytes: None,
                reference_seq: None,
                want: vec![],
                epoch: None,
            };
            match client.sync(&req) {
                Ok(resp) => {
                    store.apply_sync(&resp, &out, Utc::now()).unwrap();
                }
                Err(_) => break,
            }
        }
        store
    });
    std::thread::sleep(std::time::Duration::from_millis(400));
    server.kill_and_restart();
    proxy.retarget(&server.url);
    let mut store = syncing.join().unwrap();

    // Everything the device saw acknowledged is on the restarted server.
    let acknowledged: Vec<&OrderId> =
        ids.iter().filter(|id| store.sync_state(id).unwrap() == SyncState::Synced).collect();
    assert!(!acknowledged.is_empty(), "some rounds finished before the kill");
    let mut office = Device::enrolled(&server, "chen");
    office.sync();
    for id in &acknowledged {
        assert_eq!(
            office.store.heads(id.as_str()).unwrap(),
            store.heads(id.as_str()).unwrap(),
            "{id} was acknowledged"
        );
    }
    // And the rest arrives with the next sync.
    signoff_device::sync::sync(&mut store, &mut |_| {}).unwrap();
    office.sync();
    for id in &ids {
        assert_eq!(office.store.heads(id.as_str()).unwrap(), store.heads(id.as_str()).unwrap());
        assert_eq!(store.sync_state(id).unwrap(), SyncState::Synced);
    }
}
