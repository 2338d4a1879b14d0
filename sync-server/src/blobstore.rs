//! Where verified photo bytes live: the data folder (default) or an S3-compatible bucket
//! (`--blobs s3://BUCKET[/PREFIX]`, endpoint and credentials from the usual `AWS_*` variables).
//!
//! Uploads are staged the same way for both (`blobs/partial/{sha}` in the data folder, appended as
//! bytes arrive, so a resumed upload continues from the last byte the server received); once the
//! staged file has the whole length and its SHA-256 matches, the backend takes it — a rename into the
//! folder, or one PUT into the bucket — and only then is the blob recorded and visible. Several
//! processes behind a load balancer share staging when the data folder is shared; otherwise an upload
//! interrupted on one process resumes from zero on another (correct, only slower).

use crate::error::ServerError;
use axum::body::Body;
use axum::extract::Request;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use futures_util::StreamExt;
use object_store::{ObjectStore, ObjectStoreExt};
use std::future::Future;
use std::path::{Path, PathBuf};
use std::pin::Pin;
use std::sync::Arc;
use tower::ServiceExt;

/// A boxed future (the trait is used as `dyn BlobStore`).
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

fn io(context: &str) -> impl FnOnce(std::io::Error) -> ServerError + '_ {
    move |source| ServerError::Io { context: context.to_owned(), source }
}

fn remote(e: object_store::Error) -> ServerError {
    ServerError::Io { context: "photo storage".into(), source: std::io::Error::other(e.to_string()) }
}

/// Verified blobs, named by SHA-256.
pub trait BlobStore: Send + Sync + std::fmt::Debug + 'static {
    /// Take a staged file whose hash was verified (it is moved or deleted).
    fn put_verified<'a>(&'a self, sha: &'a str, staged: &'a Path) -> BoxFuture<'a, Result<(), ServerError>>;
    /// Answer `GET` for a stored blob of `size` bytes (a `Range` header is honoured).
    fn serve<'a>(&'a self, sha: &'a str, size: u64, req: Request) -> BoxFuture<'a, Result<Response, ServerError>>;
    /// The whole stored blob (checks and copies).
    fn read<'a>(&'a self, sha: &'a str) -> BoxFuture<'a, Result<Vec<u8>, ServerError>>;
}

/// Files under the data folder: `blobs/xx/{sha}`.
#[derive(Debug)]
pub struct FileStore {
    root: PathBuf,
}

impl FileStore {
    /// Blobs under `root`.
    pub fn new(root: PathBuf) -> FileStore {
        FileStore { root }
    }

    /// Where a blob's file is.
    pub fn path(&self, sha: &str) -> PathBuf {
        self.root.join(sha.get(..2).unwrap_or("00")).join(sha)
    }
}

impl BlobStore for FileStore {
    fn put_verified<'a>(&'a self, sha: &'a str, staged: &'a Path) -> BoxFuture<'a, Result<(), ServerError>> {
        Box::pin(async move {
            let dest = self.path(sha);
            if let Some(dir) = dest.parent() {
                tokio::fs::create_dir_all(dir).await.map_err(io("creating the blob folder"))?;
            }
            tokio::fs::rename(staged, &dest).await.map_err(io("storing a blob"))?;
            if let Some(dir) = dest.parent() {
                let dir = dir.to_owned();
                let _ = tokio::task::spawn_blocking(move || std::fs::File::open(dir).and_then(|d| d.sync_all())).await;
            }
            Ok(())
        })
    }

    fn serve<'a>(&'a self, sha: &'a str, _size: u64, req: Request) -> BoxFuture<'a, Result<Response, ServerError>> {
        Box::pin(async move {
            let Ok(served) = tower_http::services::ServeFile::new(self.path(sha)).oneshot(req).await;
            let (parts, body) = served.into_parts();
            Ok(Response::from_parts(parts, Body::new(body)))
        })
    }

    fn read<'a>(&'a self, sha: &'a str) -> BoxFuture<'a, Result<Vec<u8>, ServerError>> {
        Box::pin(async move { tokio::fs::read(self.path(sha)).await.map_err(io("reading a blob")) })
    }
}

/// An S3-compatible bucket (object_store): objects `{prefix}/xx/{sha}`.
#[derive(Debug)]
pub struct S3Store {
    store: Arc<dyn ObjectStore>,
    prefix: String,
}

impl S3Store {
    /// `url` is `s3://BUCKET[/PREFIX]`; endpoint, region and credentials come from `AWS_ENDPOINT`,
    /// `AWS_REGION`, `AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY` (and `AWS_ALLOW_HTTP=true` for a
    /// plain-HTTP endpoint such as a local test server).
    pub fn from_url(url: &str) -> Result<S3Store, String> {
        let rest = url.strip_prefix("s3://").ok_or("photo storage must be s3://BUCKET[/PREFIX]")?;
        let (bucket, prefix) = rest.split_once('/').unwrap_or((rest, ""));
        if bucket.is_empty() {
            return Err("photo storage must be s3://BUCKET[/PREFIX]".into());
        }
        let store = object_store::aws::AmazonS3Builder::from_env()
            .with_bucket_name(bucket)
            .build()
            .map_err(|e| format!("S3 configuration: {e}"))?;
        Ok(S3Store { store: Arc::new(store), prefix: prefix.trim_matches('/').to_owned() })
    }

    fn key(&self, sha: &str) -> object_store::path::Path {
        let two = sha.get(..2).unwrap_or("00");
        if self.prefix.is_empty() {
            object_store::path::Path::from(format!("{two}/{sha}"))
        } else {
            object_store::path::Path::from(format!("{}/{two}/{sha}", self.prefix))
        }
    }
}

/// A single `bytes=` range of a `size`-byte object: `Ok(None)` for no (or an unusable) header,
/// `Err(())` when it cannot be satisfied.
fn parse_range(value: Option<&HeaderValue>, size: u64) -> Result<Option<std::ops::Range<u64>>, ()> {
    let Some(spec) = value.and_then(|v| v.to_str().ok()).and_then(|v| v.trim().strip_prefix("bytes=")) else {
        return Ok(None);
    };
    if spec.contains(',') {
        return Ok(None); // several ranges: answer with the whole object, as RFC 9110 allows
    }
    let Some((a, b)) = spec.split_once('-') else { return Ok(None) };
    let (a, b) = (a.trim(), b.trim());
    let range = match (a.parse::<u64>().ok(), b.parse::<u64>().ok()) {
        (Some(start), Some(end)) if start <= end => start..(end + 1).min(size),
        (Some(start), None) if b.is_empty() => start..size,
        (None, Some(n)) if a.is_empty() => size.saturating_sub(n)..size,
        _ => return Ok(None),
    };
    if range.start >= size || range.is_empty() { Err(()) } else { Ok(Some(range)) }
}

impl BlobStore for S3Store {
    fn put_verified<'a>(&'a self, sha: &'a str, staged: &'a Path) -> BoxFuture<'a, Result<(), ServerError>> {
        Box::pin(async move {
            // Photos are bounded by max_blob_bytes (64 MiB by default): one PUT.
            let bytes = tokio::fs::read(staged).await.map_err(io("reading a staged upload"))?;
            self.store.put(&self.key(sha), bytes.into()).await.map_err(remote)?;
            tokio::fs::remove_file(staged).await.map_err(io("removing a staged upload"))?;
            Ok(())
        })
    }

    fn serve<'a>(&'a self, sha: &'a str, size: u64, req: Request) -> BoxFuture<'a, Result<Response, ServerError>> {
        Box::pin(async move {
            let range = match parse_range(req.headers().get(header::RANGE), size) {
                Ok(r) => r,
                Err(()) => {
                    let mut resp = StatusCode::RANGE_NOT_SATISFIABLE.into_response();
                    if let Ok(v) = HeaderValue::from_str(&format!("bytes */{size}")) {
                        resp.headers_mut().insert(header::CONTENT_RANGE, v);
                    }
                    return Ok(resp);
                }
            };
            let options = object_store::GetOptions {
                range: range.clone().map(object_store::GetRange::Bounded),
                ..Default::default()
            };
            let got = self.store.get_opts(&self.key(sha), options).await.map_err(remote)?;
            let stream = got.into_stream().map(|r| r.map_err(std::io::Error::other));
            let mut resp = Response::new(Body::from_stream(stream));
            let h = resp.headers_mut();
            h.insert(header::ACCEPT_RANGES, HeaderValue::from_static("bytes"));
            h.insert(header::CONTENT_TYPE, HeaderValue::from_static("application/octet-stream"));
            match range {
                Some(r) => {
                    *resp.status_mut() = StatusCode::PARTIAL_CONTENT;
                    let h = resp.headers_mut();
                    h.insert(header::CONTENT_LENGTH, HeaderValue::from(r.end - r.start));
                    if let Ok(v) = HeaderValue::from_str(&format!("bytes {}-{}/{size}", r.start, r.end - 1)) {
                        h.insert(header::CONTENT_RANGE, v);
                    }
                }
                None => {
                    resp.headers_mut().insert(header::CONTENT_LENGTH, HeaderValue::from(size));
                }
            }
            Ok(resp)
        })
    }

    fn read<'a>(&'a self, sha: &'a str) -> BoxFuture<'a, Result<Vec<u8>, ServerError>> {
        Box::pin(async move {
            let got = self.store.get_opts(&self.key(sha), Default::default()).await.map_err(remote)?;
            Ok(got.bytes().await.map_err(remote)?.to_vec())
        })
    }
}

#[cfg(test)]
mod tests {
    use super::parse_range;
    use axum::http::HeaderValue;

    #[test]
    fn ranges_as_rfc_9110_reads_them() {
        let r = |s: &str| parse_range(Some(&HeaderValue::from_str(s).unwrap_or(HeaderValue::from_static(""))), 100);
        assert_eq!(r("bytes=0-9"), Ok(Some(0..10)));
        assert_eq!(r("bytes=90-"), Ok(Some(90..100)));
        assert_eq!(r("bytes=-5"), Ok(Some(95..100)));
        assert_eq!(r("bytes=50-500"), Ok(Some(50..100)));
        assert_eq!(r("bytes=100-"), Err(()));
        assert_eq!(r("bytes=0-1,5-6"), Ok(None));
        assert_eq!(r("items=0-1"), Ok(None));
        assert_eq!(parse_range(None, 100), Ok(None));
    }
}
