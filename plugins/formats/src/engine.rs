//! [`Records`] over the logsift engine: records through the full pipeline,
//! metadata and label values through a scrub-only one. Shared here so no
//! adapter has to copy the fail-closed rules.

use logsift_core::{Ctx, Outcome, Pipeline};
use serde_json::{Map, Value};

use crate::Records;

/// The engine as a [`Records`] sink.
#[derive(Debug)]
pub struct Engine<'a> {
    pipeline: &'a mut Pipeline,
    ctx: &'a mut Ctx,
    scrub_only: &'a mut Pipeline,
    scrub_ctx: Ctx,
}

impl<'a> Engine<'a> {
    /// Records go through `pipeline` with `ctx`; metadata and label values
    /// through `scrub_only` (the same `scrub` section and no other stage).
    pub fn new(pipeline: &'a mut Pipeline, ctx: &'a mut Ctx, scrub_only: &'a mut Pipeline) -> Self {
        let scrub_ctx = Ctx::new(ctx.now_nanos(), 1);
        Engine { pipeline, ctx, scrub_only, scrub_ctx }
    }
}

impl Records for Engine<'_> {
    fn record(&mut self, record: &[u8]) -> Option<Vec<u8>> {
        match self.pipeline.process(record, self.ctx) {
            Outcome::Keep(b) => Some(b.into_owned()),
            Outcome::Drop(_) => None,
        }
    }

    fn metadata(&mut self, fields: &Map<String, Value>) -> Map<String, Value> {
        let raw = serde_json::to_vec(fields).unwrap_or_default();
        let scrubbed = match self.scrub_only.process(&raw, &mut self.scrub_ctx) {
            Outcome::Keep(b) => serde_json::from_slice(&b).ok(),
            Outcome::Drop(_) => None,
        };
        // Fail closed: metadata that can't be scrubbed is not passed on.
        scrubbed.unwrap_or_else(|| fields.keys().map(|k| (k.clone(), "[REDACTED]".into())).collect())
    }

    fn value(&mut self, text: &str) -> String {
        // As a JSON string, so the value is scanned as a value (detectors),
        // never split as `key=value` text or lines.
        let raw = serde_json::to_vec(&serde_json::json!({ "v": text })).unwrap_or_default();
        let scrubbed = match self.scrub_only.process(&raw, &mut self.scrub_ctx) {
            Outcome::Keep(b) => serde_json::from_slice::<Value>(&b).ok(),
            Outcome::Drop(_) => None,
        };
        match scrubbed.as_ref().and_then(|v| v.get("v")) {
            Some(Value::String(s)) => s.clone(),
            Some(other) => other.to_string(),
            None => "[REDACTED]".into(),
        }
    }
}
