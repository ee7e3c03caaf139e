//! Moving an installation: `portico admin copy-database` from SQLite to PostgreSQL (the demo data set, then
//! the same REST answers from both), refused into a database that holds data; `portico admin backup` of a
//! SQLite database that is being served.

mod support;

use axum::http::Method;
use std::process::Command;
use support::shared::{postgres_database, sqlite_database};
use support::Portico;

/// Reads the seed documents' flows answer from a database; equal lists mean the same installation.
const READS: &[&str] = &[
    "/apiops/projects/MyProject/apiProxies/",
    "/apiops/projects/MyProject/apiProxies/petstore-api/",
    "/apiops/projects/MyProject/apiProxies/petstore-api/deploy-histories/",
    "/apiops/projects/MyProject/apiProxies/petstore-api/deploy-histories/12/",
    "/apiops/projects/MyProject/apiProxyGroups/",
    "/apiops/projects/MyProject/apiProxyGroups/PaymentAPIGroup/",
    "/apiops/environments/MyProject/",
    "/apiops/environments/MyProject/production/nodes/",
];

async fn answers(p: &Portico, token: &str) -> Vec<(u16, String)> {
    let mut out = Vec::new();
    for path in READS {
        let a = p.call(Method::GET, path, Some(token), None).await;
        out.push((a.status.as_u16(), a.text));
    }
    out
}

fn copy(from: &str, to: &str) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_portico"))
        .args(["admin", "copy-database", "--from", from, "--to", to])
        .env("RUST_LOG", "warn")
        .output()
        .unwrap()
}

#[tokio::test]
async fn the_demo_moves_from_sqlite_to_postgresql_and_answers_alike_and_a_second_copy_is_refused() {
    let Some(pg) = postgres_database().await else {
        eprintln!("skipped: no PORTICO_TEST_POSTGRES_URL (make test runs the tests beside a cluster)");
        return;
    };
    let sqlite = sqlite_database();
    let (from, to) = (sqlite.url.clone(), pg.url.clone());
    let source = Portico::on(sqlite).await;
    let token = deploy::demo::load(&source.cp)
        .await
        .unwrap()
        .token
        .expose()
        .to_owned();

    let out = copy(&from, &to);
    let said = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{said}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        said.contains("every table's row count and fingerprint match"),
        "{said}"
    );
    let target = Portico::on(pg).await;

    // The same answers, with the same token (its digest moved with it).
    let before = answers(&source, &token).await;
    assert!(before.iter().all(|(s, _)| *s == 200), "{before:?}");
    assert_eq!(before, answers(&target, &token).await);
    // And the same next step: a deploy on each gets the next revision and the same answer.
    let deploy = "/apiops/projects/MyProject/apiProxies/petstore-api/environments/staging/";
    let (a, b) = (
        source.call(Method::POST, deploy, Some(&token), None).await,
        target.call(Method::POST, deploy, Some(&token), None).await,
    );
    assert_eq!((a.status, &a.text), (b.status, &b.text));
    let history = "/apiops/projects/MyProject/apiProxies/petstore-api/deploy-histories/";
    let (a, b) = (
        source.call(Method::GET, history, Some(&token), None).await,
        target.call(Method::GET, history, Some(&token), None).await,
    );
    assert_eq!(
        a.json["result"].as_array().map(Vec::len),
        b.json["result"].as_array().map(Vec::len)
    );

    // A second copy into what now holds data is refused and changes nothing.
    let rows = target.rows().await;
    let again = copy(&from, &to);
    assert!(!again.status.success());
    let why = String::from_utf8_lossy(&again.stderr);
    assert!(why.contains("not empty"), "{why}");
    assert_eq!(rows, target.rows().await);
}

#[tokio::test]
async fn a_served_sqlite_database_is_backed_up_whole_and_an_existing_file_is_never_overwritten() {
    let (p, _token) = Portico::demo().await;
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("backup.db");
    if support::shared::on_postgres() {
        let e = deploy::moving::backup(&p.cp, &file).await.unwrap_err();
        assert!(e.to_string().contains("pg_dump"), "{e}");
        return;
    }
    let report = deploy::moving::backup(&p.cp, &file).await.unwrap();
    assert!(report.bytes > 0);
    let copy = deploy::ControlPlane::open(&format!("sqlite://{}", file.display()))
        .await
        .unwrap();
    assert_eq!(support::rows_of(&p.cp).await, support::rows_of(&copy).await);
    let e = deploy::moving::backup(&p.cp, &file).await.unwrap_err();
    assert!(matches!(e, deploy::Error::Conflict(_)), "{e:?}");
}

#[tokio::test]
async fn a_missing_or_empty_source_is_refused_and_never_created() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("nowhere").join("portico.db");
    let target = sqlite_database();
    let out = copy(&format!("sqlite://{}", missing.display()), &target.url);
    assert!(!out.status.success());
    assert!(!missing.exists(), "copy-database created its source");
    // A database with the schema but no data is not what anyone meant to copy.
    let empty = sqlite_database();
    deploy::ControlPlane::open(&empty.url)
        .await
        .unwrap()
        .close()
        .await;
    let out = copy(&empty.url, &target.url);
    assert!(!out.status.success());
    let why = String::from_utf8_lossy(&out.stderr);
    assert!(why.contains("holds no users, projects or environments"), "{why}");
}
