#!/usr/bin/env bash
# `make deploy`: build, check the configuration, apply the D1 migrations and deploy to Cloudflare.
# `make deploy DRY_RUN=1` (or `scripts/deploy.sh --dry-run`) does everything up to the first network call:
# it builds, checks, bundles with `wrangler deploy --dry-run` into target/deploy/ and profiles the worker's
# startup locally (`wrangler check startup`). docs/deploy.md walks through the whole first deploy.
set -euo pipefail
cd "$(dirname "$0")/.."

step() { printf '\033[1m==> %s\033[0m\n' "$*"; }
fail() { printf 'deploy: %s\n' "$*" >&2; exit 1; }

dry_run=${DRY_RUN:-}
[ "${1:-}" = "--dry-run" ] && dry_run=1
wrangler=(npx --no-install wrangler)

# `make test` has built already when it runs the dry run.
if [ -z "${SKIP_BUILD:-}" ]; then
  scripts/setup.sh
  scripts/build.sh
fi

step "Checking the content and the configuration"
cargo run --quiet -p edgedesk-cli -- check kb-content
# The ids in wrangler.toml start as placeholders so that `make dev` works on any machine; a real deploy
# needs the ones `wrangler d1 create` and `wrangler kv namespace create` printed.
placeholders=$(grep -nE '^(database_id|id) = "0+(-0+)*"' wrangler.toml || true)
if [ -n "$placeholders" ] && [ -z "$dry_run" ]; then
  fail "wrangler.toml still has placeholder ids (docs/deploy.md, step 2):
$placeholders"
fi
retention=$(sed -nE 's/^INSIGHTS_RETENTION_DAYS = "(.*)"/\1/p' wrangler.toml)
if [ -n "$retention" ] && ! [[ "$retention" =~ ^[1-9][0-9]*$ ]]; then
  fail "INSIGHTS_RETENTION_DAYS must be a whole number of days (1 or more), not \"$retention\" (docs/deploy.md, step 4)"
fi
# "*" lets any site file tickets and search through the widget: fine for `make dev`, a decision for
# production. A deploy takes it only with ALLOW_ANY_ORIGIN=1 (and even then frame mode needs named origins).
if grep -qE '^ALLOWED_ORIGINS = "[^"]*\*' wrangler.toml; then
  if [ -n "$dry_run" ]; then
    echo "note: ALLOWED_ORIGINS is \"*\"; a real deploy refuses it unless ALLOW_ANY_ORIGIN=1 (docs/deploy.md, step 4)."
  elif [ "${ALLOW_ANY_ORIGIN:-}" != "1" ]; then
    fail "ALLOWED_ORIGINS is \"*\": any site could embed the widget and file tickets through it. Name your product's
origins in wrangler.toml (docs/deploy.md, step 4), or deploy with ALLOW_ANY_ORIGIN=1 if that is what you want."
  fi
fi
# Secrets set as plain variables would be readable in the dashboard and the repository.
for name in ADMIN_TOKEN IDENTITY_SECRET WEBHOOK_SECRET HELPDESK_TOKEN TURNSTILE_SECRET EMBEDDINGS_KEY; do
  if grep -qE "^$name = " wrangler.toml; then
    fail "$name is a plain variable in wrangler.toml; set it with \`wrangler secret put $name\` instead"
  fi
done

if [ -n "$dry_run" ]; then
  step "Bundling without uploading (wrangler deploy --dry-run)"
  rm -rf target/deploy
  "${wrangler[@]}" deploy --dry-run --outdir target/deploy 2>&1 | grep -E "Total Upload|Read [0-9]+ files|dry-run"
  step "Profiling the worker's startup locally (wrangler check startup)"
  "${wrangler[@]}" check startup --outfile target/deploy/startup.cpuprofile >/dev/null 2>&1
  node -e '
    const profile = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
    console.log(`startup: ${((profile.endTime - profile.startTime) / 1000).toFixed(1)} ms on this machine (Cloudflare allows 1 s)`);
  ' "$PWD/target/deploy/startup.cpuprofile"
  echo "Dry run done: nothing was uploaded. The bundle is in target/deploy/."
  exit 0
fi

step "Applying D1 migrations to the remote database"
"${wrangler[@]}" d1 migrations apply DB --remote
step "Deploying"
"${wrangler[@]}" deploy
