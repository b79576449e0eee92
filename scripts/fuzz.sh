#!/usr/bin/env bash
# Runs every libFuzzer target (fuzz/) for SECONDS each: `make fuzz` (default
# 60 s) and the smoke in `make test` (10 s). Seeds come from fuzz/seeds, the
# growing corpus lives in fuzz/corpus (not committed). A crash stops the run
# with the input's path: copy it into fuzz/regressions/<target>/ so that
# tests/fuzz_regressions.rs replays it on stable from then on.
# Usage: scripts/fuzz.sh SECONDS [TARGET...]
set -euo pipefail
cd "$(dirname "$0")/../fuzz"
export PATH="${CARGO_HOME:-$HOME/.cargo}/bin:$PATH"
seconds=${1:-60}
shift || true
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(bridge_ndjson run_model entry_decode timestamps)

cargo +nightly fuzz build -O >/dev/null 2>&1 || cargo +nightly fuzz build -O
for t in "${targets[@]}"; do
  mkdir -p "corpus/$t"
  log="target/fuzz-$t.log"
  if ! cargo +nightly fuzz run -O "$t" "corpus/$t" "seeds/$t" -- \
      -max_total_time="$seconds" -max_len=8192 -rss_limit_mb=2048 -print_final_stats=1 > "$log" 2>&1; then
    tail -n 30 "$log"
    echo "fuzz $t: FAILED (the crashing input is under fuzz/artifacts/$t/)"
    exit 1
  fi
  runs=$(sed -nE 's/^stat::number_of_executed_units: *([0-9]+)/\1/p' "$log" | tail -n1)
  corpus=$(ls "corpus/$t" | wc -l)
  echo "fuzz $t: ${runs:-?} inputs in ${seconds}s, no crash (corpus ${corpus})"
done
