//! The hosts bench's `structlog_engine_parts` group compares Wasm and native
//! calls on the premise that both do the same work. This keeps that true:
//! the engine-parts module, scalar, must keep as many bytes under the strict
//! preset, find as many raw regex matches and read as many JSON tokens as
//! the native engine, on both bundled NDJSON samples; and its Fluent Bit
//! echo must hand records back unchanged through the Fluent Bit driver.
//! (Release profile, for a quicker build: the bench's `wasm` profile adds
//! LTO, one codegen unit and abort on panic.)

use logsift_benches::wasm_parts::Parts;
use logsift_benches::{bytes_kept, json_tokens, raw_matches, sample_lines, strict_scrubber, walked};
use logsift_core::{Ctx, Pipeline};
use logsift_host::fluent_bit::{FilterResult, FluentBit, FluentBitConfig, engine};

#[test]
fn wasm_parts_do_the_native_engines_work() {
    let wasm = Parts::build("release", "").unwrap_or_else(|e| panic!("{e}"));
    let engine = engine().expect("engine");
    for sample in ["structlog.ndjson", "envoy-access.ndjson"] {
        let records = sample_lines(sample);
        let mut p = Pipeline::from_json(br#"{"scrub": {"preset": "strict"}}"#).expect("config");
        let kept = bytes_kept(&mut p, &records, &mut Ctx::new(1_732_464_000_000_000_000, 1));
        let mut scrubber = strict_scrubber();
        let matches = raw_matches(&mut scrubber, &records);
        assert!(matches > 0, "{sample}: the strict regexes match nothing, so the check proves little");
        let walked = walked(&mut scrubber, &records);
        assert!(!walked.is_empty(), "{sample}: the strict scrub walks no record as JSON");
        let tokens = json_tokens(&walked);

        let mut parts = Parts::new(&engine, &wasm, &records).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(parts.strict(1), Ok(kept), "{sample}: bytes kept");
        assert_eq!(parts.regex_passes_only(1), Ok(matches), "{sample}: raw matches");
        // Rounds repeat the same work.
        assert_eq!(parts.regex_passes_only(3), Ok(3 * matches), "{sample}: three rounds");
        assert_eq!(parts.json_walk_only(1), Ok(tokens), "{sample}: JSON tokens");
    }
}

#[test]
fn fluent_bit_echo_hands_records_back_unchanged() {
    let wasm = Parts::build("release", "").unwrap_or_else(|e| panic!("{e}"));
    let engine = engine().expect("engine");
    let module = wasmtime::Module::from_file(&engine, &wasm).expect("module");
    let cfg =
        FluentBitConfig { function: "fluent_bit_echo".into(), heap_size: 1 << 20, ..Default::default() };
    let mut fb = FluentBit::new(&engine, &module, cfg).expect("instance");
    for r in sample_lines("structlog.ndjson").iter().take(50) {
        assert_eq!(fb.filter(b"app", 1, 0, r).expect("call"), FilterResult::Keep(r.clone()));
    }
    // Too big for the heap: Fluent Bit passes NULL, and the echo drops it.
    let big = format!(r#"{{"log": "{}"}}"#, "x".repeat(2 << 20));
    assert_eq!(fb.filter(b"app", 1, 0, big.as_bytes()).expect("call"), FilterResult::Drop);
}
