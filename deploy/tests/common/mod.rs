#![allow(dead_code)]
use deploy::users::{self, Password, User};
use deploy::{Actor, Channel, ControlPlane};

/// A fresh database in its own temporary folder, removed when the returned guard drops.
pub async fn fresh() -> (ControlPlane, tempfile::TempDir) {
    let dir = tempfile::tempdir().expect("temp dir");
    let url = format!("sqlite://{}/portico.db", dir.path().display());
    let cp = ControlPlane::open(&url).await.expect("open database");
    (cp, dir)
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
pub async fn demo() -> (ControlPlane, tempfile::TempDir, Actor) {
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
        let columns: String = sqlx::query_scalar(&format!(
            "SELECT group_concat(name) FROM pragma_table_info('{table}')"
        ))
        .fetch_one(cp.pool())
        .await
        .unwrap();
        let rows: Vec<String> = sqlx::query_scalar(&format!(
            "SELECT json_array({columns}) FROM {table} ORDER BY {order}"
        ))
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
