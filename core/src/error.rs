//! Errors of the core crate.

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

/// Why an edit was refused, in words a user understands (English; [`Rejection::message_zh`] for Chinese).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Rejection {
    /// The event is not allowed in the order's current status.
    #[error("cannot {action} an order that is {}", status.map_or("not reported yet", |s| s.label_en()))]
    NotAllowed {
        /// The event type.
        action: String,
        /// The status it was tried in.
        status: Option<Status>,
    },
    /// A required text was empty.
    #[error("{field} must not be empty")]
    Empty {
        /// Field name.
        field: &'static str,
    },
    /// A value is out of range or malformed.
    #[error("{field}: {reason}")]
    Invalid {
        /// Field name.
        field: &'static str,
        /// What is wrong.
        reason: String,
    },
    /// An item the edit refers to does not exist.
    #[error("no {what} {id} on this order")]
    NotFound {
        /// Kind of item.
        what: &'static str,
        /// Its id.
        id: String,
    },
    /// Removing evidence the owner signed for is not allowed.
    #[error("photo {id} is part of a signed sign-off and cannot be removed")]
    SignedEvidence {
        /// Photo id.
        id: String,
    },
    /// There is no such conflict to resolve.
    #[error("there is no open conflict {id}")]
    NoConflict {
        /// The id named.
        id: String,
    },
}

impl Rejection {
    /// A stable code for programs and the UI.
    pub fn code(&self) -> &'static str {
        match self {
            Rejection::NotAllowed { .. } => "not_allowed",
            Rejection::Empty { .. } => "empty",
            Rejection::Invalid { .. } => "invalid",
            Rejection::NotFound { .. } => "not_found",
            Rejection::SignedEvidence { .. } => "signed_evidence",
            Rejection::NoConflict { .. } => "no_conflict",
        }
    }

    /// The message in Chinese.
    pub fn message_zh(&self) -> String {
        match self {
            Rejection::NotAllowed { action, status } => {
                format!("工单当前状态为“{}”,不能执行“{action}”", status.map_or("未报修", |s| s.label_zh()))
            }
            Rejection::Empty { field } => format!("{field} 不能为空"),
            Rejection::Invalid { field, reason } => format!("{field} 无效:{reason}"),
            Rejection::NotFound { what, id } => format!("本工单没有 {what} {id}"),
            Rejection::SignedEvidence { id } => format!("照片 {id} 已包含在业主签认中,不能删除"),
            Rejection::NoConflict { id } => format!("没有待处理的冲突 {id}"),
        }
    }
}

/// Result with the core error.
pub type Result<T, E = Error> = std::result::Result<T, E>;
