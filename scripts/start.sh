#!/usr/bin/env bash
# Starts the Product Metrics Dashboard on http://127.0.0.1:1880/dashboard (PORT and HOST
# change that). Installs and builds what it needs first; state is kept in .run/userdir.
# With DATABASE_URL=postgres://… set, pings and snapshots are read from and written to that
# PostgreSQL database (FlowFuse's collector table `pings`, and `meta_snapshots`).
set -euo pipefail
cd "$(dirname "$0")/.."

SKIP_BROWSER=1 bash scripts/setup.sh
bash scripts/build.sh
# Flows are deployed into a new user directory only: edits made in the editor survive a
# restart. `npm start -- --reset-flows` deploys the application's flows again (with a backup).
node scripts/userdir.js .run/userdir "$@"
if [ -n "${DATABASE_URL:-}" ]; then
  # The database is the team's: its pings and snapshots are shown, no demo data goes into it.
  echo "[start] DATABASE_URL is set: pings and snapshots come from PostgreSQL"
else
  node scripts/demo-data.js .run/userdir
fi
echo "[start] Product Metrics Dashboard: http://${HOST:-127.0.0.1}:${PORT:-1880}/dashboard (editor at /)"
exec node node_modules/node-red/red.js --userDir .run/userdir --settings .run/userdir/settings.js
