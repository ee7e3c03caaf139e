#![allow(dead_code)]
//! A world for gateway tests: a fresh database with project P and environment `test`, real backends on
//! port 0, and a gateway node serving `test`, fed by the control plane's live feed through the node's
//! `LiveSource` seam (as `portico serve` feeds its own gateways).

use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use deploy::deployments::{self, DeployOptions};
use deploy::environments::{self, EnvironmentType, NewEnvironment};
use deploy::model::{ProxySpec, Routing, RoutingAddress, RoutingAlgorithm};
use deploy::users::{self, Password};
use deploy::{projects, proxies, Actor, Channel, ControlPlane};
use http_body_util::Full;
use hyper::service::service_fn;
use hyper::{Request, Response};
use hyper_util::rt::TokioIo;
use tokio::net::TcpListener;

pub mod certs;

pub struct World {
    pub cp: ControlPlane,
    /// The database's URL, for a second node on the same file.
    pub database_url: String,
    pub root: Actor,
    pub node: Arc<gateway::Node>,
    pub url: String,
    _dir: tempfile::TempDir,
}

/// Short timeouts, so tests wait little.
pub async fn world() -> World {
    world_with(gateway::Options {
        connect_timeout: Duration::from_millis(500),
        response_timeout: Duration::from_millis(500),
        ..Default::default()
    })
    .await
}

pub async fn world_with(options: gateway::Options) -> World {
    let dir = tempfile::tempdir().unwrap();
    let database_url = format!("sqlite://{}/portico.db", dir.path().display());
    // The test backends run on this machine.
    let cp = ControlPlane::open(&database_url)
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
    let listener = gateway::bind("127.0.0.1:0".parse().unwrap()).await.unwrap();
    let url = format!("http://{}", listener.local_addr());
    let node = start(&cp, "test", listener, options).await;
    World {
        cp,
        database_url,
        root,
        node,
        url,
        _dir: dir,
    }
}

/// A node serving `environment` of `cp` on `listeners`.
pub async fn start(
    cp: &ControlPlane,
    environment: &str,
    listeners: gateway::Listeners,
    options: gateway::Options,
) -> Arc<gateway::Node> {
    let node = gateway::Node::new(environment, options, cp.backend_policy());
    node.serve(listeners);
    let feed = cp.live_feed().follow(cp, environment).await.unwrap();
    node.follow(Feed {
        cp: cp.clone(),
        receiver: feed,
        first: true,
    });
    node
}

/// Returns once `node` serves what the database says is live.
pub async fn sync(cp: &ControlPlane, node: &gateway::Node) {
    let env = node.environment().to_owned();
    let want = deploy::gateway::live_version(cp, &env).await.unwrap().unwrap();
    for _ in 0..1000 {
        if node.applied().version >= want {
            return;
        }
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
    panic!("the node did not reach version {want}");
}

/// The live feed as a node's source; records what the node serves, as `portico serve` does.
struct Feed {
    cp: ControlPlane,
    receiver: tokio::sync::watch::Receiver<Arc<deploy::live_feed::Published>>,
    first: bool,
}

impl gateway::LiveSource for Feed {
    async fn next(&mut self) -> Option<gateway::Update> {
        if !std::mem::take(&mut self.first) {
            self.receiver.changed().await.ok()?;
        }
        Some(gateway::Update::Set(Arc::clone(
            &self.receiver.borrow_and_update().set,
        )))
    }

    async fn applied(&mut self, applied: &gateway::Applied, live: &Arc<deploy::model::LiveSet>) {
        let served = live.served();
        let env = &live.environment;
        deploy::gateway::report_served(&self.cp, "test-node", env, applied.version, &served)
            .await
            .unwrap();
    }
}

pub fn routing(algorithm: RoutingAlgorithm, backends: &[(&Backend, u32)]) -> Routing {
    Routing {
        algorithm,
        address_list: backends
            .iter()
            .map(|(b, weight)| RoutingAddress {
                address: b.url.clone(),
                weight: *weight,
                soap_type: None,
            })
            .collect(),
    }
}

impl World {
    /// Creates (or updates) proxy `name` at `path` and deploys it to `test`; returns once the gateway
    /// serves the new revision.
    pub async fn deploy(&self, name: &str, spec: ProxySpec) {
        let exists = proxies::get_proxy(&self.cp, &self.root, "P", name).await.is_ok();
        if exists {
            proxies::update_proxy(&self.cp, &self.root, "P", name, spec, None)
                .await
                .unwrap();
        } else {
            proxies::create_proxy(&self.cp, &self.root, "P", name, spec, &["test".into()])
                .await
                .unwrap();
        }
        deployments::deploy_proxy(&self.cp, &self.root, "P", name, "test", &DeployOptions::default())
            .await
            .unwrap();
        self.sync().await;
    }

    /// Returns once the node serves what the database says is live.
    pub async fn sync(&self) {
        sync(&self.cp, &self.node).await
    }

    pub async fn undeploy(&self, name: &str) {
        deployments::undeploy_proxy(&self.cp, &self.root, "P", name, "test", &DeployOptions::default())
            .await
            .unwrap();
        self.sync().await;
    }
}

pub fn spec(path: &str, routing: Routing) -> ProxySpec {
    ProxySpec {
        relative_path: path.into(),
        routing,
        ..Default::default()
    }
}

/// A backend that answers "<id> <method> <path?query> xff=<X-Forwarded-For> host=<X-Forwarded-Host>" and
/// counts its requests.
pub struct Backend {
    pub id: String,
    pub url: String,
    pub hits: Arc<AtomicUsize>,
}

pub async fn backend(id: &str) -> Backend {
    backend_with_delay(id, Duration::ZERO).await
}

pub async fn backend_with_delay(id: &str, delay: Duration) -> Backend {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let hits = Arc::new(AtomicUsize::new(0));
    let (id_owned, counter) = (id.to_owned(), Arc::clone(&hits));
    tokio::spawn(async move {
        loop {
            let Ok((stream, _)) = listener.accept().await else {
                continue;
            };
            let (id, counter) = (id_owned.clone(), Arc::clone(&counter));
            tokio::spawn(async move {
                let service = service_fn(move |req: Request<hyper::body::Incoming>| {
                    let (id, counter) = (id.clone(), Arc::clone(&counter));
                    async move {
                        counter.fetch_add(1, Ordering::Relaxed);
                        if !delay.is_zero() {
                            tokio::time::sleep(delay).await;
                        }
                        let header = |name: &str| {
                            req.headers()
                                .get(name)
                                .and_then(|v| v.to_str().ok())
                                .unwrap_or("")
                                .to_owned()
                        };
                        let text = format!(
                            "{id} {} {} xff={} host={}",
                            req.method(),
                            req.uri().path_and_query().map(|p| p.as_str()).unwrap_or(""),
                            header("x-forwarded-for"),
                            header("x-forwarded-host"),
                        );
                        let mut r = Response::new(Full::new(Bytes::from(text)));
                        r.headers_mut().insert("x-backend", id.parse().unwrap());
                        Ok::<_, Infallible>(r)
                    }
                });
                let _ = hyper::server::conn::http1::Builder::new()
                    .serve_connection(TokioIo::new(stream), service)
                    .await;
            });
        }
    });
    Backend {
        id: id.to_owned(),
        url: format!("http://{addr}"),
        hits,
    }
}

/// An address nothing listens on.
pub async fn dead_backend() -> Backend {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr: SocketAddr = listener.local_addr().unwrap();
    drop(listener);
    Backend {
        id: "dead".into(),
        url: format!("http://{addr}"),
        hits: Arc::new(AtomicUsize::new(0)),
    }
}

pub async fn body(r: reqwest::Response) -> String {
    r.text().await.unwrap()
}

pub fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .pool_max_idle_per_host(64)
        .build()
        .unwrap()
}

/// A backend whose answer `answer` makes from the request head; it counts its requests.
pub async fn backend_answering<F>(answer: F) -> Backend
where
    F: Fn(&http::request::Parts) -> Response<Full<Bytes>> + Send + Sync + 'static,
{
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let hits = Arc::new(AtomicUsize::new(0));
    let (answer, counter) = (Arc::new(answer), Arc::clone(&hits));
    tokio::spawn(async move {
        loop {
            let Ok((stream, _)) = listener.accept().await else {
                continue;
            };
            let (answer, counter) = (Arc::clone(&answer), Arc::clone(&counter));
            tokio::spawn(async move {
                let service = service_fn(move |req: Request<hyper::body::Incoming>| {
                    counter.fetch_add(1, Ordering::Relaxed);
                    let (parts, _) = req.into_parts();
                    let r = answer(&parts);
                    async move { Ok::<_, Infallible>(r) }
                });
                let _ = hyper::server::conn::http1::Builder::new()
                    .serve_connection(TokioIo::new(stream), service)
                    .await;
            });
        }
    });
    Backend {
        id: "answering".into(),
        url: format!("http://{addr}"),
        hits,
    }
}

/// A backend that answers every request with a head promising `promised` bytes, sends `sent` of them, and
/// then stalls without closing the connection.
pub async fn stalling_backend(promised: usize, sent: usize) -> Backend {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let hits = Arc::new(AtomicUsize::new(0));
    let counter = Arc::clone(&hits);
    tokio::spawn(async move {
        loop {
            let Ok((mut stream, _)) = listener.accept().await else {
                continue;
            };
            counter.fetch_add(1, Ordering::Relaxed);
            tokio::spawn(async move {
                let mut head = [0u8; 4096];
                let _ = stream.read(&mut head).await;
                let reply = format!(
                    "HTTP/1.1 200 OK\r\ncontent-length: {promised}\r\n\r\n{}",
                    "x".repeat(sent)
                );
                let _ = stream.write_all(reply.as_bytes()).await;
                tokio::time::sleep(Duration::from_secs(60)).await;
            });
        }
    });
    Backend {
        id: "stalling".into(),
        url: format!("http://{addr}"),
        hits,
    }
}
