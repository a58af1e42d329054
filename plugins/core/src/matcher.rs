//! Record conditions shared by alert rules and sampling drop rules.
//!
//! ```json
//! {"field": "event", "equals": "payment_failed"}
//! {"field": "status_code", "in": [500, 502, 503]}
//! {"field": "path", "regex": "^/api/pay"}
//! {"field": "exc_type", "exists": true}
//! {"field": "total_tokens", "gt": 50000}
//! {"level_at_least": "error"}
//! {"text_contains": "OperationalError"}
//! ```
//! A list of conditions holds when every one holds.

use regex_automata::{meta, util::syntax};
use schemars::JsonSchema;
use serde::Deserialize;
use serde_json::Value as Json;

use crate::config::ConfigError;
use crate::level::{self, Level, Numbering};
use crate::record::{Record, Value};

/// One condition, as written in config: a `field` with exactly one operator,
/// or one of the record-wide operators `level_at_least` and `text_contains`.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ConditionConfig {
    /// The field tested (dotted paths reach into nested objects).
    #[serde(default)]
    pub field: Option<String>,
    /// The field equals this value (strings compare as text, numbers as numbers).
    #[serde(default)]
    pub equals: Option<Json>,
    /// The field equals one of these values.
    #[serde(default, rename = "in")]
    pub one_of: Option<Vec<Json>>,
    /// The field's text matches this regex (unanchored). ASCII mode, as the
    /// scrubber's patterns: `\\d`, `\\w`, `\\s`, `\\b` and `(?i)` cover ASCII, as
    /// in RE2 and Prometheus; `.` matches one byte; non-ASCII text in a
    /// pattern matches its UTF-8 bytes, but not inside a `[...]` class.
    #[serde(default)]
    pub regex: Option<String>,
    /// The field is present (`true`) or absent (`false`).
    #[serde(default)]
    pub exists: Option<bool>,
    /// The field is a number above this.
    #[serde(default)]
    pub gt: Option<f64>,
    /// The field is a number below this.
    #[serde(default)]
    pub lt: Option<f64>,
    /// The record's level is at least this one.
    #[serde(default)]
    pub level_at_least: Option<Level>,
    /// The record's text contains this string (case-sensitive).
    #[serde(default)]
    pub text_contains: Option<String>,
}

#[derive(Debug, Clone)]
enum Op {
    Equals(Json),
    OneOf(Vec<Json>),
    Regex(meta::Regex),
    Exists(bool),
    Gt(f64),
    Lt(f64),
    LevelAtLeast(Level),
    TextContains(Box<memchr::memmem::Finder<'static>>),
}

/// A validated condition.
#[derive(Debug, Clone)]
pub struct Condition {
    field: Option<String>,
    op: Op,
}

/// Where the level is read, shared by every condition of a pipeline.
#[derive(Debug, Clone)]
pub struct LevelSource {
    /// The level field.
    pub field: String,
    /// How numeric levels read.
    pub numbering: Numbering,
}

impl Default for LevelSource {
    fn default() -> Self {
        LevelSource { field: "level".into(), numbering: Numbering::Python }
    }
}

impl LevelSource {
    /// The record's level, if it has a readable one.
    pub fn level(&self, rec: &Record<'_>) -> Option<Level> {
        level::parse(&rec.get_path(&self.field)?.text(), self.numbering)
    }
}

impl Condition {
    /// Validates one condition; `at` is its config path for errors.
    pub fn new(c: &ConditionConfig, at: &str) -> Result<Condition, ConfigError> {
        let mut ops = Vec::new();
        if let Some(v) = &c.equals {
            ops.push(Op::Equals(v.clone()));
        }
        if let Some(v) = &c.one_of {
            ops.push(Op::OneOf(v.clone()));
        }
        if let Some(r) = &c.regex {
            // ASCII mode keeps the Unicode tables out of every module (82 KB
            // of the proxy-wasm one) and matches RE2's Perl classes.
            let re = meta::Regex::builder()
                .syntax(syntax::Config::new().unicode(false).utf8(false))
                .configure(meta::Config::new().nfa_size_limit(Some(1 << 20)))
                .build(r)
                .map_err(|e| ConfigError::new(format!("{at}.regex"), crate::scrub::regex_error(&e)))?;
            ops.push(Op::Regex(re));
        }
        if let Some(v) = c.exists {
            ops.push(Op::Exists(v));
        }
        if let Some(v) = c.gt {
            ops.push(Op::Gt(v));
        }
        if let Some(v) = c.lt {
            ops.push(Op::Lt(v));
        }
        if let Some(v) = c.level_at_least {
            ops.push(Op::LevelAtLeast(v));
        }
        if let Some(v) = &c.text_contains {
            ops.push(Op::TextContains(Box::new(memchr::memmem::Finder::new(v.as_bytes()).into_owned())));
        }
        if ops.len() != 1 {
            return Err(ConfigError::new(
                at,
                "give exactly one of equals, in, regex, exists, gt, lt, level_at_least, text_contains",
            ));
        }
        let op = ops.remove(0);
        let record_wide = matches!(op, Op::LevelAtLeast(_) | Op::TextContains(_));
        match (&c.field, record_wide) {
            (None, false) => {
                return Err(ConfigError::new(format!("{at}.field"), "is required with this operator"));
            }
            (Some(_), true) => {
                return Err(ConfigError::new(
                    format!("{at}.field"),
                    "is not used with level_at_least or text_contains",
                ));
            }
            _ => {}
        }
        Ok(Condition { field: c.field.clone(), op })
    }

    /// Validates a list of conditions at config path `at`.
    pub fn list(cs: &[ConditionConfig], at: &str) -> Result<Vec<Condition>, ConfigError> {
        cs.iter().enumerate().map(|(i, c)| Condition::new(c, &format!("{at}[{i}]"))).collect()
    }

    /// Whether the record meets the condition.
    pub fn holds(&self, rec: &Record<'_>, levels: &LevelSource) -> bool {
        match &self.op {
            Op::LevelAtLeast(min) => levels.level(rec).is_some_and(|l| l >= *min),
            Op::TextContains(f) => f.find(rec.source()).is_some(),
            op => {
                let value = self.field.as_deref().and_then(|f| rec.get_path(f));
                match (op, value) {
                    (Op::Exists(want), v) => v.is_some() == *want,
                    (_, None) => false,
                    (Op::Equals(want), Some(v)) => equals(&v, want),
                    (Op::OneOf(wants), Some(v)) => wants.iter().any(|w| equals(&v, w)),
                    (Op::Regex(re), Some(v)) => re.is_match(v.text().as_bytes()),
                    (Op::Gt(n), Some(v)) => v.number().is_some_and(|x| x > *n),
                    (Op::Lt(n), Some(v)) => v.number().is_some_and(|x| x < *n),
                    _ => false,
                }
            }
        }
    }
}

/// Whether every condition holds.
pub fn all_hold(cs: &[Condition], rec: &Record<'_>, levels: &LevelSource) -> bool {
    cs.iter().all(|c| c.holds(rec, levels))
}

fn equals(v: &Value<'_>, want: &Json) -> bool {
    match want {
        Json::String(s) => v.text_is(s),
        Json::Number(n) => v.number().zip(n.as_f64()).is_some_and(|(a, b)| a == b),
        Json::Bool(b) => v.raw() == if *b { &b"true"[..] } else { &b"false"[..] },
        Json::Null => v.raw() == b"null",
        other => serde_json::from_slice::<Json>(v.raw()).is_ok_and(|x| &x == other),
    }
}
