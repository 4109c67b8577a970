# OpenSSH sshd for the `type = "sftp"` tests: sourced by scripts/test-servers.
#
# Runs /usr/sbin/sshd on 127.0.0.1:$SSH_PORT (default 2222) with its own host keys (ed25519,
# ecdsa, rsa) under $DIR/ssh, password and public-key auth for the test user, and the
# internal sftp server starting in the upload directory. No chroot (ChrootDirectory needs
# root-owned path components), no PAM (passwords are checked against /etc/shadow),
# StrictModes off (the authorized_keys file lives under /tmp). See shared TEST-SERVERS.md §9.
#
# Env lines written: SSH_PORT, SSH_PID_FILE, SSH_KNOWN_HOSTS (plain `[127.0.0.1]:PORT` entries
# for all three host keys), SSH_KNOWN_HOSTS_HASHED (the same, `ssh-keygen -H`),
# SSH_KEY_ED25519, SSH_KEY_RSA, SSH_KEY_ENCRYPTED + SSH_KEY_PASSPHRASE (client keys authorized
# for the test user), SSH_HOSTKEY_SHA256 (ed25519 host key fingerprint),
# SSH_HOSTKEY_ECDSA_SHA256, SSH_HOSTKEY_RSA_SHA256.

# shellcheck disable=SC2034  # read by scripts/test-servers through an indirect reference
sshd_packages=(openssh-server openssh-client)

sshd_start() {
  local port=${SSH_PORT:-2222}
  local s="$DIR/ssh"
  mkdir -p "$s" /run/sshd
  chmod 755 "$s"
  chmod 0755 /run/sshd

  local t
  for t in ed25519 ecdsa rsa; do
    ssh-keygen -q -t "$t" -N '' -C "reportd-test-host-$t" -f "$s/host_${t}_key"
  done

  # Client keys: plain ed25519, RSA (rsa-sha2-256/512 signatures), passphrase-protected ed25519.
  local passphrase
  passphrase=$(openssl rand -hex 8)
  ssh-keygen -q -t ed25519 -N '' -C reportd-test-ed25519 -f "$s/id_ed25519"
  ssh-keygen -q -t rsa -b 3072 -N '' -C reportd-test-rsa -f "$s/id_rsa"
  ssh-keygen -q -t ed25519 -N "$passphrase" -C reportd-test-encrypted -f "$s/id_encrypted"
  cat "$s/id_ed25519.pub" "$s/id_rsa.pub" "$s/id_encrypted.pub" > "$s/authorized_keys"
  # sshd reads authorized_keys as the user.
  chmod 644 "$s/authorized_keys"

  for t in ed25519 ecdsa rsa; do
    printf '[127.0.0.1]:%s %s\n' "$port" "$(cut -d' ' -f1,2 "$s/host_${t}_key.pub")"
  done > "$s/known_hosts"
  cp "$s/known_hosts" "$s/known_hosts_hashed"
  ssh-keygen -q -H -f "$s/known_hosts_hashed" >/dev/null 2>&1
  rm -f "$s/known_hosts_hashed.old"
  chmod 644 "$s"/known_hosts*

  cat > "$s/sshd_config" <<EOF
ListenAddress 127.0.0.1
Port $port
HostKey $s/host_ed25519_key
HostKey $s/host_ecdsa_key
HostKey $s/host_rsa_key
PidFile $s/sshd.pid
AuthorizedKeysFile $s/authorized_keys
UsePAM no
StrictModes no
PasswordAuthentication yes
PubkeyAuthentication yes
KbdInteractiveAuthentication no
PermitRootLogin no
AllowUsers $USER_NAME
MaxStartups 100:30:200
MaxSessions 50
LoginGraceTime 30
LogLevel VERBOSE
Subsystem sftp internal-sftp -d $DIR/home/upload
EOF

  /usr/sbin/sshd -t -f "$s/sshd_config"
  # -E: log to a file (no syslog daemon on a CI machine); sshd daemonises and writes PidFile.
  /usr/sbin/sshd -f "$s/sshd_config" -E "$s/sshd.log"

  # Ready when the real banner arrives, not when the port opens.
  local i line=""
  for i in $(seq 1 100); do
    if exec 3<>"/dev/tcp/127.0.0.1/$port" 2>/dev/null; then
      IFS= read -r -t 2 line <&3 || true
      exec 3<&- 3>&-
      [[ "$line" == SSH-2.0-* ]] && break
    fi
    sleep 0.1
  done
  if [[ "$line" != SSH-2.0-* ]]; then
    echo "sshd did not answer on 127.0.0.1:$port (log: $s/sshd.log)" >&2
    return 1
  fi

  fp() { ssh-keygen -l -E sha256 -f "$1" | awk '{print $2}'; }
  {
    echo "SSH_PORT=$port"
    echo "SSH_PID_FILE=$s/sshd.pid"
    echo "SSH_KNOWN_HOSTS=$s/known_hosts"
    echo "SSH_KNOWN_HOSTS_HASHED=$s/known_hosts_hashed"
    echo "SSH_KEY_ED25519=$s/id_ed25519"
    echo "SSH_KEY_RSA=$s/id_rsa"
    echo "SSH_KEY_ENCRYPTED=$s/id_encrypted"
    echo "SSH_KEY_PASSPHRASE=$passphrase"
    echo "SSH_HOSTKEY_SHA256=$(fp "$s/host_ed25519_key.pub")"
    echo "SSH_HOSTKEY_ECDSA_SHA256=$(fp "$s/host_ecdsa_key.pub")"
    echo "SSH_HOSTKEY_RSA_SHA256=$(fp "$s/host_rsa_key.pub")"
  } >> "$DIR/env"
}

sshd_stop() {
  local pid_file="$DIR/ssh/sshd.pid"
  [ -f "$pid_file" ] || return 0
  local pid
  pid=$(cat "$pid_file")
  # Only our listener (by its pid file); its per-session children exit with their clients.
  if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
    kill "$pid"
    local i
    for i in $(seq 1 50); do
      kill -0 "$pid" 2>/dev/null || break
      sleep 0.1
    done
  fi
  rm -f "$pid_file"
}
