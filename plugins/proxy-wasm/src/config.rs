//! The `proxy` section and the engine config it travels with.

use logsift_core::{Config, ConfigError, Pipeline};
use logsift_formats::batch::BatchFormat;
use serde::Deserialize;

/// What the module does in the host.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// HTTP filter in front of a log backend: rewrites request bodies.
    #[default]
    Ingest,
    /// Access logger: one record per request, from the host's properties.
    AccessLog,
    /// Application traffic: keep or generate `x-request-id` (echoed on the
    /// response) and drop an invalid `traceparent` so no bad trace id is logged.
    Edge,
}

/// What happens to a body that is too large or can't be decoded.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OnError {
    /// Answer 413 or 400 with a message.
    #[default]
    Reject,
    /// Pass it on, scrubbed as text.
    ScrubAsText,
}

/// The `proxy` section.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ProxyConfig {
    /// `ingest` (default) or `access_log`.
    pub role: Role,
    /// Largest request body buffered, decoded (default 8 MiB).
    pub max_body_bytes: usize,
    /// `reject` (default) or `scrub_as_text`.
    pub on_error: OnError,
    /// Access log: ship kept records in batches to this cluster (else they
    /// go to the proxy's log).
    pub collector: Option<Collector>,
    /// POST alert events to Alertmanager through this cluster.
    pub alertmanager: Option<Upstream>,
    /// Path prefixes whose bodies pass on untouched when logsift does not read
    /// their format (another gRPC service, an unknown content type). On any
    /// other path such a body is answered 415; it is never rewritten as lines.
    pub pass_through: Vec<String>,
}

impl Default for ProxyConfig {
    fn default() -> Self {
        ProxyConfig {
            role: Role::Ingest,
            max_body_bytes: 8 << 20,
            on_error: OnError::Reject,
            collector: None,
            alertmanager: None,
            pass_through: Vec::new(),
        }
    }
}

/// A batch destination.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Collector {
    /// The cluster (as named in the host's config).
    pub cluster: String,
    /// `ndjson` (default), `loki` (push JSON), `loki_protobuf` (protobuf in
    /// a snappy block, as Promtail sends), `otlp` (OTLP/HTTP JSON) or
    /// `otlp_protobuf` (OTLP/HTTP protobuf).
    #[serde(default)]
    pub format: BatchFormat,
    /// Request path (default: `/loki/api/v1/push`, `/v1/logs` or `/ingest` by format).
    #[serde(default)]
    pub path: Option<String>,
    /// Flush when this many records are waiting (default 500); a timer
    /// flushes every second anyway.
    #[serde(default = "max_batch")]
    pub max_batch_records: usize,
}

fn max_batch() -> usize {
    500
}

/// A plain upstream: cluster and path.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Upstream {
    /// The cluster.
    pub cluster: String,
    /// Request path (default `/api/v2/alerts`).
    #[serde(default = "alerts_path")]
    pub path: String,
}

fn alerts_path() -> String {
    "/api/v2/alerts".into()
}

/// Parses the whole plugin configuration: the `proxy` section, the
/// pipeline, and a scrub-only pipeline for structured metadata.
pub fn parse(raw: &[u8]) -> Result<(ProxyConfig, Pipeline, Pipeline), ConfigError> {
    let mut cfg = Config::from_json(raw)?;
    let proxy = match cfg.proxy.take() {
        Some(map) => {
            let v = serde_json::Value::Object(map);
            serde_path_to_error_free(v)?
        }
        None => ProxyConfig::default(),
    };
    if proxy.max_body_bytes == 0 {
        return Err(ConfigError::new("proxy.max_body_bytes", "must be at least 1"));
    }
    let scrub_only = Config { scrub: cfg.scrub.clone(), ..Config::default() };
    Ok((proxy, Pipeline::new(&cfg)?, Pipeline::new(&scrub_only)?))
}

fn serde_path_to_error_free(v: serde_json::Value) -> Result<ProxyConfig, ConfigError> {
    serde_json::from_value(v).map_err(|e| {
        let msg = e.to_string();
        // serde names the field in the message ("unknown field `x`"): keep it.
        ConfigError::new("proxy", msg)
    })
}
