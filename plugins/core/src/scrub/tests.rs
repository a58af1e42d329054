//! Fail-closed behaviour of the scrubber, and config errors that name their
//! field.
//!
//! A line that starts like JSON but is not (invalid UTF-8, too deep,
//! truncated) must be scrubbed as text, never passed on; odd inputs (empty,
//! BOM, CRLF, very large) must not break anything.

use super::*;
use crate::json::MAX_DEPTH;
use crate::{Ctx, Outcome, Pipeline};

fn scrubber(cfg: &str) -> Scrubber {
    let cfg: ScrubConfig = serde_json::from_str(cfg).expect("test config parses");
    Scrubber::new(&cfg).expect("test config compiles")
}

fn default_scrubber() -> Scrubber {
    scrubber("{}")
}

/// Runs `f` on a thread with a small stack: anything recursing per nesting
/// level would overflow it long before 100,000 levels.
fn on_small_stack<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> T {
    std::thread::Builder::new().stack_size(1 << 20).spawn(f).unwrap().join().unwrap()
}

fn count(s: &Scrubber, label: &str) -> u64 {
    s.redactions().find(|(l, _)| *l == label).map_or(0, |(_, n)| n)
}

// ------------------------------------------------------------- fallback to text

#[test]
fn invalid_utf8_in_a_json_looking_line_is_scrubbed_as_text() {
    let mut s = default_scrubber();
    let input: &[u8] = b"{\"m\": \"bob@example.com \xff card 4111111111111111\"}";
    let out = s.scrub(input);
    assert!(out.fell_back, "a JSON-looking line that is not UTF-8 must fall back");
    assert_eq!(out.format, Format::Text);
    assert_eq!(&*out.bytes, &b"{\"m\": \"[EMAIL_ADDRESS] \xff card [CREDIT_CARD]\"}"[..]);
    assert_eq!(count(&s, "EMAIL_ADDRESS"), 1);
    assert_eq!(count(&s, "CREDIT_CARD"), 1);
}

#[test]
fn invalid_utf8_text_is_scrubbed_without_counting_a_fallback() {
    let mut s = default_scrubber();
    let out = s.scrub(b"\xfe\xff mail bob@example.com");
    assert!(!out.fell_back, "it never looked like JSON");
    assert_eq!(out.format, Format::Text);
    assert_eq!(&*out.bytes, &b"\xfe\xff mail [EMAIL_ADDRESS]"[..]);
}

#[test]
fn fallbacks_are_counted_by_the_pipeline() {
    let mut p = Pipeline::from_json(br#"{"scrub": {}}"#).unwrap();
    let mut ctx = Ctx::new(0, 1);
    let lines: [&[u8]; 3] = [
        b"{\"m\": \"\xff bob@example.com\"}",
        b"{\"m\": \"bob@example.com\"",
        b"{\"m\": \"bob@example.com\"}",
    ];
    for line in lines {
        match p.process(line, &mut ctx) {
            Outcome::Keep(out) => {
                assert!(
                    !out.windows(15).any(|w| w == b"bob@example.com"),
                    "{}",
                    String::from_utf8_lossy(&out)
                )
            }
            Outcome::Drop(r) => panic!("dropped: {r:?}"),
        }
    }
    assert_eq!(p.stats().parse_fallbacks, 2);
    // A JSON attempt abandoned for text does not count its redactions twice.
    let emails = p.redactions().into_iter().find(|(l, _)| l == "EMAIL_ADDRESS").map(|(_, n)| n);
    assert_eq!(emails, Some(3));
}

#[test]
fn nesting_100000_deep_is_scrubbed_as_text_without_recursion() {
    let n = 100_000;
    let (bytes, fell_back, format) = on_small_stack(move || {
        let input = format!("{}\"bob@example.com\"{}", "[".repeat(n), "]".repeat(n));
        let mut s = default_scrubber();
        let out = s.scrub(input.as_bytes());
        (out.bytes.into_owned(), out.fell_back, out.format)
    });
    assert!(fell_back);
    assert_eq!(format, Format::Text);
    let want = format!("{}\"[EMAIL_ADDRESS]\"{}", "[".repeat(n), "]".repeat(n));
    assert!(bytes == want.as_bytes(), "deep array not scrubbed as expected");
}

#[test]
fn deep_objects_are_scrubbed_as_text_without_recursion() {
    let n = 100_000;
    let (bytes, fell_back) = on_small_stack(move || {
        let input = format!("{}\"mail bob@example.com\"{}", "{\"a\": ".repeat(n), "}".repeat(n));
        let mut s = default_scrubber();
        let out = s.scrub(input.as_bytes());
        (out.bytes.into_owned(), out.fell_back)
    });
    assert!(fell_back);
    let want = format!("{}\"mail [EMAIL_ADDRESS]\"{}", "{\"a\": ".repeat(n), "}".repeat(n));
    assert!(bytes == want.as_bytes(), "deep object not scrubbed as expected");
}

#[test]
fn max_depth_is_json_and_one_more_is_text() {
    let mut s = default_scrubber();
    // The object is the MAX_DEPTH-th container: still JSON, so key rules apply.
    let d = MAX_DEPTH - 1;
    let input = format!("{}{{\"password\": \"hunter2\"}}{}", "[".repeat(d), "]".repeat(d));
    let out = s.scrub(input.as_bytes());
    assert!(!out.fell_back);
    assert_eq!(out.format, Format::Json);
    let want = format!("{}{{\"password\": \"[REDACTED]\"}}{}", "[".repeat(d), "]".repeat(d));
    assert_eq!(String::from_utf8_lossy(&out.bytes), want);

    let d = MAX_DEPTH;
    let input = format!("{}{{\"m\": \"bob@example.com\"}}{}", "[".repeat(d), "]".repeat(d));
    let out = s.scrub(input.as_bytes());
    assert!(out.fell_back);
    assert_eq!(out.format, Format::Text);
    let want = format!("{}{{\"m\": \"[EMAIL_ADDRESS]\"}}{}", "[".repeat(d), "]".repeat(d));
    assert_eq!(String::from_utf8_lossy(&out.bytes), want);
}

#[test]
fn truncated_json_is_scrubbed_as_text() {
    let mut s = default_scrubber();
    let out = s.scrub(b"{\"event\": \"signup\", \"m\": \"bob@example.com\", \"card\": \"4111 1111 1111 1111");
    assert!(out.fell_back);
    assert_eq!(
        String::from_utf8_lossy(&out.bytes),
        "{\"event\": \"signup\", \"m\": \"[EMAIL_ADDRESS]\", \"card\": \"[CREDIT_CARD]"
    );
}

// ------------------------------------------------------------- odd inputs

#[test]
fn ten_megabyte_json_record() {
    let filler = "lorem ipsum dolor sit amet ".repeat(10 * 1024 * 1024 / 27 + 1);
    assert!(filler.len() >= 10 * 1024 * 1024);
    let input = format!(
        "{{\"m\": \"first bob@example.com {filler}last alice@example.org\", \"password\": \"hunter2\", \"n\": 4111111111111111}}"
    );
    let mut s = default_scrubber();
    let out = s.scrub(input.as_bytes());
    assert!(!out.fell_back);
    assert_eq!(out.format, Format::Json);
    let want = format!(
        "{{\"m\": \"first [EMAIL_ADDRESS] {filler}last [EMAIL_ADDRESS]\", \"password\": \"[REDACTED]\", \"n\": \"[CREDIT_CARD]\"}}"
    );
    assert_eq!(out.bytes.len(), want.len());
    assert!(out.bytes == want.as_bytes(), "10 MB record not scrubbed as expected");
    assert_eq!(count(&s, "EMAIL_ADDRESS"), 2);
    assert_eq!(count(&s, "CREDIT_CARD"), 1);
    assert_eq!(count(&s, KEY_RULE_LABEL), 1);
}

#[test]
fn ten_megabyte_text_line() {
    let filler = "x".repeat(10 * 1024 * 1024);
    let input = format!("password=hunter2 {filler} bob@example.com");
    let mut s = default_scrubber();
    let out = s.scrub(input.as_bytes());
    assert!(!out.fell_back);
    let want = format!("password=[REDACTED] {filler} [EMAIL_ADDRESS]");
    assert!(out.bytes == want.as_bytes(), "10 MB line not scrubbed as expected");
}

#[test]
fn untouched_records_are_borrowed() {
    let mut s = default_scrubber();
    let input: &[u8] = br#"{"event": "ok", "n": 1}"#;
    assert!(matches!(s.scrub(input).bytes, Cow::Borrowed(b) if b == input));
    let input: &[u8] = b"GET /healthz 200";
    assert!(matches!(s.scrub(input).bytes, Cow::Borrowed(b) if b == input));
}

#[test]
fn empty_and_blank_input() {
    let mut s = default_scrubber();
    for input in [&b""[..], b"   ", b"\t\r"] {
        let out = s.scrub(input);
        assert!(matches!(out.bytes, Cow::Borrowed(b) if b == input));
        assert_eq!(out.format, Format::Text);
        assert!(!out.fell_back);
    }
    let mut p = Pipeline::from_json(br#"{"scrub": {}, "enrich": {"service": "x"}, "sample": {}}"#).unwrap();
    let mut ctx = Ctx::new(0, 1);
    assert_eq!(p.process(b"", &mut ctx), Outcome::Keep(Cow::Borrowed(&b""[..])));
    assert!(p.stats().balanced());
}

#[test]
fn broken_json_without_secrets_passes_unchanged() {
    let mut s = default_scrubber();
    for input in [&b"{"[..], b"[", b"{}}", b"{\"a\"", b"[1, 2"] {
        let out = s.scrub(input);
        assert_eq!(&*out.bytes, input, "{}", String::from_utf8_lossy(input));
    }
}

#[test]
fn crlf_line_endings() {
    let mut s = default_scrubber();
    // A host that splits on '\n' leaves the '\r': still one JSON document.
    let out = s.scrub(b"{\"m\": \"bob@example.com\", \"password\": \"x\"}\r");
    assert!(!out.fell_back);
    assert_eq!(out.format, Format::Json);
    assert_eq!(&*out.bytes, &b"{\"m\": \"[EMAIL_ADDRESS]\", \"password\": \"[REDACTED]\"}\r"[..]);

    let out = s.scrub(b"{\"m\": \"bob@example.com\"}\r\n");
    assert_eq!(out.format, Format::Json);
    assert_eq!(&*out.bytes, &b"{\"m\": \"[EMAIL_ADDRESS]\"}\r\n"[..]);

    // In text, '\r' ends a value.
    let out = s.scrub(b"user=bob password=hunter2\r");
    assert_eq!(&*out.bytes, &b"user=bob password=[REDACTED]\r"[..]);
}

#[test]
fn byte_order_mark() {
    let mut s = default_scrubber();
    // A BOM is not JSON whitespace: the line is text, and still scrubbed.
    let out = s.scrub("\u{feff}{\"m\": \"bob@example.com\"}\r\n".as_bytes());
    assert_eq!(out.format, Format::Text);
    assert_eq!(String::from_utf8_lossy(&out.bytes), "\u{feff}{\"m\": \"[EMAIL_ADDRESS]\"}\r\n");

    let out = s.scrub("\u{feff}level=info token=abc123 card 4111111111111111\r\n".as_bytes());
    assert_eq!(
        String::from_utf8_lossy(&out.bytes),
        "\u{feff}level=info token=[REDACTED] card [CREDIT_CARD]\r\n"
    );
}

// ------------------------------------------------------------- config errors

fn config_error(cfg: &str) -> ConfigError {
    match Pipeline::from_json(cfg.as_bytes()) {
        Ok(_) => panic!("config accepted: {cfg}"),
        Err(e) => e,
    }
}

#[test]
fn unknown_detector_names_its_list_item() {
    let e = config_error(r#"{"scrub":{"detectors":["emial"]}}"#);
    assert_eq!(e.path(), "scrub.detectors[0]");
    let shown = e.to_string();
    assert!(shown.starts_with("scrub.detectors[0]: "), "{shown}");
    assert!(shown.contains(r#"unknown detector "emial""#), "{shown}");
    assert!(shown.contains("EMAIL_ADDRESS"), "the known names are listed: {shown}");

    let e = config_error(r#"{"scrub":{"detectors":["EMAIL_ADDRESS", {"name": "emial", "action": "mask"}]}}"#);
    assert_eq!(e.path(), "scrub.detectors[1].name");
    let e = config_error(r#"{"scrub":{"detectors":[{"name": "EMAIL_ADDRESS", "action": "hsh"}]}}"#);
    assert_eq!(e.path(), "scrub.detectors[0].action");
    let e = config_error(r#"{"scrub":{"disable":["CREDIT_CARD", "emial"]}}"#);
    assert_eq!(e.path(), "scrub.disable[1]");
    let e = config_error(r#"{"scrub":{"actions":{"EMIAL":{"action":"mask"}}}}"#);
    assert_eq!(e.path(), "scrub.actions.EMIAL");
    assert!(e.message().contains(r#"unknown detector "EMIAL""#), "{e}");
}

#[test]
fn unknown_fields_are_errors_that_name_them() {
    let e = config_error(r#"{"scrub":{"detectorz":[]}}"#);
    assert_eq!(e.path(), "scrub.detectorz");
    assert!(e.to_string().contains("unknown field `detectorz`"), "{e}");

    let e = config_error(r#"{"scrubb":{}}"#);
    assert_eq!(e.path(), "scrubb");
    assert!(e.message().contains("unknown field `scrubb`"), "{e}");

    let e = config_error(r#"{"scrub":{"keys":["session", {"path": "x", "actoin": "mask"}]}}"#);
    assert_eq!(e.path(), "scrub.keys[1].actoin");

    let e = config_error(r#"{"scrub":{"custom":[{"name": "X", "pattern": "x", "flags": "i"}]}}"#);
    assert_eq!(e.path(), "scrub.custom[0].flags");

    let e = config_error(r#"{"scrub":{"preset":"loose"}}"#);
    assert_eq!(e.path(), "scrub.preset");
    assert!(e.message().contains("unknown variant `loose`"), "{e}");
}

#[test]
fn hash_action_needs_a_hash_key() {
    let e = config_error(r#"{"scrub":{"actions":{"EMAIL_ADDRESS":{"action":"hash"}}}}"#);
    assert_eq!(e.path(), "scrub.hash_key");
    assert!(e.message().contains("EMAIL_ADDRESS") && e.message().contains("hash"), "{e}");

    let e = config_error(r#"{"scrub":{"custom":[{"name":"X","pattern":"x","action":"hash"}]}}"#);
    assert_eq!(e.path(), "scrub.hash_key");
    assert!(e.message().contains("scrub.custom[0].action"), "{e}");

    let e = config_error(r#"{"scrub":{"keys":["session", {"path":"email","action":"hash"}]}}"#);
    assert_eq!(e.path(), "scrub.hash_key");
    assert!(e.message().contains("scrub.keys[1].action"), "{e}");

    let e = config_error(r#"{"scrub":{"default_action":"hash"}}"#);
    assert_eq!(e.path(), "scrub.hash_key");

    // With a key it compiles.
    Pipeline::from_json(
        br#"{"scrub":{"hash_key":"0123456789abcdef-test","actions":{"EMAIL_ADDRESS":{"action":"hash"}}}}"#,
    )
    .unwrap();
}

#[test]
fn hash_key_errors_never_show_the_key() {
    let e =
        config_error(r#"{"scrub":{"hash_key":"short-Key-9","actions":{"EMAIL_ADDRESS":{"action":"hash"}}}}"#);
    assert_eq!(e.path(), "scrub.hash_key");
    assert!(e.message().contains("16 bytes"), "{e}");
    assert!(!e.to_string().contains("short-Key-9"), "{e}");

    let e = config_error(r#"{"scrub":{"hash_key":"0123456789abcdef-Secret","hash_length":4}}"#);
    assert_eq!(e.path(), "scrub.hash_length");
    assert!(!e.to_string().contains("Secret"), "{e}");
}

#[test]
fn bad_custom_patterns_name_their_rule() {
    let e = config_error(r#"{"scrub":{"custom":[{"name":"ORDER","pattern":"ord_(["}]}}"#);
    assert_eq!(e.path(), "scrub.custom[0].pattern");
    assert!(e.to_string().starts_with("scrub.custom[0].pattern: invalid pattern"), "{e}");

    let e =
        config_error(r#"{"scrub":{"custom":[{"name":"A","pattern":"a+"},{"name":"B","pattern":"b{2,1}"}]}}"#);
    assert_eq!(e.path(), "scrub.custom[1].pattern");

    let e = config_error(r#"{"scrub":{"custom":[{"name":"bad-name","pattern":"x"}]}}"#);
    assert_eq!(e.path(), "scrub.custom[0].name");
    let e = config_error(r#"{"scrub":{"custom":[{"name":"","pattern":"x"}]}}"#);
    assert_eq!(e.path(), "scrub.custom[0].name");
}

#[test]
fn pathological_patterns_hit_the_size_limit() {
    // Small repetitions compile; a million-state NFA does not.
    Pipeline::from_json(br#"{"scrub":{"custom":[{"name":"A","pattern":"(a{10}){10}"}]}}"#).unwrap();
    let e = config_error(r#"{"scrub":{"custom":[{"name":"A","pattern":"(a{1000}){1000}"}]}}"#);
    assert_eq!(e.path(), "scrub.custom[0].pattern");
    assert!(e.message().contains("limit"), "{e}");

    let e = config_error(
        r#"{"scrub":{"custom":[{"name":"A","pattern":"x"},{"name":"B","pattern":"\\w{1000}{1000}"}]}}"#,
    );
    assert_eq!(e.path(), "scrub.custom[1].pattern");
}

#[test]
fn other_scrub_settings_name_their_field() {
    let e = config_error(r#"{"scrub":{"hash_length":4}}"#);
    assert_eq!(e.path(), "scrub.hash_length");
    let e = config_error(r#"{"scrub":{"hash_length":65}}"#);
    assert_eq!(e.path(), "scrub.hash_length");
    let e = config_error(r#"{"scrub":{"preset":"none","actions":{"PHONE_NUMBER":{"action":"mask"}}}}"#);
    assert_eq!(e.path(), "scrub.actions.PHONE_NUMBER");
    assert!(e.message().contains("not switched on"), "{e}");
    let e = config_error(r#"{"scrub":{"keys":[""]}}"#);
    assert_eq!(e.path(), "scrub.keys[0]");
    let e = config_error(r#"{"scrub":{"keys":["ok","a..b"]}}"#);
    assert_eq!(e.path(), "scrub.keys[1]");
    let e = config_error(r#"{"scrub":{"detectors":"EMAIL_ADDRESS"}}"#);
    assert_eq!(e.path(), "scrub.detectors");
}

#[test]
fn syntax_errors_keep_their_position() {
    let e = config_error(r#"{"scrub": {"detectors": ["EMAIL_ADDRESS",]}}"#);
    assert!(e.message().contains("line 1 column"), "{e}");
}

#[test]
fn a_cut_off_document_with_nothing_to_scrub_counts_as_a_fallback() {
    let mut s = default_scrubber();
    let cut = br#"{"event": "checkout", "status": 200, "detail": "ok"#;
    let out = s.scrub(cut);
    assert!(out.fell_back, "a truncated document must count as a parse fallback");
    assert_eq!(out.format, Format::Text);
    assert_eq!(out.bytes.as_ref(), &cut[..], "nothing in it needed scrubbing");
    let whole = br#"{"event": "checkout", "status": 200} "#;
    let out = s.scrub(whole);
    assert!(!out.fell_back);
    assert_eq!(out.format, Format::Json);
}

// ------------------------------------------------------------ text fixpoint

#[test]
fn a_redaction_that_swallows_a_closing_quote_is_settled_in_one_scrub() {
    // The single-quoted token value runs past the `"` that closed the cookie
    // value; merged, the two redactions leave the cookie's quote open, so
    // the rest of the line now reads as the cookie's value. One scrub must
    // already give what a second would (the record fuzzer's fourth find).
    let mut s = default_scrubber();
    let input: &[u8] = b"{\"ok\": 1, \"cookie\": \"sid=, vss_token='yJ \"ip_!!oken='yJ!!request_id!!tail\xff";
    let once = s.scrub(input).bytes.into_owned();
    let before = count(&s, "SENSITIVE_KEY");
    let twice = s.scrub(&once).bytes.into_owned();
    assert_eq!(String::from_utf8_lossy(&twice), String::from_utf8_lossy(&once));
    assert!(!once.windows(4).any(|w| w == b"tail"), "{}", String::from_utf8_lossy(&once));
    assert!(before >= 2, "the settling pass counts what it redacts: {before}");
}

#[test]
fn settling_leaves_the_first_pass_replacements_alone() {
    // Partial masking of a partial mask masks more (by choice, see
    // SECURITY.md), so the settling pass must not touch what the first pass
    // wrote: the password keeps the tail it had after one pass.
    let mut s = scrubber(
        r#"{"preset": "none", "keys": [{"path": "password", "action": "partial", "keep": 4}, "token"]}"#,
    );
    let alone = s.scrub(b"password=correcthorse").bytes.into_owned();
    // The token's quoted value swallows a `"`, so the line is scrubbed again.
    let out = s.scrub(b"password=correcthorse token='a\"b' end").bytes.into_owned();
    assert!(
        out.starts_with(&alone),
        "{} vs {}",
        String::from_utf8_lossy(&out),
        String::from_utf8_lossy(&alone)
    );
    assert_eq!(count(&s, "SENSITIVE_KEY"), 3, "password, password, token: none for the settling pass");
}

#[test]
fn a_condition_regex_with_a_non_ascii_class_names_its_field() {
    let e = config_error(
        r#"{"alerts": {"rules": [{"name": "X", "match": [{"field": "a", "regex": "[é]"}], "threshold": 1}]}}"#,
    );
    assert_eq!(e.path(), "alerts.rules[0].match[0].regex");
    assert!(e.message().contains("invalid pattern") && e.message().contains("Unicode"), "{e}");
}

#[test]
fn a_raw_line_break_inside_a_string_is_read_as_text() {
    // JSON strings cannot hold a raw line break; text mode ends a quoted
    // value there. Read as JSON, the cookie's whole value (past the break)
    // would be replaced now, though a first scrub in text mode kept it.
    let mut s = default_scrubber();
    let input: &[u8] = b"{\"cookie\": \"[REDACTED]\nticket_email_sent\", \"n\": 1}";
    let out = s.scrub(input);
    assert_eq!(out.format, Format::Text);
    assert_eq!(String::from_utf8_lossy(&out.bytes), String::from_utf8_lossy(input));
}

// ------------------------------------------------- fused scan passes

/// Pieces that start, end and overlap matches of the literal-prefixed and
/// the digit-shaped detectors, which share one regex pass.
const PIECES: &[&str] = &[
    "AKIA",
    "ASIA",
    "ghp_",
    "github_pat_",
    "sk_live_",
    "rk_test_",
    "whsec_",
    "xoxb-",
    "AIza",
    "eyJ",
    "eyJhbGciOi",
    "-----BEGIN RSA PRIVATE KEY-----",
    "-----END RSA PRIVATE KEY-----",
    "Bearer ",
    "basic ",
    "4111",
    "1111",
    "4242 4242 4242 4242",
    "5555-5555-5555-4444",
    "123-45-6789",
    "078 05 1120",
    "+1 (415) 555-0132",
    "415.555.0132",
    "10.0.0.",
    "192.168.1.254",
    "2001:db8:0:0:0:0:0:1",
    "fe80::1",
    "DE89370400440532013000",
    "GB82 WEST 1234 5698 7654 32",
    "ABCDEFGHIJKLMNOP",
    "0123456789",
    "abcdefghij",
    "QRSTUVWXYZ234567",
    "0",
    "9",
    "A",
    "z",
    " ",
    "-",
    ".",
    ":",
    "_",
    "/",
    "=",
    "[CREDIT_CARD:",
    "]",
    "@",
    "jane.doe@example.com",
    "https://u:p@h.io/",
    "password=",
    "\\n",
];

fn pieces_line() -> impl proptest::strategy::Strategy<Value = String> {
    use proptest::prelude::*;
    prop::collection::vec(prop::sample::select(PIECES), 1..24).prop_map(|v| v.concat())
}

fn scrub_both(fused: &mut Scrubber, separate: &mut Scrubber, line: &[u8]) -> Result<(), String> {
    let a = fused.scrub(line);
    let b = separate.scrub(line);
    if a.bytes != b.bytes || a.format != b.format || a.parsed != b.parsed {
        return Err(format!(
            "fused and separate scans differ on {:?}:\n  fused:    {:?}\n  separate: {:?}",
            String::from_utf8_lossy(line),
            String::from_utf8_lossy(&a.bytes),
            String::from_utf8_lossy(&b.bytes)
        ));
    }
    Ok(())
}

/// One regex for several scan groups finds what each group's own regex
/// finds: the same redactions, as text and inside JSON strings, for the
/// strict and default presets.
#[test]
fn fused_scan_groups_match_separate_ones() {
    use proptest::test_runner::{Config, TestCaseError, TestRunner};
    let pairs: Vec<std::cell::RefCell<(Scrubber, Scrubber)>> = ["strict", "default"]
        .iter()
        .map(|preset| {
            let cfg: ScrubConfig = serde_json::from_str(&format!(r#"{{"preset": "{preset}"}}"#)).unwrap();
            let pair = (Scrubber::build(&cfg, true).unwrap(), Scrubber::build(&cfg, false).unwrap());
            assert!(pair.0.groups.len() < pair.1.groups.len(), "{preset}: nothing was fused");
            std::cell::RefCell::new(pair)
        })
        .collect();
    let mut runner = TestRunner::new(Config { cases: 4096, failure_persistence: None, ..Config::default() });
    runner
        .run(&pieces_line(), |line| {
            let json = serde_json::to_vec(&serde_json::json!({"msg": line, "n": 1})).unwrap();
            for pair in &pairs {
                let (fused, separate) = &mut *pair.borrow_mut();
                for input in [line.as_bytes(), &json] {
                    scrub_both(fused, separate, input).map_err(TestCaseError::fail)?;
                }
            }
            Ok(())
        })
        .unwrap();
}

/// Checks for [`fused_groups_scan_like_separate_ones`]: all, and only even
/// lengths (so retries from the same start happen).
fn accept(_: &[u8], s: usize, e: usize) -> Option<(usize, usize)> {
    Some((s, e))
}

fn even_only(_: &[u8], s: usize, e: usize) -> Option<(usize, usize)> {
    (e - s).is_multiple_of(2).then_some((s, e))
}

/// A group of `parts` (each a scan group and its patterns) in one regex.
fn test_group(parts: &[(ScanGroup, Vec<(&str, bool)>)]) -> Group {
    let mut sources = Vec::new();
    let mut patterns = Vec::new();
    let mut group_parts = Vec::new();
    for (kind, pats) in parts {
        let first = sources.len();
        for (src, strict) in pats {
            sources.push(*src);
            let check: detectors::Check = if *strict { even_only } else { accept };
            patterns.push(PatternKind::Detector { check, action: patterns.len() });
        }
        group_parts.push(Part { kind: *kind, patterns: first..sources.len() });
    }
    let regex = build_regex(&sources, false).unwrap();
    Group { parts: group_parts, cache: regex.create_cache(), regex, patterns }
}

fn scan(groups: &mut [Group], hay: &[u8]) -> Vec<(usize, usize, usize, usize)> {
    let mut cands = Vec::new();
    for g in groups {
        scan_span(g, hay, 0..hay.len(), &mut cands);
    }
    let mut out: Vec<_> = cands.iter().map(|(f, p)| (f.start, f.end, *p, f.action)).collect();
    out.sort_unstable();
    out
}

/// The fused scan itself, on patterns made to overlap and to share starts
/// (which the built-in detectors seldom do): for random patterns split into
/// parts and random text, one regex over all parts yields exactly the
/// candidates that each part's own regex does.
#[test]
fn fused_groups_scan_like_separate_ones() {
    use proptest::prelude::*;
    use proptest::test_runner::{Config, TestCaseError, TestRunner};
    const SOURCES: &[&str] =
        &["ab", "a+b", r"b[ac]{1,3}", r"\bab", "c", "abc|ca", "a{2,}", "(?:ab)+c?", r"\b[abc]{3}\b", "ba*"];
    const KINDS: [ScanGroup; 3] = [ScanGroup::Literal, ScanGroup::Bearer, ScanGroup::Digits];
    let pattern = (prop::sample::select(SOURCES), any::<bool>());
    let parts = prop::collection::vec(prop::collection::vec(pattern, 1..4), 2..4);
    let strategy = (parts, "[abc ]{0,40}");
    let mut runner = TestRunner::new(Config { cases: 4096, failure_persistence: None, ..Config::default() });
    runner
        .run(&strategy, |(parts, hay)| {
            let parts: Vec<(ScanGroup, Vec<(&str, bool)>)> =
                parts.into_iter().enumerate().map(|(i, p)| (KINDS[i], p)).collect();
            let mut fused = [test_group(&parts)];
            // Separate groups number their actions from 0; shift them to
            // the fused group's numbering.
            let mut separate: Vec<Group> =
                parts.iter().map(|p| test_group(std::slice::from_ref(p))).collect();
            let mut offset = 0;
            for g in &mut separate {
                for PatternKind::Detector { action, .. } in &mut g.patterns {
                    *action += offset;
                }
                offset += g.patterns.len();
            }
            let (a, b) = (scan(&mut fused, hay.as_bytes()), scan(&mut separate, hay.as_bytes()));
            if a != b {
                return Err(TestCaseError::fail(format!(
                    "{parts:?} on {hay:?}: fused {a:?}, separate {b:?}"
                )));
            }
            Ok(())
        })
        .unwrap();
}

#[test]
fn all_ascii_agrees_with_the_standard_check() {
    for s in [&b""[..], b"plain", b"caf\xc3\xa9", b"\x7f", b"\x80", b"tail \xff"] {
        assert_eq!(all_ascii(s), s.is_ascii(), "{s:?}");
    }
}

/// Whether a match of `hir` can hold the byte `b`.
fn can_hold(hir: &regex_syntax::hir::Hir, b: u8) -> bool {
    use regex_syntax::hir::{Class, HirKind};
    match hir.kind() {
        HirKind::Empty | HirKind::Look(_) => false,
        HirKind::Literal(l) => l.0.contains(&b),
        HirKind::Class(Class::Bytes(c)) => c.ranges().iter().any(|r| (r.start()..=r.end()).contains(&b)),
        HirKind::Class(Class::Unicode(c)) => {
            c.ranges().iter().any(|r| (r.start()..=r.end()).contains(&char::from(b)))
        }
        HirKind::Repetition(r) => r.max != Some(0) && can_hold(&r.sub, b),
        HirKind::Capture(c) => can_hold(&c.sub, b),
        HirKind::Concat(hs) | HirKind::Alternation(hs) => hs.iter().any(|h| can_hold(h, b)),
    }
}

#[test]
fn no_built_in_pattern_takes_a_single_quote() {
    // `unsettles_in_string` looks for `'` only in user patterns' matches.
    for d in DetectorName::ALL {
        let hir = regex_syntax::ParserBuilder::new()
            .unicode(false)
            .utf8(false)
            .build()
            .parse(&detector_pattern(*d))
            .unwrap();
        assert!(!can_hold(&hir, b'\''), "{d} can match a '");
        assert!(
            can_hold(&hir, b'0') || can_hold(&hir, b'a') || can_hold(&hir, b'A'),
            "{d}: the walk is wrong"
        );
    }
}
