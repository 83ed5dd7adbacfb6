#!/usr/bin/env bash
# Builds the Rust core to WebAssembly twice: pkg/ with the demo-data generators (the tests,
# the start command and the benchmark use them), and the .wasm the Node-RED package ships,
# without them (node-red-node/core/, which is what `npm pack` there ships).
set -euo pipefail
cd "$(dirname "$0")/.."

# wasm-pack's own wasm-opt download is not possible here and Debian's binaryen is too old
# for wasm-bindgen's reference types; the binaryen npm package (pinned) is current. It makes
# the module smaller and a little faster (BENCHMARKS.md).
WASM_OPT=node_modules/.bin/wasm-opt

build () { # out-dir, then cargo arguments
  local out=$1; shift
  local log; log=$(mktemp)
  if ! wasm-pack build --target nodejs --release --no-pack --out-dir "$out" -- "$@" >"$log" 2>&1; then
    cat "$log" >&2
    exit 1
  fi
  rm -f "$log" "$out/.gitignore"
  if [ -x "$WASM_OPT" ]; then
    "$WASM_OPT" -O3 --strip-debug --strip-producers \
      --enable-bulk-memory --enable-nontrapping-float-to-int --enable-sign-ext --enable-simd \
      --enable-mutable-globals --enable-reference-types --enable-multivalue \
      "$out/product_growth_bg.wasm" -o "$out/product_growth_bg.wasm"
  fi
}

build pkg --features demo
# wasm-pack --no-pack skips package.json; pkg/ stays require()-able through its own.
cat > pkg/package.json <<JSON
{ "name": "product-growth-core", "private": true, "main": "product_growth.js", "types": "product_growth.d.ts" }
JSON

build target/wasm-package
mkdir -p node-red-node/core
cp target/wasm-package/product_growth.js target/wasm-package/product_growth_bg.wasm target/wasm-package/product_growth.d.ts node-red-node/core/
# The JavaScript the core imports (src/telemetry/sources/objects.js), which wasm-bindgen
# copies under a folder named by a hash of the crate: the old one goes.
rm -rf node-red-node/core/snippets
cp -r target/wasm-package/snippets node-red-node/core/
