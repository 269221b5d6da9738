#!/usr/bin/env bash
# Runs each cargo-fuzz target in fuzz/ for a bounded time (FUZZ_SECONDS, default 300) and
# prints libFuzzer's last status line (executions, coverage) per target. Stable toolchain:
# RUSTC_BOOTSTRAP lets cargo-fuzz pass its -Z flags, and `-s none` skips the sanitizer,
# which needs nightly's std. Crashes are kept in fuzz/artifacts/<target>/.
set -euo pipefail
cd "$(dirname "$0")/.."
command -v cargo-fuzz >/dev/null || cargo install cargo-fuzz --locked
export RUSTC_BOOTSTRAP=1
export CARGO_TARGET_DIR="${FUZZ_TARGET_DIR:-$HOME/.cache/zhiku-fuzz-target}"
secs="${FUZZ_SECONDS:-300}"
targets="${*:-import_rdf import_table claims}"
for t in $targets; do
  mkdir -p "fuzz/corpus/$t"
  echo "== $t (${secs}s)"
  cargo fuzz run "$t" -s none -- -max_total_time="$secs" -rss_limit_mb=4096 2>&1 | grep -E '^#[0-9]+.*(DONE|pulse)|^Done|SUMMARY|crash-|ERROR' | tail -3
done
