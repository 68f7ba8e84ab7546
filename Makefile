# The two commands edgedesk's README documents. Each installs what is missing first.
PORT ?= 8787
export PORT

.PHONY: dev test setup build bench lighthouse first-answer deploy soak

## Build everything and run the demo at http://127.0.0.1:$(PORT)/ under wrangler dev (workerd, local D1).
dev:
	@scripts/dev.sh

## Run every test: native crates, size budget, end-to-end against workerd and headless Chromium.
test:
	@scripts/test.sh

## Only install the toolchain pieces (also done by dev and test).
setup:
	@scripts/setup.sh

## Only build the knowledge base, widget and worker (also done by dev and test).
build:
	@scripts/build.sh

## Search benchmark against Pagefind (several minutes; not part of make test).
bench:
	@scripts/bench.sh

## What the widget costs the host page: Lighthouse on the demo page with and without the script tag.
lighthouse:
	@scripts/lighthouse.sh

## Time from a click on the launcher to the first answer on a throttled phone, before issue 16 and now.
first-answer:
	@scripts/first-answer.sh

## Build, check, migrate and deploy to Cloudflare (docs/deploy.md). DRY_RUN=1 stops before the network.
deploy:
	@scripts/deploy.sh

## The long runs: 20× the generated bad input and the load, cargo fuzz for minutes, and the chaos test (not part of make test).
soak:
	@scripts/soak.sh
