#!/usr/bin/env bash
# The long fuzzing campaign (not in `make test`): brings every target, or
# those named, to FUZZ_RUNS executions in all (default 10,000,000), counted
# from fuzz/campaign.log (committed), in chunks of FUZZ_CHUNK (default
# 500,000), each logged with the commit it ran on as it ends. Two lanes
# (the build machines' 2 cores) take chunks from one queue, the least-fuzzed
# target first, so every target advances, neither core idles while work is
# left (fixed halves were 100 and 330 minutes of work), and a campaign cut
# short (a machine stopped) loses at most a chunk per lane and goes on where
# it was at the next start, with the corpus grown so far (fuzz/corpus).
# A crash stops its lane: scripts/fuzz.sh says where the input is.
# Usage: scripts/fuzz-campaign.sh [TARGET...]
#        scripts/fuzz-campaign.sh --report    the log's totals as a Markdown table
set -euo pipefail
cd "$(dirname "$0")/.."
goal=${FUZZ_RUNS:-10000000}
chunk=${FUZZ_CHUNK:-500000}
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

claims=$(mktemp -d)
trap 'rm -rf "$claims"' EXIT

# The target a free lane takes next: of those short of the goal, the one with
# the fewest executions logged that the other lane is not running; when the
# other lane holds the last one, that one too (two processes on one target
# share its corpus directory, which libFuzzer allows), so neither core idles
# while work is left. Prints nothing when every target has reached the goal.
next_target() {
  local t d free='' freed='' busy='' busyd=''
  for t in "${targets[@]}"; do
    d=$(done_runs "$t")
    [ "$d" -lt "$goal" ] || continue
    if [ -n "$(ls -A "$claims/$t" 2>/dev/null)" ]; then
      if [ -z "$busy" ] || [ "$d" -lt "$busyd" ]; then busy=$t busyd=$d; fi
    elif [ -z "$free" ] || [ "$d" -lt "$freed" ]; then
      free=$t freed=$d
    fi
  done
  echo "${free:-$busy}"
}

lane() { # lane $1 takes chunks, one at a time, until every target reaches the goal
  local t n c
  while t=$(next_target) && [ -n "$t" ]; do
    mkdir -p "$claims/$t/$1"
    n=$((goal - $(done_runs "$t")))
    [ "$n" -le "$chunk" ] || n=$chunk
    c=$(commit)
    FUZZ_RUNS=$n bash scripts/fuzz.sh 0 "$t" \
      | while IFS= read -r line; do echo "$(date -u +%FT%TZ) $c $line" | tee -a "$log"; done
    local rc=${PIPESTATUS[0]}
    rmdir "$claims/$t/$1"
    [ "$rc" = 0 ] || return 1
  done
}

echo "campaign $(date -u +%FT%TZ) at $(commit): ${targets[*]} to $goal executions each"
lane 1 & a=$!
status=0
sleep 1 # the first lane claims its target first
lane 2 || status=1
wait "$a" || status=1
for t in "${targets[@]}"; do echo "campaign total $t: $(done_runs "$t") executions"; done
exit "$status"
