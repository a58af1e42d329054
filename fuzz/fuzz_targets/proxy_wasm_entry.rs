//! Any bytes as one HTTP request through the built proxy-wasm module in the
//! harness's proxy-wasm driver (see `logsift_host::fuzzing`): it must never
//! trap, and what it forwards must already be scrubbed. Needs
//! `cargo xtask dist` first (or `LOGSIFT_PROXY_WASM=path.wasm`).
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    logsift_host::fuzzing::proxy_wasm_entry(data);
});
