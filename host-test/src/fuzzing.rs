//! Entry point shared by the `proxy_wasm_entry` fuzz target and the test
//! that replays its regression files: any bytes become one HTTP request
//! through the built proxy-wasm module (`dist/logsift_proxy_wasm.wasm`) in the
//! harness's proxy-wasm driver, as Envoy would deliver it.
//!
//! The first bytes pick the path (NDJSON, `_bulk`, Loki push, OTLP, plain),
//! the content type, gzip, and the chunk size; the rest is the body. What
//! must hold, whatever the input:
//!
//! - the module never traps and the driver never fails;
//! - the request is either forwarded or answered locally (400 or 413), and
//!   a local answer forwards nothing;
//! - a forwarded NDJSON or text body is already scrubbed: the engine run
//!   natively over each of its lines, with the same preset, changes nothing.

use std::sync::{Mutex, OnceLock};

use logsift_core::{Ctx, Outcome, Pipeline};
use wasmtime::{Engine, Module};

use crate::proxy_wasm::{CallAnswer, HttpCall, HttpResponse, ProxyWasm, ProxyWasmConfig, Request};

const CONFIG: &str = r#"{"proxy": {"role": "ingest", "max_body_bytes": 65536, "on_error": "reject"},
    "scrub": {"preset": "strict"}}"#;

const PATHS: &[(&str, &str)] = &[
    ("/ingest", "application/x-ndjson"),
    ("/_bulk", "application/x-ndjson"),
    ("/loki/api/v1/push", "application/json"),
    ("/v1/logs", "application/json"),
    ("/ingest", "text/plain"),
    ("/ingest", ""),
];

struct Harness {
    vm: Mutex<Option<ProxyWasm>>,
    engine: Engine,
    module: Module,
    native: Mutex<Option<Pipeline>>,
}

fn harness() -> &'static Harness {
    static H: OnceLock<Harness> = OnceLock::new();
    H.get_or_init(|| {
        let path = std::env::var_os("LOGSIFT_PROXY_WASM")
            .map_or_else(|| crate::dist_dir().join("logsift_proxy_wasm.wasm"), std::path::PathBuf::from);
        let engine = crate::fluent_bit::engine().unwrap_or_else(|e| panic!("engine: {e}"));
        let module = Module::from_file(&engine, &path)
            .unwrap_or_else(|e| panic!("{}: {e} (run `cargo xtask dist`)", path.display()));
        let native = Pipeline::from_json(br#"{"scrub": {"preset": "strict"}}"#).ok();
        Harness { vm: Mutex::new(None), engine, module, native: Mutex::new(native) }
    })
}

fn new_vm(h: &Harness) -> ProxyWasm {
    let cfg = ProxyWasmConfig { plugin_config: CONFIG.as_bytes().to_vec(), ..ProxyWasmConfig::default() };
    let up = |_: &HttpCall| CallAnswer::Response(HttpResponse::status(200));
    ProxyWasm::new(&h.engine, &h.module, cfg, Box::new(up), 1_732_464_000_000_000_000)
        .unwrap_or_else(|e| panic!("the module failed to start: {e}"))
}

/// Runs `data` as one request. Panics only on a bug (in the module or the
/// driver).
pub fn proxy_wasm_entry(data: &[u8]) {
    let h = harness();
    let (head, body) = data.split_at(data.len().min(2));
    let pick = head.first().copied().unwrap_or(0);
    let (path, content_type) = PATHS[usize::from(pick) % PATHS.len()];
    let gzip = pick & 0x80 != 0;
    let chunk = 1 + usize::from(head.get(1).copied().unwrap_or(255)) * 64;
    let mut headers = vec![];
    if !content_type.is_empty() {
        headers.push(("content-type", content_type));
    }
    let payload = if gzip {
        use std::io::Write;
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        let _ = gz.write_all(body);
        gz.finish().unwrap_or_default()
    } else {
        body.to_vec()
    };
    if gzip {
        headers.push(("content-encoding", "gzip"));
    }
    let mut req = Request::post(path, &headers, payload);
    req.chunk_size = chunk;

    let mut slot = h.vm.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
    let vm = slot.get_or_insert_with(|| new_vm(h));
    let ex = vm.http(req).unwrap_or_else(|e| panic!("the module failed on a request: {e}"));
    if ex.local_reply {
        assert!(ex.forwarded.is_none(), "a rejected request was forwarded");
        assert!(matches!(ex.response.status, 400 | 413), "unexpected local reply {}", ex.response.status);
        return;
    }
    let Some((_, forwarded)) = ex.forwarded else { panic!("neither forwarded nor answered") };
    if !matches!(pick as usize % PATHS.len(), 0 | 4 | 5) {
        return;
    }
    let plain = if gzip {
        let mut out = Vec::new();
        use std::io::Read;
        let read = flate2::read::GzDecoder::new(&forwarded[..]).read_to_end(&mut out);
        assert!(read.is_ok(), "the forwarded body is not gzip any more");
        out
    } else {
        forwarded
    };
    let mut native = h.native.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
    let Some(p) = native.as_mut() else { return };
    let mut ctx = Ctx::new(1, 1);
    for line in crate::lines(&plain) {
        if let Outcome::Keep(again) = p.process(line, &mut ctx) {
            assert!(
                again.as_ref() == line,
                "a forwarded line was not fully scrubbed:\n{}\nscrubbed again:\n{}",
                String::from_utf8_lossy(line),
                String::from_utf8_lossy(&again)
            );
        }
    }
}
