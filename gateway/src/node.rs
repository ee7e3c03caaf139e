//! One environment's gateway node: a listener, the routing table it serves, and the live set that table was
//! built from. Where the live set comes from is a [`LiveSource`]: the control plane's own feed inside
//! `portico serve`, or the stream a remote node follows. Both end in [`Node::apply`], one path from "live
//! set" to routing table.

use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, RwLock};
use std::time::Duration;

use deploy::backends::BackendPolicy;
use deploy::model::{DeltaMismatch, LiveDelta, LiveSet};
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;

use crate::listen::Listeners;
use crate::metrics::{Metrics, RouteStats};
use crate::table::Table;
use crate::tls::Trust;

#[derive(Debug, Clone)]
pub struct Options {
    /// How often the node tells the control plane what it serves, even when nothing changed.
    pub heartbeat: Duration,
    pub connect_timeout: Duration,
    /// How long a backend may take to answer, from sending the request to the last byte of the response.
    pub response_timeout: Duration,
    /// How long a client connection may take to deliver a request head, from its opening or its previous
    /// response (so also how long an idle keep-alive connection is kept).
    pub head_timeout: Duration,
    /// Whom HTTPS backends' certificates must be signed by; the system's roots when `None`.
    pub backend_trust: Option<Trust>,
    /// TLS on the node's listener; plain HTTP when `None`.
    pub listener_tls: Option<crate::tls_listener::ServerTls>,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            heartbeat: Duration::from_secs(3),
            connect_timeout: Duration::from_secs(2),
            response_timeout: Duration::from_secs(30),
            head_timeout: crate::admission::DEFAULT_HEAD_TIMEOUT,
            backend_trust: None,
            listener_tls: None,
        }
    }
}

#[derive(Debug)]
pub struct Node {
    environment: String,
    options: Options,
    backends: Arc<BackendPolicy>,
    table: RwLock<Arc<Table>>,
    /// The live set the table was built from, kept to apply deltas to; with its hash.
    live: Mutex<(Arc<LiveSet>, String)>,
    metrics: &'static Metrics,
    unmatched: Arc<RouteStats>,
}

/// A change to what is live, as a source delivers it.
#[derive(Debug, Clone)]
pub enum Update {
    /// The whole live set.
    Set(Arc<LiveSet>),
    /// What changed since the node's version.
    Delta(LiveDelta),
}

/// What a node serves after an update.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Applied {
    pub version: i64,
    pub hash: String,
    /// The update could not be applied (a delta from another version or onto other content): the source
    /// should send the whole set.
    pub needs_whole_set: bool,
}

/// Where a node's live set comes from: the seam between the data plane and whatever feeds it, so the
/// gateway needs no database, and tests can feed it by hand.
pub trait LiveSource: Send + 'static {
    /// The next change; waits until there is one. `None` when the source is done (the node keeps serving).
    fn next(&mut self) -> impl std::future::Future<Output = Option<Update>> + Send;
    /// Told after every update what the node now serves: the outcome, and the live set behind the table.
    fn applied(
        &mut self,
        applied: &Applied,
        live: &Arc<LiveSet>,
    ) -> impl std::future::Future<Output = ()> + Send;
}

impl Node {
    /// A node serving nothing yet; give it a live set with [`Node::apply`] or [`Node::follow`].
    pub fn new(environment: &str, options: Options, backends: Arc<BackendPolicy>) -> Arc<Node> {
        let metrics = crate::metrics::global();
        let empty = LiveSet {
            version: -1,
            ..LiveSet::empty(environment)
        };
        let hash = empty.hash();
        Arc::new(Node {
            environment: environment.to_owned(),
            options,
            backends,
            table: RwLock::new(Arc::new(Table::empty())),
            live: Mutex::new((Arc::new(empty), hash)),
            metrics,
            unmatched: metrics.route(environment, "", ""),
        })
    }

    pub fn environment(&self) -> &str {
        &self.environment
    }

    pub fn options(&self) -> &Options {
        &self.options
    }

    /// Where backends may be: checked again for every address a backend's host resolves to.
    pub fn backends(&self) -> &BackendPolicy {
        &self.backends
    }

    /// Whom HTTPS backends' certificates must be signed by.
    pub fn backend_trust(&self) -> &Trust {
        static SYSTEM: std::sync::OnceLock<Trust> = std::sync::OnceLock::new();
        self.options.backend_trust.as_ref().unwrap_or_else(|| {
            SYSTEM.get_or_init(|| {
                Trust::new(&[], crate::tls::BACKEND_ALPN).unwrap_or_else(|e| {
                    // Without roots every HTTPS backend is refused with a reason; nothing is let through.
                    tracing::error!("cannot load the system's CA certificates: {e}");
                    Trust::with_roots(rustls::RootCertStore::empty(), crate::tls::BACKEND_ALPN)
                        .expect("an empty root store builds")
                })
            })
        })
    }

    pub(crate) fn unmatched(&self) -> &RouteStats {
        &self.unmatched
    }

    /// The table new requests see. Requests already under way keep the one they started with.
    pub fn table(&self) -> Arc<Table> {
        Arc::clone(&self.table.read().unwrap_or_else(|e| e.into_inner()))
    }

    /// The live set being served and its hash.
    pub fn live(&self) -> (Arc<LiveSet>, String) {
        self.live.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }

    /// What the node serves now.
    pub fn applied(&self) -> Applied {
        let (set, hash) = self.live();
        Applied {
            version: set.version,
            hash,
            needs_whole_set: false,
        }
    }

    /// Swaps in the table for `update`. Updates are applied one at a time by whoever feeds the node, so two
    /// tables are never built from the same old one (the second swap would drop the first's response cache
    /// and balancer state).
    pub fn apply(&self, update: Update) -> Applied {
        let (current, current_hash) = self.live();
        let (next, hash) = match update {
            Update::Set(set) => {
                let hash = set.hash();
                (set, hash)
            }
            Update::Delta(delta) => match current.apply(&delta) {
                Ok(set) => (Arc::new(set), delta.hash.clone()),
                Err(mismatch) => {
                    let why = match mismatch {
                        DeltaMismatch::Version { have, from } => {
                            format!("it is for version {from}, this node has {have}")
                        }
                        DeltaMismatch::Hash => "the result would not match the control plane's".to_owned(),
                    };
                    tracing::warn!(environment = %self.environment, "a change was not applied ({why}); asking for the whole set");
                    return Applied {
                        version: current.version,
                        hash: current_hash,
                        needs_whole_set: true,
                    };
                }
            },
        };
        if next.version == current.version && hash == current_hash {
            return self.applied();
        }
        let table = Arc::new(Table::build(&next, &self.table(), self.metrics));
        *self.table.write().unwrap_or_else(|e| e.into_inner()) = Arc::clone(&table);
        *self.live.lock().unwrap_or_else(|e| e.into_inner()) = (Arc::clone(&next), hash.clone());
        tracing::info!(environment = %self.environment, version = next.version, routes = table.served().len(), "gateway table swapped");
        Applied {
            version: next.version,
            hash,
            needs_whole_set: false,
        }
    }

    /// Applies what `source` delivers, in order, until it is done.
    pub fn follow(self: &Arc<Self>, mut source: impl LiveSource) {
        let node = Arc::clone(self);
        tokio::spawn(async move {
            while let Some(update) = source.next().await {
                let applied = node.apply(update);
                source.applied(&applied, &node.live().0).await;
            }
        });
    }

    /// Answers requests on `listeners` until the process ends: one thread, with its own runtime, per socket.
    pub fn serve(self: &Arc<Self>, listeners: Listeners) {
        for (index, socket) in listeners.sockets.into_iter().enumerate() {
            let node = Arc::clone(self);
            let spawned = std::thread::Builder::new()
                .name(format!("gateway-{}-{index}", node.environment))
                .spawn(move || {
                    crate::listen::set_current_worker(index);
                    let runtime = match tokio::runtime::Builder::new_current_thread().enable_all().build() {
                        Ok(r) => r,
                        Err(e) => return tracing::error!("gateway worker cannot start: {e}"),
                    };
                    runtime.block_on(accept_loop(node, socket));
                });
            if let Err(e) = spawned {
                tracing::error!("gateway worker thread cannot start: {e}");
            }
        }
    }
}

async fn accept_loop(node: Arc<Node>, socket: std::net::TcpListener) {
    let listener = match socket
        .set_nonblocking(true)
        .and_then(|_| tokio::net::TcpListener::from_std(socket))
    {
        Ok(l) => l,
        Err(e) => return tracing::error!("gateway cannot use its socket: {e}"),
    };
    let admission = crate::admission::budget().gateways.clone();
    let http1 = crate::admission::http1(node.options.head_timeout);
    let http2 = crate::admission::http2();
    loop {
        let (stream, client) = match listener.accept().await {
            Ok(accepted) => accepted,
            Err(e) => {
                // Out of file descriptors and the like: wait a little rather than spin.
                tracing::warn!("gateway accept failed: {e}");
                tokio::time::sleep(Duration::from_millis(50)).await;
                continue;
            }
        };
        // Over the cap the connection is closed at once: its descriptor comes back, and the client may retry.
        let Some(permit) = admission.admit() else {
            drop(stream);
            continue;
        };
        let _ = stream.set_nodelay(true);
        let node = Arc::clone(&node);
        let (http1, http2) = (http1.clone(), http2.clone());
        tokio::spawn(async move {
            let Some(tls) = node.options.listener_tls.clone() else {
                let service = service_fn(move |req| {
                    let node = Arc::clone(&node);
                    async move { Ok::<_, Infallible>(crate::forward::handle(node, req, client).await) }
                });
                let _ = http1.serve_connection(TokioIo::new(stream), service).await;
                drop(permit);
                return;
            };
            // The handshake counts against the head timeout, so a silent client cannot hold the slot.
            let head_timeout = node.options.head_timeout;
            let Ok(Ok((stream, h2))) = tokio::time::timeout(head_timeout, tls.accept(stream)).await else {
                return;
            };
            let service = service_fn(move |mut req| {
                let node = Arc::clone(&node);
                crate::admission::mark_https(&mut req);
                async move { Ok::<_, Infallible>(crate::forward::handle(node, req, client).await) }
            });
            if h2 {
                let activity = crate::idle::Activity::default();
                let io = crate::idle::Tracked::new(stream, activity.clone());
                let connection = http2.serve_connection(TokioIo::new(io), service);
                tokio::pin!(connection);
                // Written out here and in the other listener: a shared generic helper trips rustc's
                // higher-ranked Send check inside tokio::spawn.
                tokio::select! {
                    _ = connection.as_mut() => {}
                    _ = activity.idle_for(head_timeout) => {
                        connection.as_mut().graceful_shutdown();
                        let _ = connection.await;
                    }
                }
            } else {
                let _ = http1.serve_connection(TokioIo::new(stream), service).await;
            }
            drop(permit);
        });
    }
}

/// The address a listener for `access_url` binds, when the URL names this machine with a port.
pub fn local_listen_address(access_url: &str) -> Option<SocketAddr> {
    let uri: http::Uri = access_url.parse().ok()?;
    if uri.scheme_str() != Some("http") {
        return None;
    }
    let port = uri.port_u16()?;
    match uri.host()? {
        "127.0.0.1" | "localhost" => Some(SocketAddr::from(([127, 0, 0, 1], port))),
        "0.0.0.0" => Some(SocketAddr::from(([0, 0, 0, 0], port))),
        _ => None,
    }
}

/// This machine's host name, as a node reports it.
pub fn host_name() -> String {
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .or_else(|_| std::fs::read_to_string("/etc/hostname"))
        .map(|h| h.trim().to_owned())
        .unwrap_or_default()
}
