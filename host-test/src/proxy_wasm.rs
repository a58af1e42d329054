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

use std::collections::{BTreeMap, HashMap};
use std::time::Duration;

use wasmtime::{
    Caller, Engine, Extern, Instance, Linker, Module, Store, StoreLimits, StoreLimitsBuilder, WasmParams,
    WasmResults,
};
use wasmtime_wasi::WasiCtxBuilder;
use wasmtime_wasi::p1::{self, WasiP1Ctx};

use crate::DriverError;

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

/// The properties Envoy derives from a request, plus the request's own.
fn request_properties(req: &Request, now: u64) -> HashMap<String, Vec<u8>> {
    let mut p: HashMap<String, Vec<u8>> = HashMap::new();
    let h = |name: &str| header_value(&req.headers, name);
    let mut put = |k: &str, v: Property| {
        p.insert(k.replace('.', "\0"), v.encode());
    };
    if let Some(path) = h(":path") {
        let (url_path, query) =
            path.split_once('?').map_or((path.clone(), String::new()), |(a, b)| (a.into(), b.into()));
        put("request.path", path.as_str().into());
        put("request.url_path", url_path.into());
        put("request.query", query.into());
    }
    for (k, name) in [
        ("request.method", ":method"),
        ("request.host", ":authority"),
        ("request.scheme", ":scheme"),
        ("request.referer", "referer"),
        ("request.useragent", "user-agent"),
        ("request.id", "x-request-id"),
    ] {
        if let Some(v) = h(name) {
            put(k, v.into());
        }
    }
    put("request.protocol", "HTTP/1.1".into());
    put("request.time", Property::Int(now as i64));
    put("request.size", Property::Int(req.body.len() as i64));
    put("request.total_size", Property::Int(req.body.len() as i64));
    put("request.duration", Property::Int(0));
    put("response.code", Property::Int(req.response.status.into()));
    put("response.size", Property::Int(req.response.body.len() as i64));
    put("response.flags", Property::Int(0));
    put("source.address", "127.0.0.1:40000".into());
    put("source.port", Property::Int(40000));
    put("destination.address", "127.0.0.1:10000".into());
    put("destination.port", Property::Int(10000));
    for (k, v) in &req.properties {
        put(k, v.clone());
    }
    p
}

/// Envoy's map encoding: count, (key len, value len) pairs, then each key
/// and value followed by a NUL.
pub fn serialize_map(map: &[(String, Vec<u8>)]) -> Vec<u8> {
    let mut out = Vec::new();
    out.extend_from_slice(&(map.len() as u32).to_le_bytes());
    for (k, v) in map {
        out.extend_from_slice(&(k.len() as u32).to_le_bytes());
        out.extend_from_slice(&(v.len() as u32).to_le_bytes());
    }
    for (k, v) in map {
        out.extend_from_slice(k.as_bytes());
        out.push(0);
        out.extend_from_slice(v);
        out.push(0);
    }
    out
}

/// The inverse of [`serialize_map`]; `None` when malformed.
pub fn deserialize_map(bytes: &[u8]) -> Option<Headers> {
    if bytes.is_empty() {
        return Some(Vec::new());
    }
    let n = u32::from_le_bytes(bytes.get(0..4)?.try_into().ok()?) as usize;
    let mut p = 4usize.checked_add(n.checked_mul(8)?)?;
    let mut out = Vec::with_capacity(n.min(1024));
    for i in 0..n {
        let s = 4 + i * 8;
        let kl = u32::from_le_bytes(bytes.get(s..s + 4)?.try_into().ok()?) as usize;
        let vl = u32::from_le_bytes(bytes.get(s + 4..s + 8)?.try_into().ok()?) as usize;
        let k = bytes.get(p..p.checked_add(kl)?)?;
        p += kl + 1;
        let v = bytes.get(p..p.checked_add(vl)?)?;
        p += vl + 1;
        out.push((String::from_utf8_lossy(k).to_ascii_lowercase(), v.to_vec()));
    }
    Some(out)
}

type Res<T> = wasmtime::Result<T>;

/// Refuses a host call the current phase does not allow (Envoy fails the VM).
fn allowed(caller: &Caller<'_, HostState>, name: &str) -> Res<()> {
    let list = match caller.data().restriction {
        Restriction::None => return Ok(()),
        Restriction::Initialize => ALLOWED_IN_INITIALIZE,
        Restriction::Malloc => ALLOWED_IN_MALLOC,
    };
    if list.contains(&name) {
        return Ok(());
    }
    let phase = if caller.data().restriction == Restriction::Initialize { "_initialize" } else { "malloc" };
    wasmtime::bail!("host call {name} is not allowed during {phase} (Envoy fails the VM)")
}

fn memory(caller: &mut Caller<'_, HostState>) -> Res<wasmtime::Memory> {
    match caller.get_export("memory") {
        Some(Extern::Memory(m)) => Ok(m),
        _ => wasmtime::bail!("the module exports no memory"),
    }
}

fn read(caller: &mut Caller<'_, HostState>, ptr: i32, len: i32) -> Res<Option<Vec<u8>>> {
    let mem = memory(caller)?;
    let (ptr, len) = (ptr as u32 as usize, len as u32 as usize);
    Ok(mem.data(&caller).get(ptr..ptr.saturating_add(len)).map(<[u8]>::to_vec))
}

fn write(caller: &mut Caller<'_, HostState>, ptr: i32, data: &[u8]) -> Res<bool> {
    let mem = memory(caller)?;
    let ptr = ptr as u32 as usize;
    match mem.data_mut(caller).get_mut(ptr..ptr.saturating_add(data.len())) {
        Some(dst) => {
            dst.copy_from_slice(data);
            Ok(true)
        }
        None => Ok(false),
    }
}

fn write_u32(caller: &mut Caller<'_, HostState>, ptr: i32, v: u32) -> Res<bool> {
    write(caller, ptr, &v.to_le_bytes())
}

/// Copies `data` into memory the guest allocates (its `malloc` or
/// `proxy_on_memory_allocate`) and stores pointer and size, as
/// proxy-wasm-cpp-host's `copyToPointerSize`; empty data is a NULL pointer.
fn copy_out(caller: &mut Caller<'_, HostState>, data: &[u8], ptr_ptr: i32, size_ptr: i32) -> Res<i32> {
    let mut addr = 0u32;
    if !data.is_empty() {
        let alloc = ["malloc", "proxy_on_memory_allocate"]
            .iter()
            .find_map(|n| caller.get_export(n).and_then(Extern::into_func));
        let Some(alloc) = alloc else {
            wasmtime::bail!("the module exports neither malloc nor proxy_on_memory_allocate");
        };
        let alloc = alloc.typed::<i32, i32>(&caller)?;
        let before = caller.data().restriction;
        if before == Restriction::None {
            caller.data_mut().restriction = Restriction::Malloc;
        }
        let r = alloc.call(&mut *caller, data.len() as i32);
        caller.data_mut().restriction = before;
        addr = r? as u32;
        if addr == 0 || !write(caller, addr as i32, data)? {
            return Ok(status::INVALID_MEMORY_ACCESS);
        }
    }
    if !write_u32(caller, ptr_ptr, addr)? || !write_u32(caller, size_ptr, data.len() as u32)? {
        return Ok(status::INVALID_MEMORY_ACCESS);
    }
    Ok(status::OK)
}

fn text(caller: &mut Caller<'_, HostState>, ptr: i32, len: i32) -> Res<Option<String>> {
    Ok(read(caller, ptr, len)?.map(|b| String::from_utf8_lossy(&b).into_owned()))
}

/// The header map of `map_type` for the current context, if it exists now.
fn map_of(s: &mut HostState, map_type: i32) -> Option<&mut Headers> {
    if map_type == 6 {
        return s.call_response.as_mut().map(|r| &mut r.headers);
    }
    if map_type == 7 {
        return s.call_response.as_mut().map(|r| &mut r.trailers);
    }
    let stream = s.stream()?;
    match map_type {
        0 => stream.request_headers.as_mut(),
        1 => stream.request_trailers.as_mut(),
        2 => stream.response_headers.as_mut(),
        3 => stream.response_trailers.as_mut(),
        _ => None,
    }
}

fn linker(
    engine: &Engine,
    module: &Module,
    store: &mut Store<HostState>,
) -> Result<Linker<HostState>, DriverError> {
    let mut linker: Linker<HostState> = Linker::new(engine);
    define_env(&mut linker).map_err(DriverError::setup)?;
    // WASI calls are not checked against the `_initialize` list: wasmtime's
    // preview 1 functions find the guest's memory only when wasm calls them
    // directly, so they can't be wrapped. logsift's `_initialize` makes none.
    p1::add_to_linker_sync(&mut linker, |s: &mut HostState| &mut s.wasi).map_err(DriverError::setup)?;
    for import in module.imports() {
        if linker.get_by_import(&mut *store, &import).is_none() {
            let what =
                if import.module() == "env" { "proxy-wasm ABI 0.2.1, as Envoy" } else { "WASI preview 1" };
            return Err(DriverError::Setup(format!(
                "the plugin imports {}.{}, which this host ({what}) does not provide",
                import.module(),
                import.name()
            )));
        }
    }
    Ok(linker)
}

fn define_env(l: &mut Linker<HostState>) -> Res<()> {
    l.func_wrap(
        "env",
        "proxy_log",
        |mut c: Caller<'_, HostState>, lvl: i32, ptr: i32, len: i32| -> Res<i32> {
            allowed(&c, "env.proxy_log")?;
            let Some(msg) = text(&mut c, ptr, len)? else { return Ok(status::INVALID_MEMORY_ACCESS) };
            c.data_mut().log(lvl as u32, msg);
            Ok(status::OK)
        },
    )?;
    l.func_wrap("env", "proxy_get_log_level", |mut c: Caller<'_, HostState>, ret: i32| -> Res<i32> {
        allowed(&c, "env.proxy_get_log_level")?;
        let lvl = c.data().cfg.log_level;
        Ok(if write_u32(&mut c, ret, lvl)? { status::OK } else { status::INVALID_MEMORY_ACCESS })
    })?;
    l.func_wrap(
        "env",
        "proxy_get_current_time_nanoseconds",
        |mut c: Caller<'_, HostState>, ret: i32| -> Res<i32> {
            allowed(&c, "env.proxy_get_current_time_nanoseconds")?;
            let now = c.data().now_nanos;
            Ok(if write(&mut c, ret, &now.to_le_bytes())? {
                status::OK
            } else {
                status::INVALID_MEMORY_ACCESS
            })
        },
    )?;
    l.func_wrap(
        "env",
        "proxy_set_tick_period_milliseconds",
        |c: Caller<'_, HostState>, ms: i32| -> Res<i32> {
            allowed(&c, "env.proxy_set_tick_period_milliseconds")?;
            let mut c = c;
            c.data_mut().tick_period_ms = ms as u32;
            Ok(status::OK)
        },
    )?;
    l.func_wrap(
        "env",
        "proxy_get_buffer_bytes",
        |mut c: Caller<'_, HostState>,
         ty: i32,
         start: i32,
         max: i32,
         ptr_ptr: i32,
         size_ptr: i32|
         -> Res<i32> {
            allowed(&c, "env.proxy_get_buffer_bytes")?;
            let s = c.data_mut();
            let buf: Option<Vec<u8>> = match ty {
                0 => s.stream().and_then(|st| st.request_body.clone()),
                1 => s.stream().and_then(|st| st.response_body.clone()),
                4 => s.call_response.as_ref().map(|r| r.body.clone()),
                6 if s.config_phase == ConfigPhase::VmStart => Some(s.cfg.vm_config.clone()),
                7 if s.config_phase == ConfigPhase::Configure => Some(s.cfg.plugin_config.clone()),
                _ => None,
            };
            let Some(buf) = buf else { return Ok(status::NOT_FOUND) };
            let (start, max) = (start as u32 as usize, max as u32 as usize);
            if start > buf.len() {
                return Ok(status::BAD_ARGUMENT);
            }
            let end = start.saturating_add(max).min(buf.len());
            if end == start {
                return Ok(status::OK);
            }
            copy_out(&mut c, &buf[start..end], ptr_ptr, size_ptr)
        },
    )?;
    l.func_wrap(
        "env",
        "proxy_set_buffer_bytes",
        |mut c: Caller<'_, HostState>, ty: i32, start: i32, size: i32, ptr: i32, len: i32| -> Res<i32> {
            allowed(&c, "env.proxy_set_buffer_bytes")?;
            let Some(data) = read(&mut c, ptr, len)? else { return Ok(status::INVALID_MEMORY_ACCESS) };
            let s = c.data_mut();
            let buf = match ty {
                0 => s.stream().and_then(|st| st.request_body.as_mut()),
                1 => s.stream().and_then(|st| st.response_body.as_mut()),
                _ => None,
            };
            let Some(buf) = buf else { return Ok(status::NOT_FOUND) };
            let (start, size) = (start as u32 as usize, size as u32 as usize);
            // Envoy's Buffer::copyFrom: replace a prefix, or append.
            if start == 0 {
                buf.drain(..size.min(buf.len()));
                buf.splice(0..0, data);
            } else if start >= buf.len() {
                buf.extend_from_slice(&data);
            } else {
                return Ok(status::BAD_ARGUMENT);
            }
            Ok(status::OK)
        },
    )?;
    l.func_wrap(
        "env",
        "proxy_get_header_map_pairs",
        |mut c: Caller<'_, HostState>, ty: i32, ptr_ptr: i32, size_ptr: i32| -> Res<i32> {
            allowed(&c, "env.proxy_get_header_map_pairs")?;
            let Some(map) = map_of(c.data_mut(), ty) else { return Ok(status::BAD_ARGUMENT) };
            let bytes = serialize_map(map);
            copy_out(&mut c, &bytes, ptr_ptr, size_ptr)
        },
    )?;
    l.func_wrap(
        "env",
        "proxy_set_header_map_pairs",
        |mut c: Caller<'_, HostState>, ty: i32, ptr: i32, len: i32| -> Res<i32> {
            allowed(&c, "env.proxy_set_header_map_pairs")?;
            let Some(raw) = read(&mut c, ptr, len)? else { return Ok(status::INVALID_MEMORY_ACCESS) };
            let Some(pairs) = deserialize_map(&raw) else { return Ok(status::BAD_ARGUMENT) };
            let Some(map) = map_of(c.data_mut(), ty) else { return Ok(status::BAD_ARGUMENT) };
            *map = pairs;
            Ok(status::OK)
        },
    )?;
    l.func_wrap(
        "env",
        "proxy_get_header_map_value",
        |mut c: Caller<'_, HostState>, ty: i32, kp: i32, kl: i32, ptr_ptr: i32, size_ptr: i32| -> Res<i32> {
            allowed(&c, "env.proxy_get_header_map_value")?;
            let Some(key) = text(&mut c, kp, kl)? else { return Ok(status::INVALID_MEMORY_ACCESS) };
            let Some(map) = map_of(c.data_mut(), ty) else { return Ok(status::BAD_ARGUMENT) };
            let key = key.to_ascii_lowercase();
            let Some(v) = map.iter().find(|(k, _)| *k == key).map(|(_, v)| v.clone()) else {
                return Ok(status::NOT_FOUND);
            };
            copy_out(&mut c, &v, ptr_ptr, size_ptr)
        },
    )?;
    for name in ["proxy_add_header_map_value", "proxy_replace_header_map_value"] {
        let add = name == "proxy_add_header_map_value";
        l.func_wrap(
            "env",
            name,
            move |mut c: Caller<'_, HostState>, ty: i32, kp: i32, kl: i32, vp: i32, vl: i32| -> Res<i32> {
                allowed(
                    &c,
                    if add { "env.proxy_add_header_map_value" } else { "env.proxy_replace_header_map_value" },
                )?;
                let Some(key) = text(&mut c, kp, kl)? else { return Ok(status::INVALID_MEMORY_ACCESS) };
                let Some(value) = read(&mut c, vp, vl)? else { return Ok(status::INVALID_MEMORY_ACCESS) };
                let Some(map) = map_of(c.data_mut(), ty) else { return Ok(status::BAD_ARGUMENT) };
                let key = key.to_ascii_lowercase();
                if add {
                    map.push((key, value));
                } else if let Some(i) = map.iter().position(|(k, _)| *k == key) {
                    map[i].1 = value;
                    let mut seen = false;
                    map.retain(|(k, _)| {
                        if *k != key {
                            return true;
                        }
                        let keep = !seen;
                        seen = true;
                        keep
                    });
                } else {
                    map.push((key, value));
                }
                Ok(status::OK)
            },
        )?;
    }
    l.func_wrap(
        "env",
        "proxy_remove_header_map_value",
        |mut c: Caller<'_, HostState>, ty: i32, kp: i32, kl: i32| -> Res<i32> {
            allowed(&c, "env.proxy_remove_header_map_value")?;
            let Some(key) = text(&mut c, kp, kl)? else { return Ok(status::INVALID_MEMORY_ACCESS) };
            let Some(map) = map_of(c.data_mut(), ty) else { return Ok(status::BAD_ARGUMENT) };
            let key = key.to_ascii_lowercase();
            map.retain(|(k, _)| *k != key);
            Ok(status::OK)
        },
    )?;
    l.func_wrap(
        "env",
        "proxy_get_property",
        |mut c: Caller<'_, HostState>, pp: i32, pl: i32, ptr_ptr: i32, size_ptr: i32| -> Res<i32> {
            allowed(&c, "env.proxy_get_property")?;
            let Some(path) = text(&mut c, pp, pl)? else { return Ok(status::INVALID_MEMORY_ACCESS) };
            let Some(v) = property(c.data_mut(), &path) else { return Ok(status::NOT_FOUND) };
            copy_out(&mut c, &v, ptr_ptr, size_ptr)
        },
    )?;
    l.func_wrap(
        "env",
        "proxy_set_property",
        |mut c: Caller<'_, HostState>, pp: i32, pl: i32, vp: i32, vl: i32| -> Res<i32> {
            allowed(&c, "env.proxy_set_property")?;
            let Some(path) = text(&mut c, pp, pl)? else { return Ok(status::INVALID_MEMORY_ACCESS) };
            let Some(v) = read(&mut c, vp, vl)? else { return Ok(status::INVALID_MEMORY_ACCESS) };
            let Some(st) = c.data_mut().stream() else { return Ok(status::NOT_FOUND) };
            st.properties.insert(path, v);
            Ok(status::OK)
        },
    )?;
    l.func_wrap(
        "env",
        "proxy_send_local_response",
        |mut c: Caller<'_, HostState>,
         code: i32,
         _dp: i32,
         _dl: i32,
         bp: i32,
         bl: i32,
         hp: i32,
         hl: i32,
         _grpc: i32|
         -> Res<i32> {
            allowed(&c, "env.proxy_send_local_response")?;
            let Some(body) = read(&mut c, bp, bl)? else { return Ok(status::INVALID_MEMORY_ACCESS) };
            let Some(raw) = read(&mut c, hp, hl)? else { return Ok(status::INVALID_MEMORY_ACCESS) };
            let Some(headers) = deserialize_map(&raw) else { return Ok(status::BAD_ARGUMENT) };
            let s = c.data_mut();
            if s.current == s.root_id {
                return Ok(status::NOT_FOUND);
            }
            let Some(st) = s.stream() else { return Ok(status::NOT_FOUND) };
            st.local_reply = Some(HttpResponse { status: code as u16, headers, body, trailers: Vec::new() });
            Ok(status::OK)
        },
    )?;
    l.func_wrap("env", "proxy_continue_stream", |mut c: Caller<'_, HostState>, _ty: i32| -> Res<i32> {
        allowed(&c, "env.proxy_continue_stream")?;
        let s = c.data_mut();
        let Some(st) = s.streams.get_mut(&s.current) else { return Ok(status::NOT_FOUND) };
        st.continued = true;
        Ok(status::OK)
    })?;
    l.func_wrap("env", "proxy_close_stream", |mut c: Caller<'_, HostState>, _ty: i32| -> Res<i32> {
        allowed(&c, "env.proxy_close_stream")?;
        let s = c.data_mut();
        let Some(st) = s.streams.get_mut(&s.current) else { return Ok(status::NOT_FOUND) };
        st.local_reply.get_or_insert_with(|| HttpResponse::status(503));
        Ok(status::OK)
    })?;
    l.func_wrap(
        "env",
        "proxy_http_call",
        |mut c: Caller<'_, HostState>,
         up: i32,
         ul: i32,
         hp: i32,
         hl: i32,
         bp: i32,
         bl: i32,
         tp: i32,
         tl: i32,
         timeout: i32,
         token_ptr: i32|
         -> Res<i32> {
            allowed(&c, "env.proxy_http_call")?;
            let (Some(cluster), Some(h), Some(body), Some(t)) =
                (text(&mut c, up, ul)?, read(&mut c, hp, hl)?, read(&mut c, bp, bl)?, read(&mut c, tp, tl)?)
            else {
                return Ok(status::INVALID_MEMORY_ACCESS);
            };
            let (Some(headers), Some(trailers)) = (deserialize_map(&h), deserialize_map(&t)) else {
                return Ok(status::BAD_ARGUMENT);
            };
            // Envoy requires these three pseudo-headers.
            for required in [":method", ":path", ":authority"] {
                if !headers.iter().any(|(k, _)| k == required) {
                    return Ok(status::BAD_ARGUMENT);
                }
            }
            let s = c.data_mut();
            let call = HttpCall {
                cluster,
                headers,
                body,
                trailers,
                timeout_ms: timeout as u32,
                at_nanos: s.now_nanos,
            };
            let answer = s.upstream.call(&call);
            let resp = match answer {
                CallAnswer::UnknownCluster => return Ok(status::BAD_ARGUMENT),
                CallAnswer::Failed => None,
                CallAnswer::Response(mut r) => {
                    r.headers.insert(0, (":status".into(), r.status.to_string().into_bytes()));
                    Some(r)
                }
            };
            let token = s.next_token;
            s.next_token += 1;
            let ctx = s.current;
            s.pending.push((ctx, token, resp));
            Ok(if write_u32(&mut c, token_ptr, token)? { status::OK } else { status::INVALID_MEMORY_ACCESS })
        },
    )?;
    l.func_wrap(
        "env",
        "proxy_define_metric",
        |mut c: Caller<'_, HostState>, kind: i32, np: i32, nl: i32, ret: i32| -> Res<i32> {
            allowed(&c, "env.proxy_define_metric")?;
            let Some(name) = text(&mut c, np, nl)? else { return Ok(status::INVALID_MEMORY_ACCESS) };
            if !(0..=2).contains(&kind) {
                return Ok(status::BAD_ARGUMENT);
            }
            let metrics = &mut c.data_mut().metrics;
            let id = match metrics.iter().position(|m| m.name == name) {
                Some(i) => i + 1,
                None => {
                    metrics.push(Metric { name, kind: kind as u32, value: 0 });
                    metrics.len()
                }
            };
            Ok(if write_u32(&mut c, ret, id as u32)? { status::OK } else { status::INVALID_MEMORY_ACCESS })
        },
    )?;
    l.func_wrap(
        "env",
        "proxy_increment_metric",
        |mut c: Caller<'_, HostState>, id: i32, by: i64| -> Res<i32> {
            allowed(&c, "env.proxy_increment_metric")?;
            let Some(m) = c.data_mut().metrics.get_mut((id as u32 as usize).wrapping_sub(1)) else {
                return Ok(status::NOT_FOUND);
            };
            if m.kind == 2 || (m.kind == 0 && by < 0) {
                return Ok(status::BAD_ARGUMENT);
            }
            m.value = m.value.saturating_add(by);
            Ok(status::OK)
        },
    )?;
    l.func_wrap("env", "proxy_record_metric", |mut c: Caller<'_, HostState>, id: i32, v: i64| -> Res<i32> {
        allowed(&c, "env.proxy_record_metric")?;
        let Some(m) = c.data_mut().metrics.get_mut((id as u32 as usize).wrapping_sub(1)) else {
            return Ok(status::NOT_FOUND);
        };
        m.value = v;
        Ok(status::OK)
    })?;
    l.func_wrap("env", "proxy_get_metric", |mut c: Caller<'_, HostState>, id: i32, ret: i32| -> Res<i32> {
        allowed(&c, "env.proxy_get_metric")?;
        let Some(m) = c.data().metrics.get((id as u32 as usize).wrapping_sub(1)) else {
            return Ok(status::NOT_FOUND);
        };
        if m.kind == 2 {
            return Ok(status::BAD_ARGUMENT);
        }
        let v = m.value as u64;
        Ok(if write(&mut c, ret, &v.to_le_bytes())? { status::OK } else { status::INVALID_MEMORY_ACCESS })
    })?;
    l.func_wrap("env", "proxy_set_effective_context", |mut c: Caller<'_, HostState>, id: i32| -> Res<i32> {
        allowed(&c, "env.proxy_set_effective_context")?;
        let s = c.data_mut();
        let id = id as u32;
        if id != s.root_id && !s.streams.contains_key(&id) {
            return Ok(status::BAD_ARGUMENT);
        }
        s.current = id;
        Ok(status::OK)
    })?;
    l.func_wrap("env", "proxy_done", |mut c: Caller<'_, HostState>| -> Res<i32> {
        allowed(&c, "env.proxy_done")?;
        let s = c.data_mut();
        if !s.shutting_down {
            return Ok(status::NOT_FOUND);
        }
        s.done = true;
        Ok(status::OK)
    })?;
    l.func_wrap(
        "env",
        "proxy_call_foreign_function",
        |c: Caller<'_, HostState>, _np: i32, _nl: i32, _ap: i32, _al: i32, _rp: i32, _rl: i32| -> Res<i32> {
            allowed(&c, "env.proxy_call_foreign_function")?;
            Ok(status::NOT_FOUND)
        },
    )?;
    l.func_wrap(
        "env",
        "proxy_get_status",
        |mut c: Caller<'_, HostState>, code_ptr: i32, ptr_ptr: i32, size_ptr: i32| -> Res<i32> {
            allowed(&c, "env.proxy_get_status")?;
            let code = c.data().call_response.as_ref().map_or(0, |r| u32::from(r.status));
            if !write_u32(&mut c, code_ptr, code)? {
                return Ok(status::INVALID_MEMORY_ACCESS);
            }
            copy_out(&mut c, &[], ptr_ptr, size_ptr)
        },
    )?;
    // Shared data: one VM, so a map with compare-and-swap versions.
    l.func_wrap(
        "env",
        "proxy_get_shared_data",
        |mut c: Caller<'_, HostState>,
         kp: i32,
         kl: i32,
         ptr_ptr: i32,
         size_ptr: i32,
         cas_ptr: i32|
         -> Res<i32> {
            allowed(&c, "env.proxy_get_shared_data")?;
            let Some(key) = text(&mut c, kp, kl)? else { return Ok(status::INVALID_MEMORY_ACCESS) };
            let Some((v, cas)) = c.data().shared.get(&key).cloned() else { return Ok(status::NOT_FOUND) };
            if !write_u32(&mut c, cas_ptr, cas)? {
                return Ok(status::INVALID_MEMORY_ACCESS);
            }
            copy_out(&mut c, &v, ptr_ptr, size_ptr)
        },
    )?;
    l.func_wrap(
        "env",
        "proxy_set_shared_data",
        |mut c: Caller<'_, HostState>, kp: i32, kl: i32, vp: i32, vl: i32, cas: i32| -> Res<i32> {
            allowed(&c, "env.proxy_set_shared_data")?;
            let (Some(key), Some(v)) = (text(&mut c, kp, kl)?, read(&mut c, vp, vl)?) else {
                return Ok(status::INVALID_MEMORY_ACCESS);
            };
            let shared = &mut c.data_mut().shared;
            let current = shared.get(&key).map_or(0, |e| e.1);
            if cas != 0 && cas as u32 != current {
                return Ok(status::CAS_MISMATCH);
            }
            shared.insert(key, (v, current.wrapping_add(1).max(1)));
            Ok(status::OK)
        },
    )?;
    // Not used by logsift: shared queues and gRPC.
    macro_rules! unimplemented_call {
        ($name:literal, $($arg:ident),*) => {
            l.func_wrap("env", $name, |c: Caller<'_, HostState>, $($arg: i32),*| -> Res<i32> {
                allowed(&c, concat!("env.", $name))?;
                $(let _ = $arg;)*
                Ok(status::UNIMPLEMENTED)
            })?;
        };
    }
    unimplemented_call!("proxy_register_shared_queue", a, b, c2);
    unimplemented_call!("proxy_resolve_shared_queue", a, b, c2, d, e);
    unimplemented_call!("proxy_dequeue_shared_queue", a, b, c2);
    unimplemented_call!("proxy_enqueue_shared_queue", a, b, c2);
    unimplemented_call!("proxy_grpc_call", a, b, c2, d, e, f, g, h, i, j, k, m);
    unimplemented_call!("proxy_grpc_stream", a, b, c2, d, e, f, g, h, i);
    unimplemented_call!("proxy_grpc_send", a, b, c2, d);
    unimplemented_call!("proxy_grpc_cancel", a);
    unimplemented_call!("proxy_grpc_close", a);
    Ok(())
}

/// A property by its `\0`-joined path, as Envoy answers it.
fn property(s: &mut HostState, path: &str) -> Option<Vec<u8>> {
    match path {
        "plugin_name" => return Some(s.cfg.name.clone().into_bytes()),
        "plugin_root_id" => return Some(s.cfg.root_id.clone().into_bytes()),
        "plugin_vm_id" => return Some(Vec::new()),
        _ => {}
    }
    let st = s.stream()?;
    if let Some(v) = st.properties.get(path) {
        return Some(v.clone());
    }
    let parts: Vec<&str> = path.split('\0').collect();
    let map = match parts.first().zip(parts.get(1)) {
        Some((&"request", &"headers")) => st.request_headers.as_ref()?,
        Some((&"response", &"headers")) => st.response_headers.as_ref()?,
        Some((&"response", &"trailers")) => st.response_trailers.as_ref()?,
        _ => return None,
    };
    match parts.get(2) {
        None if parts.len() == 2 => Some(serialize_map(map)),
        Some(name) if parts.len() == 3 => {
            let name = name.to_ascii_lowercase();
            map.iter().find(|(k, _)| *k == name).map(|(_, v)| v.clone())
        }
        _ => None,
    }
}

/// The request an Envoy JSON access-log entry describes (the field names
/// of Istio's and Envoy's usual JSON format; `-` is treated as absent):
///
/// | entry field | becomes |
/// |---|---|
/// | `method`, `path`, `authority` | `:method`, `:path`, `:authority` (and `request.*`) |
/// | `response_code` | the response status (`response.code`) |
/// | `user_agent`, `x_forwarded_for`, `request_id`, `traceparent`, `referer` | request headers |
/// | `bytes_received`, `bytes_sent` | `request.size`, `response.size` |
/// | `duration` (ms) | `request.duration` (ns) |
/// | `downstream_remote_address` | `source.address` |
/// | `upstream_cluster`, `route_name`, `upstream_host`, `protocol` | `xds.cluster_name`, `xds.route_name`, `upstream.address`, `request.protocol` |
pub fn access_log_request(entry: &serde_json::Value) -> Request {
    let s = |k: &str| entry.get(k).and_then(|v| v.as_str()).map(str::to_owned);
    let n =
        |k: &str| entry.get(k).and_then(|v| v.as_i64().or_else(|| v.as_str().and_then(|t| t.parse().ok())));
    let mut headers: Vec<(&str, String)> = Vec::new();
    for (field, header) in [
        ("user_agent", "user-agent"),
        ("x_forwarded_for", "x-forwarded-for"),
        ("request_id", "x-request-id"),
        ("traceparent", "traceparent"),
        ("referer", "referer"),
    ] {
        if let Some(v) = s(field).filter(|v| v != "-") {
            headers.push((header, v));
        }
    }
    let hdrs: Vec<(&str, &str)> = headers.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let mut req = Request::new(
        &s("method").unwrap_or_else(|| "GET".into()),
        &s("path").unwrap_or_else(|| "/".into()),
        &hdrs,
        Vec::new(),
    );
    if let Some(a) = s("authority") {
        req.headers[0].1 = a.into_bytes();
    }
    req.response = HttpResponse::status(n("response_code").unwrap_or(0) as u16);
    let mut props: BTreeMap<&str, Property> = BTreeMap::new();
    if let Some(v) = n("bytes_received") {
        props.insert("request.size", Property::Int(v));
    }
    if let Some(v) = n("bytes_sent") {
        props.insert("response.size", Property::Int(v));
    }
    if let Some(v) = n("duration") {
        // Envoy's %DURATION% is milliseconds; request.duration is nanoseconds.
        props.insert("request.duration", Property::Int(v * 1_000_000));
    }
    if let Some(v) = s("downstream_remote_address") {
        props.insert("source.address", v.into());
    }
    if let Some(v) = s("upstream_cluster") {
        props.insert("xds.cluster_name", v.into());
    }
    if let Some(v) = s("route_name") {
        props.insert("xds.route_name", v.into());
    }
    if let Some(v) = s("upstream_host") {
        props.insert("upstream.address", v.into());
    }
    if let Some(v) = s("protocol") {
        props.insert("request.protocol", v.into());
    }
    req.properties = props.into_iter().map(|(k, v)| (k.to_owned(), v)).collect();
    req
}

/// The cluster the CLI and the tests give alert events to (`proxy.alertmanager`).
pub const ALERTS_CLUSTER: &str = "logsift_alertmanager";
/// The cluster the access logger ships batches to (`proxy.collector`).
pub const COLLECTOR_CLUSTER: &str = "logsift_collector";

/// The config document with its `proxy` section set for `role`: alert
/// events go to [`ALERTS_CLUSTER`] unless an Alertmanager is configured,
/// and for `access_log`, batches go to [`COLLECTOR_CLUSTER`] as NDJSON. A
/// document that is not a JSON object is passed on for the plugin to reject.
pub fn plugin_config_for(config: &[u8], role: &str) -> Vec<u8> {
    let Ok(serde_json::Value::Object(mut doc)) = serde_json::from_slice::<serde_json::Value>(config) else {
        return config.to_vec();
    };
    let proxy = doc.entry("proxy").or_insert_with(|| serde_json::json!({}));
    if let Some(p) = proxy.as_object_mut() {
        p.insert("role".into(), role.into());
        p.entry("alertmanager").or_insert_with(|| serde_json::json!({"cluster": ALERTS_CLUSTER}));
        if role == "access_log" {
            let max = p
                .get("collector")
                .and_then(|c| c.get("max_batch_records"))
                .cloned()
                .unwrap_or_else(|| 500.into());
            p.insert(
                "collector".into(),
                serde_json::json!({"cluster": COLLECTOR_CLUSTER, "format": "ndjson", "max_batch_records": max}),
            );
        }
    }
    serde_json::to_vec(&doc).unwrap_or_else(|_| config.to_vec())
}

/// What the in-process clusters received.
#[derive(Debug, Default)]
pub(crate) struct Received {
    signals: Vec<logsift_core::AlertEvent>,
    collector: Vec<Vec<u8>>,
    errors: Vec<String>,
}

/// An upstream with the two logsift clusters, recording what they receive.
pub(crate) fn recording_upstream() -> (Box<dyn Upstream + Send>, std::sync::Arc<std::sync::Mutex<Received>>) {
    let rec = std::sync::Arc::new(std::sync::Mutex::new(Received::default()));
    let r = rec.clone();
    let up = move |call: &HttpCall| -> CallAnswer {
        let Ok(mut r) = r.lock() else { return CallAnswer::Failed };
        match call.cluster.as_str() {
            ALERTS_CLUSTER => match serde_json::from_slice::<Vec<logsift_core::AlertEvent>>(&call.body) {
                Ok(events) => r.signals.extend(events),
                Err(e) => r.errors.push(format!("alert POST is not a list of alerts: {e}")),
            },
            COLLECTOR_CLUSTER => r.collector.extend(crate::lines(&call.body).map(<[u8]>::to_vec)),
            _ => return CallAnswer::UnknownCluster,
        }
        CallAnswer::Response(HttpResponse::status(200))
    };
    (Box::new(up), rec)
}

/// Counters of the run, from the metrics the plugin defined.
pub(crate) fn finish_run(
    vm: &ProxyWasm,
    records: Vec<Vec<u8>>,
    rec: &Received,
    mut errors: Vec<String>,
) -> (crate::Run, Vec<String>) {
    let m = |n: &str| vm.metric(n).max(0) as u64;
    let dropped =
        |reason: &str| vm.metric_where("logsift_records_dropped_total", "reason", reason).max(0) as u64;
    let stats = logsift_core::Stats {
        records_in: m("logsift_records_in_total"),
        records_out: m("logsift_records_out_total"),
        sampled: dropped("sampled"),
        rate_limited: dropped("rate_limited"),
        dropped_by_rule: dropped("rule"),
        ..logsift_core::Stats::default()
    };
    let counts = crate::HostCounts {
        records_in: stats.records_in,
        records_out: stats.records_out,
        dropped: stats.sampled + stats.rate_limited + stats.dropped_by_rule,
        errors: m("logsift_errors_total"),
    };
    // The plugin's metrics as Envoy's /stats/prometheus shows them with the
    // shipped configs' stats_tags: custom-namespace names without the
    // `envoy_wasmcustom_` prefix, labels extracted, one TYPE line a family.
    let mut metrics = String::new();
    let mut typed = std::collections::HashSet::new();
    let mut redactions = Vec::new();
    for x in vm.metrics() {
        let (family, labels) = x.series();
        if typed.insert(family) {
            let kind = ["counter", "gauge", "histogram"].get(x.kind as usize).copied().unwrap_or("untyped");
            metrics.push_str(&format!("# TYPE {family} {kind}\n"));
        }
        let labels: Vec<String> = labels.iter().map(|(k, v)| format!("{k}=\"{v}\"")).collect();
        if labels.is_empty() {
            metrics.push_str(&format!("{family} {}\n", x.value));
        } else {
            metrics.push_str(&format!("{family}{{{}}} {}\n", labels.join(","), x.value));
        }
        if family == "logsift_redactions_total"
            && let Some(detector) = x.label("detector")
        {
            redactions.push((detector.to_owned(), x.value.max(0) as u64));
        }
    }
    errors.extend(rec.errors.iter().cloned());
    let run = crate::Run {
        records,
        signals: rec.signals.clone(),
        metrics,
        redactions,
        stats,
        host_counts: Some(counts),
    };
    (run, errors)
}

/// Compiles `plugin` once per process (per path and modification time):
/// a test or a CLI run that drives the same module again does not pay for
/// Cranelift twice.
pub(crate) fn load(plugin: &std::path::Path) -> Result<(Engine, Module), DriverError> {
    type Cache = HashMap<std::path::PathBuf, (Option<std::time::SystemTime>, Engine, Module)>;
    static CACHE: std::sync::OnceLock<std::sync::Mutex<Cache>> = std::sync::OnceLock::new();
    let mtime = std::fs::metadata(plugin).and_then(|m| m.modified()).ok();
    let cache = CACHE.get_or_init(Default::default);
    if let Ok(c) = cache.lock()
        && let Some((t, e, m)) = c.get(plugin)
        && *t == mtime
    {
        return Ok((e.clone(), m.clone()));
    }
    let engine = crate::fluent_bit::engine()?;
    let module = Module::from_file(&engine, plugin)
        .map_err(|e| DriverError::Setup(format!("{}: {e:#}", plugin.display())))?;
    if let Ok(mut c) = cache.lock() {
        c.insert(plugin.to_path_buf(), (mtime, engine.clone(), module.clone()));
    }
    Ok((engine, module))
}

/// Runs `records` through the plugin in the `ingest` role: up to
/// `batch_lines` lines per POSTed NDJSON body, at the clock time of the
/// batch's first line. The records are the lines of the bodies that reach
/// the upstream; signals are the alert events POSTed to Alertmanager.
/// Returns the run and one line per rejected body.
pub fn run_envoy_ingest<'a>(
    plugin: &std::path::Path,
    config: &[u8],
    records: impl IntoIterator<Item = &'a [u8]>,
    clock: crate::Clock,
    batch_lines: usize,
    mut on_record: impl FnMut(usize),
) -> Result<(crate::Run, Vec<String>), DriverError> {
    let (engine, module) = load(plugin)?;
    let (up, rec) = recording_upstream();
    let cfg = ProxyWasmConfig {
        plugin_config: plugin_config_for(config, "ingest"),
        // The bodies are ours, not a client's: only the module's own
        // `proxy.max_body_bytes` applies, not a listener's buffer limit.
        buffer_limit: usize::MAX,
        ..ProxyWasmConfig::default()
    };
    let mut vm = ProxyWasm::new(&engine, &module, cfg, up, clock.nanos(0))?;
    let records: Vec<&[u8]> = records.into_iter().collect();
    let mut out = Vec::new();
    let mut errors = Vec::new();
    for (b, batch) in records.chunks(batch_lines.max(1)).enumerate() {
        let first = b * batch_lines.max(1);
        let t = clock.nanos(first);
        vm.set_clock(t);
        let mut body = Vec::new();
        for l in batch {
            body.extend_from_slice(l);
            body.push(b'\n');
        }
        let req = Request::post("/ingest", &[("content-type", "application/x-ndjson")], body);
        let ex = vm.http(req)?;
        match ex.forwarded {
            Some((_, body)) if !ex.local_reply => out.extend(crate::lines(&body).map(<[u8]>::to_vec)),
            _ => errors.push(format!(
                "lines {}-{}: {} {}",
                first + 1,
                first + batch.len(),
                ex.response.status,
                String::from_utf8_lossy(&ex.response.body).trim()
            )),
        }
        vm.set_time(t)?;
        for i in first..first + batch.len() {
            on_record(i);
        }
    }
    let rec = rec.lock().map_err(|_| DriverError::Guest("upstream state poisoned".into()))?;
    Ok(finish_run(&vm, out, &rec, errors))
}

/// Runs Envoy JSON access-log lines (see [`access_log_request`]) through
/// the plugin in the `access_log` role: each line becomes one request whose
/// `on_log` the root context gets. The records are what the logger ships to
/// its collector; the timer flushes the last batch one tick after the end.
pub fn run_envoy_log<'a>(
    plugin: &std::path::Path,
    config: &[u8],
    records: impl IntoIterator<Item = &'a [u8]>,
    clock: crate::Clock,
    mut on_record: impl FnMut(usize),
) -> Result<(crate::Run, Vec<String>), DriverError> {
    let (engine, module) = load(plugin)?;
    let (up, rec) = recording_upstream();
    let cfg = ProxyWasmConfig {
        plugin_config: plugin_config_for(config, "access_log"),
        ..ProxyWasmConfig::default()
    };
    let mut vm = ProxyWasm::new(&engine, &module, cfg, up, clock.nanos(0))?;
    let mut errors = Vec::new();
    let mut last = clock.nanos(0);
    for (i, line) in records.into_iter().enumerate() {
        let t = clock.nanos(i);
        last = t;
        vm.set_clock(t);
        match serde_json::from_slice::<serde_json::Value>(line) {
            Ok(v @ serde_json::Value::Object(_)) => vm.access_log(&access_log_request(&v))?,
            _ => errors.push(format!("line {}: not an Envoy JSON access-log entry", i + 1)),
        }
        vm.set_time(t)?;
        on_record(i);
    }
    vm.set_time(last + 1_000_000_001)?;
    let rec = rec.lock().map_err(|_| DriverError::Guest("upstream state poisoned".into()))?;
    let records = rec.collector.clone();
    Ok(finish_run(&vm, records, &rec, errors))
}
