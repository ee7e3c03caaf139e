#![recursion_limit = "256"]
//! `make bench`: server-side render time of the console's project page and API proxy page, with 1,000 API
//! proxies and 10,000 deploy history records in the database (full page, every resource resolved); then the
//! overview with those proxies live across ten environments.

mod common;

use std::time::{Duration, Instant};

use common::spread;
use deploy::model::ProxySpec;
use deploy::proxies;

const PROXIES: usize = 1000;
const RECORDS_PER_PROXY: usize = 10;
const ENVIRONMENTS: usize = 10;

async fn timed(client: &reqwest::Client, url: &str, cookie: &str, n: usize, shows: &str) -> Vec<Duration> {
    let mut out = Vec::with_capacity(n);
    for _ in 0..n {
        let started = Instant::now();
        let r = client
            .get(url)
            .header("Cookie", cookie)
            .send()
            .await
            .expect("request");
        assert!(r.status().is_success(), "{url}: {}", r.status());
        let page = r.text().await.expect("body");
        assert!(page.contains(shows), "{url} did not render its data");
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
    let targets = ["production".to_owned()];
    for i in 0..PROXIES {
        let spec = ProxySpec {
            relative_path: format!("/api{i}"),
            ..Default::default()
        };
        proxies::create_proxy(&world.cp, &world.bench, "P", &format!("api{i}"), spec, &targets)
            .await
            .unwrap();
    }
    // Ten records per proxy, written straight to the table: the deploys themselves are benchmarked elsewhere.
    sqlx::query(if world.backend == "postgres" {
        "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < $1)
         INSERT INTO deploy_history (proxy_id, revision, action, environment_name, username, at, description,
            persistent, snapshot, public_id)
         SELECT a.id, n.i, 'DEPLOY', 'production', 'bench', '2026-01-01T00:00:00Z', 'bench record', FALSE,
            json_build_object('name', a.name, 'proxy', a.config::json)::text, md5(a.id || '-' || n.i)
         FROM api_proxies a, n"
    } else {
        "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < $1)
         INSERT INTO deploy_history (proxy_id, revision, action, environment_name, username, at, description,
            persistent, snapshot, public_id)
         SELECT a.id, n.i, 'DEPLOY', 'production', 'bench', '2026-01-01T00:00:00Z', 'bench record', 0,
            json_object('name', a.name, 'proxy', json(a.config)), lower(hex(randomblob(16)))
         FROM api_proxies a, n"
    })
    .bind(RECORDS_PER_PROXY as i64)
    .execute(world.cp.pool())
    .await
    .unwrap();
    sqlx::query("UPDATE api_proxies SET last_revision = $1")
        .bind(RECORDS_PER_PROXY as i64)
        .execute(world.cp.pool())
        .await
        .unwrap();
    let records: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM deploy_history")
        .fetch_one(world.cp.pool())
        .await
        .unwrap();

    let addr = world.serve().await;
    let client = reqwest::Client::new();
    let login = client
        .post(format!("http://{addr}/api/login"))
        .header("Content-Type", "application/x-www-form-urlencoded")
        .body("username=bench&password=bench+password")
        .send()
        .await
        .unwrap();
    let cookie = login
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|v| v.starts_with("portico_session="))
        .and_then(|v| v.split(';').next())
        .expect("a session cookie")
        .to_owned();

    let project = format!("http://{addr}/projects/P");
    let proxy = format!("http://{addr}/projects/P/proxies/api0");
    let history = format!("http://{addr}/projects/P/proxies/api0/history");
    timed(&client, &project, &cookie, 10, "api0").await;
    let project_page = timed(&client, &project, &cookie, 200, "api0").await;
    let proxy_page = timed(&client, &proxy, &cookie, 200, "api0").await;
    let history_page = timed(&client, &history, &cookie, 200, "api0").await;
    println!(
        "bench: [{}] SSR with {PROXIES} proxies, {records} history records: project page {}; proxy page {}; history page {}; target p50 < 15 ms)",
        world.backend,
        spread(&project_page),
        spread(&proxy_page),
        spread(&history_page)
    );

    // The overview: ten environments, every proxy live in one of them (written straight to the table, as
    // the history above).
    for i in 1..ENVIRONMENTS {
        let name = format!("env-{i}");
        let env = deploy::environments::NewEnvironment {
            name: name.clone(),
            env_type: deploy::environments::EnvironmentType::Test,
            description: String::new(),
            access_url: None,
        };
        deploy::environments::create_environment(&world.cp, &world.bench, env)
            .await
            .unwrap();
        deploy::environments::assign_environment(&world.cp, &world.bench, "P", &name)
            .await
            .unwrap();
    }
    let environments: Vec<i64> = sqlx::query_scalar("SELECT id FROM environments ORDER BY id")
        .fetch_all(world.cp.pool())
        .await
        .unwrap();
    let proxy_ids: Vec<i64> = sqlx::query_scalar("SELECT id FROM api_proxies ORDER BY id")
        .fetch_all(world.cp.pool())
        .await
        .unwrap();
    for (i, id) in proxy_ids.iter().enumerate() {
        sqlx::query(
            "INSERT INTO deployments (proxy_id, environment_id, revision, snapshot, deployed_by, deployed_at)
             SELECT proxy_id, $2, revision, snapshot, username, at FROM deploy_history
             WHERE proxy_id = $1 AND revision = $3",
        )
        .bind(id)
        .bind(environments[i % environments.len()])
        .bind(RECORDS_PER_PROXY as i64)
        .execute(world.cp.pool())
        .await
        .unwrap();
    }
    let overview = format!("http://{addr}/");
    timed(&client, &overview, &cookie, 10, "Environment env-9").await;
    let overview_page = timed(&client, &overview, &cookie, 200, "Environment env-9").await;
    println!(
        "bench: [{}] SSR overview with {} environments and {} live proxies: {}",
        world.backend,
        environments.len(),
        proxy_ids.len(),
        spread(&overview_page)
    );
}
