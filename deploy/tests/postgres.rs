//! The throw-away PostgreSQL cluster `make test` runs beside (`.ci/postgres.sh`) answers, is PostgreSQL 15 or
//! later, and lets a suite make a database of its own: what the storage suites on PostgreSQL (issue 14)
//! stand on. A plain `cargo test`, without PORTICO_TEST_POSTGRES_URL, says so and passes.

#[tokio::test]
async fn the_test_cluster_answers_and_gives_each_suite_a_database() {
    let Ok(url) = std::env::var("PORTICO_TEST_POSTGRES_URL") else {
        eprintln!("skipped: no PORTICO_TEST_POSTGRES_URL (make test runs the tests beside a cluster)");
        return;
    };
    let pool = sqlx::postgres::PgPoolOptions::new()
        .max_connections(1)
        .connect(&url)
        .await
        .expect("the test cluster answers");
    let version: i32 = sqlx::query_scalar("SELECT current_setting('server_version_num')::int")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert!(version >= 150000, "PostgreSQL {version} is older than 15");
    let name = format!("smoke_{}", std::process::id());
    sqlx::query(&format!("CREATE DATABASE {name}"))
        .execute(&pool)
        .await
        .unwrap();
    let own = url
        .rsplit_once('/')
        .map(|(base, _)| format!("{base}/{name}"))
        .unwrap();
    let theirs = sqlx::postgres::PgPoolOptions::new()
        .max_connections(1)
        .connect(&own)
        .await
        .unwrap();
    let answer: i32 = sqlx::query_scalar("SELECT 1").fetch_one(&theirs).await.unwrap();
    assert_eq!(answer, 1);
    theirs.close().await;
    sqlx::query(&format!("DROP DATABASE {name}"))
        .execute(&pool)
        .await
        .unwrap();
}
