//! The background sync: one thread that syncs at start, whenever something is written or the UI asks
//! (retry button, the WebView's `online` event, return to the foreground), and every minute while
//! idle. A failed attempt is retried with exponential backoff and jitter. Phones stop background
//! threads soon after the app leaves the screen, so nothing relies on it running: every exchange is
//! resumable and the next start picks up where the last one stopped.
//!
//! Progress is emitted as `sync-progress` ([`SyncProgress`]) and the status as `sync-status`
//! ([`SyncStatus`]). Reachability is probed by the sync itself, not trusted from `navigator.onLine`.

use crate::error::{AppError, Result};
use crate::state::SignoffExt;
use crate::types::{SyncPhase, SyncProgress};
use signoff_core::ids::OrderId;
use signoff_device::Store;
use signoff_device::store::sync_state::SyncState;
use signoff_device::sync::{self, Progress, backoff::Backoff};
use std::sync::mpsc::{self, RecvTimeoutError, Sender};
use std::time::Duration;
use tauri::{AppHandle, Emitter, Runtime};

/// Orders with changes the server lacks, and photos not uploaded yet.
pub(crate) fn pending(store: &Store) -> Result<(u32, u32)> {
    let mut orders = 0u32;
    for id in store.document_ids()? {
        if !matches!(store.sync_state(&OrderId::new(id))?, SyncState::Synced) {
            orders += 1;
        }
    }
    let photos = u32::try_from(store.blobs_to_upload()?.len()).unwrap_or(u32::MAX);
    Ok((orders, photos))
}

/// Damaged orders (by number) and the restore notices not yet dismissed.
pub(crate) type Damage = (Vec<String>, Vec<(i64, signoff_core::msg::Text)>);

/// What [`Damage`] the store holds now.
pub(crate) fn damage(store: &Store) -> Result<Damage> {
    let damaged = store.quarantined()?.into_iter().map(|(_, number, _)| number).collect();
    let notices = store.notices()?.into_iter().map(|(seq, _, text)| (seq, text)).collect();
    Ok((damaged, notices))
}

/// Orders whose latest changes the server refused, by the number people know them by.
fn rejected(store: &mut Store) -> Result<Vec<(String, signoff_core::msg::Text)>> {
    let mut out = Vec::new();
    for id in store.document_ids()? {
        let id = OrderId::new(id);
        if let SyncState::Rejected { reason, .. } = store.sync_state(&id)? {
            let order = store.get(&id, chrono::Utc::now())?.order;
            out.push((order.official_no.unwrap_or(order.provisional_no), reason));
        }
    }
    Ok(out)
}

fn now_ms() -> i64 {
    chrono::Utc::now().timestamp_millis()
}

/// Start the sync thread; returns the trigger the commands use.
pub(crate) fn spawn<R: Runtime>(app: AppHandle<R>) -> Sender<()> {
    let (tx, rx) = mpsc::channel::<()>();
    let spawned = std::thread::Builder::new().name("signoff-sync".into()).spawn(move || {
        let interval = std::env::var("SIGNOFF_SYNC_INTERVAL_SECS")
            .ok()
            .and_then(|s| s.parse().ok())
            .map_or(Duration::from_secs(60), Duration::from_secs);
        let mut backoff = Backoff::new(interval, Duration::from_secs(2), Duration::from_secs(300));
        // The first sync waits for the first request (sent once the app state is managed).
        let mut wait: Option<Duration> = None;
        loop {
            let woke = match wait {
                None => rx.recv().map_err(|_| RecvTimeoutError::Disconnected),
                Some(d) => rx.recv_timeout(d),
            };
            if let Err(RecvTimeoutError::Disconnected) = woke {
                return;
            }
            // Requests that arrived meanwhile are served by this one attempt.
            while rx.try_recv().is_ok() {}
            let ok = run_once(&app);
            let delay = backoff.next_delay(ok, rand::random::<f64>());
            wait = Some(delay);
            let next = now_ms() + i64::try_from(delay.as_millis()).unwrap_or(i64::MAX / 2);
            let status = app.signoff().update_sync(|s| s.next_attempt_ms = Some(next));
            let _ = app.emit("sync-status", status);
        }
    });
    if let Err(e) = spawned {
        tracing::error!(error = %e, "the sync thread could not start; sync runs only when asked");
    }
    tx
}

/// One sync attempt. Returns whether the device is in step with the server (or has nothing to sync with).
fn run_once<R: Runtime>(app: &AppHandle<R>) -> bool {
    let state = app.signoff();
    let enrolled = state.with_store(|s| Ok(s.account()?.is_some())).unwrap_or(false);
    if !enrolled {
        let status = state.update_sync(|s| s.phase = SyncPhase::NotEnrolled);
        let _ = app.emit("sync-status", status);
        return true;
    }
    let status = state.update_sync(|s| {
        s.phase = SyncPhase::Syncing;
        s.last_attempt_ms = Some(now_ms());
    });
    let _ = app.emit("sync-status", status);
    let mut progress = |p: Progress| {
        let event = match p {
            Progress::Round { pushed, received, .. } => SyncProgress::Round {
                pushed: u32::try_from(pushed).unwrap_or(u32::MAX),
                received: u32::try_from(received).unwrap_or(u32::MAX),
            },
            Progress::BlobUp { done, total, .. } => SyncProgress::Photo { done, total },
            _ => return,
        };
        let _ = app.emit("sync-progress", event);
    };
    // The store is locked per step, not for the whole sync: edits made meanwhile return at once.
    let result = sync::sync_with(state.store_mutex(), &mut progress).map_err(AppError::from);
    let outcome = state.with_store(|store| {
        let counts = pending(store).unwrap_or_default();
        let rejected = rejected(store).unwrap_or_default();
        let damage = damage(store).unwrap_or_default();
        Ok((result, counts, rejected, damage))
    });
    let (result, (orders, photos), rejected, (damaged, notices)) = match outcome {
        Ok(v) => v,
        Err(e) => (Err(e), (0, 0), Vec::new(), (Vec::new(), Vec::new())),
    };
    let ok = result.is_ok();
    let status = state.update_sync(|s| {
        s.pending_orders = orders;
        s.pending_photos = photos;
        s.rejected = rejected;
        s.damaged = damaged;
        s.notices = notices;
        match result {
            Ok(report) => {
                tracing::info!(
                    sent = report.accepted,
                    received = report.received,
                    photos = report.blobs_uploaded,
                    "synced"
                );
                s.phase = SyncPhase::Idle;
                s.last_sync_ms = Some(now_ms());
                s.error = None;
                s.last_report = Some(report);
            }
            Err(e) => {
                tracing::info!(code = %e.code, "sync failed; retried later");
                s.phase = if e.code == "offline" { SyncPhase::Offline } else { SyncPhase::Error };
                s.error = Some(e);
            }
        }
    });
    let _ = app.emit("sync-status", status);
    ok
}
