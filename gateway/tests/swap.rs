//! Deploys, rollbacks and undeploys swap the routing table whole, under load, without a failed request.

mod common;

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use common::{backend, client, routing, spec, world};
use deploy::model::RoutingAlgorithm;

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_deploy_swap_under_continuous_load_drops_no_request() {
    let w = world().await;
    let (blue, green) = (backend("blue").await, backend("green").await);
    w.deploy(
        "p",
        spec("/p", routing(RoutingAlgorithm::RoundRobin, &[(&blue, 1)])),
    )
    .await;
    let stop = Arc::new(AtomicBool::new(false));
    let (ok, failed) = (Arc::new(AtomicUsize::new(0)), Arc::new(AtomicUsize::new(0)));
    let mut clients = Vec::new();
    for _ in 0..16 {
        let (stop, ok, failed, url) = (
            Arc::clone(&stop),
            Arc::clone(&ok),
            Arc::clone(&failed),
            w.url.clone(),
        );
        clients.push(tokio::spawn(async move {
            let c = client();
            while !stop.load(Ordering::Relaxed) {
                match c.get(format!("{url}/p/x")).send().await {
                    Ok(r) if r.status() == 200 => ok.fetch_add(1, Ordering::Relaxed),
                    _ => failed.fetch_add(1, Ordering::Relaxed),
                };
            }
        }));
    }
    // Twenty swaps between two backends, through the same watch a running node uses (no manual reload).
    for i in 0..20 {
        let to = if i % 2 == 0 { &green } else { &blue };
        let s = spec("/p", routing(RoutingAlgorithm::RoundRobin, &[(to, 1)]));
        deploy::proxies::update_proxy(&w.cp, &w.root, "P", "p", s, None)
            .await
            .unwrap();
        deploy::deployments::deploy_proxy(&w.cp, &w.root, "P", "p", "test", &Default::default())
            .await
            .unwrap();
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    stop.store(true, Ordering::Relaxed);
    for c in clients {
        c.await.unwrap();
    }
    assert_eq!(
        failed.load(Ordering::Relaxed),
        0,
        "{} succeeded",
        ok.load(Ordering::Relaxed)
    );
    assert!(ok.load(Ordering::Relaxed) > 100);
    assert!(blue.hits.load(Ordering::Relaxed) > 0 && green.hits.load(Ordering::Relaxed) > 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_running_node_follows_deploys_and_rollbacks_on_its_own() {
    let w = world().await;
    let (v1, v2) = (backend("v1").await, backend("v2").await);
    w.deploy(
        "p",
        spec("/p", routing(RoutingAlgorithm::RoundRobin, &[(&v1, 1)])),
    )
    .await;
    let s = spec("/p", routing(RoutingAlgorithm::RoundRobin, &[(&v2, 1)]));
    deploy::proxies::update_proxy(&w.cp, &w.root, "P", "p", s, None)
        .await
        .unwrap();
    deploy::deployments::deploy_proxy(&w.cp, &w.root, "P", "p", "test", &Default::default())
        .await
        .unwrap();
    let serves = |who: &'static str| {
        let url = format!("{}/p", w.url);
        async move {
            for _ in 0..400 {
                let r = client().get(&url).send().await.unwrap();
                if r.headers().get("x-backend").is_some_and(|v| v == who) {
                    return true;
                }
                tokio::time::sleep(Duration::from_millis(5)).await;
            }
            false
        }
    };
    assert!(serves("v2").await, "the deploy never reached the gateway");
    // Rolling back to revision 1 with a deploy brings v1 back.
    deploy::rollback::rollback(&w.cp, &w.root, "P", "p", 1, Some("test"))
        .await
        .unwrap();
    assert!(serves("v1").await, "the rollback never reached the gateway");
}
