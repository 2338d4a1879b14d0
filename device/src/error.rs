//! Errors of the device engine. Each variant keeps its cause; [`Error::msg`] gives what to tell a
//! person (from the message catalogue, zh-CN and en) and [`Error::kind`] the class a shell maps to an
//! exit status or a UI reaction.

use signoff_core::msg::{Key, Msg, Text};
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
    /// The document does not load whole and was set aside; other orders are unaffected.
    #[error("work order {number} ({id}) does not load whole and was quarantined: {reason}")]
    Quarantined {
        /// Order id.
        id: String,
        /// Its number (official, else provisional).
        number: String,
        /// Why.
        reason: String,
    },
    /// The edit was refused by the rules or the validation table; nothing was changed.
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
    /// Input (an import file, an argument) is invalid; nothing was changed.
    #[error("{0}")]
    Invalid(Msg),
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
        /// The server's message (English, for logs).
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

impl From<Msg> for Error {
    fn from(m: Msg) -> Self {
        Error::Invalid(m)
    }
}

/// The class of a failure: what a shell does about it (the CLI's exit status, the app's reaction).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorKind {
    /// Bad input: nothing was changed; fix the input (exit 2).
    BadInput,
    /// What was named does not exist (exit 3).
    NotFound,
    /// The server refused (exit 4).
    Refused,
    /// A storage, network or other failure (exit 1).
    Failed,
}

/// An OS error in the user's words.
pub fn io_words(e: &std::io::Error) -> Text {
    use std::io::ErrorKind as K;
    match e.kind() {
        K::NotFound => Text::new("文件不存在", "the file does not exist"),
        K::PermissionDenied => Text::new("没有权限", "permission denied"),
        K::AlreadyExists => Text::new("文件已存在", "the file already exists"),
        K::StorageFull => Text::new("存储空间已满", "the disk is full"),
        K::IsADirectory => Text::new("这是一个文件夹", "it is a folder"),
        K::InvalidData | K::UnexpectedEof => Text::new("内容已损坏", "the content is damaged"),
        _ => Text::new("读写出错", "an input/output error"),
    }
}

impl Error {
    /// What to tell a person, in both languages (the catalogue's words; causes stay in the chain).
    pub fn msg(&self) -> Msg {
        let path = |p: &PathBuf| p.display().to_string();
        match self {
            Error::DiskFull(_) => Msg::new(Key::DiskFull),
            Error::Corrupt { path: p, .. } => Msg::new(Key::CorruptStore).arg("path", path(p)),
            Error::NoStore(p) => Msg::new(Key::NoStore).arg("path", path(p)),
            Error::AlreadyExists(p) => Msg::new(Key::StoreExists).arg("path", path(p)),
            Error::NewerStore { path: p, found, supported } => {
                Msg::new(Key::NewerStore).arg("path", path(p)).arg("found", *found).arg("supported", *supported)
            }
            Error::Sqlite(_) => Msg::new(Key::Storage),
            Error::Io { path: p, source } => Msg::new(Key::FileError).arg("path", path(p)).arg("why", io_words(source)),
            Error::OrderNotFound(q) => Msg::new(Key::OrderNotFound).arg("query", q),
            Error::Ambiguous(q) => Msg::new(Key::Ambiguous).arg("query", q),
            Error::Quarantined { number, .. } => Msg::new(Key::Quarantined).arg("number", number),
            Error::Rejected(r) => r.msg().clone(),
            Error::Document(e) => e.msg(),
            Error::Photo(p) => p.msg(),
            Error::Key(k) => Msg::new(Key::DeviceKey).arg("path", k.path().display().to_string()),
            Error::Strokes(signoff_core::signoff::strokes::StrokesError::Empty) => Msg::new(Key::SignatureEmpty),
            Error::Strokes(_) => Msg::new(Key::StrokesUnreadable),
            Error::Blob(b) => Msg::new(Key::BlobDamaged).arg("name", b.name()),
            Error::Invalid(m) => m.clone(),
            Error::Network(_) => Msg::new(Key::Offline),
            Error::Server { status, code, .. } => server_msg(*status, code),
            Error::NotEnrolled => Msg::new(Key::NotEnrolled),
            Error::Wire(_) => Msg::new(Key::BadAnswer),
        }
    }

    /// The class of the failure.
    pub fn kind(&self) -> ErrorKind {
        match self {
            Error::Rejected(_) | Error::Invalid(_) | Error::Photo(_) | Error::Strokes(_) | Error::AlreadyExists(_) => {
                ErrorKind::BadInput
            }
            Error::OrderNotFound(_) | Error::Ambiguous(_) | Error::NoStore(_) => ErrorKind::NotFound,
            Error::Server { status, .. } if *status < 500 && *status != 429 => ErrorKind::Refused,
            _ => ErrorKind::Failed,
        }
    }

    /// A stable code for programs and the UI.
    pub fn code(&self) -> &'static str {
        match self {
            Error::Rejected(r) => r.code(),
            Error::Invalid(m) => m.code(),
            Error::Photo(p) => p.msg().code(),
            other => other.msg().code(),
        }
    }
}

/// A server error code (its JSON `code`, or a refusal code) in the user's words.
pub fn server_msg(status: u16, code: &str) -> Msg {
    match code {
        "unauthorized" | "revoked" => Msg::new(Key::ServerUnauthorized),
        "bad_code" | "enrol_code" => Msg::new(Key::BadEnrolCode),
        "rate_limited" | "busy" => Msg::new(Key::ServerBusy),
        "too_large" => Msg::new(Key::ServerTooLarge).arg("what", Text::new("请求", "the request")),
        _ if status >= 500 => Msg::new(Key::ServerFailed).arg("status", status),
        _ if status == 429 => Msg::new(Key::ServerBusy),
        other => Msg::new(Key::ServerRefused).arg("code", other),
    }
}

/// Result with the device error.
pub type Result<T, E = Error> = std::result::Result<T, E>;
