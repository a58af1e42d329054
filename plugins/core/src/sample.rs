//! Sample: keep a share of records, consistently with the app's traces.
//!
//! **Per-level rates.** Each level has a keep rate (`error` and `critical`
//! default to 1). **Trace-consistent decisions.** When a record carries a
//! trace id, the keep decision is the OpenTelemetry `TraceIdRatioBased`
//! decision of the SDK you name, so a log line is kept exactly when its trace
//! was sampled by the app. The SDKs disagree on the rule; each is read from
//! its source:
//! - `otel_python` (default): keep when `trace_id & (2^64-1) < round(ratio · 2^64)`
//!   (`opentelemetry-sdk`, `sampling.py`, `TraceIdRatioBased`);
//! - `otel_go`: keep when `(bytes 8..16 of trace_id as big-endian u64) >> 1 < ratio · 2^63`
//!   (`sdk/trace/sampling.go`, `traceIDRatioSampler`);
//! - `otel_java`: keep when `|lower 64 bits as i64| < ratio · i64::MAX`
//!   (`TraceIdRatioBasedSampler`);
//! - `w3c_threshold`: the consistent-probability rule — keep when the 56
//!   random bits of the trace id are at least `(1 - ratio) · 2^56`.
//!
//! Without a trace id a SHA-256 of the request id decides, and without either, a SHA-256 of the record: the same
//! record gets the same decision on every host and every rerun.
//! **Rate limits** use a token bucket per key, with a bounded key map; when
//! a limited key passes again, a summary record tells how many were held back.

use std::collections::BTreeMap;

use schemars::JsonSchema;
use serde::Deserialize;
use sha2::{Digest, Sha256};

use crate::config::{ConfigError, Seconds};
use crate::ctx::{self, Ctx};
use crate::level::{Level, Numbering};
use crate::matcher::{Condition, ConditionConfig, LevelSource, all_hold};
use crate::record::Record;
use crate::state::BoundedMap;

/// The `sample` section.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SampleConfig {
    /// Keep rate (0 to 1) per level. Unlisted levels use `default_rate`;
    /// `error` and `critical` default to 1 (always kept).
    #[serde(default)]
    pub rates: BTreeMap<Level, f64>,
    /// Keep rate for records whose level is unlisted or unreadable (default 1).
    #[serde(default = "one")]
    pub default_rate: f64,
    /// The level field (default `level`).
    #[serde(default = "level_field")]
    pub level_field: String,
    /// How numeric levels read: `python` (default), `bunyan` or `syslog`.
    #[serde(default)]
    pub level_numbering: Numbering,
    /// Which SDK's trace-id rule makes the keep decision (default `otel_python`).
    #[serde(default)]
    pub trace_rule: TraceRule,
    /// The trace id field (default `trace_id`); `traceparent` is read when it is absent.
    #[serde(default = "trace_id_field")]
    pub trace_id_field: String,
    /// The W3C traceparent field (default `traceparent`).
    #[serde(default = "traceparent_field")]
    pub traceparent_field: String,
    /// The request id field (default `request_id`), used when there is no trace id.
    #[serde(default = "request_id_field")]
    pub request_id_field: String,
    /// The field kept records carry their keep rate in (default `sample_rate`;
    /// empty to leave it out). Counts can be extrapolated as 1 / rate.
    #[serde(default = "rate_field")]
    pub rate_field: String,
    /// Per-key rate limit.
    #[serde(default)]
    pub rate_limit: Option<RateLimitConfig>,
    /// Records to drop outright, each a list of conditions that must all hold
    /// (health checks, noisy debug loggers…). Counted as dropped by rule.
    #[serde(default)]
    pub drop: Vec<Vec<ConditionConfig>>,
}

fn one() -> f64 {
    1.0
}
fn level_field() -> String {
    "level".into()
}
fn trace_id_field() -> String {
    "trace_id".into()
}
fn traceparent_field() -> String {
    "traceparent".into()
}
fn request_id_field() -> String {
    "request_id".into()
}
fn rate_field() -> String {
    "sample_rate".into()
}

/// The OpenTelemetry SDK whose ratio rule decides.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum TraceRule {
    /// opentelemetry-python.
    #[default]
    OtelPython,
    /// opentelemetry-go.
    OtelGo,
    /// opentelemetry-java.
    OtelJava,
    /// W3C consistent probability sampling (56 random bits vs a threshold).
    W3cThreshold,
}

/// A token bucket per key.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RateLimitConfig {
    /// Fields whose values form the key (`["endpoint", "event"]`).
    pub by: Vec<String>,
    /// Records per second let through per key.
    pub per_second: f64,
    /// Bucket size: the burst let through at once (default: `per_second`, at least 1).
    #[serde(default)]
    pub burst: Option<f64>,
    /// Most keys tracked; the least recently seen are evicted (default 10000).
    #[serde(default = "max_keys")]
    pub max_keys: usize,
    /// How long a key may go quiet before its pending summary is flushed (default 60s).
    #[serde(default = "summary_after")]
    pub summary_after: Seconds,
}

fn max_keys() -> usize {
    10_000
}
fn summary_after() -> Seconds {
    Seconds(60.0)
}

/// A keep-or-drop decision.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Decision {
    /// Kept, with the rate it was kept at.
    Keep(f64),
    /// Dropped by the rate of its level.
    Sampled,
    /// Dropped by a rate limit.
    RateLimited,
    /// Dropped by a drop rule.
    Rule,
}

#[derive(Debug)]
struct Bucket {
    tokens: f64,
    last: f64,
    suppressed: u64,
    first_suppressed: f64,
    last_suppressed: f64,
}

/// The compiled sample stage.
#[derive(Debug)]
pub struct Sampler {
    cfg: SampleConfig,
    levels: LevelSource,
    drop: Vec<Vec<Condition>>,
    buckets: Option<BoundedMap<String, Bucket>>,
}

impl Sampler {
    /// Validates a `sample` section.
    pub fn new(cfg: &SampleConfig) -> Result<Self, ConfigError> {
        let rate_ok = |r: f64| (0.0..=1.0).contains(&r);
        for (level, r) in &cfg.rates {
            if !rate_ok(*r) {
                return Err(ConfigError::new(
                    format!("sample.rates.{}", level.as_str()),
                    "must be between 0 and 1",
                ));
            }
        }
        if !rate_ok(cfg.default_rate) {
            return Err(ConfigError::new("sample.default_rate", "must be between 0 and 1"));
        }
        if let Some(rl) = &cfg.rate_limit {
            if rl.by.is_empty() {
                return Err(ConfigError::new("sample.rate_limit.by", "name at least one field"));
            }
            if !(rl.per_second > 0.0 && rl.per_second.is_finite()) {
                return Err(ConfigError::new("sample.rate_limit.per_second", "must be a positive number"));
            }
            if rl.burst.is_some_and(|b| !(b >= 1.0 && b.is_finite())) {
                return Err(ConfigError::new("sample.rate_limit.burst", "must be at least 1"));
            }
            if rl.max_keys == 0 {
                return Err(ConfigError::new("sample.rate_limit.max_keys", "must be at least 1"));
            }
        }
        let drop = cfg
            .drop
            .iter()
            .enumerate()
            .map(|(i, cs)| Condition::list(cs, &format!("sample.drop[{i}]")))
            .collect::<Result<_, _>>()?;
        Ok(Sampler {
            levels: LevelSource { field: cfg.level_field.clone(), numbering: cfg.level_numbering },
            buckets: cfg.rate_limit.as_ref().map(|rl| BoundedMap::new(rl.max_keys)),
            cfg: cfg.clone(),
            drop,
        })
    }

    /// Whether a decision can emit a record (a rate-limit summary, which
    /// carries the key's field values).
    pub fn emits(&self) -> bool {
        self.cfg.rate_limit.is_some()
    }

    /// Whether [`decide`](Self::decide) reads only fields of `rec`, not its
    /// bytes: its level's rate is 0 or 1, or it has a trace id or a request
    /// id. Without either id the decision is a digest of the whole record,
    /// which differs before and after the scrub.
    pub fn decides_on_fields(&self, rec: &Record<'_>) -> bool {
        let rate = self.rate_for(rec);
        rate >= 1.0
            || rate <= 0.0
            || rec.get_path(&self.cfg.trace_id_field).is_some_and(|v| parse_trace_id(&v.text()).is_some())
            || rec.get_path(&self.cfg.traceparent_field).is_some()
            || rec.get_path(&self.cfg.request_id_field).is_some()
    }

    /// Whether a drop rule matches.
    pub fn dropped_by_rule(&self, rec: &Record<'_>) -> bool {
        self.drop.iter().any(|cs| all_hold(cs, rec, &self.levels))
    }

    /// The keep rate for a record's level.
    pub fn rate_for(&self, rec: &Record<'_>) -> f64 {
        match self.levels.level(rec) {
            Some(l) => self.cfg.rates.get(&l).copied().unwrap_or(match l {
                Level::Error | Level::Critical => 1.0,
                _ => self.cfg.default_rate,
            }),
            None => self.cfg.default_rate,
        }
    }

    /// Decides for one record; a rate-limit summary, when due, goes to `emitted`.
    /// `force`: the record is kept whatever the limits say (it fired an
    /// alert), so it is not counted as suppressed.
    pub fn decide(
        &mut self,
        rec: &Record<'_>,
        ctx: &mut Ctx,
        emitted: &mut Vec<Vec<u8>>,
        force: bool,
    ) -> Decision {
        let rate = self.rate_for(rec);
        // At rate 0 every trace rule drops whatever the id: skip finding
        // and hashing one (a SHA-256 of the whole record when it has none).
        if rate < 1.0 && (rate <= 0.0 || !self.keep_at(rec, rate)) {
            return Decision::Sampled;
        }
        if let (Some(rl), Some(buckets)) = (&self.cfg.rate_limit, &mut self.buckets) {
            let key = rate_key(rec, &rl.by);
            let now = ctx.now_secs();
            let burst = rl.burst.unwrap_or(rl.per_second.max(1.0));
            let b = buckets.get_or_insert_with(&key, || Bucket {
                tokens: burst,
                last: now,
                suppressed: 0,
                first_suppressed: 0.0,
                last_suppressed: 0.0,
            });
            b.tokens = (b.tokens + (now - b.last).max(0.0) * rl.per_second).min(burst);
            b.last = now;
            if b.tokens < 1.0 && !force {
                if b.suppressed == 0 {
                    b.first_suppressed = now;
                }
                b.suppressed += 1;
                b.last_suppressed = now;
                return Decision::RateLimited;
            }
            b.tokens = (b.tokens - 1.0).max(0.0);
            if b.suppressed > 0 {
                emitted.push(summary(&rl.by, &key, b));
                b.suppressed = 0;
            }
        }
        Decision::Keep(rate)
    }

    /// Emits summaries for keys quiet for `summary_after`; call on a timer.
    pub fn flush(&mut self, ctx: &Ctx, emitted: &mut Vec<Vec<u8>>, force: bool) {
        let (Some(rl), Some(buckets)) = (&self.cfg.rate_limit, &mut self.buckets) else {
            return;
        };
        let now = ctx.now_secs();
        for (key, b) in buckets.iter_mut() {
            if b.suppressed > 0 && (force || now - b.last_suppressed >= rl.summary_after.0) {
                emitted.push(summary(&rl.by, key, b));
                b.suppressed = 0;
            }
        }
    }

    /// Keys tracked and keys evicted by the rate limiter.
    pub fn state(&self) -> (usize, u64) {
        self.buckets.as_ref().map_or((0, 0), |b| (b.len(), b.evicted()))
    }

    /// The field kept records carry their rate in, if any.
    pub fn rate_field(&self) -> Option<&str> {
        Some(self.cfg.rate_field.as_str()).filter(|f| !f.is_empty())
    }

    fn keep_at(&self, rec: &Record<'_>, rate: f64) -> bool {
        let trace =
            rec.get_path(&self.cfg.trace_id_field).and_then(|v| parse_trace_id(&v.text())).or_else(|| {
                let tp = rec.get_path(&self.cfg.traceparent_field)?;
                let (t, _, _) = crate::enrich::parse_traceparent(&tp.text())?;
                parse_trace_id(&t)
            });
        if let Some(id) = trace {
            return trace_keep(self.cfg.trace_rule, id, rate);
        }
        let id = match rec.get_path(&self.cfg.request_id_field) {
            // Hashed even when it is a UUID: a UUIDv4's lower 64 bits start
            // with the variant bits `10`, which would skew the ratio rule.
            Some(rid) => digest_id(rid.text().as_bytes()),
            // No id at all: a digest of the record, so every host (and every
            // rerun) makes the same choice for the same record.
            None => digest_id(rec.source()),
        };
        trace_keep(TraceRule::OtelPython, id, rate)
    }
}

fn digest_id(bytes: &[u8]) -> u128 {
    let d = Sha256::digest(bytes);
    let mut b = [0u8; 16];
    b.copy_from_slice(&d[..16]);
    u128::from_be_bytes(b)
}

/// A 32-hex-digit id as a 128-bit number.
pub fn parse_trace_id(s: &str) -> Option<u128> {
    let s = s.trim();
    if s.len() != 32 {
        return None;
    }
    u128::from_str_radix(s, 16).ok().filter(|&v| v != 0)
}

fn bound_python(rate: f64) -> u128 {
    // round(rate * 2^64), as `TraceIdRatioBased.get_bound_for_rate`.
    (rate * 18_446_744_073_709_551_616.0).round() as u128
}

/// The keep decision of `rule` for trace id `id` at `rate`.
pub fn trace_keep(rule: TraceRule, id: u128, rate: f64) -> bool {
    let low = id as u64;
    match rule {
        TraceRule::OtelPython => u128::from(low) < bound_python(rate),
        TraceRule::OtelGo => {
            if rate >= 1.0 {
                return true;
            }
            let bound = (rate * 9_223_372_036_854_775_808.0) as u64;
            (low >> 1) < bound
        }
        TraceRule::OtelJava => {
            let bound = if rate <= 0.0 {
                i64::MIN
            } else if rate >= 1.0 {
                i64::MAX
            } else {
                (rate * i64::MAX as f64) as i64
            };
            (low as i64).wrapping_abs() < bound
        }
        TraceRule::W3cThreshold => {
            let random = low & ((1u64 << 56) - 1);
            let threshold = ((1.0 - rate) * 72_057_594_037_927_936.0).round() as u64;
            random >= threshold
        }
    }
}

fn rate_key(rec: &Record<'_>, by: &[String]) -> String {
    let mut key = String::new();
    for (i, f) in by.iter().enumerate() {
        if i > 0 {
            key.push('\u{1f}');
        }
        if let Some(v) = rec.get_path(f) {
            key.push_str(&v.text());
        }
    }
    key
}

fn summary(by: &[String], key: &str, b: &Bucket) -> Vec<u8> {
    let mut obj = serde_json::Map::new();
    obj.insert("logsift".into(), "rate_limit_summary".into());
    for (f, v) in by.iter().zip(key.split('\u{1f}')) {
        obj.insert(f.clone(), v.into());
    }
    obj.insert("suppressed".into(), b.suppressed.into());
    let at = |s: f64| {
        ctx::rfc3339(std::time::SystemTime::UNIX_EPOCH + std::time::Duration::from_secs_f64(s.max(0.0)))
    };
    obj.insert("first_suppressed".into(), at(b.first_suppressed).into());
    obj.insert("last_suppressed".into(), at(b.last_suppressed).into());
    serde_json::to_vec(&obj).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn python_rule_vectors() {
        // Rate 0.5 → bound 2^63: ids whose lower 64 bits are below 2^63 are kept.
        assert!(trace_keep(TraceRule::OtelPython, 0x7fff_ffff_ffff_ffff, 0.5));
        assert!(!trace_keep(TraceRule::OtelPython, 0x8000_0000_0000_0000, 0.5));
        // Only the lower 64 bits count.
        assert!(trace_keep(TraceRule::OtelPython, (0xffff_u128 << 64) | 1, 0.5));
        // Rate 1 keeps everything, rate 0 nothing.
        assert!(trace_keep(TraceRule::OtelPython, u128::MAX, 1.0));
        assert!(!trace_keep(TraceRule::OtelPython, 1, 0.0));
        // Rate 0.1: Python computes round(0.1 * 2**64) in floating point = 1844674407370955264.
        assert!(trace_keep(TraceRule::OtelPython, 1_844_674_407_370_955_263, 0.1));
        assert!(!trace_keep(TraceRule::OtelPython, 1_844_674_407_370_955_264, 0.1));
    }

    #[test]
    fn go_and_java_rules_differ_from_python() {
        // Go shifts the (big-endian) lower half right by one before comparing with rate·2^63.
        let id = 0x8000_0000_0000_0000_u128;
        assert!(!trace_keep(TraceRule::OtelGo, id, 0.5));
        assert!(trace_keep(TraceRule::OtelGo, 0x7fff_ffff_ffff_fffe, 0.5));
        // Java takes |lower 64 as i64|: 0xffff…ff is -1, |−1| = 1, kept at any rate > 0.
        assert!(trace_keep(TraceRule::OtelJava, 0xffff_ffff_ffff_ffff, 0.01));
        assert!(!trace_keep(TraceRule::OtelPython, 0xffff_ffff_ffff_ffff, 0.01));
        // i64::MIN stays negative under wrapping_abs, as Math.abs does: kept.
        assert!(trace_keep(TraceRule::OtelJava, 0x8000_0000_0000_0000, 0.01));
    }

    #[test]
    fn w3c_threshold_rule() {
        // Rate 0.25 → threshold 0.75·2^56: random bits at or above it are kept.
        let t = (0.75 * 72_057_594_037_927_936.0) as u128;
        assert!(trace_keep(TraceRule::W3cThreshold, t, 0.25));
        assert!(!trace_keep(TraceRule::W3cThreshold, t - 1, 0.25));
    }
}
