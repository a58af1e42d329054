//! Any bytes as an Envoy ingest body in every format (NDJSON, `_bulk`,
//! Loki push JSON, OTLP JSON), plus gzip decoding with a size cap.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    logsift_proxy_wasm::fuzzing::ingest_body(data);
});
