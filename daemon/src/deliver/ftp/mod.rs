//! `type = "ftp"`: delivery to an FTP server over explicit TLS (FTPES, the default), implicit
//! TLS (FTPS) or, when asked for, plain FTP — suppaftp on tokio with rustls.
//!
//! One delivery is one session: connect (TLS), log in, `TYPE I` (binary: ASCII mode would
//! rewrite line endings), enter `dir` (creating it if `create_dir`), `STOR .<name>.part`,
//! check its `SIZE`, `RNFR`/`RNTO` it to `<name>`, store the optional done marker, `QUIT`.
//! Servers that will not overwrite (ProFTPD `AllowOverwrite off`, IIS) refuse a STOR or an
//! RNTO onto an existing name: then that name is deleted and the command sent again. With
//! `atomic = false` the file is stored under its final name directly. Nothing is retried
//! here: errors are classified (see [`errors`]) and the shared retry loop decides.
//!
//! Facts this follows (DESIGN §8, measured against vsftpd 3.0.3):
//! - one `Arc<ClientConfig>` per destination, shared by the control and every data
//!   connection, so data connections resume the control connection's TLS session; vsftpd's
//!   default `require_ssl_reuse=YES` answers 522 otherwise;
//! - implicit TLS needs an explicit `PBSZ 0` + `PROT P` (suppaftp sends them only for
//!   explicit TLS), or vsftpd refuses unencrypted data connections;
//! - uploads go through `put_with_stream` in 256 KiB `write_all`s, each flushed, then
//!   `finish()` (`put_file`'s 8 KiB writes make one small TLS record each: 0.7x curl); the
//!   data connection's rustls buffer limit is raised so each chunk becomes full 16 KiB TLS
//!   records (see [`TLS_BUFFER_LIMIT`]).

mod connector;
mod errors;

use std::future::Future;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use rustls::ClientConfig;
use suppaftp::tokio::{
    AsyncDataStream, AsyncNoTlsStream, AsyncRustlsStream, ImplAsyncFtpStream, TokioTlsStream,
    TransferStream,
};
use suppaftp::types::FileType;
use suppaftp::{FtpError, FtpResult, Mode, Status};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use crate::code::Code;
use crate::config::{FtpPassive, FtpPlan, FtpTls};
use crate::secret::Secret;

use super::tls::{self, TlsOptions};
use super::{DeliveryError, OutgoingFile, Receipt};
use connector::Connector;
use errors::{Step, TlsFailureSlot};

/// Size of each write to the data connection (see the module doc).
const WRITE_CHUNK: usize = 256 * 1024;
/// Most TLS bytes rustls may hold for a data connection (its default is 64 KiB). rustls
/// accepts only as much plaintext as fits under the limit, so with the default and a full
/// socket most writes were cut into a few full records and one short one; above
/// `WRITE_CHUNK`, and with each chunk flushed, every record but a file's last is 16 KiB.
const TLS_BUFFER_LIMIT: usize = 2 * WRITE_CHUNK;
/// Size of each read from the outbox file (fewer trips to tokio's blocking pool).
const READ_CHUNK: usize = 1024 * 1024;
/// How long cleanup (`DELE` of a `.part`, `QUIT`) may take after the real work.
const CLEANUP_TIMEOUT: Duration = Duration::from_secs(5);
/// TCP keepalive on the control connection: first probe after this much silence...
const KEEPALIVE_IDLE: Duration = Duration::from_secs(60);
/// ...then one every this often (the kernel gives up after its default 9 unanswered).
const KEEPALIVE_INTERVAL: Duration = Duration::from_secs(15);

/// An FTP destination. Clones share the TLS configuration (and so its session cache).
#[derive(Debug, Clone)]
pub struct FtpDest {
    name: String,
    plan: FtpPlan,
    /// Built on first use (reads `ca_file` or the system trust store); errors are not kept,
    /// so fixing the CA file takes effect at the next attempt.
    tls_config: Arc<Mutex<Option<Arc<ClientConfig>>>>,
}

impl FtpDest {
    /// A destination named `name` (for logs) from its plan. No I/O.
    pub fn new(name: &str, plan: FtpPlan) -> Self {
        Self {
            name: name.to_owned(),
            plan,
            tls_config: Arc::new(Mutex::new(None)),
        }
    }

    /// The plan this destination runs.
    pub fn plan(&self) -> &FtpPlan {
        &self.plan
    }

    /// The warnings about weakened security that each delivery and check logs: plain FTP,
    /// and certificate verification turned off.
    pub fn security_warnings(&self) -> Vec<String> {
        let mut w = Vec::new();
        if self.plan.tls == FtpTls::None {
            w.push(format!(
                "destination {:?} uses plain FTP (tls = \"none\"): the password and the report cross the network unencrypted; use tls = \"explicit\" if the server supports it",
                self.name
            ));
        } else if self.plan.insecure_skip_verify {
            w.push(format!(
                "destination {:?} does not verify the server's TLS certificate (insecure_skip_verify = true): anyone on the network path can pose as the server and read the password and the report; set ca_file instead",
                self.name
            ));
        }
        w
    }

    /// Delivers `file` once (see the module doc for the steps).
    pub async fn deliver(&self, file: &OutgoingFile) -> Result<Receipt, DeliveryError> {
        self.log_warnings();
        let password = self.password()?;
        match self.plan.tls {
            FtpTls::None => {
                let mut s = self.connect_plain().await?;
                s.deliver(file, &password).await
            }
            FtpTls::Explicit | FtpTls::Implicit => {
                let mut s = self.connect_tls().await?;
                s.deliver(file, &password).await
            }
        }
    }

    /// Connects, verifies the certificate, logs in, enters `dir` and lists it (which proves
    /// the data connection works, TLS session reuse included). Uploads nothing.
    pub async fn check(&self) -> Result<String, DeliveryError> {
        self.log_warnings();
        let password = self.password()?;
        match self.plan.tls {
            FtpTls::None => {
                let mut s = self.connect_plain().await?;
                s.check(&password).await
            }
            FtpTls::Explicit | FtpTls::Implicit => {
                let mut s = self.connect_tls().await?;
                s.check(&password).await
            }
        }
    }

    fn log_warnings(&self) {
        for w in self.security_warnings() {
            tracing::warn!(destination = %self.name, "{w}");
        }
    }

    fn password(&self) -> Result<Secret, DeliveryError> {
        self.plan
            .password
            .resolve()
            .map_err(|e| DeliveryError::new(Code::SecretUnreadable, format!("FTP password: {e}")))
    }

    fn tls_options(&self) -> TlsOptions {
        TlsOptions {
            ca_file: self.plan.ca_file.clone(),
            insecure_skip_verify: self.plan.insecure_skip_verify,
            max_version: self.plan.tls_max_version,
        }
    }

    /// The destination's one TLS configuration, built on first use.
    fn tls_config(&self) -> Result<Arc<ClientConfig>, DeliveryError> {
        let mut cached = self
            .tls_config
            .lock()
            .map_err(|_| DeliveryError::new(Code::Internal, "TLS configuration lock poisoned"))?;
        if let Some(config) = cached.as_ref() {
            return Ok(Arc::clone(config));
        }
        let config = tls::client_config(&self.tls_options())?;
        *cached = Some(Arc::clone(&config));
        Ok(config)
    }

    fn context(&self, slot: Option<TlsFailureSlot>) -> Ctx<'_> {
        Ctx {
            plan: &self.plan,
            tls: self.tls_options(),
            slot,
        }
    }

    /// `host:port` for messages, IPv6 literals in brackets.
    fn authority(&self) -> String {
        if self.plan.host.contains(':') {
            format!("[{}]:{}", self.plan.host, self.plan.port)
        } else {
            format!("{}:{}", self.plan.host, self.plan.port)
        }
    }

    async fn connect_plain(&self) -> Result<Session<'_, AsyncNoTlsStream>, DeliveryError> {
        let ctx = self.context(None);
        let what = format!("connect to {}", self.authority());
        let tcp = self.tcp_connect(&ctx, &what).await?;
        let ftp = ctx
            .within(
                self.plan.connect_timeout,
                Step::Connect,
                &what,
                ImplAsyncFtpStream::<AsyncNoTlsStream>::connect_with_stream(tcp),
            )
            .await?;
        Ok(Session::new(ftp, ctx, self.authority()))
    }

    async fn connect_tls(&self) -> Result<Session<'_, AsyncRustlsStream>, DeliveryError> {
        let connector = Connector::new(self.tls_config()?);
        let ctx = self.context(Some(connector.failure_slot()));
        let what = format!("connect to {}", self.authority());
        let host = self.plan.host.as_str();
        let ftp = if self.plan.tls == FtpTls::Implicit {
            let addrs = self.resolve(&what).await?;
            let mut last = None;
            let mut connected = None;
            for addr in addrs {
                match ctx
                    .within(
                        self.plan.connect_timeout,
                        Step::Connect,
                        &what,
                        ImplAsyncFtpStream::<AsyncRustlsStream>::connect_secure_implicit(
                            addr,
                            connector.clone(),
                            host,
                        ),
                    )
                    .await
                {
                    Ok(ftp) => {
                        connected = Some(ftp);
                        break;
                    }
                    Err(e) => last = Some(e),
                }
            }
            let mut ftp = match connected {
                Some(ftp) => ftp,
                None => return Err(last.unwrap_or_else(|| no_address(&what))),
            };
            // As for the other modes (suppaftp made this socket itself).
            {
                let tcp = ftp.get_ref().await;
                let _ = tcp.set_nodelay(true);
                keep_alive(&tcp);
            }
            // suppaftp sends these only for explicit TLS; without PROT P vsftpd refuses the
            // (then unencrypted) data connections with 522.
            for cmd in ["PBSZ 0", "PROT P"] {
                ctx.run(
                    Step::Tls,
                    cmd,
                    ftp.custom_command(cmd, &[Status::CommandOk]),
                )
                .await?;
            }
            ftp
        } else {
            let tcp = self.tcp_connect(&ctx, &what).await?;
            let ftp = ctx
                .within(
                    self.plan.connect_timeout,
                    Step::Connect,
                    &what,
                    ImplAsyncFtpStream::<AsyncRustlsStream>::connect_with_stream(tcp),
                )
                .await?;
            ctx.run(Step::Tls, "AUTH TLS", ftp.into_secure(connector, host))
                .await?
        };
        Ok(Session::new(ftp, ctx, self.authority()))
    }

    async fn resolve(&self, what: &str) -> Result<Vec<std::net::SocketAddr>, DeliveryError> {
        let lookup = tokio::net::lookup_host((self.plan.host.as_str(), self.plan.port));
        match tokio::time::timeout(self.plan.connect_timeout, lookup).await {
            Ok(Ok(addrs)) => {
                let addrs: Vec<_> = addrs.collect();
                if addrs.is_empty() {
                    Err(no_address(what))
                } else {
                    Ok(addrs)
                }
            }
            Ok(Err(e)) => Err(DeliveryError::new(
                Code::Dns,
                format!("{what}: cannot resolve {:?}: {e}", self.plan.host),
            )),
            Err(_) => Err(DeliveryError::new(
                Code::Dns,
                format!(
                    "{what}: resolving {:?} took longer than connect_timeout",
                    self.plan.host
                ),
            )),
        }
    }

    /// A TCP connection to the first address that answers, each try bounded by
    /// `connect_timeout`.
    async fn tcp_connect(&self, ctx: &Ctx<'_>, what: &str) -> Result<TcpStream, DeliveryError> {
        let mut last = None;
        for addr in self.resolve(what).await? {
            let attempt = async {
                TcpStream::connect(addr)
                    .await
                    .map_err(FtpError::ConnectionError)
            };
            match ctx
                .within(self.plan.connect_timeout, Step::Connect, what, attempt)
                .await
            {
                Ok(tcp) => {
                    // Commands are small and each waits for its reply: no reason to delay them.
                    let _ = tcp.set_nodelay(true);
                    keep_alive(&tcp);
                    return Ok(tcp);
                }
                Err(e) => last = Some(e),
            }
        }
        Err(last.unwrap_or_else(|| no_address(what)))
    }
}

/// TCP keepalive on a control connection. It stays silent while a long upload runs on the
/// data connection, and NAT gateways and firewalls drop silent connections (AWS NAT after
/// 350 s, many firewalls after 5 to 60 minutes): the transfer's `226` would be lost and the
/// whole upload retried. Probes after [`KEEPALIVE_IDLE`] keep their state alive (curl and
/// lftp keep their control connections alive too).
fn keep_alive(tcp: &TcpStream) {
    let probes = socket2::TcpKeepalive::new()
        .with_time(KEEPALIVE_IDLE)
        .with_interval(KEEPALIVE_INTERVAL);
    if let Err(e) = socket2::SockRef::from(tcp).set_tcp_keepalive(&probes) {
        tracing::debug!(error = %e, "cannot enable TCP keepalive on the FTP control connection");
    }
}

fn no_address(what: &str) -> DeliveryError {
    DeliveryError::new(Code::Dns, format!("{what}: the host name has no address"))
}

/// What a session needs besides the connection: the plan, and how to classify errors.
struct Ctx<'a> {
    plan: &'a FtpPlan,
    tls: TlsOptions,
    slot: Option<TlsFailureSlot>,
}

impl Ctx<'_> {
    /// Runs one library call, bounded by `idle_timeout`, classifying its error.
    async fn run<R>(
        &self,
        step: Step,
        what: &str,
        fut: impl Future<Output = FtpResult<R>>,
    ) -> Result<R, DeliveryError> {
        self.within(self.plan.idle_timeout, step, what, fut).await
    }

    async fn within<R>(
        &self,
        limit: Duration,
        step: Step,
        what: &str,
        fut: impl Future<Output = FtpResult<R>>,
    ) -> Result<R, DeliveryError> {
        match tokio::time::timeout(limit, fut).await {
            Ok(Ok(r)) => Ok(r),
            Ok(Err(e)) => Err(self.classify(step, what, e)),
            Err(_) => Err(errors::timed_out(step, what, limit)),
        }
    }

    fn classify(&self, step: Step, what: &str, e: FtpError) -> DeliveryError {
        errors::classify(step, what, e, self.slot.as_ref(), &self.tls)
    }
}

/// What differs between plain and TLS connections for the session logic.
trait Transport: TokioTlsStream + Sized + Send + Sync + 'static {
    /// The TLS state of a data connection (`None`: not TLS).
    fn tls_info(data: &mut AsyncDataStream<Self>) -> Option<DataTls>;

    /// Prepares an upload data connection for bulk writes.
    fn tune_upload(data: &mut AsyncDataStream<Self>);
}

/// The TLS state of a data connection.
#[derive(Debug, Clone, Copy)]
struct DataTls {
    version: rustls::ProtocolVersion,
    /// The negotiated cipher suite (named by `check`).
    suite: Option<rustls::CipherSuite>,
    /// Whether it resumed the control connection's session (vsftpd's `require_ssl_reuse`).
    resumed: bool,
}

impl Transport for AsyncNoTlsStream {
    fn tls_info(_: &mut AsyncDataStream<Self>) -> Option<DataTls> {
        None
    }

    fn tune_upload(_: &mut AsyncDataStream<Self>) {}
}

impl Transport for AsyncRustlsStream {
    fn tls_info(data: &mut AsyncDataStream<Self>) -> Option<DataTls> {
        match data {
            AsyncDataStream::Ssl(tls) => {
                let conn = tls.mut_ref().get_ref().1;
                Some(DataTls {
                    version: conn.protocol_version()?,
                    suite: conn.negotiated_cipher_suite().map(|s| s.suite()),
                    resumed: conn.handshake_kind() == Some(rustls::HandshakeKind::Resumed),
                })
            }
            AsyncDataStream::Tcp(_) => None,
        }
    }

    fn tune_upload(data: &mut AsyncDataStream<Self>) {
        if let AsyncDataStream::Ssl(tls) = data {
            tls.mut_ref()
                .get_mut()
                .1
                .set_buffer_limit(Some(TLS_BUFFER_LIMIT));
        }
    }
}

/// One logged-in (or about to be) FTP session.
struct Session<'a, T: Transport> {
    ftp: ImplAsyncFtpStream<T>,
    ctx: Ctx<'a>,
    authority: String,
    /// Still trying EPSV (cleared when the server does not know it).
    epsv: bool,
}

impl<'a, T: Transport> Session<'a, T> {
    fn new(mut ftp: ImplAsyncFtpStream<T>, ctx: Ctx<'a>, authority: String) -> Self {
        let epsv = ctx.plan.passive == FtpPassive::Epsv;
        ftp.set_mode(if epsv {
            Mode::ExtendedPassive
        } else {
            Mode::Passive
        });
        // Like curl: connect data connections to the control connection's address, not to
        // the address in the PASV reply (wrong behind NAT, and a server could point us
        // anywhere).
        ftp.set_passive_nat_workaround(true);
        Self {
            ftp,
            ctx,
            authority,
            epsv,
        }
    }

    fn plan(&self) -> &FtpPlan {
        self.ctx.plan
    }

    /// Login, binary mode.
    async fn login(&mut self, password: &Secret) -> Result<(), DeliveryError> {
        let user = self.ctx.plan.user.as_str();
        let what = format!("login as {user:?}");
        self.ctx
            .run(Step::Login, &what, self.ftp.login(user, password.expose()))
            .await?;
        self.ctx
            .run(
                Step::Setup,
                "TYPE I",
                self.ftp.transfer_type(FileType::Binary),
            )
            .await
    }

    /// Enters `dir` (creating it when allowed and `create` is true) and returns the absolute
    /// working directory, or `None` when the directory is missing and `create` is false but
    /// `create_dir` is set (check: it will be created at delivery).
    async fn enter_dir(&mut self, create: bool) -> Result<Option<String>, DeliveryError> {
        if let Some(dir) = self.ctx.plan.dir.clone() {
            let what = format!("CWD {dir}");
            if let Err(e) = self.ctx.run(Step::Cwd, &what, self.ftp.cwd(&dir)).await {
                if e.is_transient() || !self.ctx.plan.create_dir {
                    return Err(e);
                }
                if !create {
                    return Ok(None);
                }
                self.make_dirs(&dir, e).await?;
            }
        }
        let pwd = self
            .ctx
            .run(Step::Cwd, "PWD", self.ftp.pwd())
            .await
            .unwrap_or_default();
        Ok(Some(pwd))
    }

    /// `MKD` each missing level of `dir`, then enter it. `cwd_error` is returned if the
    /// directory still cannot be entered and no `MKD` said why.
    async fn make_dirs(
        &mut self,
        dir: &str,
        cwd_error: DeliveryError,
    ) -> Result<(), DeliveryError> {
        let mut prefix = String::new();
        if dir.starts_with('/') {
            prefix.push('/');
        }
        let mut mkd_error = None;
        for part in dir.split('/').filter(|p| !p.is_empty() && *p != ".") {
            if !prefix.is_empty() && !prefix.ends_with('/') {
                prefix.push('/');
            }
            prefix.push_str(part);
            let what = format!("MKD {prefix}");
            // An existing level also answers 550: only the final CWD tells.
            if let Err(e) = self
                .ctx
                .run(Step::Mkd, &what, self.ftp.mkdir(&prefix))
                .await
            {
                if e.is_transient() {
                    return Err(e);
                }
                mkd_error = Some(e);
            }
        }
        let what = format!("CWD {dir}");
        match self.ctx.run(Step::Cwd, &what, self.ftp.cwd(dir)).await {
            Ok(()) => Ok(()),
            Err(e) if e.is_transient() => Err(e),
            Err(_) => Err(mkd_error.unwrap_or(cwd_error)),
        }
    }

    async fn check(&mut self, password: &Secret) -> Result<String, DeliveryError> {
        self.login(password).await?;
        let scheme = self.plan().tls.scheme();
        let head = format!("{scheme}://{}@{}", self.plan().user, self.authority);
        let trust = if self.plan().tls == FtpTls::None {
            "plain FTP, no encryption".to_owned()
        } else {
            format!(
                "certificate checked against {}",
                self.ctx.tls.trust_description()
            )
        };
        let Some(pwd) = self.enter_dir(false).await? else {
            self.quit().await;
            return Ok(format!(
                "{head}: logged in ({trust}); directory {} does not exist yet and will be created (create_dir = true)",
                self.plan().dir.as_deref().unwrap_or_default()
            ));
        };
        let what = "LIST (data connection test)";
        let mut stream = self
            .ctx
            .run(
                Step::List,
                what,
                open_list(&mut self.ftp, &mut self.epsv, &self.authority),
            )
            .await?;
        let data = match T::tls_info(stream.get_mut()) {
            Some(info) if info.resumed => format!(
                "{:?}, TLS session resumed, {}",
                info.version,
                suite_name(info.suite)
            ),
            Some(info) => format!(
                "{:?}, TLS session NOT resumed (servers requiring reuse will refuse uploads), {}",
                info.version,
                suite_name(info.suite)
            ),
            None => "not encrypted".to_owned(),
        };
        let mut listing = Vec::new();
        match tokio::time::timeout(self.plan().idle_timeout, stream.read_to_end(&mut listing)).await
        {
            Ok(Ok(_)) => {}
            Ok(Err(e)) => return Err(errors::from_io(Step::List, what, &e, &self.ctx.tls)),
            Err(_) => {
                return Err(errors::timed_out(
                    Step::List,
                    what,
                    self.plan().idle_timeout,
                ));
            }
        }
        self.ctx.run(Step::List, what, stream.finish()).await?;
        self.quit().await;
        Ok(format!(
            "{head}: logged in ({trust}); directory {pwd} listed over a data connection ({data})"
        ))
    }

    async fn deliver(
        &mut self,
        file: &OutgoingFile,
        password: &Secret,
    ) -> Result<Receipt, DeliveryError> {
        self.login(password).await?;
        let pwd = self.enter_dir(true).await?.unwrap_or_default();
        let atomic = self.plan().atomic;
        let target = if atomic {
            format!(".{}.part", file.name)
        } else {
            file.name.clone()
        };
        let result = self.upload(file, &target, atomic).await;
        if result.is_err() && atomic {
            // Leave nothing behind when the server is still there to ask (a cut connection
            // leaves the .part, which is hidden and replaced by the next attempt).
            let what = format!("DELE {target}");
            let _ = tokio::time::timeout(
                CLEANUP_TIMEOUT,
                self.ctx.run(Step::Rename, &what, self.ftp.rm(&target)),
            )
            .await;
        }
        result?;
        if let Some(template) = self.plan().done_marker.clone() {
            let marker = template.replace("{name}", &file.name);
            self.store_empty(&marker).await?;
        }
        self.quit().await;
        let scheme = self.plan().tls.scheme();
        let sep = if pwd.ends_with('/') { "" } else { "/" };
        Ok(Receipt {
            remote_path: format!("{scheme}://{}{pwd}{sep}{}", self.authority, file.name),
            bytes: file.bytes,
        })
    }

    /// Stores the file as `target`, verifies its size and (atomic) renames it into place.
    async fn upload(
        &mut self,
        file: &OutgoingFile,
        target: &str,
        atomic: bool,
    ) -> Result<(), DeliveryError> {
        let sent = self.store(file, target).await?;
        if sent != file.bytes {
            return Err(DeliveryError::new(
                Code::RenderIo,
                format!(
                    "read {sent} bytes from {} but the report has {} bytes",
                    file.path.display(),
                    file.bytes
                ),
            ));
        }
        self.verify_size(target, file.bytes).await?;
        if atomic {
            self.rename_into_place(target, &file.name).await?;
        }
        Ok(())
    }

    /// Streams the outbox file into `STOR name`; returns the bytes sent.
    async fn store(&mut self, file: &OutgoingFile, name: &str) -> Result<u64, DeliveryError> {
        let src = std::fs::File::open(&file.path).map_err(|e| {
            DeliveryError::new(
                Code::RenderIo,
                format!(
                    "cannot open the generated file {}: {e}",
                    file.path.display()
                ),
            )
        })?;
        let what = format!("STOR {name}");
        let mut stream = self.open_store_replacing(name, &what).await?;
        let tls = T::tls_info(stream.get_mut());
        T::tune_upload(stream.get_mut());
        tracing::debug!(file = %name, tls = ?tls, "data connection open");
        let resumed = tls.map(|t| t.resumed);
        // Double buffering: the next chunk is read on a blocking thread while this one is
        // sent (tokio::fs would read into its own buffer and copy).
        let read_error = |e: std::io::Error| {
            DeliveryError::new(
                Code::RenderIo,
                format!(
                    "cannot read the generated file {}: {e}",
                    file.path.display()
                ),
            )
        };
        let mut pending = super::read_chunk(src, Vec::new(), READ_CHUNK);
        let mut spare = Vec::new();
        let mut sent = 0u64;
        loop {
            let (src, buf, n) = pending
                .await
                .map_err(|e| {
                    DeliveryError::new(Code::Internal, format!("file reading task failed: {e}"))
                })?
                .map_err(read_error)?;
            if n == 0 {
                break;
            }
            pending = super::read_chunk(src, std::mem::take(&mut spare), READ_CHUNK);
            for chunk in buf[..n].chunks(WRITE_CHUNK) {
                // After the flush rustls holds nothing, so the next chunk is taken whole and
                // cut into full 16 KiB records (see TLS_BUFFER_LIMIT).
                let write = async {
                    stream.write_all(chunk).await?;
                    stream.flush().await
                };
                match tokio::time::timeout(self.plan().idle_timeout, write).await {
                    Ok(Ok(())) => {}
                    Ok(Err(e)) => return Err(self.data_error(&what, &e, resumed)),
                    Err(_) => {
                        return Err(errors::timed_out(
                            Step::Store,
                            &what,
                            self.plan().idle_timeout,
                        ));
                    }
                }
            }
            sent += n as u64;
            spare = buf;
        }
        match self.ctx.run(Step::Store, &what, stream.finish()).await {
            Ok(()) => Ok(sent),
            Err(e) if e.code == Code::ConnectionReset && resumed == Some(false) => {
                Err(session_reuse_error(&what, &e.message))
            }
            Err(e) => Err(e),
        }
    }

    /// Opens `STOR name`. A server that will not overwrite (ProFTPD `AllowOverwrite off`,
    /// FileZilla Server without the append/overwrite right) refuses STOR onto an existing
    /// name — a `.part` left by a cut connection, or the file itself with `atomic = false` —
    /// so when STOR is refused for good and `name` exists, it is deleted and stored again
    /// (if the delete is refused too, the STOR's refusal is the error).
    async fn open_store_replacing(
        &mut self,
        name: &str,
        what: &str,
    ) -> Result<TransferStream<T>, DeliveryError> {
        let refused = match self
            .ctx
            .run(
                Step::Store,
                what,
                open_store(&mut self.ftp, &mut self.epsv, &self.authority, name),
            )
            .await
        {
            Ok(stream) => return Ok(stream),
            Err(e) if !e.is_transient() && self.exists(name).await => e,
            Err(e) => return Err(e),
        };
        tracing::info!(server = %self.authority, file = %name, error = %refused, "the server refused to store over an existing file; deleting it first");
        let dele = format!("DELE {name} (replacing it)");
        if self
            .ctx
            .run(Step::Store, &dele, self.ftp.rm(name))
            .await
            .is_err()
        {
            return Err(refused);
        }
        self.ctx
            .run(
                Step::Store,
                what,
                open_store(&mut self.ftp, &mut self.epsv, &self.authority, name),
            )
            .await
    }

    /// A failed write to the data connection: a TLS data connection that did not resume the
    /// control connection's session and is then closed by the server is vsftpd's
    /// `require_ssl_reuse` (its 522 reply is lost with the connection).
    fn data_error(&self, what: &str, e: &std::io::Error, resumed: Option<bool>) -> DeliveryError {
        let err = errors::from_io(Step::Store, what, e, &self.ctx.tls);
        if resumed == Some(false) && err.code == Code::ConnectionReset {
            session_reuse_error(what, &err.message)
        } else {
            err
        }
    }

    async fn store_empty(&mut self, name: &str) -> Result<(), DeliveryError> {
        let what = format!("STOR {name} (done marker)");
        // The marker of an earlier delivery of the same name is replaced like any file.
        let stream = self.open_store_replacing(name, &what).await?;
        self.ctx.run(Step::Store, &what, stream.finish()).await
    }

    /// `SIZE name` must equal `expected` (servers without SIZE are trusted on their 226).
    async fn verify_size(&mut self, name: &str, expected: u64) -> Result<(), DeliveryError> {
        let what = format!("SIZE {name}");
        let size = match self.ftp.size(name).await {
            Ok(size) => size as u64,
            Err(FtpError::UnexpectedResponse(r)) if matches!(errors::reply_code(&r), 500 | 502) => {
                tracing::debug!(server = %self.authority, "no SIZE command; relying on the transfer reply");
                return Ok(());
            }
            Err(e) => return Err(self.ctx.classify(Step::Size, &what, e)),
        };
        if size == expected {
            Ok(())
        } else {
            Err(DeliveryError::new(
                Code::FtpSizeMismatch,
                format!("{what}: the server has {size} bytes, the report {expected}"),
            ))
        }
    }

    /// RNFR/RNTO `part` → `name`; if RNTO is refused while `name` exists, DELE `name` and
    /// rename again (servers that will not replace a file on rename).
    async fn rename_into_place(&mut self, part: &str, name: &str) -> Result<(), DeliveryError> {
        match self.rename(part, name).await {
            Ok(()) => Ok(()),
            Err((true, e)) if !e.is_transient() && self.exists(name).await => {
                tracing::info!(server = %self.authority, file = %name, "the server refused to rename over an existing file; deleting it first");
                let what = format!("DELE {name} (replacing it)");
                self.ctx.run(Step::Rename, &what, self.ftp.rm(name)).await?;
                self.rename(part, name).await.map_err(|(_, e)| e)
            }
            Err((_, e)) => Err(e),
        }
    }

    /// One RNFR + RNTO; the error says whether RNTO (not RNFR) failed.
    async fn rename(&mut self, from: &str, to: &str) -> Result<(), (bool, DeliveryError)> {
        let rnfr = format!("RNFR {from}");
        self.ctx
            .run(
                Step::Rename,
                &rnfr,
                self.ftp
                    .custom_command(&rnfr, &[Status::RequestFilePending]),
            )
            .await
            .map_err(|e| (false, e))?;
        let rnto = format!("RNTO {to}");
        self.ctx
            .run(
                Step::Rename,
                &rnto,
                self.ftp
                    .custom_command(&rnto, &[Status::RequestedFileActionOk, Status::CommandOk]),
            )
            .await
            .map(|_| ())
            .map_err(|e| (true, e))
    }

    async fn exists(&mut self, name: &str) -> bool {
        matches!(
            tokio::time::timeout(self.plan().idle_timeout, self.ftp.size(name)).await,
            Ok(Ok(_))
        )
    }

    async fn quit(&mut self) {
        let _ = tokio::time::timeout(CLEANUP_TIMEOUT, self.ftp.quit()).await;
    }
}

/// Opens a `LIST` data connection, with the same EPSV fallback as uploads.
async fn open_list<T: Transport>(
    ftp: &mut ImplAsyncFtpStream<T>,
    epsv: &mut bool,
    authority: &str,
) -> FtpResult<TransferStream<T>> {
    const OPEN: &[Status] = &[Status::AboutToSend, Status::AlreadyOpen];
    let refused = match ftp.custom_data_command("LIST", OPEN).await {
        Err(FtpError::UnexpectedResponse(r)) if *epsv && epsv_unknown(&r) => r,
        other => return other.map(|(_, s)| s),
    };
    if epsv_works(ftp).await {
        return Err(FtpError::UnexpectedResponse(refused));
    }
    fall_back_to_pasv(ftp, epsv, authority, &refused);
    ftp.custom_data_command("LIST", OPEN).await.map(|(_, s)| s)
}

/// Opens `STOR name`, falling back from EPSV to PASV (for good) if the server does not know
/// EPSV.
async fn open_store<T: Transport>(
    ftp: &mut ImplAsyncFtpStream<T>,
    epsv: &mut bool,
    authority: &str,
    name: &str,
) -> FtpResult<TransferStream<T>> {
    let refused = match ftp.put_with_stream(name).await {
        Err(FtpError::UnexpectedResponse(r)) if *epsv && epsv_unknown(&r) => r,
        other => return other,
    };
    if epsv_works(ftp).await {
        return Err(FtpError::UnexpectedResponse(refused));
    }
    fall_back_to_pasv(ftp, epsv, authority, &refused);
    ftp.put_with_stream(name).await
}

/// After `EPSV` + a transfer command failed with a 5xx, whether the server knows EPSV (so
/// it was the transfer command that was refused, e.g. STOR onto a name it will not
/// overwrite): a lone `EPSV` answered 229. suppaftp sends the two in one call and its error
/// does not say which reply it was. The passive port this opens is dropped by the server at
/// the next EPSV or at the end of the session.
async fn epsv_works<T: Transport>(ftp: &mut ImplAsyncFtpStream<T>) -> bool {
    ftp.custom_command("EPSV", &[Status::ExtendedPassiveMode])
        .await
        .is_ok()
}

fn fall_back_to_pasv<T: Transport>(
    ftp: &mut ImplAsyncFtpStream<T>,
    epsv: &mut bool,
    authority: &str,
    r: &suppaftp::types::Response,
) {
    tracing::info!(
        server = %authority,
        "EPSV or the transfer after it was refused ({}); using PASV from now on",
        errors::reply_text(r)
    );
    *epsv = false;
    ftp.set_mode(Mode::Passive);
}

/// Whether a failed EPSV + STOR/LIST may have been a refused EPSV: any 5xx but a refused
/// login. Servers answer an unknown or forbidden EPSV with 500, 502 or 550 (vsftpd
/// `cmds_denied`), the same codes as a refused STOR, so [`epsv_works`] then asks.
fn epsv_unknown(r: &suppaftp::types::Response) -> bool {
    let code = errors::reply_code(r);
    (500..600).contains(&code) && code != 530
}

fn suite_name(suite: Option<rustls::CipherSuite>) -> String {
    suite.map_or_else(|| "cipher suite unknown".to_owned(), |s| format!("{s:?}"))
}

fn session_reuse_error(what: &str, detail: &str) -> DeliveryError {
    DeliveryError::new(
        Code::FtpTlsSessionReuse,
        format!(
            "{what}: the server closed the TLS data connection, which did not resume the control connection's TLS session ({detail})"
        ),
    )
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;

    /// On a real loopback connection: keepalive on, the first probe after 60 s of silence,
    /// then one every 15 s.
    #[tokio::test]
    async fn control_connections_are_kept_alive() {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let tcp = TcpStream::connect(listener.local_addr().unwrap())
            .await
            .unwrap();
        let sock = socket2::SockRef::from(&tcp);
        assert!(!sock.keepalive().unwrap());
        keep_alive(&tcp);
        assert!(sock.keepalive().unwrap());
        assert_eq!(sock.tcp_keepalive_time().unwrap(), KEEPALIVE_IDLE);
        assert_eq!(sock.tcp_keepalive_interval().unwrap(), KEEPALIVE_INTERVAL);
    }
}
