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
//! A second floor is the scrub's JSON walk alone (`json::tokens_only`: the
//! UTF-8 check and every token, over the records the strict scrub reads as
//! JSON), and a third is Fluent Bit's ABI alone: `fluent_bit_echo` is a
//! `filter_wasm` function that hands each record back unchanged, for the
//! harness's Fluent Bit driver.
//!
//! Protocol: `records_buffer(len)` returns where to write `len` bytes of
//! NDJSON, `load()` splits them into records, and `strict(rounds)`,
//! `regex_passes_only(rounds)` or `json_walk_only(rounds)` process every
//! record `rounds` times and return a count (bytes kept, raw matches or
//! tokens), so none can be optimised away and the host can check that both
//! builds do the native engine's work.

use std::cell::RefCell;

use logsift_core::json::tokens_only;
use logsift_core::scrub::{ScrubConfig, Scrubber};
use logsift_core::{Ctx, Outcome, Pipeline};

struct Parts {
    buffer: Vec<u8>,
    records: Vec<Vec<u8>>,
    /// The records the strict scrub reads token by token as JSON.
    walked: Vec<usize>,
    /// `fluent_bit_echo`'s answer, owned so it outlives the call.
    echoed: Vec<u8>,
    pipeline: Option<(Pipeline, Ctx)>,
    scrubber: Option<Scrubber>,
}

thread_local! {
    static PARTS: RefCell<Parts> = RefCell::new(Parts {
        buffer: Vec::new(),
        records: Vec::new(),
        walked: Vec::new(),
        echoed: Vec::new(),
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

/// Splits the buffer into records (NDJSON lines) and notes which of them
/// the strict scrub walks as JSON; returns how many records.
#[unsafe(no_mangle)]
pub extern "C" fn load() -> u32 {
    PARTS.with_borrow_mut(|p| {
        p.records = p.buffer.split(|&b| b == b'\n').filter(|l| !l.is_empty()).map(<[u8]>::to_vec).collect();
        p.walked = match p.scrubber.as_mut() {
            Some(s) => (0..p.records.len()).filter(|&i| s.scrub(&p.records[i]).parsed).collect(),
            None => Vec::new(),
        };
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

/// The scrub's JSON walk alone (the UTF-8 check and every token) over the
/// records the strict scrub walks, `rounds` times; the tokens read.
/// `u64::MAX` when the scrubber could not be built or a record is not JSON.
#[unsafe(no_mangle)]
pub extern "C" fn json_walk_only(rounds: u32) -> u64 {
    PARTS.with_borrow(|p| {
        if p.scrubber.is_none() {
            return u64::MAX;
        }
        let mut n = 0;
        for _ in 0..rounds {
            for &i in &p.walked {
                let Some(t) = tokens_only(&p.records[i]) else { return u64::MAX };
                n += t as u64;
            }
        }
        n
    })
}

/// A `filter_wasm` function (Fluent Bit's signature) that hands the record
/// back unchanged: the least any Fluent Bit filter does, so timing it
/// through the harness's driver gives the cost of the ABI itself. NULL (the
/// record did not fit the heap) drops the record.
///
/// # Safety
/// `record` is NULL or points at `record_len` readable bytes.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn fluent_bit_echo(
    _tag: *const u8,
    _tag_len: u32,
    _sec: u32,
    _nsec: u32,
    record: *const u8,
    record_len: u32,
) -> *const u8 {
    if record.is_null() {
        return std::ptr::null();
    }
    // SAFETY: the host copied `record_len` bytes to `record`, as Fluent Bit
    // does, and they stay put for the call.
    let record = unsafe { std::slice::from_raw_parts(record, record_len as usize) };
    PARTS.with_borrow_mut(|p| {
        p.echoed.clear();
        p.echoed.extend_from_slice(record);
        p.echoed.push(0);
        p.echoed.as_ptr()
    })
}
