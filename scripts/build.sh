#!/usr/bin/env bash
# Builds the Rust core to WebAssembly (pkg/) and copies it into the Node-RED package
# (node-red-node/core/), which is what `npm pack` there ships.
set -euo pipefail
cd "$(dirname "$0")/.."

log=$(mktemp)
if ! wasm-pack build --target nodejs --release --no-pack >"$log" 2>&1; then
  cat "$log" >&2
  exit 1
fi
rm -f "$log"

# wasm-pack's own wasm-opt download is not possible here and Debian's binaryen is too old
# for wasm-bindgen's reference types; the binaryen npm package (pinned) is current. It makes
# the module smaller and a little faster (BENCHMARKS.md).
WASM_OPT=node_modules/.bin/wasm-opt
if [ -x "$WASM_OPT" ]; then
  "$WASM_OPT" -O3 --strip-debug --strip-producers \
    --enable-bulk-memory --enable-nontrapping-float-to-int --enable-sign-ext --enable-simd \
    --enable-mutable-globals --enable-reference-types --enable-multivalue \
    pkg/product_growth_bg.wasm -o pkg/product_growth_bg.wasm
fi
# wasm-pack --no-pack skips package.json; pkg/ stays require()-able through its own.
cat > pkg/package.json <<JSON
{ "name": "product-growth-core", "private": true, "main": "product_growth.js", "types": "product_growth.d.ts" }
JSON

mkdir -p node-red-node/core
cp pkg/product_growth.js pkg/product_growth_bg.wasm pkg/product_growth.d.ts node-red-node/core/
