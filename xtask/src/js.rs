//! The JavaScript package (`plugins/js`): its build into `dist/js/` and its
//! tests (Node's test runner, the playground in headless Chromium).
//!
//! - `js_dist`: builds `logsift-js` for `wasm32-unknown-unknown`, runs
//!   `wasm-bindgen` for the `nodejs` and `web` targets into `plugins/js/pkg/`,
//!   and copies the package, the playground and the bundled samples to
//!   `dist/js/`. `wasm-bindgen-cli` is installed under `<target>/tools` at
//!   exactly the version of the `wasm-bindgen` crate in `Cargo.lock`.
//! - `js_test`: installs Debian's `chromium` when it is missing, `npm ci`,
//!   builds the native `logsift` for the parity test, runs `node --test`.

use std::path::{Path, PathBuf};
use std::process::Command;

use super::{SAMPLES, cargo, root, run, target_dir};

const PACKAGE: &str = "logsift-js";
const TARGET: &str = "wasm32-unknown-unknown";
const CHROMIUM: &str = "/usr/bin/chromium";
/// What the package ships besides `pkg/` (see `files` in its package.json).
const PACKAGE_FILES: &[&str] = &["package.json", "README.md", "node.mjs", "node.d.mts"];

fn js_dir() -> PathBuf {
    root().join("plugins/js")
}

/// The `wasm-bindgen` version locked in `Cargo.lock` (pinned with `=` in the
/// workspace manifest): the CLI must be the same version, or its output
/// does not match the module.
fn wasm_bindgen_version() -> Result<String, String> {
    let path = root().join("Cargo.lock");
    let lock = std::fs::read_to_string(&path).map_err(|e| format!("{}: {e}", path.display()))?;
    lock.split("[[package]]")
        .find_map(|entry| {
            let mut fields = entry.lines().map(str::trim);
            let name = fields.find(|l| l.starts_with("name = "))?;
            if name != "name = \"wasm-bindgen\"" {
                return None;
            }
            let version = fields.find(|l| l.starts_with("version = "))?;
            Some(version.trim_start_matches("version = ").trim_matches('"').to_owned())
        })
        .ok_or_else(|| format!("{}: no wasm-bindgen package", path.display()))
}

/// `wasm-bindgen` at the locked version, installed under `<target>/tools`.
fn ensure_wasm_bindgen() -> Result<PathBuf, String> {
    let version = wasm_bindgen_version()?;
    let tools = target_dir().join("tools");
    let exe = tools.join("bin/wasm-bindgen");
    let installed = Command::new(&exe)
        .arg("--version")
        .output()
        .ok()
        .filter(|o| o.status.success())
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_owned());
    if installed.as_deref() == Some(format!("wasm-bindgen {version}").as_str()) {
        return Ok(exe);
    }
    let mut c = cargo();
    c.args(["install", "--locked", "wasm-bindgen-cli", "--version", &format!("={version}"), "--root"]);
    c.arg(&tools);
    run(c)?;
    Ok(exe)
}

/// Builds the JS package (both wasm-bindgen targets) and the playground into `dist/js/`.
pub(crate) fn js_dist() -> Result<(), String> {
    let wasm_bindgen = ensure_wasm_bindgen()?;
    let mut build = cargo();
    build.args(["build", "-p", PACKAGE, "--target", TARGET, "--profile", "wasm"]);
    run(build)?;
    let module = target_dir().join(TARGET).join("wasm").join(format!("{}.wasm", PACKAGE.replace('-', "_")));
    let js = js_dir();
    // nodejs output is CommonJS and web output an ES module: each directory
    // says which, whatever the package root declares.
    for (bindgen_target, dir, module_type) in [("nodejs", "node", "commonjs"), ("web", "web", "module")] {
        let out = js.join("pkg").join(dir);
        remove_dir(&out)?;
        let mut c = Command::new(&wasm_bindgen);
        c.args(["--target", bindgen_target, "--out-dir"]).arg(&out).arg(&module);
        run(c)?;
        write(&out.join("package.json"), &format!("{{\"type\": \"{module_type}\"}}\n"))?;
    }
    let dist = root().join("dist/js");
    remove_dir(&dist)?;
    for file in PACKAGE_FILES {
        copy(&js.join(file), &dist.join(file))?;
    }
    copy_dir(&js.join("pkg"), &dist.join("pkg"))?;
    copy_dir(&js.join("playground"), &dist.join("playground"))?;
    let samples = dist.join("playground/samples");
    for sample in SAMPLES {
        copy(&root().join("host-test/samples").join(sample), &samples.join(sample))?;
    }
    copy(&root().join("observability/logsift.example.json"), &samples.join("logsift.example.json"))?;
    for dir in ["node", "web"] {
        let wasm = dist.join("pkg").join(dir).join("logsift_js_bg.wasm");
        let size = std::fs::metadata(&wasm).map_err(|e| format!("{}: {e}", wasm.display()))?.len();
        eprintln!("dist/js/pkg/{dir}/logsift_js_bg.wasm: {size} bytes");
    }
    Ok(())
}

/// Clippy for the JS adapter on its wasm target.
pub(crate) fn js_clippy() -> Result<(), String> {
    let mut c = cargo();
    c.args(["clippy", "-p", PACKAGE, "--target", TARGET, "--", "-D", "warnings"]);
    run(c)
}

/// Debian's Chromium for the playground test (the test drives it with
/// playwright-core; no browser is downloaded).
fn ensure_chromium() -> Result<(), String> {
    if Path::new(CHROMIUM).exists() {
        return Ok(());
    }
    let mut update = Command::new("apt-get");
    update.arg("update").arg("-qq");
    run(update)?;
    let mut install = Command::new("apt-get");
    install.args(["install", "-y", "-qq", "--no-install-recommends", "chromium"]);
    install.env("DEBIAN_FRONTEND", "noninteractive");
    run(install)?;
    if Path::new(CHROMIUM).exists() { Ok(()) } else { Err(format!("{CHROMIUM} missing after apt-get")) }
}

/// The JS tests: API, parity with the native engine, `npm pack`, and the
/// playground in headless Chromium. Needs `js_dist` first.
pub(crate) fn js_test() -> Result<(), String> {
    ensure_chromium()?;
    let js = js_dir();
    let mut ci = Command::new("npm");
    ci.current_dir(&js).args(["ci", "--no-audit", "--no-fund"]);
    run(ci)?;
    let mut build = cargo();
    build.args(["build", "--release", "-p", "logsift-host"]);
    run(build)?;
    let tests_dir = js.join("test");
    let mut tests: Vec<PathBuf> = std::fs::read_dir(&tests_dir)
        .map_err(|e| format!("{}: {e}", tests_dir.display()))?
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.to_string_lossy().ends_with(".test.mjs"))
        .collect();
    tests.sort();
    // One file at a time: the parity and browser tests each keep a core busy.
    let mut node = Command::new("node");
    node.current_dir(&js).args(["--test", "--test-concurrency=1"]).args(&tests);
    node.env("LOGSIFT_BIN", target_dir().join("release/logsift"));
    node.env("CARGO_TARGET_DIR", target_dir());
    node.env("LOGSIFT_CHROMIUM", CHROMIUM);
    run(node)
}

fn remove_dir(dir: &Path) -> Result<(), String> {
    match std::fs::remove_dir_all(dir) {
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(format!("{}: {e}", dir.display())),
        _ => Ok(()),
    }
}

fn write(path: &Path, text: &str) -> Result<(), String> {
    std::fs::write(path, text).map_err(|e| format!("{}: {e}", path.display()))
}

fn copy(from: &Path, to: &Path) -> Result<(), String> {
    if let Some(parent) = to.parent() {
        std::fs::create_dir_all(parent).map_err(|e| format!("{}: {e}", parent.display()))?;
    }
    std::fs::copy(from, to).map(drop).map_err(|e| format!("{} -> {}: {e}", from.display(), to.display()))
}

fn copy_dir(from: &Path, to: &Path) -> Result<(), String> {
    let entries = std::fs::read_dir(from).map_err(|e| format!("{}: {e}", from.display()))?;
    for entry in entries {
        let entry = entry.map_err(|e| format!("{}: {e}", from.display()))?;
        let path = entry.path();
        let target = to.join(entry.file_name());
        if path.is_dir() { copy_dir(&path, &target)? } else { copy(&path, &target)? }
    }
    Ok(())
}
