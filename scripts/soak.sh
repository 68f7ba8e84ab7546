#!/usr/bin/env bash
# `make soak`: the long runs that do not fit `make test`'s time: twenty times the generated bad input
# (about 330,000 inputs), the fuzz targets under libFuzzer for two minutes each (FUZZ_SECONDS), and twenty
# times the load (20,000 searches and 20,000 status checks).
set -euo pipefail
cd "$(dirname "$0")/.."

step() { printf '\033[1m==> %s\033[0m\n' "$*"; }
scripts/setup.sh
scripts/build.sh

step "Generated bad input, ×20"
ROBUSTNESS_SCALE=20 cargo test --release -p edgedesk-e2e --test robustness -- --nocapture 2>&1 | grep -E "robustness:|test result"
step "Fuzzing: cargo fuzz, each target for ${FUZZ_SECONDS:-120} s"
scripts/fuzz.sh soak "${FUZZ_SECONDS:-120}"
step "Load, ×20"
LOAD_SCALE=20 cargo test -p edgedesk-e2e --test e2e -- --nocapture load:: 2>&1 | grep -E "load:|test result"
step "Chaos"
cargo test -p edgedesk-e2e --test e2e -- --nocapture chaos:: 2>&1 | grep -E "chaos:|test result"
