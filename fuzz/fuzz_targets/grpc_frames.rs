//! Any bytes as an OTLP/gRPC request body (length-prefixed frames, gzip
//! allowed) through the formats crate: an error or re-framed messages, never a panic.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    logsift_formats::fuzzing::decoder(logsift_formats::Format::OtlpGrpc, data);
});
