//! The fleet rules' counters from a real Envoy: the proxy-wasm module's
//! `logsift_alert_matches_total` series, with the shipped config's
//! `stats_tags`, show in `/stats/prometheus` under the same names, labels
//! and values as the engine exports them in `logsift serve` and
//! `logsift run --metrics`, group labels included, and exist at 0 before
//! the first record (Prometheus' `increase()` cannot see a series' first
//! sample).
//!
//! `cargo xtask test` installs Envoy into `.venv/`; elsewhere point
//! `LOGSIFT_ENVOY` at a binary. Under `CI=true` a missing Envoy fails.

mod common;

use common::envoy::*;

/// The shipped ingest config's plugin JSON with the example config's
/// scrub and alerts sections.
fn plugin_config() -> String {
    let yaml = std::fs::read_to_string(root().join("observability/envoy/ingest-gateway.yaml")).unwrap();
    let start = yaml.find("value: |").unwrap() + "value: |".len();
    let end = yaml[start..].find("vm_config:").unwrap() + start;
    let mut cfg: serde_json::Value = serde_json::from_str(yaml[start..end].trim()).unwrap();
    let example: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(root().join("observability/logsift.example.json")).unwrap(),
    )
    .unwrap();
    cfg["scrub"] = example["scrub"].clone();
    cfg["alerts"] = example["alerts"].clone();
    serde_json::to_string(&cfg).unwrap()
}

/// `name{labels} value` lines of `family` in an exposition, label order kept.
fn series(text: &str, family: &str) -> Vec<String> {
    let mut out: Vec<String> = text
        .lines()
        .filter(|l| l.starts_with(&format!("{family}{{")) || l.starts_with(&format!("{family} ")))
        .map(str::to_owned)
        .collect();
    out.sort();
    out
}

/// Envoy's exposition of one series, with the labels sorted (Envoy orders
/// tags its own way) and the value as the engine prints it.
fn normalized(line: &str) -> String {
    let (name_labels, value) = line.rsplit_once(' ').unwrap();
    let value: f64 = value.parse().unwrap();
    let Some((name, labels)) = name_labels.split_once('{') else { return format!("{name_labels} {value}") };
    let mut labels: Vec<&str> = labels.trim_end_matches('}').split(',').filter(|l| !l.is_empty()).collect();
    labels.sort();
    format!("{name}{{{}}} {value}", labels.join(","))
}

#[test]
fn alert_match_series_in_envoy_are_the_engines() {
    let Some(bin) = envoy() else { return };
    let up = Upstream::start();
    let (port, admin) = (free_port(), free_port());
    let cfg = plugin_config();
    let envoy = start(&bin, &config("ingest-gateway.yaml", port, admin, up.port, Some(&cfg)), "alert-series")
        .unwrap();

    let native_cfg = {
        let mut v: serde_json::Value = serde_json::from_str(&cfg).unwrap();
        v.as_object_mut().unwrap().remove("proxy");
        serde_json::to_vec(&v).unwrap()
    };
    let mut native = logsift_core::Pipeline::from_json(&native_cfg).unwrap();
    let stats = |envoy: &Envoy| {
        let (_, body) = http(envoy.admin, "GET", "/stats/prometheus", &[], b"").unwrap();
        String::from_utf8_lossy(&body).into_owned()
    };
    let compare = |native: &logsift_core::Pipeline, what: &str| {
        let prom = stats(&envoy);
        for family in ["logsift_alert_matches_total", "logsift_alert_value_total"] {
            let mut got: Vec<String> = series(&prom, family).iter().map(|l| normalized(l)).collect();
            got.sort();
            let mut want: Vec<String> =
                series(&native.metrics_text(), family).iter().map(|l| normalized(l)).collect();
            want.sort();
            assert!(!want.is_empty(), "{family}: the engine exports none");
            assert_eq!(got, want, "{what}: {family} in Envoy vs the engine:\n{prom}");
        }
    };
    // Before any record: every rule's series, at 0.
    compare(&native, "at start");
    assert!(
        stats(&envoy)
            .contains("logsift_alert_matches_total{rule=\"AuthAnomaly\",ip_address=\"__other__\"} 0")
            || stats(&envoy)
                .contains("logsift_alert_matches_total{ip_address=\"__other__\",rule=\"AuthAnomaly\"} 0"),
        "{}",
        stats(&envoy)
    );

    let mut lines = String::new();
    for (i, ip) in ["203.0.113.7", "203.0.113.7", "198.51.100.142", "203.0.113.7"].iter().enumerate() {
        lines.push_str(&format!(
            "{{\"event\": \"login_failed\", \"level\": \"warning\", \"ip_address\": \"{ip}\", \"attempt\": {i}}}\n"
        ));
    }
    lines.push_str("{\"event\": \"payment_failed\", \"level\": \"error\"}\n");
    lines.push_str("{\"event\": \"llm_request\", \"level\": \"info\", \"total_tokens\": 1234}\n");
    let (status, _) = http(envoy.port, "POST", "/ingest", &[], lines.as_bytes()).unwrap();
    assert_eq!(status, 204);
    let mut ctx = logsift_core::Ctx::new(1, 1);
    for line in lines.lines() {
        let _ = native.process(line.as_bytes(), &mut ctx);
    }
    compare(&native, "after the records");
    let prom = stats(&envoy);
    let grouped = series(&prom, "logsift_alert_matches_total");
    assert!(
        grouped.iter().any(|l| l.contains("ip_address=\"_IP_ADDRESS_") && l.ends_with(" 3")),
        "no hashed-address series at 3:\n{}",
        grouped.join("\n")
    );
}
