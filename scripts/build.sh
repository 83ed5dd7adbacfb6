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
# wasm-pack --no-pack skips package.json; pkg/ stays require()-able through its own.
cat > pkg/package.json <<JSON
{ "name": "product-growth-core", "private": true, "main": "product_growth.js", "types": "product_growth.d.ts" }
JSON

mkdir -p node-red-node/core
cp pkg/product_growth.js pkg/product_growth_bg.wasm pkg/product_growth.d.ts node-red-node/core/
