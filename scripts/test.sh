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
cargo clippy --quiet --target wasm32-unknown-unknown -p edgedesk-widget -p edgedesk-worker -- -D warnings

step "Size budget"
cargo run --quiet -p edgedesk-e2e --bin size-budget

step "Tests: core, cli, end-to-end (workerd + Chromium)"
# The default members: core, cli and the end-to-end suite (the benchmark runs with `make bench`).
cargo test
