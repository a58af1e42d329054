//! `logsift --version` names what ran: the crate version, a commit git
//! knows (or "unknown" outside a checkout), and each plugin build under
//! `./dist` with its size and SHA-256.

use std::path::PathBuf;
use std::process::Command;

fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("logsift-version-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn version_in(dir: &PathBuf, flag: &str) -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_logsift")).arg(flag).current_dir(dir).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).unwrap()
}

#[test]
fn version_names_the_build_and_the_commit() {
    let dir = scratch("commit");
    let text = version_in(&dir, "--version");
    let first = text.lines().next().unwrap();
    let expected = format!("logsift {} (commit ", env!("CARGO_PKG_VERSION"));
    assert!(first.starts_with(&expected) && first.ends_with(')'), "{first}");
    let commit = &first[expected.len()..first.len() - 1];
    if commit != "unknown" {
        assert!(commit.len() >= 7 && commit.bytes().all(|b| b.is_ascii_hexdigit()), "{commit}");
        // The commit is one this repository holds (HEAD may have moved on
        // since the build, so it is not compared with HEAD).
        let known = Command::new("git")
            .args(["cat-file", "-e", &format!("{commit}^{{commit}}")])
            .current_dir(env!("CARGO_MANIFEST_DIR"))
            .status();
        if let Ok(status) = known {
            assert!(status.success(), "git does not know commit {commit}");
        }
    }
    // `-V` prints the same.
    assert_eq!(version_in(&dir, "-V"), text);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn version_lists_the_plugins_in_dist_with_size_and_sha256() {
    let dir = scratch("dist");
    std::fs::create_dir_all(dir.join("dist/js/pkg/node")).unwrap();
    std::fs::write(dir.join("dist/logsift_fluent_bit.wasm"), b"abc").unwrap();
    std::fs::write(dir.join("dist/js/pkg/node/logsift_js_bg.wasm"), b"").unwrap();
    std::fs::write(dir.join("dist/README.txt"), b"not a plugin").unwrap();
    let text = version_in(&dir, "--version");
    let here = dir.join("dist").canonicalize().unwrap();
    let block: Vec<&str> = text
        .split("plugins in ")
        .find(|b| b.starts_with(&format!("{}:", here.display())))
        .unwrap_or_else(|| panic!("no block for {}:\n{text}", here.display()))
        .lines()
        .skip(1)
        .take_while(|l| l.starts_with("  "))
        .collect();
    assert_eq!(block.len(), 2, "{text}");
    // SHA-256 of "abc" and of the empty string (FIPS 180-2 examples).
    let abc = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";
    let empty = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
    let fields = |l: &str| l.split_whitespace().map(str::to_owned).collect::<Vec<_>>();
    assert_eq!(
        fields(block[0]),
        ["js/pkg/node/logsift_js_bg.wasm", "0", "bytes", &format!("sha256:{empty}")]
    );
    assert_eq!(fields(block[1]), ["logsift_fluent_bit.wasm", "3", "bytes", &format!("sha256:{abc}")]);
    let _ = std::fs::remove_dir_all(&dir);
}
