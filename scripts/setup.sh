#!/usr/bin/env bash
# Installs what the build and the tests need, skipping whatever is already present, so a
# repeat run takes seconds. Works on a fresh Debian machine with rustup's stable Rust and
# Node.js 20 (see README). Versions are pinned: wasm-bindgen-cli must match the
# wasm-bindgen crate pinned in Cargo.toml exactly.
set -euo pipefail
cd "$(dirname "$0")/.."

WASM_BINDGEN_VERSION=0.2.130
WASM_PACK_VERSION=0.13.1

log() { printf '[setup] %s\n' "$*"; }

# Debian packages, with one `apt-get update` however many are missing.
APT_UPDATED=""
apt_install() {
  local SUDO=""; [ "$(id -u)" = 0 ] || SUDO="sudo"
  if [ -z "$APT_UPDATED" ]; then $SUDO apt-get update -qq; APT_UPDATED=1; fi
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "$@" >/dev/null
}

if ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then
  log "adding the wasm32-unknown-unknown target"
  rustup target add wasm32-unknown-unknown
fi

if ! command -v wasm-pack >/dev/null || ! wasm-pack --version | grep -q " ${WASM_PACK_VERSION}\$"; then
  log "installing wasm-pack ${WASM_PACK_VERSION}"
  cargo install --locked "wasm-pack@${WASM_PACK_VERSION}"
fi

if ! command -v wasm-bindgen >/dev/null || ! wasm-bindgen --version | grep -q " ${WASM_BINDGEN_VERSION}\$"; then
  log "installing wasm-bindgen-cli ${WASM_BINDGEN_VERSION}"
  # Not --locked: its lockfile names a webpki-roots release the registry mirror may lack.
  cargo install "wasm-bindgen-cli@${WASM_BINDGEN_VERSION}"
fi

# Browser tests drive Debian's chromium; playwright cannot download its own here.
if [ "${SKIP_BROWSER:-}" != 1 ] && [ ! -x /usr/bin/chromium ]; then
  log "installing Debian's chromium"
  apt_install chromium
fi

# The PostgreSQL tests start their own throwaway server from Debian's binaries (initdb,
# pg_ctl); the package's own cluster is not used.
# Only the tests need it: `npm start` (SKIP_BROWSER=1) uses the embedded raw log.
if [ "${SKIP_BROWSER:-}" != 1 ] && ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then
  log "installing Debian's postgresql"
  apt_install postgresql
fi

if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  log "installing npm packages"
  if [ -f package-lock.json ]; then npm ci --no-audit --no-fund; else npm install --no-audit --no-fund; fi
fi
