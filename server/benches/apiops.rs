#![recursion_limit = "256"]
//! `make bench`: deploy latency and throughput through the REST API on loopback, beside the raw SQLite commit
//! rate of this machine measured in the same run (the ceiling the sustained figure is compared with).

use std::str::FromStr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use deploy::model::{GroupSpec, ProxySpec};
use deploy::{groups, proxies};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqliteSynchronous};
use sqlx::{ConnectOptions, Connection};

const GROUP_SIZE: usize = 50;
const CLIENTS: usize = 32;
const SUSTAINED: Duration = Duration::from_secs(10);

mod common;

use common::spread;

async fn timed(client: &reqwest::Client, url: &str, token: &str, n: usize) -> Vec<Duration> {
    let mut out = Vec::with_capacity(n);
    for _ in 0..n {
        let started = Instant::now();
        let r = client.post(url).bearer_auth(token).send().await.expect("request");
        assert!(r.status().is_success(), "{url}: {}", r.status());
        let body = r.text().await.expect("body");
        assert!(
            body.contains(r#""success":true,"message":"Deployment completed successfully""#)
                || body.contains("\"success\":true"),
            "{body}"
        );
        out.push(started.elapsed());
    }
    out.sort();
    out
}

/// Commits per second of the smallest write transaction, with Portico's own settings (WAL, synchronous
/// FULL, BEGIN IMMEDIATE), on one connection for three seconds.
async fn commit_ceiling(folder: &std::path::Path) -> f64 {
    let url = format!("sqlite://{}/ceiling.db", folder.display());
    let mut conn = SqliteConnectOptions::from_str(&url)
        .unwrap()
        .create_if_missing(true)
        .journal_mode(SqliteJournalMode::Wal)
        .synchronous(SqliteSynchronous::Full)
        .connect()
        .await
        .unwrap();
    sqlx::query("CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT)")
        .execute(&mut conn)
        .await
        .unwrap();
    let started = Instant::now();
    let mut commits = 0u64;
    while started.elapsed() < Duration::from_secs(3) {
        let mut tx = conn.begin_with("BEGIN IMMEDIATE").await.unwrap();
        sqlx::query("INSERT INTO t (v) VALUES ('x')")
            .execute(&mut *tx)
            .await
            .unwrap();
        tx.commit().await.unwrap();
        commits += 1;
    }
    commits as f64 / started.elapsed().as_secs_f64()
}

/// Deploys from `CLIENTS` clients for `SUSTAINED`, spread over the servers at `addrs`; deploys per second and
/// errors.
async fn sustained(client: &reqwest::Client, addrs: &[std::net::SocketAddr], token: &str) -> (f64, u64) {
    let ok = Arc::new(AtomicU64::new(0));
    let errors = Arc::new(AtomicU64::new(0));
    let started = Instant::now();
    let mut tasks = Vec::new();
    for i in 0..CLIENTS {
        let (client, token, ok, errors) = (client.clone(), token.to_owned(), ok.clone(), errors.clone());
        let url = format!(
            "http://{}/apiops/projects/P/apiProxies/api{i}/environments/production/",
            addrs[i % addrs.len()]
        );
        tasks.push(tokio::spawn(async move {
            while started.elapsed() < SUSTAINED {
                match client.post(&url).bearer_auth(&token).send().await {
                    Ok(r) if r.status().is_success() => {
                        let _ = r.bytes().await;
                        ok.fetch_add(1, Ordering::Relaxed);
                    }
                    _ => {
                        errors.fetch_add(1, Ordering::Relaxed);
                    }
                }
            }
        }));
    }
    for t in tasks {
        t.await.unwrap();
    }
    (
        ok.load(Ordering::Relaxed) as f64 / started.elapsed().as_secs_f64(),
        errors.load(Ordering::Relaxed),
    )
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    for world in common::worlds().await {
        measure(&world).await;
    }
}

async fn measure(world: &common::World) {
    let (cp, token, system, backend) = (&world.cp, &world.token, &world.bench, world.backend);
    let targets = ["production".to_owned()];
    let mut members = Vec::new();
    for i in 0..GROUP_SIZE.max(CLIENTS) {
        let spec = ProxySpec {
            relative_path: format!("/api{i}"),
            ..Default::default()
        };
        proxies::create_proxy(cp, system, "P", &format!("api{i}"), spec, &targets)
            .await
            .unwrap();
        if i < GROUP_SIZE {
            members.push(format!("api{i}"));
        }
    }
    groups::create_group(cp, system, "P", "G", GroupSpec::default(), &members)
        .await
        .unwrap();

    let addr = world.serve().await;
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(64)
        .build()
        .unwrap();
    let base = format!("http://{addr}/apiops/projects/P");

    let single_url = format!("{base}/apiProxies/api0/environments/production/");
    timed(&client, &single_url, token, 100).await; // warm-up
    let single = timed(&client, &single_url, token, 1000).await;
    let group_url = format!("{base}/apiProxyGroups/G/environments/production/");
    timed(&client, &group_url, token, 10).await;
    let group = timed(&client, &group_url, token, 200).await;
    let (rate, errors) = sustained(&client, &[addr], token).await;

    let target = if backend == "postgres" {
        ("3", "40")
    } else {
        ("3", "25")
    };
    println!(
        "bench: [{backend}] single-proxy deploy over HTTP {}; target p50 < {} ms)",
        spread(&single),
        target.0
    );
    println!(
        "bench: [{backend}] group deploy ({GROUP_SIZE} members) {}; target p50 < {} ms)",
        spread(&group),
        target.1
    );
    if backend == "sqlite" {
        let ceiling = commit_ceiling(world.dir.path()).await;
        println!(
            "bench: [sqlite] sustained deploys from {CLIENTS} clients for {}s: {rate:.0}/s, {errors} errors; SQLite commit ceiling {ceiling:.0}/s; ratio {:.0}% (target >= 1000/s, 0 errors)",
            SUSTAINED.as_secs(),
            100.0 * rate / ceiling
        );
    } else {
        let second = world.replica().await;
        let (replicated, replica_errors) = sustained(&client, &[addr, second], token).await;
        println!(
            "bench: [postgres] sustained deploys from {CLIENTS} clients for {}s: {rate:.0}/s, {errors} errors; through two replicas {replicated:.0}/s, {replica_errors} errors (target 0 errors)",
            SUSTAINED.as_secs(),
        );
    }
}
