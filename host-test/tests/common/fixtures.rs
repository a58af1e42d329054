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

/// Three lines with an email, an IP, a card, a password, a token in text and
/// a level to normalise: the ingest tests' request body.
pub const PII_LINES: &str = concat!(
    r#"{"event": "login_failed", "username": "jose.muller@example.com", "ip_address": "203.0.113.7", "level": "WARN"}"#,
    "\n",
    r#"{"event": "payment_failed", "card": "4111 1111 1111 1111", "payload": {"password": "hunter2"}}"#,
    "\n",
    "plain text line from bob@example.com with token=abc123\n",
);

/// What an ingest filter with the strict preset and level enrichment must
/// forward for [`PII_LINES`]: no secret left, three lines, JSON kept JSON.
pub fn assert_scrubbed(text: &str) {
    for secret in [
        "jose.muller@example.com",
        "203.0.113.7",
        "4111 1111 1111 1111",
        "hunter2",
        "bob@example.com",
        "abc123",
    ] {
        assert!(!text.contains(secret), "{secret} reached the backend: {text}");
    }
    assert!(text.contains("[EMAIL_ADDRESS]") && text.contains("\"level\": \"warning\""), "{text}");
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 3, "{text}");
    serde_json::from_str::<serde_json::Value>(lines[0]).unwrap();
}
