//! Crash safety: a real server is killed with SIGKILL at a random moment of a write-heavy loop, 20 times
//! (PORTICO_CRASH_ROUNDS to change it). After each kill the database passes SQLite's integrity check, every
//! operation the server acknowledged is there, and nothing half-written shows: each live deployment points at
//! a history record, revisions run without gaps up to the proxy's last revision. Prints one summary line.

mod support;

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use support::process::{keep_every_record, open_database, setting, ServerProcess};
use support::{multipart, Part, BOUNDARY};

const WRITERS: usize = 16;
const PROXIES: [&str; 3] = ["petstore-api", "payment-api", "payment-refunds-api"];

#[derive(Default)]
struct Acknowledged {
    /// Descriptions of deploys and undeploys the server answered as done.
    described: Mutex<Vec<String>>,
    rollbacks: AtomicU64,
    imports: AtomicU64,
}

async fn write_loop(
    url: String,
    auth: String,
    exports: Arc<Vec<Vec<u8>>>,
    acked: Arc<Acknowledged>,
    round: usize,
    writer: usize,
) {
    let http = reqwest::Client::new();
    for n in 0.. {
        let i = (writer + n) % PROXIES.len();
        let proxy = format!("{url}/apiops/projects/MyProject/apiProxies/{}", PROXIES[i]);
        let description = format!("ack-{round}-{writer}-{n}");
        let body = format!(r#"{{"description":"{description}"}}"#);
        let request = match n % 4 {
            0 | 1 => http
                .post(format!("{proxy}/environments/staging/"))
                .header("content-type", "application/json")
                .body(body),
            2 => http.post(format!("{proxy}/deploy-histories/1/rollback/")),
            _ => http
                .put(format!("{proxy}/import/"))
                .header(
                    "content-type",
                    format!("multipart/form-data; boundary={BOUNDARY}"),
                )
                .body(multipart(&[
                    Part::Text("metadata", "{}"),
                    Part::File("apiProxyExportFile", "export.zip", &exports[i]),
                ])),
        };
        // A request cut off by the kill is not acknowledged; the loop ends when the server is gone.
        let Ok(answer) = request.header("authorization", &auth).send().await else {
            return;
        };
        if !answer.status().is_success() {
            continue;
        }
        let Ok(text) = answer.text().await else { return };
        match n % 4 {
            0 | 1
                if text.contains(r#""environmentResults":[{"environmentName":"staging","success":true"#) =>
            {
                acked.described.lock().unwrap().push(description)
            }
            2 => {
                acked.rollbacks.fetch_add(1, Ordering::Relaxed);
            }
            3 => {
                acked.imports.fetch_add(1, Ordering::Relaxed);
            }
            _ => {}
        }
    }
}

/// Opens the database the killed server left and checks it; returns the history row count.
async fn check_after_kill(dir: &std::path::Path, acked: &Acknowledged, round: usize) -> i64 {
    let cp = open_database(dir).await;
    // PostgreSQL checks its own pages as it reads them; SQLite is asked.
    if !support::shared::on_postgres() {
        let integrity: String = sqlx::query_scalar("PRAGMA integrity_check")
            .fetch_one(cp.pool())
            .await
            .unwrap();
        assert_eq!(integrity, "ok", "round {round}");
    }
    let descriptions: Vec<String> = sqlx::query_scalar("SELECT description FROM deploy_history")
        .fetch_all(cp.pool())
        .await
        .unwrap();
    let stored: std::collections::HashSet<String> = descriptions.into_iter().collect();
    for d in acked.described.lock().unwrap().iter() {
        assert!(stored.contains(d), "round {round}: acknowledged {d} is missing");
    }
    let count = |action: &'static str| {
        let cp = cp.clone();
        async move {
            sqlx::query_scalar::<_, i64>("SELECT COUNT(*) FROM deploy_history WHERE action = $1")
                .bind(action)
                .fetch_one(cp.pool())
                .await
                .unwrap()
        }
    };
    assert!(
        count("ROLLBACK").await >= acked.rollbacks.load(Ordering::Relaxed) as i64,
        "round {round}: rollbacks lost"
    );
    assert!(
        count("IMPORT").await >= acked.imports.load(Ordering::Relaxed) as i64,
        "round {round}: imports lost"
    );
    // Nothing half-written: a live deployment always has its record, and no revision was skipped or doubled.
    let orphans: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM deployments d WHERE NOT EXISTS
           (SELECT 1 FROM deploy_history h WHERE h.proxy_id = d.proxy_id AND h.revision = d.revision)",
    )
    .fetch_one(cp.pool())
    .await
    .unwrap();
    assert_eq!(orphans, 0, "round {round}: a live deployment without its record");
    let broken: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM api_proxies a WHERE
           (SELECT COUNT(*) FROM deploy_history h WHERE h.proxy_id = a.id) > 0 AND a.last_revision !=
           (SELECT MAX(revision) FROM deploy_history h WHERE h.proxy_id = a.id)
           OR (SELECT MAX(revision) - MIN(revision) + 1 FROM deploy_history h WHERE h.proxy_id = a.id) !=
              (SELECT COUNT(*) FROM deploy_history h WHERE h.proxy_id = a.id)",
    )
    .fetch_one(cp.pool())
    .await
    .unwrap();
    assert_eq!(
        broken, 0,
        "round {round}: revisions with a gap or past the last revision"
    );
    let rows: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM deploy_history")
        .fetch_one(cp.pool())
        .await
        .unwrap();
    cp.close().await;
    rows
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn acknowledged_writes_survive_kill_9_and_nothing_is_half_written() {
    let rounds = setting("PORTICO_CRASH_ROUNDS", 20) as usize;
    let dir = tempfile::tempdir().unwrap();
    let first = ServerProcess::start(dir.path(), true);
    let auth = format!("Bearer {}", first.token.clone().unwrap());
    let mut exports = Vec::new();
    for name in PROXIES {
        exports.push(first.export(name).await);
    }
    let exports = Arc::new(exports);
    let setup = open_database(dir.path()).await;
    keep_every_record(&setup).await;
    setup.close().await;
    drop(first);

    let acked = Arc::new(Acknowledged::default());
    let mut seed = 0x2545_F491_4F6C_DD1Du64;
    let mut rows = 0;
    for round in 0..rounds {
        let mut server = ServerProcess::start(dir.path(), false);
        let writers: Vec<_> = (0..WRITERS)
            .map(|w| {
                tokio::spawn(write_loop(
                    server.url.clone(),
                    auth.clone(),
                    exports.clone(),
                    acked.clone(),
                    round,
                    w,
                ))
            })
            .collect();
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        tokio::time::sleep(Duration::from_millis(150 + seed % 850)).await;
        server.kill_hard();
        for w in writers {
            let _ = w.await;
        }
        rows = check_after_kill(dir.path(), &acked, round).await;
    }
    // A suite whose writes were all refused would prove nothing.
    assert!(
        !acked.described.lock().unwrap().is_empty() || rounds == 0,
        "no deploy was acknowledged in {rounds} rounds"
    );
    println!(
        "suite crash-safety ({}): {rounds} kill -9 rounds, {} acknowledged deploys, {} rollbacks, {} imports all present, {rows} history records, integrity ok every round, 0 half-written",
        if support::shared::on_postgres() { "postgres" } else { "sqlite" },
        acked.described.lock().unwrap().len(),
        acked.rollbacks.load(Ordering::Relaxed),
        acked.imports.load(Ordering::Relaxed),
    );
}
