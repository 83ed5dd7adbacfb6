//! Where pings come from, each read by its own reader into the ledger's one way in
//! (`Ledger::offer`): JSON (one ping, or an array), JavaScript objects packed
//! without a text round trip, the NDJSON raw log, and rows of the
//! collector's `pings` table as PostgreSQL's COPY writes them.

pub mod json;
pub mod ndjson;
pub mod objects;
pub mod rows;
