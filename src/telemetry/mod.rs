//! Installations: FlowFuse's usage pings, validated and normalised (`ping`), and the ledger
//! that turns them into the Telemetry Data Dashboard's daily figures (`ledger`).

pub mod dashboard;
pub mod checkpoint;
pub mod days;
pub mod ledger;
pub mod ping;
pub mod row;
