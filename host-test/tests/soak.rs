//! Soak: many requests through a real Envoy with the module, once in the
//! `ingest` role (the shipped `ingest-gateway.yaml`) and once as the access
//! logger (the shipped `app-edge.yaml`). For each: no 5xx, Envoy's resident
//! memory flat after warm-up (within 10% + 8 MiB), and the module's
//! counters adding up — records in = out + dropped by reason — with every
//! kept access record reaching the collector.
//!
//! `LOGSIFT_SOAK_REQUESTS` sets the requests per role (default 100,000; the
//! run is bounded and stops by itself, about a minute per role here).
//! `cargo test -p logsift-host --test soak -- --nocapture` prints the figures.

mod common;

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use common::envoy::*;

const CLIENTS: usize = 4;

fn requests() -> usize {
    std::env::var("LOGSIFT_SOAK_REQUESTS").ok().and_then(|v| v.parse().ok()).unwrap_or(100_000)
}

/// Envoy's resident set in KiB.
fn rss_kib(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.split_whitespace().next())
        .and_then(|v| v.parse().ok())
        .unwrap_or(0)
}

/// Sends `n` requests from [`CLIENTS`] keep-alive connections; `request(i)`
/// is the raw request `i`. Calls `at_warmup` once a tenth has been answered.
/// Returns how many answers had each status.
fn load(
    port: u16,
    n: usize,
    request: impl Fn(usize) -> Vec<u8> + Sync,
    at_warmup: impl FnOnce(),
) -> BTreeMap<u16, usize> {
    let next = AtomicUsize::new(0);
    let answered = Arc::new(AtomicUsize::new(0));
    let mut statuses = BTreeMap::new();
    std::thread::scope(|s| {
        let workers: Vec<_> = (0..CLIENTS)
            .map(|_| {
                let (next, answered, request) = (&next, answered.clone(), &request);
                s.spawn(move || {
                    let mut seen: BTreeMap<u16, usize> = BTreeMap::new();
                    let stream = TcpStream::connect(("127.0.0.1", port)).expect("connect");
                    stream.set_read_timeout(Some(Duration::from_secs(10))).ok();
                    let mut w = stream.try_clone().expect("clone");
                    let mut r = BufReader::new(stream);
                    loop {
                        let i = next.fetch_add(1, Ordering::Relaxed);
                        if i >= n {
                            break;
                        }
                        w.write_all(&request(i)).expect("send");
                        let mut line = String::new();
                        r.read_line(&mut line).expect("status line");
                        let status = line.split_whitespace().nth(1).and_then(|c| c.parse().ok()).unwrap_or(0);
                        let mut len = 0usize;
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
                        let mut body = vec![0; len];
                        r.read_exact(&mut body).expect("body");
                        *seen.entry(status).or_default() += 1;
                        answered.fetch_add(1, Ordering::Relaxed);
                    }
                    seen
                })
            })
            .collect();
        while answered.load(Ordering::Relaxed) < n / 10 && !workers.iter().all(|w| w.is_finished()) {
            std::thread::sleep(Duration::from_millis(20));
        }
        at_warmup();
        for w in workers {
            for (status, count) in w.join().expect("client") {
                *statuses.entry(status).or_default() += count;
            }
        }
    });
    statuses
}

/// The module's counters from `/stats/prometheus`: family → summed value,
/// plus `logsift_records_dropped_total` by reason.
fn counters(admin: u16) -> BTreeMap<String, f64> {
    let (_, prom) = http(admin, "GET", "/stats/prometheus", &[], b"").expect("stats");
    let mut out = BTreeMap::new();
    for line in String::from_utf8_lossy(&prom).lines().filter(|l| l.starts_with("logsift_")) {
        let Some((series, value)) = line.rsplit_once(' ') else { continue };
        let Ok(v) = value.parse::<f64>() else { continue };
        let family = series.split('{').next().unwrap_or(series).to_owned();
        *out.entry(family).or_default() += v;
        if series.starts_with("logsift_records_dropped_total{") {
            *out.entry(series.to_owned()).or_default() += v;
        }
    }
    out
}

/// Runs the load against Envoy `pid` and checks what every role must hold:
/// each request answered 204 (no 5xx, nothing rejected), and resident
/// memory flat from warm-up to the end.
fn soak(what: &str, port: u16, pid: u32, n: usize, request: impl Fn(usize) -> Vec<u8> + Sync) {
    let started = Instant::now();
    let mut warm = 0;
    let statuses = load(port, n, request, || warm = rss_kib(pid));
    let took = started.elapsed();
    let end = rss_kib(pid);
    eprintln!(
        "{what}: {n} requests in {took:?} ({:.0} req/s), statuses {statuses:?}",
        n as f64 / took.as_secs_f64()
    );
    assert_eq!(
        statuses.get(&204).copied().unwrap_or(0),
        n,
        "{what}: not every request got a 204: {statuses:?}"
    );
    check_memory(what, warm, end);
}

fn check_memory(what: &str, warm: u64, end: u64) {
    eprintln!("{what}: Envoy RSS {warm} KiB after warm-up, {end} KiB at the end");
    assert!(warm > 0 && end > 0, "{what}: no RSS reading");
    assert!(end <= warm + warm / 10 + 8 * 1024, "{what}: Envoy RSS grew from {warm} KiB to {end} KiB");
}

fn check_conservation(what: &str, c: &BTreeMap<String, f64>, records_in: f64) {
    let get = |k: &str| c.get(k).copied().unwrap_or(0.0);
    eprintln!(
        "{what}: records in {} out {} dropped {} errors {}",
        get("logsift_records_in_total"),
        get("logsift_records_out_total"),
        get("logsift_records_dropped_total"),
        get("logsift_errors_total")
    );
    assert_eq!(get("logsift_records_in_total"), records_in, "{what}: records in: {c:?}");
    assert_eq!(
        get("logsift_records_out_total") + get("logsift_records_dropped_total"),
        get("logsift_records_in_total"),
        "{what}: out + dropped != in: {c:?}"
    );
    assert_eq!(get("logsift_errors_total"), 0.0, "{what}: {c:?}");
}

#[test]
fn ingest_filter_soak() {
    let Some(bin) = envoy() else { return };
    let n = requests();
    let up = Upstream::start();
    let (port, admin) = (free_port(), free_port());
    let envoy =
        start(&bin, &config("ingest-gateway.yaml", port, admin, up.port, None), "soak-ingest").unwrap();
    let pid = envoy.child.id();
    let body = concat!(
        r#"{"event": "login_failed", "username": "jose.muller@example.com", "ip_address": "203.0.113.7", "level": "warning"}"#,
        "\n",
        r#"{"event": "payment_failed", "card": "4111 1111 1111 1111", "payload": {"password": "hunter2"}, "level": "error"}"#,
        "\n",
    );
    let request = |_: usize| {
        format!(
            "POST /ingest HTTP/1.1\r\nhost: soak\r\ncontent-type: application/x-ndjson\r\ncontent-length: {}\r\n\r\n{body}",
            body.len()
        )
        .into_bytes()
    };
    soak("ingest", port, pid, n, request);
    check_conservation("ingest", &counters(envoy.admin), 2.0 * n as f64);
    let bodies = up.bodies.lock().unwrap();
    assert_eq!(bodies.len(), n);
    for b in bodies.iter().step_by((n / 100).max(1)) {
        let text = String::from_utf8_lossy(b);
        for secret in ["jose.muller@example.com", "203.0.113.7", "4111 1111 1111 1111", "hunter2"] {
            assert!(!text.contains(secret), "{secret} reached the backend: {text}");
        }
    }
}

#[test]
fn access_logger_soak() {
    let Some(bin) = envoy() else { return };
    let n = requests();
    let app = Upstream::start();
    let collector = Upstream::start();
    let (port, admin) = (free_port(), free_port());
    let cfg = config("app-edge.yaml", port, admin, app.port, None)
        .replace("port_value: 3101", &format!("port_value: {}", collector.port))
        .replace("port_value: 9093", &format!("port_value: {}", collector.port));
    let envoy = start(&bin, &cfg, "soak-edge").unwrap();
    let pid = envoy.child.id();
    let request = |i: usize| {
        format!(
            "GET /api/events/{i}/tickets?email=bob@example.com HTTP/1.1\r\nhost: soak\r\nuser-agent: soak/1.0\r\n\r\n"
        )
        .into_bytes()
    };
    soak("access log", port, pid, n, request);
    // Batches leave on size or on the module's 1 s timer: wait for the last.
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let c = counters(envoy.admin);
        let out = c.get("logsift_records_out_total").copied().unwrap_or(0.0);
        let shipped: usize = collector
            .bodies
            .lock()
            .unwrap()
            .iter()
            .filter_map(|b| serde_json::from_slice::<serde_json::Value>(b).ok())
            .map(|v| {
                v["streams"]
                    .as_array()
                    .map_or(0, |s| s.iter().map(|st| st["values"].as_array().map_or(0, Vec::len)).sum())
            })
            .sum();
        if c.get("logsift_records_in_total").copied().unwrap_or(0.0) == n as f64 && shipped as f64 == out {
            check_conservation("access log", &c, n as f64);
            eprintln!("access log: {shipped} records shipped to the collector");
            break;
        }
        assert!(Instant::now() < deadline, "collector got {shipped} records, module counted {c:?}");
        std::thread::sleep(Duration::from_millis(250));
    }
}
