//! `logsift run --stats` keeps its figures apart: the load (building the
//! pipeline, compiling the plugin) on its own line, throughput over the
//! processing only, replayed until it can be timed or called too small to
//! time, and the same report as JSON for the demo's table.

use std::path::{Path, PathBuf};
use std::process::Command;

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// Runs `logsift run --stats` (`extra` replaces `--time-for 0.2`) and returns (stderr, the --stats-json object).
fn stats(name: &str, host: &str, extra: &[&str], input: &Path) -> (String, serde_json::Value) {
    let json = std::env::temp_dir().join(format!("logsift-stats-{name}-{}.json", std::process::id()));
    let out = Command::new(env!("CARGO_BIN_EXE_logsift"))
        .args(["run", "--host", host, "--replay-step", "0.05", "--stats"])
        .args(if extra.is_empty() { &["--time-for", "0.2"][..] } else { extra })
        .arg("--config")
        .arg(root().join("observability/logsift.example.json"))
        .arg("--stats-json")
        .arg(&json)
        .arg(input)
        .output()
        .unwrap();
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(out.status.success(), "{stderr}");
    let v = serde_json::from_slice(&std::fs::read(&json).unwrap()).unwrap();
    let _ = std::fs::remove_file(&json);
    (stderr, v)
}

#[test]
fn native_stats_separate_load_from_throughput() {
    let sample = root().join("host-test/samples/structlog.ndjson");
    let (stderr, v) = stats("native", "native", &[], &sample);
    assert!(
        stderr.lines().next().unwrap().starts_with("load: pipeline built from the config in "),
        "{stderr}"
    );
    assert_eq!(v["host"], "native");
    assert_eq!(v["records_in"], 1200);
    // The same counts as the run's own line (the replay is for timing only).
    let out = v["records_out"].as_u64().unwrap();
    assert!(stderr.contains(&format!("records: in 1200 out {out} ")), "{stderr}");
    assert!(v["redactions"].as_u64().unwrap() > 0);
    assert_eq!(v["input_bytes"], std::fs::metadata(&sample).unwrap().len());
    // Timed over at least 0.02 s of processing, replayed if the run was shorter.
    let rate = v["mib_per_s"].as_f64().unwrap_or_else(|| panic!("not timed: {stderr}"));
    let (bytes, secs) = (v["timed_bytes"].as_f64().unwrap(), v["timed_secs"].as_f64().unwrap());
    assert!(secs >= 0.02, "{v}");
    assert!((rate - bytes / 1048576.0 / secs).abs() < 1e-6 * rate.max(1.0), "{v}");
    let passes = v["timed_passes"].as_u64().unwrap();
    if passes > 1 {
        assert!(stderr.contains(&format!("replayed {passes}×")), "{stderr}");
    }
    assert!(stderr.contains(&format!("throughput: {rate:.1} MiB/s over the processing")), "{stderr}");
}

#[test]
fn a_tiny_input_without_replay_is_too_small_to_time() {
    let input = std::env::temp_dir().join(format!("logsift-stats-tiny-{}.ndjson", std::process::id()));
    std::fs::write(&input, "{\"event\":\"login\",\"email\":\"a@example.com\"}\n{\"event\":\"x\"}\n").unwrap();
    let (stderr, v) = stats("tiny", "native", &["--time-for", "0"], &input);
    let _ = std::fs::remove_file(&input);
    assert!(v["mib_per_s"].is_null(), "{v}");
    assert_eq!(v["timed_passes"], 1);
    assert!(stderr.contains("throughput: too small to time"), "{stderr}");
}

#[test]
fn fluent_bit_stats_report_the_plugin_load_and_the_alerts_on_records() {
    let plugin = root().join("dist/logsift_fluent_bit.wasm");
    assert!(plugin.exists(), "{} missing: run `cargo xtask dist`", plugin.display());
    let sample = root().join("host-test/samples/structlog.ndjson");
    let (stderr, v) = stats("fb", "fluent-bit", &[], &sample);
    let (_, native) = stats("fb-native", "native", &[], &sample);
    let load = stderr.lines().next().unwrap();
    assert!(load.starts_with("load: ") && load.contains("logsift_fluent_bit.wasm"), "{stderr}");
    match v["compiled"].as_bool() {
        Some(true) => {
            assert!(load.contains("compiled in") && load.contains("cached for next runs"), "{load}")
        }
        Some(false) => assert!(load.contains("from wasmtime's cache"), "{load}"),
        None => assert!(load.contains("cache off"), "{load}"),
    }
    for k in ["records_in", "records_out", "alerts"] {
        assert_eq!(v[k], native[k], "{k}: fluent-bit {v} native {native}");
    }
    assert!(native["alerts"].as_u64().unwrap() > 0);
    assert!(v["redactions"].is_null());
    assert!(v["mib_per_s"].as_f64().is_some(), "{stderr}");
}
