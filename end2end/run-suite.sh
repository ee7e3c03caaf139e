#!/usr/bin/env bash
# Runs the Playwright suite against a freshly started server on a free port and a throw-away database.
# Usage: end2end/run-suite.sh PATH_TO_PORTICO_BINARY SITE_ROOT [PLAYWRIGHT ARGS, e.g. a spec file]
set -euo pipefail
portico="$(realpath "$1")"
site_root="$(realpath "$2")"
cd "$(dirname "$0")"
work="$(mktemp -d)"
server_pid=""
cleanup() {
  [ -z "$server_pid" ] || kill "$server_pid" 2>/dev/null || true
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
export PORTICO_DATABASE_URL="sqlite://$work/portico.db"
member_password="member-$(head -c 12 /dev/urandom | od -An -tx1 | tr -d ' \n')"
printf '%s\n' "$member_password" | "$portico" admin create-user viewer --password-stdin >/dev/null

"$portico" serve --demo --addr "127.0.0.1:$port" --site-root "$site_root" >"$work/stdout" 2>"$work/server.log" &
server_pid=$!
for _ in $(seq 1 200); do
  grep -q 'Demo login:' "$work/stdout" 2>/dev/null && break
  kill -0 "$server_pid" 2>/dev/null || { cat "$work/server.log" >&2; exit 1; }
  sleep 0.1
done
admin_password=$(sed -n 's/.*Demo login: admin \/ //p' "$work/stdout")
[ -n "$admin_password" ] || { echo "the server printed no demo login" >&2; cat "$work/server.log" >&2; exit 1; }
admin_token=$(sed -n 's/.*Demo API token (30 days): //p' "$work/stdout")

status=0
PORTICO_URL="http://127.0.0.1:$port" PORTICO_ADMIN_USER=admin PORTICO_ADMIN_PASSWORD="$admin_password" \
  PORTICO_ADMIN_TOKEN="$admin_token" PORTICO_BIN="$portico" \
  PORTICO_MEMBER_USER=viewer PORTICO_MEMBER_PASSWORD="$member_password" \
  npx --no-install playwright test "${@:3}" 2>&1 | tee "$work/playwright.out" || status=$?
if [ "$status" -ne 0 ]; then
  # CI keeps only the end of the output, so the server log comes first and Playwright's failures are repeated last.
  echo "--- server log (last 40 lines, static files left out) ---" >&2
  grep -v 'path=/pkg/' "$work/server.log" | tail -n 40 >&2
  echo "--- Playwright failures (repeated) ---" >&2
  sed -n '/^  [0-9]*) /,$p' "$work/playwright.out" | tail -n 150 >&2
fi
exit "$status"
