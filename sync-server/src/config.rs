//! Server configuration: defaults that run a real server with no setup, overridden by a TOML file
//! (`--config`) and then by environment variables (`SIGNOFF_LISTEN`, `SIGNOFF_TLS_CERT`, …).

use serde::Deserialize;
use std::net::SocketAddr;
use std::path::PathBuf;

/// Limits on what one device may send.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Limits {
    /// Largest sync request body.
    pub max_sync_body: usize,
    /// Most documents pushed in one request.
    pub max_docs_per_request: usize,
    /// Largest change bytes for one document in one request.
    pub max_change_bytes: usize,
    /// Largest stored document (snapshot plus appended changes).
    pub max_doc_bytes: usize,
    /// Largest blob.
    pub max_blob_bytes: u64,
    /// Default response page size (bytes of document data).
    pub page_bytes: usize,
    /// Sustained requests per second per device.
    pub requests_per_second: u32,
    /// Burst of requests per device.
    pub burst: u32,
    /// Seconds a request may take before it is cut off.
    pub request_timeout_secs: u64,
    /// Sync requests processed at once; more wait, unread, in line. Bounds memory (each holds its
    /// body, documents and response) without costing throughput (the work is CPU- and disk-bound).
    pub max_concurrent_syncs: usize,
    /// Enrolment attempts per minute from one network address (a code is 10 base32 characters; this
    /// makes guessing one hopeless rather than merely slow).
    pub enrol_per_minute_per_address: u32,
    /// Enrolment attempts per minute for the whole server, whatever the address (distributed guessing).
    pub enrol_per_minute: u32,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_sync_body: 32 << 20,
            max_docs_per_request: 500,
            max_change_bytes: 4 << 20,
            max_doc_bytes: 8 << 20,
            max_blob_bytes: 64 << 20,
            page_bytes: 2 << 20,
            requests_per_second: 20,
            burst: 60,
            request_timeout_secs: 120,
            max_concurrent_syncs: 32,
            enrol_per_minute_per_address: 10,
            enrol_per_minute: 120,
        }
    }
}

/// Everything `serve` needs.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Config {
    /// Address to listen on (port 0: any free port, printed at start).
    pub listen: SocketAddr,
    /// PEM certificate chain; TLS when given (with `tls_key`).
    pub tls_cert: Option<PathBuf>,
    /// PEM private key.
    pub tls_key: Option<PathBuf>,
    /// Official number prefix (报修单 BX-2026-000123).
    pub number_prefix: String,
    /// Limits.
    pub limits: Limits,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            listen: SocketAddr::from(([127, 0, 0, 1], 8080)),
            tls_cert: None,
            tls_key: None,
            number_prefix: "BX".into(),
            limits: Limits::default(),
        }
    }
}

/// A configuration that cannot be used.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ConfigError {
    /// The file could not be read.
    #[error("cannot read {path}: {source}")]
    Read {
        /// The file.
        path: PathBuf,
        /// The cause.
        #[source]
        source: std::io::Error,
    },
    /// The file is not valid.
    #[error("{path}: {source}")]
    Parse {
        /// The file.
        path: PathBuf,
        /// The cause.
        #[source]
        source: toml::de::Error,
    },
    /// An environment variable is not valid.
    #[error("{name}: {reason}")]
    Env {
        /// The variable.
        name: &'static str,
        /// Why.
        reason: String,
    },
}

impl Config {
    /// Defaults, then the file (if any), then the environment.
    pub fn load(file: Option<&std::path::Path>, env: impl Fn(&str) -> Option<String>) -> Result<Config, ConfigError> {
        let mut config = match file {
            Some(path) => {
                let text = std::fs::read_to_string(path)
                    .map_err(|source| ConfigError::Read { path: path.to_owned(), source })?;
                toml::from_str(&text).map_err(|source| ConfigError::Parse { path: path.to_owned(), source })?
            }
            None => Config::default(),
        };
        if let Some(v) = env("SIGNOFF_LISTEN") {
            config.listen =
                v.parse().map_err(|e| ConfigError::Env { name: "SIGNOFF_LISTEN", reason: format!("{e}") })?;
        }
        if let Some(v) = env("SIGNOFF_TLS_CERT") {
            config.tls_cert = Some(v.into());
        }
        if let Some(v) = env("SIGNOFF_TLS_KEY") {
            config.tls_key = Some(v.into());
        }
        if let Some(v) = env("SIGNOFF_RATE") {
            config.limits.requests_per_second =
                v.parse().map_err(|e| ConfigError::Env { name: "SIGNOFF_RATE", reason: format!("{e}") })?;
        }
        if let Some(v) = env("SIGNOFF_ENROL_RATE") {
            // Enrolments per minute, per address and for the server (load tests enrol hundreds).
            let n: u32 =
                v.parse().map_err(|e| ConfigError::Env { name: "SIGNOFF_ENROL_RATE", reason: format!("{e}") })?;
            config.limits.enrol_per_minute_per_address = n;
            config.limits.enrol_per_minute = n;
        }
        Ok(config)
    }
}
