//! Plugins that misbehave: they trap, loop forever or grow memory without
//! bound, in the Fluent Bit and proxy-wasm drivers (modules written as WAT)
//! and the component driver (`fixtures/bad-component`, a Rust component of
//! the logsift WIT world). Each must end in a clear `DriverError` within its
//! deadline, and the harness must not hang.

mod common;

use std::time::{Duration, Instant};

use logsift_host::DriverError;
use logsift_host::component::{ComponentConfig, ComponentPlugin};
use logsift_host::fluent_bit::{FluentBit, FluentBitConfig, engine};
use logsift_host::proxy_wasm::{CallAnswer, HttpCall, ProxyWasm, ProxyWasmConfig, Request};
use wasmtime::Module;

/// Bodies for the misbehaving function.
const TRAP: &str = "unreachable";
const LOOP: &str = "(loop $l (br $l))";
/// Grows one 64 KiB page at a time for as long as the host allows, then
/// aborts as a Rust allocator does on failure.
const HOG: &str = "(block $done (loop $l (br_if $done (i32.eq (memory.grow (i32.const 1)) (i32.const -1))) (br $l))) unreachable";

const TIMEOUT: Duration = Duration::from_millis(300);
const MEMORY_LIMIT: usize = 64 << 20;

/// What each misbehaviour must say, and the longest it may take to say it.
fn check(kind: &str, err: DriverError, started: Instant, callback: &str) {
    let text = err.to_string();
    let want = match kind {
        "trap" => "`unreachable` instruction executed",
        "loop" => "ran past its deadline",
        _ => "hit the memory limit",
    };
    assert!(matches!(err, DriverError::Trap(_)), "{kind}: {err:?}");
    assert!(text.contains(want), "{kind}: {text}");
    assert!(text.contains(callback), "{kind}: the error does not name {callback}: {text}");
    let took = started.elapsed();
    assert!(took < TIMEOUT * 10, "{kind}: took {took:?}");
}

fn fluent_bit_module(body: &str) -> String {
    format!(
        r#"(module
             (memory (export "memory") 1)
             (func (export "logsift_filter") (param i32 i32 i32 i32 i32 i32) (result i32)
               {body}
               i32.const 0))"#
    )
}

#[test]
fn fluent_bit_driver_stops_bad_plugins() {
    let engine = engine().unwrap();
    for (kind, body) in [("trap", TRAP), ("loop", LOOP), ("hog", HOG)] {
        let module = Module::new(&engine, wat::parse_str(fluent_bit_module(body)).unwrap()).unwrap();
        let cfg =
            FluentBitConfig { timeout: TIMEOUT, memory_limit: MEMORY_LIMIT, ..FluentBitConfig::default() };
        let mut fb = FluentBit::new(&engine, &module, cfg).unwrap();
        let started = Instant::now();
        let err = fb.filter(b"t", 1, 0, br#"{"m": 1}"#).expect_err(kind);
        check(kind, err, started, "plugin");
    }
}

/// A proxy-wasm module whose `proxy_on_request_headers` (or, with
/// `in_configure`, `proxy_on_configure`) runs `body`.
fn proxy_module(body: &str, in_configure: bool) -> String {
    let (configure, headers) = if in_configure { (body, "") } else { ("", body) };
    format!(
        r#"(module
             (memory (export "memory") 1)
             (global $heap (mut i32) (i32.const 1024))
             (func (export "proxy_abi_version_0_2_1"))
             (func (export "_initialize"))
             (func (export "proxy_on_memory_allocate") (param $n i32) (result i32)
               (local $p i32)
               (local.set $p (global.get $heap))
               (global.set $heap (i32.add (global.get $heap) (local.get $n)))
               (local.get $p))
             (func (export "proxy_on_context_create") (param i32 i32))
             (func (export "proxy_on_vm_start") (param i32 i32) (result i32) (i32.const 1))
             (func (export "proxy_on_configure") (param i32 i32) (result i32) {configure} (i32.const 1))
             (func (export "proxy_on_request_headers") (param i32 i32 i32) (result i32) {headers} (i32.const 0)))"#
    )
}

fn proxy_vm(wat: &str) -> Result<ProxyWasm, DriverError> {
    let engine = engine().unwrap();
    let module = Module::new(&engine, wat::parse_str(wat).unwrap()).unwrap();
    let cfg = ProxyWasmConfig { timeout: TIMEOUT, memory_limit: MEMORY_LIMIT, ..ProxyWasmConfig::default() };
    let up = |_: &HttpCall| CallAnswer::UnknownCluster;
    ProxyWasm::new(&engine, &module, cfg, Box::new(up), 0)
}

#[test]
fn proxy_wasm_driver_stops_bad_plugins() {
    for (kind, body) in [("trap", TRAP), ("loop", LOOP), ("hog", HOG)] {
        // In a stream callback…
        let mut vm = proxy_vm(&proxy_module(body, false)).unwrap();
        let started = Instant::now();
        let err = vm.http(Request::new("GET", "/", &[], Vec::new())).expect_err(kind);
        check(kind, err, started, "proxy_on_request_headers");
        // …the VM is failed from then on, as Envoy stops using it.
        let again = vm.http(Request::new("GET", "/", &[], Vec::new())).expect_err("a failed VM ran again");
        assert!(again.to_string().contains("proxy_on_request_headers"), "{again}");
        // …and while the plugin is configured.
        let started = Instant::now();
        let err = proxy_vm(&proxy_module(body, true)).expect_err(kind);
        check(kind, err, started, "proxy_on_configure");
    }
}

#[test]
fn proxy_wasm_driver_names_a_missing_import() {
    let wat = r#"(module
        (import "env" "proxy_get_configuration" (func (param i32 i32) (result i32)))
        (memory (export "memory") 1)
        (func (export "proxy_abi_version_0_2_1")))"#;
    let err = proxy_vm(wat).expect_err("linked a missing import");
    assert!(matches!(err, DriverError::Setup(_)), "{err:?}");
    assert!(err.to_string().contains("env.proxy_get_configuration"), "{err}");
}

#[test]
fn proxy_wasm_driver_refuses_modules_without_the_abi_marker() {
    let err =
        proxy_vm(r#"(module (memory (export "memory") 1))"#).expect_err("loaded a non-proxy-wasm module");
    assert!(err.to_string().contains("proxy_abi_version_0_2_1"), "{err}");
}

/// Envoy allows only logging of the proxy-wasm calls during `_initialize`.
#[test]
fn only_logging_is_allowed_during_initialize() {
    let module = |call: &str| {
        format!(
            r#"(module
                 (import "env" "proxy_log" (func $log (param i32 i32 i32) (result i32)))
                 (import "env" "proxy_set_tick_period_milliseconds" (func $tick (param i32) (result i32)))
                 (memory (export "memory") 1)
                 (data (i32.const 16) "hello")
                 (func (export "proxy_abi_version_0_2_1"))
                 (func (export "_initialize") {call} drop))"#
        )
    };
    let mut ok = proxy_vm(&module("(call $log (i32.const 2) (i32.const 16) (i32.const 5))")).unwrap();
    assert_eq!(ok.take_logs(), vec![(2, "hello".to_owned())]);
    let err =
        proxy_vm(&module("(call $tick (i32.const 1000))")).expect_err("a tick period was set in _initialize");
    let text = err.to_string();
    assert!(
        text.contains("_initialize") && text.contains("env.proxy_set_tick_period_milliseconds"),
        "{text}"
    );
}

#[test]
fn component_driver_stops_bad_plugins() {
    let plugin = ComponentPlugin::from_file(
        &engine().unwrap(),
        &common::fixtures::build("logsift-fixture-bad-component", "wasm32-wasip2"),
    )
    .unwrap();
    let cfg = ComponentConfig { timeout: TIMEOUT, memory_limit: MEMORY_LIMIT };
    for kind in ["trap", "loop", "hog"] {
        let mut f = plugin.instantiate(&cfg, true).unwrap();
        f.configure(kind).unwrap().unwrap();
        let started = Instant::now();
        let err = f.process(&[br#"{"m": 1}"#.to_vec()]).expect_err(kind);
        check(kind, err, started, "process");
        // The instance is poisoned after a trap, and says so.
        let again = f.process(&[b"x".to_vec()]).expect_err("a trapped instance ran again");
        assert!(again.to_string().contains("process"), "{again}");
    }
    // A well-behaved call through the same fixture passes records on, so
    // the failures above are the misbehaviour and not the fixture.
    let mut f = plugin.instantiate(&cfg, true).unwrap();
    f.configure("keep").unwrap().unwrap();
    assert_eq!(f.process(&[b"x".to_vec()]).unwrap().len(), 1);
}
