//! The naive baseline every figure is compared with. Shared by the
//! workspace's benches and the peer benches in `benches/peers`.

use logsift_core::DetectorName;
use regex::Regex;
use serde_json::Value;

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
