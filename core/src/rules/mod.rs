//! Pure rules. Every function here is deterministic in its inputs; the clock is a parameter.
//!
//! - [`status`]: the status fold over the event log, with the transition table and conflicts.
//! - [`sla`]: deadlines from the organisation's service targets and working-day calendar.
//! - [`warranty`]: who repairs and who pays (维修分判), with explanations.
//! - [`permission`]: who may record what on an order.
//! - [`actions`]: what one person may do on one order now (both tables asked together), for screens.
//! - [`complaint`]: the 投诉处理单 of a complaint, read from its events.
//! - [`dispatch`]: round-robin dispatch suggestions with reasons for everyone skipped.

pub mod actions;
pub mod complaint;
pub mod dispatch;
pub mod permission;
pub mod sla;
pub mod status;
pub mod warranty;
