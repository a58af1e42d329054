//! The `scrub` section of the config document.

use std::collections::BTreeMap;
use std::fmt;

use schemars::JsonSchema;
use serde::de::{self, MapAccess, Visitor};
use serde::{Deserialize, Deserializer};

use super::detectors::DetectorName;

/// Which built-in detectors and key rules start switched on.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum Preset {
    /// Passwords and other sensitive keys, cards, SSNs, emails, tokens and secret keys.
    #[default]
    Default,
    /// Every built-in detector, phone numbers, IP addresses and IBANs included.
    Strict,
    /// Nothing: only what `detectors`, `keys` and `custom` name.
    None,
}

/// What happens to a matched value.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum ActionKind {
    /// Replace with a tag such as `[EMAIL_ADDRESS]`.
    #[default]
    Mask,
    /// Keep the last `keep` characters, star the other letters and digits
    /// (`**** **** **** 1111`).
    Partial,
    /// Replace with a keyed HMAC-SHA256, truncated (`[EMAIL_ADDRESS:1f0c…]`):
    /// equal values stay equal across hosts and restarts, so records still join.
    Hash,
    /// Remove the field that holds the value (in text: remove the match).
    Drop,
}

/// An action with its options, as written in the config.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ActionConfig {
    /// `mask`, `partial`, `hash` or `drop`.
    #[serde(default)]
    pub action: ActionKind,
    /// For `partial`: how many trailing characters to keep (default 4).
    #[serde(default)]
    pub keep: Option<usize>,
    /// The tag written by `mask` and `hash` (default: the detector's name,
    /// `REDACTED` for key rules).
    #[serde(default)]
    pub tag: Option<String>,
}

/// The `scrub` section.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ScrubConfig {
    /// The starting set of detectors and key rules: `default`, `strict` or `none`.
    #[serde(default)]
    pub preset: Preset,
    /// Built-in detectors to switch on in addition to the preset, by name
    /// (`"PHONE_NUMBER"`), or with an action
    /// (`{"name": "CREDIT_CARD", "action": "partial", "keep": 4}`).
    #[serde(default)]
    #[schemars(with = "Vec<DetectorSpecSchema>")]
    pub detectors: Vec<DetectorSpec>,
    /// Built-in detectors to switch off, by name.
    #[serde(default)]
    pub disable: Vec<DetectorName>,
    /// Sensitive keys in addition to the preset's: their values are redacted
    /// whatever they hold. Case-insensitive; `*` matches within a key, `**`
    /// matches any number of nesting levels; dotted paths match the end of a
    /// record's path (`payload.*.password`, `headers.authorization`). The
    /// same rules apply to `key=value` pairs in text and query strings.
    #[serde(default)]
    #[schemars(with = "Vec<KeyRuleSchema>")]
    pub keys: Vec<KeyRule>,
    /// Keys whose values are never scrubbed, with everything under them.
    /// Default: `request_id`, `trace_id`, `span_id`.
    #[serde(default = "default_allow_keys")]
    pub allow_keys: Vec<String>,
    /// Your own detectors: a name, a regex, and an action.
    #[serde(default)]
    pub custom: Vec<CustomRule>,
    /// The action for detectors and keys that name none (default `mask`).
    #[serde(default)]
    pub default_action: ActionKind,
    /// The HMAC key for `hash` actions. Required when any action is `hash`.
    /// It never appears in output, logs or errors.
    #[serde(default)]
    pub hash_key: Option<String>,
    /// Hex characters kept from a `hash` output (8 to 64, default 16).
    #[serde(default)]
    pub hash_length: Option<usize>,
    /// Key rules of the preset to leave out (by their exact pattern).
    #[serde(default)]
    pub disable_keys: Vec<String>,
    /// Per-detector actions without re-listing detectors:
    /// `{"EMAIL_ADDRESS": {"action": "hash"}}`.
    #[serde(default)]
    pub actions: BTreeMap<DetectorName, ActionConfig>,
}

pub(crate) fn default_allow_keys() -> Vec<String> {
    vec!["request_id".into(), "trace_id".into(), "span_id".into()]
}

/// A detector switched on, with an optional action.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DetectorSpec {
    /// The detector.
    pub name: DetectorName,
    /// Its action, when not the default.
    pub action: Option<ActionConfig>,
}

/// A sensitive-key rule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyRule {
    /// The key or path pattern.
    pub path: String,
    /// Its action, when not the default.
    pub action: Option<ActionConfig>,
}

/// A user-defined detector.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CustomRule {
    /// The name used in tags and metrics (`ORDER_TOKEN`): letters, digits, `_`.
    pub name: String,
    /// The regex (Rust syntax, ASCII mode: `\w` and `\b` are ASCII).
    pub pattern: String,
    /// What to do with a match (default `mask`).
    #[serde(default)]
    pub action: ActionKind,
    /// For `partial`: trailing characters kept (default 4).
    #[serde(default)]
    pub keep: Option<usize>,
    /// The tag written by `mask` and `hash` (default: `name`).
    #[serde(default)]
    pub tag: Option<String>,
}

/// Schema-only mirror of [`DetectorSpec`]'s two spellings.
#[derive(JsonSchema)]
#[serde(untagged)]
#[allow(dead_code)]
enum DetectorSpecSchema {
    Name(DetectorName),
    Full(DetectorSpecFull),
}

#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
struct DetectorSpecFull {
    /// The detector.
    name: DetectorName,
    /// `mask`, `partial`, `hash` or `drop`.
    #[serde(default)]
    action: ActionKind,
    /// For `partial`: trailing characters kept.
    #[serde(default)]
    keep: Option<usize>,
    /// The tag written by `mask` and `hash`.
    #[serde(default)]
    tag: Option<String>,
}

/// Schema-only mirror of [`KeyRule`]'s two spellings.
#[derive(JsonSchema)]
#[serde(untagged)]
#[allow(dead_code)]
enum KeyRuleSchema {
    Path(String),
    Full(KeyRuleFull),
}

#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
struct KeyRuleFull {
    /// The key or path pattern.
    path: String,
    /// `mask`, `partial`, `hash` or `drop`.
    #[serde(default)]
    action: ActionKind,
    /// For `partial`: trailing characters kept.
    #[serde(default)]
    keep: Option<usize>,
    /// The tag written by `mask` and `hash` (default `REDACTED`).
    #[serde(default)]
    tag: Option<String>,
}

/// A string, or an object that deserializes as `Full`: the two spellings of
/// list entries. Errors inside the object keep their field path.
struct StringOrObject<F>(std::marker::PhantomData<F>);

impl<'de, F: Deserialize<'de>> Visitor<'de> for StringOrObject<F> {
    type Value = Result<String, F>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a string or an object")
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
        Ok(Ok(v.to_owned()))
    }

    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
        F::deserialize(de::value::MapAccessDeserializer::new(map)).map(Err)
    }
}

impl<'de> Deserialize<'de> for DetectorSpec {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        match d.deserialize_any(StringOrObject::<DetectorSpecFull>(Default::default()))? {
            Ok(name) => Ok(DetectorSpec { name: name.parse().map_err(de::Error::custom)?, action: None }),
            Err(full) => Ok(DetectorSpec {
                name: full.name,
                action: Some(ActionConfig { action: full.action, keep: full.keep, tag: full.tag }),
            }),
        }
    }
}

impl<'de> Deserialize<'de> for KeyRule {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        match d.deserialize_any(StringOrObject::<KeyRuleFull>(Default::default()))? {
            Ok(path) => Ok(KeyRule { path, action: None }),
            Err(full) => Ok(KeyRule {
                path: full.path,
                action: Some(ActionConfig { action: full.action, keep: full.keep, tag: full.tag }),
            }),
        }
    }
}
