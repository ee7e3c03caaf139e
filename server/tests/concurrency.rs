//! 64 clients against one real server for 30 s (PORTICO_CONCURRENCY_SECONDS to change it): deploys,
//! undeploys, rollbacks, imports and batch publishes on the same few API proxies. Afterwards: no answer was a
//! 5xx or "database is locked", every proxy's revisions are unique and contiguous, the history holds exactly
//! one record per revision the successful operations reported, and SQLite's integrity check passes.

mod support;

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use deploy::ControlPlane;
use support::process::{keep_every_record, open_database, setting, ServerProcess};
use support::{multipart, Part, BOUNDARY};

const CLIENTS: usize = 64;
const PROXIES: [&str; 3] = ["petstore-api", "payment-api", "payment-refunds-api"];
/// The demo's petstore-api, published to production by the batch-publish document's example body.
const PUBLISH_BODY: &str = r#"{"apis":["3a955b791bd24b1c9cd94c745f8d1aad"],"env_id":"DEFAULT_ENVIRONMENT_RELEASE_ID","remark":"load"}"#;

#[derive(Default)]
struct Tally {
    ok: AtomicU64,
    refused: AtomicU64,
    /// History records the successful answers account for.
    records: AtomicU64,
    failures: Mutex<Vec<String>>,
}

struct World {
    url: String,
    auth: String,
    publish: String,
    exports: Vec<Vec<u8>>,
    http: reqwest::Client,
}

/// A small, seedable generator, so each client's mix differs without a dependency.
fn next(state: &mut u64) -> u64 {
    *state ^= *state << 13;
    *state ^= *state >> 7;
    *state ^= *state << 17;
    *state
}

async fn one_operation(w: &World, tally: &Tally, roll: u64) {
    let i = (roll / 7) as usize % PROXIES.len();
    let proxy = format!("{}/apiops/projects/MyProject/apiProxies/{}", w.url, PROXIES[i]);
    let (request, records_on_success) = match roll % 6 {
        0 | 1 => (w.http.post(format!("{proxy}/environments/staging/")), 1),
        2 => (w.http.delete(format!("{proxy}/environments/staging/")), 1),
        3 => {
            let revision = 1 + (roll / 11) % 4;
            (
                w.http
                    .post(format!("{proxy}/deploy-histories/{revision}/rollback/")),
                1,
            )
        }
        4 => {
            let body = multipart(&[
                Part::Text("metadata", "{}"),
                Part::File("apiProxyExportFile", "export.zip", &w.exports[i]),
            ]);
            let request = w
                .http
                .put(format!("{proxy}/import/"))
                .header(
                    "content-type",
                    format!("multipart/form-data; boundary={BOUNDARY}"),
                )
                .body(body);
            (request, 1)
        }
        _ => {
            let action = if (roll / 13).is_multiple_of(2) {
                "online"
            } else {
                "offline"
            };
            let request = w
                .http
                .post(format!("{}{}?action={action}", w.url, w.publish))
                .header("x-auth-token", &w.auth[7..])
                .header("content-type", "application/json")
                .body(PUBLISH_BODY);
            (request, 0)
        }
    };
    let answer = match request.header("authorization", &w.auth).send().await {
        Ok(a) => a,
        Err(e) => {
            tally.failures.lock().unwrap().push(format!("no answer: {e}"));
            return;
        }
    };
    let status = answer.status();
    let text = answer.text().await.unwrap_or_default();
    if status.is_server_error() || text.contains("database is locked") {
        tally.failures.lock().unwrap().push(format!("{status}: {text}"));
    } else if status.is_success() {
        tally.ok.fetch_add(1, Ordering::Relaxed);
        let records = records_written(&text, records_on_success);
        tally.records.fetch_add(records, Ordering::Relaxed);
    } else {
        tally.refused.fetch_add(1, Ordering::Relaxed);
    }
}

/// History records a successful answer accounts for: a deploy or undeploy answers 200 even when its
/// environment failed, so its environment results are counted; a publish lists its successes.
fn records_written(answer: &str, otherwise: u64) -> u64 {
    let v: serde_json::Value = serde_json::from_str(answer).unwrap_or_default();
    if let Some(results) = v["deploymentResult"]["environmentResults"].as_array() {
        results.iter().filter(|r| r["success"] == true).count() as u64
    } else if let Some(published) = v["success"].as_array() {
        published.len() as u64
    } else {
        otherwise
    }
}

async fn history_total(cp: &ControlPlane) -> u64 {
    sqlx::query_scalar::<_, i64>("SELECT COUNT(*) FROM deploy_history")
        .fetch_one(cp.pool())
        .await
        .unwrap() as u64
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sixty_four_clients_lose_nothing_and_never_see_a_locked_database() {
    let seconds = setting("PORTICO_CONCURRENCY_SECONDS", 30);
    let dir = tempfile::tempdir().unwrap();
    let server = ServerProcess::start(dir.path(), true);
    let auth = format!("Bearer {}", server.token.clone().unwrap());
    let http = reqwest::Client::new();
    let cp = open_database(dir.path()).await;
    keep_every_record(&cp).await;
    let mut exports = Vec::new();
    for name in PROXIES {
        exports.push(server.export(name).await);
    }
    let project = server.fetch_json("/apiops/projects/MyProject/").await;
    let gateway = server.fetch_json("/apiops/gateway/").await;
    let publish = format!(
        "/v2/{}/apigw/instances/{}/apis/publish",
        project["result"]["id"].as_str().unwrap(),
        gateway["result"]["id"].as_str().unwrap()
    );
    let before = history_total(&cp).await;
    let world = Arc::new(World {
        url: server.url.clone(),
        auth,
        publish,
        exports,
        http,
    });
    let tally = Arc::new(Tally::default());
    let end = Instant::now() + Duration::from_secs(seconds);
    let mut clients = Vec::new();
    for c in 0..CLIENTS {
        let (world, tally) = (world.clone(), tally.clone());
        clients.push(tokio::spawn(async move {
            let mut state = 0x9E37_79B9_7F4A_7C15u64 ^ (c as u64 + 1).wrapping_mul(0xBF58_476D_1CE4_E5B9);
            while Instant::now() < end {
                one_operation(&world, &tally, next(&mut state)).await;
            }
        }));
    }
    for c in clients {
        c.await.unwrap();
    }

    // Every proxy's revisions: unique, contiguous, ending at the proxy's last revision.
    let proxies: Vec<(i64, String, i64)> = sqlx::query_as("SELECT id, name, last_revision FROM api_proxies")
        .fetch_all(cp.pool())
        .await
        .unwrap();
    for (id, name, last) in &proxies {
        let revisions: Vec<i64> =
            sqlx::query_scalar("SELECT revision FROM deploy_history WHERE proxy_id = $1 ORDER BY revision")
                .bind(id)
                .fetch_all(cp.pool())
                .await
                .unwrap();
        if let Some(first) = revisions.first() {
            let expected: Vec<i64> = (*first..=*last).collect();
            assert_eq!(
                revisions, expected,
                "{name}: revisions not contiguous up to {last}"
            );
        }
    }
    let written = history_total(&cp).await - before;
    // PostgreSQL checks its own pages as it reads them; SQLite is asked.
    let integrity: String = if support::shared::on_postgres() {
        "ok".to_owned()
    } else {
        sqlx::query_scalar("PRAGMA integrity_check")
            .fetch_one(cp.pool())
            .await
            .unwrap()
    };
    let backend = if support::shared::on_postgres() {
        "postgres"
    } else {
        "sqlite"
    };
    let failures = tally.failures.lock().unwrap().clone();
    let (ok, refused) = (
        tally.ok.load(Ordering::Relaxed),
        tally.refused.load(Ordering::Relaxed),
    );
    println!(
        "suite concurrency ({backend}): {CLIENTS} clients, {seconds} s, {} operations ({ok} succeeded, {refused} refused as 4xx), {:.0} ops/s, {} 5xx or locked, {written} history records for {} reported, integrity {integrity}",
        ok + refused + failures.len() as u64,
        (ok + refused) as f64 / seconds as f64,
        failures.len(),
        tally.records.load(Ordering::Relaxed),
    );
    assert!(failures.is_empty(), "{:#?}", &failures[..failures.len().min(10)]);
    assert_eq!(integrity, "ok");
    assert_eq!(
        written,
        tally.records.load(Ordering::Relaxed),
        "history records against successful operations"
    );
    assert!(ok > 0 && refused > 0, "the mix exercised both outcomes");
}
