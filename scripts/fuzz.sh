#!/usr/bin/env bash
# Runs libFuzzer targets (fuzz/) and prints the executions each ran.
#   scripts/fuzz.sh SECONDS [TARGET...]    each target for SECONDS (`make fuzz`:
#                                          60 s; the smoke in `make test`: 10 s)
#   FUZZ_RUNS=N scripts/fuzz.sh 0 [TARGET...]
#                                          each target for N executions (the
#                                          campaign: scripts/fuzz-campaign.sh)
# Seeds come from fuzz/seeds, the growing corpus lives in fuzz/corpus (not
# committed). A crash stops the run with the input's path: copy it into
# fuzz/regressions/<target>/ so that tests/fuzz_regressions.rs replays it on
# stable from then on.
#
# Built without a sanitizer (`-s none`): the core's one `unsafe` block is a
# `from_utf8_unchecked` that AddressSanitizer cannot judge, and ASan cost
# 6.5x the executions (run_model on one corpus, 15 s each: 653/s with it,
# 4,260/s without). Debug assertions and overflow checks are on (`-a`:
# cargo-fuzz's `-O` alone turns them off; with and without, dialect_swamp
# ran 1,766-2,016/s and 1,592-1,991/s, alternating 12 s runs: no clear cost).
# The dialect targets build choices into events themselves, so libFuzzer's
# comparison tracing (which finds the vocabulary in raw-bytes targets) buys
# them nothing and cost half their speed (1,052/s with it, 2,046/s without,
# dialect_swamp at 1 KiB inputs); they are built apart, in target/fast.
set -euo pipefail
cd "$(dirname "$0")/../fuzz"
export PATH="${CARGO_HOME:-$HOME/.cargo}/bin:$PATH"
seconds=${1:-60}
shift || true
targets=("$@")
ALL=(bridge_ndjson run_model entry_decode timestamps
  dialect_swamp dialect_orchestrator dialect_tasker dialect_github_actions)
[ ${#targets[@]} -gt 0 ] || targets=("${ALL[@]}")

flags() { # the build flags of target $1
  case "$1" in
    dialect_*) echo "-O -a -s none --no-trace-compares --target-dir target/fast" ;;
    *) echo "-O -a -s none" ;;
  esac
}
# Inputs longer than this are not tried: a dialect scenario of 512 bytes is
# about 40 events in up to 8 batches, enough for any lifecycle; raw NDJSON
# needs room for a few lines of real events.
max_len() {
  case "$1" in
    dialect_*) echo 512 ;;
    *) echo 8192 ;;
  esac
}

build() {
  # shellcheck disable=SC2046
  cargo +nightly fuzz build $(flags "$1") "$1" >/dev/null 2>&1 \
    || cargo +nightly fuzz build $(flags "$1") "$1"
}

for t in "${targets[@]}"; do
  build "$t"
  mkdir -p "corpus/$t"
  # One log per process: the campaign's two lanes may run one target at once.
  log="target/fuzz-$t.$$.log"
  if [ -n "${FUZZ_RUNS:-}" ]; then limit=(-runs="$FUZZ_RUNS"); else limit=(-max_total_time="$seconds"); fi
  start=$SECONDS
  # shellcheck disable=SC2046
  if ! cargo +nightly fuzz run $(flags "$t") "$t" "corpus/$t" "seeds/$t" -- \
      "${limit[@]}" -max_len="$(max_len "$t")" -rss_limit_mb=2048 -print_final_stats=1 > "$log" 2>&1; then
    tail -n 30 "$log"
    echo "fuzz $t: FAILED (the crashing input is under fuzz/artifacts/$t/)"
    exit 1
  fi
  took=$((SECONDS - start))
  runs=$(sed -nE 's/^stat::number_of_executed_units: *([0-9]+)/\1/p' "$log" | tail -n1)
  rate=$(sed -nE 's/^stat::average_exec_per_sec: *([0-9]+)/\1/p' "$log" | tail -n1)
  corpus=$(find "corpus/$t" -type f | wc -l)
  rm -f "$log"
  echo "fuzz $t: ${runs:-?} executions in ${took}s (${rate:-?}/s), no crash (corpus ${corpus})"
done
