//! The two backends hold the same schema, and their migrations stay in step: what keeps "the same behaviour on
//! SQLite and PostgreSQL" from drifting as migrations are added.

use std::collections::BTreeMap;

use deploy::ControlPlane;

mod common;

/// Table name -> its columns, in order.
type Schema = BTreeMap<String, Vec<String>>;

async fn sqlite_schema(cp: &ControlPlane) -> Schema {
    let rows: Vec<(String, String)> = sqlx::query_as(
        "SELECT m.name, c.name FROM sqlite_master m, pragma_table_info(m.name) c
         WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite_%' AND m.name NOT LIKE '\\_sqlx%' ESCAPE '\\'
         ORDER BY m.name, c.cid",
    )
    .fetch_all(cp.pool())
    .await
    .unwrap();
    group(rows)
}

async fn postgres_schema(cp: &ControlPlane) -> Schema {
    let rows: Vec<(String, String)> = sqlx::query_as(
        "SELECT table_name::text, column_name::text FROM information_schema.columns c
         JOIN information_schema.tables t USING (table_schema, table_name)
         WHERE table_schema = current_schema() AND t.table_type = 'BASE TABLE' AND table_name NOT LIKE '\\_sqlx%'
         ORDER BY table_name, ordinal_position",
    )
    .fetch_all(cp.pool())
    .await
    .unwrap();
    group(rows)
}

fn group(rows: Vec<(String, String)>) -> Schema {
    let mut schema = Schema::new();
    for (table, column) in rows {
        schema.entry(table).or_default().push(column);
    }
    schema
}

#[tokio::test]
async fn both_backends_hold_the_same_tables_and_columns() {
    let Some(pg) = common::postgres_database().await else {
        assert!(
            !common::on_postgres(),
            "PORTICO_TEST_BACKEND=postgres needs the test cluster"
        );
        eprintln!("skipped: no PORTICO_TEST_POSTGRES_URL (make test runs the tests beside a cluster)");
        return;
    };
    let sq = common::sqlite_database();
    let sqlite = ControlPlane::open(&sq.url).await.unwrap();
    let postgres = ControlPlane::open(&pg.url).await.unwrap();
    let (a, b) = (sqlite_schema(&sqlite).await, postgres_schema(&postgres).await);
    assert!(a.len() >= 15, "{a:?}");
    assert_eq!(a, b, "SQLite's schema (left) and PostgreSQL's (right) differ");
}

/// Versions at or below this are the PostgreSQL baseline (0007_baseline.sql), which stands for SQLite's first
/// seven; every later version is in both folders.
const BASELINE: u32 = 7;

fn versions(folder: &str) -> Vec<(u32, String)> {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("migrations")
        .join(folder);
    let mut out: Vec<(u32, String)> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .map(|f| (f.split('_').next().unwrap().parse().unwrap(), f))
        .collect();
    out.sort();
    out
}

#[test]
fn every_migration_after_the_baseline_lands_in_both_folders() {
    let sqlite: Vec<u32> = versions("sqlite")
        .into_iter()
        .map(|(v, _)| v)
        .filter(|v| *v > BASELINE)
        .collect();
    let postgres: Vec<(u32, String)> = versions("postgres");
    assert_eq!(postgres.first().map(|(v, _)| *v), Some(BASELINE), "{postgres:?}");
    let later: Vec<u32> = postgres
        .into_iter()
        .map(|(v, _)| v)
        .filter(|v| *v > BASELINE)
        .collect();
    assert_eq!(
        sqlite, later,
        "migrations after {BASELINE} in sqlite/ (left) and postgres/ (right)"
    );
}
