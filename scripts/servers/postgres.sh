# shellcheck shell=bash
# PostgreSQL for the source plugins' database inputs (queue_log/cdr tables, a jsonb webhook
# archive, the webchat model, Chatwoot's schema, Score's tables): sourced by
# scripts/test-servers (DIR, USER_NAME, PASSWORD set).
#
# A private cluster under $DIR/postgres (initdb as the postgres system user), listening on
# 127.0.0.1:$PG_PORT (default 25432, clear of a system cluster on 5432) and on a socket in
# the same directory; durability off (fsync, synchronous_commit): the data is throwaway.
# Password (SCRAM) login for the test user, who may create databases: each test makes its
# own, so tests running in parallel never see each other's tables.
#
# Env lines written: PG_PORT, PG_URL (postgres://USER@127.0.0.1:PORT/postgres — no password;
# PASSWORD is in the env file already), PG_SOCKET_DIR.

# shellcheck disable=SC2034  # read by scripts/test-servers through an indirect reference
postgres_packages=(postgresql)

postgres_bin() {
  local d
  d=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
  [ -n "$d" ] || { echo "postgres: no /usr/lib/postgresql/*/bin (is the postgresql package installed?)" >&2; return 1; }
  echo "$d"
}

postgres_start() {
  local port=${PG_PORT:-25432}
  local p="$DIR/postgres" bin
  bin=$(postgres_bin)
  mkdir -p "$p"
  chown postgres:postgres "$p"
  chmod 700 "$p"
  local pwfile="$p/pw"
  (umask 077; printf '%s\n' "$PASSWORD" > "$pwfile")
  chown postgres "$pwfile"
  # initdb and postgres refuse to run as root.
  runuser -u postgres -- "$bin/initdb" -D "$p/data" -U postgres --auth-local=peer \
    --auth-host=scram-sha-256 -E UTF8 --locale=C.UTF-8 >"$p/initdb.log" 2>&1 || {
    cat "$p/initdb.log" >&2; return 1; }
  cat >> "$p/data/postgresql.conf" <<CONF
listen_addresses = '127.0.0.1'
port = $port
unix_socket_directories = '$p'
fsync = off
synchronous_commit = off
full_page_writes = off
max_connections = 200
CONF
  runuser -u postgres -- "$bin/pg_ctl" -D "$p/data" -l "$p/log" -w -t 60 start >/dev/null || {
    cat "$p/log" >&2; return 1; }
  runuser -u postgres -- psql -h "$p" -p "$port" -U postgres -q -v ON_ERROR_STOP=1 -d postgres \
    -c "CREATE ROLE $USER_NAME LOGIN CREATEDB PASSWORD '$PASSWORD'" >/dev/null
  rm -f "$pwfile"
  # A TCP login with the password, as the tests will make it.
  PGPASSWORD=$PASSWORD psql -h 127.0.0.1 -p "$port" -U "$USER_NAME" -d postgres -qAt -c 'select 1' >/dev/null || {
    echo "postgres: password login for $USER_NAME failed" >&2; return 1; }
  {
    echo "PG_PORT=$port"
    echo "PG_URL=postgres://$USER_NAME@127.0.0.1:$port/postgres"
    echo "PG_SOCKET_DIR=$p"
  } >> "$DIR/env"
}

postgres_stop() {
  local p="$DIR/postgres" bin
  [ -f "$p/data/postmaster.pid" ] || return 0
  bin=$(postgres_bin)
  runuser -u postgres -- "$bin/pg_ctl" -D "$p/data" -m immediate -w -t 30 stop >/dev/null 2>&1 || true
}
