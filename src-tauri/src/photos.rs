//! Photos from the WebView's file input (camera or gallery) into the photo pipeline.
//!
//! Bytes cross IPC once, in chunks of a few MB appended to a file in the data folder: raw binary
//! bodies on desktop and iOS, base64 text on Android (where `invoke` goes through `postMessage` and
//! a byte array would become a JSON array of numbers). From then on Rust owns the file: the pipeline
//! (decode, orient, stamp, thumbnail, content-addressed blobs) reads it and the UI shows the results
//! through the asset protocol. Images never travel back over IPC.

use crate::commands::{blocking, detail};
use crate::error::{AppError, Result};
use crate::types::OrderDetail;
use signoff_core::model::PhotoStage;
use signoff_core::msg::{Key, Msg};
use std::io::Write;
use std::path::PathBuf;
use tauri::ipc::{InvokeBody, Request};
use tauri::{AppHandle, Runtime};

/// The largest photo accepted (a 200 MP camera JPEG is ~60 MB).
const MAX_PHOTO_BYTES: u64 = 80 * 1024 * 1024;

fn incoming(dir: &std::path::Path, upload: &str) -> Result<PathBuf> {
    if upload.len() != 32 || !upload.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(AppError::invalid(Msg::new(Key::UploadIdInvalid)));
    }
    Ok(dir.join("incoming").join(format!("{upload}.part")))
}

fn io_error(e: std::io::Error) -> AppError {
    if e.raw_os_error() == Some(28) {
        return AppError::invalid(Msg::new(Key::DiskFull));
    }
    tracing::warn!(error = %e, "a photo could not be written");
    AppError::invalid(Msg::new(Key::FileError).arg("path", "incoming").arg("why", signoff_device::error::io_words(&e)))
}

/// Start receiving one photo; returns its upload id.
#[tauri::command]
pub async fn photo_begin<R: Runtime>(app: AppHandle<R>) -> Result<String> {
    blocking(app, |s| {
        let upload = data_encoding::HEXLOWER.encode(&rand::random::<[u8; 16]>());
        let path = incoming(s.dir(), &upload)?;
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).map_err(io_error)?;
        }
        std::fs::File::create(&path).map_err(io_error)?;
        Ok(upload)
    })
    .await
}

/// Append a chunk: the body is the bytes (or `{ data: base64 }`), the `x-upload` header the upload id.
/// Returns the bytes received so far.
#[tauri::command]
pub async fn photo_chunk<R: Runtime>(app: AppHandle<R>, request: Request<'_>) -> Result<u64> {
    let upload = request
        .headers()
        .get("x-upload")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned)
        .ok_or_else(|| AppError::invalid(Msg::new(Key::UploadIdInvalid)))?;
    let bytes = match request.body() {
        InvokeBody::Raw(b) => b.clone(),
        InvokeBody::Json(json) => json
            .get("data")
            .and_then(|v| v.as_str())
            .and_then(|b64| data_encoding::BASE64.decode(b64.as_bytes()).ok())
            .ok_or_else(|| AppError::invalid(Msg::new(Key::PhotoDataInvalid)))?,
    };
    blocking(app, move |s| {
        let path = incoming(s.dir(), &upload)?;
        let mut file = std::fs::OpenOptions::new()
            .append(true)
            .open(&path)
            .map_err(|_| AppError::invalid(Msg::new(Key::UploadExpired)))?;
        let have = file.metadata().map_err(io_error)?.len();
        if have + bytes.len() as u64 > MAX_PHOTO_BYTES {
            let _ = std::fs::remove_file(&path);
            return Err(AppError::invalid(
                Msg::new(Key::PhotoTooBig).arg("mb", (have + bytes.len() as u64).div_ceil(1_000_000)).arg("limit", 80),
            ));
        }
        file.write_all(&bytes).map_err(io_error)?;
        Ok(have + bytes.len() as u64)
    })
    .await
}

/// Run the received file through the photo pipeline and attach it to the order.
#[tauri::command]
pub async fn photo_finish<R: Runtime>(
    app: AppHandle<R>,
    upload: String,
    order: String,
    stage: PhotoStage,
    caption: String,
) -> Result<OrderDetail> {
    blocking(app, move |s| {
        let path = incoming(s.dir(), &upload)?;
        let result = s.act(|store, ctx| {
            let id = store.find(order.trim())?;
            store.attach_photo(&id, &path, stage, &caption, ctx)?;
            detail(store, &id)
        });
        // The pipeline keeps its own copies (content-addressed); the received file is done with
        // either way: a refused photo is refused for what it is, not for how it arrived.
        let _ = std::fs::remove_file(&path);
        result
    })
    .await
}
