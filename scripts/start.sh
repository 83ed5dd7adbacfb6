#!/usr/bin/env bash
# Starts the Product Metrics Dashboard on http://127.0.0.1:1880/dashboard (PORT and HOST
# change that). Installs and builds what it needs first; state is kept in .run/userdir.
set -euo pipefail
cd "$(dirname "$0")/.."

SKIP_BROWSER=1 bash scripts/setup.sh
bash scripts/build.sh
# Flows are deployed into a new user directory only: edits made in the editor survive a
# restart. `npm start -- --reset-flows` deploys the application's flows again (with a backup).
node scripts/userdir.js .run/userdir "$@"
node scripts/demo-data.js .run/userdir
echo "[start] Product Metrics Dashboard: http://${HOST:-127.0.0.1}:${PORT:-1880}/dashboard (editor at /)"
exec node node_modules/node-red/red.js --userDir .run/userdir --settings .run/userdir/settings.js
