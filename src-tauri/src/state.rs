//! The app's state: one device store behind a lock, the sync status, and the sync trigger. Commands
//! reach it through [`SignoffExt`] on the app handle.

use crate::error::{AppError, Result};
use crate::types::SyncStatus;
use signoff_device::{Ctx, InitOptions, Store};
use std::path::{Path, PathBuf};
use std::sync::mpsc::Sender;
use std::sync::{Mutex, MutexGuard};
use tauri::{Manager, Runtime};

/// Everything the commands share.
#[derive(Debug)]
pub struct AppState {
    store: Mutex<Store>,
    dir: PathBuf,
    blob_dir: PathBuf,
    sync: Mutex<SyncStatus>,
    trigger: Mutex<Option<Sender<()>>>,
}

/// `app.signoff()` on any handle, window or app.
pub trait SignoffExt<R: Runtime> {
    /// The app state.
    fn signoff(&self) -> &AppState;
}

impl<R: Runtime, M: Manager<R>> SignoffExt<R> for M {
    fn signoff(&self) -> &AppState {
        self.state::<AppState>().inner()
    }
}

/// A lock that was poisoned by a panic still guards a consistent store (every write is one SQLite
/// transaction), so it is taken over rather than failing every later command.
fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

impl AppState {
    /// Open the store in `dir`, creating it on first start.
    pub fn open(dir: &Path) -> Result<AppState> {
        std::fs::create_dir_all(dir).map_err(|e| {
            AppError::invalid(
                signoff_core::msg::Msg::new(signoff_core::msg::Key::FileError)
                    .arg("path", dir.display().to_string())
                    .arg("why", signoff_device::error::io_words(&e)),
            )
        })?;
        let path = dir.join("signoff.db");
        let store = if path.exists() { Store::open(&path)? } else { Store::init(&path, InitOptions::default())? };
        tracing::info!(store = %path.display(), "store open");
        Ok(AppState {
            blob_dir: signoff_device::store::blob_dir(&path),
            store: Mutex::new(store),
            dir: dir.to_owned(),
            sync: Mutex::new(SyncStatus::default()),
            trigger: Mutex::new(None),
        })
    }

    /// The data folder.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Where photo files live (the asset protocol's scope).
    pub fn blob_dir(&self) -> &Path {
        &self.blob_dir
    }

    /// The shared store, for the sync thread: it locks the store only for each step of a sync, so
    /// the UI's edits never wait for the network.
    pub(crate) fn store_mutex(&self) -> &Mutex<Store> {
        &self.store
    }

    /// Run `f` with the store.
    pub fn with_store<T>(&self, f: impl FnOnce(&mut Store) -> Result<T>) -> Result<T> {
        f(&mut lock(&self.store))
    }

    /// Run `f` with the store and a UI context for the person using this device.
    pub fn act<T>(&self, f: impl FnOnce(&mut Store, &Ctx) -> Result<T>) -> Result<T> {
        let mut store = lock(&self.store);
        let me = store.me().cloned().ok_or_else(AppError::not_enrolled)?;
        let ctx = Ctx::ui(me.as_str(), chrono::Utc::now());
        let out = f(&mut store, &ctx)?;
        drop(store);
        self.request_sync();
        Ok(out)
    }

    /// The sync status as last recorded.
    pub fn sync_status(&self) -> SyncStatus {
        lock(&self.sync).clone()
    }

    /// Change the sync status.
    pub fn update_sync(&self, f: impl FnOnce(&mut SyncStatus)) -> SyncStatus {
        let mut s = lock(&self.sync);
        f(&mut s);
        s.clone()
    }

    pub(crate) fn set_trigger(&self, tx: Sender<()>) {
        *lock(&self.trigger) = Some(tx);
    }

    /// Ask the background task to sync soon (coalesced with other requests).
    pub fn request_sync(&self) {
        if let Some(tx) = lock(&self.trigger).as_ref() {
            let _ = tx.send(());
        }
    }
}
