//! TLS on a listener (a gateway node's, or the console's): a certificate and key from PEM files, HTTP/2 and
//! HTTP/1.1 offered by ALPN, and the pair read again on SIGHUP or when the files change, without dropping a
//! connection: the acceptor asks for the current certificate at each handshake.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, RwLock};
use std::time::{Duration, SystemTime};

use rustls::pki_types::pem::PemObject;
use rustls::pki_types::PrivateKeyDer;
use rustls::server::{ClientHello, ResolvesServerCert};
use rustls::sign::CertifiedKey;
use tokio::net::TcpStream;
use tokio_rustls::server::TlsStream;
use tokio_rustls::TlsAcceptor;

/// How often the files are looked at for changes.
const WATCH_INTERVAL: Duration = Duration::from_secs(2);

#[derive(Debug)]
struct Identity {
    cert: PathBuf,
    key: PathBuf,
    current: RwLock<Arc<CertifiedKey>>,
    /// The files' modification times when last read.
    read_at: Mutex<(Option<SystemTime>, Option<SystemTime>)>,
}

impl ResolvesServerCert for Identity {
    fn resolve(&self, _hello: ClientHello<'_>) -> Option<Arc<CertifiedKey>> {
        Some(Arc::clone(
            &self.current.read().unwrap_or_else(|e| e.into_inner()),
        ))
    }
}

fn modified(path: &Path) -> Option<SystemTime> {
    std::fs::metadata(path).and_then(|m| m.modified()).ok()
}

fn provider() -> Arc<rustls::crypto::CryptoProvider> {
    // ring, as for outgoing connections (see Cargo.toml).
    #[allow(deprecated)]
    Arc::new(rustls::crypto::ring::default_provider())
}

fn read_pair(cert: &Path, key: &Path) -> Result<CertifiedKey, String> {
    let chain = crate::tls::read_certificates(cert)?;
    let key = PrivateKeyDer::from_pem_file(key)
        .map_err(|e| format!("cannot read the key {}: {e}", key.display()))?;
    let signing = provider()
        .key_provider
        .load_private_key(key)
        .map_err(|e| format!("unusable key: {e}"))?;
    let pair = CertifiedKey::new(chain, signing);
    pair.keys_match()
        .map_err(|e| format!("{} and its key do not belong together: {e}", cert.display()))?;
    Ok(pair)
}

/// A listener's TLS: cheap to clone, shared by every accept loop of the listener.
#[derive(Clone)]
pub struct ServerTls {
    acceptor: TlsAcceptor,
    identity: Arc<Identity>,
}

impl std::fmt::Debug for ServerTls {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ServerTls")
            .field("cert", &self.identity.cert)
            .finish_non_exhaustive()
    }
}

impl ServerTls {
    /// Reads the certificate chain and key (PEM).
    pub fn load(cert: &Path, key: &Path) -> Result<ServerTls, String> {
        // Taken before reading, as in `reload`.
        let read_at = (modified(cert), modified(key));
        let identity = Arc::new(Identity {
            cert: cert.to_path_buf(),
            key: key.to_path_buf(),
            current: RwLock::new(Arc::new(read_pair(cert, key)?)),
            read_at: Mutex::new(read_at),
        });
        let mut config = rustls::ServerConfig::builder_with_provider(provider())
            .with_safe_default_protocol_versions()
            .map_err(|e| e.to_string())?
            .with_no_client_auth()
            .with_cert_resolver(Arc::clone(&identity) as Arc<dyn ResolvesServerCert>);
        config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
        Ok(ServerTls {
            acceptor: TlsAcceptor::from(Arc::new(config)),
            identity,
        })
    }

    /// Reads the pair again; a pair that does not load is logged and the old one kept.
    pub fn reload(&self) {
        let id = &self.identity;
        match read_pair(&id.cert, &id.key) {
            Ok(pair) => {
                *id.current.write().unwrap_or_else(|e| e.into_inner()) = Arc::new(pair);
                *id.read_at.lock().unwrap_or_else(|e| e.into_inner()) =
                    (modified(&id.cert), modified(&id.key));
                tracing::info!(cert = %id.cert.display(), "TLS certificate loaded");
            }
            Err(e) => tracing::error!("TLS certificate not reloaded, the previous one stays: {e}"),
        }
    }

    /// Reloads on SIGHUP and whenever either file changes, until the process ends.
    pub fn watch(&self) {
        let tls = self.clone();
        tokio::spawn(async move {
            #[cfg(unix)]
            let mut hangup = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::hangup()).ok();
            loop {
                #[cfg(unix)]
                let signalled = async {
                    match hangup.as_mut() {
                        Some(h) => {
                            h.recv().await;
                        }
                        None => std::future::pending::<()>().await,
                    }
                };
                #[cfg(not(unix))]
                let signalled = std::future::pending::<()>();
                tokio::select! {
                    _ = signalled => tls.reload(),
                    _ = tokio::time::sleep(WATCH_INTERVAL) => {
                        let id = &tls.identity;
                        let now = (modified(&id.cert), modified(&id.key));
                        let changed = *id.read_at.lock().unwrap_or_else(|e| e.into_inner()) != now;
                        if changed {
                            tls.reload();
                        }
                    }
                }
            }
        });
    }

    /// Shakes hands with a client; answers the stream and whether it chose HTTP/2.
    pub async fn accept(&self, tcp: TcpStream) -> std::io::Result<(TlsStream<TcpStream>, bool)> {
        let stream = self.acceptor.accept(tcp).await?;
        let http2 = stream.get_ref().1.alpn_protocol() == Some(b"h2");
        Ok((stream, http2))
    }
}
