//! Compression around a body: HTTP `content-encoding` (gzip, deflate), gRPC's
//! per-message gzip, and the raw snappy block Loki's protobuf pushes travel in.
//!
//! Every decoder is bounded before it allocates: snappy states its length up
//! front and is refused past the limit; gzip and deflate are read through a
//! `take(limit + 1)`, so a bomb stops at the limit and reports it.

use std::fmt;
use std::io::{Read, Write};

/// A compressed body that could not be opened, or would be too large.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EncodingError {
    /// The decoded body would exceed the limit (a decompression bomb, or a
    /// limit set too low).
    TooLarge {
        /// The limit in bytes.
        limit: usize,
    },
    /// The bytes are not valid in the stated compression.
    Corrupt {
        /// `gzip`, `deflate` or `snappy`.
        codec: &'static str,
        /// What the decoder said.
        detail: String,
    },
}

impl fmt::Display for EncodingError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            EncodingError::TooLarge { limit } => {
                write!(f, "decoded body exceeds {limit} bytes (proxy.max_body_bytes); send smaller batches")
            }
            EncodingError::Corrupt { codec, detail } => {
                write!(f, "body is not valid {codec} ({detail}); check the client's compression setting")
            }
        }
    }
}

impl std::error::Error for EncodingError {}

/// An HTTP `content-encoding` this crate reads and writes back the same way.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ContentEncoding {
    /// None, or `identity`.
    Identity,
    /// `gzip` (also gRPC's `grpc-encoding: gzip`).
    Gzip,
    /// `deflate`: zlib-wrapped as RFC 9110 says, or raw DEFLATE as Go's
    /// `compress/flate` (and so Loki) reads it; sniffed on decode and
    /// written back in the same flavour.
    Deflate,
}

/// Which deflate flavour a body used, so the answer matches it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Flavour {
    /// Not compressed, or gzip (no flavours).
    Plain,
    /// zlib header and Adler-32 trailer.
    Zlib,
    /// Raw DEFLATE.
    Raw,
}

fn bounded(mut r: impl Read, limit: usize, codec: &'static str) -> Result<Vec<u8>, EncodingError> {
    let mut out = Vec::new();
    (&mut r)
        .take(limit as u64 + 1)
        .read_to_end(&mut out)
        .map_err(|e| EncodingError::Corrupt { codec, detail: e.to_string() })?;
    if out.len() > limit {
        return Err(EncodingError::TooLarge { limit });
    }
    Ok(out)
}

/// Decodes gzip, refusing to inflate past `limit` bytes.
pub fn gunzip(body: &[u8], limit: usize) -> Result<Vec<u8>, EncodingError> {
    bounded(flate2::read::GzDecoder::new(body), limit, "gzip")
}

/// Encodes gzip (fast level: the body is on the request path).
pub fn gzip(body: &[u8]) -> Vec<u8> {
    let mut enc =
        flate2::write::GzEncoder::new(Vec::with_capacity(body.len() / 2), flate2::Compression::fast());
    // Writing into a Vec cannot fail.
    let _ = enc.write_all(body);
    enc.finish().unwrap_or_default()
}

/// Whether `body` starts with a zlib header (CMF/FLG check of RFC 1950).
fn is_zlib(body: &[u8]) -> bool {
    matches!(body, [cmf, flg, ..] if cmf & 0x0f == 8 && (u16::from(*cmf) << 8 | u16::from(*flg)) % 31 == 0)
}

/// Decodes HTTP `content-encoding`, returning the flavour to encode back with.
pub fn decode(
    encoding: ContentEncoding,
    body: &[u8],
    limit: usize,
) -> Result<(Vec<u8>, Flavour), EncodingError> {
    match encoding {
        ContentEncoding::Identity => {
            if body.len() > limit {
                return Err(EncodingError::TooLarge { limit });
            }
            Ok((body.to_vec(), Flavour::Plain))
        }
        ContentEncoding::Gzip => Ok((gunzip(body, limit)?, Flavour::Plain)),
        ContentEncoding::Deflate if is_zlib(body) => {
            Ok((bounded(flate2::read::ZlibDecoder::new(body), limit, "deflate")?, Flavour::Zlib))
        }
        ContentEncoding::Deflate => {
            Ok((bounded(flate2::read::DeflateDecoder::new(body), limit, "deflate")?, Flavour::Raw))
        }
    }
}

/// Encodes `body` the way [`decode`] found it.
pub fn encode(encoding: ContentEncoding, flavour: Flavour, body: Vec<u8>) -> Vec<u8> {
    let level = flate2::Compression::fast();
    match (encoding, flavour) {
        (ContentEncoding::Identity, _) => body,
        (ContentEncoding::Gzip, _) => gzip(&body),
        (ContentEncoding::Deflate, Flavour::Raw) => {
            let mut enc = flate2::write::DeflateEncoder::new(Vec::new(), level);
            let _ = enc.write_all(&body);
            enc.finish().unwrap_or_default()
        }
        (ContentEncoding::Deflate, _) => {
            let mut enc = flate2::write::ZlibEncoder::new(Vec::new(), level);
            let _ = enc.write_all(&body);
            enc.finish().unwrap_or_default()
        }
    }
}

/// Decodes a raw snappy block (no framing), checking its stated length
/// against `limit` before allocating.
pub fn unsnappy(block: &[u8], limit: usize) -> Result<Vec<u8>, EncodingError> {
    let corrupt = |e: snap::Error| EncodingError::Corrupt { codec: "snappy", detail: e.to_string() };
    let len = snap::raw::decompress_len(block).map_err(corrupt)?;
    if len > limit {
        return Err(EncodingError::TooLarge { limit });
    }
    snap::raw::Decoder::new().decompress_vec(block).map_err(corrupt)
}

/// Encodes a raw snappy block.
pub fn snappy(body: &[u8]) -> Vec<u8> {
    // Only inputs over ~4 GiB fail, and no body that large gets this far.
    snap::raw::Encoder::new().compress_vec(body).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_encoding_round_trips() {
        let body = b"{\"msg\": \"hello\"}\n".repeat(20);
        for enc in [ContentEncoding::Identity, ContentEncoding::Gzip, ContentEncoding::Deflate] {
            let packed = encode(enc, Flavour::Zlib, body.clone());
            let (plain, _) = decode(enc, &packed, 1 << 20).unwrap();
            assert_eq!(plain, body, "{enc:?}");
        }
        let raw = encode(ContentEncoding::Deflate, Flavour::Raw, body.clone());
        assert_eq!(decode(ContentEncoding::Deflate, &raw, 1 << 20).unwrap(), (body.clone(), Flavour::Raw));
        assert_eq!(unsnappy(&snappy(&body), 1 << 20).unwrap(), body);
    }

    #[test]
    fn bombs_stop_at_the_limit() {
        let zeros = vec![0u8; 1 << 20];
        assert_eq!(gunzip(&gzip(&zeros), 1000), Err(EncodingError::TooLarge { limit: 1000 }));
        assert_eq!(unsnappy(&snappy(&zeros), 1000), Err(EncodingError::TooLarge { limit: 1000 }));
    }

    #[test]
    fn corrupt_input_is_an_error() {
        assert!(matches!(unsnappy(b"\x00\x01", 100), Err(EncodingError::Corrupt { codec: "snappy", .. })));
        assert!(matches!(unsnappy(b"\xff\xff\xff\xff\xff\xff", 100), Err(EncodingError::Corrupt { .. })));
        assert!(matches!(gunzip(b"not gzip", 100), Err(EncodingError::Corrupt { codec: "gzip", .. })));
    }
}
