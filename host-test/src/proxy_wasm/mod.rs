//! A proxy-wasm host (ABI 0.2.1) on wasmtime that behaves as Envoy 1.40
//! does with an HTTP filter (`envoy.filters.http.wasm`) or an access logger
//! (`envoy.access_loggers.wasm`), following Envoy's `source/extensions/common/wasm`
//! and proxy-wasm-cpp-host:
//!
//! - start-up: `_initialize` with only `proxy_log` of the proxy-wasm calls
//!   allowed (any other fails the VM; Envoy also allows a few WASI calls —
//!   stdout/stderr, args, environment, preopens, clocks, random — and WASI
//!   calls are not checked here),
//!   then `proxy_on_context_create(root, 0)`, `proxy_on_vm_start`,
//!   `proxy_on_configure` (false: the plugin is rejected);
//! - per HTTP stream: `proxy_on_context_create(id, root)`, request headers,
//!   body chunks, trailers, response headers, body, trailers, then
//!   `proxy_on_log`, `proxy_on_done`, `proxy_on_delete`. A body callback that
//!   returns `Pause` makes the host buffer: the next call sees the whole
//!   body so far, and `body_size` is its length. Buffering more than
//!   [`ProxyWasmConfig::buffer_limit`] answers 413, as Envoy does;
//! - a local reply (`proxy_send_local_response`) ends the stream's callbacks
//!   (the reply does not pass back through the plugin that sent it);
//! - access logging: `proxy_on_log` on the root context, with the request's
//!   headers and properties readable;
//! - properties as Envoy encodes them: strings as bytes, integers and
//!   durations as 8-byte little-endian, path segments joined by `\0`;
//! - `proxy_http_call` goes to an in-process [`Upstream`]; the answer is
//!   delivered with `proxy_on_http_call_response` to the calling context
//!   after the current callback returns (a context deleted by then never
//!   hears back, as Envoy cancels its calls);
//! - the tick timer follows the driver's clock ([`ProxyWasm::set_time`]): it
//!   fires once when its period has elapsed and is re-armed from then;
//! - metrics, shared data (one VM), log level and effective context as in
//!   Envoy; shared queues and gRPC answer `Unimplemented` (12): logsift does
//!   not use them, and the SDK turns that status into a trap naming it.
//!
//! [`run_envoy_ingest`] and [`run_envoy_log`] drive our module over log
//! lines for the CLI and the parity tests; [`access_log_request`] documents
//! how an Envoy JSON access-log entry becomes a request.
//!
//! Limits: an epoch deadline per callback and a memory cap; a trap, a
//! deadline or the cap gives a [`DriverError::Trap`] naming the callback,
//! after which the VM is failed (Envoy stops using it too).
//!
//! Here: the contexts and the stream's callbacks ([`ProxyWasm`]); in
//! `abi.rs` the `env.proxy_*` imports, in `properties.rs` the properties and
//! the header-map encoding, in `runs.rs` the runs for the CLI.

use std::collections::{BTreeMap, HashMap};
use std::time::Duration;

use wasmtime::{
    Caller, Engine, Extern, Instance, Linker, Module, Store, StoreLimits, StoreLimitsBuilder, WasmParams,
    WasmResults,
};
use wasmtime_wasi::WasiCtxBuilder;
use wasmtime_wasi::p1::{self, WasiP1Ctx};

use crate::DriverError;

mod abi;
mod properties;
mod runs;

use abi::linker;
pub use properties::{deserialize_map, serialize_map};
use properties::{property, request_properties};
pub use runs::{
    ALERTS_CLUSTER, COLLECTOR_CLUSTER, access_log_request, plugin_config_for, run_envoy_ingest, run_envoy_log,
};
pub(crate) use runs::{finish_run, load, recording_upstream};

/// proxy-wasm statuses (`WasmResult`).
mod status {
    pub const OK: i32 = 0;
    pub const NOT_FOUND: i32 = 1;
    pub const BAD_ARGUMENT: i32 = 2;
    pub const INVALID_MEMORY_ACCESS: i32 = 6;
    pub const CAS_MISMATCH: i32 = 8;
    pub const UNIMPLEMENTED: i32 = 12;
}

/// Host calls Envoy allows during `_initialize` (proxy-wasm-cpp-host `startVm`).
const ALLOWED_IN_INITIALIZE: &[&str] = &["env.proxy_log"];

/// Host calls allowed while the host runs the guest's allocator.
const ALLOWED_IN_MALLOC: &[&str] = &["env.proxy_log"];

/// Log levels (`proxy_log`).
pub mod level {
    /// trace
    pub const TRACE: u32 = 0;
    /// debug
    pub const DEBUG: u32 = 1;
    /// info
    pub const INFO: u32 = 2;
    /// warn
    pub const WARN: u32 = 3;
    /// error
    pub const ERROR: u32 = 4;
    /// critical
    pub const CRITICAL: u32 = 5;
}

/// The plugin's settings in the host, plus the harness's limits.
#[derive(Debug, Clone)]
pub struct ProxyWasmConfig {
    /// `configuration` of the plugin (our JSON document).
    pub plugin_config: Vec<u8>,
    /// `vm_config.configuration`.
    pub vm_config: Vec<u8>,
    /// `root_id` (the `plugin_root_id` property).
    pub root_id: String,
    /// `name` (the `plugin_name` property).
    pub name: String,
    /// Envoy's log level for the `wasm` component: lower levels are dropped.
    pub log_level: u32,
    /// Largest body a filter may make the host buffer: Envoy's
    /// `per_connection_buffer_limit_bytes`, 1 MiB by default.
    pub buffer_limit: usize,
    /// Longest a single callback may run.
    pub timeout: Duration,
    /// Most linear memory the instance may have.
    pub memory_limit: usize,
    /// Copy the plugin's log lines to stderr as they come.
    pub echo_logs: bool,
}

impl Default for ProxyWasmConfig {
    fn default() -> Self {
        ProxyWasmConfig {
            plugin_config: Vec::new(),
            vm_config: Vec::new(),
            root_id: String::new(),
            name: "logsift".into(),
            log_level: level::INFO,
            buffer_limit: 1 << 20,
            timeout: Duration::from_secs(5),
            memory_limit: 512 << 20,
            echo_logs: false,
        }
    }
}

/// Header list: lowercase names, values as bytes.
pub type Headers = Vec<(String, Vec<u8>)>;

/// A call made with `proxy_http_call`.
#[derive(Debug, Clone, Default)]
pub struct HttpCall {
    /// The cluster named by the plugin.
    pub cluster: String,
    /// Request headers (`:method`, `:path`, `:authority`, …).
    pub headers: Headers,
    /// Request body.
    pub body: Vec<u8>,
    /// Request trailers.
    pub trailers: Headers,
    /// The plugin's timeout in milliseconds.
    pub timeout_ms: u32,
    /// The driver's clock when the call was made (Unix ns).
    pub at_nanos: u64,
}

impl HttpCall {
    /// The first value of header `name`, as text.
    pub fn header(&self, name: &str) -> Option<String> {
        header_value(&self.headers, name)
    }
}

/// An HTTP response (from the upstream, or a local reply).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct HttpResponse {
    /// Status code.
    pub status: u16,
    /// Headers, without `:status`.
    pub headers: Headers,
    /// Body.
    pub body: Vec<u8>,
    /// Trailers.
    pub trailers: Headers,
}

impl HttpResponse {
    /// A response with a status and nothing else.
    pub fn status(status: u16) -> Self {
        HttpResponse { status, ..HttpResponse::default() }
    }

    /// The first value of header `name`, as text.
    pub fn header(&self, name: &str) -> Option<String> {
        header_value(&self.headers, name)
    }
}

fn header_value(h: &Headers, name: &str) -> Option<String> {
    h.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| String::from_utf8_lossy(v).into_owned())
}

/// What the in-process upstream makes of a call.
#[derive(Debug, Clone)]
pub enum CallAnswer {
    /// The cluster answered.
    Response(HttpResponse),
    /// No such cluster: `proxy_http_call` fails with `BadArgument`, as in Envoy.
    UnknownCluster,
    /// The call failed (reset, timeout): the plugin hears back with no headers.
    Failed,
}

/// The clusters the plugin can call.
pub trait Upstream {
    /// Answers one call.
    fn call(&mut self, call: &HttpCall) -> CallAnswer;
}

impl<F: FnMut(&HttpCall) -> CallAnswer> Upstream for F {
    fn call(&mut self, call: &HttpCall) -> CallAnswer {
        self(call)
    }
}

/// A property value, encoded as Envoy does.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Property {
    /// Strings and bytes, as they are.
    Bytes(Vec<u8>),
    /// Integers, durations (ns) and timestamps (Unix ns): 8 bytes little-endian.
    Int(i64),
}

impl Property {
    fn encode(&self) -> Vec<u8> {
        match self {
            Property::Bytes(b) => b.clone(),
            Property::Int(i) => i.to_le_bytes().to_vec(),
        }
    }
}

impl From<&str> for Property {
    fn from(s: &str) -> Self {
        Property::Bytes(s.as_bytes().to_vec())
    }
}

impl From<String> for Property {
    fn from(s: String) -> Self {
        Property::Bytes(s.into_bytes())
    }
}

impl From<i64> for Property {
    fn from(i: i64) -> Self {
        Property::Int(i)
    }
}

/// One HTTP request through the filter, and what the upstream behind it answers.
#[derive(Debug, Clone)]
pub struct Request {
    /// Request headers, pseudo-headers (`:method`, `:path`, `:authority`,
    /// `:scheme`) included.
    pub headers: Headers,
    /// The body, delivered in chunks of `chunk_size` bytes.
    pub body: Vec<u8>,
    /// Bytes per `on_request_body` call (Envoy delivers what the socket read).
    pub chunk_size: usize,
    /// Request trailers.
    pub trailers: Headers,
    /// The upstream's answer, when the request reaches it.
    pub response: HttpResponse,
    /// Properties beyond the ones derived from the headers (Envoy's stream
    /// info: `source.address`, `xds.cluster_name`, `request.duration`, …),
    /// keyed by their dotted path (`source.address`). Without them, the
    /// addresses are 127.0.0.1 placeholders and the duration is 0.
    pub properties: Vec<(String, Property)>,
}

impl Request {
    /// A POST of `body` to `path`.
    pub fn post(path: &str, headers: &[(&str, &str)], body: Vec<u8>) -> Self {
        Request::new("POST", path, headers, body)
    }

    /// A request with the usual pseudo-headers; the upstream answers 204.
    pub fn new(method: &str, path: &str, headers: &[(&str, &str)], body: Vec<u8>) -> Self {
        let mut h: Headers = vec![
            (":authority".into(), b"localhost".to_vec()),
            (":path".into(), path.as_bytes().to_vec()),
            (":method".into(), method.as_bytes().to_vec()),
            (":scheme".into(), b"http".to_vec()),
        ];
        h.extend(headers.iter().map(|(k, v)| (k.to_ascii_lowercase(), v.as_bytes().to_vec())));
        if !body.is_empty() {
            h.push(("content-length".into(), body.len().to_string().into_bytes()));
        }
        Request {
            headers: h,
            body,
            chunk_size: 64 << 10,
            trailers: Vec::new(),
            response: HttpResponse::status(204),
            properties: Vec::new(),
        }
    }
}

/// What happened to one request.
#[derive(Debug, Clone, Default)]
pub struct Exchange {
    /// The request as it went to the upstream (headers, body), if it did.
    pub forwarded: Option<(Headers, Vec<u8>)>,
    /// What the client got.
    pub response: HttpResponse,
    /// The response is the plugin's local reply.
    pub local_reply: bool,
}

/// A metric the plugin defined.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Metric {
    /// Its name as defined (Envoy keeps it as `wasmcustom.<name>`).
    pub name: String,
    /// 0 counter, 1 gauge, 2 histogram.
    pub kind: u32,
    /// Counter or gauge value; for a histogram, the last recorded value.
    pub value: i64,
}

impl Metric {
    /// The name split the way Envoy's `stats_tags` split it: each leading
    /// Istio-style `label=.=value;.;` becomes a tag, the rest is the
    /// family (`detector=.=JWT;.;logsift_redactions_total` is
    /// `logsift_redactions_total` with `detector="JWT"`).
    pub fn series(&self) -> (&str, Vec<(&str, &str)>) {
        let mut rest = self.name.as_str();
        let mut labels = Vec::new();
        while let Some((tag, tail)) = rest.split_once(";.;") {
            let Some((k, v)) = tag.split_once("=.=") else { break };
            labels.push((k, v));
            rest = tail;
        }
        (rest, labels)
    }

    /// The value of `label`, if the name carries it.
    pub fn label(&self, label: &str) -> Option<&str> {
        self.series().1.into_iter().find(|(k, _)| *k == label).map(|(_, v)| v)
    }
}

/// Per-stream data the host keeps.
#[derive(Debug, Default)]
struct Stream {
    request_headers: Option<Headers>,
    request_trailers: Option<Headers>,
    response_headers: Option<Headers>,
    response_trailers: Option<Headers>,
    /// The body the current body callback sees (buffered so far).
    request_body: Option<Vec<u8>>,
    response_body: Option<Vec<u8>>,
    properties: HashMap<String, Vec<u8>>,
    local_reply: Option<HttpResponse>,
    continued: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Restriction {
    None,
    Initialize,
    Malloc,
}

struct HostState {
    wasi: WasiP1Ctx,
    limits: StoreLimits,
    cfg: ProxyWasmConfig,
    restriction: Restriction,
    now_nanos: u64,
    tick_period_ms: u32,
    root_id: u32,
    /// The context host calls act on.
    current: u32,
    streams: HashMap<u32, Stream>,
    /// The request an access logger's root `on_log` is about.
    access_log: Option<Stream>,
    /// Which configuration buffer is readable now.
    config_phase: ConfigPhase,
    call_response: Option<HttpResponse>,
    next_token: u32,
    pending: Vec<(u32, u32, Option<HttpResponse>)>,
    upstream: Box<dyn Upstream + Send>,
    metrics: Vec<Metric>,
    shared: HashMap<String, (Vec<u8>, u32)>,
    logs: Vec<(u32, String)>,
    shutting_down: bool,
    done: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum ConfigPhase {
    None,
    VmStart,
    Configure,
}

impl HostState {
    /// The stream whose maps and properties the current context sees.
    fn stream(&mut self) -> Option<&mut Stream> {
        if self.current == self.root_id {
            self.access_log.as_mut()
        } else {
            self.streams.get_mut(&self.current)
        }
    }

    fn log(&mut self, level: u32, msg: String) {
        if level < self.cfg.log_level {
            return;
        }
        if self.cfg.echo_logs {
            eprintln!("[wasm {}] {msg}", level_name(level));
        }
        self.logs.push((level, msg));
    }
}

fn level_name(l: u32) -> &'static str {
    ["trace", "debug", "info", "warn", "error", "critical"].get(l as usize).copied().unwrap_or("?")
}

/// A running plugin: one VM with one root context, as one Envoy worker has.
pub struct ProxyWasm {
    store: Store<HostState>,
    instance: Instance,
    root_id: u32,
    next_id: u32,
    next_tick: Option<u64>,
    armed_period: u32,
    failed: Option<DriverError>,
}

impl std::fmt::Debug for ProxyWasm {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ProxyWasm").field("root_id", &self.root_id).field("failed", &self.failed).finish()
    }
}

impl ProxyWasm {
    /// Loads the plugin as Envoy does: instantiate, `_initialize`, create the
    /// root context, `on_vm_start`, `on_configure`. `now_nanos` is the
    /// driver's clock (Unix ns) from then on, until [`ProxyWasm::set_time`].
    pub fn new(
        engine: &Engine,
        module: &Module,
        cfg: ProxyWasmConfig,
        upstream: Box<dyn Upstream + Send>,
        now_nanos: u64,
    ) -> Result<Self, DriverError> {
        let abi = module
            .exports()
            .any(|e| e.name() == "proxy_abi_version_0_2_1" || e.name() == "proxy_abi_version_0_2_0");
        if !abi {
            return Err(DriverError::Setup(
                "not a proxy-wasm module: it exports no proxy_abi_version_0_2_1 (or 0_2_0)".into(),
            ));
        }
        let limits =
            StoreLimitsBuilder::new().memory_size(cfg.memory_limit).trap_on_grow_failure(true).build();
        let mut wasi = WasiCtxBuilder::new();
        wasi.inherit_stderr().inherit_stdout();
        let state = HostState {
            wasi: wasi.build_p1(),
            limits,
            cfg,
            restriction: Restriction::None,
            now_nanos,
            tick_period_ms: 0,
            root_id: 1,
            current: 0,
            streams: HashMap::new(),
            access_log: None,
            config_phase: ConfigPhase::None,
            call_response: None,
            next_token: 1,
            pending: Vec::new(),
            upstream,
            metrics: Vec::new(),
            shared: HashMap::new(),
            logs: Vec::new(),
            shutting_down: false,
            done: false,
        };
        let mut store = Store::new(engine, state);
        store.limiter(|s| &mut s.limits);
        let linker = linker(engine, module, &mut store)?;
        let instance = linker.instantiate(&mut store, module).map_err(DriverError::setup)?;
        if instance.get_memory(&mut store, "memory").is_none() {
            return Err(DriverError::Setup("the module exports no memory".into()));
        }
        let mut vm = ProxyWasm {
            store,
            instance,
            root_id: 1,
            next_id: 2,
            next_tick: None,
            armed_period: 0,
            failed: None,
        };
        vm.store.data_mut().restriction = Restriction::Initialize;
        let init = if vm.has("_initialize") { "_initialize" } else { "_start" };
        let r = vm.call::<(), ()>(init, 0, ());
        vm.store.data_mut().restriction = Restriction::None;
        r?;
        let root = vm.root_id as i32;
        vm.call::<(i32, i32), ()>("proxy_on_context_create", vm.root_id, (root, 0))?;
        let vm_size = vm.store.data().cfg.vm_config.len() as i32;
        vm.store.data_mut().config_phase = ConfigPhase::VmStart;
        let started = vm.call::<(i32, i32), i32>("proxy_on_vm_start", vm.root_id, (root, vm_size));
        vm.store.data_mut().config_phase = ConfigPhase::None;
        if started? == Some(0) {
            return Err(DriverError::Guest(format!("proxy_on_vm_start returned false{}", vm.last_errors())));
        }
        let size = vm.store.data().cfg.plugin_config.len() as i32;
        vm.store.data_mut().config_phase = ConfigPhase::Configure;
        let configured = vm.call::<(i32, i32), i32>("proxy_on_configure", vm.root_id, (root, size));
        vm.store.data_mut().config_phase = ConfigPhase::None;
        if configured? == Some(0) {
            return Err(DriverError::Guest(format!(
                "the plugin rejected its configuration (proxy_on_configure returned false){}",
                vm.last_errors()
            )));
        }
        vm.arm_tick();
        vm.deliver_calls()?;
        Ok(vm)
    }

    /// Error lines the plugin logged, for a rejection message.
    fn last_errors(&self) -> String {
        let errs: Vec<&str> = self
            .store
            .data()
            .logs
            .iter()
            .filter(|(l, _)| *l >= level::ERROR)
            .map(|(_, m)| m.as_str())
            .collect();
        if errs.is_empty() { String::new() } else { format!(": {}", errs.join("; ")) }
    }

    fn has(&mut self, name: &str) -> bool {
        self.instance.get_func(&mut self.store, name).is_some()
    }

    /// Calls export `name` with `ctx` as the current context; `None` when
    /// the plugin does not export it (Envoy then does nothing).
    fn call<P: WasmParams, R: WasmResults>(
        &mut self,
        name: &'static str,
        ctx: u32,
        params: P,
    ) -> Result<Option<R>, DriverError> {
        if let Some(e) = &self.failed {
            return Err(e.clone());
        }
        let Some(func) = self.instance.get_func(&mut self.store, name) else {
            return Ok(None);
        };
        let func =
            func.typed::<P, R>(&self.store).map_err(|e| DriverError::Setup(format!("{name}: {e:#}")))?;
        let ticks = (self.store.data().cfg.timeout.as_millis() / 10).max(1) as u64;
        self.store.set_epoch_deadline(ticks);
        self.store.data_mut().current = ctx;
        match func.call(&mut self.store, params) {
            Ok(r) => Ok(Some(r)),
            Err(e) => {
                let err = match DriverError::trap(e) {
                    DriverError::Trap(m) => DriverError::Trap(format!("{name}: {m}")),
                    other => other,
                };
                self.failed = Some(err.clone());
                Err(err)
            }
        }
    }

    /// The driver's clock now (Unix ns).
    pub fn now(&self) -> u64 {
        self.store.data().now_nanos
    }

    /// Moves the clock to `now_nanos` without running the timer: a request
    /// that arrives as the timer falls due runs first.
    pub fn set_clock(&mut self, now_nanos: u64) {
        self.store.data_mut().now_nanos = now_nanos.max(self.now());
    }

    /// Moves the clock to `now_nanos`; the tick timer fires if its period has
    /// elapsed, and answers to HTTP calls are delivered.
    pub fn set_time(&mut self, now_nanos: u64) -> Result<(), DriverError> {
        self.store.data_mut().now_nanos = now_nanos.max(self.now());
        if let Some(due) = self.next_tick
            && self.now() >= due
        {
            let root = self.root_id;
            self.call::<i32, ()>("proxy_on_tick", root, root as i32)?;
            self.next_tick = None;
            self.arm_tick();
        }
        self.deliver_calls()
    }

    /// Arms the timer with the plugin's period; a new period re-arms it from
    /// now, and 0 disarms it, as Envoy's `setTickPeriod`.
    fn arm_tick(&mut self) {
        let period = self.store.data().tick_period_ms;
        if period == 0 {
            self.next_tick = None;
        } else if self.next_tick.is_none() || self.armed_period != period {
            self.next_tick = Some(self.now() + u64::from(period) * 1_000_000);
        }
        self.armed_period = period;
    }

    /// Answers to `proxy_http_call`, to contexts that still exist.
    fn deliver_calls(&mut self) -> Result<(), DriverError> {
        self.arm_tick();
        while !self.store.data().pending.is_empty() {
            let pending = std::mem::take(&mut self.store.data_mut().pending);
            for (ctx, token, resp) in pending {
                if ctx != self.root_id && !self.store.data().streams.contains_key(&ctx) {
                    continue;
                }
                let (nh, nb, nt) = resp.as_ref().map_or((0, 0, 0), |r| {
                    (r.headers.len() as i32 + 1, r.body.len() as i32, r.trailers.len() as i32)
                });
                self.store.data_mut().call_response = resp;
                let r = self.call::<(i32, i32, i32, i32, i32), ()>(
                    "proxy_on_http_call_response",
                    ctx,
                    (ctx as i32, token as i32, nh, nb, nt),
                );
                self.store.data_mut().call_response = None;
                r?;
            }
            self.arm_tick();
        }
        Ok(())
    }

    /// One HTTP request through the filter, as Envoy runs it.
    pub fn http(&mut self, req: Request) -> Result<Exchange, DriverError> {
        let id = self.next_id;
        self.next_id += 1;
        let root = self.root_id;
        self.call::<(i32, i32), ()>("proxy_on_context_create", id, (id as i32, root as i32))?;
        let mut stream = Stream { request_headers: Some(req.headers.clone()), ..Stream::default() };
        stream.properties = request_properties(&req, self.now());
        self.store.data_mut().streams.insert(id, stream);
        let result = self.run_stream(id, &req);
        // Whatever happened, the context ends as in Envoy.
        let ended = self.end_stream(id);
        let exchange = result?;
        ended?;
        self.deliver_calls()?;
        Ok(exchange)
    }

    fn local_reply(&mut self, id: u32) -> Option<HttpResponse> {
        self.store.data_mut().streams.get_mut(&id).and_then(|s| s.local_reply.take())
    }

    fn run_stream(&mut self, id: u32, req: &Request) -> Result<Exchange, DriverError> {
        let ctx = id as i32;
        let no_body = req.body.is_empty() && req.trailers.is_empty();
        let n = req.headers.len() as i32;
        let a =
            self.call::<(i32, i32, i32), i32>("proxy_on_request_headers", id, (ctx, n, no_body as i32))?;
        if let Some(r) = self.local_reply(id) {
            return Ok(Exchange { forwarded: None, response: r, local_reply: true });
        }
        let mut paused = a == Some(1) && !self.take_continued(id);
        let mut forwarded_body = Vec::new();
        let chunks: Vec<&[u8]> =
            if req.body.is_empty() { Vec::new() } else { req.body.chunks(req.chunk_size.max(1)).collect() };
        let mut buffered: Vec<u8> = Vec::new();
        for (i, chunk) in chunks.iter().enumerate() {
            let eos = i + 1 == chunks.len() && req.trailers.is_empty();
            buffered.extend_from_slice(chunk);
            let limit = self.store.data().cfg.buffer_limit;
            if buffered.len() > limit {
                // Envoy's buffer limit: the filter asked for more buffering
                // than the connection allows.
                return Ok(Exchange { forwarded: None, response: payload_too_large(), local_reply: true });
            }
            let size = buffered.len() as i32;
            self.stream_mut(id).request_body = Some(std::mem::take(&mut buffered));
            let a =
                self.call::<(i32, i32, i32), i32>("proxy_on_request_body", id, (ctx, size, eos as i32))?;
            buffered = self.stream_mut(id).request_body.take().unwrap_or_default();
            if let Some(r) = self.local_reply(id) {
                return Ok(Exchange { forwarded: None, response: r, local_reply: true });
            }
            paused = a == Some(1) && !self.take_continued(id);
            if !paused {
                forwarded_body.append(&mut buffered);
            }
        }
        if !req.trailers.is_empty() {
            self.stream_mut(id).request_trailers = Some(req.trailers.clone());
            let n = req.trailers.len() as i32;
            let a = self.call::<(i32, i32), i32>("proxy_on_request_trailers", id, (ctx, n))?;
            if let Some(r) = self.local_reply(id) {
                return Ok(Exchange { forwarded: None, response: r, local_reply: true });
            }
            paused = a == Some(1) && !self.take_continued(id);
        }
        if paused {
            forwarded_body.append(&mut buffered);
            if !self.take_continued(id) {
                return Err(DriverError::Guest(
                    "the plugin paused the request and never resumed it (Envoy would time the stream out)"
                        .into(),
                ));
            }
        }
        let headers = self.stream_mut(id).request_headers.clone().unwrap_or_default();
        let forwarded = Some((headers, forwarded_body));
        // The upstream's answer through the response callbacks.
        let resp = &req.response;
        let mut rh: Headers = vec![(":status".into(), resp.status.to_string().into_bytes())];
        rh.extend(resp.headers.iter().cloned());
        {
            let s = self.stream_mut(id);
            s.response_headers = Some(rh);
            s.properties.insert("response\0code".into(), Property::Int(resp.status.into()).encode());
            s.properties.insert("response\0size".into(), Property::Int(resp.body.len() as i64).encode());
        }
        let eos = resp.body.is_empty() && resp.trailers.is_empty();
        let n = resp.headers.len() as i32 + 1;
        self.call::<(i32, i32, i32), i32>("proxy_on_response_headers", id, (ctx, n, eos as i32))?;
        if let Some(r) = self.local_reply(id) {
            return Ok(Exchange { forwarded, response: r, local_reply: true });
        }
        let mut body_out = Vec::new();
        let mut buffered = Vec::new();
        let chunks: Vec<&[u8]> =
            if resp.body.is_empty() { Vec::new() } else { resp.body.chunks(64 << 10).collect() };
        for (i, chunk) in chunks.iter().enumerate() {
            let eos = i + 1 == chunks.len() && resp.trailers.is_empty();
            buffered.extend_from_slice(chunk);
            let size = buffered.len() as i32;
            self.stream_mut(id).response_body = Some(std::mem::take(&mut buffered));
            let a =
                self.call::<(i32, i32, i32), i32>("proxy_on_response_body", id, (ctx, size, eos as i32))?;
            buffered = self.stream_mut(id).response_body.take().unwrap_or_default();
            if let Some(r) = self.local_reply(id) {
                return Ok(Exchange { forwarded, response: r, local_reply: true });
            }
            if a != Some(1) || self.take_continued(id) || eos {
                body_out.append(&mut buffered);
            }
        }
        if !resp.trailers.is_empty() {
            self.stream_mut(id).response_trailers = Some(resp.trailers.clone());
            let n = resp.trailers.len() as i32;
            self.call::<(i32, i32), i32>("proxy_on_response_trailers", id, (ctx, n))?;
        }
        let s = self.stream_mut(id);
        let headers: Headers = s
            .response_headers
            .clone()
            .unwrap_or_default()
            .into_iter()
            .filter(|(k, _)| k != ":status")
            .collect();
        let trailers = s.response_trailers.clone().unwrap_or_default();
        let response = HttpResponse { status: resp.status, headers, body: body_out, trailers };
        Ok(Exchange { forwarded, response, local_reply: false })
    }

    fn stream_mut(&mut self, id: u32) -> &mut Stream {
        self.store.data_mut().streams.entry(id).or_default()
    }

    fn take_continued(&mut self, id: u32) -> bool {
        std::mem::take(&mut self.stream_mut(id).continued)
    }

    /// `on_log`, `on_done`, `on_delete`, in Envoy's order.
    fn end_stream(&mut self, id: u32) -> Result<(), DriverError> {
        if self.failed.is_some() {
            self.store.data_mut().streams.remove(&id);
            return Ok(());
        }
        let ctx = id as i32;
        let r = self
            .call::<i32, ()>("proxy_on_log", id, ctx)
            .and_then(|_| self.call::<i32, i32>("proxy_on_done", id, ctx))
            .and_then(|_| self.call::<i32, ()>("proxy_on_delete", id, ctx));
        self.store.data_mut().streams.remove(&id);
        r.map(|_| ())
    }

    /// An access logger's turn: Envoy calls the root context's `on_log` once
    /// the request is complete, with its headers and properties readable.
    pub fn access_log(&mut self, req: &Request) -> Result<(), DriverError> {
        let mut s = Stream {
            request_headers: Some(req.headers.clone()),
            request_trailers: Some(req.trailers.clone()),
            ..Stream::default()
        };
        let mut rh: Headers = vec![(":status".into(), req.response.status.to_string().into_bytes())];
        rh.extend(req.response.headers.iter().cloned());
        s.response_headers = Some(rh);
        s.response_trailers = Some(req.response.trailers.clone());
        s.properties = request_properties(req, self.now());
        self.store.data_mut().access_log = Some(s);
        let root = self.root_id;
        let r = self.call::<i32, ()>("proxy_on_log", root, root as i32);
        self.store.data_mut().access_log = None;
        r?;
        self.deliver_calls()
    }

    /// The end of the VM: the root context's `on_done` (then `on_delete`,
    /// at once or when the plugin calls `proxy_done`).
    pub fn shutdown(&mut self) -> Result<(), DriverError> {
        let root = self.root_id;
        self.store.data_mut().shutting_down = true;
        let done = self.call::<i32, i32>("proxy_on_done", root, root as i32)?;
        self.deliver_calls()?;
        if done != Some(0) || self.store.data().done {
            self.call::<i32, ()>("proxy_on_delete", root, root as i32)?;
        }
        Ok(())
    }

    /// Log lines so far: (level, message).
    pub fn logs(&self) -> &[(u32, String)] {
        &self.store.data().logs
    }

    /// Takes the log lines so far.
    pub fn take_logs(&mut self) -> Vec<(u32, String)> {
        std::mem::take(&mut self.store.data_mut().logs)
    }

    /// Metrics the plugin defined, with their values.
    pub fn metrics(&self) -> &[Metric] {
        &self.store.data().metrics
    }

    /// The value of metric family `name` summed over its labels, as
    /// `sum(name)` in PromQL (0 when undefined).
    pub fn metric(&self, name: &str) -> i64 {
        self.metrics().iter().filter(|m| m.series().0 == name).map(|m| m.value).sum()
    }

    /// The value of the series of family `name` whose `label` is `value`.
    pub fn metric_where(&self, name: &str, label: &str, value: &str) -> i64 {
        self.metrics()
            .iter()
            .filter(|m| m.series().0 == name && m.label(label) == Some(value))
            .map(|m| m.value)
            .sum()
    }

    /// The guest's linear memory size in bytes.
    pub fn memory_size(&mut self) -> usize {
        self.instance.get_memory(&mut self.store, "memory").map_or(0, |m| m.data_size(&self.store))
    }
}

fn payload_too_large() -> HttpResponse {
    HttpResponse {
        status: 413,
        headers: vec![("content-type".into(), b"text/plain".to_vec())],
        body: b"Payload Too Large".to_vec(),
        trailers: Vec::new(),
    }
}
