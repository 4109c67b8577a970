# vsftpd for the `type = "ftp"` tests, sourced by scripts/test-servers (which sets DIR and
# USER_NAME and writes $DIR/env). Four instances on 127.0.0.1, all with vsftpd's default
# `require_ssl_reuse=YES` (what customers run; set FTP_SSL_REUSE=NO to experiment):
#   plain     FTP_PORT          (2121)  no TLS at all
#   explicit  FTPES_PORT        (2122)  AUTH TLS required for login and data
#   implicit  FTPS_PORT         (2990)  TLS from the first byte
#   norename  FTP_NORENAME_PORT (2123)  explicit TLS, RNFR/RNTO denied ("rename refused"),
#                                       EPSV denied too (clients must fall back to PASV)
# Ports and passive ranges can be moved with the variables below (other checkouts may run
# their own servers on this machine at the same time).
# Gotchas (shared/TEST-SERVERS.md): vsftpd must start as root; it has no pid file and only
# daemonises with background=YES, so each instance runs in the foreground under setsid and
# writes its own pid; a missing secure_chroot_dir still lets it listen but answers
# `500 OOPS` instead of `220`, so readiness means reading the 220 banner.

vsftpd_packages=(vsftpd)

: "${FTP_PORT:=2121}"
: "${FTPES_PORT:=2122}"
: "${FTPS_PORT:=2990}"
: "${FTP_NORENAME_PORT:=2123}"
: "${FTP_PASV_PLAIN:=30000-30049}"
: "${FTP_PASV_EXPLICIT:=30050-30099}"
: "${FTP_PASV_IMPLICIT:=30100-30129}"
: "${FTP_PASV_NORENAME:=30130-30149}"
: "${FTP_SSL_REUSE:=YES}"

vsftpd_instances=(plain explicit implicit norename)

# vsftpd_conf NAME PORT PASV_RANGE: the config lines of one instance.
vsftpd_conf() {
  local name=$1 port=$2 range=$3
  cat <<EOF
listen=YES
listen_ipv6=NO
listen_address=127.0.0.1
listen_port=$port
background=NO
anonymous_enable=NO
local_enable=YES
write_enable=YES
local_umask=022
local_root=$DIR/home/upload
chroot_local_user=NO
pam_service_name=vsftpd
secure_chroot_dir=$DIR/ftp/empty
userlist_enable=NO
pasv_enable=YES
pasv_min_port=${range%-*}
pasv_max_port=${range#*-}
xferlog_enable=YES
log_ftp_protocol=YES
vsftpd_log_file=$DIR/ftp/$name.log
EOF
  case $name in
    plain) echo "ssl_enable=NO" ;;
    *)
      cat <<EOF
ssl_enable=YES
rsa_cert_file=$DIR/tls/server.pem
rsa_private_key_file=$DIR/tls/server.key
ssl_ciphers=HIGH
require_ssl_reuse=$FTP_SSL_REUSE
force_local_logins_ssl=YES
force_local_data_ssl=YES
EOF
      ;;
  esac
  case $name in
    implicit) echo "implicit_ssl=YES" ;;
    norename) echo "cmds_denied=RNFR,RNTO,EPSV" ;;
  esac
}

vsftpd_port() {
  case $1 in
    plain) echo "$FTP_PORT" ;;
    explicit) echo "$FTPES_PORT" ;;
    implicit) echo "$FTPS_PORT" ;;
    norename) echo "$FTP_NORENAME_PORT" ;;
  esac
}

vsftpd_range() {
  case $1 in
    plain) echo "$FTP_PASV_PLAIN" ;;
    explicit) echo "$FTP_PASV_EXPLICIT" ;;
    implicit) echo "$FTP_PASV_IMPLICIT" ;;
    norename) echo "$FTP_PASV_NORENAME" ;;
  esac
}

vsftpd_start() {
  mkdir -p "$DIR/ftp/empty"
  chown root:root "$DIR/ftp/empty"
  chmod 0555 "$DIR/ftp/empty"
  local name port
  for name in "${vsftpd_instances[@]}"; do
    port=$(vsftpd_port "$name")
    # The child records its own pid (it is the process group leader: stop kills the group,
    # per-session processes included).
    vsftpd_conf "$name" "$port" "$(vsftpd_range "$name")" > "$DIR/ftp/$name.conf"
    setsid bash -c 'echo $$ > "$1"; exec /usr/sbin/vsftpd "$2" </dev/null >>"$3" 2>&1' \
      vsftpd "$DIR/ftp/$name.pid" "$DIR/ftp/$name.conf" "$DIR/ftp/$name.out" &
  done
  for name in "${vsftpd_instances[@]}"; do
    port=$(vsftpd_port "$name")
    await_ftp_banner "vsftpd $name" "$port" "$DIR/ftp/$name.out" \
      "$([ "$name" = implicit ] && echo implicit)" || return 1
  done
  {
    echo "FTP_PORT=$FTP_PORT"
    echo "FTPES_PORT=$FTPES_PORT"
    echo "FTPS_PORT=$FTPS_PORT"
    echo "FTP_NORENAME_PORT=$FTP_NORENAME_PORT"
    echo "FTP_PID_DIR=$DIR/ftp"
  } >> "$DIR/env"
}

vsftpd_stop() {
  local name pid
  for name in "${vsftpd_instances[@]}"; do
    [ -f "$DIR/ftp/$name.pid" ] || continue
    pid=$(cat "$DIR/ftp/$name.pid")
    # Only our own process group, and only if it is still vsftpd.
    if [ -n "$pid" ] && [ "$(cat "/proc/$pid/comm" 2>/dev/null)" = vsftpd ]; then
      kill -TERM -- "-$pid" 2>/dev/null || true
    fi
    rm -f "$DIR/ftp/$name.pid"
  done
}
