//! The TLS connector handed to suppaftp: tokio-rustls with the destination's one shared
//! [`ClientConfig`] (so data connections resume the control connection's session), plus a
//! record of the last handshake failure — suppaftp keeps only the text of TLS errors, and a
//! certificate problem must get `TLS_CERTIFICATE`, not a generic failure.

use std::sync::{Arc, Mutex};

use rustls::ClientConfig;
use rustls::pki_types::ServerName;
use suppaftp::tokio::{AsyncRustlsStream, AsyncTlsConnector};
use suppaftp::tokio_rustls::TlsConnector;
use suppaftp::{FtpError, FtpResult};
use tokio::net::TcpStream;

use super::errors::{TlsFailure, TlsFailureSlot};

/// A tokio-rustls connector that remembers why its last handshake failed.
#[derive(Clone)]
pub(super) struct Connector {
    inner: TlsConnector,
    failure: TlsFailureSlot,
}

impl std::fmt::Debug for Connector {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Connector")
    }
}

impl Connector {
    pub(super) fn new(config: Arc<ClientConfig>) -> Self {
        Self {
            inner: TlsConnector::from(config),
            failure: Arc::new(Mutex::new(None)),
        }
    }

    /// Where handshake failures are recorded.
    pub(super) fn failure_slot(&self) -> TlsFailureSlot {
        Arc::clone(&self.failure)
    }
}

#[async_trait::async_trait]
impl AsyncTlsConnector for Connector {
    type Stream = AsyncRustlsStream;

    async fn connect(&self, domain: &str, stream: TcpStream) -> FtpResult<Self::Stream> {
        let name = ServerName::try_from(domain.to_owned()).map_err(|e| {
            FtpError::SecureError(format!("invalid TLS server name {domain:?}: {e}"))
        })?;
        match self.inner.connect(name, stream).await {
            Ok(tls) => Ok(AsyncRustlsStream::from(tls)),
            Err(e) => {
                let failure = match super::super::tls::rustls_error(&e) {
                    Some(r) => TlsFailure::Rustls(r.clone()),
                    None => TlsFailure::Io(e.kind(), e.to_string()),
                };
                if let Ok(mut slot) = self.failure.lock() {
                    *slot = Some(failure);
                }
                Err(FtpError::SecureError(e.to_string()))
            }
        }
    }
}
