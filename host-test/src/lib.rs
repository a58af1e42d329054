//! logsift-host: runs the logsift pipeline over log lines the way a host
//! does, and collects what comes out — records, alert signals, summary
//! records and metrics — so the CLI, the demo and the golden tests share
//! one loop.
//!
//! Drivers: `native` calls the engine directly. The wasmtime drivers for the
//! built `.wasm` files (proxy-wasm, Fluent Bit, component) plug in here with
//! the same [`Run`] result, so every host can be compared with `native`.

#![forbid(unsafe_code)]

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
}

impl Clock {
    /// The replay clock used by golden tests and the demo: 2024-11-24 16:00 UTC, 50 ms apart.
    pub const GOLDEN: Clock = Clock::Replay { start: 1_732_464_000.0, step: 0.05 };

    fn nanos(&self, i: usize) -> u64 {
        match self {
            Clock::Wall => SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_nanos() as u64),
            Clock::Replay { start, step } => ((start + *step * i as f64) * 1e9) as u64,
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
