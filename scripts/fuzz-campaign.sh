#!/usr/bin/env bash
# The long fuzzing campaign (not in `make test`): every target, or those
# named, to FUZZ_RUNS executions (default 10,000,000), FUZZ_LANES at a time
# (default 2, the build machines' cores), each line of the outcome appended to
# fuzz/campaign.log (committed) with the commit it ran on. The corpus grows in
# fuzz/corpus; a crash stops its lane (scripts/fuzz.sh says where the input is).
# Usage: scripts/fuzz-campaign.sh [TARGET...]
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${FUZZ_RUNS:-10000000}
lanes=${FUZZ_LANES:-2}
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(entry_decode timestamps dialect_swamp dialect_orchestrator
  dialect_tasker dialect_github_actions run_model bridge_ndjson)
commit=$(git rev-parse --short HEAD)
echo "campaign $(date -u +%FT%TZ) at $commit: ${#targets[@]} targets to $runs executions, $lanes lanes" \
  | tee -a fuzz/campaign.log
printf '%s\n' "${targets[@]}" \
  | xargs -P "$lanes" -I{} env FUZZ_RUNS="$runs" bash scripts/fuzz.sh 0 {} \
  | while IFS= read -r line; do echo "$(date -u +%FT%TZ) $commit $line" | tee -a fuzz/campaign.log; done
