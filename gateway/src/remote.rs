//! A node on another machine: follows the control plane's feed for its environment over one long-lived
//! HTTP(S) response, acknowledges what it applies, and keeps the last known good in its cache dir.
//!
//! The stream is given up when nothing arrives for [`Remote::silence`] (the control plane sends a heartbeat
//! every second), and opened again with backoff and jitter, resuming from the version the node serves.

use std::sync::Arc;
use std::time::Duration;

use bytes::{Bytes, BytesMut};
use deploy::model::{FeedMessage, LiveSet, NodeAck};
use http::{header, Method, Request, StatusCode, Uri};
use http_body_util::{BodyExt, Full};
use hyper_util::rt::TokioIo;
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::TcpStream;
use tokio::sync::{mpsc, watch};

use crate::cache_dir::CacheDir;
use crate::node::{Applied, LiveSource, Update};
use crate::tls::Trust;

/// The largest line the feed may send (a whole live set is one line).
const MAX_LINE: usize = 256 * 1024 * 1024;
/// The control plane sends a heartbeat every second; three missed ones mean the stream is dead.
pub const DEFAULT_SILENCE: Duration = Duration::from_secs(3);
const FIRST_BACKOFF: Duration = Duration::from_millis(100);
const MAX_BACKOFF: Duration = Duration::from_secs(5);

/// How a remote node reaches its control plane.
#[derive(Debug, Clone)]
pub struct Remote {
    /// The control plane's base URL, e.g. `https://cp.example:3000`.
    pub control_plane: Uri,
    pub token: String,
    pub node_id: String,
    /// Who verifies the control plane's certificate (for `https://`).
    pub trust: Trust,
    /// A stream silent for this long is given up.
    pub silence: Duration,
    /// How often the node acknowledges what it serves when nothing changes.
    pub heartbeat: Duration,
    pub connect_timeout: Duration,
}

/// The feed as a node's [`LiveSource`].
pub struct RemoteSource {
    updates: mpsc::Receiver<Update>,
    applied: watch::Sender<Option<Applied>>,
    cache: Option<CacheDir>,
    cached_version: Option<i64>,
}

impl RemoteSource {
    /// Starts following; `serving` is what the node serves already (from its cache), to resume from.
    pub fn start(remote: Remote, cache: Option<CacheDir>, serving: Option<Applied>) -> RemoteSource {
        let (updates_tx, updates) = mpsc::channel(1);
        let cached_version = serving.as_ref().map(|a| a.version);
        let (applied, applied_rx) = watch::channel(serving);
        let remote = Arc::new(remote);
        tokio::spawn(follow(Arc::clone(&remote), updates_tx, applied_rx.clone()));
        tokio::spawn(acknowledge(remote, applied_rx));
        RemoteSource {
            updates,
            applied,
            cache,
            cached_version,
        }
    }
}

impl LiveSource for RemoteSource {
    async fn next(&mut self) -> Option<Update> {
        self.updates.recv().await
    }

    async fn applied(&mut self, applied: &Applied, live: &Arc<LiveSet>) {
        self.applied.send_replace(Some(applied.clone()));
        if applied.needs_whole_set || self.cached_version == Some(applied.version) {
            return;
        }
        if let Some(cache) = self.cache.clone() {
            let live = Arc::clone(live);
            let stored = tokio::task::spawn_blocking(move || cache.store(&live)).await;
            match stored {
                Ok(Ok(())) => self.cached_version = Some(applied.version),
                Ok(Err(e)) => tracing::error!("cannot write the last known good live set: {e}"),
                Err(e) => tracing::error!("cannot write the last known good live set: {e}"),
            }
        }
    }
}

/// A connection to the control plane, plain or TLS.
trait Io: AsyncRead + AsyncWrite + Unpin + Send {}
impl<T: AsyncRead + AsyncWrite + Unpin + Send> Io for T {}

async fn connect(remote: &Remote) -> Result<hyper::client::conn::http1::SendRequest<Full<Bytes>>, String> {
    let uri = &remote.control_plane;
    let host = uri.host().ok_or("the control plane URL has no host")?.to_owned();
    let tls = uri.scheme_str() == Some("https");
    let port = uri.port_u16().unwrap_or(if tls { 443 } else { 80 });
    let address = format!("{}:{port}", host);
    let tcp = tokio::time::timeout(remote.connect_timeout, TcpStream::connect(&address))
        .await
        .map_err(|_| format!("connecting to {address} timed out"))?
        .map_err(|e| format!("cannot connect to {address}: {e}"))?;
    let _ = tcp.set_nodelay(true);
    let io: Box<dyn Io> = if tls {
        let stream = tokio::time::timeout(remote.connect_timeout, remote.trust.connect(&host, tcp))
            .await
            .map_err(|_| format!("the TLS handshake with {address} timed out"))?
            .map_err(|e| format!("{address}: {}", crate::tls::handshake_failure(&e)))?;
        Box::new(stream)
    } else {
        Box::new(tcp)
    };
    let (sender, connection) = hyper::client::conn::http1::handshake(TokioIo::new(io))
        .await
        .map_err(|e| e.to_string())?;
    tokio::spawn(connection);
    Ok(sender)
}

fn url(remote: &Remote, path: &str, query: &[(&str, String)]) -> String {
    let base = remote.control_plane.to_string();
    let mut q = url::form_urlencoded::Serializer::new(String::new());
    for (k, v) in query {
        q.append_pair(k, v);
    }
    let q = q.finish();
    let base = base.trim_end_matches('/');
    if q.is_empty() {
        format!("{base}{path}")
    } else {
        format!("{base}{path}?{q}")
    }
}

fn request(remote: &Remote, method: Method, url: &str, body: Bytes) -> Result<Request<Full<Bytes>>, String> {
    let uri: Uri = url.parse().map_err(|e| format!("bad URL {url}: {e}"))?;
    let authority = uri.authority().map(|a| a.to_string()).unwrap_or_default();
    let mut builder = Request::builder()
        .method(method)
        .uri(uri.path_and_query().map(|p| p.as_str()).unwrap_or("/"))
        .header(header::HOST, authority)
        .header(header::AUTHORIZATION, format!("Bearer {}", remote.token));
    if !body.is_empty() {
        builder = builder.header(header::CONTENT_TYPE, "application/json");
    }
    builder.body(Full::new(body)).map_err(|e| e.to_string())
}

/// Opens the stream again and again, for as long as the node runs.
async fn follow(
    remote: Arc<Remote>,
    updates: mpsc::Sender<Update>,
    applied: watch::Receiver<Option<Applied>>,
) {
    let mut backoff = FIRST_BACKOFF;
    loop {
        let serving = applied.borrow().clone().filter(|a| !a.needs_whole_set);
        let mut delivered = false;
        match stream(&remote, &updates, applied.clone(), serving, &mut delivered).await {
            Ok(()) => return,
            Err(e) => tracing::warn!("control plane feed: {e}"),
        }
        if delivered {
            backoff = FIRST_BACKOFF;
        }
        // Full jitter: many nodes cut off at once do not all come back in the same instant.
        let wait = backoff.mul_f64(0.5 + rand::random::<f64>() * 0.5);
        tokio::time::sleep(wait).await;
        backoff = (backoff * 2).min(MAX_BACKOFF);
    }
}

async fn stream(
    remote: &Remote,
    updates: &mpsc::Sender<Update>,
    mut applied: watch::Receiver<Option<Applied>>,
    serving: Option<Applied>,
    delivered: &mut bool,
) -> Result<(), String> {
    // Ok only when the node is shutting down; every other end is an error to log and reconnect after.
    let mut query = vec![
        ("nodeId", remote.node_id.clone()),
        ("host", crate::node::host_name()),
        ("porticoVersion", env!("CARGO_PKG_VERSION").to_owned()),
    ];
    if let Some(s) = &serving {
        query.push(("since", s.version.to_string()));
        query.push(("hash", s.hash.clone()));
    }
    let mut sender = connect(remote).await?;
    let req = request(
        remote,
        Method::GET,
        &url(remote, "/apiops/node-feed/", &query),
        Bytes::new(),
    )?;
    let response = tokio::time::timeout(remote.silence, sender.send_request(req))
        .await
        .map_err(|_| "the control plane did not answer".to_owned())?
        .map_err(|e| e.to_string())?;
    match response.status() {
        StatusCode::OK => {}
        StatusCode::UNAUTHORIZED => return Err(
            "the control plane refused this node's token (401): is it revoked, or for another environment?"
                .into(),
        ),
        other => return Err(format!("the control plane answered {other}")),
    }
    tracing::info!(control_plane = %remote.control_plane, "following the control plane's feed");
    let mut body = response.into_body();
    let mut buffer = BytesMut::new();
    loop {
        let frame = tokio::select! {
            f = tokio::time::timeout(remote.silence, body.frame()) => f,
            // The node could not apply a delta: start again from the whole set.
            _ = applied.changed() => {
                if applied.borrow().as_ref().is_some_and(|a| a.needs_whole_set) {
                    return Err("asking for the whole live set again".into());
                }
                continue;
            }
        };
        let frame = match frame {
            Err(_) => {
                return Err(format!(
                    "nothing from the control plane for {:?}; reconnecting",
                    remote.silence
                ))
            }
            Ok(None) => return Err("the control plane closed the feed".into()),
            Ok(Some(Err(e))) => return Err(format!("the feed broke: {e}")),
            Ok(Some(Ok(frame))) => frame,
        };
        let Ok(data) = frame.into_data() else { continue };
        buffer.extend_from_slice(&data);
        if buffer.len() > MAX_LINE {
            return Err("a feed line is too long".into());
        }
        while let Some(end) = buffer.iter().position(|b| *b == b'\n') {
            let line = buffer.split_to(end + 1);
            let message: FeedMessage = match serde_json::from_slice(&line[..end]) {
                Ok(m) => m,
                Err(e) => return Err(format!("the feed sent something unreadable: {e}")),
            };
            let update = match message {
                FeedMessage::Heartbeat { .. } => continue,
                FeedMessage::Full { set, .. } => Update::Set(Arc::new(set)),
                FeedMessage::Delta(delta) => Update::Delta(delta),
            };
            if updates.send(update).await.is_err() {
                return Ok(());
            }
            *delivered = true;
        }
    }
}

/// Tells the control plane what the node serves: after every change, and every heartbeat.
async fn acknowledge(remote: Arc<Remote>, mut applied: watch::Receiver<Option<Applied>>) {
    let mut sender: Option<hyper::client::conn::http1::SendRequest<Full<Bytes>>> = None;
    loop {
        let current = applied.borrow_and_update().clone();
        if let Some(a) = current.filter(|a| !a.needs_whole_set) {
            let ack = NodeAck {
                node_id: remote.node_id.clone(),
                version: Some(a.version),
                hash: Some(a.hash),
                host: crate::node::host_name(),
                portico_version: env!("CARGO_PKG_VERSION").to_owned(),
                // A node process serves one environment: everything it counted.
                traffic: Some(crate::metrics::global().traffic(None)),
            };
            if let Err(e) = post_ack(&remote, &mut sender, &ack).await {
                sender = None;
                tracing::debug!("cannot acknowledge to the control plane: {e}");
            }
        }
        tokio::select! {
            changed = applied.changed() => if changed.is_err() { return },
            _ = tokio::time::sleep(remote.heartbeat) => {}
        }
    }
}

async fn post_ack(
    remote: &Remote,
    sender: &mut Option<hyper::client::conn::http1::SendRequest<Full<Bytes>>>,
    ack: &NodeAck,
) -> Result<(), String> {
    if sender.as_ref().is_none_or(|s| s.is_closed()) {
        *sender = Some(connect(remote).await?);
    }
    let Some(s) = sender.as_mut() else {
        return Err("no connection".into());
    };
    s.ready().await.map_err(|e| e.to_string())?;
    let body = Bytes::from(serde_json::to_vec(ack).map_err(|e| e.to_string())?);
    let req = request(
        remote,
        Method::POST,
        &url(remote, "/apiops/node-feed/acks/", &[]),
        body,
    )?;
    let response = tokio::time::timeout(remote.silence, s.send_request(req))
        .await
        .map_err(|_| "the control plane did not answer".to_owned())?
        .map_err(|e| e.to_string())?;
    let status = response.status();
    // Read the answer to its end so the connection can carry the next acknowledgement.
    let _ = response.into_body().collect().await;
    if status.is_success() {
        Ok(())
    } else {
        Err(format!("the control plane answered {status}"))
    }
}
