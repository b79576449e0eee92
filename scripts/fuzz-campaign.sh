#!/usr/bin/env bash
# The long fuzzing campaign (not in `make test`): brings every target, or
# those named, to FUZZ_RUNS executions in all (default 10,000,000), counted
# from fuzz/campaign.log (committed), in chunks of FUZZ_CHUNK (default
# 1,000,000), each logged with the commit it ran on as it ends. Two lanes
# (the build machines' 2 cores), each taking its targets' chunks in turn, so
# every target advances and a campaign cut short (a machine stopped) goes on
# where it was at the next start, with the corpus grown so far (fuzz/corpus).
# A crash stops its lane: scripts/fuzz.sh says where the input is.
# Usage: scripts/fuzz-campaign.sh [TARGET...]
#        scripts/fuzz-campaign.sh --report    the log's totals as a Markdown table
set -euo pipefail
cd "$(dirname "$0")/.."
goal=${FUZZ_RUNS:-10000000}
chunk=${FUZZ_CHUNK:-1000000}
log=${FUZZ_LOG:-fuzz/campaign.log}
touch "$log"
if [ "${1:-}" = --report ]; then
  echo "| target | executions | chunks | fuzzing time | executions/s | crashes | commits |"
  echo "|---|---:|---:|---:|---:|---:|---|"
  awk '$3 == "fuzz" { t = substr($4, 1, length($4) - 1); seen[t] = 1 }
    $3 == "fuzz" && $5 == "FAILED" { x[t]++ }
    $3 == "fuzz" && $6 == "executions" {
      n[t] += $5; c[t]++; s[t] += substr($8, 1, length($8) - 1)
      if (index(" " k[t] " ", " " $2 " ") == 0) k[t] = k[t] (k[t] ? " " : "") $2
    }
    function group(v,   out) { v = sprintf("%.0f", v); while (length(v) > 3) { out = "," substr(v, length(v) - 2) out; v = substr(v, 1, length(v) - 3) } return v out }
    END { for (t in seen) printf "| `%s` | %s | %d | %d min | %s | %d | %s |\n", t, group(n[t]), c[t], s[t] / 60, group(n[t] / (s[t] ? s[t] : 1)), x[t], k[t] }' "$log" \
    | LC_ALL=C sort
  exit 0
fi
targets=("$@")
# Slowest first within each lane (measured executions per second, alone):
# dialect targets about 3,000/s, run_model 4,300/s, the rest far faster.
[ ${#targets[@]} -gt 0 ] || targets=(dialect_swamp dialect_orchestrator dialect_tasker
  dialect_github_actions run_model bridge_ndjson entry_decode timestamps)
# The commit a chunk's build came from (scripts/fuzz.sh builds before every
# chunk), marked +dirty when the fuzzed code differs from it.
commit() {
  local c
  c=$(git rev-parse --short HEAD)
  git diff --quiet HEAD -- src fuzz/fuzz_targets fuzz/Cargo.toml Cargo.toml || c="$c+dirty"
  echo "$c"
}

done_runs() { # executions logged for target $1
  awk -v t="$1:" '$3 == "fuzz" && $4 == t && $6 == "executions" { s += $5 } END { printf "%.0f\n", s }' "$log"
}

lane() { # runs the chunks of the targets given, in turn, until each reaches the goal
  local left=1 t n c
  while [ "$left" = 1 ]; do
    left=0
    for t in "$@"; do
      n=$((goal - $(done_runs "$t")))
      [ "$n" -gt 0 ] || continue
      left=1
      [ "$n" -le "$chunk" ] || n=$chunk
      c=$(commit)
      FUZZ_RUNS=$n bash scripts/fuzz.sh 0 "$t" \
        | while IFS= read -r line; do echo "$(date -u +%FT%TZ) $c $line" | tee -a "$log"; done
      [ "${PIPESTATUS[0]}" = 0 ] || return 1
    done
  done
}

even=() odd=()
for i in "${!targets[@]}"; do
  if [ $((i % 2)) = 0 ]; then even+=("${targets[$i]}"); else odd+=("${targets[$i]}"); fi
done
echo "campaign $(date -u +%FT%TZ) at $(commit): ${targets[*]} to $goal executions each"
lane "${even[@]}" & a=$!
status=0
if [ ${#odd[@]} -gt 0 ]; then lane "${odd[@]}" || status=1; fi
wait "$a" || status=1
for t in "${targets[@]}"; do echo "campaign total $t: $(done_runs "$t") executions"; done
exit "$status"
