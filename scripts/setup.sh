#!/usr/bin/env bash
# Idempotent install of everything the project needs on a fresh build machine
# (Debian 12, Rust toolchain preinstalled, registries only). Follows
# ../shared/reference/toolchain.md: tools are built from the crate registry,
# browsers come from apt, wasm-opt and playwright-core from npm.
# Every step is skipped when its version check already passes.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="${CARGO_HOME:-$HOME/.cargo}/bin:$PATH"

# wasm-bindgen CLI must equal the crate's pinned wasm-bindgen (toolchain.md P6).
WB_VER="${WASM_BINDGEN_VERSION:-$(awk '/^name = "wasm-bindgen"$/{getline; gsub(/"/,"",$3); print $3; exit}' Cargo.lock 2>/dev/null || true)}"
WB_VER="${WB_VER:-0.2.130}"
WASM_PACK_VER="${WASM_PACK_VERSION:-0.15.1}"
GECKODRIVER_VER="${GECKODRIVER_VERSION:-0.37.1}"

log() { printf '[setup] %s\n' "$*"; }
# Checks capture a tool's whole output before looking at it: never a pipe
# into `head` or `grep -q`, which stop reading early, so that under pipefail
# the tool could die of SIGPIPE and fail the check at random (geckodriver,
# which prints several lines, did in about 1 run in 10 and was rebuilt).
# `out_has REGEX CMD...`: whether CMD succeeds and its output, between
# newlines, matches REGEX.
out_has() {
  local out
  out=$("${@:2}" 2>/dev/null) || return 1
  [[ $'\n'"$out"$'\n' =~ $1 ]]
}
# `has_ver TOOL VERSION`: TOOL's `--version` names VERSION on its first line.
has_ver() {
  command -v "$1" >/dev/null 2>&1 || return 1
  local out
  out=$("$1" --version 2>/dev/null) || return 1
  [[ "${out%%$'\n'*}" =~ (^|\ )"$2"([^0-9.]|$) ]]
}

out_has $'\nwasm32-unknown-unknown\n' rustup target list --installed || rustup target add wasm32-unknown-unknown
out_has $'\nclippy' rustup component list --installed || rustup component add clippy rustfmt || true

pkgs=()
command -v chromium >/dev/null 2>&1 || pkgs+=(chromium)
command -v chromedriver >/dev/null 2>&1 || pkgs+=(chromium-driver)
command -v firefox-esr >/dev/null 2>&1 || pkgs+=(firefox-esr)
command -v python3 >/dev/null 2>&1 || pkgs+=(python3)
# promtool and a real Prometheus server for the exposition tests.
command -v promtool >/dev/null 2>&1 || pkgs+=(prometheus)
# Never install Debian's binaryen: its wasm-opt 108 corrupts wasm-bindgen output (toolchain.md P4).
if [ ${#pkgs[@]} -gt 0 ]; then
  log "apt: ${pkgs[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${pkgs[@]}"
fi

if ! has_ver wasm-bindgen "$WB_VER"; then
  log "cargo install wasm-bindgen-cli $WB_VER"
  cargo install wasm-bindgen-cli --version "$WB_VER" --locked --force \
    || cargo install wasm-bindgen-cli --version "$WB_VER" --force   # P2: registry lags the lockfile
fi
if ! has_ver wasm-pack "$WASM_PACK_VER"; then
  log "cargo install wasm-pack $WASM_PACK_VER"
  cargo install wasm-pack --version "$WASM_PACK_VER" --locked --force \
    || cargo install wasm-pack --version "$WASM_PACK_VER" --force
fi
if ! has_ver geckodriver "$GECKODRIVER_VER"; then
  log "cargo install geckodriver $GECKODRIVER_VER"
  cargo install geckodriver --version "$GECKODRIVER_VER" --locked --force \
    || cargo install geckodriver --version "$GECKODRIVER_VER" --force
fi

# Fuzzing only: a minimal nightly toolchain and cargo-fuzz (libFuzzer needs
# nightly's sanitizer flags). The package itself builds on stable.
CARGO_FUZZ_VER="${CARGO_FUZZ_VERSION:-0.13.2}"
out_has $'\nnightly' rustup toolchain list || { log "rustup nightly (fuzzing)"; rustup toolchain install nightly --profile minimal; }
if ! out_has " $CARGO_FUZZ_VER([^0-9.]|\$)" cargo fuzz --version; then
  log "cargo install cargo-fuzz $CARGO_FUZZ_VER"
  cargo install cargo-fuzz --version "$CARGO_FUZZ_VER" --locked --force \
    || cargo install cargo-fuzz --version "$CARGO_FUZZ_VER" --force
fi

# npm tools pinned by tools/package-lock.json: wasm-opt (binaryen), playwright-core,
# typescript, and the runtimes and bundlers the package is tested under
# (Deno and Bun ship as npm packages; Vite, webpack, esbuild, Rollup, attw, publint).
if [ -f tools/package-lock.json ]; then
  if [ ! -x tools/node_modules/.bin/wasm-opt ] || [ ! -d tools/node_modules/playwright-core ] \
     || [ ! -x tools/node_modules/.bin/deno ] || [ ! -x tools/node_modules/.bin/bun ] \
     || ! cmp -s tools/package-lock.json tools/node_modules/.lock-stamp 2>/dev/null; then
    log "npm ci (tools)"
    npm ci --prefix tools --no-audit --no-fund --loglevel=error
    cp tools/package-lock.json tools/node_modules/.lock-stamp
  fi
fi
# Python test oracles (OTLP protobuf definitions, Prometheus parsers) in a venv.
if [ -f tools/requirements.txt ]; then
  if [ ! -x tools/venv/bin/python ] || ! cmp -s tools/requirements.txt tools/venv/.requirements-stamp 2>/dev/null; then
    log "pip install (tools/venv)"
    python3 -m venv tools/venv
    tools/venv/bin/pip install --quiet --disable-pip-version-check -r tools/requirements.txt
    cp tools/requirements.txt tools/venv/.requirements-stamp
  fi
fi
log "ok: wasm-bindgen $WB_VER, wasm-pack $WASM_PACK_VER, geckodriver $GECKODRIVER_VER, cargo-fuzz $CARGO_FUZZ_VER"
