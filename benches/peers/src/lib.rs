//! The peers logsift is measured against, on the corpus the workspace's
//! benches use (`../src/corpus.rs` and `../src/naive.rs`, included here):
//!
//! - Vector's VRL `redact`, through the `vrl` crate, with the program a
//!   competent Vector user would write for the same detectors
//!   ([`vrl_program`]);
//! - the naive baseline (`serde_json::Value` plus one `replace_all` per
//!   detector pattern);
//! - logsift's strict preset.
//!
//! [`recall`] scores any of them against the secrets the sample generator
//! planted (`host-test/samples/planted.json`), so a fast but leaky tool is
//! not counted as a win.

#[path = "../../src/corpus.rs"]
pub mod corpus;
#[path = "../../src/naive.rs"]
pub mod naive;

use std::collections::BTreeMap;

use vrl::compiler::{Context, Program, TargetValue, TimeZone, state::RuntimeState};
use vrl::value::{Secrets, Value};

/// What a Vector user would put in a `remap` transform to scrub the same
/// things logsift's strict preset does: parse the line when it is JSON,
/// drop the values of sensitive keys, and `redact` the detectors' patterns
/// in every string, with VRL's built-in SSN filter. Regexes are the ones
/// people copy for these formats; VRL has no checksums (Luhn, mod-97), so
/// the card and IBAN patterns are shape-only.
/// The `filters` list of [`VRL_PROGRAM`]: VRL takes `redact` filters only as
/// a literal array, so the program repeats it where it is used.
const FILTERS: &str = r#"[
    "us_social_security_number",
    r'[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}',
    r'\b(?:\d[ -]?){12,18}\d\b',
    r'\b\d{3}-\d{2}-\d{4}\b',
    r'\+[1-9][0-9 .()-]{6,18}[0-9]|\(?\b\d{3}\)?[ .-]\d{3}[ .-]\d{4}\b',
    r'\b(?:\d{1,3}\.){3}\d{1,3}\b',
    r'\b(?:[0-9A-Fa-f]{1,4}:){7}[0-9A-Fa-f]{1,4}\b|(?:[0-9A-Fa-f]{1,4}:){1,6}:(?:[0-9A-Fa-f]{1,4}(?::[0-9A-Fa-f]{1,4}){0,5})?|::(?:[0-9A-Fa-f]{1,4}:){0,5}[0-9A-Fa-f]{1,4}',
    r'\b[A-Z]{2}\d{2}(?: ?[A-Z0-9]{4}){2,7}(?: ?[A-Z0-9]{1,3})?\b',
    r'\beyJ[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*',
    r'(?i)\b(?:bearer|basic) +[A-Za-z0-9._~+/-]+=*',
    r'\b(?:AKIA|ASIA)[A-Z0-9]{16}\b',
    r'\bgh[pousr]_[A-Za-z0-9]{36,}\b|\bgithub_pat_[A-Za-z0-9_]{22,}\b',
    r'\b(?:sk|rk)_(?:live|test)_[A-Za-z0-9]{10,}\b|\bwhsec_[A-Za-z0-9]{20,}',
    r'\bxox[abposr]-[A-Za-z0-9-]{10,}',
    r'\bAIza[0-9A-Za-z_-]{35}',
    r'-----BEGIN[A-Z ]*PRIVATE KEY-----[\s\S]*?-----END[A-Z ]*PRIVATE KEY-----',
    r'[A-Za-z][A-Za-z0-9+.-]*://[^\s:@/]*:[^\s@/]+@',
    r'(?i)(?:password|passwd|pwd|secret|token|api_key|apikey|access_key|client_secret|authorization|cookie|session|ssn|card_number)=[^\s&,;"]+',
]"#;

/// The program (see [`vrl_program`] for the text with the filters in place).
const VRL_PROGRAM: &str = r#"
sensitive = r'(?i)(?P<key>"(?:[a-z0-9_-]*_)?(?:password|passwd|pwd|secret|token|api_key|apikey|access_key|secret_key|client_secret|private_key|authorization|cookie|set-cookie|session|ssn|card_number|cvv)":)"(?:[^"\\]|\\.)*"'
parsed, err = parse_json(.message)
if err == null && is_object(parsed) {
    parsed = map_values(object!(parsed), recursive: true) -> |v| {
        if is_string(v) { redact(string!(v), filters: FILTERS) } else { v }
    }
    json = encode_json(parsed)
    # Values under sensitive keys, whatever they hold: rewrite them in the
    # encoded JSON (map_values cannot see keys; map_keys cannot change values).
    . = { "message": replace(json, sensitive, "$key\"[REDACTED]\"") }
} else {
    .message = redact(string!(.message), filters: FILTERS)
}
"#;

/// The VRL program, with [`FILTERS`] written in where `redact` needs them.
pub fn vrl_program() -> String {
    VRL_PROGRAM.replace("FILTERS", FILTERS)
}

/// A compiled VRL program run on one record at a time, as Vector's `remap`
/// does: the line arrives as `.message`.
pub struct Vrl {
    program: Program,
    tz: TimeZone,
}

impl std::fmt::Debug for Vrl {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Vrl").finish_non_exhaustive()
    }
}

impl Vrl {
    /// Compiles [`vrl_program`] with VRL's standard library.
    pub fn new() -> Result<Self, String> {
        let fns = vrl::stdlib::all();
        let compiled = vrl::compiler::compile(&vrl_program(), &fns).map_err(|d| format!("{d:?}"))?;
        Ok(Vrl { program: compiled.program, tz: TimeZone::default() })
    }

    /// Scrubs one line.
    pub fn scrub(&self, line: &[u8]) -> Vec<u8> {
        let mut event = BTreeMap::new();
        event.insert("message".into(), Value::from(String::from_utf8_lossy(line).into_owned()));
        let mut target = TargetValue {
            value: Value::Object(event),
            metadata: Value::Object(BTreeMap::new()),
            secrets: Secrets::default(),
        };
        let mut state = RuntimeState::default();
        let mut ctx = Context::new(&mut target, &mut state, &self.tz);
        if let Err(e) = self.program.resolve(&mut ctx) {
            if std::env::var_os("LOGSIFT_VRL_DEBUG").is_some() {
                eprintln!("vrl: {e}");
            }
            return Vec::new();
        }
        if std::env::var_os("LOGSIFT_VRL_DEBUG").is_some() {
            eprintln!("vrl target: {:?}", target.value);
        }
        match target.value {
            Value::Object(mut o) => match o.remove("message") {
                Some(v) => v.to_str_lossy().map(|t| t.as_bytes().to_vec()).unwrap_or_default(),
                _ => Vec::new(),
            },
            _ => Vec::new(),
        }
    }
}

/// How a scrubber did on the planted secrets of every sample.
#[derive(Debug, Default, Clone, Copy)]
pub struct Recall {
    /// Planted PII or secrets.
    pub planted: usize,
    /// Of those, the ones gone from the output.
    pub caught: usize,
    /// Look-alikes that must survive (ids, timestamps, amounts, hashes).
    pub traps: usize,
    /// Of those, the ones the scrubber damaged.
    pub damaged: usize,
}

impl Recall {
    /// Share of planted values removed.
    pub fn recall(&self) -> f64 {
        self.caught as f64 / self.planted.max(1) as f64
    }

    /// Share of traps left intact.
    pub fn precision(&self) -> f64 {
        1.0 - self.damaged as f64 / self.traps.max(1) as f64
    }
}

/// Runs `scrub` over every bundled sample and scores the output against
/// `planted.json`: a planted value counts as caught when it no longer
/// appears in the scrubbed sample, a trap as damaged when it no longer does.
pub fn recall(mut scrub: impl FnMut(&[u8]) -> Vec<u8>) -> Recall {
    let planted_path = corpus::root().join("host-test/samples/planted.json");
    let truth: serde_json::Value =
        serde_json::from_slice(&std::fs::read(planted_path).unwrap_or_default()).unwrap_or_default();
    let mut r = Recall::default();
    for (file, t) in truth.as_object().into_iter().flatten() {
        let mut out = String::new();
        for line in corpus::sample_lines(file) {
            out.push_str(&String::from_utf8_lossy(&scrub(&line)));
            out.push('\n');
        }
        for p in t["pii"].as_array().into_iter().flatten() {
            let v = p["value"].as_str().unwrap_or_default();
            r.planted += 1;
            r.caught += usize::from(!out.contains(v));
        }
        for trap in t["traps"].as_array().into_iter().flatten() {
            let v = trap.as_str().unwrap_or_default();
            r.traps += 1;
            r.damaged += usize::from(!out.contains(v));
        }
    }
    r
}

/// logsift's engine as a line scrubber (what the benches call native).
pub fn logsift(config: &str) -> impl FnMut(&[u8]) -> Vec<u8> {
    let mut p = logsift_core::Pipeline::from_json(config.as_bytes()).ok();
    let mut ctx = logsift_core::Ctx::new(1_732_464_000_000_000_000, 1);
    move |line| match p.as_mut().map(|p| p.process(line, &mut ctx)) {
        Some(logsift_core::Outcome::Keep(b)) => b.into_owned(),
        _ => Vec::new(),
    }
}
