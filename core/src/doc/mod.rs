//! The Automerge schema of a work-order document: the one place that knows the layout.
//!
//! Layout (schema version 1), all keys at the root map unless nested:
//!
//! | key | type | notes |
//! |---|---|---|
//! | `schema` | uint | [`SCHEMA_VERSION`] when written; readers accept every version up to theirs |
//! | `type` | str | `"work_order"` |
//! | `id` | str | order id (UUID) |
//! | `numbers` | map | `provisional` (str), `official` (str, set once by the server) |
//! | `kind`, `channel`, `category`, `urgency`, `cause` | str | snake_case codes |
//! | `description`, `location`, `preferred_time`, `findings`, `work_done` | str | last writer wins; concurrent values are reported as field conflicts |
//! | `unit` | map | `unit_id`, `project_id`, `building_id`, `label`, `address` (snapshot at intake) |
//! | `reporter` | map | `name`, `phone` |
//! | `events` | list of str | append-only; each entry one immutable event as JSON: `hlc` ([wall ms, counter]), `device`, `by`, `at` (ms), `prev` (status events), `type` and the fields of its [`EventKind`](crate::model::EventKind) |
//! | `materials` | map id → map | `name`, `spec`, `qty` (int, thousandths), `unit`, `price` (int, fen) |
//! | `labour` | map id → map | `person`, `minutes` (uint), `rate` (int, fen per hour), `note` |
//! | `statements` | map id → map | `canonical` (str: the statement's RFC 8785 JSON as signed), `signature` (str, hex), `strokes` (bytes); id = SHA-256 of `canonical` |
//! | `photos` | map id → map | `sha256` (evidence), `original_sha256`, `thumbnail_sha256`, `width`/`height` (uint), `stamped` (bool), `stage`, `caption`, `taken_at` (timestamp), `lat`/`lon`/`acc` (f64), `taken_by`, `removed` (bool); keys added later are read as empty/0 from older documents |
//!
//! Hot paths use Automerge's raw API (a put or an insert per edit), not a whole-struct reconcile.
//! Events are immutable once written, so each is one JSON string: one operation to append and a plain
//! list scan to read (measured with 45 events: appending a 9-key map cost ~310 µs and reading the maps
//! back ~360 µs; as strings, a fraction of that).

mod read;
pub(crate) mod write;

pub use read::{read, read_at};
pub use write::{EventHeader, apply_event, create, replace_official_number, set_official_number};

/// Load a saved document and the change chunks appended after it, whole or not at all, inside a
/// boundary that survives a panic in Automerge (automerge 0.12 panics on some crafted bytes even with
/// valid checksums). The error says why the bytes could not be loaded.
///
/// Whole means: every chunk parses with a valid checksum and every change's dependencies are present.
/// Automerge's own `load_incremental` keeps what it could parse of a damaged chunk and only logs a
/// warning, so a flipped byte in one stored change would silently drop it and everything after it;
/// here the snapshot and the tail are loaded as one byte string with partial loads refused.
pub fn load_guarded(snapshot: &[u8], tail: &[Vec<u8>]) -> Result<automerge::AutoCommit, String> {
    use automerge::{LoadOptions, OnPartialLoad};
    let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        let joined;
        let bytes = if tail.is_empty() {
            snapshot
        } else {
            let mut all = Vec::with_capacity(snapshot.len() + tail.iter().map(Vec::len).sum::<usize>());
            all.extend_from_slice(snapshot);
            for c in tail {
                all.extend_from_slice(c);
            }
            joined = all;
            &joined
        };
        let mut doc =
            automerge::AutoCommit::load_with_options(bytes, LoadOptions::new().on_partial_load(OnPartialLoad::Error))
                .map_err(|e| e.to_string())?;
        if !doc.get_missing_deps(&[]).is_empty() {
            return Err("some changes lack the changes they depend on".to_owned());
        }
        Ok(doc)
    }));
    result.unwrap_or_else(|_| Err("the document bytes made Automerge fail".into()))
}

/// Check that `bytes` (a saved document, or change chunks) parse whole — every chunk complete, with a
/// valid checksum — whether or not the changes they depend on are at hand. Use before
/// `load_incremental`, which keeps what it could parse of damaged bytes and only logs a warning.
pub fn check_whole(bytes: &[u8]) -> Result<(), String> {
    use automerge::{AutomergeError, LoadOptions, OnPartialLoad};
    if bytes.is_empty() {
        return Ok(());
    }
    let result = std::panic::catch_unwind(|| {
        match automerge::Automerge::load_with_options(bytes, LoadOptions::new().on_partial_load(OnPartialLoad::Error)) {
            Ok(_) | Err(AutomergeError::MissingDeps) => Ok(()),
            Err(e) => Err(e.to_string()),
        }
    });
    result.unwrap_or_else(|_| Err("the bytes made Automerge fail".into()))
}

/// Load what can be read of damaged bytes (for salvaging unsynced work from a quarantined order):
/// the snapshot if it loads, then each tail chunk that loads on its own.
pub fn load_salvage(snapshot: &[u8], tail: &[Vec<u8>]) -> Option<automerge::AutoCommit> {
    use automerge::{LoadOptions, OnPartialLoad};
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        let mut doc = automerge::AutoCommit::load_with_options(
            snapshot,
            LoadOptions::new().on_partial_load(OnPartialLoad::Ignore),
        )
        .ok()?;
        for c in tail {
            let _ = doc.load_incremental(c);
        }
        Some(doc)
    }))
    .ok()
    .flatten()
}

/// The schema version this build writes.
pub const SCHEMA_VERSION: u64 = 1;

pub(crate) mod keys {
    pub const SCHEMA: &str = "schema";
    pub const TYPE: &str = "type";
    pub const TYPE_WORK_ORDER: &str = "work_order";
    pub const ID: &str = "id";
    pub const NUMBERS: &str = "numbers";
    pub const PROVISIONAL: &str = "provisional";
    pub const OFFICIAL: &str = "official";
    pub const KIND: &str = "kind";
    pub const CHANNEL: &str = "channel";
    pub const CATEGORY: &str = "category";
    pub const URGENCY: &str = "urgency";
    pub const CAUSE: &str = "cause";
    pub const DESCRIPTION: &str = "description";
    pub const LOCATION: &str = "location";
    pub const PREFERRED_TIME: &str = "preferred_time";
    pub const FINDINGS: &str = "findings";
    pub const WORK_DONE: &str = "work_done";
    pub const UNIT: &str = "unit";
    pub const REPORTER: &str = "reporter";
    pub const EVENTS: &str = "events";
    pub const MATERIALS: &str = "materials";
    pub const LABOUR: &str = "labour";
    pub const PHOTOS: &str = "photos";
    pub const STATEMENTS: &str = "statements";
    /// Root text fields where concurrent values are surfaced as conflicts.
    pub const CONFLICT_CHECKED: [&str; 8] =
        [DESCRIPTION, LOCATION, PREFERRED_TIME, FINDINGS, WORK_DONE, CATEGORY, URGENCY, CAUSE];
}

/// One event as stored in the `events` list.
#[derive(serde::Serialize, serde::Deserialize)]
pub(crate) struct StoredEvent {
    pub(crate) hlc: (i64, u32),
    pub(crate) device: crate::ids::DeviceId,
    pub(crate) by: crate::ids::PersonId,
    pub(crate) at: i64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) prev: Option<crate::ids::EventId>,
    #[serde(flatten)]
    pub(crate) kind: crate::model::EventKind,
}

/// The header of an event whose type this build does not know.
#[derive(serde::Deserialize)]
pub(crate) struct StoredHeader {
    pub(crate) hlc: (i64, u32),
    pub(crate) device: crate::ids::DeviceId,
    pub(crate) by: crate::ids::PersonId,
    pub(crate) at: i64,
    #[serde(default)]
    pub(crate) prev: Option<crate::ids::EventId>,
    #[serde(rename = "type", default)]
    pub(crate) type_name: String,
}

/// The snake_case code of a serde enum (`Urgency::Emergency` → `"emergency"`).
pub fn code_of<T: serde::Serialize>(v: &T) -> String {
    match serde_json::to_value(v) {
        Ok(serde_json::Value::String(s)) => s,
        Ok(other) => other.to_string(),
        Err(_) => String::new(),
    }
}

/// Parse a snake_case code back into a serde enum.
pub fn from_code<T: serde::de::DeserializeOwned>(code: &str) -> Option<T> {
    serde_json::from_value(serde_json::Value::String(code.to_owned())).ok()
}
