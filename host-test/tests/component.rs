//! The logsift component (`dist/logsift_component.wasm`, `wit/logsift.wit`)
//! in the harness's component driver: parity with the native engine on every
//! sample with the example config and the scrub presets (records, alert
//! signals, metrics), in single-record and batched calls; a bad config named
//! through the component; bad bytes scrubbed as text, never lost; rate-limit
//! summaries reachable; limits that stop a runaway call; flat memory.

use std::path::PathBuf;
use std::sync::OnceLock;

use logsift_core::{DropReason, Outcome};
use logsift_host::component::{ComponentConfig, ComponentFilter, ComponentPlugin};
use logsift_host::fluent_bit::engine;
use logsift_host::{Clock, DriverError, lines, run_component_with, run_native};

const SAMPLES: &[&str] =
    &["structlog.ndjson", "envoy-access.ndjson", "nginx-combined.log", "sshd-syslog.log"];

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// Compiled once per test binary; building it is `cargo xtask dist`'s job
/// (run by `cargo xtask test` before the tests).
fn plugin() -> &'static ComponentPlugin {
    static P: OnceLock<ComponentPlugin> = OnceLock::new();
    P.get_or_init(|| {
        let path = root().join("dist/logsift_component.wasm");
        assert!(path.exists(), "{} is missing: run `cargo xtask dist`", path.display());
        ComponentPlugin::from_file(&engine().unwrap(), &path).unwrap()
    })
}

fn instance(config: &str) -> ComponentFilter {
    let mut f = plugin().instantiate(&ComponentConfig::default(), true).unwrap();
    f.set_time(1_732_464_000_000_000_000);
    f.configure(config).unwrap().unwrap();
    f
}

fn configs() -> Vec<(String, Vec<u8>)> {
    let mut v = vec![(
        "logsift.example.json".to_owned(),
        std::fs::read(root().join("observability/logsift.example.json")).unwrap(),
    )];
    for preset in ["default", "strict"] {
        v.push((
            format!("preset {preset}"),
            format!(r#"{{"scrub": {{"preset": "{preset}"}}}}"#).into_bytes(),
        ));
    }
    v
}

fn is_summary(r: &str) -> bool {
    r.contains("\"logsift\":\"rate_limit_summary\"")
}

/// (summary records, other records) as text.
fn split_summaries(records: &[Vec<u8>]) -> (Vec<String>, Vec<String>) {
    text(records).into_iter().partition(|r| is_summary(r))
}

/// Equal lists, or a message showing the first difference only.
fn same(what: &str, got: &[String], want: &[String]) {
    if let Some(i) = (0..got.len().max(want.len())).find(|&i| got.get(i) != want.get(i)) {
        panic!(
            "{what}: {} records vs {} natively; first difference at {i}:\n  component: {:?}\n  native:    {:?}",
            got.len(),
            want.len(),
            got.get(i),
            want.get(i)
        );
    }
}

fn text(records: &[Vec<u8>]) -> Vec<String> {
    records.iter().map(|r| String::from_utf8_lossy(r).into_owned()).collect()
}

/// With one record per call the component sees exactly the native loop's
/// clock; with batches, the native loop is given the batch's clock
/// (`Clock::ReplayBatches`). Either way records, signals and metrics agree.
#[test]
fn samples_match_the_native_engine() {
    for (name, config) in configs() {
        for sample in SAMPLES {
            let input = std::fs::read(root().join("host-test/samples").join(sample)).unwrap();
            let records: Vec<&[u8]> = lines(&input).collect();
            for batch in [1, 64] {
                let Clock::Replay { start, step } = Clock::GOLDEN else { unreachable!() };
                let clock = if batch == 1 {
                    Clock::GOLDEN
                } else {
                    Clock::ReplayBatches { start, step, size: batch }
                };
                let native = run_native(&config, records.iter().copied(), clock, |_| {}).unwrap();
                let got = run_component_with(
                    plugin(),
                    &ComponentConfig::default(),
                    &config,
                    records.iter().copied(),
                    clock,
                    batch,
                    |_| {},
                )
                .unwrap();
                let what = format!("{name}, {sample}, batch {batch}");
                assert!(got.errors.is_empty(), "{what}: {:?}", got.errors);
                assert_eq!(got.counts.records_in, native.stats.records_in, "{what}");
                assert_eq!(got.counts.records_out, native.stats.records_out, "{what}");
                assert_eq!(
                    got.counts.dropped,
                    native.stats.sampled + native.stats.rate_limited + native.stats.dropped_by_rule,
                    "{what}"
                );
                if batch == 1 {
                    same(&what, &text(&got.records), &text(&native.records));
                } else {
                    // Summaries come after the batch that released them
                    // rather than right after the record: the other records
                    // match in order, the summaries as a set.
                    let (got_sum, got_rec) = split_summaries(&got.records);
                    let (want_sum, want_rec) = split_summaries(&native.records);
                    same(&what, &got_rec, &want_rec);
                    let (mut g, mut w) = (got_sum, want_sum);
                    g.sort();
                    w.sort();
                    same(&format!("{what} summaries"), &g, &w);
                }
                assert_eq!(got.signals, native.signals, "{what}: signals differ");
                assert_eq!(got.metrics, native.metrics, "{what}: metrics differ");
            }
        }
    }
    // The parity is not vacuous: the example config samples, drops and alerts.
    let config = &configs()[0].1;
    let input = std::fs::read(root().join("host-test/samples/structlog.ndjson")).unwrap();
    let native = run_native(config, lines(&input), Clock::GOLDEN, |_| {}).unwrap();
    assert!(native.stats.sampled > 0 && native.stats.dropped_by_rule > 0 && !native.signals.is_empty());
}

#[test]
fn a_bad_config_names_the_field() {
    let mut f = plugin().instantiate(&ComponentConfig::default(), true).unwrap();
    let err = f.configure(r#"{"scrub": {"detectors": ["EMAIL_ADDRESS", "emial"]}}"#).unwrap().unwrap_err();
    assert_eq!(err.path(), "scrub.detectors[1]", "{err}");
    assert!(err.message().contains("emial"), "{err}");
    let native =
        logsift_core::Pipeline::from_json(br#"{"scrub": {"detectors": ["EMAIL_ADDRESS", "emial"]}}"#)
            .unwrap_err();
    assert_eq!(err, native);
    let err = f.configure(r#"{"sample": {"ratez": {}}}"#).unwrap().unwrap_err();
    assert!(err.path().starts_with("sample"), "{err}");
    let err = f.configure("not json").unwrap().unwrap_err();
    assert!(!err.message().is_empty());
    // The instance still scrubs (with the default preset) after refusing.
    let out = f.process(&[br#"{"m": "bob@example.com"}"#.to_vec()]).unwrap();
    assert_eq!(out, [Outcome::Keep(br#"{"m": "[EMAIL_ADDRESS]"}"#.to_vec().into())]);
}

#[test]
fn a_refused_reconfigure_keeps_the_previous_pipeline() {
    let mut f = instance(r#"{"scrub": {"preset": "strict"}}"#);
    assert!(f.configure(r#"{"scrub": {"preset": "strictest"}}"#).unwrap().is_err());
    let out = f.process(&[b"call +1 415 555 2671".to_vec()]).unwrap();
    assert_eq!(out, [Outcome::Keep(b"call [PHONE_NUMBER]".to_vec().into())]);
}

/// Invalid JSON and invalid UTF-8 in a batch are scrubbed as text, in
/// place, with the rest of the batch untouched; nothing is lost or leaked.
#[test]
fn bad_bytes_in_a_batch_are_scrubbed_as_text() {
    let mut f = instance(r#"{"scrub": {"preset": "strict"}}"#);
    let batch: Vec<Vec<u8>> = vec![
        br#"{"m": "ok bob@example.com"}"#.to_vec(),
        br#"{"m": "bob@example.com", "card": "4111111111111111"#.to_vec(),
        b"{\"m\": \"bob@example.com \xff\xfe\"}".to_vec(),
        b"\xc3\x28 plain text bob@example.com 4111111111111111".to_vec(),
        Vec::new(),
        format!("{}bob@example.com{}", "[".repeat(10_000), "]".repeat(10_000)).into_bytes(),
    ];
    let out = f.process(&batch).unwrap();
    assert_eq!(out.len(), batch.len());
    let mut native = logsift_core::Pipeline::from_json(br#"{"scrub": {"preset": "strict"}}"#).unwrap();
    let mut ctx = logsift_core::Ctx::new(0, 0);
    for (i, (o, input)) in out.iter().zip(&batch).enumerate() {
        let Outcome::Keep(bytes) = o else { panic!("record {i} dropped") };
        let s = String::from_utf8_lossy(bytes);
        assert!(
            !s.contains("bob@example.com") && !s.contains("4111111111111111"),
            "record {i} leaked: {s:.200}"
        );
        assert_eq!(o, &native.process(input, &mut ctx), "record {i}");
    }
    let m = logsift_core::prometheus_text(&f.metrics().unwrap());
    assert!(m.contains("logsift_parse_fallbacks_total 3"), "{m}");
}

#[test]
fn rate_limit_summaries_are_reachable() {
    let config = r#"{"sample": {"rate_limit": {"by": ["event"], "per_second": 1, "burst": 2}}}"#;
    let mut f = instance(config);
    let batch: Vec<Vec<u8>> = (0..10).map(|_| br#"{"event": "spam"}"#.to_vec()).collect();
    let out = f.process(&batch).unwrap();
    let limited = out.iter().filter(|o| **o == Outcome::Drop(DropReason::RateLimited)).count();
    assert_eq!(limited, 8, "{out:?}");
    f.finish().unwrap();
    let emitted = f.take_emitted().unwrap();
    assert!(
        emitted.iter().any(|r| String::from_utf8_lossy(r).contains("rate_limit_summary")),
        "{:?}",
        text(&emitted)
    );
    let m = logsift_core::prometheus_text(&f.metrics().unwrap());
    assert!(m.contains("logsift_records_dropped_total{reason=\"rate_limited\"} 8"), "{m}");
    assert!(m.contains(&format!("logsift_records_emitted_total {}", emitted.len())), "{m}");
}

/// `tick` closes windows with no records arriving: a firing alert resolves
/// once its window has passed.
#[test]
fn tick_resolves_alerts_without_new_records() {
    let config = r#"{"alerts": {"rules": [{"name": "Boom", "match": [{"field": "event", "equals": "boom"}],
                     "window": "1m", "threshold": 1}]}}"#;
    let mut f = instance(config);
    f.process(&[br#"{"event": "boom"}"#.to_vec()]).unwrap();
    let fired = f.take_signals().unwrap();
    assert_eq!(fired.len(), 1);
    assert!(!fired[0].resolved);
    assert_eq!(fired[0].labels.get("alertname").map(String::as_str), Some("Boom"));
    f.set_time(1_732_464_000_000_000_000 + 600_000_000_000);
    f.tick().unwrap();
    let later = f.take_signals().unwrap();
    assert!(later.iter().any(|e| e.resolved), "{later:?}");
}

#[test]
fn a_memory_cap_stops_a_runaway_batch_with_a_clear_error() {
    let limits = ComponentConfig { memory_limit: 4 << 20, ..ComponentConfig::default() };
    let mut f = plugin().instantiate(&limits, true).unwrap();
    f.configure(r#"{"scrub": {"preset": "strict"}}"#).unwrap().unwrap();
    let big = vec![b'x'; 8 << 20];
    let err = f.process(&[big]).unwrap_err();
    assert!(matches!(err, DriverError::Trap(_)), "{err}");
}

#[test]
fn memory_stays_flat_over_many_batches() {
    let config = std::fs::read_to_string(root().join("observability/logsift.example.json")).unwrap();
    let mut f = instance(&config);
    let input = std::fs::read(root().join("host-test/samples/structlog.ndjson")).unwrap();
    let records: Vec<Vec<u8>> = lines(&input).map(<[u8]>::to_vec).collect();
    let rounds =
        std::env::var("LOGSIFT_COMPONENT_ROUNDS").ok().and_then(|v| v.parse().ok()).unwrap_or(50usize);
    let mut after_warmup = 0;
    for round in 0..rounds {
        f.set_time(1_732_464_000_000_000_000 + round as u64 * 1_000_000_000);
        for chunk in records.chunks(200) {
            f.process(chunk).unwrap();
            f.take_emitted().unwrap();
            f.take_signals().unwrap();
        }
        if round == 2 {
            after_warmup = f.memory_size();
        }
    }
    let end = f.memory_size();
    assert!(end <= after_warmup + (1 << 20), "memory grew from {after_warmup} to {end} bytes");
}

/// A million distinct keys through the rate limiter and an alert's
/// `group_by`: each stage holds at most its cap (10,000 by default), every
/// key past it is an eviction that is counted, and the guest's memory stops
/// growing once the state is full.
#[test]
fn a_million_distinct_keys_stay_bounded() {
    let config = r#"{
        "sample": {"rate_limit": {"by": ["user_id"], "per_second": 1}},
        "alerts": {"rules": [{"name": "PerUser", "match": [{"field": "event", "equals": "login_failed"}],
                              "group_by": ["user_id"], "window": "5m", "threshold": 1000000}]}
    }"#;
    let mut f = instance(config);
    let n =
        std::env::var("LOGSIFT_DISTINCT_KEYS").ok().and_then(|v| v.parse().ok()).unwrap_or(1_000_000usize);
    let cap = 10_000;
    let batch = 1000;
    let mut full = 0;
    let mut kept = 0;
    for start in (0..n).step_by(batch) {
        let records: Vec<Vec<u8>> = (start..(start + batch).min(n))
            .map(|i| {
                format!(r#"{{"event": "login_failed", "level": "warning", "user_id": "u{i}"}}"#).into_bytes()
            })
            .collect();
        kept += f.process(&records).unwrap().iter().filter(|o| matches!(o, Outcome::Keep(_))).count();
        f.take_emitted().unwrap();
        f.take_signals().unwrap();
        // Both maps are full after `cap` keys; from here memory must hold.
        if start < 4 * cap && start + batch >= 4 * cap {
            full = f.memory_size();
        }
    }
    // Every key is new, so its first record passes its bucket.
    assert_eq!(kept, n, "a record with a new key was rate-limited");
    let metrics = f.metrics().unwrap();
    let gauge = |name: &str, stage: &str| {
        metrics
            .iter()
            .find(|m| m.name == name && m.labels.iter().any(|(k, v)| k == "stage" && v == stage))
            .map(|m| m.value)
    };
    for stage in ["rate_limit", "alerts"] {
        let keys = gauge("logsift_state_keys", stage).unwrap();
        let evicted = gauge("logsift_state_evictions_total", stage).unwrap();
        assert_eq!(keys, cap as f64, "{stage}: keys held");
        assert_eq!(keys + evicted, n as f64, "{stage}: {keys} held + {evicted} evicted != {n} keys seen");
    }
    let end = f.memory_size();
    eprintln!("{n} distinct keys: guest memory {full} bytes once the state was full, {end} at the end");
    assert!(end <= full + (1 << 20), "guest memory grew from {full} to {end} bytes after the state was full");
    assert!(end < 64 << 20, "guest memory {end} bytes is over the documented 64 MiB bound");
}
