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
# A crash stops its lane and its target (scripts/fuzz.sh says where the
# input is); the other lane goes on with the other targets.
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

inflight() { # executions the chunks running now on target $1 will add
  cat "$claims/$1"/* 2>/dev/null | awk '{ s += $1 } END { printf "%.0f\n", s }'
}

left() { # executions target $1 still needs, beyond those logged and running
  echo $((goal - $(done_runs "$1") - $(inflight "$1")))
}

# The target a free lane takes next: of those with executions left, the one
# with the most left that the other lane is not running; failing that, the
# one it is running (two processes on one target share its corpus directory,
# which libFuzzer allows), so neither core idles while work is left. A target
# that crashed is not taken again by this campaign. Prints nothing when no
# work is left for this lane.
next_target() {
  local t n free='' freen=0 busy='' busyn=0
  for t in "${targets[@]}"; do
    [ ! -e "$claims/$t.crashed" ] || continue
    n=$(left "$t")
    if [ -n "$(ls -A "$claims/$t" 2>/dev/null)" ]; then
      [ "$n" -le "$busyn" ] || busy=$t busyn=$n
    else
      [ "$n" -le "$freen" ] || free=$t freen=$n
    fi
  done
  echo "${free:-$busy}"
}

lane() { # lane $1 takes chunks, one at a time, until no work is left for it
  local t n c rc
  while :; do
    # Choosing and claiming under one lock: two lanes free at once would
    # otherwise both take the same chunk.
    until mkdir "$claims/lock" 2>/dev/null; do sleep 0.2; done
    t=$(next_target)
    if [ -z "$t" ]; then
      rmdir "$claims/lock"
      return 0
    fi
    n=$(left "$t")
    [ "$n" -le "$chunk" ] || n=$chunk
    mkdir -p "$claims/$t"
    echo "$n" > "$claims/$t/$1"
    rmdir "$claims/lock"
    c=$(commit)
    rc=0
    FUZZ_RUNS=$n bash scripts/fuzz.sh 0 "$t" \
      | while IFS= read -r line; do echo "$(date -u +%FT%TZ) $c $line" | tee -a "$log"; done \
      || rc=$? # pipefail: fuzz.sh's status; `||` so that set -e cannot skip what follows
    rm -f "$claims/$t/$1"
    if [ "$rc" != 0 ]; then
      touch "$claims/$t.crashed"
      return 1
    fi
  done
}

echo "campaign $(date -u +%FT%TZ) at $(commit): ${targets[*]} to $goal executions each"
lane 1 & a=$!
status=0
lane 2 || status=1
wait "$a" || status=1
for t in "${targets[@]}"; do echo "campaign total $t: $(done_runs "$t") executions"; done
exit "$status"
