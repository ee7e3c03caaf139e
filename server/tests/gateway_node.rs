//! Separate gateway nodes (`portico gateway`) serve what the REST API deploys, and follow every change.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use axum::body::Body;
use deploy::environments::{self, EnvironmentType, NewEnvironment};
use deploy::model::{ProxySpec, Routing, RoutingAddress};
use deploy::users::{self, Password};
use deploy::{projects, proxies, Actor, Channel, ControlPlane};
use http::{header, Method, Request, StatusCode};
use tower::ServiceExt;

/// Stops the node when the test ends, however it ends.
struct NodeProcess(Child);

impl Drop for NodeProcess {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn start_node(db: &str) -> (NodeProcess, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_portico"))
        .args([
            "gateway",
            "--environment",
            "test",
            "--listen",
            "127.0.0.1:0",
            // The test's backends run on this machine.
            "--allow-loopback-backends",
        ])
        .env("PORTICO_DATABASE_URL", db)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let url = line
        .trim()
        .strip_prefix("Gateway for test: ")
        .expect("the node prints its address")
        .to_owned();
    (NodeProcess(child), url)
}

async fn backend(answer: &'static str) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let app = axum::Router::new().fallback(move || async move { answer });
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    url
}

fn spec(backend: &str) -> ProxySpec {
    ProxySpec {
        relative_path: "/p".into(),
        routing: Routing {
            address_list: vec![RoutingAddress {
                address: backend.into(),
                weight: 1,
                soap_type: None,
            }],
            ..Default::default()
        },
        ..Default::default()
    }
}

async fn get(url: &str) -> Option<String> {
    let r = reqwest::get(url).await.ok()?;
    (r.status() == StatusCode::OK).then_some(())?;
    r.text().await.ok()
}

/// Waits (up to a generous limit; speed is measured by `make bench`) until `url` answers `expected`.
async fn until_serves(url: &str, expected: &str) -> bool {
    let deadline = Instant::now() + Duration::from_secs(10);
    while Instant::now() < deadline {
        if get(url).await.as_deref() == Some(expected) {
            return true;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    false
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_nodes_serve_one_environment_and_follow_deploys_made_through_the_rest_api() {
    let dir = tempfile::tempdir().unwrap();
    let db = format!("sqlite://{}/portico.db", dir.path().display());
    let cp = ControlPlane::open(&db)
        .await
        .unwrap()
        .with_backend_policy(deploy::backends::BackendPolicy::allowing_loopback());
    let system = Actor::system(Channel::Cli);
    let user = users::create_user(
        &cp,
        &system,
        "root",
        &Password::new("correct horse battery"),
        true,
    )
    .await
    .unwrap();
    let root = Actor::new(user, Channel::Console);
    let (token, _) = deploy::tokens::create_token(&cp, &system, "root", "test", None)
        .await
        .unwrap();
    projects::create_project(&cp, &root, "P", "").await.unwrap();
    let new = NewEnvironment {
        name: "test".into(),
        env_type: EnvironmentType::Test,
        description: String::new(),
        access_url: None,
    };
    environments::create_environment(&cp, &root, new).await.unwrap();
    environments::assign_environment(&cp, &root, "P", "test")
        .await
        .unwrap();
    let (v1, v2) = (backend("v1").await, backend("v2").await);
    proxies::create_proxy(&cp, &root, "P", "p", spec(&v1), &["test".into()])
        .await
        .unwrap();

    let app = server::app(cp.clone(), dir.path().to_str().unwrap())
        .await
        .unwrap();
    let token = token.expose().to_owned();
    let deploy = |app: axum::Router| {
        let token = token.clone();
        async move {
            let request = Request::builder()
                .method(Method::POST)
                .uri("/apiops/projects/P/apiProxies/p/environments/test/")
                .header(header::AUTHORIZATION, format!("Bearer {token}"))
                .body(Body::empty())
                .unwrap();
            assert_eq!(app.oneshot(request).await.unwrap().status(), StatusCode::OK);
        }
    };
    let (_a, a) = start_node(&db);
    let (_b, b) = start_node(&db);
    assert_eq!(get(&format!("{a}/p")).await, None, "nothing is deployed yet");
    deploy(app.clone()).await;
    assert!(until_serves(&format!("{a}/p"), "v1").await);
    assert!(until_serves(&format!("{b}/p"), "v1").await);
    proxies::update_proxy(&cp, &root, "P", "p", spec(&v2), None)
        .await
        .unwrap();
    deploy(app.clone()).await;
    assert!(until_serves(&format!("{a}/p"), "v2").await);
    assert!(until_serves(&format!("{b}/p"), "v2").await);
    // Both nodes report what they serve, for the console's environment page. A node writes its report just
    // after it swaps its table, so the report may trail what it serves by a moment.
    let deadline = Instant::now() + Duration::from_secs(10);
    let reports = loop {
        let reports = deploy::gateway::gateway_status(&cp, &root, "test", 60)
            .await
            .unwrap();
        let current = reports.len() == 2
            && reports.iter().all(|r| {
                r.routes.len() == 1
                    && (
                        r.routes[0].project.as_str(),
                        r.routes[0].proxy.as_str(),
                        r.routes[0].revision,
                    ) == ("P", "p", 2)
            });
        if current || Instant::now() > deadline {
            break reports;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    };
    assert_eq!(reports.len(), 2);
    assert!(
        reports.iter().all(|r| r.routes.len() == 1
            && (
                r.routes[0].project.as_str(),
                r.routes[0].proxy.as_str(),
                r.routes[0].revision
            ) == ("P", "p", 2)),
        "{reports:?}"
    );
}

#[tokio::test]
async fn metrics_are_served_in_prometheus_text_format_to_a_system_admin_only() {
    let dir = tempfile::tempdir().unwrap();
    let cp = ControlPlane::open(&format!("sqlite://{}/portico.db", dir.path().display()))
        .await
        .unwrap();
    let system = deploy::Actor::system(deploy::Channel::Cli);
    let password = deploy::users::Password::new("correct horse battery");
    let mut tokens = Vec::new();
    for (name, admin) in [("root", true), ("member", false)] {
        deploy::users::create_user(&cp, &system, name, &password, admin)
            .await
            .unwrap();
        let (token, _) = deploy::tokens::create_token(&cp, &system, name, "scrape", None)
            .await
            .unwrap();
        tokens.push(token.expose().to_owned());
    }
    let app = server::app(cp, dir.path().to_str().unwrap()).await.unwrap();
    let get = |token: Option<&str>| {
        let mut r = Request::get("/metrics");
        if let Some(t) = token {
            r = r.header(header::AUTHORIZATION, format!("Bearer {t}"));
        }
        app.clone().oneshot(r.body(Body::empty()).unwrap())
    };
    // Metrics name every project's API proxies: not for anyone, nor for a project member.
    assert_eq!(get(None).await.unwrap().status(), StatusCode::UNAUTHORIZED);
    assert_eq!(
        get(Some(&tokens[1])).await.unwrap().status(),
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        get(Some("not-a-token")).await.unwrap().status(),
        StatusCode::UNAUTHORIZED
    );
    let r = get(Some(&tokens[0])).await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert!(r.headers()[header::CONTENT_TYPE]
        .to_str()
        .unwrap()
        .starts_with("application/openmetrics-text; version=1.0.0"));
}
