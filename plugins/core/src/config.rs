//! The one config document every host reads, and its errors.
//!
//! ```json
//! {"scrub": {...}, "enrich": {...}, "sample": {...}, "alerts": {...}, "proxy": {...}}
//! ```
//! A missing section is a stage that is off. `proxy` belongs to the
//! proxy-wasm and Fluent Bit adapters; the engine accepts it and leaves it to
//! them. Unknown fields are errors, and every error names its field.

use std::fmt;

use schemars::JsonSchema;
use serde::Deserialize;

use crate::alerts::AlertsConfig;
use crate::enrich::EnrichConfig;
use crate::sample::SampleConfig;
use crate::scrub::ScrubConfig;

/// The whole config document.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(title = "logsift config")]
pub struct Config {
    /// Find and redact PII and secrets.
    #[serde(default)]
    pub scrub: Option<ScrubConfig>,
    /// Add context: service fields, trace ids, request ids, routes, levels.
    #[serde(default)]
    pub enrich: Option<EnrichConfig>,
    /// Keep a share of records: per level, consistent with traces, rate-limited.
    #[serde(default)]
    pub sample: Option<SampleConfig>,
    /// Turn records into alert signals.
    #[serde(default)]
    pub alerts: Option<AlertsConfig>,
    /// Host adapter settings (proxy-wasm and Fluent Bit); see their docs.
    #[serde(default)]
    pub proxy: Option<serde_json::Map<String, serde_json::Value>>,
}

impl Config {
    /// Parses a config document. Errors carry the path of the bad field.
    pub fn from_json(bytes: &[u8]) -> Result<Config, ConfigError> {
        let de = &mut serde_json::Deserializer::from_slice(bytes);
        serde_path_to_error::deserialize(de).map_err(|e| {
            let path = e.path().to_string();
            let inner = e.into_inner();
            let mut message = inner.to_string();
            // serde_json appends " at line L column C"; keep it only for
            // syntax errors, where the position is the useful part.
            if !inner.is_syntax()
                && !inner.is_eof()
                && let Some(i) = message.rfind(" at line ")
            {
                message.truncate(i);
            }
            let path = if path == "." { String::new() } else { path };
            ConfigError::new(path, message)
        })
    }
}

/// A config that can't be used. `Display` gives `path: what to fix`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigError {
    path: String,
    message: String,
}

impl ConfigError {
    /// An error at `path` (dotted, `[i]` for list items; empty for the root).
    pub fn new(path: impl Into<String>, message: impl Into<String>) -> Self {
        ConfigError { path: path.into(), message: message.into() }
    }

    /// The path of the offending field.
    pub fn path(&self) -> &str {
        &self.path
    }

    /// What is wrong with it.
    pub fn message(&self) -> &str {
        &self.message
    }
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.path.is_empty() {
            write!(f, "config: {}", self.message)
        } else {
            write!(f, "{}: {}", self.path, self.message)
        }
    }
}

impl std::error::Error for ConfigError {}

/// A duration in config: seconds as a number, or a string such as `"90s"`,
/// `"5m"`, `"1h30m"`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Seconds(pub f64);

impl<'de> Deserialize<'de> for Seconds {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Raw {
            Num(f64),
            Text(String),
        }
        match Raw::deserialize(d)? {
            Raw::Num(n) if n >= 0.0 && n.is_finite() => Ok(Seconds(n)),
            Raw::Num(n) => {
                Err(serde::de::Error::custom(format!("duration {n} must be a positive number of seconds")))
            }
            Raw::Text(s) => humantime::parse_duration(&s)
                .map(|d| Seconds(d.as_secs_f64()))
                .map_err(|e| serde::de::Error::custom(format!("duration \"{s}\": {e}"))),
        }
    }
}

impl JsonSchema for Seconds {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "Duration".into()
    }

    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({
            "description": "Seconds as a number, or a duration string such as \"90s\", \"5m\", \"1h30m\".",
            "anyOf": [{"type": "number", "minimum": 0}, {"type": "string"}]
        })
    }
}

/// The JSON Schema of the config document, pretty-printed.
pub fn schema_json() -> String {
    let schema = schemars::schema_for!(Config);
    let mut s = serde_json::to_string_pretty(&schema).unwrap_or_default();
    s.push('\n');
    s
}
