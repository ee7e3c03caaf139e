#!/usr/bin/env bash
# `make bench`, gateway part: requests per second and latency of one backend reached (a) directly, (b) through
# Portico's gateway, (c) through nginx as a plain reverse proxy, measured with wrk using the same connections
# and duration; then the ratios. Then the same with TLS: terminated by Portico (a remote node with --tls-cert)
# and by nginx, and both proxying to an HTTPS backend. Installs wrk and nginx (Debian packages) when missing.
# Usage: .ci/gateway-bench.sh PATH_TO_RELEASE_PORTICO
set -euo pipefail
portico="$(realpath "$1")"
duration="${GATEWAY_BENCH_SECONDS:-10}"
connections="${GATEWAY_BENCH_CONNECTIONS:-64}"

if ! command -v wrk >/dev/null || ! command -v nginx >/dev/null; then
  [ -n "${APT_UPDATED:-}" ] || apt-get update -q >/dev/null
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q wrk nginx >/dev/null
fi

work=$(mktemp -d)
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  [ ! -f "$work/backend.pid" ] || kill "$(cat "$work/backend.pid")" 2>/dev/null || true
  [ ! -f "$work/proxy.pid" ] || kill "$(cat "$work/proxy.pid")" 2>/dev/null || true
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
backend_port=$(free_port); nginx_port=$(free_port); gateway_port=$(free_port); api_port=$(free_port)
backend_tls_port=$(free_port); nginx_tls_port=$(free_port); node_tls_port=$(free_port)

# Test certificates: a CA, and a certificate for localhost / 127.0.0.1 it signs.
openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=Portico bench CA" -keyout "$work/ca.key" -out "$work/ca.pem" 2>/dev/null
openssl req -newkey rsa:2048 -nodes -subj "/CN=localhost" -keyout "$work/tls.key" -out "$work/tls.csr" 2>/dev/null
printf 'subjectAltName=DNS:localhost,IP:127.0.0.1\n' >"$work/san.ext"
openssl x509 -req -in "$work/tls.csr" -CA "$work/ca.pem" -CAkey "$work/ca.key" -CAcreateserial -days 2 \
  -extfile "$work/san.ext" -out "$work/tls.pem" 2>/dev/null

# The backend: nginx answering a small body itself, one worker, so it is the same for all three.
nginx_conf() { # name workers server-block
  mkdir -p "$work/$1"
  cat >"$work/$1.conf" <<CONF
worker_processes $2;
pid $work/$1.pid;
error_log $work/$1/error.log warn;
events { worker_connections 4096; }
http {
  access_log off;
  client_body_temp_path $work/$1; proxy_temp_path $work/$1; fastcgi_temp_path $work/$1;
  uwsgi_temp_path $work/$1; scgi_temp_path $work/$1;
  keepalive_requests 1000000;
  $3
}
CONF
  nginx -c "$work/$1.conf"
}
nginx_conf backend 1 "server { listen 127.0.0.1:$backend_port; location / { return 200 'hello from the backend'; } }
  server { listen 127.0.0.1:$backend_tls_port ssl; ssl_certificate $work/tls.pem; ssl_certificate_key $work/tls.key;
    location / { return 200 'hello from the backend'; } }"
# The comparison: a plain reverse proxy, keeping connections to the backend alive as Portico does.
nginx_conf proxy auto "upstream backend { server 127.0.0.1:$backend_port; keepalive 64; }
  upstream backend_tls { server 127.0.0.1:$backend_tls_port; keepalive 64; }
  server { listen 127.0.0.1:$nginx_port; location /bench/ {
    proxy_pass http://backend/; proxy_http_version 1.1; proxy_set_header Connection \"\"; }
    location /bench-tls/ {
    proxy_pass https://backend_tls/; proxy_http_version 1.1; proxy_set_header Connection \"\";
    proxy_ssl_verify on; proxy_ssl_trusted_certificate $work/ca.pem; proxy_ssl_name localhost;
    proxy_ssl_server_name on; proxy_ssl_session_reuse on; } }
  server { listen 127.0.0.1:$nginx_tls_port ssl; ssl_certificate $work/tls.pem; ssl_certificate_key $work/tls.key;
    location /bench/ { proxy_pass http://backend/; proxy_http_version 1.1; proxy_set_header Connection \"\"; } }"

# Portico with one environment served on its own port and one API proxy live there.
export PORTICO_DATABASE_URL="sqlite://$work/portico.db"
printf 'bench password\n' | "$portico" admin create-user bench --password-stdin --system-admin >/dev/null
token=$("$portico" admin create-token bench --name bench)
"$portico" serve --allow-loopback-backends --backend-ca-file "$work/ca.pem" --addr "127.0.0.1:$api_port" --site-root "$work" >"$work/portico.out" 2>"$work/portico.log" &
pids+=($!)
api="http://127.0.0.1:$api_port/apiops"
auth=(-H "Authorization: Bearer $token" -H 'Content-Type: application/json')
for _ in $(seq 1 100); do curl -sf "${auth[@]}" "$api/projects/" >/dev/null && break; sleep 0.1; done
curl -sf "${auth[@]}" -X POST "$api/environments/" \
  -d "{\"name\":\"bench\",\"type\":\"TEST\",\"description\":\"\",\"accessUrl\":\"http://127.0.0.1:$gateway_port\"}" >/dev/null
curl -sf "${auth[@]}" -X POST "$api/projects/" -d '{"name":"Bench"}' >/dev/null
curl -sf "${auth[@]}" -X PUT "$api/projects/Bench/environments/bench/" >/dev/null
curl -sf "${auth[@]}" -X POST "$api/projects/Bench/apiProxies/" -d "{\"name\":\"bench\",\"relativePath\":\"/bench\",
  \"deployList\":[\"bench\"],\"routing\":{\"addressList\":[{\"address\":\"http://127.0.0.1:$backend_port\"}]}}" >/dev/null
curl -sf "${auth[@]}" -X POST "$api/projects/Bench/apiProxies/bench/environments/bench/" >/dev/null
curl -sf "${auth[@]}" -X POST "$api/projects/Bench/apiProxies/" -d "{\"name\":\"bench-tls\",\"relativePath\":\"/bench-tls\",
  \"deployList\":[\"bench\"],\"routing\":{\"addressList\":[{\"address\":\"https://localhost:$backend_tls_port\"}]}}" >/dev/null
curl -sf "${auth[@]}" -X POST "$api/projects/Bench/apiProxies/bench-tls/environments/bench/" >/dev/null
# A remote node terminating TLS, fed by the control plane.
"$portico" admin create-node-token --environment bench --name bench 2>/dev/null | tail -1 >"$work/node.token"
"$portico" gateway --control-plane "http://127.0.0.1:$api_port" --environment bench --node-token-file "$work/node.token" \
  --cache-dir "$work/node-cache" --listen "127.0.0.1:$node_tls_port" --tls-cert "$work/tls.pem" --tls-key "$work/tls.key" \
  --allow-loopback-backends >"$work/node.out" 2>"$work/node.log" &
pids+=($!)
for _ in $(seq 1 100); do
  [ "$(curl -s "http://127.0.0.1:$gateway_port/bench/")" = "hello from the backend" ] && break
  sleep 0.1
done
for _ in $(seq 1 100); do
  [ "$(curl -s --cacert "$work/ca.pem" "https://localhost:$node_tls_port/bench/")" = "hello from the backend" ] && break
  sleep 0.1
done
for url in "http://127.0.0.1:$backend_port/" "http://127.0.0.1:$nginx_port/bench/" "http://127.0.0.1:$gateway_port/bench/" \
  "https://localhost:$backend_tls_port/" "https://localhost:$nginx_tls_port/bench/" "https://localhost:$node_tls_port/bench/" \
  "http://127.0.0.1:$nginx_port/bench-tls/" "http://127.0.0.1:$gateway_port/bench-tls/"; do
  [ "$(curl -s --cacert "$work/ca.pem" "$url")" = "hello from the backend" ] || { echo "bench: $url does not reach the backend" >&2; cat "$work/node.log" >&2; exit 1; }
done

# wrk's summary in one line: requests/s, p50 and p99 in ms, errors.
measure() { # url [connections threads seconds]
  wrk -t"${3:-2}" -c"${2:-$connections}" -d"${4:-$duration}s" --latency "$1" >"$work/wrk.txt"
  awk '
    function ms(v) { if (v ~ /us$/) return v / 1000; if (v ~ /ms$/) return v + 0; if (v ~ /s$/) return v * 1000; return v }
    /Requests\/sec/ { rps = $2 }
    $1 == "50%" { p50 = ms($2) }
    $1 == "99%" { p99 = ms($2) }
    /Non-2xx|Socket errors/ { errors = errors $0 " " }
    END { printf "%.0f %.3f %.3f %s\n", rps, p50, p99, (errors == "" ? "none" : errors) }' "$work/wrk.txt"
}
curl -s "http://127.0.0.1:$gateway_port/bench/" >/dev/null
read -r d_rps d_p50 d_p99 d_err < <(measure "http://127.0.0.1:$backend_port/")
read -r p_rps p_p50 p_p99 p_err < <(measure "http://127.0.0.1:$gateway_port/bench/")
read -r n_rps n_p50 n_p99 n_err < <(measure "http://127.0.0.1:$nginx_port/bench/")
awk -v c="$connections" -v s="$duration" -v d="$d_rps $d_p50 $d_p99" -v p="$p_rps $p_p50 $p_p99" -v n="$n_rps $n_p50 $n_p99" \
  -v pe="$p_err" -v ne="$n_err" 'BEGIN {
  split(d, D, " "); split(p, P, " "); split(n, N, " ");
  printf "bench: gateway, wrk %d connections %d s: backend direct %d req/s p50 %.3f ms p99 %.3f ms; Portico %d req/s p50 %.3f ms p99 %.3f ms (errors: %s); nginx %d req/s p50 %.3f ms p99 %.3f ms (errors: %s)\n",
    c, s, D[1], D[2], D[3], P[1], P[2], P[3], pe, N[1], N[2], N[3], ne;
  printf "bench: gateway ratios: Portico/nginx throughput %.2f (target >= 1), Portico/direct %.2f, nginx/direct %.2f; added p50 Portico %.3f ms (target < 0.2), nginx %.3f ms\n",
    P[1] / N[1], P[1] / D[1], N[1] / D[1], P[2] - D[2], N[2] - D[2] }'

# Added latency without queueing: one connection, one request at a time.
read -r d1_rps d1_p50 _ _ < <(measure "http://127.0.0.1:$backend_port/" 1 1 5)
read -r p1_rps p1_p50 _ _ < <(measure "http://127.0.0.1:$gateway_port/bench/" 1 1 5)
read -r n1_rps n1_p50 _ _ < <(measure "http://127.0.0.1:$nginx_port/bench/" 1 1 5)
awk -v d="$d1_p50" -v p="$p1_p50" -v n="$n1_p50" 'BEGIN {
  printf "bench: gateway at one connection: p50 direct %.3f ms, Portico %.3f ms (adds %.3f ms; target < 0.2), nginx %.3f ms (adds %.3f ms)\n",
    d, p, p - d, n, n - d }'

# TLS: terminated by each (wrk over HTTPS, connections kept, so this is mostly record encryption), and each
# proxying plain HTTP in front to an HTTPS backend (kept-alive TLS connections behind).
read -r pt_rps pt_p50 pt_p99 pt_err < <(measure "https://localhost:$node_tls_port/bench/")
read -r nt_rps nt_p50 nt_p99 nt_err < <(measure "https://localhost:$nginx_tls_port/bench/")
read -r pb_rps pb_p50 pb_p99 pb_err < <(measure "http://127.0.0.1:$gateway_port/bench-tls/")
read -r nb_rps nb_p50 nb_p99 nb_err < <(measure "http://127.0.0.1:$nginx_port/bench-tls/")
awk -v c="$connections" -v s="$duration" -v pt="$pt_rps $pt_p50 $pt_p99" -v nt="$nt_rps $nt_p50 $nt_p99" \
  -v pb="$pb_rps $pb_p50 $pb_p99" -v nb="$nb_rps $nb_p50 $nb_p99" -v e="$pt_err/$nt_err/$pb_err/$nb_err" 'BEGIN {
  split(pt, PT, " "); split(nt, NT, " "); split(pb, PB, " "); split(nb, NB, " ");
  printf "bench: gateway TLS, wrk %d connections %d s: terminated by Portico %d req/s p50 %.3f ms p99 %.3f ms, by nginx %d req/s p50 %.3f ms p99 %.3f ms (ratio %.2f); to an HTTPS backend: Portico %d req/s p50 %.3f ms p99 %.3f ms, nginx %d req/s p50 %.3f ms p99 %.3f ms (ratio %.2f); errors %s\n",
    c, s, PT[1], PT[2], PT[3], NT[1], NT[2], NT[3], PT[1] / NT[1], PB[1], PB[2], PB[3], NB[1], NB[2], NB[3], PB[1] / NB[1], e }'
