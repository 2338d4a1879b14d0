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
    /// Open connections at most (keep the process's `LimitNOFILE` well above it); one more is closed.
    pub max_connections: usize,
    /// Open connections at most from one network address (one client cannot take every slot; an
    /// office behind one NAT address uses one or two per device).
    pub max_connections_per_address: usize,
    /// Seconds a client has to send a request's headers (also how long an idle connection is kept).
    pub header_timeout_secs: u64,
    /// Seconds a client has to send a sync request's body once its headers arrived.
    pub body_timeout_secs: u64,
    /// Bytes of sync request bodies held in memory at once, all devices together; a request waits for
    /// room before its body is read (a body without a length counts as the largest allowed).
    pub body_budget_bytes: usize,
    /// Sync requests of one device in flight at once; more are answered 429 without reading them.
    pub syncs_per_device: usize,
    /// Seconds an unfinished photo upload is kept before it is removed.
    pub partial_upload_ttl_secs: u64,
    /// Bytes of unfinished photo uploads one device may have on the server.
    pub partial_upload_quota_bytes: u64,
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
            max_connections: 4096,
            max_connections_per_address: 256,
            header_timeout_secs: 10,
            body_timeout_secs: 60,
            body_budget_bytes: 256 << 20,
            syncs_per_device: 4,
            partial_upload_ttl_secs: 24 * 3600,
            partial_upload_quota_bytes: 512 << 20,
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
        let number = |name: &'static str, v: String| -> Result<u64, ConfigError> {
            v.parse().map_err(|e| ConfigError::Env { name, reason: format!("{e}") })
        };
        if let Some(v) = env("SIGNOFF_HEADER_TIMEOUT") {
            config.limits.header_timeout_secs = number("SIGNOFF_HEADER_TIMEOUT", v)?;
        }
        if let Some(v) = env("SIGNOFF_BODY_TIMEOUT") {
            config.limits.body_timeout_secs = number("SIGNOFF_BODY_TIMEOUT", v)?;
        }
        if let Some(v) = env("SIGNOFF_MAX_CONNECTIONS") {
            config.limits.max_connections = number("SIGNOFF_MAX_CONNECTIONS", v)? as usize;
        }
        if let Some(v) = env("SIGNOFF_MAX_CONNECTIONS_PER_ADDRESS") {
            config.limits.max_connections_per_address = number("SIGNOFF_MAX_CONNECTIONS_PER_ADDRESS", v)? as usize;
        }
        if let Some(v) = env("SIGNOFF_PARTIAL_TTL") {
            config.limits.partial_upload_ttl_secs = number("SIGNOFF_PARTIAL_TTL", v)?;
        }
        if let Some(v) = env("SIGNOFF_UPLOAD_QUOTA") {
            config.limits.partial_upload_quota_bytes = number("SIGNOFF_UPLOAD_QUOTA", v)?;
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
