//! The check that keeps wasmtime and Cranelift built once per profile
//! (`cargo xtask features`, part of `cargo xtask test`). It only runs
//! `cargo tree`; nothing is compiled.
//!
//! Cargo compiles a crate again for every distinct set of features it is
//! asked for, and in this virtual workspace a shared crate's features depend
//! on which members a command selects: `-p logsift-host` (the demo, `cargo
//! install --locked --path host-test`) selects the harness alone;
//! `--workspace`, and also `--bin logsift`, select every member; tests,
//! benches and `--all-targets` add dev-dependencies. A feature that another
//! member switches on for any crate under wasmtime makes cargo build that
//! crate and everything above it again: the whole wasmtime stack, most of a
//! cold build.
//!
//! For each selection this walks `cargo tree` (which resolves features as
//! the build does, build scripts and proc-macros apart from normal
//! dependencies) from wasmtime and wasmtime-wasi down, and compares each
//! crate's feature sets with the `-p logsift-host` ones. A difference is
//! reported with the crate and the features; the pins in
//! `host-test/Cargo.toml` are where the union gets switched on for all.

use std::collections::{BTreeMap, BTreeSet};

use super::cargo;

/// The crates whose build every command must share, with everything below them.
const ROOTS: &[&str] = &["wasmtime", "wasmtime-wasi"];

/// What a user runs, and the `cargo tree` arguments that resolve features as
/// it does. The first is the one the others are compared with.
const SELECTIONS: &[(&str, &[&str])] = &[
    (
        "`-p logsift-host` (cargo xtask demo, cargo install --locked --path host-test)",
        &["-p", "logsift-host", "-e", "normal,build"],
    ),
    ("`--workspace` (and cargo build --bin logsift)", &["--workspace", "-e", "normal,build"]),
    ("`cargo test -p logsift-host`", &["-p", "logsift-host", "-e", "normal,build,dev"]),
    ("`cargo bench -p logsift-benches`", &["-p", "logsift-benches", "-e", "normal,build,dev"]),
    (
        "`--workspace` with dev-dependencies (cargo xtask test: test, bench --no-run)",
        &["--workspace", "-e", "normal,build,dev"],
    ),
];

/// The crates under [`ROOTS`] in one selection: `name vX.Y.Z` to each
/// feature set it is built with (two when the build-script and proc-macro
/// side gets other features than normal dependencies).
type Features = BTreeMap<String, BTreeSet<String>>;

/// Fails naming every crate under wasmtime whose features differ between
/// the selections.
pub fn check() -> Result<(), String> {
    let (base_label, base_args) = SELECTIONS[0];
    let base = wasmtime_tree(base_args)?;
    if base.is_empty() {
        return Err("cargo tree -p logsift-host shows no wasmtime: is ROOTS out of date?".into());
    }
    let mut problems = Vec::new();
    for (label, args) in &SELECTIONS[1..] {
        let other = wasmtime_tree(args)?;
        let crates: BTreeSet<&String> = base.keys().chain(other.keys()).collect();
        for krate in crates {
            let (ours, theirs) = (base.get(krate), other.get(krate));
            if ours != theirs {
                problems.push(format!("  {krate}: {}", describe(ours, theirs, label)));
            }
        }
    }
    if problems.is_empty() {
        eprintln!(
            "features: the {} crates under wasmtime get the same features in every selection \
             ({} compared with {base_label})",
            base.len(),
            SELECTIONS.len() - 1
        );
        return Ok(());
    }
    Err(format!(
        "crates under wasmtime get other features than under {base_label}, so wasmtime and \
         Cranelift would be compiled again:\n{}\nSwitch the features on for every build in \
         host-test/Cargo.toml's feature pins ([dependencies]; [build-dependencies] for the \
         proc-macro and build-script side), or stop the member that adds them.",
        problems.join("\n")
    ))
}

/// What differs for one crate, in words: the features one side adds.
fn describe(ours: Option<&BTreeSet<String>>, theirs: Option<&BTreeSet<String>>, label: &str) -> String {
    let (Some(ours), Some(theirs)) = (ours, theirs) else {
        return match theirs {
            Some(_) => format!("under wasmtime only in {label}"),
            None => format!("under wasmtime in every selection but {label}"),
        };
    };
    let union = |sets: &BTreeSet<String>| -> BTreeSet<String> {
        sets.iter().flat_map(|s| s.split(',')).filter(|f| !f.is_empty()).map(str::to_owned).collect()
    };
    let (a, b) = (union(ours), union(theirs));
    let added: Vec<&String> = b.difference(&a).collect();
    let dropped: Vec<&String> = a.difference(&b).collect();
    let sets = |s: &BTreeSet<String>| s.iter().map(|f| format!("[{f}]")).collect::<Vec<_>>().join(" and ");
    let mut words = Vec::new();
    if !added.is_empty() {
        words.push(format!("{label} adds feature(s) {}", join(&added)));
    }
    if !dropped.is_empty() {
        words.push(format!("{label} lacks feature(s) {}", join(&dropped)));
    }
    if words.is_empty() {
        words.push(format!("{label} splits them otherwise between normal and build-side (proc-macro, build-script) dependencies"));
    }
    format!("{} (built with {} there, {} here)", words.join("; "), sets(theirs), sets(ours))
}

fn join(features: &[&String]) -> String {
    features.iter().map(|f| format!("`{f}`")).collect::<Vec<_>>().join(", ")
}

/// Runs `cargo tree` for one selection and keeps the crates under [`ROOTS`].
fn wasmtime_tree(args: &[&str]) -> Result<Features, String> {
    let mut c = cargo();
    c.args(["tree", "--prefix", "depth", "--format", "{p}|{f}"]).args(args);
    let shown = format!("{c:?}");
    let out = c.output().map_err(|e| format!("{shown}: {e}"))?;
    if !out.status.success() {
        return Err(format!("{shown} failed: {}", String::from_utf8_lossy(&out.stderr)));
    }
    Ok(under_roots(&String::from_utf8_lossy(&out.stdout)))
}

/// Reads a `cargo tree --prefix depth --format '{p}|{f}'` listing: each
/// line is a depth, a package (`name vX.Y.Z`, then ` (path)` or
/// ` (proc-macro)`), `|`, its features, and ` (*)` when its dependencies
/// were listed before; its parent is the nearest line above it one level
/// up. A node is the package with its features, as cargo's units are.
fn under_roots(tree: &str) -> Features {
    let mut children: BTreeMap<&str, BTreeSet<&str>> = BTreeMap::new();
    let mut path: Vec<&str> = Vec::new();
    for line in tree.lines() {
        let digits = line.bytes().take_while(u8::is_ascii_digit).count();
        let Ok(depth) = line[..digits].parse::<usize>() else { continue };
        let node = line[digits..].trim_end_matches(" (*)");
        path.truncate(depth);
        if let Some(parent) = path.last() {
            children.entry(parent).or_default().insert(node);
        }
        children.entry(node).or_default();
        path.push(node);
    }
    let name = |node: &str| node.split(' ').next().unwrap_or_default().to_owned();
    let mut todo: Vec<&str> =
        children.keys().copied().filter(|n| ROOTS.contains(&name(n).as_str())).collect();
    let mut seen = BTreeSet::new();
    while let Some(node) = todo.pop() {
        if seen.insert(node) {
            todo.extend(children.get(node).into_iter().flatten());
        }
    }
    let mut features = Features::new();
    for node in seen {
        let (package, feats) = node.split_once('|').unwrap_or((node, ""));
        // `name vX.Y.Z`, without the path or proc-macro mark.
        let id: Vec<&str> = package.split(' ').take(2).collect();
        features.entry(id.join(" ")).or_default().insert(feats.to_owned());
    }
    features
}

#[cfg(test)]
mod tests {
    use super::*;

    const TREE: &str = "\
0logsift-host v0.1.0 (/w/host-test)|
1wasmtime v48.0.8|cranelift,std
2gimli v0.33.0|read
3hashbrown v0.16.1|default,inline-more
2wasmtime-internal-component-macro v48.0.8 (proc-macro)|
3indexmap v2.14.2|default,std
1clap v4.6.9|std
2indexmap v2.14.2|std
1wasmtime-wasi v48.0.8|p1
2wasmtime v48.0.8|cranelift,std (*)
";

    #[test]
    fn keeps_the_crates_under_wasmtime_with_every_feature_set() {
        let f = under_roots(TREE);
        let keys: Vec<&str> = f.keys().map(String::as_str).collect();
        assert_eq!(
            keys,
            [
                "gimli v0.33.0",
                "hashbrown v0.16.1",
                "indexmap v2.14.2",
                "wasmtime v48.0.8",
                "wasmtime-internal-component-macro v48.0.8",
                "wasmtime-wasi v48.0.8"
            ]
        );
        // clap's indexmap is not under wasmtime.
        assert_eq!(f["indexmap v2.14.2"], BTreeSet::from(["default,std".to_owned()]));
    }

    #[test]
    fn names_the_features_a_selection_adds() {
        let ours = BTreeSet::from(["".to_owned()]);
        let theirs = BTreeSet::from(["default,inline-more".to_owned()]);
        let said = describe(Some(&ours), Some(&theirs), "`--workspace`");
        assert!(said.contains("`--workspace` adds feature(s) `default`, `inline-more`"), "{said}");
    }
}
