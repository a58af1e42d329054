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
