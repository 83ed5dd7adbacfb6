//! Installations: FlowFuse's usage pings, validated and normalised (`ping`), read from
//! their sources (`sources`) into the ledger that turns them into the Telemetry Data
//! Dashboard's daily figures (`ledger`, its day tables in `days`), batches as the binding
//! hands them over (`batch`), the checkpoint, and the Installations page (`dashboard`).
//! `model` holds what they all share and depends on none of them.

pub mod batch;
pub mod checkpoint;
pub mod dashboard;
pub mod days;
pub mod ledger;
pub mod model;
pub mod ping;
pub mod sources;
