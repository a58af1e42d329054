//! Replays every file under `fuzz/regressions/{config,record}/` through the
//! fuzz targets' entry points: inputs that once crashed stay fixed.

use std::path::PathBuf;

fn replay(target: &str, run: fn(&[u8])) -> usize {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../fuzz/regressions").join(target);
    let mut n = 0;
    for entry in std::fs::read_dir(&dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display())).flatten() {
        let data = std::fs::read(entry.path()).unwrap();
        run(&data);
        n += 1;
    }
    n
}

#[test]
fn config_regressions() {
    assert!(replay("config", logsift_core::fuzzing::config) > 0);
}

#[test]
fn record_regressions() {
    assert!(replay("record", logsift_core::fuzzing::record) > 0);
}
