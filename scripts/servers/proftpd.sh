# ProFTPD for the `type = "ftp"` tests, sourced by scripts/test-servers (which sets DIR and
# USER_NAME and writes $DIR/env): a second, independent FTP implementation beside vsftpd,
# as customers run both. One instance on 127.0.0.1:
#   PROFTPD_PORT (2124)  explicit TLS required (mod_tls: AUTH TLS, PROT P, and its default
#                        of requiring the data connection to resume the control
#                        connection's TLS session), and `AllowOverwrite off`: a STOR or an
#                        RNTO onto an existing name is refused with 550 — the server that
#                        will not replace a file on rename, for real.
# Logins are the harness's system user (mod_auth_unix, /etc/shadow), landing in the upload
# directory ($DIR/home/upload, the same tree the vsftpd instances serve).
# Gotchas: Debian's proftpd-core and vsftpd conflict (both provide ftp-server: installing
# one removes the other), so ProFTPD is not installed but unpacked (`apt-get download` +
# `dpkg-deb -x`) into $PROFTPD_ROOT, kept between runs; the packages its .debs depend on
# (libraries, whatever this Debian release calls them) are installed from their own
# `Depends:` fields. mod_tls is in proftpd-mod-crypto, not in
# proftpd-core. proftpd must start as root (it reads /etc/shadow and binds, then runs
# sessions as the user); `-n` keeps it in the foreground; a config error exits at once with
# the line in proftpd.out.

proftpd_packages=() # see proftpd_unpack
: "${PROFTPD_ROOT:=/var/lib/reportd-test-servers/proftpd}"

: "${PROFTPD_PORT:=2124}"
: "${PROFTPD_PASV:=30150-30169}"

proftpd_conf() {
  cat <<EOF
ServerName "reportd test ProFTPD"
ServerType standalone
DefaultServer on
DefaultAddress 127.0.0.1
SocketBindTight on
Port $PROFTPD_PORT
UseIPv6 off
UseReverseDNS off
User nobody
Group nogroup
Umask 022
MaxInstances 50
PidFile $DIR/ftp/proftpd.pid
ScoreboardFile $DIR/ftp/proftpd.scoreboard
DelayTable none
WtmpLog off
SystemLog $DIR/ftp/proftpd.log
TransferLog $DIR/ftp/proftpd.xferlog
# Every command (session pid, command, reply code, full path, argument), for tests to see
# what the server refused.
LogFormat commands "%P %m %s %f %J"
ExtendedLog $DIR/ftp/proftpd.commands ALL commands
AuthOrder mod_auth_unix.c
RequireValidShell off
DefaultChdir $DIR/home/upload
PassivePorts ${PROFTPD_PASV%-*} ${PROFTPD_PASV#*-}
AllowOverwrite off
ModulePath $PROFTPD_ROOT/usr/lib/proftpd
LoadModule mod_tls.c
<IfModule mod_tls.c>
  TLSEngine on
  TLSLog $DIR/ftp/proftpd-tls.log
  TLSProtocol TLSv1.2 TLSv1.3
  TLSRSACertificateFile $DIR/tls/server.pem
  TLSRSACertificateKeyFile $DIR/tls/server.key
  TLSRequired on
  TLSVerifyClient off
</IfModule>
EOF
}

# proftpd_unpack: the proftpd binary and modules under $PROFTPD_ROOT (once).
proftpd_unpack() {
  [ -x "$PROFTPD_ROOT/usr/sbin/proftpd" ] && [ -f "$PROFTPD_ROOT/usr/lib/proftpd/mod_tls.so" ] && return 0
  log "unpacking proftpd-core and proftpd-mod-crypto into $PROFTPD_ROOT"
  local tmp
  tmp=$(mktemp -d)
  if ! (cd "$tmp" && apt-get download -qq proftpd-core proftpd-mod-crypto >/dev/null 2>&1); then
    apt-get update -qq
    (cd "$tmp" && apt-get download -qq proftpd-core proftpd-mod-crypto >/dev/null)
  fi
  rm -rf "$PROFTPD_ROOT" && mkdir -p "$PROFTPD_ROOT"
  local deb dep missing=()
  for deb in "$tmp"/*.deb; do
    dpkg-deb -x "$deb" "$PROFTPD_ROOT"
    # "a (>= 1), b | c, proftpd-abi-1.3.8" -> a b (first alternatives, not ProFTPD's own).
    for dep in $(dpkg-deb -f "$deb" Depends | tr ',' '\n' | sed -E 's/\|.*//; s/\(.*\)//; s/[[:space:]]//g'); do
      case $dep in proftpd-*|'') continue ;; esac
      dpkg-query -W -f='${Status}' "$dep" 2>/dev/null | grep -q 'install ok installed' || missing+=("$dep")
    done
  done
  if [ ${#missing[@]} -gt 0 ]; then
    log "installing proftpd's dependencies: ${missing[*]}"
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  fi
  rm -rf "$tmp"
  if ldd "$PROFTPD_ROOT/usr/sbin/proftpd" "$PROFTPD_ROOT/usr/lib/proftpd/mod_tls.so" | grep -q 'not found'; then
    log "proftpd needs libraries that are not installed:"
    ldd "$PROFTPD_ROOT/usr/sbin/proftpd" "$PROFTPD_ROOT/usr/lib/proftpd/mod_tls.so" | grep 'not found' >&2
    return 1
  fi
}

proftpd_start() {
  proftpd_unpack
  mkdir -p "$DIR/ftp"
  proftpd_conf > "$DIR/ftp/proftpd.conf"
  rm -f "$DIR/ftp/proftpd.pid"
  setsid "$PROFTPD_ROOT/usr/sbin/proftpd" -n -q -c "$DIR/ftp/proftpd.conf" </dev/null \
    >>"$DIR/ftp/proftpd.out" 2>&1 &
  await_ftp_banner proftpd "$PROFTPD_PORT" "$DIR/ftp/proftpd.out" || return 1
  echo "PROFTPD_PORT=$PROFTPD_PORT" >> "$DIR/env"
}

proftpd_stop() {
  local pid
  [ -f "$DIR/ftp/proftpd.pid" ] || return 0
  pid=$(cat "$DIR/ftp/proftpd.pid")
  # Only if it is still proftpd (the master; it ends its sessions on TERM).
  if [ -n "$pid" ] && [[ "$(cat "/proc/$pid/comm" 2>/dev/null)" == proftpd* ]]; then
    kill -TERM "$pid" 2>/dev/null || true
  fi
  rm -f "$DIR/ftp/proftpd.pid"
}
