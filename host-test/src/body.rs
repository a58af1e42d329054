//! `logsift run --input-format`: one captured push body on disk (a Loki or
//! OTLP push, a gRPC call, a `_bulk` request, NDJSON or text) rewritten the
//! way the ingest filter rewrites it on the wire, with `logsift_formats`.
//!
//! A file has no request headers, so [`InputFormat`] stands for the ones a
//! shipper would send: each name maps to the path and content type of that
//! shipper's push, and [`logsift_formats::detect`] picks the format from them
//! exactly as it does for a request. The compression around the body
//! (gzip, zlib) is read from its magic bytes. [`InputFormat::Auto`] also
//! tells the layout from the bytes ([`sniff`]); binary candidates are only
//! accepted when the format's own decoder reads the whole body.
//!
//! The body runs natively ([`run_native`]: the engine through
//! [`logsift_formats::Engine`], as the proxy-wasm module calls it) or through
//! `dist/logsift_proxy_wasm.wasm` in the `ingest` role ([`run_envoy`]: the
//! body POSTed with those headers, the output what reached the upstream).

use std::fmt;

use logsift_core::{Config, Ctx, Pipeline};
use logsift_formats::{Body, ContentEncoding, Headers, Records};
use serde_json::{Map, Value};

use crate::proxy_wasm::{self, ProxyWasm, ProxyWasmConfig, Request};
use crate::{Clock, DriverError, Run};

/// What a captured body is, named for what sends it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum InputFormat {
    /// Tell from the bytes: gzip or zlib around it, then Loki or OTLP JSON
    /// by their top-level key, `_bulk` by its first action line, gRPC
    /// frames, a Loki protobuf push in a snappy block or an OTLP protobuf
    /// request when that decoder reads the whole body, else NDJSON or text.
    Auto,
    /// Loki `/loki/api/v1/push` protobuf in a raw snappy block (Promtail, Alloy, Vector).
    LokiProto,
    /// Loki `/loki/api/v1/push` JSON (Fluent Bit's `loki` output).
    LokiJson,
    /// OTLP/HTTP `ExportLogsServiceRequest` protobuf (`/v1/logs`).
    OtlpProto,
    /// OTLP/HTTP JSON (`/v1/logs`).
    OtlpJson,
    /// An OTLP/gRPC `LogsService/Export` body: length-prefixed messages (gzip frames allowed).
    Grpc,
    /// An Elasticsearch `_bulk` body: action lines kept, documents scrubbed.
    Bulk,
    /// One JSON record per line.
    Ndjson,
    /// Text lines.
    Text,
}

impl InputFormat {
    /// Its name on the command line.
    pub fn name(self) -> &'static str {
        match self {
            InputFormat::Auto => "auto",
            InputFormat::LokiProto => "loki-proto",
            InputFormat::LokiJson => "loki-json",
            InputFormat::OtlpProto => "otlp-proto",
            InputFormat::OtlpJson => "otlp-json",
            InputFormat::Grpc => "grpc",
            InputFormat::Bulk => "bulk",
            InputFormat::Ndjson => "ndjson",
            InputFormat::Text => "text",
        }
    }

    /// The path and content type the shipper of this format sends (`auto`
    /// has none: [`sniff`] first).
    fn request(self) -> (&'static str, &'static str) {
        match self {
            InputFormat::LokiProto => ("/loki/api/v1/push", "application/x-protobuf"),
            InputFormat::LokiJson => ("/loki/api/v1/push", "application/json"),
            InputFormat::OtlpProto => ("/v1/logs", "application/x-protobuf"),
            InputFormat::OtlpJson => ("/v1/logs", "application/json"),
            InputFormat::Grpc => (logsift_formats::detect::OTLP_GRPC_EXPORT, "application/grpc"),
            InputFormat::Bulk => ("/_bulk", "application/x-ndjson"),
            InputFormat::Ndjson | InputFormat::Auto => ("/ingest", "application/x-ndjson"),
            InputFormat::Text => ("/ingest", "text/plain"),
        }
    }
}

/// A body that could not be read or rewritten.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BodyError {
    /// `auto` found no format that reads the whole body.
    Unknown(String),
    /// The format's decoder refused the body (the message names what is wrong).
    Format(logsift_formats::Error),
    /// The config document, or a plugin that could not run it.
    Setup(String),
    /// The proxy-wasm module answered the request itself instead of passing it on.
    Rejected {
        /// The HTTP status it answered with.
        status: u16,
        /// Its message.
        message: String,
    },
}

impl fmt::Display for BodyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            BodyError::Unknown(why) => write!(f, "{why}; name the format with --input-format"),
            BodyError::Format(e) => write!(f, "{e} (HTTP {} in the ingest filter)", e.status()),
            BodyError::Setup(e) => f.write_str(e),
            BodyError::Rejected { status, message } => {
                write!(f, "the ingest filter answered {status}: {}", message.trim())
            }
        }
    }
}

impl std::error::Error for BodyError {}

/// A captured body and the request it stands for.
#[derive(Debug, Clone)]
pub struct Captured {
    /// The format it is read as (never `auto`).
    pub format: InputFormat,
    /// The compression found around it.
    pub encoding: ContentEncoding,
    /// Request headers the shipper would send with it, `:path` apart.
    pub headers: Vec<(&'static str, &'static str)>,
    /// The request path.
    pub path: &'static str,
    /// What `logsift_formats` makes of those headers.
    pub body: Body,
}

impl Captured {
    /// "otlp-proto, gzip": for the CLI's report.
    pub fn describe(&self) -> String {
        match self.encoding {
            ContentEncoding::Identity => self.format.name().to_owned(),
            ContentEncoding::Gzip => format!("{}, gzip", self.format.name()),
            ContentEncoding::Deflate => format!("{}, deflate", self.format.name()),
        }
    }
}

/// The compression around `raw`, from its magic bytes: gzip's `1f 8b`, or a
/// zlib header that inflates (a text line may start with `x^`).
fn sniff_encoding(raw: &[u8], limit: usize) -> ContentEncoding {
    if raw.starts_with(&[0x1f, 0x8b]) {
        return ContentEncoding::Gzip;
    }
    let zlib = matches!(raw, [cmf, flg, ..] if cmf & 0x0f == 8 && (u16::from(*cmf) << 8 | u16::from(*flg)) % 31 == 0);
    if zlib && logsift_formats::encoding::decode(ContentEncoding::Deflate, raw, limit).is_ok() {
        return ContentEncoding::Deflate;
    }
    ContentEncoding::Identity
}

/// `raw` as `format`: the headers its shipper sends, the compression from
/// its magic bytes (gRPC compresses per frame, so never around the body).
pub fn captured(format: InputFormat, raw: &[u8], limit: usize) -> Result<Captured, BodyError> {
    let format = match format {
        InputFormat::Auto => sniff(raw, limit)?,
        f => f,
    };
    let encoding = match format {
        InputFormat::Grpc => ContentEncoding::Identity,
        _ => sniff_encoding(raw, limit),
    };
    let (path, content_type) = format.request();
    let mut headers = vec![("content-type", content_type)];
    match encoding {
        ContentEncoding::Identity => {}
        ContentEncoding::Gzip => headers.push(("content-encoding", "gzip")),
        ContentEncoding::Deflate => headers.push(("content-encoding", "deflate")),
    }
    if format == InputFormat::Grpc {
        // The only per-message compression the formats read; a frame whose
        // flag is clear stays uncompressed either way.
        headers.push(("grpc-encoding", "gzip"));
    }
    let get = |name: &str| headers.iter().find(|(k, _)| *k == name).map_or("", |(_, v)| *v);
    let body = logsift_formats::detect(&Headers {
        path,
        content_type: get("content-type"),
        content_encoding: get("content-encoding"),
        grpc_encoding: get("grpc-encoding"),
    })
    .map_err(|e| BodyError::Format(logsift_formats::Error::Unsupported(e)))?;
    Ok(Captured { format, encoding, headers, path, body })
}

/// Records handed back unchanged: a decoder's dry run.
struct Unchanged;

impl Records for Unchanged {
    fn record(&mut self, record: &[u8]) -> Option<Vec<u8>> {
        Some(record.to_vec())
    }
    fn metadata(&mut self, fields: &Map<String, Value>) -> Map<String, Value> {
        fields.clone()
    }
    fn value(&mut self, text: &str) -> String {
        text.to_owned()
    }
}

/// Whether `plain` reads as text: UTF-8 without control bytes other than
/// tab and line breaks. Protobuf tags and gRPC frame headers are control bytes.
fn is_text(plain: &[u8]) -> bool {
    std::str::from_utf8(plain)
        .is_ok_and(|s| !s.chars().any(|c| c.is_control() && !matches!(c, '\t' | '\n' | '\r')))
}

/// Tells the format of a body from its bytes (see [`InputFormat::Auto`]).
pub fn sniff(raw: &[u8], limit: usize) -> Result<InputFormat, BodyError> {
    let unknown = |why: &str| Err(BodyError::Unknown(why.to_owned()));
    if raw.is_empty() {
        return unknown("the body is empty");
    }
    // gRPC frames are never wrapped in a content encoding.
    if raw[0] <= 1 && dry_run(InputFormat::Grpc, raw, limit) {
        return Ok(InputFormat::Grpc);
    }
    let encoding = sniff_encoding(raw, limit);
    let plain = logsift_formats::encoding::decode(encoding, raw, limit)
        .map_err(|e| BodyError::Format(logsift_formats::Error::Encoding(e)))?
        .0;
    if is_text(&plain) {
        return Ok(sniff_text(&plain));
    }
    for format in [InputFormat::LokiProto, InputFormat::OtlpProto] {
        if dry_run(format, raw, limit) {
            return Ok(format);
        }
    }
    unknown(
        "the body is neither text nor gRPC frames, a Loki protobuf push in a snappy block or an OTLP protobuf request",
    )
}

/// Loki JSON, OTLP JSON, `_bulk`, NDJSON or text.
fn sniff_text(plain: &[u8]) -> InputFormat {
    if let Ok(Value::Object(doc)) = serde_json::from_slice::<Value>(plain) {
        if doc.contains_key("streams") {
            return InputFormat::LokiJson;
        }
        if doc.contains_key("resourceLogs") || doc.contains_key("resource_logs") {
            return InputFormat::OtlpJson;
        }
    }
    let first = logsift_formats::lines::split(plain).next().unwrap_or_default();
    match serde_json::from_slice::<Value>(first) {
        Ok(Value::Object(action))
            if action.len() == 1
                && action.keys().all(|k| matches!(k.as_str(), "index" | "create" | "update" | "delete")) =>
        {
            InputFormat::Bulk
        }
        Ok(_) => InputFormat::Ndjson,
        Err(_) => InputFormat::Text,
    }
}

/// Whether `format`'s decoder reads the whole of `raw`.
fn dry_run(format: InputFormat, raw: &[u8], limit: usize) -> bool {
    captured(format, raw, limit)
        .is_ok_and(|c| logsift_formats::rewrite(&c.body, raw, limit, &mut Unchanged).is_ok())
}

/// The body rewritten by the engine called natively, once, at the clock's
/// first time; summaries the pipeline releases at the end are in
/// `run.records` (they never join a push body, as in the ingest filter).
pub fn run_native(
    config: &[u8],
    captured: &Captured,
    raw: &[u8],
    limit: usize,
    clock: Clock,
) -> Result<(Vec<u8>, Run), BodyError> {
    let setup = |e: logsift_core::ConfigError| BodyError::Setup(format!("config: {e}"));
    let cfg = Config::from_json(config).map_err(setup)?;
    let mut pipeline = Pipeline::new(&cfg).map_err(setup)?;
    // Loki metadata and label values: the same scrub section, no other stage.
    let mut scrub_only =
        Pipeline::new(&Config { scrub: cfg.scrub.clone(), ..Config::default() }).map_err(setup)?;
    let mut ctx = Ctx::new(clock.nanos(0), 0x5eed);
    let out = logsift_formats::rewrite(
        &captured.body,
        raw,
        limit,
        &mut logsift_formats::Engine::new(&mut pipeline, &mut ctx, &mut scrub_only),
    )
    .map_err(BodyError::Format)?;
    let mut run = Run::default();
    run.signals.extend(pipeline.take_signals());
    pipeline.finish(&ctx);
    run.records.extend(pipeline.take_emitted());
    run.signals.extend(pipeline.take_signals());
    run.metrics = pipeline.metrics_text();
    run.stats = pipeline.stats().clone();
    run.redactions = pipeline.redactions();
    Ok((out, run))
}

/// The body POSTed through the proxy-wasm module at `plugin` in the `ingest`
/// role, with the headers its shipper sends: what reaches the upstream.
/// The config's `proxy` section applies (`max_body_bytes`, `on_error`, …).
pub fn run_envoy(
    plugin: &std::path::Path,
    config: &[u8],
    captured: &Captured,
    raw: &[u8],
    clock: Clock,
) -> Result<(Vec<u8>, Run), BodyError> {
    let setup = |e: DriverError| BodyError::Setup(e.to_string());
    let (engine, module) = proxy_wasm::load(plugin).map_err(setup)?;
    let (up, rec) = proxy_wasm::recording_upstream();
    let cfg = ProxyWasmConfig {
        plugin_config: proxy_wasm::plugin_config_for(config, "ingest"),
        // The body is a file, not a client's: only the module's own
        // `proxy.max_body_bytes` applies, not a listener's buffer limit.
        buffer_limit: usize::MAX,
        ..ProxyWasmConfig::default()
    };
    let mut vm = ProxyWasm::new(&engine, &module, cfg, up, clock.nanos(0)).map_err(setup)?;
    let ex = vm.http(Request::post(captured.path, &captured.headers, raw.to_vec())).map_err(setup)?;
    let out = match ex.forwarded {
        Some((_, body)) if !ex.local_reply => body,
        _ => {
            return Err(BodyError::Rejected {
                status: ex.response.status,
                message: String::from_utf8_lossy(&ex.response.body).into_owned(),
            });
        }
    };
    vm.set_time(clock.nanos(0) + 1_000_000_001).map_err(setup)?;
    let rec = rec.lock().map_err(|_| BodyError::Setup("upstream state poisoned".into()))?;
    let (run, _) = proxy_wasm::finish_run(&vm, Vec::new(), &rec, Vec::new());
    Ok((out, run))
}
