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
