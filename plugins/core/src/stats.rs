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

fn escape(v: &str) -> String {
    v.replace('\\', "\\\\").replace('"', "\\\"").replace('\n', "\\n")
}

fn family(out: &mut String, name: &str, kind: &str, help: &str) {
    let _ = writeln!(out, "# HELP {name} {help}");
    let _ = writeln!(out, "# TYPE {name} {kind}");
}

pub(crate) fn prometheus(p: &Pipeline) -> String {
    let s = p.stats();
    let mut o = String::with_capacity(2048);
    family(&mut o, "logsift_records_in_total", "counter", "Records processed.");
    let _ = writeln!(o, "logsift_records_in_total {}", s.records_in);
    family(&mut o, "logsift_records_out_total", "counter", "Records passed on.");
    let _ = writeln!(o, "logsift_records_out_total {}", s.records_out);
    family(&mut o, "logsift_records_dropped_total", "counter", "Records not passed on, by reason.");
    for (reason, n) in [("sampled", s.sampled), ("rate_limited", s.rate_limited), ("rule", s.dropped_by_rule)]
    {
        let _ = writeln!(o, "logsift_records_dropped_total{{reason=\"{reason}\"}} {n}");
    }
    family(&mut o, "logsift_records_emitted_total", "counter", "Summary records made by logsift.");
    let _ = writeln!(o, "logsift_records_emitted_total {}", s.records_emitted);
    family(
        &mut o,
        "logsift_parse_fallbacks_total",
        "counter",
        "Records that looked like JSON but were not; scrubbed as text.",
    );
    let _ = writeln!(o, "logsift_parse_fallbacks_total {}", s.parse_fallbacks);
    family(&mut o, "logsift_bytes_in_total", "counter", "Record bytes processed.");
    let _ = writeln!(o, "logsift_bytes_in_total {}", s.bytes_in);
    family(&mut o, "logsift_bytes_out_total", "counter", "Record bytes passed on.");
    let _ = writeln!(o, "logsift_bytes_out_total {}", s.bytes_out);
    family(&mut o, "logsift_redactions_total", "counter", "Values redacted, by detector.");
    for (d, n) in p.redactions() {
        let _ = writeln!(o, "logsift_redactions_total{{detector=\"{}\"}} {n}", escape(&d));
    }
    if let Some(a) = &p.alerts {
        family(&mut o, "logsift_alert_matches_total", "counter", "Records matching an alert rule.");
        for (rule, _, m, _, _) in a.counters() {
            let _ = writeln!(o, "logsift_alert_matches_total{{rule=\"{}\"}} {m}", escape(rule));
        }
        family(
            &mut o,
            "logsift_alert_signals_total",
            "counter",
            "Alert events sent, by rule, severity and status.",
        );
        for (rule, sev, _, fired, resolved) in a.counters() {
            for (status, n) in [("firing", fired), ("resolved", resolved)] {
                let _ = writeln!(
                    o,
                    "logsift_alert_signals_total{{rule=\"{}\",severity=\"{}\",status=\"{status}\"}} {n}",
                    escape(rule),
                    escape(sev)
                );
            }
        }
    }
    family(&mut o, "logsift_state_keys", "gauge", "Keys held by stateful stages.");
    family(&mut o, "logsift_state_evictions_total", "counter", "Keys evicted to keep state bounded.");
    let mut state = Vec::new();
    if let Some(sm) = &p.sample {
        state.push(("rate_limit", sm.state()));
    }
    if let Some(a) = &p.alerts {
        state.push(("alerts", a.state()));
    }
    for (stage, (keys, evicted)) in state {
        let _ = writeln!(o, "logsift_state_keys{{stage=\"{stage}\"}} {keys}");
        let _ = writeln!(o, "logsift_state_evictions_total{{stage=\"{stage}\"}} {evicted}");
    }
    o
}
