#!/usr/bin/env bash
# Runs every test: the Rust core, the WebAssembly boundary, the Node-RED nodes, the packed
# tarball in a clean Node-RED, and the dashboard in a real browser. Installs what it needs.
set -euo pipefail
cd "$(dirname "$0")/.."

step() { printf '\n== %s\n' "$*"; }

# What the checkout holds before the tests: they must leave it as it was (their files go to
# temporary or git-ignored directories), so a run never leaves state in the repository.
checkout_state() { git status --porcelain --untracked-files=all 2>/dev/null || true; }
before=$(checkout_state)

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
node bench/scale.js --smoke

step "the dashboard in Chromium (screenshots in test-results/screenshots)"
$MOCHA 'tests/browser/**/*_spec.js'

step "the tests left the checkout as it was, and wrote no secret into it"
# A secret (the IP hash's salt) belongs to one user directory: the start command's is in
# .run/ (git-ignored), the tests' in temporary directories. One anywhere else in the
# checkout would be shared by every copy of it.
secrets=$(find . \( -path ./node_modules -o -path ./.run -o -path ./target \) -prune -o -name '.ping-ip-salt' -print)
if [ -n "$secrets" ]; then
  echo "a secret is in the checkout: $secrets" >&2
  exit 1
fi
after=$(checkout_state)
if [ "$before" != "$after" ]; then
  echo "the tests changed files in the repository:" >&2
  diff <(echo "$before") <(echo "$after") >&2 || true
  exit 1
fi

step "all tests passed"
