//! # logsift-core
//!
//! The logsift engine: scrub PII and secrets from log records, enrich them
//! with context, sample them, and turn them into alert signals. Pure Rust
//! with no host ABI; the proxy-wasm, Fluent Bit, component and JavaScript
//! adapters translate their host's input into calls to [`Pipeline`].
//!
//! ## Records
//! One record is one log line, without its newline:
//! - a **JSON document** (typically an object, such as structlog output):
//!   nested objects and arrays, any key order, UTF-8. Only changed byte
//!   ranges are rewritten; untouched records come back borrowed;
//! - anything else is **text** (syslog, nginx combined, free text): the
//!   detectors and `key=value` rules run on it. A line that starts like JSON
//!   but is not valid (truncated, invalid UTF-8, nested deeper than
//!   [`json::MAX_DEPTH`]) is scrubbed as text — never passed on unscrubbed.
//!
//! ## Config
//! One JSON document with the sections `scrub`, `enrich`, `sample` and
//! `alerts` ([`Config`]); a missing section is a stage that is off. Its JSON
//! Schema ships as `observability/logsift.schema.json` ([`schema_json`]).
//!
//! ## Flow
//! `scrub → enrich → alerts → sample`. Alerts see every record before
//! sampling; the record that makes an alert fire is always kept. Every record
//! is accounted for in [`Stats`]: `in = out + sampled + rate_limited + dropped_by_rule`.
//! Time and randomness come only from [`Ctx`], so results are reproducible.

#![forbid(unsafe_code)]
#![deny(missing_docs)]

pub mod alerts;
pub mod config;
pub mod ctx;
pub mod enrich;
pub mod fuzzing;
pub mod json;
pub mod level;
pub mod matcher;
pub mod record;
pub mod sample;
pub mod scrub;
mod state;
mod stats;

use std::borrow::Cow;

pub use alerts::AlertEvent;
pub use config::{Config, ConfigError, schema_json};
pub use ctx::Ctx;
pub use scrub::{DetectorName, Format};
pub use stats::{Metric, MetricKind, Stats, prometheus_text};

use alerts::Alerts;
use enrich::Enricher;
use record::Record;
use sample::{Decision, Sampler};
use scrub::{Scrubbed, Scrubber};

/// Why a record was not passed on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DropReason {
    /// Its level's keep rate sampled it away.
    Sampled,
    /// A per-key rate limit held it back.
    RateLimited,
    /// A `sample.drop` rule matched.
    Rule,
}

impl DropReason {
    /// The `reason` label in metrics.
    pub fn as_str(self) -> &'static str {
        match self {
            DropReason::Sampled => "sampled",
            DropReason::RateLimited => "rate_limited",
            DropReason::Rule => "rule",
        }
    }
}

/// What became of one record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome<'a> {
    /// Pass it on: the input itself when nothing changed, else new bytes.
    Keep(Cow<'a, [u8]>),
    /// Don't.
    Drop(DropReason),
}

/// The compiled pipeline: every configured stage plus counters and the
/// signals and records produced since they were last taken.
#[derive(Debug)]
pub struct Pipeline {
    scrub: Option<Scrubber>,
    enrich: Option<Enricher>,
    sample: Option<Sampler>,
    alerts: Option<Alerts>,
    stats: Stats,
    signals: Vec<AlertEvent>,
    emitted: Vec<Vec<u8>>,
    /// The last kept record is known to be a well-formed JSON object.
    kept_object: bool,
}

impl Pipeline {
    /// Parses and compiles a config document.
    pub fn from_json(config: &[u8]) -> Result<Pipeline, ConfigError> {
        Pipeline::new(&Config::from_json(config)?)
    }

    /// Compiles a parsed config.
    pub fn new(cfg: &Config) -> Result<Pipeline, ConfigError> {
        let enrich = cfg.enrich.as_ref().map(Enricher::new).transpose()?;
        let mut scrub_cfg = cfg.scrub.clone();
        // The JWT read for `user_id` must never be passed on: its field is
        // always a key rule, with or without a scrub section.
        if let Some(src) = enrich.as_ref().and_then(Enricher::jwt_source) {
            let sc = scrub_cfg.get_or_insert_with(|| scrub::ScrubConfig {
                preset: scrub::Preset::None,
                allow_keys: Vec::new(),
                ..Default::default()
            });
            sc.keys.push(scrub::KeyRule { path: src.to_owned(), action: None });
        }
        Ok(Pipeline {
            scrub: scrub_cfg.as_ref().map(Scrubber::new).transpose()?,
            enrich,
            sample: cfg.sample.as_ref().map(Sampler::new).transpose()?,
            alerts: cfg.alerts.as_ref().map(Alerts::new).transpose()?,
            stats: Stats::default(),
            signals: Vec::new(),
            emitted: Vec::new(),
            kept_object: false,
        })
    }

    /// Processes one record (one line, without its newline).
    pub fn process<'a>(&mut self, input: &'a [u8], ctx: &mut Ctx) -> Outcome<'a> {
        self.stats.records_in += 1;
        self.stats.bytes_in += input.len() as u64;
        let jwt_sub = match &self.enrich {
            Some(e) if e.jwt_source().is_some() => {
                let raw = Record::new(Cow::Borrowed(input), detect_format(input));
                e.jwt_subject(&raw)
            }
            _ => None,
        };
        // Sampled away before the scrub when nothing else needs the record:
        // in production most records are, and the scrub is most of the cost.
        let early_rate = match self.decide_first(input, ctx, jwt_sub.as_deref()) {
            Ok(rate) => rate,
            Err(reason) => return self.drop(reason),
        };
        let scrubbed = match &mut self.scrub {
            Some(s) => s.scrub(input),
            None => Scrubbed {
                bytes: Cow::Borrowed(input),
                format: detect_format(input),
                fell_back: false,
                parsed: false,
            },
        };
        self.kept_object = false;
        if scrubbed.fell_back {
            self.stats.parse_fallbacks += 1;
        }
        if self.enrich.is_none() && self.sample.is_none() && self.alerts.is_none() {
            self.kept_object = scrubbed.parsed && scrubbed.bytes.first() == Some(&b'{');
            return self.keep(scrubbed.bytes);
        }
        let mut rec = Record::new(scrubbed.bytes, scrubbed.format);
        if let Some(e) = &self.enrich {
            e.apply(&mut rec, ctx, jwt_sub);
        }
        if early_rate.is_none() && self.sample.as_ref().is_some_and(|s| s.dropped_by_rule(&rec)) {
            return self.drop(DropReason::Rule);
        }
        let fired = match &mut self.alerts {
            Some(a) => a.observe(&rec, ctx, &mut self.signals),
            None => None,
        };
        let mut rate = early_rate;
        if let Some(s) = &mut self.sample {
            if early_rate.is_none() {
                match s.decide(&rec, ctx, &mut self.emitted, fired.is_some()) {
                    Decision::Keep(r) => rate = Some(r),
                    _ if fired.is_some() => self.stats.kept_for_alert += 1,
                    Decision::Sampled => return self.drop(DropReason::Sampled),
                    Decision::RateLimited => return self.drop(DropReason::RateLimited),
                    Decision::Rule => return self.drop(DropReason::Rule),
                }
            }
            if let (Some(field), Some(r)) = (s.rate_field(), rate)
                && rec.is_object()
            {
                rec.set_raw(field, serde_json::to_vec(&r).unwrap_or_else(|_| b"1".to_vec()));
            }
        }
        if let (Some(f), Some(field)) = (&fired, self.alerts.as_ref().and_then(Alerts::record_field))
            && rec.is_object()
        {
            let mut v = serde_json::to_value(&f.event).unwrap_or_default();
            if let Some(obj) = v.as_object_mut() {
                obj.insert("status".into(), "firing".into());
                obj.insert("value".into(), f.value.into());
            }
            rec.set_raw(field, serde_json::to_vec(&v).unwrap_or_default());
        }
        self.kept_object = rec.is_object();
        self.keep(rec.into_bytes())
    }

    /// The sampling decision taken on the record as it came, before the
    /// scrub, when nothing but the sampler reads it: no alert rules (they
    /// must see every record, scrubbed, and an alert keeps its record), no
    /// rate limit (its summaries carry field values, which must be the
    /// scrubbed ones), and no enrichment that draws random request ids (it
    /// would run twice). `Ok(None)`: decide after the scrub as usual;
    /// `Ok(Some(rate))`: kept at `rate`; `Err`: dropped, never scrubbed.
    ///
    /// The decision reads the enriched record, as it would after the scrub:
    /// the level, the trace id (or request id) and the drop rules' fields are
    /// not what the scrub changes. A record with neither id, whose SHA-256
    /// decides, takes the usual path, so it is decided on the same bytes as
    /// before. A drop rule matching a value the scrub would redact sees the
    /// value.
    fn decide_first(
        &mut self,
        input: &[u8],
        ctx: &mut Ctx,
        jwt_sub: Option<&str>,
    ) -> Result<Option<f64>, DropReason> {
        let Some(s) = &mut self.sample else { return Ok(None) };
        if self.alerts.is_some() || s.emits() || self.enrich.as_ref().is_some_and(Enricher::draws_random) {
            return Ok(None);
        }
        let mut rec = Record::new(Cow::Borrowed(input), detect_format(input));
        if let Some(e) = &self.enrich {
            e.apply(&mut rec, ctx, jwt_sub.map(str::to_owned));
        }
        if s.dropped_by_rule(&rec) {
            return Err(DropReason::Rule);
        }
        if !s.decides_on_fields(&rec) {
            return Ok(None);
        }
        match s.decide(&rec, ctx, &mut self.emitted, false) {
            Decision::Keep(r) => Ok(Some(r)),
            Decision::Sampled => Err(DropReason::Sampled),
            Decision::RateLimited => Err(DropReason::RateLimited),
            Decision::Rule => Err(DropReason::Rule),
        }
    }

    /// Whether the record the last [`process`](Self::process) kept is known
    /// to be one well-formed JSON object: it was read whole, by the scrub
    /// walk or the stages' field index, and the changes made to it keep it
    /// an object. `false` means unknown, not "not an object": a shipper that
    /// must hand on objects only (Fluent Bit) checks those with
    /// [`json::is_object`], and skips a second read of the rest.
    pub fn kept_json_object(&self) -> bool {
        self.kept_object
    }

    fn keep<'a>(&mut self, bytes: Cow<'a, [u8]>) -> Outcome<'a> {
        self.stats.records_out += 1;
        self.stats.bytes_out += bytes.len() as u64;
        Outcome::Keep(bytes)
    }

    fn drop(&mut self, reason: DropReason) -> Outcome<'static> {
        match reason {
            DropReason::Sampled => self.stats.sampled += 1,
            DropReason::RateLimited => self.stats.rate_limited += 1,
            DropReason::Rule => self.stats.dropped_by_rule += 1,
        }
        Outcome::Drop(reason)
    }

    /// Time-driven work: resolves and re-sends alerts, flushes rate-limit
    /// summaries of quiet keys. Hosts call it on their timer (every few seconds).
    pub fn tick(&mut self, ctx: &Ctx) {
        if let Some(a) = &mut self.alerts {
            a.tick(ctx, &mut self.signals);
        }
        if let Some(s) = &mut self.sample {
            s.flush(ctx, &mut self.emitted, false);
        }
    }

    /// At shutdown or end of input: every pending rate-limit summary now.
    pub fn finish(&mut self, ctx: &Ctx) {
        self.tick(ctx);
        if let Some(s) = &mut self.sample {
            s.flush(ctx, &mut self.emitted, true);
        }
    }

    /// Alert events produced since the last call.
    pub fn take_signals(&mut self) -> Vec<AlertEvent> {
        std::mem::take(&mut self.signals)
    }

    /// Records the pipeline made itself (rate-limit summaries) since the last
    /// call; pass them on after the record that produced them.
    pub fn take_emitted(&mut self) -> Vec<Vec<u8>> {
        let out = std::mem::take(&mut self.emitted);
        self.stats.records_emitted += out.len() as u64;
        out
    }

    /// Record counters.
    pub fn stats(&self) -> &Stats {
        &self.stats
    }

    /// Redactions per detector (key rules as `SENSITIVE_KEY`).
    pub fn redactions(&self) -> Vec<(String, u64)> {
        self.scrub
            .as_ref()
            .map_or_else(Vec::new, |s| s.redactions().map(|(k, v)| (k.to_owned(), v)).collect())
    }

    /// Every counter and gauge, one entry per sample, families adjacent.
    pub fn metrics(&self) -> Vec<Metric> {
        stats::metrics(self)
    }

    /// Every counter in the Prometheus text exposition format (0.0.4).
    pub fn metrics_text(&self) -> String {
        prometheus_text(&self.metrics())
    }
}

fn detect_format(input: &[u8]) -> Format {
    let first = input.iter().find(|b| !b.is_ascii_whitespace());
    if matches!(first, Some(b'{' | b'[')) && std::str::from_utf8(input).is_ok() {
        Format::Json
    } else {
        Format::Text
    }
}
