#!/usr/bin/env bash
# A throw-away PostgreSQL cluster for the PostgreSQL store's tests (docs/Store.md):
#
#   Scripts/postgres/throwaway.sh start   # initdb if needed, start on a free loopback port, print the URL
#   Scripts/postgres/throwaway.sh url     # print the admin URL of the running cluster
#   Scripts/postgres/throwaway.sh stop    # stop it and delete its data directory
#
# The URL is what the tests read from METRO_TEST_POSTGRES_URL:
#   export METRO_TEST_POSTGRES_URL=$(Scripts/postgres/throwaway.sh start)
#
# The script's state (the URL, and where the cluster is) lives in .build/postgres (override with
# METRO_POSTGRES_DIR). The cluster itself — data, logs, socket — lives in a private directory under
# /tmp: PostgreSQL refuses to run as root, so under root the server runs as the `postgres` user,
# which owns that directory and could not reach one inside a root-only checkout. It listens on
# 127.0.0.1 only and has one superuser, `metro`, with a random password (password authentication,
# as a managed server has). Durability is switched off (fsync=off): nothing in it outlives the
# test run.
set -euo pipefail

root=$(cd "$(dirname "$0")/../.." && pwd)
dir=${METRO_POSTGRES_DIR:-$root/.build/postgres}
bindir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)
if [ -z "$bindir" ] || [ ! -x "$bindir/pg_ctl" ]; then
  echo "throwaway.sh: PostgreSQL's server binaries are not installed (apt-get install postgresql)" >&2
  exit 69  # EX_UNAVAILABLE
fi

# Runs a server binary as the cluster's owner: `postgres` under root, else the current user.
as_owner() {
  # From /: the postgres user may not enter the checkout this script runs in.
  if [ "$(id -u)" = 0 ]; then (cd / && runuser -u postgres -- "$@"); else "$@"; fi
}

# The cluster's directory under /tmp, once started.
cluster() { cat "$dir/cluster" 2>/dev/null || true; }

running() {
  local base
  base=$(cluster)
  [ -n "$base" ] && [ -f "$base/data/postmaster.pid" ] && as_owner "$bindir/pg_ctl" -D "$base/data" status >/dev/null 2>&1
}

free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}

start() {
  if running; then cat "$dir/url"; return; fi
  # Only a directory this script made (or none, or an empty one) is reused.
  if [ -d "$dir" ] && [ -n "$(ls -A "$dir")" ] && [ ! -f "$dir/password" ]; then
    echo "throwaway.sh: $dir exists and is not a throw-away cluster's; choose another METRO_POSTGRES_DIR" >&2
    exit 73  # EX_CANTCREAT
  fi
  rm -rf "$dir"
  mkdir -p "$dir"
  local password port base
  password=$(python3 -c 'import secrets; print(secrets.token_hex(16))')
  port=$(free_port)
  base=$(mktemp -d /tmp/metro-postgres.XXXXXX)
  echo "$base" > "$dir/cluster"
  printf '%s\n' "$password" > "$dir/password"
  printf '%s\n' "$password" > "$base/password"
  chmod 600 "$dir/password" "$base/password"
  if [ "$(id -u)" = 0 ]; then chown -R postgres: "$base"; fi
  as_owner "$bindir/initdb" -D "$base/data" -U metro --pwfile="$base/password" --auth=scram-sha-256 \
    --encoding=UTF8 --locale=C.UTF-8 >"$dir/initdb.log" 2>&1 || { cat "$dir/initdb.log" >&2; exit 1; }
  as_owner "$bindir/pg_ctl" -D "$base/data" -l "$base/server.log" -w -t 60 \
    -o "-c listen_addresses=127.0.0.1 -p $port -k $base -c max_connections=400 -c fsync=off -c synchronous_commit=off -c full_page_writes=off" \
    start >/dev/null || { cat "$base/server.log" >&2; exit 1; }
  for _ in $(seq 1 60); do
    pg_isready -q -h 127.0.0.1 -p "$port" && break
    sleep 0.5
  done
  pg_isready -q -h 127.0.0.1 -p "$port" || { echo "throwaway.sh: the server did not become ready" >&2; cat "$base/server.log" >&2; exit 1; }
  echo "postgres://metro:$password@127.0.0.1:$port/postgres?sslmode=disable" > "$dir/url"
  cat "$dir/url"
}

stop() {
  [ -d "$dir" ] || return 0
  [ -f "$dir/password" ] || { echo "throwaway.sh: $dir is not a throw-away cluster's; not deleting it" >&2; exit 73; }
  local base
  base=$(cluster)
  if running; then as_owner "$bindir/pg_ctl" -D "$base/data" -m fast -w stop >/dev/null; fi
  case "$base" in /tmp/metro-postgres.*) rm -rf "$base" ;; esac
  rm -rf "$dir"
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  url)
    running || { echo "throwaway.sh: no cluster running in $dir; run: $0 start" >&2; exit 1; }
    cat "$dir/url" ;;
  *) echo "usage: $0 start|stop|url" >&2; exit 64 ;;
esac
