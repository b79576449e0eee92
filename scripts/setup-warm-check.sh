#!/usr/bin/env bash
# `make test`'s check that `make setup` on a warm machine installs and
# compiles nothing, every time: 30 runs of scripts/setup.sh (make test has
# just run it once), each of which must print only its closing "ok" line
# (every install or build it would start logs a line first) and exit 0.
# Issue 21: a version check piped into `head` made 1 warm run in about 10
# rebuild geckodriver.
set -uo pipefail
cd "$(dirname "$0")/.."
for i in $(seq 1 30); do
  start=$SECONDS
  out=$(bash scripts/setup.sh 2>&1)
  rc=$?
  if [ "$rc" -ne 0 ] || [ "$(printf '%s\n' "$out" | wc -l)" -ne 1 ] || [[ "$out" != "[setup] ok: "* ]]; then
    printf 'warm run %d of 30 (exit %d, %ds) did more than check:\n%s\n' "$i" "$rc" $((SECONDS - start)) "$out"
    exit 1
  fi
done
echo "30 warm runs of scripts/setup.sh: each printed only its ok line"
