//! `logsift`: run the logsift filters over log files or stdin.
//!
//! ```text
//! logsift run --host native --config observability/logsift.example.json app.log
//! logsift run --host envoy-log --config observability/logsift.example.json access.ndjson
//! logsift run --host component --config observability/logsift.example.json app.log
//! logsift run --input-format auto --config logsift.json -o clean.bin push.bin   # a captured Loki/OTLP push
//! logsift serve --config logsift.json --listen 127.0.0.1:8686 --forward http://127.0.0.1:8687/
//! logsift schema > logsift.schema.json
//! logsift rules --config logsift.json > logsift-fleet-rules.yml   # fleet-wide Prometheus rules
//! logsift --version   # version, git commit, and the plugin builds in dist/ with their SHA-256
//! ```

mod run_stats;
mod version;

use std::io::{IsTerminal, Read, Write};
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use clap::{Parser, Subcommand, ValueEnum};
use logsift_host::body::{self, InputFormat};
use logsift_host::component::ComponentPlugin;
use logsift_host::fluent_bit::FluentBitConfig;
use logsift_host::serve::{ServeOptions, Server};
use logsift_host::{Clock, Run, dist_dir, lines, proxy_wasm, run_component, run_fluent_bit, run_native};
use run_stats::{CacheProbe, Summary, Timing, Window};

#[derive(Parser)]
#[command(
    name = "logsift",
    about = "Scrub, enrich, sample and alert on log records",
    disable_version_flag = true,
    arg_required_else_help = true
)]
struct Cli {
    /// Print the version, the git commit and the plugin builds in dist/
    /// (sizes and SHA-256), to name exactly what ran in a bug report.
    #[arg(short = 'V', long)]
    version: bool,
    #[command(subcommand)]
    cmd: Option<Cmd>,
}

#[derive(Subcommand)]
enum Cmd {
    /// Process NDJSON or text lines; kept records go to stdout, one per line.
    Run(RunArgs),
    /// Serve the component over HTTP, as a sidecar or a push gateway.
    ///
    /// POST NDJSON or text to /v1/process: the kept records come back (and
    /// go to --forward). POST a shipper's push to /loki/api/v1/push (JSON or
    /// protobuf + snappy), /v1/logs or /otlp/v1/logs (OTLP JSON or protobuf,
    /// gzip or not) or .../_bulk: it is rewritten in its own format and sent
    /// to --forward plus the request's path, the backend's answer passed
    /// back. With --grpc-listen, OTLP/gRPC LogsService/Export too (h2c), sent
    /// on to --grpc-forward. A body logsift does not read is refused (415,
    /// gRPC UNIMPLEMENTED) unless its path is under a --pass-through prefix;
    /// it is never rewritten as lines. GET /metrics, /v1/signals, /healthz.
    Serve(ServeArgs),
    /// Print the JSON Schema of the config document.
    Schema,
    /// Write Prometheus alerting rules that evaluate the config's alert
    /// rules over the whole fleet (every instance's match counters summed),
    /// for Prometheus to load next to the per-instance ones.
    Rules(RulesArgs),
}

#[derive(clap::Args)]
struct RulesArgs {
    /// The config document (JSON).
    #[arg(long)]
    config: PathBuf,
    /// Write the rules here instead of stdout.
    #[arg(long, short)]
    output: Option<PathBuf>,
}

#[derive(clap::Args)]
struct ServeArgs {
    /// Address to listen on: loopback by default; an interface address or
    /// 0.0.0.0 to take requests from the LAN.
    #[arg(long, default_value = "127.0.0.1:8686")]
    listen: String,
    /// The config document (JSON).
    #[arg(long)]
    config: PathBuf,
    /// The component to load (default: dist/logsift_component.wasm).
    #[arg(long)]
    plugin: Option<PathBuf>,
    /// Largest request body in bytes, before and after decoding (gzip,
    /// snappy, gRPC frames): 413, or gRPC RESOURCE_EXHAUSTED, beyond.
    #[arg(long, default_value_t = 8 << 20)]
    max_body: usize,
    /// POST processed NDJSON to this URL too (such as Vector's http_server
    /// source); pushes go to this base URL followed by their path
    /// (http://loki:3100 sends /loki/api/v1/push on to Loki). Without it, a
    /// push is answered with its rewritten body.
    #[arg(long)]
    forward: Option<String>,
    /// Also serve OTLP/gRPC (h2c) on this address, such as 127.0.0.1:4317.
    #[arg(long, requires = "grpc_forward")]
    grpc_listen: Option<String>,
    /// Where gRPC calls go on: http://HOST:PORT of an OTLP/gRPC receiver
    /// (an OpenTelemetry Collector), spoken to as h2c.
    #[arg(long, requires = "grpc_listen")]
    grpc_forward: Option<String>,
    /// A path prefix (repeatable) under which a body logsift does not read
    /// (another gRPC service, an unknown content type) goes on untouched to
    /// the forward target instead of being refused. Bodies it reads are
    /// scrubbed there as anywhere.
    #[arg(long = "pass-through", value_name = "PREFIX")]
    pass_through: Vec<String>,
    /// POST alert events to this Alertmanager (base URL; /api/v2/alerts is appended).
    #[arg(long)]
    alertmanager: Option<String>,
    /// Tries per outgoing POST before it counts as failed.
    #[arg(long, default_value_t = 3)]
    retries: u32,
}

#[derive(Clone, Copy, ValueEnum)]
enum Host {
    /// The engine, called directly.
    Native,
    /// `dist/logsift_fluent_bit.wasm` as Fluent Bit's filter_wasm runs it.
    FluentBit,
    /// `dist/logsift_proxy_wasm.wasm` as an Envoy HTTP filter in the
    /// `ingest` role: lines are POSTed as NDJSON bodies, the records are the
    /// bodies' lines as they reach the upstream.
    EnvoyIngest,
    /// `dist/logsift_proxy_wasm.wasm` as an Envoy access logger: each input
    /// line, an Envoy JSON access-log entry, is one request; the records are
    /// what the logger ships to its collector.
    EnvoyLog,
    /// `dist/logsift_component.wasm` (wit/logsift.wit) in a wasmtime
    /// component embedder, in batches of `--batch` records.
    Component,
}

#[derive(clap::Args)]
struct RunArgs {
    /// Which host runs the pipeline.
    #[arg(long, value_enum, default_value = "native")]
    host: Host,
    /// The config document (JSON).
    #[arg(long)]
    config: PathBuf,
    /// Write alert events here as NDJSON (Alertmanager API v2 alerts).
    #[arg(long)]
    signals: Option<PathBuf>,
    /// Print the Prometheus exposition on stdout at the end.
    #[arg(long)]
    metrics: bool,
    /// Print on stderr the plugin's load (compile) time, counts,
    /// redactions per detector, and throughput over the processing alone.
    #[arg(long)]
    stats: bool,
    /// With --stats, also write the report as one JSON object here.
    #[arg(long)]
    stats_json: Option<PathBuf>,
    /// With --stats: when the run's processing took less than 0.2 s, replay
    /// the input (same records, the clock running on; output discarded)
    /// until the processing takes about this many seconds, so the
    /// throughput is stable. 0: never replay ("too small to time").
    #[arg(long, default_value_t = 0.5)]
    time_for: f64,
    /// Replay clock: records are spaced this many seconds apart from
    /// 2024-11-24T16:00:00Z, so runs are reproducible. Default: wall clock.
    #[arg(long)]
    replay_step: Option<f64>,
    /// The `.wasm` to load (default: the built artefact in dist/).
    #[arg(long)]
    plugin: Option<PathBuf>,
    /// Fluent Bit's `wasm_heap_size` for `--host fluent-bit`, in bytes.
    #[arg(long, default_value_t = 4 << 20)]
    wasm_heap_size: u32,
    /// Lines per request body for `--host envoy-ingest` (default 100; 1
    /// with `--replay-step`, since the module reads the clock once per body
    /// and a replay gives every line its own time).
    #[arg(long)]
    batch_lines: Option<usize>,
    /// Records per `process` call for `--host component` (default 256; 1
    /// with `--replay-step`, since a batch is processed at the time of its
    /// first record and a replay gives every line its own time).
    #[arg(long)]
    batch: Option<usize>,
    /// Read the input as one captured push body in this format and write
    /// the body rewritten in the same format (and compression) to --output
    /// or stdout, as the ingest filter would pass it on; `auto` tells the
    /// format from the bytes. Runs on --host native or envoy-ingest; with
    /// it, --stats and --metrics go to stderr.
    #[arg(long, value_enum)]
    input_format: Option<InputFormat>,
    /// With --input-format: write the rewritten body here instead of stdout.
    #[arg(short, long)]
    output: Option<PathBuf>,
    /// With --input-format on --host native: largest decoded body in bytes
    /// (a larger one, or a decompression bomb, is an error). On
    /// envoy-ingest the config's `proxy.max_body_bytes` applies.
    #[arg(long, default_value_t = 64 << 20)]
    max_body: usize,
    /// Input files; stdin when none (one file with --input-format).
    inputs: Vec<PathBuf>,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    if cli.version {
        // `./dist` first (a checkout or an unpacked release), then the
        // repository this binary was built in.
        print!("{}", version::report(&[PathBuf::from("dist"), dist_dir()]));
        return ExitCode::SUCCESS;
    }
    let Some(cmd) = cli.cmd else {
        let _ = <Cli as clap::CommandFactory>::command().print_help();
        return ExitCode::from(2);
    };
    match cmd {
        Cmd::Rules(args) => match rules(&args) {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => {
                eprintln!("logsift rules: {e}");
                ExitCode::FAILURE
            }
        },
        Cmd::Schema => {
            print!("{}", logsift_core::schema_json());
            ExitCode::SUCCESS
        }
        Cmd::Serve(args) => match serve(&args) {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => {
                eprintln!("logsift serve: {e}");
                ExitCode::FAILURE
            }
        },
        Cmd::Run(args) => match run(&args) {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => {
                eprintln!("logsift: {e}");
                ExitCode::FAILURE
            }
        },
    }
}

fn rules(args: &RulesArgs) -> Result<(), String> {
    let config = std::fs::read(&args.config).map_err(|e| format!("{}: {e}", args.config.display()))?;
    let text = logsift_host::rules::fleet_rules(&config, &args.config.display().to_string())
        .map_err(|e| format!("{}: {e}", args.config.display()))?;
    match &args.output {
        Some(path) => std::fs::write(path, text).map_err(|e| format!("{}: {e}", path.display())),
        None => std::io::stdout().write_all(text.as_bytes()).map_err(|e| e.to_string()),
    }
}

fn serve(args: &ServeArgs) -> Result<(), String> {
    let config =
        std::fs::read_to_string(&args.config).map_err(|e| format!("{}: {e}", args.config.display()))?;
    let path = args.plugin.clone().unwrap_or_else(|| dist_dir().join("logsift_component.wasm"));
    let engine = logsift_host::fluent_bit::engine().map_err(|e| e.to_string())?;
    let plugin = ComponentPlugin::from_file(&engine, &path).map_err(|e| e.to_string())?;
    let opts = ServeOptions {
        listen: args.listen.clone(),
        config,
        max_body: args.max_body,
        forward: args.forward.clone(),
        alertmanager: args.alertmanager.clone(),
        retries: args.retries,
        grpc_listen: args.grpc_listen.clone(),
        grpc_forward: args.grpc_forward.clone(),
        pass_through: args.pass_through.clone(),
        ..ServeOptions::default()
    };
    let server = Server::start(&plugin, opts).map_err(|e| format!("{}: {e}", args.config.display()))?;
    eprintln!(
        "logsift serve: listening on http://{} (POST /v1/process, /loki/api/v1/push, /v1/logs, /otlp/v1/logs, .../_bulk)",
        server.addr()
    );
    if let Some(addr) = server.grpc_addr() {
        eprintln!("logsift serve: OTLP/gRPC on {addr} (h2c)");
    }
    server.wait();
    Ok(())
}

fn run(args: &RunArgs) -> Result<(), String> {
    let config = std::fs::read(&args.config).map_err(|e| format!("{}: {e}", args.config.display()))?;
    if let Some(format) = args.input_format {
        return run_body(args, &config, format);
    }
    let mut input = Vec::new();
    if args.inputs.is_empty() {
        std::io::stdin().read_to_end(&mut input).map_err(|e| format!("stdin: {e}"))?;
    }
    for path in &args.inputs {
        let mut bytes = std::fs::read(path).map_err(|e| format!("{}: {e}", path.display()))?;
        if !bytes.ends_with(b"\n") {
            bytes.push(b'\n');
        }
        input.extend_from_slice(&bytes);
    }
    let records: Vec<&[u8]> = lines(&input).collect();
    let clock = match args.replay_step {
        Some(step) => Clock::Replay { start: 1_732_464_000.0, step },
        None => Clock::Wall,
    };
    let progress = !args.inputs.is_empty() && std::io::stderr().is_terminal();
    let total = records.len();
    let probe = match args.host {
        Host::Native => CacheProbe::Off,
        _ => CacheProbe::start(),
    };
    let mut window = Window::new(&records, unit(args));
    let tick = |i: usize| {
        if progress && (i.is_multiple_of(10_000) || i + 1 == total) {
            eprint!("\r{:>3}% {}/{total} records", (i + 1) * 100 / total.max(1), i + 1);
        }
        window.tick(i);
    };
    let run = execute(args, &config, records.clone(), clock, tick, true)?;
    if progress {
        eprintln!();
    }
    write_outputs(args, &run)?;
    if args.stats {
        let (_, secs) = window.processing();
        let mut timing = Timing::of(&window, 1);
        if secs < run_stats::STABLE && args.time_for > 0.0 {
            let passes = window.replays_for(Duration::from_secs_f64(args.time_for));
            let replayed: Vec<&[u8]> = records.iter().copied().cycle().take(total * passes).collect();
            let mut again = Window::new(&replayed, unit(args));
            execute(args, &config, replayed.clone(), clock, |i| again.tick(i), false)?;
            timing = Timing::of(&again, passes);
        }
        let summary = summarize(args, &config, &run, &window, &probe, timing);
        print_stats(args, &run, &summary);
        if let Some(path) = &args.stats_json {
            let json = serde_json::to_vec_pretty(&summary).map_err(|e| e.to_string())?;
            std::fs::write(path, json).map_err(|e| format!("{}: {e}", path.display()))?;
        }
    }
    Ok(())
}

/// `run --input-format`: one body in, the same body rewritten out.
fn run_body(args: &RunArgs, config: &[u8], format: InputFormat) -> Result<(), String> {
    let envoy = match args.host {
        Host::Native => false,
        Host::EnvoyIngest => true,
        Host::FluentBit | Host::EnvoyLog | Host::Component => {
            return Err(
                "--input-format runs on --host native or envoy-ingest, the hosts that read push bodies"
                    .into(),
            );
        }
    };
    let (name, raw) = match args.inputs.as_slice() {
        [] => {
            let mut raw = Vec::new();
            std::io::stdin().read_to_end(&mut raw).map_err(|e| format!("stdin: {e}"))?;
            ("stdin".to_owned(), raw)
        }
        [path] => {
            (path.display().to_string(), std::fs::read(path).map_err(|e| format!("{}: {e}", path.display()))?)
        }
        _ => return Err("--input-format reads one body: give one file, or none for stdin".into()),
    };
    let clock = match args.replay_step {
        Some(step) => Clock::Replay { start: 1_732_464_000.0, step },
        None => Clock::Wall,
    };
    let captured = body::captured(format, &raw, args.max_body).map_err(|e| format!("{name}: {e}"))?;
    if format == InputFormat::Auto || args.stats {
        eprintln!("logsift: {name} read as {}", captured.describe());
    }
    let (out, run) = if envoy {
        body::run_envoy(&plugin_path(args), config, &captured, &raw, clock)
    } else {
        body::run_native(config, &captured, &raw, args.max_body, clock)
    }
    .map_err(|e| format!("{name}: {e}"))?;
    match &args.output {
        Some(path) => std::fs::write(path, &out).map_err(|e| format!("{}: {e}", path.display()))?,
        None => {
            let mut stdout = std::io::stdout().lock();
            stdout.write_all(&out).and_then(|()| stdout.flush()).map_err(|e| format!("stdout: {e}"))?;
        }
    }
    // A body carries only its own records: summaries go to the log, as in the ingest filter.
    for r in &run.records {
        eprintln!("logsift: {}", String::from_utf8_lossy(r));
    }
    if args.stats {
        let s = &run.stats;
        eprintln!(
            "records: in {} out {} sampled {} rate_limited {} dropped_by_rule {}",
            s.records_in, s.records_out, s.sampled, s.rate_limited, s.dropped_by_rule
        );
        let mut red: Vec<_> = run.redactions.iter().filter(|(_, n)| *n > 0).collect();
        red.sort_by_key(|r| std::cmp::Reverse(r.1));
        let list: Vec<String> = red.iter().map(|(d, n)| format!("{d}={n}")).collect();
        eprintln!("redactions: {}", if list.is_empty() { "none".into() } else { list.join(" ") });
        eprintln!("bytes: in {} out {}", raw.len(), out.len());
    }
    if args.metrics {
        eprint!("{}", run.metrics);
    }
    write_signals(args, &run)
}

/// Records per callback batch: the batching hosts report a batch's records
/// together, after it is processed.
fn unit(args: &RunArgs) -> usize {
    match args.host {
        Host::EnvoyIngest => args.batch_lines.unwrap_or(if args.replay_step.is_some() { 1 } else { 100 }),
        Host::Component => args.batch.unwrap_or(if args.replay_step.is_some() { 1 } else { 256 }),
        Host::Native | Host::FluentBit | Host::EnvoyLog => 1,
    }
}

/// One run of `records` through the host `args` names; `report_errors`
/// prints the first failed calls on stderr.
fn execute(
    args: &RunArgs,
    config: &[u8],
    records: Vec<&[u8]>,
    clock: Clock,
    tick: impl FnMut(usize),
    report_errors: bool,
) -> Result<Run, String> {
    let shown = if report_errors { 10 } else { 0 };
    Ok(match args.host {
        Host::Native => {
            run_native(config, records, clock, tick).map_err(|e| format!("{}: {e}", args.config.display()))?
        }
        Host::FluentBit => run_fluent_bit_host(args, config, records, clock, tick, shown)?,
        Host::EnvoyIngest | Host::EnvoyLog => run_envoy_host(args, config, records, clock, tick, shown)?,
        Host::Component => {
            let plugin = plugin_path(args);
            let run = run_component(&plugin, config, records, clock, unit(args), tick)
                .map_err(|e| format!("{}: {e}", plugin.display()))?;
            for e in run.errors.iter().take(shown) {
                eprintln!("logsift: component: {e}");
            }
            Run {
                records: run.records,
                signals: run.signals,
                metrics: run.metrics,
                host_counts: Some(run.counts),
                ..Run::default()
            }
        }
    })
}

/// The `.wasm` a host loads: `--plugin`, else its build in dist/.
fn plugin_path(args: &RunArgs) -> PathBuf {
    let file = match args.host {
        Host::Native => return PathBuf::new(),
        Host::FluentBit => "logsift_fluent_bit.wasm",
        Host::EnvoyIngest | Host::EnvoyLog => "logsift_proxy_wasm.wasm",
        Host::Component => "logsift_component.wasm",
    };
    args.plugin.clone().unwrap_or_else(|| dist_dir().join(file))
}

/// Fluent Bit reads its config from `<accessible path>/logsift.json`: the
/// config is placed in a scratch directory passed as the accessible path.
fn run_fluent_bit_host(
    args: &RunArgs,
    config: &[u8],
    records: Vec<&[u8]>,
    clock: Clock,
    tick: impl FnMut(usize),
    shown: usize,
) -> Result<Run, String> {
    let dir = std::env::temp_dir().join(format!("logsift-fb-{}", std::process::id()));
    std::fs::create_dir_all(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    std::fs::write(dir.join("logsift.json"), config).map_err(|e| e.to_string())?;
    let plugin = plugin_path(args);
    let cfg = FluentBitConfig {
        accessible_paths: vec![dir.clone()],
        heap_size: args.wasm_heap_size,
        ..FluentBitConfig::default()
    };
    let result = run_fluent_bit(&plugin, cfg, records, clock, tick);
    let _ = std::fs::remove_dir_all(&dir);
    let run = result.map_err(|e| e.to_string())?;
    for e in run.errors.iter().take(shown) {
        eprintln!("logsift: fluent-bit: {e}");
    }
    let (records, counts) = (run.records, run.counts);
    Ok(Run { records, host_counts: Some(counts), ..Run::default() })
}

/// The proxy-wasm module in the role the host names (the config's `proxy`
/// section is kept, with its role set).
fn run_envoy_host(
    args: &RunArgs,
    config: &[u8],
    records: Vec<&[u8]>,
    clock: Clock,
    tick: impl FnMut(usize),
    shown: usize,
) -> Result<Run, String> {
    let plugin = plugin_path(args);
    let result = match args.host {
        Host::EnvoyLog => proxy_wasm::run_envoy_log(&plugin, config, records, clock, tick),
        _ => {
            let batch = args.batch_lines.unwrap_or(if args.replay_step.is_some() { 1 } else { 100 });
            proxy_wasm::run_envoy_ingest(&plugin, config, records, clock, batch, tick)
        }
    };
    let (run, errors) = result.map_err(|e| e.to_string())?;
    for e in errors.iter().take(shown) {
        eprintln!("logsift: envoy: {e}");
    }
    Ok(run)
}

fn write_outputs(args: &RunArgs, run: &Run) -> Result<(), String> {
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    let io = |e: std::io::Error| format!("stdout: {e}");
    for r in &run.records {
        out.write_all(r).map_err(io)?;
        out.write_all(b"\n").map_err(io)?;
    }
    if args.metrics {
        out.write_all(run.metrics.as_bytes()).map_err(io)?;
    }
    out.flush().map_err(io)?;
    write_signals(args, run)
}

/// `--signals`: the run's alert events as NDJSON.
fn write_signals(args: &RunArgs, run: &Run) -> Result<(), String> {
    let Some(path) = &args.signals else { return Ok(()) };
    let mut s = Vec::new();
    for ev in &run.signals {
        s.extend(serde_json::to_vec(ev).map_err(|e| e.to_string())?);
        s.push(b'\n');
    }
    std::fs::write(path, s).map_err(|e| format!("{}: {e}", path.display()))
}

/// The `--stats` figures of a run (its timing from `timing`).
fn summarize(
    args: &RunArgs,
    config: &[u8],
    run: &Run,
    window: &Window,
    probe: &CacheProbe,
    timing: Timing,
) -> Summary {
    let host = args.host.to_possible_value().map(|v| v.get_name().to_owned()).unwrap_or_default();
    let (records_in, records_out) = match &run.host_counts {
        Some(c) => (c.records_in, c.records_out),
        None => (run.stats.records_in, run.stats.records_out),
    };
    let redactions = match args.host {
        Host::Native | Host::EnvoyIngest | Host::EnvoyLog => Some(run.redactions.iter().map(|r| r.1).sum()),
        Host::Component => Some(redactions_in_metrics(&run.metrics)),
        Host::FluentBit => None,
    };
    let alerts = match args.host {
        Host::FluentBit => alerts_on_records(config, &run.records),
        _ => run.signals.len() as u64,
    };
    Summary {
        host,
        records_in,
        records_out,
        redactions,
        alerts,
        load_secs: window.load().as_secs_f64(),
        compiled: probe.compiled(),
        input_bytes: window.total_bytes(),
        timed_bytes: timing.bytes,
        timed_secs: timing.secs,
        timed_passes: timing.passes,
        mib_per_s: timing.mib_per_s(),
    }
}

/// The sum of `logsift_redactions_total` in a Prometheus exposition.
fn redactions_in_metrics(metrics: &str) -> u64 {
    metrics
        .lines()
        .filter(|l| l.starts_with("logsift_redactions_total"))
        .filter_map(|l| l.rsplit(' ').next()?.parse::<f64>().ok())
        .sum::<f64>() as u64
}

/// Fluent Bit hands out no alert events: a firing alert rides on its
/// record, in the config's `alerts.record_field`.
fn alerts_on_records(config: &[u8], records: &[Vec<u8>]) -> u64 {
    let config: serde_json::Value = serde_json::from_slice(config).unwrap_or_default();
    let Some(field) = config["alerts"]["record_field"].as_str() else { return 0 };
    records
        .iter()
        .filter(|r| {
            serde_json::from_slice::<serde_json::Value>(r)
                .is_ok_and(|v| v.get(field).is_some_and(serde_json::Value::is_object))
        })
        .count() as u64
}

fn print_stats(args: &RunArgs, run: &Run, summary: &Summary) {
    let plugin = plugin_path(args);
    let plugin = plugin.canonicalize().unwrap_or(plugin);
    let shown = plugin.strip_prefix(std::env::current_dir().unwrap_or_default()).unwrap_or(&plugin);
    eprintln!("{}", summary.load_line(&shown.display().to_string()));
    if let Some(c) = &run.host_counts {
        eprintln!(
            "records: in {} out {} dropped by the module {} lost to errors {}",
            c.records_in, c.records_out, c.dropped, c.errors
        );
    } else {
        let s = &run.stats;
        eprintln!(
            "records: in {} out {} sampled {} rate_limited {} dropped_by_rule {} emitted {} kept_for_alert {}",
            s.records_in,
            s.records_out,
            s.sampled,
            s.rate_limited,
            s.dropped_by_rule,
            s.records_emitted,
            s.kept_for_alert
        );
    }
    if !run.redactions.is_empty() || run.host_counts.is_none() {
        let mut red: Vec<_> = run.redactions.iter().filter(|(_, n)| *n > 0).collect();
        red.sort_by_key(|r| std::cmp::Reverse(r.1));
        let list: Vec<String> = red.iter().map(|(d, n)| format!("{d}={n}")).collect();
        eprintln!("redactions: {}", if list.is_empty() { "none".into() } else { list.join(" ") });
    } else if let Some(n) = summary.redactions {
        eprintln!("redactions: {n}");
    }
    match args.host {
        Host::FluentBit => eprintln!("alerts: {} (on records)", summary.alerts),
        _ => eprintln!("signals: {}", run.signals.len()),
    }
    eprintln!("{}", summary.throughput_line());
}
