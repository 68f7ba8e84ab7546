#!/usr/bin/env bash
# `make test`: set up, build, then every test — unit and integration tests of the native crates, the size
# budget, and the end-to-end suite against workerd and Chromium.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/setup.sh
scripts/build.sh

step() { printf '\033[1m==> %s\033[0m\n' "$*"; }

step "Formatting"
cargo fmt --all --check

step "Size budget"
cargo run --quiet -p edgedesk-e2e --bin size-budget

step "Tests: core, cli, end-to-end (workerd + Chromium)"
cargo test --workspace --exclude edgedesk-worker --exclude edgedesk-widget
