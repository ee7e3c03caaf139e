//! What the gateway answers itself: maintenance mode, CORS, the response cache, group routes, undeploy.

mod common;

use std::sync::atomic::Ordering;
use std::time::Duration;

use common::{backend, client, routing, spec, world};
use deploy::deployments::{self, DeployOptions};
use deploy::groups;
use deploy::model::{Cache, ClientRoute, Cors, GroupSpec, RoutingAlgorithm};

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn maintenance_mode_answers_503_with_retry_after_and_never_reaches_the_backend() {
    let w = world().await;
    let b = backend("b").await;
    let mut s = spec("/p", routing(RoutingAlgorithm::RoundRobin, &[(&b, 1)]));
    s.maintenance_mode = true;
    w.deploy("p", s).await;
    let r = client().get(format!("{}/p/x", w.url)).send().await.unwrap();
    assert_eq!(r.status(), 503);
    assert_eq!(r.headers()["retry-after"], "120");
    let error: serde_json::Value = r.json().await.unwrap();
    assert_eq!(error["error"], "MAINTENANCE");
    assert_eq!(b.hits.load(Ordering::Relaxed), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn cors_preflight_is_answered_by_the_gateway_and_responses_carry_the_headers() {
    let w = world().await;
    let b = backend("b").await;
    let mut s = spec("/p", routing(RoutingAlgorithm::RoundRobin, &[(&b, 1)]));
    s.cors = Cors {
        enabled: true,
        allow_origins: vec!["https://app.example.com".into()],
        allow_methods: vec!["GET".into(), "POST".into()],
        allow_headers: vec!["Content-Type".into()],
        allow_credentials: true,
        max_age_seconds: 600,
    };
    w.deploy("p", s).await;
    let c = client();
    let r = c
        .request(reqwest::Method::OPTIONS, format!("{}/p", w.url))
        .header("Origin", "https://app.example.com")
        .header("Access-Control-Request-Method", "POST")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 204);
    assert_eq!(
        r.headers()["access-control-allow-origin"],
        "https://app.example.com"
    );
    assert_eq!(r.headers()["access-control-allow-methods"], "GET, POST");
    assert_eq!(r.headers()["access-control-allow-headers"], "Content-Type");
    assert_eq!(r.headers()["access-control-allow-credentials"], "true");
    assert_eq!(r.headers()["access-control-max-age"], "600");
    assert_eq!(
        b.hits.load(Ordering::Relaxed),
        0,
        "the preflight reached the backend"
    );
    // Another origin gets no allowance.
    let r = c
        .request(reqwest::Method::OPTIONS, format!("{}/p", w.url))
        .header("Origin", "https://evil.example.com")
        .header("Access-Control-Request-Method", "POST")
        .send()
        .await
        .unwrap();
    assert!(r.headers().get("access-control-allow-origin").is_none());
    let r = c
        .get(format!("{}/p", w.url))
        .header("Origin", "https://app.example.com")
        .send()
        .await
        .unwrap();
    assert_eq!(
        r.headers()["access-control-allow-origin"],
        "https://app.example.com"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn get_responses_are_cached_per_path_and_query_until_they_expire() {
    let w = world().await;
    let b = backend("b").await;
    let mut s = spec("/p", routing(RoutingAlgorithm::RoundRobin, &[(&b, 1)]));
    s.cache = Cache {
        enabled: true,
        ttl_seconds: 1,
        max_entries: 10,
        ..Default::default()
    };
    w.deploy("p", s).await;
    let c = client();
    let get = |q: &'static str| c.get(format!("{}/p/item?{q}", w.url)).send();
    assert_eq!(get("a").await.unwrap().headers()["x-cache"], "MISS");
    let hit = get("a").await.unwrap();
    assert_eq!(hit.headers()["x-cache"], "HIT");
    assert!(hit.text().await.unwrap().starts_with("b GET /item?a"));
    assert_eq!(get("b").await.unwrap().headers()["x-cache"], "MISS");
    assert_eq!(b.hits.load(Ordering::Relaxed), 2);
    // POSTs are never cached.
    c.post(format!("{}/p/item?a", w.url)).send().await.unwrap();
    assert_eq!(b.hits.load(Ordering::Relaxed), 3);
    tokio::time::sleep(Duration::from_millis(1100)).await;
    assert_eq!(get("a").await.unwrap().headers()["x-cache"], "MISS");
    assert_eq!(b.hits.load(Ordering::Relaxed), 4);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn undeploy_takes_a_proxy_off_the_gateway_at_once() {
    let w = world().await;
    let b = backend("b").await;
    w.deploy("p", spec("/p", routing(RoutingAlgorithm::RoundRobin, &[(&b, 1)])))
        .await;
    assert_eq!(
        client()
            .get(format!("{}/p", w.url))
            .send()
            .await
            .unwrap()
            .status(),
        200
    );
    w.undeploy("p").await;
    assert_eq!(
        client()
            .get(format!("{}/p", w.url))
            .send()
            .await
            .unwrap()
            .status(),
        404
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_group_client_route_puts_members_under_its_paths_and_limits_methods() {
    let w = world().await;
    let b = backend("b").await;
    common::World::deploy(
        &w,
        "p",
        spec("/p", routing(RoutingAlgorithm::RoundRobin, &[(&b, 1)])),
    )
    .await;
    let settings = GroupSpec {
        client_route: ClientRoute {
            relative_path_list: vec!["/shop".into()],
            method_list: vec!["GET".into()],
        },
        ..Default::default()
    };
    groups::create_group(&w.cp, &w.root, "P", "G", settings, &["p".into()])
        .await
        .unwrap();
    deployments::deploy_group(&w.cp, &w.root, "P", "G", "test", &DeployOptions::default())
        .await
        .unwrap();
    w.sync().await;
    let c = client();
    let text = c
        .get(format!("{}/shop/p/x", w.url))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(text.starts_with("b GET /x"), "{text}");
    assert_eq!(
        c.get(format!("{}/p/x", w.url)).send().await.unwrap().status(),
        200
    );
    let r = c.post(format!("{}/p/x", w.url)).send().await.unwrap();
    assert_eq!(r.status(), 405);
    assert_eq!(r.headers()["allow"], "GET");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_gateway_reports_what_it_serves_and_metrics_count_requests() {
    let w = world().await;
    let b = backend("b").await;
    w.deploy("p", spec("/p", routing(RoutingAlgorithm::RoundRobin, &[(&b, 1)])))
        .await;
    client().get(format!("{}/p", w.url)).send().await.unwrap();
    let reports = deploy::gateway::gateway_status(&w.cp, &w.root, "test", 60)
        .await
        .unwrap();
    assert_eq!(reports.len(), 1);
    let served: Vec<_> = reports[0]
        .routes
        .iter()
        .map(|r| (r.project.as_str(), r.proxy.as_str(), r.revision))
        .collect();
    assert_eq!(served, [("P", "p", 1)]);
    let metrics = gateway::metrics::global().render();
    assert!(metrics.contains(
        "portico_gateway_requests_total{environment=\"test\",project=\"P\",proxy=\"p\",class=\"2xx\"}"
    ));
    assert!(metrics.contains(
        "portico_gateway_request_duration_seconds_bucket{le=\"+Inf\",environment=\"test\",project=\"P\",proxy=\"p\"}"
    ));
}
