//! Shared inputs and baselines for the benches: the bundled samples as
//! lines, a non-ASCII-heavy variant, and the naive scrubber every figure is
//! compared with.

use std::path::PathBuf;

use logsift_core::DetectorName;
use regex::Regex;
use serde_json::Value;

/// The repository root.
pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// A bundled sample's non-empty lines.
pub fn sample_lines(name: &str) -> Vec<Vec<u8>> {
    let bytes = std::fs::read(root().join("host-test/samples").join(name)).expect("sample file");
    bytes.split(|&b| b == b'\n').filter(|l| !l.is_empty()).map(<[u8]>::to_vec).collect()
}

/// The structlog sample with every `event` value followed by a long
/// accented/CJK message, so most bytes are non-ASCII: Unicode-mode regex
/// word boundaries fall off a cliff on such text; ASCII mode must not.
pub fn structlog_non_ascii() -> Vec<Vec<u8>> {
    const TEXT: &str = "Zoë Müller a réservé l'événement « Café Überraschung » à Málaga — 東京でのチケット予約が完了しました。Señor Ñúñez, ¿todo bien? Ça marche très bien.";
    sample_lines("structlog.ndjson")
        .into_iter()
        .map(|l| {
            let s = String::from_utf8_lossy(&l);
            s.replacen("{\"event\": ", &format!("{{\"note\": \"{TEXT} {TEXT}\", \"event\": "), 1).into_bytes()
        })
        .collect()
}

/// `n` structlog-shaped records in which `percent` out of every 100 carry
/// one PII value (email, card, SSN, phone, IPv4 or an IBAN, in turn) and the
/// rest carry none — no IP addresses, no emails, ids that no detector takes.
/// Deterministic, so every run and every peer sees the same bytes.
pub fn pii_density(n: usize, percent: usize) -> Vec<Vec<u8>> {
    const PII: &[&str] = &[
        "jose.muller@example.com",
        "4111 1111 1111 1111",
        "078-05-1120",
        "+1 415 555 0134",
        "203.0.113.7",
        "DE89 3704 0044 0532 0130 00",
    ];
    (0..n)
        .map(|i| {
            // Spread the PII records evenly: record i carries PII when the
            // running count of `percent`/100 steps up at i.
            let carries = (i + 1) * percent / 100 > i * percent / 100;
            let detail = if carries {
                format!("contact {} about the refund", PII[i % PII.len()])
            } else {
                "customer asked about the refund policy for a cancelled show".to_owned()
            };
            format!(
                r#"{{"event": "support_ticket_updated", "ticket_id": "T-{i:06}", "organization_id": {org}, "method": "POST", "path": "/api/tickets/{i}/notes", "status_code": 200, "duration_ms": {ms}.5, "detail": "{detail}", "timestamp": "2024-11-24T16:{mm:02}:{ss:02}.000Z", "level": "info", "logger": "support.views"}}"#,
                org = i % 97,
                ms = i % 900,
                mm = (i / 60) % 60,
                ss = i % 60,
            )
            .into_bytes()
        })
        .collect()
}

/// The naive scrubber: parse each line into a `serde_json::Value`, run one
/// `replace_all` per detector over every string, serialise again. Text lines
/// get the same replace loop. Unicode-mode regexes, no validation.
#[derive(Debug)]
pub struct Naive {
    detectors: Vec<(Regex, String)>,
}

impl Naive {
    /// Every built-in detector, with logsift's own patterns.
    pub fn strict() -> Self {
        let detectors = DetectorName::ALL
            .iter()
            .map(|d| (Regex::new(&naive_pattern(*d)).expect("detector pattern"), format!("[{}]", d.as_str())))
            .collect();
        Naive { detectors }
    }

    /// Scrubs one line.
    pub fn scrub(&self, line: &[u8]) -> Vec<u8> {
        match serde_json::from_slice::<Value>(line) {
            Ok(mut v) => {
                self.walk(&mut v);
                serde_json::to_vec(&v).unwrap_or_default()
            }
            Err(_) => self.text(&String::from_utf8_lossy(line)).into_bytes(),
        }
    }

    fn text(&self, s: &str) -> String {
        let mut out = s.to_owned();
        for (re, tag) in &self.detectors {
            if let std::borrow::Cow::Owned(o) = re.replace_all(&out, tag.as_str()) {
                out = o;
            }
        }
        out
    }

    fn walk(&self, v: &mut Value) {
        match v {
            Value::String(s) => *s = self.text(s),
            Value::Array(a) => a.iter_mut().for_each(|x| self.walk(x)),
            Value::Object(o) => o.values_mut().for_each(|x| self.walk(x)),
            _ => {}
        }
    }
}

/// The engine's detector patterns as a user would paste them into a
/// Unicode-mode regex (the `regex` crate's default).
fn naive_pattern(d: DetectorName) -> String {
    logsift_core::scrub::detector_pattern(d)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pii_density_plants_the_share_asked_for() {
        let mut p = logsift_core::Pipeline::from_json(br#"{"scrub": {"preset": "strict"}}"#).unwrap();
        let mut ctx = logsift_core::Ctx::new(1, 1);
        for percent in [0usize, 5, 50] {
            let records = pii_density(2000, percent);
            let changed = records
                .iter()
                .filter(|r| match p.process(r, &mut ctx) {
                    logsift_core::Outcome::Keep(out) => out.as_ref() != r.as_slice(),
                    logsift_core::Outcome::Drop(_) => true,
                })
                .count();
            assert_eq!(changed, 2000 * percent / 100, "{percent}%: records the strict preset changed");
        }
    }
}
