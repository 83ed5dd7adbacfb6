//! The edge between JavaScript and the core: each export's input, read from the loosely
//! typed value JavaScript sends (a `serde_json::Value`, as serde-wasm-bindgen gives it) into
//! typed values, with an error that names the field. Below this module the growth, weekly,
//! snapshot and analytics code never walks a `Value`; `wasm.rs` converts, calls one parser
//! here and one core function, and converts back.
//!
//! The parsers are written by hand over `input`'s helpers rather than derived with serde:
//! the messages (`weeks: must be a whole number from 0 to 5200, got 1.5`), the numbers
//! accepted as text (`" 5 "`) and the order in which fields are checked are the product's,
//! and serde's derive gives other ones.
//!
//! - `input`: the helpers (finite, whole, rate, days, kinds of value).
//! - `growth`, `weekly`, `analytics`, `snapshot`, `demo`, `installations`: one file
//!   per area of exports.

pub mod analytics;
#[cfg(any(feature = "demo", test))]
pub mod demo;
pub mod growth;
pub mod input;
pub mod installations;
pub mod snapshot;
pub mod weekly;
