//! Tauri's build step: the app's command permissions (capabilities/ grant them) and the context.

const COMMANDS: &[&str] = &[
    "app_info",
    "enrol",
    "reference",
    "today",
    "board",
    "callbacks",
    "unit_file",
    "search",
    "order",
    "apply_edit",
    "create_order",
    "routing_preview",
    "dispatch_suggestion",
    "photo_begin",
    "photo_chunk",
    "photo_finish",
    "signoff_freeze",
    "signoff_sign",
    "sync_now",
    "sync_status",
    "dismiss_notices",
];

fn main() {
    tauri_build::try_build(
        tauri_build::Attributes::new().app_manifest(tauri_build::AppManifest::new().commands(COMMANDS)),
    )
    .unwrap_or_else(|e| panic!("tauri build step: {e:#}"));
}
