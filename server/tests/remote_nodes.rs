//! Gateway nodes on other machines, as real processes on loopback, each with its own cache dir: they follow
//! the control plane's feed, ride out its death, start from their cache, and say what they serve.

mod support;

use std::time::{Duration, Instant};

use serde_json::{json, Value};
use support::nodes::{answer, backend, free_port, until_all_answer, NodeProcess, Relay};
use support::process::ServerProcess;

const PROXIES: &str = "/apiops/projects/MyProject/apiProxies";

async fn call(server: &ServerProcess, method: &str, path: &str, body: Option<Value>) -> (u16, Value) {
    support::nodes::rest(&reqwest::Client::new(), server, method, path, body).await
}

async fn node_token(server: &ServerProcess, environment: &str) -> String {
    issue_node_token(server, environment).await.0
}

async fn issue_node_token(server: &ServerProcess, environment: &str) -> (String, i64) {
    let (status, body) = call(
        server,
        "POST",
        "/apiops/node-tokens/",
        Some(json!({"environment": environment, "name": "test node"})),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let result = &body["result"];
    (
        result["token"].as_str().unwrap().to_owned(),
        result["nodeToken"]["id"].as_i64().unwrap(),
    )
}

/// Creates (or changes) proxy `name` at `/name` routing to `backend`, and deploys it to production.
async fn deploy(server: &ServerProcess, name: &str, backend: &str) {
    let spec = json!({
        "name": name, "relativePath": format!("/{name}"), "deployList": ["production"],
        "routing": {"algorithm": "ROUND_ROBIN", "addressList": [{"address": backend, "weight": 1}]}
    });
    let (status, _) = call(server, "GET", &format!("{PROXIES}/{name}/"), None).await;
    let (status, body) = if status == 200 {
        call(server, "PUT", &format!("{PROXIES}/{name}/"), Some(spec)).await
    } else {
        call(server, "POST", &format!("{PROXIES}/"), Some(spec)).await
    };
    assert_eq!(status, 200, "{body}");
    let (status, body) = call(
        server,
        "POST",
        &format!("{PROXIES}/{name}/environments/production/"),
        None,
    )
    .await;
    assert_eq!(status, 200, "{body}");
}

async fn registry(server: &ServerProcess, query: &str) -> (u16, Value) {
    call(
        server,
        "GET",
        &format!("/apiops/environments/MyProject/production/nodes/{query}"),
        None,
    )
    .await
}

fn start_nodes(server: &ServerProcess, token: &str, dir: &std::path::Path, count: usize) -> Vec<NodeProcess> {
    (0..count)
        .map(|i| {
            NodeProcess::start(
                &server.url,
                "production",
                token,
                &dir.join(format!("node{i}")),
                &[],
            )
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn three_nodes_follow_deploys_undeploys_and_rollbacks_and_report_the_same_hash() {
    let dir = tempfile::tempdir().unwrap();
    let server = ServerProcess::start(dir.path(), true);
    let (one, two) = (backend("one").await, backend("two").await);
    let token = node_token(&server, "production").await;
    let nodes = start_nodes(&server, &token, dir.path(), 3);
    let all: Vec<&NodeProcess> = nodes.iter().collect();
    let limit = Duration::from_secs(5);

    deploy(&server, "remote", &one).await;
    until_all_answer(&all, "/remote", "one", limit).await;
    let (status, body) = registry(&server, "?waitSeconds=10").await;
    assert_eq!(status, 200, "{body}");
    let result = &body["result"];
    assert_eq!(result["inSync"], true, "{body}");
    let listed = result["nodes"].as_array().unwrap();
    assert_eq!(listed.len(), 3, "{body}");
    for n in listed {
        assert_eq!(n["state"], "IN_SYNC", "{body}");
        assert_eq!(n["appliedHash"], result["liveHash"], "{body}");
        assert_eq!(n["appliedVersion"], result["liveVersion"], "{body}");
        assert!(nodes.iter().any(|p| p.node_id == n["nodeId"]), "{body}");
    }

    deploy(&server, "remote", &two).await;
    until_all_answer(&all, "/remote", "two", limit).await;
    let (status, body) = call(
        &server,
        "POST",
        &format!("{PROXIES}/remote/deploy-histories/1/rollback/?environmentName=production"),
        None,
    )
    .await;
    assert_eq!(status, 200, "{body}");
    until_all_answer(&all, "/remote", "one", limit).await;
    let (status, body) = call(
        &server,
        "DELETE",
        &format!("{PROXIES}/remote/environments/production/"),
        None,
    )
    .await;
    assert_eq!(status, 200, "{body}");
    until_all_answer(&all, "/remote", "404", limit).await;
    let (status, body) = registry(&server, "?waitSeconds=10").await;
    assert_eq!((status, &body["result"]["inSync"]), (200, &json!(true)), "{body}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn nodes_serve_through_a_kill_9_of_the_control_plane_start_from_their_cache_and_catch_up() {
    let dir = tempfile::tempdir().unwrap();
    let address = format!("127.0.0.1:{}", free_port());
    let mut server = ServerProcess::start_on(dir.path(), true, &address);
    let (one, two) = (backend("one").await, backend("two").await);
    let token = node_token(&server, "production").await;
    let nodes = start_nodes(&server, &token, dir.path(), 3);
    let all: Vec<&NodeProcess> = nodes.iter().collect();
    let mut fourth = NodeProcess::start(&server.url, "production", &token, &dir.path().join("fourth"), &[]);
    deploy(&server, "steady", &one).await;
    until_all_answer(&all, "/steady", "one", Duration::from_secs(5)).await;
    until_all_answer(&[&fourth], "/steady", "one", Duration::from_secs(5)).await;
    // The fourth node's cache is written once it applied; it stops before the control plane dies.
    tokio::time::sleep(Duration::from_millis(300)).await;
    fourth.kill_hard();

    // Continuous load through every node while the control plane is killed and stays dead for 10 s.
    let urls: Vec<String> = nodes.iter().map(|n| format!("{}/steady", n.url)).collect();
    let load = tokio::spawn(async move {
        let client = reqwest::Client::new();
        let (mut ok, mut failed) = (0u64, Vec::new());
        let started = Instant::now();
        while started.elapsed() < Duration::from_secs(10) {
            for url in &urls {
                match answer(&client, url).await.as_str() {
                    "one" => ok += 1,
                    other => failed.push(other.to_owned()),
                }
            }
        }
        (ok, failed)
    });
    tokio::time::sleep(Duration::from_millis(500)).await;
    server.kill_hard();

    // A node started while the control plane is down serves from its cache.
    let fourth = NodeProcess::start(&server.url, "production", &token, &fourth.cache_dir.clone(), &[]);
    until_all_answer(&[&fourth], "/steady", "one", Duration::from_secs(2)).await;
    assert!(
        fourth.log().contains("serving the last known good live set"),
        "{}",
        fourth.log()
    );

    // Corrupt caches are refused with one clear line, and nothing from them is served.
    let good = std::fs::read(fourth.cache_dir.join("live-set.json")).unwrap();
    let mut future = String::from_utf8(good.clone()).unwrap();
    future = future.replacen("portico-live-set 1 ", "portico-live-set 9 ", 1);
    let corruptions: [(&str, Vec<u8>, &str); 3] = [
        ("truncated", good[..good.len() / 2].to_vec(), "truncated"),
        (
            "random",
            (0..4096).map(|i| (i * 7919 % 251) as u8).collect(),
            "corrupt",
        ),
        ("future", future.into_bytes(), "newer than this node's"),
    ];
    for (name, bytes, words) in corruptions {
        let cache = dir.path().join(format!("corrupt-{name}"));
        std::fs::create_dir_all(&cache).unwrap();
        std::fs::write(cache.join("live-set.json"), bytes).unwrap();
        let node = NodeProcess::start(&server.url, "production", &token, &cache, &[]);
        tokio::time::sleep(Duration::from_millis(300)).await;
        let client = reqwest::Client::new();
        assert_eq!(
            answer(&client, &format!("{}/steady", node.url)).await,
            "404",
            "{name}"
        );
        let log = node.log();
        assert!(
            log.contains(words) && log.contains("is not served"),
            "{name}: {log}"
        );
    }

    let (ok, failed) = load.await.unwrap();
    assert!(
        failed.is_empty(),
        "{} of {} requests failed while the control plane was dead: {:?}",
        failed.len(),
        ok + failed.len() as u64,
        &failed[..failed.len().min(5)]
    );
    assert!(ok > 100, "only {ok} requests went through");

    // The control plane comes back on its port: every node reconnects, and a new deploy reaches them all.
    let server = ServerProcess::start_on(dir.path(), true, &address);
    deploy(&server, "steady", &two).await;
    let mut everyone = all.clone();
    everyone.push(&fourth);
    let took = until_all_answer(&everyone, "/steady", "two", Duration::from_secs(10)).await;
    let (status, body) = registry(&server, "?waitSeconds=10").await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["result"]["inSync"], true, "{body}");
    eprintln!("nodes caught up {took:?} after the restarted control plane's deploy");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_black_holed_stream_is_noticed_and_followed_again() {
    let dir = tempfile::tempdir().unwrap();
    let server = ServerProcess::start(dir.path(), true);
    let (one, two) = (backend("one").await, backend("two").await);
    let token = node_token(&server, "production").await;
    let target: std::net::SocketAddr = server.url.trim_start_matches("http://").parse().unwrap();
    let relay = Relay::start(target).await;
    let behind = NodeProcess::start(
        &format!("http://{}", relay.address),
        "production",
        &token,
        &dir.path().join("behind"),
        &[],
    );
    let direct = NodeProcess::start(&server.url, "production", &token, &dir.path().join("direct"), &[]);
    deploy(&server, "hole", &one).await;
    until_all_answer(&[&behind, &direct], "/hole", "one", Duration::from_secs(5)).await;

    relay.set_black_hole(true);
    // While the link is dead, deploys still answer at once and the other node follows them.
    let started = Instant::now();
    deploy(&server, "hole", &two).await;
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "a deploy took {:?}",
        started.elapsed()
    );
    until_all_answer(&[&direct], "/hole", "two", Duration::from_secs(5)).await;
    let client = reqwest::Client::new();
    assert_eq!(answer(&client, &format!("{}/hole", behind.url)).await, "one");
    tokio::time::sleep(Duration::from_secs(4)).await;
    assert!(
        behind.log().contains("nothing from the control plane"),
        "{}",
        behind.log()
    );

    relay.set_black_hole(false);
    until_all_answer(&[&behind], "/hole", "two", Duration::from_secs(10)).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_node_that_stops_reading_slows_neither_deploys_nor_other_nodes() {
    let dir = tempfile::tempdir().unwrap();
    let server = ServerProcess::start(dir.path(), true);
    let (one, two) = (backend("one").await, backend("two").await);
    let token = node_token(&server, "production").await;
    // A "node" that opens the feed and never reads a byte of it.
    let mut stuck = tokio::net::TcpStream::connect(server.url.trim_start_matches("http://"))
        .await
        .unwrap();
    use tokio::io::AsyncWriteExt;
    let request = format!(
        "GET /apiops/node-feed/?nodeId=stuck HTTP/1.1\r\nhost: x\r\nauthorization: Bearer {token}\r\n\r\n"
    );
    stuck.write_all(request.as_bytes()).await.unwrap();
    let node = NodeProcess::start(&server.url, "production", &token, &dir.path().join("reader"), &[]);
    let mut worst = Duration::ZERO;
    for round in 0..20 {
        let to = if round % 2 == 0 { &one } else { &two };
        let started = Instant::now();
        deploy(&server, "busy", to).await;
        worst = worst.max(started.elapsed());
        until_all_answer(
            &[&node],
            "/busy",
            if round % 2 == 0 { "one" } else { "two" },
            Duration::from_secs(3),
        )
        .await;
    }
    assert!(worst < Duration::from_secs(2), "a deploy took {worst:?}");
    drop(stuck);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wrong_and_revoked_tokens_get_401_and_a_node_sees_only_its_own_environment() {
    let dir = tempfile::tempdir().unwrap();
    let server = ServerProcess::start(dir.path(), true);
    let one = backend("one").await;
    deploy(&server, "secret", &one).await;
    let client = reqwest::Client::new();
    let feed = format!("{}/apiops/node-feed/?nodeId=n1", server.url);
    let user_token = server.token.clone().unwrap();
    for bad in ["ptn_nottherightone", user_token.as_str(), ""] {
        let r = client
            .get(&feed)
            .header("authorization", format!("Bearer {bad}"))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 401, "token {bad:?}");
    }

    // A node of another environment gets that environment's set, nothing of production's.
    let sandbox = node_token(&server, "staging").await;
    let mut r = client
        .get(&feed)
        .header("authorization", format!("Bearer {sandbox}"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let first = r.chunk().await.unwrap().unwrap();
    let line: Value = serde_json::from_slice(&first[..first.len() - 1]).unwrap();
    assert_eq!(line["type"], "full");
    assert_eq!(
        line["set"]["environment"].as_str().unwrap().to_lowercase(),
        "staging"
    );
    assert!(!String::from_utf8_lossy(&first).contains("secret"));
    let nodes_here = NodeProcess::start(&server.url, "staging", &sandbox, &dir.path().join("staging"), &[]);
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(
        answer(&client, &format!("{}/secret", nodes_here.url)).await,
        "404"
    );

    // Revoking a token closes its open stream at once; reconnecting gets 401.
    let (token, id) = issue_node_token(&server, "production").await;
    let mut stream = client
        .get(&feed)
        .header("authorization", format!("Bearer {token}"))
        .send()
        .await
        .unwrap();
    assert_eq!(stream.status(), 200);
    let _ = stream.chunk().await.unwrap();
    let (status, body) = call(&server, "DELETE", &format!("/apiops/node-tokens/{id}/"), None).await;
    assert_eq!(status, 200, "{body}");
    let started = Instant::now();
    loop {
        match tokio::time::timeout(Duration::from_secs(3), stream.chunk()).await {
            Ok(Ok(Some(_))) => continue,
            Ok(_) => break,
            Err(_) => panic!("the revoked token's stream stayed open"),
        }
    }
    assert!(
        started.elapsed() < Duration::from_secs(1),
        "closed after {:?}",
        started.elapsed()
    );
    let r = client
        .get(&feed)
        .header("authorization", format!("Bearer {token}"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_node_holds_one_stream_and_a_token_only_a_few() {
    let dir = tempfile::tempdir().unwrap();
    let server = ServerProcess::start(dir.path(), true);
    let token = node_token(&server, "production").await;
    let client = reqwest::Client::new();
    let open = |id: String| {
        let (client, url, token) = (client.clone(), server.url.clone(), token.clone());
        async move {
            client
                .get(format!("{url}/apiops/node-feed/?nodeId={id}"))
                .header("authorization", format!("Bearer {token}"))
                .send()
                .await
                .unwrap()
        }
    };
    // The same node connecting again replaces its old stream, which ends.
    let mut old = open("same".into()).await;
    assert_eq!(old.status(), 200);
    let _ = old.chunk().await.unwrap();
    let _new = open("same".into()).await;
    loop {
        match tokio::time::timeout(Duration::from_secs(3), old.chunk()).await {
            Ok(Ok(Some(_))) => continue,
            Ok(_) => break,
            Err(_) => panic!("the replaced stream stayed open"),
        }
    }
    // Sixteen streams per token; the seventeenth is refused.
    let mut held = Vec::new();
    for i in 0..15 {
        let r = open(format!("n{i}")).await;
        assert_eq!(r.status(), 200, "stream {i}");
        held.push(r);
    }
    let r = open("n-extra".into()).await;
    assert_eq!(r.status(), 429);
    let (status, body) = call(
        &server,
        "GET",
        "/apiops/environments/MyProject/production/nodes/",
        None,
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["result"]["nodes"].as_array().unwrap().len(), 16, "{body}");
}
