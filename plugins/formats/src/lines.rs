//! NDJSON and text bodies: one record per non-empty line. Lines come back
//! `\n`-terminated (a `\r\n` loses its `\r`); dropped records leave no line.

use crate::Records;

/// The non-empty lines of `body`, without their `\n` / `\r\n`.
pub fn split(body: &[u8]) -> impl Iterator<Item = &[u8]> {
    body.split(|&b| b == b'\n').map(|l| l.strip_suffix(b"\r").unwrap_or(l)).filter(|l| !l.is_empty())
}

/// Decodes `body` into lines, runs each through `records`, encodes the kept ones.
pub fn rewrite(body: &[u8], records: &mut dyn Records) -> Vec<u8> {
    let mut out = Vec::with_capacity(body.len());
    for l in split(body) {
        if let Some(new) = records.record(l) {
            out.extend_from_slice(&new);
            out.push(b'\n');
        }
    }
    out
}
