//! The shipped JSON Schema must match the Rust config types.
//! Regenerate with `LOGSIFT_BLESS=1 cargo test -p logsift-core --test schema`
//! (or `cargo xtask schema`).

use std::path::PathBuf;

#[test]
fn shipped_schema_is_current() {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../observability/logsift.schema.json");
    let want = logsift_core::schema_json();
    if std::env::var_os("LOGSIFT_BLESS").is_some() {
        std::fs::write(&path, &want).unwrap();
        return;
    }
    let have = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        have == want,
        "{} is stale: run `cargo xtask schema` (or LOGSIFT_BLESS=1 cargo test) and commit it",
        path.display()
    );
}

#[test]
fn example_config_is_valid() {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../observability/logsift.example.json");
    let cfg = std::fs::read(&path).unwrap();
    logsift_core::Pipeline::from_json(&cfg).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
}
