#!/usr/bin/env bash
# `make soak`, load part: wrk for LOAD_SECONDS (60) each on loopback against a release server on the demo data
# set: (1) the REST API, 9 reads to 1 deploy; (2) the gateway serving a deployed API proxy, to its backend
# every time; (3) the same from the gateway's response cache. Prints one
# summary line per run (throughput, p50, p99, errors) and fails on any error answer.
# Usage: .ci/load.sh PATH_TO_RELEASE_PORTICO
set -euo pipefail
portico="$(realpath "$1")"
seconds="${LOAD_SECONDS:-60}"
connections="${LOAD_CONNECTIONS:-32}"
if ! command -v wrk >/dev/null; then
  [ -n "${APT_UPDATED:-}" ] || apt-get update -q >/dev/null
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q wrk >/dev/null
fi
work=$(mktemp -d)
server_pid=""
cleanup() { [ -z "$server_pid" ] || kill "$server_pid" 2>/dev/null || true; wait 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
PORTICO_DATABASE_URL="sqlite://$work/portico.db" "$portico" serve --demo --addr "127.0.0.1:$port" \
  --site-root "$work" >"$work/stdout" 2>"$work/server.log" &
server_pid=$!
for _ in $(seq 1 200); do grep -q 'Demo API token' "$work/stdout" && break; sleep 0.1; done
token=$(sed -n 's/.*Demo API token (30 days): //p' "$work/stdout")
staging=$(sed -n 's/.*Gateway for staging: //p' "$work/stdout")
[ -n "$token" ] && [ -n "$staging" ] || { echo "load: the server did not start" >&2; cat "$work/server.log" >&2; exit 1; }
api="http://127.0.0.1:$port/apiops/projects/MyProject/apiProxies"
auth=(-H "Authorization: Bearer $token" -H 'Content-Type: application/json')
# The demo's petstore-api has the response cache on; load-api has none and reaches a demo backend every time.
curl -sf "${auth[@]}" -X POST "$api/" -d '{"name":"load-api","relativePath":"/load","deployList":["staging"],
  "routing":{"addressList":[{"address":"http://127.0.0.1:9101"}]}}' >/dev/null
for proxy in petstore-api load-api; do curl -sf "${auth[@]}" -X POST "$api/$proxy/environments/staging/" >/dev/null; done
for _ in $(seq 1 100); do curl -sf "$staging/load/items" >/dev/null && curl -sf "$staging/petstore/pets" >/dev/null && break; sleep 0.1; done

cat >"$work/rest.lua" <<LUA
-- Nine reads of the proxy list to one deploy, so writes and reads contend as they do in a CI morning.
local n = 0
wrk.headers["Authorization"] = "Bearer $token"
request = function()
  n = n + 1
  if n % 10 == 0 then
    return wrk.format("POST", "/apiops/projects/MyProject/apiProxies/petstore-api/environments/staging/")
  end
  return wrk.format("GET", "/apiops/projects/MyProject/apiProxies/")
end
LUA
summary() { # name wrk-output
  awk -v name="$1" -v s="$seconds" -v c="$connections" '
    function ms(v) { if (v ~ /us$/) return v / 1000; if (v ~ /ms$/) return v + 0; if (v ~ /s$/) return v * 1000; return v }
    /Requests\/sec/ { rps = $2 }
    /requests in/ { total = $1 }
    $1 == "50%" { p50 = ms($2) }
    $1 == "99%" { p99 = ms($2) }
    /Non-2xx or 3xx responses/ { errors += $NF }
    /Socket errors/ { gsub(",", ""); errors += $4 + $6 + $8 + $10 }
    END { printf "suite load/%s: wrk %d connections %d s: %d requests, %.0f req/s, p50 %.2f ms, p99 %.2f ms, %d errors\n",
            name, c, s, total, rps, p50, p99, errors; exit (errors > 0) }' "$2"
}
status=0
wrk -t2 -c"$connections" -d"${seconds}s" --latency -s "$work/rest.lua" "http://127.0.0.1:$port" >"$work/rest.txt"
summary rest "$work/rest.txt" || status=1
wrk -t2 -c"$connections" -d"${seconds}s" --latency "$staging/load/items" >"$work/gateway.txt"
summary gateway "$work/gateway.txt" || status=1
wrk -t2 -c"$connections" -d"${seconds}s" --latency "$staging/petstore/pets" >"$work/cached.txt"
summary gateway-cached "$work/cached.txt" || status=1
if grep -q panicked "$work/server.log"; then echo "load: the server panicked" >&2; status=1; fi
exit $status
