#!/usr/bin/env bash
# `make bench`: edgedesk's search against Pagefind on the shared corpora and a generated 10,000-article help
# center. Prints Markdown tables (recorded in docs/benchmarks.md). BENCH_ARTICLES=n changes the generated size.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/setup.sh
scripts/build.sh

# Pagefind is only for this comparison, so it stays out of package.json; the registry offers only some of its
# platform packages, which would leave the project's lock file incomplete for other platforms.
pagefind_version=1.6.0
if [ "$(target/bench-node/node_modules/.bin/pagefind --version 2>/dev/null | awk '{print $NF}')" != "$pagefind_version" ]; then
  mkdir -p target/bench-node
  npm install --prefix target/bench-node --no-save --no-audit --no-fund "pagefind@$pagefind_version"
fi

cargo run --profile native -p edgedesk-bench --bin search-bench
