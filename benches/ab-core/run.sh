#!/usr/bin/env bash
# The engine at REV (A) against the working tree (B), measured together:
#
#   benches/ab-core/run.sh REV bench   # criterion, A and B in one run
#   benches/ab-core/run.sh REV ipb     # steady-state instructions per byte
#                                      # under callgrind: (Ir(9)-Ir(3))/(6*bytes)
#
# AB_SAMPLE=FILE picks the input (default: the structlog sample);
# CONFIGS="strict default" the presets for `ipb`.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
rev="${1:?usage: run.sh REV bench|ipb}"
what="${2:-bench}"
base="$root/target/ab-base"
rm -rf "$base" && mkdir -p "$base/core" "$base/observability"
git -C "$root" archive "$rev" plugins/core/src observability/logsift.example.json | tar -x -C "$base/tree" 2>/dev/null \
  || { mkdir -p "$base/tree" && git -C "$root" archive "$rev" plugins/core/src observability/logsift.example.json | tar -x -C "$base/tree"; }
cp -r "$base/tree/plugins/core/src" "$base/core/src"
cp "$base/tree/observability/logsift.example.json" "$base/observability/"
# The copy sits one level less deep than plugins/core.
sed -i 's#include_str!("../../../observability#include_str!("../../observability#' "$base/core/src/fuzzing.rs"
# A's manifest: the workspace's dependency versions, written out, with the
# regex engine's perf-inline that the core's default feature adds (B has it).
cat > "$base/core/Cargo.toml" <<TOML
[package]
name = "logsift-core-base"
version = "0.1.0"
edition = "2024"
[lib]
name = "base"
bench = false
[dependencies]
$(sed -n '/^\[dependencies\]/,/^\[/p' "$root/plugins/core/Cargo.toml" | grep 'workspace = true' | sed 's/\.workspace = true//; s/ //g' | while read -r dep; do
    grep -E "^$dep = " "$root/Cargo.toml"
  done | sed '/^regex-automata = /s/"perf-literal"/"perf-literal", "perf-inline"/')
TOML
cd "$here"
cp -n "$root/Cargo.lock" Cargo.lock 2>/dev/null || true
case "$what" in
  bench) cargo bench --bench ab -- --warm-up-time 2 --measurement-time 8 ;;
  ipb)
    cargo build --profile bench --example prof
    bin="$here/target/release/examples/prof"
    sample="${AB_SAMPLE:-$root/host-test/samples/structlog.ndjson}"
    bytes=$(python3 -c "import sys; print(sum(len(l) for l in open(sys.argv[1], 'rb').read().split(b'\n') if l))" "$sample")
    ir() { AB_SAMPLE="$sample" valgrind --tool=callgrind --callgrind-out-file=/dev/null "$bin" "$@" 2>&1 | grep -o 'refs: *[0-9,]*' | tr -dc 0-9; }
    for v in A B; do for c in ${CONFIGS:-strict default}; do
      i3=$(ir "$v" "$c" 3); i9=$(ir "$v" "$c" 9)
      python3 -c "print('$v $c', round(($i9 - $i3) / (6 * $bytes), 2), 'instructions/byte')"
    done; done ;;
  *) echo "run.sh REV bench|ipb" >&2; exit 2 ;;
esac
