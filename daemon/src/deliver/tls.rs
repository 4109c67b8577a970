//! TLS client settings shared by the destinations that speak TLS (`ftp` today; `email` may
//! reuse it): one rustls [`ClientConfig`] built from "which CAs to trust" (the system's, or a
//! `ca_file`), an opt-out of certificate verification for test setups, and an optional cap
//! on the protocol version. Also turns rustls errors into stable codes and readable messages.
//!
//! Always the `ring` crypto provider, chosen explicitly (not the process default), so the
//! result does not depend on which other crates enabled which rustls features. Build the
//! config once per destination and share the `Arc`: its session cache is what lets an FTPS
//! data connection resume the control connection's TLS session (vsftpd's
//! `require_ssl_reuse=YES` refuses data connections that do not).

use std::path::{Path, PathBuf};
use std::sync::Arc;

use rustls::client::WebPkiServerVerifier;
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::{CryptoProvider, WebPkiSupportedAlgorithms};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{CertificateError, ClientConfig, DigitallySignedStruct, RootCertStore};

use crate::code::Code;
use crate::config::TlsVersion;

use super::DeliveryError;

/// What a TLS client trusts and allows.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct TlsOptions {
    /// PEM file with the CA certificate(s) to trust instead of the system's.
    pub ca_file: Option<PathBuf>,
    /// Accept any certificate (still checking the handshake signatures). For test setups.
    pub insecure_skip_verify: bool,
    /// Highest protocol version to offer (`None`: TLS 1.3 and 1.2).
    pub max_version: Option<TlsVersion>,
}

impl TlsOptions {
    /// What the server's certificate is checked against, for messages.
    pub fn trust_description(&self) -> String {
        if self.insecure_skip_verify {
            "not verified (insecure_skip_verify = true)".to_owned()
        } else if let Some(ca) = &self.ca_file {
            format!("the CA in ca_file {}", ca.display())
        } else {
            "the system's CA certificates".to_owned()
        }
    }
}

/// The crypto provider every reportd TLS client uses.
fn provider() -> Arc<CryptoProvider> {
    Arc::new(rustls::crypto::ring::default_provider())
}

/// Builds a client config. Reads `ca_file` or the system's trust store (I/O: call it when a
/// destination is first used, not during validation). Errors are permanent `TLS_CERTIFICATE`
/// (unreadable or empty CA file, no system CAs) or `TLS_HANDSHAKE`.
pub fn client_config(options: &TlsOptions) -> Result<Arc<ClientConfig>, DeliveryError> {
    let provider = provider();
    let versions: &[&'static rustls::SupportedProtocolVersion] = match options.max_version {
        Some(TlsVersion::V1_2) => &[&rustls::version::TLS12],
        Some(TlsVersion::V1_3) | None => &[&rustls::version::TLS13, &rustls::version::TLS12],
    };
    let builder = ClientConfig::builder_with_provider(Arc::clone(&provider))
        .with_protocol_versions(versions)
        .map_err(|e| {
            DeliveryError::new(
                Code::TlsHandshake,
                format!("cannot set up TLS (protocol versions): {e}"),
            )
        })?;
    let config = if options.insecure_skip_verify {
        builder
            .dangerous()
            .with_custom_certificate_verifier(Arc::new(AcceptAnyCertificate {
                algorithms: provider.signature_verification_algorithms,
            }))
            .with_no_client_auth()
    } else {
        let roots = match &options.ca_file {
            Some(path) => roots_from_file(path)?,
            None => system_roots()?,
        };
        let verifier = WebPkiServerVerifier::builder_with_provider(Arc::new(roots), provider)
            .build()
            .map_err(|e| {
                DeliveryError::new(
                    Code::TlsCertificate,
                    format!("cannot use the trusted CA certificates: {e}"),
                )
            })?;
        builder.with_webpki_verifier(verifier).with_no_client_auth()
    };
    Ok(Arc::new(config))
}

/// The CA certificates in a PEM file (every `CERTIFICATE` block; other blocks are skipped).
fn roots_from_file(path: &Path) -> Result<RootCertStore, DeliveryError> {
    let bad = |what: String| {
        DeliveryError::new(
            Code::TlsCertificate,
            format!("ca_file {}: {what}", path.display()),
        )
    };
    let certs = CertificateDer::pem_file_iter(path)
        .map_err(|e| bad(format!("cannot read it: {e}")))?
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| bad(format!("not a PEM certificate file: {e}")))?;
    if certs.is_empty() {
        return Err(bad(
            "no CERTIFICATE block in it; give the PEM file of the CA that signed the server's certificate"
                .to_owned(),
        ));
    }
    let mut roots = RootCertStore::empty();
    for cert in certs {
        roots
            .add(cert)
            .map_err(|e| bad(format!("a certificate in it is not usable as a CA: {e}")))?;
    }
    Ok(roots)
}

/// The operating system's trust store (Debian: /etc/ssl/certs from `ca-certificates`).
fn system_roots() -> Result<RootCertStore, DeliveryError> {
    let found = rustls_native_certs::load_native_certs();
    let mut roots = RootCertStore::empty();
    let (added, _ignored) = roots.add_parsable_certificates(found.certs);
    if added == 0 {
        let why = found
            .errors
            .first()
            .map(|e| format!(" ({e})"))
            .unwrap_or_default();
        return Err(DeliveryError::new(
            Code::TlsCertificate,
            format!(
                "no CA certificates found in the system trust store{why}; install the `ca-certificates` package or set ca_file"
            ),
        ));
    }
    Ok(roots)
}

/// `insecure_skip_verify = true`: trusts any certificate for any name, but still checks that
/// the server holds the key of the certificate it sent (the handshake signature).
#[derive(Debug)]
struct AcceptAnyCertificate {
    algorithms: WebPkiSupportedAlgorithms,
}

impl ServerCertVerifier for AcceptAnyCertificate {
    fn verify_server_cert(
        &self,
        _end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(message, cert, dss, &self.algorithms)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(message, cert, dss, &self.algorithms)
    }

    fn supported_verify_schemes(&self) -> Vec<rustls::SignatureScheme> {
        self.algorithms.supported_schemes()
    }
}

/// The rustls error inside an I/O error from a TLS stream (tokio-rustls wraps it), if any.
pub fn rustls_error(e: &std::io::Error) -> Option<&rustls::Error> {
    e.get_ref()?.downcast_ref::<rustls::Error>()
}

/// The stable code of a failed handshake: a certificate the client would not accept is
/// `TLS_CERTIFICATE`; anything else (versions, ciphers, alerts from the server) is
/// `TLS_HANDSHAKE`. Both are permanent: the same handshake fails the same way later.
pub fn code_of(e: &rustls::Error) -> Code {
    match e {
        rustls::Error::InvalidCertificate(_) | rustls::Error::NoCertificatesPresented => {
            Code::TlsCertificate
        }
        _ => Code::TlsHandshake,
    }
}

/// A sentence about a handshake error for a person, naming what was trusted.
pub fn describe(e: &rustls::Error, options: &TlsOptions) -> String {
    let trust = options.trust_description();
    match e {
        rustls::Error::InvalidCertificate(cert) => {
            let what = match cert {
                CertificateError::UnknownIssuer => {
                    "is not signed by a CA we trust (unknown issuer)".to_owned()
                }
                CertificateError::BadSignature => "has a bad signature".to_owned(),
                CertificateError::Expired | CertificateError::ExpiredContext { .. } => {
                    "has expired".to_owned()
                }
                CertificateError::NotValidYet | CertificateError::NotValidYetContext { .. } => {
                    "is not valid yet (check this machine's clock)".to_owned()
                }
                CertificateError::Revoked => "has been revoked".to_owned(),
                CertificateError::NotValidForName
                | CertificateError::NotValidForNameContext { .. } => {
                    "is not valid for this host name (set `host` to a name the certificate lists)"
                        .to_owned()
                }
                other => format!("was rejected ({other:?})"),
            };
            format!("the server's TLS certificate {what}; trusted: {trust}")
        }
        rustls::Error::NoCertificatesPresented => "the server sent no TLS certificate".to_owned(),
        other => format!("TLS handshake failed: {other}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ca_file_errors_are_permanent_certificate_errors() {
        let dir = tempfile::tempdir().unwrap();
        let missing = TlsOptions {
            ca_file: Some(dir.path().join("nope.pem")),
            ..TlsOptions::default()
        };
        let e = client_config(&missing).unwrap_err();
        assert_eq!(e.code, Code::TlsCertificate);
        assert!(!e.is_transient());
        assert!(e.message.contains("nope.pem"), "{}", e.message);

        let empty = dir.path().join("empty.pem");
        std::fs::write(&empty, "not a certificate\n").unwrap();
        let e = client_config(&TlsOptions {
            ca_file: Some(empty),
            ..TlsOptions::default()
        })
        .unwrap_err();
        assert_eq!(e.code, Code::TlsCertificate);
        assert!(e.message.contains("no CERTIFICATE block"), "{}", e.message);
    }

    #[test]
    fn version_cap_and_skip_verify_build() {
        let capped = client_config(&TlsOptions {
            insecure_skip_verify: true,
            max_version: Some(TlsVersion::V1_2),
            ..TlsOptions::default()
        })
        .unwrap();
        // rustls has no public getter for the versions; its Debug output lists them.
        assert!(format!("{capped:?}").contains("versions: [TLSv1_2]"));
        let both = client_config(&TlsOptions {
            insecure_skip_verify: true,
            ..TlsOptions::default()
        })
        .unwrap();
        assert!(
            format!("{both:?}").contains("versions: [TLSv1_2, TLSv1_3]"),
            "{both:?}"
        );
    }

    #[test]
    fn codes_and_descriptions() {
        let unknown = rustls::Error::InvalidCertificate(CertificateError::UnknownIssuer);
        assert_eq!(code_of(&unknown), Code::TlsCertificate);
        let o = TlsOptions {
            ca_file: Some(PathBuf::from("/etc/reportd/acme-ca.pem")),
            ..TlsOptions::default()
        };
        assert_eq!(
            describe(&unknown, &o),
            "the server's TLS certificate is not signed by a CA we trust (unknown issuer); trusted: the CA in ca_file /etc/reportd/acme-ca.pem"
        );
        let alert = rustls::Error::AlertReceived(rustls::AlertDescription::HandshakeFailure);
        assert_eq!(code_of(&alert), Code::TlsHandshake);
        let io = std::io::Error::new(std::io::ErrorKind::InvalidData, unknown.clone());
        assert_eq!(rustls_error(&io), Some(&unknown));
    }
}
