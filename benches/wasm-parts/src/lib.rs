//! The engine's parts as plain Wasm exports, for `benches/benches/hosts.rs`.
//!
//! The Wasm modules run slower than the native engine. This module tells
//! which part of the engine that comes from: the strict preset's regex passes
//! alone (the engine bench's floor row, `Scrubber::regex_passes_only`) and the
//! whole strict scrub (`Pipeline::process`, as the plugins call it), each
//! timed in wasmtime and natively on the same records in the same run.
//! Nothing here crosses a host ABI but the records themselves, so the
//! difference is the code generation alone: Cranelift on Wasm against LLVM on
//! x86-64 with its SIMD.
//!
//! The bench builds it twice with the `wasm` profile of the shipped modules:
//! scalar, like the Fluent Bit module, and with `simd128`, like the component.
//!
//! Protocol: `records_buffer(len)` returns where to write `len` bytes of
//! NDJSON, `load()` splits them into records, and `strict(rounds)` or
//! `regex_passes_only(rounds)` process every record `rounds` times and return
//! a count (bytes kept or raw matches), so neither can be optimised away and
//! the host can check that both builds do the native engine's work.

use std::cell::RefCell;

use logsift_core::scrub::{ScrubConfig, Scrubber};
use logsift_core::{Ctx, Outcome, Pipeline};

struct Parts {
    buffer: Vec<u8>,
    records: Vec<Vec<u8>>,
    pipeline: Option<(Pipeline, Ctx)>,
    scrubber: Option<Scrubber>,
}

thread_local! {
    static PARTS: RefCell<Parts> = RefCell::new(Parts {
        buffer: Vec::new(),
        records: Vec::new(),
        pipeline: Pipeline::from_json(br#"{"scrub": {"preset": "strict"}}"#)
            .ok()
            .map(|p| (p, Ctx::new(1_732_464_000_000_000_000, 1))),
        scrubber: serde_json::from_str::<ScrubConfig>(r#"{"preset": "strict"}"#)
            .ok()
            .and_then(|c| Scrubber::new(&c).ok()),
    });
}

/// A zeroed buffer of `len` bytes for the host to write records into; its
/// address in linear memory.
#[unsafe(no_mangle)]
pub extern "C" fn records_buffer(len: u32) -> u32 {
    PARTS.with_borrow_mut(|p| {
        p.buffer = vec![0; len as usize];
        p.buffer.as_ptr() as u32
    })
}

/// Splits the buffer into records (NDJSON lines); returns how many.
#[unsafe(no_mangle)]
pub extern "C" fn load() -> u32 {
    PARTS.with_borrow_mut(|p| {
        p.records = p.buffer.split(|&b| b == b'\n').filter(|l| !l.is_empty()).map(<[u8]>::to_vec).collect();
        p.records.len() as u32
    })
}

/// Every record through the strict preset `rounds` times; the bytes kept.
/// `u64::MAX` when the pipeline could not be built.
#[unsafe(no_mangle)]
pub extern "C" fn strict(rounds: u32) -> u64 {
    PARTS.with_borrow_mut(|p| {
        let Some((pipeline, ctx)) = p.pipeline.as_mut() else { return u64::MAX };
        let mut kept = 0;
        for _ in 0..rounds {
            for r in &p.records {
                if let Outcome::Keep(o) = pipeline.process(r, ctx) {
                    kept += o.len() as u64;
                }
            }
        }
        kept
    })
}

/// The strict preset's regex passes alone over every record `rounds` times;
/// the raw matches. `u64::MAX` when the scrubber could not be built.
#[unsafe(no_mangle)]
pub extern "C" fn regex_passes_only(rounds: u32) -> u64 {
    PARTS.with_borrow_mut(|p| {
        let Some(s) = p.scrubber.as_mut() else { return u64::MAX };
        let mut n = 0;
        for _ in 0..rounds {
            for r in &p.records {
                n += s.regex_passes_only(r) as u64;
            }
        }
        n
    })
}
