#!/usr/bin/env bash
# The API contract suite: Schemathesis (PyPI, installed into a virtualenv when missing) generates requests from
# /apiops/openapi.json and checks every answer: no 5xx, and every body matches the documented schema. Two
# passes: one with random path names (mostly 404s, shape of errors), one on the demo's real objects.
# CONTRACT_SEED fixes the generator's seed (make test does; make soak leaves it random and runs longer).
# Usage: .ci/contract.sh PATH_TO_PORTICO
set -euo pipefail
portico="$(realpath "$1")"
here="$(cd "$(dirname "$0")" && pwd)"
venv="${PORTICO_TOOLS:-/var/tmp/portico-tools}/schemathesis"
if [ ! -x "$venv/bin/st" ]; then
  # Debian's python3 has venv without ensurepip until python3-venv is installed.
  if ! python3 -c 'import ensurepip' >/dev/null 2>&1; then
    [ -n "${APT_UPDATED:-}" ] || apt-get update -q >/dev/null
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q python3-venv >/dev/null
  fi
  python3 -m venv "$venv"
  "$venv/bin/pip" install -q 'schemathesis>=4,<5'
fi
work=$(mktemp -d)
server_pid=""
cleanup() { [ -z "$server_pid" ] || kill "$server_pid" 2>/dev/null || true; wait 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
PORTICO_DATABASE_URL="sqlite://$work/portico.db" "$portico" serve --demo --no-gateway --addr "127.0.0.1:$port" \
  --site-root "$work" >"$work/stdout" 2>"$work/server.log" &
server_pid=$!
for _ in $(seq 1 200); do grep -q 'Demo API token' "$work/stdout" && break; sleep 0.1; done
token=$(sed -n 's/.*Demo API token (30 days): //p' "$work/stdout")
[ -n "$token" ] || { echo "contract: the server did not start" >&2; cat "$work/server.log" >&2; exit 1; }
base="http://127.0.0.1:$port"
seed=()
[ -z "${CONTRACT_SEED:-}" ] || seed=(--seed "$CONTRACT_SEED")
examples="${CONTRACT_EXAMPLES:-30}"
status=0
total=0
failed=0
for pass in random demo; do
  config=()
  [ "$pass" = random ] || config=(--config-file "$here/schemathesis.toml")
  (cd "$work" && "$venv/bin/st" "${config[@]}" run "$base/apiops/openapi.json" --url "$base" \
    -H "Authorization: Bearer $token" --checks not_a_server_error,response_schema_conformance \
    --phases examples,coverage,fuzzing -n "$examples" "${seed[@]}" --no-color) >"$work/$pass.txt" 2>&1 || status=1
  generated=$(sed -n 's/^ *\([0-9]*\) generated.*/\1/p' "$work/$pass.txt" | tail -1)
  total=$((total + ${generated:-0}))
  if grep -q "FAILURES" "$work/$pass.txt"; then
    failed=$((failed + 1))
    sed -n '/FAILURES/,/SUMMARY/p' "$work/$pass.txt" | head -150 >&2
  fi
done
server_errors=$(sed 's/\x1b\[[0-9;]*m//g' "$work/server.log" | grep -c 'status=5[0-9][0-9]' || true)
echo "suite api-contract: $total generated requests in 2 passes, $failed passes with failures, $server_errors server errors logged"
if grep -q panicked "$work/server.log"; then echo "contract: the server panicked" >&2; status=1; fi
exit $status
