//! Errors of the device engine. Each variant keeps its cause; the CLI and the app map them to a
//! message and an exit status or an `{code, message}` pair.

use std::path::PathBuf;

/// What went wrong in the device store.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The disk is full: nothing was changed; free space and retry.
    #[error("the disk is full: nothing was saved; free some space and try again")]
    DiskFull(#[source] rusqlite::Error),
    /// The store file is not a Signoff store or is damaged.
    #[error("{path} is not a readable Signoff store ({reason})")]
    Corrupt {
        /// The file.
        path: PathBuf,
        /// What SQLite or the check said.
        reason: String,
    },
    /// No store at the path: run `signoff init` first.
    #[error("no Signoff store at {0}: run `signoff init` first")]
    NoStore(PathBuf),
    /// A store already exists.
    #[error("a Signoff store already exists at {0}")]
    AlreadyExists(PathBuf),
    /// The store was written by a newer version of the app.
    #[error("the store at {path} uses schema {found}, newer than this app supports ({supported}); update the app")]
    NewerStore {
        /// The file.
        path: PathBuf,
        /// Its schema version.
        found: i64,
        /// The newest this build knows.
        supported: i64,
    },
    /// Any other SQLite failure.
    #[error("storage error: {0}")]
    Sqlite(#[source] rusqlite::Error),
    /// Reading or writing a file failed.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The cause.
        #[source]
        source: std::io::Error,
    },
    /// No order matches.
    #[error("no work order matches {0:?}")]
    OrderNotFound(String),
    /// Several orders match a short reference.
    #[error("{0:?} matches several work orders; give more of the number or id")]
    Ambiguous(String),
    /// The document could not be loaded and was set aside; other orders are unaffected.
    #[error("work order {id} cannot be read and was quarantined: {reason}")]
    Quarantined {
        /// Order id.
        id: String,
        /// Why.
        reason: String,
    },
    /// The edit was refused by the rules; nothing was changed.
    #[error(transparent)]
    Rejected(#[from] signoff_core::Rejection),
    /// A document operation failed.
    #[error(transparent)]
    Document(signoff_core::Error),
    /// A photo was refused; nothing was stored for it.
    #[error(transparent)]
    Photo(#[from] crate::photo::PhotoError),
    /// The device key could not be loaded or made.
    #[error(transparent)]
    Key(#[from] crate::keys::KeyError),
    /// A signature could not be read.
    #[error(transparent)]
    Strokes(#[from] signoff_core::signoff::strokes::StrokesError),
    /// The blob store failed.
    #[error(transparent)]
    Blob(#[from] crate::blobs::BlobError),
    /// Input (import file, argument) is invalid; nothing was changed.
    #[error("{0}")]
    Invalid(String),
    /// The server could not be reached, or the connection broke; nothing local was lost.
    #[error("cannot reach the server: {0}")]
    Network(#[source] reqwest::Error),
    /// The server refused the request.
    #[error("the server refused the request ({status} {code}): {message}")]
    Server {
        /// HTTP status.
        status: u16,
        /// The server's error code (`unauthorized`, `too_large`, …).
        code: String,
        /// The server's message.
        message: String,
    },
    /// This device has no server account yet.
    #[error("this device is not enrolled with a server: run `signoff enroll URL CODE`")]
    NotEnrolled,
    /// A sync message could not be read.
    #[error(transparent)]
    Wire(#[from] signoff_core::wire::WireError),
}

impl From<signoff_core::Error> for Error {
    fn from(e: signoff_core::Error) -> Self {
        match e {
            signoff_core::Error::Rejected(r) => Error::Rejected(r),
            other => Error::Document(other),
        }
    }
}

impl From<rusqlite::Error> for Error {
    fn from(e: rusqlite::Error) -> Self {
        match e.sqlite_error_code() {
            Some(rusqlite::ErrorCode::DiskFull) => Error::DiskFull(e),
            _ => Error::Sqlite(e),
        }
    }
}

impl Error {
    /// A stable code for programs and the UI.
    pub fn code(&self) -> &'static str {
        match self {
            Error::DiskFull(_) => "disk_full",
            Error::Corrupt { .. } => "corrupt_store",
            Error::NoStore(_) => "no_store",
            Error::AlreadyExists(_) => "already_exists",
            Error::NewerStore { .. } => "newer_store",
            Error::Sqlite(_) => "storage",
            Error::Io { .. } => "io",
            Error::OrderNotFound(_) => "not_found",
            Error::Ambiguous(_) => "ambiguous",
            Error::Quarantined { .. } => "quarantined",
            Error::Rejected(r) => r.code(),
            Error::Document(_) => "document",
            Error::Photo(_) => "photo",
            Error::Blob(_) => "blob",
            Error::Key(_) => "device_key",
            Error::Strokes(_) => "signature",
            Error::Invalid(_) => "invalid",
            Error::Network(_) => "network",
            Error::Server { .. } => "server",
            Error::NotEnrolled => "not_enrolled",
            Error::Wire(_) => "wire",
        }
    }
}

/// Result with the device error.
pub type Result<T, E = Error> = std::result::Result<T, E>;
