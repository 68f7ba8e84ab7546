#!/usr/bin/env bash
# `make first-answer`: time from a click on the launcher to the first search result painted, on a throttled
# mid-range phone profile, cold and warm, for the widget as it was before issue 16 (one module) and as it
# is now (bench/src/bin/first_answer.rs says how). Prints a Markdown table (recorded in docs/benchmarks.md).
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/setup.sh
scripts/build.sh

# The last commit before the widget was split. Its widget is built once, with that commit's own widget
# steps (cargo, wasm-bindgen, wasm-opt -O3, esbuild), into target/first-answer/before.
before_commit=6210109b3d17d2c6dea79ba5b3d9e0adbf42849b
before=target/first-answer/before
if [ "$(cat "$before/commit" 2>/dev/null)" != "$before_commit" ] || [ ! -f "$before/_headers" ]; then
  source=target/first-answer/source
  rm -rf "$source" "$before" && mkdir -p "$source" "$before/widget"
  git archive "$before_commit" | tar -x -C "$source"
  (cd "$source" && CARGO_TARGET_DIR="$PWD/../target" \
    cargo build --quiet --release --target wasm32-unknown-unknown -p edgedesk-widget)
  wasm-bindgen --target web --no-typescript --out-dir "$before/widget" \
    target/first-answer/target/wasm32-unknown-unknown/release/edgedesk_widget.wasm
  node_modules/.bin/wasm-opt -O3 --low-memory-unused --zero-filled-memory \
    "$before/widget/edgedesk_widget_bg.wasm" -o "$before/widget/edgedesk_widget_bg.wasm"
  node_modules/.bin/esbuild --minify --format=esm --log-level=warning \
    "$before/widget/edgedesk_widget.js" --outfile="$before/widget/edgedesk_widget.js" --allow-overwrite
  node_modules/.bin/esbuild --minify --target=es2017 --log-level=warning \
    "$source/widget/loader/embed.js" --outfile="$before/embed.js"
  # Its caching headers too: the widget's files were revalidated on every use then.
  cp "$source/site/_headers" "$before/_headers"
  echo "$before_commit" > "$before/commit"
fi

cargo run --quiet --profile native -p edgedesk-bench --bin first_answer -- "before=$before" after=dist
