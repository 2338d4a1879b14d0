//! Photo blobs on the server: named by SHA-256, staged under `DIR/blobs/partial/`, kept by a
//! [`BlobStore`] (the data folder by default, or an S3-compatible bucket), uploaded resumably.
//!
//! Upload protocol (`PUT /v1/blobs/{sha256}`): the device sends `Upload-Offset` (the bytes the server
//! already has, from `HEAD`) and `Upload-Length` (the whole size), then the rest of the bytes. The server
//! appends what arrives to `partial/{sha}` as it arrives, so a dropped connection keeps everything
//! received; when the file reaches its length its hash is checked, it is synced and renamed into
//! place, and only then recorded and visible. A wrong hash deletes the partial file (422). The same
//! bytes are stored once. `GET` serves ranges. Access follows the documents: a device may read or
//! upload a blob only if a document it may see references it (thumbnails included, for office lists).

use crate::auth::Authed;
use crate::error::ServerError;
use crate::state::AppState;
use crate::store::{BlobMeta, Store};
use crate::sync::can_see;
use axum::extract::{Path, Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use http_body_util::BodyExt;
use sha2::{Digest, Sha256};
use std::collections::HashSet;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use tokio::io::AsyncWriteExt;

pub use crate::blobstore::{BlobStore, FileStore, S3Store};

/// Header: bytes the server has of an upload.
pub const UPLOAD_OFFSET: &str = "upload-offset";
/// Header: the whole size of an upload.
pub const UPLOAD_LENGTH: &str = "upload-length";

/// Staging of uploads (in the data folder) and the store that keeps verified blobs.
#[derive(Debug)]
pub struct BlobFiles {
    root: PathBuf,
    busy: Mutex<HashSet<String>>,
    store: Arc<dyn BlobStore>,
}

fn io(context: impl Into<String>) -> impl FnOnce(std::io::Error) -> ServerError {
    let context = context.into();
    move |source| ServerError::Io { context, source }
}

/// Is this a SHA-256 in lowercase hex?
pub fn is_sha256(s: &str) -> bool {
    s.len() == 64 && s.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

impl BlobFiles {
    /// Use (and create) `root`.
    pub fn open(root: PathBuf) -> std::io::Result<BlobFiles> {
        let store = Arc::new(FileStore::new(root.clone()));
        BlobFiles::with_store(root, store)
    }

    /// Stage uploads under `root`, keep verified blobs in `store`.
    pub fn with_store(root: PathBuf, store: Arc<dyn BlobStore>) -> std::io::Result<BlobFiles> {
        std::fs::create_dir_all(root.join("partial"))?;
        Ok(BlobFiles { root, busy: Mutex::new(HashSet::new()), store })
    }

    /// The store that keeps verified blobs.
    pub fn store(&self) -> &dyn BlobStore {
        self.store.as_ref()
    }

    /// A device's unfinished upload of a hash (kept apart per device, so nobody learns how much of a
    /// photo another has sent, and each device's unfinished uploads count against its own quota).
    fn partial_path(&self, device: &str, sha: &str) -> PathBuf {
        let device: String =
            device.chars().map(|c| if c.is_ascii_alphanumeric() || c == '-' || c == '_' { c } else { '_' }).collect();
        self.root.join("partial").join(format!("{sha}.{device}"))
    }

    /// Bytes received so far of a device's unfinished upload.
    pub async fn partial_len(&self, device: &str, sha: &str) -> u64 {
        tokio::fs::metadata(self.partial_path(device, sha)).await.map(|m| m.len()).unwrap_or(0)
    }

    /// Bytes of all of a device's unfinished uploads.
    async fn partial_total(&self, device: &str) -> u64 {
        let suffix = format!(".{device}");
        let mut total = 0;
        if let Ok(mut dir) = tokio::fs::read_dir(self.root.join("partial")).await {
            while let Ok(Some(e)) = dir.next_entry().await {
                if e.file_name().to_string_lossy().ends_with(&suffix) {
                    total += e.metadata().await.map(|m| m.len()).unwrap_or(0);
                }
            }
        }
        total
    }

    fn claim(&self, org: &str, sha: &str) -> Option<Claim<'_>> {
        let key = format!("{sha}.{org}");
        let mut busy = self.busy.lock().ok()?;
        busy.insert(key.clone()).then(|| Claim { files: self, sha: key })
    }
}

/// One upload of a hash at a time.
struct Claim<'a> {
    files: &'a BlobFiles,
    sha: String,
}

impl Drop for Claim<'_> {
    fn drop(&mut self) {
        if let Ok(mut busy) = self.files.busy.lock() {
            busy.remove(&self.sha);
        }
    }
}

async fn check_access<S: Store>(
    st: &AppState<S>,
    dev: &crate::store::DeviceRecord,
    sha: &str,
) -> Result<(), ServerError> {
    if !is_sha256(sha) {
        return Err(ServerError::BadRequest("a blob is named by its SHA-256 in lowercase hex".into()));
    }
    let holders = st.store.blob_holders(sha).await?;
    if holders.iter().any(|h| can_see(dev, &h.org, &h.meta)) {
        Ok(())
    } else {
        // Not told apart from a blob that does not exist.
        Err(ServerError::NotFound(format!("no photo {sha} for this device")))
    }
}

fn offset_headers(offset: u64) -> HeaderMap {
    let mut h = HeaderMap::new();
    h.insert(UPLOAD_OFFSET, HeaderValue::from(offset));
    h
}

/// `HEAD /v1/blobs/{sha}`: 200 with the size if stored; 404 with `Upload-Offset` otherwise.
pub async fn head<S: Store>(
    State(st): State<AppState<S>>,
    Authed(dev): Authed,
    Path(sha): Path<String>,
) -> Result<Response, ServerError> {
    check_access(&st, &dev, &sha).await?;
    if let Some(meta) = st.store.blob(&sha).await?
        && st.store.blob_in_org(&sha, &dev.org).await?
    {
        let mut h = offset_headers(meta.size);
        h.insert(axum::http::header::CONTENT_LENGTH, HeaderValue::from(meta.size));
        return Ok((StatusCode::OK, h).into_response());
    }
    let offset = st.blobs.partial_len(&dev.id, &sha).await;
    Ok((StatusCode::NOT_FOUND, offset_headers(offset)).into_response())
}

fn header_u64(headers: &HeaderMap, name: &str) -> Result<Option<u64>, ServerError> {
    match headers.get(name) {
        None => Ok(None),
        Some(v) => v
            .to_str()
            .ok()
            .and_then(|s| s.trim().parse().ok())
            .map(Some)
            .ok_or_else(|| ServerError::BadRequest(format!("{name} must be a number of bytes"))),
    }
}

/// `PUT /v1/blobs/{sha}`: append from `Upload-Offset`; 201 when complete and verified, 200 if it was
/// already stored, 204 with the new offset if the body ended early.
pub async fn put<S: Store>(
    State(st): State<AppState<S>>,
    Authed(dev): Authed,
    Path(sha): Path<String>,
    req: Request,
) -> Result<Response, ServerError> {
    check_access(&st, &dev, &sha).await?;
    let headers = req.headers().clone();
    let offset = header_u64(&headers, UPLOAD_OFFSET)?.unwrap_or(0);
    let total = header_u64(&headers, UPLOAD_LENGTH)?
        .ok_or_else(|| ServerError::BadRequest("Upload-Length is required".into()))?;
    let max = st.config.limits.max_blob_bytes;
    if total > max {
        st.metrics.rejection("blob_too_large");
        return Err(ServerError::TooLarge(format!("a photo may have at most {max} bytes")));
    }
    // "Stored already" only within the organisation: another organisation sends the bytes itself
    // (they are checked, then stored once), or it would learn that someone holds this photo.
    let stored = st.store.blob(&sha).await?;
    if let Some(meta) = &stored
        && st.store.blob_in_org(&sha, &dev.org).await?
    {
        return Ok((StatusCode::OK, offset_headers(meta.size)).into_response());
    }
    let Some(_claim) = st.blobs.claim(&dev.id, &sha) else {
        return Err(ServerError::Conflict("this photo is being uploaded by another request".into()));
    };
    let partial = st.blobs.partial_path(&dev.id, &sha);
    let have = st.blobs.partial_len(&dev.id, &sha).await;
    if have != offset || offset > total {
        let mut h = offset_headers(have);
        h.insert("content-type", HeaderValue::from_static("application/json"));
        let body = format!(
            r#"{{"code":"conflict","message":"the server has {have} bytes of this photo; resume from there"}}"#
        );
        return Ok((StatusCode::CONFLICT, h, body).into_response());
    }
    // Unfinished uploads count against the device's quota (they expire too: `expire_partial_uploads`).
    let quota = st.config.limits.partial_upload_quota_bytes;
    let others = st.blobs.partial_total(&dev.id).await.saturating_sub(have);
    if others + total > quota {
        st.metrics.rejection("upload_quota");
        return Err(ServerError::TooLarge(format!(
            "this device has {others} bytes of unfinished photo uploads; at most {quota} are kept: finish or wait for them to expire"
        )));
    }
    let mut file = tokio::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(&partial)
        .await
        .map_err(io("opening a partial upload"))?;
    let mut written = offset;
    let mut body = req.into_body();
    while let Some(frame) = body.frame().await {
        let Ok(frame) = frame else { break };
        let Ok(data) = frame.into_data() else { continue };
        if written + data.len() as u64 > total {
            drop(file);
            let _ = tokio::fs::remove_file(&partial).await;
            return Err(ServerError::TooLarge("more bytes than Upload-Length".into()));
        }
        file.write_all(&data).await.map_err(io("writing a partial upload"))?;
        written += data.len() as u64;
        st.metrics.blob_bytes("in", data.len() as u64);
    }
    file.flush().await.map_err(io("writing a partial upload"))?;
    if written < total {
        return Ok((StatusCode::NO_CONTENT, offset_headers(written)).into_response());
    }
    file.sync_all().await.map_err(io("syncing an upload"))?;
    drop(file);
    let actual = hash_file(partial.clone()).await?;
    if actual != sha {
        let _ = tokio::fs::remove_file(&partial).await;
        st.metrics.rejection("blob_hash_mismatch");
        return Err(ServerError::Unprocessable(format!("the bytes hash to {actual}, not {sha}; upload again")));
    }
    if stored.is_some() {
        // The same bytes are kept once: this organisation has now proved it holds them.
        let _ = tokio::fs::remove_file(&partial).await;
    } else {
        st.blobs.store.put_verified(&sha, &partial).await?;
    }
    st.store
        .put_blob(BlobMeta {
            sha: sha.clone(),
            size: total,
            uploaded_by: dev.id.clone(),
            created_ms: chrono::Utc::now().timestamp_millis(),
        })
        .await?;
    Ok((StatusCode::CREATED, offset_headers(total)).into_response())
}

/// Remove unfinished uploads untouched for `ttl`, checking every tenth of it (at most every 10 min).
pub fn expire_partial_uploads(files: Arc<BlobFiles>, ttl: std::time::Duration) {
    let every = (ttl / 10).clamp(std::time::Duration::from_millis(200), std::time::Duration::from_secs(600));
    tokio::spawn(async move {
        loop {
            tokio::time::sleep(every).await;
            let Ok(mut dir) = tokio::fs::read_dir(files.root.join("partial")).await else { continue };
            let mut removed = 0u64;
            while let Ok(Some(e)) = dir.next_entry().await {
                let old = e
                    .metadata()
                    .await
                    .ok()
                    .and_then(|m| m.modified().ok())
                    .and_then(|t| t.elapsed().ok())
                    .is_some_and(|age| age > ttl);
                if old && tokio::fs::remove_file(e.path()).await.is_ok() {
                    removed += 1;
                }
            }
            if removed > 0 {
                tracing::info!(removed, "expired unfinished photo uploads");
            }
        }
    });
}

async fn hash_file(path: PathBuf) -> Result<String, ServerError> {
    tokio::task::spawn_blocking(move || -> std::io::Result<String> {
        use std::io::Read;
        let mut f = std::fs::File::open(path)?;
        let mut h = Sha256::new();
        let mut buf = vec![0u8; 256 << 10];
        loop {
            let n = f.read(&mut buf)?;
            if n == 0 {
                break;
            }
            h.update(&buf[..n]);
        }
        Ok(data_encoding::HEXLOWER.encode(&h.finalize()))
    })
    .await
    .map_err(|e| ServerError::Store(crate::store::StoreError::Task(e.to_string())))?
    .map_err(io("hashing an upload"))
}

/// `GET /v1/blobs/{sha}`: the bytes, with `Range` support.
pub async fn get<S: Store>(
    State(st): State<AppState<S>>,
    Authed(dev): Authed,
    Path(sha): Path<String>,
    req: Request,
) -> Result<Response, ServerError> {
    check_access(&st, &dev, &sha).await?;
    let meta = match st.store.blob(&sha).await? {
        Some(meta) if st.store.blob_in_org(&sha, &dev.org).await? => meta,
        _ => return Err(ServerError::NotFound(format!("photo {sha} has not been uploaded yet"))),
    };
    st.metrics.blob_bytes("out", meta.size);
    st.blobs.store.serve(&sha, meta.size, req).await
}
