#!/usr/bin/env bash
# Release build: one cargo build for wasm32, two wasm-bindgen glue targets
# (nodejs: CommonJS, loads the wasm synchronously; web: ESM with async init),
# one wasm-opt pass (npm binaryen; never Debian's, see toolchain.md P4).
# Built for speed (opt-level 3, wasm-opt -O3; see the README's Performance
# section). The smaller, about half as fast build:
#   CARGO_PROFILE_RELEASE_OPT_LEVEL=z WASM_OPT=-Oz make build
# The .wasm is identical for both targets, so it is optimised once and copied.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="${CARGO_HOME:-$HOME/.cargo}/bin:$PATH"
NAME=workflow_telemetry
WASM=target/wasm32-unknown-unknown/release/$NAME.wasm

# Dependencies at opt-level "z": the hot paths are this crate's own code and
# the std generics instantiated in it, so the rest of serde_json, regex-lite,
# uuid and friends can be small: -9 KB gzipped, no change in observeNdjson
# measured (A/B in one Node process). Native benches keep them at 3.
cargo build --lib --release --target wasm32-unknown-unknown --quiet \
  --config "profile.release.package.\"*\".opt-level=\"${DEPS_OPT_LEVEL:-z}\""
rm -rf pkg/dist
wasm-bindgen --target nodejs --out-dir pkg/dist/node "$WASM"
wasm-bindgen --target web --out-dir pkg/dist/web "$WASM"
# The nodejs glue is CommonJS inside a "type": "module" package.
echo '{ "type": "commonjs" }' > pkg/dist/node/package.json
tools/node_modules/.bin/wasm-opt ${WASM_OPT:--O3} --strip-debug --strip-producers \
  pkg/dist/web/${NAME}_bg.wasm -o pkg/dist/web/${NAME}_bg.wasm
cp pkg/dist/web/${NAME}_bg.wasm pkg/dist/node/${NAME}_bg.wasm
# The viewer serves the browser entry from www/pkg (a copy, not committed).
rm -rf www/pkg && mkdir -p www/pkg/dist
cp pkg/browser.js pkg/package.json www/pkg/ && cp -r pkg/dist/web www/pkg/dist/web
# The package ships the viewer for `workflow-telemetry serve` (generated, not committed).
rm -rf pkg/viewer && mkdir -p pkg/viewer
cp -r www/index.html www/style.css www/js pkg/viewer/
raw=$(wc -c < pkg/dist/web/${NAME}_bg.wasm); gz=$(gzip -9 -c pkg/dist/web/${NAME}_bg.wasm | wc -c)
echo "[build] ${NAME}_bg.wasm: ${raw} bytes raw, ${gz} bytes gzip -9"
