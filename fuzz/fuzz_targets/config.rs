//! Any bytes as a config document: parse errors are fine, panics are not.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    logsift_core::fuzzing::config(data);
});
