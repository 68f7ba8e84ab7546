#!/usr/bin/env bash
# `make lighthouse`: what the widget costs the page that embeds it. Lighthouse (performance only, its
# default simulated mobile throttling) audits the demo page served by `wrangler dev`, with and without the
# script tag, RUNS times each, and prints the medians as a Markdown table (recorded in docs/benchmarks.md).
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/setup.sh
scripts/build.sh

# Lighthouse is only for this measurement, so it stays out of package.json (like Pagefind for make bench).
lighthouse_version=13.5.0
lighthouse=target/lighthouse-node/node_modules/.bin/lighthouse
if [ "$("$lighthouse" --version 2>/dev/null)" != "$lighthouse_version" ]; then
  mkdir -p target/lighthouse-node
  npm install --prefix target/lighthouse-node --no-save --no-audit --no-fund "lighthouse@$lighthouse_version"
fi
chrome=$(command -v chromium || command -v chromium-browser)
runs=${RUNS:-5}

# The same assets, plus the demo page without the script tag.
work=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$work"' EXIT
cp -r dist "$work/assets"
grep -v 'embed.js' dist/index.html > "$work/assets/without-widget.html"
if cmp -s dist/index.html "$work/assets/without-widget.html"; then
  echo "the demo page has no script tag to remove" >&2
  exit 1
fi

port=$(node -e 'const s=require("net").createServer().listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})')
XDG_CONFIG_HOME="$work/config" WRANGLER_SEND_METRICS=false CI=1 node_modules/.bin/wrangler dev \
  --ip 127.0.0.1 --port "$port" --persist-to "$work/state" --assets "$work/assets" \
  --show-interactive-dev-session=false >"$work/wrangler.log" 2>&1 &
for _ in $(seq 1 600); do
  curl -fs "http://127.0.0.1:$port/api/health" >/dev/null && break
  sleep 0.2
done
curl -fs "http://127.0.0.1:$port/api/health" >/dev/null || { cat "$work/wrangler.log"; exit 1; }

audit() {
  local url=$1 out=$2
  CHROME_PATH="$chrome" "$lighthouse" "$url" --quiet --output=json --output-path="$out" \
    --only-categories=performance --chrome-flags="--headless=new --no-sandbox" >/dev/null
}
for run in $(seq 1 "$runs"); do
  audit "http://127.0.0.1:$port/" "$work/with-$run.json"
  audit "http://127.0.0.1:$port/without-widget.html" "$work/without-$run.json"
done

node - "$work" "$runs" <<'EOF'
const [dir, runs] = process.argv.slice(2);
const read = (kind) => Array.from({ length: Number(runs) }, (_, i) => require(`${dir}/${kind}-${i + 1}.json`));
const median = (values) => values.slice().sort((a, b) => a - b)[Math.floor(values.length / 2)];
const measure = (reports) => ({
  score: median(reports.map((r) => r.categories.performance.score * 100)),
  tbt: median(reports.map((r) => r.audits["total-blocking-time"].numericValue)),
  cls: median(reports.map((r) => r.audits["cumulative-layout-shift"].numericValue)),
  lcp: median(reports.map((r) => r.audits["largest-contentful-paint"].numericValue)),
  bytes: median(reports.map((r) => r.audits["total-byte-weight"].numericValue)),
});
const without = measure(read("without"));
const withWidget = measure(read("with"));
const row = (name, m) =>
  `| ${name} | ${m.score.toFixed(0)} | ${m.tbt.toFixed(0)} ms | ${m.cls.toFixed(3)} | ${(m.lcp / 1000).toFixed(2)} s | ${m.bytes.toLocaleString("en")} B |`;
console.log(`Lighthouse ${require(`${dir}/with-1.json`).lighthouseVersion}, performance, simulated mobile throttling, median of ${runs}:\n`);
console.log("| demo page | score | total blocking time | CLS | LCP | transferred |");
console.log("|---|---:|---:|---:|---:|---:|");
console.log(row("without the script tag", without));
console.log(row("with the script tag", withWidget));
console.log(
  `\nThe widget costs ${(without.score - withWidget.score).toFixed(0)} point(s), ` +
    `${(withWidget.tbt - without.tbt).toFixed(0)} ms of blocking time, ${(withWidget.cls - without.cls).toFixed(3)} CLS ` +
    `and ${(withWidget.bytes - without.bytes).toLocaleString("en")} B on page load.`
);
EOF
