//! The Fluent Bit module in the Fluent Bit driver: parity with the native
//! engine on every sample, the preset entry points, config discovery through
//! accessible paths, bad input that must not trap or leak, the NULL record
//! of an over-heap record, and flat memory over many records.

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use logsift_host::fluent_bit::{FilterResult, FluentBit, FluentBitConfig, engine};
use logsift_host::{Clock, fluent_bit_record, lines, run_native};
use wasmtime::{Engine, Module};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// The module is compiled once per test binary; building it is
/// `cargo xtask dist`'s job (run by `cargo xtask test` before the tests).
fn module() -> &'static (Engine, Module) {
    static M: OnceLock<(Engine, Module)> = OnceLock::new();
    M.get_or_init(|| {
        let path = root().join("dist/logsift_fluent_bit.wasm");
        assert!(path.exists(), "{} is missing: run `cargo xtask dist`", path.display());
        let engine = engine().unwrap();
        let module = Module::from_file(&engine, &path).unwrap();
        (engine, module)
    })
}

fn scratch(name: &str, config: &[u8]) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("logsift-fbtest-{}-{name}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("logsift.json"), config).unwrap();
    dir
}

fn driver(dir: Option<&Path>, function: &str, heap: u32) -> FluentBit {
    let (engine, module) = module();
    let cfg = FluentBitConfig {
        function: function.into(),
        heap_size: heap,
        accessible_paths: dir.into_iter().map(Path::to_path_buf).collect(),
        ..FluentBitConfig::default()
    };
    FluentBit::new(engine, module, cfg).unwrap()
}

#[test]
fn samples_match_the_native_engine() {
    let config = std::fs::read(root().join("observability/logsift.example.json")).unwrap();
    let dir = scratch("parity", &config);
    for sample in ["structlog.ndjson", "envoy-access.ndjson", "nginx-combined.log", "sshd-syslog.log"] {
        let input = std::fs::read(root().join("host-test/samples").join(sample)).unwrap();
        let records: Vec<Vec<u8>> = lines(&input).map(fluent_bit_record).collect();
        let native = run_native(&config, records.iter().map(Vec::as_slice), Clock::GOLDEN, |_| {}).unwrap();
        let mut fb = driver(Some(&dir), "logsift_filter", 4 << 20);
        let mut got = Vec::new();
        for (i, r) in records.iter().enumerate() {
            let Clock::Replay { start, step } = Clock::GOLDEN else { unreachable!() };
            let t = start + step * i as f64;
            let (sec, nsec) = (t.floor() as u32, ((t - t.floor()) * 1e9).round() as u32);
            match fb.filter(b"app", sec, nsec, r).unwrap() {
                FilterResult::Keep(b) => got.push(b),
                FilterResult::Drop => {}
            }
        }
        // Rate-limit summaries ride on records in Fluent Bit; the example
        // config's limits are not reached on the samples, so records match.
        let want: Vec<&Vec<u8>> = native
            .records
            .iter()
            .filter(|r| !r.starts_with(b"{\"logsift\":\"rate_limit_summary\""))
            .collect();
        assert_eq!(got.len(), want.len(), "{sample}: record counts differ");
        for (i, (g, w)) in got.iter().zip(want).enumerate() {
            assert_eq!(
                String::from_utf8_lossy(g),
                String::from_utf8_lossy(w),
                "{sample}: record {i} differs between fluent-bit and native"
            );
        }
    }
}

#[test]
fn preset_entry_points_need_no_config() {
    for (function, phone_scrubbed) in [("logsift_scrub_default", false), ("logsift_scrub_strict", true)] {
        let mut fb = driver(None, function, 1 << 20);
        let rec = br#"{"log": "mail bob@example.com call +1 415 555 2671", "password": "x"}"#;
        let FilterResult::Keep(out) = fb.filter(b"t", 1, 0, rec).unwrap() else { panic!("dropped") };
        let out = String::from_utf8(out).unwrap();
        assert!(!out.contains("bob@example.com") && !out.contains("\"x\""), "{function}: {out}");
        assert_eq!(!out.contains("415 555 2671"), phone_scrubbed, "{function}: {out}");
    }
}

#[test]
fn missing_or_bad_config_falls_back_to_the_default_preset() {
    let bad = scratch("bad", br#"{"scrub": {"detectors": ["emial"]}}"#);
    for dir in [None, Some(bad.as_path())] {
        let mut fb = driver(dir, "logsift_filter", 1 << 20);
        let FilterResult::Keep(out) = fb.filter(b"t", 1, 0, br#"{"m": "bob@example.com"}"#).unwrap() else {
            panic!("dropped")
        };
        assert_eq!(String::from_utf8(out).unwrap(), r#"{"m": "[EMAIL_ADDRESS]"}"#);
    }
}

#[test]
fn bad_records_never_trap_and_never_leak() {
    let mut fb = driver(None, "logsift_scrub_strict", 32 << 20);
    let deep = format!("{}\"bob@example.com\"{}", "[".repeat(100_000), "]".repeat(100_000));
    let huge = format!("{{\"m\": \"{}bob@example.com\"}}", "x".repeat(10 << 20));
    let cases: Vec<Vec<u8>> = vec![
        br#"{"m": "bob@example.com", "card": "4111111111111111"#.to_vec(),
        b"{\"m\": \"bob@example.com \xff\xfe\"}".to_vec(),
        b"{\"m\": \"bob@example.com\0tail\"}".to_vec(),
        b"\xef\xbb\xbf{\"m\": \"bob@example.com\"}\r".to_vec(),
        deep.into_bytes(),
        huge.into_bytes(),
        Vec::new(),
    ];
    for rec in cases {
        match fb.filter(b"t", 1, 0, &rec).unwrap() {
            FilterResult::Keep(out) => {
                let text = String::from_utf8_lossy(&out);
                assert!(
                    !text.contains("bob@example.com") && !text.contains("4111111111111111"),
                    "leak: {text:.200}"
                );
                serde_json::from_slice::<serde_json::Value>(&out).unwrap();
            }
            FilterResult::Drop => {}
        }
    }
}

#[test]
fn a_record_bigger_than_the_heap_arrives_as_null_and_is_dropped() {
    // 8 KiB is Fluent Bit's default heap: a 20 KB record does not fit.
    let mut fb = driver(None, "logsift_scrub_default", 8192);
    let rec = format!("{{\"m\": \"{}\"}}", "y".repeat(20_000));
    assert_eq!(fb.filter(b"t", 1, 0, rec.as_bytes()).unwrap(), FilterResult::Drop);
    // The instance is still usable afterwards.
    let FilterResult::Keep(out) = fb.filter(b"t", 1, 0, br#"{"m": "bob@example.com"}"#).unwrap() else {
        panic!("dropped")
    };
    assert!(String::from_utf8_lossy(&out).contains("[EMAIL_ADDRESS]"));
}

#[test]
fn memory_stays_flat_over_many_records() {
    let config = std::fs::read(root().join("observability/logsift.example.json")).unwrap();
    let dir = scratch("flat", &config);
    let mut fb = driver(Some(&dir), "logsift_filter", 1 << 20);
    let input = std::fs::read(root().join("host-test/samples/structlog.ndjson")).unwrap();
    let records: Vec<Vec<u8>> = lines(&input).map(fluent_bit_record).collect();
    let n = std::env::var("LOGSIFT_FB_RECORDS").ok().and_then(|v| v.parse().ok()).unwrap_or(1_000_000usize);
    let mut after_warmup = 0;
    for i in 0..n {
        let _ = fb.filter(b"app", 1_732_464_000 + (i / 20) as u32, 0, &records[i % records.len()]).unwrap();
        if i == records.len() * 2 {
            after_warmup = fb.memory_size();
        }
    }
    let end = fb.memory_size();
    assert!(
        end <= after_warmup + (1 << 20),
        "guest memory grew from {after_warmup} to {end} bytes over {n} records"
    );
}

/// The shipped Fluent Bit configs can't be run here (no Fluent Bit in the
/// registries this project reaches), so they are checked against what they
/// name: functions the module exports, JSON event mode, a heap that holds
/// the samples' records, and a logsift.json whose alerts land in the field
/// the rewrite_tag rule reads.
#[test]
fn shipped_fluent_bit_configs_match_the_module() {
    let dir = root().join("observability/fluent-bit");
    let (_, module) = module();
    let exports: Vec<String> = module.exports().map(|e| e.name().to_owned()).collect();
    for file in ["fluent-bit.yaml", "fluent-bit.conf"] {
        let text = std::fs::read_to_string(dir.join(file)).unwrap();
        let setting = |key: &str| -> Vec<String> {
            text.lines()
                .filter_map(|l| {
                    let l = l.trim().trim_start_matches("- ");
                    let (k, v) = l.split_once(':').or_else(|| l.split_once(char::is_whitespace))?;
                    k.trim().eq_ignore_ascii_case(key).then(|| v.trim().to_owned())
                })
                .collect()
        };
        let functions = setting("function_name");
        assert!(!functions.is_empty(), "{file}: no function_name");
        for f in &functions {
            assert!(exports.contains(f), "{file}: function_name {f} is not exported by the module");
        }
        assert_eq!(
            setting("event_format").iter().map(|v| v.to_lowercase()).collect::<Vec<_>>(),
            ["json"],
            "{file}"
        );
        let heap = setting("wasm_heap_size");
        assert_eq!(heap, ["4M"], "{file}: wasm_heap_size");
        let largest = std::fs::read(root().join("host-test/samples/structlog.ndjson"))
            .unwrap()
            .split(|&b| b == b'\n')
            .map(<[u8]>::len)
            .max()
            .unwrap();
        assert!(largest * 2 < 4 << 20, "{file}: heap too small for the samples");
        assert!(
            text.contains("$alert['labels']['alertname']"),
            "{file}: rewrite_tag does not read the alert field"
        );
    }
    let cfg = std::fs::read(dir.join("logsift.json")).unwrap();
    logsift_core::Pipeline::from_json(&cfg).unwrap();
    let v: serde_json::Value = serde_json::from_slice(&cfg).unwrap();
    assert_eq!(v["alerts"]["record_field"], "alert");
}

/// Before Fluent Bit 4.1 the instance was re-created for every chunk. The
/// stateless stages (scrub, enrich, trace- and digest-based sampling) must
/// give the same records either way; only rate limits and alert windows
/// (documented) see one chunk at a time.
#[test]
fn per_chunk_instances_give_the_same_records_for_stateless_stages() {
    let config = br#"{"scrub": {"preset": "strict"}, "enrich": {"level": {}, "route": {}},
                      "sample": {"rates": {"debug": 0.0, "info": 0.3}}}"#;
    let dir = scratch("chunks", config);
    let input = std::fs::read(root().join("host-test/samples/structlog.ndjson")).unwrap();
    let records: Vec<Vec<u8>> = lines(&input).map(fluent_bit_record).collect();
    let run = |reset: Option<usize>| -> Vec<FilterResult> {
        let (engine, module) = module();
        let cfg = FluentBitConfig {
            function: "logsift_filter".into(),
            heap_size: 1 << 20,
            accessible_paths: vec![dir.clone()],
            reset_per_chunk: reset,
            ..FluentBitConfig::default()
        };
        let mut fb = FluentBit::new(engine, module, cfg).unwrap();
        records.iter().map(|r| fb.filter(b"app", 1_732_464_000, 0, r).unwrap()).collect()
    };
    let persistent = run(None);
    let per_chunk = run(Some(100));
    let kept = persistent.iter().filter(|r| matches!(r, FilterResult::Keep(_))).count();
    assert!(kept > 100 && kept < records.len(), "sampling kept {kept} of {}", records.len());
    assert_eq!(persistent, per_chunk);
}

/// The module's file access is reading its config: it imports `path_open`
/// and the preopen calls (to find `logsift.json` in `accessible_paths`), and
/// nothing that creates, removes, renames, links or lists files.
#[test]
fn the_module_only_reads_files() {
    let (_, module) = module();
    let wasi: Vec<String> =
        module.imports().filter(|i| i.module().starts_with("wasi")).map(|i| i.name().to_owned()).collect();
    assert!(wasi.iter().any(|n| n == "path_open"), "{wasi:?}");
    for name in &wasi {
        let writes = name.starts_with("path_") && name != "path_open";
        assert!(!writes && name != "fd_readdir" && name != "fd_allocate", "imports {name}");
    }
}
