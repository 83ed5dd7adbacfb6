//! The product-growth core: growth maths and usage ledgers for the FlowFuse Product Metrics
//! Dashboard. Every module but `wasm` is plain Rust with no knowledge of JavaScript, and none
//! of them reads the clock: time always comes in as an argument.

pub mod analytics;
pub mod api;
pub mod chart;
pub mod dates;
pub mod defaults;
// Demo data: for the start command, the benchmark and the tests, never in the package.
#[cfg(any(feature = "demo", test))]
pub mod demo;
pub mod error;
pub mod formula;
pub mod growth;
pub mod order;
pub mod rating;
pub mod snapshot;
pub mod telemetry;
pub mod weekly;

#[cfg(target_arch = "wasm32")]
mod memory;
#[cfg(target_arch = "wasm32")]
mod wasm;

#[cfg(target_arch = "wasm32")]
#[global_allocator]
static ALLOCATOR: memory::Stepped = memory::Stepped;

pub use error::Error;
