//! Turning lettre's SMTP errors into stable codes with the right transience.
//!
//! Reply codes decide first (RFC 5321 §4.2.1: 4xx transient, 5xx permanent; 535 and
//! friends are authentication, 552 / 5.3.4 the size limit). Without a reply, the cause chain
//! is searched: rustls errors (lettre wraps them in `io::Error`, whose `source()` skips the
//! wrapped error, hence `get_ref`) give TLS_CERTIFICATE or TLS_HANDSHAKE, `io::Error` kinds
//! the CONNECT_* / CONNECTION_RESET codes.

use std::error::Error as StdError;
use std::io::ErrorKind;

use lettre::transport::smtp::Error as SmtpError;

use crate::code::Code;
use crate::deliver::DeliveryError;

/// Classifies a failed send or check against `server` (`host:port`, for the message).
pub fn classify(e: &SmtpError, server: &str) -> DeliveryError {
    let text = e.to_string();
    if let Some(code) = e.status() {
        return classify_reply(&code.to_string(), &text, server);
    }
    if let Some(found) = search_chain(e) {
        return found.into_error(server, &text);
    }
    if e.is_tls() {
        return DeliveryError::new(Code::TlsHandshake, format!("{server}: TLS failed: {text}"));
    }
    if e.is_timeout() {
        return DeliveryError::new(Code::ConnectTimeout, format!("{server}: timed out: {text}"));
    }
    if e.is_client() {
        let lower = text.to_ascii_lowercase();
        if lower.contains("starttls") {
            return DeliveryError::new(
                Code::SmtpProtocol,
                format!(
                    "{server} does not offer STARTTLS ({text}); use tls = \"implicit\" for a port-465 server, or tls = \"none\" only if the link is trusted"
                ),
            );
        }
        if lower.contains("authentication mechanism") {
            return DeliveryError::new(
                Code::SmtpProtocol,
                format!(
                    "{server} offers no AUTH mechanism reportd supports (PLAIN, LOGIN) on this connection ({text}); many servers offer AUTH only after TLS"
                ),
            );
        }
    }
    DeliveryError::new(
        Code::SmtpProtocol,
        format!("{server}: unexpected SMTP failure: {text}"),
    )
}

/// A negative reply `code` (three digits) with lettre's `text`.
fn classify_reply(code: &str, text: &str, server: &str) -> DeliveryError {
    let msg = format!("{server} answered {text}");
    let lower = text.to_ascii_lowercase();
    match code {
        // 535 credentials invalid, 534 mechanism too weak, 538 encryption required for it.
        "535" | "534" | "538" => DeliveryError::new(Code::SmtpAuth, msg),
        // 530 is "authentication required" — or "must issue STARTTLS first".
        "530" if lower.contains("starttls") || lower.contains("tls") => {
            DeliveryError::new(Code::SmtpProtocol, msg)
        }
        "530" => DeliveryError::new(
            Code::SmtpAuth,
            format!("{msg} (the server requires AUTH: set `user` and the password)"),
        ),
        "552" => DeliveryError::new(Code::SmtpSize, size_message(msg)),
        _ if code.starts_with('5') && lower.contains("5.3.4") => {
            DeliveryError::new(Code::SmtpSize, size_message(msg))
        }
        _ if code.starts_with('4') => DeliveryError::new(Code::SmtpTemporary, msg),
        _ => DeliveryError::new(Code::SmtpRejected, msg),
    }
}

fn size_message(msg: String) -> String {
    format!(
        "{msg}: the mail is over the server's size limit (base64 makes it about 4/3 of the attachment); lower max_attachment_size or set oversize = \"zip\""
    )
}

/// What the cause chain says.
enum Cause {
    Certificate(String),
    Handshake(String),
    Io(ErrorKind, String),
    Dns(String),
}

impl Cause {
    fn into_error(self, server: &str, text: &str) -> DeliveryError {
        match self {
            Cause::Certificate(m) => DeliveryError::new(
                Code::TlsCertificate,
                format!("{server}: the server's certificate is not trusted: {m}"),
            ),
            Cause::Handshake(m) => DeliveryError::new(
                Code::TlsHandshake,
                format!("{server}: TLS handshake failed: {m}"),
            ),
            Cause::Dns(m) => DeliveryError::new(
                Code::Dns,
                format!("{server}: the host name did not resolve: {m}"),
            ),
            Cause::Io(kind, m) => {
                let code = match kind {
                    ErrorKind::ConnectionRefused => Code::ConnectRefused,
                    ErrorKind::TimedOut | ErrorKind::WouldBlock => Code::ConnectTimeout,
                    _ => Code::ConnectionReset,
                };
                let what = match code {
                    Code::ConnectRefused => "connection refused",
                    Code::ConnectTimeout => "connection timed out",
                    _ => "connection lost",
                };
                DeliveryError::new(code, format!("{server}: {what}: {m} ({text})"))
            }
        }
    }
}

fn rustls_cause(r: &rustls::Error) -> Cause {
    match r {
        rustls::Error::InvalidCertificate(_)
        | rustls::Error::NoCertificatesPresented
        | rustls::Error::InvalidCertRevocationList(_) => Cause::Certificate(r.to_string()),
        _ => Cause::Handshake(r.to_string()),
    }
}

fn search_chain(e: &SmtpError) -> Option<Cause> {
    let mut io_seen: Option<Cause> = None;
    let mut cur: Option<&(dyn StdError + 'static)> = e.source();
    while let Some(err) = cur {
        if let Some(r) = err.downcast_ref::<rustls::Error>() {
            return Some(rustls_cause(r));
        }
        if let Some(io) = err.downcast_ref::<std::io::Error>() {
            if let Some(r) = io.get_ref().and_then(|i| i.downcast_ref::<rustls::Error>()) {
                return Some(rustls_cause(r));
            }
            let m = io.to_string();
            if is_dns_failure(&m) {
                return Some(Cause::Dns(m));
            }
            if io_seen.is_none() {
                io_seen = Some(Cause::Io(io.kind(), m));
            }
        } else {
            let m = err.to_string();
            if m.contains("could not resolve to any") {
                return Some(Cause::Dns(m));
            }
        }
        cur = err.source();
    }
    io_seen
}

/// getaddrinfo failures come back as `io::Error`s of an unstable kind; their text is stable.
fn is_dns_failure(m: &str) -> bool {
    m.contains("failed to lookup address")
        || m.contains("Name or service not known")
        || m.contains("Temporary failure in name resolution")
        || m.contains("No address associated with hostname")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn replies() {
        let s = "mail.example:587";
        let c = |code: &str, text: &str| {
            let e = classify_reply(code, text, s);
            (e.code, e.is_transient())
        };
        assert_eq!(
            c(
                "535",
                "permanent error (535): 5.7.8 Authentication credentials invalid"
            ),
            (Code::SmtpAuth, false)
        );
        assert_eq!(
            c(
                "530",
                "permanent error (530): 5.7.0 Authentication required"
            ),
            (Code::SmtpAuth, false)
        );
        assert_eq!(
            c(
                "530",
                "permanent error (530): 5.7.0 Must issue a STARTTLS command first"
            ),
            (Code::SmtpProtocol, false)
        );
        assert_eq!(
            c("451", "transient error (451): 4.3.0 try later"),
            (Code::SmtpTemporary, true)
        );
        assert_eq!(
            c("421", "transient error (421): service not available"),
            (Code::SmtpTemporary, true)
        );
        assert_eq!(
            c("550", "permanent error (550): 5.1.1 no such user"),
            (Code::SmtpRejected, false)
        );
        assert_eq!(
            c("554", "permanent error (554): 5.7.1 rejected as spam"),
            (Code::SmtpRejected, false)
        );
        assert_eq!(
            c("552", "permanent error (552): Error: Too much mail data"),
            (Code::SmtpSize, false)
        );
        assert_eq!(
            c(
                "554",
                "permanent error (554): 5.3.4 message too big for system"
            ),
            (Code::SmtpSize, false)
        );
        let e = classify_reply("550", "permanent error (550): 5.1.1 no such user", s);
        assert!(
            e.message
                .starts_with("mail.example:587 answered permanent error (550)")
        );
        let e = classify_reply("552", "permanent error (552): too big", s);
        assert!(e.message.contains("oversize = \"zip\""));
    }

    #[test]
    fn dns_texts() {
        assert!(is_dns_failure(
            "failed to lookup address information: Name or service not known"
        ));
        assert!(!is_dns_failure("Connection refused (os error 111)"));
    }
}
