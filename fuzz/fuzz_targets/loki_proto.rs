//! Any bytes as a Loki push protobuf body (raw snappy block) through the
//! formats crate: an error or a rewritten push, never a panic.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    logsift_formats::fuzzing::decoder(logsift_formats::Format::LokiProtobuf, data);
});
