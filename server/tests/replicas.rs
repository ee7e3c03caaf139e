//! Several `portico serve` replicas on one PostgreSQL database, as real processes behind no balancer: a session
//! made on one works on the other, a deploy through one reaches a node fed by the other, writers through both
//! lose nothing and keep revisions contiguous, and neither a kill -9 of a replica nor an immediate restart of
//! PostgreSQL itself loses an acknowledged write or hangs a request. Runs in the PostgreSQL pass of `make test`.

mod support;

use std::collections::HashSet;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::json;
use support::nodes::{backend, until_all_answer, NodeProcess};
use support::process::{keep_every_record, open_database, ServerProcess};

const PROXIES: &str = "/apiops/projects/MyProject/apiProxies";
/// Proxies the writers deploy, each with its own path.
const WRITTEN: [&str; 4] = ["replica-a", "replica-b", "replica-c", "replica-d"];

async fn rest(
    server: &ServerProcess,
    method: &str,
    path: &str,
    body: Option<serde_json::Value>,
) -> (u16, serde_json::Value) {
    support::nodes::rest(&reqwest::Client::new(), server, method, path, body).await
}

async fn create(server: &ServerProcess, name: &str, address: &str) {
    let spec = json!({
        "name": name, "relativePath": format!("/{name}"), "deployList": ["production", "staging"],
        "routing": {"algorithm": "ROUND_ROBIN", "addressList": [{"address": address, "weight": 1}]}
    });
    let (status, body) = rest(server, "POST", &format!("{PROXIES}/"), Some(spec)).await;
    assert_eq!(status, 200, "{body}");
}

/// What the writers were told.
#[derive(Default)]
struct Tally {
    /// Descriptions of deploys answered as done.
    acknowledged: Mutex<Vec<String>>,
    /// Answers of 5xx or no answer, while the database was being restarted (counted, not failures).
    during_restart: AtomicU64,
    /// 5xx answers at any other time: failures.
    server_errors: Mutex<Vec<String>>,
    /// The slowest answer, in milliseconds: a hang shows here.
    slowest_ms: AtomicU64,
}

/// Deploys the proxies in turn through `urls` (one replica after the other) until `stop`.
async fn writer(
    urls: Vec<String>,
    auth: String,
    id: usize,
    tally: Arc<Tally>,
    stop: Arc<AtomicBool>,
    restarting: Arc<AtomicBool>,
) {
    let http = reqwest::Client::builder()
        .timeout(Duration::from_secs(30))
        .build()
        .unwrap();
    for n in 0.. {
        if stop.load(Ordering::Relaxed) {
            return;
        }
        let url = &urls[n % urls.len()];
        let proxy = WRITTEN[(id + n) % WRITTEN.len()];
        let description = format!("replicas-{id}-{n}");
        let started = Instant::now();
        let answer = http
            .post(format!("{url}{PROXIES}/{proxy}/environments/staging/"))
            .header("authorization", &auth)
            .header("content-type", "application/json")
            .body(json!({ "description": description }).to_string())
            .send()
            .await;
        tally
            .slowest_ms
            .fetch_max(started.elapsed().as_millis() as u64, Ordering::Relaxed);
        let during_restart = restarting.load(Ordering::Relaxed);
        match answer {
            Ok(r) if r.status().is_success() => {
                let text = r.text().await.unwrap_or_default();
                if text.contains(r#""success":true"#) {
                    tally.acknowledged.lock().unwrap().push(description);
                }
            }
            Ok(r) if r.status().is_server_error() && !during_restart => {
                let status = r.status();
                let text = r.text().await.unwrap_or_default();
                tally
                    .server_errors
                    .lock()
                    .unwrap()
                    .push(format!("{status} from {url}: {text}"));
            }
            Ok(_) => {
                if during_restart {
                    tally.during_restart.fetch_add(1, Ordering::Relaxed);
                }
            }
            // A replica killed on purpose answers nothing; the writer goes on with the other.
            Err(_) => {
                if during_restart {
                    tally.during_restart.fetch_add(1, Ordering::Relaxed);
                }
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_replicas_share_one_database_and_lose_nothing() {
    if !support::shared::on_postgres() {
        eprintln!(
            "skipped: replicas share a PostgreSQL database (the PostgreSQL pass of make test runs this)"
        );
        return;
    }
    let restart = std::env::var("PORTICO_TEST_POSTGRES_RESTART").expect("run under .ci/postgres.sh");
    let (dir_a, dir_b, nodes_dir) = (
        tempfile::tempdir().unwrap(),
        tempfile::tempdir().unwrap(),
        tempfile::tempdir().unwrap(),
    );
    let mut a = ServerProcess::start(dir_a.path(), true);
    // The second replica on the same database, started after the first has migrated and loaded the demo.
    std::fs::copy(
        dir_a.path().join("database-url"),
        dir_b.path().join("database-url"),
    )
    .unwrap();
    let mut b = ServerProcess::start(dir_b.path(), false);
    b.token = a.token.clone();
    let cp = open_database(dir_a.path()).await;
    keep_every_record(&cp).await;

    // A console session made through A is a session on B.
    let http = reqwest::Client::new();
    let password = a.password.clone().expect("the demo login");
    let signed_in = http
        .post(format!("{}/api/login", a.url))
        .header("content-type", "application/x-www-form-urlencoded")
        .header("accept", "application/json")
        .body(format!("username=admin&password={password}"))
        .send()
        .await
        .unwrap();
    assert_eq!(signed_in.status(), 200);
    let cookie = signed_in
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|c| c.starts_with("portico_session="))
        .and_then(|c| c.split(';').next())
        .expect("a session cookie")
        .to_owned();
    let me = http
        .post(format!("{}/api/current_user", b.url))
        .header("accept", "application/json")
        .header("cookie", &cookie)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(me.contains("\"admin\""), "B does not know A's session: {me}");

    // A deploy through A reaches a node fed by B.
    let (status, body) = rest(
        &a,
        "POST",
        "/apiops/node-tokens/",
        Some(json!({"environment": "production", "name": "on b"})),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let node_token = body["result"]["token"].as_str().unwrap().to_owned();
    let node = NodeProcess::start(
        &b.url,
        "production",
        &node_token,
        &nodes_dir.path().join("node"),
        &[],
    );
    let one = backend("one").await;
    create(&a, "across", &one).await;
    let (status, body) = rest(
        &a,
        "POST",
        &format!("{PROXIES}/across/environments/production/"),
        None,
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let propagation = until_all_answer(&[&node], "/across", "one", Duration::from_secs(5)).await;

    // Writers through both replicas.
    for name in WRITTEN {
        create(&a, name, &one).await;
    }
    let seconds = support::process::setting("PORTICO_REPLICA_SECONDS", 30);
    let clients = 64;
    let tally = Arc::new(Tally::default());
    let (stop, restarting) = (Arc::new(AtomicBool::new(false)), Arc::new(AtomicBool::new(false)));
    let auth = format!("Bearer {}", a.token.clone().unwrap());
    let tasks: Vec<_> = (0..clients)
        .map(|id| {
            tokio::spawn(writer(
                vec![a.url.clone(), b.url.clone()],
                auth.clone(),
                id,
                Arc::clone(&tally),
                Arc::clone(&stop),
                Arc::clone(&restarting),
            ))
        })
        .collect();
    tokio::time::sleep(Duration::from_secs(seconds / 2)).await;
    // A replica dies mid-write: the other goes on.
    a.kill_hard();
    tokio::time::sleep(Duration::from_secs(1)).await;
    // PostgreSQL itself restarts at once (no checkpoint): requests fail clearly meanwhile, then succeed again.
    restarting.store(true, Ordering::Relaxed);
    let restarted = std::process::Command::new("bash")
        .args(["-c", &restart])
        .output()
        .unwrap();
    assert!(
        restarted.status.success(),
        "{}",
        String::from_utf8_lossy(&restarted.stderr)
    );
    tokio::time::sleep(Duration::from_secs(1)).await;
    restarting.store(false, Ordering::Relaxed);
    let acknowledged_before_end = tally.acknowledged.lock().unwrap().len();
    tokio::time::sleep(Duration::from_secs(seconds / 2)).await;
    stop.store(true, Ordering::Relaxed);
    for t in tasks {
        t.await.unwrap();
    }
    assert!(b.alive(), "replica B died: {}", b.log());

    let errors = tally.server_errors.lock().unwrap().clone();
    assert!(errors.is_empty(), "{:#?}", &errors[..errors.len().min(10)]);
    let acknowledged = tally.acknowledged.lock().unwrap().clone();
    assert!(
        acknowledged.len() > acknowledged_before_end,
        "no deploy succeeded after PostgreSQL came back"
    );
    // Every acknowledged deploy is in the history, and each proxy's revisions run without a gap.
    let cp = open_database(dir_b.path()).await;
    let stored: HashSet<String> = sqlx::query_scalar::<_, String>("SELECT description FROM deploy_history")
        .fetch_all(cp.pool())
        .await
        .unwrap()
        .into_iter()
        .collect();
    let missing: Vec<&String> = acknowledged.iter().filter(|d| !stored.contains(*d)).collect();
    assert!(missing.is_empty(), "acknowledged but not stored: {missing:?}");
    for name in WRITTEN {
        let revisions: Vec<i64> = sqlx::query_scalar(
            "SELECT h.revision FROM deploy_history h JOIN api_proxies a ON a.id = h.proxy_id
             WHERE a.name = $1 ORDER BY h.revision",
        )
        .bind(name)
        .fetch_all(cp.pool())
        .await
        .unwrap();
        let expected: Vec<i64> = (1..=revisions.len() as i64).collect();
        assert_eq!(revisions, expected, "{name}: revisions not contiguous");
    }
    let slowest = tally.slowest_ms.load(Ordering::Relaxed);
    assert!(slowest < 30_000, "a request hung for {slowest} ms");
    drop(node);
    println!(
        "suite replicas (postgres): 2 replicas, {clients} clients, {seconds} s, {} deploys acknowledged and all stored, \
         0 5xx outside the restart, {} failed clearly while PostgreSQL restarted, slowest answer {slowest} ms, \
         deploy through A served by a node of B after {} ms, session of A valid on B",
        acknowledged.len(),
        tally.during_restart.load(Ordering::Relaxed),
        propagation.as_millis(),
    );
}
