//! Any bytes as an OTLP logs protobuf body (`ExportLogsServiceRequest`)
//! through the formats crate: an error or a rewritten request, never a panic.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    logsift_formats::fuzzing::decoder(logsift_formats::Format::OtlpProtobuf, data);
});
