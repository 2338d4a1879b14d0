//! Desktop entry point. Phones enter through `signoff_app_lib::run`, marked as the mobile entry point.
#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

fn main() {
    signoff_app_lib::run();
}
