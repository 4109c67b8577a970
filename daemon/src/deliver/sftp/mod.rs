//! `type = "sftp"`: delivery to a directory on an SSH server (russh + russh-sftp).
//!
//! One connection per delivery: resolve and connect (`connect_timeout` covers TCP, the SSH
//! handshake with the host-key check of [`hostkey`], and the login), open the sftp
//! subsystem, make sure `dir` exists, then:
//!
//! * `atomic = true` (default): upload `.<name>.part`, compare its remote size with the
//!   report's, and rename it over `<name>` with `posix-rename@openssh.com` (OpenSSH's plain
//!   RENAME refuses an existing target). russh-sftp's `SftpSession` has no call for that
//!   extension, so a second sftp channel speaks it through `RawSftpSession::extended`.
//!   Without the extension: plain rename, else remove the old file and rename.
//! * `atomic = false`: write `<name>` directly, for servers that forbid renames.
//! * `done_marker`: an empty `<name>.done` once the file is in place.
//!
//! Throughput (DESIGN §8, measured against OpenSSH `sftp`): TCP_NODELAY, AES-GCM preferred
//! (russh's default list lacks it), pipelined SFTP writes fed in 256 KiB `write_all` calls and
//! finished with `shutdown()` (CLOSE). Never `tokio::io::copy` (8 KiB writes) and never
//! `flush()`, which sends `fsync@openssh.com` and halves the rate.
//!
//! Errors are classified, not retried here (see [`super::retry`]): the connection dropping
//! mid-upload is transient `CONNECTION_RESET` (nothing appears under the final name: only the
//! `.part` was being written); host-key, login and permission problems are permanent.

mod hostkey;

pub use hostkey::{HostKeyPolicy, KnownHostsCheck, lookup_name};

use std::borrow::Cow;
use std::future::Future;
use std::io::ErrorKind;
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use russh::client::{self, Handle};
use russh::keys::ssh_key::{Algorithm, HashAlg, PublicKey};
use russh::keys::{PrivateKey, PrivateKeyWithHashAlg, PublicKeyOrCertificate};
use russh_sftp::client::error::Error as SftpError;
use russh_sftp::client::{RawSftpSession, SftpSession};
use russh_sftp::protocol::{Packet, StatusCode};
use tokio::io::AsyncWriteExt;

use crate::code::Code;
use crate::config::{HostKeyCheck, SftpPlan};
use crate::secret::{Secret, SecretSource};

use super::{DeliveryError, OutgoingFile, Receipt};

/// Bytes handed to the SFTP file per `write_all` (split into pipelined WRITE requests).
const CHUNK: usize = 256 * 1024;
/// SFTP WRITE request size (payload plus framing). OpenSSH's server accepts up to 256 KiB.
const WRITE_PACKET: u32 = 64 * 1024;
/// WRITE requests in flight. 32 × 64 KiB = 2 MiB, OpenSSH's channel window.
const WRITES_IN_FLIGHT: usize = 32;
/// Our receive window (only replies flow towards us; large so they never wait).
const WINDOW: u32 = 16 * 1024 * 1024;

const POSIX_RENAME: &str = "posix-rename@openssh.com";

/// Default cipher preference: AES-GCM first (hardware AES makes it the fastest here), then
/// chacha20-poly1305, then CTR modes for old servers.
const DEFAULT_CIPHERS: &[russh::cipher::Name] = &[
    russh::cipher::AES_128_GCM,
    russh::cipher::AES_256_GCM,
    russh::cipher::CHACHA20_POLY1305,
    russh::cipher::AES_256_CTR,
    russh::cipher::AES_192_CTR,
    russh::cipher::AES_128_CTR,
];

/// An SFTP destination.
#[derive(Debug, Clone)]
pub struct SftpDest {
    plan: Arc<SftpPlan>,
}

impl SftpDest {
    /// A destination for `plan` (no I/O: keys, secrets and known_hosts are read per delivery).
    pub fn new(plan: SftpPlan) -> Self {
        Self {
            plan: Arc::new(plan),
        }
    }

    /// Uploads `file` once (see the module docs for the steps).
    pub async fn deliver(&self, file: &OutgoingFile) -> Result<Receipt, DeliveryError> {
        let started = Instant::now();
        let conn = Connection::open(&self.plan, self.plan.atomic).await?;
        let result = conn.deliver(file).await;
        conn.close().await;
        if let Ok(r) = &result {
            let secs = started.elapsed().as_secs_f64();
            tracing::info!(
                destination.host = %self.plan.host,
                remote = %r.remote_path,
                bytes = r.bytes,
                seconds = secs,
                "delivered over sftp"
            );
        }
        result
    }

    /// Connects, verifies the host key, logs in and checks `dir`; uploads nothing.
    pub async fn check(&self) -> Result<String, DeliveryError> {
        let conn = Connection::open(&self.plan, false).await?;
        let result = conn.check_dir().await;
        conn.close().await;
        let dir_state = result?;
        Ok(format!(
            "sftp {}@{} (host key {}): {}",
            self.plan.user,
            lookup_name(&self.plan.host, self.plan.port),
            conn.host_key,
            dir_state
        ))
    }
}

/// The russh client handler: checks the host key and remembers why it refused one (russh
/// itself only reports "unknown key").
struct Client {
    policy: Arc<HostKeyPolicy>,
    refusal: Arc<Mutex<Option<DeliveryError>>>,
    accepted: Arc<Mutex<Option<String>>>,
    /// The key the server presented (accepted or not), for the pinned-fingerprint retries.
    presented: Arc<Mutex<Option<PublicKey>>>,
}

impl client::Handler for Client {
    type Error = russh::Error;

    async fn check_server_key(
        &mut self,
        server_public_key: &PublicKeyOrCertificate,
    ) -> Result<bool, Self::Error> {
        let verdict = match server_public_key {
            PublicKeyOrCertificate::PublicKey { key, .. } => {
                if let Ok(mut slot) = self.presented.lock() {
                    *slot = Some(key.clone());
                }
                self.policy
                    .verify(key)
                    .map(|()| format!("{} {}", key.algorithm(), key.fingerprint(HashAlg::Sha256)))
            }
            // Never requested (no certificate algorithms are offered).
            PublicKeyOrCertificate::Certificate(_) => Err(DeliveryError::new(
                Code::SftpProtocol,
                "the server presented a host certificate, which is not supported",
            )),
        };
        match verdict {
            Ok(desc) => {
                if let Ok(mut slot) = self.accepted.lock() {
                    *slot = Some(desc);
                }
                Ok(true)
            }
            Err(e) => {
                if let Ok(mut slot) = self.refusal.lock() {
                    *slot = Some(e);
                }
                Ok(false)
            }
        }
    }
}

/// One logged-in SSH connection with its sftp session(s).
struct Connection<'p> {
    plan: &'p SftpPlan,
    handle: Handle<Client>,
    sftp: SftpSession,
    /// A second sftp channel for `posix-rename@openssh.com`, when the server has it.
    rename: Option<RawSftpSession>,
    /// `algorithm SHA256:...` of the accepted host key, for `check`.
    host_key: String,
}

impl<'p> Connection<'p> {
    async fn open(plan: &'p SftpPlan, want_rename: bool) -> Result<Self, DeliveryError> {
        if plan.host_key == HostKeyCheck::InsecureAcceptAny {
            tracing::warn!(
                host = %plan.host,
                port = plan.port,
                "insecure_accept_any_host_key = true: the server's host key is NOT verified; anyone on the path can impersonate it"
            );
        }
        let password = plan.password.as_ref().map(resolve_secret).transpose()?;
        let key = match &plan.private_key {
            Some(path) => {
                let passphrase = plan.passphrase.as_ref().map(resolve_secret).transpose()?;
                Some(load_key(path, passphrase).await?)
            }
            None => None,
        };
        let policy = Arc::new(HostKeyPolicy::load(&plan.host_key, &plan.host, plan.port)?);
        let login = async {
            let (mut handle, host_key) = handshake_verified(plan, &policy).await?;
            authenticate(&mut handle, plan, key, password).await?;
            Ok::<_, DeliveryError>((handle, host_key))
        };
        let (handle, host_key) = match tokio::time::timeout(plan.connect_timeout, login).await {
            Ok(r) => r?,
            Err(_) => {
                return Err(DeliveryError::new(
                    Code::ConnectTimeout,
                    format!(
                        "no SSH login to {} within connect_timeout {}",
                        lookup_name(&plan.host, plan.port),
                        humantime::format_duration(plan.connect_timeout)
                    ),
                ));
            }
        };

        // Both channels at once: the second costs no extra round trips.
        let (sftp, rename) = with_idle(plan.idle_timeout, "opening the sftp session", async {
            if want_rename {
                let (a, b) = tokio::join!(open_sftp(&handle, plan), open_raw(&handle, plan));
                Ok((a?, b?))
            } else {
                Ok((open_sftp(&handle, plan).await?, None))
            }
        })
        .await?;
        Ok(Self {
            plan,
            handle,
            sftp,
            rename,
            host_key,
        })
    }

    /// Best effort: end the sftp sessions and the connection.
    /// Best effort and bounded: a stalled server must not hold the delivery here (the
    /// disconnect message may queue behind data the server no longer reads).
    async fn close(&self) {
        let _ = self.sftp.close().await;
        if let Some(raw) = &self.rename {
            let _ = raw.close_session();
        }
        let _ = tokio::time::timeout(
            Duration::from_secs(2),
            self.handle
                .disconnect(russh::Disconnect::ByApplication, "", "en"),
        )
        .await;
    }

    fn remote_path(&self, name: &str) -> String {
        let dir = &self.plan.dir;
        if dir.ends_with('/') {
            format!("{dir}{name}")
        } else {
            format!("{dir}/{name}")
        }
    }

    /// `sftp://user@host:port/path` (a relative `dir` is under the login directory, `/~/`).
    fn url(&self, path: &str) -> String {
        let sep = if path.starts_with('/') { "" } else { "/~/" };
        let host = &self.plan.host;
        let host = if host.contains(':') {
            format!("[{host}]")
        } else {
            host.clone()
        };
        format!(
            "sftp://{}@{host}:{}{sep}{path}",
            self.plan.user, self.plan.port
        )
    }

    /// Classifies an sftp error on `path` during `what`.
    fn sftp_error(&self, what: &str, path: &str, e: &SftpError) -> DeliveryError {
        let msg = format!("{what} {path}: {e}");
        match e {
            SftpError::Status(s) => match s.status_code {
                StatusCode::PermissionDenied => DeliveryError::new(Code::SftpPermission, msg),
                StatusCode::NoSuchFile => DeliveryError::new(Code::SftpNoSuchDir, msg),
                StatusCode::NoConnection | StatusCode::ConnectionLost => {
                    DeliveryError::new(Code::ConnectionReset, msg)
                }
                // OpenSSH reports ENOSPC, quota and most other failures as plain FAILURE.
                _ => DeliveryError::new(Code::SftpProtocol, msg),
            },
            SftpError::Timeout => DeliveryError::new(
                Code::SftpStalled,
                format!(
                    "{msg} (no reply within idle_timeout {})",
                    humantime::format_duration(self.plan.idle_timeout)
                ),
            ),
            // The SFTP channel can see the cut before the SSH handle does: its "session
            // closed" is a cut connection too, not a protocol error.
            _ if self.handle.is_closed() || session_gone(e) => DeliveryError::new(
                Code::ConnectionReset,
                format!("{msg} (the connection was closed)"),
            ),
            _ => DeliveryError::new(Code::SftpProtocol, msg),
        }
    }

    /// An io error from the sftp file (its writes wrap the sftp error).
    fn file_error(&self, what: &str, path: &str, e: &std::io::Error) -> DeliveryError {
        if let Some(inner) = e.get_ref().and_then(|i| i.downcast_ref::<SftpError>()) {
            return self.sftp_error(what, path, inner);
        }
        if matches!(
            e.kind(),
            ErrorKind::BrokenPipe
                | ErrorKind::ConnectionReset
                | ErrorKind::ConnectionAborted
                | ErrorKind::UnexpectedEof
        ) {
            return DeliveryError::new(
                Code::ConnectionReset,
                format!("{what} {path}: {e} (the connection was closed)"),
            );
        }
        if e.kind() == ErrorKind::TimedOut {
            return self.sftp_error(what, path, &SftpError::Timeout);
        }
        self.sftp_error(what, path, &SftpError::IO(e.to_string()))
    }

    /// `dir` state for `check`: exists, or will be created.
    async fn check_dir(&self) -> Result<String, DeliveryError> {
        let dir = &self.plan.dir;
        let stat = with_idle(self.plan.idle_timeout, "checking dir", async {
            Ok(self.sftp.metadata(dir.as_str()).await)
        })
        .await?;
        match stat {
            Ok(m) if m.is_dir() => Ok(format!("directory {dir} exists")),
            Ok(_) => Err(not_a_dir(dir)),
            Err(SftpError::Status(s))
                if s.status_code == StatusCode::NoSuchFile && self.plan.create_dir =>
            {
                Ok(format!(
                    "directory {dir} does not exist yet (create_dir = true)"
                ))
            }
            Err(e) => Err(self.sftp_error("cannot use remote directory", dir, &e)),
        }
    }

    /// Makes sure `dir` exists (creating it and its parents with `create_dir`).
    async fn ensure_dir(&self) -> Result<(), DeliveryError> {
        let dir = self.plan.dir.as_str();
        match self.sftp.metadata(dir).await {
            Ok(m) if m.is_dir() => Ok(()),
            Ok(_) => Err(not_a_dir(dir)),
            Err(SftpError::Status(s))
                if s.status_code == StatusCode::NoSuchFile && self.plan.create_dir =>
            {
                self.create_dirs(dir).await
            }
            Err(e) => Err(self.sftp_error("cannot use remote directory", dir, &e)),
        }
    }

    async fn create_dirs(&self, dir: &str) -> Result<(), DeliveryError> {
        let mut prefix = String::new();
        if dir.starts_with('/') {
            prefix.push('/');
        }
        for part in dir.split('/').filter(|p| !p.is_empty() && *p != ".") {
            if !prefix.is_empty() && !prefix.ends_with('/') {
                prefix.push('/');
            }
            prefix.push_str(part);
            match self.sftp.metadata(prefix.as_str()).await {
                Ok(m) if m.is_dir() => continue,
                Ok(_) => return Err(not_a_dir(&prefix)),
                Err(_) => {}
            }
            if let Err(e) = self.sftp.create_dir(prefix.as_str()).await {
                // Someone else may have created it meanwhile.
                match self.sftp.metadata(prefix.as_str()).await {
                    Ok(m) if m.is_dir() => {}
                    _ => {
                        return Err(self.sftp_error("cannot create remote directory", &prefix, &e));
                    }
                }
            }
        }
        tracing::info!(dir, "created remote directory");
        Ok(())
    }

    async fn deliver(&self, file: &OutgoingFile) -> Result<Receipt, DeliveryError> {
        let idle = self.plan.idle_timeout;
        with_idle(idle, "checking dir", self.ensure_dir()).await?;
        let target = self.remote_path(&file.name);
        if !self.plan.atomic {
            self.upload(file, &target).await?;
            self.verify_size(&target, file.bytes, false).await?;
        } else {
            let part = self.remote_path(&format!(".{}.part", file.name));
            let result = async {
                self.upload(file, &part).await?;
                self.verify_size(&part, file.bytes, true).await?;
                with_idle(idle, "renaming", self.replace(&part, &target)).await
            }
            .await;
            if let Err(e) = result {
                // Leave nothing behind when the server still answers; after a dropped
                // connection the next attempt truncates the same `.part`.
                if !self.handle.is_closed() {
                    let _ = tokio::time::timeout(idle, self.sftp.remove_file(part.as_str())).await;
                }
                return Err(e);
            }
        }
        if self.plan.done_marker {
            let marker = format!("{target}.done");
            with_idle(idle, "writing the done marker", async {
                let mut f = self
                    .sftp
                    .create(marker.as_str())
                    .await
                    .map_err(|e| self.sftp_error("cannot create", &marker, &e))?;
                f.shutdown()
                    .await
                    .map_err(|e| self.file_error("cannot close", &marker, &e))
            })
            .await?;
        }
        Ok(Receipt {
            remote_path: self.url(&target),
            bytes: file.bytes,
        })
    }

    /// Streams the local file to `remote` (created or truncated).
    async fn upload(&self, file: &OutgoingFile, remote: &str) -> Result<u64, DeliveryError> {
        let idle = self.plan.idle_timeout;
        let local_error = |what: &str, e: &std::io::Error| {
            DeliveryError::new(
                Code::RenderIo,
                format!(
                    "cannot {what} the generated file {}: {e}",
                    file.path.display()
                ),
            )
        };
        let src = std::fs::File::open(&file.path).map_err(|e| local_error("open", &e))?;
        let mut dst = with_idle(idle, "creating the remote file", async {
            self.sftp
                .create(remote)
                .await
                .map_err(|e| self.sftp_error("cannot create", remote, &e))
        })
        .await?;
        // Double buffering: the next chunk is read on a blocking thread while this one is
        // sent, into a buffer we own (tokio::fs would read into its own and copy).
        let mut pending = super::read_chunk(src, Vec::new(), CHUNK);
        let mut spare = Vec::new();
        let mut sent = 0u64;
        loop {
            let (src, buf, n) = pending
                .await
                .map_err(|e| {
                    DeliveryError::new(Code::Internal, format!("file reading task failed: {e}"))
                })?
                .map_err(|e| local_error("read", &e))?;
            if n == 0 {
                break;
            }
            pending = super::read_chunk(src, std::mem::take(&mut spare), CHUNK);
            let chunk = buf.get(..n).unwrap_or_default();
            with_idle(idle, "uploading", async {
                dst.write_all(chunk)
                    .await
                    .map_err(|e| self.file_error("cannot write", remote, &e))
            })
            .await?;
            sent += n as u64;
            spare = buf;
        }
        // CLOSE waits for every pending WRITE reply; no flush (= fsync@openssh.com).
        with_idle(idle, "closing the remote file", async {
            dst.shutdown()
                .await
                .map_err(|e| self.file_error("cannot close", remote, &e))
        })
        .await?;
        Ok(sent)
    }

    /// The remote file must have exactly `expected` bytes.
    async fn verify_size(
        &self,
        path: &str,
        expected: u64,
        is_part: bool,
    ) -> Result<(), DeliveryError> {
        let m = with_idle(self.plan.idle_timeout, "checking the size", async {
            self.sftp
                .metadata(path)
                .await
                .map_err(|e| self.sftp_error("cannot stat", path, &e))
        })
        .await?;
        match m.size {
            Some(size) if size == expected => Ok(()),
            size => Err(DeliveryError::new(
                Code::SftpSizeMismatch,
                format!(
                    "{path} has {} bytes on the server after the upload, the report has {expected}{}",
                    size.map_or("an unknown number of".to_owned(), |s| s.to_string()),
                    if is_part {
                        ""
                    } else {
                        " (atomic = false: a partial file may be in place)"
                    }
                ),
            )),
        }
    }

    /// Moves `part` over `target`, replacing an existing file.
    async fn replace(&self, part: &str, target: &str) -> Result<(), DeliveryError> {
        let mut refused = Vec::new();
        if let Some(raw) = &self.rename {
            match posix_rename(raw, part, target).await {
                Ok(()) => return Ok(()),
                Err(e @ SftpError::Status(_)) => refused.push(format!("{POSIX_RENAME}: {e}")),
                Err(e) => return Err(self.sftp_error("cannot rename", part, &e)),
            }
        }
        // Plain RENAME: fine when the target does not exist.
        match self.sftp.rename(part, target).await {
            Ok(()) => return Ok(()),
            Err(e @ SftpError::Status(_)) => refused.push(format!("rename: {e}")),
            Err(e) => return Err(self.sftp_error("cannot rename", part, &e)),
        }
        // Servers without posix-rename: remove the old file, then rename (not atomic, but
        // the window is one round trip and a reader never sees a partial file).
        match self.sftp.remove_file(target).await {
            Ok(()) => match self.sftp.rename(part, target).await {
                Ok(()) => return Ok(()),
                Err(e @ SftpError::Status(_)) => refused.push(format!("rename after remove: {e}")),
                Err(e) => return Err(self.sftp_error("cannot rename", part, &e)),
            },
            Err(e @ SftpError::Status(_)) => refused.push(format!("remove of the old file: {e}")),
            Err(e) => return Err(self.sftp_error("cannot remove", target, &e)),
        }
        Err(DeliveryError::new(
            Code::SftpRenameRefused,
            format!(
                "the server refused to move {part} to {target} ({})",
                refused.join("; ")
            ),
        ))
    }
}

fn not_a_dir(path: &str) -> DeliveryError {
    DeliveryError::new(
        Code::SftpNoSuchDir,
        format!("remote {path} exists but is not a directory"),
    )
}

/// `posix-rename@openssh.com`: two SSH strings, old path then new path.
async fn posix_rename(raw: &RawSftpSession, from: &str, to: &str) -> Result<(), SftpError> {
    let mut data = Vec::with_capacity(8 + from.len() + to.len());
    for s in [from, to] {
        let len = u32::try_from(s.len())
            .map_err(|_| SftpError::UnexpectedBehavior("path too long".to_owned()))?;
        data.extend_from_slice(&len.to_be_bytes());
        data.extend_from_slice(s.as_bytes());
    }
    match raw.extended(POSIX_RENAME, data).await? {
        Packet::Status(s) if s.status_code == StatusCode::Ok => Ok(()),
        Packet::Status(s) => Err(SftpError::Status(s)),
        _ => Err(SftpError::UnexpectedPacket),
    }
}

/// Runs `fut`, failing with `SFTP_STALLED` when it makes no progress for `idle`.
async fn with_idle<T>(
    idle: Duration,
    what: &str,
    fut: impl Future<Output = Result<T, DeliveryError>>,
) -> Result<T, DeliveryError> {
    match tokio::time::timeout(idle, fut).await {
        Ok(r) => r,
        Err(_) => Err(DeliveryError::new(
            Code::SftpStalled,
            format!(
                "{what}: no progress for idle_timeout {}",
                humantime::format_duration(idle)
            ),
        )),
    }
}

fn resolve_secret(source: &SecretSource) -> Result<Secret, DeliveryError> {
    source
        .resolve()
        .map_err(|e| DeliveryError::new(Code::SecretUnreadable, e.to_string()))
}

/// Reads (and decrypts) the private key; bcrypt key derivation is slow, so off the runtime.
async fn load_key(path: &Path, passphrase: Option<Secret>) -> Result<PrivateKey, DeliveryError> {
    let owned = path.to_path_buf();
    let loaded = tokio::task::spawn_blocking(move || {
        russh::keys::load_secret_key(&owned, passphrase.as_ref().map(Secret::expose))
    })
    .await
    .map_err(|e| DeliveryError::new(Code::Internal, format!("key loading task failed: {e}")))?;
    loaded.map_err(|e| {
        let detail = match &e {
            russh::keys::Error::KeyIsEncrypted => {
                "the key is encrypted: set passphrase (or passphrase_file/_env/_credential)"
                    .to_owned()
            }
            russh::keys::Error::IO(io) => io.to_string(),
            other => format!("{other} (wrong passphrase or unsupported key format?)"),
        };
        DeliveryError::new(
            Code::SftpKey,
            format!("cannot use private_key {}: {detail}", path.display()),
        )
    })
}

/// How one SSH handshake ended.
enum Handshake {
    /// The host key was accepted: the handle and `algorithm SHA256:...` of the key.
    Accepted(Handle<Client>, String),
    /// The handshake failed; `presented` is the host key the server showed, if it got that
    /// far, and `no_common_key` says the server has none of the offered host-key types.
    Failed {
        error: DeliveryError,
        presented: Option<PublicKey>,
        no_common_key: bool,
    },
}

/// One TCP connection and SSH handshake offering the host-key algorithms `keys` (`None`:
/// the policy's order).
async fn handshake(
    plan: &SftpPlan,
    policy: &Arc<HostKeyPolicy>,
    keys: Option<Vec<Algorithm>>,
) -> Result<Handshake, DeliveryError> {
    let mut config = client_config(plan, policy);
    if let Some(keys) = keys {
        config.preferred.key = Cow::Owned(keys);
    }
    let refusal = Arc::new(Mutex::new(None));
    let accepted = Arc::new(Mutex::new(None));
    let presented = Arc::new(Mutex::new(None));
    let handler = Client {
        policy: Arc::clone(policy),
        refusal: Arc::clone(&refusal),
        accepted: Arc::clone(&accepted),
        presented: Arc::clone(&presented),
    };
    let tcp = tcp_connect(&plan.host, plan.port).await?;
    match client::connect_stream(Arc::new(config), tcp, handler).await {
        Ok(handle) => {
            let desc = accepted
                .lock()
                .ok()
                .and_then(|s| s.clone())
                .unwrap_or_default();
            Ok(Handshake::Accepted(handle, desc))
        }
        Err(e) => {
            let no_common_key = matches!(
                &e,
                russh::Error::NoCommonAlgo {
                    kind: russh::AlgorithmKind::Key,
                    ..
                }
            );
            let presented = presented.lock().ok().and_then(|mut s| s.take());
            Ok(Handshake::Failed {
                error: handshake_error(plan, e, &refusal),
                presented,
                no_common_key,
            })
        }
    }
}

/// The SSH handshake with the host key verified. A pinned fingerprint that does not match
/// the key the server presents first is tried against the server's other host keys, as
/// OpenSSH does with its known keys: one more handshake per other key type, offering only
/// that type (a server typically has ed25519, ECDSA and RSA keys, and russh prefers
/// ed25519). If none matches, the error is the mismatch, listing every key seen.
async fn handshake_verified(
    plan: &SftpPlan,
    policy: &Arc<HostKeyPolicy>,
) -> Result<(Handle<Client>, String), DeliveryError> {
    let (first, presented) = match handshake(plan, policy, None).await? {
        Handshake::Accepted(handle, desc) => return Ok((handle, desc)),
        Handshake::Failed {
            error, presented, ..
        } => (error, presented),
    };
    let HostKeyPolicy::Fingerprint { name, fingerprint } = policy.as_ref() else {
        return Err(first);
    };
    let Some(presented) = presented.filter(|_| first.code == Code::SftpHostKeyMismatch) else {
        return Err(first);
    };
    let describe = |k: &PublicKey| format!("{} {}", k.algorithm(), k.fingerprint(HashAlg::Sha256));
    let mut seen = vec![describe(&presented)];
    let offered = client_config(plan, policy).preferred.key.into_owned();
    for family in hostkey::key_families(&offered) {
        if family
            .iter()
            .any(|a| hostkey::same_key_type(a, &presented.algorithm()))
        {
            continue;
        }
        match handshake(plan, policy, Some(family)).await? {
            Handshake::Accepted(handle, desc) => {
                tracing::debug!(host = %name, key = %desc, "pinned fingerprint matched another host key of the server");
                return Ok((handle, desc));
            }
            Handshake::Failed {
                no_common_key: true,
                ..
            } => {}
            Handshake::Failed {
                error,
                presented: Some(key),
                ..
            } if error.code == Code::SftpHostKeyMismatch => seen.push(describe(&key)),
            Handshake::Failed { error, .. } => return Err(error),
        }
    }
    Err(DeliveryError::new(
        Code::SftpHostKeyMismatch,
        format!(
            "HOST KEY MISMATCH for {name}: host_key_fingerprint is {fingerprint}, but the server's host keys are {} — possible man-in-the-middle attack",
            seen.join(", ")
        ),
    ))
}

fn client_config(plan: &SftpPlan, policy: &HostKeyPolicy) -> client::Config {
    let ciphers: Vec<russh::cipher::Name> = if plan.ciphers.is_empty() {
        DEFAULT_CIPHERS.to_vec()
    } else {
        plan.ciphers
            .iter()
            .filter_map(|c| russh::cipher::Name::try_from(c.as_str()).ok())
            .collect()
    };
    let mut preferred = russh::Preferred::default();
    preferred.key = Cow::Owned(policy.preferred_algorithms(&preferred.key));
    preferred.cipher = Cow::Owned(ciphers);
    client::Config {
        nodelay: true,
        window_size: WINDOW,
        preferred,
        ..client::Config::default()
    }
}

/// An io error while connecting or talking SSH.
fn io_error(what: &str, e: &std::io::Error) -> DeliveryError {
    let msg = format!("{what}: {e}");
    match e.kind() {
        ErrorKind::ConnectionRefused => DeliveryError::new(Code::ConnectRefused, msg),
        ErrorKind::TimedOut => DeliveryError::new(Code::ConnectTimeout, msg),
        ErrorKind::HostUnreachable | ErrorKind::NetworkUnreachable => {
            DeliveryError::new(Code::ConnectRefused, msg)
        }
        _ => DeliveryError::new(Code::ConnectionReset, msg),
    }
}

async fn tcp_connect(host: &str, port: u16) -> Result<tokio::net::TcpStream, DeliveryError> {
    let addrs: Vec<_> = tokio::net::lookup_host((host, port))
        .await
        .map_err(|e| DeliveryError::new(Code::Dns, format!("cannot resolve {host}: {e}")))?
        .collect();
    let mut last = DeliveryError::new(Code::Dns, format!("{host} has no address"));
    for addr in addrs {
        match tokio::net::TcpStream::connect(addr).await {
            Ok(s) => {
                // Small SFTP requests and replies must not wait for Nagle's algorithm.
                let _ = s.set_nodelay(true);
                return Ok(s);
            }
            Err(e) => last = io_error(&format!("cannot connect to {addr}"), &e),
        }
    }
    Err(last)
}

fn handshake_error(
    plan: &SftpPlan,
    e: russh::Error,
    refusal: &Mutex<Option<DeliveryError>>,
) -> DeliveryError {
    if let Some(refused) = refusal.lock().ok().and_then(|mut s| s.take()) {
        return refused;
    }
    let peer = lookup_name(&plan.host, plan.port);
    match e {
        russh::Error::IO(io) => io_error(&format!("SSH handshake with {peer}"), &io),
        russh::Error::UnknownKey => DeliveryError::new(
            Code::SftpHostKeyUnknown,
            format!("{peer}: host key not accepted"),
        ),
        russh::Error::NoCommonAlgo { kind, ours, theirs } => DeliveryError::with_transience(
            Code::SftpProtocol,
            format!(
                "{peer}: no common {kind:?} algorithm (ours: {ours:?}, the server's: {theirs:?})"
            ),
            false,
        ),
        russh::Error::Version => DeliveryError::with_transience(
            Code::SftpProtocol,
            format!("{peer} is not an SSH server (no SSH-2.0 banner)"),
            false,
        ),
        russh::Error::HUP | russh::Error::Disconnect => DeliveryError::new(
            Code::ConnectionReset,
            format!("{peer} closed the connection during the SSH handshake"),
        ),
        russh::Error::ConnectionTimeout
        | russh::Error::InactivityTimeout
        | russh::Error::KeepaliveTimeout => {
            DeliveryError::new(Code::ConnectTimeout, format!("{peer}: {e}"))
        }
        other => DeliveryError::new(
            Code::SftpProtocol,
            format!("SSH handshake with {peer}: {other}"),
        ),
    }
}

/// A failure of the SSH connection after the handshake.
fn session_error(what: &str, e: russh::Error) -> DeliveryError {
    match e {
        russh::Error::IO(io) => io_error(what, &io),
        russh::Error::HUP | russh::Error::Disconnect | russh::Error::SendError => {
            DeliveryError::new(
                Code::ConnectionReset,
                format!("{what}: the server closed the connection"),
            )
        }
        other => DeliveryError::new(Code::SftpProtocol, format!("{what}: {other}")),
    }
}

/// Public key first (when configured), then password.
async fn authenticate(
    handle: &mut Handle<Client>,
    plan: &SftpPlan,
    key: Option<PrivateKey>,
    password: Option<Secret>,
) -> Result<(), DeliveryError> {
    let mut tried = Vec::new();
    let mut remaining = String::new();
    if let Some(key) = key {
        let hash = if key.algorithm().is_rsa() {
            // rsa-sha2-512/256 as the server advertises (server-sig-algs); never SHA-1.
            match handle.best_supported_rsa_hash().await {
                Ok(Some(Some(h))) => Some(h),
                _ => Some(HashAlg::Sha256),
            }
        } else {
            None
        };
        let alg = key.algorithm();
        let r = handle
            .authenticate_publickey(
                plan.user.clone(),
                PrivateKeyWithHashAlg::new(Arc::new(key), hash),
            )
            .await
            .map_err(|e| session_error("public key login", e))?;
        match r {
            client::AuthResult::Success => return Ok(()),
            client::AuthResult::Failure {
                remaining_methods, ..
            } => {
                tried.push(format!("public key ({alg})"));
                remaining = methods(&remaining_methods);
            }
        }
    }
    if let Some(password) = password {
        let r = handle
            .authenticate_password(plan.user.clone(), password.expose())
            .await
            .map_err(|e| session_error("password login", e))?;
        match r {
            client::AuthResult::Success => return Ok(()),
            client::AuthResult::Failure {
                remaining_methods, ..
            } => {
                tried.push("password".to_owned());
                remaining = methods(&remaining_methods);
            }
        }
    }
    Err(DeliveryError::new(
        Code::SftpAuth,
        format!(
            "{} rejected user {:?} with {} (the server accepts: {remaining})",
            lookup_name(&plan.host, plan.port),
            plan.user,
            tried.join(" and "),
        ),
    ))
}

fn methods(set: &russh::MethodSet) -> String {
    set.iter()
        .map(<&'static str>::from)
        .collect::<Vec<_>>()
        .join(", ")
}

async fn open_channel(
    handle: &Handle<Client>,
) -> Result<russh::ChannelStream<client::Msg>, DeliveryError> {
    let channel = handle
        .channel_open_session()
        .await
        .map_err(|e| session_error("opening an SSH channel", e))?;
    channel
        .request_subsystem(true, "sftp")
        .await
        .map_err(|e| session_error("requesting the sftp subsystem", e))?;
    Ok(channel.into_stream())
}

fn sftp_config(plan: &SftpPlan) -> russh_sftp::client::Config {
    russh_sftp::client::Config {
        max_write_packet_len: WRITE_PACKET,
        max_concurrent_writes: WRITES_IN_FLIGHT,
        request_timeout_secs: plan.idle_timeout.as_secs().max(1),
        ..russh_sftp::client::Config::default()
    }
}

async fn open_sftp(handle: &Handle<Client>, plan: &SftpPlan) -> Result<SftpSession, DeliveryError> {
    let stream = open_channel(handle).await?;
    SftpSession::new_with_config(stream, sftp_config(plan))
        .await
        .map_err(|e| sftp_start_error(handle, &e))
}

/// The rename channel; `None` when the server lacks `posix-rename@openssh.com`.
async fn open_raw(
    handle: &Handle<Client>,
    plan: &SftpPlan,
) -> Result<Option<RawSftpSession>, DeliveryError> {
    let stream = open_channel(handle).await?;
    let raw = RawSftpSession::new_with_config(stream, sftp_config(plan));
    let version = raw.init().await.map_err(|e| sftp_start_error(handle, &e))?;
    let supported = version
        .extensions
        .get(POSIX_RENAME)
        .is_some_and(|v| v == "1");
    if supported {
        Ok(Some(raw))
    } else {
        let _ = raw.close_session();
        Ok(None)
    }
}

fn sftp_start_error(handle: &Handle<Client>, e: &SftpError) -> DeliveryError {
    if handle.is_closed() {
        DeliveryError::new(
            Code::ConnectionReset,
            format!("starting sftp: the connection was closed ({e})"),
        )
    } else {
        DeliveryError::new(
            Code::SftpProtocol,
            format!("the server did not start the sftp subsystem: {e}"),
        )
    }
}

/// Whether an sftp error says the session under it is gone (russh-sftp reports a cut
/// connection as "session closed" on the channel before the SSH handle notices).
fn session_gone(e: &SftpError) -> bool {
    let text = e.to_string().to_ascii_lowercase();
    text.contains("session closed")
        || text.contains("channel closed")
        || text.contains("connection closed")
}
