//! Shared by the A/B bench and examples: the input lines.

/// The lines of `AB_SAMPLE` (default: the structlog sample), without empty ones.
pub fn lines() -> Vec<Vec<u8>> {
    let path = std::env::var("AB_SAMPLE").unwrap_or_else(|_| {
        concat!(env!("CARGO_MANIFEST_DIR"), "/../../host-test/samples/structlog.ndjson").into()
    });
    std::fs::read(path)
        .unwrap()
        .split(|&b| b == b'\n')
        .filter(|l| !l.is_empty())
        .map(<[u8]>::to_vec)
        .collect()
}
