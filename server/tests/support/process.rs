//! A real `portico serve` process on a free port and its own database, for suites that must see the server
//! as a whole: that it stays up, how much memory it takes, what survives a kill.

use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

pub struct ServerProcess {
    child: Child,
    pub url: String,
    /// The demo admin's API token, when started with the demo data set.
    pub token: Option<String>,
    /// The demo admin's console password, when started with the demo data set.
    pub password: Option<String>,
    stderr: PathBuf,
}

impl ServerProcess {
    /// Starts `portico serve` on `db` (a path); with `demo`, loads the demo data set first.
    pub fn start(dir: &Path, demo: bool) -> Self {
        Self::start_on(dir, demo, "127.0.0.1:0")
    }

    /// The same, listening on `addr` (a restart on the port remote nodes know).
    pub fn start_on(dir: &Path, demo: bool, addr: &str) -> Self {
        Self::start_with(dir, demo, addr, &[])
    }

    /// The same, with more arguments (e.g. TLS files).
    pub fn start_with(dir: &Path, demo: bool, addr: &str, extra: &[&str]) -> Self {
        let stderr = dir.join(format!("server-{}.log", std::process::id()));
        let log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&stderr)
            .unwrap();
        let mut command = Command::new(env!("CARGO_BIN_EXE_portico"));
        command
            // The demo data set's backends run on this machine, also when a later start has no --demo.
            .args([
                "serve",
                "--allow-loopback-backends",
                "--addr",
                addr,
                "--no-gateway",
                "--site-root",
            ])
            .arg(dir)
            .env("PORTICO_DATABASE_URL", super::shared::database_in(dir))
            .env("RUST_LOG", "warn")
            .stdout(Stdio::piped())
            .stderr(log);
        if demo {
            command.arg("--demo");
        }
        command.args(extra);
        let mut child = command.spawn().unwrap();
        let mut out = BufReader::new(child.stdout.take().unwrap());
        let (mut url, mut token, mut password) = (None, None, None);
        let mut line = String::new();
        while out.read_line(&mut line).unwrap() > 0 {
            if let Some(rest) = line.trim().strip_prefix("Console:") {
                url = Some(rest.trim().trim_end_matches('/').to_owned());
            }
            if let Some(rest) = line.trim().strip_prefix("Demo API token (30 days):") {
                token = Some(rest.trim().to_owned());
            }
            if let Some(rest) = line.trim().split_once("Demo login: admin / ") {
                password = Some(rest.1.trim().to_owned());
            }
            let ready = url.is_some() && (!demo || token.is_some());
            line.clear();
            if ready {
                break;
            }
        }
        // Keep draining stdout so the server never blocks on a full pipe.
        std::thread::spawn(move || std::io::copy(&mut out, &mut std::io::sink()));
        Self {
            child,
            url: url.expect("the server printed its address"),
            token,
            password,
            stderr,
        }
    }

    /// GETs `path` with the demo admin's token; the body of a 200, else a panic naming the path.
    pub async fn fetch(&self, path: &str) -> Vec<u8> {
        let token = self
            .token
            .as_deref()
            .expect("a server started with the demo data set");
        let answer = reqwest::Client::new()
            .get(format!("{}{path}", self.url))
            .header("authorization", format!("Bearer {token}"))
            .send()
            .await
            .unwrap();
        assert_eq!(answer.status(), 200, "GET {path}");
        answer.bytes().await.unwrap().to_vec()
    }

    pub async fn fetch_json(&self, path: &str) -> serde_json::Value {
        serde_json::from_slice(&self.fetch(path).await).unwrap()
    }

    /// The export ZIP of one of the demo project's API proxies.
    pub async fn export(&self, proxy: &str) -> Vec<u8> {
        self.fetch(&format!("/apiops/projects/MyProject/apiProxies/{proxy}/export/"))
            .await
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// The server's peak resident memory so far, in KiB (Linux `VmHWM`).
    pub fn peak_rss_kib(&self) -> u64 {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.pid())).unwrap_or_default();
        status
            .lines()
            .find_map(|l| l.strip_prefix("VmHWM:"))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
            .unwrap_or(0)
    }

    /// True while the process runs.
    pub fn alive(&mut self) -> bool {
        matches!(self.child.try_wait(), Ok(None))
    }

    /// What the server wrote to stderr so far.
    pub fn log(&self) -> String {
        let mut text = String::new();
        if let Ok(mut f) = std::fs::File::open(&self.stderr) {
            let _ = f.read_to_string(&mut text);
        }
        text
    }

    /// Kills it at once (SIGKILL): no flush, no shutdown hook.
    pub fn kill_hard(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for ServerProcess {
    fn drop(&mut self) {
        self.kill_hard();
    }
}

/// A whole-number setting of a suite from the environment (e.g. how long it runs), or its default.
pub fn setting(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(default)
}

/// Opens the database of a server started in `dir` (beside it, as a second process would).
pub async fn open_database(dir: &Path) -> deploy::ControlPlane {
    deploy::ControlPlane::open(&super::shared::database_in(dir))
        .await
        .unwrap()
}

/// Turns retention off (beyond the product's own maximum), so every record a suite causes can be counted.
pub async fn keep_every_record(cp: &deploy::ControlPlane) {
    sqlx::query("UPDATE projects SET history_retention = 1000000")
        .execute(cp.pool())
        .await
        .unwrap();
}
