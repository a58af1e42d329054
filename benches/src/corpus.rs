//! The benches' inputs: the bundled samples as lines, a non-ASCII-heavy
//! variant, and records at set PII densities. Shared by the workspace's
//! benches and the peer benches in `benches/peers` (which include this
//! file), so every figure is measured on the same bytes.

use std::path::PathBuf;

/// The repository root: the nearest ancestor of this crate holding the
/// bundled samples.
pub fn root() -> PathBuf {
    let here = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    here.ancestors().find(|d| d.join("host-test/samples").is_dir()).map_or(here.clone(), PathBuf::from)
}

/// A bundled sample's non-empty lines.
pub fn sample_lines(name: &str) -> Vec<Vec<u8>> {
    let bytes = std::fs::read(root().join("host-test/samples").join(name)).expect("sample file");
    bytes.split(|&b| b == b'\n').filter(|l| !l.is_empty()).map(<[u8]>::to_vec).collect()
}

/// The structlog sample with every `event` value followed by a long
/// accented/CJK message, so most bytes are non-ASCII: Unicode-mode regex
/// word boundaries fall off a cliff on such text; ASCII mode must not.
pub fn structlog_non_ascii() -> Vec<Vec<u8>> {
    const TEXT: &str = "Zoë Müller a réservé l'événement « Café Überraschung » à Málaga — 東京でのチケット予約が完了しました。Señor Ñúñez, ¿todo bien? Ça marche très bien.";
    sample_lines("structlog.ndjson")
        .into_iter()
        .map(|l| {
            let s = String::from_utf8_lossy(&l);
            s.replacen("{\"event\": ", &format!("{{\"note\": \"{TEXT} {TEXT}\", \"event\": "), 1).into_bytes()
        })
        .collect()
}

/// `n` structlog-shaped records in which `percent` out of every 100 carry
/// one PII value (email, card, SSN, phone, IPv4 or an IBAN, in turn) and the
/// rest carry none — no IP addresses, no emails, ids that no detector takes.
/// Deterministic, so every run and every peer sees the same bytes.
pub fn pii_density(n: usize, percent: usize) -> Vec<Vec<u8>> {
    const PII: &[&str] = &[
        "jose.muller@example.com",
        "4111 1111 1111 1111",
        "078-05-1120",
        "+1 415 555 0134",
        "203.0.113.7",
        "DE89 3704 0044 0532 0130 00",
    ];
    (0..n)
        .map(|i| {
            // Spread the PII records evenly: record i carries PII when the
            // running count of `percent`/100 steps up at i.
            let carries = (i + 1) * percent / 100 > i * percent / 100;
            let detail = if carries {
                format!("contact {} about the refund", PII[i % PII.len()])
            } else {
                "customer asked about the refund policy for a cancelled show".to_owned()
            };
            format!(
                r#"{{"event": "support_ticket_updated", "ticket_id": "T-{i:06}", "organization_id": {org}, "method": "POST", "path": "/api/tickets/{i}/notes", "status_code": 200, "duration_ms": {ms}.5, "detail": "{detail}", "timestamp": "2024-11-24T16:{mm:02}:{ss:02}.000Z", "level": "info", "logger": "support.views"}}"#,
                org = i % 97,
                ms = i % 900,
                mm = (i / 60) % 60,
                ss = i % 60,
            )
            .into_bytes()
        })
        .collect()
}
