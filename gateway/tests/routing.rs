//! Traffic through a real gateway to real backends: matching, forwarding and the routing algorithms.

mod common;

use std::collections::HashMap;
use std::sync::atomic::Ordering;

use common::{backend, body, client, dead_backend, routing, spec, world};
use deploy::deployments::{self, DeployOptions};
use deploy::model::RoutingAlgorithm;
use deploy::proxies;

/// Three backends a, b and c behind proxy `p` at /p, with the given algorithm and weights.
async fn three(w: &common::World, algorithm: RoutingAlgorithm, weights: [u32; 3]) -> [common::Backend; 3] {
    let (a, b, c) = (backend("a").await, backend("b").await, backend("c").await);
    let [wa, wb, wc] = weights;
    w.deploy(
        "p",
        spec("/p", routing(algorithm, &[(&a, wa), (&b, wb), (&c, wc)])),
    )
    .await;
    [a, b, c]
}

async fn spread(url: &str, n: usize, path: impl Fn(usize) -> String) -> HashMap<String, usize> {
    let c = client();
    let mut counts = HashMap::new();
    for i in 0..n {
        let r = c.get(format!("{url}{}", path(i))).send().await.unwrap();
        assert_eq!(r.status(), 200);
        let who = r.headers()["x-backend"].to_str().unwrap().to_owned();
        *counts.entry(who).or_insert(0) += 1;
    }
    counts
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_prefix_owns_what_lies_under_it_and_the_rest_of_the_path_and_query_are_forwarded() {
    let w = world().await;
    let (pets, cats) = (backend("pets").await, backend("cats").await);
    w.deploy(
        "pets",
        spec("/pets", routing(RoutingAlgorithm::RoundRobin, &[(&pets, 1)])),
    )
    .await;
    // A path under a live one is refused, so /pets keeps everything below it.
    proxies::create_proxy(
        &w.cp,
        &w.root,
        "P",
        "cats",
        spec("/pets/cats", routing(RoutingAlgorithm::RoundRobin, &[(&cats, 1)])),
        &["test".into()],
    )
    .await
    .unwrap();
    let refused = deployments::deploy_proxy(&w.cp, &w.root, "P", "cats", "test", &DeployOptions::default())
        .await
        .unwrap();
    assert!(!refused.success);
    assert!(
        refused.environment_results[0].message.contains("(/pets)"),
        "{refused:?}"
    );
    let c = client();
    let text = body(
        c.get(format!("{}/pets/cats/7?x=1&y=2", w.url))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert!(
        text.starts_with("pets GET /cats/7?x=1&y=2 xff=127.0.0.1 host=127.0.0.1:"),
        "{text}"
    );
    assert_eq!(cats.hits.load(Ordering::Relaxed), 0);
    let text = body(
        c.post(format!("{}/pets/dogs", w.url))
            .body("hi")
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert!(text.starts_with("pets POST /dogs"), "{text}");
    // A segment boundary is needed: /petshop is not under /pets.
    let r = c.get(format!("{}/petshop", w.url)).send().await.unwrap();
    assert_eq!(r.status(), 404);
    assert_eq!(r.headers()["content-type"], "application/json");
    let error: serde_json::Value = r.json().await.unwrap();
    assert_eq!(error["error"], "NOT_FOUND");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn round_robin_random_and_least_connections_share_evenly() {
    let w = world().await;
    let (a, b) = (backend("a").await, backend("b").await);
    for algorithm in [
        RoutingAlgorithm::RoundRobin,
        RoutingAlgorithm::Random,
        RoutingAlgorithm::LeastConnections,
    ] {
        w.deploy("p", spec("/p", routing(algorithm, &[(&a, 1), (&b, 1)])))
            .await;
        let counts = spread(&w.url, 2000, |_| "/p".into()).await;
        for who in ["a", "b"] {
            let share = counts[who] as f64 / 2000.0;
            assert!((0.45..=0.55).contains(&share), "{algorithm:?}: {counts:?}");
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn weighted_round_robin_follows_the_weights_over_ten_thousand_requests() {
    let w = world().await;
    three(&w, RoutingAlgorithm::WeightedRoundRobin, [6, 3, 1]).await;
    let counts = spread(&w.url, 10_000, |_| "/p".into()).await;
    for (who, expected) in [("a", 0.6), ("b", 0.3), ("c", 0.1)] {
        let share = counts[who] as f64 / 10_000.0;
        assert!((share - expected).abs() < 0.02, "{counts:?}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn url_hash_sends_the_same_url_to_the_same_backend_and_spreads_urls() {
    let w = world().await;
    three(&w, RoutingAlgorithm::UrlHash, [1, 1, 1]).await;
    let client = client();
    let mut first = HashMap::new();
    for round in 0..3 {
        for i in 0..100 {
            let r = client
                .get(format!("{}/p/item/{i}?q={i}", w.url))
                .send()
                .await
                .unwrap();
            let who = r.headers()["x-backend"].to_str().unwrap().to_owned();
            if round == 0 {
                first.insert(i, who);
            } else {
                assert_eq!(first[&i], who, "url {i} moved");
            }
        }
    }
    let used: std::collections::HashSet<_> = first.values().collect();
    assert_eq!(used.len(), 3, "100 URLs should reach all three backends");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn ip_hash_keeps_a_client_on_one_backend() {
    let w = world().await;
    three(&w, RoutingAlgorithm::IpHash, [1, 1, 1]).await;
    let counts = spread(&w.url, 300, |i| format!("/p/{i}")).await;
    assert_eq!(counts.len(), 1, "one client address, one backend: {counts:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_backend_that_refuses_connections_is_skipped_and_no_request_fails() {
    let w = world().await;
    let (dead, live) = (dead_backend().await, backend("live").await);
    w.deploy(
        "p",
        spec(
            "/p",
            routing(RoutingAlgorithm::RoundRobin, &[(&dead, 1), (&live, 1)]),
        ),
    )
    .await;
    let counts = spread(&w.url, 200, |_| "/p".into()).await;
    assert_eq!(counts["live"], 200);
    // POST too: nothing reached the dead backend, so the retry is safe.
    let r = client()
        .post(format!("{}/p", w.url))
        .body("x")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let metrics = gateway::metrics::global().render();
    assert!(metrics
        .contains("portico_gateway_backend_errors_total{environment=\"test\",project=\"P\",proxy=\"p\"}"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn when_every_backend_is_down_the_answer_is_a_502_in_json() {
    let w = world().await;
    let dead = dead_backend().await;
    w.deploy(
        "p",
        spec("/p", routing(RoutingAlgorithm::RoundRobin, &[(&dead, 1)])),
    )
    .await;
    let r = client().get(format!("{}/p", w.url)).send().await.unwrap();
    assert_eq!(r.status(), 502);
    let error: serde_json::Value = r.json().await.unwrap();
    assert_eq!(error["error"], "BAD_GATEWAY");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_slow_backend_times_out_and_an_idempotent_request_goes_to_another() {
    let w = world().await;
    let slow = common::backend_with_delay("slow", std::time::Duration::from_secs(2)).await;
    let fast = backend("fast").await;
    w.deploy(
        "p",
        spec(
            "/p",
            routing(RoutingAlgorithm::RoundRobin, &[(&slow, 1), (&fast, 1)]),
        ),
    )
    .await;
    let c = client();
    for _ in 0..4 {
        let r = c.get(format!("{}/p", w.url)).send().await.unwrap();
        assert_eq!(r.status(), 200);
        assert_eq!(r.headers()["x-backend"], "fast");
    }
    // A POST with a body that timed out is not sent again (it may have had effects).
    w.deploy(
        "q",
        spec(
            "/q",
            routing(RoutingAlgorithm::RoundRobin, &[(&slow, 1), (&fast, 1)]),
        ),
    )
    .await;
    let before = fast.hits.load(Ordering::Relaxed);
    let r = c.post(format!("{}/q", w.url)).body("pay").send().await.unwrap();
    if r.status() == 504 {
        assert_eq!(fast.hits.load(Ordering::Relaxed), before, "the POST was retried");
    } else {
        assert_eq!(r.headers()["x-backend"], "fast");
    }
}
