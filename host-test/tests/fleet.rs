//! A simulated fleet: eight `logsift serve` processes on 127.0.0.1, scraped
//! every second by a real Prometheus (the Debian package) that evaluates the
//! rules `logsift rules` writes for the config, next to the per-instance
//! rules of `observability/prometheus/logsift-rules.yml`.
//!
//! One structlog stream is sharded over the instances round-robin, as a load
//! balancer spreads requests over replicas. No instance sees enough failed
//! payments, or failed logins from one address, to cross a threshold, so
//! neither logsift's own windows nor the per-instance rules fire; the fleet
//! does cross them, and the fleet rules must fire with the right labels.
//! A control stream first, below the fleet thresholds, must fire nothing.
//!
//! The example config's windows are shortened to 15 s so the test runs in
//! well under a minute. `cargo xtask test` installs the `prometheus`
//! package; elsewhere a missing `prometheus` skips the test, under `CI` it
//! fails it.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

const INSTANCES: usize = 8;
const WINDOW_SECS: u64 = 15;
/// The attacker: failed logins from one address, spread over the fleet.
const ATTACKER: &str = "203.0.113.77";
/// The control stream's address: failed logins below the fleet threshold.
const QUIET_IP: &str = "198.51.100.23";

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// Whether `prometheus` runs; `false` to skip (never under CI).
fn have_prometheus() -> bool {
    if Command::new("prometheus").arg("--version").output().is_ok_and(|o| o.status.success()) {
        return true;
    }
    assert!(
        std::env::var_os("CI").is_none(),
        "`prometheus` is missing under CI: `cargo xtask test` installs the Debian package `prometheus`"
    );
    eprintln!("skipping: no `prometheus` (`cargo xtask test` installs the Debian package `prometheus`)");
    false
}

/// Processes this test started, killed (by their own pid) when it ends.
struct Children(Vec<Child>);

impl Drop for Children {
    fn drop(&mut self) {
        for c in &mut self.0 {
            let _ = c.kill();
            let _ = c.wait();
        }
    }
}

/// A scratch directory, removed when the test ends.
struct TempDir(PathBuf);

impl TempDir {
    fn path(&self) -> &Path {
        &self.0
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn agent() -> ureq::Agent {
    ureq::Agent::new_with_config(
        ureq::Agent::config_builder()
            .http_status_as_error(false)
            .timeout_global(Some(Duration::from_secs(10)))
            .build(),
    )
}

fn get(url: &str) -> Option<String> {
    let mut resp = agent().get(url).call().ok()?;
    if resp.status() != 200 {
        return None;
    }
    resp.body_mut().read_to_string().ok()
}

/// A PromQL instant query's result vector.
fn query(prom: &str, q: &str) -> Vec<Value> {
    let url = format!("{prom}/api/v1/query?query={}", urlencode(q));
    let body = get(&url).unwrap_or_default();
    let v: Value = serde_json::from_str(&body).unwrap_or(Value::Null);
    v["data"]["result"].as_array().cloned().unwrap_or_default()
}

/// A query's single value, if it has exactly one.
fn scalar(prom: &str, q: &str) -> Option<f64> {
    let r = query(prom, q);
    (r.len() == 1).then(|| r[0]["value"][1].as_str()?.parse().ok()).flatten()
}

fn urlencode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// Prometheus' active alerts (pending or firing) named after a logsift
/// rule, from the fleet or the per-instance rules. The per-instance file's
/// logsift-ops group (logsift's health) is left out: its
/// LogsiftDroppingTooMuch goes pending on any instance that samples away
/// most of the sample's info records, as the example config does.
fn alerts(prom: &str) -> Vec<Value> {
    const RULES: &[&str] = &[
        "HighErrorRate",
        "PaymentFailures",
        "AuthAnomaly",
        "GDPRDeletionFailed",
        "LLMTokenSpike",
        "DatabaseErrors",
    ];
    let body = get(&format!("{prom}/api/v1/alerts")).unwrap_or_default();
    let v: Value = serde_json::from_str(&body).unwrap_or(Value::Null);
    let all = v["data"]["alerts"].as_array().cloned().unwrap_or_default();
    all.into_iter()
        .filter(|a| a["labels"]["alertname"].as_str().is_some_and(|n| RULES.contains(&n)))
        .collect()
}

fn wait_for(what: &str, timeout: Duration, mut done: impl FnMut() -> bool) {
    let start = Instant::now();
    while !done() {
        assert!(start.elapsed() < timeout, "timed out after {timeout:?} waiting for {what}");
        std::thread::sleep(Duration::from_millis(250));
    }
}

/// The example config with every alert window shortened to the test's.
fn fleet_config() -> Vec<u8> {
    let text = std::fs::read_to_string(root().join("observability/logsift.example.json")).unwrap();
    let mut cfg: Value = serde_json::from_str(&text).unwrap();
    for rule in cfg["alerts"]["rules"].as_array_mut().unwrap() {
        rule["window"] = format!("{WINDOW_SECS}s").into();
    }
    serde_json::to_vec_pretty(&cfg).unwrap()
}

/// Starts `logsift serve` on an ephemeral port; its address.
fn serve(config: &Path, children: &mut Children) -> String {
    let mut child = Command::new(env!("CARGO_BIN_EXE_logsift"))
        .arg("serve")
        .arg("--config")
        .arg(config)
        .args(["--listen", "127.0.0.1:0", "--plugin"])
        .arg(root().join("dist/logsift_component.wasm"))
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let stderr = child.stderr.take().unwrap();
    children.0.push(child);
    let mut lines = BufReader::new(stderr).lines();
    let addr = loop {
        let line = lines.next().expect("logsift serve exited before listening").unwrap();
        if let Some(rest) = line.split_once("listening on http://").map(|(_, r)| r) {
            break rest.split_whitespace().next().unwrap().to_owned();
        }
    };
    // Keep draining its log so the pipe never fills.
    std::thread::spawn(move || for _ in lines {});
    addr
}

/// Records of the sample that no alert rule matches: the ordinary traffic.
fn filler(rules: &[Value]) -> Vec<String> {
    let events: Vec<&str> = rules.iter().filter_map(|r| r["match"][0]["equals"].as_str()).collect();
    let text = std::fs::read_to_string(root().join("host-test/samples/structlog.ndjson")).unwrap();
    text.lines()
        .filter(|l| {
            let v: Value = serde_json::from_str(l).unwrap();
            !events.contains(&v["event"].as_str().unwrap_or_default())
        })
        .map(str::to_owned)
        .collect()
}

fn payment_failed(i: usize) -> String {
    format!(
        r#"{{"event": "payment_failed", "level": "error", "logger": "payments.stripe", "order_id": "ord_{i:05}", "amount_cents": 4900, "currency": "EUR", "reason": "card_declined", "timestamp": "2024-11-24T16:10:{:02}.000Z"}}"#,
        i % 60
    )
}

fn login_failed(ip: &str, i: usize) -> String {
    format!(
        r#"{{"event": "login_failed", "level": "warning", "logger": "accounts.auth", "ip_address": "{ip}", "username": "root", "reason": "invalid_password", "attempt": {i}, "path": "/api/auth/login", "status_code": 401, "timestamp": "2024-11-24T16:10:{:02}.000Z"}}"#,
        i % 60
    )
}

/// One stream: `specials` spread among `filler` records, every third record.
fn stream(specials: Vec<String>, filler: &[String]) -> Vec<String> {
    let mut out = Vec::new();
    let mut fill = filler.iter().cycle();
    for s in specials {
        out.push(fill.next().unwrap().clone());
        out.push(fill.next().unwrap().clone());
        out.push(s);
    }
    out.extend(filler.iter().take(40).cloned());
    out
}

/// Round-robin: record `i` goes to instance `i % INSTANCES`.
fn shard(stream: &[String]) -> Vec<Vec<String>> {
    let mut shards = vec![Vec::new(); INSTANCES];
    for (i, r) in stream.iter().enumerate() {
        shards[i % INSTANCES].push(r.clone());
    }
    shards
}

fn count(records: &[String], event: &str, ip: Option<&str>) -> usize {
    records
        .iter()
        .filter(|r| {
            let v: Value = serde_json::from_str(r).unwrap();
            v["event"] == event && ip.is_none_or(|ip| v["ip_address"] == ip)
        })
        .count()
}

fn post(addr: &str, records: &[String]) {
    let body = records.join("\n") + "\n";
    let resp = agent().post(&format!("http://{addr}/v1/process")).send(body.as_bytes()).unwrap();
    assert_eq!(resp.status(), 200, "POST /v1/process to {addr}");
}

/// The metric label the engine gives `ip` after scrubbing (the example
/// config hashes addresses), computed by the engine run natively.
fn ip_label(config: &[u8], ip: &str) -> String {
    let mut p = logsift_core::Pipeline::from_json(config).unwrap();
    let mut ctx = logsift_core::Ctx::new(1, 1);
    let out = match p.process(login_failed(ip, 0).as_bytes(), &mut ctx) {
        logsift_core::Outcome::Keep(bytes) => bytes.into_owned(),
        other => panic!("login_failed record not kept: {other:?}"),
    };
    let v: Value = serde_json::from_slice(&out).unwrap();
    let scrubbed = v["ip_address"].as_str().unwrap();
    assert_ne!(scrubbed, ip, "the example config should hash addresses");
    logsift_core::alerts::label_value(scrubbed)
}

fn describe(alerts: &[Value]) -> String {
    alerts.iter().map(|a| format!("{} {}", a["state"], a["labels"])).collect::<Vec<_>>().join("\n")
}

#[test]
fn fleet_rules_fire_on_what_no_instance_sees_alone() {
    if !have_prometheus() {
        return;
    }
    let started = Instant::now();
    let plugin = root().join("dist/logsift_component.wasm");
    assert!(plugin.exists(), "{} is missing: run `cargo xtask dist`", plugin.display());
    let dir = TempDir(std::env::temp_dir().join(format!("logsift-fleet-{}", std::process::id())));
    let _ = std::fs::remove_dir_all(dir.path());
    std::fs::create_dir_all(dir.path()).unwrap();
    let config = fleet_config();
    let cfg: Value = serde_json::from_slice(&config).unwrap();
    let rules = cfg["alerts"]["rules"].as_array().unwrap().clone();
    let names: Vec<&str> = rules.iter().filter_map(|r| r["name"].as_str()).collect();
    assert_eq!(
        names,
        [
            "HighErrorRate",
            "PaymentFailures",
            "AuthAnomaly",
            "GDPRDeletionFailed",
            "LLMTokenSpike",
            "DatabaseErrors"
        ],
        "the example config's rules changed: update alerts()"
    );
    let threshold = |name: &str| {
        rules.iter().find(|r| r["name"] == name).and_then(|r| r["threshold"].as_f64()).unwrap() as usize
    };
    let config_path = dir.path().join("logsift.json");
    std::fs::write(&config_path, &config).unwrap();
    let fleet = logsift_host::rules::fleet_rules(&config, "logsift.json").unwrap();
    std::fs::write(dir.path().join("fleet.yml"), fleet).unwrap();
    std::fs::copy(root().join("observability/prometheus/logsift-rules.yml"), dir.path().join("instance.yml"))
        .unwrap();

    let mut children = Children(Vec::new());
    let addrs: Vec<String> = (0..INSTANCES).map(|_| serve(&config_path, &mut children)).collect();
    let targets: Vec<String> = addrs.iter().map(|a| format!("\"{a}\"")).collect();
    let prom_port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    std::fs::write(
        dir.path().join("prometheus.yml"),
        format!(
            "global:\n  scrape_interval: 1s\n  scrape_timeout: 1s\n  evaluation_interval: 1s\n\
             rule_files: [fleet.yml, instance.yml]\n\
             scrape_configs:\n  - job_name: logsift\n    static_configs:\n      - targets: [{}]\n",
            targets.join(", ")
        ),
    )
    .unwrap();
    let prometheus = Command::new("prometheus")
        .arg(format!("--config.file={}", dir.path().join("prometheus.yml").display()))
        .arg(format!("--storage.tsdb.path={}", dir.path().join("data").display()))
        .arg(format!("--web.listen-address=127.0.0.1:{prom_port}"))
        .arg("--log.level=warn")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    children.0.push(prometheus);
    let prom = format!("http://127.0.0.1:{prom_port}");
    let prom = prom.as_str();
    wait_for("Prometheus to be ready", Duration::from_secs(30), || get(&format!("{prom}/-/ready")).is_some());
    wait_for("every instance to be scraped", Duration::from_secs(20), || {
        scalar(prom, "count(up{job=\"logsift\"} == 1)") == Some(INSTANCES as f64)
    });
    // The fleet rules count a group series born within the window whole
    // only on an instance that was scraped a window ago.
    wait_for("a window of scrapes", Duration::from_secs(WINDOW_SECS + 15), || {
        scalar(prom, &format!("count(logsift_records_in_total offset {WINDOW_SECS}s)"))
            == Some(INSTANCES as f64)
    });
    let ready = started.elapsed();

    let filler = filler(&rules);
    // Control: 2 failed payments (threshold 3) and 4 failed logins from one
    // address (threshold 5) over the whole fleet.
    let mut specials: Vec<String> = (0..2).map(payment_failed).collect();
    specials.extend((0..4).map(|i| login_failed(QUIET_IP, i)));
    let control = shard(&stream(specials, &filler[..120]));
    // Firing: 8 failed payments and 16 failed logins from the attacker.
    let mut specials: Vec<String> = (0..8).map(|i| payment_failed(100 + i)).collect();
    specials.extend((0..16).map(|i| login_failed(ATTACKER, i)));
    specials.rotate_left(3);
    let firing = shard(&stream(specials, &filler[120..]));

    // No instance alone crosses a threshold, even over both streams.
    for (i, (c, f)) in control.iter().zip(&firing).enumerate() {
        let both: Vec<String> = c.iter().chain(f).cloned().collect();
        let pay = count(&both, "payment_failed", None);
        let attacker = count(&both, "login_failed", Some(ATTACKER));
        let quiet = count(&both, "login_failed", Some(QUIET_IP));
        assert!(pay < threshold("PaymentFailures"), "instance {i}: {pay} failed payments");
        assert!(
            attacker.max(quiet) < threshold("AuthAnomaly"),
            "instance {i}: {attacker}/{quiet} failed logins"
        );
        assert!(attacker > 0, "instance {i} saw none of the attack: the test would not need the fleet");
    }

    let sent = |shards: &[Vec<String>]| shards.iter().map(Vec::len).sum::<usize>() as f64;
    let scraped = |n: f64| move || scalar(prom, "sum(logsift_records_in_total)") == Some(n);
    for (addr, records) in addrs.iter().zip(&control) {
        post(addr, records);
    }
    wait_for("the control stream's counts in Prometheus", Duration::from_secs(15), scraped(sent(&control)));
    // Several evaluations after the counts arrived: nothing pending or firing.
    let quiet_until = Instant::now() + Duration::from_secs(4);
    while Instant::now() < quiet_until {
        let active = alerts(prom);
        assert!(active.is_empty(), "the control stream made alerts:\n{}", describe(&active));
        std::thread::sleep(Duration::from_millis(500));
    }
    assert!(
        scalar(prom, "sum(logsift_alert_matches_total{rule=\"PaymentFailures\"})") == Some(2.0),
        "the control's failed payments were not counted"
    );

    for (addr, records) in addrs.iter().zip(&firing) {
        post(addr, records);
    }
    let sent_at = Instant::now();
    let total = sent(&control) + sent(&firing);
    wait_for("the firing stream's counts in Prometheus", Duration::from_secs(15), scraped(total));
    let is_fleet = |a: &Value, name: &str| {
        a["labels"]["alertname"] == name && a["labels"]["scope"] == "fleet" && a["state"] == "firing"
    };
    let mut active = Vec::new();
    wait_for("the fleet alerts to fire", Duration::from_secs(WINDOW_SECS), || {
        active = alerts(prom);
        ["PaymentFailures", "AuthAnomaly"].iter().all(|n| active.iter().any(|a| is_fleet(a, n)))
    });
    let fired_after = sent_at.elapsed();
    let attacker_label = ip_label(&config, ATTACKER);
    // A few more evaluations: still exactly the two fleet alerts, and no
    // per-instance alert (those carry an instance label) appears.
    for _ in 0..6 {
        active = alerts(prom);
        assert_eq!(active.len(), 2, "want exactly the two fleet alerts:\n{}", describe(&active));
        for a in &active {
            let labels = a["labels"].as_object().unwrap();
            assert!(!labels.contains_key("instance"), "a per-instance alert fired:\n{}", describe(&active));
            assert_eq!(labels["job"], "logsift", "{}", describe(&active));
            assert_eq!(labels["rule"], labels["alertname"], "{}", describe(&active));
        }
        let pay = active.iter().find(|a| is_fleet(a, "PaymentFailures")).expect("PaymentFailures");
        assert_eq!(pay["labels"]["severity"], "critical");
        assert!(!pay["labels"].as_object().unwrap().contains_key("ip_address"));
        let auth = active.iter().find(|a| is_fleet(a, "AuthAnomaly")).expect("AuthAnomaly");
        assert_eq!(auth["labels"]["severity"], "high");
        assert_eq!(auth["labels"]["ip_address"], attacker_label.as_str(), "{}", describe(&active));
        let summary = auth["annotations"]["summary"].as_str().unwrap_or_default();
        assert!(summary.contains(&attacker_label), "{summary}");
        std::thread::sleep(Duration::from_millis(500));
    }
    // Each instance's own windows never filled: logsift fired nothing.
    for addr in &addrs {
        let text = get(&format!("http://{addr}/metrics")).unwrap();
        for line in text.lines().filter(|l| l.starts_with("logsift_alert_signals_total{")) {
            assert!(line.ends_with(" 0"), "{addr} fired by itself: {line}");
        }
    }

    // Figures for the README.
    let per_rule = query(prom, "count by (rule) (logsift_alert_matches_total)");
    let per_rule: Vec<String> = per_rule
        .iter()
        .map(|r| {
            format!(
                "{}={}",
                r["metric"]["rule"].as_str().unwrap_or("?"),
                r["value"][1].as_str().unwrap_or("?")
            )
        })
        .collect();
    let series = scalar(prom, "count({__name__=~\"logsift_.+\"})").unwrap_or(0.0);
    let fleet_value = |name: &str| {
        active.iter().find(|a| is_fleet(a, name)).and_then(|a| a["value"].as_str().map(str::to_owned))
    };
    eprintln!(
        "fleet: {INSTANCES} instances, {total} records ({} control, {} firing), scrape and evaluation every 1s, \
         windows {WINDOW_SECS}s; {series} logsift_* series in Prometheus; logsift_alert_matches_total series per rule: {}; \
         fleet values PaymentFailures {:?}, AuthAnomaly {:?}; ready after {ready:?}, fired {fired_after:?} after the \
         stream, {:?} in all",
        sent(&control),
        sent(&firing),
        per_rule.join(" "),
        fleet_value("PaymentFailures"),
        fleet_value("AuthAnomaly"),
        started.elapsed()
    );
}
