//! `type = "sftp"` against the real OpenSSH sshd of `scripts/test-servers` (sshd.sh):
//! uploads with every login method and host-key check, the refusals (wrong password, unknown,
//! changed and revoked host keys), a server that comes up late, a connection cut mid-upload,
//! refused renames, atomic replacement, done markers, `create_dir` and `check()`.
//!
//! Each test works in its own remote directory under `$UPLOAD_DIR` (made here, as root, and
//! given to the test user), so the tests run in parallel.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::HashMap;
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::time::Duration;

use reportd::code::Code;
use reportd::config::{DestinationKind, DestinationPlan, HostKeyCheck, RetryPolicy, SftpPlan};
use reportd::deliver::retry::deliver_with_retry;
use reportd::deliver::{DeliveryError, Destination, OutgoingFile};
use reportd::secret::{Secret, SecretSource};
use sha2::{Digest, Sha256};

/// The test servers' coordinates.
fn env() -> HashMap<String, String> {
    reportd_tests::servers()
}

fn var(env: &HashMap<String, String>, key: &str) -> String {
    env.get(key)
        .unwrap_or_else(|| panic!("{key} missing from the test servers' env file"))
        .clone()
}

/// A fresh remote directory `$UPLOAD_DIR/<name>` owned by the test user.
fn remote_dir(env: &HashMap<String, String>, name: &str) -> PathBuf {
    let upload = PathBuf::from(var(env, "UPLOAD_DIR"));
    let owner = std::fs::metadata(&upload).unwrap();
    let dir = upload.join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    std::os::unix::fs::chown(&dir, Some(owner.uid()), Some(owner.gid())).unwrap();
    dir
}

/// Password login, known_hosts check, `dir` = `dir`.
fn base(env: &HashMap<String, String>, dir: &Path) -> SftpPlan {
    SftpPlan {
        host: "127.0.0.1".into(),
        port: var(env, "SSH_PORT").parse().unwrap(),
        user: var(env, "USER"),
        password: Some(SecretSource::Literal(Secret::new(var(env, "PASSWORD")))),
        private_key: None,
        passphrase: None,
        host_key: HostKeyCheck::KnownHosts(var(env, "SSH_KNOWN_HOSTS").into()),
        dir: dir.display().to_string(),
        create_dir: false,
        atomic: true,
        done_marker: false,
        connect_timeout: Duration::from_secs(15),
        idle_timeout: Duration::from_secs(30),
        ciphers: Vec::new(),
    }
}

fn dest(plan: SftpPlan) -> Destination {
    Destination::from_plan(&DestinationPlan {
        name: "test-sftp".into(),
        kind: DestinationKind::Sftp(plan),
        retry: RetryPolicy::DELIVERY_DEFAULT,
        timeout: Duration::from_secs(120),
    })
}

/// Deterministic bytes that are not a short repeating pattern: a 64 KiB xorshift64 block,
/// repeated with each copy's index stamped into its first 8 bytes (fast even unoptimized).
fn payload(len: usize, seed: u64) -> Vec<u8> {
    let mut x = seed | 1;
    let mut block = Vec::with_capacity(64 * 1024);
    while block.len() < 64 * 1024 {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        block.extend_from_slice(&x.to_le_bytes());
    }
    let mut out = Vec::with_capacity(len + block.len());
    let mut i: u64 = 0;
    while out.len() < len {
        let start = out.len();
        out.extend_from_slice(&block);
        out[start..start + 8].copy_from_slice(&i.to_le_bytes());
        i += 1;
    }
    out.truncate(len);
    out
}

fn sha256(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

/// A report file in a temp dir, ready to deliver as `name`.
fn outgoing(tmp: &Path, name: &str, body: &[u8]) -> OutgoingFile {
    let path = tmp.join(format!("local-{name}"));
    std::fs::write(&path, body).unwrap();
    OutgoingFile {
        path,
        name: name.to_owned(),
        bytes: body.len() as u64,
        sha256: sha256(body),
        context: None,
    }
}

/// Names in a directory, sorted (a leftover `.part` shows up here).
fn names(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    v.sort();
    v
}

/// Delivers `body` as `r.csv` with `plan` and checks the remote bytes and sha256.
async fn upload_and_verify(plan: SftpPlan, dir: &Path) {
    let tmp = tempfile::tempdir().unwrap();
    let body = payload(3 * 1024 * 1024 + 17, 7);
    let file = outgoing(tmp.path(), "r.csv", &body);
    let receipt = dest(plan).deliver(&file).await.unwrap();
    assert_eq!(receipt.bytes, body.len() as u64);
    assert!(
        receipt
            .remote_path
            .ends_with(&format!("{}/r.csv", dir.display())),
        "{}",
        receipt.remote_path
    );
    let remote = std::fs::read(dir.join("r.csv")).unwrap();
    assert_eq!(remote.len(), body.len());
    assert_eq!(sha256(&remote), file.sha256);
    assert_eq!(names(dir), vec!["r.csv".to_owned()]);
}

fn assert_permanent(e: &DeliveryError, code: Code) {
    assert_eq!(e.code, code, "{e}");
    assert!(!e.is_transient(), "{e} should be permanent");
}

/// A known_hosts file with `lines` in a temp dir.
fn known_hosts_file(tmp: &Path, lines: &str) -> PathBuf {
    let p = tmp.join("known_hosts");
    std::fs::write(&p, lines).unwrap();
    p
}

/// The server's known_hosts line for key type `ty` (`ssh-ed25519`, `ecdsa-sha2-nistp256`).
fn host_line(env: &HashMap<String, String>, ty: &str) -> String {
    let text = std::fs::read_to_string(var(env, "SSH_KNOWN_HOSTS")).unwrap();
    text.lines()
        .find(|l| l.split_whitespace().nth(1) == Some(ty))
        .unwrap_or_else(|| panic!("no {ty} line in SSH_KNOWN_HOSTS"))
        .to_owned()
}

/// A valid ed25519 public key that is not the server's.
const OTHER_ED25519: &str =
    "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIFOb2K8e33e4gNFZ7lhSPcnXpM9haB1Q3MPv3jYvjLVm";

#[tokio::test]
async fn password_upload_bytes_and_sha256_match() {
    let env = env();
    let dir = remote_dir(&env, "password");
    upload_and_verify(base(&env, &dir), &dir).await;
}

#[tokio::test]
async fn ed25519_key_upload() {
    let env = env();
    let dir = remote_dir(&env, "ed25519");
    let mut plan = base(&env, &dir);
    plan.password = None;
    plan.private_key = Some(var(&env, "SSH_KEY_ED25519").into());
    upload_and_verify(plan, &dir).await;
}

#[tokio::test]
async fn rsa_key_upload() {
    let env = env();
    let dir = remote_dir(&env, "rsa");
    let mut plan = base(&env, &dir);
    plan.password = None;
    plan.private_key = Some(var(&env, "SSH_KEY_RSA").into());
    upload_and_verify(plan, &dir).await;
}

#[tokio::test]
async fn encrypted_key_upload_and_missing_passphrase() {
    let env = env();
    let dir = remote_dir(&env, "encrypted");
    let mut plan = base(&env, &dir);
    plan.password = None;
    plan.private_key = Some(var(&env, "SSH_KEY_ENCRYPTED").into());
    plan.passphrase = Some(SecretSource::Literal(Secret::new(var(
        &env,
        "SSH_KEY_PASSPHRASE",
    ))));
    upload_and_verify(plan.clone(), &dir).await;

    plan.passphrase = None;
    let e = dest(plan.clone()).check().await.unwrap_err();
    assert_permanent(&e, Code::SftpKey);
    assert!(e.message.contains("encrypted"), "{e}");
    plan.passphrase = Some(SecretSource::Literal(Secret::new("pp-not-it-42")));
    let e = dest(plan).check().await.unwrap_err();
    assert_permanent(&e, Code::SftpKey);
    assert!(
        !e.message.contains("pp-not-it"),
        "no secret in messages: {e}"
    );
}

#[tokio::test]
async fn hashed_known_hosts() {
    let env = env();
    let dir = remote_dir(&env, "hashed");
    let mut plan = base(&env, &dir);
    plan.host_key = HostKeyCheck::KnownHosts(var(&env, "SSH_KNOWN_HOSTS_HASHED").into());
    upload_and_verify(plan, &dir).await;
}

#[tokio::test]
async fn known_hosts_with_only_the_ecdsa_key() {
    // russh would ask for ed25519 first; the entry on file must steer it to ECDSA.
    let env = env();
    let dir = remote_dir(&env, "ecdsa-only");
    let tmp = tempfile::tempdir().unwrap();
    let kh = known_hosts_file(
        tmp.path(),
        &format!("{}\n", host_line(&env, "ecdsa-sha2-nistp256")),
    );
    let mut plan = base(&env, &dir);
    plan.host_key = HostKeyCheck::KnownHosts(kh);
    let msg = dest(plan.clone()).check().await.unwrap();
    assert!(
        msg.contains(&var(&env, "SSH_HOSTKEY_ECDSA_SHA256")),
        "{msg}"
    );
    upload_and_verify(plan, &dir).await;
}

#[tokio::test]
async fn pinned_fingerprint() {
    let env = env();
    let dir = remote_dir(&env, "pinned");
    let mut plan = base(&env, &dir);
    plan.host_key = HostKeyCheck::Fingerprint(var(&env, "SSH_HOSTKEY_SHA256"));
    upload_and_verify(plan.clone(), &dir).await;

    // Another key's fingerprint: refused before logging in.
    plan.host_key =
        HostKeyCheck::Fingerprint("SHA256:oShAurKIHWyY+Dql7TzgKPUcwJguuDfzGbccTEpTZfE".into());
    let e = dest(plan).check().await.unwrap_err();
    assert_permanent(&e, Code::SftpHostKeyMismatch);
}

#[tokio::test]
async fn pinned_fingerprint_of_the_ecdsa_or_rsa_key() {
    // The server presents its ed25519 key first; a pin of its ECDSA or RSA key must still
    // be found (one more handshake per other key type, as OpenSSH does).
    let env = env();
    let dir = remote_dir(&env, "pinned-other-types");
    let mut plan = base(&env, &dir);
    for (var_name, alg) in [
        ("SSH_HOSTKEY_ECDSA_SHA256", "ecdsa-sha2-nistp256"),
        // The key's type, not the signature algorithm negotiated (rsa-sha2-512).
        ("SSH_HOSTKEY_RSA_SHA256", "ssh-rsa"),
    ] {
        let fp = var(&env, var_name);
        plan.host_key = HostKeyCheck::Fingerprint(fp.clone());
        let msg = dest(plan.clone()).check().await.unwrap();
        // check() names the accepted key: `algorithm SHA256:...`.
        assert!(msg.contains(&format!("{alg} {fp}")), "{msg}");
    }
    plan.host_key = HostKeyCheck::Fingerprint(var(&env, "SSH_HOSTKEY_RSA_SHA256"));
    upload_and_verify(plan.clone(), &dir).await;

    // A pin of no key of this server: refused, naming all three keys it has.
    plan.host_key =
        HostKeyCheck::Fingerprint("SHA256:oShAurKIHWyY+Dql7TzgKPUcwJguuDfzGbccTEpTZfE".into());
    let e = dest(plan).check().await.unwrap_err();
    assert_permanent(&e, Code::SftpHostKeyMismatch);
    for key in [
        "SSH_HOSTKEY_SHA256",
        "SSH_HOSTKEY_ECDSA_SHA256",
        "SSH_HOSTKEY_RSA_SHA256",
    ] {
        assert!(e.message.contains(&var(&env, key)), "{key}: {e}");
    }
    assert!(e.message.contains("man-in-the-middle"), "{e}");
}

#[tokio::test]
async fn wrong_password_is_permanent_auth_failure() {
    let env = env();
    let dir = remote_dir(&env, "wrong-password");
    let mut plan = base(&env, &dir);
    plan.password = Some(SecretSource::Literal(Secret::new("not-the-password")));
    let tmp = tempfile::tempdir().unwrap();
    let file = outgoing(tmp.path(), "r.csv", b"a;b\n");
    let e = dest(plan).deliver(&file).await.unwrap_err();
    assert_permanent(&e, Code::SftpAuth);
    assert!(!e.message.contains("not-the-password"), "{e}");
    assert!(names(&dir).is_empty());
}

#[tokio::test]
async fn unknown_host_key() {
    let env = env();
    let dir = remote_dir(&env, "unknown-key");
    let tmp = tempfile::tempdir().unwrap();
    // Entries for other hosts only (port 22 of the same address is another host too).
    let kh = known_hosts_file(
        tmp.path(),
        &format!("other.example.com {OTHER_ED25519}\n127.0.0.1 {OTHER_ED25519}\n"),
    );
    let mut plan = base(&env, &dir);
    plan.host_key = HostKeyCheck::KnownHosts(kh);
    let file = outgoing(tmp.path(), "r.csv", b"x");
    let e = dest(plan.clone()).deliver(&file).await.unwrap_err();
    assert_permanent(&e, Code::SftpHostKeyUnknown);
    assert!(e.message.contains("[127.0.0.1]:"), "{e}");
    assert_permanent(
        &dest(plan).check().await.unwrap_err(),
        Code::SftpHostKeyUnknown,
    );
    assert!(names(&dir).is_empty());
}

#[tokio::test]
async fn changed_host_key_is_a_mismatch() {
    let env = env();
    let dir = remote_dir(&env, "changed-key");
    let tmp = tempfile::tempdir().unwrap();
    let port = var(&env, "SSH_PORT");
    let kh = known_hosts_file(tmp.path(), &format!("[127.0.0.1]:{port} {OTHER_ED25519}\n"));
    let mut plan = base(&env, &dir);
    plan.host_key = HostKeyCheck::KnownHosts(kh);
    let file = outgoing(tmp.path(), "r.csv", b"x");
    let e = dest(plan).deliver(&file).await.unwrap_err();
    assert_permanent(&e, Code::SftpHostKeyMismatch);
    assert!(e.message.contains("man-in-the-middle"), "{e}");
    assert!(e.message.contains(&var(&env, "SSH_HOSTKEY_SHA256")), "{e}");
    assert!(names(&dir).is_empty());
}

#[tokio::test]
async fn revoked_host_key_is_refused() {
    let env = env();
    let dir = remote_dir(&env, "revoked");
    let tmp = tempfile::tempdir().unwrap();
    let ed = host_line(&env, "ssh-ed25519");
    // Valid entries for every key, and the ed25519 one also revoked: revoked wins.
    let all = std::fs::read_to_string(var(&env, "SSH_KNOWN_HOSTS")).unwrap();
    let kh = known_hosts_file(tmp.path(), &format!("{all}@revoked {ed}\n"));
    let mut plan = base(&env, &dir);
    plan.host_key = HostKeyCheck::KnownHosts(kh);
    let e = dest(plan).check().await.unwrap_err();
    assert_permanent(&e, Code::SftpHostKeyMismatch);
    assert!(e.message.contains("@revoked"), "{e}");
}

/// Forwards every connection accepted on `listener` to `target` (both directions).
fn forward(listener: TcpListener, target: String) {
    for client in listener.incoming() {
        let Ok(client) = client else { continue };
        let Ok(server) = TcpStream::connect(&target) else {
            continue;
        };
        for (mut from, mut to) in [
            (client.try_clone().unwrap(), server.try_clone().unwrap()),
            (server, client),
        ] {
            std::thread::spawn(move || {
                let mut buf = vec![0u8; 64 * 1024];
                loop {
                    match from.read(&mut buf) {
                        Ok(0) | Err(_) => break,
                        Ok(n) => {
                            if to.write_all(&buf[..n]).is_err() {
                                break;
                            }
                        }
                    }
                }
                let _ = to.shutdown(std::net::Shutdown::Write);
            });
        }
    }
}

#[tokio::test]
async fn server_down_then_up_is_retried_to_success() {
    let env = env();
    let dir = remote_dir(&env, "down-then-up");
    let tmp = tempfile::tempdir().unwrap();
    // A port nothing listens on for the first second.
    let port = {
        let l = TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let target = format!("127.0.0.1:{}", var(&env, "SSH_PORT"));
    std::thread::spawn(move || {
        std::thread::sleep(Duration::from_secs(1));
        let listener = TcpListener::bind(("127.0.0.1", port)).unwrap();
        forward(listener, target);
    });
    // known_hosts entries are per port: the same keys under the forwarder's port.
    let text = std::fs::read_to_string(var(&env, "SSH_KNOWN_HOSTS")).unwrap();
    let kh = known_hosts_file(
        tmp.path(),
        &text.replace(
            &format!("]:{} ", var(&env, "SSH_PORT")),
            &format!("]:{port} "),
        ),
    );
    let mut plan = base(&env, &dir);
    plan.port = port;
    plan.host_key = HostKeyCheck::KnownHosts(kh);
    let body = payload(100_000, 3);
    let file = outgoing(tmp.path(), "r.csv", &body);
    let policy = RetryPolicy {
        attempts: 20,
        initial: Duration::from_millis(200),
        max_delay: Duration::from_millis(400),
        max_elapsed: Duration::from_secs(60),
    };
    let mut failures = Vec::new();
    let attempted = deliver_with_retry(
        &dest(plan),
        &file,
        &policy,
        Duration::from_secs(60),
        |n, e, delay| failures.push((n, e.clone(), delay)),
    )
    .await;
    let receipt = attempted.result.unwrap();
    assert_eq!(receipt.bytes, 100_000);
    assert!(attempted.attempts >= 2, "{} attempts", attempted.attempts);
    assert_eq!(failures.len() as u32, attempted.attempts - 1);
    for (_, e, delay) in &failures {
        assert_eq!(e.code, Code::ConnectRefused, "{e}");
        assert!(e.is_transient());
        assert!(delay.is_some());
    }
    assert_eq!(
        sha256(&std::fs::read(dir.join("r.csv")).unwrap()),
        file.sha256
    );
    assert_eq!(names(&dir), vec!["r.csv".to_owned()]);
}

/// Pids of processes with `path` open.
fn holders(path: &Path) -> Vec<i32> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir("/proc").unwrap().flatten() {
        let Ok(pid) = entry.file_name().to_string_lossy().parse::<i32>() else {
            continue;
        };
        let Ok(fds) = std::fs::read_dir(entry.path().join("fd")) else {
            continue;
        };
        if fds
            .flatten()
            .any(|fd| std::fs::read_link(fd.path()).is_ok_and(|t| t == path))
        {
            out.push(pid);
        }
    }
    out
}

/// The parent pid of `pid`.
fn ppid(pid: i32) -> Option<i32> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // "pid (comm) state ppid ...": comm may hold spaces, so split after the last ')'.
    stat.rsplit_once(')')?
        .1
        .split_whitespace()
        .nth(1)?
        .parse()
        .ok()
}

#[tokio::test]
async fn connection_cut_mid_upload_leaves_nothing_and_retry_succeeds() {
    let env = env();
    let dir = remote_dir(&env, "cut");
    let tmp = tempfile::tempdir().unwrap();
    let body = payload(200 * 1024 * 1024, 11);
    let path = tmp.path().join("big.csv");
    std::fs::write(&path, &body).unwrap();
    // No sha256 here: the transport does not use it, and it is slow unoptimized.
    let file = OutgoingFile {
        path,
        name: "big.csv".into(),
        bytes: body.len() as u64,
        sha256: String::new(),
        context: None,
    };
    let plan = base(&env, &dir);
    let listener: i32 = std::fs::read_to_string(var(&env, "SSH_PID_FILE"))
        .unwrap()
        .trim()
        .parse()
        .unwrap();

    let d = dest(plan.clone());
    let f = file.clone();
    let upload = tokio::spawn(async move { d.deliver(&f).await });
    // Wait for the .part to grow, then kill the sftp session serving it (only that one:
    // other tests use the same sshd) and its privileged monitor.
    let part = dir.join(".big.csv.part");
    let mut killed = Vec::new();
    for _ in 0..600 {
        if std::fs::metadata(&part).is_ok_and(|m| m.len() > 8 * 1024 * 1024) {
            for pid in holders(&part) {
                let parent = ppid(pid);
                // SAFETY: kill(2) on processes found above.
                unsafe { libc::kill(pid, libc::SIGKILL) };
                killed.push(pid);
                if let Some(p) = parent.filter(|p| *p != listener && *p > 1) {
                    unsafe { libc::kill(p, libc::SIGKILL) };
                    killed.push(p);
                }
            }
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert!(!killed.is_empty(), "the upload never grew its .part file");
    let e = upload.await.unwrap().unwrap_err();
    assert!(e.is_transient(), "{e}");
    assert_eq!(e.code, Code::ConnectionReset, "{e}");
    assert!(
        !dir.join("big.csv").exists(),
        "a partial file appeared under the final name"
    );

    // The retry succeeds, truncating the leftover .part, and leaves only the final file.
    let receipt = dest(plan).deliver(&file).await.unwrap();
    assert_eq!(receipt.bytes, 200 * 1024 * 1024);
    // Byte equality (a 200 MiB sha256 is slow in an unoptimized test build).
    assert!(std::fs::read(dir.join("big.csv")).unwrap() == body);
    assert_eq!(names(&dir), vec!["big.csv".to_owned()]);
    std::fs::remove_dir_all(&dir).unwrap();
}

#[tokio::test]
async fn stalled_server_fails_after_idle_timeout() {
    let env = env();
    let dir = remote_dir(&env, "stalled");
    let tmp = tempfile::tempdir().unwrap();
    let body = payload(64 * 1024 * 1024, 13);
    let path = tmp.path().join("slow.csv");
    std::fs::write(&path, &body).unwrap();
    let file = OutgoingFile {
        path,
        name: "slow.csv".into(),
        bytes: body.len() as u64,
        sha256: String::new(),
        context: None,
    };
    let mut plan = base(&env, &dir);
    plan.idle_timeout = Duration::from_secs(2);
    let listener: i32 = std::fs::read_to_string(var(&env, "SSH_PID_FILE"))
        .unwrap()
        .trim()
        .parse()
        .unwrap();
    let d = dest(plan);
    let upload = tokio::spawn(async move { d.deliver(&file).await });
    // Freeze (SIGSTOP) the sftp session serving this upload once its .part grows.
    let part = dir.join(".slow.csv.part");
    let mut stopped = Vec::new();
    for _ in 0..600 {
        if std::fs::metadata(&part).is_ok_and(|m| m.len() > 4 * 1024 * 1024) {
            for pid in holders(&part) {
                // SAFETY: kill(2) on the process found above.
                unsafe { libc::kill(pid, libc::SIGSTOP) };
                stopped.push(pid);
            }
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert!(!stopped.is_empty(), "the upload never grew its .part file");
    let e = upload.await.unwrap().unwrap_err();
    // Clean up the frozen session (and its monitor) before asserting.
    for pid in &stopped {
        let parent = ppid(*pid);
        unsafe { libc::kill(*pid, libc::SIGKILL) };
        if let Some(p) = parent.filter(|p| *p != listener && *p > 1) {
            unsafe { libc::kill(p, libc::SIGKILL) };
        }
    }
    assert_eq!(e.code, Code::SftpStalled, "{e}");
    assert!(e.is_transient());
    assert!(!dir.join("slow.csv").exists());
    std::fs::remove_dir_all(&dir).unwrap();
}

#[tokio::test]
async fn silent_server_is_a_connect_timeout() {
    // Accepts TCP but never sends the SSH banner.
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    std::thread::spawn(move || {
        let _held: Vec<TcpStream> = listener.incoming().flatten().collect();
    });
    let env = env();
    let dir = remote_dir(&env, "silent");
    let mut plan = base(&env, &dir);
    plan.port = port;
    plan.connect_timeout = Duration::from_secs(1);
    let e = dest(plan).check().await.unwrap_err();
    assert_eq!(e.code, Code::ConnectTimeout, "{e}");
    assert!(e.is_transient());
}

#[tokio::test]
async fn rename_refused_when_a_directory_holds_the_name() {
    let env = env();
    let dir = remote_dir(&env, "rename-dir");
    std::fs::create_dir(dir.join("r.csv")).unwrap();
    let tmp = tempfile::tempdir().unwrap();
    let file = outgoing(tmp.path(), "r.csv", b"a;b\n1;2\n");
    let e = dest(base(&env, &dir)).deliver(&file).await.unwrap_err();
    assert_permanent(&e, Code::SftpRenameRefused);
    // The part file was removed; the directory is untouched.
    assert_eq!(names(&dir), vec!["r.csv".to_owned()]);
    assert!(dir.join("r.csv").is_dir());
}

#[tokio::test]
async fn rename_refused_by_sticky_dir_then_atomic_false_works() {
    // A sticky world-writable directory owned by root holding root's world-writable r.csv:
    // the test user may rewrite the file but neither rename over it nor remove it.
    let env = env();
    let dir = remote_dir(&env, "sticky");
    std::os::unix::fs::chown(&dir, Some(0), Some(0)).unwrap();
    std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o1777)).unwrap();
    let target = dir.join("r.csv");
    std::fs::write(&target, b"old").unwrap();
    std::fs::set_permissions(&target, std::fs::Permissions::from_mode(0o666)).unwrap();
    let tmp = tempfile::tempdir().unwrap();
    let file = outgoing(tmp.path(), "r.csv", b"new;content\n");

    let mut plan = base(&env, &dir);
    let e = dest(plan.clone()).deliver(&file).await.unwrap_err();
    assert_permanent(&e, Code::SftpRenameRefused);
    assert_eq!(std::fs::read(&target).unwrap(), b"old");
    assert_eq!(names(&dir), vec!["r.csv".to_owned()]);

    plan.atomic = false;
    let receipt = dest(plan).deliver(&file).await.unwrap();
    assert_eq!(receipt.bytes, 12);
    assert_eq!(std::fs::read(&target).unwrap(), b"new;content\n");
    assert_eq!(names(&dir), vec!["r.csv".to_owned()]);
}

#[tokio::test]
async fn existing_file_is_replaced_by_rename() {
    let env = env();
    let dir = remote_dir(&env, "replace");
    let target = dir.join("r.csv");
    std::fs::write(&target, b"old report").unwrap();
    let old_inode = std::fs::metadata(&target).unwrap().ino();
    let tmp = tempfile::tempdir().unwrap();
    let body = payload(50_000, 5);
    let file = outgoing(tmp.path(), "r.csv", &body);
    dest(base(&env, &dir)).deliver(&file).await.unwrap();
    assert_eq!(sha256(&std::fs::read(&target).unwrap()), file.sha256);
    // A new inode: the old file was replaced by the rename, never rewritten in place.
    assert_ne!(std::fs::metadata(&target).unwrap().ino(), old_inode);
    assert_eq!(names(&dir), vec!["r.csv".to_owned()]);
}

#[tokio::test]
async fn done_marker_after_the_file() {
    let env = env();
    let dir = remote_dir(&env, "done");
    let mut plan = base(&env, &dir);
    plan.done_marker = true;
    let tmp = tempfile::tempdir().unwrap();
    let file = outgoing(tmp.path(), "r.csv", b"a\n");
    dest(plan).deliver(&file).await.unwrap();
    assert_eq!(
        names(&dir),
        vec!["r.csv".to_owned(), "r.csv.done".to_owned()]
    );
    assert_eq!(std::fs::metadata(dir.join("r.csv.done")).unwrap().len(), 0);
    assert_eq!(std::fs::read(dir.join("r.csv")).unwrap(), b"a\n");
}

#[tokio::test]
async fn create_dir_or_no_such_dir() {
    let env = env();
    let dir = remote_dir(&env, "create");
    let nested = dir.join("a/b");
    let mut plan = base(&env, &nested);
    let tmp = tempfile::tempdir().unwrap();
    let file = outgoing(tmp.path(), "r.csv", b"a\n");

    let e = dest(plan.clone()).deliver(&file).await.unwrap_err();
    assert_permanent(&e, Code::SftpNoSuchDir);
    assert_permanent(
        &dest(plan.clone()).check().await.unwrap_err(),
        Code::SftpNoSuchDir,
    );

    plan.create_dir = true;
    let msg = dest(plan.clone()).check().await.unwrap();
    assert!(msg.contains("does not exist yet"), "{msg}");
    dest(plan).deliver(&file).await.unwrap();
    assert_eq!(std::fs::read(nested.join("r.csv")).unwrap(), b"a\n");
}

#[tokio::test]
async fn permission_denied_is_permanent() {
    let env = env();
    let dir = remote_dir(&env, "read-only");
    std::os::unix::fs::chown(&dir, Some(0), Some(0)).unwrap();
    std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o755)).unwrap();
    let tmp = tempfile::tempdir().unwrap();
    let file = outgoing(tmp.path(), "r.csv", b"a\n");
    let e = dest(base(&env, &dir)).deliver(&file).await.unwrap_err();
    assert_permanent(&e, Code::SftpPermission);
    assert!(names(&dir).is_empty());
}

#[tokio::test]
async fn check_connects_and_uploads_nothing() {
    let env = env();
    let dir = remote_dir(&env, "check");
    let plan = base(&env, &dir);
    let msg = dest(plan.clone()).check().await.unwrap();
    assert!(msg.contains("exists"), "{msg}");
    // The ed25519 key is preferred when known_hosts has all three.
    assert!(msg.contains(&var(&env, "SSH_HOSTKEY_SHA256")), "{msg}");
    assert!(names(&dir).is_empty());

    let mut wrong = plan;
    wrong.password = Some(SecretSource::Literal(Secret::new("nope")));
    assert_permanent(&dest(wrong).check().await.unwrap_err(), Code::SftpAuth);
}

/// Report names in Portuguese keep their accents (SFTP paths are UTF-8 bytes): the file
/// lands under exactly that name, the temporary name renamed away.
#[tokio::test]
async fn utf8_file_names_arrive_unchanged() {
    let env = env();
    let dir = remote_dir(&env, "utf8");
    let tmp = tempfile::tempdir().unwrap();
    let name = "relatório_março_nível-de-serviço.csv";
    dest(base(&env, &dir))
        .deliver(&outgoing(tmp.path(), name, b"fila;atendidas\n"))
        .await
        .unwrap();
    assert_eq!(names(&dir), vec![name.to_owned()]);
    assert_eq!(std::fs::read(dir.join(name)).unwrap(), b"fila;atendidas\n");
}
