//! How the CLI fails: every message from the catalogue (zh-CN or en, never mixed), and an exit status
//! per kind of failure, so scripts can tell bad input from a missing order, a refusal by the server
//! and a sign-off that does not verify.
//!
//! | status | meaning |
//! |---|---|
//! | 0 | done |
//! | 1 | a failure of storage, network or the machine (nothing was lost) |
//! | 2 | bad input: nothing was changed |
//! | 3 | not found: no such order (or store) |
//! | 4 | refused by the server |
//! | 5 | verification failed: a sign-off is invalid, forged or from an unknown device |
//! | 6 | the sign-offs are genuine, but the order changed after signing |

use crate::args::Lang;
use signoff_core::msg::{Key, Msg, Text};
use signoff_device::error::ErrorKind;

/// The exit statuses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exit {
    /// 1.
    Failed = 1,
    /// 2.
    BadInput = 2,
    /// 3.
    NotFound = 3,
    /// 4.
    Refused = 4,
    /// 5.
    VerificationFailed = 5,
    /// 6.
    ChangedAfterSignoff = 6,
}

/// A failure the CLI itself reports (its own questions, and verification outcomes).
#[derive(Debug, thiserror::Error)]
#[error("{msg}")]
pub struct CliError {
    /// What to say.
    pub msg: Msg,
    /// How to exit.
    pub exit: Exit,
}

impl CliError {
    /// Bad input: nothing was changed.
    pub fn bad(msg: Msg) -> anyhow::Error {
        CliError { msg, exit: Exit::BadInput }.into()
    }

    /// A failure with its own exit status.
    pub fn with(msg: Msg, exit: Exit) -> anyhow::Error {
        CliError { msg, exit }.into()
    }
}

fn exit_of(kind: ErrorKind) -> Exit {
    match kind {
        ErrorKind::BadInput => Exit::BadInput,
        ErrorKind::NotFound => Exit::NotFound,
        ErrorKind::Refused => Exit::Refused,
        ErrorKind::Failed => Exit::Failed,
    }
}

/// The message and exit status of an error.
pub fn describe(e: &anyhow::Error) -> (Msg, Exit) {
    if let Some(c) = e.downcast_ref::<CliError>() {
        return (c.msg.clone(), c.exit);
    }
    if let Some(d) = e.downcast_ref::<signoff_device::Error>() {
        return (d.msg(), exit_of(d.kind()));
    }
    if let Some(r) = e.downcast_ref::<signoff_core::Rejection>() {
        return (r.msg().clone(), Exit::BadInput);
    }
    if let Some(p) = e.downcast_ref::<signoff_core::money::ParseDecimalError>() {
        let field = if p.what == "amount" { Text::new("金额", "amount") } else { Text::new("数量", "quantity") };
        return (
            Msg::new(Key::NotANumber)
                .arg("field", field)
                .arg("value", p.input.as_str())
                .arg("decimals", p.max_decimals),
            Exit::BadInput,
        );
    }
    if let Some(s) = e.downcast_ref::<signoff_core::signoff::strokes::StrokesError>() {
        let key = if matches!(s, signoff_core::signoff::strokes::StrokesError::Empty) {
            Key::SignatureEmpty
        } else {
            Key::StrokesUnreadable
        };
        return (Msg::new(key), Exit::BadInput);
    }
    if let Some(p) = e.downcast_ref::<signoff_device::photo::PhotoError>() {
        return (p.msg(), Exit::BadInput);
    }
    if let Some(io) = e.downcast_ref::<std::io::Error>() {
        let what = e.chain().nth(1).map(ToString::to_string).unwrap_or_default();
        return (
            Msg::new(Key::FileError).arg("path", what).arg("why", signoff_device::error::io_words(io)),
            Exit::Failed,
        );
    }
    tracing::debug!(error = ?e, "unexpected error");
    (Msg::new(Key::Storage), Exit::Failed)
}

/// `错误：…` / `error: …` and the exit status.
pub fn message(e: &anyhow::Error, lang: Lang) -> (u8, String) {
    let (msg, exit) = describe(e);
    // Changed after sign-off is not a failure of the command: a warning that the signatures no longer
    // cover what the order says.
    let prefix = match (lang, exit) {
        (Lang::Zh, Exit::ChangedAfterSignoff) => "注意：",
        (Lang::En, Exit::ChangedAfterSignoff) => "note: ",
        (Lang::Zh, _) => "错误：",
        (Lang::En, _) => "error: ",
    };
    (exit as u8, format!("{prefix}{}", msg.render(lang.into())))
}
