#!/usr/bin/env bash
# Runs a command beside a throw-away PostgreSQL cluster: initdb in a temporary folder as an unprivileged user
# (PostgreSQL refuses to run as root), a free port on 127.0.0.1, a random password; the command sees the
# cluster as PORTICO_TEST_POSTGRES_URL (a database URL for a role that may create databases), and the command
# that restarts it as PORTICO_TEST_POSTGRES_RESTART. The cluster
# and its folder are removed when the command ends, however it ends. No system service, no fixed port.
# Usage: .ci/postgres.sh COMMAND [ARGS...]
set -euo pipefail
bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
[ -x "$bin/initdb" ] || { echo "postgres.sh: PostgreSQL is not installed (.ci/tools.sh test installs it)" >&2; exit 1; }
dir=$(mktemp -d /tmp/portico-postgres.XXXXXX)
as_owner=()
if [ "$(id -u)" = 0 ]; then
  chown postgres: "$dir"
  as_owner=(runuser -u postgres --)
fi
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
password=$(head -c 18 /dev/urandom | od -An -tx1 | tr -d ' \n')
printf '%s\n' "$password" >"$dir/password"
chmod 600 "$dir/password"
[ "$(id -u)" != 0 ] || chown postgres: "$dir/password"
stop() {
  "${as_owner[@]}" "$bin/pg_ctl" -D "$dir/data" -m immediate stop >/dev/null 2>&1 || true
  rm -rf "$dir"
}
trap stop EXIT
"${as_owner[@]}" "$bin/initdb" -D "$dir/data" -U portico --pwfile="$dir/password" --auth=scram-sha-256 \
  -E UTF8 --locale=C.UTF-8 >"$dir/initdb.log" 2>&1 || { cat "$dir/initdb.log" >&2; exit 1; }
# Durable as production runs it (fsync on); sockets in the cluster's own folder; many test databases at once.
"${as_owner[@]}" "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 \
  -o "-p $port -k $dir -c listen_addresses=127.0.0.1 -c max_connections=300 -c fsync=on" start >/dev/null \
  || { cat "$dir/server.log" >&2; exit 1; }
export PORTICO_TEST_POSTGRES_URL="postgres://portico:$password@127.0.0.1:$port/postgres"
# What a suite runs to crash-restart the cluster mid-load (immediate shutdown, no checkpoint: as a power cut).
restart=("${as_owner[@]}" "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 -m immediate restart)
export PORTICO_TEST_POSTGRES_RESTART="${restart[*]}"
"$@"
