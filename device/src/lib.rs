//! # signoff-device
//!
//! What a phone (or the office desktop) runs offline: the durable [`store`] of work-order documents
//! with its materialised index, the device [`identity`], and the `signoff` CLI that drives the same
//! API for scripts, demos and tests. No UI or server code lives here.

pub mod blobs;
pub mod error;
pub mod identity;
pub mod keys;
pub mod photo;
pub mod store;
pub mod sync;

pub use error::{Error, Result};
pub use store::{Ctx, InitOptions, Source, Store};
