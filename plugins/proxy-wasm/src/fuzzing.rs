//! Entry point shared by the `ingest_body` fuzz target and the tests that
//! replay its regression files: any bytes as an ingest body in every body
//! format (`logsift_formats`), through the strict preset, and through the
//! capped gzip decoder.

use logsift_core::{Ctx, Pipeline};
use logsift_formats::{Body, ContentEncoding, Engine, Format, encoding};

thread_local! {
    // Compiled once: building the regexes per input would be most of the work.
    static STRICT: std::cell::RefCell<Option<(Pipeline, Pipeline)>> = std::cell::RefCell::new(
        Pipeline::from_json(br#"{"scrub": {"preset": "strict"}}"#)
            .ok()
            .zip(Pipeline::from_json(br#"{"scrub": {"preset": "strict"}}"#).ok()),
    );
}

/// Runs `data` as an ingest body of every format. Panics only on a bug.
pub fn ingest_body(data: &[u8]) {
    STRICT.with(|cell| {
        if let Ok(mut slot) = cell.try_borrow_mut()
            && let Some((p, meta)) = slot.as_mut()
        {
            run_formats(p, meta, data);
        }
    });
    if let Ok(plain) = encoding::gunzip(data, 1 << 20) {
        assert!(plain.len() <= 1 << 20, "gunzip exceeded its cap");
    }
}

fn run_formats(p: &mut Pipeline, meta: &mut Pipeline, data: &[u8]) {
    let mut ctx = Ctx::new(1, 1);
    for format in [
        Format::Lines,
        Format::EsBulk,
        Format::LokiJson,
        Format::LokiProtobuf,
        Format::OtlpJson,
        Format::OtlpProtobuf,
        Format::OtlpGrpc,
    ] {
        let body = Body { format, encoding: ContentEncoding::Identity, grpc_gzip: true };
        let _ = logsift_formats::rewrite(&body, data, 1 << 20, &mut Engine::new(p, &mut ctx, meta));
    }
}
