//! A Fluent Bit `filter_wasm` host on wasmtime, following Fluent Bit's own
//! source (`src/wasm/flb_wasm.c`, `plugins/filter_wasm`) in JSON event mode,
//! version ≥ 4.1:
//!
//! - one instance lives for the whole run (`reset_per_chunk` mimics < 4.1,
//!   where the instance was re-created per chunk);
//! - WASI with the `accessible_paths` preopened under their own names, no
//!   arguments, no environment, the host's stderr;
//! - WAMR's app heap of `wasm_heap_size` bytes appended to linear memory at
//!   instantiation; per record, the tag and the record are copied into it
//!   with their NUL (`wasm_runtime_module_dup_data(…, len + 1)`); when one
//!   does not fit, its pointer is 0 (NULL) and the real length is passed;
//! - the function's return value is a pointer to a NUL-terminated string,
//!   copied (`strdup`); 0 or `""` drops the record; anything Fluent Bit
//!   can't parse as a JSON map is dropped with an error;
//! - a trap is reported and the record dropped, as `wasm_runtime_call_wasm`
//!   failing does.
//!
//! Limits on top of Fluent Bit's: an epoch deadline per call and a memory
//! cap, so a plugin that loops or hoards memory gets a clear error. WAMR's
//! `wasm_stack_size` counts interpreter frames, which wasmtime does not
//! have: the harness runs guests with a 2 MiB native wasm stack instead, and
//! stack depth is kept low in the plugin itself (no recursion per record).

use std::path::PathBuf;
use std::time::Duration;

use wasmtime::{Engine, Instance, Linker, Memory, Module, Store, StoreLimits, StoreLimitsBuilder, TypedFunc};
use wasmtime_wasi::p1::{self, WasiP1Ctx};
use wasmtime_wasi::{FsPerms, WasiCtxBuilder};

use crate::DriverError;

/// Fluent Bit's `FLB_WASM_DEFAULT_HEAP_SIZE` / `FLB_WASM_DEFAULT_STACK_SIZE`.
pub const FLB_DEFAULT_HEAP: u32 = 8192;
/// See [`FLB_DEFAULT_HEAP`].
pub const FLB_DEFAULT_STACK: usize = 8192;

/// The `[FILTER] Name wasm` settings, plus the harness's own limits.
#[derive(Debug, Clone)]
pub struct FluentBitConfig {
    /// `function_name`.
    pub function: String,
    /// `wasm_heap_size` in bytes.
    pub heap_size: u32,
    /// `wasm_stack_size` in bytes.
    pub stack_size: usize,
    /// `accessible_paths`.
    pub accessible_paths: Vec<PathBuf>,
    /// Re-create the instance every this many records (Fluent Bit < 4.1
    /// did so per chunk); `None` keeps one instance.
    pub reset_per_chunk: Option<usize>,
    /// Longest a single call may run.
    pub timeout: Duration,
    /// Most linear memory the instance may have.
    pub memory_limit: usize,
}

impl Default for FluentBitConfig {
    fn default() -> Self {
        FluentBitConfig {
            function: "logsift_filter".into(),
            heap_size: FLB_DEFAULT_HEAP,
            stack_size: FLB_DEFAULT_STACK,
            accessible_paths: Vec::new(),
            reset_per_chunk: None,
            timeout: Duration::from_secs(5),
            memory_limit: 512 << 20,
        }
    }
}

struct HostState {
    wasi: WasiP1Ctx,
    limits: StoreLimits,
}

/// What Fluent Bit makes of one call.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FilterResult {
    /// The record Fluent Bit passes on (the returned JSON map).
    Keep(Vec<u8>),
    /// NULL or `""`: the record is dropped.
    Drop,
}

/// A running `filter_wasm` instance.
pub struct FluentBit {
    engine: Engine,
    module: Module,
    cfg: FluentBitConfig,
    store: Store<HostState>,
    memory: Memory,
    func: TypedFunc<(i32, i32, i32, i32, i32, i32), i32>,
    heap_base: u32,
    calls: usize,
}

impl std::fmt::Debug for FluentBit {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FluentBit").field("cfg", &self.cfg).field("calls", &self.calls).finish()
    }
}

/// An engine configured like every harness driver: epoch interruption for
/// deadlines, and a ticker thread that advances the epoch every 10 ms.
pub fn engine() -> Result<Engine, DriverError> {
    let mut c = wasmtime::Config::new();
    c.epoch_interruption(true);
    c.max_wasm_stack(2 << 20);
    // `LOGSIFT_PERFMAP=1` writes /tmp/perf-<pid>.map, so `perf record` can
    // name the plugin's functions when profiling a driver.
    if std::env::var_os("LOGSIFT_PERFMAP").is_some() {
        c.profiler(wasmtime::ProfilingStrategy::PerfMap);
    }
    // Wasmtime's compilation cache (under the user's cache directory): a
    // second `logsift run` on the same plugin skips the ~1 s Cranelift
    // compile. `LOGSIFT_NO_CACHE=1` turns it off; a cache that can't be set
    // up (no home, read-only disk) just means compiling every time.
    if std::env::var_os("LOGSIFT_NO_CACHE").is_none()
        && let Ok(cache) = wasmtime::Cache::from_file(None)
    {
        c.cache(Some(cache));
    }
    let engine = Engine::new(&c).map_err(DriverError::setup)?;
    let weak = engine.weak();
    std::thread::spawn(move || {
        while let Some(e) = weak.upgrade() {
            e.increment_epoch();
            drop(e);
            std::thread::sleep(Duration::from_millis(10));
        }
    });
    Ok(engine)
}

impl FluentBit {
    /// Instantiates `module` as Fluent Bit would.
    pub fn new(engine: &Engine, module: &Module, cfg: FluentBitConfig) -> Result<Self, DriverError> {
        let (store, memory, func, heap_base) = instantiate(engine, module, &cfg)?;
        Ok(FluentBit {
            engine: engine.clone(),
            module: module.clone(),
            cfg,
            store,
            memory,
            func,
            heap_base,
            calls: 0,
        })
    }

    /// The guest's linear memory size in bytes.
    pub fn memory_size(&self) -> usize {
        self.memory.data_size(&self.store)
    }

    /// One record through the filter: `record` is the JSON map Fluent Bit
    /// made of the event (without NUL). A record that does not fit the heap
    /// arrives as a NULL pointer with its real length, as in Fluent Bit.
    pub fn filter(
        &mut self,
        tag: &[u8],
        sec: u32,
        nsec: u32,
        record: &[u8],
    ) -> Result<FilterResult, DriverError> {
        if let Some(every) = self.cfg.reset_per_chunk
            && self.calls > 0
            && self.calls.is_multiple_of(every.max(1))
        {
            let (store, memory, func, heap_base) = instantiate(&self.engine, &self.module, &self.cfg)?;
            (self.store, self.memory, self.func, self.heap_base) = (store, memory, func, heap_base);
        }
        self.calls += 1;
        // WAMR's app heap: a fresh allocation per call, freed after it.
        let mut cursor = self.heap_base as usize;
        let heap_end = self.heap_base as usize + self.cfg.heap_size as usize;
        let mut dup = |store: &mut Store<HostState>, mem: &Memory, data: &[u8]| -> u32 {
            let need = data.len() + 1;
            let start = cursor.next_multiple_of(8);
            if start + need > heap_end {
                return 0;
            }
            let bytes = mem.data_mut(store);
            bytes[start..start + data.len()].copy_from_slice(data);
            bytes[start + data.len()] = 0;
            cursor = start + need;
            start as u32
        };
        let tag_ptr = dup(&mut self.store, &self.memory, tag);
        let rec_ptr = dup(&mut self.store, &self.memory, record);
        self.store.set_epoch_deadline((self.cfg.timeout.as_millis() / 10).max(1) as u64);
        let args =
            (tag_ptr as i32, tag.len() as i32, sec as i32, nsec as i32, rec_ptr as i32, record.len() as i32);
        let ret = self.func.call(&mut self.store, args).map_err(DriverError::trap)? as u32;
        if ret == 0 {
            return Ok(FilterResult::Drop);
        }
        let mem = self.memory.data(&self.store);
        let start = ret as usize;
        let Some(tail) = mem.get(start..) else {
            return Err(DriverError::Guest(format!("returned pointer {start:#x} is outside memory")));
        };
        let Some(len) = tail.iter().position(|&b| b == 0) else {
            return Err(DriverError::Guest("returned string has no NUL before the end of memory".into()));
        };
        let out = tail[..len].to_vec();
        if out.is_empty() {
            return Ok(FilterResult::Drop);
        }
        // Fluent Bit packs the returned JSON back to msgpack; a non-map
        // or invalid JSON is an error and the record is lost.
        // (Checked without building a tree: a leading `{` and a valid
        // document make a map.)
        let is_map = out.iter().find(|b| !b.is_ascii_whitespace()) == Some(&b'{')
            && serde_json::from_slice::<serde::de::IgnoredAny>(&out).is_ok();
        if !is_map {
            return Err(DriverError::Guest(format!(
                "returned text is not a JSON map: {}",
                String::from_utf8_lossy(&out[..out.len().min(200)])
            )));
        }
        Ok(FilterResult::Keep(out))
    }
}

type Instantiated = (Store<HostState>, Memory, TypedFunc<(i32, i32, i32, i32, i32, i32), i32>, u32);

fn instantiate(engine: &Engine, module: &Module, cfg: &FluentBitConfig) -> Result<Instantiated, DriverError> {
    let mut linker: Linker<HostState> = Linker::new(engine);
    p1::add_to_linker_sync(&mut linker, |s: &mut HostState| &mut s.wasi).map_err(DriverError::setup)?;
    let mut wasi = WasiCtxBuilder::new();
    wasi.inherit_stderr();
    for dir in &cfg.accessible_paths {
        let guest = dir.to_string_lossy().into_owned();
        wasi.preopened_dir(dir, &guest, FsPerms::ReadOnly)
            .map_err(|e| DriverError::Setup(format!("accessible_paths {}: {e}", dir.display())))?;
    }
    let limits = StoreLimitsBuilder::new().memory_size(cfg.memory_limit).trap_on_grow_failure(true).build();
    let mut store = Store::new(engine, HostState { wasi: wasi.build_p1(), limits });
    store.limiter(|s| &mut s.limits);
    store.set_epoch_deadline((cfg.timeout.as_millis() / 10).max(1) as u64);
    let instance: Instance = linker.instantiate(&mut store, module).map_err(DriverError::setup)?;
    // A WASI reactor initialises its runtime before any export is called.
    if let Ok(init) = instance.get_typed_func::<(), ()>(&mut store, "_initialize") {
        init.call(&mut store, ()).map_err(DriverError::trap)?;
    }
    let memory = instance
        .get_memory(&mut store, "memory")
        .ok_or_else(|| DriverError::Setup("the module exports no memory".into()))?;
    let func = instance
        .get_typed_func::<(i32, i32, i32, i32, i32, i32), i32>(&mut store, &cfg.function)
        .map_err(|e| DriverError::Setup(format!("function_name {}: {e}", cfg.function)))?;
    // The app heap goes after the module's initial memory, as WAMR inserts it.
    let base = memory.data_size(&store);
    let pages = u64::from(cfg.heap_size).div_ceil(65536);
    memory.grow(&mut store, pages).map_err(|e| DriverError::Setup(format!("wasm_heap_size: {e}")))?;
    Ok((store, memory, func, base as u32))
}
