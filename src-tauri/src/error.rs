//! What a command's failure looks like to the UI: `{ code, message: { zh, en } }`. The code is for
//! program logic (e.g. `not_enrolled` opens the enrolment screen); the messages are for people.

use serde::Serialize;
use signoff_core::msg::{Key, Msg};
use signoff_device::Error as DeviceError;

/// A message in both UI languages.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
pub struct Message {
    /// 中文.
    pub zh: String,
    /// English.
    pub en: String,
}

/// A command's error as it crosses IPC.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, thiserror::Error, ts_rs::TS)]
#[error("{code}: {}", message.en)]
pub struct AppError {
    /// Stable machine-readable code.
    pub code: String,
    /// For people.
    pub message: Message,
}

impl AppError {
    /// An error from a catalogue message.
    pub fn from_msg(msg: &Msg) -> AppError {
        AppError { code: msg.code().to_owned(), message: Message { zh: msg.zh(), en: msg.en() } }
    }

    /// The device has no server account yet.
    pub fn not_enrolled() -> AppError {
        AppError::from_msg(&Msg::new(Key::NotEnrolled))
    }

    /// Bad input from the UI.
    pub fn invalid(msg: Msg) -> AppError {
        AppError::from_msg(&msg)
    }

    /// A failure of the shell itself (a panic caught at the IPC edge).
    pub fn internal() -> AppError {
        AppError::from_msg(&Msg::new(Key::Internal))
    }
}

impl From<Msg> for AppError {
    fn from(m: Msg) -> AppError {
        AppError::from_msg(&m)
    }
}

impl From<DeviceError> for AppError {
    fn from(e: DeviceError) -> AppError {
        if matches!(e.kind(), signoff_device::error::ErrorKind::Failed) {
            tracing::warn!(error = %e, "a command failed");
        }
        // `offline` and `not_enrolled` drive the UI (the sync badge, the enrolment screen).
        AppError::from_msg(&e.msg())
    }
}

/// Command results.
pub type Result<T, E = AppError> = std::result::Result<T, E>;
