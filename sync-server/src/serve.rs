//! Running the server: open the data folder (blob folder; the SQLite file unless `--db` names a
//! PostgreSQL database; migrations applied), listen (TLS with rustls when a certificate is
//! configured), and on SIGTERM or Ctrl-C stop accepting and finish the requests in flight before
//! exiting.

use crate::blobs::BlobFiles;
use crate::config::Config;
use crate::state::AppState;
use crate::store::Store;
use crate::store::postgres::PgStore;
use crate::store::sqlite::SqliteStore;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// Starting or running the server failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ServeError {
    /// The data folder could not be used.
    #[error("data folder {path}: {reason}")]
    Data {
        /// The folder.
        path: PathBuf,
        /// Why.
        reason: String,
    },
    /// Listening failed.
    #[error("cannot listen on {addr}: {source}")]
    Listen {
        /// The address.
        addr: SocketAddr,
        /// The cause.
        #[source]
        source: std::io::Error,
    },
    /// The TLS certificate or key could not be loaded.
    #[error("TLS: {0}")]
    Tls(String),
    /// The database named by `--db` could not be opened.
    #[error("database {url}: {reason}")]
    Database {
        /// The URL, without its password.
        url: String,
        /// Why.
        reason: String,
    },
}

/// Where the server keeps documents, feeds and accounts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Db {
    /// The embedded default: `signoff.db` in the data folder.
    Embedded,
    /// Another SQLite file (`sqlite://PATH`).
    Sqlite(PathBuf),
    /// PostgreSQL (`postgres://…` or `postgresql://…`), shared by several server processes.
    Postgres(String),
}

impl Db {
    /// Parse `--db` (none: the embedded SQLite file).
    pub fn parse(url: Option<&str>) -> Result<Db, ServeError> {
        match url {
            None | Some("") => Ok(Db::Embedded),
            Some(u) if u.starts_with("postgres://") || u.starts_with("postgresql://") => Ok(Db::Postgres(u.to_owned())),
            Some(u) => match u.strip_prefix("sqlite://") {
                Some(path) if !path.is_empty() => Ok(Db::Sqlite(PathBuf::from(path))),
                _ => Err(ServeError::Database {
                    url: redact(u),
                    reason: "use postgres://USER@HOST/DB or sqlite://PATH".into(),
                }),
            },
        }
    }
}

/// A database URL without its password, for messages and logs.
pub fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(s), Some(at)) if at > s => {
            let cred = &url[s + 3..at];
            match cred.find(':') {
                Some(c) => format!("{}{}:***{}", &url[..s + 3], &cred[..c], &url[at..]),
                None => url.to_owned(),
            }
        }
        _ => url.to_owned(),
    }
}

/// Open the embedded store under `data`.
pub fn open_store(data: &Path) -> Result<(SqliteStore, BlobFiles), ServeError> {
    let (store, blobs) = (open_sqlite(data, &data.join("signoff.db"))?, open_blobs(data)?);
    Ok((store, blobs))
}

fn open_sqlite(data: &Path, file: &Path) -> Result<SqliteStore, ServeError> {
    let err = |reason: String| ServeError::Data { path: data.to_owned(), reason };
    std::fs::create_dir_all(data).map_err(|e| err(e.to_string()))?;
    SqliteStore::open(file).map_err(|e| err(e.to_string()))
}

/// The blob folder under `data`.
pub fn open_blobs(data: &Path) -> Result<BlobFiles, ServeError> {
    open_blobs_in(data, None)
}

/// Photo storage: staging under `data`, verified blobs in the folder too, or in the bucket `url`
/// names (`s3://BUCKET[/PREFIX]`).
pub fn open_blobs_in(data: &Path, url: Option<&str>) -> Result<BlobFiles, ServeError> {
    let err = |reason: String| ServeError::Data { path: data.to_owned(), reason };
    std::fs::create_dir_all(data).map_err(|e| err(e.to_string()))?;
    match url {
        None | Some("") => BlobFiles::open(data.join("blobs")).map_err(|e| err(e.to_string())),
        Some(url) => {
            // The S3 client speaks HTTPS through rustls with the workspace's provider.
            let _ = rustls::crypto::ring::default_provider().install_default();
            let s3 = crate::blobstore::S3Store::from_url(url)
                .map_err(|reason| ServeError::Database { url: url.to_owned(), reason })?;
            BlobFiles::with_store(data.join("blobs"), std::sync::Arc::new(s3)).map_err(|e| err(e.to_string()))
        }
    }
}

/// Something to do with an opened store, whichever backend it is.
pub trait WithStore {
    /// The result.
    type Output;
    /// Do it.
    fn run<S: Store>(self, store: S, blobs: BlobFiles) -> impl Future<Output = Self::Output> + Send;
}

/// Open the store `db` names and the photo storage (`blobs`: a bucket URL, or the folder under
/// `data`) and run `job` with them.
pub async fn with_store<J: WithStore>(
    data: &Path,
    db: &Db,
    blobs: Option<&str>,
    job: J,
) -> Result<J::Output, ServeError> {
    let blobs = open_blobs_in(data, blobs)?;
    Ok(match db {
        Db::Embedded => job.run(open_sqlite(data, &data.join("signoff.db"))?, blobs).await,
        Db::Sqlite(file) => job.run(open_sqlite(data, file)?, blobs).await,
        Db::Postgres(url) => {
            let store = PgStore::connect(url)
                .await
                .map_err(|e| ServeError::Database { url: redact(url), reason: e.to_string() })?;
            job.run(store, blobs).await
        }
    })
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! { _ = ctrl_c => {}, _ = term => {} }
    tracing::info!("shutting down: finishing requests in flight");
}

/// Serve the embedded store under `data` until a shutdown signal (see [`serve_store`]).
pub async fn serve(data: &Path, config: Config, ready: impl FnOnce(SocketAddr, bool) + Send) -> Result<(), ServeError> {
    let (store, blobs) = open_store(data)?;
    serve_store(store, blobs, config, ready).await
}

/// Serve `store` until a shutdown signal. `ready` gets the bound address (port 0 picks a free one).
pub async fn serve_store<S: Store>(
    store: S,
    blobs: BlobFiles,
    config: Config,
    ready: impl FnOnce(SocketAddr, bool) + Send,
) -> Result<(), ServeError> {
    let listen = config.listen;
    let tls = match (&config.tls_cert, &config.tls_key) {
        (Some(c), Some(k)) => Some((c.clone(), k.clone())),
        (None, None) => None,
        _ => return Err(ServeError::Tls("give both tls_cert and tls_key".into())),
    };
    let limits = config.limits.clone();
    let max_connections = fit_to_descriptors(limits.max_connections);
    let per_address = limits.max_connections_per_address;
    let header_timeout = Duration::from_secs(limits.header_timeout_secs.max(1));
    let state = AppState::new(store, blobs, config);
    let metrics = state.metrics.clone();
    crate::blobs::expire_partial_uploads(
        state.blobs.clone(),
        Duration::from_secs(limits.partial_upload_ttl_secs.max(1)),
    );
    let app = crate::http::router(state).into_make_service_with_connect_info::<SocketAddr>();
    let listener = bind(listen).map_err(|source| ServeError::Listen { addr: listen, source })?;
    let addr = listener.local_addr().map_err(|source| ServeError::Listen { addr: listen, source })?;
    // On SIGTERM: stop accepting, give requests in flight 30 s.
    let handle = axum_server::Handle::new();
    let h = handle.clone();
    tokio::spawn(async move {
        shutdown_signal().await;
        h.graceful_shutdown(Some(Duration::from_secs(30)));
    });
    let mut server = axum_server::from_tcp(listener).handle(handle);
    // Headers must arrive in time (and an idle keep-alive connection is closed after as long).
    server.http_builder().http1().timer(hyper_util::rt::TokioTimer::new()).header_read_timeout(header_timeout);
    let served = match tls {
        None => {
            ready(addr, false);
            let acceptor = crate::conn::ConnLimit::new(
                axum_server::accept::DefaultAcceptor,
                max_connections,
                per_address,
                header_timeout,
                metrics,
            );
            server.acceptor(acceptor).serve(app).await
        }
        Some((cert, key)) => {
            let _ = rustls::crypto::ring::default_provider().install_default();
            let rustls = axum_server::tls_rustls::RustlsConfig::from_pem_file(&cert, &key)
                .await
                .map_err(|e| ServeError::Tls(format!("{} / {}: {e}", cert.display(), key.display())))?;
            ready(addr, true);
            let tls = axum_server::tls_rustls::RustlsAcceptor::new(rustls);
            let acceptor = crate::conn::ConnLimit::new(tls, max_connections, per_address, header_timeout, metrics);
            server.acceptor(acceptor).serve(app).await
        }
    };
    served.map_err(|source| ServeError::Listen { addr, source })
}

/// Descriptors kept for everything but client connections: the store, photo files, logs, PostgreSQL.
const SPARE_DESCRIPTORS: u64 = 256;

/// The connection cap the process can afford: the soft `RLIMIT_NOFILE` is raised to the hard one (as
/// most servers do), and if that is still too low for `wanted` connections, the cap is lowered with a
/// warning instead of running out of descriptors under load.
#[cfg(unix)]
fn fit_to_descriptors(wanted: usize) -> usize {
    use rustix::process::{Resource, Rlimit, getrlimit, setrlimit};
    let limit = getrlimit(Resource::Nofile);
    let mut soft = limit.current.unwrap_or(u64::MAX);
    let need = wanted as u64 + SPARE_DESCRIPTORS;
    if soft < need {
        let raised = limit.maximum.map_or(need, |hard| hard.min(need));
        if raised > soft
            && setrlimit(Resource::Nofile, Rlimit { current: Some(raised), maximum: limit.maximum }).is_ok()
        {
            soft = raised;
        }
    }
    if soft >= need {
        return wanted;
    }
    let fitted = soft.saturating_sub(SPARE_DESCRIPTORS).max(16) as usize;
    tracing::warn!(
        wanted,
        fitted,
        descriptors = soft,
        "too few file descriptors for max_connections: raise LimitNOFILE (see docs/deployment.md)"
    );
    fitted
}

#[cfg(not(unix))]
fn fit_to_descriptors(wanted: usize) -> usize {
    wanted
}

/// Connections waiting to be accepted: a burst of devices coming back online (or a flood) waits in the
/// kernel's queue instead of having its handshake dropped and retried a second later.
const LISTEN_BACKLOG: u32 = 1024;

fn bind(listen: SocketAddr) -> std::io::Result<std::net::TcpListener> {
    let socket = if listen.is_ipv4() { tokio::net::TcpSocket::new_v4()? } else { tokio::net::TcpSocket::new_v6()? };
    socket.set_reuseaddr(true)?;
    socket.bind(listen)?;
    socket.listen(LISTEN_BACKLOG)?.into_std()
}
