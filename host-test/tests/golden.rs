//! Golden outputs: every bundled sample through the example config on the
//! replay clock. A mismatch prints the first differing lines; outputs change
//! only with `LOGSIFT_BLESS=1 cargo test -p logsift-host --test golden`.

use std::path::{Path, PathBuf};

use logsift_host::{Clock, lines, run_native};

const SAMPLES: &[&str] =
    &["structlog.ndjson", "envoy-access.ndjson", "nginx-combined.log", "sshd-syslog.log"];

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn check(path: &Path, got: &str, failures: &mut Vec<String>) {
    if std::env::var_os("LOGSIFT_BLESS").is_some() {
        std::fs::write(path, got).unwrap();
        return;
    }
    let want = std::fs::read_to_string(path).unwrap_or_default();
    if want == got {
        return;
    }
    let mut diff = String::new();
    let (w, g): (Vec<&str>, Vec<&str>) = (want.lines().collect(), got.lines().collect());
    for i in 0..w.len().max(g.len()) {
        let (a, b) = (w.get(i).copied().unwrap_or("<none>"), g.get(i).copied().unwrap_or("<none>"));
        if a != b {
            diff.push_str(&format!("  line {}:\n  - {a}\n  + {b}\n", i + 1));
            if diff.len() > 3000 {
                break;
            }
        }
    }
    failures.push(format!("{} differs (bless with LOGSIFT_BLESS=1):\n{diff}", path.display()));
}

#[test]
fn samples_match_golden_outputs() {
    let config = std::fs::read(root().join("observability/logsift.example.json")).unwrap();
    let golden = root().join("host-test/samples/golden");
    let mut failures = Vec::new();
    for sample in SAMPLES {
        let input = std::fs::read(root().join("host-test/samples").join(sample)).unwrap();
        let run = run_native(&config, lines(&input), Clock::GOLDEN, |_| {}).unwrap();
        assert!(run.stats.balanced(), "{sample}: {:?}", run.stats);
        let mut records = String::new();
        for r in &run.records {
            records.push_str(&String::from_utf8_lossy(r));
            records.push('\n');
        }
        let mut signals = String::new();
        for s in &run.signals {
            signals.push_str(&serde_json::to_string(s).unwrap());
            signals.push('\n');
        }
        check(&golden.join(format!("{sample}.out")), &records, &mut failures);
        check(&golden.join(format!("{sample}.signals.ndjson")), &signals, &mut failures);
        check(&golden.join(format!("{sample}.metrics")), &run.metrics, &mut failures);
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
