//! The operations files: `observability/prometheus/` (scrape config, alert
//! rules and their unit tests) and `observability/alertmanager/`, checked
//! with the real `promtool` and `amtool`; the rules' and the Grafana
//! dashboard's metric names checked against what the engine and Envoy
//! export; `observability/grafana/` (no Grafana here: its JSON and the
//! datasource uids it refers to, its PromQL checked by `promtool`); the demo
//! stack checked with `docker-compose config` (v1, needs no engine); the
//! Kubernetes and Istio manifests parsed by PyYAML (installed with
//! docker-compose) and their logsift configs by the engine.
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
const FLEET_RULES: &str = "observability/prometheus/logsift-fleet-rules.yml";
const FLEET_RULE_TESTS: &str = "observability/prometheus/logsift-fleet-rules.test.yml";
const EXAMPLE_CONFIG: &str = "observability/logsift.example.json";
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

/// The shipped fleet rules are what `logsift rules` writes for the example
/// config; they change only with `LOGSIFT_BLESS=1`.
#[test]
fn fleet_rules_are_generated_from_the_example_config() {
    let config = std::fs::read(root().join(EXAMPLE_CONFIG)).unwrap();
    let got = logsift_host::rules::fleet_rules(&config, EXAMPLE_CONFIG).unwrap();
    let path = root().join(FLEET_RULES);
    if std::env::var_os("LOGSIFT_BLESS").is_some() {
        std::fs::write(&path, &got).unwrap();
        return;
    }
    let want = read(FLEET_RULES);
    if want != got {
        let diff: Vec<String> = want
            .lines()
            .zip(got.lines())
            .enumerate()
            .filter(|(_, (w, g))| w != g)
            .take(10)
            .map(|(i, (w, g))| format!("  line {}:\n  - {w}\n  + {g}", i + 1))
            .collect();
        panic!(
            "{FLEET_RULES} is not what `logsift rules --config {EXAMPLE_CONFIG}` writes \
             (bless with LOGSIFT_BLESS=1; {} vs {} lines):\n{}",
            want.lines().count(),
            got.lines().count(),
            diff.join("\n")
        );
    }
}

#[test]
fn fleet_alert_rules_are_valid() {
    if have("promtool") {
        run("promtool", &["check", "rules", "prometheus/logsift-fleet-rules.yml"]);
    }
}

#[test]
fn fleet_alert_rule_unit_tests_pass() {
    if have("promtool") {
        run("promtool", &["test", "rules", "prometheus/logsift-fleet-rules.test.yml"]);
    }
}

/// Every logsift rule of the example config has a fleet alert of the same
/// name and severity, selecting its own rule's counter over its window.
#[test]
fn fleet_alerts_follow_the_engine_rules() {
    let config: serde_json::Value = serde_json::from_str(&read(EXAMPLE_CONFIG)).unwrap();
    let fleet = alerts(&read(FLEET_RULES));
    let engine = config["alerts"]["rules"].as_array().unwrap();
    assert_eq!(fleet.len(), engine.len(), "{FLEET_RULES}: {fleet:?}");
    for rule in engine {
        let name = rule["name"].as_str().unwrap();
        let alert = fleet.iter().find(|a| a.name == name).unwrap_or_else(|| panic!("no fleet alert {name}"));
        assert_eq!(alert.labels.get("severity").map(String::as_str), rule["severity"].as_str(), "{name}");
        assert_eq!(alert.labels.get("scope").map(String::as_str), Some("fleet"), "{name}");
        assert!(alert.expr.contains(&format!("{{rule=\"{name}\"}}[{}]", rule["window"].as_str().unwrap())));
        assert!(alert.expr.contains(&format!(">= {}", rule["threshold"])), "{name}:\n{}", alert.expr);
        assert!(alert.expr.contains("sum without (instance, pod)"), "{name}:\n{}", alert.expr);
        assert_eq!(
            alert.annotations.get("summary").map(String::as_str),
            rule["annotations"]["summary"].as_str()
        );
    }
    let engine_names = exposed_names(&read(ENGINE_METRICS));
    for alert in &fleet {
        for name in metric_names(&alert.expr) {
            assert!(engine_names.contains(&name), "{}: {name} is not exported by the engine", alert.name);
        }
    }
    // Unit-tested firing and quiet, like the per-instance rules.
    let seen = tested_both_ways(&read(FLEET_RULE_TESTS));
    for alert in &fleet {
        assert_eq!(
            seen.get(&alert.name),
            Some(&(true, true)),
            "{FLEET_RULE_TESTS}: {} (fires, quiet)",
            alert.name
        );
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

/// Per alert name of a promtool test file: whether it is expected firing
/// somewhere, and quiet somewhere.
fn tested_both_ways(tests: &str) -> BTreeMap<String, (bool, bool)> {
    let mut seen: BTreeMap<String, (bool, bool)> = BTreeMap::new();
    let mut lines = tests.lines().map(str::trim);
    while let Some(line) = lines.next() {
        let Some(name) = line.strip_prefix("alertname:") else { continue };
        let entry = seen.entry(unquote(name)).or_default();
        match lines.next() {
            Some("exp_alerts: []") => entry.1 = true,
            Some("exp_alerts:") => entry.0 = true,
            other => panic!("`alertname: {name}` not followed by exp_alerts: {other:?}"),
        }
    }
    seen
}

/// The unit tests check every alert both firing and not firing.
#[test]
fn every_alert_is_unit_tested_both_ways() {
    let seen = tested_both_ways(&read(RULE_TESTS));
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

const DASHBOARD: &str = "observability/grafana/dashboards/logsift.json";
const DATASOURCES: &str = "observability/grafana/provisioning/datasources/logsift.yaml";

/// Every PromQL expression of the dashboard (panel targets and variables),
/// with Grafana's variables replaced by what PromQL can parse.
fn dashboard_queries() -> Vec<(String, String)> {
    let dash: serde_json::Value =
        serde_json::from_str(&read(DASHBOARD)).unwrap_or_else(|e| panic!("{DASHBOARD}: {e}"));
    let mut out = Vec::new();
    for panel in dash["panels"].as_array().expect("panels") {
        let title = panel["title"].as_str().unwrap_or_default();
        assert!(!title.is_empty(), "{DASHBOARD}: a panel without a title: {panel}");
        let targets = panel["targets"].as_array().unwrap_or_else(|| panic!("{title}: no targets"));
        assert!(!targets.is_empty(), "{title}: no targets");
        for t in targets {
            let expr = t["expr"].as_str().unwrap_or_else(|| panic!("{title}: a target without expr"));
            out.push((title.to_owned(), expr.to_owned()));
        }
    }
    for var in dash["templating"]["list"].as_array().into_iter().flatten() {
        if let Some(q) = var["query"]["query"].as_str() {
            out.push((format!("variable {}", var["name"]), q.to_owned()));
        }
    }
    out
}

#[test]
fn dashboard_queries_use_exported_metrics() {
    let engine = exposed_names(&read(ENGINE_METRICS));
    let queries = dashboard_queries();
    let mut used = BTreeSet::new();
    for (title, expr) in &queries {
        let names = metric_names(expr);
        assert!(!names.is_empty(), "{title}: no logsift metric in `{expr}`");
        for name in names {
            assert!(
                engine.contains(&name) || ENVOY_NAMES.contains(&name.as_str()),
                "{title}: `{name}` is exported neither by the engine ({ENGINE_METRICS}) nor by Envoy"
            );
            used.insert(name);
        }
    }
    // The panels: records in/out/dropped, redactions, sampling,
    // alert signals, plugin errors.
    for name in [
        "logsift_records_in_total",
        "logsift_records_out_total",
        "logsift_records_dropped_total",
        "logsift_redactions_total",
        "logsift_alert_signals_total",
        "logsift_errors_total",
    ] {
        assert!(used.contains(name), "{DASHBOARD} has no panel on {name}");
    }
}

/// Every target and variable refers to a provisioned datasource.
#[test]
fn dashboard_datasources_are_provisioned() {
    let text = read(DATASOURCES);
    let uids: BTreeSet<String> =
        text.lines().filter_map(|l| l.trim().strip_prefix("uid:")).map(unquote).collect();
    for uid in ["prometheus", "loki", "tempo"] {
        assert!(uids.contains(uid), "{DATASOURCES}: no datasource with uid {uid}: {uids:?}");
    }
    for key in ["derivedFields:", "tracesToLogsV2:", "trace_id", "request_id"] {
        assert!(text.contains(key), "{DATASOURCES}: no {key}");
    }
    let dash: serde_json::Value = serde_json::from_str(&read(DASHBOARD)).unwrap();
    let mut refs = Vec::new();
    fn walk(v: &serde_json::Value, refs: &mut Vec<String>) {
        match v {
            serde_json::Value::Object(m) => {
                if let Some(uid) = m.get("datasource").and_then(|d| d["uid"].as_str()) {
                    refs.push(uid.to_owned());
                }
                m.values().for_each(|c| walk(c, refs));
            }
            serde_json::Value::Array(a) => a.iter().for_each(|c| walk(c, refs)),
            _ => {}
        }
    }
    walk(&dash, &mut refs);
    assert!(!refs.is_empty(), "{DASHBOARD} names no datasource");
    for uid in refs {
        assert!(uids.contains(&uid), "{DASHBOARD} refers to datasource {uid}, not in {DATASOURCES}");
    }
}

/// `promtool check rules` parses each dashboard query (as a recording rule).
#[test]
fn dashboard_queries_parse() {
    if !have("promtool") {
        return;
    }
    let mut rules = String::from("groups:\n  - name: dashboard\n    rules:\n");
    for (i, (_, expr)) in dashboard_queries().iter().enumerate() {
        if expr.starts_with("label_values(") {
            continue;
        }
        let expr = expr.replace("$__rate_interval", "5m").replace("$job", ".*");
        let quoted = serde_json::to_string(&expr).unwrap();
        rules.push_str(&format!("      - record: logsift:dashboard_{i}\n        expr: {quoted}\n"));
    }
    let path = std::env::temp_dir().join(format!("logsift-dashboard-rules-{}.yml", std::process::id()));
    std::fs::write(&path, rules).unwrap();
    run("promtool", &["check", "rules", &path.to_string_lossy()]);
    let _ = std::fs::remove_file(&path);
}

#[test]
fn docker_compose_stack_is_valid() {
    let file = read("observability/docker-compose.yml");
    for service in ["envoy", "fluent-bit", "loki", "tempo", "prometheus", "alertmanager", "grafana"] {
        assert!(file.contains(&format!("\n  {service}:\n")), "docker-compose.yml has no service {service}");
    }
    // Every shipped file it mounts exists (../dist is built by `cargo xtask dist`).
    for line in file.lines().map(str::trim) {
        let Some(mount) = line.strip_prefix("- ./") else { continue };
        let src = mount.split(':').next().unwrap_or_default();
        assert!(root().join("observability").join(src).exists(), "docker-compose.yml mounts missing ./{src}");
    }
    for wasm in ["logsift_proxy_wasm.wasm", "logsift_fluent_bit.wasm"] {
        assert!(file.contains(wasm), "docker-compose.yml does not mount {wasm}");
    }
    if have("docker-compose") {
        run("docker-compose", &["-f", "docker-compose.yml", "config", "--quiet"]);
    }
}

/// A Python with PyYAML (Debian's comes with docker-compose), or `None`
/// to skip (never under CI).
fn python_yaml() -> Option<&'static str> {
    for py in ["/usr/bin/python3", "python3"] {
        if Command::new(py).args(["-c", "import yaml"]).output().is_ok_and(|o| o.status.success()) {
            return Some(py);
        }
    }
    assert!(
        std::env::var_os("CI").is_none(),
        "no python3 with PyYAML under CI (`cargo xtask test` installs it)"
    );
    eprintln!("skipping: no python3 with PyYAML");
    None
}

/// The YAML documents of `rel`, as JSON, parsed by PyYAML.
fn yaml_docs(py: &str, rel: &str) -> Vec<serde_json::Value> {
    let script = "import json, sys, yaml; print(json.dumps(list(yaml.safe_load_all(open(sys.argv[1])))))";
    let out = Command::new(py).args(["-c", script]).arg(root().join(rel)).output().unwrap();
    assert!(out.status.success(), "{rel}: {}", String::from_utf8_lossy(&out.stderr));
    serde_json::from_slice(&out.stdout).unwrap()
}

#[test]
fn kubernetes_daemonset_carries_the_shipped_logsift_config() {
    let Some(py) = python_yaml() else { return };
    let rel = "observability/kubernetes/fluent-bit-daemonset.yaml";
    let docs = yaml_docs(py, rel);
    let kind = |k: &str| docs.iter().filter(|d| d["kind"] == k).cloned().collect::<Vec<_>>();
    let ds = kind("DaemonSet");
    assert_eq!(ds.len(), 1, "{rel}: one DaemonSet");
    let maps = kind("ConfigMap");
    let logsift =
        maps.iter().find_map(|m| m["data"]["logsift.json"].as_str()).expect("logsift.json ConfigMap");
    let shipped: serde_json::Value =
        serde_json::from_str(&read("observability/fluent-bit/logsift.json")).unwrap();
    let shipped_text = serde_json::to_string(&shipped).unwrap();
    assert_eq!(
        serde_json::from_str::<serde_json::Value>(logsift).unwrap(),
        shipped,
        "{rel} vs fluent-bit/logsift.json"
    );
    logsift_core::Config::from_json(shipped_text.as_bytes()).unwrap();
    // The Fluent Bit config's wasm filter: the settings the README explains,
    // and paths the volumes provide.
    let fb =
        maps.iter().find_map(|m| m["data"]["fluent-bit.yaml"].as_str()).expect("fluent-bit.yaml ConfigMap");
    for setting in [
        "event_format: json",
        "function_name: logsift_filter",
        "accessible_paths: /etc/logsift",
        "wasm_heap_size: 4M",
    ] {
        assert!(fb.contains(setting), "{rel}: the wasm filter lacks `{setting}`");
    }
    let mounts = ds[0]["spec"]["template"]["spec"]["containers"][0]["volumeMounts"].to_string();
    for path in ["/etc/logsift", "/fluent-bit/wasm", "/fluent-bit/etc"] {
        assert!(mounts.contains(&format!("\"{path}\"")), "{rel}: nothing mounted at {path}");
    }
}

#[test]
fn istio_wasmplugin_config_is_accepted_by_the_engine() {
    let Some(py) = python_yaml() else { return };
    let rel = "observability/istio/wasmplugin.yaml";
    let docs = yaml_docs(py, rel);
    assert_eq!(docs.len(), 1, "{rel}");
    let plugin = &docs[0];
    assert_eq!(plugin["apiVersion"], "extensions.istio.io/v1alpha1");
    assert_eq!(plugin["kind"], "WasmPlugin");
    assert_eq!(plugin["spec"]["pluginName"], "logsift", "the module's root id");
    let url = plugin["spec"]["url"].as_str().unwrap_or_default();
    assert!(url.starts_with("oci://") || url.starts_with("file://") || url.starts_with("https://"), "{url}");
    let cfg = serde_json::to_vec(&plugin["spec"]["pluginConfig"]).unwrap();
    let parsed = logsift_core::Config::from_json(&cfg).unwrap_or_else(|e| panic!("{rel}: {e}"));
    let proxy = parsed.proxy.unwrap_or_default();
    assert!(
        ["ingest", "access_log", "edge"].contains(&proxy["role"].as_str().unwrap_or_default()),
        "{proxy:?}"
    );
}
