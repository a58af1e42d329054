//! # logsift-formats
//!
//! The wire formats of log pushes, shared by every place that reads log
//! bodies (the proxy-wasm `ingest` role, `logsift serve`'s push routes and
//! OTLP/gRPC listener, and `logsift run --input-format` for a body on disk). Pure Rust, no host ABI. A body is
//! decoded into records, each record is handed to [`Records`] (the engine,
//! see [`Engine`]), and the result is encoded in the same format.
//!
//! ## Formats ([`detect`] picks one from path, `content-type`, `content-encoding`)
//!
//! | format | path | content type | records |
//! |---|---|---|---|
//! | [`lines`] | any | none, `text/*`, NDJSON, JSON | each non-empty line |
//! | [`es_bulk`] | `…/_bulk` | NDJSON | each document (action lines pass) |
//! | [`loki_json`] | `…/loki/api/v1/push` | `application/json` | each entry's line |
//! | [`loki_proto`] | `…/loki/api/v1/push` | `application/x-protobuf` | `logproto.PushRequest` in a raw snappy block |
//! | [`otlp_json`] | `…/v1/logs`, `/otlp/v1/logs` | `application/json` | each `LogRecord` |
//! | [`otlp_proto`] | `…/v1/logs`, `/otlp/v1/logs` | `application/x-protobuf` | each `LogRecord` |
//! | [`grpc`] | `/opentelemetry.proto.collector.logs.v1.LogsService/Export` | `application/grpc` | each frame's `LogRecord`s |
//!
//! `content-encoding: gzip` and `deflate` wrap any of them; `snappy` is
//! accepted on Loki pushes only, where it is what the body is anyway (Vector
//! sends it, Loki ignores it). gRPC messages carry their own `grpc-encoding`.
//! Any other body is [`Unsupported`]: it is never rewritten as lines.
//!
//! ## Which client sends what
//!
//! What each shipper sends by default, and what the ingest filter (Envoy,
//! `observability/envoy/ingest-gateway.yaml`) and `logsift serve` do with it.
//! The rows marked *tested* run the real client in `host-test/tests/envoy_shippers.rs`;
//! the others are encoded with the client's headers from the published
//! `.proto` (`host-test/tests/ingest_formats.rs`, `envoy_shippers.rs`, `serve.rs`).
//!
//! | client | sends | logsift |
//! |---|---|---|
//! | Promtail, Grafana Alloy `loki.write` | `/loki/api/v1/push`, `application/x-protobuf`, raw snappy, no `content-encoding` | [`loki_proto`]: lines, structured metadata and label values scrubbed; snappy again |
//! | Vector `loki` sink | the same with `content-encoding: snappy` (Loki ignores it) | the same; the header is kept |
//! | Fluent Bit `loki` output, Python Loki handlers | `/loki/api/v1/push`, `application/json` | [`loki_json`] |
//! | OpenTelemetry SDKs, `http/protobuf` (Python SDK *tested*) | `/v1/logs`, `application/x-protobuf` | [`otlp_proto`]: body, attributes, severity, trace id as one record; rewritten in place |
//! | Collector `otlphttp` exporter; SDKs with gzip (Python *tested*) | the same, `content-encoding: gzip` | the same, gzip again |
//! | OTLP/HTTP to Loki 3 (Python SDK *tested*) | `/otlp/v1/logs`, protobuf or JSON | as `/v1/logs` |
//! | OpenTelemetry SDKs, `grpc` (Python SDK *tested*, Java, .NET default) | `LogsService/Export`, `application/grpc`, plain or `grpc-encoding: gzip` | [`grpc`]: each frame rewritten and re-framed, response untouched (Envoy; `logsift serve --grpc-listen` passes the upstream's answer back) |
//! | OTLP/JSON senders | `/v1/logs`, `application/json` | [`otlp_json`] |
//! | Elasticsearch `_bulk` clients (Fluent Bit `es`, Vector `elasticsearch`) | `…/_bulk`, NDJSON | [`es_bulk`]: documents scrubbed, action lines kept |
//! | anything sending NDJSON or text | any path, NDJSON or `text/*` | [`lines`] |
//! | another gRPC service, an unknown content type or encoding | — | 415 (gRPC `UNIMPLEMENTED`) with a message; passed on as sent only under a `proxy.pass_through` path prefix (Envoy) or a `logsift serve --pass-through` one; never rewritten as lines |
//!
//! Malformed protobuf, gRPC framing or compression is 400, a body or frame
//! that decodes past the limit 413 ([`Error::status`], [`Error::reason`]).
//!
//! ## What a record is
//! - lines, `_bulk` and Loki: the line itself (JSON or text). Loki structured
//!   metadata goes through [`Records::metadata`] (scrub only) and label values
//!   through [`Records::value`] (detectors).
//! - OTLP (JSON and protobuf alike, [`otlp_record`]): one JSON object per
//!   `LogRecord` holding `body`, the attributes by key, `level` (severity
//!   text, or the severity number's name) and `trace_id`/`span_id` as hex, so
//!   key rules hit attribute keys and the sampler follows the record's trace.
//!
//! ## What survives
//! Protobuf is rewritten in place ([`wire`]): only the strings the engine
//! changed are re-encoded, with the lengths around them. Everything else,
//! including fields a newer Loki or OTLP adds, comes out byte for byte, and a
//! body nothing changed in comes out as it came in.

#![forbid(unsafe_code)]
#![deny(missing_docs)]

pub mod batch;
pub mod detect;
pub mod encoding;
mod engine;
pub mod es_bulk;
pub mod fuzzing;
pub mod grpc;
pub mod lines;
pub mod loki_json;
pub mod loki_labels;
pub mod loki_proto;
pub mod otlp_json;
pub mod otlp_proto;
pub mod otlp_record;
pub mod schema;
pub mod wire;

use std::fmt;

use serde_json::{Map, Value};

pub use detect::{Body, Format, Headers, Unsupported, detect};
pub use encoding::{ContentEncoding, EncodingError};
pub use engine::Engine;

/// Where the records of a body go: the engine, or a stand-in in tests.
pub trait Records {
    /// One record through every stage: its new bytes, or `None` to drop it.
    fn record(&mut self, record: &[u8]) -> Option<Vec<u8>>;
    /// Metadata fields (Loki structured metadata) through scrub only. A key
    /// missing from the answer was removed by a rule.
    fn metadata(&mut self, fields: &Map<String, Value>) -> Map<String, Value>;
    /// One value (a Loki label value) through the detectors.
    fn value(&mut self, text: &str) -> String;
}

/// Why a body could not be rewritten. [`Error::status`] is the HTTP answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Error {
    /// A format this crate does not read (415).
    Unsupported(Unsupported),
    /// Compression that is corrupt, or a decoded body over the limit (400/413).
    Encoding(EncodingError),
    /// Protobuf that is not a valid message of the format (400).
    Protobuf(wire::WireError),
    /// gRPC framing that does not add up (400).
    Frame(grpc::FrameError),
    /// A JSON or text body that does not have the format's shape (400).
    Shape(String),
}

impl Error {
    /// The HTTP status the host answers with.
    pub fn status(&self) -> u32 {
        match self {
            Error::Unsupported(_) => 415,
            Error::Encoding(EncodingError::TooLarge { .. }) => 413,
            _ => 400,
        }
    }

    /// The `reason` label of `logsift_errors_total`.
    pub fn reason(&self) -> &'static str {
        match self {
            Error::Unsupported(_) => "unsupported_format",
            Error::Encoding(EncodingError::TooLarge { .. }) => "body_too_large",
            Error::Encoding(_) => "bad_compression",
            Error::Protobuf(_) => "bad_protobuf",
            Error::Frame(_) => "bad_grpc_frame",
            Error::Shape(_) => "bad_body",
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Unsupported(e) => e.fmt(f),
            Error::Encoding(e) => e.fmt(f),
            Error::Protobuf(e) => e.fmt(f),
            Error::Frame(e) => e.fmt(f),
            Error::Shape(e) => f.write_str(e),
        }
    }
}

impl std::error::Error for Error {}

impl From<EncodingError> for Error {
    fn from(e: EncodingError) -> Self {
        Error::Encoding(e)
    }
}

impl From<wire::WireError> for Error {
    fn from(e: wire::WireError) -> Self {
        Error::Protobuf(e)
    }
}

impl From<grpc::FrameError> for Error {
    fn from(e: grpc::FrameError) -> Self {
        Error::Frame(e)
    }
}

/// Rewrites the still-encoded `raw` body of `body`'s format: decodes its
/// content encoding (bounded by `limit` bytes), runs every record through
/// `records`, and encodes the result the same way.
pub fn rewrite(body: &Body, raw: &[u8], limit: usize, records: &mut dyn Records) -> Result<Vec<u8>, Error> {
    let (plain, flavour) = encoding::decode(body.encoding, raw, limit)?;
    let out = rewrite_plain(body, &plain, limit, records)?;
    Ok(match out {
        // Nothing changed: hand back the bytes as they came, compression included.
        None => raw.to_vec(),
        Some(out) => encoding::encode(body.encoding, flavour, out),
    })
}

/// Like [`rewrite`] for a body whose content encoding is already removed;
/// `None` when nothing changed.
pub fn rewrite_plain(
    body: &Body,
    plain: &[u8],
    limit: usize,
    records: &mut dyn Records,
) -> Result<Option<Vec<u8>>, Error> {
    match body.format {
        Format::Lines => Ok(Some(lines::rewrite(plain, records))),
        Format::EsBulk => Ok(Some(es_bulk::rewrite(plain, records))),
        Format::LokiJson => loki_json::rewrite(plain, records).map(Some),
        Format::OtlpJson => otlp_json::rewrite(plain, records).map(Some),
        Format::LokiProtobuf => loki_proto::rewrite_snappy(plain, limit, records),
        Format::OtlpProtobuf => Ok(otlp_proto::rewrite(plain, records)?),
        Format::OtlpGrpc => grpc::rewrite(plain, body.grpc_gzip, limit, records),
    }
}
