//! The host side of `benches/wasm-parts`: builds the module and calls its
//! exports, for the hosts bench's `structlog_engine_parts` group and for the
//! test that keeps that group honest (`tests/wasm_parts.rs`). The module's
//! `fluent_bit_echo` export is not called from here: the bench and the test
//! load the module [`Parts::build`] makes into the harness's Fluent Bit
//! driver.

use std::path::{Path, PathBuf};

use wasmtime::{Engine, Linker, Module, Store, TypedFunc};
use wasmtime_wasi::WasiCtxBuilder;
use wasmtime_wasi::p1::{self, WasiP1Ctx};

/// An instance of the engine-parts module holding a set of records.
pub struct Parts {
    store: Store<WasiP1Ctx>,
    strict: TypedFunc<u32, u64>,
    floor: TypedFunc<u32, u64>,
    walk: TypedFunc<u32, u64>,
}

impl std::fmt::Debug for Parts {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Parts").finish_non_exhaustive()
    }
}

impl Parts {
    /// Builds the module for wasm32-wasip1 with a cargo `profile` and extra
    /// target `features` (`""` scalar, like the Fluent Bit module;
    /// `"+simd128"`, like the component).
    pub fn build(profile: &str, features: &str) -> Result<PathBuf, String> {
        logsift_host::build_fixture_as("logsift-fixture-engine-parts", "wasm32-wasip1", profile, features)
    }

    /// Instantiates `wasm` (a reactor: `_initialize` first) under `engine`
    /// and hands it `records` as NDJSON.
    pub fn new(engine: &Engine, wasm: &Path, records: &[Vec<u8>]) -> Result<Parts, String> {
        let e = |e: wasmtime::Error| format!("{}: {e:#}", wasm.display());
        let module = Module::from_file(engine, wasm).map_err(e)?;
        let mut linker = Linker::new(engine);
        p1::add_to_linker_sync(&mut linker, |s| s).map_err(e)?;
        let mut store = Store::new(engine, WasiCtxBuilder::new().build_p1());
        // The drivers' engine interrupts at epoch deadlines; these calls run
        // as long as the bench needs.
        store.set_epoch_deadline(1 << 40);
        let instance = linker.instantiate(&mut store, &module).map_err(e)?;
        if let Ok(init) = instance.get_typed_func::<(), ()>(&mut store, "_initialize") {
            init.call(&mut store, ()).map_err(e)?;
        }
        let mut ndjson = records.join(&b'\n');
        ndjson.push(b'\n');
        let buffer = instance.get_typed_func::<u32, u32>(&mut store, "records_buffer").map_err(e)?;
        let at = buffer.call(&mut store, ndjson.len() as u32).map_err(e)?;
        let memory = instance.get_memory(&mut store, "memory").ok_or("no memory export")?;
        memory.write(&mut store, at as usize, &ndjson).map_err(|err| err.to_string())?;
        let load = instance.get_typed_func::<(), u32>(&mut store, "load").map_err(e)?;
        let n = load.call(&mut store, ()).map_err(e)?;
        if n as usize != records.len() {
            return Err(format!("{}: loaded {n} of {} records", wasm.display(), records.len()));
        }
        let strict = instance.get_typed_func(&mut store, "strict").map_err(e)?;
        let floor = instance.get_typed_func(&mut store, "regex_passes_only").map_err(e)?;
        let walk = instance.get_typed_func(&mut store, "json_walk_only").map_err(e)?;
        Ok(Parts { store, strict, floor, walk })
    }

    /// Every record through the strict preset `rounds` times: bytes kept.
    pub fn strict(&mut self, rounds: u32) -> Result<u64, String> {
        self.strict.call(&mut self.store, rounds).map_err(|e| format!("{e:#}"))
    }

    /// The strict preset's regex passes alone, `rounds` times: raw matches.
    pub fn regex_passes_only(&mut self, rounds: u32) -> Result<u64, String> {
        self.floor.call(&mut self.store, rounds).map_err(|e| format!("{e:#}"))
    }

    /// The JSON walk alone over the records the strict scrub walks, `rounds`
    /// times: tokens read (see [`crate::json_tokens`]).
    pub fn json_walk_only(&mut self, rounds: u32) -> Result<u64, String> {
        self.walk.call(&mut self.store, rounds).map_err(|e| format!("{e:#}"))
    }
}
