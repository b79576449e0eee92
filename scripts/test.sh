#!/usr/bin/env bash
# Runs every test layer, even after a failure, and ends with one line
# "N passed, N failed" that counts the tests of all layers. A layer that fails
# without reporting a failed test (a build or lint error) counts as one failure.
# Exit status is non-zero when anything failed.
set -uo pipefail
cd "$(dirname "$0")/.."
export PATH="${CARGO_HOME:-$HOME/.cargo}/bin:$PATH"
LOGDIR=target/test-logs
mkdir -p "$LOGDIR"
PASSED=0
FAILED=0

# count <log>: adds the passed/failed counts a runner printed.
count() {
  local log=$1 p=0 f=0
  # cargo test and wasm-bindgen-test-runner: "test result: ok. 12 passed; 0 failed; ..."
  while read -r a b; do p=$((p + a)); f=$((f + b)); done < <(
    sed -nE 's/^test result: [A-Za-z]+\. ([0-9]+) passed; ([0-9]+) failed.*/\1 \2/p' "$log")
  # node --test (tap reporter): "# pass N" / "# fail N"
  while read -r a; do p=$((p + a)); done < <(sed -nE 's/^# pass ([0-9]+)$/\1/p' "$log")
  while read -r a; do f=$((f + a)); done < <(sed -nE 's/^# fail ([0-9]+)$/\1/p' "$log")
  echo "$p $f"
}

LAYER_TIMEOUT=${LAYER_TIMEOUT:-900}

# layer <name> <command...>: runs one layer, logs it, adds its counts.
layer() {
  local name=$1; shift
  local log="$LOGDIR/${name// /-}.log" start=$SECONDS
  # A hung layer must fail, not eat CI's time budget.
  timeout --kill-after=10 "$LAYER_TIMEOUT" "$@" > "$log" 2>&1
  local rc=$?
  [ "$rc" -eq 124 ] && echo "layer timed out after ${LAYER_TIMEOUT}s" >> "$log"
  read -r p f < <(count "$log")
  if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then f=1; fi
  PASSED=$((PASSED + p)); FAILED=$((FAILED + f))
  local verdict=ok; [ "$rc" -ne 0 ] && verdict=FAILED
  printf '%-28s %-6s %4d passed, %d failed  (%ds)  log: %s\n' "$name" "$verdict" "$p" "$f" $((SECONDS - start)) "$log"
  if [ "$rc" -ne 0 ]; then tail -n 40 "$log" | sed 's/^/    | /'; fi
}

# check <name> <command...>: a pass/fail check that counts as one test.
check() {
  local name=$1; shift
  local log="$LOGDIR/${name// /-}.log"
  if "$@" > "$log" 2>&1; then
    PASSED=$((PASSED + 1)); printf '%-28s ok\n' "$name"
  else
    FAILED=$((FAILED + 1)); printf '%-28s FAILED  log: %s\n' "$name" "$log"; tail -n 40 "$log" | sed 's/^/    | /'
  fi
}

check "setup: 30 warm runs install nothing" bash scripts/setup-warm-check.sh
check "lint: rustfmt"            cargo fmt --check -- --color never
check "lint: clippy native"      cargo clippy --all-targets --quiet -- -D warnings
check "lint: clippy wasm32"      cargo clippy --lib --tests --target wasm32-unknown-unknown --quiet -- -D warnings
check "lint: clippy wasm32 bridge-only" cargo clippy --lib --target wasm32-unknown-unknown --no-default-features --quiet -- -D warnings
layer "rust: native"             cargo test --tests --no-fail-fast
check "build: release wasm"      bash scripts/build.sh
layer "wasm: node"               wasm-pack test --mode no-install --node
layer "wasm: chrome"             wasm-pack test --mode no-install --headless --chrome --chromedriver /usr/bin/chromedriver
layer "wasm: firefox"            wasm-pack test --mode no-install --headless --firefox
# A test file that fails must not hang its layer: --test-force-exit ends a
# file whose tests are done even if a failing one left a timer or socket
# open (CI once waited out the layer's 900 s on such an interval), and
# --test-timeout (per test and per file) fails a stuck file by name. Each
# layer takes 20-80 s whole on a warm machine; 400 s leaves room for a slow one.
NODE_TEST=(node --test --test-reporter=tap --test-force-exit --test-timeout=400000)
layer "js: packed package"       "${NODE_TEST[@]}" tests/js/
layer "js: runtimes and bundlers" "${NODE_TEST[@]}" --test-concurrency=2 tests/packaging/
layer "js: sidecar"              "${NODE_TEST[@]}" --test-concurrency=1 tests/sidecar/
layer "browser: pages"           "${NODE_TEST[@]}" --test-concurrency=1 tests/e2e/
check "bench: wasm bridge = JS baseline, byte for byte" node bench/baseline-check.mjs
check "fuzz: smoke (8 targets x 10 s)" bash scripts/fuzz.sh 10

echo
echo "$PASSED passed, $FAILED failed"
[ "$FAILED" -eq 0 ]
