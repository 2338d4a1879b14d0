//! What the server keeps, behind one trait so SQLite (embedded, the default) and PostgreSQL (a later
//! backend) are interchangeable: the router state is generic over [`Store`], and [`conformance`] is
//! one suite every backend runs.
//!
//! Documents are kept as a compacted snapshot plus appended change records. Writes are optimistic: a
//! writer names the version it read and gets [`StoreError::Conflict`] if another request wrote first,
//! then reloads and merges again. That works the same with several server processes on one database.
//!
//! The **feed** is an ordered log of "this thing changed" entries per organisation (documents,
//! reference data, device keys), keeping only the newest entry per thing, so an incremental sync reads
//! what changed since its cursor. **Knowledge** records which heads each device has of each document:
//! heads sent in a response stay *pending* until the device comes back with that response's cursor
//! (proof it stored them); a lost response is thus simply sent again.

pub mod conformance;
pub mod postgres;
pub mod sqlite;

use std::future::Future;

/// A store failure.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StoreError {
    /// Another request wrote the document first: reload and retry.
    #[error("the document changed while it was being written")]
    Conflict,
    /// The thing named does not exist.
    #[error("{0} not found")]
    NotFound(String),
    /// The request conflicts with what is stored (a duplicate id, a used code).
    #[error("{0}")]
    Refused(String),
    /// The database failed.
    #[error("database error: {0}")]
    Sqlite(#[from] rusqlite::Error),
    /// PostgreSQL failed.
    #[error("database error: {}", postgres_message(.0))]
    Postgres(#[from] tokio_postgres::Error),
    /// The commit of a batch of writes failed (the disk is full, …): none of them was written.
    #[error("database error while committing: {0}")]
    Commit(#[source] std::sync::Arc<rusqlite::Error>),
    /// Migrations or files.
    #[error("{0}")]
    Setup(String),
    /// A blocking task failed.
    #[error("a storage task failed: {0}")]
    Task(String),
}

/// PostgreSQL's own message when it sent one (tokio-postgres shows only "db error").
fn postgres_message(e: &tokio_postgres::Error) -> String {
    match e.as_db_error() {
        Some(d) => format!("{} ({})", d.message(), d.code().code()),
        None => e.to_string(),
    }
}

/// Result of store calls.
pub type StoreResult<T> = Result<T, StoreError>;

/// Server roles.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// 维修人员: sees and changes the orders assigned to them.
    Technician,
    /// 客服 / 派工: the whole organisation.
    Dispatcher,
    /// 主管: the whole organisation.
    Supervisor,
    /// Administers the organisation.
    Admin,
    /// 施工单位 crew: sees and changes the orders assigned to its contractor company.
    Contractor,
}

impl Role {
    /// Stored code.
    pub fn code(self) -> &'static str {
        match self {
            Role::Technician => "technician",
            Role::Dispatcher => "dispatcher",
            Role::Supervisor => "supervisor",
            Role::Admin => "admin",
            Role::Contractor => "contractor",
        }
    }

    /// Parse a stored code.
    pub fn parse(s: &str) -> Option<Role> {
        [Role::Technician, Role::Dispatcher, Role::Supervisor, Role::Admin, Role::Contractor]
            .into_iter()
            .find(|r| r.code() == s)
    }

    /// Sees every order of the organisation.
    pub fn sees_all(self) -> bool {
        !matches!(self, Role::Technician | Role::Contractor)
    }
}

impl DeviceRecord {
    /// Whose orders this device sees: its person's, or for a contractor crew its company's (as the
    /// documents' metadata names a contractor assignee: `contractor/{id}`).
    pub fn sees_as(&self) -> String {
        match (&self.role, &self.contractor) {
            (Role::Contractor, Some(c)) => format!("contractor/{c}"),
            _ => self.person.clone(),
        }
    }
}

/// A person who may enrol devices.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PersonRecord {
    /// Organisation.
    pub org: String,
    /// Person id (as in reference data and documents).
    pub id: String,
    /// Name.
    pub name: String,
    /// Role.
    pub role: Role,
    /// Skills (category codes).
    pub skills: Vec<String>,
    /// The contractor company a crew member works for (role contractor).
    pub contractor: Option<String>,
}

/// A one-time enrolment code, stored by hash.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Enrolment {
    /// SHA-256 of the code (hex).
    pub code_hash: String,
    /// Organisation.
    pub org: String,
    /// The person the device will belong to.
    pub person: String,
    /// Expiry (ms since the epoch).
    pub expires_ms: i64,
}

/// A device to record when a code is redeemed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewDevice {
    /// Device id (16 hex digits; its Automerge actor).
    pub id: String,
    /// Ed25519 public key (hex).
    pub public_key: String,
    /// Name for people.
    pub name: String,
    /// SHA-256 of the access token (hex).
    pub token_hash: String,
}

/// An enrolled device and who it belongs to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeviceRecord {
    /// Device id.
    pub id: String,
    /// Organisation.
    pub org: String,
    /// Person.
    pub person: String,
    /// The person's role.
    pub role: Role,
    /// Ed25519 public key (hex).
    pub public_key: String,
    /// Name.
    pub name: String,
    /// When it was revoked.
    pub revoked_ms: Option<i64>,
    /// The person's contractor company (a crew's device).
    pub contractor: Option<String>,
}

/// What the server derives from a document for routing and access, kept beside it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DocMeta {
    /// The technician assigned now (person id), if any.
    pub assignee: Option<String>,
    /// The device that first uploaded it.
    pub creator: String,
    /// The official number.
    pub official: Option<String>,
}

/// A stored document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredDoc {
    /// Organisation.
    pub org: String,
    /// Write version (starts at 1; each write adds 1).
    pub version: i64,
    /// Compacted snapshot.
    pub snapshot: Vec<u8>,
    /// Changes appended since, in order.
    pub changes: Vec<Vec<u8>>,
    /// The heads after the last write (32 bytes each, sorted).
    pub heads: Vec<u8>,
    /// Derived metadata.
    pub meta: DocMeta,
}

/// A document write.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DocWrite {
    /// Order id.
    pub id: String,
    /// Organisation.
    pub org: String,
    /// The version read (`None`: the document must not exist yet).
    pub expected_version: Option<i64>,
    /// Either a new snapshot (replacing the snapshot and the changes) or changes to append.
    pub body: DocBody,
    /// The heads after the write (32 bytes each, sorted).
    pub heads: Vec<u8>,
    /// Derived metadata after the write.
    pub meta: DocMeta,
    /// Blobs the document references after the write.
    pub blobs: Vec<String>,
}

/// How a write stores the document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DocBody {
    /// Replace everything with this saved document.
    Snapshot(Vec<u8>),
    /// Append these change bytes.
    Append(Vec<u8>),
}

/// Where an organisation's feed stands.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct FeedState {
    /// The newest position (0 when the feed is empty).
    pub head: u64,
    /// The position of the reference data (its version), if any was written.
    pub reference: Option<u64>,
    /// The server's restore epoch (made anew when the database is restored from a backup).
    pub epoch: String,
}

/// What changed, in feed order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FeedEntry {
    /// Position.
    pub seq: u64,
    /// What changed.
    pub item: FeedItem,
}

/// A feed item.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FeedItem {
    /// A document, with its metadata now.
    Doc {
        /// Order id.
        id: String,
        /// Metadata.
        meta: DocMeta,
        /// Heads now (32 bytes each, sorted).
        heads: Vec<u8>,
    },
    /// Reference data or device keys.
    Reference,
}

/// Whose feed is read: a technician's device sees only part of it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Viewer {
    /// The person.
    pub person: String,
    /// The device.
    pub device: String,
}

/// A stored blob.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BlobMeta {
    /// SHA-256 (hex).
    pub sha: String,
    /// Size.
    pub size: u64,
    /// Who uploaded it first.
    pub uploaded_by: String,
    /// When.
    pub created_ms: i64,
}

/// A document that references a blob, for access checks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BlobHolder {
    /// Order id.
    pub doc: String,
    /// Organisation.
    pub org: String,
    /// Its metadata.
    pub meta: DocMeta,
}

/// Everything the server stores except blob bytes. Every method is one atomic step.
pub trait Store: Clone + Send + Sync + 'static {
    /// Create an organisation.
    fn create_org(&self, id: &str, name: &str, now_ms: i64) -> impl Future<Output = StoreResult<()>> + Send;
    /// Organisation ids and names.
    fn orgs(&self) -> impl Future<Output = StoreResult<Vec<(String, String)>>> + Send;
    /// Add or update a person.
    fn put_person(&self, person: PersonRecord) -> impl Future<Output = StoreResult<()>> + Send;
    /// One person.
    fn person(&self, org: &str, id: &str) -> impl Future<Output = StoreResult<Option<PersonRecord>>> + Send;
    /// Record an enrolment code.
    fn add_enrolment(&self, e: Enrolment) -> impl Future<Output = StoreResult<()>> + Send;
    /// Redeem a code once: records the device and its token hash. `NotFound` for an unknown, used or
    /// expired code; `Refused` when the device id is taken.
    fn redeem_enrolment(
        &self,
        code_hash: &str,
        device: NewDevice,
        now_ms: i64,
    ) -> impl Future<Output = StoreResult<DeviceRecord>> + Send;
    /// The device holding this token hash.
    fn device_by_token(&self, token_hash: &str) -> impl Future<Output = StoreResult<Option<DeviceRecord>>> + Send;
    /// Revoke a device (its token stops working; its signatures stay verifiable). False if unknown.
    fn revoke_device(&self, id: &str, now_ms: i64) -> impl Future<Output = StoreResult<bool>> + Send;
    /// The organisation's devices.
    fn devices(&self, org: &str) -> impl Future<Output = StoreResult<Vec<DeviceRecord>>> + Send;
    /// Replace the organisation's reference data (JSON of a `ReferenceImport`); adds a feed entry.
    fn set_reference(&self, org: &str, json: &str) -> impl Future<Output = StoreResult<u64>> + Send;
    /// The organisation's reference data.
    fn reference(&self, org: &str) -> impl Future<Output = StoreResult<Option<String>>> + Send;
    /// Load a document.
    fn document(&self, id: &str) -> impl Future<Output = StoreResult<Option<StoredDoc>>> + Send;
    /// Load several documents at once (one result per id, in order).
    fn documents(&self, ids: Vec<String>) -> impl Future<Output = StoreResult<Vec<Option<StoredDoc>>>> + Send;
    /// Write a document if it is still at the expected version; adds a feed entry. Returns the feed seq.
    fn write_document(&self, w: DocWrite) -> impl Future<Output = StoreResult<u64>> + Send;
    /// Write several documents in one transaction, each only if still at its expected version: one
    /// result per write (`Conflict` for those another writer changed first; the others are written).
    fn write_documents(&self, ws: Vec<DocWrite>) -> impl Future<Output = StoreResult<Vec<StoreResult<u64>>>> + Send;
    /// Ids of the organisation's documents.
    fn document_ids(&self, org: &str) -> impl Future<Output = StoreResult<Vec<String>>> + Send;
    /// Reserve `count` official numbers for (organisation, year), unique under concurrency; returns
    /// the first (numbers start at 1).
    fn next_number(&self, org: &str, year: i32, count: u64) -> impl Future<Output = StoreResult<u64>> + Send;
    /// A device brings back an order the server lost (restored from an older backup) with the official
    /// number the server gave it: take it again unless another order of `org` has it (false), and move
    /// the year's counter past it so it is never handed out twice.
    fn reclaim_number(
        &self,
        org: &str,
        doc: &str,
        number: &str,
        year: i32,
        seq: u64,
    ) -> impl Future<Output = StoreResult<bool>> + Send;
    /// Feed entries after `after`, oldest first, at most `limit`. With a `viewer` (a technician's
    /// device), only reference entries and documents assigned to the person, created by the device
    /// while unassigned, or known to the device (so it can learn they are gone).
    fn feed_after(
        &self,
        org: &str,
        after: u64,
        limit: usize,
        viewer: Option<Viewer>,
    ) -> impl Future<Output = StoreResult<Vec<FeedEntry>>> + Send;
    /// The newest feed position of the organisation (0 when empty) and the position of its reference
    /// data (its version), if any was written: one read, as every sync starts with both.
    fn feed_state(&self, org: &str) -> impl Future<Output = StoreResult<FeedState>> + Send;
    /// Promote the heads sent in responses up to `cursor` to known; forget the ones sent later (lost).
    fn confirm_knowledge(&self, device: &str, cursor: u64) -> impl Future<Output = StoreResult<()>> + Send;
    /// The confirmed heads (raw, 32 bytes each) the device has of these documents.
    fn knowledge(
        &self,
        device: &str,
        docs: &[String],
    ) -> impl Future<Output = StoreResult<Vec<(String, Vec<u8>)>>> + Send;
    /// Record what a response sends: `known` heads the device certainly has now, and `pending` heads
    /// (empty = the document is gone from its view) it will have once it confirms `cursor`.
    fn record_knowledge(
        &self,
        device: &str,
        cursor: u64,
        known: Vec<(String, Vec<u8>)>,
        pending: Vec<(String, Vec<u8>)>,
    ) -> impl Future<Output = StoreResult<()>> + Send;
    /// A blob's metadata.
    fn blob(&self, sha: &str) -> impl Future<Output = StoreResult<Option<BlobMeta>>> + Send;
    /// Record a verified blob (once; later calls keep the first), and that the uploading device's
    /// organisation has it.
    fn put_blob(&self, meta: BlobMeta) -> impl Future<Output = StoreResult<()>> + Send;
    /// Make a new restore epoch (after the database was restored from a backup): devices then offer
    /// everything again. Returns it.
    fn new_epoch(&self) -> impl Future<Output = StoreResult<String>> + Send;
    /// Whether a device of `org` uploaded these bytes (only then may `org` read them or hear they exist).
    fn blob_in_org(&self, sha: &str, org: &str) -> impl Future<Output = StoreResult<bool>> + Send;
    /// Documents that reference a blob.
    fn blob_holders(&self, sha: &str) -> impl Future<Output = StoreResult<Vec<BlobHolder>>> + Send;
}
