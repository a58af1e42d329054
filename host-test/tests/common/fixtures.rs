//! Builds the test fixtures in `host-test/fixtures/` (third-party and
//! misbehaving plugins) for their wasm target, in a target directory of
//! their own so the build does not wait on the one running the tests.

#![allow(dead_code)]

use std::path::PathBuf;

/// Builds `package` for `target` (release) and returns its `.wasm`.
pub fn build(package: &str, target: &str) -> PathBuf {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..");
    let dir = std::env::var_os("CARGO_TARGET_DIR").map_or_else(|| root.join("target"), PathBuf::from);
    let dir = dir.join("fixtures");
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let out = std::process::Command::new(cargo)
        .current_dir(&root)
        .args(["build", "--quiet", "-p", package, "--target", target, "--release"])
        .env("CARGO_TARGET_DIR", &dir)
        .output()
        .expect("cargo");
    assert!(out.status.success(), "building {package} failed:\n{}", String::from_utf8_lossy(&out.stderr));
    dir.join(target).join("release").join(format!("{}.wasm", package.replace('-', "_")))
}
