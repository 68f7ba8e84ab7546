#!/usr/bin/env bash
# The fuzz targets in fuzz/ under libFuzzer, through cargo fuzz on the pinned nightly.
#   scripts/fuzz.sh corpus       each target runs its kept inputs (fuzz/corpus/<target>) once (make test)
#   scripts/fuzz.sh soak [SECS]  each target is fuzzed for SECS seconds (default 120; make soak)
# New inputs worth keeping go to target/fuzz-corpus/; a crash is saved under fuzz/artifacts/<target>/,
# and the run stops with its path: make it a named regression test in fuzz/tests/regressions.rs.
set -euo pipefail
cd "$(dirname "$0")/.."

mode=${1:-corpus}
seconds=${2:-120}
nightly=$(cat scripts/NIGHTLY)
targets=(request_bodies article notice_markdown search_query signatures)

# The release profile is tuned for wasm size (LTO, one codegen unit), which libFuzzer's coverage
# instrumentation does not link with; fuzzing builds its own way, into a target directory of its own.
# No sanitizer: the code is safe Rust, and what is fuzzed for is panics and broken properties.
export CARGO_PROFILE_RELEASE_LTO=false CARGO_PROFILE_RELEASE_OPT_LEVEL=3 CARGO_PROFILE_RELEASE_CODEGEN_UNITS=16
fuzz=(cargo "+$nightly" fuzz run --fuzz-dir fuzz --features libfuzzer --sanitizer none --target-dir target/fuzz)

for target in "${targets[@]}"; do
  case "$mode" in
    corpus)
      "${fuzz[@]}" "$target" "fuzz/corpus/$target" -- -runs=0 2>&1 | grep -E "^Done|ERROR|panicked" \
        | sed "s/^/fuzz corpus: $target: /"
      ;;
    soak)
      mkdir -p "target/fuzz-corpus/$target"
      "${fuzz[@]}" "$target" "target/fuzz-corpus/$target" "fuzz/corpus/$target" -- -max_total_time="$seconds" \
        -max_len=4096 2>&1 | grep -E "^Done|ERROR|panicked|artifact" | sed "s/^/fuzz soak: $target: /"
      ;;
    *)
      echo "usage: scripts/fuzz.sh corpus | soak [SECS]" >&2
      exit 2
      ;;
  esac
done
