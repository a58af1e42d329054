//! Finding `logsift.json`: Fluent Bit passes no arguments or environment to
//! the module, only the `accessible_paths` directories, preopened as WASI
//! file descriptors from 3 upward. Their names come from
//! `fd_prestat_dir_name`; the first directory holding a readable
//! `logsift.json` wins.

use logsift_core::Pipeline;

/// The config file name looked up in each accessible path.
pub const CONFIG_FILE: &str = "logsift.json";

/// A scrub preset with no other stage. `None` only if the engine rejected
/// its own preset, which its tests rule out; the filter then drops records
/// rather than pass them unscrubbed.
pub fn preset(name: &str) -> Option<Pipeline> {
    let cfg = format!(r#"{{"scrub": {{"preset": "{name}"}}}}"#);
    Pipeline::from_json(cfg.as_bytes()).ok()
}

/// The configured pipeline, or the default preset with a note on stderr.
pub fn load() -> Option<Pipeline> {
    for dir in preopened_dirs() {
        let path = format!("{}/{CONFIG_FILE}", dir.trim_end_matches('/'));
        let Ok(bytes) = std::fs::read(&path) else { continue };
        return match Pipeline::from_json(&bytes) {
            Ok(p) => Some(p),
            Err(e) => {
                eprintln!("logsift: {path}: {e}; scrubbing with the default preset instead");
                preset("default")
            }
        };
    }
    eprintln!(
        "logsift: no {CONFIG_FILE} in the filter's accessible_paths; scrubbing with the default preset"
    );
    preset("default")
}

#[cfg(all(target_arch = "wasm32", target_os = "wasi"))]
fn preopened_dirs() -> Vec<String> {
    let mut dirs = Vec::new();
    // Preopens are numbered from 3 with no gaps; the first EBADF ends them.
    for fd in 3u32..64 {
        // SAFETY: plain WASI calls on a descriptor number; the name buffer is
        // sized from the prestat the host reported.
        let Ok(stat) = (unsafe { wasi::fd_prestat_get(fd) }) else { break };
        let len = unsafe { stat.u.dir.pr_name_len };
        let mut name = vec![0u8; len];
        if unsafe { wasi::fd_prestat_dir_name(fd, name.as_mut_ptr(), len) }.is_ok() {
            let name = String::from_utf8_lossy(&name).trim_end_matches('\0').to_owned();
            dirs.push(name);
        }
    }
    dirs
}

#[cfg(not(all(target_arch = "wasm32", target_os = "wasi")))]
fn preopened_dirs() -> Vec<String> {
    Vec::new()
}
