//! Replays `fuzz/regressions/ingest_body/*` through the fuzz target's entry point.

#[test]
fn ingest_body_regressions() {
    let dir = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../fuzz/regressions/ingest_body");
    let mut n = 0;
    for entry in std::fs::read_dir(&dir).unwrap().flatten() {
        logsift_proxy_wasm::fuzzing::ingest_body(&std::fs::read(entry.path()).unwrap());
        n += 1;
    }
    assert!(n > 0, "no regression files in {}", dir.display());
}
