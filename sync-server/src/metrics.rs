//! Prometheus metrics (`GET /metrics`): requests by route and status, sync latency, documents
//! applied, rejections by reason, blob bytes in and out. Labels carry no personal data.

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::histogram::Histogram;
use prometheus_client::registry::Registry;

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RouteLabels {
    route: String,
    status: u16,
}

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct ReasonLabels {
    reason: String,
}

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct DirectionLabels {
    direction: &'static str,
}

/// The server's metrics.
#[derive(Debug)]
pub struct Metrics {
    registry: Registry,
    requests: Family<RouteLabels, Counter>,
    sync_seconds: Histogram,
    applied: Counter,
    rejections: Family<ReasonLabels, Counter>,
    blob_bytes: Family<DirectionLabels, Counter>,
}

impl Default for Metrics {
    fn default() -> Self {
        Self::new()
    }
}

impl Metrics {
    /// Fresh metrics.
    pub fn new() -> Metrics {
        let mut registry = Registry::with_prefix("signoff");
        let requests = Family::<RouteLabels, Counter>::default();
        let sync_seconds = Histogram::new([0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0]);
        let applied = Counter::default();
        let rejections = Family::<ReasonLabels, Counter>::default();
        let blob_bytes = Family::<DirectionLabels, Counter>::default();
        registry.register("http_requests", "HTTP requests by route and status", requests.clone());
        registry.register("sync_duration_seconds", "Time to answer POST /v1/sync", sync_seconds.clone());
        registry.register("documents_applied", "Pushed documents merged and stored", applied.clone());
        registry.register("rejections", "Refused documents and requests by reason", rejections.clone());
        registry.register("blob_bytes", "Blob bytes received and sent", blob_bytes.clone());
        Metrics { registry, requests, sync_seconds, applied, rejections, blob_bytes }
    }

    /// Count a request.
    pub fn request(&self, route: &str, status: u16) {
        self.requests.get_or_create(&RouteLabels { route: route.to_owned(), status }).inc();
    }

    /// Record a sync's duration.
    pub fn sync_took(&self, seconds: f64) {
        self.sync_seconds.observe(seconds);
    }

    /// Count applied documents.
    pub fn applied(&self, n: u64) {
        self.applied.inc_by(n);
    }

    /// Count a rejection.
    pub fn rejection(&self, reason: &str) {
        self.rejections.get_or_create(&ReasonLabels { reason: reason.to_owned() }).inc();
    }

    /// Count blob bytes (`in` or `out`).
    pub fn blob_bytes(&self, direction: &'static str, n: u64) {
        self.blob_bytes.get_or_create(&DirectionLabels { direction }).inc_by(n);
    }

    /// The text exposition.
    pub fn render(&self) -> String {
        let mut out = String::new();
        if prometheus_client::encoding::text::encode(&mut out, &self.registry).is_err() {
            out.clear();
        }
        out
    }
}
