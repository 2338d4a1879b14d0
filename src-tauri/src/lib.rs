//! # signoff-app
//!
//! The Tauri 2 shell. It owns nothing but wiring: the device store (signoff-device) behind one lock,
//! a background sync thread, and thin commands the web UI (`ui/`) calls. Every command runs off the
//! main thread and returns `Result<T, AppError>`, which reaches the UI as `{ code, message: { zh, en } }`;
//! a panic inside a command becomes an `internal` error instead of crossing IPC.

mod commands;
mod error;
mod photos;
mod state;
mod sync_task;
pub mod types;

pub use error::{AppError, Message};
pub use state::{AppState, SignoffExt};

use std::path::PathBuf;
use tauri::Manager;

/// Where the app keeps its store: `--data DIR` or `SIGNOFF_APP_DATA` when given (tests, demos, several
/// instances on one desktop), else the platform's app data directory (Android `/data/user/0/<id>`,
/// iOS `Library/Application Support/<id>`, Linux `~/.local/share/<id>`).
fn data_dir(app: &tauri::App) -> Result<PathBuf, Box<dyn std::error::Error>> {
    let mut args = std::env::args_os().skip(1);
    while let Some(arg) = args.next() {
        if arg == "--data" {
            if let Some(dir) = args.next() {
                return Ok(PathBuf::from(dir));
            }
        } else if let Some(dir) = arg.to_str().and_then(|a| a.strip_prefix("--data=")) {
            return Ok(PathBuf::from(dir));
        }
    }
    if let Some(dir) = std::env::var_os("SIGNOFF_APP_DATA") {
        return Ok(PathBuf::from(dir));
    }
    Ok(app.path().app_data_dir()?)
}

/// `SIGNOFF_WINDOW_X`: where the desktop window's left edge goes (logical pixels), so `scripts/run` can put a
/// technician's and a dispatcher's window side by side. Ignored when unset or not a number.
#[cfg(desktop)]
fn place_window(app: &tauri::App) {
    let Some(x) = std::env::var("SIGNOFF_WINDOW_X").ok().and_then(|v| v.trim().parse::<f64>().ok()) else {
        return;
    };
    if let Some(w) = app.get_webview_window("main")
        && let Err(e) = w.set_position(tauri::LogicalPosition::new(x, 0.0))
    {
        tracing::warn!(error = %e, "the window could not be placed");
    }
}

#[cfg(mobile)]
fn place_window(_app: &tauri::App) {}

/// Start the app (desktop `main` and the phones' entry point).
#[cfg_attr(mobile, tauri::mobile_entry_point)]
pub fn run() {
    let _ = tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::try_from_env("SIGNOFF_LOG").unwrap_or_else(|_| "info".into()))
        .try_init();
    let result = tauri::Builder::default()
        .setup(|app| {
            let dir = data_dir(app)?;
            let state = AppState::open(&dir)?;
            // Photos are shown straight from their files through the asset protocol, scoped to the
            // store's photo folder (never the whole disk); bytes never travel back over IPC.
            app.asset_protocol_scope().allow_directory(state.blob_dir(), true)?;
            let trigger = sync_task::spawn(app.handle().clone());
            state.set_trigger(trigger);
            app.manage(state);
            app.signoff().request_sync();
            place_window(app);
            Ok(())
        })
        .invoke_handler(tauri::generate_handler![
            commands::app_info,
            commands::enrol,
            commands::reference,
            commands::today,
            commands::board,
            commands::callbacks,
            commands::unit_file,
            commands::search,
            commands::order,
            commands::apply_edit,
            commands::create_order,
            commands::routing_preview,
            commands::dispatch_suggestion,
            photos::photo_begin,
            photos::photo_chunk,
            photos::photo_finish,
            commands::signoff_freeze,
            commands::signoff_sign,
            commands::sync_now,
            commands::sync_status,
            commands::dismiss_notices,
        ])
        .run(tauri::generate_context!());
    if let Err(e) = result {
        tracing::error!(error = %e, "the app could not start");
        std::process::exit(1);
    }
}
