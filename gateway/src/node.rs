//! One environment's gateway: a listener, the routing table it serves, and the watch that swaps in a new
//! table whenever what is live there changes.

use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

use deploy::ControlPlane;
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;

use crate::listen::Listeners;
use crate::metrics::{Metrics, RouteStats};
use crate::table::Table;

#[derive(Debug, Clone)]
pub struct Options {
    /// How often the database's change counter is read.
    pub poll: Duration,
    /// How often the node tells the control plane what it serves, even when nothing changed.
    pub heartbeat: Duration,
    pub connect_timeout: Duration,
    /// How long a backend may take to answer, from sending the request to the last byte of the response.
    pub response_timeout: Duration,
    /// How long a client connection may take to deliver a request head, from its opening or its previous
    /// response (so also how long an idle keep-alive connection is kept).
    pub head_timeout: Duration,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            poll: Duration::from_millis(200),
            heartbeat: Duration::from_secs(10),
            connect_timeout: Duration::from_secs(2),
            response_timeout: Duration::from_secs(30),
            head_timeout: crate::admission::DEFAULT_HEAD_TIMEOUT,
        }
    }
}

#[derive(Debug)]
pub struct Node {
    id: String,
    environment: String,
    options: Options,
    cp: ControlPlane,
    table: RwLock<Arc<Table>>,
    /// One reload at a time: two built from the same old table would each make new routes for a change,
    /// and the second swap would drop the first's response cache and balancer state.
    reloading: tokio::sync::Mutex<()>,
    metrics: &'static Metrics,
    unmatched: Arc<RouteStats>,
}

impl Node {
    /// Loads what is live in `environment`; call [`Node::serve`] and [`Node::watch`] to put it to work.
    pub async fn load(cp: ControlPlane, environment: &str, options: Options) -> deploy::Result<Arc<Node>> {
        let metrics = crate::metrics::global();
        let node = Arc::new(Node {
            id: format!("{}-{:08x}", std::process::id(), rand::random::<u32>()),
            environment: environment.to_owned(),
            options,
            cp,
            table: RwLock::new(Arc::new(Table::empty())),
            reloading: tokio::sync::Mutex::new(()),
            metrics,
            unmatched: metrics.route(environment, "", ""),
        });
        node.reload().await?;
        Ok(node)
    }

    pub fn environment(&self) -> &str {
        &self.environment
    }

    pub fn options(&self) -> &Options {
        &self.options
    }

    /// Where backends may be: checked again for every address a backend's host resolves to.
    pub fn backends(&self) -> &deploy::backends::BackendPolicy {
        self.cp.backends()
    }

    pub(crate) fn unmatched(&self) -> &RouteStats {
        &self.unmatched
    }

    /// The table new requests see. Requests already under way keep the one they started with.
    pub fn table(&self) -> Arc<Table> {
        Arc::clone(&self.table.read().unwrap_or_else(|e| e.into_inner()))
    }

    /// Reads what is live and swaps it in if it changed; answers whether it did.
    pub async fn reload(&self) -> deploy::Result<bool> {
        let _one_at_a_time = self.reloading.lock().await;
        let current = self.table();
        match deploy::gateway::live_version(&self.cp, &self.environment).await? {
            Some(v) if v == current.version => return Ok(false),
            None => {
                return Err(deploy::Error::NotFound(format!(
                    "Environment ({}) not found!",
                    self.environment
                )))
            }
            _ => {}
        }
        let live = deploy::gateway::live_set(&self.cp, &self.environment).await?;
        if live.version == current.version {
            return Ok(false);
        }
        let next = Arc::new(Table::build(&live, &current, self.metrics));
        *self.table.write().unwrap_or_else(|e| e.into_inner()) = Arc::clone(&next);
        tracing::info!(environment = %self.environment, version = next.version, routes = next.served().len(), "gateway table swapped");
        self.report(&next).await;
        Ok(true)
    }

    async fn report(&self, table: &Table) {
        if let Err(e) = deploy::gateway::report_served(
            &self.cp,
            &self.id,
            &self.environment,
            table.version,
            &table.served(),
        )
        .await
        {
            tracing::warn!(environment = %self.environment, "gateway could not report what it serves: {e}");
        }
    }

    /// Follows changes until the process ends: polls the change counter, and reports as a heartbeat.
    pub fn watch(self: &Arc<Self>) {
        let node = Arc::clone(self);
        tokio::spawn(async move {
            let mut last_report = Instant::now();
            loop {
                tokio::time::sleep(node.options.poll).await;
                match node.reload().await {
                    Ok(true) => last_report = Instant::now(),
                    Ok(false) if last_report.elapsed() >= node.options.heartbeat => {
                        node.report(&node.table()).await;
                        last_report = Instant::now();
                    }
                    Ok(false) => {}
                    Err(e) => tracing::warn!(environment = %node.environment, "gateway reload failed: {e}"),
                }
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
        let http1 = http1.clone();
        tokio::spawn(async move {
            let service = service_fn(move |req| {
                let node = Arc::clone(&node);
                async move { Ok::<_, Infallible>(crate::forward::handle(node, req, client).await) }
            });
            let _ = http1.serve_connection(TokioIo::new(stream), service).await;
            drop(permit);
        });
    }
}

/// Loads, serves on `listeners` and watches one environment: a whole data-plane node.
pub async fn start(
    cp: ControlPlane,
    environment: &str,
    listeners: Listeners,
    options: Options,
) -> deploy::Result<Arc<Node>> {
    let node = Node::load(cp, environment, options).await?;
    node.serve(listeners);
    node.watch();
    Ok(node)
}

/// The address a listener for `access_url` binds, when the URL names this machine with a port.
pub fn local_listen_address(access_url: &str) -> Option<SocketAddr> {
    let rest = access_url.strip_prefix("http://")?;
    let authority = rest.split(['/', '?', '#']).next()?;
    let (host, port) = authority.rsplit_once(':')?;
    let port: u16 = port.parse().ok()?;
    match host {
        "127.0.0.1" | "localhost" => Some(SocketAddr::from(([127, 0, 0, 1], port))),
        "0.0.0.0" => Some(SocketAddr::from(([0, 0, 0, 0], port))),
        _ => None,
    }
}
