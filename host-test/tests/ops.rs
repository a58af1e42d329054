//! The operations files: `observability/prometheus/` (scrape config, alert
//! rules and their unit tests) and `observability/alertmanager/`, checked
//! with the real `promtool` and `amtool`; and the rules' metric names checked
//! against what the engine and Envoy export.
//!
//! `cargo xtask test` installs the Debian packages `prometheus` (promtool)
//! and `prometheus-alertmanager` (amtool). Elsewhere a missing tool skips its
//! tests; under `CI` it fails them.

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;
use std::process::Command;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn read(rel: &str) -> String {
    let path = root().join(rel);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

const RULES: &str = "observability/prometheus/logsift-rules.yml";
const RULE_TESTS: &str = "observability/prometheus/logsift-rules.test.yml";
const ENGINE_METRICS: &str = "host-test/samples/golden/structlog.ndjson.metrics";

/// Whether `tool` runs; `false` to skip (never under CI).
fn have(tool: &str) -> bool {
    if Command::new(tool).arg("--version").output().is_ok_and(|o| o.status.success()) {
        return true;
    }
    assert!(
        std::env::var_os("CI").is_none(),
        "`{tool}` is missing under CI: `cargo xtask test` installs it with the Debian packages \
         `prometheus` and `prometheus-alertmanager`"
    );
    eprintln!(
        "skipping: no `{tool}` (`cargo xtask test` installs the Debian packages `prometheus` and \
         `prometheus-alertmanager`)"
    );
    false
}

/// Runs `tool args` in `observability/`, asserting success; returns its output.
fn run(tool: &str, args: &[&str]) -> String {
    let out = Command::new(tool)
        .args(args)
        .current_dir(root().join("observability"))
        .output()
        .unwrap_or_else(|e| panic!("{tool}: {e}"));
    let text = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    assert!(out.status.success(), "`{tool} {}` failed ({}):\n{text}", args.join(" "), out.status);
    text
}

#[test]
fn prometheus_config_is_valid() {
    if have("promtool") {
        // Also resolves and checks rule_files (relative to the config).
        run("promtool", &["check", "config", "prometheus/prometheus.yml"]);
    }
}

#[test]
fn alert_rules_are_valid() {
    if have("promtool") {
        run("promtool", &["check", "rules", "prometheus/logsift-rules.yml"]);
    }
}

#[test]
fn alert_rule_unit_tests_pass() {
    if have("promtool") {
        run("promtool", &["test", "rules", "prometheus/logsift-rules.test.yml"]);
    }
}

#[test]
fn alertmanager_config_is_valid() {
    if have("amtool") {
        run("amtool", &["check-config", "alertmanager/alertmanager.yml"]);
    }
}

#[test]
fn alertmanager_routes_by_severity() {
    if !have("amtool") {
        return;
    }
    for (severity, receiver) in
        [("critical", "pagerduty-and-email"), ("high", "slack"), ("warning", "email"), ("", "email")]
    {
        let label = format!("severity={severity}");
        let verify = format!("--verify.receivers={receiver}");
        let mut args = vec![
            "config",
            "routes",
            "test",
            "--config.file=alertmanager/alertmanager.yml",
            &verify,
            "alertname=HighErrorRate",
        ];
        if !severity.is_empty() {
            args.push(&label);
        }
        run("amtool", &args);
    }
}

/// One alert of the rules file, read line by line: enough for these checks
/// without a YAML parser, given the file's layout (`- alert:` items whose
/// keys sit two columns right of the dash; `expr` inline or a block scalar;
/// `labels` and `annotations` maps of one-line scalars).
#[derive(Debug, Default)]
struct Alert {
    name: String,
    expr: String,
    labels: BTreeMap<String, String>,
    annotations: BTreeMap<String, String>,
}

fn unquote(v: &str) -> String {
    let v = v.trim();
    for q in ['"', '\''] {
        if let Some(inner) = v.strip_prefix(q).and_then(|v| v.strip_suffix(q)) {
            return inner.to_owned();
        }
    }
    v.to_owned()
}

fn alerts(text: &str) -> Vec<Alert> {
    let mut out: Vec<Alert> = Vec::new();
    // Column of the current alert's keys; None outside an alert.
    let mut key_col: Option<usize> = None;
    let mut section = "";
    for line in text.lines() {
        let body = line.trim_start();
        if body.is_empty() || body.starts_with('#') {
            continue;
        }
        let col = line.len() - body.len();
        if let Some(name) = body.strip_prefix("- alert:") {
            out.push(Alert { name: unquote(name), ..Alert::default() });
            (key_col, section) = (Some(col + 2), "");
            continue;
        }
        let (Some(kc), Some(alert)) = (key_col, out.last_mut()) else { continue };
        if col < kc {
            (key_col, section) = (None, "");
            continue;
        }
        if col == kc {
            let (key, value) = body.split_once(':').unwrap_or((body, ""));
            section = key;
            if key == "expr" && !value.trim_start().starts_with(['|', '>']) {
                alert.expr = unquote(value);
            }
            continue;
        }
        match section {
            "expr" => {
                alert.expr.push_str(body);
                alert.expr.push('\n');
            }
            "labels" | "annotations" => {
                let (k, v) = body.split_once(':').unwrap_or_else(|| panic!("not `key: value`: {line}"));
                let map = if section == "labels" { &mut alert.labels } else { &mut alert.annotations };
                map.insert(k.trim().to_owned(), unquote(v));
            }
            _ => {}
        }
    }
    out
}

fn rules() -> Vec<Alert> {
    let rules = alerts(&read(RULES));
    assert!(rules.len() >= 6, "too few alerts parsed from {RULES}: {rules:?}");
    rules
}

/// Metric names in a PromQL expression: identifiers `logsift_*`, or
/// `envoy_*` containing `logsift`.
fn metric_names(expr: &str) -> BTreeSet<String> {
    expr.split(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == ':'))
        .filter(|t| t.starts_with("logsift_") || (t.starts_with("envoy_") && t.contains("logsift")))
        .map(str::to_owned)
        .collect()
}

/// Names in a Prometheus text exposition.
fn exposed_names(text: &str) -> BTreeSet<String> {
    let mut names = BTreeSet::new();
    for line in text.lines() {
        let name = match line.strip_prefix("# TYPE ") {
            Some(rest) => rest.split_whitespace().next(),
            None if line.starts_with('#') => None,
            None => line.split(['{', ' ']).next(),
        };
        names.extend(name.filter(|n| !n.is_empty()).map(str::to_owned));
    }
    names
}

/// What the proxy-wasm module adds in Envoy's `/stats/prometheus` to the
/// engine's metrics (which it exports under the same names and labels,
/// checked in tests/envoy.rs): its own error counter, and Envoy's per-VM
/// stats for the `logsift` root id.
const ENVOY_NAMES: &[&str] = &[
    "logsift_errors_total",
    "envoy_wasm_logsift_vm_reload",
    "envoy_wasm_logsift_vm_reload_backoff",
    "envoy_wasm_logsift_vm_reload_failure",
    "envoy_wasm_logsift_vm_reload_success",
];

#[test]
fn rule_metrics_are_exported() {
    let engine = exposed_names(&read(ENGINE_METRICS));
    assert!(engine.contains("logsift_records_in_total"), "no engine metrics in {ENGINE_METRICS}");
    let mut used = BTreeSet::new();
    let mut unknown = Vec::new();
    for alert in rules() {
        for name in metric_names(&alert.expr) {
            if !engine.contains(&name) && !ENVOY_NAMES.contains(&name.as_str()) {
                unknown.push(format!("{}: {name}", alert.name));
            }
            used.insert(name);
        }
    }
    assert!(
        unknown.is_empty(),
        "metrics neither the engine ({ENGINE_METRICS}) nor Envoy exports:\n{}",
        unknown.join("\n")
    );
    // The Envoy-only names used are ones the module still defines.
    let module = read("plugins/proxy-wasm/src/metrics.rs");
    for name in used.iter().filter(|n| n.starts_with("logsift_") && !engine.contains(*n)) {
        assert!(module.contains(&format!("\"{name}\"")), "{name} is not defined in the proxy-wasm module");
    }
}

#[test]
fn every_alert_has_severity_summary_and_runbook() {
    let routed = ["critical", "high", "warning"];
    for alert in rules() {
        let severity = alert.labels.get("severity").map(String::as_str);
        assert!(
            severity.is_some_and(|s| routed.contains(&s)),
            "{}: labels.severity must be one of {routed:?} (Alertmanager routes those), not {severity:?}",
            alert.name
        );
        for key in ["summary", "runbook_url"] {
            let value = alert.annotations.get(key).map(String::as_str).unwrap_or_default();
            assert!(!value.is_empty(), "{}: annotations.{key} is missing", alert.name);
        }
        let runbook = &alert.annotations["runbook_url"];
        assert!(runbook.starts_with("https://"), "{}: runbook_url {runbook}", alert.name);
        assert!(!alert.expr.trim().is_empty(), "{}: no expr", alert.name);
    }
}

/// Each logsift alert rule (as the engine reports them) has a Prometheus
/// alert of the same name and severity, selecting its own rule's signals.
#[test]
fn app_alerts_follow_the_engine_rules() {
    let mut engine = BTreeMap::new();
    for line in read(ENGINE_METRICS).lines().filter(|l| l.starts_with("logsift_alert_signals_total{")) {
        let label = |key: &str| {
            let start = line.find(&format!("{key}=\""))? + key.len() + 2;
            line[start..].split('"').next().map(str::to_owned)
        };
        engine.insert(label("rule").unwrap(), label("severity").unwrap());
    }
    assert!(engine.len() >= 6, "alert rules missing from {ENGINE_METRICS}: {engine:?}");
    let rules = rules();
    for (rule, severity) in &engine {
        let alert = rules.iter().find(|a| &a.name == rule);
        let alert = alert.unwrap_or_else(|| panic!("no Prometheus alert for logsift rule {rule}"));
        assert_eq!(alert.labels.get("severity"), Some(severity), "severity of {rule}");
        assert!(
            alert.expr.contains(&format!("rule=\"{rule}\"")),
            "{rule} selects another rule:\n{}",
            alert.expr
        );
        assert!(alert.expr.contains("status=\"firing\""), "{rule} counts resolved signals:\n{}", alert.expr);
    }
}

/// The unit tests check every alert both firing and not firing.
#[test]
fn every_alert_is_unit_tested_both_ways() {
    let tests = read(RULE_TESTS);
    let mut seen: BTreeMap<String, (bool, bool)> = BTreeMap::new();
    let mut lines = tests.lines().map(str::trim);
    while let Some(line) = lines.next() {
        let Some(name) = line.strip_prefix("alertname:") else { continue };
        let entry = seen.entry(unquote(name)).or_default();
        match lines.next() {
            Some("exp_alerts: []") => entry.1 = true,
            Some("exp_alerts:") => entry.0 = true,
            other => panic!("{RULE_TESTS}: `alertname: {name}` not followed by exp_alerts: {other:?}"),
        }
    }
    for alert in rules() {
        let (fires, quiet) = seen.get(&alert.name).copied().unwrap_or_default();
        assert!(fires, "{RULE_TESTS} never sees {} firing", alert.name);
        assert!(quiet, "{RULE_TESTS} never sees {} not firing", alert.name);
    }
}

/// Every label the engine's metrics carry has a `stats_tags` entry in every
/// shipped Envoy config, so the proxy-wasm module's series get their labels
/// back in Envoy (the module encodes them as `label=.=value;.;`).
#[test]
fn envoy_configs_extract_every_engine_label() {
    let mut labels = BTreeSet::new();
    for line in read(ENGINE_METRICS).lines().filter(|l| !l.starts_with('#')) {
        let Some(inner) = line.split_once('{').and_then(|(_, rest)| rest.split_once('}')).map(|(l, _)| l)
        else {
            continue;
        };
        labels.extend(inner.split(',').filter_map(|kv| kv.split_once('=')).map(|(k, _)| k.to_owned()));
    }
    assert!(labels.contains("detector") && labels.contains("rule"), "labels read: {labels:?}");
    let dir = root().join("observability/envoy");
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_none_or(|e| e != "yaml") {
            continue;
        }
        let text = std::fs::read_to_string(&path).unwrap();
        for label in &labels {
            let entry = format!("{{tag_name: {label}, regex: '({label}=\\.=(.+?);\\.;)'}}");
            assert!(text.contains(&entry), "{} lacks the stats_tags entry {entry}", path.display());
        }
    }
}
