//! Connections to backends: plain HTTP/1.1, opened with a time limit, and kept alive per backend for reuse
//! once a response has been read to its end.

use std::sync::Mutex;
use std::time::Duration;

use hyper::client::conn::http1::SendRequest;
use hyper_util::rt::TokioIo;
use tokio::net::TcpStream;

use crate::Body;
use deploy::backends::BackendPolicy;

/// Idle connections kept per backend.
const IDLE_PER_BACKEND: usize = 256;

/// One backend's idle keep-alive connections, a separate list per worker thread: a connection is driven by
/// the runtime that opened it, so it is only used from that thread.
#[derive(Debug)]
pub struct Pool {
    idle: Vec<Mutex<Vec<SendRequest<Body>>>>,
}

impl Default for Pool {
    fn default() -> Self {
        Pool {
            idle: (0..crate::listen::workers()).map(|_| Mutex::default()).collect(),
        }
    }
}

impl Pool {
    fn mine(&self) -> &Mutex<Vec<SendRequest<Body>>> {
        &self.idle[crate::listen::current_worker() % self.idle.len()]
    }

    /// An idle connection that can take a request, if one is kept; closed ones are dropped on the way.
    pub async fn take(&self) -> Option<SendRequest<Body>> {
        loop {
            let mut sender = self.mine().lock().unwrap_or_else(|e| e.into_inner()).pop()?;
            if sender.ready().await.is_ok() {
                return Some(sender);
            }
        }
    }

    /// Keeps a connection whose last response was read to its end.
    pub fn put(&self, sender: SendRequest<Body>) {
        if sender.is_closed() {
            return;
        }
        let mut idle = self.mine().lock().unwrap_or_else(|e| e.into_inner());
        if idle.len() < IDLE_PER_BACKEND {
            idle.push(sender);
        }
    }
}

/// Opens a new connection, failing when the backend refuses or does not accept in time, or when every
/// address its host resolves to is one `policy` refuses (DNS can point a saved name anywhere).
pub async fn connect(
    authority: &str,
    timeout: Duration,
    policy: &BackendPolicy,
) -> std::io::Result<SendRequest<Body>> {
    let stream = tokio::time::timeout(timeout, async {
        let mut refused = None;
        let mut last_error = None;
        for address in tokio::net::lookup_host(authority).await? {
            if let Some(why) = policy.refusal(address.ip(), address.port()) {
                refused = Some(why);
                continue;
            }
            match TcpStream::connect(address).await {
                Ok(stream) => return Ok(stream),
                Err(e) => last_error = Some(e),
            }
        }
        Err(match (last_error, refused) {
            (Some(e), _) => e,
            (None, Some(why)) => {
                tracing::warn!(backend = %authority, "backend address refused: it {why}");
                std::io::Error::new(std::io::ErrorKind::PermissionDenied, why)
            }
            (None, None) => std::io::Error::new(std::io::ErrorKind::NotFound, "no address"),
        })
    })
    .await
    .map_err(|_| std::io::Error::new(std::io::ErrorKind::TimedOut, "connect timed out"))??;
    let _ = stream.set_nodelay(true);
    let (sender, connection) = hyper::client::conn::http1::handshake(TokioIo::new(stream))
        .await
        .map_err(std::io::Error::other)?;
    tokio::spawn(async move {
        let _ = connection.await;
    });
    Ok(sender)
}
