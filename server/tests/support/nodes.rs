//! Remote gateway nodes as real processes (`portico gateway --control-plane ...`), each with its own cache
//! dir as if on its own host, plus what the suites around them need: backends, a relay that can black-hole
//! traffic, and waiting for what every node serves.

use std::io::{BufRead, BufReader, Read};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

pub struct NodeProcess {
    child: Child,
    /// Where the node serves, e.g. http://127.0.0.1:PORT.
    pub url: String,
    pub node_id: String,
    pub cache_dir: PathBuf,
    log: PathBuf,
}

impl NodeProcess {
    /// Starts a node of `environment` following `control_plane`; returns once it listens.
    pub fn start(
        control_plane: &str,
        environment: &str,
        token: &str,
        cache_dir: &Path,
        extra: &[&str],
    ) -> Self {
        std::fs::create_dir_all(cache_dir).unwrap();
        let token_file = cache_dir.with_extension("token");
        std::fs::write(&token_file, format!("{token}\n")).unwrap();
        let log = cache_dir.with_extension("log");
        let log_file = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&log)
            .unwrap();
        let mut child = Command::new(env!("CARGO_BIN_EXE_portico"))
            .args([
                "gateway",
                "--control-plane",
                control_plane,
                "--environment",
                environment,
            ])
            .arg("--node-token-file")
            .arg(&token_file)
            .arg("--cache-dir")
            .arg(cache_dir)
            .args(["--listen", "127.0.0.1:0", "--allow-loopback-backends"])
            .args(extra)
            // A database URL that would fail if the node ever tried to open it.
            .env("PORTICO_DATABASE_URL", "sqlite:///nonexistent/never/opened.db")
            .env("RUST_LOG", "info")
            .stdout(Stdio::piped())
            .stderr(log_file)
            .spawn()
            .unwrap();
        let mut out = BufReader::new(child.stdout.take().unwrap());
        let mut line = String::new();
        out.read_line(&mut line).unwrap();
        std::thread::spawn(move || std::io::copy(&mut out, &mut std::io::sink()));
        // "Gateway for ENV: http://ADDR (node ID)"
        let rest = line
            .split_once(": ")
            .map(|(_, r)| r.trim())
            .unwrap_or_else(|| panic!("node printed {line:?}"));
        let (url, id) = rest.split_once(" (node ").unwrap();
        NodeProcess {
            child,
            url: url.to_owned(),
            node_id: id.trim_end_matches(')').to_owned(),
            cache_dir: cache_dir.to_path_buf(),
            log,
        }
    }

    pub fn log(&self) -> String {
        let mut text = String::new();
        if let Ok(mut f) = std::fs::File::open(&self.log) {
            let _ = f.read_to_string(&mut text);
        }
        text
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    pub fn kill_hard(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for NodeProcess {
    fn drop(&mut self) {
        self.kill_hard();
    }
}

/// Calls the REST API of `server` with its demo admin's token; the status and the JSON answer.
pub async fn rest(
    client: &reqwest::Client,
    server: &super::process::ServerProcess,
    method: &str,
    path: &str,
    body: Option<serde_json::Value>,
) -> (u16, serde_json::Value) {
    let token = server.token.as_deref().expect("a server with the demo data set");
    let mut request = client
        .request(method.parse().unwrap(), format!("{}{path}", server.url))
        .header("authorization", format!("Bearer {token}"));
    if let Some(body) = body {
        request = request
            .header("content-type", "application/json")
            .body(body.to_string());
    }
    let r = request.send().await.unwrap();
    let status = r.status().as_u16();
    (
        status,
        serde_json::from_str(&r.text().await.unwrap_or_default()).unwrap_or_default(),
    )
}

/// A port free now (bound and released), for a control plane that must come back on the same one.
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// A backend answering every request with `name`.
pub async fn backend(name: &'static str) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let app = axum::Router::new().fallback(move || async move { name });
    tokio::spawn(async move { axum::serve(listener, app).await });
    format!("http://{addr}")
}

/// The body `GET url` answers with, or the status when it is not 200; "down" when nothing answers.
pub async fn answer(client: &reqwest::Client, url: &str) -> String {
    match client.get(url).send().await {
        Ok(r) if r.status() == 200 => r.text().await.unwrap_or_default(),
        Ok(r) => r.status().as_u16().to_string(),
        Err(_) => "down".into(),
    }
}

/// Waits until every node answers `path` with `expected`; the time it took.
pub async fn until_all_answer(
    nodes: &[&NodeProcess],
    path: &str,
    expected: &str,
    limit: Duration,
) -> Duration {
    let client = reqwest::Client::new();
    let started = Instant::now();
    loop {
        let mut all = true;
        for n in nodes {
            if answer(&client, &format!("{}{path}", n.url)).await != expected {
                all = false;
                break;
            }
        }
        if all {
            return started.elapsed();
        }
        if started.elapsed() > limit {
            let mut seen = Vec::new();
            for n in nodes {
                seen.push(answer(&client, &format!("{}{path}", n.url)).await);
            }
            panic!("nodes answer {path} with {seen:?}, not all {expected:?}, after {limit:?}");
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
}

/// A TCP relay to `target` that can stop passing bytes (both ways, connections left open), as a network
/// that silently drops traffic would.
pub struct Relay {
    pub address: SocketAddr,
    black_hole: Arc<AtomicBool>,
}

impl Relay {
    pub async fn start(target: SocketAddr) -> Relay {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let address = listener.local_addr().unwrap();
        let black_hole = Arc::new(AtomicBool::new(false));
        let hole = Arc::clone(&black_hole);
        tokio::spawn(async move {
            while let Ok((client, _)) = listener.accept().await {
                let Ok(server) = TcpStream::connect(target).await else {
                    continue;
                };
                let (cr, cw) = client.into_split();
                let (sr, sw) = server.into_split();
                tokio::spawn(pipe(cr, sw, Arc::clone(&hole)));
                tokio::spawn(pipe(sr, cw, Arc::clone(&hole)));
            }
        });
        Relay { address, black_hole }
    }

    pub fn set_black_hole(&self, on: bool) {
        self.black_hole.store(on, Ordering::SeqCst);
    }
}

async fn pipe(
    mut from: tokio::net::tcp::OwnedReadHalf,
    mut to: tokio::net::tcp::OwnedWriteHalf,
    hole: Arc<AtomicBool>,
) {
    let mut buffer = vec![0u8; 64 * 1024];
    loop {
        let n = match from.read(&mut buffer).await {
            Ok(0) | Err(_) => return,
            Ok(n) => n,
        };
        // Black-holed bytes are dropped; the connection stays open, as behind a dead link.
        if hole.load(Ordering::SeqCst) {
            continue;
        }
        if to.write_all(&buffer[..n]).await.is_err() {
            return;
        }
    }
}
