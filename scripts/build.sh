#!/usr/bin/env bash
# Builds everything `wrangler dev` and `wrangler deploy` serve, into dist/ (static assets) and worker/build/:
#   dist/kb/        the compiled knowledge base (search index, manifest, article HTML)
#   dist/widget/<content hash>/    the Leptos widget: its first chunk (wasm-bindgen output) and lazy chunks,
#                   shrunk by wasm-opt
#   dist/embed.js   the loader behind the one script tag; dist/index.html the demo host page
#   worker/build/   the worker, by worker-build
set -euo pipefail
cd "$(dirname "$0")/.."

step() { printf '\033[1m==> %s\033[0m\n' "$*"; }
# npm's binaryen, never Debian's: binaryen 108 silently breaks current wasm-bindgen output.
wasm_opt="$PWD/node_modules/.bin/wasm-opt"
wasm_metadce="$PWD/node_modules/.bin/wasm-metadce"
SECONDS=0

rm -rf dist
mkdir -p dist/widget

step "Knowledge base: kb-content/ -> dist/kb/"
cargo run --quiet -p edgedesk-cli -- build kb-content dist/kb

step "Widget: Leptos -> wasm, split into a first chunk and lazy ones"
# The article view, the contact form and My tickets are split off (widget/src/lazy.rs), so that a page view
# downloads only the panel, the banner and search. The splitter needs the linker's relocations.
# On the pinned nightly, the standard library is built with the widget, with panics that abort at once:
# no panic messages, no formatting machinery for them (-18 KB brotli). A panic was already an abort
# (panic = "abort"); only its message, which no customer ever saw, is gone. Source locations and `Debug`
# output go too (-3.2 KB): the widget prints neither. std's `optimize_for_size` picks its smaller
# algorithms (sorting, formatting; -1.1 KB in the screens' chunk). These flags replace the target's
# rustflags from .cargo/config.toml, so its --cfg is repeated here.
nightly=$(cat scripts/NIGHTLY)
CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUSTFLAGS="--cfg erase_components -Zunstable-options -Cpanic=immediate-abort -Zlocation-detail=none -Zfmt-debug=none" \
  cargo "+$nightly" rustc --quiet --release --target wasm32-unknown-unknown -p edgedesk-widget --lib \
  -Zbuild-std=std,panic_abort -Zbuild-std-features=optimize_for_size -- -C link-args=--emit-relocs
split=target/widget-split
rm -rf "$split" && mkdir -p "$split"
wasm-split-cli --target web --out-name edgedesk_widget \
  target/wasm32-unknown-unknown/release/edgedesk_widget.wasm "$split"
# wasm-bindgen on the first chunk only, keeping the exports the lazy chunks link against (the function
# table, the memory); the chunks and their loader, __wasm_split.js, go beside it as they are.
wasm-bindgen --target web --no-typescript --keep-lld-exports --out-dir dist/widget "$split/edgedesk_widget.wasm"
# wasm-bindgen exports the `#[wasm_bindgen]` classes of every crate linked in. Leptos always links
# server_fn, and with it wasm-streams' three stream adapters, which nothing in the widget calls: their
# exports, and the code only they reach, go (-0.8 KB brotli). The glue keeps their classes, never used.
node scripts/drop-exports.mjs dist/widget/edgedesk_widget_bg.wasm "$split/graph.json" '^(__wbg_)?intounderlying'
"$wasm_metadce" --graph-file "$split/graph.json" dist/widget/edgedesk_widget_bg.wasm \
  -o dist/widget/edgedesk_widget_bg.wasm > /dev/null
cp "$split/__wasm_split.js" "$split"/split_*.wasm dist/widget/
cp "$split"/chunk_*.wasm dist/widget/ 2>/dev/null || true
# The screens' styles and words go beside their chunk, which fetches them (widget/src/lazy.rs): in the wasm
# they would be data, and all of its data stays in the first chunk (-1.9 KB brotli there).
cat widget/src/form.css widget/src/article.css \
  | "$PWD/node_modules/.bin/esbuild" --loader=css --minify --log-level=warning > dist/widget/screens.css
# Each language's words as a list in the order the widget reads them (`words.rs`, `answer.rs`): the names
# are for us. The answer card's words go beside its own chunk the same way.
for words in screen-words answer-words; do
  node -e 'const all = JSON.parse(require("fs").readFileSync(0, "utf8"));
    process.stdout.write(JSON.stringify(Object.fromEntries(Object.entries(all).map(([tag, words]) => [tag, Object.values(words)]))))' \
    < "widget/src/$words.json" > "dist/widget/$words.json"
done
# -O3 rather than -Oz: 5 % more raw bytes, but about 1 KB less once brotli-compressed (what customers
# download), and faster code. Rust leaves the first 1 KB of linear memory unused, which wasm-opt may rely
# on in every chunk; only the first chunk owns the memory (zero-filled at start): the lazy ones share it,
# and --zero-filled-memory on them would wipe what the first one wrote. The sections naming the tools and
# the CPU features the code was built for are for tools; browsers ignore them.
for wasm in dist/widget/*.wasm; do
  zero_filled=()
  [ "$wasm" = dist/widget/edgedesk_widget_bg.wasm ] && zero_filled=(--zero-filled-memory)
  "$wasm_opt" -O3 --low-memory-unused "${zero_filled[@]}" --strip-producers --strip-target-features "$wasm" -o "$wasm" 2>&1 \
    | { grep -v "unknown name subsection" || true; }
done
# wasm-bindgen's JS glue and the chunks' loader are written to be read: what customers download is minified.
for script in edgedesk_widget.js __wasm_split.js; do
  "$PWD/node_modules/.bin/esbuild" --minify --format=esm --log-level=warning \
    "dist/widget/$script" --outfile="dist/widget/$script" --allow-overwrite
done
# The names wasm-bindgen gives the glue's functions carry a hash each, written in the wasm and in the glue,
# that no compressor can shrink: one or two letters instead (-5 KB brotli, scripts/short-names.mjs).
node scripts/short-names.mjs dist/widget/edgedesk_widget_bg.wasm dist/widget/edgedesk_widget.js dist/widget/__wasm_split.js
# The widget's files go in a directory named after their content, served `immutable` (site/_headers): a
# returning customer's browser starts the widget from its cache with no round trip, where revalidating
# the glue, the chunks' loader and the wasm one after the other cost three (about 0.5 s on a phone,
# `make first-answer`). The loader, always revalidated, is built with this path in it.
widget_version=$(cat dist/widget/* | sha256sum | cut -c1-16)
mkdir "dist/widget/$widget_version"
find dist/widget -maxdepth 1 -type f -exec mv {} "dist/widget/$widget_version/" \;

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
    --define:WIDGET_PATH="'widget/$widget_version/'" "widget/loader/$script.js" --outfile="dist/$script.js"
done

echo "Built in ${SECONDS} s."
