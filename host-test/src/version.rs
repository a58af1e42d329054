//! `logsift --version`: what exactly ran, for bug reports. The crate
//! version, the git commit the binary was built from (embedded by
//! `host-test/build.rs`, "unknown" outside a checkout), and every plugin
//! build (`*.wasm`) under `dist/` with its size and SHA-256, looked up in
//! the current directory and in the repository the binary was built in.

use std::io::Read;
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

/// The commit `host-test/build.rs` found (`git rev-parse --short HEAD`).
pub(crate) const GIT_COMMIT: &str = env!("LOGSIFT_GIT_COMMIT");

/// The `--version` text: one line for the binary, then one block per
/// `dist/` directory found (each listed once, however it was reached).
pub(crate) fn report(dists: &[PathBuf]) -> String {
    let mut out = format!("logsift {} (commit {GIT_COMMIT})\n", env!("CARGO_PKG_VERSION"));
    let mut seen = Vec::new();
    for dir in dists {
        let Ok(dir) = dir.canonicalize() else { continue };
        if !dir.is_dir() || seen.contains(&dir) {
            continue;
        }
        let mut files = Vec::new();
        wasm_files(&dir, &mut files);
        files.sort();
        out.push_str(&format!("plugins in {}:\n", dir.display()));
        if files.is_empty() {
            out.push_str("  none (build them with `cargo xtask dist`)\n");
        }
        let width = files.iter().map(|f| rel(f, &dir).len()).max().unwrap_or(0);
        for file in &files {
            let name = rel(file, &dir);
            match digest(file) {
                Ok((size, sha)) => {
                    out.push_str(&format!("  {name:<width$}  {size:>9} bytes  sha256:{sha}\n"))
                }
                Err(e) => out.push_str(&format!("  {name:<width$}  unreadable: {e}\n")),
            }
        }
        seen.push(dir);
    }
    if seen.is_empty() {
        let tried: Vec<String> = dists.iter().map(|d| d.display().to_string()).collect();
        out.push_str(&format!(
            "plugins: no dist/ found (looked in {}; build them with `cargo xtask dist`)\n",
            tried.join(", ")
        ));
    }
    out
}

/// Every `.wasm` under `dir`, depth first (the JS package's modules sit in
/// `dist/js/pkg/{node,web}/`).
fn wasm_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else { return };
    for entry in entries.flatten() {
        let path = entry.path();
        let Ok(kind) = entry.file_type() else { continue };
        if kind.is_dir() {
            wasm_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "wasm") {
            out.push(path);
        }
    }
}

fn rel(file: &Path, dir: &Path) -> String {
    file.strip_prefix(dir).unwrap_or(file).display().to_string()
}

/// Size and lowercase hex SHA-256 of a file, read in chunks.
fn digest(path: &Path) -> std::io::Result<(u64, String)> {
    let mut file = std::fs::File::open(path)?;
    let mut hasher = Sha256::new();
    let mut buf = vec![0; 1 << 16];
    let mut size = 0u64;
    loop {
        let n = file.read(&mut buf)?;
        if n == 0 {
            break;
        }
        size += n as u64;
        hasher.update(&buf[..n]);
    }
    let hex = hasher.finalize().iter().map(|b| format!("{b:02x}")).collect();
    Ok((size, hex))
}
