//! Recall and precision on the bundled samples, against the ground truth the
//! generator planted (`host-test/samples/planted.json`): with the strict
//! preset no planted secret may survive, and no planted trap (UUIDs, trace
//! ids, hashes, timestamps, epoch ms, non-Luhn order numbers, versions…)
//! may be touched.

use std::path::PathBuf;

use logsift_core::{Ctx, Outcome, Pipeline};

fn samples_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../host-test/samples")
}

fn run(config: &str, file: &str) -> String {
    let mut p = Pipeline::from_json(config.as_bytes()).unwrap();
    let mut ctx = Ctx::new(1_732_464_000_000_000_000, 7);
    let input = std::fs::read(samples_dir().join(file)).unwrap();
    let mut out = String::new();
    for line in input.split(|&b| b == b'\n').filter(|l| !l.is_empty()) {
        match p.process(line, &mut ctx) {
            Outcome::Keep(b) => {
                out.push_str(&String::from_utf8_lossy(&b));
                out.push('\n');
            }
            Outcome::Drop(_) => {}
        }
    }
    assert!(p.stats().balanced());
    out
}

fn truth() -> serde_json::Value {
    serde_json::from_slice(&std::fs::read(samples_dir().join("planted.json")).unwrap()).unwrap()
}

#[test]
fn strict_preset_has_full_recall_and_keeps_every_trap() {
    let truth = truth();
    let mut failures = Vec::new();
    for (file, t) in truth.as_object().unwrap() {
        let out = run(r#"{"scrub": {"preset": "strict"}}"#, file);
        for p in t["pii"].as_array().unwrap() {
            let v = p["value"].as_str().unwrap();
            if out.contains(v) {
                failures.push(format!("{file}: leaked {} {v:?}", p["detector"]));
            }
        }
        for trap in t["traps"].as_array().unwrap() {
            let v = trap.as_str().unwrap();
            if !out.contains(v) {
                failures.push(format!("{file}: damaged trap {v:?}"));
            }
        }
    }
    assert!(failures.is_empty(), "{} failures:\n{}", failures.len(), failures.join("\n"));
}

#[test]
fn json_samples_stay_valid_json() {
    for file in ["structlog.ndjson", "envoy-access.ndjson"] {
        let out = run(r#"{"scrub": {"preset": "strict"}}"#, file);
        for line in out.lines() {
            serde_json::from_str::<serde_json::Value>(line).unwrap_or_else(|e| panic!("{file}: {e}: {line}"));
        }
    }
}
