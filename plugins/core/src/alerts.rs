//! Alert signals: rules that count matching records per group in a sliding
//! window and fire when the count, rate or sum reaches a threshold for a
//! `for` duration.
//!
//! Outputs: a match counter per rule; firing and resolved events in the
//! Alertmanager API v2 shape (`labels`, `annotations`, `startsAt`, `endsAt`,
//! `generatorURL`) ready to POST to `/api/v2/alerts`; and, for hosts that can
//! only pass records on, an optional `alert` field on the record that made a
//! rule fire. Alerts see every record, before sampling, so a 10% sample rate
//! never hides nine failed logins in ten; the record that fires is kept.
//! Group state is bounded (`max_groups`, least recently seen evicted).
//!
//! For fleets, where each instance sees a shard of the stream and its own
//! windows never fill, the match counter is split by the rule's `group_by`
//! values so Prometheus can sum it over instances (`logsift rules` writes
//! those rules): `logsift_alert_matches_total{rule, <group_by labels>}`.
//! Each rule has at most `max_series` group series; matches beyond go to
//! the series whose group labels are all `__other__`, which exists at 0 from
//! start-up, as the series of a rule without `group_by` does.

use std::collections::BTreeMap;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::config::{ConfigError, Seconds};
use crate::ctx::{self, Ctx};
use crate::matcher::{Condition, ConditionConfig, LevelSource, all_hold};
use crate::record::Record;
use crate::state::BoundedMap;

/// Buckets per window: a sliding window moves in steps of window/12.
const BUCKETS: usize = 12;

/// The `alerts` section.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct AlertsConfig {
    /// The rules.
    pub rules: Vec<AlertRuleConfig>,
    /// Most groups tracked over all rules (default 10000).
    #[serde(default = "max_groups")]
    pub max_groups: usize,
    /// Most `logsift_alert_matches_total` series per rule with `group_by`
    /// (default 100), not counting the `__other__` series that takes the
    /// rest; 0 puts every group under `__other__`. Series live as long as
    /// the pipeline, so this bounds both memory and Prometheus cardinality.
    #[serde(default = "max_series")]
    pub max_series: usize,
    /// `generatorURL` of events; `?rule=<name>` is appended.
    #[serde(default)]
    pub generator_url: Option<String>,
    /// Write the alert onto the record that fired it, in this field
    /// (default none). For Fluent Bit, where `rewrite_tag` routes it.
    #[serde(default)]
    pub record_field: Option<String>,
    /// Firing alerts are sent again this often while they last (default 60s).
    #[serde(default = "resend")]
    pub resend_interval: Seconds,
    /// The level field and numbering used by `level_at_least` (default `level`, python).
    #[serde(default = "level_field")]
    pub level_field: String,
    /// How numeric levels read.
    #[serde(default)]
    pub level_numbering: crate::level::Numbering,
}

fn max_groups() -> usize {
    10_000
}
fn max_series() -> usize {
    100
}
fn resend() -> Seconds {
    Seconds(60.0)
}
fn level_field() -> String {
    "level".into()
}

/// What a rule measures over its window.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum Aggregate {
    /// Matching records in the window.
    #[default]
    Count,
    /// Matching records per second over the window.
    Rate,
    /// The sum of `value_field` over matching records in the window.
    Sum,
}

/// One alert rule.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct AlertRuleConfig {
    /// The `alertname` label.
    pub name: String,
    /// Conditions a record must all meet to count.
    #[serde(rename = "match")]
    pub conditions: Vec<ConditionConfig>,
    /// Fields that split the count into groups (and become labels).
    #[serde(default)]
    pub group_by: Vec<String>,
    /// The sliding window (default 60s).
    #[serde(default = "window")]
    pub window: Seconds,
    /// `count` (default), `rate` (per second) or `sum` of `value_field`.
    #[serde(default)]
    pub aggregate: Aggregate,
    /// The numeric field summed by `sum`.
    #[serde(default)]
    pub value_field: Option<String>,
    /// Fires when the aggregate reaches this value (`>=`).
    pub threshold: f64,
    /// How long the threshold must hold before firing (default 0).
    #[serde(default, rename = "for")]
    pub for_duration: Option<Seconds>,
    /// The `severity` label: `critical`, `high`, `warning`, `info`…
    #[serde(default = "severity")]
    pub severity: String,
    /// More labels.
    #[serde(default)]
    pub labels: BTreeMap<String, String>,
    /// Annotations (`summary`, `description`, `runbook_url`). `{{ $labels.x }}`
    /// and `{{ $value }}` are filled in.
    #[serde(default)]
    pub annotations: BTreeMap<String, String>,
}

fn window() -> Seconds {
    Seconds(60.0)
}
fn severity() -> String {
    "warning".into()
}

/// An alert in the Alertmanager API v2 `postableAlert` shape.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AlertEvent {
    /// `alertname`, `severity`, the rule's labels and the group's values.
    pub labels: BTreeMap<String, String>,
    /// The rule's annotations, filled in.
    pub annotations: BTreeMap<String, String>,
    /// When the alert began firing (RFC 3339).
    #[serde(rename = "startsAt")]
    pub starts_at: String,
    /// For a resolved alert, when it ended; for a firing one, when
    /// Alertmanager should consider it stale unless sent again.
    #[serde(rename = "endsAt")]
    pub ends_at: String,
    /// Link back to the rule.
    #[serde(rename = "generatorURL")]
    pub generator_url: String,
    /// Whether this event resolves the alert (implied by `endsAt` in the
    /// wire shape, so not serialized).
    #[serde(skip)]
    pub resolved: bool,
}

#[derive(Debug)]
struct Rule {
    cfg: AlertRuleConfig,
    conditions: Vec<Condition>,
    for_secs: f64,
    fired: u64,
    resolved: u64,
    /// The `group_by` fields as Prometheus label names.
    label_names: Vec<String>,
    /// Matches per group label values, in order of appearance; at most
    /// `max_series` (a list: it is short, and a map would cost the
    /// proxy-wasm module code size).
    series: Vec<(Vec<String>, Counted)>,
    /// The rule's only series without `group_by`, else `__other__`.
    rest: Counted,
}

/// What one match series has counted.
#[derive(Debug, Clone, Copy, Default)]
pub struct Counted {
    /// Matching records.
    pub matches: u64,
    /// The sum of `value_field` over them, for `aggregate: "sum"` (only
    /// values above 0, since a counter never decreases).
    pub value: f64,
}

/// The group label value of the series that takes matches beyond `max_series`.
pub const OTHER: &str = "__other__";

/// Label names the generated Prometheus rules or Prometheus itself use.
const RESERVED_LABELS: &[&str] = &["rule", "alertname", "severity", "scope", "job", "instance", "pod"];

/// A `group_by` field as a Prometheus label name: characters outside
/// `[a-zA-Z0-9_]` become `_`, and a leading digit gets a `_` before it
/// (`http.client_ip` -> `http_client_ip`).
pub fn label_name(field: &str) -> String {
    let mut name: String =
        field.chars().map(|c| if c.is_ascii_alphanumeric() || c == '_' { c } else { '_' }).collect();
    if name.starts_with(|c: char| c.is_ascii_digit()) {
        name.insert(0, '_');
    }
    name
}

/// Longest group label value kept; longer values are cut (they are record
/// data, and a label is held for the pipeline's life).
const MAX_LABEL_VALUE: usize = 128;

/// A group value as a metric label value: characters outside
/// `[A-Za-z0-9_-]` become `_`, so that the proxy-wasm module, whose labels
/// travel inside Envoy stat names, exports the very same value as every
/// other host (`[IP_ADDRESS:9e86…]` -> `_IP_ADDRESS_9e86…_`).
pub fn label_value(v: &str) -> String {
    v.chars()
        .take(MAX_LABEL_VALUE)
        .map(|c| if c.is_ascii_alphanumeric() || c == '_' || c == '-' { c } else { '_' })
        .collect()
}

#[derive(Debug)]
struct Group {
    values: Vec<String>,
    ring: [f64; BUCKETS],
    head: i64,
    pending_since: Option<f64>,
    firing_since: Option<f64>,
    last_sent: f64,
    last_value: f64,
}

/// A status change produced by a record, for the record's `alert` field.
#[derive(Debug, Clone)]
pub struct Fired {
    /// The event sent.
    pub event: AlertEvent,
    /// The aggregate value that crossed the threshold.
    pub value: f64,
}

/// The compiled alerts stage.
#[derive(Debug)]
pub struct Alerts {
    rules: Vec<Rule>,
    groups: BoundedMap<(usize, Vec<String>), Group>,
    max_series: usize,
    /// Matches counted under `__other__` because their rule had `max_series` series.
    overflowed: u64,
    levels: LevelSource,
    generator_url: String,
    record_field: Option<String>,
    resend: f64,
}

impl Alerts {
    /// Validates an `alerts` section.
    pub fn new(cfg: &AlertsConfig) -> Result<Self, ConfigError> {
        if cfg.max_groups == 0 {
            return Err(ConfigError::new("alerts.max_groups", "must be at least 1"));
        }
        let mut rules = Vec::new();
        for (i, r) in cfg.rules.iter().enumerate() {
            let at = |f: &str| format!("alerts.rules[{i}].{f}");
            if r.name.is_empty() {
                return Err(ConfigError::new(at("name"), "must not be empty"));
            }
            if cfg.rules[..i].iter().any(|o| o.name == r.name) {
                return Err(ConfigError::new(
                    at("name"),
                    format!("\"{}\" is used by an earlier rule", r.name),
                ));
            }
            if r.conditions.is_empty() {
                return Err(ConfigError::new(at("match"), "give at least one condition"));
            }
            if r.window.0 <= 0.0 {
                return Err(ConfigError::new(at("window"), "must be longer than 0s"));
            }
            if !r.threshold.is_finite() {
                return Err(ConfigError::new(at("threshold"), "must be a number"));
            }
            if (r.aggregate == Aggregate::Sum) != r.value_field.is_some() {
                return Err(ConfigError::new(
                    at("value_field"),
                    "is required with aggregate \"sum\", and only then",
                ));
            }
            let mut label_names: Vec<String> = Vec::new();
            for (j, field) in r.group_by.iter().enumerate() {
                let name = label_name(field);
                let why = if name.is_empty() || name.starts_with("__") {
                    "is no usable label name (empty, or starts with __)".to_owned()
                } else if RESERVED_LABELS.contains(&name.as_str()) {
                    format!("becomes the label \"{name}\", which the metrics or Prometheus already use")
                } else if label_names.contains(&name) {
                    format!("becomes the label \"{name}\", as an earlier group_by field does")
                } else {
                    label_names.push(name);
                    continue;
                };
                return Err(ConfigError::new(at(&format!("group_by[{j}]")), why));
            }
            rules.push(Rule {
                conditions: Condition::list(&r.conditions, &at("match"))?,
                for_secs: r.for_duration.map_or(0.0, |d| d.0),
                cfg: r.clone(),
                fired: 0,
                resolved: 0,
                label_names,
                series: Vec::new(),
                rest: Counted::default(),
            });
        }
        Ok(Alerts {
            rules,
            groups: BoundedMap::new(cfg.max_groups),
            max_series: cfg.max_series,
            overflowed: 0,
            levels: LevelSource { field: cfg.level_field.clone(), numbering: cfg.level_numbering },
            generator_url: cfg.generator_url.clone().unwrap_or_default(),
            record_field: cfg.record_field.clone().filter(|f| !f.is_empty()),
            resend: cfg.resend_interval.0.max(1.0),
        })
    }

    /// The field the firing alert is written into, if configured.
    pub fn record_field(&self) -> Option<&str> {
        self.record_field.as_deref()
    }

    /// Counts a record against every rule. Events go to `out`; the first
    /// alert this record made fire is returned.
    pub fn observe(&mut self, rec: &Record<'_>, ctx: &Ctx, out: &mut Vec<AlertEvent>) -> Option<Fired> {
        let now = ctx.now_secs();
        let mut first = None;
        for i in 0..self.rules.len() {
            let rule = &self.rules[i];
            if !all_hold(&rule.conditions, rec, &self.levels) {
                continue;
            }
            let amount = match (&rule.cfg.aggregate, &rule.cfg.value_field) {
                (Aggregate::Sum, Some(f)) => rec.get_path(f).and_then(|v| v.number()).unwrap_or(0.0),
                _ => 1.0,
            };
            let values: Vec<String> = rule
                .cfg
                .group_by
                .iter()
                .map(|f| rec.get_path(f).map(|v| v.text().into_owned()).unwrap_or_default())
                .collect();
            self.count(i, &values, amount);
            let width = self.rules[i].cfg.window.0 / BUCKETS as f64;
            let g = self.groups.get_or_insert_with(&(i, values.clone()), || Group {
                values,
                ring: [0.0; BUCKETS],
                head: (now / width).floor() as i64,
                pending_since: None,
                firing_since: None,
                last_sent: 0.0,
                last_value: 0.0,
            });
            advance(g, now, width);
            let idx = g.head.rem_euclid(BUCKETS as i64) as usize;
            g.ring[idx] += amount;
            if let Some(f) = step(&mut self.rules[i], g, now, &self.generator_url, self.resend, out) {
                first.get_or_insert(f);
            }
        }
        first
    }

    /// Adds one match to its rule's series for the group `values`.
    fn count(&mut self, i: usize, values: &[String], amount: f64) {
        let rule = &mut self.rules[i];
        let key: Vec<String> = values.iter().map(|v| label_value(v)).collect();
        let found = rule.series.iter().position(|(k, _)| *k == key);
        let counted = match found {
            _ if values.is_empty() => &mut rule.rest,
            Some(j) => &mut rule.series[j].1,
            None if rule.series.len() < self.max_series => {
                rule.series.push((key, Counted::default()));
                let j = rule.series.len() - 1;
                &mut rule.series[j].1
            }
            None => {
                self.overflowed += 1;
                &mut rule.rest
            }
        };
        counted.matches += 1;
        if amount > 0.0 && rule.cfg.aggregate == Aggregate::Sum {
            counted.value += amount;
        }
    }

    /// Calls `f` with every series of `logsift_alert_matches_total`, rule by
    /// rule: the rule's name, whether it sums `value_field`, its group label
    /// names, the group's label values (`None` for the `__other__` series,
    /// and for the only series of a rule without `group_by`) and the counts.
    /// A rule's `__other__` series comes first, then its groups in order of
    /// appearance.
    pub fn each_series(&self, mut f: impl FnMut(&str, bool, &[String], Option<&[String]>, Counted)) {
        for r in &self.rules {
            let sums = r.cfg.aggregate == Aggregate::Sum;
            f(&r.cfg.name, sums, &r.label_names, None, r.rest);
            for (values, counted) in &r.series {
                f(&r.cfg.name, sums, &r.label_names, Some(values), *counted);
            }
        }
    }

    /// Group series held over all rules, and matches counted under
    /// `__other__` because their rule had `max_series` series already.
    pub fn series_state(&self) -> (usize, u64) {
        (self.rules.iter().map(|r| r.series.len()).sum(), self.overflowed)
    }

    /// Moves every group's window to `now`: resolves alerts whose value
    /// fell below the threshold and re-sends long-firing ones. Call on a timer.
    pub fn tick(&mut self, ctx: &Ctx, out: &mut Vec<AlertEvent>) {
        let now = ctx.now_secs();
        let rules = &mut self.rules;
        let (url, resend) = (&self.generator_url, self.resend);
        self.groups.retain(|(i, _), g| {
            let Some(rule) = rules.get_mut(*i) else {
                return false;
            };
            advance(g, now, rule.cfg.window.0 / BUCKETS as f64);
            step(rule, g, now, url, resend, out);
            // Idle groups with nothing pending are forgotten.
            g.ring.iter().any(|v| *v != 0.0) || g.firing_since.is_some()
        });
    }

    /// Per rule: name, severity, events fired, events resolved.
    pub fn counters(&self) -> impl Iterator<Item = (&str, &str, u64, u64)> {
        self.rules.iter().map(|r| (r.cfg.name.as_str(), r.cfg.severity.as_str(), r.fired, r.resolved))
    }

    /// Groups tracked, and groups evicted to stay under `max_groups`.
    pub fn state(&self) -> (usize, u64) {
        (self.groups.len(), self.groups.evicted())
    }
}

/// Slides the group's window so its head bucket holds `now`.
fn advance(g: &mut Group, now: f64, width: f64) {
    let idx = (now / width).floor() as i64;
    if idx <= g.head {
        return;
    }
    let steps = (idx - g.head).min(BUCKETS as i64);
    for k in 1..=steps {
        g.ring[(g.head + k).rem_euclid(BUCKETS as i64) as usize] = 0.0;
    }
    g.head = idx;
}

/// Evaluates one group after a change, emitting status changes.
fn step(
    rule: &mut Rule,
    g: &mut Group,
    now: f64,
    url: &str,
    resend: f64,
    out: &mut Vec<AlertEvent>,
) -> Option<Fired> {
    let sum: f64 = g.ring.iter().sum();
    let value = match rule.cfg.aggregate {
        Aggregate::Rate => sum / rule.cfg.window.0,
        _ => sum,
    };
    g.last_value = value;
    if value >= rule.cfg.threshold {
        let since = *g.pending_since.get_or_insert(now);
        if g.firing_since.is_none() && now - since >= rule.for_secs {
            g.firing_since = Some(now);
            g.last_sent = now;
            rule.fired += 1;
            let ev = event(rule, g, now, value, url, false, resend);
            out.push(ev.clone());
            return Some(Fired { event: ev, value });
        }
        if g.firing_since.is_some() && now - g.last_sent >= resend {
            g.last_sent = now;
            out.push(event(rule, g, now, value, url, false, resend));
        }
    } else {
        g.pending_since = None;
        if g.firing_since.is_some() {
            rule.resolved += 1;
            out.push(event(rule, g, now, value, url, true, resend));
            g.firing_since = None;
        }
    }
    None
}

fn event(rule: &Rule, g: &Group, now: f64, value: f64, url: &str, resolved: bool, resend: f64) -> AlertEvent {
    let mut labels = BTreeMap::new();
    labels.insert("alertname".to_owned(), rule.cfg.name.clone());
    labels.insert("severity".to_owned(), rule.cfg.severity.clone());
    for (k, v) in &rule.cfg.labels {
        labels.insert(k.clone(), v.clone());
    }
    for (k, v) in rule.cfg.group_by.iter().zip(&g.values) {
        labels.insert(k.clone(), v.clone());
    }
    let annotations =
        rule.cfg.annotations.iter().map(|(k, v)| (k.clone(), fill(v, &labels, value))).collect();
    // Rounded to the millisecond printed: f64 seconds near 1.7e9 hold
    // `.123` as `.12299999…`, which truncation would print 1 ms early.
    let at = |s: f64| {
        let millis = (s.max(0.0) * 1000.0).round() as u64;
        ctx::rfc3339(std::time::SystemTime::UNIX_EPOCH + std::time::Duration::from_millis(millis))
    };
    let starts = g.firing_since.unwrap_or(now);
    // A firing alert stays current in Alertmanager for a few resend periods.
    let ends = if resolved { now } else { now + 4.0 * resend.max(rule.cfg.window.0 / 4.0) };
    let generator_url = if url.is_empty() {
        String::new()
    } else {
        let sep = if url.contains('?') { '&' } else { '?' };
        format!("{url}{sep}rule={}", rule.cfg.name)
    };
    AlertEvent { labels, annotations, starts_at: at(starts), ends_at: at(ends), generator_url, resolved }
}

/// Fills `{{ $labels.name }}` and `{{ $value }}`.
fn fill(template: &str, labels: &BTreeMap<String, String>, value: f64) -> String {
    let mut out = String::with_capacity(template.len());
    let mut rest = template;
    while let Some(open) = rest.find("{{") {
        out.push_str(&rest[..open]);
        let Some(close) = rest[open..].find("}}") else {
            out.push_str(&rest[open..]);
            return out;
        };
        let expr = rest[open + 2..open + close].trim();
        if expr == "$value" {
            out.push_str(&format!("{value}"));
        } else if let Some(name) = expr.strip_prefix("$labels.") {
            out.push_str(labels.get(name).map_or("", String::as_str));
        } else {
            out.push_str(&rest[open..open + close + 2]);
        }
        rest = &rest[open + close + 2..];
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn templates() {
        let mut l = BTreeMap::new();
        l.insert("ip".to_owned(), "10.0.0.1".to_owned());
        assert_eq!(fill("{{ $value }} from {{ $labels.ip }} {{x}}", &l, 7.0), "7 from 10.0.0.1 {{x}}");
    }

    fn alerts(json: &str) -> Result<Alerts, ConfigError> {
        let cfg: AlertsConfig = serde_json::from_str(json).unwrap();
        Alerts::new(&cfg)
    }

    /// Feeds JSON records one second apart; returns the events.
    fn feed(a: &mut Alerts, records: &[String]) -> Vec<AlertEvent> {
        let mut out = Vec::new();
        for (i, r) in records.iter().enumerate() {
            let rec = Record::new(std::borrow::Cow::Borrowed(r.as_bytes()), crate::Format::Json);
            let ctx = Ctx::new(1_700_000_000_000_000_000 + i as u64 * 1_000_000_000, 0);
            a.observe(&rec, &ctx, &mut out);
        }
        out
    }

    /// `(labels, matches, value)` of every match series.
    fn series(a: &Alerts) -> Vec<(String, u64, f64)> {
        let mut all = Vec::new();
        a.each_series(|rule, _, names, values, c| {
            let mut labels = format!("rule={rule}");
            for (j, n) in names.iter().enumerate() {
                labels.push_str(&format!(",{n}={}", values.map_or(OTHER, |v| v[j].as_str())));
            }
            all.push((labels, c.matches, c.value));
        });
        all
    }

    const RULES: &str = r#"{"max_series": 2, "rules": [
        {"name": "Pay", "match": [{"field": "event", "equals": "payment_failed"}], "threshold": 3},
        {"name": "Auth", "match": [{"field": "event", "equals": "login_failed"}],
         "group_by": ["client.ip"], "threshold": 5},
        {"name": "Tokens", "match": [{"field": "event", "equals": "llm"}],
         "aggregate": "sum", "value_field": "tokens", "threshold": 1000}
    ]}"#;

    #[test]
    fn every_rule_has_a_series_at_zero_from_start() {
        let a = alerts(RULES).unwrap();
        assert_eq!(
            series(&a),
            [
                ("rule=Pay".into(), 0, 0.0),
                ("rule=Auth,client_ip=__other__".into(), 0, 0.0),
                ("rule=Tokens".into(), 0, 0.0)
            ]
        );
        assert_eq!(a.series_state(), (0, 0));
    }

    #[test]
    fn groups_get_series_up_to_the_bound_then_other() {
        let mut a = alerts(RULES).unwrap();
        let login = |ip: &str| format!(r#"{{"event": "login_failed", "client": {{"ip": "{ip}"}}}}"#);
        let records: Vec<String> = ["[IP_ADDRESS:9e86]", "b", "[IP_ADDRESS:9e86]", "c", "d", "b", "c"]
            .iter()
            .map(|ip| login(ip))
            .chain([
                r#"{"event": "payment_failed"}"#.to_owned(),
                r#"{"event": "llm", "tokens": 250.5}"#.into(),
            ])
            .chain([r#"{"event": "llm", "tokens": -40}"#.to_owned(), r#"{"event": "other"}"#.into()])
            .collect();
        let events = feed(&mut a, &records);
        // Below every threshold: the series count, nothing fires.
        assert!(events.is_empty(), "{events:?}");
        assert_eq!(
            series(&a),
            [
                ("rule=Pay".into(), 1, 0.0),
                // c and d came after two groups had series: 3 matches under __other__.
                ("rule=Auth,client_ip=__other__".into(), 3, 0.0),
                ("rule=Auth,client_ip=_IP_ADDRESS_9e86_".into(), 2, 0.0),
                ("rule=Auth,client_ip=b".into(), 2, 0.0),
                // A negative amount is a match but never lowers the counter.
                ("rule=Tokens".into(), 2, 250.5)
            ]
        );
        assert_eq!(a.series_state(), (2, 3));
    }

    #[test]
    fn zero_series_puts_every_group_under_other() {
        let mut a = alerts(&RULES.replace(r#""max_series": 2"#, r#""max_series": 0"#)).unwrap();
        feed(&mut a, &[r#"{"event": "login_failed", "client": {"ip": "a"}}"#.to_owned()]);
        assert_eq!(series(&a)[1], ("rule=Auth,client_ip=__other__".into(), 1, 0.0));
        assert_eq!(a.series_state(), (0, 1));
    }

    #[test]
    fn label_values_are_bounded_and_safe_in_envoy_stat_names() {
        assert_eq!(label_value("[IP_ADDRESS:9e866c2d4dbdf624]"), "_IP_ADDRESS_9e866c2d4dbdf624_");
        assert_eq!(label_value("a.b;c=d é"), "a_b_c_d__");
        assert_eq!(label_value(&"x".repeat(1000)).len(), MAX_LABEL_VALUE);
        assert_eq!(label_name("http.client-ip"), "http_client_ip");
        assert_eq!(label_name("0day"), "_0day");
    }

    #[test]
    fn group_by_labels_that_would_clash_are_rejected_by_field() {
        let rule = |group_by: &str| {
            format!(
                r#"{{"rules": [{{"name": "A", "match": [{{"field": "e", "equals": "x"}}],
                 "group_by": {group_by}, "threshold": 1}}]}}"#
            )
        };
        for (group_by, path, says) in [
            (r#"["ip", "instance"]"#, "alerts.rules[0].group_by[1]", "\"instance\""),
            (r#"["rule"]"#, "alerts.rules[0].group_by[0]", "\"rule\""),
            (r#"["a.b", "a_b"]"#, "alerts.rules[0].group_by[1]", "earlier group_by field"),
            (r#"["__x"]"#, "alerts.rules[0].group_by[0]", "starts with __"),
            (r#"[""]"#, "alerts.rules[0].group_by[0]", "empty"),
        ] {
            let e = alerts(&rule(group_by)).unwrap_err();
            assert_eq!(e.path(), path, "{group_by}: {e}");
            assert!(e.message().contains(says), "{group_by}: {e}");
        }
        assert!(alerts(&rule(r#"["ip_address", "user.id"]"#)).is_ok());
    }
}
