//! The data-driven case corpus (`plugins/core/tests/cases/*.json`, format at
//! the top of `plugins/core/tests/cases.rs`) through every built `.wasm`, as
//! STYLE.md asks: one corpus, run by every executor. The directory is read at
//! run time (`common/cases.rs`), so a new file or case is picked up here
//! without touching this file.
//!
//! Executors, one test each (each compiles its module once, and they run in
//! parallel):
//! - `native`: the engine called directly, held as `plugins/core/tests/cases.rs`
//!   holds it; its verdicts also label every `.wasm` failure as a parity bug
//!   (passes natively) or not.
//! - `component` (`dist/logsift_component.wasm`): exact, like native —
//!   outputs, drops with their reasons, signals, `tick`, emitted summaries.
//! - `fluent_bit` (`dist/logsift_fluent_bit.wasm`): what Fluent Bit's ABI can
//!   show. A record is a JSON map (a text line arrives as `{"log": line}`, as
//!   `tail` makes it), a drop has no reason, alerts reach the record only
//!   through `alerts.record_field`, summaries ride on the record as
//!   `logsift_summaries`, and there is no timer call. Each case's own
//!   expectations are held where that ABI allows (skips are counted with
//!   their reason), and every case is also compared with the native engine
//!   fed the same map on the adapter's schedule.
//! - `proxy_wasm_ingest` (`dist/logsift_proxy_wasm.wasm`, `ingest` role):
//!   each input is POSTed as a one-line NDJSON body; the record is what
//!   reaches the backend, the drop reason comes from the module's drop
//!   counters, signals from its POSTs to Alertmanager, emitted summaries
//!   from its log, and `tick_at` moves the host clock so the 1 s timer fires.
//!
//! Each test prints a summary (cases run, passed, failed, skipped
//! expectations by reason); a failure names file / suite / case, the
//! executor, the input, what was expected and what came back, and whether
//! the module is older than its source. `LOGSIFT_CASES_DIR=<dir>` runs a
//! copy of the corpus instead (to watch a check fail on a broken
//! expectation). The JS package runs the same corpus exactly in
//! `plugins/js/test/cases.test.mjs`.

mod common;

use std::path::PathBuf;
use std::sync::{Arc, Mutex, OnceLock};

use common::cases::{
    Built, CaseResult, SECOND, Seen, Suite, SuiteRun, T0, check_emitted, check_exact, check_record, nanos,
    native_suite, root, run_corpus, signal_name, signal_names,
};
use logsift_core::{AlertEvent, Ctx, Outcome, Pipeline};
use logsift_host::component::{ComponentConfig, ComponentFilter, ComponentPlugin};
use logsift_host::fluent_bit::{FilterResult, FluentBit, FluentBitConfig};
use logsift_host::fluent_bit_record;
use logsift_host::proxy_wasm::{
    ALERTS_CLUSTER, CallAnswer, HttpCall, HttpResponse, ProxyWasm, ProxyWasmConfig, Request, level,
    plugin_config_for,
};
use serde_json::Value;
use wasmtime::{Engine, Module};

/// The Fluent Bit adapter's own seed (`plugins/fluent-bit/src/lib.rs`), so
/// the native engine fed what Fluent Bit is fed generates the same ids.
const FLUENT_BIT_SEED: u64 = 0x006c_6f67_7369_6674;

/// One engine for every module of the binary (each test compiles its own
/// module on it, once).
fn engine() -> &'static Engine {
    static E: OnceLock<Engine> = OnceLock::new();
    E.get_or_init(|| logsift_host::fluent_bit::engine().unwrap())
}

fn dist(file: &str) -> PathBuf {
    let path = root().join("dist").join(file);
    assert!(path.exists(), "{} is missing: run `cargo xtask dist`", path.display());
    path
}

#[test]
fn native() {
    run_corpus("native", None, |_, _, suite| native_suite(suite));
}

// ---------------------------------------------------------------------------
// component

fn component_plugin() -> &'static ComponentPlugin {
    static P: OnceLock<ComponentPlugin> = OnceLock::new();
    P.get_or_init(|| ComponentPlugin::from_file(engine(), &dist("logsift_component.wasm")).unwrap())
}

fn component_suite(suite: &Suite) -> SuiteRun {
    let mut results = Vec::new();
    let config = suite.config.to_string();
    let mut now = nanos(T0);
    let mut f: ComponentFilter = match component_plugin().instantiate(&ComponentConfig::default(), true) {
        Ok(f) => f,
        Err(e) => return (results, Some(format!("instantiate: {e}"))),
    };
    f.set_time(now);
    match f.configure(&config) {
        Ok(Ok(())) => {}
        Ok(Err(e)) => return (results, Some(format!("config rejected: {e}"))),
        Err(e) => return (results, Some(format!("configure: {e}"))),
    }
    for c in &suite.cases {
        if let Some(at) = c.at {
            now = nanos(at);
        }
        f.set_time(now);
        let step = (|| {
            let outcome = match f.process(&[c.input.clone().into_bytes()])?.pop() {
                Some(Outcome::Keep(b)) => Ok(b.into_owned()),
                Some(Outcome::Drop(r)) => Err(r.as_str().to_owned()),
                None => unreachable!("the driver checks one outcome per record"),
            };
            if let Some(t) = c.tick_at {
                now = nanos(t);
                f.set_time(now);
                f.tick()?;
            }
            let signals = Ok(signal_names(&f.take_signals()?));
            let emitted =
                Ok(f.take_emitted()?.iter().map(|b| String::from_utf8_lossy(b).into_owned()).collect());
            Ok::<_, logsift_host::DriverError>(Seen { outcome, signals, emitted })
        })();
        match step {
            Ok(seen) => results.push(check_exact(c, &seen)),
            Err(e) => return (results, Some(format!("the component failed: {e}"))),
        }
    }
    (results, None)
}

#[test]
fn component() {
    let built = Built {
        module: &dist("logsift_component.wasm"),
        sources: &["plugins/core/src", "plugins/component/src", "wit"],
    };
    run_corpus("component", Some(built), |_, _, suite| component_suite(suite));
}

// ---------------------------------------------------------------------------
// Fluent Bit

const FB_DROP_REASON: &str =
    "drop reason: Fluent Bit's filter ABI returns NULL for every drop, so only the drop itself shows";
const FB_NO_SIGNALS: &str = "signals: Fluent Bit has no signal channel, and this suite sets no \
     alerts.record_field to write the firing alert on the record";
const FB_TICK: &str = "signals/emitted after tick_at: Fluent Bit gives a filter no timer call; \
     the module ticks only when a record arrives";
const FB_RESOLVED: &str = "resolved signals: only a firing alert is written on the record (record_field)";
const FB_MORE_ALERTS: &str = "more than one alert firing on one record: record_field carries the first only";
const FB_TEXT_AS_MAP: &str = "record expectations of a text line in a suite with enrich/sample/alerts: \
     Fluent Bit hands the filter {\"log\": line}, a map, so what holds for a non-object record does not \
     apply (held against the native engine fed the same map instead)";
const FB_REENCODED: &str = "contains/absent on a record re-encoded to carry logsift_summaries: \
     its output is compared as a JSON value instead";

const FB_SAME_MAP: &str = "the module agrees with the native engine fed the same {\"log\": line} map: \
     the expectation fails for the line as Fluent Bit delivers it, in the engine, not in the adapter";
const FB_SAME_SCHEDULE: &str = "the module agrees with the native engine fed the same record on the \
     adapter's tick schedule: the difference is the ABI's timing, not the adapter's translation";

fn fluent_bit_module() -> &'static Module {
    static M: OnceLock<Module> = OnceLock::new();
    M.get_or_init(|| Module::from_file(engine(), dist("logsift_fluent_bit.wasm")).unwrap())
}

/// What Fluent Bit must get back for a record the native engine kept, by
/// the adapter's rule: the engine's bytes when they are one JSON object and
/// no summary rides on them; else a map (`{"log": text}` for a record
/// scrubbed as text) with the summaries under `logsift_summaries`, which
/// the adapter re-encodes, so it is compared as a JSON value.
enum FluentBitWant {
    Bytes(Vec<u8>),
    Map(Value),
}

fn fluent_bit_want(bytes: &[u8], is_object: bool, summaries: &[Vec<u8>]) -> FluentBitWant {
    if is_object && summaries.is_empty() {
        let mut b = bytes.to_vec();
        b.retain(|&x| x != 0);
        return FluentBitWant::Bytes(b);
    }
    let mut map = if is_object { serde_json::from_slice(bytes).ok() } else { None }.unwrap_or_else(|| {
        let mut m = serde_json::Map::new();
        m.insert("log".into(), String::from_utf8_lossy(bytes).into_owned().into());
        m
    });
    if !summaries.is_empty() {
        let list = summaries.iter().filter_map(|s| serde_json::from_slice(s).ok()).collect();
        map.insert("logsift_summaries".into(), Value::Array(list));
    }
    FluentBitWant::Map(Value::Object(map))
}

/// The first `alertname` anywhere in `v`.
fn alertname(v: &Value) -> Option<&str> {
    match v {
        Value::Object(m) => {
            m.get("alertname").and_then(Value::as_str).or_else(|| m.values().find_map(alertname))
        }
        Value::Array(a) => a.iter().find_map(alertname),
        _ => None,
    }
}

fn fluent_bit_suite(file: &str, si: usize, suite: &Suite) -> SuiteRun {
    let mut results = Vec::new();
    let cfg = serde_json::to_vec(&suite.config).unwrap();
    // The native engine fed exactly what Fluent Bit feeds the module, on the
    // adapter's schedule (a tick before a record once a second has passed).
    let mut shadow = match Pipeline::from_json(&cfg) {
        Ok(p) => p,
        Err(e) => return (results, Some(format!("config rejected natively: {e}"))),
    };
    let mut ctx = Ctx::new(0, FLUENT_BIT_SEED);
    let mut last_tick = 0u64;
    // Fluent Bit passes no config: the module reads logsift.json from an
    // accessible path.
    let dir = std::env::temp_dir()
        .join(format!("logsift-cases-{}", std::process::id()))
        .join(format!("{}-{si}", file.trim_end_matches(".json")));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("logsift.json"), &cfg).unwrap();
    let fb_cfg = FluentBitConfig {
        heap_size: 1 << 20,
        accessible_paths: vec![dir.clone()],
        ..FluentBitConfig::default()
    };
    let mut fb = match FluentBit::new(engine(), fluent_bit_module(), fb_cfg) {
        Ok(f) => f,
        Err(e) => return (results, Some(format!("instantiate: {e}"))),
    };
    let record_field =
        suite.config.pointer("/alerts/record_field").and_then(Value::as_str).filter(|f| !f.is_empty());
    let scrub_only = suite.config.as_object().is_some_and(|m| m.keys().all(|k| k == "scrub"));
    let mut now = nanos(T0);
    for c in &suite.cases {
        if let Some(at) = c.at {
            now = nanos(at);
        }
        let rec = fluent_bit_record(c.input.as_bytes());
        let is_map = rec == c.input.as_bytes();
        let got = match fb.filter(b"app.logs", (now / SECOND) as u32, (now % SECOND) as u32, &rec) {
            Ok(FilterResult::Keep(b)) => Some(b),
            Ok(FilterResult::Drop) => None,
            Err(e) => {
                return (
                    results,
                    Some(format!("the filter call failed on {}: {e}", String::from_utf8_lossy(&rec))),
                );
            }
        };
        ctx.set_now(now);
        if now >= last_tick + SECOND {
            shadow.tick(&ctx);
            last_tick = now;
        }
        let want = match shadow.process(&rec, &mut ctx) {
            Outcome::Keep(b) => {
                let is_object = shadow.kept_json_object() || logsift_core::json::is_object(&b);
                let summaries = shadow.take_emitted();
                Some(fluent_bit_want(&b, is_object, &summaries))
            }
            Outcome::Drop(_) => {
                drop(shadow.take_emitted());
                None
            }
        };
        drop(shadow.take_signals());
        if let Some(t) = c.tick_at {
            now = nanos(t);
        }
        let mut r = CaseResult::default();
        let got_text = got.as_ref().map(|b| String::from_utf8_lossy(b).into_owned());
        let got_value: Option<Value> = got.as_ref().and_then(|b| serde_json::from_slice(b).ok());

        // Parity: the module against the native engine on the same record.
        let parity = "differs from the native engine fed the same record";
        match (&want, &got) {
            (None, None) => {}
            (Some(FluentBitWant::Bytes(w)), Some(g)) if w == g => {}
            (Some(FluentBitWant::Map(w)), Some(_)) if got_value.as_ref() == Some(w) => {}
            (Some(FluentBitWant::Bytes(w)), _) => r.miss(
                parity,
                String::from_utf8_lossy(w),
                got_text.clone().unwrap_or_else(|| "dropped".into()),
            ),
            (Some(FluentBitWant::Map(w)), _) => {
                r.miss(parity, w.to_string(), got_text.clone().unwrap_or_else(|| "dropped".into()))
            }
            (None, Some(_)) => r.miss(parity, "dropped", got_text.clone().unwrap_or_default()),
        }

        let parity_held = r.misses.is_empty();

        // The case's own expectations, where this ABI shows them.
        let record_held = is_map || scrub_only;
        if !record_held {
            let has_record_expectations = c.output.is_some()
                || !c.contains.is_empty()
                || !c.absent.is_empty()
                || c.valid_json
                || c.dropped.is_some();
            if has_record_expectations {
                r.skip(FB_TEXT_AS_MAP);
            }
        } else {
            match (&c.dropped, &got) {
                (Some(_), None) => r.skip(FB_DROP_REASON),
                (Some(w), Some(_)) => r.miss(
                    "outcome differs",
                    format!("dropped ({w})"),
                    format!("kept: {}", got_text.clone().unwrap_or_default()),
                ),
                (None, None) => r.miss("outcome differs", "kept", "dropped"),
                (None, Some(_)) => {}
            }
            if let (Some(text), Some(v)) = (&got_text, &got_value) {
                let carries_summaries =
                    v.get("logsift_summaries").is_some() && !c.input.contains("\"logsift_summaries\"");
                if !is_map {
                    // A text line: the expectations hold on the `log` value.
                    match v.get("log").and_then(Value::as_str) {
                        Some(log) => check_record(c, log, &mut r),
                        None => r.miss("the text line's record has no \"log\" string", "{\"log\": …}", text),
                    }
                } else if carries_summaries {
                    let mut bare = v.clone();
                    if let Some(m) = bare.as_object_mut() {
                        m.remove("logsift_summaries");
                    }
                    if let Some(want) = &c.output {
                        match serde_json::from_str::<Value>(want) {
                            Ok(w) if w == bare => {}
                            _ => r.miss(
                                "output differs (as JSON, without logsift_summaries)",
                                want,
                                bare.to_string(),
                            ),
                        }
                    }
                    if !c.contains.is_empty() || !c.absent.is_empty() {
                        r.skip(FB_REENCODED);
                    }
                } else {
                    check_record(c, text, &mut r);
                }
            }
        }
        if let Some(want) = &c.signals {
            if c.tick_at.is_some() {
                r.skip(FB_TICK);
            } else if let Some(field) = record_field {
                if want.iter().any(|s| s.starts_with("resolved:")) {
                    r.skip(FB_RESOLVED);
                }
                let firing: Vec<&str> = want.iter().filter_map(|s| s.strip_prefix("firing:")).collect();
                if firing.len() > 1 {
                    r.skip(FB_MORE_ALERTS);
                }
                let on_record = got_value.as_ref().and_then(|v| v.get(field));
                let got_name = on_record.map(|a| alertname(a).unwrap_or("(no alertname)"));
                if got_name != firing.first().copied() {
                    r.miss(
                        format!("alert on the record's {field:?} field"),
                        firing.first().map_or("none".to_owned(), |n| n.to_string()),
                        on_record.map_or("none".to_owned(), Value::to_string),
                    );
                }
            } else {
                r.skip(FB_NO_SIGNALS);
            }
        }
        if !c.emitted.is_empty() {
            if c.tick_at.is_some() {
                r.skip(FB_TICK);
            } else {
                let summaries: Vec<String> = got_value
                    .as_ref()
                    .and_then(|v| v.get("logsift_summaries"))
                    .and_then(Value::as_array)
                    .map(|a| a.iter().map(Value::to_string).collect())
                    .unwrap_or_default();
                check_emitted(c, &summaries, &mut r);
            }
        }
        if parity_held && !r.misses.is_empty() {
            r.note = Some(if is_map { FB_SAME_SCHEDULE } else { FB_SAME_MAP });
        }
        results.push(r);
    }
    let _ = std::fs::remove_dir_all(&dir);
    (results, None)
}

#[test]
fn fluent_bit() {
    let built = Built {
        module: &dist("logsift_fluent_bit.wasm"),
        sources: &["plugins/core/src", "plugins/fluent-bit/src"],
    };
    run_corpus("fluent-bit", Some(built), fluent_bit_suite);
}

// ---------------------------------------------------------------------------
// proxy-wasm, ingest role

const PROXY_TICK_NOT_DUE: &str = "signals/emitted after tick_at within 1 s of the previous tick: \
     the proxy-wasm timer fires once a second";
const PROXY_CLOCK_BACK: &str = "a case whose clock goes back: the host's clock only moves forward";

fn proxy_module() -> &'static Module {
    static M: OnceLock<Module> = OnceLock::new();
    M.get_or_init(|| Module::from_file(engine(), dist("logsift_proxy_wasm.wasm")).unwrap())
}

/// Milliseconds since the epoch of an RFC 3339 UTC time as the engine
/// writes it (`2024-11-24T16:00:00.000Z`).
fn rfc3339_millis(s: &str) -> Option<i64> {
    let num = |r: std::ops::Range<usize>| s.get(r)?.parse::<i64>().ok();
    let (y, m, d) = (num(0..4)?, num(5..7)?, num(8..10)?);
    let (hh, mm, ss) = (num(11..13)?, num(14..16)?, num(17..19)?);
    let frac = s.get(19..).unwrap_or("").trim_end_matches('Z');
    let ms = frac.strip_prefix('.').map_or(Some(0), |f| format!("{f:0<3}").get(..3)?.parse().ok())?;
    // Days from the civil date (H. Hinnant's algorithm).
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + d - 1;
    let days = era * 146_097 + yoe * 365 + yoe / 4 - yoe / 100 + doy - 719_468;
    Some(((days * 24 + hh) * 60 + mm) * 60_000 + ss * 1000 + ms)
}

fn proxy_suite(suite: &Suite) -> SuiteRun {
    let mut results = Vec::new();
    let config = serde_json::to_vec(&suite.config).unwrap();
    // Alert events as the module POSTs them to Alertmanager. The wire shape
    // has no `resolved`: a resolved alert ends when it is sent, a firing one
    // at least four seconds later.
    let alerts: Arc<Mutex<Vec<String>>> = Arc::default();
    let sink = alerts.clone();
    let up = move |call: &HttpCall| {
        if call.cluster != ALERTS_CLUSTER {
            return CallAnswer::UnknownCluster;
        }
        let mut out = sink.lock().unwrap();
        match serde_json::from_slice::<Vec<AlertEvent>>(&call.body) {
            Ok(events) => {
                let sent = (call.at_nanos / 1_000_000) as i64;
                for e in &events {
                    let resolved = rfc3339_millis(&e.ends_at).is_some_and(|end| end <= sent + 1000);
                    out.push(signal_name(e, resolved));
                }
            }
            Err(e) => out.push(format!("(not a list of alerts: {e})")),
        }
        CallAnswer::Response(HttpResponse::status(200))
    };
    let cfg = ProxyWasmConfig {
        plugin_config: plugin_config_for(&config, "ingest"),
        buffer_limit: usize::MAX,
        ..ProxyWasmConfig::default()
    };
    let mut now = nanos(T0);
    let mut vm = match ProxyWasm::new(engine(), proxy_module(), cfg, Box::new(up), now) {
        Ok(vm) => vm,
        Err(e) => return (results, Some(format!("the plugin did not start: {e}"))),
    };
    vm.take_logs();
    // The timer was armed at configure time, with the module's 1 s period.
    let mut next_tick = now + SECOND;
    let dropped = |vm: &ProxyWasm| -> Vec<(&'static str, i64)> {
        ["sampled", "rate_limited", "rule"]
            .into_iter()
            .map(|r| (r, vm.metric_where("logsift_records_dropped_total", "reason", r)))
            .collect()
    };
    for c in &suite.cases {
        if let Some(at) = c.at {
            now = nanos(at);
        }
        let clock_back = now < vm.now();
        // A request does not run the timer; only `tick_at` does, below.
        vm.set_clock(now);
        let before = dropped(&vm);
        let mut body = c.input.clone().into_bytes();
        body.push(b'\n');
        let req = Request::post("/ingest", &[("content-type", "application/x-ndjson")], body);
        let ex = match vm.http(req) {
            Ok(ex) => ex,
            Err(e) => return (results, Some(format!("the VM failed: {e}"))),
        };
        let mut r = CaseResult::default();
        if clock_back {
            r.skip(PROXY_CLOCK_BACK);
            results.push(r);
            let _ = (vm.take_logs(), std::mem::take(&mut *alerts.lock().unwrap()));
            continue;
        }
        let outcome = match ex.forwarded {
            Some((_, body)) if !ex.local_reply => {
                let lines: Vec<&[u8]> = logsift_host::lines(&body).collect();
                match lines[..] {
                    [] => {
                        let after = dropped(&vm);
                        let reasons: Vec<&str> =
                            before.iter().zip(&after).filter(|(b, a)| a.1 > b.1).map(|(_, a)| a.0).collect();
                        Err(if reasons.is_empty() {
                            "(no drop counted)".to_owned()
                        } else {
                            reasons.join("+")
                        })
                    }
                    [line] => Ok(line.to_vec()),
                    _ => {
                        r.miss("body lines", "at most one line", String::from_utf8_lossy(&body));
                        Ok(body.clone())
                    }
                }
            }
            _ => {
                let reply =
                    format!("{} {}", ex.response.status, String::from_utf8_lossy(&ex.response.body).trim());
                r.miss("the request did not reach the backend", "a forwarded body", reply);
                results.push(r);
                continue;
            }
        };
        let mut tick_seen = true;
        if let Some(t) = c.tick_at {
            now = nanos(t);
            if now >= next_tick && now >= vm.now() {
                next_tick = now + SECOND;
            } else {
                tick_seen = false;
            }
            if let Err(e) = vm.set_time(now) {
                return (results, Some(format!("the VM failed on its timer: {e}")));
            }
        }
        let signals = std::mem::take(&mut *alerts.lock().unwrap());
        let emitted: Vec<String> = vm
            .take_logs()
            .into_iter()
            .filter(|(l, m)| *l == level::INFO && m.starts_with('{'))
            .map(|(_, m)| m)
            .collect();
        let seen = Seen {
            outcome,
            signals: if tick_seen { Ok(signals) } else { Err(PROXY_TICK_NOT_DUE) },
            emitted: if tick_seen { Ok(emitted) } else { Err(PROXY_TICK_NOT_DUE) },
        };
        let exact = check_exact(c, &seen);
        r.misses.extend(exact.misses);
        r.skips.extend(exact.skips);
        results.push(r);
    }
    (results, None)
}

#[test]
fn proxy_wasm_ingest() {
    let built = Built {
        module: &dist("logsift_proxy_wasm.wasm"),
        sources: &["plugins/core/src", "plugins/formats/src", "plugins/proxy-wasm/src"],
    };
    run_corpus("proxy-wasm ingest", Some(built), |_, _, suite| proxy_suite(suite));
}

#[test]
fn rfc3339_reads_the_engine_times() {
    assert_eq!(rfc3339_millis("1970-01-01T00:00:00.000Z"), Some(0));
    assert_eq!(rfc3339_millis("2024-11-24T16:00:00.500Z"), Some(1_732_464_000_500));
    assert_eq!(rfc3339_millis("2000-03-01T00:00:01Z"), Some(951_868_801_000));
}
