//! What a command's failure looks like to the UI: `{ code, message: { zh, en } }`. The code is for
//! program logic (e.g. `not_enrolled` opens the enrolment screen); the messages are for people.

use serde::Serialize;
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
    /// An error with both messages.
    pub fn new(code: &str, zh: impl Into<String>, en: impl Into<String>) -> AppError {
        AppError { code: code.to_owned(), message: Message { zh: zh.into(), en: en.into() } }
    }

    /// The device has no server account yet.
    pub fn not_enrolled() -> AppError {
        AppError::new("not_enrolled", "本机尚未登记到服务器", "This device is not enrolled with a server yet")
    }

    /// Bad input from the UI.
    pub fn invalid(zh: impl Into<String>, en: impl Into<String>) -> AppError {
        AppError::new("invalid", zh, en)
    }
}

impl From<DeviceError> for AppError {
    fn from(e: DeviceError) -> AppError {
        let detail = e.to_string();
        match &e {
            DeviceError::Network(_) => AppError::new(
                "offline",
                "连不上服务器。数据已保存在本机，联网后自动同步",
                "Cannot reach the server. Everything is kept on this device and syncs when back online",
            ),
            DeviceError::NotEnrolled => AppError::not_enrolled(),
            DeviceError::Server { status, code, message } => AppError::new(
                &format!("server_{code}"),
                format!("服务器拒绝了请求（{status}）：{message}"),
                format!("The server refused ({status}): {message}"),
            ),
            DeviceError::DiskFull(_) => AppError::new(
                "disk_full",
                "存储空间已满，本次操作没有保存。请清理空间后重试",
                "The storage is full: nothing was saved. Free some space and try again",
            ),
            DeviceError::OrderNotFound(id) => {
                AppError::new("not_found", format!("找不到工单 {id}"), format!("No work order {id}"))
            }
            DeviceError::Rejected(r) => AppError::new(r.code(), r.message_zh(), r.to_string()),
            DeviceError::Photo(_) => AppError::new(
                "photo",
                format!("这张照片无法使用：{detail}"),
                format!("This photo cannot be used: {detail}"),
            ),
            _ => AppError::new("device", format!("操作未完成：{detail}"), format!("Not done: {detail}")),
        }
    }
}

/// Command results.
pub type Result<T, E = AppError> = std::result::Result<T, E>;
