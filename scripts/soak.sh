#!/usr/bin/env bash
# `make soak` (not in `make test`): the property tests at SOAK_CASES cases each
# (default 10,000; `make test` runs 64), then the sidecar soak
# (scripts/soak-sidecar.mjs: SOAK_SECONDS of kill -9 and a flapping endpoint).
set -euo pipefail
cd "$(dirname "$0")/.."
cases=${SOAK_CASES:-10000}
start=$SECONDS
log=target/soak-properties.log
mkdir -p target
status=0
PROPTEST_CASES=$cases cargo test --release --test properties --test stream_properties >"$log" 2>&1 || status=1
grep -E '^test |^test result|panicked|minimal failing' "$log" || true
echo "soak: property tests at $cases cases each: $([ "$status" = 0 ] && echo passed || echo FAILED) in $((SECONDS - start)) s"
[ "$status" = 0 ] || exit 1
node scripts/soak-sidecar.mjs
