//! logsift-host: runs the logsift pipeline over log lines the way a host
//! does, and collects what comes out — records, alert signals, summary
//! records and metrics — so the CLI, the demo and the golden tests share
//! one loop.
//!
//! Drivers: `native` calls the engine directly. The wasmtime drivers for the
//! built `.wasm` files (proxy-wasm, Fluent Bit, component) plug in here with
//! a [`HostRun`] result, so every host can be compared with `native`.

#![forbid(unsafe_code)]

pub mod body;
pub mod component;
pub mod fluent_bit;
pub mod fuzzing;
pub mod proxy_wasm;
pub mod rules;
pub mod serve;

use std::fmt;
use std::path::{Path, PathBuf};
use std::time::{SystemTime, UNIX_EPOCH};

use logsift_core::{AlertEvent, ConfigError, Ctx, Outcome, Pipeline};

/// Where the pipeline's clock comes from.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Clock {
    /// The machine's clock, read before each record.
    Wall,
    /// A replay clock: record `i` is at `start + i * step` seconds. Runs are
    /// reproducible, which golden tests need.
    Replay {
        /// Unix seconds of the first record.
        start: f64,
        /// Seconds between records.
        step: f64,
    },
    /// The replay clock as a batch host sees it: records come in batches of
    /// `size`, and every record of a batch is at the time of its first one
    /// (`start + (i - i % size) * step`).
    ReplayBatches {
        /// Unix seconds of the first record.
        start: f64,
        /// Seconds between records.
        step: f64,
        /// Records per batch.
        size: usize,
    },
}

impl Clock {
    /// The replay clock used by golden tests and the demo: 2024-11-24 16:00 UTC, 50 ms apart.
    pub const GOLDEN: Clock = Clock::Replay { start: 1_732_464_000.0, step: 0.05 };

    fn nanos(&self, i: usize) -> u64 {
        match self {
            Clock::Wall => SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_nanos() as u64),
            Clock::Replay { start, step } => ((start + *step * i as f64) * 1e9) as u64,
            Clock::ReplayBatches { start, step, size } => {
                let first = i - i % (*size).max(1);
                ((start + *step * first as f64) * 1e9) as u64
            }
        }
    }
}

/// Everything a run produced.
#[derive(Debug, Default)]
pub struct Run {
    /// Records passed on (rate-limit summaries included, after the record
    /// that released them), without newlines.
    pub records: Vec<Vec<u8>>,
    /// Alert events, in order.
    pub signals: Vec<AlertEvent>,
    /// The Prometheus exposition at the end.
    pub metrics: String,
    /// Record counters at the end.
    pub stats: logsift_core::Stats,
    /// Redactions per detector.
    pub redactions: Vec<(String, u64)>,
    /// For `.wasm` hosts, which keep the engine's counters inside the
    /// module: what the host itself saw.
    pub host_counts: Option<HostCounts>,
}

/// Splits input into records the way line-oriented hosts do: on `\n`, with a
/// trailing `\r` removed and empty lines skipped.
pub fn lines(input: &[u8]) -> impl Iterator<Item = &[u8]> {
    input.split(|&b| b == b'\n').map(|l| l.strip_suffix(b"\r").unwrap_or(l)).filter(|l| !l.is_empty())
}

/// Runs `config` over `records` with the engine called directly.
pub fn run_native<'a>(
    config: &[u8],
    records: impl IntoIterator<Item = &'a [u8]>,
    clock: Clock,
    mut on_record: impl FnMut(usize),
) -> Result<Run, ConfigError> {
    let mut p = Pipeline::from_json(config)?;
    let mut ctx = Ctx::new(clock.nanos(0), 0x5eed);
    let mut run = Run::default();
    let mut last = 0;
    for (i, rec) in records.into_iter().enumerate() {
        ctx.set_now(clock.nanos(i));
        if let Outcome::Keep(b) = p.process(rec, &mut ctx) {
            run.records.push(b.into_owned());
        }
        run.records.extend(p.take_emitted());
        // Hosts run the timer every second or so; so does the replay.
        if ctx.now_nanos() >= last + 1_000_000_000 {
            p.tick(&ctx);
            last = ctx.now_nanos();
        }
        run.signals.extend(p.take_signals());
        on_record(i);
    }
    p.finish(&ctx);
    run.records.extend(p.take_emitted());
    run.signals.extend(p.take_signals());
    run.metrics = p.metrics_text();
    run.stats = p.stats().clone();
    run.redactions = p.redactions();
    Ok(run)
}

/// Why a driver could not run a plugin, or a plugin misbehaved.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DriverError {
    /// Loading, linking or instantiating failed.
    Setup(String),
    /// The plugin trapped, ran past its deadline, or hit the memory cap.
    Trap(String),
    /// The plugin returned something its host can't use.
    Guest(String),
}

impl DriverError {
    fn setup(e: impl fmt::Display) -> Self {
        DriverError::Setup(format!("{e:#}"))
    }

    fn trap(e: wasmtime::Error) -> Self {
        let text = format!("{e:#}");
        let why = match e.downcast_ref::<wasmtime::Trap>() {
            Some(wasmtime::Trap::Interrupt) => "ran past its deadline".to_owned(),
            Some(t) => format!("trapped: {t}"),
            // StoreLimits with `trap_on_grow_failure`.
            None if text.contains("forcing trap when growing memory") => "hit the memory limit".to_owned(),
            None => "failed".to_owned(),
        };
        DriverError::Trap(format!("plugin {why} ({text})"))
    }
}

impl fmt::Display for DriverError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DriverError::Setup(m) => write!(f, "cannot load plugin: {m}"),
            DriverError::Trap(m) | DriverError::Guest(m) => f.write_str(m),
        }
    }
}

impl std::error::Error for DriverError {}

/// Where `cargo xtask dist` puts the plugins: `dist/` at the repository root.
pub fn dist_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../dist")
}

/// Builds a fixture plugin (`host-test/fixtures/`, `benches/`: third-party,
/// misbehaving or floor filters) for `target`, release, in a target directory
/// of its own so the build does not wait on the one that runs the caller, and
/// returns its `.wasm`.
pub fn build_fixture(package: &str, target: &str) -> Result<PathBuf, String> {
    build_fixture_as(package, target, "release", "")
}

/// [`build_fixture`] with a cargo `profile` and extra target `features`
/// (`"+simd128"`, or `""` for the target's own). Each feature set builds in a
/// target directory of its own, so a scalar and a SIMD build of one package
/// can sit side by side.
pub fn build_fixture_as(
    package: &str,
    target: &str,
    profile: &str,
    features: &str,
) -> Result<PathBuf, String> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let dir = std::env::var_os("CARGO_TARGET_DIR").map_or_else(|| root.join("target"), PathBuf::from);
    let tag: String = features.chars().filter(char::is_ascii_alphanumeric).collect();
    let dir = dir.join(if tag.is_empty() { "fixtures".to_string() } else { format!("fixtures-{tag}") });
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let mut c = std::process::Command::new(cargo);
    c.current_dir(&root)
        .args(["build", "--quiet", "-p", package, "--target", target, "--profile", profile])
        .env("CARGO_TARGET_DIR", &dir);
    if !features.is_empty() {
        c.env("RUSTFLAGS", format!("-C target-feature={features}"));
    }
    let out = c.output().map_err(|e| format!("cargo: {e}"))?;
    if !out.status.success() {
        return Err(format!("building {package} failed:\n{}", String::from_utf8_lossy(&out.stderr)));
    }
    let out_dir = if profile == "dev" { "debug" } else { profile };
    Ok(dir.join(target).join(out_dir).join(format!("{}.wasm", package.replace('-', "_"))))
}

/// The record Fluent Bit's `tail` input makes of a line: the line itself
/// when it is a JSON map, else `{"log": line}`.
pub fn fluent_bit_record(line: &[u8]) -> Vec<u8> {
    match serde_json::from_slice::<serde_json::Value>(line) {
        Ok(serde_json::Value::Object(_)) => line.to_vec(),
        _ => {
            let mut m = serde_json::Map::new();
            m.insert("log".into(), String::from_utf8_lossy(line).into_owned().into());
            serde_json::to_vec(&m).unwrap_or_default()
        }
    }
}

/// Counts of a run through a `.wasm` host, which keeps its own metrics.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct HostCounts {
    /// Records in.
    pub records_in: u64,
    /// Records passed on.
    pub records_out: u64,
    /// Records the plugin dropped.
    pub dropped: u64,
    /// Calls that failed (trap, bad output); each record is lost in Fluent Bit.
    pub errors: u64,
}

/// Runs `records` through a Fluent Bit `filter_wasm` module.
pub fn run_fluent_bit<'a>(
    plugin: &Path,
    cfg: fluent_bit::FluentBitConfig,
    records: impl IntoIterator<Item = &'a [u8]>,
    clock: Clock,
    mut on_record: impl FnMut(usize),
) -> Result<HostRun, DriverError> {
    let engine = fluent_bit::engine()?;
    let module = wasmtime::Module::from_file(&engine, plugin)
        .map_err(|e| DriverError::Setup(format!("{}: {e:#}", plugin.display())))?;
    let mut fb = fluent_bit::FluentBit::new(&engine, &module, cfg)?;
    let mut out = Vec::new();
    let mut counts = HostCounts::default();
    let mut errors = Vec::new();
    for (i, line) in records.into_iter().enumerate() {
        let nanos = clock.nanos(i);
        let rec = fluent_bit_record(line);
        counts.records_in += 1;
        match fb.filter(b"app.logs", (nanos / 1_000_000_000) as u32, (nanos % 1_000_000_000) as u32, &rec) {
            Ok(fluent_bit::FilterResult::Keep(r)) => {
                counts.records_out += 1;
                out.push(r);
            }
            Ok(fluent_bit::FilterResult::Drop) => counts.dropped += 1,
            Err(e) => {
                counts.errors += 1;
                errors.push(format!("record {}: {e}", i + 1));
            }
        }
        on_record(i);
    }
    Ok(HostRun { records: out, counts, errors, ..HostRun::default() })
}

/// Runs `records` through the logsift component (`wit/logsift.wit`),
/// compiling it from `plugin`; see [`run_component_with`].
pub fn run_component<'a>(
    plugin: &Path,
    config: &[u8],
    records: impl IntoIterator<Item = &'a [u8]>,
    clock: Clock,
    batch: usize,
    on_record: impl FnMut(usize),
) -> Result<HostRun, DriverError> {
    let engine = fluent_bit::engine()?;
    let plugin = component::ComponentPlugin::from_file(&engine, plugin)?;
    run_component_with(
        &plugin,
        &component::ComponentConfig::default(),
        config,
        records,
        clock,
        batch,
        on_record,
    )
}

/// Runs `records` through an instance of a compiled component, `batch`
/// records per `process` call; each batch is processed at the clock's time
/// of its first record (compare with [`Clock::ReplayBatches`] natively).
/// Kept records come out in order, each batch followed by the summary
/// records it released. A call that fails loses its batch (counted in
/// `errors`), and a fresh instance takes over, as an embedder would do.
/// A config the component rejects is a [`DriverError::Setup`] naming the field.
pub fn run_component_with<'a>(
    plugin: &component::ComponentPlugin,
    limits: &component::ComponentConfig,
    config: &[u8],
    records: impl IntoIterator<Item = &'a [u8]>,
    clock: Clock,
    batch: usize,
    mut on_record: impl FnMut(usize),
) -> Result<HostRun, DriverError> {
    let config =
        std::str::from_utf8(config).map_err(|e| DriverError::Setup(format!("config: not UTF-8 ({e})")))?;
    let start = |first: usize| -> Result<component::ComponentFilter, DriverError> {
        let mut f = plugin.instantiate(limits, clock != Clock::Wall)?;
        f.set_time(clock.nanos(first));
        f.configure(config)?.map_err(|e| DriverError::Setup(format!("config rejected: {e}")))?;
        Ok(f)
    };
    let mut f = start(0)?;
    let records: Vec<&[u8]> = records.into_iter().collect();
    let mut run = HostRun::default();
    for (b, chunk) in records.chunks(batch.max(1)).enumerate() {
        let first = b * batch.max(1);
        f.set_time(clock.nanos(first));
        let owned: Vec<Vec<u8>> = chunk.iter().map(|r| r.to_vec()).collect();
        run.counts.records_in += chunk.len() as u64;
        let result = f.process(&owned).and_then(|outs| Ok((outs, f.take_emitted()?, f.take_signals()?)));
        match result {
            Ok((outs, emitted, signals)) => {
                for o in outs {
                    match o {
                        Outcome::Keep(bytes) => {
                            run.counts.records_out += 1;
                            run.records.push(bytes.into_owned());
                        }
                        Outcome::Drop(_) => run.counts.dropped += 1,
                    }
                }
                run.records.extend(emitted);
                run.signals.extend(signals);
            }
            Err(e) => {
                run.counts.errors += chunk.len() as u64;
                run.errors.push(format!("records {}..={}: {e}", first + 1, first + chunk.len()));
                f = start(first + chunk.len())?;
            }
        }
        for i in first..first + chunk.len() {
            on_record(i);
        }
    }
    f.finish()?;
    run.records.extend(f.take_emitted()?);
    run.signals.extend(f.take_signals()?);
    run.metrics = logsift_core::prometheus_text(&f.metrics()?);
    Ok(run)
}

/// What a run through a `.wasm` host produced.
#[derive(Debug, Default)]
pub struct HostRun {
    /// Records passed on.
    pub records: Vec<Vec<u8>>,
    /// The host's own counts.
    pub counts: HostCounts,
    /// One line per failed call.
    pub errors: Vec<String>,
    /// Alert events, for hosts that hand them out apart from records.
    pub signals: Vec<AlertEvent>,
    /// The plugin's own Prometheus exposition at the end, for hosts that
    /// can read it; empty otherwise.
    pub metrics: String,
}
