//! The test fixtures in `host-test/fixtures/` (third-party and misbehaving
//! plugins), built for their wasm target, and the records the tests share.

#![allow(dead_code)]

use std::path::PathBuf;

/// Builds `package` for `target` (release) and returns its `.wasm`.
pub fn build(package: &str, target: &str) -> PathBuf {
    logsift_host::build_fixture(package, target).unwrap_or_else(|e| panic!("{e}"))
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
