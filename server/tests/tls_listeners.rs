//! TLS on both sides, with real processes and certificates made in the test: the console and a remote node
//! listen on HTTPS (HTTP/1.1 and HTTP/2 by ALPN), the node verifies the control plane's certificate against
//! the CA it is given, and a renewed certificate is picked up without dropping connections.

mod support;

use std::path::Path;
use std::time::{Duration, Instant};

#[path = "../../gateway/tests/common/certs.rs"]
mod certs;

use certs::{ca, Ca};
use serde_json::{json, Value};
use support::nodes::{backend, NodeProcess};
use support::process::ServerProcess;

/// Writes `ca.pem`, and a certificate for localhost and 127.0.0.1 signed by it as `name.pem` / `name.key`.
fn issue(dir: &Path, ca: &Ca, name: &str) {
    let (cert, key) = certs::leaf(ca, &["localhost", "127.0.0.1"], false);
    std::fs::write(dir.join(format!("{name}.pem")), cert.pem()).unwrap();
    std::fs::write(dir.join(format!("{name}.key")), key.serialize_pem()).unwrap();
}

fn client(ca: &Ca, http1_only: bool) -> reqwest::Client {
    let root = reqwest::Certificate::from_pem(ca.cert.pem().as_bytes()).unwrap();
    let builder = reqwest::Client::builder().add_root_certificate(root);
    let builder = if http1_only { builder.http1_only() } else { builder };
    builder.build().unwrap()
}

async fn call(
    c: &reqwest::Client,
    server: &ServerProcess,
    method: &str,
    path: &str,
    body: Option<Value>,
) -> Value {
    let (status, json) = support::nodes::rest(c, server, method, path, body).await;
    assert!((200..300).contains(&status), "{method} {path}: {status} {json}");
    json
}

fn arg(dir: &Path, file: &str) -> String {
    dir.join(file).display().to_string()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn console_and_nodes_speak_https_and_nodes_verify_the_control_plane() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let ours = ca("Portico test CA");
    std::fs::write(d.join("ca.pem"), ours.cert.pem()).unwrap();
    issue(d, &ours, "cp");
    issue(d, &ours, "node");
    let server = ServerProcess::start_with(
        d,
        true,
        "127.0.0.1:0",
        &["--tls-cert", &arg(d, "cp.pem"), "--tls-key", &arg(d, "cp.key")],
    );
    assert!(server.url.starts_with("https://"), "{}", server.url);
    let cp_url = server.url.replace("127.0.0.1", "localhost");
    let h1 = client(&ours, true);
    let h2 = client(&ours, false);

    // The console answers over both protocols.
    let r = h2
        .get(format!("{}/apiops/openapi.json", server.url))
        .send()
        .await
        .unwrap();
    assert_eq!(
        (r.status().as_u16(), r.version()),
        (200, reqwest::Version::HTTP_2)
    );
    let r = h1
        .get(format!("{}/apiops/openapi.json", server.url))
        .send()
        .await
        .unwrap();
    assert_eq!(
        (r.status().as_u16(), r.version()),
        (200, reqwest::Version::HTTP_11)
    );

    let issued = call(
        &h1,
        &server,
        "POST",
        "/apiops/node-tokens/",
        Some(json!({"environment": "production", "name": "tls"})),
    )
    .await;
    let token = issued["result"]["token"].as_str().unwrap().to_owned();
    let one = backend("one").await;
    call(
        &h1,
        &server,
        "POST",
        "/apiops/projects/MyProject/apiProxies/",
        Some(json!({
            "name": "secure", "relativePath": "/secure", "deployList": ["production"],
            "routing": {"algorithm": "ROUND_ROBIN", "addressList": [{"address": one, "weight": 1}]}
        })),
    )
    .await;
    call(
        &h1,
        &server,
        "POST",
        "/apiops/projects/MyProject/apiProxies/secure/environments/production/",
        None,
    )
    .await;

    // A node that trusts the control plane's CA follows it, and serves over HTTPS itself.
    let node = NodeProcess::start(
        &cp_url,
        "production",
        &token,
        &d.join("node-cache"),
        &[
            "--control-plane-ca",
            &arg(d, "ca.pem"),
            "--tls-cert",
            &arg(d, "node.pem"),
            "--tls-key",
            &arg(d, "node.key"),
        ],
    );
    assert!(node.url.starts_with("https://"), "{}", node.url);
    let url = format!("{}/secure", node.url);
    let started = Instant::now();
    loop {
        let r = h2.get(&url).send().await;
        if let Ok(r) = r {
            if r.status() == 200 {
                assert_eq!(r.version(), reqwest::Version::HTTP_2);
                assert_eq!(r.text().await.unwrap(), "one");
                break;
            }
        }
        assert!(
            started.elapsed() < Duration::from_secs(5),
            "the node never served /secure: {}",
            node.log()
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let r = h1.get(&url).send().await.unwrap();
    assert_eq!(
        (r.status().as_u16(), r.version()),
        (200, reqwest::Version::HTTP_11)
    );

    // A node told to trust another CA refuses the control plane's certificate and says so.
    let theirs = ca("Someone else's CA");
    std::fs::write(d.join("other-ca.pem"), theirs.cert.pem()).unwrap();
    let doubtful = NodeProcess::start(
        &cp_url,
        "production",
        &token,
        &d.join("doubtful-cache"),
        &["--control-plane-ca", &arg(d, "other-ca.pem")],
    );
    tokio::time::sleep(Duration::from_secs(1)).await;
    let plain = reqwest::Client::new();
    let r = plain
        .get(format!("{}/secure", doubtful.url))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 404);
    assert!(
        doubtful.log().contains("the certificate was refused"),
        "{}",
        doubtful.log()
    );

    // A renewed certificate (here from a new CA) is served to new connections; open ones keep working.
    let renewed = ca("Renewed CA");
    issue(d, &renewed, "node-new");
    std::fs::rename(d.join("node-new.key"), d.join("node.key")).unwrap();
    std::fs::rename(d.join("node-new.pem"), d.join("node.pem")).unwrap();
    let after = client(&renewed, false);
    let started = Instant::now();
    loop {
        if let Ok(r) = after.get(&url).send().await {
            assert_eq!(r.status(), 200);
            break;
        }
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "the renewed certificate was not picked up"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let r = h2.get(&url).send().await.unwrap();
    assert_eq!(
        r.status(),
        200,
        "a connection opened before the renewal was dropped"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_idle_http2_connection_is_closed_after_the_head_timeout() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let ours = ca("Portico test CA");
    std::fs::write(d.join("ca.pem"), ours.cert.pem()).unwrap();
    issue(d, &ours, "node");
    let server = ServerProcess::start(d, true);
    let token = call(
        &reqwest::Client::new(),
        &server,
        "POST",
        "/apiops/node-tokens/",
        Some(json!({"environment": "production", "name": "idle"})),
    )
    .await;
    let token = token["result"]["token"].as_str().unwrap().to_owned();
    let node = NodeProcess::start(
        &server.url,
        "production",
        &token,
        &d.join("node-cache"),
        &[
            "--client-head-timeout-ms",
            "500",
            "--tls-cert",
            &arg(d, "node.pem"),
            "--tls-key",
            &arg(d, "node.key"),
        ],
    );
    // An HTTP/2 client that answers pings but sends nothing: the connection ends on the node's side.
    let mut roots = rustls::RootCertStore::empty();
    for cert in gateway::tls::read_certificates(&d.join("ca.pem")).unwrap() {
        roots.add(cert).unwrap();
    }
    let trust = gateway::tls::Trust::with_roots(roots, &[b"h2"]).unwrap();
    let tcp = tokio::net::TcpStream::connect(node.url.trim_start_matches("https://"))
        .await
        .unwrap();
    let tls = trust.connect("localhost", tcp).await.unwrap();
    assert_eq!(tls.get_ref().1.alpn_protocol(), Some(&b"h2"[..]));
    let (_sender, connection) =
        hyper::client::conn::http2::handshake::<_, _, http_body_util::Empty<bytes::Bytes>>(
            hyper_util::rt::TokioExecutor::new(),
            hyper_util::rt::TokioIo::new(tls),
        )
        .await
        .unwrap();
    let started = Instant::now();
    let ended = tokio::time::timeout(Duration::from_secs(5), connection).await;
    assert!(ended.is_ok(), "the idle connection was still open after 5 s");
    assert!(
        started.elapsed() >= Duration::from_millis(400),
        "closed after {:?}",
        started.elapsed()
    );
}
