//! logsift for Envoy and other proxy-wasm hosts (ABI 0.2.1).
//!
//! The plugin configuration is the engine's config document plus a `proxy`
//! section choosing the role:
//!
//! ```json
//! {"proxy": {"role": "ingest", "max_body_bytes": 1048576, "on_error": "reject"},
//!  "scrub": {"preset": "strict"}}
//! ```
//!
//! - `ingest` (HTTP filter in front of a log backend): picks the body's
//!   format from path, `content-type` and `content-encoding`
//!   (`logsift_formats`: NDJSON/text, `_bulk`, Loki push JSON or protobuf +
//!   snappy, OTLP/HTTP JSON or protobuf, OTLP/gRPC), buffers the body up to
//!   `max_body_bytes`, runs every record through the pipeline, and replaces
//!   the body with the same format re-encoded; `content-length` is removed so
//!   the host frames the new body. A format logsift does not read passes on
//!   untouched only under a `pass_through` path prefix, and is answered 415
//!   otherwise. A body over the limit or one that can't be decoded follows
//!   `on_error`: `reject` answers 413/400 with a message, `scrub_as_text`
//!   passes a text-like body (lines, JSON) on scrubbed as text; a binary body
//!   is always rejected. A body is never passed on unscrubbed.
//! - `access_log` (`envoy.access_loggers.wasm`): on each request's `on_log`,
//!   builds one JSON record from the host's properties (method, path, route,
//!   status, duration, bytes, user agent, client address, request id, trace
//!   id, upstream cluster), runs the pipeline and writes kept records with
//!   `proxy_log` at info level, or ships them in batches to a `collector`
//!   cluster as NDJSON, Loki push (JSON, or protobuf + snappy) or OTLP/HTTP
//!   (JSON or protobuf): `logsift_formats::batch`.
//!
//! The engine's metrics are defined with `proxy_define_metric`, labels
//! encoded in the name for Envoy's tag extraction (see `metrics.rs`), so
//! `/stats/prometheus` shows the same series as `logsift run --metrics`. A bad config makes `on_configure` return
//! false (Envoy rejects the filter) after a log line naming the field. Host
//! calls are never unwrapped: a failing call degrades, it does not trap.

mod body;
mod config;
pub mod fuzzing;
mod host;
mod metrics;

use std::cell::RefCell;
use std::rc::Rc;
use std::time::{Duration, UNIX_EPOCH};

use logsift_core::{Ctx, Outcome, Pipeline};
use logsift_formats::batch::Origin;
use proxy_wasm::traits::{Context, HttpContext, RootContext};
use proxy_wasm::types::{Action, BufferType, ContextType, LogLevel, MapType};

use config::{OnError, ProxyConfig, Role};
use metrics::Metrics;

proxy_wasm::main! {{
    proxy_wasm::set_log_level(LogLevel::Info);
    proxy_wasm::set_root_context(|_| -> Box<dyn RootContext> { Box::new(Root::default()) });
}}

fn log(level: LogLevel, msg: &str) {
    let _ = host::log(level, msg);
}

/// POSTs `body` through `cluster`; the answer is not awaited.
fn post(
    cluster: &str,
    path: &str,
    content_type: &str,
    body: &[u8],
) -> Result<u32, proxy_wasm::types::Status> {
    let headers =
        vec![(":method", "POST"), (":path", path), (":authority", cluster), ("content-type", content_type)];
    proxy_wasm::hostcalls::dispatch_http_call(cluster, headers, Some(body), vec![], Duration::from_secs(5))
}

fn now_nanos() -> u64 {
    host::now().ok().and_then(|t| t.duration_since(UNIX_EPOCH).ok()).map_or(0, |d| d.as_nanos() as u64)
}

/// Per-VM state: the compiled pipeline, shared by the VM's requests (each
/// Envoy worker thread has its own VM, so this is never shared across threads).
#[derive(Default)]
struct State {
    proxy: ProxyConfig,
    pipeline: Option<Pipeline>,
    /// Scrub only: for Loki structured metadata and OTLP attributes.
    meta: Option<Pipeline>,
    ctx: Option<Ctx>,
    metrics: Metrics,
    /// Access-log records waiting for the collector: (time ns, record).
    pending: Vec<(u64, Vec<u8>)>,
}

type Shared = Rc<RefCell<State>>;

#[derive(Default)]
struct Root {
    state: Shared,
}

impl std::fmt::Debug for Root {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Root").finish_non_exhaustive()
    }
}

impl Context for Root {}

impl RootContext for Root {
    fn on_configure(&mut self, _size: usize) -> bool {
        let raw = match host::buffer(BufferType::PluginConfiguration, 0, usize::MAX) {
            Ok(Some(b)) => b,
            _ => {
                log(LogLevel::Error, "logsift: no plugin configuration");
                return false;
            }
        };
        match config::parse(&raw) {
            Ok((proxy, pipeline, meta)) => {
                let Ok(mut st) = self.state.try_borrow_mut() else { return false };
                st.proxy = proxy;
                st.pipeline = Some(pipeline);
                st.meta = Some(meta);
                st.ctx = Some(Ctx::new(now_nanos(), now_nanos() ^ 0x9e37_79b9_7f4a_7c15));
                st.metrics = Metrics::define();
                // The engine's series exist at 0 before the first record, as
                // in `logsift serve`: Prometheus' increase() cannot see the
                // first sample of a series, so a count that appeared at 1 would
                // be lost to the fleet alert rules.
                let zero = st.pipeline.as_ref().map(Pipeline::metrics).unwrap_or_default();
                st.metrics.sync(&zero);
                let _ = host::set_tick_period(std::time::Duration::from_secs(1));
                true
            }
            Err(e) => {
                log(LogLevel::Error, &format!("logsift: invalid configuration: {e}"));
                false
            }
        }
    }

    fn on_tick(&mut self) {
        let Ok(mut st) = self.state.try_borrow_mut() else { return };
        let st = &mut *st;
        // Windows close and rate-limit summaries fall due on the clock, not
        // only when records arrive: resolved alerts are posted and summary
        // records shipped like any others.
        let emitted = st
            .batch(|p, ctx, _| {
                p.tick(ctx);
                p.take_emitted()
            })
            .unwrap_or_default();
        if st.proxy.role == Role::AccessLog && st.proxy.collector.is_some() {
            let now = now_nanos();
            st.pending.extend(emitted.into_iter().map(|r| (now, r)));
        } else {
            for e in emitted {
                log(LogLevel::Info, &String::from_utf8_lossy(&e));
            }
        }
        st.flush();
    }

    /// Access-log role: Envoy calls the root context's `on_log` per request.
    fn on_log(&mut self) {
        let Ok(mut st) = self.state.try_borrow_mut() else { return };
        if st.proxy.role != Role::AccessLog {
            return;
        }
        let record = body::access_record();
        let mut kept = Vec::new();
        st.run_lines(&[record], |line| kept.push(line.to_vec()));
        if st.proxy.collector.is_some() {
            let now = now_nanos();
            st.pending.extend(kept.into_iter().map(|r| (now, r)));
            let max = st.proxy.collector.as_ref().map_or(1, |c| c.max_batch_records.max(1));
            if st.pending.len() >= max {
                st.flush();
            }
        } else {
            for line in kept {
                log(LogLevel::Info, &String::from_utf8_lossy(&line));
            }
        }
    }

    fn create_http_context(&self, _id: u32) -> Option<Box<dyn HttpContext>> {
        Some(Box::new(Ingest {
            state: self.state.clone(),
            buffered: false,
            body: None,
            request_id: String::new(),
        }))
    }

    fn get_type(&self) -> Option<ContextType> {
        Some(ContextType::HttpContext)
    }
}

impl State {
    /// Runs `work` on the pipeline (and the scrub-only one), then logs the
    /// alert events it produced and adds what changed to the host's counters.
    fn batch<T>(&mut self, work: impl FnOnce(&mut Pipeline, &mut Ctx, &mut Pipeline) -> T) -> Option<T> {
        let (Some(p), Some(ctx), Some(meta)) =
            (self.pipeline.as_mut(), self.ctx.as_mut(), self.meta.as_mut())
        else {
            return None;
        };
        ctx.set_now(now_nanos());
        let out = work(p, ctx, meta);
        let signals = p.take_signals();
        for ev in &signals {
            if let Ok(text) = serde_json::to_string(ev) {
                log(LogLevel::Warn, &format!("logsift alert: {text}"));
            }
        }
        self.metrics.sync(&p.metrics());
        if let (Some(am), false) = (&self.proxy.alertmanager, signals.is_empty()) {
            let body = serde_json::to_vec(&signals).unwrap_or_default();
            if post(&am.cluster, &am.path, "application/json", &body).is_err() {
                self.metrics.error("alertmanager_failed");
            }
        }
        Some(out)
    }

    /// Ships waiting access-log records to the collector; if the host
    /// refuses the call, they go to the proxy's log instead of being lost.
    fn flush(&mut self) {
        let Some(c) = self.proxy.collector.clone() else { return };
        if self.pending.is_empty() {
            return;
        }
        let records = std::mem::take(&mut self.pending);
        let batch = logsift_formats::batch::encode(c.format, Origin { source: "envoy" }, &records);
        let path = c.path.as_deref().unwrap_or(batch.path);
        if post(&c.cluster, path, batch.content_type, &batch.body).is_err() {
            self.metrics.error("collector_failed");
            for (_, r) in &records {
                log(LogLevel::Info, &String::from_utf8_lossy(r));
            }
        }
    }

    /// Runs the pipeline over `lines`, handing kept records (and summary
    /// records) to `out`.
    fn run_lines(&mut self, lines: &[Vec<u8>], mut out: impl FnMut(&[u8])) {
        self.batch(|p, ctx, _| {
            for line in lines {
                if let Outcome::Keep(b) = p.process(line, ctx) {
                    out(&b);
                }
                for e in p.take_emitted() {
                    out(&e);
                }
            }
        });
    }
}

/// Ingest role: one per request.
struct Ingest {
    state: Shared,
    buffered: bool,
    /// The body's format, or why logsift does not read it: found in the
    /// headers phase, since some hosts refuse header access during the body
    /// phase (and the SDK would trap).
    body: Option<Result<logsift_formats::Body, logsift_formats::Unsupported>>,
    /// Edge role: the request's id, echoed on the response.
    request_id: String,
}

impl std::fmt::Debug for Ingest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Ingest").field("buffered", &self.buffered).finish_non_exhaustive()
    }
}

impl Context for Ingest {}

impl HttpContext for Ingest {
    fn on_http_response_headers(&mut self, _n: usize, _end_of_stream: bool) -> Action {
        if self.with(|s| s.proxy.role) != Some(Role::Edge) {
            return Action::Continue;
        }
        // The request id goes back to the client, so support can find the
        // request's logs.
        if !self.request_id.is_empty() {
            let _ = host::set_header(MapType::HttpResponseHeaders, "x-request-id", Some(&self.request_id));
        }
        Action::Continue
    }

    fn on_http_request_headers(&mut self, _n: usize, end_of_stream: bool) -> Action {
        let role = self.with(|s| s.proxy.role);
        if role == Some(Role::Edge) {
            self.edge_request();
            return Action::Continue;
        }
        if role != Some(Role::Ingest) || end_of_stream {
            return Action::Continue;
        }
        let header = |name: &str| host::header(MapType::HttpRequestHeaders, name).unwrap_or_default();
        let (path, content_type) = (header(":path"), header("content-type"));
        let (content_encoding, grpc_encoding) = (header("content-encoding"), header("grpc-encoding"));
        let detected = logsift_formats::detect(&logsift_formats::Headers {
            path: &path,
            content_type: &content_type,
            content_encoding: &content_encoding,
            grpc_encoding: &grpc_encoding,
        });
        if detected.is_err() {
            let listed = self
                .with(|s| s.proxy.pass_through.iter().any(|p| path.starts_with(p.as_str())))
                .unwrap_or(false);
            if listed {
                // Listed by the user: not ours to read, passed on as sent.
                return Action::Continue;
            }
        }
        self.body = Some(detected);
        // The body will change size: let the host frame it anew.
        let _ = host::set_header(MapType::HttpRequestHeaders, "content-length", None);
        self.buffered = true;
        Action::Continue
    }

    fn on_http_request_body(&mut self, body_size: usize, end_of_stream: bool) -> Action {
        if !self.buffered {
            return Action::Continue;
        }
        let limit = self.with(|s| s.proxy.max_body_bytes).unwrap_or(usize::MAX);
        if body_size > limit {
            return self.fail(
                413,
                "body_too_large",
                "request body exceeds proxy.max_body_bytes",
                body_size,
                false,
            );
        }
        if !end_of_stream {
            return Action::Pause;
        }
        let raw = match host::buffer(BufferType::HttpRequestBody, 0, body_size) {
            Ok(Some(b)) => b,
            Ok(None) => return Action::Continue,
            Err(_) => {
                return self.fail(400, "body_unreadable", "request body could not be read", body_size, false);
            }
        };
        let body = match self.body.clone() {
            Some(Ok(b)) => b,
            Some(Err(why)) => {
                return self.fail(415, "unsupported_format", &why.to_string(), body_size, false);
            }
            None => return Action::Continue,
        };
        let rewritten = self
            .with(|s| s.rewrite(&body, &raw, limit))
            .unwrap_or_else(|| Err(logsift_formats::Error::Shape("logsift is busy".into())));
        let new_body = match rewritten {
            Ok(out) => out,
            Err(e) => {
                return self.fail(e.status(), e.reason(), &e.to_string(), body_size, text_like(body.format));
            }
        };
        // Pass the full original size so no host truncates the new body.
        if host::set_buffer(BufferType::HttpRequestBody, 0, body_size, &new_body).is_err() {
            return self.fail(
                500,
                "body_not_replaced",
                "request body could not be replaced",
                body_size,
                false,
            );
        }
        Action::Continue
    }
}

/// Formats that are text, so `on_error: scrub_as_text` may treat them as lines.
fn text_like(format: logsift_formats::Format) -> bool {
    use logsift_formats::Format;
    matches!(format, Format::Lines | Format::EsBulk | Format::LokiJson | Format::OtlpJson)
}

impl Ingest {
    /// Edge role, request side: a request id for every request, and only a
    /// well-formed `traceparent` passed on.
    fn edge_request(&mut self) {
        let header = |name: &str| host::header(MapType::HttpRequestHeaders, name);
        let id = match header("x-request-id").filter(|v| !v.trim().is_empty()) {
            Some(id) => id,
            None => {
                let mut bytes = [0u8; 16];
                self.with(|s| {
                    if let Some(ctx) = s.ctx.as_mut() {
                        ctx.fill_random(&mut bytes);
                    }
                });
                let id = logsift_core::enrich::uuid_v4(bytes);
                let _ = host::set_header(MapType::HttpRequestHeaders, "x-request-id", Some(&id));
                id
            }
        };
        if let Some(tp) = header("traceparent")
            && logsift_core::enrich::parse_traceparent(&tp).is_none()
        {
            let _ = host::set_header(MapType::HttpRequestHeaders, "traceparent", None);
        }
        self.request_id = id;
    }

    /// Runs `f` on the VM state; `None` if it is busy (it never is: one
    /// callback runs at a time per VM).
    fn with<T>(&self, f: impl FnOnce(&mut State) -> T) -> Option<T> {
        self.state.try_borrow_mut().ok().map(|mut s| f(&mut s))
    }

    /// `on_error`: reject with a local reply, or scrub the raw body as text
    /// when it is text to begin with (`as_text`): a binary body rewritten as
    /// lines would be corrupted, so it is always rejected. Counted in
    /// `logsift_errors_total` under the label `reason`.
    fn fail(&mut self, status: u32, reason: &str, why: &str, body_size: usize, as_text: bool) -> Action {
        self.with(|s| s.metrics.error(reason));
        let on_error = self.with(|s| s.proxy.on_error).unwrap_or(OnError::Reject);
        if on_error == OnError::ScrubAsText && as_text && status == 400 {
            let raw = host::buffer(BufferType::HttpRequestBody, 0, body_size).ok().flatten();
            if let Some(raw) = raw {
                let scrubbed = self.with(|s| s.scrub_text(&raw)).flatten();
                if let Some(s) = scrubbed
                    && host::set_buffer(BufferType::HttpRequestBody, 0, body_size, &s).is_ok()
                {
                    return Action::Continue;
                }
            }
        }
        let body = format!("logsift: {why}\n");
        let _ = host::send_response(status, &[("content-type", "text/plain")], body.as_bytes());
        Action::Pause
    }
}

impl State {
    /// A body in its format through the pipeline, counted.
    fn rewrite(
        &mut self,
        body: &logsift_formats::Body,
        raw: &[u8],
        limit: usize,
    ) -> Result<Vec<u8>, logsift_formats::Error> {
        self.batch(|p, ctx, meta| {
            let out =
                logsift_formats::rewrite(body, raw, limit, &mut logsift_formats::Engine::new(p, ctx, meta));
            // A body carries only its own records; summaries go to the log.
            for e in p.take_emitted() {
                log(LogLevel::Info, &String::from_utf8_lossy(&e));
            }
            out
        })
        .unwrap_or_else(|| Err(logsift_formats::Error::Shape("logsift is not configured".into())))
    }

    /// `on_error: scrub_as_text`: every line through the pipeline, whatever it is.
    fn scrub_text(&mut self, raw: &[u8]) -> Option<Vec<u8>> {
        let mut out = Vec::new();
        self.run_lines(&body::split_lines(raw), |rec| {
            out.extend_from_slice(rec);
            out.push(b'\n');
        });
        Some(out)
    }
}
