//! The gateway embedded in `portico serve`: one node per environment whose access URL names this machine,
//! started as environments appear.

use std::collections::{HashMap, HashSet};
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use deploy::{Actor, Channel, ControlPlane};

use crate::node::{local_listen_address, Node, Options};

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
            .or_else(|| local_listen_address(&env.access_url));
        let address = match wanted {
            Some(a) => a,
            None if plan.assign_free_ports => SocketAddr::from(([127, 0, 0, 1], 0)),
            None => continue,
        };
        let bound = match crate::listen::bind(address).await {
            Ok(l) => Ok(l),
            // A port recorded by an earlier run may be taken now; the demo moves to a free one.
            Err(_) if plan.assign_free_ports && wanted.is_some() => {
                crate::listen::bind(SocketAddr::from(([127, 0, 0, 1], 0))).await
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
        match crate::node::start(cp.clone(), &env.environment, listener, options.clone()).await {
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
