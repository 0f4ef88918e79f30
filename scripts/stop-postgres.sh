#!/usr/bin/env bash
# Stops a server started by scripts/start-postgres.sh and, with --remove, deletes its data directory.
# Usage: scripts/stop-postgres.sh DIR [--remove]
set -euo pipefail
dir=${1:?data directory}
bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
run() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
if [ -f "$dir/postmaster.pid" ]; then
  run "$bin/pg_ctl" -D "$dir" -m fast -w -t 60 stop >/dev/null || true
fi
if [ "${2:-}" = "--remove" ]; then rm -rf "$dir"; fi
