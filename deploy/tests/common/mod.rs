#![allow(dead_code)]
use deploy::users::{self, Password, User};
use deploy::{Actor, Channel, ControlPlane};

/// Where a test's database lives: a temporary folder (SQLite), or a database of its own in the test cluster.
pub struct TestDatabase {
    pub url: String,
    _dir: Option<tempfile::TempDir>,
}

/// A fresh, empty database's URL on the backend this run tests: SQLite, or PostgreSQL when
/// PORTICO_TEST_BACKEND=postgres (`make test` runs the suites once each way, beside a throw-away cluster that
/// PORTICO_TEST_POSTGRES_URL names). A run asked for PostgreSQL without a cluster fails rather than skips.
pub async fn fresh_database() -> TestDatabase {
    if on_postgres() {
        return postgres_database().await.expect(
            "PORTICO_TEST_BACKEND=postgres needs PORTICO_TEST_POSTGRES_URL (run under .ci/postgres.sh)",
        );
    }
    sqlite_database()
}

/// A fresh SQLite database in a temporary folder.
pub fn sqlite_database() -> TestDatabase {
    let dir = tempfile::tempdir().expect("temp dir");
    TestDatabase {
        url: format!("sqlite://{}/portico.db", dir.path().display()),
        _dir: Some(dir),
    }
}

/// A fresh database of its own in the test cluster, when there is one (PORTICO_TEST_POSTGRES_URL).
pub async fn postgres_database() -> Option<TestDatabase> {
    let cluster = std::env::var("PORTICO_TEST_POSTGRES_URL").ok()?;
    static NEXT: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);
    let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let name = format!("t_{}_{n}", std::process::id());
    let mut admin = <sqlx::PgConnection as sqlx::Connection>::connect(&cluster)
        .await
        .expect("the test cluster answers");
    sqlx::query(&format!("CREATE DATABASE {name}"))
        .execute(&mut admin)
        .await
        .expect("create test database");
    let (base, _) = cluster.rsplit_once('/').expect("cluster URL");
    Some(TestDatabase {
        url: format!("{base}/{name}"),
        _dir: None,
    })
}

/// Whether this run tests the PostgreSQL backend (PORTICO_TEST_BACKEND=postgres).
pub fn on_postgres() -> bool {
    std::env::var("PORTICO_TEST_BACKEND").as_deref() == Ok("postgres")
}

/// The database URL that belongs to `dir`, for suites that start `portico` processes on a folder of their
/// own: the SQLite file in it, or a PostgreSQL database made the first time the folder asks (its URL kept in
/// the folder, so a restarted process finds the same database). Callable from sync and async code alike.
pub fn database_in(dir: &std::path::Path) -> String {
    if !on_postgres() {
        return format!("sqlite://{}/portico.db", dir.display());
    }
    let kept = dir.join("database-url");
    if let Ok(url) = std::fs::read_to_string(&kept) {
        return url;
    }
    // Its own thread and runtime: the caller may be inside a runtime already.
    let url = std::thread::spawn(|| {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap()
            .block_on(async { fresh_database().await.url })
    })
    .join()
    .expect("make a test database");
    std::fs::write(&kept, &url).expect("keep the database URL");
    url
}

/// A fresh control plane on its own database, which lasts as long as the returned guard.
pub async fn fresh() -> (ControlPlane, TestDatabase) {
    let db = fresh_database().await;
    let cp = ControlPlane::open(&db.url).await.expect("open database");
    (cp, db)
}

pub fn system() -> Actor {
    Actor::system(Channel::Cli)
}

pub async fn user(cp: &ControlPlane, name: &str, system_admin: bool) -> User {
    users::create_user(
        cp,
        &system(),
        name,
        &Password::new("correct horse battery"),
        system_admin,
    )
    .await
    .expect("create user")
}

pub fn as_console(user: &User) -> Actor {
    Actor::new(user.clone(), Channel::Console)
}

pub async fn count(cp: &ControlPlane, table: &str) -> i64 {
    sqlx::query_scalar(&format!("SELECT COUNT(*) FROM {table}"))
        .fetch_one(cp.pool())
        .await
        .unwrap()
}

/// The demo data set (the world the spec examples run against) and its admin, acting from the console.
pub async fn demo() -> (ControlPlane, TestDatabase, Actor) {
    let (cp, dir) = fresh().await;
    // The demo's backends run on this machine, as `portico serve --demo` allows.
    let cp = cp.with_backend_policy(deploy::backends::BackendPolicy::allowing_loopback());
    deploy::demo::load(&cp).await.expect("demo data set");
    let admin = users::find_user_by_name(&cp, deploy::demo::DEMO_USER)
        .await
        .unwrap()
        .expect("demo admin");
    (cp, dir, as_console(&admin))
}

/// A member of the demo project holding exactly `permissions`.
pub async fn member(
    cp: &ControlPlane,
    admin: &Actor,
    name: &str,
    permissions: &[deploy::access::Permission],
) -> Actor {
    let u = user(cp, name, false).await;
    deploy::access::set_member(cp, admin, deploy::demo::DEMO_PROJECT, name, false, permissions)
        .await
        .expect("set member");
    as_console(&u)
}

/// Every row of the tables a deploy, rollback, import or publish writes, as text: equal fingerprints mean
/// nothing changed.
pub async fn fingerprint(cp: &ControlPlane) -> String {
    let mut out = String::new();
    for (table, order) in [
        ("api_proxies", "id"),
        ("proxy_deploy_targets", "proxy_id, environment_id"),
        ("deployments", "proxy_id, environment_id"),
        ("deploy_history", "id"),
        ("api_proxy_groups", "id"),
        ("group_members", "group_id, proxy_id"),
        ("audit_log", "id"),
    ] {
        let postgres = cp.backend() == deploy::db::Backend::Postgres;
        let columns: String = sqlx::query_scalar(&if postgres {
            format!(
                "SELECT string_agg(column_name::text, ',' ORDER BY ordinal_position) FROM information_schema.columns
                 WHERE table_schema = current_schema() AND table_name = '{table}'"
            )
        } else {
            format!("SELECT group_concat(name) FROM pragma_table_info('{table}')")
        })
        .fetch_one(cp.pool())
        .await
        .unwrap();
        let rows: Vec<String> = sqlx::query_scalar(&if postgres {
            format!("SELECT json_build_array({columns})::text FROM {table} ORDER BY {order}")
        } else {
            format!("SELECT json_array({columns}) FROM {table} ORDER BY {order}")
        })
        .fetch_all(cp.pool())
        .await
        .unwrap_or_else(|e| panic!("{table}: {e}"));
        out.push_str(table);
        out.push('\n');
        for row in rows {
            out.push_str(&row);
            out.push('\n');
        }
    }
    out
}
