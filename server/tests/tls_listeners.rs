//! TLS on both sides, with real processes and certificates made in the test: the console and a remote node
//! listen on HTTPS (HTTP/1.1 and HTTP/2 by ALPN), the node verifies the control plane's certificate against
//! the CA it is given, and a renewed certificate is picked up without dropping connections.

mod support;

use std::path::Path;
use std::time::{Duration, Instant};

use rcgen::{BasicConstraints, CertificateParams, DnType, IsCa, KeyPair};
use serde_json::{json, Value};
use support::nodes::{backend, NodeProcess};
use support::process::ServerProcess;

struct Ca {
    cert: rcgen::Certificate,
    key: KeyPair,
}

fn ca(name: &str) -> Ca {
    let key = KeyPair::generate().unwrap();
    let mut params = CertificateParams::new(Vec::<String>::new()).unwrap();
    params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    params.distinguished_name.push(DnType::CommonName, name);
    Ca {
        cert: params.self_signed(&key).unwrap(),
        key,
    }
}

/// Writes `ca.pem`, and a certificate for localhost and 127.0.0.1 signed by it as `name.pem` / `name.key`.
fn issue(dir: &Path, ca: &Ca, name: &str) {
    let key = KeyPair::generate().unwrap();
    let params = CertificateParams::new(vec!["localhost".to_owned(), "127.0.0.1".to_owned()]).unwrap();
    let cert = params.signed_by(&key, &ca.cert, &ca.key).unwrap();
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
    let token = server.token.as_deref().unwrap();
    let mut request = c
        .request(method.parse().unwrap(), format!("{}{path}", server.url))
        .header("authorization", format!("Bearer {token}"));
    if let Some(body) = body {
        request = request
            .header("content-type", "application/json")
            .body(body.to_string());
    }
    let r = request.send().await.unwrap();
    assert!(r.status().is_success(), "{method} {path}: {}", r.status());
    serde_json::from_str(&r.text().await.unwrap()).unwrap()
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
