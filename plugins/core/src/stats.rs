//! Record counters and their Prometheus exposition.
//!
//! Every record is accounted for: `records_in = records_out + sampled +
//! rate_limited + dropped_by_rule`. Records the pipeline makes itself (rate
//! limit summaries) are counted apart, as `records_emitted`.

use std::fmt::Write as _;

use crate::Pipeline;

/// Record counters of a pipeline.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Stats {
    /// Records processed.
    pub records_in: u64,
    /// Records passed on.
    pub records_out: u64,
    /// Records dropped by their level's keep rate.
    pub sampled: u64,
    /// Records held back by a rate limit.
    pub rate_limited: u64,
    /// Records dropped by a `sample.drop` rule.
    pub dropped_by_rule: u64,
    /// Records kept despite sampling because they made an alert fire.
    pub kept_for_alert: u64,
    /// Summary records made by the pipeline.
    pub records_emitted: u64,
    /// Records that looked like JSON but were not, scrubbed as text.
    pub parse_fallbacks: u64,
    /// Bytes in.
    pub bytes_in: u64,
    /// Bytes out.
    pub bytes_out: u64,
}

impl Stats {
    /// `in == out + every drop`: nothing is lost unaccounted.
    pub fn balanced(&self) -> bool {
        self.records_in == self.records_out + self.sampled + self.rate_limited + self.dropped_by_rule
    }
}

/// Whether a metric only grows or can go up and down.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MetricKind {
    /// Only grows while the pipeline lives.
    Counter,
    /// Can go up and down.
    Gauge,
}

impl MetricKind {
    /// The Prometheus `# TYPE` name.
    pub fn as_str(self) -> &'static str {
        match self {
            MetricKind::Counter => "counter",
            MetricKind::Gauge => "gauge",
        }
    }
}

/// One sample of one metric family: what a Prometheus exposition prints as
/// `name{labels} value`. Hosts that export metrics their own way (the
/// component's `metrics` call, proxy-wasm counters) start from these.
#[derive(Debug, Clone, PartialEq)]
pub struct Metric {
    /// Family name, such as `logsift_records_in_total`.
    pub name: String,
    /// Family help text.
    pub help: String,
    /// Family type.
    pub kind: MetricKind,
    /// Label names and values.
    pub labels: Vec<(String, String)>,
    /// Current value.
    pub value: f64,
}

/// Builds the samples of one family.
struct Families(Vec<Metric>);

impl Families {
    fn push(&mut self, name: &str, kind: MetricKind, help: &str, labels: &[(&str, &str)], value: u64) {
        self.0.push(Metric {
            name: name.to_owned(),
            help: help.to_owned(),
            kind,
            labels: labels.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect(),
            value: value as f64,
        });
    }
}

pub(crate) fn metrics(p: &Pipeline) -> Vec<Metric> {
    use MetricKind::{Counter, Gauge};
    let s = p.stats();
    let mut m = Families(Vec::with_capacity(64));
    m.push("logsift_records_in_total", Counter, "Records processed.", &[], s.records_in);
    m.push("logsift_records_out_total", Counter, "Records passed on.", &[], s.records_out);
    for (reason, n) in [("sampled", s.sampled), ("rate_limited", s.rate_limited), ("rule", s.dropped_by_rule)]
    {
        let help = "Records not passed on, by reason.";
        m.push("logsift_records_dropped_total", Counter, help, &[("reason", reason)], n);
    }
    let help = "Summary records made by logsift.";
    m.push("logsift_records_emitted_total", Counter, help, &[], s.records_emitted);
    let help = "Records that looked like JSON but were not (found when they hold something to scrub, or are cut off); scrubbed as text.";
    m.push("logsift_parse_fallbacks_total", Counter, help, &[], s.parse_fallbacks);
    m.push("logsift_bytes_in_total", Counter, "Record bytes processed.", &[], s.bytes_in);
    m.push("logsift_bytes_out_total", Counter, "Record bytes passed on.", &[], s.bytes_out);
    for (d, n) in p.redactions() {
        let help = "Values redacted, by detector.";
        m.push("logsift_redactions_total", Counter, help, &[("detector", &d)], n);
    }
    if let Some(a) = &p.alerts {
        let help = "Records matching an alert rule, before sampling, by rule and group_by values (at most alerts.max_series groups per rule, the rest under __other__).";
        let mut sums = Vec::new();
        a.each_series(|rule, sum, names, values, counted| {
            let mut labels = vec![("rule", rule)];
            for (j, n) in names.iter().enumerate() {
                labels.push((n, values.map_or(crate::alerts::OTHER, |v| &v[j])));
            }
            m.push("logsift_alert_matches_total", Counter, help, &labels, counted.matches);
            if sum {
                sums.push(Metric {
                    name: "logsift_alert_value_total".into(),
                    help: "Sum of value_field over records matching an aggregate \"sum\" alert rule, before sampling.".into(),
                    kind: Counter,
                    labels: labels.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect(),
                    value: counted.value,
                });
            }
        });
        // A family's samples stay together.
        m.0.append(&mut sums);
        for (rule, sev, fired, resolved) in a.counters() {
            for (status, n) in [("firing", fired), ("resolved", resolved)] {
                let help = "Alert events sent, by rule, severity and status.";
                let labels = [("rule", rule), ("severity", sev), ("status", status)];
                m.push("logsift_alert_signals_total", Counter, help, &labels, n);
            }
        }
    }
    let mut state = Vec::new();
    if let Some(sm) = &p.sample {
        state.push(("rate_limit", sm.state()));
    }
    if let Some(a) = &p.alerts {
        state.push(("alerts", a.state()));
        state.push(("alert_series", a.series_state()));
    }
    // One family's samples stay together, as the exposition format requires.
    for (stage, (keys, _)) in &state {
        let help = "Keys held by stateful stages.";
        m.push("logsift_state_keys", Gauge, help, &[("stage", stage)], *keys as u64);
    }
    for (stage, (_, evicted)) in &state {
        let help = "Keys evicted to keep state bounded.";
        m.push("logsift_state_evictions_total", Counter, help, &[("stage", stage)], *evicted);
    }
    m.0
}

fn escape(v: &str) -> String {
    v.replace('\\', "\\\\").replace('"', "\\\"").replace('\n', "\\n")
}

/// Renders samples in the Prometheus text exposition format (0.0.4):
/// `# HELP` and `# TYPE` once per family, then its samples. Samples of one
/// family must be adjacent, as [`crate::Pipeline::metrics`] returns them.
pub fn prometheus_text(metrics: &[Metric]) -> String {
    let mut o = String::with_capacity(64 * metrics.len());
    let mut family: Option<&str> = None;
    for m in metrics {
        if family != Some(m.name.as_str()) {
            let _ = writeln!(o, "# HELP {} {}", m.name, m.help.replace('\\', "\\\\").replace('\n', "\\n"));
            let _ = writeln!(o, "# TYPE {} {}", m.name, m.kind.as_str());
            family = Some(m.name.as_str());
        }
        o.push_str(&m.name);
        if !m.labels.is_empty() {
            o.push('{');
            for (i, (k, v)) in m.labels.iter().enumerate() {
                if i > 0 {
                    o.push(',');
                }
                let _ = write!(o, "{k}=\"{}\"", escape(v));
            }
            o.push('}');
        }
        let _ = writeln!(o, " {}", m.value);
    }
    o
}

#[cfg(test)]
mod tests {
    use crate::{Ctx, Pipeline};

    #[test]
    fn alert_match_series_carry_group_labels_and_sums() {
        let config = br#"{"alerts": {"max_series": 1, "rules": [
            {"name": "Auth", "match": [{"field": "event", "equals": "login_failed"}],
             "group_by": ["ip"], "threshold": 5},
            {"name": "Tokens", "match": [{"field": "event", "equals": "llm"}],
             "aggregate": "sum", "value_field": "tokens", "threshold": 1000}]}}"#;
        let mut p = Pipeline::from_json(config).unwrap();
        let start = p.metrics_text();
        for line in [
            "logsift_alert_matches_total{rule=\"Auth\",ip=\"__other__\"} 0",
            "logsift_alert_matches_total{rule=\"Tokens\"} 0",
            "logsift_alert_value_total{rule=\"Tokens\"} 0",
        ] {
            assert!(start.lines().any(|l| l == line), "no `{line}` at start:\n{start}");
        }
        let mut ctx = Ctx::new(1_700_000_000_000_000_000, 0);
        for r in [
            r#"{"event": "login_failed", "ip": "[IP_ADDRESS:9e86]"}"#,
            r#"{"event": "login_failed", "ip": "[IP_ADDRESS:9e86]"}"#,
            r#"{"event": "login_failed", "ip": "10.0.0.1"}"#,
            r#"{"event": "llm", "tokens": 120}"#,
        ] {
            p.process(r.as_bytes(), &mut ctx);
        }
        let text = p.metrics_text();
        let family: Vec<&str> = text.lines().filter(|l| l.starts_with("logsift_alert_")).collect();
        assert_eq!(
            family[..4],
            [
                "logsift_alert_matches_total{rule=\"Auth\",ip=\"__other__\"} 1",
                "logsift_alert_matches_total{rule=\"Auth\",ip=\"_IP_ADDRESS_9e86_\"} 2",
                "logsift_alert_matches_total{rule=\"Tokens\"} 1",
                "logsift_alert_value_total{rule=\"Tokens\"} 120",
            ],
            "{text}"
        );
        assert!(text.contains("logsift_state_keys{stage=\"alert_series\"} 1\n"), "{text}");
        assert!(text.contains("logsift_state_evictions_total{stage=\"alert_series\"} 1\n"), "{text}");
        assert_eq!(text.matches("# TYPE logsift_alert_value_total").count(), 1, "{text}");
    }
}
