//! Which format a push body is in, from its path, `content-type`,
//! `content-encoding` and `grpc-encoding` — never from sniffing the bytes.
//!
//! A body this crate does not read is [`Unsupported`], with a message that
//! says what would be understood; the host answers 415 (or passes it on
//! untouched when the user listed its path). It is never treated as lines.

use std::fmt;

use crate::encoding::ContentEncoding;

/// The gRPC method of OTLP log export.
pub const OTLP_GRPC_EXPORT: &str = "/opentelemetry.proto.collector.logs.v1.LogsService/Export";

/// How a body is laid out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// One record per line (NDJSON, text).
    Lines,
    /// Elasticsearch `_bulk`: action lines pass through, documents are records.
    EsBulk,
    /// Loki `/loki/api/v1/push` JSON.
    LokiJson,
    /// Loki `/loki/api/v1/push` protobuf (`logproto.PushRequest`) in a raw snappy block.
    LokiProtobuf,
    /// OTLP/HTTP JSON logs.
    OtlpJson,
    /// OTLP/HTTP protobuf logs (`ExportLogsServiceRequest`).
    OtlpProtobuf,
    /// OTLP/gRPC `LogsService/Export`: length-prefixed `ExportLogsServiceRequest`s.
    OtlpGrpc,
}

/// A detected body: its format and the compression around it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Body {
    /// The layout.
    pub format: Format,
    /// The HTTP `content-encoding`.
    pub encoding: ContentEncoding,
    /// gRPC only: `grpc-encoding: gzip`, so compressed frames are gzip.
    pub grpc_gzip: bool,
}

/// The request headers detection reads (empty when absent).
#[derive(Debug, Clone, Copy, Default)]
pub struct Headers<'a> {
    /// `:path`, query string included or not.
    pub path: &'a str,
    /// `content-type`.
    pub content_type: &'a str,
    /// `content-encoding`.
    pub content_encoding: &'a str,
    /// `grpc-encoding`.
    pub grpc_encoding: &'a str,
}

/// A body this crate does not read, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unsupported(pub String);

impl fmt::Display for Unsupported {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for Unsupported {}

/// Content types read as lines: what NDJSON and text shippers send.
fn is_lines(ct: &str) -> bool {
    ct.is_empty()
        || ct.starts_with("text/")
        || matches!(
            ct,
            "application/x-ndjson"
                | "application/ndjson"
                | "application/jsonl"
                | "application/x-jsonlines"
                | "application/json-seq"
        )
}

fn is_json(ct: &str) -> bool {
    ct == "application/json" || ct.ends_with("+json")
}

fn is_protobuf(ct: &str) -> bool {
    matches!(ct, "application/x-protobuf" | "application/protobuf" | "application/vnd.google.protobuf")
}

/// Picks the format of a request body.
pub fn detect(h: &Headers<'_>) -> Result<Body, Unsupported> {
    let path = h.path.split('?').next().unwrap_or("");
    let ct = h.content_type.split(';').next().unwrap_or("").trim().to_ascii_lowercase();
    let ce = h.content_encoding.trim().to_ascii_lowercase();
    let loki = path.ends_with("/loki/api/v1/push");

    if ct.starts_with("application/grpc") {
        if path != OTLP_GRPC_EXPORT || !matches!(ct.as_str(), "application/grpc" | "application/grpc+proto") {
            return Err(Unsupported(format!(
                "gRPC call {path} ({ct}) is not OTLP log export; only {OTLP_GRPC_EXPORT} with protobuf messages is read"
            )));
        }
        let grpc = h.grpc_encoding.trim().to_ascii_lowercase();
        let grpc_gzip = match grpc.as_str() {
            "" | "identity" => false,
            "gzip" => true,
            other => {
                return Err(Unsupported(format!(
                    "grpc-encoding {other} is not supported; use gzip or identity"
                )));
            }
        };
        return Ok(Body { format: Format::OtlpGrpc, encoding: ContentEncoding::Identity, grpc_gzip });
    }

    let encoding = match ce.as_str() {
        "" | "identity" => ContentEncoding::Identity,
        "gzip" | "x-gzip" => ContentEncoding::Gzip,
        "deflate" => ContentEncoding::Deflate,
        // Vector's loki sink says snappy; the body is the snappy block Loki
        // reads anyway (Loki ignores this header too).
        "snappy" if loki && is_protobuf(&ct) => ContentEncoding::Identity,
        other => {
            return Err(Unsupported(format!(
                "content-encoding {other} is not supported; use gzip, deflate or none"
            )));
        }
    };
    let body = |format| Ok(Body { format, encoding, grpc_gzip: false });

    let otlp = path.ends_with("/v1/logs");
    if loki || otlp {
        if is_json(&ct) {
            return body(if loki { Format::LokiJson } else { Format::OtlpJson });
        }
        if is_protobuf(&ct) {
            return body(if loki { Format::LokiProtobuf } else { Format::OtlpProtobuf });
        }
    }
    if path.ends_with("/_bulk") && (is_lines(&ct) || is_json(&ct)) {
        return body(Format::EsBulk);
    }
    if is_lines(&ct) || is_json(&ct) {
        return body(Format::Lines);
    }
    Err(Unsupported(format!(
        "content-type {ct} on {path} is not a log format logsift reads; send NDJSON, text, Loki push \
         (JSON or protobuf) or OTLP (JSON, protobuf or gRPC), or list the path as pass-through"
    )))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fmt(path: &str, ct: &str, ce: &str) -> Result<Format, Unsupported> {
        detect(&Headers { path, content_type: ct, content_encoding: ce, grpc_encoding: "" }).map(|b| b.format)
    }

    #[test]
    fn formats_by_path_and_content_type() {
        assert_eq!(fmt("/loki/api/v1/push", "application/json", ""), Ok(Format::LokiJson));
        assert_eq!(fmt("/loki/api/v1/push", "application/x-protobuf", ""), Ok(Format::LokiProtobuf));
        assert_eq!(fmt("/loki/api/v1/push", "application/x-protobuf", "snappy"), Ok(Format::LokiProtobuf));
        assert_eq!(fmt("/loki/api/v1/push", "application/x-ndjson", ""), Ok(Format::Lines));
        assert_eq!(fmt("/v1/logs", "application/json; charset=utf-8", ""), Ok(Format::OtlpJson));
        assert_eq!(fmt("/v1/logs", "application/x-protobuf", "gzip"), Ok(Format::OtlpProtobuf));
        assert_eq!(fmt("/otlp/v1/logs", "application/x-protobuf", ""), Ok(Format::OtlpProtobuf));
        assert_eq!(fmt("/logs/_bulk?refresh=true", "application/x-ndjson", ""), Ok(Format::EsBulk));
        assert_eq!(fmt("/ingest", "application/x-ndjson", ""), Ok(Format::Lines));
        assert_eq!(fmt("/ingest", "", "gzip"), Ok(Format::Lines));
        assert_eq!(fmt(OTLP_GRPC_EXPORT, "application/grpc", ""), Ok(Format::OtlpGrpc));
    }

    #[test]
    fn anything_else_is_unsupported_with_a_message() {
        for (path, ct, ce) in [
            ("/ingest", "application/x-protobuf", ""),
            ("/ingest", "application/octet-stream", ""),
            ("/opentelemetry.proto.collector.trace.v1.TraceService/Export", "application/grpc", ""),
            (OTLP_GRPC_EXPORT, "application/grpc+json", ""),
            ("/v1/logs", "application/x-protobuf", "br"),
            ("/ingest", "", "snappy"),
        ] {
            let e = fmt(path, ct, ce).expect_err(path);
            assert!(e.0.contains("not"), "{e}");
        }
        let gz = detect(&Headers {
            path: OTLP_GRPC_EXPORT,
            content_type: "application/grpc",
            grpc_encoding: "gzip",
            ..Headers::default()
        });
        assert!(gz.unwrap().grpc_gzip);
    }
}
