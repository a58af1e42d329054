//! Shared test helpers (a module, so Cargo does not build it as a test).

pub mod cases;
pub mod envoy;
pub mod fixtures;
pub mod messages;
