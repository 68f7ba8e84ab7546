#!/usr/bin/env bash
# `make dev`: set up, build, and run the worker locally under workerd with local D1, serving the demo app.
set -euo pipefail
cd "$(dirname "$0")/.."
port="${PORT:-8787}"

scripts/setup.sh
scripts/build.sh

export WRANGLER_SEND_METRICS=false
# A local admin token for the operator endpoints (`edgedesk report gaps`), made once and kept out of git.
if [ ! -f .dev.vars ]; then
  printf 'ADMIN_TOKEN=%s\n' "$(od -An -tx1 -N16 /dev/urandom | tr -d ' \n')" > .dev.vars
fi
# Local D1 state lives in .wrangler/state and survives restarts; migrations apply only what is new.
CI=1 npx wrangler d1 migrations apply DB --local
# A month of made-up activity, once, so the insights page (/admin/) shows something on first run.
seeded=.wrangler/state/edgedesk-demo-activity
if [ ! -f "$seeded" ]; then
  mkdir -p target
  target/debug/edgedesk demo-activity dist/kb > target/demo-activity.sql
  CI=1 npx wrangler d1 execute DB --local --file target/demo-activity.sql > /dev/null
  touch "$seeded"
fi

# Announce the URL once the worker answers, not merely once wrangler has started.
(
  for _ in $(seq 1 600); do
    if curl -fsS "http://127.0.0.1:${port}/api/health" >/dev/null 2>&1; then
      printf '\n\033[1medgedesk is running: http://127.0.0.1:%s/\033[0m  (the demo Acme app; the ? button is the widget)\n' "$port"
      printf 'Support insights: http://127.0.0.1:%s/admin/\n' "$port"
      printf 'Admin token for this machine (in .dev.vars): %s\n\n' "$(sed -n 's/^ADMIN_TOKEN=//p' .dev.vars)"
      exit 0
    fi
    sleep 0.2
  done
  echo "edgedesk did not answer on port ${port}; see wrangler's output above." >&2
) &

exec npx wrangler dev --ip 127.0.0.1 --port "$port"
