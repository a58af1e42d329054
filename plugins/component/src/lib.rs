//! logsift as a WebAssembly component: the guest side of `wit/logsift.wit`
//! (world `filter`), built for wasm32-wasip2 into `dist/logsift_component.wasm`.
//!
//! It only translates: WIT lists of bytes in, [`logsift_core::Pipeline`]
//! calls, WIT outcomes, alert events and metrics out. Time is
//! `wasi:clocks/wall-clock`, read once per call; the pipeline's random
//! generator is seeded from `wasi:random/insecure-seed` at `configure`. An
//! embedder that fixes both gets reproducible runs (the harness does).
//!
//! Until `configure` succeeds the instance scrubs with the `default` preset,
//! so nothing is passed on unscrubbed. One instance is single-threaded: the
//! state lives in a thread-local, and a re-entrant call (impossible under the
//! component model) would get fail-closed results rather than a panic.

use std::cell::RefCell;

use logsift_core::{AlertEvent, ConfigError, Ctx, DropReason, Metric, MetricKind, Outcome, Pipeline};

wit_bindgen::generate!({
    world: "filter",
    path: "../../wit/logsift.wit",
});

use exports::logsift::filter::pipeline as wit;

/// The pipeline's timer runs at most this often from `process`, as the
/// native host loop and the other adapters do.
const TICK_NANOS: u64 = 1_000_000_000;

/// One instance's pipeline and clock state.
#[derive(Debug)]
struct State {
    /// `None` only if the built-in preset failed to compile, which the
    /// engine's tests rule out; records are then dropped, never passed on.
    pipeline: Option<Pipeline>,
    ctx: Ctx,
    last_tick: u64,
}

impl State {
    fn new(pipeline: Option<Pipeline>) -> Self {
        let now = host::now_nanos();
        // Like the native loop, the first record runs the timer.
        State { pipeline, ctx: Ctx::new(now, host::seed()), last_tick: 0 }
    }

    fn unconfigured() -> Self {
        State::new(Pipeline::from_json(br#"{"scrub": {"preset": "default"}}"#).ok())
    }
}

thread_local! {
    static STATE: RefCell<Option<State>> = const { RefCell::new(None) };
}

/// Runs `f` on the instance's state, creating it on first use; `fallback`
/// when the state is already borrowed.
fn with_state<R>(fallback: impl FnOnce() -> R, f: impl FnOnce(&mut State) -> R) -> R {
    STATE.with(|cell| match cell.try_borrow_mut() {
        Ok(mut guard) => f(guard.get_or_insert_with(State::unconfigured)),
        Err(_) => fallback(),
    })
}

struct Component;

impl wit::Guest for Component {
    fn configure(config: String) -> Result<(), wit::ConfigError> {
        let pipeline = Pipeline::from_json(config.as_bytes()).map_err(config_error)?;
        STATE.with(|cell| match cell.try_borrow_mut() {
            Ok(mut guard) => {
                *guard = Some(State::new(Some(pipeline)));
                Ok(())
            }
            Err(_) => {
                Err(wit::ConfigError { path: String::new(), message: "configure called re-entrantly".into() })
            }
        })
    }

    fn process(records: Vec<Vec<u8>>) -> Vec<wit::Outcome> {
        let n = records.len();
        let fail_closed = move || vec![wit::Outcome::Drop(wit::DropReason::Rule); n];
        with_state(fail_closed, |s| {
            let Some(p) = s.pipeline.as_mut() else {
                return vec![wit::Outcome::Drop(wit::DropReason::Rule); n];
            };
            let now = host::now_nanos();
            s.ctx.set_now(now);
            let mut out = Vec::with_capacity(n);
            for rec in records {
                let outcome = match p.process(&rec, &mut s.ctx) {
                    Outcome::Keep(std::borrow::Cow::Borrowed(_)) => wit::Outcome::Keep(rec),
                    Outcome::Keep(std::borrow::Cow::Owned(b)) => wit::Outcome::Keep(b),
                    Outcome::Drop(r) => wit::Outcome::Drop(drop_reason(r)),
                };
                out.push(outcome);
                // The same timer rule as the native loop, checked per
                // record so batching does not change when windows close.
                if now >= s.last_tick.saturating_add(TICK_NANOS) {
                    p.tick(&s.ctx);
                    s.last_tick = now;
                }
            }
            out
        })
    }

    fn take_emitted() -> Vec<Vec<u8>> {
        with_state(Vec::new, |s| s.pipeline.as_mut().map_or_else(Vec::new, Pipeline::take_emitted))
    }

    fn take_signals() -> Vec<wit::AlertEvent> {
        with_state(Vec::new, |s| {
            s.pipeline
                .as_mut()
                .map_or_else(Vec::new, |p| p.take_signals().into_iter().map(alert_event).collect())
        })
    }

    fn tick() {
        with_state(
            || (),
            |s| {
                let now = host::now_nanos();
                s.ctx.set_now(now);
                if let Some(p) = s.pipeline.as_mut() {
                    p.tick(&s.ctx);
                    s.last_tick = now;
                }
            },
        );
    }

    fn finish() {
        with_state(
            || (),
            |s| {
                s.ctx.set_now(host::now_nanos());
                if let Some(p) = s.pipeline.as_mut() {
                    p.finish(&s.ctx);
                }
            },
        );
    }

    fn metrics() -> Vec<wit::Metric> {
        with_state(Vec::new, |s| {
            s.pipeline.as_ref().map_or_else(Vec::new, |p| p.metrics().into_iter().map(metric).collect())
        })
    }
}

fn config_error(e: ConfigError) -> wit::ConfigError {
    wit::ConfigError { path: e.path().to_owned(), message: e.message().to_owned() }
}

fn drop_reason(r: DropReason) -> wit::DropReason {
    match r {
        DropReason::Sampled => wit::DropReason::Sampled,
        DropReason::RateLimited => wit::DropReason::RateLimited,
        DropReason::Rule => wit::DropReason::Rule,
    }
}

fn alert_event(e: AlertEvent) -> wit::AlertEvent {
    wit::AlertEvent {
        labels: e.labels.into_iter().collect(),
        annotations: e.annotations.into_iter().collect(),
        starts_at: e.starts_at,
        ends_at: e.ends_at,
        generator_url: e.generator_url,
        resolved: e.resolved,
    }
}

fn metric(m: Metric) -> wit::Metric {
    wit::Metric {
        name: m.name,
        help: m.help,
        kind: match m.kind {
            MetricKind::Counter => wit::MetricKind::Counter,
            MetricKind::Gauge => wit::MetricKind::Gauge,
        },
        labels: m.labels,
        value: m.value,
    }
}

// Only a wasm build exports the interface: the component model's export
// names (`logsift:filter/pipeline@0.1.0#process`) are not valid symbol
// names in a native shared library, and `cargo test --workspace` links one.
#[cfg(target_arch = "wasm32")]
export!(Component);

/// The WASI preview 2 imports the pipeline's [`Ctx`] is built from.
#[cfg(all(target_arch = "wasm32", target_os = "wasi", target_env = "p2"))]
mod host {
    /// `wasi:clocks/wall-clock.now` in nanoseconds since the Unix epoch.
    pub fn now_nanos() -> u64 {
        let t = wasip2::clocks::wall_clock::now();
        t.seconds.saturating_mul(1_000_000_000).saturating_add(u64::from(t.nanoseconds))
    }

    /// `wasi:random/insecure-seed`, folded to 64 bits: it seeds request id
    /// generation, which needs uniqueness, not secrecy.
    pub fn seed() -> u64 {
        let (lo, hi) = wasip2::random::insecure_seed::insecure_seed();
        lo ^ hi
    }
}

/// Native builds (clippy, unit tests of the rlib) use the system clock.
#[cfg(not(all(target_arch = "wasm32", target_os = "wasi", target_env = "p2")))]
mod host {
    use std::time::{SystemTime, UNIX_EPOCH};

    pub fn now_nanos() -> u64 {
        SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_nanos() as u64)
    }

    pub fn seed() -> u64 {
        now_nanos()
    }
}
