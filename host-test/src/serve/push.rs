//! `logsift serve` as a push gateway: `POST /loki/api/v1/push`, `/v1/logs`,
//! `/otlp/v1/logs` and `…/_bulk` take the body a shipper sends (Loki JSON or
//! protobuf + snappy, OTLP JSON or protobuf, gzip or not, `_bulk`, NDJSON),
//! rewrite it in its own format with `logsift_formats`, and forward it to
//! `--forward` followed by the request's path, with the request's headers
//! (content type and encoding, `X-Scope-OrgID`, `Authorization`, …) and the
//! backend's answer passed back. Without `--forward` the answer is the
//! rewritten body itself. A body the formats crate does not read is 415,
//! or goes on untouched when its path is under a `pass_through` prefix;
//! malformed protobuf, framing or compression 400; a decompression bomb 413.
//! OTLP/gRPC comes through the same [`rewrite`] from [`super::grpc`].
//!
//! The component is called in batches, as `/v1/process` does: a first walk
//! of the body collects its records (and Loki metadata and label values), the
//! component processes them in one call (metadata and values in a second,
//! scrub-only instance), and a second walk writes the answers back. The
//! walks see the same bytes, so they ask for the same records in the same
//! order; the answers are looked up by input all the same, and one that is
//! missing is asked for on its own.

use std::collections::{HashMap, VecDeque};
use std::io::Read;
use std::sync::atomic::Ordering;
use std::time::Duration;

use logsift_core::Outcome;
use logsift_formats::{Body, Records};
use serde_json::{Map, Value};
use tiny_http::{Method, Request, Response};

use super::{LINGER_BYTES, Shared, alert, header, keep_signals, lock, new_instance, text};
use crate::DriverError;
use crate::component::ComponentFilter;

/// The paths served as push routes.
pub(super) fn is_push_route(path: &str) -> bool {
    matches!(path, "/loki/api/v1/push" | "/v1/logs" | "/otlp/v1/logs") || path.ends_with("/_bulk")
}

/// Whether `path` is under a `pass_through` prefix: a body there that
/// logsift does not read goes on untouched instead of being refused (the
/// proxy-wasm ingest role's `proxy.pass_through`). Bodies it reads are
/// rewritten there as anywhere.
pub(super) fn passes_through(shared: &Shared, path: &str) -> bool {
    shared.opts.pass_through.iter().any(|p| !p.is_empty() && path.starts_with(p.as_str()))
}

/// Request headers that are about this hop, not the body: never forwarded.
fn hop_by_hop(name: &str) -> bool {
    matches!(
        name,
        "host"
            | "content-length"
            | "transfer-encoding"
            | "connection"
            | "keep-alive"
            | "te"
            | "trailer"
            | "upgrade"
            | "expect"
            | "proxy-authorization"
            | "proxy-connection"
    )
}

/// Pass one: what the body holds, answered unchanged.
#[derive(Default)]
struct Collect {
    records: Vec<Vec<u8>>,
    metadata: Vec<Vec<u8>>,
}

impl Records for Collect {
    fn record(&mut self, record: &[u8]) -> Option<Vec<u8>> {
        self.records.push(record.to_vec());
        Some(record.to_vec())
    }
    fn metadata(&mut self, fields: &Map<String, Value>) -> Map<String, Value> {
        self.metadata.push(serde_json::to_vec(fields).unwrap_or_default());
        fields.clone()
    }
    fn value(&mut self, text: &str) -> String {
        self.metadata.push(value_record(text));
        text.to_owned()
    }
}

/// A label value as a record: a JSON string, so it is scanned as a value
/// (detectors), never split as `key=value` text (as `logsift_formats::Engine` does).
fn value_record(text: &str) -> Vec<u8> {
    serde_json::to_vec(&serde_json::json!({ "v": text })).unwrap_or_default()
}

/// Pass two: the component's answers by input.
struct Replay<'a> {
    records: HashMap<Vec<u8>, VecDeque<Option<Vec<u8>>>>,
    metadata: HashMap<Vec<u8>, VecDeque<Option<Vec<u8>>>>,
    filter: &'a mut ComponentFilter,
    scrub_only: &'a mut ComponentFilter,
    /// A component call failed: the request fails, nothing is passed on.
    failed: Option<DriverError>,
}

fn kept(outcome: Outcome<'_>) -> Option<Vec<u8>> {
    match outcome {
        Outcome::Keep(b) => Some(b.into_owned()),
        Outcome::Drop(_) => None,
    }
}

fn answers(inputs: Vec<Vec<u8>>, outs: Vec<Outcome<'_>>) -> HashMap<Vec<u8>, VecDeque<Option<Vec<u8>>>> {
    let mut map: HashMap<Vec<u8>, VecDeque<Option<Vec<u8>>>> = HashMap::new();
    for (input, out) in inputs.into_iter().zip(outs) {
        map.entry(input).or_default().push_back(kept(out));
    }
    map
}

impl Replay<'_> {
    fn lookup(&mut self, input: &[u8], scrub_only: bool) -> Option<Vec<u8>> {
        let map = if scrub_only { &mut self.metadata } else { &mut self.records };
        if let Some(answer) = map.get_mut(input).and_then(VecDeque::pop_front) {
            return answer;
        }
        let filter = if scrub_only { &mut *self.scrub_only } else { &mut *self.filter };
        match filter.process(&[input.to_vec()]) {
            Ok(mut outs) => outs.pop().and_then(kept),
            Err(e) => {
                self.failed = Some(e);
                None
            }
        }
    }
}

impl Records for Replay<'_> {
    fn record(&mut self, record: &[u8]) -> Option<Vec<u8>> {
        self.lookup(record, false)
    }

    fn metadata(&mut self, fields: &Map<String, Value>) -> Map<String, Value> {
        let input = serde_json::to_vec(fields).unwrap_or_default();
        let scrubbed = self.lookup(&input, true).and_then(|b| serde_json::from_slice(&b).ok());
        // Fail closed: metadata that can't be scrubbed is not passed on.
        scrubbed.unwrap_or_else(|| fields.keys().map(|k| (k.clone(), "[REDACTED]".into())).collect())
    }

    fn value(&mut self, text: &str) -> String {
        let out = self.lookup(&value_record(text), true);
        match out.and_then(|b| serde_json::from_slice::<Value>(&b).ok()).as_ref().and_then(|v| v.get("v")) {
            Some(Value::String(s)) => s.clone(),
            Some(other) => other.to_string(),
            None => "[REDACTED]".into(),
        }
    }
}

pub(super) fn count_error(shared: &Shared, reason: &'static str) {
    *lock(&shared.counters.errors).entry(reason).or_default() += 1;
}

/// Answers one push.
pub(super) fn push(shared: &Shared, mut req: Request, path: &str) {
    if *req.method() != Method::Post {
        return text(shared, req, 405, "method not allowed");
    }
    let headers: Vec<(String, String)> = req
        .headers()
        .iter()
        .map(|h| (h.field.as_str().as_str().to_ascii_lowercase(), h.value.as_str().to_owned()))
        .collect();
    let get = |name: &str| headers.iter().find(|(k, _)| k == name).map_or("", |(_, v)| v.as_str());
    let detected = logsift_formats::detect(&logsift_formats::Headers {
        path,
        content_type: get("content-type"),
        content_encoding: get("content-encoding"),
        grpc_encoding: get("grpc-encoding"),
    });
    let body = match detected {
        Ok(b) => Some(b),
        Err(_) if passes_through(shared, path) => None,
        Err(why) => return refuse(shared, req, 415, "unsupported_format", &why.to_string()),
    };
    let max = shared.opts.max_body;
    if req.body_length().is_some_and(|n| n > max) {
        return refuse(shared, req, 413, "body_too_large", &format!("body larger than {max} bytes"));
    }
    let mut raw = Vec::new();
    if let Err(e) = req.as_reader().take(max as u64 + 1).read_to_end(&mut raw) {
        return text(shared, req, 400, &format!("reading body: {e}"));
    }
    if raw.len() > max {
        return refuse(shared, req, 413, "body_too_large", &format!("body larger than {max} bytes"));
    }
    let rewritten = match &body {
        Some(body) => rewrite(shared, body, &raw),
        // Listed as pass-through: not ours to read, on as sent.
        None => Ok((raw, 0)),
    };
    let (out, kept) = match rewritten {
        Ok(r) => r,
        Err(Failure::Format(e)) => {
            return text_counted(shared, req, e.status() as u16, e.reason(), &e.to_string());
        }
        Err(Failure::Component(e)) => return text(shared, req, 500, &format!("logsift component: {e}")),
    };

    let Some(base) = &shared.opts.forward else {
        return respond_like(shared, req, 200, &headers, out);
    };
    let target = format!("{}{}", base.trim_end_matches('/'), req.url());
    let pass: Vec<&(String, String)> = headers.iter().filter(|(k, _)| !hop_by_hop(k)).collect();
    match relay(shared, &target, &pass, &out) {
        Ok((status, content_type, answer)) => {
            if (200..300).contains(&status) {
                shared.counters.forwarded_records.fetch_add(kept, Ordering::Relaxed);
            }
            *lock(&shared.counters.requests).entry(status).or_default() += 1;
            let mut resp = Response::from_data(answer).with_status_code(status);
            if let Some(h) = content_type.and_then(|ct| header("Content-Type", &ct)) {
                resp.add_header(h);
            }
            let _ = req.respond(resp);
        }
        Err(e) => {
            shared.counters.forward_errors.fetch_add(1, Ordering::Relaxed);
            eprintln!("logsift serve: forward failed: {e}");
            text(shared, req, 502, &format!("processed, but forwarding failed: {e}"));
        }
    }
}

pub(super) enum Failure {
    Format(logsift_formats::Error),
    Component(DriverError),
}

/// The body rewritten in its format, and how many records it kept.
pub(super) fn rewrite(shared: &Shared, body: &Body, raw: &[u8]) -> Result<(Vec<u8>, u64), Failure> {
    let max = shared.opts.max_body;
    let mut collect = Collect::default();
    logsift_formats::rewrite(body, raw, max, &mut collect).map_err(Failure::Format)?;
    let Collect { records, metadata } = collect;

    let outcome = {
        let mut guard = lock(&shared.pipeline);
        let p = &mut *guard;
        p.filter.set_time(shared.opts.clock.nanos(p.seen));
        let n = records.len();
        let result = (|| {
            let outs = p.filter.process(&records)?;
            let kept = outs.iter().filter(|o| matches!(o, Outcome::Keep(_))).count() as u64;
            let scrubbed = if metadata.is_empty() { Vec::new() } else { p.scrub_only.process(&metadata)? };
            let mut replay = Replay {
                records: answers(records, outs),
                metadata: answers(metadata, scrubbed),
                filter: &mut p.filter,
                scrub_only: &mut p.scrub_only,
                failed: None,
            };
            let out = logsift_formats::rewrite(body, raw, max, &mut replay);
            if let Some(e) = replay.failed {
                return Err(e);
            }
            // A body carries only its own records: summaries go to the log,
            // as in the Envoy ingest role (NDJSON can't join a protobuf push).
            for e in p.filter.take_emitted()? {
                eprintln!("logsift serve: {}", String::from_utf8_lossy(&e));
            }
            let signals = p.filter.take_signals()?;
            Ok((out, kept, signals))
        })();
        p.seen += n;
        match result {
            Ok((out, kept, signals)) => {
                keep_signals(p, &signals);
                Ok((out, kept, signals))
            }
            Err(e) => {
                // A trapped instance can't be called again: start fresh ones.
                shared.counters.component_errors.fetch_add(1, Ordering::Relaxed);
                if let Ok(f) = new_instance(&shared.plugin, &shared.opts.config, &shared.opts, p.seen) {
                    p.filter = f;
                }
                if let Ok(f) = new_instance(&shared.plugin, &shared.scrub_config, &shared.opts, p.seen) {
                    p.scrub_only = f;
                }
                Err(e)
            }
        }
    };
    let (out, kept, signals) = outcome.map_err(Failure::Component)?;
    alert(shared, signals);
    out.map(|o| (o, kept)).map_err(Failure::Format)
}

fn refuse(shared: &Shared, mut req: Request, code: u16, reason: &'static str, msg: &str) {
    // Read on (up to a bound) before answering, so closing the connection
    // does not reset it and lose the answer while the client still sends.
    let _ = std::io::copy(&mut req.as_reader().take(LINGER_BYTES), &mut std::io::sink());
    text_counted(shared, req, code, reason, msg);
}

fn text_counted(shared: &Shared, req: Request, code: u16, reason: &'static str, msg: &str) {
    count_error(shared, reason);
    text(shared, req, code, &format!("logsift: {msg}"));
}

/// The rewritten body as the answer, in the request's content type and encoding.
fn respond_like(shared: &Shared, req: Request, code: u16, headers: &[(String, String)], body: Vec<u8>) {
    *lock(&shared.counters.requests).entry(code).or_default() += 1;
    let mut resp = Response::from_data(body).with_status_code(code);
    for name in ["content-type", "content-encoding"] {
        if let Some(h) = headers.iter().find(|(k, _)| k == name).and_then(|(k, v)| header(k, v)) {
            resp.add_header(h);
        }
    }
    let _ = req.respond(resp);
}

/// POSTs `body` with `headers`, retrying what a retry can fix (no answer,
/// 429, 5xx); the last answer: (status, content type, body).
fn relay(
    shared: &Shared,
    url: &str,
    headers: &[&(String, String)],
    body: &[u8],
) -> Result<(u16, Option<String>, Vec<u8>), String> {
    let tries = shared.opts.retries.max(1);
    let mut last = String::new();
    for attempt in 0..tries {
        if attempt > 0 {
            std::thread::sleep(Duration::from_millis(100 << attempt.min(5)));
        }
        let mut post = shared.agent.post(url);
        for (k, v) in headers {
            post = post.header(k.as_str(), v.as_str());
        }
        match post.send(body) {
            Ok(mut resp) => {
                let status = resp.status().as_u16();
                if (status == 429 || status >= 500) && attempt + 1 < tries {
                    last = format!("{url}: HTTP {status}");
                    continue;
                }
                let ct = resp.headers().get("content-type").and_then(|v| v.to_str().ok()).map(str::to_owned);
                let answer = resp.body_mut().read_to_vec().unwrap_or_default();
                return Ok((status, ct, answer));
            }
            Err(e) => last = format!("{url}: {e}"),
        }
    }
    Err(last)
}
