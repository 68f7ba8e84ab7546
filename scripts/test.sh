#!/usr/bin/env bash
# `make test`: set up, build, then every test — unit and integration tests of the native crates, the size
# budget, and the end-to-end suite against workerd and Chromium.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/setup.sh
scripts/build.sh

step() { printf '\033[1m==> %s\033[0m\n' "$*"; }

step "Formatting and lints"
cargo fmt --all --check
cargo clippy --quiet --workspace --exclude edgedesk-worker --exclude edgedesk-widget --all-targets -- -D warnings
cargo clippy --quiet --target wasm32-unknown-unknown -p edgedesk-widget -p edgedesk-worker -p edgedesk-bench-wasm -- -D warnings
cargo clippy --quiet --target wasm32-unknown-unknown -p edgedesk-widget --tests -- -D warnings

step "The widget's unit tests, in wasm under Node"
# The unsplit test build imports the lazy chunks from a placeholder module; widget/test-shims stands in
# for it (no test opens a lazy screen).
NODE_PATH="$PWD/widget/test-shims" CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUNNER=wasm-bindgen-test-runner \
  cargo test --target wasm32-unknown-unknown -p edgedesk-widget

step "Size budget"
cargo run --quiet -p edgedesk-e2e --bin size-budget

step "Deploy, up to the network call"
# The dry run bundles and profiles the worker; a real deploy with the placeholder ids must stop before
# touching the network, saying which ids to replace.
dry_run=$(SKIP_BUILD=1 scripts/deploy.sh --dry-run)
echo "$dry_run" | grep -E "Total Upload|startup:"
if refused=$(SKIP_BUILD=1 scripts/deploy.sh 2>&1); then
  echo "make deploy went ahead with placeholder ids" >&2
  exit 1
fi
echo "$refused" | grep -q "placeholder ids" || { echo "$refused" >&2; exit 1; }

step "Fuzz targets: each kept input once, under libFuzzer (make soak fuzzes for minutes)"
scripts/fuzz.sh corpus

step "Tests: the domain crates, cli, end-to-end (workerd + Chromium)"
# The default members: the domain crates under crates/, cli, the fuzz properties (each corpus replayed on
# stable) and the end-to-end suite (the benchmark runs
# with `make bench`). Tests that need the shared corpora and cannot find them leave their names in
# target/corpora-not-run/ (CI=true makes that a failure instead); they are listed once, at the end.
not_run=target/corpora-not-run
rm -rf "$not_run"
cargo test
if [ -d "$not_run" ] && [ -n "$(ls -A "$not_run")" ]; then
  step "Not run: $(ls "$not_run" | wc -l) tests that read the shared corpora"
  cat "$not_run"/* | sed 's/^/  /'
  echo "  Get them: put the shared folder (with corpora/) beside the repository, or set EDGEDESK_CORPORA"
  echo "  to the folder that holds arduino-help-center/ and diplodoc-docs/, then run make test again."
fi
