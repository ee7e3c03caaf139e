#![recursion_limit = "256"]
//! `make bench`: rollback, export, import of a 1 MiB export, and a batch publish of 1000 APIs in one
//! request, through the REST API on loopback.

use std::time::{Duration, Instant};

use deploy::deployments::{self, DeployOptions};
use deploy::model::{ProxySpec, Routing, RoutingAddress, RoutingAlgorithm};
use deploy::{history, proxies};

const APIS: usize = 1000;
const BOUNDARY: &str = "portico-bench-boundary";

mod common;

use common::{percentile, spread};

/// A proxy balancing over 1000 backends with long, varied addresses: about 1 MiB of export JSON.
fn big_spec() -> ProxySpec {
    let mut seed: u64 = 0x2545_f491_4f6c_dd1d;
    let address_list = (0..1000)
        .map(|i| {
            let mut path = String::new();
            while path.len() < 900 {
                seed ^= seed << 13;
                seed ^= seed >> 7;
                seed ^= seed << 17;
                path.push_str(&format!("/{seed:016x}"));
            }
            RoutingAddress {
                address: format!("https://backend{i}.example.com{path}"),
                weight: (i % 10 + 1) as u32,
                soap_type: None,
            }
        })
        .collect();
    ProxySpec {
        description: "A large fleet".into(),
        relative_path: "/big".into(),
        routing: Routing {
            algorithm: RoutingAlgorithm::WeightedRoundRobin,
            address_list,
        },
        ..Default::default()
    }
}

fn form(metadata: &str, zip: &[u8]) -> Vec<u8> {
    let mut body = format!(
        "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"metadata\"\r\n\r\n{metadata}\r\n--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"apiProxyExportFile\"; filename=\"apiProxyExportFile.zip\"\r\nContent-Type: application/zip\r\n\r\n"
    )
    .into_bytes();
    body.extend_from_slice(zip);
    body.extend_from_slice(format!("\r\n--{BOUNDARY}--\r\n").as_bytes());
    body
}

async fn time_n<F, Fut>(n: usize, mut call: F) -> Vec<Duration>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = reqwest::Response>,
{
    let mut out = Vec::with_capacity(n);
    for _ in 0..n {
        let started = Instant::now();
        let r = call().await;
        let status = r.status();
        let body = r.bytes().await.expect("body");
        assert!(
            status.is_success(),
            "{status}: {}",
            String::from_utf8_lossy(&body)
        );
        out.push(started.elapsed());
    }
    out.sort();
    out
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    for world in common::worlds().await {
        measure(&world).await;
    }
}

async fn measure(world: &common::World) {
    let backend = world.backend;
    let (cp, token, bench, system) = (&world.cp, world.token.clone(), &world.bench, &world.bench);
    let targets = ["production".to_owned()];
    let mut api_ids = Vec::with_capacity(APIS);
    for i in 0..APIS {
        let spec = ProxySpec {
            relative_path: format!("/api{i}"),
            ..Default::default()
        };
        let created = proxies::create_proxy(&cp, &system, "P", &format!("api{i}"), spec, &targets)
            .await
            .unwrap();
        api_ids.push(created.id);
    }
    proxies::create_proxy(&cp, &system, "P", "big", big_spec(), &targets)
        .await
        .unwrap();
    // Two revisions of api0 to roll back between; the first pinned so retention keeps it.
    let options = DeployOptions::default();
    deployments::deploy_proxy(&cp, &bench, "P", "api0", "production", &options)
        .await
        .unwrap();
    history::set_persistent(&cp, &bench, "P", "api0", 1, true)
        .await
        .unwrap();
    let mut changed = proxies::get_proxy(&cp, &bench, "P", "api0").await.unwrap().spec;
    changed.maintenance_mode = true;
    proxies::update_proxy(&cp, &bench, "P", "api0", changed, None)
        .await
        .unwrap();
    deployments::deploy_proxy(&cp, &bench, "P", "api0", "production", &options)
        .await
        .unwrap();

    let addr = world.serve().await;
    let client = reqwest::Client::new();
    let base = format!("http://{addr}/apiops/projects/P");

    let rollback_url = format!("{base}/apiProxies/api0/deploy-histories/1/rollback/");
    let post = |url: String| {
        let (client, token) = (client.clone(), token.clone());
        move || {
            let (client, token, url) = (client.clone(), token.clone(), url.clone());
            async move { client.post(url).bearer_auth(token).send().await.expect("request") }
        }
    };
    time_n(50, post(rollback_url.clone())).await;
    let rollback = time_n(500, post(rollback_url.clone())).await;
    let rollback_deploy = time_n(500, post(format!("{rollback_url}?environmentName=production"))).await;

    let export_url = format!("{base}/apiProxies/big/export/");
    let get = {
        let (client, token) = (client.clone(), token.clone());
        move || {
            let (client, token, url) = (client.clone(), token.clone(), export_url.clone());
            async move { client.get(url).bearer_auth(token).send().await.expect("request") }
        }
    };
    let export = time_n(100, get.clone()).await;
    let zip = get().await.bytes().await.unwrap().to_vec();
    let json_len = deploy::archive::read_export_json(&zip, &Default::default())
        .unwrap()
        .len();

    let body = form(r#"{"deploy":false}"#, &zip);
    let import_url = format!("{base}/apiProxies/big-copy/import/");
    let put = {
        let (client, token) = (client.clone(), token.clone());
        move || {
            let (client, token, url, body) =
                (client.clone(), token.clone(), import_url.clone(), body.clone());
            async move {
                client
                    .put(url)
                    .bearer_auth(token)
                    .header(
                        "Content-Type",
                        format!("multipart/form-data; boundary={BOUNDARY}"),
                    )
                    .body(body)
                    .send()
                    .await
                    .expect("request")
            }
        }
    };
    time_n(5, put.clone()).await;
    let import = time_n(100, put).await;

    let gateway = deploy::publish::gateway_id(&cp).await.unwrap();
    let publish_body =
        serde_json::json!({"apis": api_ids, "env_id": world.production.id, "remark": "bench"}).to_string();
    let mut publish = Vec::new();
    for action in [
        "online", "offline", "online", "offline", "online", "offline", "online",
    ] {
        let url = format!(
            "http://{addr}/v2/{}/apigw/instances/{gateway}/apis/publish?action={action}",
            world.project.id
        );
        let started = Instant::now();
        let r = client
            .post(url)
            .header("X-Auth-Token", &token)
            .header("Content-Type", "application/json")
            .body(publish_body.clone())
            .send()
            .await
            .unwrap();
        let answer: serde_json::Value = serde_json::from_slice(&r.bytes().await.unwrap()).unwrap();
        let took = started.elapsed();
        assert_eq!(
            answer["success"].as_array().map(Vec::len),
            Some(APIS),
            "{action}: {answer}"
        );
        if action == "online" {
            publish.push(took);
        }
    }
    publish.sort();

    println!(
        "bench: [{backend}] rollback {}; with deploy {}; target p50 < 3 ms)",
        spread(&rollback),
        spread(&rollback_deploy)
    );
    println!(
        "bench: [{backend}] export of a {:.2} MiB definition ({} KiB zip) {})",
        json_len as f64 / 1048576.0,
        zip.len() / 1024,
        spread(&export)
    );
    println!(
        "bench: [{backend}] import (override) of that export {}; target p50 < 30 ms)",
        spread(&import)
    );
    println!(
        "bench: [{backend}] batch publish of {APIS} APIs in one request: median {:.0} ms, best {:.0} ms, worst {:.0} ms (n={}; target < 300 ms)",
        percentile(&publish, 0.5),
        percentile(&publish, 0.0),
        percentile(&publish, 1.0),
        publish.len()
    );
}
