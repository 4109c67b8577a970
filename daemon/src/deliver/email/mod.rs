//! `type = "email"`: the report attached to a mail sent through an SMTP server (a
//! corporate relay, a provider's submission port).
//!
//! lettre's `AsyncSmtpTransport` on tokio with rustls: STARTTLS (required, never a silent
//! downgrade), implicit TLS, or plain only when configured so; AUTH PLAIN/LOGIN when a
//! `user` is set, and never over an unencrypted connection unless `allow_plain_auth`. The
//! attachment is base64 (so its bytes arrive exactly, whatever relays do to line endings)
//! with a MIME type from its extension; reports over `max_attachment_size` fail with
//! `SMTP_SIZE` or go zipped ([`attachment`]). Every send is bounded by the destination's
//! `timeout`, because lettre's own timeout covers only the TCP connect (lettre#917).
//! Errors are classified in [`error`]; retries are the caller's ([`super::retry`]).
//!
//! Neighbours: the plan is [`crate::config::EmailPlan`] (read by `config/dest_email.rs`);
//! the subject and body come from [`template`].

pub mod attachment;
pub mod error;
pub mod template;

use std::sync::Arc;
use std::time::Duration;

use lettre::message::header::{ContentTransferEncoding, ContentType};
use lettre::message::{Attachment, Body, Mailbox, MultiPart, SinglePart};
use lettre::transport::smtp::authentication::{Credentials, Mechanism};
use lettre::transport::smtp::client::{Certificate, Tls, TlsParameters};
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use tracing::{info, warn};

use crate::code::Code;
use crate::config::{EmailPlan, EmailTls};

use super::{DeliveryError, OutgoingFile, Receipt};
use attachment::Prepared;
use template::MailValues;

/// An e-mail destination.
#[derive(Debug, Clone)]
pub struct EmailDest {
    /// Shared with the blocking attachment task.
    plan: Arc<EmailPlan>,
    /// Bound on one whole send or check (the destination's `timeout`).
    timeout: Duration,
}

impl EmailDest {
    /// `timeout` bounds each whole send (connect, TLS, AUTH, DATA, QUIT).
    pub fn new(plan: EmailPlan, timeout: Duration) -> Self {
        Self {
            plan: Arc::new(plan),
            timeout,
        }
    }

    /// `host:port`, as messages and logs name the server.
    pub fn server(&self) -> String {
        format!("{}:{}", self.plan.host, self.plan.port)
    }

    /// Sends one mail with the file attached, once.
    pub async fn deliver(&self, file: &OutgoingFile) -> Result<Receipt, DeliveryError> {
        match tokio::time::timeout(self.timeout, self.send(file)).await {
            Ok(r) => r,
            Err(_) => Err(self.timed_out("sending the mail")),
        }
    }

    /// Connects, negotiates TLS, authenticates and sends NOOP then QUIT: no mail is sent.
    pub async fn check(&self) -> Result<String, DeliveryError> {
        match tokio::time::timeout(self.timeout, self.check_inner()).await {
            Ok(r) => r,
            Err(_) => Err(self.timed_out("checking the mail server")),
        }
    }

    fn timed_out(&self, what: &str) -> DeliveryError {
        DeliveryError::new(
            Code::DeliveryTimeout,
            format!(
                "{what} through {} did not finish within {}",
                self.server(),
                humantime::format_duration(self.timeout)
            ),
        )
    }

    async fn check_inner(&self) -> Result<String, DeliveryError> {
        self.warn_insecure();
        let transport = self.transport()?;
        let server = self.server();
        let alive = transport
            .test_connection()
            .await
            .map_err(|e| error::classify(&e, &server))?;
        if !alive {
            return Err(DeliveryError::new(
                Code::SmtpProtocol,
                format!("{server} did not answer NOOP after the login"),
            ));
        }
        let auth = match &self.plan.user {
            Some(u) => format!("logged in as {u}"),
            None => "no login configured".to_owned(),
        };
        Ok(format!(
            "{server}: connected (tls = {}), {auth}, NOOP answered; no mail sent",
            self.plan.tls.as_str()
        ))
    }

    async fn send(&self, file: &OutgoingFile) -> Result<Receipt, DeliveryError> {
        self.warn_insecure();
        // Size and zip first: an oversized report must fail before any connection, and
        // never as a mail without its attachment.
        let plan = Arc::clone(&self.plan);
        let f = file.clone();
        let prepared = tokio::task::spawn_blocking(move || attachment::prepare(&plan, &f))
            .await
            .map_err(|e| {
                DeliveryError::new(Code::Internal, format!("attachment task failed: {e}"))
            })??;
        let message = self.message(file, &prepared)?;
        let transport = self.transport()?;
        let server = self.server();
        let response = transport
            .send(message)
            .await
            .map_err(|e| error::classify(&e, &server))?;
        let reply = response.message().collect::<Vec<_>>().join(" ");
        info!(
            server = %server,
            attachment = %prepared.name,
            bytes = prepared.bytes.len(),
            zipped = prepared.zipped,
            reply = %reply,
            "mail accepted"
        );
        Ok(Receipt {
            remote_path: format!(
                "mailto:{} (via {server}: {} {reply})",
                self.recipients().join(","),
                response.code()
            ),
            bytes: prepared.bytes.len() as u64,
        })
    }

    /// Every envelope recipient: to, cc, bcc.
    fn recipients(&self) -> Vec<String> {
        self.plan
            .to
            .iter()
            .chain(&self.plan.cc)
            .chain(&self.plan.bcc)
            .map(|m| m.email.to_string())
            .collect()
    }

    fn warn_insecure(&self) {
        if self.plan.tls == EmailTls::None {
            warn!(
                server = %self.server(),
                "sending mail WITHOUT encryption (tls = \"none\"): the report crosses the network in clear"
            );
        }
        if self.plan.insecure_skip_verify && self.plan.tls != EmailTls::None {
            warn!(
                server = %self.server(),
                "the mail server's certificate is NOT verified (insecure_skip_verify = true)"
            );
        }
    }

    /// The mail: body text, then the attachment.
    fn message(&self, file: &OutgoingFile, att: &Prepared) -> Result<Message, DeliveryError> {
        let values = MailValues {
            file: &att.name,
            bytes: file.bytes,
            context: file.context.as_ref(),
        };
        let p = &self.plan;
        let mut b = Message::builder()
            .from(p.from.clone())
            .subject(p.subject.render(&values));
        for m in &p.to {
            b = b.to(m.clone());
        }
        for m in &p.cc {
            b = b.cc(m.clone());
        }
        // lettre puts Bcc in the envelope and drops the header when formatting.
        for m in &p.bcc {
            b = b.bcc(m.clone());
        }
        if let Some(r) = &p.reply_to {
            b = b.reply_to(r.clone());
        }
        let internal = |what: &str, e: &dyn std::fmt::Display| {
            DeliveryError::new(
                Code::Internal,
                format!("cannot build the mail ({what}): {e}"),
            )
        };
        let content_type =
            ContentType::parse(att.content_type).map_err(|e| internal("content type", &e))?;
        // Base64 always: the decoded attachment is byte-for-byte the report (7bit/8bit
        // would normalise its line endings), in 76-column lines every server accepts.
        let body = Body::new_with_encoding(att.bytes.clone(), ContentTransferEncoding::Base64)
            .map_err(|_| internal("attachment encoding", &"base64 refused"))?;
        let parts = MultiPart::mixed()
            .singlepart(SinglePart::plain(p.body.render(&values)))
            .singlepart(Attachment::new(att.name.clone()).body(body, content_type));
        b.multipart(parts).map_err(|e| internal("headers", &e))
    }

    /// A transport for one send (no pool: a daily report does not keep connections open).
    fn transport(&self) -> Result<AsyncSmtpTransport<Tokio1Executor>, DeliveryError> {
        let p = &self.plan;
        let server = self.server();
        let mut builder = AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(p.host.clone())
            .port(p.port)
            // lettre applies this to the TCP connect only; the whole send is bounded above.
            .timeout(Some(p.connect_timeout));
        builder = match p.tls {
            EmailTls::StartTls => builder.tls(Tls::Required(self.tls_parameters()?)),
            EmailTls::Implicit => builder.tls(Tls::Wrapper(self.tls_parameters()?)),
            EmailTls::None => builder.tls(Tls::None),
        };
        if let Some(user) = &p.user {
            if p.tls == EmailTls::None && !p.allow_plain_auth {
                // Validation refuses this too; a plan built in code must not leak either.
                return Err(DeliveryError::new(
                    Code::SmtpAuth,
                    format!(
                        "refusing to send the password to {server} over an unencrypted connection (tls = \"none\"); use tls = \"starttls\" or \"implicit\", or set allow_plain_auth = true"
                    ),
                ));
            }
            let password = match &p.password {
                Some(src) => src.resolve().map_err(|e| {
                    DeliveryError::new(Code::SecretUnreadable, format!("SMTP password: {e}"))
                })?,
                None => {
                    return Err(DeliveryError::new(
                        Code::SecretUnreadable,
                        format!("user {user:?} is set but no password is configured"),
                    ));
                }
            };
            builder = builder
                .credentials(Credentials::new(user.clone(), password.expose().to_owned()))
                .authentication(vec![Mechanism::Plain, Mechanism::Login]);
        }
        Ok(builder.build())
    }

    fn tls_parameters(&self) -> Result<TlsParameters, DeliveryError> {
        let p = &self.plan;
        let mut b = TlsParameters::builder(p.host.clone());
        if let Some(path) = &p.ca_file {
            let pem = std::fs::read(path).map_err(|e| {
                DeliveryError::new(
                    Code::TlsCertificate,
                    format!("cannot read ca_file {}: {e}", path.display()),
                )
            })?;
            let bad = |why: String| {
                DeliveryError::new(
                    Code::TlsCertificate,
                    format!("ca_file {}: {why}", path.display()),
                )
            };
            if !pem
                .windows(b"-----BEGIN CERTIFICATE-----".len())
                .any(|w| w == b"-----BEGIN CERTIFICATE-----")
            {
                return Err(bad("no PEM certificate in it".to_owned()));
            }
            let cert = Certificate::from_pem(&pem).map_err(|e| bad(e.to_string()))?;
            b = b.add_root_certificate(cert);
        }
        if p.insecure_skip_verify {
            b = b.dangerous_accept_invalid_certs(true);
        }
        b.build()
            .map_err(|e| DeliveryError::new(Code::TlsHandshake, format!("TLS settings: {e}")))
    }
}

/// Parses an RFC 5322 mailbox (`"Name <a@b>"` or `a@b`), for configuration.
pub fn parse_mailbox(s: &str) -> Result<Mailbox, String> {
    s.parse::<Mailbox>()
        .map_err(|e| format!("{s:?} is not a mail address ({e})"))
}
