//! End to end with real servers on 127.0.0.1: Envoy runs logsift's access
//! logger (`observability/envoy/app-edge.yaml`), Prometheus (the Debian
//! binary) scrapes Envoy's `/stats/prometheus` and evaluates the shipped
//! `observability/prometheus/logsift-rules.yml` unchanged, and Alertmanager
//! (the Debian binary) receives both Prometheus' alert and the alert event
//! the Envoy module posts itself.
//!
//! The access records carry HTTP fields (path, status_code), not the app's
//! structlog events that `observability/logsift.example.json` matches on, so
//! the logger runs a test rule pack whose rule names are the shipped
//! Prometheus rules' own: HighErrorRate (status >= 500) and PaymentFailures
//! (`/api/payments` with status >= 500). The app cluster points at a closed
//! port, so Envoy itself answers 503.
//!
//! `cargo xtask test` installs Envoy into `.venv/` and the Debian packages
//! `prometheus` and `prometheus-alertmanager`. Elsewhere a missing server
//! skips the test; under `CI` it fails it. The whole run is bounded by
//! [`DEADLINE`]; every server is killed when its guard drops.

mod common;

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use common::envoy::{envoy_bin, free_port, root};

const DEADLINE: Duration = Duration::from_secs(90);
const PROMETHEUS: &str = "prometheus";
const ALERTMANAGER: &str = "prometheus-alertmanager";

/// Whether `tool` runs; `false` to skip (never under CI).
fn have(tool: &Path) -> bool {
    if Command::new(tool).arg("--version").output().is_ok_and(|o| o.status.success()) {
        return true;
    }
    assert!(
        std::env::var_os("CI").is_none(),
        "`{}` is missing under CI: `cargo xtask test` installs Envoy and the Debian packages \
         `prometheus` and `prometheus-alertmanager`",
        tool.display()
    );
    eprintln!("skipping: no `{}` (run `cargo xtask test`)", tool.display());
    false
}

/// A started server, killed and reaped on drop.
struct Server {
    name: &'static str,
    child: Child,
    log: PathBuf,
}

impl Server {
    fn spawn(name: &'static str, cmd: &mut Command, dir: &Path) -> Server {
        let log = dir.join(format!("{name}.log"));
        let file = std::fs::File::create(&log).unwrap();
        let child = cmd.stdout(Stdio::null()).stderr(file).spawn().unwrap_or_else(|e| panic!("{name}: {e}"));
        Server { name, child, log }
    }

    /// Waits until `url` answers 200, failing if the server exits.
    fn ready(&mut self, url: &str, until: Instant) {
        loop {
            if let Ok(Some(status)) = self.child.try_wait() {
                panic!("{} exited ({status}):\n{}", self.name, self.tail());
            }
            if get(url).is_ok_and(|(s, _)| s == 200) {
                return;
            }
            assert!(Instant::now() < until, "{} not ready at {url}:\n{}", self.name, self.tail());
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    fn tail(&self) -> String {
        let text = std::fs::read_to_string(&self.log).unwrap_or_default();
        let lines: Vec<&str> = text.lines().collect();
        lines[lines.len().saturating_sub(20)..].join("\n")
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A temporary directory, removed on drop.
struct TempDir(PathBuf);

impl TempDir {
    fn new() -> TempDir {
        let dir = std::env::temp_dir().join(format!("logsift-e2e-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        TempDir(dir)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        if !std::thread::panicking() {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }
}

fn agent() -> ureq::Agent {
    ureq::Agent::new_with_config(
        ureq::Agent::config_builder()
            .http_status_as_error(false)
            .timeout_global(Some(Duration::from_secs(5)))
            .build(),
    )
}

/// (status, body) of a GET.
fn get(url: &str) -> Result<(u16, String), ureq::Error> {
    let mut resp = agent().get(url).call()?;
    let status = resp.status().as_u16();
    Ok((status, resp.body_mut().read_to_string()?))
}

fn get_json(url: &str) -> serde_json::Value {
    let (status, body) = get(url).unwrap_or_else(|e| panic!("{url}: {e}"));
    assert_eq!(status, 200, "{url}: {body}");
    serde_json::from_str(&body).unwrap_or_else(|e| panic!("{url}: {e}: {body}"))
}

/// The access logger's config: the shipped proxy section, with rules named
/// after the shipped Prometheus rules (see the module docs).
const LOGGER_CONFIG: &str = r#"{"proxy": {"role": "access_log", "collector": {"cluster": "logsift_collector", "format": "loki"}, "alertmanager": {"cluster": "alertmanager"}}, "scrub": {"preset": "strict"}, "enrich": {"service": "tixora-edge", "traceparent": {}, "route": {}}, "alerts": {"rules": [{"name": "HighErrorRate", "severity": "critical", "match": [{"field": "status_code", "gt": 499}], "window": "5m", "threshold": 3}, {"name": "PaymentFailures", "severity": "critical", "match": [{"field": "path", "regex": "^/api/payments"}, {"field": "status_code", "gt": 499}], "window": "5m", "threshold": 3}]}}"#;

/// `app-edge.yaml` with ports, the .wasm path and the plugin config replaced.
fn envoy_config(port: u16, admin: u16, closed: u16, alertmanager: u16) -> String {
    let wasm = root().join("dist/logsift_proxy_wasm.wasm");
    assert!(wasm.exists(), "{} is missing: run `cargo xtask dist`", wasm.display());
    let mut cfg = std::fs::read_to_string(root().join("observability/envoy/app-edge.yaml")).unwrap();
    for (from, to) in [(10000, port), (9901, admin), (3100, closed), (3101, closed), (9093, alertmanager)] {
        let from = format!("port_value: {from}}}");
        assert!(cfg.contains(&from), "app-edge.yaml has no `{from}`");
        cfg = cfg.replace(&from, &format!("port_value: {to}}}"));
    }
    cfg = cfg.replace("/etc/envoy/logsift_proxy_wasm.wasm", &wasm.to_string_lossy());
    let start = cfg.find("value: |").expect("the plugin config block");
    let end = cfg[start..].find("vm_config:").expect("vm_config after the plugin config") + start;
    let indent = " ".repeat(20);
    cfg.replace_range(start..end, &format!("value: |\n{indent}{LOGGER_CONFIG}\n                "));
    cfg
}

/// The value of an instant query's first sample, if any.
fn query(prom: u16, q: &str) -> Option<f64> {
    let url = format!("http://127.0.0.1:{prom}/api/v1/query?query={}", encode(q));
    let v = get_json(&url);
    v["data"]["result"][0]["value"][1].as_str().and_then(|s| s.parse().ok())
}

/// Percent-encodes a query parameter.
fn encode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// Polls `f` every 250 ms until it returns `Some`, or fails with `what`.
fn wait_for<T>(what: &str, until: Instant, servers: &[&Server], mut f: impl FnMut() -> Option<T>) -> T {
    loop {
        if let Some(v) = f() {
            return v;
        }
        if Instant::now() >= until {
            let logs: Vec<String> =
                servers.iter().map(|s| format!("--- {}:\n{}", s.name, s.tail())).collect();
            panic!("timed out waiting for {what}\n{}", logs.join("\n"));
        }
        std::thread::sleep(Duration::from_millis(250));
    }
}

#[test]
fn envoy_alerts_reach_prometheus_and_alertmanager() {
    let Some(envoy_bin) = envoy_bin().or_else(|| {
        assert!(std::env::var_os("CI").is_none(), "Envoy is missing under CI: run `cargo xtask test`");
        eprintln!("skipping: no Envoy (run `cargo xtask test`, or set LOGSIFT_ENVOY)");
        None
    }) else {
        return;
    };
    if !have(Path::new(PROMETHEUS)) || !have(Path::new(ALERTMANAGER)) {
        return;
    }
    let t0 = Instant::now();
    let until = t0 + DEADLINE;
    let tmp = TempDir::new();
    let dir = &tmp.0;
    let (am_port, prom_port, edge_port, admin_port, closed) =
        (free_port(), free_port(), free_port(), free_port(), free_port());

    // Alertmanager: one receiver that sends nowhere; no clustering.
    std::fs::write(dir.join("alertmanager.yml"), "route:\n  receiver: none\nreceivers:\n  - name: none\n")
        .unwrap();
    let mut am = Server::spawn(
        "alertmanager",
        Command::new(ALERTMANAGER)
            .arg(format!("--config.file={}", dir.join("alertmanager.yml").display()))
            .arg(format!("--storage.path={}", dir.join("am-data").display()))
            .arg(format!("--web.listen-address=127.0.0.1:{am_port}"))
            .arg("--cluster.listen-address="),
        dir,
    );

    // Prometheus: the shipped rules unchanged, scraping and evaluating every second.
    std::fs::copy(root().join("observability/prometheus/logsift-rules.yml"), dir.join("logsift-rules.yml"))
        .unwrap();
    let prom_cfg = format!(
        "global:\n  scrape_interval: 1s\n  evaluation_interval: 1s\n\
         rule_files:\n  - logsift-rules.yml\n\
         alerting:\n  alertmanagers:\n    - static_configs:\n        - targets: [\"127.0.0.1:{am_port}\"]\n\
         scrape_configs:\n  - job_name: envoy\n    metrics_path: /stats/prometheus\n    \
         static_configs:\n      - targets: [\"127.0.0.1:{admin_port}\"]\n"
    );
    std::fs::write(dir.join("prometheus.yml"), prom_cfg).unwrap();
    let mut prom = Server::spawn(
        "prometheus",
        Command::new(PROMETHEUS)
            .arg(format!("--config.file={}", dir.join("prometheus.yml").display()))
            .arg(format!("--storage.tsdb.path={}", dir.join("prom-data").display()))
            .arg(format!("--web.listen-address=127.0.0.1:{prom_port}")),
        dir,
    );

    std::fs::write(dir.join("envoy.yaml"), envoy_config(edge_port, admin_port, closed, am_port)).unwrap();
    let mut envoy = Server::spawn(
        "envoy",
        Command::new(&envoy_bin).arg("-c").arg(dir.join("envoy.yaml")).args([
            "--use-dynamic-base-id",
            "--concurrency",
            "1",
            "-l",
            "info",
            "--disable-hot-restart",
        ]),
        dir,
    );

    am.ready(&format!("http://127.0.0.1:{am_port}/-/ready"), until);
    prom.ready(&format!("http://127.0.0.1:{prom_port}/-/ready"), until);
    envoy.ready(&format!("http://127.0.0.1:{admin_port}/ready"), until);
    let servers = [&envoy, &prom, &am];

    // increase() needs a sample before the rise: wait until Prometheus has
    // scraped the module's signal counter at 0 (the engine exports every
    // configured rule's counters from the start).
    let signal = r#"logsift_alert_signals_total{job="envoy",rule="PaymentFailures",status="firing"}"#;
    wait_for("the PaymentFailures signal counter at 0 in Prometheus", until, &servers, || {
        query(prom_port, signal).filter(|v| *v == 0.0)
    });

    // Five failed payments: Envoy answers 503 (the app is down).
    for i in 0..5 {
        let (status, _) = agent()
            .post(&format!("http://127.0.0.1:{edge_port}/api/payments/{i}"))
            .send(&b"{}"[..])
            .map(|mut r| (r.status().as_u16(), r.body_mut().read_to_string().unwrap_or_default()))
            .unwrap();
        assert_eq!(status, 503);
    }

    // The module counted both rules firing, and Prometheus scraped it.
    for rule in ["HighErrorRate", "PaymentFailures"] {
        let q = format!(r#"logsift_alert_signals_total{{job="envoy",rule="{rule}",status="firing"}}"#);
        wait_for(&format!("{rule} firing once in Envoy's stats"), until, &servers, || {
            query(prom_port, &q).filter(|v| *v == 1.0)
        });
    }

    // Prometheus' alerts, from the shipped rules.
    let prom_alerts =
        wait_for("HighErrorRate and PaymentFailures firing in Prometheus", until, &servers, || {
            let v = get_json(&format!("http://127.0.0.1:{prom_port}/api/v1/alerts"));
            let alerts = v["data"]["alerts"].as_array()?.clone();
            let firing = |name: &str| {
                alerts.iter().any(|a| a["labels"]["alertname"] == name && a["state"] == "firing")
            };
            (firing("HighErrorRate") && firing("PaymentFailures")).then_some(alerts)
        });
    for a in &prom_alerts {
        assert_eq!(a["labels"]["severity"], "critical", "{a}");
        assert_eq!(a["labels"]["job"], "envoy", "{a}");
        assert!(a["annotations"]["runbook_url"].is_string(), "{a}");
    }

    // Alertmanager: Prometheus' alert (it has the scrape job's labels) and
    // the module's own event (it has not), for the same rule.
    let am_alerts = wait_for("both alerts in Alertmanager", until, &servers, || {
        let v = get_json(&format!("http://127.0.0.1:{am_port}/api/v2/alerts"));
        let alerts = v.as_array()?.clone();
        let payment: Vec<&serde_json::Value> =
            alerts.iter().filter(|a| a["labels"]["alertname"] == "PaymentFailures").collect();
        let from_prometheus = payment.iter().any(|a| a["labels"]["job"] == "envoy");
        let from_envoy = payment.iter().any(|a| a["labels"].get("job").is_none());
        (from_prometheus && from_envoy).then_some(alerts)
    });
    let direct = am_alerts
        .iter()
        .find(|a| a["labels"]["alertname"] == "PaymentFailures" && a["labels"].get("job").is_none())
        .unwrap();
    assert_eq!(direct["labels"]["severity"], "critical", "{direct}");
    assert_eq!(direct["status"]["state"], "active", "{direct}");
    assert!(
        am_alerts.iter().any(|a| a["labels"]["alertname"] == "HighErrorRate"),
        "no HighErrorRate in Alertmanager: {am_alerts:?}"
    );
    eprintln!("end to end in {:.1}s", t0.elapsed().as_secs_f64());
    drop((envoy, prom, am));
}
