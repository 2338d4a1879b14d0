//! # signoff-core
//!
//! The domain of Signoff — repair work orders for residential after-sales service — with no I/O:
//!
//! - [`model`]: what a work order holds and the office's reference data;
//! - [`doc`]: the one module that maps the model to and from Automerge documents (schema versioned);
//! - [`edit`]: typed edits, each appending an event, validated before anything is written;
//! - [`rules`]: the status fold, deadlines, warranty routing and dispatch, all pure;
//! - [`view`]: an order with everything derived from it, as lists and screens show it;
//! - [`validate`]: the validation table every input passes, on devices and the server;
//! - [`msg`]: the message catalogue (zh-CN and en) every user-visible sentence comes from;
//! - [`wire`]: the sync protocol's messages (CBOR), shared by the device and the server.
//!
//! Shells (the device store and CLI, the app, the server) convert at their edges.

pub mod calendar;
pub mod doc;
pub mod edit;
mod error;
pub mod hlc;
pub mod ids;
pub mod model;
pub mod money;
pub mod msg;
pub mod rules;
pub mod signoff;
pub mod validate;
pub mod view;
pub mod wire;

pub use error::{Error, Rejection, Result};
