//! Runs of our module over log lines, for the CLI and the parity tests:
//! the plugin config for a role, the recording upstream, and the counters.

use super::*;

/// The request an Envoy JSON access-log entry describes (the field names
/// of Istio's and Envoy's usual JSON format; `-` is treated as absent):
///
/// | entry field | becomes |
/// |---|---|
/// | `method`, `path`, `authority` | `:method`, `:path`, `:authority` (and `request.*`) |
/// | `response_code` | the response status (`response.code`) |
/// | `user_agent`, `x_forwarded_for`, `request_id`, `traceparent`, `referer` | request headers |
/// | `bytes_received`, `bytes_sent` | `request.size`, `response.size` |
/// | `duration` (ms) | `request.duration` (ns) |
/// | `downstream_remote_address` | `source.address` |
/// | `upstream_cluster`, `route_name`, `upstream_host`, `protocol` | `xds.cluster_name`, `xds.route_name`, `upstream.address`, `request.protocol` |
pub fn access_log_request(entry: &serde_json::Value) -> Request {
    let s = |k: &str| entry.get(k).and_then(|v| v.as_str()).map(str::to_owned);
    let n =
        |k: &str| entry.get(k).and_then(|v| v.as_i64().or_else(|| v.as_str().and_then(|t| t.parse().ok())));
    let mut headers: Vec<(&str, String)> = Vec::new();
    for (field, header) in [
        ("user_agent", "user-agent"),
        ("x_forwarded_for", "x-forwarded-for"),
        ("request_id", "x-request-id"),
        ("traceparent", "traceparent"),
        ("referer", "referer"),
    ] {
        if let Some(v) = s(field).filter(|v| v != "-") {
            headers.push((header, v));
        }
    }
    let hdrs: Vec<(&str, &str)> = headers.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let mut req = Request::new(
        &s("method").unwrap_or_else(|| "GET".into()),
        &s("path").unwrap_or_else(|| "/".into()),
        &hdrs,
        Vec::new(),
    );
    if let Some(a) = s("authority") {
        req.headers[0].1 = a.into_bytes();
    }
    req.response = HttpResponse::status(n("response_code").unwrap_or(0) as u16);
    let mut props: BTreeMap<&str, Property> = BTreeMap::new();
    if let Some(v) = n("bytes_received") {
        props.insert("request.size", Property::Int(v));
    }
    if let Some(v) = n("bytes_sent") {
        props.insert("response.size", Property::Int(v));
    }
    if let Some(v) = n("duration") {
        // Envoy's %DURATION% is milliseconds; request.duration is nanoseconds.
        props.insert("request.duration", Property::Int(v * 1_000_000));
    }
    if let Some(v) = s("downstream_remote_address") {
        props.insert("source.address", v.into());
    }
    if let Some(v) = s("upstream_cluster") {
        props.insert("xds.cluster_name", v.into());
    }
    if let Some(v) = s("route_name") {
        props.insert("xds.route_name", v.into());
    }
    if let Some(v) = s("upstream_host") {
        props.insert("upstream.address", v.into());
    }
    if let Some(v) = s("protocol") {
        props.insert("request.protocol", v.into());
    }
    req.properties = props.into_iter().map(|(k, v)| (k.to_owned(), v)).collect();
    req
}

/// The cluster the CLI and the tests give alert events to (`proxy.alertmanager`).
pub const ALERTS_CLUSTER: &str = "logsift_alertmanager";
/// The cluster the access logger ships batches to (`proxy.collector`).
pub const COLLECTOR_CLUSTER: &str = "logsift_collector";

/// The config document with its `proxy` section set for `role`: alert
/// events go to [`ALERTS_CLUSTER`] unless an Alertmanager is configured,
/// and for `access_log`, batches go to [`COLLECTOR_CLUSTER`] as NDJSON. A
/// document that is not a JSON object is passed on for the plugin to reject.
pub fn plugin_config_for(config: &[u8], role: &str) -> Vec<u8> {
    let Ok(serde_json::Value::Object(mut doc)) = serde_json::from_slice::<serde_json::Value>(config) else {
        return config.to_vec();
    };
    let proxy = doc.entry("proxy").or_insert_with(|| serde_json::json!({}));
    if let Some(p) = proxy.as_object_mut() {
        p.insert("role".into(), role.into());
        p.entry("alertmanager").or_insert_with(|| serde_json::json!({"cluster": ALERTS_CLUSTER}));
        if role == "access_log" {
            let max = p
                .get("collector")
                .and_then(|c| c.get("max_batch_records"))
                .cloned()
                .unwrap_or_else(|| 500.into());
            p.insert(
                "collector".into(),
                serde_json::json!({"cluster": COLLECTOR_CLUSTER, "format": "ndjson", "max_batch_records": max}),
            );
        }
    }
    serde_json::to_vec(&doc).unwrap_or_else(|_| config.to_vec())
}

/// What the in-process clusters received.
#[derive(Debug, Default)]
pub(crate) struct Received {
    signals: Vec<logsift_core::AlertEvent>,
    collector: Vec<Vec<u8>>,
    errors: Vec<String>,
}

/// An upstream with the two logsift clusters, recording what they receive.
pub(crate) fn recording_upstream() -> (Box<dyn Upstream + Send>, std::sync::Arc<std::sync::Mutex<Received>>) {
    let rec = std::sync::Arc::new(std::sync::Mutex::new(Received::default()));
    let r = rec.clone();
    let up = move |call: &HttpCall| -> CallAnswer {
        let Ok(mut r) = r.lock() else { return CallAnswer::Failed };
        match call.cluster.as_str() {
            ALERTS_CLUSTER => match serde_json::from_slice::<Vec<logsift_core::AlertEvent>>(&call.body) {
                Ok(events) => r.signals.extend(events),
                Err(e) => r.errors.push(format!("alert POST is not a list of alerts: {e}")),
            },
            COLLECTOR_CLUSTER => r.collector.extend(crate::lines(&call.body).map(<[u8]>::to_vec)),
            _ => return CallAnswer::UnknownCluster,
        }
        CallAnswer::Response(HttpResponse::status(200))
    };
    (Box::new(up), rec)
}

/// Counters of the run, from the metrics the plugin defined.
pub(crate) fn finish_run(
    vm: &ProxyWasm,
    records: Vec<Vec<u8>>,
    rec: &Received,
    mut errors: Vec<String>,
) -> (crate::Run, Vec<String>) {
    let m = |n: &str| vm.metric(n).max(0) as u64;
    let dropped =
        |reason: &str| vm.metric_where("logsift_records_dropped_total", "reason", reason).max(0) as u64;
    let stats = logsift_core::Stats {
        records_in: m("logsift_records_in_total"),
        records_out: m("logsift_records_out_total"),
        sampled: dropped("sampled"),
        rate_limited: dropped("rate_limited"),
        dropped_by_rule: dropped("rule"),
        ..logsift_core::Stats::default()
    };
    let counts = crate::HostCounts {
        records_in: stats.records_in,
        records_out: stats.records_out,
        dropped: stats.sampled + stats.rate_limited + stats.dropped_by_rule,
        errors: m("logsift_errors_total"),
    };
    // The plugin's metrics as Envoy's /stats/prometheus shows them with the
    // shipped configs' stats_tags: custom-namespace names without the
    // `envoy_wasmcustom_` prefix, labels extracted, one TYPE line a family.
    let mut metrics = String::new();
    let mut typed = std::collections::HashSet::new();
    let mut redactions = Vec::new();
    for x in vm.metrics() {
        let (family, labels) = x.series();
        if typed.insert(family) {
            let kind = ["counter", "gauge", "histogram"].get(x.kind as usize).copied().unwrap_or("untyped");
            metrics.push_str(&format!("# TYPE {family} {kind}\n"));
        }
        let labels: Vec<String> = labels.iter().map(|(k, v)| format!("{k}=\"{v}\"")).collect();
        if labels.is_empty() {
            metrics.push_str(&format!("{family} {}\n", x.value));
        } else {
            metrics.push_str(&format!("{family}{{{}}} {}\n", labels.join(","), x.value));
        }
        if family == "logsift_redactions_total"
            && let Some(detector) = x.label("detector")
        {
            redactions.push((detector.to_owned(), x.value.max(0) as u64));
        }
    }
    errors.extend(rec.errors.iter().cloned());
    let run = crate::Run {
        records,
        signals: rec.signals.clone(),
        metrics,
        redactions,
        stats,
        host_counts: Some(counts),
    };
    (run, errors)
}

/// Compiles `plugin` once per process (per path and modification time):
/// a test or a CLI run that drives the same module again does not pay for
/// Cranelift twice.
pub(crate) fn load(plugin: &std::path::Path) -> Result<(Engine, Module), DriverError> {
    type Cache = HashMap<std::path::PathBuf, (Option<std::time::SystemTime>, Engine, Module)>;
    static CACHE: std::sync::OnceLock<std::sync::Mutex<Cache>> = std::sync::OnceLock::new();
    let mtime = std::fs::metadata(plugin).and_then(|m| m.modified()).ok();
    let cache = CACHE.get_or_init(Default::default);
    if let Ok(c) = cache.lock()
        && let Some((t, e, m)) = c.get(plugin)
        && *t == mtime
    {
        return Ok((e.clone(), m.clone()));
    }
    let engine = crate::fluent_bit::engine()?;
    let module = Module::from_file(&engine, plugin)
        .map_err(|e| DriverError::Setup(format!("{}: {e:#}", plugin.display())))?;
    if let Ok(mut c) = cache.lock() {
        c.insert(plugin.to_path_buf(), (mtime, engine.clone(), module.clone()));
    }
    Ok((engine, module))
}

/// Runs `records` through the plugin in the `ingest` role: up to
/// `batch_lines` lines per POSTed NDJSON body, at the clock time of the
/// batch's first line. The records are the lines of the bodies that reach
/// the upstream; signals are the alert events POSTed to Alertmanager.
/// Returns the run and one line per rejected body.
pub fn run_envoy_ingest<'a>(
    plugin: &std::path::Path,
    config: &[u8],
    records: impl IntoIterator<Item = &'a [u8]>,
    clock: crate::Clock,
    batch_lines: usize,
    mut on_record: impl FnMut(usize),
) -> Result<(crate::Run, Vec<String>), DriverError> {
    let (engine, module) = load(plugin)?;
    let (up, rec) = recording_upstream();
    let cfg = ProxyWasmConfig {
        plugin_config: plugin_config_for(config, "ingest"),
        // The bodies are ours, not a client's: only the module's own
        // `proxy.max_body_bytes` applies, not a listener's buffer limit.
        buffer_limit: usize::MAX,
        ..ProxyWasmConfig::default()
    };
    let mut vm = ProxyWasm::new(&engine, &module, cfg, up, clock.nanos(0))?;
    let records: Vec<&[u8]> = records.into_iter().collect();
    let mut out = Vec::new();
    let mut errors = Vec::new();
    for (b, batch) in records.chunks(batch_lines.max(1)).enumerate() {
        let first = b * batch_lines.max(1);
        let t = clock.nanos(first);
        vm.set_clock(t);
        let mut body = Vec::new();
        for l in batch {
            body.extend_from_slice(l);
            body.push(b'\n');
        }
        let req = Request::post("/ingest", &[("content-type", "application/x-ndjson")], body);
        let ex = vm.http(req)?;
        match ex.forwarded {
            Some((_, body)) if !ex.local_reply => out.extend(crate::lines(&body).map(<[u8]>::to_vec)),
            _ => errors.push(format!(
                "lines {}-{}: {} {}",
                first + 1,
                first + batch.len(),
                ex.response.status,
                String::from_utf8_lossy(&ex.response.body).trim()
            )),
        }
        vm.set_time(t)?;
        for i in first..first + batch.len() {
            on_record(i);
        }
    }
    let rec = rec.lock().map_err(|_| DriverError::Guest("upstream state poisoned".into()))?;
    Ok(finish_run(&vm, out, &rec, errors))
}

/// Runs Envoy JSON access-log lines (see [`access_log_request`]) through
/// the plugin in the `access_log` role: each line becomes one request whose
/// `on_log` the root context gets. The records are what the logger ships to
/// its collector; the timer flushes the last batch one tick after the end.
pub fn run_envoy_log<'a>(
    plugin: &std::path::Path,
    config: &[u8],
    records: impl IntoIterator<Item = &'a [u8]>,
    clock: crate::Clock,
    mut on_record: impl FnMut(usize),
) -> Result<(crate::Run, Vec<String>), DriverError> {
    let (engine, module) = load(plugin)?;
    let (up, rec) = recording_upstream();
    let cfg = ProxyWasmConfig {
        plugin_config: plugin_config_for(config, "access_log"),
        ..ProxyWasmConfig::default()
    };
    let mut vm = ProxyWasm::new(&engine, &module, cfg, up, clock.nanos(0))?;
    let mut errors = Vec::new();
    let mut last = clock.nanos(0);
    for (i, line) in records.into_iter().enumerate() {
        let t = clock.nanos(i);
        last = t;
        vm.set_clock(t);
        match serde_json::from_slice::<serde_json::Value>(line) {
            Ok(v @ serde_json::Value::Object(_)) => vm.access_log(&access_log_request(&v))?,
            _ => errors.push(format!("line {}: not an Envoy JSON access-log entry", i + 1)),
        }
        vm.set_time(t)?;
        on_record(i);
    }
    vm.set_time(last + 1_000_000_001)?;
    let rec = rec.lock().map_err(|_| DriverError::Guest("upstream state poisoned".into()))?;
    let records = rec.collector.clone();
    Ok(finish_run(&vm, records, &rec, errors))
}
