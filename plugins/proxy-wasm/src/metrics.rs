//! The engine's metrics as host metrics (`proxy_define_metric`), with the
//! same names and labels as `logsift run --metrics` and `logsift serve`.
//!
//! The proxy-wasm ABI has no labels: a metric is one flat name. Labels are
//! therefore written into the name the way Istio does it,
//! `detector=.=EMAIL_ADDRESS;.;logsift_redactions_total`, and Envoy turns
//! them back into labels with one `stats_config.stats_tags` entry per label
//! name (the shipped configs in `observability/envoy/` carry them):
//! `{tag_name: detector, regex: '(detector=\.=(.+?);\.;)'}`. `/stats/prometheus`
//! then shows `logsift_redactions_total{detector="EMAIL_ADDRESS"}`. Without
//! those entries the series still exist, under long flattened names.

use std::collections::HashMap;

use crate::host;
use logsift_core::{Metric, MetricKind};
use proxy_wasm::types::MetricType;

/// One host metric: its id (0 when the host refused it) and the value last
/// reported, so counters are incremented by what changed.
#[derive(Debug, Clone, Copy)]
struct Series {
    id: u32,
    last: u64,
}

/// The module's own counter family, labelled by [`ERROR_REASONS`].
const ERRORS_FAMILY: &str = "logsift_errors_total";

/// The `reason` label values of `logsift_errors_total`: the formats crate's
/// (`logsift_formats::Error::reason`, as `logsift serve` counts them) and the
/// module's own. All are defined on configure, so each series exists at 0
/// before its first error. The first is what any other reason counts as.
pub const ERROR_REASONS: &[&str] = &[
    "bad_body",
    "unsupported_format",
    "body_too_large",
    "bad_compression",
    "bad_protobuf",
    "bad_grpc_frame",
    "body_unreadable",
    "body_not_replaced",
    "alertmanager_failed",
    "collector_failed",
];

/// The host metrics defined so far, by encoded name.
#[derive(Debug, Default)]
pub struct Metrics {
    series: HashMap<String, Series>,
    /// `logsift_errors_total` by reason, in the order of [`ERROR_REASONS`].
    errors: Vec<u32>,
}

fn define(kind: MetricKind, name: &str) -> u32 {
    let kind = match kind {
        MetricKind::Counter => MetricType::Counter,
        MetricKind::Gauge => MetricType::Gauge,
    };
    host::define_metric(kind, name).unwrap_or(0)
}

/// A label value as Envoy's tag extraction can carry it: the encoding's
/// separators (`.`, `;`, `=`) and anything else unusual become `_`. The
/// engine writes alert group labels in this form already, so every host
/// exports the same values.
use logsift_core::alerts::label_value as tag_value;

/// `label=.=value;.;` for each label, then the family name. An empty value
/// is left out: Envoy's tag regexes need one character, and to Prometheus
/// an empty label is no label, as `logsift serve` exports it.
pub fn stat_name(m: &Metric) -> String {
    let mut name = String::with_capacity(m.name.len() + 32 * m.labels.len());
    for (k, v) in m.labels.iter().filter(|(_, v)| !v.is_empty()) {
        name.push_str(k);
        name.push_str("=.=");
        name.push_str(&tag_value(v));
        name.push_str(";.;");
    }
    name.push_str(&m.name);
    name
}

impl Metrics {
    /// Defines the module's own counter (on configure); the engine's are
    /// defined as they first appear.
    pub fn define() -> Self {
        // Labels go into the name as everywhere here (see the module docs).
        let errors = ERROR_REASONS
            .iter()
            .map(|r| define(MetricKind::Counter, &format!("reason=.={r};.;{ERRORS_FAMILY}")))
            .collect();
        Metrics { series: HashMap::new(), errors }
    }

    /// Brings the host metrics up to the engine's current values.
    pub fn sync(&mut self, samples: &[Metric]) {
        for m in samples {
            let value = if m.value.is_finite() && m.value > 0.0 { m.value as u64 } else { 0 };
            let name = stat_name(m);
            let s = self.series.entry(name).or_insert_with_key(|n| Series { id: define(m.kind, n), last: 0 });
            if s.id == 0 {
                continue;
            }
            match m.kind {
                MetricKind::Counter if value > s.last => {
                    let _ = host::increment_metric(s.id, (value - s.last) as i64);
                }
                MetricKind::Counter => {}
                MetricKind::Gauge => {
                    let _ = host::record_metric(s.id, value);
                }
            }
            s.last = value;
        }
    }

    /// One failed body (rejected, or scrubbed as text) or refused call, by
    /// its reason (one of [`ERROR_REASONS`]; another counts as the first).
    pub fn error(&self, reason: &str) {
        let at = ERROR_REASONS.iter().position(|r| *r == reason).unwrap_or(0);
        if let Some(&id) = self.errors.get(at).filter(|id| **id != 0) {
            let _ = host::increment_metric(id, 1);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_are_encoded_for_envoy_tag_extraction() {
        let m = Metric {
            name: "logsift_alert_signals_total".into(),
            help: String::new(),
            kind: MetricKind::Counter,
            labels: vec![("rule".into(), "Auth.Anomaly;x".into()), ("severity".into(), "high".into())],
            value: 1.0,
        };
        assert_eq!(stat_name(&m), "rule=.=Auth_Anomaly_x;.;severity=.=high;.;logsift_alert_signals_total");
        let m = Metric {
            name: "logsift_alert_matches_total".into(),
            labels: vec![("rule".into(), "AuthAnomaly".into()), ("ip_address".into(), String::new())],
            ..m
        };
        assert_eq!(stat_name(&m), "rule=.=AuthAnomaly;.;logsift_alert_matches_total");
    }
}
