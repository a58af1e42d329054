//! What `logsift run --stats` reports, kept apart so that each figure means
//! one thing:
//!
//! - **load**: from the start of the run to the end of its first unit of
//!   work (a record, or a batch for the batching hosts). For a `.wasm` host
//!   that is compiling the plugin with Cranelift — or reading the compiled
//!   code back from wasmtime's cache — plus instantiating and configuring
//!   it; natively it is building the pipeline (the regexes).
//! - **throughput**: input bytes over the time spent processing records
//!   after that first unit, read from the drivers' per-record callback. A
//!   sample too small to time is replayed (the same records, the clock
//!   running on) until the processing lasts long enough to be stable; below
//!   [`TOO_SMALL`] even then, it is "too small to time".
//!
//! [`Summary`] is the same report as JSON (`--stats-json`), which the demo's
//! closing table reads.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant, SystemTime};

use serde::Serialize;

/// A processing window at least this long is reported as it is.
pub(crate) const STABLE: Duration = Duration::from_millis(200);
/// Below this, after replaying, a window is too short to mean anything.
pub(crate) const TOO_SMALL: Duration = Duration::from_millis(20);
/// The most input a timing replay may process (its output is held in memory).
const MAX_REPLAY_BYTES: u64 = 256 << 20;

/// When the drivers' callback reported records: the end of the first unit
/// (which closes the load) and the last record.
#[derive(Debug)]
pub(crate) struct Window {
    started: Instant,
    /// `ends[i]`: input bytes of records `0..=i` (each line and its newline).
    ends: Vec<u64>,
    unit: usize,
    first: Option<(usize, Instant)>,
    last: Option<(usize, Instant)>,
}

impl Window {
    /// A window over `records`, whose driver reports `unit` records at a
    /// time (1, or the batch size); the clock starts now.
    pub(crate) fn new(records: &[&[u8]], unit: usize) -> Self {
        let mut sum = 0;
        let ends = records
            .iter()
            .map(|r| {
                sum += r.len() as u64 + 1;
                sum
            })
            .collect();
        Window { started: Instant::now(), ends, unit: unit.max(1), first: None, last: None }
    }

    /// Record `i` is done.
    pub(crate) fn tick(&mut self, i: usize) {
        let now = Instant::now();
        if self.first.is_none() && (i + 1 >= self.unit || i + 1 == self.ends.len()) {
            self.first = Some((i, now));
        }
        self.last = Some((i, now));
    }

    /// Time to the end of the first unit: the load.
    pub(crate) fn load(&self) -> Duration {
        self.first.map_or_else(|| self.started.elapsed(), |(_, t)| t - self.started)
    }

    /// Bytes and time of the processing after the first unit.
    pub(crate) fn processing(&self) -> (u64, Duration) {
        match (self.first, self.last) {
            (Some((i, t0)), Some((j, t1))) if j > i => (self.ends[j] - self.ends[i], t1 - t0),
            _ => (0, Duration::ZERO),
        }
    }

    /// Input bytes of all records.
    pub(crate) fn total_bytes(&self) -> u64 {
        self.ends.last().copied().unwrap_or(0)
    }

    /// How many times to replay the input so the processing lasts about
    /// `target`, judging by this (too short) window.
    pub(crate) fn replays_for(&self, target: Duration) -> usize {
        let total = self.total_bytes().max(1);
        let (bytes, secs) = self.processing();
        let per_pass = if bytes > 0 && !secs.is_zero() {
            secs.as_secs_f64() * total as f64 / bytes as f64
        } else {
            // Nothing measurable after the first unit: a guess the replay corrects.
            1e-4
        };
        let wanted = (target.as_secs_f64() / per_pass).ceil() as u64;
        wanted.clamp(2, (MAX_REPLAY_BYTES / total).max(2)) as usize
    }
}

/// What timing the processing found.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Timing {
    /// Bytes processed in the timed window.
    pub(crate) bytes: u64,
    /// The timed window.
    pub(crate) secs: f64,
    /// How many times the input was run to get it (1: the run itself).
    pub(crate) passes: usize,
}

impl Timing {
    pub(crate) fn of(window: &Window, passes: usize) -> Self {
        let (bytes, secs) = window.processing();
        Timing { bytes, secs: secs.as_secs_f64(), passes }
    }

    /// MiB/s, as criterion and BENCHMARKS.md report it; `None` when too
    /// small to time.
    pub(crate) fn mib_per_s(&self) -> Option<f64> {
        (self.secs >= TOO_SMALL.as_secs_f64()).then(|| self.bytes as f64 / (1 << 20) as f64 / self.secs)
    }
}

/// Whether a `.wasm` host compiled its plugin or found it in wasmtime's
/// cache: the cache files written during the run say which.
#[derive(Debug)]
pub(crate) enum CacheProbe {
    /// `LOGSIFT_NO_CACHE` is set, or there is no usable cache directory.
    Off,
    /// Module files under the cache directory, and when the run started.
    On { dir: PathBuf, since: SystemTime },
}

impl CacheProbe {
    /// The harness's engines use wasmtime's default cache config
    /// (`fluent_bit::engine`), so its directory is the one to watch.
    pub(crate) fn start() -> Self {
        if std::env::var_os("LOGSIFT_NO_CACHE").is_some() {
            return CacheProbe::Off;
        }
        match wasmtime::Cache::from_file(None) {
            Ok(cache) => CacheProbe::On { dir: cache.directory().join("modules"), since: SystemTime::now() },
            Err(_) => CacheProbe::Off,
        }
    }

    /// `Some(true)`: compiled, and the code was written to the cache during
    /// the run; `Some(false)`: read back from the cache; `None`: no cache.
    pub(crate) fn compiled(&self) -> Option<bool> {
        match self {
            CacheProbe::Off => None,
            CacheProbe::On { dir, since } => Some(written_since(dir, *since)),
        }
    }
}

/// Whether a compiled-module file (not a `.stats` or `.wip` file, which a
/// cache hit also touches) under `dir/<compiler>/` changed after `since`.
fn written_since(dir: &Path, since: SystemTime) -> bool {
    let Ok(compilers) = std::fs::read_dir(dir) else { return false };
    compilers.flatten().filter_map(|c| std::fs::read_dir(c.path()).ok()).flatten().flatten().any(|f| {
        let name = f.file_name();
        let name = name.to_string_lossy();
        !name.ends_with(".stats")
            && !name.contains(".wip")
            && f.metadata().and_then(|m| m.modified()).is_ok_and(|m| m >= since)
    })
}

/// The `--stats` report as JSON, one object (`--stats-json`).
#[derive(Debug, Serialize)]
pub(crate) struct Summary {
    pub(crate) host: String,
    pub(crate) records_in: u64,
    pub(crate) records_out: u64,
    /// Redactions over all detectors; `None` where the host exposes no
    /// counters (Fluent Bit).
    pub(crate) redactions: Option<u64>,
    /// Alerts fired: events handed out, or (Fluent Bit) records carrying
    /// the alert field.
    pub(crate) alerts: u64,
    pub(crate) load_secs: f64,
    /// See [`CacheProbe::compiled`]; `None` natively or without a cache.
    pub(crate) compiled: Option<bool>,
    pub(crate) input_bytes: u64,
    pub(crate) timed_bytes: u64,
    pub(crate) timed_secs: f64,
    /// How many times the input was run for the timing.
    pub(crate) timed_passes: usize,
    /// `None`: too small to time.
    pub(crate) mib_per_s: Option<f64>,
}

impl Summary {
    /// The load line: what was loaded, how long it took, and what the
    /// cache did.
    pub(crate) fn load_line(&self, what: &str) -> String {
        let secs = self.load_secs;
        match (self.host.as_str(), self.compiled) {
            ("native", _) => format!("load: pipeline built from the config in {}", human_secs(secs)),
            (_, Some(true)) => {
                format!(
                    "load: {what} compiled in {}, cached for next runs (wasmtime cache)",
                    human_secs(secs)
                )
            }
            (_, Some(false)) => format!(
                "load: {what} loaded in {} (compiled code from wasmtime's cache; instantiation and config included)",
                human_secs(secs)
            ),
            (_, None) => format!("load: {what} compiled in {} (wasmtime cache off)", human_secs(secs)),
        }
    }

    /// The throughput line.
    pub(crate) fn throughput_line(&self) -> String {
        let mb = |b: u64| b as f64 / 1e6;
        match self.mib_per_s {
            None => format!(
                "throughput: too small to time ({:.2} MB in {}, after {} passes)",
                mb(self.timed_bytes),
                human_secs(self.timed_secs),
                self.timed_passes
            ),
            Some(rate) if self.timed_passes == 1 => format!(
                "throughput: {rate:.1} MiB/s over the processing ({:.2} MB in {}; load excluded)",
                mb(self.timed_bytes),
                human_secs(self.timed_secs)
            ),
            Some(rate) => format!(
                "throughput: {rate:.1} MiB/s over the processing (the {:.2} MB input replayed {}×: {:.1} MB in {}; load excluded)",
                mb(self.input_bytes),
                self.timed_passes,
                mb(self.timed_bytes),
                human_secs(self.timed_secs)
            ),
        }
    }
}

/// "1.92 s", "84 ms", "0.4 ms".
pub(crate) fn human_secs(secs: f64) -> String {
    if secs >= 1.0 {
        format!("{secs:.2} s")
    } else if secs >= 0.01 {
        format!("{:.0} ms", secs * 1e3)
    } else {
        format!("{:.1} ms", secs * 1e3)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_first_unit_is_load_and_the_rest_is_processing() {
        let records: Vec<&[u8]> = vec![b"aaaa", b"bb", b"c", b"dddddd"];
        let mut w = Window::new(&records, 2);
        w.tick(0);
        assert!(w.first.is_none(), "a batch of two ends at record 1");
        w.tick(1);
        w.tick(2);
        w.tick(3);
        // Records 2 and 3 with their newlines.
        assert_eq!(w.processing().0, 2 + 7);
        assert_eq!(w.total_bytes(), 5 + 3 + 2 + 7);
    }

    #[test]
    fn a_replay_is_bounded() {
        let records: Vec<&[u8]> = vec![&[b'x'; 1000]];
        let w = Window::new(&records, 1);
        // One record: nothing after the first unit, so a guess, within the byte cap.
        let k = w.replays_for(Duration::from_secs(1));
        assert!((2..=(MAX_REPLAY_BYTES / 1001) as usize).contains(&k), "{k}");
    }
}
