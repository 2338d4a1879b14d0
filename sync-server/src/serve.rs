//! Running the server: open the data folder (SQLite file and blob folder, migrations applied), listen
//! (TLS with rustls when a certificate is configured), and on SIGTERM or Ctrl-C stop accepting and
//! finish the requests in flight before exiting.

use crate::blobs::BlobFiles;
use crate::config::Config;
use crate::state::AppState;
use crate::store::sqlite::SqliteStore;
use std::net::SocketAddr;
use std::path::Path;
use std::time::Duration;

/// Starting or running the server failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ServeError {
    /// The data folder could not be used.
    #[error("data folder {path}: {reason}")]
    Data {
        /// The folder.
        path: std::path::PathBuf,
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
}

/// Open the embedded store under `data`.
pub fn open_store(data: &Path) -> Result<(SqliteStore, BlobFiles), ServeError> {
    let err = |reason: String| ServeError::Data { path: data.to_owned(), reason };
    std::fs::create_dir_all(data).map_err(|e| err(e.to_string()))?;
    let store = SqliteStore::open(&data.join("signoff.db")).map_err(|e| err(e.to_string()))?;
    let blobs = BlobFiles::open(data.join("blobs")).map_err(|e| err(e.to_string()))?;
    Ok((store, blobs))
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

/// Serve until a shutdown signal. `ready` gets the bound address (port 0 picks a free one).
pub async fn serve(data: &Path, config: Config, ready: impl FnOnce(SocketAddr, bool)) -> Result<(), ServeError> {
    let (store, blobs) = open_store(data)?;
    let listen = config.listen;
    let tls = match (&config.tls_cert, &config.tls_key) {
        (Some(c), Some(k)) => Some((c.clone(), k.clone())),
        (None, None) => None,
        _ => return Err(ServeError::Tls("give both tls_cert and tls_key".into())),
    };
    let app = crate::http::router(AppState::new(store, blobs, config));
    let listener = std::net::TcpListener::bind(listen).map_err(|source| ServeError::Listen { addr: listen, source })?;
    listener.set_nonblocking(true).map_err(|source| ServeError::Listen { addr: listen, source })?;
    let addr = listener.local_addr().map_err(|source| ServeError::Listen { addr: listen, source })?;
    match tls {
        None => {
            let listener = tokio::net::TcpListener::from_std(listener)
                .map_err(|source| ServeError::Listen { addr: listen, source })?;
            ready(addr, false);
            axum::serve(listener, app)
                .with_graceful_shutdown(shutdown_signal())
                .await
                .map_err(|source| ServeError::Listen { addr, source })
        }
        Some((cert, key)) => {
            let _ = rustls::crypto::ring::default_provider().install_default();
            let rustls = axum_server::tls_rustls::RustlsConfig::from_pem_file(&cert, &key)
                .await
                .map_err(|e| ServeError::Tls(format!("{} / {}: {e}", cert.display(), key.display())))?;
            let handle = axum_server::Handle::new();
            let h = handle.clone();
            tokio::spawn(async move {
                shutdown_signal().await;
                h.graceful_shutdown(Some(Duration::from_secs(30)));
            });
            ready(addr, true);
            axum_server::from_tcp_rustls(listener, rustls)
                .handle(handle)
                .serve(app.into_make_service())
                .await
                .map_err(|source| ServeError::Listen { addr, source })
        }
    }
}
