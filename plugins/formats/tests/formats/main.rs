//! The wire formats on bytes: round trips (nothing changed gives the same
//! bytes; a changed line is rewritten and everything else, unknown fields
//! included, survives), the field numbers against the published .proto
//! files, bad input as errors, and the real engine on each format.

mod bad_input;
mod common;
mod engine;
mod fuzz_regressions;
mod grpc;
mod json;
mod loki_proto;
mod otlp_proto;
mod schema;
