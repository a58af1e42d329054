//! Entry points shared by the fuzz targets (`fuzz/`) and the tests that
//! replay their regression files, so a crash found by the fuzzer is replayed
//! by the ordinary test suite exactly as it was found.

use std::cell::RefCell;

use crate::{Ctx, Outcome, Pipeline};

const EXAMPLE: &str = include_str!("../../../observability/logsift.example.json");

thread_local! {
    static PIPELINES: RefCell<Vec<(Pipeline, Ctx)>> = RefCell::new(
        [r#"{"scrub": {}}"#, r#"{"scrub": {"preset": "strict"}}"#, EXAMPLE]
            .iter()
            .filter_map(|c| Pipeline::from_json(c.as_bytes()).ok())
            .map(|p| (p, Ctx::new(1_732_464_000_000_000_000, 1)))
            .collect(),
    );
}

/// Any bytes as a config document: errors are fine, panics are not.
pub fn config(data: &[u8]) {
    let _ = Pipeline::from_json(data);
}

/// Any bytes as a record through the default preset, the strict preset and
/// the example pipeline. Checks that nothing panics, that every record is
/// accounted for, and that a kept record scrubbed again does not change
/// under the default preset (scrubbing is idempotent).
pub fn record(data: &[u8]) {
    PIPELINES.with(|cell| {
        let Ok(mut ps) = cell.try_borrow_mut() else { return };
        let mut first_out: Option<Vec<u8>> = None;
        for (i, (p, ctx)) in ps.iter_mut().enumerate() {
            let out = match p.process(data, ctx) {
                Outcome::Keep(b) => Some(b.into_owned()),
                Outcome::Drop(_) => None,
            };
            let _ = p.take_signals();
            let _ = p.take_emitted();
            assert!(p.stats().balanced(), "counters do not balance: {:?}", p.stats());
            if i == 0 {
                first_out = out;
            }
        }
        if let (Some(out), Some((p, ctx))) = (first_out, ps.first_mut())
            && let Outcome::Keep(again) = p.process(&out, ctx)
        {
            assert!(
                again.as_ref() == out.as_slice(),
                "scrubbing is not idempotent:\n  once:  {}\n  twice: {}",
                String::from_utf8_lossy(&out),
                String::from_utf8_lossy(&again)
            );
        }
    });
}
