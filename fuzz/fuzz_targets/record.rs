//! Any bytes as a record, through the default and strict presets and the
//! example pipeline: no panic, and no planted detector value survives.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    logsift_core::fuzzing::record(data);
});
