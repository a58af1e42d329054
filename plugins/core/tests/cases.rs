//! Runs the data-driven case corpus in `tests/cases/*.json` on the native
//! engine. The same files are meant for every executor (the harness runs
//! them through each `.wasm`), so they hold only inputs and expectations.
//!
//! A file is a list of suites. A suite has a `config` and `cases` run in
//! order on one pipeline (so sampling and alert state carry over). A case has
//! an `input` line and any of: `output` (exact), `contains`, `absent`,
//! `dropped` (`sampled` | `rate_limited` | `rule`), `valid_json`, `at`
//! (Unix seconds for the context clock), `signals` (alert events expected
//! right after the case, as `["firing:Name", "resolved:Name"]`), `tick_at`
//! (run the timer at that time after the case) and `emitted` (substrings
//! of summary records expected after the case).

use std::path::Path;

use logsift_core::{Ctx, Outcome, Pipeline};
use serde::Deserialize;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Suite {
    name: String,
    config: serde_json::Value,
    cases: Vec<Case>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Case {
    #[serde(default)]
    name: Option<String>,
    input: String,
    #[serde(default)]
    output: Option<String>,
    #[serde(default)]
    contains: Vec<String>,
    #[serde(default)]
    absent: Vec<String>,
    #[serde(default)]
    dropped: Option<String>,
    #[serde(default)]
    valid_json: bool,
    #[serde(default)]
    at: Option<f64>,
    #[serde(default)]
    signals: Option<Vec<String>>,
    #[serde(default)]
    tick_at: Option<f64>,
    #[serde(default)]
    emitted: Vec<String>,
}

const T0: f64 = 1_732_464_000.0;

fn run_suite(file: &str, suite: &Suite, failures: &mut Vec<String>) {
    let cfg = serde_json::to_vec(&suite.config).unwrap();
    let mut p = match Pipeline::from_json(&cfg) {
        Ok(p) => p,
        Err(e) => {
            failures.push(format!("{file} / {}: config rejected: {e}", suite.name));
            return;
        }
    };
    let mut ctx = Ctx::new((T0 * 1e9) as u64, 42);
    for (i, c) in suite.cases.iter().enumerate() {
        let label =
            format!("{file} / {} / {}", suite.name, c.name.clone().unwrap_or_else(|| format!("#{i}")));
        let mut fail = |msg: String| failures.push(format!("{label}: {msg}\n    input: {}", c.input));
        if let Some(at) = c.at {
            ctx.set_now((at * 1e9) as u64);
        }
        let outcome = p.process(c.input.as_bytes(), &mut ctx);
        match (&outcome, &c.dropped) {
            (Outcome::Drop(r), Some(want)) if r.as_str() == want => {}
            (Outcome::Drop(r), want) => fail(format!("dropped ({}), expected {:?}", r.as_str(), want)),
            (Outcome::Keep(_), Some(want)) => fail(format!("kept, expected drop ({want})")),
            (Outcome::Keep(_), None) => {}
        }
        if let Outcome::Keep(bytes) = &outcome {
            // Fluent Bit's adapter trusts this instead of reading the record again.
            if p.kept_json_object() && !logsift_core::json::is_object(bytes) {
                fail("kept_json_object() is true, but the record is not one JSON object".into());
            }
            let out = String::from_utf8_lossy(bytes);
            if let Some(want) = &c.output
                && &out != want
            {
                fail(format!("output differs\n    want: {want}\n    got:  {out}"));
            }
            for s in &c.contains {
                if !out.contains(s.as_str()) {
                    fail(format!("output lacks {s:?}\n    got: {out}"));
                }
            }
            for s in &c.absent {
                if out.contains(s.as_str()) {
                    fail(format!("output still has {s:?}\n    got: {out}"));
                }
            }
            if c.valid_json && serde_json::from_slice::<serde_json::Value>(bytes).is_err() {
                fail(format!("output is not valid JSON: {out}"));
            }
        }
        if let Some(t) = c.tick_at {
            ctx.set_now((t * 1e9) as u64);
            p.tick(&ctx);
        }
        let got: Vec<String> = p
            .take_signals()
            .iter()
            .map(|e| format!("{}:{}", if e.resolved { "resolved" } else { "firing" }, e.labels["alertname"]))
            .collect();
        if let Some(want) = &c.signals
            && &got != want
        {
            fail(format!("signals {got:?}, expected {want:?}"));
        }
        let emitted: Vec<String> =
            p.take_emitted().iter().map(|b| String::from_utf8_lossy(b).into_owned()).collect();
        for s in &c.emitted {
            if !emitted.iter().any(|e| e.contains(s.as_str())) {
                fail(format!("no emitted record contains {s:?}; emitted: {emitted:?}"));
            }
        }
    }
    if !p.stats().balanced() {
        failures.push(format!("{file} / {}: counters do not balance: {:?}", suite.name, p.stats()));
    }
}

#[test]
fn case_corpus() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/cases");
    let mut files: Vec<_> = std::fs::read_dir(&dir).unwrap().map(|e| e.unwrap().path()).collect();
    files.sort();
    let mut failures = Vec::new();
    let mut n = 0;
    for path in files.iter().filter(|p| p.extension().is_some_and(|e| e == "json")) {
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        let suites: Vec<Suite> =
            serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap_or_else(|e| panic!("{name}: {e}"));
        for s in &suites {
            n += s.cases.len();
            run_suite(&name, s, &mut failures);
        }
    }
    assert!(n > 0, "no cases found in {}", dir.display());
    assert!(failures.is_empty(), "{} of {n} cases failed:\n{}", failures.len(), failures.join("\n"));
}
