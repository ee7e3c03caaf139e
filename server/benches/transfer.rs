//! `make bench`: rollback, export, import of a 1 MiB export, and a batch publish of 1000 APIs in one
//! request, through the REST API on loopback.

use std::time::{Duration, Instant};

use deploy::deployments::{self, DeployOptions};
use deploy::environments::{EnvironmentType, NewEnvironment};
use deploy::model::{ProxySpec, Routing, RoutingAddress, RoutingAlgorithm};
use deploy::users::Password;
use deploy::{environments, history, projects, proxies, users, Actor, Channel, ControlPlane};

const APIS: usize = 1000;
const BOUNDARY: &str = "portico-bench-boundary";

fn percentile(sorted: &[Duration], p: f64) -> f64 {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i].as_secs_f64() * 1000.0
}

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
        assert!(status.is_success(), "{status}: {}", String::from_utf8_lossy(&body));
        out.push(started.elapsed());
    }
    out.sort();
    out
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let dir = tempfile::tempdir().unwrap();
    let cp = ControlPlane::open(&format!("sqlite://{}/portico.db", dir.path().display()))
        .await
        .unwrap();
    let system = Actor::system(Channel::Cli);
    let user = users::create_user(&cp, &system, "bench", &Password::new("bench password"), true)
        .await
        .unwrap();
    let bench = Actor::new(user, Channel::Cli);
    let (token, _) = deploy::tokens::create_token(&cp, &system, "bench", "bench", None)
        .await
        .unwrap();
    let token = token.expose().to_owned();
    let project = projects::create_project(&cp, &system, "P", "").await.unwrap();
    let env = NewEnvironment {
        name: "production".into(),
        env_type: EnvironmentType::Production,
        description: String::new(),
        access_url: String::new(),
    };
    let env = environments::create_environment(&cp, &system, env).await.unwrap();
    environments::assign_environment(&cp, &system, "P", "production")
        .await
        .unwrap();
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
    history::set_persistent(&cp, &bench, "P", "api0", 1, true).await.unwrap();
    let mut changed = proxies::get_proxy(&cp, &bench, "P", "api0").await.unwrap().spec;
    changed.maintenance_mode = true;
    proxies::update_proxy(&cp, &bench, "P", "api0", changed, None).await.unwrap();
    deployments::deploy_proxy(&cp, &bench, "P", "api0", "production", &options)
        .await
        .unwrap();

    let app = server::app(cp.clone(), dir.path().to_str().unwrap()).await.unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
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
    let json_len = deploy::archive::read_export_json(&zip, &Default::default()).unwrap().len();

    let body = form(r#"{"deploy":false}"#, &zip);
    let import_url = format!("{base}/apiProxies/big-copy/import/");
    let put = {
        let (client, token) = (client.clone(), token.clone());
        move || {
            let (client, token, url, body) = (client.clone(), token.clone(), import_url.clone(), body.clone());
            async move {
                client
                    .put(url)
                    .bearer_auth(token)
                    .header("Content-Type", format!("multipart/form-data; boundary={BOUNDARY}"))
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
    let publish_body = serde_json::json!({"apis": api_ids, "env_id": env.id, "remark": "bench"}).to_string();
    let mut publish = Vec::new();
    for action in ["online", "offline", "online", "offline", "online", "offline", "online"] {
        let url = format!("http://{addr}/v2/{}/apigw/instances/{gateway}/apis/publish?action={action}", project.id);
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
        assert_eq!(answer["success"].as_array().map(Vec::len), Some(APIS), "{action}: {answer}");
        if action == "online" {
            publish.push(took);
        }
    }
    publish.sort();

    println!(
        "bench: rollback p50 {:.2} ms, p99 {:.2} ms; with deploy p50 {:.2} ms, p99 {:.2} ms (n={}; target p50 < 3 ms)",
        percentile(&rollback, 0.5),
        percentile(&rollback, 0.99),
        percentile(&rollback_deploy, 0.5),
        percentile(&rollback_deploy, 0.99),
        rollback.len()
    );
    println!(
        "bench: export of a {:.2} MiB definition ({} KiB zip) p50 {:.2} ms, p99 {:.2} ms (n={})",
        json_len as f64 / 1048576.0,
        zip.len() / 1024,
        percentile(&export, 0.5),
        percentile(&export, 0.99),
        export.len()
    );
    println!(
        "bench: import (override) of that export p50 {:.2} ms, p99 {:.2} ms (n={}; target p50 < 30 ms)",
        percentile(&import, 0.5),
        percentile(&import, 0.99),
        import.len()
    );
    println!(
        "bench: batch publish of {APIS} APIs in one request: median {:.0} ms, best {:.0} ms, worst {:.0} ms (n={}; target < 300 ms)",
        percentile(&publish, 0.5),
        percentile(&publish, 0.0),
        percentile(&publish, 1.0),
        publish.len()
    );
}
