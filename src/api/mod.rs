//! The edge between JavaScript and the core: each export's input, read from the loosely
//! typed value JavaScript sends (a `serde_json::Value`) into a typed struct, with an error
//! that names the field. Below this module no code walks a `Value`; `wasm.rs` converts, calls
//! one parser here and one core function, and converts back.

pub mod analytics;
pub mod demo;
pub mod growth;
pub mod input;
pub mod snapshot;
pub mod weekly;
