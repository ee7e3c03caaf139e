#!/usr/bin/env bash
# `make bench`: the figures the issues ask for, measured on this machine in one run.
#   - release WASM bundle size (raw and gzip)
#   - cold build (empty target folder) and warm build (one source file touched) of the whole site
#   - deploy latency and throughput through the REST API, and the SQLite commit-rate ceiling
# BENCH_COLD=0 skips the cold build (it takes several minutes).
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PWD/end2end/node_modules/.bin:$PATH"

seconds() { local start=$SECONDS; "$@" >/dev/null 2>&1; echo $((SECONDS - start)); }

if [ "${BENCH_COLD:-1}" != 0 ]; then
  cold_dir=$(mktemp -d)
  cold=$(CARGO_TARGET_DIR="$cold_dir" LEPTOS_SITE_ROOT="$cold_dir/site" seconds cargo leptos build --release)
  rm -rf "$cold_dir"
else
  cold="skipped"
fi

target="${CARGO_TARGET_DIR:-$PWD/target}"
export LEPTOS_SITE_ROOT="$target/site"
cargo leptos build --release >/dev/null 2>&1
touch app/src/lib.rs
warm=$(seconds cargo leptos build --release)

wasm="$LEPTOS_SITE_ROOT/pkg/portico.wasm"
raw=$(stat -c %s "$wasm")
gz=$(gzip -9 -c "$wasm" | wc -c)
awk -v raw="$raw" -v gz="$gz" -v cold="$cold" -v warm="$warm" 'BEGIN {
  printf "bench: wasm raw %d bytes (%.1f KiB), gzip %d bytes (%.1f KiB); build cold %s s, warm %s s\n",
    raw, raw / 1024, gz, gz / 1024, cold, warm }'

cargo bench -p server --bench apiops --bench transfer 2>/dev/null | grep '^bench:'
