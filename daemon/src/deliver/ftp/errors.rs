//! How FTP failures become [`DeliveryError`]s: the reply code, the I/O error or the TLS
//! failure, read in the light of the step that failed. The rule: 4xx replies are transient
//! (the server says "try later"), 5xx permanent, except that what a code *means* depends on
//! the command (550 to CWD is a missing directory, to STOR a permission problem, to RNFR a
//! refused rename), and 530 is always a refused login.

use std::io::ErrorKind;
use std::sync::{Arc, Mutex};

use suppaftp::FtpError;
use suppaftp::types::Response;

use crate::code::Code;
use crate::deliver::DeliveryError;
use crate::deliver::tls::{self, TlsOptions};

/// Which part of a session failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Step {
    /// DNS, TCP connect, (implicit) TLS handshake and greeting.
    Connect,
    /// `AUTH TLS` and its handshake, `PBSZ`, `PROT`.
    Tls,
    /// `USER` / `PASS`.
    Login,
    /// `TYPE I` and other session settings.
    Setup,
    /// `CWD dir`.
    Cwd,
    /// `MKD` (create_dir).
    Mkd,
    /// `EPSV`/`PASV` + `STOR`, the data connection and its completion reply.
    Store,
    /// `SIZE` after the upload.
    Size,
    /// `RNFR` / `RNTO` (and `DELE` of an older file in the way).
    Rename,
    /// `NLST` (check only).
    List,
}

/// The TLS failure a connector saw last (the FTP library keeps only the text of TLS errors;
/// this keeps the error itself so it gets the right code).
#[derive(Debug, Clone)]
pub(super) enum TlsFailure {
    /// The handshake failed: certificate, versions, alerts.
    Rustls(rustls::Error),
    /// The connection failed during the handshake (reset, closed).
    Io(ErrorKind, String),
}

/// Shared between a connector (which fills it) and the session (which reads it).
pub(super) type TlsFailureSlot = Arc<Mutex<Option<TlsFailure>>>;

/// A reply's three-digit code, read from its text: suppaftp maps codes it does not know
/// (such as vsftpd's 522) to `Status::Unknown` = 0.
pub(super) fn reply_code(r: &Response) -> u32 {
    match r.body.get(..3) {
        Some(d) if d.iter().all(u8::is_ascii_digit) => {
            d.iter().fold(0, |n, b| n * 10 + u32::from(b - b'0'))
        }
        _ => r.status.code(),
    }
}

/// The first line(s) of a reply, as text, for messages (bounded: a hostile server could send
/// megabytes).
pub(super) fn reply_text(r: &Response) -> String {
    let text = String::from_utf8_lossy(&r.body);
    let text = text.trim().replace("\r\n", " | ").replace('\n', " | ");
    if text.chars().count() > 300 {
        let cut: String = text.chars().take(300).collect();
        format!("{cut}...")
    } else {
        text
    }
}

/// The error for a reply `code` (with its `text`) to the command `what` in `step`.
pub(super) fn from_reply(step: Step, what: &str, code: u32, text: &str) -> DeliveryError {
    let transient = (400..500).contains(&code);
    let message = format!("{what}: the server replied \"{text}\"");
    let code = match (step, code) {
        // AUTH TLS / PBSZ / PROT refused: the server does not do TLS this way.
        (Step::Tls, _) => Code::TlsHandshake,
        (_, 530) => Code::FtpAuth,
        (_, 522) => Code::FtpTlsSessionReuse,
        (_, 452 | 552) => Code::DiskFull,
        (_, 425 | 426) => Code::ConnectionReset,
        (_, 400..=499) => Code::FtpProtocol,
        (Step::Cwd, _) => Code::FtpNoSuchDir,
        (Step::Mkd | Step::Store, 550 | 553) => Code::FtpPermission,
        (Step::Rename, _) => Code::FtpRenameRefused,
        (Step::Size, _) => Code::FtpSizeMismatch,
        _ => Code::FtpProtocol,
    };
    DeliveryError::with_transience(code, message, transient)
}

/// The error for an I/O failure of the control or data connection.
pub(super) fn from_io(
    step: Step,
    what: &str,
    e: &std::io::Error,
    tls: &TlsOptions,
) -> DeliveryError {
    if let Some(r) = tls::rustls_error(e) {
        return DeliveryError::new(
            tls::code_of(r),
            format!("{what}: {}", tls::describe(r, tls)),
        );
    }
    let message = format!("{what}: {e}");
    match e.kind() {
        ErrorKind::ConnectionRefused => DeliveryError::new(Code::ConnectRefused, message),
        ErrorKind::TimedOut if step == Step::Connect => {
            DeliveryError::new(Code::ConnectTimeout, message)
        }
        ErrorKind::TimedOut => DeliveryError::new(Code::FtpIdleTimeout, message),
        _ => DeliveryError::new(Code::ConnectionReset, message),
    }
}

/// The error for any failure of the FTP library in `step`; `tls` is the failure slot of the
/// session's TLS connector, if it has one.
pub(super) fn classify(
    step: Step,
    what: &str,
    e: FtpError,
    slot: Option<&TlsFailureSlot>,
    tls: &TlsOptions,
) -> DeliveryError {
    match e {
        FtpError::UnexpectedResponse(r) => from_reply(step, what, reply_code(&r), &reply_text(&r)),
        FtpError::ConnectionError(io) => from_io(step, what, &io, tls),
        FtpError::SecureError(text) => {
            let failure = slot.and_then(|s| s.lock().ok().and_then(|mut g| g.take()));
            match failure {
                Some(TlsFailure::Rustls(r)) => DeliveryError::new(
                    tls::code_of(&r),
                    format!("{what}: {}", tls::describe(&r, tls)),
                ),
                Some(TlsFailure::Io(kind, io_text)) => {
                    from_io(step, what, &std::io::Error::new(kind, io_text), tls)
                }
                None => DeliveryError::new(Code::TlsHandshake, format!("{what}: {text}")),
            }
        }
        FtpError::BadResponse => DeliveryError::new(
            Code::FtpProtocol,
            format!("{what}: the server's reply is malformed"),
        ),
        FtpError::InvalidAddress(e) => DeliveryError::new(
            Code::FtpProtocol,
            format!("{what}: the server gave an invalid passive-mode address: {e}"),
        ),
        FtpError::DataConnectionAlreadyOpen => DeliveryError::new(
            Code::Internal,
            format!("{what}: a data connection was still open"),
        ),
    }
}

/// A step that saw no answer within `limit`.
pub(super) fn timed_out(step: Step, what: &str, limit: std::time::Duration) -> DeliveryError {
    let shown = humantime::format_duration(limit);
    if step == Step::Connect {
        DeliveryError::new(
            Code::ConnectTimeout,
            format!("{what}: no connection and greeting within {shown} (connect_timeout)"),
        )
    } else {
        DeliveryError::new(
            Code::FtpIdleTimeout,
            format!("{what}: the server did not answer within {shown} (idle_timeout)"),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn replies_by_step_and_class() {
        // (step, code, expected code, transient)
        let cases = [
            (Step::Login, 530, Code::FtpAuth, false),
            (Step::Store, 530, Code::FtpAuth, false),
            (Step::Tls, 530, Code::TlsHandshake, false),
            (Step::Tls, 431, Code::TlsHandshake, true),
            (Step::Cwd, 550, Code::FtpNoSuchDir, false),
            (Step::Mkd, 550, Code::FtpPermission, false),
            (Step::Store, 553, Code::FtpPermission, false),
            (Step::Store, 522, Code::FtpTlsSessionReuse, false),
            (Step::Store, 452, Code::DiskFull, true),
            (Step::Store, 426, Code::ConnectionReset, true),
            (Step::Store, 451, Code::FtpProtocol, true),
            (Step::Connect, 421, Code::FtpProtocol, true),
            (Step::Connect, 500, Code::FtpProtocol, false),
            (Step::Rename, 550, Code::FtpRenameRefused, false),
            (Step::Rename, 450, Code::FtpProtocol, true),
            (Step::Size, 550, Code::FtpSizeMismatch, false),
        ];
        assert!(!cases.is_empty());
        for (step, reply, code, transient) in cases {
            let e = from_reply(step, "CMD", reply, "text");
            assert_eq!(
                (e.code, e.is_transient()),
                (code, transient),
                "{step:?} {reply}"
            );
        }
        let e = from_reply(Step::Cwd, "CWD /in", 550, "550 Failed to change directory.");
        assert_eq!(
            e.message,
            "CWD /in: the server replied \"550 Failed to change directory.\""
        );
    }

    #[test]
    fn io_errors() {
        let o = TlsOptions::default();
        let refused = std::io::Error::from(ErrorKind::ConnectionRefused);
        assert_eq!(
            from_io(Step::Connect, "x", &refused, &o).code,
            Code::ConnectRefused
        );
        let reset = std::io::Error::from(ErrorKind::ConnectionReset);
        let e = from_io(Step::Store, "x", &reset, &o);
        assert_eq!((e.code, e.is_transient()), (Code::ConnectionReset, true));
        let slot: TlsFailureSlot = Arc::new(Mutex::new(Some(TlsFailure::Rustls(
            rustls::Error::InvalidCertificate(rustls::CertificateError::UnknownIssuer),
        ))));
        let e = classify(
            Step::Tls,
            "AUTH TLS",
            FtpError::SecureError("x".into()),
            Some(&slot),
            &o,
        );
        assert_eq!((e.code, e.is_transient()), (Code::TlsCertificate, false));
        // The slot was emptied: a later unrelated TLS error is not blamed on the certificate.
        assert!(slot.lock().unwrap().is_none());
    }

    #[test]
    fn reply_codes_come_from_the_text() {
        // suppaftp has no Status for 522: it is Unknown (0), the text still says 522.
        let r = Response::new(
            suppaftp::Status::Unknown,
            b"522 SSL connection failed: session reuse required\r\n".to_vec(),
        );
        assert_eq!(reply_code(&r), 522);
        let e = classify(
            Step::Store,
            "STOR x",
            FtpError::UnexpectedResponse(r),
            None,
            &TlsOptions::default(),
        );
        assert_eq!(
            (e.code, e.is_transient()),
            (Code::FtpTlsSessionReuse, false)
        );
    }

    #[test]
    fn long_replies_are_cut() {
        let r = Response::new(suppaftp::Status::FileUnavailable, vec![b'x'; 1000]);
        assert_eq!(reply_text(&r).chars().count(), 303);
    }
}
