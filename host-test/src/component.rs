//! A wasmtime embedder of the logsift component (`wit/logsift.wit`, world
//! `filter`), as any component host runs it: WASI preview 2 linked in, one
//! instance per pipeline, `configure` once, then batches through `process`
//! with `take-emitted`, `take-signals` and `metrics` drained between them.
//!
//! The component is compiled once ([`ComponentPlugin`], an `InstancePre`
//! that is cheap to clone) and instantiated per pipeline ([`ComponentFilter`]).
//! Each call has an epoch deadline and the instance a memory cap, so a
//! component that loops or hoards memory gets a clear [`DriverError`]. The
//! WASI wall clock is either the machine's or a replay clock the driver sets
//! before each call; the insecure seed is fixed to the native loop's seed,
//! so replayed runs match the native engine record for record.

use std::borrow::Cow;
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use logsift_core::{AlertEvent, ConfigError, DropReason, Metric, MetricKind, Outcome};
use wasmtime::component::{Component, Linker, ResourceTable};
use wasmtime::{Engine, ResourceLimiter, Store};
use wasmtime_wasi::{HostWallClock, WasiCtx, WasiCtxView, WasiView};

use crate::DriverError;

wasmtime::component::bindgen!({
    world: "filter",
    path: "../wit/logsift.wit",
});

use exports::logsift::filter::pipeline as wit;

/// The seed the native loop ([`crate::run_native`]) gives its `Ctx`; the
/// component reads it from `wasi:random/insecure-seed`.
pub const SEED: u64 = 0x5eed;

/// Limits the harness puts on a component instance.
#[derive(Debug, Clone)]
pub struct ComponentConfig {
    /// Longest a single call may run.
    pub timeout: Duration,
    /// Most linear memory the instance may have.
    pub memory_limit: usize,
}

impl Default for ComponentConfig {
    fn default() -> Self {
        ComponentConfig { timeout: Duration::from_secs(5), memory_limit: 512 << 20 }
    }
}

/// The store's data: WASI and the limits.
struct HostState {
    wasi: WasiCtx,
    table: ResourceTable,
    limits: MemoryCap,
}

/// Caps each linear memory and remembers the largest one, so tests can
/// check that memory stays flat.
struct MemoryCap {
    limit: usize,
    largest: usize,
    /// A growth was refused during the current call.
    refused: bool,
}

impl ResourceLimiter for MemoryCap {
    fn memory_growing(
        &mut self,
        _current: usize,
        desired: usize,
        _maximum: Option<usize>,
    ) -> wasmtime::Result<bool> {
        let ok = desired <= self.limit;
        if ok {
            self.largest = self.largest.max(desired);
        } else {
            self.refused = true;
        }
        Ok(ok)
    }

    fn table_growing(
        &mut self,
        _current: usize,
        desired: usize,
        _maximum: Option<usize>,
    ) -> wasmtime::Result<bool> {
        Ok(desired <= 1 << 20)
    }
}

impl WasiView for HostState {
    fn ctx(&mut self) -> WasiCtxView<'_> {
        WasiCtxView { ctx: &mut self.wasi, table: &mut self.table }
    }
}

/// A wall clock the driver moves: replayed runs set it before each call.
#[derive(Debug, Clone, Default)]
struct ReplayClock(Arc<AtomicU64>);

impl HostWallClock for ReplayClock {
    fn resolution(&self) -> Duration {
        Duration::from_nanos(1)
    }

    fn now(&self) -> Duration {
        Duration::from_nanos(self.0.load(Ordering::Relaxed))
    }
}

/// The component compiled and linked once; instantiate it per pipeline.
#[derive(Clone)]
pub struct ComponentPlugin {
    engine: Engine,
    pre: FilterPre<HostState>,
}

impl std::fmt::Debug for ComponentPlugin {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ComponentPlugin").finish_non_exhaustive()
    }
}

impl ComponentPlugin {
    /// Compiles the component at `path` for `engine` (see
    /// [`crate::fluent_bit::engine`]) and links WASI preview 2.
    pub fn from_file(engine: &Engine, path: &Path) -> Result<Self, DriverError> {
        let component = Component::from_file(engine, path)
            .map_err(|e| DriverError::Setup(format!("{}: {e:#}", path.display())))?;
        ComponentPlugin::new(engine, &component)
    }

    /// Links an already compiled component.
    pub fn new(engine: &Engine, component: &Component) -> Result<Self, DriverError> {
        let mut linker: Linker<HostState> = Linker::new(engine);
        wasmtime_wasi::p2::add_to_linker_sync(&mut linker).map_err(DriverError::setup)?;
        let pre = linker.instantiate_pre(component).map_err(DriverError::setup)?;
        let pre = FilterPre::new(pre).map_err(DriverError::setup)?;
        Ok(ComponentPlugin { engine: engine.clone(), pre })
    }

    /// A fresh instance. With `replay` the WASI wall clock only moves when
    /// [`ComponentFilter::set_time`] is called; otherwise it is the machine's.
    pub fn instantiate(&self, cfg: &ComponentConfig, replay: bool) -> Result<ComponentFilter, DriverError> {
        let mut wasi = WasiCtx::builder();
        wasi.inherit_stderr().insecure_random_seed(u128::from(SEED));
        let clock = replay.then(ReplayClock::default);
        if let Some(c) = &clock {
            wasi.wall_clock(c.clone());
        }
        let limits = MemoryCap { limit: cfg.memory_limit, largest: 0, refused: false };
        let state = HostState { wasi: wasi.build(), table: ResourceTable::new(), limits };
        let mut store = Store::new(&self.engine, state);
        store.limiter(|s| &mut s.limits);
        let ticks = (cfg.timeout.as_millis() / 10).max(1) as u64;
        store.set_epoch_deadline(ticks);
        let filter = self.pre.instantiate(&mut store).map_err(DriverError::trap)?;
        Ok(ComponentFilter { store, filter, clock, ticks })
    }
}

/// One running instance of the component.
pub struct ComponentFilter {
    store: Store<HostState>,
    filter: Filter,
    clock: Option<ReplayClock>,
    ticks: u64,
}

impl std::fmt::Debug for ComponentFilter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ComponentFilter").field("replay", &self.clock.is_some()).finish_non_exhaustive()
    }
}

impl ComponentFilter {
    /// Runs one export under a fresh deadline. A failure names the export,
    /// and a trap after a refused memory growth (a Rust guest aborts when
    /// allocation fails) is reported as the memory limit it is.
    fn call<T>(
        &mut self,
        export: &str,
        f: impl FnOnce(&wit::Guest, &mut Store<HostState>) -> wasmtime::Result<T>,
    ) -> Result<T, DriverError> {
        self.store.set_epoch_deadline(self.ticks);
        self.store.data_mut().limits.refused = false;
        let r = f(self.filter.logsift_filter_pipeline(), &mut self.store);
        r.map_err(|e| {
            let cap = &self.store.data().limits;
            match DriverError::trap(e) {
                DriverError::Trap(m) if cap.refused => DriverError::Trap(format!(
                    "{export}: plugin hit the memory limit of {} MiB ({m})",
                    cap.limit >> 20
                )),
                DriverError::Trap(m) => DriverError::Trap(format!("{export}: {m}")),
                other => other,
            }
        })
    }

    /// Sets the replay clock (nanoseconds since the Unix epoch); no effect
    /// on an instance that reads the machine's clock.
    pub fn set_time(&mut self, unix_nanos: u64) {
        if let Some(c) = &self.clock {
            c.0.store(unix_nanos, Ordering::Relaxed);
        }
    }

    /// `configure`: the outer error is the driver's, the inner one the
    /// component's verdict on the config, naming the field.
    pub fn configure(&mut self, config: &str) -> Result<Result<(), ConfigError>, DriverError> {
        let r = self.call("configure", |g, s| g.call_configure(s, config))?;
        Ok(r.map_err(|e| ConfigError::new(e.path, e.message)))
    }

    /// `process`: one outcome per record, checked to be so.
    pub fn process(&mut self, records: &[Vec<u8>]) -> Result<Vec<Outcome<'static>>, DriverError> {
        let out = self.call("process", |g, s| g.call_process(s, records))?;
        if out.len() != records.len() {
            return Err(DriverError::Guest(format!(
                "process returned {} outcomes for {} records",
                out.len(),
                records.len()
            )));
        }
        Ok(out
            .into_iter()
            .map(|o| match o {
                wit::Outcome::Keep(b) => Outcome::Keep(Cow::Owned(b)),
                wit::Outcome::Drop(r) => Outcome::Drop(match r {
                    wit::DropReason::Sampled => DropReason::Sampled,
                    wit::DropReason::RateLimited => DropReason::RateLimited,
                    wit::DropReason::Rule => DropReason::Rule,
                }),
            })
            .collect())
    }

    /// `take-emitted`: rate-limit summary records.
    pub fn take_emitted(&mut self) -> Result<Vec<Vec<u8>>, DriverError> {
        self.call("take-emitted", |g, s| g.call_take_emitted(s))
    }

    /// `take-signals`, as the engine's own [`AlertEvent`]s.
    pub fn take_signals(&mut self) -> Result<Vec<AlertEvent>, DriverError> {
        let events = self.call("take-signals", |g, s| g.call_take_signals(s))?;
        Ok(events
            .into_iter()
            .map(|e| AlertEvent {
                labels: e.labels.into_iter().collect(),
                annotations: e.annotations.into_iter().collect(),
                starts_at: e.starts_at,
                ends_at: e.ends_at,
                generator_url: e.generator_url,
                resolved: e.resolved,
            })
            .collect())
    }

    /// `tick`.
    pub fn tick(&mut self) -> Result<(), DriverError> {
        self.call("tick", |g, s| g.call_tick(s))
    }

    /// `finish`.
    pub fn finish(&mut self) -> Result<(), DriverError> {
        self.call("finish", |g, s| g.call_finish(s))
    }

    /// `metrics`, as the engine's own [`Metric`]s (render them with
    /// [`logsift_core::prometheus_text`]).
    pub fn metrics(&mut self) -> Result<Vec<Metric>, DriverError> {
        let list = self.call("metrics", |g, s| g.call_metrics(s))?;
        Ok(list
            .into_iter()
            .map(|m| Metric {
                name: m.name,
                help: m.help,
                kind: match m.kind {
                    wit::MetricKind::Counter => MetricKind::Counter,
                    wit::MetricKind::Gauge => MetricKind::Gauge,
                },
                labels: m.labels,
                value: m.value,
            })
            .collect())
    }

    /// The largest linear memory the instance has grown to, in bytes.
    pub fn memory_size(&self) -> usize {
        self.store.data().limits.largest
    }
}
