//! Enrich: add context to JSON records.
//!
//! Static service fields, W3C `traceparent` split into ids, a request id
//! (kept, or generated from the context's randomness), low-cardinality route
//! templates, canonical levels, renames/copies/removals, and the `sub` claim
//! of a JWT as the user id. Text records pass through unchanged.

use std::collections::BTreeMap;

use base64::Engine as _;
use schemars::JsonSchema;
use serde::Deserialize;

use crate::config::ConfigError;
use crate::ctx::Ctx;
use crate::level::{self, Numbering};
use crate::record::Record;

/// The `enrich` section.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct EnrichConfig {
    /// Service name, written to `field_names.service` (default `service`).
    #[serde(default)]
    pub service: Option<String>,
    /// Service version, written to `field_names.version` (default `version`).
    #[serde(default)]
    pub version: Option<String>,
    /// Deployment environment, written to `field_names.environment` (default `environment`).
    #[serde(default)]
    pub environment: Option<String>,
    /// Where the three static fields go.
    #[serde(default)]
    pub field_names: FieldNames,
    /// More static fields: name → any JSON value.
    #[serde(default)]
    pub fields: BTreeMap<String, serde_json::Value>,
    /// Replace a field the record already has (default: keep the record's).
    #[serde(default)]
    pub overwrite: bool,
    /// Split a W3C `traceparent` into trace id, span id and flags.
    #[serde(default)]
    pub traceparent: Option<TraceparentConfig>,
    /// Keep the request id, or generate a UUIDv4 when the record has none.
    #[serde(default)]
    pub request_id: Option<RequestIdConfig>,
    /// Template a path into a low-cardinality route (`/api/events/{id}/tickets`).
    #[serde(default)]
    pub route: Option<RouteConfig>,
    /// Rewrite the level field to its canonical name.
    #[serde(default)]
    pub level: Option<LevelConfig>,
    /// Rename fields: old name → new name.
    #[serde(default)]
    pub rename: BTreeMap<String, String>,
    /// Copy fields: source → destination.
    #[serde(default)]
    pub copy: BTreeMap<String, String>,
    /// Remove fields.
    #[serde(default)]
    pub remove: Vec<String>,
    /// Take the `sub` claim of a JWT as the user id. The token is read before
    /// scrubbing and is always redacted: its key is added to the key rules.
    #[serde(default)]
    pub jwt_subject: Option<JwtSubjectConfig>,
}

/// Names of the static service fields.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct FieldNames {
    /// Default `service`.
    pub service: String,
    /// Default `version`.
    pub version: String,
    /// Default `environment`.
    pub environment: String,
}

impl Default for FieldNames {
    fn default() -> Self {
        FieldNames { service: "service".into(), version: "version".into(), environment: "environment".into() }
    }
}

/// `traceparent` parsing.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct TraceparentConfig {
    /// The field holding the header value (default `traceparent`).
    pub from: String,
    /// Default `trace_id`.
    pub trace_id: String,
    /// Default `span_id`.
    pub span_id: String,
    /// Default `trace_flags` (the two hex digits, `01` when sampled).
    pub trace_flags: String,
}

impl Default for TraceparentConfig {
    fn default() -> Self {
        TraceparentConfig {
            from: "traceparent".into(),
            trace_id: "trace_id".into(),
            span_id: "span_id".into(),
            trace_flags: "trace_flags".into(),
        }
    }
}

/// Request ids.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct RequestIdConfig {
    /// The field (default `request_id`).
    pub field: String,
    /// Generate a UUIDv4 when the record has none (default true).
    pub generate: bool,
}

impl Default for RequestIdConfig {
    fn default() -> Self {
        RequestIdConfig { field: "request_id".into(), generate: true }
    }
}

/// Route templating.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct RouteConfig {
    /// The path field (default `path`). A query string is left out.
    pub from: String,
    /// The route field written (default `route`).
    pub to: String,
    /// The placeholder for ids, UUIDs and hex (default `{id}`).
    pub placeholder: String,
}

impl Default for RouteConfig {
    fn default() -> Self {
        RouteConfig { from: "path".into(), to: "route".into(), placeholder: "{id}".into() }
    }
}

/// Level normalisation.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct LevelConfig {
    /// The level field (default `level`).
    pub field: String,
    /// How numeric levels read: `python` (default), `bunyan` or `syslog`.
    pub numbering: Numbering,
}

impl Default for LevelConfig {
    fn default() -> Self {
        LevelConfig { field: "level".into(), numbering: Numbering::Python }
    }
}

/// JWT subject extraction.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct JwtSubjectConfig {
    /// The field holding the token, `Bearer ` prefix allowed (default `authorization`).
    pub from: String,
    /// The field written (default `user_id`); an existing value is kept.
    pub to: String,
}

impl Default for JwtSubjectConfig {
    fn default() -> Self {
        JwtSubjectConfig { from: "authorization".into(), to: "user_id".into() }
    }
}

/// The compiled enrich stage.
#[derive(Debug)]
pub struct Enricher {
    cfg: EnrichConfig,
    statics: Vec<(String, Vec<u8>)>,
}

impl Enricher {
    /// Validates an `enrich` section.
    pub fn new(cfg: &EnrichConfig) -> Result<Self, ConfigError> {
        let mut statics = Vec::new();
        let names = &cfg.field_names;
        for (name, value, field) in [
            (&names.service, &cfg.service, "service"),
            (&names.version, &cfg.version, "version"),
            (&names.environment, &cfg.environment, "environment"),
        ] {
            if name.is_empty() {
                return Err(ConfigError::new(format!("enrich.field_names.{field}"), "must not be empty"));
            }
            if let Some(v) = value {
                statics.push((name.clone(), crate::json::quote(v.as_bytes())));
            }
        }
        for (k, v) in &cfg.fields {
            let raw = serde_json::to_vec(v)
                .map_err(|e| ConfigError::new(format!("enrich.fields.{k}"), e.to_string()))?;
            statics.push((k.clone(), raw));
        }
        for (from, to) in cfg.rename.iter().chain(&cfg.copy) {
            if from.is_empty() || to.is_empty() {
                return Err(ConfigError::new("enrich.rename", "field names must not be empty"));
            }
        }
        Ok(Enricher { cfg: cfg.clone(), statics })
    }

    /// Whether [`apply`](Self::apply) draws on the context's randomness
    /// (request ids generated for records without one).
    pub fn draws_random(&self) -> bool {
        self.cfg.request_id.as_ref().is_some_and(|r| r.generate)
    }

    /// The JWT source field, which the pipeline adds to the scrub key rules.
    pub fn jwt_source(&self) -> Option<&str> {
        self.cfg.jwt_subject.as_ref().map(|j| j.from.as_str())
    }

    /// Reads the JWT `sub` claim from the unscrubbed record.
    pub fn jwt_subject(&self, raw: &Record<'_>) -> Option<String> {
        let j = self.cfg.jwt_subject.as_ref()?;
        let text = raw.get_path(&j.from)?.text().into_owned();
        subject_of(&text)
    }

    /// Enriches a record in place. `jwt_sub` comes from [`Self::jwt_subject`].
    pub fn apply(&self, rec: &mut Record<'_>, ctx: &mut Ctx, jwt_sub: Option<String>) {
        if !rec.is_object() {
            return;
        }
        let c = &self.cfg;
        for (from, to) in &c.rename {
            if let Some(v) = rec.remove(from) {
                rec.set_raw(to, v);
            }
        }
        for (from, to) in &c.copy {
            if let Some(v) = rec.get_path(from).map(|v| v.raw().to_vec()) {
                rec.set_raw(to, v);
            }
        }
        for (k, v) in &self.statics {
            if c.overwrite || rec.get(k).is_none() {
                rec.set_raw(k, v.clone());
            }
        }
        if let Some(tp) = &c.traceparent {
            let parsed = rec.get_path(&tp.from).and_then(|v| parse_traceparent(&v.text()));
            if let Some((trace, span, flags)) = parsed {
                if rec.get(&tp.trace_id).is_none() {
                    rec.set_str(&tp.trace_id, &trace);
                }
                if rec.get(&tp.span_id).is_none() {
                    rec.set_str(&tp.span_id, &span);
                }
                rec.set_str(&tp.trace_flags, &flags);
            }
        }
        if let Some(r) = &c.request_id {
            let missing = rec.get(&r.field).is_none_or(|v| v.text().trim().is_empty());
            if missing && r.generate {
                let mut bytes = [0u8; 16];
                ctx.fill_random(&mut bytes);
                rec.set_str(&r.field, &uuid_v4(bytes));
            }
        }
        if let Some(r) = &c.route
            && let Some(path) = rec.get_path(&r.from).map(|v| v.text().into_owned())
        {
            rec.set_str(&r.to, &route_template(&path, &r.placeholder));
        }
        if let Some(l) = &c.level {
            let canon = rec.get(&l.field).and_then(|v| level::parse(&v.text(), l.numbering));
            if let Some(lv) = canon {
                rec.set_str(&l.field, lv.as_str());
            }
        }
        if let (Some(j), Some(sub)) = (&c.jwt_subject, jwt_sub)
            && rec.get(&j.to).is_none()
        {
            rec.set_str(&j.to, &sub);
        }
        for k in &c.remove {
            rec.remove(k);
        }
    }
}

/// A UUIDv4 string from 16 random bytes (version and variant bits set).
pub fn uuid_v4(bytes: [u8; 16]) -> String {
    uuid::Builder::from_random_bytes(bytes).into_uuid().hyphenated().to_string()
}

/// `(trace_id, span_id, flags)` from `00-<32 hex>-<16 hex>-<2 hex>`.
pub fn parse_traceparent(v: &str) -> Option<(String, String, String)> {
    let mut parts = v.trim().split('-');
    let (ver, trace, span, flags) = (parts.next()?, parts.next()?, parts.next()?, parts.next()?);
    let hex = |s: &str, n: usize| {
        s.len() == n && s.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
    };
    let nonzero = |s: &str| s.bytes().any(|b| b != b'0');
    // Version ff is invalid; a future version may append fields, 00 may not.
    let ok = hex(ver, 2)
        && ver != "ff"
        && hex(trace, 32)
        && nonzero(trace)
        && hex(span, 16)
        && nonzero(span)
        && hex(flags, 2)
        && (ver != "00" || parts.next().is_none());
    ok.then(|| (trace.to_owned(), span.to_owned(), flags.to_owned()))
}

/// `/api/events/123/tickets?x=1` → `/api/events/{id}/tickets`.
pub fn route_template(path: &str, placeholder: &str) -> String {
    let path = path.split(['?', '#']).next().unwrap_or("");
    let mut out = String::with_capacity(path.len());
    for (i, seg) in path.split('/').enumerate() {
        if i > 0 {
            out.push('/');
        }
        out.push_str(if is_id(seg) { placeholder } else { seg });
    }
    out
}

/// Numbers, UUIDs, hex of 8+ with a digit, and long tokens that mix letters
/// and digits are ids; words, versions (`v2`) and names are not.
fn is_id(seg: &str) -> bool {
    if seg.is_empty() {
        return false;
    }
    let b = seg.as_bytes();
    if b.iter().all(u8::is_ascii_digit) {
        return true;
    }
    let is_uuid = b.len() == 36
        && b.iter()
            .enumerate()
            .all(|(i, c)| if matches!(i, 8 | 13 | 18 | 23) { *c == b'-' } else { c.is_ascii_hexdigit() });
    let has_digit = b.iter().any(u8::is_ascii_digit);
    let is_hex = b.len() >= 8 && has_digit && b.iter().all(u8::is_ascii_hexdigit);
    let is_token = b.len() >= 16
        && has_digit
        && b.iter().any(u8::is_ascii_alphabetic)
        && b.iter().all(|c| c.is_ascii_alphanumeric() || matches!(c, b'-' | b'_'));
    // Redacted values (`[EMAIL_ADDRESS]`) are ids in a path too.
    let is_tag = b.first() == Some(&b'[') && b.last() == Some(&b']');
    is_uuid || is_hex || is_token || is_tag
}

/// The `sub` claim of a JWT (optionally behind `Bearer `), decoded only.
pub fn subject_of(token: &str) -> Option<String> {
    let t = token.trim();
    let t = t.strip_prefix("Bearer ").or_else(|| t.strip_prefix("bearer ")).unwrap_or(t).trim();
    let payload = t.split('.').nth(1)?;
    let bytes =
        base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(payload.trim_end_matches('=')).ok()?;
    let claims: serde_json::Value = serde_json::from_slice(&bytes).ok()?;
    match claims.get("sub")? {
        serde_json::Value::String(s) => Some(s.clone()),
        serde_json::Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn traceparent_rules() {
        let ok = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
        let (t, s, f) = parse_traceparent(ok).unwrap();
        assert_eq!(
            (t.as_str(), s.as_str(), f.as_str()),
            ("4bf92f3577b34da6a3ce929d0e0e4736", "00f067aa0ba902b7", "01")
        );
        for bad in [
            "00-00000000000000000000000000000000-00f067aa0ba902b7-01",
            "00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01",
            "ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
            "00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01",
            "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-extra",
            "junk",
        ] {
            assert!(parse_traceparent(bad).is_none(), "{bad}");
        }
    }

    #[test]
    fn routes() {
        assert_eq!(route_template("/api/events/123/tickets", "{id}"), "/api/events/{id}/tickets");
        assert_eq!(
            route_template("/api/orders/550e8400-e29b-41d4-a716-446655440000/refund?x=1", "{id}"),
            "/api/orders/{id}/refund"
        );
        assert_eq!(route_template("/v2/users/deadbeef42/avatar", "{id}"), "/v2/users/{id}/avatar");
        assert_eq!(route_template("/healthz", "{id}"), "/healthz");
        assert_eq!(route_template("/api/v1/llm/completions", "{id}"), "/api/v1/llm/completions");
    }

    #[test]
    fn jwt_subject() {
        // {"alg":"HS256","typ":"JWT"} . {"sub":"user-42","name":"x"}
        let tok = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiJ1c2VyLTQyIiwibmFtZSI6IngifQ.c2lnbmF0dXJl";
        assert_eq!(subject_of(&format!("Bearer {tok}")).as_deref(), Some("user-42"));
        assert_eq!(subject_of("Bearer nonsense"), None);
    }
}
