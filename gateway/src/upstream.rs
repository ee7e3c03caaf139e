//! Connections to backends: plain HTTP/1.1, kept alive and reused, opened with a time limit.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Duration;

use hyper::client::conn::http1::SendRequest;
use hyper_util::rt::TokioIo;
use tokio::net::TcpStream;

use crate::Body;

/// Idle connections kept per backend.
const IDLE_PER_BACKEND: usize = 256;

#[derive(Debug)]
pub struct Upstreams {
    connect_timeout: Duration,
    idle: Mutex<HashMap<String, Vec<SendRequest<Body>>>>,
}

impl Upstreams {
    pub fn new(connect_timeout: Duration) -> Upstreams {
        Upstreams {
            connect_timeout,
            idle: Mutex::default(),
        }
    }

    /// An idle connection to `authority` that can take a request now, if one is kept.
    pub fn reuse(&self, authority: &str) -> Option<SendRequest<Body>> {
        let mut idle = self.idle.lock().unwrap_or_else(|e| e.into_inner());
        let list = idle.get_mut(authority)?;
        // Closed connections are dropped; busy ones (a response still streaming) stay for later.
        list.retain(|s| !s.is_closed());
        let i = list.iter().rposition(|s| s.is_ready())?;
        Some(list.swap_remove(i))
    }

    /// Opens a new connection, failing when the backend refuses or does not answer in time.
    pub async fn connect(&self, authority: &str) -> std::io::Result<SendRequest<Body>> {
        let stream = tokio::time::timeout(self.connect_timeout, TcpStream::connect(authority))
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

    /// Keeps a connection for the next request to the same backend.
    pub fn release(&self, authority: &str, sender: SendRequest<Body>) {
        let mut idle = self.idle.lock().unwrap_or_else(|e| e.into_inner());
        let list = idle.entry(authority.to_owned()).or_default();
        if list.len() < IDLE_PER_BACKEND {
            list.push(sender);
        }
    }
}
