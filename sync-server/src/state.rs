//! What every handler shares: the store, the blob folder, limits, metrics and the per-device rate limiter.

use crate::blobs::BlobFiles;
use crate::config::Config;
use crate::metrics::Metrics;
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};
use signoff_core::model::ReferenceImport;
use std::collections::HashMap;
use std::num::NonZeroU32;
use std::sync::{Arc, Mutex};

/// The reference bundle last built per organisation, with its version (feed position). Every device's
/// first sync carries the bundle (reference data and every device's public key); building it is a
/// read of every device, so each process builds it once per version instead of once per device.
pub type ReferenceCache = Arc<Mutex<HashMap<String, (u64, Arc<ReferenceImport>)>>>;

/// Router state, generic over the store backend.
#[derive(Debug)]
pub struct AppState<S> {
    /// Documents, feed, people, devices, blob metadata.
    pub store: S,
    /// Blob bytes.
    pub blobs: Arc<BlobFiles>,
    /// Configuration.
    pub config: Arc<Config>,
    /// Prometheus metrics.
    pub metrics: Arc<Metrics>,
    /// Requests per device.
    pub limiter: Arc<DefaultKeyedRateLimiter<String>>,
    /// Reference bundles by organisation and version.
    pub reference_cache: ReferenceCache,
    /// Enrolment attempts per network address.
    pub enrol_by_address: Arc<DefaultKeyedRateLimiter<std::net::IpAddr>>,
    /// Enrolment attempts for the whole server.
    pub enrol_all: Arc<governor::DefaultDirectRateLimiter>,
    /// Sync requests processed at once (taken only once a request's body has arrived).
    pub sync_slots: Arc<tokio::sync::Semaphore>,
    /// Sync request bodies in memory, in KiB, all devices together.
    pub body_budget: Arc<tokio::sync::Semaphore>,
    /// Sync requests in flight per device.
    pub device_syncs: Arc<Mutex<HashMap<String, usize>>>,
}

impl<S: Clone> Clone for AppState<S> {
    fn clone(&self) -> Self {
        AppState {
            store: self.store.clone(),
            blobs: self.blobs.clone(),
            config: self.config.clone(),
            metrics: self.metrics.clone(),
            limiter: self.limiter.clone(),
            reference_cache: self.reference_cache.clone(),
            enrol_by_address: self.enrol_by_address.clone(),
            enrol_all: self.enrol_all.clone(),
            sync_slots: self.sync_slots.clone(),
            body_budget: self.body_budget.clone(),
            device_syncs: self.device_syncs.clone(),
        }
    }
}

impl<S> AppState<S> {
    /// State over `store` and `blobs` with `config`.
    pub fn new(store: S, blobs: BlobFiles, config: Config) -> Self {
        let rate = NonZeroU32::new(config.limits.requests_per_second.max(1)).unwrap_or(NonZeroU32::MIN);
        let burst = NonZeroU32::new(config.limits.burst.max(1)).unwrap_or(NonZeroU32::MIN);
        let per_address = NonZeroU32::new(config.limits.enrol_per_minute_per_address.max(1)).unwrap_or(NonZeroU32::MIN);
        let all = NonZeroU32::new(config.limits.enrol_per_minute.max(1)).unwrap_or(NonZeroU32::MIN);
        let budget_kib = (config.limits.body_budget_bytes >> 10).max(config.limits.max_sync_body >> 10).max(1);
        AppState {
            sync_slots: Arc::new(tokio::sync::Semaphore::new(config.limits.max_concurrent_syncs.max(1))),
            body_budget: Arc::new(tokio::sync::Semaphore::new(budget_kib)),
            device_syncs: Arc::default(),
            enrol_by_address: Arc::new(RateLimiter::keyed(Quota::per_minute(per_address))),
            enrol_all: Arc::new(RateLimiter::direct(Quota::per_minute(all))),
            store,
            blobs: Arc::new(blobs),
            config: Arc::new(config),
            metrics: Arc::new(Metrics::new()),
            limiter: Arc::new(RateLimiter::keyed(Quota::per_second(rate).allow_burst(burst))),
            reference_cache: ReferenceCache::default(),
        }
    }
}
