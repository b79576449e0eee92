#!/usr/bin/env bash
# Release build: two cargo builds for wasm32 (the full package and the
# bridge-only `workflow-telemetry/bridge`), each with two wasm-bindgen glue
# targets (nodejs: CommonJS, loads the wasm synchronously; web: ESM with async
# init) and one wasm-opt pass (npm binaryen; never Debian's, see toolchain.md P4).
# Built for speed (opt-level 3, wasm-opt -O3; see the README's Performance
# section). The smaller, about half as fast build:
#   CARGO_PROFILE_RELEASE_OPT_LEVEL=z WASM_OPT=-Oz make build
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="${CARGO_HOME:-$HOME/.cargo}/bin:$PATH"
NAME=workflow_telemetry
WASM=target/wasm32-unknown-unknown/release/$NAME.wasm

# Dependencies at opt-level "z": the hot paths are this crate's own code and
# the std generics instantiated in it, so the rest of serde_json, regex-lite,
# uuid and friends can be small: -9 KB gzipped, no change in observeNdjson
# measured (A/B in one Node process). Native benches keep them at 3.
DEPS="profile.release.package.\"*\".opt-level=\"${DEPS_OPT_LEVEL:-z}\""
OPT=tools/node_modules/.bin/wasm-opt
rm -rf pkg/dist

# glue <wasm> <name>: nodejs and web glue for one wasm, named <name>.js and
# <name>_bg.wasm, the wasm optimised once (it is identical for both targets).
glue() {
  local wasm=$1 name=$2 tmp
  tmp=$(mktemp -d)
  cp "$wasm" "$tmp/$name.wasm"
  wasm-bindgen --target nodejs --out-dir pkg/dist/node "$tmp/$name.wasm"
  wasm-bindgen --target web --out-dir pkg/dist/web "$tmp/$name.wasm"
  rm -rf "$tmp"
  "$OPT" ${WASM_OPT:--O3} --strip-debug --strip-producers \
    "pkg/dist/web/${name}_bg.wasm" -o "pkg/dist/web/${name}_bg.wasm"
  # One copy of the wasm in the package (issue 18: the node and web copies
  # were byte-identical, 0.9 MB unpacked twice): the nodejs glue reads the web
  # one. Its loading line is rewritten, and the build fails if wasm-bindgen
  # ever writes it differently.
  rm "pkg/dist/node/${name}_bg.wasm"
  local line="const wasmPath = \`\${__dirname}/${name}_bg.wasm\`;"
  [ "$(grep -cF "$line" "pkg/dist/node/$name.js")" = 1 ] \
    || { echo "[build] unexpected nodejs glue: no '$line' in pkg/dist/node/$name.js" >&2; exit 1; }
  sed -i "s|\${__dirname}/${name}_bg.wasm|\${__dirname}/../web/${name}_bg.wasm|" "pkg/dist/node/$name.js"
  local raw gz
  raw=$(wc -c < "pkg/dist/web/${name}_bg.wasm"); gz=$(gzip -9 -c "pkg/dist/web/${name}_bg.wasm" | wc -c)
  echo "[build] ${name}_bg.wasm: ${raw} bytes raw, ${gz} bytes gzip -9"
}

# The bridge-only build (`workflow-telemetry/bridge`): no `run-model` feature,
# so link-time optimisation drops the run model, dialects and exporters. Its
# own target directory: sharing one, each build would undo the other's
# fingerprint and every `make build` would compile the crate twice.
cargo build --lib --release --target wasm32-unknown-unknown --quiet --config "$DEPS" \
  --no-default-features --target-dir target/bridge
glue "target/bridge/wasm32-unknown-unknown/release/$NAME.wasm" ${NAME}_bridge
# The full build (`workflow-telemetry`).
cargo build --lib --release --target wasm32-unknown-unknown --quiet --config "$DEPS"
glue "$WASM" $NAME
# The nodejs glue is CommonJS inside a "type": "module" package, and so are
# the snippets it requires.
echo '{ "type": "commonjs" }' > pkg/dist/node/package.json
node scripts/cjs-snippets.mjs
# The entry files, from the names the two wasm builds export, and the inline
# entries' base64 payloads.
node scripts/entries.mjs
# npm shows the README; the MIT text travels with the code (generated, not committed).
cp README.md LICENSE pkg/
# The viewer serves the browser entry from www/pkg (a copy, not committed).
rm -rf www/pkg
mkdir -p www/pkg/dist/web && cp pkg/browser.js pkg/loader.js pkg/package.json www/pkg/
cp -r pkg/dist/web/$NAME.js pkg/dist/web/${NAME}_bg.wasm pkg/dist/web/snippets www/pkg/dist/web/
# The package ships the viewer for `workflow-telemetry serve` (generated, not committed).
rm -rf pkg/viewer && mkdir -p pkg/viewer
cp -r www/index.html www/style.css www/js pkg/viewer/
