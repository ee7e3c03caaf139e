#!/usr/bin/env bash
# `make bench`: the figures the issues ask for, measured on this machine in one run.
#   - release WASM bundle size (raw, gzip, brotli), and time to an interactive page in headless Chromium
#   - cold build (empty target folder) and warm build (one source file touched) of the whole site
#   - deploy latency and throughput through the REST API on SQLite and PostgreSQL (a throw-away cluster),
#     two PostgreSQL replicas, and the SQLite commit-rate ceiling
#   - rollback, export, import and batch publish; console server-side render times
# BENCH_COLD=0 skips the cold build (it takes several minutes).
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PWD/end2end/node_modules/.bin:$PATH"

seconds() { local start=$SECONDS; "$@" >/dev/null 2>&1; echo $((SECONDS - start)); }

if [ "${BENCH_COLD:-1}" != 0 ]; then
  cold_dir=$(mktemp -d)
  cold=$(CARGO_TARGET_DIR="$cold_dir" LEPTOS_SITE_ROOT="$cold_dir/site" seconds cargo leptos build --release --split --precompress)
  rm -rf "$cold_dir"
else
  cold="skipped"
fi

target="${CARGO_TARGET_DIR:-$PWD/target}"
export LEPTOS_SITE_ROOT="$target/site"
cargo leptos build --release --split --precompress >/dev/null 2>&1
touch app/src/lib.rs
warm=$(seconds cargo leptos build --release --split --precompress)

wasm="$LEPTOS_SITE_ROOT/pkg/portico.wasm"
raw=$(stat -c %s "$wasm")
gz=$(gzip -9 -c "$wasm" | wc -c)
br=$(node -e 'const z = require("zlib"), fs = require("fs"); console.log(z.brotliCompressSync(fs.readFileSync(process.argv[1])).length)' "$wasm")
awk -v raw="$raw" -v gz="$gz" -v br="$br" -v cold="$cold" -v warm="$warm" 'BEGIN {
  printf "bench: wasm raw %d bytes (%.1f KiB), gzip %d bytes (%.1f KiB), brotli %d bytes (%.1f KiB; target gzip < 350 KB); build cold %s s, warm %s s\n",
    raw, raw / 1024, gz, gz / 1024, br, br / 1024, cold, warm }'

# Time to an interactive page, against the release server on the demo data set.
work=$(mktemp -d)
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
PORTICO_DATABASE_URL="sqlite://$work/portico.db" "$target/release/portico" serve --demo --addr "127.0.0.1:$port" \
  --site-root "$LEPTOS_SITE_ROOT" >"$work/stdout" 2>"$work/server.log" &
server=$!
trap 'kill $server 2>/dev/null || true; rm -rf "$work"' EXIT
for _ in $(seq 1 200); do grep -q 'Demo login:' "$work/stdout" 2>/dev/null && break; sleep 0.1; done
(cd end2end && PORTICO_URL="http://127.0.0.1:$port" PORTICO_ADMIN_USER=admin \
  PORTICO_ADMIN_PASSWORD="$(sed -n 's/.*Demo login: admin \/ //p' "$work/stdout")" node bench/interactive.mjs)
kill $server 2>/dev/null || true

.ci/postgres.sh cargo bench -p server --bench apiops --bench transfer --bench console --bench nodes 2>/dev/null | grep "^bench:"
cargo bench -p gateway --bench deploy_to_serve 2>/dev/null | grep '^bench:'
bash .ci/gateway-bench.sh "$target/release/portico"
