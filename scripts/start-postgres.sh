#!/usr/bin/env bash
# Starts a throw-away PostgreSQL server on 127.0.0.1 for tests and benchmarks.
# Usage: scripts/start-postgres.sh DIR PORT   — prints the DATABASE_URL on stdout.
set -euo pipefail
dir=${1:?data directory}
port=${2:-54329}
bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
[ -x "$bin/initdb" ] || { echo "PostgreSQL server binaries not found under /usr/lib/postgresql" >&2; exit 1; }
run() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
mkdir -p "$dir"
[ "$(id -u)" = 0 ] && chown postgres "$dir"
if [ ! -f "$dir/PG_VERSION" ]; then
  run "$bin/initdb" -D "$dir" -U postgres --auth=trust -E UTF8 --locale=C >/dev/null
fi
run "$bin/pg_ctl" -D "$dir" -l "$dir/server.log" -w -t 60 \
  -o "-h 127.0.0.1 -p $port -k /tmp -c max_connections=200 -c fsync=off -c synchronous_commit=off -c full_page_writes=off" start >/dev/null
echo "postgres://postgres@127.0.0.1:$port/postgres"
