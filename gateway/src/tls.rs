//! TLS for a node's outgoing connections (to HTTPS backends and to the control plane): the system's roots
//! plus any CA files the operator names, certificates always verified, the server name from the address.

use std::path::Path;
use std::sync::Arc;

use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, ServerName};
use rustls::{ClientConfig, RootCertStore};
use tokio::net::TcpStream;
use tokio_rustls::client::TlsStream;
use tokio_rustls::TlsConnector;

/// What a node offers backends: HTTP/2 where they take it.
pub const BACKEND_ALPN: &[&[u8]] = &[b"h2", b"http/1.1"];

/// The certificates a node trusts for one kind of connection.
#[derive(Clone)]
pub struct Trust {
    config: Arc<ClientConfig>,
}

impl std::fmt::Debug for Trust {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Trust").finish_non_exhaustive()
    }
}

fn provider() -> Arc<rustls::crypto::CryptoProvider> {
    // ring rather than aws-lc-rs (see Cargo.toml); its key exchanges are the classical ones.
    #[allow(deprecated)]
    Arc::new(rustls::crypto::ring::default_provider())
}

/// Reads every certificate in a PEM file.
pub fn read_certificates(path: &Path) -> Result<Vec<CertificateDer<'static>>, String> {
    let certs: Vec<_> = CertificateDer::pem_file_iter(path)
        .map_err(|e| format!("cannot read {}: {e}", path.display()))?
        .collect::<Result<_, _>>()
        .map_err(|e| format!("{} is not a PEM certificate file: {e}", path.display()))?;
    if certs.is_empty() {
        return Err(format!("{} holds no certificate", path.display()));
    }
    Ok(certs)
}

impl Trust {
    /// The system's roots (`/etc/ssl/certs`) and the certificates in `extra` (private CAs), offering `alpn`
    /// (e.g. `h2` and `http/1.1` to backends).
    pub fn new(extra: &[&Path], alpn: &[&[u8]]) -> Result<Trust, String> {
        let mut roots = RootCertStore::empty();
        let native = rustls_native_certs::load_native_certs();
        for cert in native.certs {
            // One unreadable system certificate does not make the others useless.
            let _ = roots.add(cert);
        }
        for path in extra {
            for cert in read_certificates(path)? {
                roots
                    .add(cert)
                    .map_err(|e| format!("{}: not a usable CA certificate: {e}", path.display()))?;
            }
        }
        Trust::with_roots(roots, alpn)
    }

    /// Exactly these roots, nothing from the system (tests, and `--control-plane-ca` when it is the only CA).
    pub fn with_roots(roots: RootCertStore, alpn: &[&[u8]]) -> Result<Trust, String> {
        let mut config = ClientConfig::builder_with_provider(provider())
            .with_safe_default_protocol_versions()
            .map_err(|e| e.to_string())?
            .with_root_certificates(roots)
            .with_no_client_auth();
        config.alpn_protocols = alpn.iter().map(|p| p.to_vec()).collect();
        Ok(Trust {
            config: Arc::new(config),
        })
    }

    /// Shakes hands over `tcp` for `host`, verifying the certificate against this trust.
    pub async fn connect(&self, host: &str, tcp: TcpStream) -> std::io::Result<TlsStream<TcpStream>> {
        let name = ServerName::try_from(host.trim_start_matches('[').trim_end_matches(']').to_owned())
            .map_err(|e| std::io::Error::new(std::io::ErrorKind::InvalidInput, e))?;
        TlsConnector::from(Arc::clone(&self.config))
            .connect(name, tcp)
            .await
    }
}

/// Why a handshake failed, in words an operator can act on.
pub fn handshake_failure(e: &std::io::Error) -> String {
    let inner = e.get_ref().and_then(|i| i.downcast_ref::<rustls::Error>());
    match inner {
        Some(rustls::Error::InvalidCertificate(c)) => {
            let why = match c {
                rustls::CertificateError::UnknownIssuer => {
                    "it is signed by a CA this node does not trust".to_owned()
                }
                rustls::CertificateError::Expired | rustls::CertificateError::ExpiredContext { .. } => {
                    "it has expired".to_owned()
                }
                rustls::CertificateError::NotValidYet
                | rustls::CertificateError::NotValidYetContext { .. } => "it is not valid yet".to_owned(),
                rustls::CertificateError::NotValidForName
                | rustls::CertificateError::NotValidForNameContext { .. } => {
                    "it is not valid for the host name".to_owned()
                }
                other => {
                    tracing::debug!("certificate refused: {other:?}");
                    "it is not acceptable".to_owned()
                }
            };
            format!("the certificate was refused: {why}")
        }
        Some(other) => format!("TLS handshake failed: {other}"),
        None => format!("TLS handshake failed: {e}"),
    }
}
