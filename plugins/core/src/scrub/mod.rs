//! Scrub: find PII and secrets in a record and redact them.
//!
//! Two mechanisms run in one pass:
//! - **detectors** (built-in and custom regexes) find values by their shape,
//!   anywhere in a record: string values, keys, numbers, plain text;
//! - **key rules** redact the value under a sensitive key (`password`,
//!   `headers.authorization`…) whatever it holds, in JSON and in `key=value`
//!   text alike, unless the key is on the allow list.
//!
//! A JSON record is scanned once with every detector (one multi-pattern
//! regex over the whole line), then walked token by token to place each match
//! inside its string and apply key rules; only the changed ranges are
//! rewritten. A line that is not valid JSON (truncated, invalid UTF-8, too
//! deep) is scrubbed as text: it is never passed on unscrubbed.

mod config;
pub(crate) mod detectors;
mod keys;
#[cfg(test)]
mod tests;

use std::borrow::Cow;
use std::ops::Range;

use hmac::{Hmac, Mac};
use regex_automata::meta;
use regex_automata::{Anchored, Input, PatternID, util::syntax};
use sha2::Sha256;

pub use config::{ActionConfig, ActionKind, CustomRule, DetectorSpec, KeyRule, Preset, ScrubConfig};
pub use detectors::DetectorName;
pub use keys::DEFAULT_KEYS;

use crate::config::ConfigError;
use crate::json::{self, Kind, NotJson, Scanner, Token};
use detectors::ScanGroup;
use keys::{KeySet, PathLike};

/// Largest compiled size accepted for one custom pattern, and for the set.
const REGEX_SIZE_LIMIT: usize = 4 << 20;
/// The label key-rule redactions are counted under.
pub const KEY_RULE_LABEL: &str = "SENSITIVE_KEY";

/// A resolved action.
#[derive(Debug, Clone)]
struct Action {
    kind: ActionKind,
    keep: usize,
    tag: String,
    /// Index into the redaction counters.
    label: usize,
    /// `[TAG]`, written once: masking is the common action, and formatting
    /// the tag per redaction cost more than the check that found it.
    masked: Vec<u8>,
}

impl Action {
    fn new(kind: ActionKind, keep: usize, tag: String, label: usize) -> Self {
        let masked = format!("[{tag}]").into_bytes();
        Action { kind, keep, tag, label, masked }
    }
}

/// What a pattern of the combined regex is.
#[derive(Debug, Clone)]
enum PatternKind {
    /// A detector with its check and action.
    Detector { check: detectors::Check, action: usize },
}

/// A confirmed match: the span to redact and the action that applies.
#[derive(Debug, Clone, Copy)]
struct Found {
    start: usize,
    end: usize,
    action: usize,
}

/// One combined regex and the patterns compiled into it.
#[derive(Debug)]
struct Group {
    /// The scan groups compiled into this regex, in priority order (see
    /// [`ScanGroup::pass`]).
    parts: Vec<Part>,
    regex: meta::Regex,
    cache: meta::Cache,
    patterns: Vec<PatternKind>,
}

/// A scan group's share of a [`Group`]'s patterns.
#[derive(Debug, Clone)]
struct Part {
    kind: ScanGroup,
    /// Its patterns' indices in the regex.
    patterns: Range<usize>,
}

/// Most scan groups one regex can hold (there are seven in all).
const MAX_PARTS: usize = 8;

impl Group {
    /// Whether the group's gate lets its regex scan `window` at all.
    fn may_match(&self, window: &[u8]) -> bool {
        self.parts.iter().any(|p| p.kind.may_match(window))
    }

    /// The part pattern `pid` belongs to.
    fn part_of(&self, pid: usize) -> usize {
        self.parts.iter().position(|p| p.patterns.contains(&pid)).unwrap_or(0)
    }
}

/// A byte range of the input and what replaces it.
#[derive(Debug)]
struct Edit {
    start: usize,
    end: usize,
    repl: Vec<u8>,
}

/// How the record was read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// A well-formed JSON document.
    Json,
    /// Anything else, scrubbed as text.
    Text,
}

/// A scrubbed record.
#[derive(Debug)]
pub struct Scrubbed<'a> {
    /// The record, borrowed when nothing changed.
    pub bytes: Cow<'a, [u8]>,
    /// How it was read.
    pub format: Format,
    /// It looked like JSON but was not, so it was scrubbed as text.
    pub fell_back: bool,
    /// The whole record was read token by token as one JSON document, so
    /// it is well-formed (a record with nothing to change is passed on
    /// unread, and this is false).
    pub parsed: bool,
}

/// The compiled scrub stage.
#[derive(Debug)]
pub struct Scrubber {
    groups: Vec<Group>,
    /// Scratch for merging the groups' matches.
    candidates: Vec<(Found, usize)>,
    actions: Vec<Action>,
    keys: KeySet<usize>,
    allow: KeySet<()>,
    hmac: Option<Hmac<Sha256>>,
    hash_len: usize,
    labels: Vec<String>,
    counts: Vec<u64>,
    /// Labels hit by the record in progress, committed when it completes.
    pending: Vec<usize>,
    /// Scanning a record as text: quoted JSON keys count as keys too.
    text_mode: bool,
    /// A text scrub met a `drop` action (a string value's member goes).
    text_dropped: bool,
    /// Scratch for the matches of one token.
    scratch: Vec<Found>,
    /// Scratch for a record's whole-line matches, and its walk's frames.
    found: Vec<Found>,
    frames: Vec<Frame>,
    /// The walk's key path, kept between records with its buffers.
    path: PathStack,
    /// The user patterns' actions are the first this many: only their
    /// matches can hold a `'` (see [`unsettles_in_string`]).
    custom_actions: usize,
}

impl Scrubber {
    /// Compiles a `scrub` section. Errors name the offending field.
    pub fn new(cfg: &ScrubConfig) -> Result<Self, ConfigError> {
        Self::build(cfg, true)
    }

    /// `fuse: false` gives every scan group its own regex, the reference
    /// the fused passes are tested against.
    fn build(cfg: &ScrubConfig, fuse: bool) -> Result<Self, ConfigError> {
        let pass = |g: ScanGroup| if fuse { g.pass() } else { g as u8 };
        let mut labels: Vec<String> = Vec::new();
        let mut label_of = |name: &str| -> usize {
            match labels.iter().position(|l| l == name) {
                Some(i) => i,
                None => {
                    labels.push(name.to_owned());
                    labels.len() - 1
                }
            }
        };
        let mut actions: Vec<Action> = Vec::new();
        // (group, source, kind) of every pattern, grouped at the end.
        let mut parts: Vec<(ScanGroup, String, PatternKind)> = Vec::new();
        let default_keep = 4;
        let mut uses_hash = None;

        // Custom rules first: where they overlap a built-in, the user's wins.
        for (i, rule) in cfg.custom.iter().enumerate() {
            let at = |field: &str| format!("scrub.custom[{i}].{field}");
            if rule.name.is_empty() || !rule.name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_') {
                return Err(ConfigError::new(at("name"), "use letters, digits and '_' only"));
            }
            build_regex(std::slice::from_ref(&rule.pattern), true)
                .map_err(|e| ConfigError::new(at("pattern"), e))?;
            if rule.action == ActionKind::Hash {
                uses_hash.get_or_insert(at("action"));
            }
            actions.push(Action::new(
                rule.action,
                rule.keep.unwrap_or(default_keep),
                rule.tag.clone().unwrap_or_else(|| rule.name.clone()),
                label_of(&rule.name),
            ));
            let kind = PatternKind::Detector { check: detectors::accept, action: actions.len() - 1 };
            parts.push((ScanGroup::Custom, rule.pattern.clone(), kind));
        }

        let mut enabled: Vec<DetectorName> = match cfg.preset {
            Preset::Default => detectors::DEFAULT_PRESET.to_vec(),
            Preset::Strict => DetectorName::ALL.to_vec(),
            Preset::None => Vec::new(),
        };
        enabled.extend(cfg.detectors.iter().map(|d| d.name));
        enabled.retain(|d| !cfg.disable.contains(d));
        // Counters in the detectors' order; patterns in scan order.
        for d in DetectorName::ALL.iter().filter(|d| enabled.contains(d)) {
            label_of(d.as_str());
        }
        for d in detectors::SCAN_ORDER.iter().copied().filter(|d| enabled.contains(d)) {
            let spec = cfg.detectors.iter().rev().find(|s| s.name == d).and_then(|s| s.action.clone());
            let (ac, source) = match (spec, cfg.actions.get(&d)) {
                (Some(a), _) => (a, format!("scrub.detectors ({d})")),
                (None, Some(a)) => (a.clone(), format!("scrub.actions.{d}")),
                (None, None) => (
                    ActionConfig { action: cfg.default_action, ..ActionConfig::default() },
                    "scrub.default_action".to_owned(),
                ),
            };
            if ac.action == ActionKind::Hash {
                uses_hash.get_or_insert(source);
            }
            actions.push(Action::new(
                ac.action,
                ac.keep.unwrap_or(default_keep),
                ac.tag.unwrap_or_else(|| d.as_str().to_owned()),
                label_of(d.as_str()),
            ));
            for (group, source) in d.parts() {
                let kind = PatternKind::Detector { check: d.check(), action: actions.len() - 1 };
                parts.push((*group, (*source).to_owned(), kind));
            }
        }
        for name in cfg.actions.keys() {
            if !enabled.contains(name) {
                return Err(ConfigError::new(
                    format!("scrub.actions.{name}"),
                    "this detector is not switched on; add it to scrub.detectors",
                ));
            }
        }

        // Key rules: the user's first, then the preset's.
        let mut keys = KeySet::new();
        let key_label = label_of(KEY_RULE_LABEL);
        for (i, rule) in cfg.keys.iter().enumerate() {
            if rule.path.is_empty() || rule.path.split('.').any(str::is_empty) {
                return Err(ConfigError::new(format!("scrub.keys[{i}]"), "empty key or path segment"));
            }
            let ac = rule
                .action
                .clone()
                .unwrap_or(ActionConfig { action: cfg.default_action, ..Default::default() });
            if ac.action == ActionKind::Hash {
                uses_hash.get_or_insert(format!("scrub.keys[{i}].action"));
            }
            actions.push(Action::new(
                ac.action,
                ac.keep.unwrap_or(default_keep),
                ac.tag.unwrap_or_else(|| "REDACTED".to_owned()),
                key_label,
            ));
            keys.insert(&rule.path, actions.len() - 1);
        }
        if cfg.preset != Preset::None {
            if cfg.default_action == ActionKind::Hash {
                uses_hash.get_or_insert("scrub.default_action".to_owned());
            }
            actions.push(Action::new(cfg.default_action, default_keep, "REDACTED".to_owned(), key_label));
            let preset_action = actions.len() - 1;
            for k in DEFAULT_KEYS.iter().filter(|k| !cfg.disable_keys.iter().any(|d| d == *k)) {
                keys.insert(k, preset_action);
            }
        }
        let mut allow = KeySet::new();
        for k in &cfg.allow_keys {
            allow.insert(k, ());
        }

        let hash_len = cfg.hash_length.unwrap_or(16);
        if !(8..=64).contains(&hash_len) {
            return Err(ConfigError::new("scrub.hash_length", "must be between 8 and 64"));
        }
        let hmac = match (&cfg.hash_key, uses_hash) {
            (Some(key), _) if key.len() < 16 => {
                return Err(ConfigError::new("scrub.hash_key", "must be at least 16 bytes long"));
            }
            (Some(key), _) => Some(
                Hmac::<Sha256>::new_from_slice(key.as_bytes())
                    .map_err(|_| ConfigError::new("scrub.hash_key", "is not a usable HMAC key"))?,
            ),
            (None, Some(user)) => {
                return Err(ConfigError::new(
                    "scrub.hash_key",
                    format!("is required because {user} uses the hash action"),
                ));
            }
            (None, None) => None,
        };

        // Stable: a group's patterns keep the detectors' order.
        parts.sort_by_key(|(g, _, _)| (pass(*g), *g));
        let mut groups: Vec<Group> = Vec::new();
        for chunk in parts.chunk_by(|a, b| pass(a.0) == pass(b.0)) {
            let sources: Vec<&str> = chunk.iter().map(|(_, s, _)| s.as_str()).collect();
            let mut group_parts: Vec<Part> = Vec::new();
            for (i, (g, _, _)) in chunk.iter().enumerate() {
                match group_parts.last_mut() {
                    Some(last) if last.kind == *g => last.patterns.end = i + 1,
                    _ => group_parts.push(Part { kind: *g, patterns: i..i + 1 }),
                }
            }
            let prefilter = group_parts.iter().all(|p| p.kind.wants_prefilter());
            let regex = build_regex(&sources, prefilter).map_err(|e| ConfigError::new("scrub", e))?;
            groups.push(Group {
                parts: group_parts,
                cache: regex.create_cache(),
                regex,
                patterns: chunk.iter().map(|(_, _, k)| k.clone()).collect(),
            });
        }
        let counts = vec![0; labels.len()];
        Ok(Scrubber {
            groups,
            candidates: Vec::new(),
            actions,
            keys,
            allow,
            hmac,
            hash_len,
            labels,
            counts,
            pending: Vec::new(),
            text_mode: false,
            text_dropped: false,
            scratch: Vec::new(),
            found: Vec::new(),
            frames: Vec::new(),
            path: PathStack::default(),
            custom_actions: cfg.custom.len(),
        })
    }

    /// Runs only the regex passes a scrub of `hay` would run (the same
    /// compiled regexes behind the same gates), stepping from each leftmost
    /// match to the next, with no check, key rule, JSON walk or edit; returns
    /// the number of raw matches. For the engine bench's floor row: what the
    /// regex engine alone costs on a sample, measured in the same run as the
    /// scrub itself.
    #[doc(hidden)]
    pub fn regex_passes_only(&mut self, hay: &[u8]) -> usize {
        let mut n = 0;
        for g in &mut self.groups {
            if !g.may_match(hay) {
                continue;
            }
            let mut at = 0;
            while at < hay.len() {
                let Some(m) = g.regex.search_with(&mut g.cache, &Input::new(hay).range(at..)) else { break };
                n += 1;
                at = m.end().max(m.start() + 1);
            }
        }
        n
    }

    /// Redactions so far, per detector name (key rules as `SENSITIVE_KEY`).
    pub fn redactions(&self) -> impl Iterator<Item = (&str, u64)> {
        self.labels.iter().map(String::as_str).zip(self.counts.iter().copied())
    }

    /// Scrubs one record.
    pub fn scrub<'a>(&mut self, input: &'a [u8]) -> Scrubbed<'a> {
        self.pending.clear();
        let first = input.iter().find(|b| !b.is_ascii_whitespace()).copied();
        let mut fell_back = false;
        if matches!(first, Some(b'{' | b'[')) {
            if all_ascii(input) || std::str::from_utf8(input).is_ok() {
                // Kept between records, like the frame stack.
                let mut found = std::mem::take(&mut self.found);
                found.clear();
                self.find_all(input, 0..input.len(), &mut found);
                // Nothing matched, no key is sensitive and no string has
                // escapes: the walk could change nothing (and as text,
                // neither could the scan).
                let unchanged = found.is_empty()
                    && memchr::memchr(b'\\', input).is_none()
                    && !json_keys_may_match(&self.keys, input);
                if unchanged {
                    self.found = found;
                    // Not parsed, so only a cut-off document is caught here
                    // (the usual broken line): it counts as a fallback and
                    // reads as text downstream. The bytes are the same either way.
                    let last = input.iter().rev().find(|b| !b.is_ascii_whitespace()).copied();
                    let closed = last == Some(if first == Some(b'{') { b'}' } else { b']' });
                    let format = if closed { Format::Json } else { Format::Text };
                    return Scrubbed {
                        bytes: Cow::Borrowed(input),
                        format,
                        fell_back: !closed,
                        parsed: false,
                    };
                }
                let attempt = self.scrub_json(input, Some(&found));
                self.found = found;
                let attempt = match attempt {
                    Err(JsonFail::Crossing) => {
                        self.pending.clear();
                        self.scrub_json(input, None)
                    }
                    other => other,
                };
                match attempt {
                    Ok(edits) => {
                        self.commit();
                        return Scrubbed {
                            bytes: apply(input, edits),
                            format: Format::Json,
                            fell_back,
                            parsed: true,
                        };
                    }
                    Err(_) => self.pending.clear(),
                }
            }
            fell_back = true;
        }
        let bytes = self.settle_text(input);
        self.commit();
        Scrubbed { bytes, format: Format::Text, fell_back, parsed: false }
    }

    /// Scrubs `input` as text, to a fixpoint: the labels it hits are left
    /// pending for the caller to commit.
    ///
    /// A redaction that swallowed a quote or a line break (its own value ran
    /// past one, or two overlapping matches merged) changes how the rest of
    /// the line reads: a second scrub would see a value left open and redact
    /// more. The result is scrubbed again until nothing changes, so scrubbing
    /// twice equals scrubbing once.
    fn settle_text<'i>(&mut self, input: &'i [u8]) -> Cow<'i, [u8]> {
        let edits = self.scrub_text(input, &[]);
        let unsettled = edits.iter().any(|e| unsettles(input, e.start, e.end));
        if !unsettled {
            return apply(input, edits);
        }
        let (mut out, mut done) = apply_tracked(input, edits, &[]);
        for _ in 0..SETTLE_PASSES {
            let edits = self.scrub_text(&out, &done);
            if edits.is_empty() {
                break;
            }
            (out, done) = apply_tracked(&out, edits, &done);
        }
        Cow::Owned(out)
    }

    fn commit(&mut self) {
        for &l in &self.pending {
            self.counts[l] += 1;
        }
        self.pending.clear();
    }

    /// Text-mode edits for `input`. Matches lying wholly inside a `done`
    /// span (a replacement an earlier pass wrote) are left alone, so a hashed
    /// value is not hashed again; so are edits that would change nothing.
    fn scrub_text(&mut self, input: &[u8], done: &[Range<usize>]) -> Vec<Edit> {
        let mut found = Vec::new();
        self.text_mode = true;
        self.find_all(input, 0..input.len(), &mut found);
        self.text_mode = false;
        let mut edits = Vec::with_capacity(found.len());
        for f in &found {
            if done.iter().any(|d| d.start <= f.start && f.end <= d.end) {
                continue;
            }
            let action = &self.actions[f.action];
            let repl = match action.kind {
                ActionKind::Drop => {
                    self.text_dropped = true;
                    Vec::new()
                }
                _ => self.render(action, &input[f.start..f.end]).into_owned(),
            };
            if !done.is_empty() && repl == input[f.start..f.end] {
                continue;
            }
            self.pending.push(action.label);
            edits.push(Edit { start: f.start, end: f.end, repl });
        }
        edits
    }

    /// Every confirmed match in `hay[range]`, in order; overlaps are merged.
    ///
    /// Each group scans the range (when its gate allows) with leftmost-first
    /// semantics; a candidate that fails its check is retried one byte on.
    /// Across groups, the earliest match wins, then the group listed first.
    fn find_all(&mut self, hay: &[u8], range: Range<usize>, out: &mut Vec<Found>) {
        let mut cands = std::mem::take(&mut self.candidates);
        cands.clear();
        let window = &hay[range.clone()];
        for g in &mut self.groups {
            if g.may_match(window) {
                scan_span(g, hay, range.clone(), &mut cands);
            }
        }
        if !self.keys.is_empty() {
            // Key rules outrank detectors on the same span.
            key_values(&self.keys, &self.allow, hay, range.clone(), self.text_mode, &mut cands);
        }
        cands.sort_by_key(|(f, gi)| (f.start, *gi));
        // Overlapping matches merge into one redaction under the first's
        // action: dropping the later one would leave its tail in the clear
        // (`xoxb-…jane` then `jane.doe@…` must not leave `.doe@…`).
        let first = out.len();
        for (f, _) in &cands {
            let merged = out.len() > first;
            match out.last_mut() {
                Some(last) if merged && f.start < last.end => last.end = last.end.max(f.end),
                _ => out.push(*f),
            }
        }
        self.candidates = cands;
    }

    /// The replacement text for a value under `action` (not JSON-escaped);
    /// a mask borrows the action's tag.
    fn render<'s>(&'s self, action: &'s Action, value: &[u8]) -> Cow<'s, [u8]> {
        match action.kind {
            ActionKind::Mask | ActionKind::Drop => Cow::Borrowed(&action.masked),
            ActionKind::Partial => Cow::Owned(partial(value, action.keep)),
            ActionKind::Hash => {
                let Some(mac) = &self.hmac else {
                    return Cow::Borrowed(&action.masked);
                };
                let mut mac = mac.clone();
                mac.update(value);
                let digest = mac.finalize().into_bytes();
                const HEX: &[u8; 16] = b"0123456789abcdef";
                let mut out = Vec::with_capacity(action.tag.len() + self.hash_len + 3);
                out.push(b'[');
                out.extend_from_slice(action.tag.as_bytes());
                out.push(b':');
                for b in digest
                    .iter()
                    .flat_map(|b| [HEX[usize::from(b >> 4)], HEX[usize::from(b & 15)]])
                    .take(self.hash_len)
                {
                    out.push(b);
                }
                out.push(b']');
                Cow::Owned(out)
            }
        }
    }

    /// Walks a JSON record. `found` holds the whole-line matches; `None`
    /// rescans token by token (when a match straddled structure).
    fn scrub_json(&mut self, input: &[u8], found: Option<&[Found]>) -> Result<Vec<Edit>, JsonFail> {
        // The frame stack is kept between records: one allocation less each.
        let mut frames = std::mem::take(&mut self.frames);
        frames.clear();
        let mut path = std::mem::take(&mut self.path);
        path.clear();
        let walked = self.walk_json(input, found, &mut frames, &mut path);
        self.frames = frames;
        self.path = path;
        walked
    }

    fn walk_json(
        &mut self,
        input: &[u8],
        found: Option<&[Found]>,
        frames: &mut Vec<Frame>,
        path: &mut PathStack,
    ) -> Result<Vec<Edit>, JsonFail> {
        let per_token = found.is_none();
        let mut w = Walk { found: found.unwrap_or_default(), next: 0, per_token, edits: Vec::new() };
        let mut sc = Scanner::new(input);
        let mut skip: Option<Skip> = None;

        while let Some(tok) = sc.next_token()? {
            w.check_gap(&tok)?;
            if let Some(sk) = &skip {
                w.discard_inside(&tok)?;
                if matches!(tok.kind, Kind::ObjectEnd | Kind::ArrayEnd) && sc.depth() == sk.depth {
                    let sk = skip.take().ok_or(JsonFail::NotJson)?;
                    let dropped = self.replace_value(input, sk.start, tok.end, sk.action, false, &mut w);
                    member_end(frames.last_mut(), sk.member_start, tok.end, dropped, &mut w.edits);
                }
                continue;
            }
            match tok.kind {
                Kind::Key => {
                    let inside = w.take_inside(&tok)?;
                    if !inside.is_empty() || w.per_token || tok.escaped {
                        self.string_token(input, &tok, inside, &mut w)?;
                    }
                    let f = frames.last_mut().ok_or(JsonFail::NotJson)?;
                    f.member_start = tok.start - 1;
                    f.key = (tok.start, tok.end);
                    f.decoded.clear();
                    if tok.escaped {
                        f.decoded.extend_from_slice(json::unescape(&input[tok.start..tok.end]).as_bytes());
                    }
                }
                Kind::ObjectEnd | Kind::ArrayEnd => {
                    let f = frames.pop().ok_or(JsonFail::NotJson)?;
                    if let Some(r) = f.run_start {
                        w.edits.push(Edit { start: r, end: tok.start, repl: Vec::new() });
                    }
                    if f.pushed_path {
                        path.pop();
                    }
                    member_end(frames.last_mut(), f.outer_member_start, tok.end, false, &mut w.edits);
                }
                _ => {
                    let (member_start, key, parent_allowed) = match frames.last() {
                        Some(f) if f.is_obj => (f.member_start, Some(f.key_bytes(input)), f.allowed),
                        Some(f) => (tok.start, None, f.allowed),
                        None => (tok.start, None, false),
                    };
                    let segs = Segs(path.segs());
                    let container = matches!(tok.kind, Kind::ObjectStart | Kind::ArrayStart);
                    let inside = if container { 0..0 } else { w.take_inside(&tok)? };
                    // A scalar with no match in it needs the allow list only
                    // to veto a key rule, and the key rules are checked
                    // first: most members then cost one lookup, not two.
                    let rule = match key {
                        Some(k) if !parent_allowed => self.keys.find(&segs, k),
                        _ => None,
                    };
                    let busy = container
                        || rule.is_some()
                        || !inside.is_empty()
                        || w.per_token
                        || (tok.kind == Kind::String && tok.escaped);
                    let allowed =
                        parent_allowed || (busy && key.is_some_and(|k| self.allow.find(&segs, k).is_some()));
                    let rule = rule.filter(|_| !allowed);
                    if let Some(action) = rule {
                        if container {
                            skip =
                                Some(Skip { depth: sc.depth() - 1, start: tok.start, action, member_start });
                        } else {
                            let (s, e) = tok.outer();
                            let is_str = tok.kind == Kind::String;
                            let dropped = self.replace_value(input, s, e, action, is_str, &mut w);
                            member_end(frames.last_mut(), member_start, e, dropped, &mut w.edits);
                        }
                    } else if container {
                        let pushed_path = key.is_some();
                        if let Some(k) = key {
                            path.push(k);
                        }
                        frames.push(Frame {
                            is_obj: tok.kind == Kind::ObjectStart,
                            allowed,
                            pushed_path,
                            key: (0, 0),
                            decoded: Vec::new(),
                            member_start: tok.start,
                            outer_member_start: member_start,
                            last_kept_end: None,
                            run_start: None,
                        });
                    } else {
                        let dropped = match tok.kind {
                            _ if allowed || !busy => false,
                            Kind::String => self.string_token(input, &tok, inside, &mut w)?,
                            Kind::Number => self.number_token(input, &tok, inside, &mut w)?,
                            _ => false,
                        };
                        member_end(frames.last_mut(), member_start, tok.outer().1, dropped, &mut w.edits);
                    }
                }
            }
        }
        if w.next < w.found.len() {
            return Err(JsonFail::Crossing);
        }
        Ok(w.edits)
    }

    /// Applies a key rule to a whole value `input[s..e]`. Returns true when
    /// the member is to be dropped.
    fn replace_value(
        &mut self,
        input: &[u8],
        s: usize,
        e: usize,
        action: usize,
        is_str: bool,
        w: &mut Walk,
    ) -> bool {
        let action = &self.actions[action];
        self.pending.push(action.label);
        if action.kind == ActionKind::Drop {
            return true;
        }
        let raw = &input[s..e];
        let value: Cow<'_, str> =
            if is_str { json::unescape(&raw[1..raw.len() - 1]) } else { String::from_utf8_lossy(raw) };
        let repl = self.render(action, value.as_bytes());
        w.edits.push(Edit { start: s, end: e, repl: json::quote(&repl) });
        false
    }

    /// Detectors inside a string or key token. Returns true to drop the member.
    fn string_token(
        &mut self,
        input: &[u8],
        tok: &Token,
        inside: Range<usize>,
        w: &mut Walk,
    ) -> Result<bool, JsonFail> {
        let mut found = std::mem::take(&mut self.scratch);
        found.clear();
        found.extend_from_slice(&w.found[inside]);
        let result = self.string_token_with(input, tok, &mut found, w);
        self.scratch = found;
        Ok(result)
    }

    fn string_token_with(&mut self, input: &[u8], tok: &Token, found: &mut Vec<Found>, w: &mut Walk) -> bool {
        if !tok.escaped && w.per_token {
            self.find_all(input, tok.start..tok.end, found);
        }
        // A string is text. When it holds escapes (a JSON document logged as
        // a string, as Fluent Bit hands on a line that failed to parse:
        // `{"log": "{\"password\": …"}`), or its matches would read
        // differently once redacted (a merged match that stops mid-value),
        // its decoded text is scrubbed exactly as a text line is, quoted keys
        // and settling included, and escaped again.
        let unsettled = !tok.escaped
            && found
                .iter()
                .any(|f| unsettles_in_string(input, f.start, f.end, f.action < self.custom_actions));
        if tok.escaped || unsettled {
            let decoded = json::unescape(&input[tok.start..tok.end]);
            let text = decoded.as_bytes();
            self.text_dropped = false;
            let out = self.settle_text(text);
            if let Cow::Borrowed(_) = out {
                return false;
            }
            // A `drop` match drops the member, as it does outside escapes.
            if self.text_dropped && tok.kind != Kind::Key {
                return true;
            }
            let mut repl = Vec::with_capacity(out.len() + 8);
            json::escape_into(&mut repl, &out);
            w.edits.push(Edit { start: tok.start, end: tok.end, repl });
            return false;
        }
        for f in found.iter() {
            let action = &self.actions[f.action];
            self.pending.push(action.label);
            if action.kind == ActionKind::Drop && tok.kind != Kind::Key {
                return true;
            }
            let mut repl = Vec::new();
            json::escape_into(&mut repl, &self.render(action, &input[f.start..f.end]));
            w.edits.push(Edit { start: f.start, end: f.end, repl });
        }
        false
    }

    /// Detectors over a number (a card number logged as a JSON number).
    fn number_token(
        &mut self,
        input: &[u8],
        tok: &Token,
        inside: Range<usize>,
        w: &mut Walk,
    ) -> Result<bool, JsonFail> {
        let mut found = w.found.get(inside.start).filter(|_| !inside.is_empty()).copied();
        if w.per_token {
            let mut scratch = std::mem::take(&mut self.scratch);
            scratch.clear();
            self.find_all(input, tok.start..tok.end, &mut scratch);
            found = scratch.first().copied();
            self.scratch = scratch;
        }
        let Some(f) = found else {
            return Ok(false);
        };
        let action = &self.actions[f.action];
        self.pending.push(action.label);
        if action.kind == ActionKind::Drop {
            return Ok(true);
        }
        let repl = json::quote(&self.render(action, &input[tok.start..tok.end]));
        w.edits.push(Edit { start: tok.start, end: tok.end, repl });
        Ok(false)
    }
}

/// Why the JSON path gave up.
#[derive(Debug)]
enum JsonFail {
    /// Not a JSON document: scrub as text.
    NotJson,
    /// A whole-line match straddles tokens: rescan token by token.
    Crossing,
}

impl From<NotJson> for JsonFail {
    fn from(_: NotJson) -> Self {
        JsonFail::NotJson
    }
}

/// One open container.
#[derive(Debug)]
struct Frame {
    is_obj: bool,
    /// Under an allow-listed key: nothing below is scrubbed.
    allowed: bool,
    pushed_path: bool,
    /// The current member's key (objects): its raw span in the input, and
    /// its decoded text when it holds escapes.
    key: (usize, usize),
    decoded: Vec<u8>,
    /// Where the current member starts (its key's quote, or the value).
    member_start: usize,
    /// Where this container starts as a member of its parent.
    outer_member_start: usize,
    /// End of the last member kept (or of the removed range after it).
    last_kept_end: Option<usize>,
    /// Start of a run of dropped members that no kept member precedes.
    run_start: Option<usize>,
}

impl Frame {
    fn key_bytes<'i>(&'i self, input: &'i [u8]) -> &'i [u8] {
        if self.decoded.is_empty() { &input[self.key.0..self.key.1] } else { &self.decoded }
    }
}

/// A container value being replaced whole by a key rule.
#[derive(Debug)]
struct Skip {
    depth: usize,
    start: usize,
    action: usize,
    member_start: usize,
}

/// The walk's match cursor and edits.
#[derive(Debug)]
struct Walk<'f> {
    found: &'f [Found],
    next: usize,
    per_token: bool,
    edits: Vec<Edit>,
}

impl Walk<'_> {
    /// A match that began before this token and was not placed inside a
    /// token straddles structure: the whole-line pass can't place it.
    fn check_gap(&self, tok: &Token) -> Result<(), JsonFail> {
        match self.found.get(self.next) {
            Some(f) if f.start < tok.outer().0 => Err(JsonFail::Crossing),
            _ => Ok(()),
        }
    }

    /// Takes the matches inside `tok`'s content: their indices in `found`.
    fn take_inside(&mut self, tok: &Token) -> Result<Range<usize>, JsonFail> {
        let first = self.next;
        while let Some(f) = self.found.get(self.next) {
            if f.start >= tok.end {
                break;
            }
            if f.start < tok.start || f.end > tok.end {
                return Err(JsonFail::Crossing);
            }
            self.next += 1;
        }
        Ok(first..self.next)
    }

    fn discard_inside(&mut self, tok: &Token) -> Result<(), JsonFail> {
        self.take_inside(tok).map(drop)
    }
}

/// Records the end of a member of `parent`, and removes it when dropped
/// (with its comma, so the document stays valid).
fn member_end(
    parent: Option<&mut Frame>,
    member_start: usize,
    value_end: usize,
    dropped: bool,
    edits: &mut Vec<Edit>,
) {
    let Some(p) = parent else {
        if dropped {
            // The whole document is the dropped value: keep it well-formed.
            edits.push(Edit { start: member_start, end: value_end, repl: b"null".to_vec() });
        }
        return;
    };
    if dropped {
        match p.last_kept_end {
            Some(k) => {
                edits.push(Edit { start: k, end: value_end, repl: Vec::new() });
                p.last_kept_end = Some(value_end);
            }
            None => {
                p.run_start.get_or_insert(member_start);
            }
        }
    } else {
        if let Some(r) = p.run_start.take() {
            edits.push(Edit { start: r, end: member_start, repl: Vec::new() });
        }
        p.last_kept_end = Some(value_end);
    }
}

/// The keys of the enclosing objects (decoded), outermost first. Popped
/// segments keep their buffers, so a record's walk allocates only for a
/// path deeper or a key longer than an earlier record's.
#[derive(Debug, Default)]
struct PathStack {
    segs: Vec<Vec<u8>>,
    len: usize,
}

impl PathStack {
    fn clear(&mut self) {
        self.len = 0;
    }

    fn push(&mut self, key: &[u8]) {
        match self.segs.get_mut(self.len) {
            Some(seg) => {
                seg.clear();
                seg.extend_from_slice(key);
            }
            None => self.segs.push(key.to_vec()),
        }
        self.len += 1;
    }

    fn pop(&mut self) {
        self.len = self.len.saturating_sub(1);
    }

    fn segs(&self) -> &[Vec<u8>] {
        &self.segs[..self.len]
    }
}

struct Segs<'a>(&'a [Vec<u8>]);

impl PathLike for Segs<'_> {
    fn len(&self) -> usize {
        self.0.len()
    }
    fn seg(&self, i: usize) -> &[u8] {
        &self.0[i]
    }
}

/// Finds `key=value`, `key: value`, `key="quoted"` and header-style
/// `Authorization: Bearer token` pairs whose key is sensitive, in text,
/// query strings and string values. A scan for `=` and `:` instead of a
/// regex: separators are rare, and most are JSON's `":`, skipped at once.
fn key_values(
    keys: &KeySet<usize>,
    allow: &KeySet<()>,
    hay: &[u8],
    range: Range<usize>,
    json_keys: bool,
    out: &mut Vec<(Found, usize)>,
) {
    let window = &hay[range.clone()];
    for rel in memchr::memchr2_iter(b'=', b':', window) {
        let sep = range.start + rel;
        if json_keys
            && hay[sep] == b':'
            && let Some(f) = quoted_key_value(keys, allow, hay, range.clone(), sep)
        {
            out.push((f, 0));
            continue;
        }
        // The key: name characters right before the separator.
        let mut ks = sep;
        // No length cap: a cut-off key would read differently once a match
        // inside it is replaced, and scrubbing must be idempotent.
        while ks > range.start && is_key_byte(hay[ks - 1]) {
            ks -= 1;
        }
        if ks == sep || !(hay[ks].is_ascii_alphabetic() || hay[ks] == b'_') {
            continue;
        }
        // As `\b` would: the key starts a word.
        if ks > 0 && (hay[ks - 1].is_ascii_alphanumeric() || hay[ks - 1] == b'_') {
            continue;
        }
        let key = &hay[ks..sep];
        // The key's dotted segments, without an allocation for the usual
        // few (this runs at every `=` and `:` of a text line).
        let mut small: [&[u8]; 8] = [&[]; 8];
        let mut n = 0;
        for seg in key.split(|&b| b == b'.') {
            if n == small.len() {
                n += 1;
                break;
            }
            small[n] = seg;
            n += 1;
        }
        let long: Vec<&[u8]>;
        let path: &[&[u8]] = if n <= small.len() {
            &small[..n]
        } else {
            long = key.split(|&b| b == b'.').collect();
            &long
        };
        let Some((last, parents)) = path.split_last() else { continue };
        let Some(action) = sensitive(keys, allow, parents, last) else { continue };
        if hay[sep] == b':' && PROSE_KEYS.iter().any(|k| last.eq_ignore_ascii_case(k.as_bytes())) {
            continue;
        }
        // `PWD=/root` in sudo lines and environment dumps is the working
        // directory (the variable is upper case); `pwd=` still counts.
        if key == b"PWD" {
            continue;
        }
        let mut vs = sep + 1;
        if hay[sep] == b':' && hay.get(vs) == Some(&b' ') {
            vs += 1;
        }
        if let Some((s, e)) =
            value_span(hay, vs, range.end).filter(|&(s, e)| !is_redacted(&hay[s..e]) && !is_flag(&hay[s..e]))
        {
            // Priority 0: ahead of every detector group.
            out.push((Found { start: s, end: e, action }, 0));
        }
    }
}

/// Keys that carry a credential after `=` (`sessionid=…` in a cookie or a
/// query) but label a number in prose after `:` (Windows CBS's
/// `Session: 30546173_4261722401`, ZooKeeper's `sessionid: 0x14ede63a5a7`).
/// In text they count only with `=`; as JSON keys, and in quoted
/// `"session": …` pairs, they always count. The names that say what they
/// hold (`session_id`, `session_token`, `PHPSESSID`, `JSESSIONID`) count
/// with either separator.
const PROSE_KEYS: &[&str] = &["session", "sessionid"];

/// In a line that looked like JSON but was not (truncated, invalid UTF-8,
/// trailing text, too deep), `"password": "…"` must still be redacted: the
/// quoted key before `sep`, and its value — a string (to its closing quote,
/// or to the end when cut off), a bracketed value, or a bare word.
fn quoted_key_value(
    keys: &KeySet<usize>,
    allow: &KeySet<()>,
    hay: &[u8],
    range: Range<usize>,
    sep: usize,
) -> Option<Found> {
    let mut q = sep;
    while q > range.start && matches!(hay[q - 1], b' ' | b'\t') {
        q -= 1;
    }
    if q == range.start || hay[q - 1] != b'"' {
        return None;
    }
    let close = q - 1;
    let open = memchr::memrchr(b'"', &hay[range.start..close])? + range.start;
    let key = &hay[open + 1..close];
    let action = sensitive(keys, allow, &[][..], key)?;
    let mut vs = sep + 1;
    while vs < range.end && matches!(hay[vs], b' ' | b'\t') {
        vs += 1;
    }
    let first = *hay.get(vs).filter(|_| vs < range.end)?;
    let (s, e) = match first {
        b'"' => {
            // A raw line break ends a broken string as it ends a text line
            // (JSON strings cannot hold one), as in `value_span`.
            let mut i = vs + 1;
            while i < range.end && hay[i] != b'"' && hay[i] != b'\n' {
                i += if hay[i] == b'\\' && hay.get(i + 1) != Some(&b'\n') { 2 } else { 1 };
            }
            let i = i.min(range.end);
            let closed = i < range.end && hay[i] == b'"';
            (vs + 1, unclosed_end(hay, vs + 1, i, closed))
        }
        b'{' | b'[' => {
            let mut depth = 0usize;
            let mut i = vs;
            while i < range.end {
                match hay[i] {
                    b'{' | b'[' => depth += 1,
                    b'}' | b']' => {
                        depth -= 1;
                        if depth == 0 {
                            i += 1;
                            break;
                        }
                    }
                    _ => {}
                }
                i += 1;
            }
            let i = i.min(range.end);
            (vs, unclosed_end(hay, vs, i, depth == 0))
        }
        _ => {
            let len = hay[vs..range.end]
                .iter()
                .position(|b| matches!(b, b',' | b'}' | b']') || b.is_ascii_whitespace());
            (vs, len.map_or(range.end, |l| vs + l))
        }
    };
    (s < e && !is_redacted(&hay[s..e])).then_some(Found { start: s, end: e, action })
}

/// Where a quoted or bracketed value that stopped at `stop` ends: there, if
/// it was `closed`; an unclosed one runs on to the end of its line or the
/// record (fail closed: a cut-off secret is still a secret) but leaves the
/// trailing whitespace, so the line break that ended it survives and
/// scrubbing the result again finds just the tag.
fn unclosed_end(hay: &[u8], start: usize, stop: usize, closed: bool) -> usize {
    if closed {
        return stop;
    }
    let mut e = stop;
    while e > start && hay[e - 1].is_ascii_whitespace() {
        e -= 1;
    }
    e
}

/// A value that is already one of our tags (`[REDACTED]`,
/// `[EMAIL_ADDRESS:1f0c…]`) is left as it is, so scrubbing twice changes
/// nothing. (`partial` output is not recognised: a real value may start
/// with stars, and a leak is worse than a second masking.)
pub(crate) fn is_redacted(v: &[u8]) -> bool {
    v.len() >= 3
        && v[0] == b'['
        && v[v.len() - 1] == b']'
        && v[1..v.len() - 1]
            .iter()
            .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || matches!(b, b'_' | b':' | b'a'..=b'f'))
}

/// A yes/no value (`Elevated Token: Yes` in Windows event 4624, `token=none`)
/// holds no secret: in text it is left as it is.
fn is_flag(v: &[u8]) -> bool {
    ["yes", "no", "true", "false", "none", "null", "n/a", "-", "%%1842", "%%1843"]
        .iter()
        .any(|f| v.eq_ignore_ascii_case(f.as_bytes()))
}

/// The key rule for `key` under `path`, unless the allow list covers it.
fn sensitive(keys: &KeySet<usize>, allow: &KeySet<()>, path: &[&[u8]], key: &[u8]) -> Option<usize> {
    if allow.find(path, key).is_some() { None } else { keys.find(path, key) }
}

fn is_key_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'_' | b'.' | b'-')
}

/// The value after a separator: a quoted string (quotes excluded), or an
/// optional auth scheme and one token up to whitespace or `& , ; " ' < >`.
fn value_span(hay: &[u8], vs: usize, end: usize) -> Option<(usize, usize)> {
    let first = *hay.get(vs).filter(|_| vs < end)?;
    if first == b'"' || first == b'\'' {
        // To the closing quote, escapes skipped; an unclosed value runs to
        // the end of the line (fail closed: a cut-off secret is still a secret).
        let mut i = vs + 1;
        while i < end && hay[i] != first && hay[i] != b'\n' {
            i += if hay[i] == b'\\' && hay.get(i + 1) != Some(&b'\n') { 2 } else { 1 };
        }
        let close = i.min(end);
        return (close > vs + 1).then_some((vs + 1, close));
    }
    let mut ve = vs;
    // `Bearer abc`: the scheme belongs to the value.
    let word_end = hay[vs..end].iter().position(|b| !b.is_ascii_alphabetic()).map_or(end, |p| vs + p);
    let word = &hay[vs..word_end];
    if ["bearer", "basic", "digest", "token"].iter().any(|w| word.eq_ignore_ascii_case(w.as_bytes()))
        && hay.get(word_end) == Some(&b' ')
    {
        ve = word_end;
        while ve < end && hay[ve] == b' ' {
            ve += 1;
        }
    }
    let tok_start = ve;
    // No length cap: a long token is redacted whole, never cut in two.
    while ve < end && !ends_value(hay[ve]) {
        ve += 1;
    }
    (ve > tok_start).then_some((vs, ve))
}

/// Whether any object key in the raw JSON `hay` could meet a key rule: each
/// `"name":` is checked by its last segment. Used to skip the token walk for
/// records that neither hold a match nor a sensitive key.
fn json_keys_may_match(keys: &KeySet<usize>, hay: &[u8]) -> bool {
    if keys.is_empty() {
        return false;
    }
    for colon in memchr::memchr_iter(b':', hay) {
        // `"key" :` — skip whitespace back to the closing quote.
        let mut q = colon;
        while q > 0 && matches!(hay[q - 1], b' ' | b'\t' | b'\r' | b'\n') {
            q -= 1;
        }
        if q == 0 || hay[q - 1] != b'"' {
            continue;
        }
        let close = q - 1;
        let Some(open) = memchr::memrchr(b'"', &hay[..close]) else { continue };
        if keys.may_match_last(&hay[open + 1..close]) {
            return true;
        }
    }
    false
}

/// A candidate inside one of our own tags (`[CREDIT_CARD:4111…]`) is output,
/// not input: leaving it keeps scrubbing idempotent.
fn inside_tag(hay: &[u8], s: usize, e: usize) -> bool {
    if s == 0 || hay[s - 1] != b':' || hay.get(e) != Some(&b']') {
        return false;
    }
    let head = &hay[..s - 1];
    match memchr::memrchr(b'[', head) {
        Some(open) => {
            head[open + 1..].iter().all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || *b == b'_')
        }
        None => false,
    }
}

/// `**** **** **** 1111`: keep the last `keep` letters or digits (never more
/// than half of them), star the others, keep separators.
fn partial(value: &[u8], keep: usize) -> Vec<u8> {
    let text = String::from_utf8_lossy(value);
    let alnum = text.chars().filter(|c| c.is_alphanumeric()).count();
    let keep = keep.min(alnum / 2);
    let mut kept = 0;
    let mut rev: Vec<char> = Vec::with_capacity(text.len());
    for c in text.chars().rev() {
        if c.is_alphanumeric() {
            if kept < keep {
                rev.push(c);
                kept += 1;
            } else {
                rev.push('*');
            }
        } else {
            rev.push(c);
        }
    }
    rev.iter().rev().collect::<String>().into_bytes()
}

/// Applies sorted, non-overlapping edits; edits inside an earlier removed
/// range are skipped (the range already removed them).
fn apply(input: &[u8], mut edits: Vec<Edit>) -> Cow<'_, [u8]> {
    if edits.is_empty() {
        return Cow::Borrowed(input);
    }
    edits.sort_by_key(|e| e.start);
    let mut out = Vec::with_capacity(input.len() + 32);
    let mut pos = 0;
    for e in edits {
        if e.start < pos {
            continue;
        }
        out.extend_from_slice(&input[pos..e.start]);
        out.extend_from_slice(&e.repl);
        pos = e.end;
    }
    out.extend_from_slice(&input[pos..]);
    Cow::Owned(out)
}

/// Whether every byte is ASCII. Most records are, and this settles it faster
/// than UTF-8 validation or `<[u8]>::is_ascii` (a word at a time): one OR
/// over the whole line, with no early exit, which the compiler turns into
/// SIMD (structlog sample, strict: 0.36 instructions per byte for the
/// validation, 0.43 for `is_ascii`, 0.1 for this).
fn all_ascii(input: &[u8]) -> bool {
    input.iter().fold(0u8, |acc, &b| acc | b) < 0x80
}

/// How many times text is scrubbed again after a redaction swallowed a quote
/// or a line break, or left a value open; each pass only grows redactions,
/// and one is the usual need.
const SETTLE_PASSES: usize = 4;

/// Whether redacting `input[start..end]` changes how the rest of the line
/// reads as text, so a second scrub would find more.
fn unsettles(input: &[u8], start: usize, end: usize) -> bool {
    swallows_structure(&input[start..end]) || leaves_value_open(input, start, end)
}

/// [`unsettles`] for a match inside a JSON string without escapes, which
/// can hold no `"` or line break (either would have ended the token). Of
/// `'`, only a user pattern's match can: no built-in pattern takes one, a
/// key rule's value stops at one, and merged matches are unions of those.
/// (Looking for it in every match cost 0.7 instructions per byte on the
/// Envoy access-log sample, whose lines hold several IP addresses.)
fn unsettles_in_string(input: &[u8], start: usize, end: usize, user_pattern: bool) -> bool {
    (user_pattern && input[start..end].contains(&b'\'')) || leaves_value_open(input, start, end)
}

/// Whether a redacted span held a character that delimits values in text.
fn swallows_structure(span: &[u8]) -> bool {
    memchr::memchr3(b'"', b'\'', b'\n', span).is_some()
}

/// Whether a redaction of `input[start..end]` sits where a `key=value` value
/// starts but stops short of where that value ends. A detector match merged
/// into a value can end inside the value's token; on a second scrub the tag
/// and the rest of the token then read as one value, and a key rule would
/// redact the rest too.
fn leaves_value_open(input: &[u8], start: usize, end: usize) -> bool {
    let after_separator = match start.checked_sub(1).map(|i| input[i]) {
        Some(b'=' | b':') => true,
        Some(b' ') => start >= 2 && input[start - 2] == b':',
        _ => false,
    };
    after_separator && input.get(end).is_some_and(|&b| !ends_value(b))
}

/// Bytes that end an unquoted `key=value` value.
fn ends_value(b: u8) -> bool {
    b.is_ascii_whitespace() || matches!(b, b'&' | b',' | b';' | b'"' | b'\'' | b'<' | b'>')
}

/// Applies `edits` (sorted, not overlapping, as `find_all` yields them) and
/// returns the output with the spans its replacements and `done`'s surviving
/// spans occupy in it.
fn apply_tracked(input: &[u8], edits: Vec<Edit>, done: &[Range<usize>]) -> (Vec<u8>, Vec<Range<usize>>) {
    let mut out = Vec::with_capacity(input.len() + 32);
    let mut spans = Vec::with_capacity(edits.len() + done.len());
    let mut pos = 0;
    let mut shift: isize = 0;
    let mut old = done.iter().peekable();
    for e in edits {
        // Earlier replacements before this edit move by the shift so far;
        // ones this edit covers are replaced by it.
        while let Some(d) = old.next_if(|d| d.start < e.end) {
            if d.end <= e.start {
                spans.push(d.start.saturating_add_signed(shift)..d.end.saturating_add_signed(shift));
            }
        }
        out.extend_from_slice(&input[pos..e.start]);
        let at = out.len();
        out.extend_from_slice(&e.repl);
        spans.push(at..out.len());
        shift += e.repl.len() as isize - (e.end - e.start) as isize;
        pos = e.end;
    }
    for d in old {
        spans.push(d.start.saturating_add_signed(shift)..d.end.saturating_add_signed(shift));
    }
    out.extend_from_slice(&input[pos..]);
    (out, spans)
}

/// Leftmost-first matches of each part of a group in `span`, confirmed by
/// their checks, as if each part were scanned alone: one regex pass finds
/// where the next match of any part starts, and every part whose own scan
/// has reached that point takes its match there. A candidate that fails its
/// check is retried one byte on.
fn scan_span(g: &mut Group, hay: &[u8], span: Range<usize>, cands: &mut Vec<(Found, usize)>) {
    let n = g.parts.len().min(MAX_PARTS);
    // Where each part's own scan has got to.
    let mut cursor = [span.start; MAX_PARTS];
    loop {
        let at = cursor[..n].iter().copied().min().unwrap_or(span.end);
        if at >= span.end {
            break;
        }
        let input = Input::new(hay).range(at..span.end);
        let Some(m) = g.regex.search_with(&mut g.cache, &input) else { break };
        let (ms, pid) = (m.start(), m.pattern().as_usize());
        let winner = g.part_of(pid);
        for (k, c) in cursor[..n].iter_mut().enumerate() {
            if *c > ms {
                continue;
            }
            // No part matches between its cursor and `ms` (the regex found
            // the leftmost start of them all). At `ms`, the parts before the
            // winner have no match (their patterns come first and would have
            // won), the winner's is `m`, and a later part looks for its own.
            let first = match k.cmp(&winner) {
                std::cmp::Ordering::Less => None,
                std::cmp::Ordering::Equal => Some((pid, m.end())),
                std::cmp::Ordering::Greater => first_at(g, hay, ms, span.end, g.parts[k].patterns.clone()),
            };
            *c = match first {
                Some((pid, me)) => take_match(g, k, hay, ms, me, pid, span.end, cands),
                None => ms + 1,
            };
        }
    }
}

/// The leftmost-first match among `patterns` anchored at `ms`: the first of
/// them, in order, that matches there.
fn first_at(
    g: &mut Group,
    hay: &[u8],
    ms: usize,
    end: usize,
    patterns: Range<usize>,
) -> Option<(usize, usize)> {
    patterns.into_iter().find_map(|q| anchored_end(g, hay, q, ms, end).map(|me| (q, me)))
}

/// Where pattern `q`'s match anchored at `ms` ends, if it has one.
fn anchored_end(g: &mut Group, hay: &[u8], q: usize, ms: usize, end: usize) -> Option<usize> {
    let qid = PatternID::new(q).ok()?;
    let input = Input::new(hay).range(ms..end).anchored(Anchored::Pattern(qid));
    g.regex.search_with(&mut g.cache, &input).map(|m| m.end())
}

/// Confirms part `k`'s candidate `hay[ms..me]` of pattern `pid` and records
/// it under the part's priority; returns where that part's scan goes on.
#[allow(clippy::too_many_arguments)]
fn take_match(
    g: &mut Group,
    k: usize,
    hay: &[u8],
    ms: usize,
    me: usize,
    pid: usize,
    end: usize,
    cands: &mut Vec<(Found, usize)>,
) -> usize {
    if ms == me || inside_tag(hay, ms, me) {
        return ms + 1;
    }
    let (kind, last) = (g.parts[k].kind, g.parts[k].patterns.end);
    let mut confirmed = confirm(g, hay, pid, ms, me).map(|f| (f, me));
    if confirmed.is_none() {
        // Leftmost-first reports one pattern per start. When its check
        // fails, a later pattern of the part may still match from the same
        // start (a Luhn-failing card candidate `231-99-4022 0-99-4022` hides
        // the SSN at its head), and the retry one byte on can't see it.
        confirmed = (pid + 1..last).find_map(|q| {
            let qe = anchored_end(g, hay, q, ms, end).filter(|&qe| qe > ms)?;
            confirm(g, hay, q, ms, qe).map(|f| (f, qe))
        });
    }
    match confirmed {
        // The scan goes on where the confirmed match ends, not the
        // candidate: a check that kept only a head (`242220824022 0108` of
        // `242220824022 0108 300 02 0108`) leaves the tail unclaimed, and
        // a second scrub, seeing our tag before it, would find the SSN there.
        Some((f, _)) => {
            cands.push((f, kind.priority()));
            f.end.max(ms + 1)
        }
        None => ms + 1,
    }
}

/// Runs pattern `pid`'s check on the candidate `hay[ms..me]`.
fn confirm(g: &Group, hay: &[u8], pid: usize, ms: usize, me: usize) -> Option<Found> {
    let PatternKind::Detector { check, action } = &g.patterns[pid];
    check(hay, ms, me).map(|(start, end)| Found { start, end, action: *action }).filter(|f| f.start < f.end)
}

/// Builds the combined ASCII-mode regex (leftmost-first across patterns).
/// `prefilter` lets the regex skip ahead with a literal searcher; see
/// [`ScanGroup::wants_prefilter`] for when that costs more than it saves.
fn build_regex<S: AsRef<str>>(sources: &[S], prefilter: bool) -> Result<meta::Regex, String> {
    meta::Regex::builder()
        .syntax(syntax::Config::new().unicode(false).utf8(false))
        .configure(
            meta::Config::new()
                .nfa_size_limit(Some(REGEX_SIZE_LIMIT * 4))
                .onepass_size_limit(Some(REGEX_SIZE_LIMIT))
                .dfa_size_limit(Some(REGEX_SIZE_LIMIT))
                .hybrid_cache_capacity(8 << 20)
                .auto_prefilter(prefilter),
        )
        .build_many(sources)
        .map_err(|e| regex_error(&e))
}

/// A regex build error as a config message: the syntax error itself, or the
/// size limit that was hit.
pub(crate) fn regex_error(e: &meta::BuildError) -> String {
    match (e.syntax_error(), e.size_limit()) {
        (Some(se), _) => format!("invalid pattern: {se}"),
        (None, Some(limit)) => {
            format!(
                "pattern compiles larger than the {limit}-byte limit; simplify it (fewer or smaller repetitions)"
            )
        }
        _ => format!("invalid pattern: {e}"),
    }
}

/// A built-in detector's regex (ASCII mode; its check runs on each match).
pub fn detector_pattern(d: DetectorName) -> String {
    d.pattern()
}
