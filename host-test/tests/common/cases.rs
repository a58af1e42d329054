//! The data-driven case corpus (`plugins/core/tests/cases/*.json`, format at
//! the top of `plugins/core/tests/cases.rs`) for the executors in
//! `tests/cases.rs`: reading it (the directory at run time, so new files and
//! cases are picked up), holding a case's expectations on what an executor
//! saw, tallying and reporting, and the native engine as the reference that
//! tells a parity bug from a case that fails everywhere.

#![allow(dead_code)]

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::sync::OnceLock;
use std::time::SystemTime;

use logsift_core::{AlertEvent, Ctx, Outcome, Pipeline};
use serde::Deserialize;
use serde_json::Value;

// ---------------------------------------------------------------------------
// The corpus

/// A suite, as `plugins/core/tests/cases.rs` reads it (unknown fields are
/// errors there and here, so the two readers cannot drift apart silently).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Suite {
    pub name: String,
    pub config: Value,
    pub cases: Vec<Case>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Case {
    #[serde(default)]
    pub name: Option<String>,
    pub input: String,
    #[serde(default)]
    pub output: Option<String>,
    #[serde(default)]
    pub contains: Vec<String>,
    #[serde(default)]
    pub absent: Vec<String>,
    #[serde(default)]
    pub dropped: Option<String>,
    #[serde(default)]
    pub valid_json: bool,
    #[serde(default)]
    pub at: Option<f64>,
    #[serde(default)]
    pub signals: Option<Vec<String>>,
    #[serde(default)]
    pub tick_at: Option<f64>,
    #[serde(default)]
    pub emitted: Vec<String>,
}

pub struct CaseFile {
    pub name: String,
    pub suites: Vec<Suite>,
}

/// The context clock before a suite's first `at` (as in the native runner).
pub const T0: f64 = 1_732_464_000.0;
/// The native runner's seed (`plugins/core/tests/cases.rs`).
pub const NATIVE_SEED: u64 = 42;
pub const SECOND: u64 = 1_000_000_000;

pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..")
}

pub fn nanos(secs: f64) -> u64 {
    (secs * 1e9) as u64
}

/// Every `*.json` in the corpus directory, read once per test binary.
/// `LOGSIFT_CASES_DIR` points the executors at another copy (to see a
/// check fail on a deliberately broken expectation without touching the
/// corpus).
pub fn corpus() -> &'static [CaseFile] {
    static C: OnceLock<Vec<CaseFile>> = OnceLock::new();
    C.get_or_init(|| {
        let dir = std::env::var_os("LOGSIFT_CASES_DIR")
            .map_or_else(|| root().join("plugins/core/tests/cases"), PathBuf::from);
        let mut paths: Vec<PathBuf> = std::fs::read_dir(&dir)
            .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
            .map(|e| e.unwrap().path())
            .filter(|p| p.extension().is_some_and(|e| e == "json"))
            .collect();
        paths.sort();
        let files: Vec<CaseFile> = paths
            .iter()
            .map(|p| {
                let name = p.file_name().unwrap().to_string_lossy().into_owned();
                let suites = serde_json::from_slice(&std::fs::read(p).unwrap())
                    .unwrap_or_else(|e| panic!("{name}: {e}"));
                CaseFile { name, suites }
            })
            .collect();
        assert!(
            files.iter().any(|f| f.suites.iter().any(|s| !s.cases.is_empty())),
            "no cases in {}",
            dir.display()
        );
        files
    })
}

pub fn case_label(file: &str, suite: &Suite, i: usize) -> String {
    let case = suite.cases[i].name.clone().unwrap_or_else(|| format!("#{i}"));
    format!("{file} / {} / {case}", suite.name)
}

// ---------------------------------------------------------------------------
// Checking

/// One expectation that did not hold.
pub struct Miss {
    pub what: String,
    pub want: String,
    pub got: String,
}

pub fn miss(what: impl Into<String>, want: impl Into<String>, got: impl Into<String>) -> Miss {
    Miss { what: what.into(), want: want.into(), got: got.into() }
}

/// What one case came to on one executor.
#[derive(Default)]
pub struct CaseResult {
    pub misses: Vec<Miss>,
    /// Expectations this ABI cannot show, by reason.
    pub skips: Vec<&'static str>,
    /// What the executor can tell about its misses beyond the native verdict.
    pub note: Option<&'static str>,
}

impl CaseResult {
    pub fn miss(&mut self, what: impl Into<String>, want: impl Into<String>, got: impl Into<String>) {
        self.misses.push(miss(what, want, got));
    }

    pub fn skip(&mut self, reason: &'static str) {
        self.skips.push(reason);
    }
}

/// What an executor that sees everything the native engine does saw.
pub struct Seen {
    /// The kept record, or the drop reason.
    pub outcome: Result<Vec<u8>, String>,
    /// `firing:Name` / `resolved:Name`, in order; `Err` when not visible.
    pub signals: Result<Vec<String>, &'static str>,
    /// Summary records; `Err` when not visible.
    pub emitted: Result<Vec<String>, &'static str>,
}

pub fn signal_names(events: &[AlertEvent]) -> Vec<String> {
    events.iter().map(|e| signal_name(e, e.resolved)).collect()
}

pub fn signal_name(e: &AlertEvent, resolved: bool) -> String {
    let name = e.labels.get("alertname").map_or("?", String::as_str);
    format!("{}:{name}", if resolved { "resolved" } else { "firing" })
}

/// `output`, `contains`, `absent` and `valid_json` on a kept record.
pub fn check_record(c: &Case, out: &str, r: &mut CaseResult) {
    if let Some(want) = &c.output
        && out != want
    {
        r.miss("output differs", want, out);
    }
    for s in &c.contains {
        if !out.contains(s.as_str()) {
            r.miss(format!("output lacks {s:?}"), format!("a record containing {s:?}"), out);
        }
    }
    for s in &c.absent {
        if out.contains(s.as_str()) {
            r.miss(format!("output still has {s:?}"), format!("a record without {s:?}"), out);
        }
    }
    if c.valid_json && serde_json::from_str::<Value>(out).is_err() {
        r.miss("output is not valid JSON", "valid JSON", out);
    }
}

pub fn check_emitted(c: &Case, emitted: &[String], r: &mut CaseResult) {
    for s in &c.emitted {
        if !emitted.iter().any(|e| e.contains(s.as_str())) {
            r.miss(
                format!("no emitted record contains {s:?}"),
                format!("a summary containing {s:?}"),
                format!("{emitted:?}"),
            );
        }
    }
}

/// Every expectation of `c`, as the native runner holds them.
pub fn check_exact(c: &Case, seen: &Seen) -> CaseResult {
    let mut r = CaseResult::default();
    match (&seen.outcome, &c.dropped) {
        (Err(got), Some(want)) if got == want => {}
        (Err(got), want) => r.miss(
            "outcome differs",
            want.as_ref().map_or("kept".to_owned(), |w| format!("dropped ({w})")),
            format!("dropped ({got})"),
        ),
        (Ok(out), Some(want)) => r.miss(
            "outcome differs",
            format!("dropped ({want})"),
            format!("kept: {}", String::from_utf8_lossy(out)),
        ),
        (Ok(_), None) => {}
    }
    if let Ok(out) = &seen.outcome {
        check_record(c, &String::from_utf8_lossy(out), &mut r);
    }
    if let Some(want) = &c.signals {
        match &seen.signals {
            Ok(got) if got == want => {}
            Ok(got) => r.miss("signals differ", format!("{want:?}"), format!("{got:?}")),
            Err(why) => r.skip(why),
        }
    }
    if !c.emitted.is_empty() {
        match &seen.emitted {
            Ok(got) => check_emitted(c, got, &mut r),
            Err(why) => r.skip(why),
        }
    }
    r
}

// ---------------------------------------------------------------------------
// Running and reporting

/// One suite on one executor: a result per case run, and the error that
/// stopped the suite early (the remaining cases count as failed).
pub type SuiteRun = (Vec<CaseResult>, Option<String>);

#[derive(Default)]
struct Tally {
    cases: usize,
    passed: usize,
    failures: Vec<String>,
    /// Failures of cases that pass natively: parity bugs, unless the
    /// executor explains them (a note) as its ABI's input or timing.
    parity_bugs: usize,
    explained: usize,
    cases_with_skips: usize,
    skips: BTreeMap<&'static str, usize>,
}

/// Which built module an executor runs, and the source it is built from, so
/// a failure can say when the module is older than that source.
pub struct Built<'a> {
    pub module: &'a Path,
    /// Source directories of the module, relative to the repository root.
    pub sources: &'a [&'a str],
}

/// The newest file under `dir` (recursively) and its modification time.
fn newest(dir: &Path) -> Option<(SystemTime, PathBuf)> {
    let mut best: Option<(SystemTime, PathBuf)> = None;
    for entry in std::fs::read_dir(dir).ok()?.flatten() {
        let path = entry.path();
        let found = if path.is_dir() {
            newest(&path)
        } else {
            entry.metadata().ok().and_then(|m| m.modified().ok()).map(|t| (t, path))
        };
        if let Some(f) = found
            && best.as_ref().is_none_or(|b| f.0 > b.0)
        {
            best = Some(f);
        }
    }
    best
}

/// A warning when `built.module` is older than a file of its sources.
fn stale(built: &Built<'_>) -> Option<String> {
    let module_time = std::fs::metadata(built.module).and_then(|m| m.modified()).ok()?;
    let (time, path) =
        built.sources.iter().filter_map(|d| newest(&root().join(d))).max_by_key(|(t, _)| *t)?;
    (time > module_time).then(|| {
        let rel = path.strip_prefix(root()).unwrap_or(&path).display().to_string();
        format!(
            "{} is older than {rel}: a case that passes natively may fail here only because the module \
             was built from older source; run `cargo xtask dist` before calling it a parity bug",
            built.module.strip_prefix(root()).unwrap_or(built.module).display()
        )
    })
}

/// Runs every suite of the corpus on `executor` (the `.wasm` in `built`),
/// prints the summary and fails the test on any miss.
pub fn run_corpus(
    executor: &str,
    built: Option<Built<'_>>,
    mut run_suite: impl FnMut(&str, usize, &Suite) -> SuiteRun,
) {
    let native = if built.is_some() { Some(native_verdicts()) } else { None };
    let stale = built.as_ref().and_then(stale);
    let mut t = Tally::default();
    for file in corpus() {
        for (si, suite) in file.suites.iter().enumerate() {
            let (results, stopped) = run_suite(&file.name, si, suite);
            for (ci, c) in suite.cases.iter().enumerate() {
                t.cases += 1;
                let label = case_label(&file.name, suite, ci);
                let native_passes =
                    native.map(|v| v.get(&(file.name.clone(), si, ci)).copied().unwrap_or(false));
                let native_note = |explained: bool| {
                    native_passes.map(|ok| match (ok, explained, &stale) {
                        (true, true, _) => "passes natively on the raw input",
                        (true, false, None) => "passes natively: a parity bug",
                        (true, false, Some(_)) => {
                            "passes natively, but the module is older than its source (see below)"
                        }
                        (false, _, _) => "fails natively too",
                    })
                };
                let fail = |t: &mut Tally, msg: String, explained: bool| {
                    if native_passes == Some(true) {
                        if explained {
                            t.explained += 1;
                        } else {
                            t.parity_bugs += 1;
                        }
                    }
                    t.failures.push(msg);
                };
                let Some(r) = results.get(ci) else {
                    let why = stopped.clone().unwrap_or_else(|| "the executor returned no result".into());
                    let misses = [miss("not run", "a result", why)];
                    let msg = report(&label, executor, c, &misses, native_note(false), None);
                    fail(&mut t, msg, false);
                    continue;
                };
                if !r.skips.is_empty() {
                    t.cases_with_skips += 1;
                    for s in &r.skips {
                        *t.skips.entry(s).or_default() += 1;
                    }
                }
                if r.misses.is_empty() {
                    t.passed += 1;
                } else {
                    let msg = report(&label, executor, c, &r.misses, native_note(r.note.is_some()), r.note);
                    fail(&mut t, msg, r.note.is_some());
                }
            }
        }
    }
    let skipped: usize = t.skips.values().sum();
    let mut summary = format!(
        "case corpus on {executor}: {} cases run, {} passed, {} failed",
        t.cases,
        t.passed,
        t.failures.len()
    );
    if native.is_some() && !t.failures.is_empty() {
        let parity =
            if stale.is_some() { "parity bugs or a stale build (see the warning)" } else { "parity bugs" };
        summary.push_str(&format!(
            " ({} pass natively: {parity}; {} pass natively but the module agrees with the native \
             engine fed what this ABI delivers; {} fail natively too)",
            t.parity_bugs,
            t.explained,
            t.failures.len() - t.parity_bugs - t.explained
        ));
    }
    summary.push_str(&format!("; {skipped} expectations skipped in {} cases", t.cases_with_skips));
    for (reason, n) in &t.skips {
        summary.push_str(&format!("\n    {n:>4} skipped: {reason}"));
    }
    if let Some(w) = &stale {
        summary.push_str(&format!("\n    warning: {w}"));
    }
    println!("{summary}");
    assert!(t.cases > 0, "no cases run");
    assert!(
        t.failures.is_empty(),
        "{} of {} cases failed on {executor}:\n\n{}\n\n{summary}",
        t.failures.len(),
        t.cases,
        t.failures.join("\n\n")
    );
}

fn report(
    label: &str,
    executor: &str,
    c: &Case,
    misses: &[Miss],
    native: Option<&str>,
    note: Option<&str>,
) -> String {
    let mut s = format!("{label} [{executor}]");
    if let Some(n) = native {
        s.push_str(&format!(" ({n})"));
    }
    if let Some(n) = note {
        s.push_str(&format!("\n    note:     {n}"));
    }
    s.push_str(&format!("\n    input:    {}", c.input));
    for m in misses {
        s.push_str(&format!("\n    {}\n      expected: {}\n      got:      {}", m.what, m.want, m.got));
    }
    s
}

// ---------------------------------------------------------------------------
// native

pub fn native_suite(suite: &Suite) -> SuiteRun {
    let cfg = serde_json::to_vec(&suite.config).unwrap();
    let mut p = match Pipeline::from_json(&cfg) {
        Ok(p) => p,
        Err(e) => return (Vec::new(), Some(format!("config rejected: {e}"))),
    };
    let mut ctx = Ctx::new(nanos(T0), NATIVE_SEED);
    let mut results = Vec::new();
    for c in &suite.cases {
        if let Some(at) = c.at {
            ctx.set_now(nanos(at));
        }
        let outcome = match p.process(c.input.as_bytes(), &mut ctx) {
            Outcome::Keep(b) => Ok(b.into_owned()),
            Outcome::Drop(r) => Err(r.as_str().to_owned()),
        };
        // Fluent Bit's adapter trusts this flag instead of reading the record again.
        let flag_wrong =
            matches!(&outcome, Ok(b) if p.kept_json_object() && !logsift_core::json::is_object(b));
        if let Some(t) = c.tick_at {
            ctx.set_now(nanos(t));
            p.tick(&ctx);
        }
        let signals = Ok(signal_names(&p.take_signals()));
        let emitted = Ok(p.take_emitted().iter().map(|b| String::from_utf8_lossy(b).into_owned()).collect());
        let mut r = check_exact(c, &Seen { outcome, signals, emitted });
        if flag_wrong {
            r.miss("kept_json_object()", "false for a record that is not one JSON object", "true");
        }
        results.push(r);
    }
    (results, None)
}

/// Whether each case (file, suite index, case index) passes natively.
pub fn native_verdicts() -> &'static HashMap<(String, usize, usize), bool> {
    static V: OnceLock<HashMap<(String, usize, usize), bool>> = OnceLock::new();
    V.get_or_init(|| {
        let mut v = HashMap::new();
        for file in corpus() {
            for (si, suite) in file.suites.iter().enumerate() {
                let (results, _) = native_suite(suite);
                for (ci, r) in results.iter().enumerate() {
                    v.insert((file.name.clone(), si, ci), r.misses.is_empty());
                }
            }
        }
        v
    })
}
