//! # signoff-server
//!
//! The office side of Signoff: devices enrol with a one-time code, then exchange work-order documents
//! in batches over `POST /v1/sync` and upload photo blobs resumably. The router is generic over
//! [`store::Store`] (SQLite embedded by default); see ARCHITECTURE.md §Sync and docs/sync-protocol.md.
//!
//! Modules: [`store`] (the storage trait, its SQLite backend and conformance suite), [`merge`] (where
//! device bytes meet Automerge, inside a panic boundary), [`sync`] (the exchange), [`blobs`] (resumable
//! uploads and ranged downloads), [`auth`] (codes, tokens), [`http`] (routes), [`openapi`] (the description), [`admin`],
//! [`config`], [`metrics`], [`serve`] (listening, TLS, graceful shutdown).

pub mod admin;
pub mod auth;
pub mod blobs;
pub mod blobstore;
pub mod config;
pub mod conn;
pub mod error;
pub mod http;
pub mod merge;
pub mod metrics;
pub mod openapi;
pub mod ops;
pub mod serve;
pub mod state;
pub mod store;
pub mod sync;

pub use error::ServerError;
