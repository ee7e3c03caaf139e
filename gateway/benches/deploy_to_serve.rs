//! `make bench`: the time from a deploy's answer to the gateway serving the new revision, for the gateway in
//! the same process (fed by the live feed, as `portico serve` runs it) and for a second node on its own
//! connection to the same database file (as the one-host `portico gateway` runs). Remote nodes fed over the
//! network are measured by `server/benches/nodes.rs`.

#[path = "../tests/common/mod.rs"]
mod common;

use std::time::{Duration, Instant};

use common::{backend, routing, spec, Backend, World};
use deploy::deployments::{self, DeployOptions};
use deploy::model::RoutingAlgorithm;
use deploy::{proxies, ControlPlane};

const ROUNDS: usize = 40;

/// Deploys the other backend ROUNDS times; each time, measures from the deploy's answer until `url` answers
/// from the new backend.
async fn measure(w: &World, url: &str, a: &Backend, b: &Backend) -> Vec<Duration> {
    let client = common::client();
    let mut out = Vec::with_capacity(ROUNDS);
    for i in 0..ROUNDS {
        let to = if i % 2 == 0 { b } else { a };
        let s = spec("/p", routing(RoutingAlgorithm::RoundRobin, &[(to, 1)]));
        proxies::update_proxy(&w.cp, &w.root, "P", "p", s, None)
            .await
            .unwrap();
        deployments::deploy_proxy(&w.cp, &w.root, "P", "p", "test", &DeployOptions::default())
            .await
            .unwrap();
        let answered = Instant::now();
        loop {
            let r = client.get(url).send().await.unwrap();
            if r.headers()["x-backend"] == to.id.as_str() {
                break;
            }
            tokio::time::sleep(Duration::from_micros(200)).await;
        }
        out.push(answered.elapsed());
    }
    out.sort();
    out
}

fn ms(sorted: &[Duration], q: f64) -> f64 {
    sorted[((sorted.len() - 1) as f64 * q).round() as usize].as_secs_f64() * 1000.0
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let w = common::world_with(gateway::Options::default()).await;
    let (a, b) = (backend("a").await, backend("b").await);
    w.deploy("p", spec("/p", routing(RoutingAlgorithm::RoundRobin, &[(&a, 1)])))
        .await;
    let same = measure(&w, &format!("{}/p", w.url), &a, &b).await;

    // A separate node: its own pool on the same file, default polling.
    let node_cp = ControlPlane::open(&w.database_url)
        .await
        .unwrap()
        .with_backend_policy(deploy::backends::BackendPolicy::allowing_loopback());
    let listener = gateway::bind("127.0.0.1:0".parse().unwrap()).await.unwrap();
    let node_url = format!("http://{}/p", listener.local_addr());
    common::start(&node_cp, "test", listener, gateway::Options::default()).await;
    let separate = measure(&w, &node_url, &a, &b).await;
    println!(
        "bench: deploy answer to gateway serving the new revision ({ROUNDS} deploys): in-process p50 {:.1} ms, max {:.1} ms (target < 50 ms); separate node p50 {:.1} ms, max {:.1} ms (target < 1000 ms)",
        ms(&same, 0.5),
        ms(&same, 1.0),
        ms(&separate, 0.5),
        ms(&separate, 1.0)
    );
}
