//! Shared inputs and baselines for the benches: the bundled samples as
//! lines, a non-ASCII-heavy variant, records at set PII densities
//! (`corpus.rs`), and the naive scrubber every figure is compared with
//! (`naive.rs`), and the host side of the engine-parts Wasm module
//! (`wasm_parts.rs`).

mod corpus;
mod naive;
pub mod wasm_parts;

pub use corpus::{pii_density, root, sample_lines, structlog_non_ascii};
pub use naive::Naive;

use std::hint::black_box;

use logsift_core::json::tokens_only;
use logsift_core::scrub::{ScrubConfig, Scrubber};
use logsift_core::{Ctx, Outcome, Pipeline};
use logsift_host::proxy_wasm::{CallAnswer, HttpCall, HttpResponse, ProxyWasm, ProxyWasmConfig};

/// Every record through `p`: the bytes kept. Rows return it so the work
/// can't be optimised away, and checks compare it across hosts.
pub fn bytes_kept(p: &mut Pipeline, records: &[Vec<u8>], ctx: &mut Ctx) -> u64 {
    let mut kept = 0;
    for r in records {
        if let Outcome::Keep(o) = p.process(black_box(r), ctx) {
            kept += o.len() as u64;
        }
    }
    kept
}

/// The strict preset's scrubber, for the floor rows (see [`raw_matches`]).
pub fn strict_scrubber() -> Scrubber {
    let cfg = serde_json::from_str::<ScrubConfig>(r#"{"preset": "strict"}"#).expect("strict config");
    Scrubber::new(&cfg).expect("strict scrubber")
}

/// The floor: `s`'s regex passes alone over every record (same compiled
/// regexes and gates), without checks, key rules, the JSON walk or edits.
/// Returns the raw matches. Scrubbing cannot run faster than this.
pub fn raw_matches(s: &mut Scrubber, records: &[Vec<u8>]) -> u64 {
    records.iter().map(|r| s.regex_passes_only(black_box(r)) as u64).sum()
}

/// The records `s` reads token by token as JSON, the ones [`json_tokens`]
/// times the walk of.
pub fn walked(s: &mut Scrubber, records: &[Vec<u8>]) -> Vec<Vec<u8>> {
    records.iter().filter(|r| s.scrub(r).parsed).cloned().collect()
}

/// The floor of the scrub's JSON walk over `walked` records: the UTF-8 check
/// and every token, without looking at keys or strings. Returns the tokens
/// read; panics on a record that is not one JSON document.
pub fn json_tokens(walked: &[Vec<u8>]) -> u64 {
    walked.iter().map(|r| tokens_only(black_box(r)).expect("a walked record is JSON") as u64).sum()
}

/// The built `dist/logsift_proxy_wasm.wasm` in the harness's proxy-wasm
/// driver as an `ingest` filter with the strict preset, every upstream call
/// answered 200; `None` (and a hint) when it is not built.
pub fn proxy_wasm_ingest_strict(engine: &wasmtime::Engine) -> Option<ProxyWasm> {
    let wasm = root().join("dist/logsift_proxy_wasm.wasm");
    if !wasm.exists() {
        eprintln!("{} is missing: run `cargo xtask dist` to bench the proxy-wasm module", wasm.display());
        return None;
    }
    let module = wasmtime::Module::from_file(engine, &wasm).expect("module");
    let cfg = ProxyWasmConfig {
        plugin_config: br#"{"proxy": {"role": "ingest"}, "scrub": {"preset": "strict"}}"#.to_vec(),
        buffer_limit: 8 << 20,
        ..ProxyWasmConfig::default()
    };
    let up = |_: &HttpCall| CallAnswer::Response(HttpResponse::status(200));
    Some(ProxyWasm::new(engine, &module, cfg, Box::new(up), 1_732_464_000_000_000_000).expect("vm"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pii_density_plants_the_share_asked_for() {
        let mut p = Pipeline::from_json(br#"{"scrub": {"preset": "strict"}}"#).unwrap();
        let mut ctx = Ctx::new(1, 1);
        for percent in [0usize, 5, 50] {
            let records = pii_density(2000, percent);
            let changed = records
                .iter()
                .filter(|r| match p.process(r, &mut ctx) {
                    Outcome::Keep(out) => out.as_ref() != r.as_slice(),
                    Outcome::Drop(_) => true,
                })
                .count();
            assert_eq!(changed, 2000 * percent / 100, "{percent}%: records the strict preset changed");
        }
    }
}
