//! `logsift rules --config FILE [-o OUT]`: the fleet-wide Prometheus rules
//! of a config, on stdout or into a file, run from the repository root as
//! the README shows; a bad config writes nothing and names the field.

use std::path::PathBuf;
use std::process::Command;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn rules(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_logsift")).arg("rules").args(args).current_dir(root()).output().unwrap()
}

#[test]
fn rules_of_the_example_config_are_the_shipped_file() {
    let shipped =
        std::fs::read_to_string(root().join("observability/prometheus/logsift-fleet-rules.yml")).unwrap();
    let out = rules(&["--config", "observability/logsift.example.json"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(String::from_utf8(out.stdout).unwrap(), shipped);

    let file = std::env::temp_dir().join(format!("logsift-rules-{}.yml", std::process::id()));
    let out = rules(&["--config", "observability/logsift.example.json", "-o", &file.to_string_lossy()]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let written = std::fs::read_to_string(&file).unwrap();
    let _ = std::fs::remove_file(&file);
    assert_eq!(written, shipped);
}

#[test]
fn a_bad_config_writes_no_rules_and_names_the_field() {
    let file = std::env::temp_dir().join(format!("logsift-rules-bad-{}.json", std::process::id()));
    std::fs::write(
        &file,
        r#"{"alerts": {"rules": [{"name": "A", "match": [{"field": "e", "equals": "x"}], "group_by": ["instance"], "threshold": 1}]}}"#,
    )
    .unwrap();
    let out = rules(&["--config", &file.to_string_lossy()]);
    let _ = std::fs::remove_file(&file);
    assert!(!out.status.success());
    assert!(out.stdout.is_empty(), "wrote rules for a bad config");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("alerts.rules[0].group_by[0]") && err.contains("\"instance\""), "{err}");
}
