//! `logsift serve`: the logsift component behind a small HTTP server, as a
//! sidecar for pipelines that have no Wasm host of their own (Vector since
//! 0.17). One component instance holds the pipeline, so windows, rate
//! limits and counters span every request.
//!
//! Endpoints:
//! - `POST /v1/process`: body NDJSON or text lines (`Content-Encoding: gzip`
//!   accepted), at most `max_body` bytes before and after decompression
//!   (413 beyond). The lines are one batch; the answer is `200` with the
//!   kept records as NDJSON, followed by any rate-limit summary records
//!   released since the last answer. With `forward`, the same NDJSON is also
//!   POSTed to that URL (retried; when every try fails the answer is `502`
//!   so the sender retries the batch: at-least-once, never lost silently).
//! - `POST /loki/api/v1/push`, `/v1/logs`, `/otlp/v1/logs`, `…/_bulk`: a push
//!   gateway for users without Envoy ([`push`]): the body in the format the
//!   shipper sent (Loki JSON or protobuf + snappy, OTLP JSON or protobuf,
//!   gzip or not, `_bulk`, NDJSON) is rewritten in that format and forwarded
//!   to `forward` followed by the request's path and query
//!   (`--forward http://loki:3100` sends a push on to
//!   `http://loki:3100/loki/api/v1/push`), with the request's headers; the
//!   backend's status and body are the answer. Without `forward` the answer
//!   is the rewritten body. An unknown body is 415, a malformed one 400, a
//!   decompression bomb 413, each counted in `logsift_serve_errors_total{reason}`.
//!   A path under a `pass_through` prefix is a push route too: a body there
//!   that logsift does not read goes on untouched instead of 415 (the
//!   proxy-wasm ingest role's `proxy.pass_through`).
//! - OTLP/gRPC `LogsService/Export` on a second listener, `grpc_listen`
//!   (h2c, [`grpc`]), forwarded to `grpc_forward` with the upstream's answer
//!   and trailers passed back; refusals are gRPC statuses.
//! - `GET /v1/signals`: the most recent alert events (up to
//!   [`SIGNALS_KEPT`]) as NDJSON in Alertmanager's v2 shape; with
//!   `alertmanager`, new events are also POSTed to `<url>/api/v2/alerts`.
//! - `GET /metrics`: the pipeline's counters and the server's own
//!   (`logsift_serve_*`) in the Prometheus text format.
//! - `GET /healthz`: `200 ok`.
//!
//! A timer runs the pipeline's `tick` every second, so alert windows close
//! and summaries of quiet keys come out without new requests.

use std::collections::{BTreeMap, VecDeque};
use std::io::Read;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::thread::JoinHandle;
use std::time::Duration;

use logsift_core::{AlertEvent, Metric, MetricKind, Outcome};
use tiny_http::{Header, Method, Request, Response};

use crate::component::{ComponentConfig, ComponentFilter, ComponentPlugin};
use crate::{Clock, DriverError, lines};

mod grpc;
mod push;

/// Most of a refused body read and discarded before answering.
const LINGER_BYTES: u64 = 16 << 20;

/// Alert events kept for `GET /v1/signals`.
pub const SIGNALS_KEPT: usize = 1000;

/// How `serve` runs.
#[derive(Debug, Clone)]
pub struct ServeOptions {
    /// Address to listen on, such as `127.0.0.1:8686` (port 0: any free one).
    pub listen: String,
    /// The pipeline config document (JSON).
    pub config: String,
    /// Largest request body, before and after gzip decoding.
    pub max_body: usize,
    /// POST processed NDJSON here too; pushes go to this URL followed by
    /// their path.
    pub forward: Option<String>,
    /// POST alert events to this Alertmanager (`<url>/api/v2/alerts`).
    pub alertmanager: Option<String>,
    /// Tries per forward or Alertmanager POST.
    pub retries: u32,
    /// Timeout of one outgoing POST.
    pub post_timeout: Duration,
    /// The pipeline's clock: the machine's, or a replay clock on which each
    /// request is at the time of its first record (tests).
    pub clock: Clock,
    /// Limits on the component instance.
    pub limits: ComponentConfig,
    /// Threads answering requests.
    pub workers: usize,
    /// Serve OTLP/gRPC (h2c) on this address too (port 0: any free one).
    pub grpc_listen: Option<String>,
    /// Where gRPC calls go on: `http://host:port` of a Collector's OTLP/gRPC
    /// receiver (h2c). Needed with `grpc_listen`.
    pub grpc_forward: Option<String>,
    /// Path prefixes where a body logsift does not read goes on untouched
    /// instead of being refused (another gRPC service, an unknown content type).
    pub pass_through: Vec<String>,
}

impl Default for ServeOptions {
    fn default() -> Self {
        ServeOptions {
            listen: "127.0.0.1:8686".into(),
            config: r#"{"scrub": {"preset": "default"}}"#.into(),
            max_body: 8 << 20,
            forward: None,
            alertmanager: None,
            retries: 3,
            post_timeout: Duration::from_secs(5),
            clock: Clock::Wall,
            limits: ComponentConfig::default(),
            workers: 2,
            grpc_listen: None,
            grpc_forward: None,
            pass_through: Vec::new(),
        }
    }
}

/// The pipeline and what it produced that no answer has carried yet.
struct Pipeline {
    filter: ComponentFilter,
    /// The config's `scrub` section alone: Loki structured metadata and label
    /// values (as the Envoy ingest role scrubs them).
    scrub_only: ComponentFilter,
    /// Records processed so far (the replay clock's index).
    seen: usize,
    /// Summary records released by the timer, for the next answer.
    pending: Vec<Vec<u8>>,
    signals: VecDeque<AlertEvent>,
}

#[derive(Default)]
struct Counters {
    requests: Mutex<BTreeMap<u16, u64>>,
    forwarded_records: AtomicU64,
    forward_errors: AtomicU64,
    alertmanager_errors: AtomicU64,
    component_errors: AtomicU64,
    /// Push bodies refused, by `logsift_formats::Error::reason`.
    errors: Mutex<BTreeMap<&'static str, u64>>,
    /// gRPC calls answered, by the name of their `grpc-status`: a gRPC
    /// answer is HTTP 200 whatever its outcome.
    grpc_calls: Mutex<BTreeMap<&'static str, u64>>,
}

struct Shared {
    opts: ServeOptions,
    /// The config document with only its `scrub` section.
    scrub_config: String,
    plugin: ComponentPlugin,
    pipeline: Mutex<Pipeline>,
    counters: Counters,
    agent: ureq::Agent,
    stop: AtomicBool,
}

/// A running server.
pub struct Server {
    addr: SocketAddr,
    http: Arc<tiny_http::Server>,
    shared: Arc<Shared>,
    threads: Vec<JoinHandle<()>>,
    grpc: Option<grpc::GrpcServer>,
}

impl std::fmt::Debug for Server {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Server").field("addr", &self.addr).finish_non_exhaustive()
    }
}

fn new_instance(
    plugin: &ComponentPlugin,
    config: &str,
    opts: &ServeOptions,
    first: usize,
) -> Result<ComponentFilter, String> {
    let mut f = plugin.instantiate(&opts.limits, opts.clock != Clock::Wall).map_err(|e| e.to_string())?;
    f.set_time(opts.clock.nanos(first));
    f.configure(config).map_err(|e| e.to_string())?.map_err(|e| format!("config rejected: {e}"))?;
    Ok(f)
}

/// `config` with only its `scrub` section (or none).
fn scrub_only_config(config: &str) -> String {
    let scrub = serde_json::from_str::<serde_json::Value>(config)
        .ok()
        .and_then(|mut v| v.get_mut("scrub").map(std::mem::take));
    match scrub {
        Some(s) => serde_json::json!({ "scrub": s }).to_string(),
        None => "{}".into(),
    }
}

impl Server {
    /// Configures an instance of `plugin` and starts listening.
    pub fn start(plugin: &ComponentPlugin, opts: ServeOptions) -> Result<Server, String> {
        let filter = new_instance(plugin, &opts.config, &opts, 0)?;
        let scrub_config = scrub_only_config(&opts.config);
        let scrub_only = new_instance(plugin, &scrub_config, &opts, 0)?;
        let listener = listen(&opts.listen).map_err(|e| format!("listen {}: {e}", opts.listen))?;
        let http = tiny_http::Server::from_listener(listener, None)
            .map_err(|e| format!("listen {}: {e}", opts.listen))?;
        let addr =
            http.server_addr().to_ip().ok_or_else(|| format!("listen {}: not an IP address", opts.listen))?;
        let http = Arc::new(http);
        let config = ureq::Agent::config_builder()
            .timeout_global(Some(opts.post_timeout))
            .http_status_as_error(false)
            .build();
        let shared = Arc::new(Shared {
            pipeline: Mutex::new(Pipeline {
                filter,
                scrub_only,
                seen: 0,
                pending: Vec::new(),
                signals: VecDeque::new(),
            }),
            scrub_config,
            plugin: plugin.clone(),
            counters: Counters::default(),
            agent: ureq::Agent::new_with_config(config),
            stop: AtomicBool::new(false),
            opts,
        });
        // Before any thread starts, so a bad gRPC setting stops nothing.
        let grpc = match (&shared.opts.grpc_listen, &shared.opts.grpc_forward) {
            (Some(listen), Some(forward)) => Some(grpc::start(shared.clone(), listen, forward)?),
            (Some(_), None) => {
                return Err("gRPC needs an upstream to send calls on to: give --grpc-forward".into());
            }
            (None, _) => None,
        };
        let mut threads = Vec::new();
        for _ in 0..shared.opts.workers.max(1) {
            let (http, shared) = (http.clone(), shared.clone());
            threads.push(std::thread::spawn(move || {
                while !shared.stop.load(Ordering::Relaxed) {
                    match http.recv() {
                        Ok(req) => handle(&shared, req),
                        Err(_) => break,
                    }
                }
            }));
        }
        // The replay clock only moves with records; the timer is for real time.
        if shared.opts.clock == Clock::Wall {
            let shared = shared.clone();
            threads.push(std::thread::spawn(move || {
                while !shared.stop.load(Ordering::Relaxed) {
                    std::thread::sleep(Duration::from_millis(250));
                    timer(&shared);
                }
            }));
        }
        Ok(Server { addr, http, shared, threads, grpc })
    }

    /// The address it listens on.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The address of the OTLP/gRPC listener, when there is one.
    pub fn grpc_addr(&self) -> Option<SocketAddr> {
        self.grpc.as_ref().map(|g| g.addr)
    }

    /// Blocks until the server stops (it runs until the process ends).
    pub fn wait(mut self) {
        for t in self.threads.drain(..) {
            let _ = t.join();
        }
    }

    /// Stops answering, then finishes the pipeline: pending summaries are
    /// forwarded and final alert events sent.
    pub fn shutdown(mut self) {
        self.shared.stop.store(true, Ordering::Relaxed);
        if let Some(g) = self.grpc.as_mut() {
            g.shutdown();
        }
        for _ in 0..self.threads.len() {
            self.http.unblock();
        }
        for t in self.threads.drain(..) {
            let _ = t.join();
        }
        let (emitted, signals) = {
            let mut p = lock(&self.shared.pipeline);
            let p = &mut *p;
            let mut emitted = std::mem::take(&mut p.pending);
            let mut signals = Vec::new();
            if p.filter.finish().is_ok() {
                emitted.extend(p.filter.take_emitted().unwrap_or_default());
                signals = p.filter.take_signals().unwrap_or_default();
            }
            (emitted, signals)
        };
        if !emitted.is_empty() {
            let _ = forward(&self.shared, &ndjson(&emitted));
        }
        alert(&self.shared, signals);
    }
}

/// A listening socket whose connections send without Nagle's delay: the
/// server writes an answer's head and body apart, and the body's last
/// segment would otherwise wait for the client's delayed ACK (tens of ms per
/// request). Accepted sockets inherit `TCP_NODELAY` from the listener.
fn listen(addr: &str) -> std::io::Result<std::net::TcpListener> {
    use socket2::{Domain, Socket, Type};
    let addr = std::net::ToSocketAddrs::to_socket_addrs(addr)?
        .next()
        .ok_or_else(|| std::io::Error::new(std::io::ErrorKind::InvalidInput, "no address"))?;
    let socket = Socket::new(Domain::for_address(addr), Type::STREAM, None)?;
    socket.set_reuse_address(true)?;
    socket.set_tcp_nodelay(true)?;
    socket.bind(&addr.into())?;
    socket.listen(128)?;
    Ok(socket.into())
}

/// A poisoned lock only means another request panicked; the pipeline's
/// state is still whole (the component call either finished or trapped).
fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

fn timer(shared: &Shared) {
    let signals = {
        let mut p = lock(&shared.pipeline);
        let now = shared.opts.clock.nanos(p.seen);
        p.filter.set_time(now);
        if p.filter.tick().is_err() {
            return;
        }
        let emitted = p.filter.take_emitted().unwrap_or_default();
        p.pending.extend(emitted);
        let signals = p.filter.take_signals().unwrap_or_default();
        keep_signals(&mut p, &signals);
        signals
    };
    // Summaries of quiet keys go out now when forwarding, else with the next answer.
    if shared.opts.forward.is_some() {
        let pending = std::mem::take(&mut lock(&shared.pipeline).pending);
        if !pending.is_empty() && forward(shared, &ndjson(&pending)).is_err() {
            lock(&shared.pipeline).pending.splice(0..0, pending);
        }
    }
    alert(shared, signals);
}

fn keep_signals(p: &mut Pipeline, signals: &[AlertEvent]) {
    p.signals.extend(signals.iter().cloned());
    while p.signals.len() > SIGNALS_KEPT {
        p.signals.pop_front();
    }
}

fn ndjson(records: &[Vec<u8>]) -> Vec<u8> {
    let mut out = Vec::with_capacity(records.iter().map(|r| r.len() + 1).sum());
    for r in records {
        out.extend_from_slice(r);
        out.push(b'\n');
    }
    out
}

fn header(name: &str, value: &str) -> Option<Header> {
    Header::from_bytes(name.as_bytes(), value.as_bytes()).ok()
}

fn respond(shared: &Shared, req: Request, code: u16, content_type: &str, body: Vec<u8>) {
    *lock(&shared.counters.requests).entry(code).or_default() += 1;
    let mut resp = Response::from_data(body).with_status_code(code);
    if let Some(h) = header("Content-Type", content_type) {
        resp.add_header(h);
    }
    // The client may have gone; nothing to do about it.
    let _ = req.respond(resp);
}

fn text(shared: &Shared, req: Request, code: u16, msg: &str) {
    respond(shared, req, code, "text/plain; charset=utf-8", format!("{msg}\n").into_bytes());
}

fn handle(shared: &Shared, mut req: Request) {
    let path = req.url().split('?').next().unwrap_or_default().to_owned();
    match (req.method(), path.as_str()) {
        (Method::Get, "/healthz") => text(shared, req, 200, "ok"),
        (Method::Get, "/metrics") => {
            let body = metrics(shared);
            respond(shared, req, 200, "text/plain; version=0.0.4; charset=utf-8", body.into_bytes());
        }
        (Method::Get, "/v1/signals") => {
            let body = {
                let p = lock(&shared.pipeline);
                let mut out = Vec::new();
                for ev in &p.signals {
                    if serde_json::to_writer(&mut out, ev).is_ok() {
                        out.push(b'\n');
                    }
                }
                out
            };
            respond(shared, req, 200, "application/x-ndjson", body);
        }
        (Method::Post, "/v1/process") => match read_body(shared, &mut req) {
            Ok(body) => process(shared, req, &body),
            Err((code, msg)) => {
                // Read on (up to a bound) before answering, so closing the
                // connection does not reset it and lose the answer while the
                // client is still sending.
                let _ = std::io::copy(&mut req.as_reader().take(LINGER_BYTES), &mut std::io::sink());
                text(shared, req, code, &msg)
            }
        },
        (_, "/healthz" | "/metrics" | "/v1/signals" | "/v1/process") => {
            text(shared, req, 405, "method not allowed")
        }
        (_, p) if push::is_push_route(p) || push::passes_through(shared, p) => push::push(shared, req, &path),
        _ => text(
            shared,
            req,
            404,
            "not found: POST /v1/process, /loki/api/v1/push, /v1/logs, /otlp/v1/logs, …/_bulk; \
             GET /v1/signals, /metrics, /healthz",
        ),
    }
}

/// The request body, gunzipped when so declared, within `max_body`.
fn read_body(shared: &Shared, req: &mut Request) -> Result<Vec<u8>, (u16, String)> {
    let max = shared.opts.max_body;
    let too_large = || (413, format!("body larger than {max} bytes"));
    if req.body_length().is_some_and(|n| n > max) {
        return Err(too_large());
    }
    let gzip = req
        .headers()
        .iter()
        .any(|h| h.field.equiv("Content-Encoding") && h.value.as_str().trim().eq_ignore_ascii_case("gzip"));
    let mut raw = Vec::new();
    req.as_reader()
        .take(max as u64 + 1)
        .read_to_end(&mut raw)
        .map_err(|e| (400, format!("reading body: {e}")))?;
    if raw.len() > max {
        return Err(too_large());
    }
    if !gzip {
        return Ok(raw);
    }
    let mut out = Vec::new();
    flate2::read::MultiGzDecoder::new(raw.as_slice())
        .take(max as u64 + 1)
        .read_to_end(&mut out)
        .map_err(|e| (400, format!("body is not valid gzip: {e}")))?;
    if out.len() > max {
        return Err((413, format!("body larger than {max} bytes once decompressed")));
    }
    Ok(out)
}

fn process(shared: &Shared, req: Request, body: &[u8]) {
    let records: Vec<Vec<u8>> = lines(body).map(<[u8]>::to_vec).collect();
    let result = {
        let mut p = lock(&shared.pipeline);
        let p = &mut *p;
        p.filter.set_time(shared.opts.clock.nanos(p.seen));
        let result = run_batch(&mut p.filter, &records);
        p.seen += records.len();
        match result {
            Ok((kept, emitted, signals)) => {
                keep_signals(p, &signals);
                let mut out = kept;
                out.append(&mut p.pending);
                out.extend(emitted);
                Ok((out, signals))
            }
            Err(e) => {
                // A trapped instance can't be called again: start a fresh one.
                shared.counters.component_errors.fetch_add(1, Ordering::Relaxed);
                if let Ok(f) = new_instance(&shared.plugin, &shared.opts.config, &shared.opts, p.seen) {
                    p.filter = f;
                }
                Err(e)
            }
        }
    };
    match result {
        Ok((out, signals)) => {
            let body = ndjson(&out);
            alert(shared, signals);
            if shared.opts.forward.is_some()
                && !out.is_empty()
                && let Err(e) = forward(shared, &body)
            {
                return text(shared, req, 502, &format!("processed, but forwarding failed: {e}"));
            }
            respond(shared, req, 200, "application/x-ndjson", body);
        }
        Err(e) => text(shared, req, 500, &format!("logsift component: {e}")),
    }
}

type Batch = (Vec<Vec<u8>>, Vec<Vec<u8>>, Vec<AlertEvent>);

fn run_batch(f: &mut ComponentFilter, records: &[Vec<u8>]) -> Result<Batch, DriverError> {
    let outs = f.process(records)?;
    let kept = outs
        .into_iter()
        .filter_map(|o| match o {
            Outcome::Keep(b) => Some(b.into_owned()),
            Outcome::Drop(_) => None,
        })
        .collect();
    Ok((kept, f.take_emitted()?, f.take_signals()?))
}

/// POSTs with retries; the error of the last try.
fn post(shared: &Shared, url: &str, content_type: &str, body: &[u8]) -> Result<(), String> {
    let mut last = String::new();
    for attempt in 0..shared.opts.retries.max(1) {
        if attempt > 0 {
            std::thread::sleep(Duration::from_millis(100 << attempt.min(5)));
        }
        match shared.agent.post(url).header("Content-Type", content_type).send(body) {
            Ok(resp) if resp.status().is_success() => return Ok(()),
            // A 4xx other than 429 will not change on a retry.
            Ok(resp) if resp.status().is_client_error() && resp.status().as_u16() != 429 => {
                return Err(format!("{url}: HTTP {}", resp.status()));
            }
            Ok(resp) => last = format!("{url}: HTTP {}", resp.status()),
            Err(e) => last = format!("{url}: {e}"),
        }
    }
    Err(last)
}

fn forward(shared: &Shared, body: &[u8]) -> Result<(), String> {
    let Some(url) = &shared.opts.forward else { return Ok(()) };
    let lines = body.iter().filter(|&&b| b == b'\n').count() as u64;
    match post(shared, url, "application/x-ndjson", body) {
        Ok(()) => {
            shared.counters.forwarded_records.fetch_add(lines, Ordering::Relaxed);
            Ok(())
        }
        Err(e) => {
            shared.counters.forward_errors.fetch_add(1, Ordering::Relaxed);
            eprintln!("logsift serve: forward failed: {e}");
            Err(e)
        }
    }
}

fn alert(shared: &Shared, signals: Vec<AlertEvent>) {
    let Some(url) = &shared.opts.alertmanager else { return };
    if signals.is_empty() {
        return;
    }
    let url = format!("{}/api/v2/alerts", url.trim_end_matches('/'));
    let Ok(body) = serde_json::to_vec(&signals) else { return };
    if let Err(e) = post(shared, &url, "application/json", &body) {
        shared.counters.alertmanager_errors.fetch_add(1, Ordering::Relaxed);
        eprintln!("logsift serve: sending alerts failed: {e}");
    }
}

fn metrics(shared: &Shared) -> String {
    let mut list = lock(&shared.pipeline).filter.metrics().unwrap_or_default();
    let c = &shared.counters;
    let counter = |name: &str, help: &str, labels: Vec<(String, String)>, value: u64| Metric {
        name: name.to_owned(),
        help: help.to_owned(),
        kind: MetricKind::Counter,
        labels,
        value: value as f64,
    };
    for (code, n) in lock(&c.requests).iter() {
        let labels = vec![("code".to_owned(), code.to_string())];
        list.push(counter("logsift_serve_requests_total", "HTTP requests answered, by status.", labels, *n));
    }
    let plain = [
        ("logsift_serve_forwarded_records_total", "Records forwarded.", &c.forwarded_records),
        ("logsift_serve_forward_errors_total", "Forward POSTs that failed every try.", &c.forward_errors),
        (
            "logsift_serve_alertmanager_errors_total",
            "Alertmanager POSTs that failed every try.",
            &c.alertmanager_errors,
        ),
        ("logsift_serve_component_errors_total", "Batches the component failed on.", &c.component_errors),
    ];
    for (name, help, v) in plain {
        list.push(counter(name, help, Vec::new(), v.load(Ordering::Relaxed)));
    }
    for (code, n) in lock(&c.grpc_calls).iter() {
        let labels = vec![("grpc_code".to_owned(), (*code).to_owned())];
        list.push(counter(
            "logsift_serve_grpc_calls_total",
            "OTLP/gRPC calls answered, by gRPC status (logsift's own answers and the upstream's relayed).",
            labels,
            *n,
        ));
    }
    for (reason, n) in lock(&c.errors).iter() {
        let labels = vec![("reason".to_owned(), (*reason).to_owned())];
        list.push(counter("logsift_serve_errors_total", "Push bodies refused, by reason.", labels, *n));
    }
    logsift_core::prometheus_text(&list)
}
