#!/usr/bin/env bash
# Builds everything `wrangler dev` and `wrangler deploy` serve, into dist/ (static assets) and worker/build/:
#   dist/kb/        the compiled knowledge base (search index, manifest, article HTML)
#   dist/widget/    the Leptos widget: wasm-bindgen output shrunk by wasm-opt
#   dist/embed.js   the loader behind the one script tag; dist/index.html the demo host page
#   worker/build/   the worker, by worker-build
set -euo pipefail
cd "$(dirname "$0")/.."

step() { printf '\033[1m==> %s\033[0m\n' "$*"; }
# npm's binaryen, never Debian's: binaryen 108 silently breaks current wasm-bindgen output.
wasm_opt="$PWD/node_modules/.bin/wasm-opt"
SECONDS=0

rm -rf dist
mkdir -p dist/widget

step "Knowledge base: kb-content/ -> dist/kb/"
cargo run --quiet -p edgedesk-cli -- build kb-content dist/kb

step "Widget: Leptos -> wasm"
cargo build --release --target wasm32-unknown-unknown -p edgedesk-widget
wasm-bindgen --target web --no-typescript --out-dir dist/widget \
  target/wasm32-unknown-unknown/release/edgedesk_widget.wasm
# -O3 rather than -Oz: 5 % more raw bytes, but about 1 KB less once brotli-compressed (what customers
# download), and faster code. Rust leaves the first 1 KB of linear memory unused and the module owns its
# memory (zero-filled at start); telling wasm-opt so takes off another 1.3 KB.
"$wasm_opt" -O3 --low-memory-unused --zero-filled-memory \
  dist/widget/edgedesk_widget_bg.wasm -o dist/widget/edgedesk_widget_bg.wasm
# wasm-bindgen's JS glue is written to be read: minified it is 2.3 KB smaller once brotli-compressed.
"$PWD/node_modules/.bin/esbuild" --minify --format=esm --log-level=warning \
  dist/widget/edgedesk_widget.js --outfile=dist/widget/edgedesk_widget.js --allow-overwrite

step "Worker: worker-build"
(
  cd worker
  WASM_BINDGEN_BIN="$(command -v wasm-bindgen)" WASM_OPT_BIN="$wasm_opt" \
    ESBUILD_BIN="$PWD/../node_modules/.bin/esbuild" worker-build --release
)

cp site/index.html site/_headers dist/
rm -rf dist/admin && cp -r site/admin dist/admin
# The API's OpenAPI description, served as a static file at /api/openapi.json.
mkdir -p dist/api
cp worker/openapi.json dist/api/openapi.json
# The loader and the frame script are written to be read; what host pages download is minified.
for script in embed frame; do
  "$PWD/node_modules/.bin/esbuild" --minify --target=es2017 --log-level=warning \
    "widget/loader/$script.js" --outfile="dist/$script.js"
done

echo "Built in ${SECONDS} s."
