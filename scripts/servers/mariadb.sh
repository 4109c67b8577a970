# shellcheck shell=bash
# MariaDB for the telephony plugin's realtime inputs (Asterisk's queue_log and cdr tables as
# FreePBX/Issabel keep them): sourced by scripts/test-servers (DIR, USER_NAME, PASSWORD set).
#
# A private server under $DIR/mariadb (its own datadir, no system config files), listening on
# 127.0.0.1:$MARIADB_PORT (default 23306, clear of a system server on 3306) and a socket there;
# durability off. The test user logs in with the password from 127.0.0.1 and may create
# databases: each test makes its own.
#
# Env lines written: MARIADB_PORT, MARIADB_URL (mysql://USER@127.0.0.1:PORT/ — no password).

# shellcheck disable=SC2034  # read by scripts/test-servers through an indirect reference
mariadb_packages=(mariadb-server mariadb-client)

mariadb_start() {
  local port=${MARIADB_PORT:-23306}
  local m="$DIR/mariadb"
  mkdir -p "$m"
  chown mysql:mysql "$m"
  chmod 750 "$m"
  mariadb-install-db --no-defaults --user=mysql --datadir="$m/data" \
    --auth-root-authentication-method=socket --skip-test-db >"$m/install.log" 2>&1 || {
    cat "$m/install.log" >&2; return 1; }
  setsid mariadbd --no-defaults --user=mysql --datadir="$m/data" --socket="$m/sock" \
    --port="$port" --bind-address=127.0.0.1 --pid-file="$m/pid" --log-error="$m/log" \
    --skip-name-resolve --innodb-flush-log-at-trx-commit=0 --innodb-buffer-pool-size=64M \
    --innodb-log-file-size=16M --max-connections=200 </dev/null >/dev/null 2>&1 &
  local ok=no
  for _ in $(seq 1 300); do
    if mariadb-admin --no-defaults --socket="$m/sock" -uroot ping >/dev/null 2>&1; then
      ok=yes
      break
    fi
    sleep 0.1
  done
  if [ "$ok" != yes ]; then
    echo "mariadb: the server did not answer within 30 s; its log:" >&2
    cat "$m/log" >&2
    return 1
  fi
  mariadb --no-defaults --socket="$m/sock" -uroot <<SQL
CREATE USER '$USER_NAME'@'127.0.0.1' IDENTIFIED BY '$PASSWORD';
GRANT ALL PRIVILEGES ON *.* TO '$USER_NAME'@'127.0.0.1';
FLUSH PRIVILEGES;
SQL
  mariadb --no-defaults -h 127.0.0.1 -P "$port" -u "$USER_NAME" -p"$PASSWORD" -e 'select 1' >/dev/null || {
    echo "mariadb: password login for $USER_NAME failed" >&2; return 1; }
  {
    echo "MARIADB_PORT=$port"
    echo "MARIADB_URL=mysql://$USER_NAME@127.0.0.1:$port/"
  } >> "$DIR/env"
}

mariadb_stop() {
  local m="$DIR/mariadb"
  [ -s "$m/pid" ] || return 0
  local pid
  pid=$(cat "$m/pid")
  kill "$pid" 2>/dev/null || true
  for _ in $(seq 1 100); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  kill -9 "$pid" 2>/dev/null || true
  rm -f "$m/pid"
}
