//! `make bench`, remote gateway nodes, with real processes on loopback and 1,000 live API proxies in the
//! environment: deploy answer to every node serving (p50/p99) with 1, 3 and 10 nodes; bytes sent to a node
//! for one change against the whole set; node start from its cache to the first served request; node RSS;
//! CPU of an idle `portico serve --demo` and of an idle node.

#[path = "../tests/support/nodes.rs"]
#[allow(dead_code)]
mod nodes;
#[path = "../tests/support/process.rs"]
#[allow(dead_code)]
mod process;
/// What `process` uses to find the database of a folder.
#[path = "../../deploy/tests/common/mod.rs"]
#[allow(dead_code)]
mod shared;

use std::time::{Duration, Instant};

use nodes::{answer, backend, NodeProcess};
use process::ServerProcess;
use serde_json::{json, Value};

const LIVE: usize = 1000;
const ROUNDS: usize = 20;

struct Api {
    client: reqwest::Client,
    url: String,
    token: String,
}

impl Api {
    async fn call(&self, method: &str, path: &str, body: Option<Value>) -> Value {
        let mut r = self
            .client
            .request(method.parse().unwrap(), format!("{}{path}", self.url))
            .header("authorization", format!("Bearer {}", self.token));
        if let Some(body) = body {
            r = r
                .header("content-type", "application/json")
                .body(body.to_string());
        }
        let r = r.send().await.unwrap();
        let status = r.status();
        let text = r.text().await.unwrap();
        assert!(status.is_success(), "{method} {path}: {status} {text}");
        serde_json::from_str(&text).unwrap_or(Value::Null)
    }

    async fn put_proxy(&self, name: &str, backend: &str, create: bool) {
        let spec = json!({
            "name": name, "relativePath": format!("/bench/{name}"), "deployList": ["production"],
            "routing": {"algorithm": "ROUND_ROBIN", "addressList": [{"address": backend, "weight": 1}]}
        });
        if create {
            self.call("POST", "/apiops/projects/MyProject/apiProxies/", Some(spec))
                .await;
        } else {
            self.call(
                "PUT",
                &format!("/apiops/projects/MyProject/apiProxies/{name}/"),
                Some(spec),
            )
            .await;
        }
        self.call(
            "POST",
            &format!("/apiops/projects/MyProject/apiProxies/{name}/environments/production/"),
            None,
        )
        .await;
    }
}

fn ms(sorted: &[Duration], q: f64) -> f64 {
    sorted[((sorted.len() - 1) as f64 * q).round() as usize].as_secs_f64() * 1000.0
}

/// CPU seconds (user + system) a process used so far.
fn cpu_seconds(pid: u32) -> f64 {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    let after = stat.rsplit_once(')').map(|(_, r)| r).unwrap_or("");
    let fields: Vec<&str> = after.split_whitespace().collect();
    let ticks: f64 = fields.get(11).and_then(|u| u.parse::<f64>().ok()).unwrap_or(0.0)
        + fields.get(12).and_then(|s| s.parse::<f64>().ok()).unwrap_or(0.0);
    ticks / 100.0
}

fn rss_mib(pid: u32) -> f64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<f64>().ok())
        .unwrap_or(0.0)
        / 1024.0
}

/// Share of one core a process uses over `window`.
async fn idle_cpu(pid: u32, window: Duration) -> f64 {
    let before = cpu_seconds(pid);
    tokio::time::sleep(window).await;
    (cpu_seconds(pid) - before) / window.as_secs_f64() * 100.0
}

/// Deploys p0 to the other backend ROUNDS times; each time, from the deploy's answer until every node serves it.
async fn propagation(api: &Api, nodes: &[NodeProcess], a: &str, b: &str) -> Vec<Duration> {
    let client = reqwest::Client::new();
    let mut out = Vec::with_capacity(ROUNDS);
    for round in 0..ROUNDS {
        let (to, name) = if round % 2 == 0 { (b, "b") } else { (a, "a") };
        api.put_proxy("p0", to, false).await;
        let answered = Instant::now();
        for n in nodes {
            let url = format!("{}/bench/p0", n.url);
            while answer(&client, &url).await != name {
                tokio::time::sleep(Duration::from_micros(200)).await;
            }
        }
        out.push(answered.elapsed());
    }
    out.sort();
    out
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let dir = tempfile::tempdir().unwrap();

    // An idle control plane on the demo data set, with its gateways.
    {
        let idle_dir = dir.path().join("idle");
        std::fs::create_dir_all(&idle_dir).unwrap();
        let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_portico"))
            .args(["serve", "--demo", "--addr", "127.0.0.1:0", "--site-root"])
            .arg(&idle_dir)
            .env(
                "PORTICO_DATABASE_URL",
                format!("sqlite://{}/portico.db", idle_dir.display()),
            )
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap();
        tokio::time::sleep(Duration::from_secs(3)).await;
        let cpu = idle_cpu(child.id(), Duration::from_secs(10)).await;
        println!("bench: idle `portico serve --demo` (console and its gateways, nothing happening): {cpu:.2}% of a core over 10 s (target < 0.5%)");
        let _ = child.kill();
        let _ = child.wait();
    }

    let server = ServerProcess::start(dir.path(), true);
    let api = Api {
        client: reqwest::Client::new(),
        url: server.url.clone(),
        token: server.token.clone().unwrap(),
    };
    let (a, b) = (backend("a").await, backend("b").await);
    let started = Instant::now();
    for i in 0..LIVE {
        api.put_proxy(&format!("p{i}"), &a, true).await;
    }
    eprintln!("{LIVE} proxies live in {:?}", started.elapsed());
    let issued = api
        .call(
            "POST",
            "/apiops/node-tokens/",
            Some(json!({"environment": "production", "name": "bench"})),
        )
        .await;
    let token = issued["result"]["token"].as_str().unwrap().to_owned();

    let mut figures = Vec::new();
    let mut all: Vec<NodeProcess> = Vec::new();
    for count in [1usize, 3, 10] {
        while all.len() < count {
            let i = all.len();
            all.push(NodeProcess::start(
                &server.url,
                "production",
                &token,
                &dir.path().join(format!("node{i}")),
                &[],
            ));
        }
        // Every node serves the whole set first.
        let client = reqwest::Client::new();
        for n in &all {
            let url = format!("{}/bench/p{}", n.url, LIVE - 1);
            while answer(&client, &url).await != "a" {
                tokio::time::sleep(Duration::from_millis(10)).await;
            }
        }
        let sorted = propagation(&api, &all, &a, &b).await;
        figures.push(format!(
            "{count} node{}: p50 {:.1} ms, p99 {:.1} ms",
            if count == 1 { "" } else { "s" },
            ms(&sorted, 0.5),
            ms(&sorted, 0.99)
        ));
    }
    println!(
        "bench: deploy answer to every node serving, {LIVE} live API proxies, {ROUNDS} deploys: {} (target p50 < 100 ms, p99 < 1000 ms)",
        figures.join("; ")
    );

    // Bytes for one change: a stream that is current, then one deploy.
    let feed = format!("{}/apiops/node-feed/?nodeId=bench-bytes", server.url);
    let client = reqwest::Client::new();
    let mut whole = client
        .get(&feed)
        .header("authorization", format!("Bearer {token}"))
        .send()
        .await
        .unwrap();
    let mut first = Vec::new();
    while !first.ends_with(b"\n") {
        first.extend_from_slice(&whole.chunk().await.unwrap().unwrap());
    }
    drop(whole);
    let line: Value = serde_json::from_slice(&first).unwrap();
    let (version, hash) = (
        line["set"]["version"].as_i64().unwrap(),
        line["hash"].as_str().unwrap().to_owned(),
    );
    let mut current = client
        .get(format!("{feed}&since={version}&hash={hash}"))
        .header("authorization", format!("Bearer {token}"))
        .send()
        .await
        .unwrap();
    api.put_proxy("p1", &b, false).await;
    let mut change = Vec::new();
    loop {
        let chunk = current.chunk().await.unwrap().unwrap();
        change.extend_from_slice(&chunk);
        let text = String::from_utf8_lossy(&change).into_owned();
        if let Some(line) = text.lines().find(|l| l.contains("\"type\":\"delta\"")) {
            change = line.as_bytes().to_vec();
            break;
        }
    }
    drop(current);
    println!(
        "bench: bytes sent to a node for one change at {LIVE} live API proxies: {} bytes (the whole set is {} bytes; target: independent of the environment's size)",
        change.len() + 1,
        first.len()
    );

    let rss = rss_mib(all[0].pid());
    let idle_node = idle_cpu(all[0].pid(), Duration::from_secs(10)).await;
    println!("bench: node with {LIVE} live API proxies: RSS {rss:.1} MiB; idle CPU {idle_node:.2}% of a core over 10 s (target < 0.5%)");

    // Start from the cache with the control plane gone.
    let cache = all[0].cache_dir.clone();
    let copy = dir.path().join("from-cache");
    std::fs::create_dir_all(&copy).unwrap();
    std::fs::copy(cache.join("live-set.json"), copy.join("live-set.json")).unwrap();
    drop(server);
    let started = Instant::now();
    let node = NodeProcess::start("http://127.0.0.1:9", "production", &token, &copy, &[]);
    let url = format!("{}/bench/p{}", node.url, LIVE - 1);
    while answer(&client, &url).await != "a" {
        tokio::time::sleep(Duration::from_millis(1)).await;
    }
    println!(
        "bench: node start from its cache ({LIVE} live API proxies, control plane down) to the first served request: {:.0} ms (target < 1000 ms)",
        started.elapsed().as_secs_f64() * 1000.0
    );
}
