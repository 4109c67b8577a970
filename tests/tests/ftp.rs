//! `type = "ftp"` against real servers on loopback (`scripts/test-servers`): vsftpd 3.0.3
//! with plain FTP, explicit TLS (FTPES), implicit TLS (FTPS), and an FTPES instance that
//! refuses RNFR/RNTO — all with vsftpd's default `require_ssl_reuse=YES` — and ProFTPD 1.3.8
//! over FTPES (mod_tls, session reuse required) with `AllowOverwrite off`, the server that
//! refuses to store or rename onto an existing name. Each test works in its own remote
//! directory and checks the uploaded file on disk under `UPLOAD_DIR`.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::HashMap;
use std::io::Write;
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use reportd::code::Code;
use reportd::config::{
    DestinationKind, DestinationPlan, FtpPassive, FtpPlan, FtpTls, RetryPolicy, TlsVersion,
};
use reportd::deliver::retry::deliver_with_retry;
use reportd::deliver::{DeliveryError, Destination, OutgoingFile};
use reportd::secret::{Secret, SecretSource};
use sha2::{Digest, Sha256};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Server {
    Plain,
    Explicit,
    Implicit,
    /// FTPES with `cmds_denied=RNFR,RNTO,EPSV` (so also exercising the fall back to PASV).
    NoRename,
    /// ProFTPD, FTPES with mod_tls's required session reuse and `AllowOverwrite off` (STOR
    /// or RNTO onto an existing name refused with 550).
    ProFtpd,
}

fn env() -> HashMap<String, String> {
    reportd_tests::servers()
}

fn port(server: Server) -> u16 {
    let key = match server {
        Server::Plain => "FTP_PORT",
        Server::Explicit => "FTPES_PORT",
        Server::Implicit => "FTPS_PORT",
        Server::NoRename => "FTP_NORENAME_PORT",
        Server::ProFtpd => "PROFTPD_PORT",
    };
    env()[key].parse().unwrap()
}

fn upload_dir() -> PathBuf {
    PathBuf::from(&env()["UPLOAD_DIR"])
}

/// A remote directory name unique to this test and process.
fn unique_dir(test: &str) -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .subsec_nanos();
    format!("{test}-{}-{nanos}", std::process::id())
}

/// The plan for `server`, trusting the test CA, in a fresh directory (created on demand).
fn plan(server: Server, test: &str) -> FtpPlan {
    let e = env();
    let tls = match server {
        Server::Plain => FtpTls::None,
        Server::Explicit | Server::NoRename | Server::ProFtpd => FtpTls::Explicit,
        Server::Implicit => FtpTls::Implicit,
    };
    FtpPlan {
        host: "127.0.0.1".to_owned(),
        port: port(server),
        user: e["USER"].clone(),
        password: SecretSource::Literal(Secret::new(e["PASSWORD"].clone())),
        tls,
        ca_file: (tls != FtpTls::None).then(|| PathBuf::from(&e["TLS_CA"])),
        insecure_skip_verify: false,
        tls_max_version: None,
        dir: Some(unique_dir(test)),
        create_dir: true,
        atomic: true,
        done_marker: None,
        connect_timeout: Duration::from_secs(5),
        idle_timeout: Duration::from_secs(20),
        passive: FtpPassive::Epsv,
    }
}

fn dest(plan: &FtpPlan) -> Destination {
    Destination::from_plan(&DestinationPlan {
        name: "test-ftp".to_owned(),
        kind: DestinationKind::Ftp(plan.clone()),
        retry: RetryPolicy::DELIVERY_DEFAULT,
        timeout: Duration::from_secs(120),
    })
}

fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

/// Writes `body` to a local file and describes it for delivery as `name`.
fn outgoing(tmp: &Path, name: &str, body: &[u8]) -> OutgoingFile {
    let path = tmp.join(format!("src-{name}"));
    std::fs::write(&path, body).unwrap();
    OutgoingFile {
        path,
        name: name.to_owned(),
        bytes: body.len() as u64,
        sha256: sha256_hex(body),
        context: None,
    }
}

/// Bytes that ASCII mode would change: CRLF, bare LF, bare CR, and every byte value.
fn tricky_body() -> Vec<u8> {
    let mut body = b"queue;calls\r\nsales;12\nsupport;7\r\nend\r".to_vec();
    body.extend(0u8..=255);
    body.extend(b"\n\r\n\x00\x1a\xff");
    body
}

/// Names in the remote directory, sorted (a leftover `.part` shows up here).
fn remote_names(dir: &str) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(upload_dir().join(dir))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    v.sort();
    v
}

fn remote_file(dir: &str, name: &str) -> Vec<u8> {
    std::fs::read(upload_dir().join(dir).join(name)).unwrap()
}

fn assert_error(e: &DeliveryError, code: Code, transient: bool) {
    assert_eq!(
        (e.code, e.is_transient()),
        (code, transient),
        "unexpected error: {e}"
    );
}

async fn upload_roundtrip(server: Server) {
    let tmp = tempfile::tempdir().unwrap();
    let p = plan(server, &format!("upload-{server:?}"));
    let body = tricky_body();
    let file = outgoing(tmp.path(), "acme sl 20261120.csv", &body);
    let receipt = dest(&p).deliver(&file).await.unwrap();
    let dir = p.dir.as_deref().unwrap();
    // Byte for byte: binary mode changed no line ending.
    let got = remote_file(dir, "acme sl 20261120.csv");
    assert_eq!(got.len(), body.len());
    assert_eq!(sha256_hex(&got), file.sha256);
    assert_eq!(remote_names(dir), vec!["acme sl 20261120.csv".to_owned()]);
    assert_eq!(receipt.bytes, body.len() as u64);
    let scheme = match server {
        Server::Plain => "ftp",
        Server::Implicit => "ftps",
        _ => "ftpes",
    };
    let expected = format!(
        "{scheme}://127.0.0.1:{}{}/{dir}/acme sl 20261120.csv",
        p.port,
        upload_dir().display()
    );
    assert_eq!(receipt.remote_path, expected);
}

#[tokio::test]
async fn upload_plain_is_byte_exact() {
    upload_roundtrip(Server::Plain).await;
}

#[tokio::test]
async fn upload_explicit_tls_is_byte_exact() {
    upload_roundtrip(Server::Explicit).await;
}

#[tokio::test]
async fn upload_implicit_tls_is_byte_exact() {
    upload_roundtrip(Server::Implicit).await;
}

#[tokio::test]
async fn wrong_password_is_permanent_auth_error() {
    let tmp = tempfile::tempdir().unwrap();
    let file = outgoing(tmp.path(), "r.csv", b"x\n");
    let servers = [Server::Plain, Server::Explicit, Server::Implicit];
    assert_eq!(servers.len(), 3);
    for server in servers {
        let mut p = plan(server, "badpw");
        p.password = SecretSource::Literal(Secret::new("not-the-password"));
        let d = dest(&p);
        let e = d.deliver(&file).await.unwrap_err();
        assert_error(&e, Code::FtpAuth, false);
        assert!(e.message.contains("530"), "{e}");
        assert!(!e.message.contains("not-the-password"), "{e}");
        let e = d.check().await.unwrap_err();
        assert_error(&e, Code::FtpAuth, false);
    }
}

#[tokio::test]
async fn untrusted_certificate_is_rejected() {
    let tmp = tempfile::tempdir().unwrap();
    let file = outgoing(tmp.path(), "r.csv", b"x\n");
    let rogue = PathBuf::from(&env()["TLS_ROGUE_CA"]);
    for server in [Server::Explicit, Server::Implicit] {
        let mut p = plan(server, "rogue");
        p.ca_file = Some(rogue.clone());
        let e = dest(&p).deliver(&file).await.unwrap_err();
        assert_error(&e, Code::TlsCertificate, false);
        assert!(e.message.contains("unknown issuer"), "{e}");
        assert!(e.message.contains("rogue-ca.pem"), "{e}");
        // Rejected before login: nothing was created.
        assert!(!upload_dir().join(p.dir.as_deref().unwrap()).exists());
    }
}

#[tokio::test]
async fn system_roots_reject_the_test_ca() {
    let tmp = tempfile::tempdir().unwrap();
    let file = outgoing(tmp.path(), "r.csv", b"x\n");
    let mut p = plan(Server::Explicit, "sysroots");
    p.ca_file = None;
    let e = dest(&p).deliver(&file).await.unwrap_err();
    assert_error(&e, Code::TlsCertificate, false);
    assert!(e.message.contains("the system's CA certificates"), "{e}");
}

/// Captures what the `tracing` macros log on this thread while alive.
struct LogCapture {
    buf: Arc<Mutex<Vec<u8>>>,
    _guard: tracing::subscriber::DefaultGuard,
}

struct CaptureWriter(Arc<Mutex<Vec<u8>>>);

impl Write for CaptureWriter {
    fn write(&mut self, data: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(data);
        Ok(data.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl LogCapture {
    fn start() -> Self {
        use tracing_subscriber::util::SubscriberInitExt;
        let buf = Arc::new(Mutex::new(Vec::new()));
        let writer = Arc::clone(&buf);
        let subscriber = tracing_subscriber::fmt()
            .with_ansi(false)
            .with_max_level(tracing_subscriber::filter::LevelFilter::INFO)
            .with_writer(move || CaptureWriter(Arc::clone(&writer)))
            .finish();
        Self {
            buf,
            _guard: subscriber.set_default(),
        }
    }

    fn text(&self) -> String {
        String::from_utf8_lossy(&self.buf.lock().unwrap()).into_owned()
    }
}

#[tokio::test]
async fn insecure_skip_verify_works_and_warns_each_time() {
    let log = LogCapture::start();
    let tmp = tempfile::tempdir().unwrap();
    let body = tricky_body();
    let file = outgoing(tmp.path(), "r.bin", &body);
    let mut p = plan(Server::Implicit, "skipverify");
    p.ca_file = None;
    p.insecure_skip_verify = true;
    let d = dest(&p);
    d.deliver(&file).await.unwrap();
    d.deliver(&file).await.unwrap();
    assert_eq!(
        sha256_hex(&remote_file(p.dir.as_deref().unwrap(), "r.bin")),
        file.sha256
    );
    let text = log.text();
    // One warning per delivery: 2.
    assert_eq!(
        text.matches("does not verify the server's TLS certificate")
            .count(),
        2,
        "{text}"
    );
    assert!(text.contains("WARN"), "{text}");
}

#[tokio::test]
async fn plain_ftp_warns_at_each_delivery() {
    let log = LogCapture::start();
    let tmp = tempfile::tempdir().unwrap();
    let file = outgoing(tmp.path(), "r.csv", b"a\n");
    let p = plan(Server::Plain, "plainwarn");
    dest(&p).deliver(&file).await.unwrap();
    let text = log.text();
    assert_eq!(text.matches("uses plain FTP").count(), 1, "{text}");
}

/// Forwards connections on `listener` to `target` (both directions), at most `max` of them.
fn forward(listener: TcpListener, target: u16, max: usize) {
    std::thread::spawn(move || {
        for conn in listener.incoming().take(max) {
            let Ok(client) = conn else { return };
            let Ok(server) = TcpStream::connect(("127.0.0.1", target)) else {
                return;
            };
            let (c2, s2) = (client.try_clone().unwrap(), server.try_clone().unwrap());
            std::thread::spawn(move || pipe(client, server));
            std::thread::spawn(move || pipe(s2, c2));
        }
    });
}

fn pipe(mut from: TcpStream, mut to: TcpStream) {
    let _ = std::io::copy(&mut from, &mut to);
    let _ = to.shutdown(std::net::Shutdown::Write);
}

#[tokio::test]
async fn server_down_then_up_is_retried_to_success() {
    let tmp = tempfile::tempdir().unwrap();
    let body = tricky_body();
    let file = outgoing(tmp.path(), "r.csv", &body);
    // A port nothing listens on (yet).
    let free = TcpListener::bind("127.0.0.1:0").unwrap();
    let down_port = free.local_addr().unwrap().port();
    drop(free);
    let mut p = plan(Server::Explicit, "downup");
    p.port = down_port;
    let real = port(Server::Explicit);
    std::thread::spawn(move || {
        std::thread::sleep(Duration::from_secs(1));
        let listener = TcpListener::bind(("127.0.0.1", down_port)).unwrap();
        forward(listener, real, 4);
    });
    let policy = RetryPolicy {
        attempts: 10,
        initial: Duration::from_millis(400),
        max_delay: Duration::from_millis(800),
        max_elapsed: Duration::from_secs(30),
    };
    let mut failures = Vec::new();
    let outcome = deliver_with_retry(
        &dest(&p),
        &file,
        &policy,
        Duration::from_secs(30),
        |n, e, _| failures.push((n, e.clone())),
    )
    .await;
    let receipt = outcome.result.unwrap();
    assert!(outcome.attempts >= 2, "attempts: {}", outcome.attempts);
    assert_eq!(failures.len() as u32, outcome.attempts - 1);
    assert!(!failures.is_empty());
    for (_, e) in &failures {
        assert_error(e, Code::ConnectRefused, true);
    }
    assert_eq!(receipt.bytes, body.len() as u64);
    assert_eq!(
        sha256_hex(&remote_file(p.dir.as_deref().unwrap(), "r.csv")),
        file.sha256
    );
}

/// `sha256sum` of a file (fast even in a debug build of the tests).
fn sha256_file(path: &Path) -> String {
    let out = std::process::Command::new("sha256sum")
        .arg(path)
        .output()
        .unwrap();
    assert!(out.status.success());
    String::from_utf8_lossy(&out.stdout)
        .split_whitespace()
        .next()
        .unwrap()
        .to_owned()
}

/// A large, incompressible file: one pseudo-random MiB repeated, each copy stamped with its
/// index (so a misplaced block changes the hash).
fn big_file(tmp: &Path, name: &str, mib: u64) -> OutgoingFile {
    let path = tmp.join(format!("src-{name}"));
    let mut f = std::io::BufWriter::new(std::fs::File::create(&path).unwrap());
    let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
    let mut block = vec![0u8; 1 << 20];
    for chunk in block.chunks_mut(8) {
        // xorshift64
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        chunk.copy_from_slice(&x.to_le_bytes());
    }
    for i in 0..mib {
        block[..8].copy_from_slice(&i.to_le_bytes());
        f.write_all(&block).unwrap();
    }
    f.flush().unwrap();
    drop(f);
    OutgoingFile {
        sha256: sha256_file(&path),
        path,
        name: name.to_owned(),
        bytes: mib << 20,
        context: None,
    }
}

/// The pid of the process that has `path` open (vsftpd's per-session process writing it).
fn opener_of(path: &Path) -> Option<libc::pid_t> {
    for entry in std::fs::read_dir("/proc").ok()?.flatten() {
        let Ok(pid) = entry.file_name().to_string_lossy().parse::<libc::pid_t>() else {
            continue;
        };
        let Ok(fds) = std::fs::read_dir(entry.path().join("fd")) else {
            continue;
        };
        for fd in fds.flatten() {
            if std::fs::read_link(fd.path()).ok().as_deref() == Some(path) {
                return Some(pid);
            }
        }
    }
    None
}

#[tokio::test]
async fn connection_cut_mid_upload_leaves_no_final_file_and_retry_succeeds() {
    let tmp = tempfile::tempdir().unwrap();
    let file = big_file(tmp.path(), "big.bin", 256);
    let p = plan(Server::Explicit, "cut");
    let dir = upload_dir().join(p.dir.as_deref().unwrap());
    let part = dir.join(".big.bin.part");
    // Kill the session process once the .part has started to grow.
    let killer = {
        let part = part.clone();
        std::thread::spawn(move || {
            let start = Instant::now();
            while start.elapsed() < Duration::from_secs(30) {
                let grown = std::fs::metadata(&part).map(|m| m.len()).unwrap_or(0);
                if grown > 8 << 20
                    && let Some(pid) = opener_of(&part)
                {
                    // SAFETY: kill(2) on vsftpd's session process (started by the harness).
                    unsafe { libc::kill(pid, libc::SIGKILL) };
                    return Some(grown);
                }
                std::thread::sleep(Duration::from_millis(2));
            }
            None
        })
    };
    let d = dest(&p);
    let t0 = Instant::now();
    let e = d.deliver(&file).await.unwrap_err();
    eprintln!("first attempt failed after {:?}: {e}", t0.elapsed());
    let killed_at = killer.join().unwrap().expect("the .part never grew");
    assert!(killed_at < file.bytes);
    assert_error(&e, Code::ConnectionReset, true);
    // Nothing under the final name; at most the hidden .part.
    assert!(!dir.join("big.bin").exists());
    let names = remote_names(p.dir.as_deref().unwrap());
    assert!(names.iter().all(|n| n == ".big.bin.part"), "{names:?}");
    // The retry replaces the .part and lands the complete file.
    let t0 = Instant::now();
    d.deliver(&file).await.unwrap();
    eprintln!("retry took {:?}", t0.elapsed());
    assert_eq!(
        remote_names(p.dir.as_deref().unwrap()),
        vec!["big.bin".to_owned()]
    );
    let landed = dir.join("big.bin");
    assert_eq!(std::fs::metadata(&landed).unwrap().len(), file.bytes);
    assert_eq!(sha256_file(&landed), file.sha256);
}

#[tokio::test]
async fn rename_refused_then_atomic_false_succeeds() {
    let tmp = tempfile::tempdir().unwrap();
    let file = outgoing(tmp.path(), "r.csv", b"a;b\r\n1;2\r\n");
    let mut p = plan(Server::NoRename, "norename");
    let e = dest(&p).deliver(&file).await.unwrap_err();
    assert_error(&e, Code::FtpRenameRefused, false);
    assert!(e.message.contains("RNFR .r.csv.part"), "{e}");
    let dir = p.dir.clone().unwrap();
    // The .part was removed; nothing under the final name.
    assert_eq!(remote_names(&dir), Vec::<String>::new());
    p.atomic = false;
    dest(&p).deliver(&file).await.unwrap();
    assert_eq!(remote_names(&dir), vec!["r.csv".to_owned()]);
    assert_eq!(remote_file(&dir, "r.csv"), b"a;b\r\n1;2\r\n");
}

#[tokio::test]
async fn pasv_mode_uploads() {
    let tmp = tempfile::tempdir().unwrap();
    let body = tricky_body();
    let file = outgoing(tmp.path(), "r.bin", &body);
    for server in [Server::Plain, Server::Implicit] {
        let mut p = plan(server, "pasv");
        p.passive = FtpPassive::Pasv;
        dest(&p).deliver(&file).await.unwrap();
        assert_eq!(
            sha256_hex(&remote_file(p.dir.as_deref().unwrap(), "r.bin")),
            file.sha256
        );
    }
}

#[tokio::test]
async fn existing_file_is_replaced() {
    let tmp = tempfile::tempdir().unwrap();
    for server in [Server::Explicit, Server::Plain] {
        let p = plan(server, "replace");
        let d = dest(&p);
        let dir = p.dir.clone().unwrap();
        d.deliver(&outgoing(tmp.path(), "r.csv", b"old old old\n"))
            .await
            .unwrap();
        d.deliver(&outgoing(tmp.path(), "r.csv", b"new\n"))
            .await
            .unwrap();
        assert_eq!(remote_file(&dir, "r.csv"), b"new\n");
        assert_eq!(remote_names(&dir), vec!["r.csv".to_owned()]);
    }
}

/// ProFTPD with `AllowOverwrite off` refuses `RNTO name` when `name` exists (as IIS and
/// other servers that will not replace a file on rename do): the first delivery renames,
/// the second is refused, deletes the old file and renames again.
#[tokio::test]
async fn rename_onto_existing_refused_then_dele_and_rename() {
    let tmp = tempfile::tempdir().unwrap();
    let p = plan(Server::ProFtpd, "noreplace");
    let dir = p.dir.clone().unwrap();
    let d = dest(&p);
    d.deliver(&outgoing(tmp.path(), "r.csv", b"old old old\n"))
        .await
        .unwrap();
    assert_eq!(remote_file(&dir, "r.csv"), b"old old old\n");
    let receipt = d
        .deliver(&outgoing(tmp.path(), "r.csv", b"new\n"))
        .await
        .unwrap();
    assert_eq!(receipt.bytes, 4);
    assert_eq!(remote_file(&dir, "r.csv"), b"new\n");
    // No .part left behind, nothing else.
    assert_eq!(remote_names(&dir), vec!["r.csv".to_owned()]);
    // It was ProFTPD that refused, once: its command log has the RNTO with 550.
    assert_eq!(proftpd_refusals(&dir), 1);
}

/// How many `RNTO` into `dir` ProFTPD answered with 550 (its command log, `ExtendedLog` in
/// scripts/servers/proftpd.sh: command, reply code, full path, argument).
fn proftpd_refusals(dir: &str) -> usize {
    let path = Path::new(&env()["FTP_PID_DIR"]).join("proftpd.commands");
    std::fs::read_to_string(path)
        .unwrap_or_default()
        .lines()
        .filter(|l| l.contains("RNTO") && l.contains(" 550") && l.contains(dir))
        .count()
}

/// A `.part` left by a cut connection, on a server that will not overwrite (ProFTPD
/// `AllowOverwrite off` refuses the STOR with 550): the next delivery deletes it and
/// uploads again instead of failing every retry until someone cleans up by hand.
#[tokio::test]
async fn stale_part_on_a_no_overwrite_server_is_replaced() {
    let tmp = tempfile::tempdir().unwrap();
    let p = plan(Server::ProFtpd, "stalepart");
    let dir = p.dir.clone().unwrap();
    let d = dest(&p);
    // Make the directory (as the test user) with a first delivery, then leave a stale part.
    d.deliver(&outgoing(tmp.path(), "a.csv", b"a\n"))
        .await
        .unwrap();
    let stale = upload_dir().join(&dir).join(".r.csv.part");
    std::fs::write(&stale, b"half a file from a cut connection").unwrap();
    let receipt = d
        .deliver(&outgoing(tmp.path(), "r.csv", b"complete\n"))
        .await
        .unwrap();
    assert_eq!(receipt.bytes, 9);
    assert_eq!(remote_file(&dir, "r.csv"), b"complete\n");
    assert_eq!(
        remote_names(&dir),
        vec!["a.csv".to_owned(), "r.csv".to_owned()]
    );
    // In ProFTPD's command log of that session: STOR refused once, the part deleted, and
    // the refusal not mistaken for an unknown EPSV (no fall back to PASV).
    let session = proftpd_session(&format!("{dir}/.r.csv.part"), "DELE");
    let stor: Vec<&str> = session
        .iter()
        .filter(|l| l.starts_with("STOR"))
        .map(|l| l.split(' ').nth(1).unwrap_or_default())
        .collect();
    assert_eq!(stor, ["550", "226"], "{session:#?}");
    assert!(
        !session.iter().any(|l| l.starts_with("PASV")),
        "{session:#?}"
    );
}

/// The commands of the ProFTPD session (pid removed) in which `command` acted on `path`.
fn proftpd_session(path: &str, command: &str) -> Vec<String> {
    let log = std::fs::read_to_string(Path::new(&env()["FTP_PID_DIR"]).join("proftpd.commands"))
        .unwrap_or_default();
    let split = |l: &str| {
        l.split_once(' ')
            .map(|(p, rest)| (p.to_owned(), rest.to_owned()))
    };
    let pid = log
        .lines()
        .filter_map(split)
        .find(|(_, rest)| rest.starts_with(command) && rest.contains(path))
        .map(|(pid, _)| pid)
        .unwrap_or_else(|| panic!("no {command} of {path} in ProFTPD's log"));
    log.lines()
        .filter_map(split)
        .filter(|(p, _)| *p == pid)
        .map(|(_, rest)| rest)
        .collect()
}

/// ProFTPD over FTPES: the bytes of every value arrive unchanged (binary mode), the data
/// connection resumes the control connection's TLS session (mod_tls requires it), and
/// `check` reports it.
#[tokio::test]
async fn proftpd_upload_bytes_match_and_check_reports_session_reuse() {
    let tmp = tempfile::tempdir().unwrap();
    let p = plan(Server::ProFtpd, "proftpd");
    let dir = p.dir.clone().unwrap();
    let body = tricky_body();
    let d = dest(&p);
    d.deliver(&outgoing(tmp.path(), "r.csv", &body))
        .await
        .unwrap();
    let got = remote_file(&dir, "r.csv");
    assert_eq!(sha256_hex(&got), sha256_hex(&body));
    let line = d.check().await.unwrap();
    assert!(line.contains("TLS session resumed"), "{line}");
}

/// Delivering the same name twice with a done marker to a server that will not overwrite:
/// the second delivery replaces both the file and the marker (a refused marker would fail
/// the delivery after the file was already in place).
#[tokio::test]
async fn done_marker_is_replaced_on_a_no_overwrite_server() {
    let tmp = tempfile::tempdir().unwrap();
    let mut p = plan(Server::ProFtpd, "marker-again");
    p.done_marker = Some("{name}.done".to_owned());
    let dir = p.dir.clone().unwrap();
    let d = dest(&p);
    for body in [&b"first\n"[..], b"second\n"] {
        d.deliver(&outgoing(tmp.path(), "r.csv", body))
            .await
            .unwrap();
        assert_eq!(remote_file(&dir, "r.csv"), body);
        assert_eq!(
            remote_names(&dir),
            vec!["r.csv".to_owned(), "r.csv.done".to_owned()]
        );
    }
}

#[tokio::test]
async fn done_marker_follows_the_file() {
    let tmp = tempfile::tempdir().unwrap();
    let mut p = plan(Server::Explicit, "marker");
    p.done_marker = Some("{name}.done".to_owned());
    dest(&p)
        .deliver(&outgoing(tmp.path(), "r.csv", b"1\n"))
        .await
        .unwrap();
    let dir = p.dir.clone().unwrap();
    assert_eq!(
        remote_names(&dir),
        vec!["r.csv".to_owned(), "r.csv.done".to_owned()]
    );
    assert_eq!(remote_file(&dir, "r.csv.done"), b"");
    let marker_time = std::fs::metadata(upload_dir().join(&dir).join("r.csv.done"))
        .unwrap()
        .modified()
        .unwrap();
    let file_time = std::fs::metadata(upload_dir().join(&dir).join("r.csv"))
        .unwrap()
        .modified()
        .unwrap();
    assert!(marker_time >= file_time);
}

#[tokio::test]
async fn create_dir_makes_nested_dirs_and_missing_dir_is_permanent() {
    let tmp = tempfile::tempdir().unwrap();
    let file = outgoing(tmp.path(), "r.csv", b"1\n");
    let mut p = plan(Server::Implicit, "mkdir");
    let top = p.dir.clone().unwrap();
    p.dir = Some(format!("{top}/a/b"));
    dest(&p).deliver(&file).await.unwrap();
    assert_eq!(
        remote_names(&format!("{top}/a/b")),
        vec!["r.csv".to_owned()]
    );

    p.dir = Some(format!("{top}/missing"));
    p.create_dir = false;
    let d = dest(&p);
    let e = d.deliver(&file).await.unwrap_err();
    assert_error(&e, Code::FtpNoSuchDir, false);
    assert!(e.message.contains("CWD"), "{e}");
    let e = d.check().await.unwrap_err();
    assert_error(&e, Code::FtpNoSuchDir, false);
    assert!(!upload_dir().join(&top).join("missing").exists());
}

#[tokio::test]
async fn tls_1_2_cap_is_honoured() {
    let tmp = tempfile::tempdir().unwrap();
    for server in [Server::Explicit, Server::Implicit] {
        let mut p = plan(server, "tls12");
        // check() lists the directory over a data connection: use the (existing) login dir.
        let mut home = p.clone();
        home.dir = None;
        let uncapped = dest(&home).check().await.unwrap();
        assert!(
            uncapped.contains("TLSv1_3, TLS session resumed"),
            "{uncapped}"
        );
        p.tls_max_version = Some(TlsVersion::V1_2);
        home.tls_max_version = Some(TlsVersion::V1_2);
        let capped = dest(&home).check().await.unwrap();
        let d = dest(&p);
        assert!(capped.contains("TLSv1_2, TLS session resumed"), "{capped}");
        // Uploads work under the cap too (TLS 1.2 session resumption on the data connection).
        let body = tricky_body();
        let file = outgoing(tmp.path(), "r.bin", &body);
        d.deliver(&file).await.unwrap();
        assert_eq!(
            sha256_hex(&remote_file(p.dir.as_deref().unwrap(), "r.bin")),
            file.sha256
        );
    }
}

#[tokio::test]
async fn check_connects_without_uploading() {
    let servers = [Server::Plain, Server::Explicit, Server::Implicit];
    assert_eq!(servers.len(), 3);
    for server in servers {
        let p = plan(server, "check");
        // The directory does not exist: check says it will be created, creates nothing.
        let msg = dest(&p).check().await.unwrap();
        assert!(msg.contains("does not exist yet"), "{msg}");
        assert!(!upload_dir().join(p.dir.as_deref().unwrap()).exists());
        // The login directory exists: listed over a (TLS-resumed) data connection.
        let mut home = p.clone();
        home.dir = None;
        let msg = dest(&home).check().await.unwrap();
        let expected_data = if server == Server::Plain {
            "(not encrypted)"
        } else {
            "TLS session resumed"
        };
        assert!(
            msg.contains(&format!("directory {} listed", upload_dir().display())),
            "{msg}"
        );
        assert!(msg.contains(expected_data), "{msg}");
    }
    // Nothing listens: refused, transient.
    let free = TcpListener::bind("127.0.0.1:0").unwrap();
    let mut p = plan(Server::Explicit, "check-down");
    p.port = free.local_addr().unwrap().port();
    drop(free);
    let e = dest(&p).check().await.unwrap_err();
    assert_error(&e, Code::ConnectRefused, true);
}

#[tokio::test]
async fn config_file_destination_delivers() {
    let e = env();
    let tree = tempfile::tempdir().unwrap();
    let pw = tree.path().join("ftp.password");
    std::fs::write(&pw, format!("{}\n", e["PASSWORD"])).unwrap();
    let dir = unique_dir("config");
    let main = tree.path().join("reportd.toml");
    std::fs::write(
        &main,
        format!(
            r#"[daemon]
timezone = "UTC"
state_dir = "state"

[destinations.acme]
type = "ftp"
host = "127.0.0.1"
port = {port}
user = "{user}"
password_file = "ftp.password"
ca_file = "{ca}"
dir = "{dir}"
create_dir = true
"#,
            port = e["FTPES_PORT"],
            user = e["USER"],
            ca = e["TLS_CA"],
        ),
    )
    .unwrap();
    let plan = reportd::config::load(&main).unwrap();
    let d = Destination::from_plan(&plan.destinations["acme"]);
    let file = outgoing(tree.path(), "r.csv", b"x;y\r\n");
    d.deliver(&file).await.unwrap();
    assert_eq!(remote_file(&dir, "r.csv"), b"x;y\r\n");
}

/// Report names in Portuguese keep their accents on both servers (UTF-8 on the wire, as RFC
/// 2640 and both servers' defaults have it): the file lands under exactly that name.
#[tokio::test]
async fn utf8_file_names_arrive_unchanged() {
    let tmp = tempfile::tempdir().unwrap();
    let name = "relatório_março_nível-de-serviço.csv";
    for server in [Server::Explicit, Server::ProFtpd] {
        let p = plan(server, "utf8");
        let dir = p.dir.clone().unwrap();
        dest(&p)
            .deliver(&outgoing(tmp.path(), name, b"fila;atendidas\n"))
            .await
            .unwrap();
        assert_eq!(remote_names(&dir), vec![name.to_owned()], "{server:?}");
        assert_eq!(remote_file(&dir, name), b"fila;atendidas\n");
    }
}
