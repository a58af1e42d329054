//! Entry point shared by the `ingest_body` fuzz target and the tests that
//! replay its regression files: any bytes as a request body, in every body
//! format, through the strict preset, and through the capped gzip decoder.

use logsift_core::{Ctx, Outcome, Pipeline};

use crate::{body, formats};

thread_local! {
    // Compiled once: building the regexes per input would be most of the work.
    static STRICT: std::cell::RefCell<Option<Pipeline>> =
        std::cell::RefCell::new(Pipeline::from_json(br#"{"scrub": {"preset": "strict"}}"#).ok());
}

/// Runs `data` as an ingest body of every format. Panics only on a bug.
pub fn ingest_body(data: &[u8]) {
    STRICT.with(|cell| {
        if let Ok(mut slot) = cell.try_borrow_mut()
            && let Some(p) = slot.as_mut()
        {
            run_formats(p, data);
        }
    });
    if let Ok(plain) = body::gunzip(data, 1 << 20) {
        assert!(plain.len() <= 1 << 20, "gunzip exceeded its cap");
    }
}

fn run_formats(p: &mut Pipeline, data: &[u8]) {
    let mut ctx = Ctx::new(1, 1);
    for format in [
        formats::BodyFormat::Lines,
        formats::BodyFormat::EsBulk,
        formats::BodyFormat::LokiPush,
        formats::BodyFormat::OtlpLogs,
    ] {
        let mut line = |l: &[u8]| match p.process(l, &mut ctx) {
            Outcome::Keep(b) => Some(b.into_owned()),
            Outcome::Drop(_) => None,
        };
        let mut meta = |m: &serde_json::Map<String, serde_json::Value>| m.clone();
        let _ = formats::rewrite(format, data, &mut line, &mut meta);
    }
}
