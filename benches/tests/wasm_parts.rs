//! The hosts bench's `structlog_engine_parts` group compares Wasm and native
//! calls on the premise that both do the same work. This keeps that true:
//! the engine-parts module, scalar, must keep as many bytes under the strict
//! preset and find as many raw regex matches as the native engine, on both
//! bundled NDJSON samples. (Release profile, for a quicker build: the bench's
//! `wasm` profile adds LTO, one codegen unit and abort on panic.)

use logsift_benches::wasm_parts::Parts;
use logsift_benches::{bytes_kept, raw_matches, sample_lines, strict_scrubber};
use logsift_core::{Ctx, Pipeline};

#[test]
fn wasm_parts_do_the_native_engines_work() {
    let wasm = Parts::build("release", "").unwrap_or_else(|e| panic!("{e}"));
    let engine = logsift_host::fluent_bit::engine().expect("engine");
    for sample in ["structlog.ndjson", "envoy-access.ndjson"] {
        let records = sample_lines(sample);
        let mut p = Pipeline::from_json(br#"{"scrub": {"preset": "strict"}}"#).expect("config");
        let kept = bytes_kept(&mut p, &records, &mut Ctx::new(1_732_464_000_000_000_000, 1));
        let matches = raw_matches(&mut strict_scrubber(), &records);
        assert!(matches > 0, "{sample}: the strict regexes match nothing, so the check proves little");

        let mut parts = Parts::new(&engine, &wasm, &records).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(parts.strict(1), Ok(kept), "{sample}: bytes kept");
        assert_eq!(parts.regex_passes_only(1), Ok(matches), "{sample}: raw matches");
        // Rounds repeat the same work.
        assert_eq!(parts.regex_passes_only(3), Ok(3 * matches), "{sample}: three rounds");
    }
}
