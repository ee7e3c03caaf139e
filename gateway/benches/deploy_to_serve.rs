//! `make bench`: the time from a deploy's answer to the gateway serving the new revision, for the gateway in
//! the same process (polling every 10 ms, as `portico serve` runs it) and for a separate node (a second
//! connection to the same database file polling every 200 ms, as `portico gateway` runs by default).

use std::convert::Infallible;
use std::time::{Duration, Instant};

use bytes::Bytes;
use deploy::deployments::{self, DeployOptions};
use deploy::environments::{self, EnvironmentType, NewEnvironment};
use deploy::model::{ProxySpec, Routing, RoutingAddress};
use deploy::users::{self, Password};
use deploy::{projects, proxies, Actor, Channel, ControlPlane};
use http_body_util::Full;
use hyper::service::service_fn;
use hyper::Response;
use hyper_util::rt::TokioIo;
use tokio::net::TcpListener;

const ROUNDS: usize = 40;

async fn backend(answer: &'static str) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move {
        loop {
            let Ok((stream, _)) = listener.accept().await else {
                continue;
            };
            tokio::spawn(async move {
                let service = service_fn(|_| async {
                    Ok::<_, Infallible>(Response::new(Full::new(Bytes::from(answer))))
                });
                let _ = hyper::server::conn::http1::Builder::new()
                    .serve_connection(TokioIo::new(stream), service)
                    .await;
            });
        }
    });
    url
}

fn spec(backend: &str) -> ProxySpec {
    ProxySpec {
        relative_path: "/p".into(),
        routing: Routing {
            address_list: vec![RoutingAddress {
                address: backend.into(),
                weight: 1,
                soap_type: None,
            }],
            ..Default::default()
        },
        ..Default::default()
    }
}

/// Deploys the other backend ROUNDS times; each time, measures from the deploy's answer until `url` answers
/// with the new backend.
async fn measure(cp: &ControlPlane, root: &Actor, url: &str, a: &str, b: &str) -> Vec<Duration> {
    let client = reqwest::Client::new();
    let mut out = Vec::with_capacity(ROUNDS);
    for i in 0..ROUNDS {
        let (to, answer) = if i % 2 == 0 { (b, "b") } else { (a, "a") };
        proxies::update_proxy(cp, root, "P", "p", spec(to), None)
            .await
            .unwrap();
        deployments::deploy_proxy(cp, root, "P", "p", "test", &DeployOptions::default())
            .await
            .unwrap();
        let answered = Instant::now();
        loop {
            let r = client.get(url).send().await.unwrap().text().await.unwrap();
            if r == answer {
                break;
            }
            tokio::time::sleep(Duration::from_micros(200)).await;
        }
        out.push(answered.elapsed());
    }
    out.sort();
    out
}

fn p(sorted: &[Duration], q: f64) -> f64 {
    sorted[((sorted.len() - 1) as f64 * q).round() as usize].as_secs_f64() * 1000.0
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let dir = tempfile::tempdir().unwrap();
    let db = format!("sqlite://{}/portico.db", dir.path().display());
    let cp = ControlPlane::open(&db).await.unwrap();
    let system = Actor::system(Channel::Cli);
    let user = users::create_user(&cp, &system, "bench", &Password::new("bench password"), true)
        .await
        .unwrap();
    let root = Actor::new(user, Channel::Console);
    projects::create_project(&cp, &root, "P", "").await.unwrap();
    let new = NewEnvironment {
        name: "test".into(),
        env_type: EnvironmentType::Test,
        description: String::new(),
        access_url: String::new(),
    };
    environments::create_environment(&cp, &root, new).await.unwrap();
    environments::assign_environment(&cp, &root, "P", "test")
        .await
        .unwrap();
    let (a, b) = (backend("a").await, backend("b").await);
    proxies::create_proxy(&cp, &root, "P", "p", spec(&a), &["test".into()])
        .await
        .unwrap();
    deployments::deploy_proxy(&cp, &root, "P", "p", "test", &DeployOptions::default())
        .await
        .unwrap();

    let in_process = gateway::Options {
        poll: Duration::from_millis(10),
        ..Default::default()
    };
    let listener = gateway::bind("127.0.0.1:0".parse().unwrap()).await.unwrap();
    let url = format!("http://{}/p", listener.local_addr());
    gateway::start(cp.clone(), "test", listener, in_process)
        .await
        .unwrap();
    let same = measure(&cp, &root, &url, &a, &b).await;

    // A separate node: its own pool on the same file, default polling.
    let node_cp = ControlPlane::open(&db).await.unwrap();
    let listener = gateway::bind("127.0.0.1:0".parse().unwrap()).await.unwrap();
    let node_url = format!("http://{}/p", listener.local_addr());
    gateway::start(node_cp, "test", listener, gateway::Options::default())
        .await
        .unwrap();
    let separate = measure(&cp, &root, &node_url, &a, &b).await;
    println!(
        "bench: deploy answer to gateway serving the new revision ({ROUNDS} deploys): in-process p50 {:.1} ms, max {:.1} ms (target < 50 ms); separate node p50 {:.1} ms, max {:.1} ms (target < 1000 ms)",
        p(&same, 0.5),
        p(&same, 1.0),
        p(&separate, 0.5),
        p(&separate, 1.0)
    );
}
