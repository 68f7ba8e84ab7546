#!/usr/bin/env bash
# `make bench`: edgedesk's search against Pagefind on the shared corpora and a generated 10,000-article help
# center. Prints Markdown tables (recorded in docs/benchmarks.md). BENCH_ARTICLES=n changes the generated size.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/setup.sh
scripts/build.sh
cargo run --profile native -p edgedesk-bench --bin search-bench
