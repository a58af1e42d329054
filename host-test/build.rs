//! Embeds the git commit the `logsift` binary was built from as
//! `LOGSIFT_GIT_COMMIT`, for `logsift --version`. A build outside a git
//! checkout (a source tarball, `cargo install` from a registry) or without
//! git says "unknown": this script never fails the build.

use std::path::PathBuf;
use std::process::Command;

fn git(args: &[&str]) -> Option<String> {
    let out = Command::new("git").args(args).output().ok()?;
    let text = String::from_utf8(out.stdout).ok()?;
    let text = text.trim();
    (out.status.success() && !text.is_empty()).then(|| text.to_owned())
}

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    println!("cargo:rerun-if-env-changed=LOGSIFT_GIT_COMMIT");
    let commit = std::env::var("LOGSIFT_GIT_COMMIT")
        .ok()
        .filter(|c| !c.is_empty())
        .or_else(|| git(&["rev-parse", "--short", "HEAD"]))
        .unwrap_or_else(|| "unknown".to_owned());
    println!("cargo:rustc-env=LOGSIFT_GIT_COMMIT={commit}");
    // Rebuild when HEAD moves: HEAD itself (a checkout), the ref it names (a
    // commit on the branch) and packed-refs (where a packed ref lives). Paths
    // come from git, so worktrees (where `.git` is a file) work too. Only
    // files that exist are watched: cargo reruns a script on every build for
    // a watched path that is missing.
    let mut watched = vec!["HEAD".to_owned(), "packed-refs".to_owned()];
    watched.extend(git(&["symbolic-ref", "-q", "HEAD"]));
    for name in watched {
        if let Some(path) = git(&["rev-parse", "--git-path", &name]).map(PathBuf::from)
            && path.exists()
        {
            println!("cargo:rerun-if-changed={}", path.display());
        }
    }
}
