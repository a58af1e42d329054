//! Counters defined in the host (`proxy_define_metric`); Envoy shows them
//! as `wasmcustom.logsift_*` in `/stats` and `/stats/prometheus`.

use logsift_core::Stats;
use proxy_wasm::hostcalls;
use proxy_wasm::types::MetricType;

/// Metric ids; 0 when the host refused one (then it is simply not counted).
#[derive(Debug, Default, Clone, Copy)]
pub struct Metrics {
    records_in: u32,
    records_out: u32,
    dropped_sampled: u32,
    dropped_rate_limited: u32,
    dropped_rule: u32,
    redactions: u32,
    alert_signals: u32,
    errors: u32,
}

fn counter(name: &str) -> u32 {
    hostcalls::define_metric(MetricType::Counter, name).unwrap_or(0)
}

fn add(id: u32, n: u64) {
    if id != 0 && n > 0 {
        let _ = hostcalls::increment_metric(id, n as i64);
    }
}

impl Metrics {
    /// Defines every counter (on configure).
    pub fn define() -> Self {
        Metrics {
            records_in: counter("logsift_records_in_total"),
            records_out: counter("logsift_records_out_total"),
            dropped_sampled: counter("logsift_records_dropped_sampled_total"),
            dropped_rate_limited: counter("logsift_records_dropped_rate_limited_total"),
            dropped_rule: counter("logsift_records_dropped_rule_total"),
            redactions: counter("logsift_redactions_total"),
            alert_signals: counter("logsift_alert_signals_total"),
            errors: counter("logsift_errors_total"),
        }
    }

    /// Adds what changed between two snapshots of the pipeline's counters.
    pub fn add(&self, before: &Stats, after: &Stats, redactions: u64, signals: u64) {
        add(self.records_in, after.records_in - before.records_in);
        add(self.records_out, after.records_out - before.records_out);
        add(self.dropped_sampled, after.sampled - before.sampled);
        add(self.dropped_rate_limited, after.rate_limited - before.rate_limited);
        add(self.dropped_rule, after.dropped_by_rule - before.dropped_by_rule);
        add(self.redactions, redactions);
        add(self.alert_signals, signals);
    }

    /// One failed body (rejected, or scrubbed as text).
    pub fn error(&self) {
        add(self.errors, 1);
    }
}
