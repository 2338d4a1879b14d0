//! The domain model: what a work order (报修单 / 维修单) holds, its event log, and the office's
//! reference data. These are plain data types; the Automerge mapping lives in [`crate::doc`] and the
//! rules that interpret them in [`crate::rules`].

mod event;
mod order;
mod reference;
mod settings;

pub use event::*;
pub use order::*;
pub use reference::*;
pub use settings::*;
