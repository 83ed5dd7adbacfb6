#!/usr/bin/env bash
# Runs every test: the Rust core, the WebAssembly boundary, the Node-RED nodes, the packed
# tarball in a clean Node-RED, and the dashboard in a real browser. Installs what it needs.
set -euo pipefail
cd "$(dirname "$0")/.."

step() { printf '\n== %s\n' "$*"; }

step "setup"
bash scripts/setup.sh

step "cargo test (the Rust core)"
cargo test --quiet

step "build the WebAssembly core"
bash scripts/build.sh

MOCHA="node node_modules/mocha/bin/mocha.js --exit --timeout 120000"

step "the WebAssembly boundary and the packed package"
$MOCHA 'tests/js/**/*_spec.js'

step "the Node-RED nodes (node-red-node-test-helper)"
$MOCHA 'node-red-node/test/**/*_spec.js'

step "benchmark smoke run (core and baseline agree; times not judged)"
node --expose-gc bench/run.js --smoke
node bench/steady.js --smoke
node bench/postgres.js --smoke

step "the dashboard in Chromium (screenshots in test-results/screenshots)"
$MOCHA 'tests/browser/**/*_spec.js'

step "all tests passed"
