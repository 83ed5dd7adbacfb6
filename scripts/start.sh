#!/usr/bin/env bash
# Starts the Product Metrics Dashboard on http://127.0.0.1:1880/dashboard (PORT and HOST
# change that). Installs and builds what it needs first; state is kept in .run/userdir.
# With DATABASE_URL=postgres://… set, pings and snapshots are read from and written to that
# PostgreSQL database (FlowFuse's collector table `pings`, and `meta_snapshots`).
#
#   npm start [-- --no-demo] [-- --reset-flows]
#
# Demo data never meets a team's (scripts/store.js): with no real source the pages show a
# demo year from .run/userdir/demo; FLOWFUSE_URL, DATABASE_URL or --no-demo start on the
# team's store, .run/userdir/team, with no demo data in it.
set -euo pipefail
cd "$(dirname "$0")/.."

flows_args=()
store_args=()
for arg in "$@"; do
  case "$arg" in
    --reset-flows) flows_args+=("$arg") ;;
    --no-demo) store_args+=("$arg") ;;
    *) echo "[start] unknown option $arg; usage: npm start [-- --no-demo] [-- --reset-flows]" >&2; exit 2 ;;
  esac
done

SKIP_BROWSER=1 bash scripts/setup.sh
bash scripts/build.sh
# Flows are deployed into a new user directory only: edits made in the editor survive a
# restart. `npm start -- --reset-flows` deploys the application's flows again (with a backup).
node scripts/userdir.js .run/userdir ${flows_args[@]+"${flows_args[@]}"}
node scripts/store.js .run/userdir ${store_args[@]+"${store_args[@]}"}
if [ -n "${DATABASE_URL:-}" ]; then
  echo "[start] DATABASE_URL is set: pings and snapshots come from PostgreSQL"
fi
echo "[start] Product Metrics Dashboard: http://${HOST:-127.0.0.1}:${PORT:-1880}/dashboard (editor at /)"
exec node node_modules/node-red/red.js --userDir .run/userdir --settings .run/userdir/settings.js
