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
