# shellcheck shell=bash
# SMTP sink for the e-mail destination tests: scripts/servers/smtp_sink.py on Debian's
# python3-aiosmtpd, four listeners on 127.0.0.1 (STARTTLS+AUTH, implicit TLS+AUTH, plain,
# scripted 4xx/5xx). Sourced by scripts/test-servers (DIR, USER_NAME, PASSWORD set).
#
# Ports (override in the environment): SMTP_STARTTLS_PORT=2525 SMTP_IMPLICIT_PORT=2465
# SMTP_PLAIN_PORT=2526 SMTP_SCRIPTED_PORT=2527; SMTP_DATA_SIZE_LIMIT (bytes, default 5 MiB,
# small so the size tests are quick).

smtp_packages=(python3-aiosmtpd)

# Debian's interpreter: the one python3-aiosmtpd installs for (a pyenv or venv python3
# earlier in PATH would not have it).
SMTP_PYTHON=/usr/bin/python3

# Reads the 220 greeting on 127.0.0.1:$1 ("tls" in $2: after a TLS handshake). An open port
# is not enough: a server that cannot serve still accepts connections.
smtp_banner() {
  "$SMTP_PYTHON" - "$1" "${2:-}" <<'EOF'
import socket, ssl, sys
port, tls = int(sys.argv[1]), sys.argv[2] == "tls"
s = socket.create_connection(("127.0.0.1", port), timeout=2)
if tls:
    ctx = ssl.create_default_context()
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    s = ctx.wrap_socket(s)
line = s.makefile("rb").readline()
s.close()
sys.exit(0 if line.startswith(b"220 ") else 1)
EOF
}

smtp_start() {
  local d="$DIR/smtp"
  mkdir -p "$d" "$DIR/mail"
  local starttls=${SMTP_STARTTLS_PORT:-2525} implicit=${SMTP_IMPLICIT_PORT:-2465}
  local plain=${SMTP_PLAIN_PORT:-2526} scripted=${SMTP_SCRIPTED_PORT:-2527}
  cp "$(dirname "${BASH_SOURCE[0]}")/smtp_sink.py" "$d/smtp_sink.py"
  rm -f "$d/pid"
  MAIL_DIR="$DIR/mail" SMTP_USER="$USER_NAME" SMTP_PASSWORD="$PASSWORD" \
    TLS_CERT="$DIR/tls/server.pem" TLS_KEY="$DIR/tls/server.key" \
    SMTP_STARTTLS_PORT=$starttls SMTP_IMPLICIT_PORT=$implicit \
    SMTP_PLAIN_PORT=$plain SMTP_SCRIPTED_PORT=$scripted \
    SMTP_DATA_SIZE_LIMIT=${SMTP_DATA_SIZE_LIMIT:-5242880} SMTP_PID_FILE="$d/pid" \
    setsid "$SMTP_PYTHON" "$d/smtp_sink.py" </dev/null >"$d/log" 2>&1 &
  local ok=no
  for _ in $(seq 1 100); do
    if [ -s "$d/pid" ] && smtp_banner "$starttls" 2>/dev/null && smtp_banner "$implicit" tls 2>/dev/null \
      && smtp_banner "$plain" 2>/dev/null && smtp_banner "$scripted" 2>/dev/null; then
      ok=yes
      break
    fi
    sleep 0.1
  done
  if [ "$ok" != yes ]; then
    echo "smtp: the sink did not greet within 10 s; its log:" >&2
    cat "$d/log" >&2
    return 1
  fi
  {
    echo "SMTP_STARTTLS_PORT=$starttls"
    echo "SMTP_IMPLICIT_PORT=$implicit"
    echo "SMTP_PLAIN_PORT=$plain"
    echo "SMTP_SCRIPTED_PORT=$scripted"
    echo "SMTP_DATA_SIZE_LIMIT=${SMTP_DATA_SIZE_LIMIT:-5242880}"
    echo "MAIL_DIR=$DIR/mail"
  } >> "$DIR/env"
}

smtp_stop() {
  local pid_file="$DIR/smtp/pid"
  [ -s "$pid_file" ] || return 0
  local pid
  pid=$(cat "$pid_file")
  kill "$pid" 2>/dev/null || true
  for _ in $(seq 1 50); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  kill -9 "$pid" 2>/dev/null || true
  rm -f "$pid_file"
}
