#!/usr/bin/env bash
# The exactly-once suites on PostgreSQL: starts a throwaway PostgreSQL (Debian's postgresql package,
# installed with apt-get when missing) on a Unix socket only, runs the same idempotency and operations
# suites as on SQLite plus the PostgreSQL-only ones (two replicas, readiness while the store is down),
# then stops and deletes the cluster. Exit code: jest's.
#   bash test/exactly-once/run-postgres.sh [jest args...]
set -u
cd "$(dirname "${BASH_SOURCE[0]}")/../.."

pg_bin() { ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1; }
if [ -z "$(pg_bin)" ]; then
  echo "[pg] installing postgresql with apt-get"
  apt-get update -q >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends postgresql >/dev/null
fi
BIN=$(pg_bin)
[ -n "$BIN" ] || { echo "[pg] no PostgreSQL binaries"; exit 1; }

# initdb refuses to run as root: the cluster belongs to the postgres user the package creates.
as_pg() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
DIR=$(mktemp -d /tmp/co-pg.XXXXXX)
[ "$(id -u)" = 0 ] && chown postgres "$DIR"
chmod 755 "$DIR"
cleanup() {
  as_pg "$BIN/pg_ctl" -D "$DIR/data" -m immediate stop >/dev/null 2>&1
  rm -rf "$DIR"
}
trap cleanup EXIT

as_pg "$BIN/initdb" -D "$DIR/data" -A trust -U postgres >"$DIR/initdb.log" 2>&1 || { cat "$DIR/initdb.log"; exit 1; }
# No TCP listener at all: the socket in $DIR is the only way in.
as_pg "$BIN/pg_ctl" -D "$DIR/data" -l "$DIR/server.log" -w \
  -o "-c listen_addresses='' -c unix_socket_directories='$DIR' -c max_connections=100" start >/dev/null ||
  { cat "$DIR/server.log"; exit 1; }
as_pg "$BIN/createdb" -h "$DIR" -U postgres orchestrator || exit 1
echo "[pg] PostgreSQL $("$BIN/postgres" --version | awk '{print $3}') on $DIR"

export TEST_STATE_URL="postgresql://postgres@/orchestrator?host=$DIR"
# For the readiness test, which stops and starts the server.
export TEST_PG_CTL="$BIN/pg_ctl" TEST_PG_DATA="$DIR/data" TEST_PG_LOG="$DIR/server.log" TEST_PG_SOCKET_DIR="$DIR"
npx jest -c test/exactly-once/jest.postgres.config.js "$@"
