//! logsift for JavaScript: the engine as a wasm-bindgen class, for Node and
//! the browser (`wasm32-unknown-unknown`; `xtask dist` runs `wasm-bindgen`
//! for the `nodejs` and `web` targets).
//!
//! ```js
//! const p = new Pipeline(configJson, { now: () => Date.now(), seed: 42n });
//! p.process(line);        // string, or null when the record was dropped
//! p.processBatch(lines);  // (string | null)[], aligned with `lines`
//! p.emitted();            // rate-limit summary records since the last call
//! p.signals();            // alert events (Alertmanager v2) since the last call
//! p.stats();              // counters and redactions per detector
//! ```
//!
//! This file only translates: JS values in, [`logsift_core::Pipeline`] calls,
//! JS values out. Time and randomness enter through [`Ctx`]: the clock is
//! `Date.now()` unless `options.now` gives another (milliseconds as a number,
//! or nanoseconds as a bigint, so a replay can match the native host to the
//! nanosecond); the seed comes from `crypto.getRandomValues` unless
//! `options.seed` fixes it. A bad config throws an `Error` named
//! `ConfigError` whose message and `path` name the field.

use std::borrow::Cow;
use std::collections::BTreeMap;

use js_sys::{Array, Function, JsString, Reflect};
use logsift_core::{ConfigError, Ctx, DropReason, Outcome, Pipeline as Engine};
use serde::Serialize;
use wasm_bindgen::prelude::*;

/// Nanoseconds between two runs of the time-driven work when `autoTick` is on:
/// hosts run their timer about once a second, as the native harness does.
const TICK_NANOS: u64 = 1_000_000_000;

#[wasm_bindgen(typescript_custom_section)]
const TYPES: &str = r#"
/** Options for `new Pipeline(config, options)`. */
export interface PipelineOptions {
  /**
   * The clock, read once per `process`, `processDetailed`, `processBatch`,
   * `tick` and `finish` call: milliseconds since the Unix epoch as a number
   * (like `Date.now()`), or nanoseconds as a bigint. Default: `Date.now()`.
   */
  now?: () => number | bigint;
  /**
   * Seed of the generator behind generated request ids and random sampling
   * decisions. Default: 8 bytes from `crypto.getRandomValues`.
   */
  seed?: number | bigint;
  /**
   * After each call, run the time-driven work (resolve and re-send alerts,
   * flush rate-limit summaries of quiet keys) when a second has passed since
   * it last ran. Default `true`; with `false`, call `tick()` yourself.
   */
  autoTick?: boolean;
}

/** Why a record was not passed on. */
export type DropReason = "sampled" | "rate_limited" | "rule";

/** What became of one record (`processDetailed`). */
export interface ProcessResult {
  /** The record to pass on, or `null` when it was dropped. */
  output: string | null;
  /** Why it was dropped, or `null` when it was kept. */
  dropped: DropReason | null;
}

/** An alert in the Alertmanager API v2 `postableAlert` shape. */
export interface AlertEvent {
  labels: Record<string, string>;
  annotations: Record<string, string>;
  startsAt: string;
  endsAt: string;
  generatorURL: string;
}

/** Counters since the pipeline was made: `recordsIn = recordsOut + sampled + rateLimited + droppedByRule`. */
export interface Stats {
  recordsIn: number;
  recordsOut: number;
  sampled: number;
  rateLimited: number;
  droppedByRule: number;
  /** Kept despite sampling because they made an alert fire. */
  keptForAlert: number;
  /** Rate-limit summary records made by the pipeline. */
  recordsEmitted: number;
  /** Records that looked like JSON but were not, scrubbed as text. */
  parseFallbacks: number;
  bytesIn: number;
  bytesOut: number;
  /** Redactions per detector (key rules as `SENSITIVE_KEY`). */
  redactions: Record<string, number>;
}
"#;

/// The logsift pipeline as a JS class.
#[wasm_bindgen(js_name = Pipeline)]
#[derive(Debug)]
pub struct JsPipeline {
    engine: Engine,
    ctx: Ctx,
    now: Option<Function>,
    auto_tick: bool,
    last_tick: Option<u64>,
}

#[wasm_bindgen(js_class = Pipeline)]
impl JsPipeline {
    /// Compiles a config: a JSON string, or an object (serialized with
    /// `JSON.stringify`). Throws a `ConfigError` naming the field.
    #[wasm_bindgen(constructor)]
    pub fn new(
        #[wasm_bindgen(unchecked_param_type = "string | object")] config: JsValue,
        #[wasm_bindgen(unchecked_optional_param_type = "PipelineOptions")] options: Option<js_sys::Object>,
    ) -> Result<JsPipeline, JsValue> {
        let text = if let Some(s) = config.as_string() {
            s
        } else if config.is_object() {
            js_sys::JSON::stringify(&config)?.into()
        } else {
            return Err(js_sys::TypeError::new("config must be a JSON string or an object").into());
        };
        let options = options.map(JsValue::from).unwrap_or(JsValue::UNDEFINED);
        let now = option(&options, "now")?
            .map(|f| f.dyn_into::<Function>())
            .transpose()
            .map_err(|_| js_sys::TypeError::new("options.now must be a function"))?;
        let seed = match option(&options, "seed")? {
            Some(v) => seed_from_js(v)?,
            None => random_seed()?,
        };
        let auto_tick = option(&options, "autoTick")?.is_none_or(|v| v.is_truthy());
        let engine = Engine::from_json(text.as_bytes()).map_err(|e| config_error(&e))?;
        Ok(JsPipeline { engine, ctx: Ctx::new(0, seed), now, auto_tick, last_tick: None })
    }

    /// Processes one record (one log line): the record to pass on, or `null`
    /// when it was dropped.
    #[wasm_bindgen(unchecked_return_type = "string | null")]
    pub fn process(&mut self, line: &str) -> Result<JsValue, JsValue> {
        self.advance()?;
        let out = match self.engine.process(line.as_bytes(), &mut self.ctx) {
            Outcome::Keep(bytes) => JsValue::from_str(&String::from_utf8_lossy(&bytes)),
            Outcome::Drop(_) => JsValue::NULL,
        };
        self.after();
        Ok(out)
    }

    /// Processes one record and says why it was dropped, if it was.
    #[wasm_bindgen(js_name = processDetailed, unchecked_return_type = "ProcessResult")]
    pub fn process_detailed(&mut self, line: &str) -> Result<JsValue, JsValue> {
        #[derive(Serialize)]
        struct Detailed<'a> {
            output: Option<Cow<'a, str>>,
            dropped: Option<&'static str>,
        }
        self.advance()?;
        let outcome = self.engine.process(line.as_bytes(), &mut self.ctx);
        self.after();
        let result = match &outcome {
            Outcome::Keep(bytes) => Detailed { output: Some(String::from_utf8_lossy(bytes)), dropped: None },
            Outcome::Drop(reason) => Detailed { output: None, dropped: Some(DropReason::as_str(*reason)) },
        };
        to_js(&result)
    }

    /// Processes records in order, with one clock reading for the batch:
    /// one entry per line, `null` where the record was dropped.
    #[wasm_bindgen(js_name = processBatch, unchecked_return_type = "(string | null)[]")]
    pub fn process_batch(
        &mut self,
        #[wasm_bindgen(unchecked_param_type = "string[]")] lines: Array,
    ) -> Result<Array, JsValue> {
        // Check every entry first, so a bad one leaves the pipeline untouched.
        let mut texts = Vec::with_capacity(lines.length() as usize);
        for (i, v) in lines.iter().enumerate() {
            match v.as_string() {
                Some(s) => texts.push(s),
                None => return Err(js_sys::TypeError::new(&format!("lines[{i}] is not a string")).into()),
            }
        }
        self.advance()?;
        let out = Array::new_with_length(lines.length());
        for (i, text) in texts.iter().enumerate() {
            let v = match self.engine.process(text.as_bytes(), &mut self.ctx) {
                Outcome::Keep(bytes) => JsValue::from_str(&String::from_utf8_lossy(&bytes)),
                Outcome::Drop(_) => JsValue::NULL,
            };
            out.set(i as u32, v);
        }
        self.after();
        Ok(out)
    }

    /// Records the pipeline made itself (rate-limit summaries) since the
    /// last call; pass them on after the records that produced them.
    pub fn emitted(&mut self) -> Vec<JsString> {
        self.engine
            .take_emitted()
            .iter()
            .map(|b| JsString::from(String::from_utf8_lossy(b).as_ref()))
            .collect()
    }

    /// Alert events (firing and resolved) since the last call.
    #[wasm_bindgen(unchecked_return_type = "AlertEvent[]")]
    pub fn signals(&mut self) -> Result<JsValue, JsValue> {
        to_js(&self.engine.take_signals())
    }

    /// Time-driven work now: resolves and re-sends alerts, flushes the
    /// summaries of quiet rate-limit keys. Call it on a timer when records
    /// are few (with `autoTick` it also runs after calls, once a second).
    pub fn tick(&mut self) -> Result<(), JsValue> {
        self.advance()?;
        self.engine.tick(&self.ctx);
        self.last_tick = Some(self.ctx.now_nanos());
        Ok(())
    }

    /// End of input: the time-driven work, plus every pending rate-limit
    /// summary. Take them with `emitted()` and `signals()` afterwards.
    pub fn finish(&mut self) -> Result<(), JsValue> {
        self.advance()?;
        self.engine.finish(&self.ctx);
        self.last_tick = Some(self.ctx.now_nanos());
        Ok(())
    }

    /// Record counters and redactions per detector, since the start.
    #[wasm_bindgen(unchecked_return_type = "Stats")]
    pub fn stats(&self) -> Result<JsValue, JsValue> {
        #[derive(Serialize)]
        #[serde(rename_all = "camelCase")]
        struct JsStats {
            records_in: u64,
            records_out: u64,
            sampled: u64,
            rate_limited: u64,
            dropped_by_rule: u64,
            kept_for_alert: u64,
            records_emitted: u64,
            parse_fallbacks: u64,
            bytes_in: u64,
            bytes_out: u64,
            redactions: BTreeMap<String, u64>,
        }
        let s = self.engine.stats();
        to_js(&JsStats {
            records_in: s.records_in,
            records_out: s.records_out,
            sampled: s.sampled,
            rate_limited: s.rate_limited,
            dropped_by_rule: s.dropped_by_rule,
            kept_for_alert: s.kept_for_alert,
            records_emitted: s.records_emitted,
            parse_fallbacks: s.parse_fallbacks,
            bytes_in: s.bytes_in,
            bytes_out: s.bytes_out,
            redactions: self.engine.redactions().into_iter().collect(),
        })
    }

    /// Every counter in the Prometheus text exposition format.
    pub fn metrics(&self) -> String {
        self.engine.metrics_text()
    }
}

impl JsPipeline {
    /// Reads the clock into the context.
    fn advance(&mut self) -> Result<(), JsValue> {
        let now = match &self.now {
            Some(f) => time_from_js(f.call0(&JsValue::UNDEFINED)?)?,
            None => millis_to_nanos(js_sys::Date::now()).unwrap_or(0),
        };
        self.ctx.set_now(now);
        Ok(())
    }

    /// The host's once-a-second timer, run inline when `autoTick` is on.
    fn after(&mut self) {
        let now = self.ctx.now_nanos();
        if self.auto_tick && self.last_tick.is_none_or(|t| now >= t.saturating_add(TICK_NANOS)) {
            self.engine.tick(&self.ctx);
            self.last_tick = Some(now);
        }
    }
}

/// `options[name]`, or `None` when absent or `undefined`.
fn option(options: &JsValue, name: &str) -> Result<Option<JsValue>, JsValue> {
    if options.is_undefined() || options.is_null() {
        return Ok(None);
    }
    let v = Reflect::get(options, &JsValue::from_str(name))?;
    Ok(if v.is_undefined() { None } else { Some(v) })
}

/// Whole milliseconds scale in integers: `ms * 1e6` in floating point lands
/// below the true value (`…300 ms` would read as `…299.999744 ms`).
fn millis_to_nanos(ms: f64) -> Option<u64> {
    if !ms.is_finite() || ms < 0.0 {
        return None;
    }
    let whole = ms.trunc();
    let sub_milli = ((ms - whole) * 1e6).round() as u64;
    (whole as u64).checked_mul(1_000_000)?.checked_add(sub_milli)
}

fn time_from_js(v: JsValue) -> Result<u64, JsValue> {
    let nanos = if v.is_bigint() { u64::try_from(v).ok() } else { v.as_f64().and_then(millis_to_nanos) };
    nanos.ok_or_else(|| {
        js_sys::TypeError::new(
            "options.now() must return milliseconds since the Unix epoch (a number >= 0) \
             or nanoseconds (a bigint >= 0)",
        )
        .into()
    })
}

fn seed_from_js(v: JsValue) -> Result<u64, JsValue> {
    let seed = if v.is_bigint() {
        u64::try_from(v).ok()
    } else {
        v.as_f64()
            .filter(|n| n.fract() == 0.0 && (0.0..=9_007_199_254_740_991.0).contains(n))
            .map(|n| n as u64)
    };
    seed.ok_or_else(|| {
        js_sys::TypeError::new("options.seed must be an integer >= 0 (a number or a bigint)").into()
    })
}

fn random_seed() -> Result<u64, JsValue> {
    let mut bytes = [0u8; 8];
    getrandom::fill(&mut bytes).map_err(|e| {
        js_sys::Error::new(&format!(
            "no random source ({e}); pass options.seed or provide crypto.getRandomValues"
        ))
    })?;
    Ok(u64::from_le_bytes(bytes))
}

/// `Error` named `ConfigError`, with the message `path: what to fix` and the
/// path itself as `.path`.
fn config_error(e: &ConfigError) -> JsValue {
    let err = js_sys::Error::new(&e.to_string());
    err.set_name("ConfigError");
    // Setting a property on a fresh Error cannot fail; if it did, the
    // message still names the field.
    let _ = Reflect::set(&err, &JsValue::from_str("path"), &JsValue::from_str(e.path()));
    err.into()
}

/// Plain JS objects and arrays (maps as objects), as `JSON.parse` would give.
fn to_js<T: Serialize + ?Sized>(value: &T) -> Result<JsValue, JsValue> {
    value.serialize(&serde_wasm_bindgen::Serializer::json_compatible()).map_err(JsValue::from)
}
