//! What the benchmarks share: a project `P` with environment `production` on a fresh database, a system
//! admin `bench` with a token, the router served on a loopback port, and the figures' arithmetic.

#![allow(dead_code)]

use std::time::Duration;

use deploy::environments::{Environment, EnvironmentType, NewEnvironment};
use deploy::projects::Project;
use deploy::users::Password;
use deploy::{environments, projects, users, Actor, Channel, ControlPlane};

/// The domain tests' helpers: a database of its own in the throw-away cluster.
#[path = "../../../deploy/tests/common/mod.rs"]
mod shared;

pub struct World {
    /// "sqlite" or "postgres": which backend the figures are for.
    pub backend: &'static str,
    /// The database URL (a second replica opens it too).
    pub url: String,
    pub cp: ControlPlane,
    pub dir: tempfile::TempDir,
    pub bench: Actor,
    pub token: String,
    pub project: Project,
    pub production: Environment,
}

/// A world on SQLite, then one on PostgreSQL when `make bench` runs beside a throw-away cluster
/// (PORTICO_TEST_POSTGRES_URL, as `.ci/postgres.sh` sets it): both backends' figures in one run.
pub async fn worlds() -> Vec<World> {
    let mut out = vec![world().await];
    if let Some(db) = shared::postgres_database().await {
        out.push(world_on("postgres", db.url.clone()).await);
    }
    out
}

pub async fn world() -> World {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}/portico.db", dir.path().display());
    world_in("sqlite", url, dir).await
}

async fn world_on(backend: &'static str, url: String) -> World {
    world_in(backend, url, tempfile::tempdir().unwrap()).await
}

async fn world_in(backend: &'static str, url: String, dir: tempfile::TempDir) -> World {
    let cp = ControlPlane::open(&url)
        .await
        .unwrap()
        // Backends in these benches (and the demo's) run on this machine, as `serve --demo` allows.
        .with_backend_policy(deploy::backends::BackendPolicy::allowing_loopback());
    let system = Actor::system(Channel::Cli);
    let user = users::create_user(&cp, &system, "bench", &Password::new("bench password"), true)
        .await
        .unwrap();
    let (token, _) = deploy::tokens::create_token(&cp, &system, "bench", "bench", None)
        .await
        .unwrap();
    let project = projects::create_project(&cp, &system, "P", "").await.unwrap();
    let env = NewEnvironment {
        name: "production".into(),
        env_type: EnvironmentType::Production,
        description: String::new(),
        access_url: None,
    };
    let production = environments::create_environment(&cp, &system, env).await.unwrap();
    environments::assign_environment(&cp, &system, "P", "production")
        .await
        .unwrap();
    World {
        backend,
        url,
        token: token.expose().to_owned(),
        bench: Actor::new(user, Channel::Cli),
        cp,
        dir,
        project,
        production,
    }
}

impl World {
    /// Serves the whole application on a free loopback port; its address.
    pub async fn serve(&self) -> std::net::SocketAddr {
        serve(self.cp.clone(), self.dir.path()).await
    }

    /// A second replica: another control plane on the same database, served on its own port.
    pub async fn replica(&self) -> std::net::SocketAddr {
        let cp = ControlPlane::open(&self.url)
            .await
            .unwrap()
            .with_backend_policy(deploy::backends::BackendPolicy::allowing_loopback());
        serve(cp, self.dir.path()).await
    }
}

async fn serve(cp: ControlPlane, site_root: &std::path::Path) -> std::net::SocketAddr {
    let app = server::app(cp, site_root.to_str().unwrap()).await.unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    // As `portico serve` does: no delayed-ACK stalls on pages streamed in chunks.
    let listener = axum::serve::ListenerExt::tap_io(listener, |tcp| {
        let _ = tcp.set_nodelay(true);
    });
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    addr
}

/// The p-th percentile of sorted samples, in milliseconds.
pub fn percentile(sorted: &[Duration], p: f64) -> f64 {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i].as_secs_f64() * 1000.0
}

/// `p50 x ms, p99 y ms (n=N`: the common middle of a bench line.
pub fn spread(sorted: &[Duration]) -> String {
    format!(
        "p50 {:.2} ms, p99 {:.2} ms (n={}",
        percentile(sorted, 0.5),
        percentile(sorted, 0.99),
        sorted.len()
    )
}
