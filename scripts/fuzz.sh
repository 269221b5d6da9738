#!/usr/bin/env bash
# Runs each cargo-fuzz target in fuzz/ for a bounded time (FUZZ_SECONDS, default 300) and
# prints libFuzzer's final figures per target (executions, coverage, corpus, peak RSS).
# Stable toolchain: RUSTC_BOOTSTRAP lets cargo-fuzz pass its -Z flags, and `-s none` skips
# the sanitizer, which needs nightly's std; `-a` keeps debug assertions and overflow checks.
# Inputs grow in fuzz/corpus/<target>/ (not committed) from the seeds in fuzz/seeds/<target>/,
# with the tokens of fuzz/dicts/<target>.dict where there is one. One input running past
# 10 s counts as a hang. Crashes and hangs are kept in fuzz/artifacts/<target>/; the script
# goes on to the next target and exits 1 at the end when any target failed.
set -uo pipefail
cd "$(dirname "$0")/.."
command -v cargo-fuzz >/dev/null || cargo install cargo-fuzz --locked
export RUSTC_BOOTSTRAP=1
export CARGO_TARGET_DIR="${FUZZ_TARGET_DIR:-$HOME/.cache/zhiku-fuzz-target}"
secs="${FUZZ_SECONDS:-300}"
targets="${*:-import_rdf import_table claims sparql http}"
failed=""
for t in $targets; do
  mkdir -p "fuzz/corpus/$t"
  args=(-max_total_time="$secs" -timeout=10 -rss_limit_mb=4096 -print_final_stats=1)
  [ -f "fuzz/dicts/$t.dict" ] && args+=(-dict="fuzz/dicts/$t.dict")
  echo "== $t (${secs}s)"
  log="fuzz/corpus/$t.log"
  cargo fuzz run "$t" -s none -a "fuzz/corpus/$t" "fuzz/seeds/$t" -- "${args[@]}" >"$log" 2>&1
  status=$?
  grep -E 'DONE|^Done|stat::(number_of_executed_units|new_units_added|peak_rss_mb)|SUMMARY|panicked|deadly signal|Test unit written' "$log" | tail -8
  if [ "$status" -ne 0 ]; then
    echo "!! $t failed (exit $status); log: $log"
    failed="$failed $t"
  fi
done
if [ -n "$failed" ]; then
  echo "failed:$failed"
  exit 1
fi
