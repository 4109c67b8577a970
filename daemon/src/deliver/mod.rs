//! Delivery of a generated report file to a destination.
//!
//! One module per destination type, named after the TOML `type` ([`local`], [`email`],
//! [`ftp`]; `sftp` follows; [`tls`] is the TLS client setup they share), behind one enum
//! [`Destination`] with a `deliver` method. A
//! [`DeliveryError`] carries a stable [`Code`] and says whether it is transient; the shared
//! [`retry`] policy decides when to try again. Every delivery is atomic: the file appears
//! under its final name complete, or not at all.

pub mod email;
pub mod ftp;
pub mod local;
pub mod retry;
pub mod sftp;
pub mod tls;

use std::path::PathBuf;

use crate::code::{Code, ErrorInfo};
use crate::config::{DestinationKind, DestinationPlan};

/// The file to deliver (already complete in the outbox).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutgoingFile {
    /// Where it is in the outbox.
    pub path: PathBuf,
    /// The plain file name to deliver it as.
    pub name: String,
    pub bytes: u64,
    pub sha256: String,
    /// What the file is a report of, for destinations that describe it (the e-mail
    /// subject and body). `None` when unknown; such destinations then write `?`.
    pub context: Option<RunContext>,
}

/// The run a delivered file belongs to (filled in by the run module).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RunContext {
    pub schedule: String,
    /// Report id, e.g. `telephony.service_level`.
    pub report: String,
    pub run_id: String,
    /// Data rows in the file, when known.
    pub rows: Option<u64>,
    /// Start of the period, in the schedule's zone.
    pub period_start: chrono::DateTime<chrono_tz::Tz>,
    /// Exclusive end of the period, in the schedule's zone.
    pub period_end: chrono::DateTime<chrono_tz::Tz>,
}

/// What a successful delivery reports.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Receipt {
    /// Where the file now is on the destination (path, URL or mailbox).
    pub remote_path: String,
    pub bytes: u64,
}

/// Why a delivery attempt failed. The message never contains secrets.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{code}: {message}")]
pub struct DeliveryError {
    pub code: Code,
    pub message: String,
    transient: bool,
}

impl DeliveryError {
    /// An error whose transience is the code's default.
    pub fn new(code: Code, message: impl Into<String>) -> Self {
        Self {
            code,
            message: message.into(),
            transient: code.is_transient(),
        }
    }

    /// An error with explicit transience (the same code can be either, e.g. FTP 4xx vs 5xx).
    pub fn with_transience(code: Code, message: impl Into<String>, transient: bool) -> Self {
        Self {
            code,
            message: message.into(),
            transient,
        }
    }

    /// Whether retrying later may succeed.
    pub fn is_transient(&self) -> bool {
        self.transient
    }

    /// As recorded in the status entry.
    pub fn to_info(&self) -> ErrorInfo {
        ErrorInfo::new(self.code, self.message.clone())
    }
}

/// A configured destination, ready to deliver.
#[derive(Debug, Clone)]
pub enum Destination {
    Local(local::LocalDest),
    Email(email::EmailDest),
    Ftp(ftp::FtpDest),
    Sftp(sftp::SftpDest),
}

impl Destination {
    /// Builds a destination from its validated plan (no I/O).
    pub fn from_plan(plan: &DestinationPlan) -> Self {
        match &plan.kind {
            DestinationKind::Local(l) => Destination::Local(local::LocalDest::new(l.clone())),
            DestinationKind::Email(e) => {
                Destination::Email(email::EmailDest::new((**e).clone(), plan.timeout))
            }
            DestinationKind::Ftp(f) => Destination::Ftp(ftp::FtpDest::new(&plan.name, f.clone())),
            DestinationKind::Sftp(s) => Destination::Sftp(sftp::SftpDest::new(s.clone())),
        }
    }

    /// Delivers one file, once (no retry here; see [`retry::deliver_with_retry`]).
    pub async fn deliver(&self, file: &OutgoingFile) -> Result<Receipt, DeliveryError> {
        match self {
            Destination::Local(d) => d.deliver(file).await,
            Destination::Email(d) => d.deliver(file).await,
            Destination::Ftp(d) => d.deliver(file).await,
            Destination::Sftp(d) => d.deliver(file).await,
        }
    }

    /// Checks that the destination is reachable and writable without delivering anything
    /// (`reportd check --connect`); returns a one-line description of what was checked.
    pub async fn check(&self) -> Result<String, DeliveryError> {
        match self {
            Destination::Local(d) => d.check().await,
            Destination::Email(d) => d.check().await,
            Destination::Ftp(d) => d.check().await,
            Destination::Sftp(d) => d.check().await,
        }
    }
}

/// A file, a filled buffer, and how many bytes of it are data (0 at the end of the file).
pub(crate) type Chunk = std::io::Result<(std::fs::File, Vec<u8>, usize)>;

/// Fills `buf`, resized to `len`, from `src` on a blocking thread; short only at the end of
/// the file. Transports double-buffer with it: the next chunk is read while the current one
/// is sent, into buffers they own (tokio::fs would read into its own buffer and copy).
pub(crate) fn read_chunk(
    mut src: std::fs::File,
    mut buf: Vec<u8>,
    len: usize,
) -> tokio::task::JoinHandle<Chunk> {
    tokio::task::spawn_blocking(move || {
        buf.resize(len.max(1), 0);
        let mut filled = 0;
        while let Some(rest) = buf.get_mut(filled..).filter(|r| !r.is_empty()) {
            match std::io::Read::read(&mut src, rest) {
                Ok(0) => break,
                Ok(n) => filled += n,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                Err(e) => return Err(e),
            }
        }
        Ok((src, buf, filled))
    })
}
