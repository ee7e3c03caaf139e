//! The gateways embedded in `portico serve` (and the one-host `portico gateway` that opens the database
//! itself): one node per environment whose access URL names this machine, started as environments appear,
//! each fed by this process's live feed through the same [`LiveSource`] seam remote nodes use.

use std::collections::{HashMap, HashSet};
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use deploy::live_feed::Published;
use deploy::model::{LiveSet, NodeAck};
use deploy::{Actor, Channel, ControlPlane};
use gateway::node::{local_listen_address, Applied, LiveSource, Node, Options, Update};
use gateway::Listeners;
use tokio::sync::watch;

/// How often the list of environments is checked for new ones.
const DISCOVERY: Duration = Duration::from_secs(2);

#[derive(Debug, Default, Clone)]
pub struct Plan {
    /// Listen addresses given on the command line, by environment name.
    pub listen: HashMap<String, SocketAddr>,
    /// Give environments without a local access URL a free local port and record it as their access URL
    /// (the demo does this, so every environment is served out of the box).
    pub assign_free_ports: bool,
}

/// The running nodes, by environment.
#[derive(Debug, Default)]
pub struct Gateways {
    nodes: Mutex<HashMap<String, Arc<Node>>>,
}

impl Gateways {
    pub fn node(&self, environment: &str) -> Option<Arc<Node>> {
        self.nodes
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get(environment)
            .cloned()
    }
}

/// Starts a node for every environment that should be served here, and keeps looking for new ones.
pub async fn start(cp: ControlPlane, options: Options, plan: Plan) -> Arc<Gateways> {
    let gateways = Arc::new(Gateways::default());
    let mut failed = HashSet::new();
    start_new(&cp, &options, &plan, &gateways, &mut failed).await;
    let g = Arc::clone(&gateways);
    tokio::spawn(async move {
        loop {
            tokio::time::sleep(DISCOVERY).await;
            start_new(&cp, &options, &plan, &g, &mut failed).await;
        }
    });
    gateways
}

async fn start_new(
    cp: &ControlPlane,
    options: &Options,
    plan: &Plan,
    gateways: &Gateways,
    failed: &mut HashSet<String>,
) {
    let environments = match deploy::gateway::served_environments(cp).await {
        Ok(e) => e,
        Err(e) => {
            tracing::warn!("gateway cannot list environments: {e}");
            return;
        }
    };
    for env in environments {
        if gateways.node(&env.environment).is_some() || failed.contains(&env.environment) {
            continue;
        }
        let wanted = plan
            .listen
            .get(&env.environment)
            .copied()
            .or_else(|| env.access_url.as_deref().and_then(local_listen_address));
        let address = match wanted {
            Some(a) => a,
            None if plan.assign_free_ports => SocketAddr::from(([127, 0, 0, 1], 0)),
            None => continue,
        };
        let bound = match gateway::bind(address).await {
            Ok(l) => Ok(l),
            // A port recorded by an earlier run may be taken now; the demo moves to a free one.
            Err(_) if plan.assign_free_ports && wanted.is_some() => {
                gateway::bind(SocketAddr::from(([127, 0, 0, 1], 0))).await
            }
            Err(e) => Err(e),
        };
        let moved = plan.assign_free_ports
            && wanted.is_some()
            && bound.as_ref().is_ok_and(|l| Some(l.local_addr()) != wanted);
        let listener = match bound {
            Ok(l) => l,
            Err(e) => {
                tracing::warn!(environment = %env.environment, %address, "gateway cannot listen: {e}");
                failed.insert(env.environment);
                continue;
            }
        };
        let bound = listener.local_addr();
        cp.backends().add_own_listener(bound);
        if wanted.is_none() || address.port() == 0 || moved {
            let url = format!("http://{bound}");
            let system = Actor::system(Channel::Cli);
            if let Err(e) = deploy::gateway::set_access_url(cp, &system, &env.environment, &url).await {
                tracing::warn!(environment = %env.environment, "cannot record the access URL: {e}");
            }
        }
        match start_node(cp, &env.environment, listener, options.clone()).await {
            Ok(node) => {
                tracing::info!(environment = %env.environment, "gateway listening on http://{bound}");
                println!("  Gateway for {}: http://{bound}", env.environment);
                gateways
                    .nodes
                    .lock()
                    .unwrap_or_else(|e| e.into_inner())
                    .insert(env.environment, node);
            }
            Err(e) => {
                tracing::warn!(environment = %env.environment, "gateway cannot start: {e}");
                failed.insert(env.environment);
            }
        }
    }
}

/// Serves one environment on `listeners` from this process's control plane.
pub async fn start_node(
    cp: &ControlPlane,
    environment: &str,
    listeners: Listeners,
    options: Options,
) -> deploy::Result<Arc<Node>> {
    let port = listeners.local_addr().port();
    let source = FeedSource::new(
        cp,
        environment,
        format!("embedded-{}-{port}", node_host(&gateway::node::host_name())),
        options.heartbeat,
    )
    .await?;
    let node = Node::new(environment, options, cp.backend_policy());
    node.serve(listeners);
    node.follow(source);
    Ok(node)
}

/// Feeds a node from the live feed of this process's control plane, and records what it serves.
struct FeedSource {
    cp: ControlPlane,
    environment: String,
    node_id: String,
    receiver: watch::Receiver<Arc<Published>>,
    first: bool,
    heartbeat: tokio::time::Interval,
    last: Option<(Applied, Arc<LiveSet>)>,
}

impl FeedSource {
    async fn new(
        cp: &ControlPlane,
        environment: &str,
        node_id: String,
        heartbeat: Duration,
    ) -> deploy::Result<Self> {
        let receiver = cp.live_feed().follow(cp, environment).await?;
        let mut heartbeat = tokio::time::interval(heartbeat.max(Duration::from_millis(100)));
        heartbeat.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        Ok(FeedSource {
            cp: cp.clone(),
            environment: environment.to_owned(),
            node_id,
            receiver,
            first: true,
            heartbeat,
            last: None,
        })
    }

    /// Records what the node serves: the registry (versions and hash) and the report of its routes.
    async fn report(&self) {
        let Some((applied, live)) = &self.last else { return };
        let ack = NodeAck {
            node_id: self.node_id.clone(),
            version: Some(applied.version),
            hash: Some(applied.hash.clone()),
            host: gateway::node::host_name(),
            portico_version: env!("CARGO_PKG_VERSION").to_owned(),
            // This process's gateways share one set of counters: this environment's routes only.
            traffic: Some(gateway::metrics::global().traffic(Some(&self.environment))),
        };
        let served = live.served();
        let recorded = async {
            // A refused traffic report is logged, and what the node serves is reported all the same.
            if let Err(e) = deploy::nodes::node_acknowledged(&self.cp, &self.environment, &ack).await {
                tracing::warn!(environment = %self.environment, "gateway status not recorded: {e}");
            }
            deploy::gateway::report_served(
                &self.cp,
                &self.node_id,
                &self.environment,
                applied.version,
                &served,
            )
            .await
        };
        if let Err(e) = recorded.await {
            tracing::warn!(environment = %self.environment, "gateway could not report what it serves: {e}");
        }
    }
}

impl LiveSource for FeedSource {
    async fn next(&mut self) -> Option<Update> {
        if std::mem::take(&mut self.first) {
            let set = Arc::clone(&self.receiver.borrow_and_update().set);
            let ack = NodeAck {
                node_id: self.node_id.clone(),
                version: None,
                hash: None,
                host: gateway::node::host_name(),
                portico_version: env!("CARGO_PKG_VERSION").to_owned(),
                traffic: None,
            };
            if let Err(e) = deploy::nodes::node_connected(&self.cp, &self.environment, &ack).await {
                tracing::warn!(environment = %self.environment, "gateway could not register: {e}");
            }
            return Some(Update::Set(set));
        }
        loop {
            tokio::select! {
                changed = self.receiver.changed() => {
                    changed.ok()?;
                    return Some(Update::Set(Arc::clone(&self.receiver.borrow_and_update().set)));
                }
                _ = self.heartbeat.tick() => self.report().await,
            }
        }
    }

    async fn applied(&mut self, applied: &Applied, live: &Arc<LiveSet>) {
        self.last = Some((applied.clone(), Arc::clone(live)));
        self.report().await;
    }
}

/// The host name as part of a node id: the characters ids may hold, short enough for the id's 64.
fn node_host(host: &str) -> String {
    host.chars()
        .filter(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_'))
        .take(40)
        .collect()
}
