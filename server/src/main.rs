#![recursion_limit = "256"]
//! `portico`: the control plane's one binary.

use std::io::BufRead;
use std::net::SocketAddr;
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand};
use deploy::archive::ArchiveLimits;
use deploy::users::{self, Password};
use deploy::{Actor, Channel, ControlPlane};

#[derive(Parser)]
#[command(name = "portico", version, about = "Portico: an API management control plane")]
struct Cli {
    /// The database: sqlite://PATH (created, with its folder, if missing) or postgres://USER:PASSWORD@HOST/DB.
    #[arg(
        long,
        global = true,
        env = "PORTICO_DATABASE_URL",
        default_value = "sqlite://data/portico.db"
    )]
    database_url: String,
    /// Let routing addresses point at this machine (loopback). Off by default: project members set
    /// addresses, and the gateway's own machine may hold what they must not reach. `--demo` turns it on.
    #[arg(long, global = true, env = "PORTICO_ALLOW_LOOPBACK_BACKENDS")]
    allow_loopback_backends: bool,
    /// A range routing addresses may not point into, as CIDR (repeatable), beyond the built-in rules.
    #[arg(long = "deny-backend-range", global = true, value_parser = parse_range)]
    deny_backend_ranges: Vec<ipnet::IpNet>,
    #[command(subcommand)]
    command: Command,
}

fn parse_range(text: &str) -> Result<ipnet::IpNet, String> {
    text.parse()
        .map_err(|e| format!("bad range {text:?} (want CIDR, e.g. 10.20.0.0/16): {e}"))
}

#[derive(Subcommand)]
enum Command {
    /// Serve the admin console and the REST API.
    Serve(Serve),
    /// Run a gateway node on its own: serve one environment's live API proxies, following every change.
    Gateway(GatewayNode),
    /// Administer users from the command line.
    #[command(subcommand)]
    Admin(Admin),
}

/// How the data plane talks to backends and follows the database.
#[derive(Args, Clone)]
struct GatewayTuning {
    /// How long a backend may take to accept a connection, in milliseconds.
    #[arg(long, env = "PORTICO_GATEWAY_CONNECT_TIMEOUT_MS", default_value_t = 2000)]
    gateway_connect_timeout_ms: u64,
    /// How long a backend may take to answer, from the request to the last byte, in milliseconds.
    #[arg(long, env = "PORTICO_GATEWAY_TIMEOUT_MS", default_value_t = 30000)]
    gateway_timeout_ms: u64,
    /// How long a client connection may take to send a request head, from its opening or its previous
    /// response (so also how long an idle keep-alive connection stays open), in milliseconds.
    #[arg(long, env = "PORTICO_CLIENT_HEAD_TIMEOUT_MS", default_value_t = 15000)]
    client_head_timeout_ms: u64,
    /// A CA certificate file (PEM) HTTPS backends may be signed by, besides the system's roots (repeatable).
    #[arg(long = "backend-ca-file")]
    backend_ca_files: Vec<std::path::PathBuf>,
}

/// TLS on a listener.
#[derive(Args, Clone)]
struct ListenerTls {
    /// The listener's certificate chain (PEM); with --tls-key, the listener speaks HTTPS (HTTP/2 and
    /// HTTP/1.1). Reloaded on SIGHUP and when the files change.
    #[arg(long, requires = "tls_key")]
    tls_cert: Option<std::path::PathBuf>,
    /// The certificate's private key (PEM).
    #[arg(long, requires = "tls_cert")]
    tls_key: Option<std::path::PathBuf>,
}

impl ListenerTls {
    fn load(&self) -> Result<Option<gateway::tls_listener::ServerTls>, String> {
        let (Some(cert), Some(key)) = (&self.tls_cert, &self.tls_key) else {
            return Ok(None);
        };
        let tls = gateway::tls_listener::ServerTls::load(cert, key)?;
        tls.watch();
        Ok(Some(tls))
    }
}

impl GatewayTuning {
    fn head_timeout(&self) -> std::time::Duration {
        std::time::Duration::from_millis(self.client_head_timeout_ms.max(1))
    }

    fn options(&self) -> Result<gateway::Options, String> {
        let backend_trust = if self.backend_ca_files.is_empty() {
            None
        } else {
            let files: Vec<&std::path::Path> = self.backend_ca_files.iter().map(|p| p.as_path()).collect();
            Some(gateway::tls::Trust::new(&files, gateway::tls::BACKEND_ALPN)?)
        };
        Ok(gateway::Options {
            backend_trust,
            connect_timeout: std::time::Duration::from_millis(self.gateway_connect_timeout_ms),
            response_timeout: std::time::Duration::from_millis(self.gateway_timeout_ms),
            head_timeout: self.head_timeout(),
            ..Default::default()
        })
    }
}

#[derive(Args)]
struct GatewayNode {
    /// The environment whose live API proxies this node serves.
    #[arg(long)]
    environment: String,
    /// Address to listen on.
    #[arg(long, default_value = "127.0.0.1:8080")]
    listen: SocketAddr,
    /// Follow this control plane (its console URL, e.g. https://cp.example:3000) instead of opening the
    /// database: the node holds no database credentials and can run on any machine.
    #[arg(long, requires_all = ["node_token_file", "cache_dir"])]
    control_plane: Option<String>,
    /// A file holding the node token (`portico admin create-node-token`).
    #[arg(long)]
    node_token_file: Option<std::path::PathBuf>,
    /// Where the node keeps its id and its last known good live set (served when the control plane is down).
    #[arg(long)]
    cache_dir: Option<std::path::PathBuf>,
    /// A CA certificate (PEM) the control plane's certificate is signed by, besides the system's roots.
    #[arg(long)]
    control_plane_ca: Option<std::path::PathBuf>,
    #[command(flatten)]
    tls: ListenerTls,
    #[command(flatten)]
    tuning: GatewayTuning,
}

#[derive(Args)]
struct Serve {
    /// Address to listen on.
    #[arg(long, env = "PORTICO_ADDR", default_value = "127.0.0.1:3000")]
    addr: SocketAddr,
    /// Load the demo data set (once) and print a login for it.
    #[arg(long)]
    demo: bool,
    /// The built site (WASM, CSS, public files).
    #[arg(long, env = "LEPTOS_SITE_ROOT", default_value = server::DEFAULT_SITE_ROOT)]
    site_root: String,
    /// The largest export archive an import accepts, in MiB.
    #[arg(long, env = "PORTICO_IMPORT_LIMIT_MIB", default_value_t = 10, value_parser = clap::value_parser!(u32).range(1..=1024))]
    import_limit_mib: u32,
    /// Where an environment's gateway listens, as NAME=ADDRESS (repeatable). Otherwise environments whose
    /// access URL is http://127.0.0.1:PORT or http://localhost:PORT are served there; with --demo, the
    /// others get a free local port, recorded as their access URL.
    #[arg(long = "gateway", value_parser = parse_gateway_listen)]
    gateway_listen: Vec<(String, SocketAddr)>,
    /// Serve the console and REST API only, no gateway (run `portico gateway` nodes instead).
    #[arg(long)]
    no_gateway: bool,
    /// TLS for the console and REST API listener.
    #[command(flatten)]
    tls: ListenerTls,
    #[command(flatten)]
    tuning: GatewayTuning,
}

fn parse_gateway_listen(text: &str) -> Result<(String, SocketAddr), String> {
    let (name, address) = text
        .split_once('=')
        .ok_or_else(|| format!("expected NAME=ADDRESS, got {text:?}"))?;
    let address = address
        .parse()
        .map_err(|e| format!("bad address {address:?}: {e}"))?;
    Ok((name.to_owned(), address))
}

#[derive(Subcommand)]
enum Admin {
    /// Create a user; the password is read from the first line of standard input.
    CreateUser {
        username: String,
        /// Read the password from standard input (the only way, so it stays out of shell history).
        #[arg(long, required = true)]
        password_stdin: bool,
        /// Let the user do everything everywhere.
        #[arg(long)]
        system_admin: bool,
    },
    /// Set a user's password (their console sessions end); the password is read from standard input. The
    /// way back in when no system admin can sign in.
    ResetPassword {
        username: String,
        /// Read the password from standard input (the only way, so it stays out of shell history).
        #[arg(long, required = true)]
        password_stdin: bool,
    },
    /// Let a disabled user sign in again (`--disable` to disable one; their sessions end).
    EnableUser {
        username: String,
        #[arg(long)]
        disable: bool,
    },
    /// Issue a personal API access token; prints the token (once) and nothing else on standard output.
    CreateToken {
        username: String,
        /// A label to tell the token apart, e.g. the pipeline that uses it.
        #[arg(long)]
        name: String,
        /// Days until the token expires; without it, it does not expire.
        #[arg(long)]
        expires_in_days: Option<u32>,
    },
    /// Issue a token for gateway nodes of one environment; prints the token (once) as the last line.
    CreateNodeToken {
        #[arg(long)]
        environment: String,
        /// A label to tell the token apart, e.g. the host the node runs on.
        #[arg(long, default_value = "gateway node")]
        name: String,
    },
    /// List gateway node tokens (hints only), optionally of one environment.
    ListNodeTokens {
        #[arg(long)]
        environment: Option<String>,
    },
    /// Revoke a gateway node token by its id.
    RevokeNodeToken { id: i64 },
    /// Copy everything from one database into another, new one (e.g. SQLite to PostgreSQL); checks every
    /// table's rows and fingerprint before it says done. Console sessions are not copied.
    CopyDatabase {
        /// The database to copy from (default: --database-url).
        #[arg(long)]
        from: Option<String>,
        /// The database to fill; it must hold no data yet (it is migrated first).
        #[arg(long)]
        to: String,
    },
    /// Write a consistent copy of the SQLite database to FILE, also while `portico serve` runs on it.
    Backup {
        #[arg(long)]
        to: std::path::PathBuf,
    },
}

fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| "info,sqlx=warn,tower_sessions=warn".into()),
        )
        .init();
    let cli = Cli::parse();
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("portico: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(cli)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("portico: {message}");
            ExitCode::FAILURE
        }
    }
}

async fn run(cli: Cli) -> Result<(), String> {
    let demo = matches!(&cli.command, Command::Serve(s) if s.demo);
    let policy = deploy::backends::BackendPolicy::new(
        cli.allow_loopback_backends || demo,
        cli.deny_backend_ranges.clone(),
    );
    // A remote node never opens the database.
    if let Command::Gateway(node) = &cli.command {
        if node.control_plane.is_some() {
            policy.set_interface_addresses(gateway::listen::interface_addresses());
            return run_remote_node(policy, node).await;
        }
    }
    if let Command::Admin(Admin::CopyDatabase { from, to }) = &cli.command {
        return copy_database(from.as_deref().unwrap_or(&cli.database_url), to).await;
    }
    let cp = ControlPlane::open(&cli.database_url)
        .await
        .map_err(|e| e.to_string())?
        .with_backend_policy(policy);
    cp.backends()
        .set_interface_addresses(gateway::listen::interface_addresses());
    match cli.command {
        Command::Serve(serve) => run_server(cp, serve).await,
        Command::Gateway(node) => run_gateway_node(cp, node).await,
        Command::Admin(Admin::CreateUser {
            username,
            password_stdin: _,
            system_admin,
        }) => {
            let password = read_password()?;
            let user = users::create_user(
                &cp,
                &Actor::system(Channel::Cli),
                &username,
                &password,
                system_admin,
            )
            .await
            .map_err(|e| e.to_string())?;
            println!(
                "Created user {}{}",
                user.username,
                if user.system_admin { " (system admin)" } else { "" }
            );
            cp.close().await;
            Ok(())
        }
        Command::Admin(Admin::ResetPassword {
            username,
            password_stdin: _,
        }) => {
            let password = read_password()?;
            let system = Actor::system(Channel::Cli);
            users::set_password(&cp, &system, &username, &password)
                .await
                .map_err(|e| e.to_string())?;
            println!("Set the password of {username}; their console sessions have ended.");
            cp.close().await;
            Ok(())
        }
        Command::Admin(Admin::EnableUser { username, disable }) => {
            let system = Actor::system(Channel::Cli);
            deploy::user_admin::set_disabled(&cp, &system, &username, disable)
                .await
                .map_err(|e| e.to_string())?;
            println!("{} {username}.", if disable { "Disabled" } else { "Enabled" });
            cp.close().await;
            Ok(())
        }
        Command::Admin(Admin::CreateToken {
            username,
            name,
            expires_in_days,
        }) => {
            let system = Actor::system(Channel::Cli);
            let (token, info) = deploy::tokens::create_token(&cp, &system, &username, &name, expires_in_days)
                .await
                .map_err(|e| e.to_string())?;
            println!("{}", token.expose());
            eprintln!(
                "Token {:?} for {username} created{}; it is shown only this once.",
                info.name,
                info.expires_at
                    .map(|at| format!(", expires {at}"))
                    .unwrap_or_default()
            );
            cp.close().await;
            Ok(())
        }
        Command::Admin(Admin::CreateNodeToken { environment, name }) => {
            let system = Actor::system(Channel::Cli);
            let (token, info) = deploy::node_tokens::create_node_token(&cp, &system, &environment, &name)
                .await
                .map_err(|e| e.to_string())?;
            eprintln!(
                "Node token {} ({:?}) for environment {} created; it is shown only this once.",
                info.id, info.name, info.environment
            );
            println!("{}", token.expose());
            cp.close().await;
            Ok(())
        }
        Command::Admin(Admin::ListNodeTokens { environment }) => {
            let system = Actor::system(Channel::Cli);
            let tokens = deploy::node_tokens::list_node_tokens(&cp, &system, environment.as_deref())
                .await
                .map_err(|e| e.to_string())?;
            for t in tokens {
                println!(
                    "{}\t{}\t{}\t{}…\tcreated {}\t{}",
                    t.id,
                    t.environment,
                    t.name,
                    t.hint,
                    t.created_at,
                    t.revoked_at
                        .map_or("active".to_owned(), |at| format!("revoked {at}"))
                );
            }
            cp.close().await;
            Ok(())
        }
        Command::Admin(Admin::CopyDatabase { .. }) => unreachable!("handled before the database is opened"),
        Command::Admin(Admin::Backup { to }) => {
            let report = deploy::moving::backup(&cp, &to)
                .await
                .map_err(|e| e.to_string())?;
            println!(
                "Backed up to {} ({} bytes); its integrity check passed.",
                to.display(),
                report.bytes
            );
            cp.close().await;
            Ok(())
        }
        Command::Admin(Admin::RevokeNodeToken { id }) => {
            let system = Actor::system(Channel::Cli);
            deploy::node_tokens::revoke_node_token(&cp, &system, id)
                .await
                .map_err(|e| e.to_string())?;
            println!("Node token {id} revoked");
            cp.close().await;
            Ok(())
        }
    }
}

fn read_password() -> Result<Password, String> {
    let mut line = String::new();
    std::io::stdin()
        .lock()
        .read_line(&mut line)
        .map_err(|e| format!("cannot read the password: {e}"))?;
    let password = line.trim_end_matches(['\r', '\n']);
    if password.is_empty() {
        return Err("no password on standard input".into());
    }
    Ok(Password::new(password))
}

async fn run_server(cp: ControlPlane, serve: Serve) -> Result<(), String> {
    match deploy::live_paths::overlaps(&cp).await {
        Ok(found) => {
            for (environment, one, other) in found {
                tracing::warn!(
                    %environment,
                    "paths {one} and {other} overlap: they went live before a path had one owner; \
                     the next deploy of either there is refused until one is undeployed"
                );
            }
        }
        Err(e) => tracing::warn!("cannot look for overlapping live paths: {e}"),
    }
    let demo = if serve.demo {
        Some(deploy::demo::load(&cp).await.map_err(|e| e.to_string())?)
    } else {
        None
    };
    let bytes = serve.import_limit_mib as usize * 1024 * 1024;
    let limits = ArchiveLimits {
        max_archive_bytes: bytes,
        max_entry_bytes: bytes,
        ..ArchiveLimits::default()
    };
    let app = server::app_with(cp.clone(), &serve.site_root, limits)
        .await
        .map_err(|e| e.to_string())?;
    let gateway = deploy::publish::gateway_id(&cp)
        .await
        .map_err(|e| e.to_string())?;
    let listener = tokio::net::TcpListener::bind(serve.addr)
        .await
        .map_err(|e| format!("cannot listen on {}: {e}", serve.addr))?;
    let addr = listener.local_addr().map_err(|e| e.to_string())?;
    cp.backends().add_own_listener(addr);
    println!("Portico is running.");
    let tls = serve.tls.load()?;
    let scheme = if tls.is_some() { "https" } else { "http" };
    println!("  Console:  {scheme}://{addr}/");
    println!("  REST API: {scheme}://{addr}/apiops/");
    println!("  Gateway id (instance_id of /v2/.../apis/publish): {gateway}");
    if !serve.no_gateway {
        let plan = server::embedded_gateways::Plan {
            listen: serve.gateway_listen.iter().cloned().collect(),
            assign_free_ports: serve.demo,
        };
        server::embedded_gateways::start(cp.clone(), serve.tuning.options()?, plan).await;
    }
    if let Some(login) = demo {
        let ports = server::demo_backends::start().await;
        if !ports.is_empty() {
            println!("  Demo backends (where the demo API proxies route): 127.0.0.1 ports {ports:?}");
        }
        println!("  Demo login: {} / {}", login.username, login.password);
        println!("  Demo API token (30 days): {}", login.token.expose());
        println!("    e.g. curl -X POST \"http://{addr}/apiops/projects/MyProject/apiProxyGroups/PaymentAPIGroup/environments/production/\" -H \"Authorization: Bearer {}\"", login.token.expose());
    }
    tracing::info!(%addr, "listening");
    server::listener::serve(listener, app, tls, serve.tuning.head_timeout(), shutdown_signal()).await;
    cp.close().await;
    Ok(())
}

/// `admin copy-database`: the source must exist at this version's schema and is not changed; the target is
/// migrated and must hold no data.
async fn copy_database(from: &str, to: &str) -> Result<(), String> {
    let source = ControlPlane::open_existing(from)
        .await
        .map_err(|e| format!("--from: {e}"))?;
    let target = ControlPlane::open(to).await.map_err(|e| format!("--to: {e}"))?;
    let report = deploy::moving::copy_database(&source, &target)
        .await
        .map_err(|e| e.to_string())?;
    for t in &report.tables {
        println!(
            "{:<22} {:>8} rows  sha256 {}",
            t.table,
            t.rows,
            &t.fingerprint[..16]
        );
    }
    let rows: usize = report.tables.iter().map(|t| t.rows).sum();
    println!(
        "Copied {rows} rows in {} tables; every table's row count and fingerprint match. Console sessions were \
         not copied: people sign in again.",
        report.tables.len()
    );
    source.close().await;
    target.close().await;
    Ok(())
}

async fn run_gateway_node(cp: ControlPlane, node: GatewayNode) -> Result<(), String> {
    let listener = gateway::bind(node.listen)
        .await
        .map_err(|e| format!("cannot listen on {}: {e}", node.listen))?;
    let addr = listener.local_addr();
    cp.backends().add_own_listener(addr);
    let mut options = node.tuning.options()?;
    options.listener_tls = node.tls.load()?;
    server::embedded_gateways::start_node(&cp, &node.environment, listener, options)
        .await
        .map_err(|e| e.to_string())?;
    println!("Gateway for {}: http://{addr}", node.environment);
    shutdown_signal().await;
    cp.close().await;
    Ok(())
}

async fn run_remote_node(policy: deploy::backends::BackendPolicy, node: &GatewayNode) -> Result<(), String> {
    let (Some(control_plane), Some(token_file), Some(cache_dir)) =
        (&node.control_plane, &node.node_token_file, &node.cache_dir)
    else {
        return Err("--control-plane needs --node-token-file and --cache-dir".into());
    };
    let control_plane: http::Uri = control_plane
        .parse()
        .map_err(|e| format!("bad --control-plane URL {control_plane:?}: {e}"))?;
    if !matches!(control_plane.scheme_str(), Some("http" | "https")) || control_plane.host().is_none() {
        return Err(format!(
            "--control-plane must be an http:// or https:// URL, got {control_plane}"
        ));
    }
    let token = std::fs::read_to_string(token_file)
        .map_err(|e| format!("cannot read {}: {e}", token_file.display()))?
        .trim()
        .to_owned();
    let extra: Vec<&std::path::Path> = node.control_plane_ca.iter().map(|p| p.as_path()).collect();
    let trust = gateway::tls::Trust::new(&extra, &[b"http/1.1"])?;
    let cache = gateway::cache_dir::CacheDir::open(cache_dir)
        .map_err(|e| format!("cannot use {}: {e}", cache_dir.display()))?;
    let node_id = cache
        .node_id()
        .map_err(|e| format!("cannot keep the node id in {}: {e}", cache_dir.display()))?;
    let listener = gateway::bind(node.listen)
        .await
        .map_err(|e| format!("cannot listen on {}: {e}", node.listen))?;
    let addr = listener.local_addr();
    policy.add_own_listener(addr);
    let mut options = node.tuning.options()?;
    options.listener_tls = node.tls.load()?;
    let scheme = if options.listener_tls.is_some() {
        "https"
    } else {
        "http"
    };
    let served = gateway::Node::new(&node.environment, options.clone(), std::sync::Arc::new(policy));
    let serving = match cache.load(&node.environment) {
        Ok(Some(set)) => {
            let (version, proxies) = (set.version, set.routes.len());
            let applied = served.apply(gateway::Update::Set(std::sync::Arc::new(set)));
            tracing::info!(
                version,
                proxies,
                "serving the last known good live set from {}",
                cache.path().display()
            );
            Some(applied)
        }
        Ok(None) => None,
        Err(e) => {
            tracing::error!(
                "{e}: {} is not served; waiting for the control plane",
                cache.path().display()
            );
            None
        }
    };
    served.serve(listener);
    let remote = gateway::remote::Remote {
        control_plane,
        token,
        node_id: node_id.clone(),
        trust,
        silence: gateway::remote::DEFAULT_SILENCE,
        heartbeat: options.heartbeat,
        connect_timeout: options.connect_timeout,
    };
    served.follow(gateway::remote::RemoteSource::start(remote, Some(cache), serving));
    println!(
        "Gateway for {}: {scheme}://{addr} (node {node_id})",
        node.environment
    );
    shutdown_signal().await;
    Ok(())
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        if let Ok(mut s) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            s.recv().await;
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = terminate => {},
    }
    tracing::info!("shutting down");
}
