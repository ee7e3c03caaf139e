//! Connections to backends: HTTP/1.1, or HTTPS with HTTP/2 when the backend offers it by ALPN; opened with
//! a time limit and kept per backend for reuse (an HTTP/1.1 connection once its response was read to the
//! end; an HTTP/2 connection shared by every request of its worker thread).

use std::sync::Mutex;
use std::time::Duration;

use http::{Request, Response};
use hyper::body::Incoming;
use hyper::client::conn::{http1, http2, TrySendError};
use hyper_util::rt::{TokioExecutor, TokioIo};
use tokio::net::TcpStream;

use crate::tls::Trust;
use crate::Body;
use deploy::backends::BackendPolicy;

/// Idle connections kept per backend.
const IDLE_PER_BACKEND: usize = 256;

/// A connection to a backend, ready for requests.
pub enum Sender {
    Http1(http1::SendRequest<Body>),
    Http2(http2::SendRequest<Body>),
}

impl Sender {
    pub async fn ready(&mut self) -> hyper::Result<()> {
        match self {
            Sender::Http1(s) => s.ready().await,
            Sender::Http2(s) => s.ready().await,
        }
    }

    pub fn is_closed(&self) -> bool {
        match self {
            Sender::Http1(s) => s.is_closed(),
            Sender::Http2(s) => s.is_closed(),
        }
    }

    pub fn is_http2(&self) -> bool {
        matches!(self, Sender::Http2(_))
    }

    pub async fn try_send_request(
        &mut self,
        req: Request<Body>,
    ) -> Result<Response<Incoming>, TrySendError<Request<Body>>> {
        match self {
            Sender::Http1(s) => s.try_send_request(req).await,
            Sender::Http2(s) => s.try_send_request(req).await,
        }
    }
}

/// One worker thread's connections to one backend.
#[derive(Default)]
struct Kept {
    http1: Vec<http1::SendRequest<Body>>,
    /// HTTP/2 multiplexes: one connection serves every request.
    http2: Option<http2::SendRequest<Body>>,
}

/// One backend's kept connections, a separate set per worker thread: a connection is driven by the runtime
/// that opened it, so it is only used from that thread.
pub struct Pool {
    kept: Vec<Mutex<Kept>>,
}

impl std::fmt::Debug for Pool {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Pool").finish_non_exhaustive()
    }
}

impl Default for Pool {
    fn default() -> Self {
        Pool {
            kept: (0..crate::listen::workers()).map(|_| Mutex::default()).collect(),
        }
    }
}

impl Pool {
    fn mine(&self) -> std::sync::MutexGuard<'_, Kept> {
        self.kept[crate::listen::current_worker() % self.kept.len()]
            .lock()
            .unwrap_or_else(|e| e.into_inner())
    }

    /// A kept connection that can take a request, if there is one; closed ones are dropped on the way.
    pub async fn take(&self) -> Option<Sender> {
        let shared = {
            let mut kept = self.mine();
            match &kept.http2 {
                Some(s) if !s.is_closed() => Some(s.clone()),
                Some(_) => {
                    kept.http2 = None;
                    None
                }
                None => None,
            }
        };
        if let Some(mut s) = shared {
            if s.ready().await.is_ok() {
                return Some(Sender::Http2(s));
            }
        }
        loop {
            let mut sender = self.mine().http1.pop()?;
            if sender.ready().await.is_ok() {
                return Some(Sender::Http1(sender));
            }
        }
    }

    /// Keeps a connection whose last response was read to its end.
    pub fn put(&self, sender: Sender) {
        if sender.is_closed() {
            return;
        }
        let mut kept = self.mine();
        match sender {
            Sender::Http1(s) if kept.http1.len() < IDLE_PER_BACKEND => kept.http1.push(s),
            Sender::Http1(_) => {}
            Sender::Http2(s) => {
                if kept.http2.as_ref().is_none_or(|k| k.is_closed()) {
                    kept.http2 = Some(s);
                }
            }
        }
    }
}

/// How to reach a backend over TLS: the name its certificate must carry, and whom to trust.
pub struct Tls<'a> {
    pub server_name: &'a str,
    pub trust: &'a Trust,
}

/// Opens a new connection, failing when the backend refuses or does not accept in time, when every address
/// its host resolves to is one `policy` refuses (DNS can point a saved name anywhere), or when its TLS
/// certificate is not one to trust (the error then says why).
pub async fn connect(
    authority: &str,
    tls: Option<Tls<'_>>,
    timeout: Duration,
    policy: &BackendPolicy,
) -> std::io::Result<Sender> {
    let opened = tokio::time::timeout(timeout, async {
        let mut refused = None;
        let mut last_error = None;
        let mut stream = None;
        for address in tokio::net::lookup_host(authority).await? {
            if let Some(why) = policy.refusal(address.ip(), address.port()) {
                refused = Some(why);
                continue;
            }
            match TcpStream::connect(address).await {
                Ok(s) => {
                    stream = Some(s);
                    break;
                }
                Err(e) => last_error = Some(e),
            }
        }
        let Some(stream) = stream else {
            return Err(match (last_error, refused) {
                (Some(e), _) => e,
                (None, Some(why)) => {
                    let why = why.words();
                    tracing::warn!(backend = %authority, "backend address refused: it {why}");
                    std::io::Error::new(std::io::ErrorKind::PermissionDenied, why)
                }
                (None, None) => std::io::Error::new(std::io::ErrorKind::NotFound, "no address"),
            });
        };
        let _ = stream.set_nodelay(true);
        match tls {
            None => Ok((Box::new(stream) as Box<dyn Io>, false)),
            Some(tls) => {
                let secured = tls.trust.connect(tls.server_name, stream).await.map_err(|e| {
                    let why = crate::tls::handshake_failure(&e);
                    tracing::warn!(backend = %authority, "{why}");
                    std::io::Error::new(std::io::ErrorKind::InvalidData, why)
                })?;
                let http2 = secured.get_ref().1.alpn_protocol() == Some(b"h2");
                Ok((Box::new(secured) as Box<dyn Io>, http2))
            }
        }
    })
    .await
    .map_err(|_| std::io::Error::new(std::io::ErrorKind::TimedOut, "connect timed out"))?;
    let (io, http2) = opened?;
    if http2 {
        let (sender, connection) = http2::handshake(TokioExecutor::new(), TokioIo::new(io))
            .await
            .map_err(std::io::Error::other)?;
        tokio::spawn(async move {
            let _ = connection.await;
        });
        return Ok(Sender::Http2(sender));
    }
    let (sender, connection) = http1::handshake(TokioIo::new(io))
        .await
        .map_err(std::io::Error::other)?;
    tokio::spawn(async move {
        let _ = connection.await;
    });
    Ok(Sender::Http1(sender))
}

trait Io: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin + Send {}
impl<T: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin + Send> Io for T {}
