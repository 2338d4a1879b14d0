//! Errors of the core crate.

use crate::msg::{Key, Msg, Text};
use crate::rules::status::Status;

/// Something went wrong reading or changing a work-order document.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// Automerge refused an operation or a document.
    #[error("document error: {0}")]
    Automerge(#[from] automerge::AutomergeError),
    /// The document lacks a field or a field has the wrong type.
    #[error("document is malformed: {0}")]
    Malformed(String),
    /// The document was written by a newer version of the app.
    #[error("document schema version {found} is newer than this app supports ({supported}); update the app")]
    UnsupportedSchema {
        /// Version in the document.
        found: u64,
        /// Newest version this build reads.
        supported: u64,
    },
    /// An edit was refused; nothing was changed.
    #[error(transparent)]
    Rejected(#[from] Rejection),
}

/// Why an edit was refused, as a catalogue message ([`crate::msg`]): its code for programs, its
/// words in both languages for people. Nothing was changed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct Rejection(pub Msg);

impl Rejection {
    /// A refusal with this message.
    pub fn new(msg: Msg) -> Rejection {
        Rejection(msg)
    }

    /// A stable code for programs and the UI.
    pub fn code(&self) -> &'static str {
        self.0.code()
    }

    /// The message.
    pub fn msg(&self) -> &Msg {
        &self.0
    }

    /// The message in Chinese.
    pub fn message_zh(&self) -> String {
        self.0.zh()
    }

    /// A required value is missing.
    pub fn empty(field: crate::validate::Field) -> Rejection {
        Rejection(Msg::new(Key::Empty).arg("field", field.label()))
    }

    /// The event is not allowed in the order's status.
    pub fn not_allowed(kind: &crate::model::EventKind, status: Option<Status>) -> Rejection {
        let action = Text::new(kind.label_zh(), kind.label_en());
        Rejection(match status {
            Some(s) => {
                Msg::new(Key::NotAllowed).arg("action", action).arg("status", Text::new(s.label_zh(), s.label_en()))
            }
            None => Msg::new(Key::NotReported).arg("action", action),
        })
    }
}

impl From<Msg> for Rejection {
    fn from(m: Msg) -> Rejection {
        Rejection(m)
    }
}

/// Result with the core error.
pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    /// What to tell a person.
    pub fn msg(&self) -> Msg {
        match self {
            Error::Rejected(r) => r.0.clone(),
            Error::UnsupportedSchema { .. } => Msg::new(Key::DocumentNewer),
            Error::Automerge(_) | Error::Malformed(_) => Msg::new(Key::DocumentUnreadable).arg("number", "?"),
        }
    }
}
