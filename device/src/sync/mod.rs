//! The sync engine: enrol with the office server, exchange documents in batches, upload photos
//! resumably and fetch the ones this device lacks (thumbnails first, evidence on demand).
//!
//! A sync never blocks local edits: through [`sync_with`] and a shared store it holds the store only
//! while reading or writing it, never during a request; it takes the changes waiting at the start of
//! each round, and an edit made meanwhile stays waiting (its write count is past what the server acknowledged) and
//! goes up with the next round — never lost, never sent twice. Rounds repeat while the server says
//! more follows. Every step is idempotent, so a broken connection is simply retried later; see
//! [`backoff`] for the schedule. Blocking (reqwest's blocking client): call it from a worker thread.

pub mod backoff;

use crate::error::{Error, Result};
use signoff_core::msg::{Key, Msg};

/// The first characters of a photo's hash, for messages.
fn short(sha: &str) -> String {
    sha.chars().take(12).collect()
}
use crate::store::Store;
use crate::store::sync_state::Outgoing;
use reqwest::StatusCode;
use reqwest::blocking::{Client as Http, Response};
use signoff_core::wire::{
    self, ApiError, EnrolRequest, EnrolResponse, RejectCode, SYNC_MEDIA_TYPE, SyncRequest, WIRE_VERSION, WireId,
};
use std::time::Duration;

/// Order ids a sync report lists as changed (a first sync of thousands of orders lists the first ones;
/// a screen takes a full list as "everything changed").
pub const CHANGED_LISTED: usize = 500;
/// Documents received are merged this many at a time (the store is released between pieces).
const APPLY_PIECE: usize = 16;
/// Documents pushed per round.
pub const PUSH_DOCS: usize = 200;
/// About this many bytes of changes per round.
pub const PUSH_BYTES: usize = 4 << 20;
/// Rounds in one sync before giving up (a server that always says `more`).
const MAX_ROUNDS: usize = 1000;
/// Attempts per blob in one sync.
const BLOB_ATTEMPTS: usize = 8;
const UPLOAD_OFFSET: &str = "upload-offset";
const UPLOAD_LENGTH: &str = "upload-length";

/// What a sync is doing, for progress bars.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(tag = "event", rename_all = "snake_case")]
pub enum Progress {
    /// A round trip finished.
    Round {
        /// Documents pushed in it.
        pushed: usize,
        /// Documents received in it.
        received: usize,
        /// More follows.
        more: bool,
    },
    /// Photo bytes uploaded so far of one photo.
    BlobUp {
        /// The photo.
        sha: String,
        /// Bytes the server has.
        done: u64,
        /// Its size.
        total: u64,
    },
    /// A photo arrived.
    BlobDown {
        /// The photo.
        sha: String,
        /// Its size.
        bytes: u64,
    },
}

/// What a sync did.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct SyncReport {
    /// Sync requests made.
    pub round_trips: usize,
    /// Documents pushed.
    pub pushed: usize,
    /// Pushed documents accepted.
    pub accepted: usize,
    /// Documents merged from the server.
    pub received: usize,
    /// The orders merged from the server, by id (at most [`CHANGED_LISTED`]; beyond that, treat
    /// every order as changed).
    pub changed: Vec<String>,
    /// New reference data arrived (people, units, settings): screens reload names and lists.
    pub reference: bool,
    /// Refused documents with what to tell the user (kept on this device).
    pub rejected: Vec<(String, signoff_core::msg::Text)>,
    /// Damaged orders restored from the server's copy, with what to tell the user (nothing lost, or
    /// which kinds of unsynced change were lost).
    pub restored: Vec<(String, signoff_core::msg::Text)>,
    /// Orders this device may no longer see.
    pub gone: usize,
    /// Photos uploaded.
    pub blobs_uploaded: usize,
    /// Photo bytes sent.
    pub blob_bytes_sent: u64,
    /// Photos that could not be uploaded yet (retried next time).
    pub blobs_waiting: usize,
    /// Thumbnails fetched.
    pub thumbnails: usize,
}

/// An HTTP client for one server.
#[derive(Debug, Clone)]
pub struct Client {
    http: Http,
    url: String,
    token: Option<String>,
}

fn network(e: reqwest::Error) -> Error {
    Error::Network(e)
}

fn refused(resp: Response) -> Error {
    let status = resp.status().as_u16();
    match resp.json::<ApiError>() {
        Ok(e) => Error::Server { status, code: e.code, message: e.message },
        Err(_) => Error::Server { status, code: "http".into(), message: format!("HTTP {status}") },
    }
}

impl Client {
    /// A client for the server at `url` (`http://` or `https://`).
    pub fn new(url: &str, token: Option<String>) -> Result<Client> {
        let _ = rustls::crypto::ring::default_provider().install_default();
        let http = Http::builder()
            .connect_timeout(Duration::from_secs(10))
            .timeout(Duration::from_secs(120))
            .user_agent(concat!("signoff-device/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(network)?;
        let url = url.trim_end_matches('/').to_owned();
        if !(url.starts_with("http://") || url.starts_with("https://")) {
            return Err(Error::Invalid(Msg::new(Key::BadUrl).arg("value", url)));
        }
        Ok(Client { http, url, token })
    }

    /// A client for the account of `store`.
    pub fn for_store(store: &Store) -> Result<Client> {
        let account = store.account()?.ok_or(Error::NotEnrolled)?;
        Client::new(&account.url, Some(account.token))
    }

    fn auth(&self, req: reqwest::blocking::RequestBuilder) -> reqwest::blocking::RequestBuilder {
        match &self.token {
            Some(t) => req.bearer_auth(t),
            None => req,
        }
    }

    /// Redeem an enrolment code for this device.
    pub fn enrol(&self, req: &EnrolRequest) -> Result<EnrolResponse> {
        let resp = self.http.post(format!("{}/v1/enrol", self.url)).json(req).send().map_err(network)?;
        if !resp.status().is_success() {
            return Err(refused(resp));
        }
        resp.json().map_err(network)
    }

    /// One sync round trip.
    pub fn sync(&self, req: &SyncRequest) -> Result<wire::SyncResponse> {
        let body = wire::encode(req)?;
        let resp = self
            .auth(self.http.post(format!("{}/v1/sync", self.url)))
            .header(reqwest::header::CONTENT_TYPE, SYNC_MEDIA_TYPE)
            .body(body)
            .send()
            .map_err(network)?;
        if !resp.status().is_success() {
            return Err(refused(resp));
        }
        let bytes = resp.bytes().map_err(network)?;
        Ok(wire::decode_response(&bytes)?)
    }

    /// Upload one blob, resuming from what the server has. Returns the bytes sent, or `None` if the
    /// server does not (yet) accept it from this device.
    pub fn upload_blob(&self, sha: &str, bytes: &[u8], progress: &mut dyn FnMut(Progress)) -> Result<Option<u64>> {
        let total = bytes.len() as u64;
        let url = format!("{}/v1/blobs/{sha}", self.url);
        let mut sent = 0u64;
        let mut last_err = None;
        for attempt in 0..BLOB_ATTEMPTS {
            if attempt > 0 {
                std::thread::sleep(Duration::from_millis(50 * attempt as u64));
            }
            let head = match self.auth(self.http.head(&url)).send() {
                Ok(r) => r,
                Err(e) => {
                    last_err = Some(network(e));
                    continue;
                }
            };
            let offset =
                head.headers().get(UPLOAD_OFFSET).and_then(|v| v.to_str().ok()).and_then(|v| v.parse::<u64>().ok());
            match (head.status(), offset) {
                (StatusCode::OK, _) => return Ok(Some(sent)),
                (StatusCode::NOT_FOUND, Some(offset)) if offset <= total => {
                    let rest = bytes[offset as usize..].to_vec();
                    let len = rest.len() as u64;
                    let put = self
                        .auth(self.http.put(&url))
                        .header(UPLOAD_OFFSET, offset)
                        .header(UPLOAD_LENGTH, total)
                        .body(rest)
                        .send();
                    sent += len;
                    match put {
                        Ok(r) if r.status() == StatusCode::CREATED || r.status() == StatusCode::OK => {
                            progress(Progress::BlobUp { sha: sha.into(), done: total, total });
                            return Ok(Some(sent));
                        }
                        Ok(r) if r.status() == StatusCode::NO_CONTENT || r.status() == StatusCode::CONFLICT => {
                            continue;
                        }
                        Ok(r) if r.status() == StatusCode::NOT_FOUND => return Ok(None),
                        Ok(r) => last_err = Some(refused(r)),
                        Err(e) => last_err = Some(network(e)),
                    }
                }
                (StatusCode::NOT_FOUND, _) => return Ok(None),
                (_, _) => last_err = Some(refused(head)),
            }
        }
        Err(last_err.unwrap_or_else(|| Error::Invalid(Msg::new(Key::PhotoUploadFailed).arg("name", short(sha)))))
    }

    /// Download a blob, resuming with `Range` after a broken connection.
    pub fn download_blob(&self, sha: &str) -> Result<Vec<u8>> {
        let url = format!("{}/v1/blobs/{sha}", self.url);
        let mut got: Vec<u8> = Vec::new();
        let mut last_err = None;
        for attempt in 0..BLOB_ATTEMPTS {
            if attempt > 0 {
                std::thread::sleep(Duration::from_millis(50 * attempt as u64));
            }
            let mut req = self.auth(self.http.get(&url));
            if !got.is_empty() {
                req = req.header(reqwest::header::RANGE, format!("bytes={}-", got.len()));
            }
            let mut resp = match req.send() {
                Ok(r) => r,
                Err(e) => {
                    last_err = Some(network(e));
                    continue;
                }
            };
            match resp.status() {
                StatusCode::OK => got.clear(),
                StatusCode::PARTIAL_CONTENT => {}
                _ => return Err(refused(resp)),
            }
            match std::io::copy(&mut resp, &mut got) {
                Ok(_) => return Ok(got),
                Err(e) => {
                    tracing::warn!(photo = %sha, error = %e, "a downloaded photo could not be stored");
                    last_err = Some(Error::Invalid(Msg::new(Key::PhotoDownloadFailed).arg("name", short(sha))));
                }
            }
        }
        Err(last_err.unwrap_or_else(|| Error::Invalid(Msg::new(Key::PhotoDownloadFailed).arg("name", short(sha)))))
    }
}

/// Enrol this device with the server at `url` using a one-time `code`.
pub fn enroll(store: &mut Store, url: &str, code: &str, name: &str) -> Result<EnrolResponse> {
    let client = Client::new(url, None)?;
    let resp = client.enrol(&EnrolRequest {
        code: code.trim().to_owned(),
        device_id: store.device().id().as_str().to_owned(),
        public_key: store.public_key_hex(),
        name: name.to_owned(),
    })?;
    store.set_account(url.trim_end_matches('/'), &resp)?;
    tracing::info!(device = %resp.device_id, org = %resp.org, "enrolled");
    Ok(resp)
}

/// How a sync reaches the store: held for the whole sync (`&mut Store`: the CLI, tests), or taken only
/// for each step and released while the network is in use (`&Mutex<Store>`: the app), so an edit made
/// while a sync crawls over a bad network waits for one step at most, never for the network.
pub trait StoreAccess {
    /// Run `f` with the store.
    fn with<T>(&mut self, f: impl FnOnce(&mut Store) -> Result<T>) -> Result<T>;
}

impl StoreAccess for &mut Store {
    fn with<T>(&mut self, f: impl FnOnce(&mut Store) -> Result<T>) -> Result<T> {
        f(self)
    }
}

impl StoreAccess for &std::sync::Mutex<Store> {
    fn with<T>(&mut self, f: impl FnOnce(&mut Store) -> Result<T>) -> Result<T> {
        // A panic elsewhere while holding the lock left no half-written transaction (SQLite rolls it
        // back); the store is usable.
        f(&mut self.lock().unwrap_or_else(std::sync::PoisonError::into_inner))
    }
}

/// Exchange documents until the server has everything this device had at the start and the device
/// has everything it may see; then upload photos and fetch missing thumbnails.
pub fn sync(store: &mut Store, progress: &mut dyn FnMut(Progress)) -> Result<SyncReport> {
    sync_with(store, progress)
}

/// [`sync`] through any [`StoreAccess`]: with a shared store, the lock is held only while the store is
/// read or written, never during a request.
pub fn sync_with(mut store: impl StoreAccess, progress: &mut dyn FnMut(Progress)) -> Result<SyncReport> {
    let client = store.with(|s| Client::for_store(s))?;
    let mut report = documents(&mut store, &client, progress)?;
    upload_photos(&mut store, &client, &mut report, progress)?;
    report.thumbnails = fetch(&mut store, &client, true, progress)?;
    Ok(report)
}

/// The document rounds only.
pub fn sync_documents(store: &mut Store, client: &Client, progress: &mut dyn FnMut(Progress)) -> Result<SyncReport> {
    documents(&mut &mut *store, client, progress)
}

fn documents(store: &mut impl StoreAccess, client: &Client, progress: &mut dyn FnMut(Progress)) -> Result<SyncReport> {
    let mut report = SyncReport::default();
    let mut restarted = false;
    for _ in 0..MAX_ROUNDS {
        // What goes up in this round is taken now; an edit made while the request is out stays
        // waiting (its write count is past what the answer acknowledges) and goes with the next round.
        let (out, req) = store.with(|store| {
            let out: Vec<Outgoing> = store.outgoing(PUSH_DOCS, PUSH_BYTES)?;
            let req = SyncRequest {
                v: WIRE_VERSION,
                cursor: store.sync_cursor()?,
                push: out.iter().map(|o| o.push.clone()).collect(),
                max_bytes: None,
                reference_seq: store.reference_seq()?,
                want: store.wanted()?.iter().filter_map(|id| WireId::parse(id)).collect(),
                epoch: store.server_epoch()?,
            };
            Ok((out, req))
        })?;
        let resp = match client.sync(&req) {
            Err(Error::Server { code, .. }) if code == "cursor_ahead" && !restarted => {
                // The server was restored from an older backup: offer everything again.
                store.with(|s| s.restart_sync())?;
                restarted = true;
                continue;
            }
            other => other?,
        };
        report.round_trips += 1;
        // A new restore epoch: the server was restored from a backup since this device last synced. Its
        // feed positions are not the ones this device's cursor counts: start again from 0 and offer
        // everything (this answer was made for the old cursor and is not stored).
        if let Some(epoch) = &resp.epoch {
            let known = store.with(|s| {
                let known = s.server_epoch()?;
                s.set_server_epoch(epoch)?;
                Ok(known)
            })?;
            if known.is_some() && !restarted {
                store.with(|s| s.restart_sync())?;
                restarted = true;
                continue;
            }
        }
        report.pushed += out.len();
        // Stored in pieces, the store released between them: an edit waits for one piece at most.
        let now = chrono::Utc::now();
        let mut pulled = store.with(|s| s.begin_apply(&resp))?;
        for piece in resp.docs.chunks(APPLY_PIECE) {
            store.with(|s| s.receive_pulls(piece, &out, now, &mut pulled))?;
        }
        let applied = store.with(|s| s.finish_apply(&resp, &out, now, pulled))?;
        report.accepted += applied.accepted;
        report.received += applied.received;
        report.reference |= applied.reference;
        let room = CHANGED_LISTED.saturating_sub(report.changed.len());
        report.changed.extend(applied.changed.into_iter().take(room));
        report.gone += applied.gone;
        report.rejected.extend(applied.rejected);
        report.restored.extend(applied.restored);
        progress(Progress::Round { pushed: out.len(), received: applied.received, more: resp.more });
        if let Some((id, why)) = applied.failed.first() {
            tracing::warn!(order = %id, why = %why, "an order from the server could not be stored");
            return Err(Error::Invalid(Msg::new(Key::ReceivedUnreadable).arg("id", id.to_string())));
        }
        let resend = resp.rejected.iter().any(|r| r.code == RejectCode::MissingChanges);
        if !resp.more && !resend && out.len() < PUSH_DOCS {
            break;
        }
    }
    Ok(report)
}

fn upload_photos(
    store: &mut impl StoreAccess,
    client: &Client,
    report: &mut SyncReport,
    progress: &mut dyn FnMut(Progress),
) -> Result<()> {
    for (sha, _) in store.with(|s| s.blobs_to_upload())? {
        let bytes = store.with(|s| s.blob_bytes(&sha))?;
        match client.upload_blob(&sha, &bytes, progress) {
            Ok(Some(sent)) => {
                store.with(|s| s.mark_uploaded(&sha, chrono::Utc::now().timestamp_millis()))?;
                report.blobs_uploaded += 1;
                report.blob_bytes_sent += sent;
            }
            Ok(None) => report.blobs_waiting += 1,
            Err(e @ Error::Network(_)) => {
                tracing::info!(error = %e, "photo upload interrupted; it resumes next sync");
                report.blobs_waiting += 1;
            }
            Err(Error::Server { status: 429, .. }) => {
                report.blobs_waiting += 1;
                break;
            }
            Err(e) => return Err(e),
        }
    }
    Ok(())
}

/// Fetch photos orders here name but this device lacks: thumbnails (for lists) or evidence copies.
pub fn fetch_missing(
    store: &mut Store,
    client: &Client,
    thumbnails: bool,
    progress: &mut dyn FnMut(Progress),
) -> Result<usize> {
    fetch(&mut &mut *store, client, thumbnails, progress)
}

fn fetch(
    store: &mut impl StoreAccess,
    client: &Client,
    thumbnails: bool,
    progress: &mut dyn FnMut(Progress),
) -> Result<usize> {
    let mut n = 0;
    for sha in store.with(|s| s.missing_photos(thumbnails))? {
        match client.download_blob(&sha) {
            Ok(bytes) => {
                let kind = if thumbnails { "thumbnail" } else { "evidence" };
                let now = chrono::Utc::now().timestamp_millis();
                store.with(|s| s.store_downloaded_blob(&sha, kind, &bytes, now))?;
                progress(Progress::BlobDown { sha, bytes: bytes.len() as u64 });
                n += 1;
            }
            // Not uploaded yet by the device that took it: next time.
            Err(Error::Server { status: 404, .. }) => {}
            // The server asks this device to slow down: the rest waits for the next sync.
            Err(Error::Server { status: 429, .. }) => break,
            Err(e) => return Err(e),
        }
    }
    Ok(n)
}
