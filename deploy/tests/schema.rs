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

/// Migrations 0009 and 0010 on a database written before them: a node that had applied nothing (-1, ''), a
/// record with no environment ('') and an environment with no access URL ('') read as nothing (NULL)
/// afterwards, and what was real is kept as it was.
#[tokio::test]
async fn the_no_sentinel_migrations_turn_made_up_values_into_nothing() {
    let db = common::fresh_database().await;
    let postgres = common::on_postgres();
    let folder = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("migrations")
        .join(if postgres { "postgres" } else { "sqlite" });
    let mut files: Vec<_> = std::fs::read_dir(&folder)
        .unwrap()
        .map(|f| f.unwrap().path())
        .collect();
    files.sort();
    let url = if postgres {
        db.url.clone()
    } else {
        format!("{}?mode=rwc", db.url)
    };
    sqlx::any::install_default_drivers();
    let mut conn = <sqlx::AnyConnection as sqlx::Connection>::connect(&url)
        .await
        .unwrap();
    let run = |sql: String| sqlx::raw_sql(Box::leak(sql.into_boxed_str()));
    let (before, after): (Vec<_>, Vec<_>) = files
        .into_iter()
        .partition(|f| f.file_name().unwrap().to_str().unwrap() < "0009");
    for file in before {
        run(std::fs::read_to_string(file).unwrap())
            .execute(&mut conn)
            .await
            .unwrap();
    }
    let flag = if postgres { "FALSE" } else { "0" };
    run(format!(
        "INSERT INTO projects (public_id, name, created_at) VALUES ('p', 'P', '2026-01-01T00:00:00Z');
         INSERT INTO api_proxies (public_id, project_id, name, config, created_at, updated_at)
            SELECT 'a', id, 'a', '{{}}', '2026-01-01T00:00:00Z', '2026-01-01T00:00:00Z' FROM projects;
         INSERT INTO deploy_history (proxy_id, revision, action, environment_name, username, at, description,
            persistent, snapshot, public_id)
         SELECT id, 1, 'ROLLBACK', '', 'u', '2026-01-01T00:00:00Z', '', {flag}, '{{}}', 'r1' FROM api_proxies
         UNION ALL
         SELECT id, 2, 'DEPLOY', 'production', 'u', '2026-01-01T00:00:00Z', '', {flag}, '{{}}', 'r2'
            FROM api_proxies;
         INSERT INTO gateway_nodes (environment, node_id, applied_version, applied_hash, last_seen)
            VALUES ('production', 'new', -1, '', '2026-01-01T00:00:00Z'),
                   ('production', 'half', -1, 'xyz', '2026-01-01T00:00:00Z'),
                   ('production', 'old', 7, 'abc', '2026-01-01T00:00:00Z');
         INSERT INTO environments (public_id, name, env_type, description, access_url, created_at)
            VALUES ('e1', 'bare', 'TEST', '', '', '2026-01-01T00:00:00Z'),
                   ('e2', 'served', 'TEST', '', 'https://api.example.com', '2026-01-01T00:00:00Z');"
    ))
    .execute(&mut conn)
    .await
    .unwrap();
    for file in after {
        run(std::fs::read_to_string(file).unwrap())
            .execute(&mut conn)
            .await
            .unwrap();
    }
    let records: Vec<(i64, Option<String>)> =
        sqlx::query_as("SELECT revision, environment_name FROM deploy_history ORDER BY revision")
            .fetch_all(&mut conn)
            .await
            .unwrap();
    assert_eq!(records, [(1, None), (2, Some("production".into()))]);
    let nodes: Vec<(String, Option<i64>, Option<String>)> =
        sqlx::query_as("SELECT node_id, applied_version, applied_hash FROM gateway_nodes ORDER BY node_id")
            .fetch_all(&mut conn)
            .await
            .unwrap();
    assert_eq!(
        nodes,
        [
            ("half".into(), None, None),
            ("new".into(), None, None),
            ("old".into(), Some(7), Some("abc".into()))
        ]
    );
    let urls: Vec<(String, Option<String>)> =
        sqlx::query_as("SELECT name, access_url FROM environments ORDER BY name")
            .fetch_all(&mut conn)
            .await
            .unwrap();
    assert_eq!(
        urls,
        [
            ("bare".into(), None),
            ("served".into(), Some("https://api.example.com".into()))
        ]
    );
    // The made-up values cannot come back.
    let e = sqlx::query("UPDATE gateway_nodes SET applied_version = -1 WHERE node_id = 'old'")
        .execute(&mut conn)
        .await;
    assert!(e.is_err(), "{e:?}");
}

/// Replicas that start together on a new database all come up, and the migrations run once: each version is
/// recorded once, and the schema is whole.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn replicas_starting_together_migrate_once() {
    let db = common::fresh_database().await;
    let starts: Vec<_> = (0..8)
        .map(|_| {
            let url = db.url.clone();
            tokio::spawn(async move { ControlPlane::open(&url).await })
        })
        .collect();
    let mut opened = Vec::new();
    for start in starts {
        opened.push(start.await.unwrap().expect("every replica starts"));
    }
    let cp = &opened[0];
    let (versions, distinct): (i64, i64) =
        sqlx::query_as("SELECT COUNT(*), COUNT(DISTINCT version) FROM _sqlx_migrations WHERE success")
            .fetch_one(cp.pool())
            .await
            .unwrap();
    assert_eq!(versions, distinct, "a migration recorded twice");
    let folder = if common::on_postgres() {
        "postgres"
    } else {
        "sqlite"
    };
    let files = std::fs::read_dir(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("migrations")
            .join(folder),
    )
    .unwrap()
    .count() as i64;
    assert_eq!(versions, files, "every migration applied");
    for other in &opened {
        assert!(deploy::projects::list_projects(other, &common::system())
            .await
            .unwrap()
            .is_empty());
    }
}
