//! OTLP/gRPC request bodies: `LogsService/Export` is unary, its body is
//! length-prefixed messages — 1 byte compressed flag, u32 big-endian length,
//! then an `ExportLogsServiceRequest` — gzip-compressed when the flag is set
//! and the call says `grpc-encoding: gzip`. Every frame of the buffered call
//! is rewritten ([`crate::otlp_proto`]) and framed again with its own flag;
//! the response is not this module's business.

use std::fmt;

use crate::{Error, Records, encoding, otlp_proto};

/// A gRPC body whose framing does not add up.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FrameError {
    /// Fewer than 5 bytes of header left at `at`.
    ShortHeader {
        /// Offset of the frame.
        at: usize,
    },
    /// The frame says `len` bytes but fewer remain.
    ShortMessage {
        /// Offset of the frame.
        at: usize,
        /// The stated length.
        len: u32,
        /// The bytes that remain.
        remaining: usize,
    },
    /// The compressed flag is neither 0 nor 1.
    BadFlag {
        /// Offset of the frame.
        at: usize,
        /// The flag byte.
        flag: u8,
    },
    /// A compressed frame in a call without `grpc-encoding: gzip`.
    CompressedWithoutEncoding {
        /// Offset of the frame.
        at: usize,
    },
    /// A frame longer than the body limit.
    TooLarge {
        /// The stated length.
        len: u32,
        /// The limit.
        limit: usize,
    },
}

impl fmt::Display for FrameError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FrameError::ShortHeader { at } => {
                write!(f, "gRPC body is truncated: a frame header at byte {at} has fewer than 5 bytes")
            }
            FrameError::ShortMessage { at, len, remaining } => write!(
                f,
                "gRPC frame at byte {at} says {len} bytes but {remaining} remain; the body was cut or the length is wrong"
            ),
            FrameError::BadFlag { at, flag } => {
                write!(f, "gRPC frame at byte {at} has compressed flag {flag}; only 0 and 1 exist")
            }
            FrameError::CompressedWithoutEncoding { at } => write!(
                f,
                "gRPC frame at byte {at} is compressed but the call has no grpc-encoding: gzip header"
            ),
            FrameError::TooLarge { len, limit } => {
                write!(f, "gRPC frame of {len} bytes exceeds {limit} bytes (proxy.max_body_bytes)")
            }
        }
    }
}

impl std::error::Error for FrameError {}

/// One frame: compressed flag and message bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Frame<'a> {
    /// The compressed flag.
    pub compressed: bool,
    /// The message, still compressed when the flag says so.
    pub message: &'a [u8],
}

/// Splits a gRPC body into frames.
pub fn decode(body: &[u8], limit: usize) -> Result<Vec<Frame<'_>>, FrameError> {
    let mut frames = Vec::new();
    let mut at = 0;
    while at < body.len() {
        let Some((head, rest)) = body[at..].split_first_chunk::<5>() else {
            return Err(FrameError::ShortHeader { at });
        };
        let compressed = match head[0] {
            0 => false,
            1 => true,
            flag => return Err(FrameError::BadFlag { at, flag }),
        };
        let len = u32::from_be_bytes([head[1], head[2], head[3], head[4]]);
        if len as usize > limit {
            return Err(FrameError::TooLarge { len, limit });
        }
        let message =
            rest.get(..len as usize).ok_or(FrameError::ShortMessage { at, len, remaining: rest.len() })?;
        frames.push(Frame { compressed, message });
        at += 5 + len as usize;
    }
    Ok(frames)
}

/// Appends one frame to `out`.
pub fn encode(compressed: bool, message: &[u8], out: &mut Vec<u8>) {
    out.push(u8::from(compressed));
    out.extend_from_slice(&(message.len() as u32).to_be_bytes());
    out.extend_from_slice(message);
}

/// Rewrites every frame of an OTLP/gRPC logs export; `None` when nothing changed.
pub fn rewrite(
    body: &[u8],
    gzip: bool,
    limit: usize,
    records: &mut dyn Records,
) -> Result<Option<Vec<u8>>, Error> {
    let frames = decode(body, limit)?;
    let mut out = Vec::with_capacity(body.len());
    let mut changed = false;
    for (i, frame) in frames.iter().enumerate() {
        let plain = match (frame.compressed, gzip) {
            (false, _) => std::borrow::Cow::Borrowed(frame.message),
            (true, true) => std::borrow::Cow::Owned(encoding::gunzip(frame.message, limit)?),
            (true, false) => {
                let at = frames[..i].iter().map(|f| 5 + f.message.len()).sum();
                return Err(FrameError::CompressedWithoutEncoding { at }.into());
            }
        };
        match otlp_proto::rewrite(&plain, records)? {
            None => encode(frame.compressed, frame.message, &mut out),
            Some(new) => {
                changed = true;
                let message = if frame.compressed { encoding::gzip(&new) } else { new };
                encode(frame.compressed, &message, &mut out);
            }
        }
    }
    Ok(changed.then_some(out))
}
