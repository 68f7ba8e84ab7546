#!/usr/bin/env bash
# `make bench`: edgedesk's search against Pagefind on the shared corpora, the demo knowledge base and a
# generated 10,000-article help center, and edgedesk, Pagefind and MiniSearch side by side on the relevance
# suite. Prints Markdown tables (recorded in docs/benchmarks.md). BENCH_ARTICLES=n changes the generated
# size; BENCH_SUITE=sealed scores the sealed suite (once, when the tuning is done) instead of dev.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/setup.sh
scripts/build.sh

# Pagefind and MiniSearch are only for this comparison, so they stay out of package.json; the registry offers
# only some of Pagefind's platform packages, which would leave the project's lock file incomplete for other
# platforms. Both in one install: npm would prune the one installed alone before.
pagefind_version=1.6.0
minisearch_version=7.2.0
bench_node=target/bench-node
if [ "$($bench_node/node_modules/.bin/pagefind --version 2>/dev/null | awk '{print $NF}')" != "$pagefind_version" ] \
  || [ "$(node -p "require('./$bench_node/node_modules/minisearch/package.json').version" 2>/dev/null)" != "$minisearch_version" ]; then
  mkdir -p $bench_node
  npm install --prefix $bench_node --no-save --no-audit --no-fund "pagefind@$pagefind_version" "minisearch@$minisearch_version"
fi

# The worker's search compiled as the worker is (wasm32, release), timed under V8 by bench/wasm/cpu.mjs.
cargo build --quiet --release --target wasm32-unknown-unknown -p edgedesk-bench-wasm
wasm-bindgen --target nodejs --out-dir target/bench-wasm target/wasm32-unknown-unknown/release/edgedesk_bench_wasm.wasm
cargo run --profile native -p edgedesk-bench --bin search-bench
# Written answers: time to first token and tokens per second with the tests' model, through the worker.
cargo run --profile native -p edgedesk-bench --bin answers
