//! What the benchmarks share: a project `P` with environment `production` on a fresh database, a system
//! admin `bench` with a token, the router served on a loopback port, and the figures' arithmetic.

#![allow(dead_code)]

use std::time::Duration;

use deploy::environments::{Environment, EnvironmentType, NewEnvironment};
use deploy::projects::Project;
use deploy::users::Password;
use deploy::{environments, projects, users, Actor, Channel, ControlPlane};

pub struct World {
    pub cp: ControlPlane,
    pub dir: tempfile::TempDir,
    pub bench: Actor,
    pub token: String,
    pub project: Project,
    pub production: Environment,
}

pub async fn world() -> World {
    let dir = tempfile::tempdir().unwrap();
    let cp = ControlPlane::open(&format!("sqlite://{}/portico.db", dir.path().display()))
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
        access_url: String::new(),
    };
    let production = environments::create_environment(&cp, &system, env).await.unwrap();
    environments::assign_environment(&cp, &system, "P", "production")
        .await
        .unwrap();
    World {
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
        let app = server::app(self.cp.clone(), self.dir.path().to_str().unwrap())
            .await
            .unwrap();
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        // As `portico serve` does: no delayed-ACK stalls on pages streamed in chunks.
        let listener = axum::serve::ListenerExt::tap_io(listener, |tcp| {
            let _ = tcp.set_nodelay(true);
        });
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        addr
    }
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
