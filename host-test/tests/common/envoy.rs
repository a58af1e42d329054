//! Helpers shared by the tests that run a real Envoy (`envoy.rs`,
//! `soak.rs`, `e2e.rs`): finding the binary, an upstream that records what
//! reaches it, the shipped configs with ports substituted, a tiny client.

#![allow(dead_code)]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..")
}

pub fn envoy_bin() -> Option<PathBuf> {
    if let Some(p) = std::env::var_os("LOGSIFT_ENVOY") {
        return Some(PathBuf::from(p));
    }
    let lib = root().join(".venv/lib");
    for entry in std::fs::read_dir(&lib).ok()?.flatten() {
        let p = entry.path().join("site-packages/envoy/_bin/envoy");
        if p.exists() {
            return Some(p);
        }
    }
    None
}

/// Envoy, or `None` to skip (never under CI).
pub fn envoy() -> Option<PathBuf> {
    let found = envoy_bin();
    if found.is_none() {
        assert!(std::env::var("CI").is_err(), "Envoy is missing under CI=true: run `cargo xtask test`");
        eprintln!("skipping: no Envoy (run `cargo xtask test`, or set LOGSIFT_ENVOY)");
    }
    found
}

pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

/// An HTTP/1.1 upstream that records request heads and bodies
/// (content-length or chunked) and answers 204.
pub struct Upstream {
    pub port: u16,
    pub bodies: Arc<Mutex<Vec<Vec<u8>>>>,
    pub heads: Arc<Mutex<Vec<String>>>,
}

impl Upstream {
    pub fn start() -> Upstream {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let bodies = Arc::new(Mutex::new(Vec::new()));
        let heads = Arc::new(Mutex::new(Vec::new()));
        let (rec, rec_heads) = (bodies.clone(), heads.clone());
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                let (rec, rec_heads) = (rec.clone(), rec_heads.clone());
                std::thread::spawn(move || serve(stream, rec, rec_heads));
            }
        });
        Upstream { port, bodies, heads }
    }
}

pub fn serve(stream: TcpStream, rec: Arc<Mutex<Vec<Vec<u8>>>>, heads: Arc<Mutex<Vec<String>>>) {
    stream.set_read_timeout(Some(Duration::from_secs(10))).ok();
    let mut w = stream.try_clone().unwrap();
    let mut r = BufReader::new(stream);
    loop {
        let mut line = String::new();
        if r.read_line(&mut line).unwrap_or(0) == 0 {
            return;
        }
        let (mut len, mut chunked) = (0usize, false);
        let mut head = line.clone();
        loop {
            let mut h = String::new();
            if r.read_line(&mut h).unwrap_or(0) == 0 {
                return;
            }
            head.push_str(&h);
            let h = h.trim_end().to_ascii_lowercase();
            if h.is_empty() {
                break;
            }
            if let Some(v) = h.strip_prefix("content-length:") {
                len = v.trim().parse().unwrap_or(0);
            }
            if h.starts_with("transfer-encoding:") && h.contains("chunked") {
                chunked = true;
            }
        }
        let mut body = Vec::new();
        if chunked {
            loop {
                let mut size = String::new();
                r.read_line(&mut size).unwrap();
                let n = usize::from_str_radix(size.trim(), 16).unwrap_or(0);
                let mut chunk = vec![0; n + 2];
                r.read_exact(&mut chunk).unwrap();
                if n == 0 {
                    break;
                }
                body.extend_from_slice(&chunk[..n]);
            }
        } else {
            body.resize(len, 0);
            r.read_exact(&mut body).unwrap();
        }
        // Both under the bodies' lock, so the two lists stay in step when
        // requests arrive on several connections at once.
        let mut bodies = rec.lock().unwrap();
        bodies.push(body);
        heads.lock().unwrap().push(head);
        drop(bodies);
        w.write_all(b"HTTP/1.1 204 No Content\r\ncontent-length: 0\r\n\r\n").unwrap();
    }
}

pub struct Envoy {
    pub child: Child,
    pub port: u16,
    pub admin: u16,
}

impl Drop for Envoy {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub fn wasm() -> PathBuf {
    let p = root().join("dist/logsift_proxy_wasm.wasm");
    assert!(p.exists(), "{} is missing: run `cargo xtask dist`", p.display());
    p
}

/// The shipped config with its ports, upstream and plugin config replaced:
/// Loki's and the Collector's HTTP ports both go to `upstream`, the OTLP/gRPC
/// listener gets a free port (see [`config_grpc`] to choose it and the
/// Collector's gRPC port).
pub fn config(template: &str, port: u16, admin: u16, upstream: u16, plugin_cfg: Option<&str>) -> String {
    config_grpc(template, port, admin, upstream, plugin_cfg, free_port(), 4317)
}

/// As [`config`], with the OTLP/gRPC listener on `grpc_port` and the
/// Collector's gRPC endpoint at `grpc_upstream`.
pub fn config_grpc(
    template: &str,
    port: u16,
    admin: u16,
    upstream: u16,
    plugin_cfg: Option<&str>,
    grpc_port: u16,
    grpc_upstream: u16,
) -> String {
    let mut cfg = std::fs::read_to_string(root().join("observability/envoy").join(template)).unwrap();
    cfg = cfg.replace("port_value: 10000", &format!("port_value: {port}"));
    cfg = cfg.replace("port_value: 9901", &format!("port_value: {admin}"));
    cfg = cfg.replace("port_value: 3100", &format!("port_value: {upstream}"));
    cfg = cfg.replace("port_value: 4318", &format!("port_value: {upstream}"));
    cfg = cfg.replace("port_value: 14317", &format!("port_value: {grpc_port}"));
    cfg = cfg.replace("port_value: 4317", &format!("port_value: {grpc_upstream}"));
    cfg = cfg.replace("/etc/envoy/logsift_proxy_wasm.wasm", &wasm().to_string_lossy());
    if let Some(pc) = plugin_cfg {
        let start = cfg.find("value: |").unwrap();
        let end = cfg[start..].find("vm_config:").unwrap() + start;
        let indent = " ".repeat(20);
        cfg.replace_range(start..end, &format!("value: |\n{indent}{pc}\n                "));
    }
    cfg
}

pub fn start(bin: &Path, cfg: &str, name: &str) -> Result<Envoy, String> {
    let dir = std::env::temp_dir().join(format!("logsift-envoy-{}-{name}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("envoy.yaml");
    std::fs::write(&path, cfg).unwrap();
    let port =
        cfg.split("port_value: ").nth(2).and_then(|s| s.split('}').next()).unwrap().trim().parse().unwrap();
    let admin =
        cfg.split("port_value: ").nth(1).and_then(|s| s.split('}').next()).unwrap().trim().parse().unwrap();
    let log = std::fs::File::create(dir.join("envoy.log")).unwrap();
    let child = Command::new(bin)
        .args(["-c"])
        .arg(&path)
        .args(["--use-dynamic-base-id", "--concurrency", "1", "-l", "info", "--disable-hot-restart"])
        .stdout(Stdio::null())
        .stderr(log)
        .spawn()
        .map_err(|e| e.to_string())?;
    let mut envoy = Envoy { child, port, admin };
    let deadline = Instant::now() + Duration::from_secs(30);
    while Instant::now() < deadline {
        if let Ok(Some(status)) = envoy.child.try_wait() {
            let log = std::fs::read_to_string(dir.join("envoy.log")).unwrap_or_default();
            return Err(format!("envoy exited ({status}):\n{}", tail(&log)));
        }
        if http(admin, "GET", "/ready", &[], b"").is_ok_and(|(s, _)| s == 200) {
            return Ok(envoy);
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    let _ = envoy.child.kill();
    Err("envoy did not become ready in 30s".into())
}

pub fn tail(s: &str) -> String {
    let lines: Vec<&str> = s.lines().collect();
    lines[lines.len().saturating_sub(15)..].join("\n")
}

/// A minimal HTTP/1.1 client: returns (status, body).
pub fn http(
    port: u16,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &[u8],
) -> Result<(u16, Vec<u8>), String> {
    http_full(port, method, path, headers, body).map(|(s, _, b)| (s, b))
}

/// As [`http`], with the response head (lowercased) too.
pub fn http_full(
    port: u16,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &[u8],
) -> Result<(u16, String, Vec<u8>), String> {
    let mut s = TcpStream::connect(("127.0.0.1", port)).map_err(|e| e.to_string())?;
    s.set_read_timeout(Some(Duration::from_secs(10))).ok();
    let mut req = format!(
        "{method} {path} HTTP/1.1\r\nhost: localhost\r\nconnection: close\r\ncontent-length: {}\r\n",
        body.len()
    );
    for (k, v) in headers {
        req.push_str(&format!("{k}: {v}\r\n"));
    }
    req.push_str("\r\n");
    s.write_all(req.as_bytes()).map_err(|e| e.to_string())?;
    s.write_all(body).map_err(|e| e.to_string())?;
    let mut resp = Vec::new();
    s.read_to_end(&mut resp).map_err(|e| e.to_string())?;
    let text = String::from_utf8_lossy(&resp);
    let status = text.split_whitespace().nth(1).and_then(|c| c.parse().ok()).ok_or("no status line")?;
    let split = resp.windows(4).position(|w| w == b"\r\n\r\n");
    let head = split.map_or(String::new(), |i| String::from_utf8_lossy(&resp[..i]).to_ascii_lowercase());
    let body = split.map_or(Vec::new(), |i| resp[i + 4..].to_vec());
    Ok((status, head, body))
}
