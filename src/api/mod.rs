//! What JavaScript passes, read into the core's typed arguments at one edge, each error
//! naming the field that was wrong.

pub mod installations;
pub mod query;
